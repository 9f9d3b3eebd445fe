"""Python source as text: string literals, docstrings, calls, displays and `def` lines, laid
out as ruff formats them.

Calls and displays that fit in `LINE` columns stay on one line; longer ones are exploded one
argument per line with a trailing comma, which ruff keeps. Control characters never reach the
code: `printable` escapes them in comments and docstrings.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator, Sequence

__all__ = [
    "INDENT",
    "LINE",
    "call",
    "define",
    "docstring",
    "first_line",
    "fit_lines",
    "import_from",
    "mapping",
    "printable",
    "pystr",
    "tuple_of",
]

LINE = 88
INDENT = "    "


def pystr(text: str) -> str:
    """A Python string literal in ruff's preferred quotes."""
    body = repr(text)[1:-1]
    if text.count('"') > text.count("'"):
        return "'" + body + "'"
    body = body.replace("\\'", "'").replace('"', '\\"')
    return '"' + body + '"'


def printable(text: str) -> str:
    """`text` with control characters as escapes (`\\n`): in a comment or a docstring one would
    end the line and let the rest be code, and a NUL would not even compile."""
    return "".join(c if c.isprintable() or c == "\t" else ascii(c)[1:-1] for c in text)


def docstring(lines: Sequence[str], indent: str) -> list[str]:
    """A docstring of `lines` at `indent`: quotes and backslashes escaped, long lines wrapped."""
    width = LINE - len(indent)
    cleaned: list[str] = []
    for line in lines:
        text = printable(line.replace("\\", "\\\\").replace('"""', '\\"\\"\\"').rstrip())
        lead = text[: len(text) - len(text.lstrip())]
        if len(text) <= width - 6:
            cleaned.append(text)
            continue
        cleaned += textwrap.wrap(
            text, width - 6, initial_indent=lead, subsequent_indent=lead, break_on_hyphens=False
        )
    while cleaned and not cleaned[-1]:
        cleaned.pop()
    if not cleaned:
        return []
    if len(cleaned) == 1:
        only = cleaned[0] + (" " if cleaned[0].endswith('"') else "")
        return [f'{indent}"""{only}"""']
    out = [f'{indent}"""{cleaned[0]}']
    out += [f"{indent}{line}" if line else "" for line in cleaned[1:]]
    out.append(f'{indent}"""')
    return out


def first_line(text: str | None) -> str:
    """The first line of a description, or "" when there is none."""
    lines = (text or "").strip().splitlines()
    return lines[0] if lines else ""


def tuple_of(items: Sequence[str]) -> str:
    """A tuple display (a one-element tuple needs its comma; longer ones take none)."""
    if len(items) == 1:
        return f"({items[0]},)"
    return "(" + ", ".join(items) + ")"


def call(head: str, args: Sequence[str], indent: str, tail: str = ")") -> list[str]:
    """`head` + args + `tail`: one line when it fits and no argument spans lines."""
    one = f"{indent}{head}{', '.join(args)}{tail}"
    if len(one) <= LINE and not any("\n" in a for a in args):
        return [one]
    out = [f"{indent}{head}"]
    inner = indent + INDENT
    for arg in args:
        arg_lines = arg.split("\n")
        out.append(inner + arg_lines[0])
        out += [inner + line for line in arg_lines[1:]]
        out[-1] += ","
    out.append(f"{indent}{tail}")
    return out


def mapping(items: Sequence[tuple[str, str]], column: int = 0) -> str:
    """A dict display; multi-line (with a trailing comma) when it is long.

    `column` is where the display's own lines start. An entry whose string value would not
    fit in `LINE` columns puts the string alone on a line in parentheses, as ruff does: a
    line that is one string is no E501, however long.
    """
    one = "{" + ", ".join(f"{k}: {v}" for k, v in items) + "}"
    if len(one) <= LINE - 20 and not any("\n" in v for _, v in items):
        return one
    lines = ["{"]
    for key, value in items:
        entry = f"{INDENT}{key}: {value},"
        if column + len(entry) > LINE and "\n" not in value and value[:1] in {'"', "'"}:
            lines += [f"{INDENT}{key}: (", f"{INDENT * 2}{value}", f"{INDENT}),"]
            continue
        value_lines = value.split("\n")
        lines.append(f"{INDENT}{key}: {value_lines[0]}")
        lines += [INDENT + line for line in value_lines[1:]]
        lines[-1] += ","
    lines.append("}")
    return "\n".join(lines)


