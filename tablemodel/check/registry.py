"""How rules are declared and how they report: one function per code, the code written once.

`@rule(code, name, severity, family)` declares the code in the registry of
`tablemodel.diagnostics.codes`, with the function's docstring as its documentation, and
turns the function into a `Rule` that `run_checks` runs. The function yields `Finding`s:
where and what, without the code. The rule adds its code and severity and locates each
finding in the design's source.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from tablemodel.check.analysis import Analysis
from tablemodel.design import Design
from tablemodel.diagnostics import Diagnostic, PathPart, Severity, codes
from tablemodel.records import record


@record
class Finding:
    """One problem a rule found: where (a path in the model) and what."""

    path: tuple[PathPart, ...]
    message: str
    found: str | None = None
    expected: str | None = None
    hint: str | None = None
    pattern: str | None = None
    entity: str | None = None
    example: str | None = None
    severity: Severity | None = None  # None: the code's severity

    def diagnostic(self, design: Design, info: codes.CodeInfo) -> Diagnostic:
        """The finding as a diagnostic of code `info`, located in the design's source."""
        return Diagnostic(
            code=info.code,
            severity=self.severity or info.severity,
            message=self.message,
            location=design.locate(self.path),
            found=self.found,
            expected=self.expected,
            hint=self.hint,
            pattern=self.pattern,
            entity=self.entity,
            example=self.example,
        )


RuleFunction = Callable[[Design, Analysis], Iterable[Finding]]


@record
class Rule:
    """A registered rule: its code's entry and the function that checks it."""

    info: codes.CodeInfo
    function: RuleFunction

    @property
    def code(self) -> str:
        return self.info.code

    def __call__(self, design: Design, analysis: Analysis) -> Iterator[Diagnostic]:
        """The rule's findings on `design`, as diagnostics of its code."""
        for found in self.function(design, analysis):
            yield found.diagnostic(design, self.info)


_RULES: list[Rule] = []


def rule(code: str, name: str, severity: Severity, family: str) -> Callable[[RuleFunction], Rule]:
    """Declare `code` and register `def check_x(design, analysis) -> Iterable[Finding]`."""

    def wrap(function: RuleFunction) -> Rule:
        info = codes.declare(code, name, severity, family, function.__doc__ or "")
        registered = Rule(info, function)
        _RULES.append(registered)
        return registered

    return wrap


def registered_rules() -> list[Rule]:
    """The rules registered so far, by code (`tablemodel.check.rules` registers them all)."""
    return sorted(_RULES, key=lambda r: r.info.code)


def finding(
    design: Design,
    code: str | codes.CodeInfo,
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
    """A diagnostic for a code raised outside a rule (a run's findings), located at `path`."""
    info = code if isinstance(code, codes.CodeInfo) else codes.info(code)
    return Finding(
        tuple(path),
        message,
        found=found,
        expected=expected,
        hint=hint,
        pattern=pattern,
        entity=entity,
        example=example,
        severity=severity,
    ).diagnostic(design, info)
