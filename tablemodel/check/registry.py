"""How rules are declared and how they report: one function per code.

`@rule(code, name, severity, family)` declares the code in the registry of
`tablemodel.diagnostics.codes`, with the function's docstring as its documentation, and adds
the function to the rules `run_checks` runs. `finding` builds a diagnostic for a code, located
in the design's source.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from tablemodel.check.analysis import Analysis
from tablemodel.design import Design
from tablemodel.diagnostics import Diagnostic, PathPart, Severity, codes

RuleFunction = Callable[[Design, Analysis], Iterable[Diagnostic]]
F = TypeVar("F", bound=RuleFunction)


@dataclass(frozen=True)
class Rule:
    """A registered rule: its code's entry and the function that checks it."""

    info: codes.CodeInfo
    function: RuleFunction


_RULES: list[Rule] = []


def rule(code: str, name: str, severity: Severity, family: str) -> Callable[[F], F]:
    """Register a rule function `def check_x(design, analysis) -> Iterable[Diagnostic]`."""

    def wrap(function: F) -> F:
        info = codes.declare(code, name, severity, family, function.__doc__ or "")
        _RULES.append(Rule(info, function))
        return function

    return wrap


def registered_rules() -> list[Rule]:
    """The rules registered so far, by code (`tablemodel.check.rules` registers them all)."""
    return sorted(_RULES, key=lambda r: r.info.code)


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
    return Diagnostic(
        code=code,
        severity=severity or codes.info(code).severity,
        message=message,
        location=design.locate(path),
        found=found,
        expected=expected,
        hint=hint,
        pattern=pattern,
        entity=entity,
        example=example,
    )
