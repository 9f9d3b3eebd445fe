"""Diagnostics: the located, coded problems every layer reports.

A diagnostic names where (file, line, column and the path inside the model), what (a stable
code and a one-line message), what was found, what was expected, and a hint. Loading errors,
design errors and rule findings all use this one shape so that every output format renders
them the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import field
from enum import StrEnum
from typing import Any

from tablemodel.records import record

PathPart = str | int


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 2, "warning": 1, "info": 0}[self.value]


def format_path(path: Sequence[PathPart]) -> str:
    """Render a model path as `entities.RaceResult.keys.PK` (list indexes as `[0]`)."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out or "<root>"


@record
class Snippet:
    """The source line a location points into, to show under the message with a caret.

    `text` is the line as written (cut around the column when it is long, with `…` where it
    was cut; characters a terminal would act on shown as `�`); `column` is the 1-based
    position of the caret in `text`.
    """

    text: str
    column: int

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "column": self.column}


@record
class Location:
    """Where a problem is: a file position (when known) and the path inside the model.

    `snippet` is derived from the rest (the text at that line), so it takes no part in
    comparing locations.
    """

    file: str | None = None
    line: int | None = None
    column: int | None = None
    path: tuple[PathPart, ...] = ()
    snippet: Snippet | None = field(default=None, compare=False)

    @property
    def dotted_path(self) -> str:
        return format_path(self.path)

    def __str__(self) -> str:
        where = self.file or "<model>"
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where} ({self.dotted_path})" if self.path else where

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "path": self.dotted_path if self.path else None,
        }
        if self.snippet is not None:
            out["snippet"] = self.snippet.to_dict()
        return out


@record
class Diagnostic:
    """One problem, with everything a reader needs to fix it."""

    code: str
    severity: Severity
    message: str
    location: Location = field(default_factory=Location)
    found: str | None = None
    expected: str | None = None
    hint: str | None = None
    pattern: str | None = None
    entity: str | None = None
    example: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "location": self.location.to_dict(),
            "found": self.found,
            "expected": self.expected,
            "hint": self.hint,
            "pattern": self.pattern,
            "entity": self.entity,
            "example": self.example,
        }

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (
            self.location.file or "",
            self.location.line or 0,
            self.location.column or 0,
            self.location.dotted_path,
            self.code,
        )


class TableModelError(Exception):
    """Root of every exception tablemodel raises on purpose."""


class ModelLoadError(TableModelError, ValueError):
    """A model could not be loaded; carries every problem found, located."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics: tuple[Diagnostic, ...] = tuple(
            sorted(diagnostics, key=Diagnostic.sort_key)
        )
        first = self.diagnostics[0] if self.diagnostics else None
        summary = f"{first.code} {first.location}: {first.message}" if first else "invalid model"
        more = len(self.diagnostics) - 1
        msg = summary + (f" (and {more} more)" if more > 0 else "")
        super().__init__(msg)


def quoted(names: Iterable[str]) -> str:
    """Names as a message lists them: `a`, `b`."""
    return ", ".join(f"`{n}`" for n in names)


def exception_text(exc: BaseException) -> str:
    """An exception as a message quotes it: `Type: message`, or the type alone.

    Never fails, whatever the exception's `__str__` does.
    """
    try:
        text = str(exc)
    except Exception:
        text = "(its message cannot be shown)"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """A 'did you mean' hint for a misspelt name, or None when nothing is close."""
    if len(word) > 100:
        return None  # not a misspelt name; and difflib's time grows with the square of it
    from difflib import get_close_matches  # noqa: PLC0415  (only misspelt names need it)

    pool = sorted(set(candidates))
    close = get_close_matches(word, pool, n=1, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in pool}
        if word.lower() in lowered:
            close = [lowered[word.lower()]]
    return f"did you mean `{close[0]}`?" if close else None
