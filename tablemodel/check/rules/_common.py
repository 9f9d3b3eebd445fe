"""Helpers shared by the rule modules."""

from __future__ import annotations

from collections.abc import Iterable

from tablemodel import codes
from tablemodel.design import Design
from tablemodel.diagnostics import Diagnostic, PathPart, Severity


def finding(
    design: Design,
    code: str,
    path: Iterable[PathPart],
    message: str,
    *,
    found: str | None = None,
    expected: str | None = None,
    hint: str | None = None,
    pattern: str | None = None,
    entity: str | None = None,
    example: str | None = None,
    severity: Severity | None = None,
) -> Diagnostic:
    """A diagnostic for `code`, located at `path`, with the code's registered severity."""
    registered = codes.info(code)
    return Diagnostic(
        code=code,
        severity=severity or registered.severity,
        message=message,
        location=design.locate(path),
        found=found,
        expected=expected,
        hint=hint,
        pattern=pattern,
        entity=entity,
        example=example,
    )


def quoted(names: Iterable[str]) -> str:
    return ", ".join(f"`{n}`" for n in names)
