"""One verdict per pattern, whatever shows it: every static verdict × run outcome × ignore.

The static side is real: one-pattern variants of the rule-case base model whose check proves
the pattern, leaves it to the run (TM805), warns (TM307) or fails (TM401). The run side is
stood in for: `run_model` returns a run whose one pattern passed, failed (TM851), was skipped,
or whose call raised (TM852), so that every combination exists, which no real design and
engine could all produce. Each combination, with nothing ignored, with the static code and
with the run code ignored, must show one verdict in the library's reports, in every CLI
format (human, json, sarif, github) and in the pytest plugin, and that verdict must be the one
docs/run.md defines.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from tablemodel.cli.main import cli
from tablemodel.design import Design
from tablemodel.results.check_report import CheckReport
from tablemodel.results.run_report import CallResult, ItemView, PatternRun, RunReport
from tablemodel.run import check as run_check
from tablemodel.run.check import check_and_run
from tablemodel.run.runner import RunOptions
from tests.test_rules import _base, deep_merge

# ---------------------------------------------------------------------------------------------
# The static variants: one pattern each, and the codes its check raises (severity by code).


def _only(name: str, patch: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = deep_merge(_base(), patch)
    data["access_patterns"] = {name: data["access_patterns"][name]}
    return data


STATIC: dict[str, tuple[dict[str, Any], dict[str, str]]] = {
    "proven": (_only("races_by_racer", {}), {}),
    "run-only": (
        _only(
            "race_leaderboard",
            {
                "access_patterns": {
                    "race_leaderboard": {"intent": {"order_by": ["output desc", "racer_id"]}}
                }
            },
        ),
        {"TM805": "info"},
    ),
    "warnings": (
        _only(
            "races_by_racer",
            {
                "access_patterns": {
                    "races_by_racer": {
                        "filter": {"output": {"gte": 100}},
                        "limit": 10,
                        "intent": {
                            "select": {
                                "RacerRace": {"racer_id": "$racer_id", "output": {"gte": 100}}
                            },
                            "order_by": ["race_id"],
                            "limit": 10,
                        },
                    }
                }
            },
        ),
        {"TM805": "info", "TM307": "warning"},
    ),
    "fails": (
        _only(
            "races_by_racer",
            {"access_patterns": {"races_by_racer": {"key_condition": {"SK": None}}}},
        ),
        {"TM401": "error"},
    ),
}

# The run outcomes: the run verdict and the code its findings carry.
RUN: dict[str, tuple[str, str | None]] = {
    "pass": ("pass", None),
    "fail": ("fail", "TM851"),
    "skipped": ("skipped", None),
    "call-error": ("fail", "TM852"),
}


@dataclass(frozen=True)
class Case:
    static: str
    run: str
    ignore: tuple[str, ...]

    @property
    def id(self) -> str:
        return f"{self.static}-{self.run}-ignore-{'-'.join(self.ignore) or 'none'}"

    @property
    def pattern(self) -> str:
        return str(next(iter(STATIC[self.static][0]["access_patterns"])))

    def expected(self) -> str:
        """The one verdict as docs/run.md defines it, from the codes left after `ignore`."""
        severities = dict(STATIC[self.static][1])
        run_verdict, run_code = RUN[self.run]
        if run_code is not None:
            severities[run_code] = "error"
        left = {code: s for code, s in severities.items() if code not in self.ignore}
        if "error" in left.values():
            return "fails"
        if "warning" in left.values():
            return "warnings"
        if "TM805" in left:
            return "verified by run" if run_verdict == "pass" else "verified only by run"
        return "proven"

    def static_expected(self) -> str:
        left = {c: s for c, s in STATIC[self.static][1].items() if c not in self.ignore}
        if "error" in left.values():
            return "fails"
        if "warning" in left.values():
            return "warnings"
        return "verified only by run" if "TM805" in left else "proven"


def _cases() -> list[Case]:
    out: list[Case] = []
    for static, (_, codes) in STATIC.items():
        for run, (_, run_code) in RUN.items():
            ignores: list[tuple[str, ...]] = [()]
            failing = [c for c, s in codes.items() if s != "info"]
            if failing:
                ignores.append(tuple(failing))
            if run_code is not None:
                ignores.append((run_code,))
            out += [Case(static, run, ignore) for ignore in ignores]
    return out


CASES = _cases()


# ---------------------------------------------------------------------------------------------
# The stand-in run


def _call(outcome: str, pattern: str) -> CallResult:
    item = ItemView("RacerRace", {"PK": "racer-a", "SK": "race-b"}, {"PK": "racer-a"})
    if outcome == "pass":
        return CallResult({"racer_id": "a"}, ok=True, expected_count=1, actual_count=1, pages=1)
    if outcome == "fail":
        return CallResult(
            {"racer_id": "a"}, ok=False, expected_count=1, actual_count=0, missing=(item,), pages=1
        )
    return CallResult(
        {"racer_id": "a"},
        ok=False,
        expected_count=0,
        actual_count=0,
        error="ValidationException: refused",
    )


def _stand_in(outcomes: dict[str, str]) -> Any:
    """A `run_model` whose run of each model gives the outcome named for its file."""

    def run_model(
        design: Design, options: RunOptions | None = None, *, static: CheckReport | None = None
    ) -> RunReport:
        assert isinstance(design, Design)  # built once by check_and_run, passed through
        assert static is not None  # the check's verdicts, with its --select/--ignore
        outcome = outcomes[Path(design.source).stem]
        patterns = []
        for summary in static.patterns:
            if outcome == "skipped":
                run = PatternRun(summary.name, summary.verdict.value, (), skipped="stand-in")
            else:
                run = PatternRun(
                    summary.name, summary.verdict.value, (_call(outcome, summary.name),)
                )
            patterns.append(run)
        return RunReport(design.source, "moto", "stand-in", patterns=tuple(patterns))

    return run_model


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("verdicts")
    out = {}
    for case in CASES:
        path = folder / f"{case.id}.yaml"
        path.write_text(yaml.safe_dump(STATIC[case.static][0], sort_keys=False), encoding="utf-8")
        out[case.id] = path
    return out


@pytest.fixture
def stand_in(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run_check, "run_model", _stand_in({c.id: c.run for c in CASES}))


def _cli(path: Path, fmt: str, ignore: tuple[str, ...]) -> str:
    args = ["check", str(path), "--run", "--format", fmt]
    for code in ignore:
        args += ["--ignore", code]
    result = CliRunner().invoke(cli, args, env={"COLUMNS": "200"})
    assert result.exit_code in {0, 1}, result.output
    return result.output


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_one_verdict_everywhere(case: Case, models: dict[str, Path], stand_in: None) -> None:
    path = models[case.id]
    wanted = case.expected()
    report, run = check_and_run(path, RunOptions(), ignore=case.ignore)
    assert run is not None
    [summary] = report.patterns
    [pattern_run] = run.patterns
    assert summary.verdict.value == wanted
    assert summary.static_verdict is not None
    assert summary.static_verdict.value == case.static_expected() == pattern_run.static_verdict
    assert summary.run_verdict == pattern_run.verdict == RUN[case.run][0]
    assert pattern_run.final_verdict == wanted

    document = json.loads(_cli(path, "json", case.ignore))
    assert document["patterns"][0]["verdict"] == wanted
    assert document["patterns"][0]["static_verdict"] == case.static_expected()
    assert document["run"]["patterns"][0]["verdict"] == wanted

    sarif = json.loads(_cli(path, "sarif", case.ignore))
    [verdicts] = sarif["runs"][0]["properties"]["patternVerdicts"]
    assert verdicts["verdict"] == wanted

    github = _cli(path, "github", case.ignore)
    has_error = github.startswith("::error") or "\n::error" in github
    has_warning = github.startswith("::warning") or "\n::warning" in github
    assert has_error == (wanted == "fails")
    assert (has_warning and not has_error) == (wanted == "warnings")

    human = _cli(path, "human", case.ignore).splitlines()
    # The check's summary row (it shows the key condition) ends with the verdict; the run
    # table's row holds the static verdict, the run's and the one verdict (words each).
    rows = [" ".join(line.split()) for line in human if line.startswith(case.pattern + " ")]
    [summary_row] = [row for row in rows if " PK = " in row]
    header = next(
        i for i, line in enumerate(human) if line.split()[:3] == ["Pattern", "Static", "Run"]
    )
    run_row = " ".join(human[header + 2].split())
    assert summary_row.endswith(" " + wanted)
    assert re.search(rf"\s{re.escape(RUN[case.run][0])} {re.escape(wanted)} \d", run_row + " 0")


def test_the_pytest_plugin_follows_the_one_verdict(
    pytester: pytest.Pytester, models: dict[str, Path], stand_in: None
) -> None:
    # The plugin takes no --ignore: only the combinations that ignore nothing apply.
    plain = [case for case in CASES if not case.ignore]
    args = [arg for case in plain for arg in ("--tablemodel", str(models[case.id]))]
    result = pytester.runpytest(*args, "-p", "no:cacheprovider")
    outcomes: dict[str, str] = {}
    for report in result.reprec.getreports("pytest_runtest_logreport"):  # type: ignore[attr-defined]
        if report.when == "call" or report.outcome == "skipped":
            outcomes[report.nodeid] = report.outcome
    for case in plain:
        wanted = case.expected()
        found = [
            o for nodeid, o in outcomes.items() if case.id in nodeid and case.pattern in nodeid
        ]
        expected = (
            "failed" if wanted == "fails" else "skipped" if case.run == "skipped" else "passed"
        )
        assert found == [expected], case.id
