"""Run findings as diagnostics of the check report: TM851 (a result that differs from the
intent), TM852 (a call that raised) and TM853 (every call expected nothing), declared here
beside the code that raises them.

Each is located at the pattern in the model file, so every output format (human, json, sarif,
github) shows them without a second code path. This module stays light (no SDK, no engine):
`tablemodel rules` imports it to list every code.
"""

from __future__ import annotations

from collections.abc import Sequence

from tablemodel.check.registry import finding
from tablemodel.design import Design
from tablemodel.diagnostics import Diagnostic, Severity
from tablemodel.diagnostics.codes import declare
from tablemodel.results.run_report import CallResult, ItemView, PatternRun, RunReport

__all__ = [
    "RUN_CALL_FAILED",
    "RUN_DIFFERS",
    "RUN_SHOWED_NOTHING",
    "RUN_WRITE_DIFFERS",
    "run_diagnostics",
]

# The codes raised here (family `run`); their docstrings are their pages in docs/rules.md.

RUN_DIFFERS = "TM851"
declare(
    RUN_DIFFERS,
    "run-differs-from-intent",
    Severity.ERROR,
    "run",
    """On the engine, the pattern returned other items than its intent selects.

    Why: the run executes the pattern's generated function against sample data (hostile IDs
    included) and evaluates the intent over the same items in plain Python; any item missing,
    any item too many (other entity types included), a broken order or a limit not honoured
    is a result a service would get in production.

    Bad:
        key_condition: {PK: "racer-{racer_id}"}            # also reaches the racer's profile

    Good:
        key_condition: {PK: "racer-{racer_id}", SK: {begins_with: "race-"}}
    """,
)

RUN_CALL_FAILED = "TM852"
declare(
    RUN_CALL_FAILED,
    "run-call-failed",
    Severity.ERROR,
    "run",
    """On the engine, the pattern's generated function raised instead of returning items.

    Why: a Query the engine refuses (a consistent read on a GSI, a filter on a key attribute,
    a parameter the key codec cannot encode) fails in production the same way.

    Bad:
        index: GSI_SK_Numeric
        consistent_read: true

    Good:
        index: GSI_SK_Numeric
        consistent_read: false
    """,
)


RUN_SHOWED_NOTHING = "TM853"
declare(
    RUN_SHOWED_NOTHING,
    "run-expected-nothing",
    Severity.WARNING,
    "run",
    """On the engine, every call of the pattern expected no item, so the run showed nothing.

    Why: a pattern that returns nothing when nothing is expected passes whatever its keys
    do; a run of it proves nothing. The sample holds no item the intent selects with the
    parameters the run chose: an entity with no items, a value (a sentinel such as
    `AVAILABLE`) that no item holds, a range that misses every value. The finding names the
    first condition no item met.

    Bad:
        sample: {entities: {Book: {count: 0}}}

    Good:
        sample: {entities: {Book: {count: 12}}}
        examples:                         # or call it with published parameter values
          - {member_id: "0000001", today: "2022-07-30"}
    """,
)


RUN_WRITE_DIFFERS = "TM854"
declare(
    RUN_WRITE_DIFFERS,
    "run-write-differs",
    Severity.ERROR,
    "run",
    """On the engine, a write pattern did not do what the model declares.

    Why: the run calls each write pattern's generated function on fresh items: once from
    every state it is declared to move items from (it must succeed and leave each item as its
    `set`, `remove` and `add` say), and once from every state its entity's machine declares no
    transition from (it must be refused and change nothing), on a taken key (a create) and on
    a missing item (an update, delete or check). A write that applies an undeclared
    transition, or whose stored result differs, would do so in production.

    Bad:
        complete: {operation: update, entity: Task, set: {status: SUCCESS}}

    Good:
        complete:
          operation: update
          entity: Task
          condition: {status: TAKEN}
          set: {status: SUCCESS}
    """,
)


