"""pytest plugin: keep a table design under test, one test item per access pattern.

    pytest --tablemodel path/to/tablemodel.yaml [--tablemodel-engine dynamodb-local]

An endpoint (`--tablemodel-endpoint-url`) that is not a loopback address, or AWS itself, needs
`--tablemodel-allow-aws`; without it the session stops before any test, as the CLI does.

Each model becomes a collector holding one item per access pattern (plus one for findings on
the table and entities). The first item of a model runs `tablemodel check --run` once for the
whole model; each item then follows its pattern's one verdict (docs/run.md), the verdict every
output format shows: it fails when the verdict is `fails`, with the same explanation the CLI
prints, is skipped when the engine could not run the pattern, and passes otherwise (with a
pytest warning for each warning finding).

For tests of your own, the `tablemodel_run` fixture runs a model and returns the static report
and the run report: `report, run = tablemodel_run("tablemodel.yaml")`.

Registered through the `pytest11` entry point, so it is imported by every pytest session in an
environment where tablemodel is installed: this module imports nothing heavy until a model is
actually collected or the fixture is used.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from tablemodel.results.check_report import CheckReport
    from tablemodel.results.run_report import RunReport
    from tablemodel.schema.loader import LoadedModel

__all__ = [
    "pytest_addoption",
    "pytest_collection_modifyitems",
    "pytest_configure",
    "tablemodel_run",
]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("tablemodel", "tablemodel: access patterns as test items")
    group.addoption(
        "--tablemodel",
        action="append",
        default=[],
        metavar="MODEL",
        help="Run every access pattern of MODEL as a test item (repeatable).",
    )
    group.addoption(
        "--tablemodel-engine",
        default="moto",
        choices=["moto", "dynamodb-local", "endpoint"],
        help="Engine for --tablemodel (default: moto, in-process).",
    )
    group.addoption(
        "--tablemodel-endpoint-url",
        default=None,
        metavar="URL",
        help="An engine you run (a loopback address, unless --tablemodel-allow-aws).",
    )
    group.addoption(
        "--tablemodel-allow-aws",
        action="store_true",
        default=False,
        help="Allow real AWS, or an endpoint URL that is not a loopback address.",
    )
    group.addoption("--tablemodel-seed", default=None, type=int, metavar="N")


def pytest_configure(config: pytest.Config) -> None:
    """Refuse, before any test runs, an endpoint that may be real AWS without the flag."""
    if not config.getoption("--tablemodel"):
        return
    from tablemodel.engines.session import EngineFault, check_reach  # noqa: PLC0415

    try:
        check_reach(
            config.getoption("--tablemodel-engine"),
            endpoint_url=config.getoption("--tablemodel-endpoint-url"),
            allow_aws=config.getoption("--tablemodel-allow-aws"),
        )
    except EngineFault as fault:
        message = str(fault).replace("--allow-aws", "--tablemodel-allow-aws")
        message = message.replace("--endpoint-url", "--tablemodel-endpoint-url")
        raise pytest.UsageError(f"tablemodel: {message}") from None


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Add the items of every `--tablemodel` model to the session."""
    for target in config.getoption("--tablemodel"):
        collector = ModelCollector.from_parent(session, name=str(target), target=str(target))
        for item in collector.collect():
            if isinstance(item, pytest.Item):
                items.append(item)


class _Results:
    """One model's static report and run, computed once, by the first item that needs them."""

    def __init__(self, target: str, config: pytest.Config) -> None:
        self.target = target
        self.config = config
        self._value: tuple[CheckReport, RunReport | None] | None = None

    def get(self) -> tuple[CheckReport, RunReport | None]:
        if self._value is None:
            from tablemodel.run.check import check_and_run  # noqa: PLC0415
            from tablemodel.run.runner import RunOptions  # noqa: PLC0415

            options = RunOptions(
                engine=self.config.getoption("--tablemodel-engine"),
                endpoint_url=self.config.getoption("--tablemodel-endpoint-url"),
                allow_aws=self.config.getoption("--tablemodel-allow-aws"),
                seed=self.config.getoption("--tablemodel-seed"),
            )
            self._value = check_and_run(self.target, options)
        return self._value


