"""`check --run` as one library call: the static check, the run, and one report of both.

The design is built once and serves the check, the generator and the run. Run findings become
diagnostics of the check report (`tablemodel.run.findings`: TM851 to TM853), filtered by the
same `--select/--ignore`, and every pattern's verdict is computed again from the static and
the run findings together, so every output format (human, json, sarif, github, the pytest
plugin) shows one verdict. The `RunReport` travels beside it for the details only a run has:
counts, pages, read units, latency; its patterns carry the same static and final verdicts.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence

from tablemodel.check import run_checks, selected, summarise
from tablemodel.design import Design, build_design
from tablemodel.diagnostics import Diagnostic
from tablemodel.generate import GenerateError
from tablemodel.results.check_report import CheckReport
from tablemodel.results.run_report import RunReport
from tablemodel.run.findings import run_diagnostics
from tablemodel.run.runner import RunOptions, run_model
from tablemodel.schema.loader import LoadedModel, load_model

__all__ = ["check_and_run", "check_and_run_model", "merge_run"]


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
    loaded: LoadedModel | Design,
    options: RunOptions | None = None,
    *,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
) -> tuple[CheckReport, RunReport | None]:
    """The static report with the run's findings merged in, and the run report.

    The run report is None when the model cannot be generated; the report then carries the
    generator's diagnostics (TM9xx).
    """
    design = loaded if isinstance(loaded, Design) else build_design(loaded.model, loaded)
    report = run_checks(design, select=select, ignore=ignore)
    try:
        run = run_model(design, options, static=report)
    except GenerateError as err:
        return merge_run(design, report, err.diagnostics, None, select=select, ignore=ignore)
    return merge_run(
        design, report, run_diagnostics(design, run), run, select=select, ignore=ignore
    )


def merge_run(
    design: Design,
    report: CheckReport,
    extra: Sequence[Diagnostic],
    run: RunReport | None,
    *,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
) -> tuple[CheckReport, RunReport | None]:
    """`report` with the run's diagnostics and verdicts merged in, and the run with them too.

    `extra` (run findings, or the generator's when the model could not be run) is filtered by
    `select`/`ignore` like the static findings were; each pattern's verdict is then computed
    from both (`tablemodel.check.pattern_verdict`), and the run report's patterns carry it.
    """
    kept = [d for d in extra if selected(d.code, select, ignore)]
    diagnostics = sorted(dict.fromkeys([*report.diagnostics, *kept]), key=Diagnostic.sort_key)
    if run is None:
        run_verdicts = dict.fromkeys(design.patterns, "not run")
    else:
        run_verdicts = {p.name: p.verdict for p in run.patterns}
    summaries = summarise(design, diagnostics, static=report, run_verdicts=run_verdicts)
    merged = dataclasses.replace(report, diagnostics=tuple(diagnostics), patterns=summaries)
    if run is None:
        return merged, None
    final = {s.name: s.verdict.value for s in summaries}
    patterns = tuple(dataclasses.replace(p, final_verdict=final.get(p.name)) for p in run.patterns)
    return merged, dataclasses.replace(run, patterns=patterns)