def run_diagnostics(design: Design, run: RunReport) -> list[Diagnostic]:
    """One diagnostic per failing pattern (its first failing call), and one per pattern whose
    every call expected nothing (TM853)."""
    out: list[Diagnostic] = []
    for pattern_run in run.patterns:
        call = pattern_run.first_failure
        if call is None:
            if pattern_run.nothing_expected is not None:
                out.append(_nothing_expected(design, run, pattern_run))
            continue
        if pattern_run.name not in design.patterns:  # a write pattern
            out.append(_write_finding(design, run, pattern_run, call))
            continue
        pattern = design.patterns[pattern_run.name]
        path = (*pattern.path, "key_condition")
        failing = sum(1 for c in pattern_run.calls if not c.ok)
        also = f" ({failing} of {len(pattern_run.calls)} calls failed)" if failing > 1 else ""
        call_text = _call_text(pattern_run.name, call)
        if call.error is not None and call.expected_count == 0 and call.actual_count == 0:
            message = f"on {run.engine}, {call_text} raised: {call.error}{also}"
            out.append(finding(design, RUN_CALL_FAILED, path, message, pattern=pattern.name))
            continue
        out.append(
            finding(
                design,
                RUN_DIFFERS,
                path,
                f"on {run.engine}, {call_text} {_difference(call)}{also}",
                found=_found(call),
                expected=f"{call.expected_count} item(s), as the intent selects them",
                example=_example(call),
                hint=call.hint,
                pattern=pattern.name,
            )
        )
    return out


def _nothing_expected(design: Design, run: RunReport, pattern_run: PatternRun) -> Diagnostic:
    pattern = design.patterns[pattern_run.name]
    calls = len(pattern_run.calls)
    first = _call_text(pattern_run.name, pattern_run.calls[0])
    return finding(
        design,
        RUN_SHOWED_NOTHING,
        (*pattern.path, "intent"),
        f"on {run.engine}, every call of `{pattern_run.name}` expected no item ({calls}"
        f" call{'s' if calls != 1 else ''}), so the run showed nothing: for {first},"
        f" {pattern_run.nothing_expected}",
        found=f"{calls} call{'s' if calls != 1 else ''}, 0 items expected",
        expected="a call whose intent selects sample items",
        hint="give the sample items the intent selects (sample.entities counts and values,"
        " sample.fixtures), or call the pattern with published values (examples)",
        pattern=pattern.name,
    )


def _write_finding(
    design: Design, run: RunReport, pattern_run: PatternRun, call: CallResult
) -> Diagnostic:
    failing = [c for c in pattern_run.calls if not c.ok]
    also = f" ({len(failing)} of {len(pattern_run.calls)} calls failed)" if len(failing) > 1 else ""
    tried = call.parameters.get("call", "a call")
    return finding(
        design,
        RUN_WRITE_DIFFERS,
        ("write_patterns", pattern_run.name),
        f"on {run.engine}, write pattern `{pattern_run.name}` ({tried}): {call.error}{also}",
        found=call.error,
        expected="allowed calls succeed with the declared effect; undeclared transitions,"
        " taken keys and missing items are refused and change nothing",
        example="; ".join(f"{c.parameters.get('call')}: {c.error}" for c in failing[1:4]) or None,
        pattern=pattern_run.name,
    )


def _call_text(name: str, call: CallResult) -> str:
    args = ", ".join(f"{k}={v!r}" for k, v in call.parameters.items())
    return f"`{name}({args})`"


def _difference(call: CallResult) -> str:
    parts = []
    if call.unexpected:
        parts.append(f"returned {len(call.unexpected)} item(s) the intent does not select")
    if call.missing:
        parts.append(f"missed {len(call.missing)} item(s) the intent selects")
    if call.misordered_at is not None:
        parts.append(f"returned items out of the intent's order from position {call.misordered_at}")
    if call.error is not None:
        parts.append(call.error)
    return "; ".join(parts) or "differs from its intent"


def _found(call: CallResult) -> str:
    return f"{call.actual_count} item(s) in {call.pages} page(s)"


def _views(label: str, views: Sequence[ItemView]) -> str:
    shown = ", ".join(view.label() for view in views[:3])
    more = f" and {len(views) - 3} more" if len(views) > 3 else ""
    return f"{label}: {shown}{more}"


def _example(call: CallResult) -> str | None:
    parts = []
    if call.unexpected:
        parts.append(_views("unexpected", call.unexpected))
    if call.missing:
        missing = call.missing
        parts.append(_views("missing", missing))
        absent = [m for m in missing if m.index_key is None]
        if absent:
            parts.append(f"{len(absent)} missing item(s) are not in the index at all")
    if call.misordered_at is not None:
        parts.append(
            "expected order: "
            + ", ".join(v.label() for v in call.expected_order)
            + "; returned: "
            + ", ".join(v.label() for v in call.actual_order)
        )
    return "; ".join(parts) or None