class ModelCollector(pytest.Collector):
    """One model file: an item per access pattern, and one for table and entity findings."""

    def __init__(self, *, target: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.target = target

    def collect(self) -> list[pytest.Item | pytest.Collector]:
        from tablemodel.api import load  # noqa: PLC0415
        from tablemodel.diagnostics import ModelLoadError  # noqa: PLC0415

        try:
            loaded: LoadedModel = load(self.target)
        except ModelLoadError as err:
            return [LoadErrorItem.from_parent(self, name="load", error=str(err))]
        results = _Results(self.target, self.config)
        items: list[pytest.Item | pytest.Collector] = [
            PatternItem.from_parent(
                self, name="<table and entities>", pattern=None, results=results
            )
        ]
        items += [
            PatternItem.from_parent(self, name=name, pattern=name, results=results)
            for name in loaded.model.access_patterns
        ]
        return items


class LoadErrorItem(pytest.Item):
    """The model could not be loaded: one failing item with the located errors."""

    def __init__(self, *, error: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.error = error

    def runtest(self) -> None:
        raise PatternFailure(f"the model could not be loaded: {self.error}")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        return str(excinfo.value)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return Path(self.parent.name if self.parent else ""), None, f"tablemodel: {self.name}"


class PatternFailure(Exception):
    """A pattern (or the table's findings) failed; the message is the CLI's explanation."""


class TableModelWarning(UserWarning):
    """A warning finding on a pattern whose verdict is `warnings`: the item passes with it."""


class PatternItem(pytest.Item):
    """One access pattern: no static error, and the engine returned what its intent says."""

    def __init__(self, *, pattern: str | None, results: _Results, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pattern = pattern
        self.results = results

    def runtest(self) -> None:
        """Fail, skip or pass as the pattern's one verdict says (docs/run.md).

        `fails` fails the item with the CLI's explanation; a run the engine could not make
        (skipped) skips it; `warnings` passes with a pytest warning naming each finding.
        """
        from tablemodel.diagnostics import Severity  # noqa: PLC0415
        from tablemodel.results.check_report import Verdict  # noqa: PLC0415

        report, run = self.results.get()
        mine = [d for d in report.diagnostics if d.pattern == self.pattern]
        pattern_run = None
        if run is not None and self.pattern is not None:
            pattern_run = next((p for p in run.patterns if p.name == self.pattern), None)
        if self.pattern is None:
            failed = any(d.severity is Severity.ERROR for d in mine)
            warned = any(d.severity is Severity.WARNING for d in mine)
        else:
            summary = next(p for p in report.patterns if p.name == self.pattern)
            failed = summary.verdict is Verdict.FAILS
            warned = summary.verdict is Verdict.WARNINGS
        errors = [d for d in mine if d.severity is Severity.ERROR]
        if failed:
            not_run = pattern_run is None or (not pattern_run.calls and not pattern_run.skipped)
            raise PatternFailure(_explain(errors, pattern_run, not_run and bool(self.pattern)))
        if pattern_run is not None and pattern_run.skipped is not None:
            pytest.skip(pattern_run.skipped)
        if warned:
            for d in mine:
                if d.severity is Severity.WARNING:
                    warnings.warn(TableModelWarning(f"{d.code}: {d.message}"), stacklevel=1)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, PatternFailure):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return Path(self.results.target), None, f"tablemodel: {self.name}"


def _explain(diagnostics: list[Any], pattern_run: Any, not_run: bool) -> str:
    """The CLI's rendering of the pattern's findings and first failing call, as plain text."""
    from tablemodel.cli.human import (  # noqa: PLC0415
        diagnostic_view,
        difference_table,
        make_console,
        strip_padding,
    )

    buffer = io.StringIO()
    console = make_console(buffer)
    for diagnostic in diagnostics:
        console.print(diagnostic_view(diagnostic))
    if pattern_run is not None:
        call = pattern_run.first_failure
        if call is not None and (call.missing or call.unexpected):
            console.print(difference_table(call))
        elif call is not None and call.error:
            console.print(f"call raised: {call.error}")
    if not_run:
        console.print("the pattern was not run (it does not resolve to a Query)")
    return strip_padding(buffer.getvalue()).rstrip() or "failed"


@pytest.fixture
def tablemodel_run() -> Callable[..., tuple[CheckReport, RunReport | None]]:
    """Run a model: `report, run = tablemodel_run("tablemodel.yaml", engine="moto")`."""
    from tablemodel.run.check import check_and_run  # noqa: PLC0415
    from tablemodel.run.runner import RunOptions  # noqa: PLC0415

    def run(target: str | Path, **options: Any) -> tuple[CheckReport, RunReport | None]:
        return check_and_run(target, RunOptions(**options))

    return run
