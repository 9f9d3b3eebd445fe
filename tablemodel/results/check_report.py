"""The result of a check: diagnostics plus a verdict per access pattern.

The library returns a `CheckReport`; the CLI only renders it. Nothing here prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import field
from enum import StrEnum
from typing import Any

from tablemodel.diagnostics import Diagnostic, Severity
from tablemodel.records import record


class Verdict(StrEnum):
    """The verdict on one access pattern: from its static findings, and its run's when it ran.

    docs/run.md says how a run's outcome and findings combine with the static verdict.
    """

    PROVEN = "proven"  # the key condition selects exactly the intended items, in order
    RUN_ONLY = "verified only by run"  # no static finding, but the intent is beyond proof
    VERIFIED_BY_RUN = "verified by run"  # beyond proof, and a run returned what the intent says
    FAILS = "fails"  # at least one error names this pattern
    WARNINGS = "warnings"  # proven or run-only, with warnings


@record
class PatternSummary:
    """One row of the summary table."""

    name: str
    description: str
    index: str
    key_condition: str
    returns: tuple[str, ...]
    verdict: Verdict  # the one verdict: static findings, and the run's when it ran
    reasons: tuple[str, ...] = ()  # why the verdict is not `proven`
    # With `check --run` only: the verdict of the static findings alone, and the run's outcome
    # (pass, fail, skipped, not run). Both are None for a static check.
    static_verdict: Verdict | None = None
    run_verdict: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "description": self.description,
            "index": self.index,
            "key_condition": self.key_condition,
            "returns": list(self.returns),
            "verdict": self.verdict.value,
            "reasons": list(self.reasons),
        }
        if self.static_verdict is not None:
            out["static_verdict"] = self.static_verdict.value
        if self.run_verdict is not None:
            out["run_verdict"] = self.run_verdict
        return out


@record
class CheckReport:
    """Everything `tablemodel check` found for one model."""

    source: str  # the file (or module:attribute) the model came from
    diagnostics: tuple[Diagnostic, ...]
    patterns: tuple[PatternSummary, ...] = ()
    entities: tuple[str, ...] = ()
    rules_run: tuple[str, ...] = field(default=())

    @property
    def errors(self) -> Sequence[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.ERROR]

    @property
    def warnings(self) -> Sequence[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.WARNING]

    @property
    def has_findings(self) -> bool:
        """True when the check should fail: any error or warning (info does not count)."""
        return any(d.severity is not Severity.INFO for d in self.diagnostics)

    def for_pattern(self, name: str) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.pattern == name]

    def general(self) -> list[Diagnostic]:
        """Diagnostics that name no pattern (table, entity and model-wide findings)."""
        return [d for d in self.diagnostics if d.pattern is None]

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "summary": {
                "errors": len(self.errors),
                "warnings": len(self.warnings),
                "info": sum(1 for d in self.diagnostics if d.severity is Severity.INFO),
                "patterns": len(self.patterns),
            },
            "patterns": [p.to_dict() for p in self.patterns],
            "diagnostics": [d.to_dict() for d in self.diagnostics],
        }
