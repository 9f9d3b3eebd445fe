r"""Key templates: `RACE#{race_id}#RACER#{racer_id}`, `SECOND#{second:05d}`, `profile`.

A template is a sequence of literal text and variables. `{{` and `}}` stand for literal braces.
The only format spec is a zero-padded integer width (`{n:05d}`) or plain `{n:d}`, because a key
part must sort and parse back predictably; richer specs are rejected, not guessed at.

A variable names an attribute, and an attribute may have any name DynamoDB accepts: `{Order
Date}`, `{follower#}`, `{déjà-vu}` are variables as they stand. Inside the braces a backslash
escapes the four characters that would otherwise end or split the name: `{a\:b}` names `a:b`,
`{x\}y}` names `x}y`, `{\{id\}}` names `{id}`, `{back\\slash}` names `back\slash`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import field

from tablemodel.records import record

__all__ = [
    "MAX_WIDTH",
    "KeyTemplate",
    "Literal",
    "TemplateSyntaxError",
    "Variable",
    "parse_template",
    "placeholder",
]

MAX_WIDTH = 38
"""Widest zero padding accepted: DynamoDB numbers have at most 38 significant digits."""

_WIDTH_SPEC = re.compile(r"0([1-9][0-9]?)d")


class TemplateSyntaxError(ValueError):
    """A key template could not be parsed; `column` is the 0-based offset of the problem."""

    def __init__(self, message: str, column: int, source: str) -> None:
        self.message = message
        self.column = column
        self.source = source
        super().__init__(f"{message} at column {column} of template {source!r}")


@record
class Literal:
    """Constant text in a template (braces already unescaped)."""

    text: str


@record
class Variable:
    """A placeholder: its name, the zero-padding width if any, and the raw format spec."""

    name: str
    width: int | None = None
    fmt: str | None = None
    column: int = field(default=0, compare=False)


Part = Literal | Variable


@record
class KeyTemplate:
    """A parsed template. Adjacent literals are merged and no literal is empty."""

    source: str
    parts: tuple[Part, ...]

    @property
    def variables(self) -> tuple[Variable, ...]:
        """The variables, in order of appearance."""
        return tuple(p for p in self.parts if isinstance(p, Variable))

    @property
    def variable_names(self) -> tuple[str, ...]:
        """The variable names, in order of appearance."""
        return tuple(p.name for p in self.parts if isinstance(p, Variable))

    @property
    def is_constant(self) -> bool:
        """True when the template has no variable."""
        return not any(isinstance(p, Variable) for p in self.parts)

    @property
    def literal_prefix(self) -> str:
        """The text before the first variable (all of it for a constant template)."""
        first = self.parts[0] if self.parts else None
        return first.text if isinstance(first, Literal) else ""

    @property
    def ends_with_variable(self) -> bool:
        """True when the last part is a variable (so a key may continue past any prefix)."""
        return bool(self.parts) and isinstance(self.parts[-1], Variable)

    def lowered(self) -> KeyTemplate:
        """The template as a key folded to lower case holds it: its literal text lowered, as
        `runtime.keys` folds it (`source` stays as written, for messages)."""
        parts = tuple(Literal(p.text.lower()) if isinstance(p, Literal) else p for p in self.parts)
        return KeyTemplate(self.source, parts)

    def render(self, values: Mapping[str, str]) -> str:
        """Substitute already-encoded values; KeyError when one is missing."""
        return "".join(p.text if isinstance(p, Literal) else values[p.name] for p in self.parts)

    def __str__(self) -> str:
        return self.source


_NAME_SYNTAX = frozenset("{}:\\")
"""Characters a variable name writes with a backslash in front."""


def placeholder(name: str, fmt: str | None = None) -> str:
    """The template text of a variable: `{race_id}`, `{n:05d}`, `{a\\:b}` for the name `a:b`."""
    escaped = "".join("\\" + c if c in _NAME_SYNTAX else c for c in name)
    return "{" + escaped + (":" + fmt if fmt else "") + "}"


@functools.lru_cache(maxsize=4096)
def parse_template(text: str) -> KeyTemplate:
    """Parse a key template, raising TemplateSyntaxError with the column of the first problem."""
    if not text:
        raise TemplateSyntaxError("empty template", 0, text)
    parts: list[Part] = []
    literal: list[str] = []
    seen: set[str] = set()
    pos = 0
    while pos < len(text):
        ch = text[pos]
        if ch == "}":
            if text.startswith("}}", pos):
                literal.append("}")
                pos += 2
                continue
            raise TemplateSyntaxError("stray '}' (write '}}' for a literal brace)", pos, text)
        if ch != "{":
            literal.append(ch)
            pos += 1
            continue
        if text.startswith("{{", pos):
            literal.append("{")
            pos += 2
            continue
        variable, pos = _parse_variable(text, pos)
        if variable.name in seen:
            msg = f"variable {variable.name!r} appears twice"
            raise TemplateSyntaxError(msg, variable.column + 1, text)
        seen.add(variable.name)
        if literal:
            parts.append(Literal("".join(literal)))
            literal = []
        parts.append(variable)
    if literal:
        parts.append(Literal("".join(literal)))
    return KeyTemplate(text, tuple(parts))


def _parse_variable(text: str, open_at: int) -> tuple[Variable, int]:
    """The variable whose `{` is at `open_at`, and the offset just after its `}`."""
    name: list[str] = []
    pos = open_at + 1
    while pos < len(text) and text[pos] not in "}:":
        ch = text[pos]
        if ch == "\\":
            escaped = text[pos + 1] if pos + 1 < len(text) else ""
            if escaped not in _NAME_SYNTAX:
                msg = (
                    "inside a placeholder '\\' escapes only '{', '}', ':' and '\\'; write"
                    " '\\\\' for a backslash in the name"
                )
                raise TemplateSyntaxError(msg, pos, text)
            name.append(escaped)
            pos += 2
            continue
        if ch == "{":
            msg = "'{' inside a placeholder: write '\\{' for a name that holds it"
            raise TemplateSyntaxError(msg, pos, text)
        name.append(ch)
        pos += 1
    if pos >= len(text):
        raise TemplateSyntaxError("unclosed '{'", open_at, text)
    if not name:
        raise TemplateSyntaxError("empty '{}': name the variable, as in '{id}'", open_at, text)
    variable_name = "".join(name)
    if text[pos] == "}":
        return Variable(variable_name, column=open_at), pos + 1
    close = text.find("}", pos)
    if close < 0:
        raise TemplateSyntaxError("unclosed '{'", open_at, text)
    spec = text[pos + 1 : close]
    if spec == "d":
        return Variable(variable_name, None, spec, column=open_at), close + 1
    match = _WIDTH_SPEC.fullmatch(spec)
    if match is None or int(match.group(1)) > MAX_WIDTH:
        msg = (
            f"unsupported format spec {spec!r}: only 'd' and zero-padded widths "
            f"'01d' to '0{MAX_WIDTH}d' are supported (write '\\:' for a ':' in a name)"
        )
        raise TemplateSyntaxError(msg, pos + 1, text)
    return Variable(variable_name, int(match.group(1)), spec, column=open_at), close + 1
