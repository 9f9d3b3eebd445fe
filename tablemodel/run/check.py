"""`check --run` as one library call: the static check, the run, and one report of both.

Run findings become diagnostics of the check report (`tablemodel.run.findings`: TM851, TM852),
so every output format shows them without a second code path. The `RunReport` travels beside
it for the details only a run has: counts, pages, read units, latency.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence

from tablemodel.check import run_checks
from tablemodel.design import build_design
from tablemodel.diagnostics import Diagnostic
from tablemodel.generate import GenerateError
from tablemodel.results.check_report import CheckReport
from tablemodel.results.run_report import RunReport
from tablemodel.run.findings import run_diagnostics
from tablemodel.run.runner import RunOptions, run_model
from tablemodel.schema.loader import LoadedModel, load_model

__all__ = ["check_and_run", "check_and_run_model"]


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
