"""The static checker: every registered rule run over a resolved design."""

from __future__ import annotations

from collections.abc import Sequence

from tablemodel.check import rules as _rules  # importing registers every rule
from tablemodel.check.analysis import Analysis
from tablemodel.check.registry import registered_rules
from tablemodel.design import Design
from tablemodel.diagnostics import Diagnostic, Severity
from tablemodel.results.check_report import CheckReport, PatternSummary, Verdict

__all__ = ["CheckReport", "PatternSummary", "Verdict", "run_checks"]

# Its findings make a pattern "verified only by run" rather than proven.
RUN_ONLY_CODE = _rules.intent.check_run_only.code


def _selected(code: str, select: Sequence[str], ignore: Sequence[str]) -> bool:
    """`select`/`ignore` take codes (`TM401`) or prefixes (`TM4` for the whole family)."""
    code = code.upper()
    if select and not any(code.startswith(s.upper()) for s in select):
        return False
    return not any(code.startswith(s.upper()) for s in ignore)


def run_checks(
    design: Design, *, select: Sequence[str] = (), ignore: Sequence[str] = ()
) -> CheckReport:
    """Run every rule (filtered by `select`/`ignore`) and summarise each pattern."""
    found: list[Diagnostic] = list(design.diagnostics)
    analysis = Analysis(design)
    ran: list[str] = []
    for registered in registered_rules():
        if not _selected(registered.info.code, select, ignore):
            continue
        ran.append(registered.info.code)
        found.extend(registered(design, analysis))
    found = [d for d in found if _selected(d.code, select, ignore)]
    unique = list(dict.fromkeys(found))
    unique.sort(key=Diagnostic.sort_key)
    return CheckReport(
        source=design.source,
        diagnostics=tuple(unique),
        patterns=tuple(_summary(design, name, unique) for name in design.patterns),
        entities=tuple(design.entities),
        rules_run=tuple(ran),
    )


def _summary(design: Design, name: str, diagnostics: list[Diagnostic]) -> PatternSummary:
    pattern = design.patterns[name]
    mine = [d for d in diagnostics if d.pattern == name]
    if any(d.severity is Severity.ERROR for d in mine):
        verdict = Verdict.FAILS
    elif any(d.severity is Severity.WARNING for d in mine):
        verdict = Verdict.WARNINGS
    elif any(d.code == RUN_ONLY_CODE for d in mine):
        verdict = Verdict.RUN_ONLY
    else:
        verdict = Verdict.PROVEN
    reasons = tuple(
        f"{d.code}: {d.message}" for d in mine if d.severity is not Severity.INFO
    ) or tuple(d.message for d in mine if d.code == RUN_ONLY_CODE)
    return PatternSummary(
        name=name,
        description=pattern.spec.description,
        index=pattern.spec.index,
        key_condition=pattern.key_condition_text(),
        returns=pattern.spec.returns,
        verdict=verdict,
        reasons=reasons,
    )
