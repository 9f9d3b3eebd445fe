"""The static checker: every registered rule run over a resolved design."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from tablemodel.check import rules as _rules  # importing registers every rule
from tablemodel.check.analysis import Analysis
from tablemodel.check.registry import registered_rules
from tablemodel.design import Design
from tablemodel.diagnostics import Diagnostic, Severity
from tablemodel.results.check_report import CheckReport, PatternSummary, Verdict
from tablemodel.schema.model import WritePattern

__all__ = [
    "CheckReport",
    "PatternSummary",
    "Verdict",
    "pattern_verdict",
    "run_checks",
    "selected",
    "summarise",
]

# Its findings make a pattern "verified only by run" rather than proven.
RUN_ONLY_CODE = _rules.intent.check_run_only.code


def selected(code: str, select: Sequence[str], ignore: Sequence[str]) -> bool:
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
        if not selected(registered.info.code, select, ignore):
            continue
        ran.append(registered.info.code)
        found.extend(registered(design, analysis))
    found = [d for d in found if selected(d.code, select, ignore)]
    unique = list(dict.fromkeys(found))
    unique.sort(key=Diagnostic.sort_key)
    return CheckReport(
        source=design.source,
        diagnostics=tuple(unique),
        patterns=summarise(design, unique),
        entities=tuple(design.entities),
        rules_run=tuple(ran),
    )


def pattern_verdict(diagnostics: Sequence[Diagnostic], run_verdict: str | None = None) -> Verdict:
    """One pattern's verdict from the diagnostics that name it, and its run's outcome if any.

    An error fails it, else a warning gives `warnings`; a pattern the proof could not decide
    (TM805) is `verified by run` when its run passed, else `verified only by run`; the rest is
    proven. Static and run diagnostics count alike: the caller has filtered them already.
    """
    if any(d.severity is Severity.ERROR for d in diagnostics):
        return Verdict.FAILS
    if any(d.severity is Severity.WARNING for d in diagnostics):
        return Verdict.WARNINGS
    if any(d.code == RUN_ONLY_CODE for d in diagnostics):
        return Verdict.VERIFIED_BY_RUN if run_verdict == "pass" else Verdict.RUN_ONLY
    return Verdict.PROVEN


def summarise(
    design: Design,
    diagnostics: Sequence[Diagnostic],
    *,
    static: CheckReport | None = None,
    run_verdicts: Mapping[str, str] | None = None,
) -> tuple[PatternSummary, ...]:
    """A summary per pattern, in model order.

    Without `run_verdicts` this is the static check's summary. With them (`check --run`),
    `diagnostics` holds the static and the run's findings, `static` the static report, and
    each summary carries the static verdict and the run's outcome beside the one verdict.
    """
    static_verdicts = {p.name: p.verdict for p in static.patterns} if static else {}
    out: list[PatternSummary] = []
    for name, pattern in design.patterns.items():
        mine = [d for d in diagnostics if d.pattern == name]
        run_verdict = run_verdicts.get(name) if run_verdicts is not None else None
        reasons = tuple(
            f"{d.code}: {d.message}" for d in mine if d.severity is not Severity.INFO
        ) or tuple(d.message for d in mine if d.code == RUN_ONLY_CODE)
        out.append(
            PatternSummary(
                name=name,
                description=pattern.spec.description,
                index=pattern.spec.index,
                key_condition=pattern.key_condition_text(),
                returns=pattern.spec.returns,
                verdict=pattern_verdict(mine, run_verdict),
                reasons=reasons,
                static_verdict=static_verdicts.get(name) if run_verdicts is not None else None,
                run_verdict=run_verdict,
            )
        )
    for name, write in design.model.write_patterns.items():
        mine = [d for d in diagnostics if d.pattern == name]
        run_verdict = run_verdicts.get(name) if run_verdicts is not None else None
        entities = tuple(dict.fromkeys(a.entity for a in write.steps))
        out.append(
            PatternSummary(
                name=name,
                description=write.description,
                index="table",
                key_condition=write_text(write),
                returns=entities,
                verdict=pattern_verdict(mine, run_verdict),
                reasons=tuple(
                    f"{d.code}: {d.message}" for d in mine if d.severity is not Severity.INFO
                ),
                static_verdict=static_verdicts.get(name) if run_verdicts is not None else None,
                run_verdict=run_verdict,
            )
        )
    return tuple(out)


def write_text(write: WritePattern) -> str:
    """A write pattern in one line, for the summary's key-condition column."""
    parts = []
    for action in write.steps:
        text = f"{action.operation} {action.entity}"
        conditions = [
            f"{attr} {term.operator} {', '.join(map(str, term.operands))}"
            for attr, predicate in action.condition.items()
            for term in predicate.terms
        ]
        if conditions:
            text += " if " + " and ".join(conditions)
        parts.append(text)
    return ("transact: " if write.operation == "transact" else "") + "; ".join(parts)
