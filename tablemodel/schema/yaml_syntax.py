"""Where a YAML parser's marks point, and YAML syntax errors located at the mistake.

A parser notices a mistake late (the line after an unclosed `[` or a key without its `:`);
`yaml_error` turns its exception into a TM004 (or TM002, TM008) diagnostic at the mistake.
"""

from __future__ import annotations

import re
from typing import Protocol

import yaml
from yaml.error import MarkedYAMLError
from yaml.reader import ReaderError

from tablemodel.diagnostics import ModelLoadError, PathPart
from tablemodel.schema.positions import ModelPath, Position, line_column
from tablemodel.schema.problems import (
    MAX_DEPTH,
    SURROGATE,
    SYNTAX_ERROR,
    error,
    lone_surrogate,
    too_large,
)

Link = tuple["Link", PathPart] | None
"""A path as a chain of (parent, part) pairs: made per node in O(1), made a tuple on demand."""


class Mark(Protocol):
    # yaml.error.Mark from the pure-Python parser, yaml._yaml.Mark from libyaml; both 0-based.
    line: int
    column: int
    index: int


def link_path(link: Link) -> ModelPath:
    parts: list[PathPart] = []
    while link is not None:
        link, part = link
        parts.append(part)
    return tuple(reversed(parts))


def packed(mark: Mark) -> int:
    return (mark.line + 1) << 32 | (mark.column + 1)


def mark_position(mark: Mark | None) -> Position | None:
    # PyYAML marks are 0-based.
    return None if mark is None else (mark.line + 1, mark.column + 1)


# ---------------------------------------------------------------------------------------------
# YAML syntax errors, located where the mistake is

_BREAKS = "\n\r\x85\u2028\u2029"
_LONE_KEY = re.compile(r"[A-Za-z0-9_.$-]+")


def yaml_error(
    exc: yaml.YAMLError, text: str, source: str, where: tuple[Link, bool]
) -> ModelLoadError:
    if isinstance(exc, ReaderError):
        line, column = line_column(text, int(exc.position))
        char = exc.character
        # PyYAML gives the character's code point for text input, the byte for bytes.
        code = ord(char) if isinstance(char, str) else char
        shown = f"#x{code:04x}" if isinstance(code, int) else repr(char)
        return ModelLoadError(
            [
                error(
                    SYNTAX_ERROR,
                    f"unacceptable character {shown}: YAML files hold printable text only",
                    source,
                    line=line,
                    column=column,
                )
            ]
        )
    if isinstance(exc, MarkedYAMLError) and "maximum nesting depth" in (exc.problem or ""):
        # libyaml stops at 1,000 levels of flow nesting, looking ahead of the builder.
        return too_large(
            source,
            f"nested deeper than {MAX_DEPTH} levels",
            *(mark_position(exc.problem_mark) or (1, 1)),
        )
    if isinstance(exc, MarkedYAMLError):
        escape = _bad_escape(exc, text)
        if escape is not None and SURROGATE.match(escape):
            # libyaml refuses the escape the pure-Python parser lets through: report it the
            # same way, at the start of the scalar.
            at = mark_position(exc.context_mark or exc.problem_mark) or (1, 1)
            return lone_surrogate(
                source, escape, line=at[0], column=at[1], path=link_path(where[0]), key=where[1]
            )
        message, at, hint = _syntax_error(exc, text)
        return ModelLoadError(
            [error(SYNTAX_ERROR, message, source, line=at[0], column=at[1], hint=hint)]
        )
    return ModelLoadError(
        [error(SYNTAX_ERROR, f"cannot parse YAML: {exc}", source, line=1, column=1)]
    )


def _bad_escape(exc: MarkedYAMLError, text: str) -> str | None:
    """The character of a `\\u`, `\\U` or `\\x` escape libyaml refused, if that is the error."""
    mark = exc.problem_mark
    if mark is None or "escape code" not in (exc.problem or ""):
        return None
    width = {"x": 2, "u": 4, "U": 8}.get(text[mark.index - 1 : mark.index])
    if width is None:
        return None
    digits = text[mark.index : mark.index + width]
    try:
        code = int(digits, 16)
    except ValueError:
        return None
    return chr(code) if len(digits) == width and code <= 0x10FFFF else None


def _syntax_error(exc: MarkedYAMLError, text: str) -> tuple[str, Position, str | None]:
    """Message, position and hint for a YAML syntax error, at the mistake rather than after it.

    A parser notices some mistakes only further on: an unclosed quote at the end of the file,
    an unclosed `[` at the next `:`, a key without its `:` on the next line. Those point back
    at what was left open, and say where the parser noticed.
    """
    problem = exc.problem or "invalid YAML"
    context = exc.context or ""
    found, opened = exc.problem_mark, exc.context_mark
    at = mark_position(found or opened) or (1, 1)
    noticed = f"line {at[0]}, column {at[1]}"
    if found is not None and opened is not None and opened.line < found.line:
        start = mark_position(opened) or at
        if context == "while scanning a quoted scalar":
            return (
                "YAML syntax error: the quoted text that starts here is never closed",
                start,
                f"add the closing quote; the parser reached {noticed} looking for it",
            )
        if context in {"while parsing a flow sequence", "while parsing a flow mapping"}:
            bracket = text[opened.index : opened.index + 1] or "["
            return (
                f"YAML syntax error: the `{bracket}` here is not closed: {problem} at {noticed}",
                start,
                None,
            )
        if context == "while scanning a simple key":
            return (
                "YAML syntax error: could not find the `:` expected after this key",
                start,
                None,
            )
    hint = None
    if found is not None:
        if text[found.index : found.index + 1] == "\t":
            hint = "YAML indents with spaces; replace the tab by spaces"
        elif problem.startswith("mapping values are not allowed"):
            missing = _missing_colon(text, found.index)
            if missing is not None:
                return (
                    f"YAML syntax error: expected `:` after `{missing[0]}`",
                    missing[1],
                    f"without it, the next line reads as part of this value ({problem} "
                    f"at {noticed})",
                )
    message = f"YAML syntax error: {problem}"
    if context:
        message += f" ({context})"
    return message, at, hint


def _missing_colon(text: str, index: int) -> tuple[str, Position] | None:
    """The key on an earlier line that lacks its `:`, when that is why `index` holds a `:`.

    `entities:` then `  Racer` then `  attributes: ...` reads as one value `Racer attributes`
    followed by a `:` the parser cannot place; the mistake is the missing `:` after `Racer`.
    """
    line_start = max(text.rfind(b, 0, index) for b in _BREAKS) + 1
    if not _LONE_KEY.fullmatch(text[line_start:index].strip()):
        return None
    end = line_start - 1
    while end > 0:
        start = max(text.rfind(b, 0, end) for b in _BREAKS) + 1
        content = text[start:end].split(" #", maxsplit=1)[0].rstrip()
        if content.strip() and not content.lstrip().startswith("#"):
            if _LONE_KEY.fullmatch(content.strip()):
                return content.strip(), _yaml_line_column(text, start + len(content))
            return None
        end = start - 1
    return None


_YAML_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")


def _yaml_line_column(text: str, index: int) -> Position:
    """1-based line and column of `index`, counting line breaks as YAML does."""
    breaks = list(_YAML_BREAK.finditer(text, 0, index))
    start = breaks[-1].end() if breaks else 0
    return len(breaks) + 1, index - start + 1