def import_from(module: str, names: Sequence[str]) -> list[str]:
    """An import line in isort's order: CONSTANTS, then Classes, then functions."""
    if not names:
        return []
    names = sorted(names, key=lambda n: (0 if n.isupper() else 1 if n[0].isupper() else 2, n))
    return (
        call(f"from {module} import (", list(names), "")
        if len(f"from {module} import {', '.join(names)}") > LINE
        else [f"from {module} import {', '.join(names)}"]
    )


def define(
    name: str, params: Sequence[str], returns: str, indent: str, body: str | None = None
) -> list[str]:
    """A `def` line (or lines, one parameter each, when it is long); `body` on the same line."""
    tail = f") -> {returns}:" + (f" {body}" if body else "")
    one = f"{indent}def {name}({', '.join(params)}{tail}"
    if len(one) <= LINE:
        return [one]
    out = [f"{indent}def {name}("]
    out += [f"{indent}{INDENT}{p}," for p in params]
    out.append(f"{indent}{tail}")
    return out


_OPENERS = {"(": ")", "[": "]", "{": "}"}


def fit_lines(text: str) -> str:
    """`text` with every code line longer than `LINE` split as ruff keeps it.

    The builders above lay out what they know is long; a line that is long only once its
    values are in (an enum's values in a `Rule`, a type with a long `Literal`) is split here:
    the last bracket of the line that holds two or more elements is exploded one element a
    line with a trailing comma (ruff keeps such a "magic trailing comma"), and what follows
    its closing bracket moves to a line of its own when it is more than punctuation.
    Docstrings and comments are left alone (`docstring` wraps them).
    """
    out: list[str] = []
    in_docstring = False
    for line in text.split("\n"):
        if in_docstring or line.lstrip().startswith("#"):
            out.append(line)
        else:
            out += _fit(line)
        if line.count('"""') % 2 == 1:
            in_docstring = not in_docstring
    return "\n".join(out)


def _fit(line: str) -> list[str]:
    if len(line) <= LINE:
        return [line]
    split = _explode(line)
    if split is None:
        return [line]  # nothing to split: ruff would leave it too
    return [piece for part in split for piece in _fit(part)]


def _explode(line: str) -> list[str] | None:
    indent = line[: len(line) - len(line.lstrip())]
    pairs = _bracket_pairs(line)
    for opened, closed in sorted(pairs, key=lambda p: (-p[1], p[0])):
        elements = _top_level_split(line[opened + 1 : closed])
        is_call = opened > 0 and (line[opened - 1].isalnum() or line[opened - 1] in "_)]")
        if len(elements) < 2 and not (is_call and line[opened] == "(" and elements):
            continue  # a trailing comma would make one element a tuple
        rest = line[closed + 1 :]
        lines = [line[: opened + 1]]
        lines += [f"{indent}{INDENT}{element}," for element in elements]
        if rest.strip(" ,:)]}") == "":
            lines.append(f"{indent}{line[closed]}{rest}")
        else:
            lines += [f"{indent}{line[closed]}", f"{indent}{rest.strip()}"]
        return lines
    return None


def _code(text: str) -> Iterator[tuple[int, str]]:
    """(position, character) of each character of `text` outside string literals."""
    quote = ""
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        else:
            yield i, ch
        i += 1


def _bracket_pairs(line: str) -> list[tuple[int, int]]:
    """(open, close) positions of the brackets of `line` that close on it, outside strings."""
    pairs: list[tuple[int, int]] = []
    stack: list[int] = []
    for i, ch in _code(line):
        if ch in _OPENERS:
            stack.append(i)
        elif ch in ")]}" and stack:
            pairs.append((stack.pop(), i))
    return pairs


def _top_level_split(body: str) -> list[str]:
    """The comma-separated elements of a bracket's contents (nested brackets kept whole)."""
    elements: list[str] = []
    depth = 0
    start = 0
    for i, ch in _code(body):
        if ch in _OPENERS:
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            elements.append(body[start:i].strip())
            start = i + 1
    last = body[start:].strip()
    if last:
        elements.append(last)
    return elements
