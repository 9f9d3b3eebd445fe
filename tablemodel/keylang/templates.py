"""Key templates: `RACE#{race_id}#RACER#{racer_id}`, `SECOND#{second:05d}`, `profile`.

A template is a sequence of literal text and variables. `{{` and `}}` stand for literal braces.
The only format spec is a zero-padded integer width (`{n:05d}`) or plain `{n:d}`, because a key
part must sort and parse back predictably; richer specs are rejected, not guessed at.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = [
    "MAX_WIDTH",
    "KeyTemplate",
    "Literal",
    "TemplateSyntaxError",
    "Variable",
    "parse_template",
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


@dataclass(frozen=True)
class Literal:
    """Constant text in a template (braces already unescaped)."""

    text: str


@dataclass(frozen=True)
class Variable:
    """A placeholder: its name, the zero-padding width if any, and the raw format spec."""

    name: str
    width: int | None = None
    fmt: str | None = None
    column: int = field(default=0, compare=False)


Part = Literal | Variable


@dataclass(frozen=True)
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

    def render(self, values: Mapping[str, str]) -> str:
        """Substitute already-encoded values; KeyError when one is missing."""
        return "".join(p.text if isinstance(p, Literal) else values[p.name] for p in self.parts)

    def __str__(self) -> str:
        return self.source


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
        close = text.find("}", pos + 1)
        if close < 0:
            raise TemplateSyntaxError("unclosed '{'", pos, text)
        variable = _parse_variable(text, pos, close)
        if variable.name in seen:
            msg = f"variable {variable.name!r} appears twice"
            raise TemplateSyntaxError(msg, pos + 1, text)
        seen.add(variable.name)
        if literal:
            parts.append(Literal("".join(literal)))
            literal = []
        parts.append(variable)
        pos = close + 1
    if literal:
        parts.append(Literal("".join(literal)))
    return KeyTemplate(text, tuple(parts))


def _parse_variable(text: str, open_at: int, close_at: int) -> Variable:
    body = text[open_at + 1 : close_at]
    if not body:
        raise TemplateSyntaxError("empty '{}': name the variable, as in '{id}'", open_at, text)
    name, colon, spec = body.partition(":")
    if not name.isidentifier():
        msg = f"bad variable name {name!r}: expected a Python identifier"
        raise TemplateSyntaxError(msg, open_at + 1, text)
    if not colon:
        return Variable(name, column=open_at)
    spec_at = open_at + 2 + len(name)
    if spec == "d":
        return Variable(name, None, spec, column=open_at)
    match = _WIDTH_SPEC.fullmatch(spec)
    if match is None or int(match.group(1)) > MAX_WIDTH:
        msg = (
            f"unsupported format spec {spec!r}: only 'd' and zero-padded widths "
            f"'01d' to '0{MAX_WIDTH}d' are supported"
        )
        raise TemplateSyntaxError(msg, spec_at, text)
    return Variable(name, int(match.group(1)), spec, column=open_at)
