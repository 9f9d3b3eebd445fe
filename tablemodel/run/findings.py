"""Run findings as diagnostics of the check report: TM851 (a result that differs from the
intent) and TM852 (a call that raised), declared here beside the code that raises them.

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
from tablemodel.results.run_report import CallResult, ItemView, RunReport

__all__ = ["RUN_CALL_FAILED", "RUN_DIFFERS", "run_diagnostics"]

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


def run_diagnostics(design: Design, run: RunReport) -> list[Diagnostic]:
    """One diagnostic per failing pattern, for its first failing call."""
    out: list[Diagnostic] = []
    for pattern_run in run.patterns:
        call = pattern_run.first_failure
        if call is None:
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
                pattern=pattern.name,
            )
        )
    return out


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
