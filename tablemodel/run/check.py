"""`check --run` as one library call: the static check, the run, and one report of both.

Run findings become diagnostics of the check report (TM851 a result that differs from the
intent, TM852 a call that raised), located at the pattern in the model file, so every output
format (human, json, sarif, github) shows them without a second code path. The `RunReport`
travels beside it for the details only a run has: counts, pages, read units, latency.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence

from tablemodel.check import run_checks
from tablemodel.check.registry import finding
from tablemodel.design import Design, build_design
from tablemodel.diagnostics import Diagnostic, codes
from tablemodel.generate import GenerateError
from tablemodel.results.check_report import CheckReport
from tablemodel.results.run_report import CallResult, ItemView, RunReport
from tablemodel.run.runner import RunOptions, run_model
from tablemodel.schema.loader import LoadedModel, load_model

__all__ = ["check_and_run", "check_and_run_model", "run_diagnostics"]


def check_and_run(
    target: str | os.PathLike[str],
    options: RunOptions | None = None,
    *,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
) -> tuple[CheckReport, RunReport | None]:
    """Load, check and run; raises `ModelLoadError` and `EngineFault`."""
    return check_and_run_model(load_model(target), options, select=select, ignore=ignore)


def check_and_run_model(
    loaded: LoadedModel,
    options: RunOptions | None = None,
    *,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
) -> tuple[CheckReport, RunReport | None]:
    """The static report with the run's findings merged in, and the run report.

    The run report is None when the model cannot be generated; the report then carries the
    generator's diagnostics (TM9xx).
    """
    design = build_design(loaded.model, loaded)
    report = run_checks(design, select=select, ignore=ignore)
    try:
        run = run_model(loaded, options)
    except GenerateError as err:
        return _merged(report, err.diagnostics), None
    return _merged(report, run_diagnostics(design, run)), run


def _merged(report: CheckReport, extra: Sequence[Diagnostic]) -> CheckReport:
    diagnostics = sorted([*report.diagnostics, *extra], key=Diagnostic.sort_key)
    return dataclasses.replace(report, diagnostics=tuple(diagnostics))


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
            out.append(finding(design, codes.RUN_CALL_FAILED, path, message, pattern=pattern.name))
            continue
        out.append(
            finding(
                design,
                codes.RUN_DIFFERS,
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
