"""Published single-table designs, encoded under tests/data/published/: each file's header names
its source and what the encoding had to choose. Each checks with exactly the findings below,
generates (`tests/test_generate.py` runs ruff and mypy --strict on their generated code) and runs
on moto with exactly the run findings below; several were published with bugs the check finds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from tablemodel.api import check
from tablemodel.cli.main import cli
from tablemodel.run.check import check_and_run
from tablemodel.run.runner import RunOptions

PUBLISHED = Path(__file__).resolve().parent / "data" / "published"
LIBRARY = PUBLISHED / "electrodb_library.yaml"


def test_the_reversed_overdue_comparison_fails_the_check_without_a_run() -> None:
    report = check(LIBRARY)
    found = [(d.code, d.pattern, d.entity) for d in report.diagnostics if d.severity.rank >= 2]
    assert found == [
        ("TM801", "overdue_by_member", "Book"),
        ("TM802", "overdue_by_member", "Book"),
    ]
    over, under = (d for d in report.diagnostics if d.pattern == "overdue_by_member")
    assert over.message == (
        "pattern `overdue_by_member` returns `Book` items its intent excludes: the key condition"
        " has `loanEndDate > $today` where the intent has `loanEndDate < $today`"
    )
    assert over.example == (
        'with today = "2024-01-10", a `Book` item with `loanEndDate = "2024-01-20"` is returned,'
        " and the intent excludes it"
    )
    assert under.example == (
        'with today = "2024-01-10", a `Book` item with `loanEndDate = "2023-12-31"` is selected'
        " by the intent, and the key condition misses it"
    )
    verdicts = {p.name: p.verdict.value for p in report.patterns}
    assert verdicts.pop("overdue_by_member") == "fails"
    # The rest, ElectroDB's discriminator filters and `AVAILABLE` sentinel included, is proven.
    assert set(verdicts.values()) == {"proven"}

    result = CliRunner().invoke(cli, ["check", str(LIBRARY)])
    assert result.exit_code == 1, result.output


# ---------------------------------------------------------------------------------------------
# Runs (moto)

SHOP = PUBLISHED / "online_shop.yaml"


def _run_of(model: Path) -> tuple[Any, Any]:
    report, run = check_and_run(model, RunOptions())
    assert run is not None, report.diagnostics
    return report, run


@pytest.mark.engine
def test_no_online_shop_pattern_runs_only_calls_that_expect_nothing() -> None:
    report, run = _run_of(SHOP)
    assert run.problem is None
    for pattern in run.patterns:
        assert pattern.calls, pattern.name
        assert any(c.expected_count > 0 for c in pattern.calls), pattern.name
        assert pattern.nothing_expected is None, pattern.name
    assert "TM853" not in {d.code for d in report.diagnostics}
    # Step 16's date ranges leave the last day out; the run sees it and names the bound.
    failing = {d.pattern: d for d in report.diagnostics if d.code == "TM851"}
    assert set(failing) == {
        "customer_invoices_between",
        "customer_products_between",
        "customer_activity_between",
    }
    hint = failing["customer_invoices_between"].hint or ""
    assert hint == (
        'the upper bound "{end}" leaves out keys on the day `$end`: `Invoice` writes GSI2SK as'
        ' "{date}", which goes on past the bound with "T"; write GSI2SK: {between:'
        ' ["{start}", "{end}U"]}'
    )


@pytest.mark.engine
def test_a_planted_limit_1_on_an_index_is_caught_by_the_default_run(tmp_path: Path) -> None:
    # GSI1's invoice partitions hold one invoice each unless the sample repeats invoice ids
    # across orders: `limit: 1` where the intent wants every invoice of that id.
    data = yaml.safe_load(SHOP.read_text(encoding="utf-8"))
    data["access_patterns"]["invoice_by_id"]["limit"] = 1
    model = tmp_path / "planted.yaml"
    model.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    report, run = _run_of(model)
    codes = {d.code for d in report.diagnostics if d.pattern == "invoice_by_id"}
    assert {"TM804", "TM851"} <= codes
    [pattern] = [p for p in run.patterns if p.name == "invoice_by_id"]
    assert any(c.expected_count >= 2 and c.actual_count == 1 for c in pattern.calls)


@pytest.mark.engine
def test_the_library_run_finds_the_overdue_bug_and_the_available_copies() -> None:
    report, run = _run_of(LIBRARY)
    calls = {p.name: p.calls for p in run.patterns}
    assert {d.pattern for d in report.diagnostics if d.code == "TM851"} == {"overdue_by_member"}
    assert any(c.expected_count > 0 for c in calls["available_copies"])
    # The published parameters are called first.
    assert calls["overdue_by_member"][0].parameters == {
        "memberId": "0000001",
        "today": "2022-07-30",
    }


@pytest.mark.engine
def test_a_pattern_whose_calls_all_expect_nothing_is_a_warning_that_says_why(
    tmp_path: Path,
) -> None:
    from tests.test_rules import _base, deep_merge  # noqa: PLC0415

    data = deep_merge(_base(), {"sample": {"entities": {"RacerRace": {"count": 0}}}})
    data["access_patterns"] = {"races_by_racer": data["access_patterns"]["races_by_racer"]}
    model = tmp_path / "no_races.yaml"
    model.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    report, run = _run_of(model)
    [diagnostic] = [d for d in report.diagnostics if d.code == "TM853"]
    assert diagnostic.severity.value == "warning"
    assert diagnostic.message.endswith("`, the sample holds no `RacerRace` item")
    assert diagnostic.message.startswith(
        "on moto, every call of `races_by_racer` expected no item (1 call), so the run showed"
        " nothing: for `races_by_racer(racer_id="
    )
    assert [p.verdict.value for p in report.patterns] == ["warnings"]
    assert run.patterns[0].final_verdict == "warnings"
    assert report.has_findings


# (code, pattern, entity, where) of every static finding, sorted.
STATIC: dict[str, list[tuple[str, str, str | None, str]]] = {
    "chat_system": [
        # Published with `Limit 1` on "get all comments".
        ("TM804", "getAllComments", None, "access_patterns.getAllComments.limit"),
    ],
    # The escalation's agent and time are declared as written together, so the sparse index
    # on them holds exactly the escalated complaints.
    "complaint_management": [],
    # BETWEEN "#METADATA#{game_id}" AND "USER$" is decided from its literal first characters.
    "battle_royale": [],
}

# (code, pattern) of every finding the run adds, sorted: the run confirms the static errors.
RUN: dict[str, list[tuple[str, str]]] = {
    "chat_system": [("TM851", "getAllComments")],
    "complaint_management": [],
    "battle_royale": [],
}

DESIGNS = sorted(STATIC)


@pytest.mark.parametrize("name", DESIGNS)
def test_the_design_checks_with_exactly_its_findings(name: str) -> None:
    report = check(PUBLISHED / f"{name}.yaml")
    found = sorted(
        (d.code, d.pattern, d.entity, d.location.dotted_path) for d in report.diagnostics
    )
    assert found == STATIC[name]
    assert all(d.location.line is not None for d in report.diagnostics)


@pytest.mark.engine
@pytest.mark.parametrize("name", DESIGNS)
def test_the_design_runs_on_moto_as_published(name: str) -> None:
    report, run = check_and_run(PUBLISHED / f"{name}.yaml", RunOptions())
    assert run is not None, report.diagnostics
    static = {finding[0] for finding in STATIC[name]}
    added = sorted((d.code, d.pattern) for d in report.diagnostics if d.code not in static)
    assert added == RUN[name]
    failed = sorted(p.name for p in run.patterns if not p.ok)
    assert failed == sorted(pattern for _, pattern in RUN[name])
    for pattern in run.patterns:
        assert pattern.calls, pattern.name
        assert any(call.expected_count for call in pattern.calls), pattern.name
        # No item of an unknown kind: the primary key named every item's entity.
        views = [v for call in pattern.calls for v in (*call.unexpected, *call.missing)]
        assert all(not v.entity.startswith("<") for v in views), pattern.name
