"""Published single-table designs, encoded under tests/data/published/: each file's header names
its source and what the encoding had to choose. Each checks with exactly the findings below,
generates (`tests/test_generate.py` runs ruff and mypy --strict on their generated code) and runs
on moto with exactly the run findings below; several were published with bugs the check finds.
The findings are the design's, not the encoding's:

- AWS's social network schema checks clean with tablemodel's escaping; written raw, as
  published, a user ID holding `#follower` reads another partition's items (TM401), and the
  timeline's `p#{post}#u#{user}` sort key is ambiguous, which the key codec refuses (TM905).
- ElectroDB's library example folds every key to lower case, so names that differ only in
  case share keys (TM503; the run returns `Mcdonald`'s items for `McDonald`); the overdue
  query's `gt` returns the books not yet due (the run fails it; with keys that keep their
  case the check proves it wrong without a run, TM801/TM802); Genre's misspelt `gsi13sk`
  keeps genres out of the titles collection (TM403); copies without a `loanEndDate` are
  missing from the author index the intent reads (the run); a `begins_with` on a subgenre
  also matches longer subgenres (TM601).
"""

from __future__ import annotations

import collections
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from tablemodel.api import check
from tablemodel.check import run_checks
from tablemodel.cli.main import cli
from tablemodel.design import build_design
from tablemodel.generate import GenerateError, generate_source
from tablemodel.run.check import check_and_run
from tablemodel.run.runner import RunOptions
from tablemodel.schema.loader import model_from_data
from tests.generated import ELECTRODB_LIBRARY, SOCIAL_NETWORK

PUBLISHED = Path(__file__).resolve().parent / "data" / "published"
LIBRARY = ELECTRODB_LIBRARY


def _data(model: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(model.read_text(encoding="utf-8"))
    return data


def _checked(data: dict[str, Any], source: str) -> Any:
    loaded = model_from_data(data, source=source)
    return run_checks(build_design(loaded.model, loaded))


def _findings(report: Any) -> list[tuple[str, str, str]]:
    return sorted((d.code, d.pattern or "", d.entity or "") for d in report.diagnostics)


# ---------------------------------------------------------------------------------------------
# ElectroDB's library example

LIBRARY_FINDINGS = [
    ("TM403", "getBookDetailsByTitle", "Genre"),
    *[("TM503", "", "Author")] * 5,
    *[("TM503", "", "Book")] * 9,
    *[("TM503", "", "Genre")] * 10,
    *[("TM503", "", "Member")] * 2,
    ("TM601", "getBooksByAuthorAndGenre", ""),
    ("TM601", "getCopiesByGenre", ""),
    # Every key is folded, and the attributes in them may hold upper case: a folded key stands
    # for every case variant (TM503), so no proof goes through and the run decides.
    *[
        ("TM805", name, "")
        for name in sorted(
            [
                "getAccountInfo",
                "getAuthorsBodyOfWork",
                "getAuthorsByFullName",
                "getAuthorsByName",
                "getAvailableCopies",
                "getBookDetailsByIsbn",
                "getBookDetailsByTitle",
                "getBooksByAuthorAndGenre",
                "getBooksOnLoan",
                "getCopiesByAuthor",
                "getCopiesByGenre",
                "getCopiesByIsbn",
                "getCopiesByTitle",
                "getEditions",
                "getLoanedCopies",
                "getOverdueBooks",
            ]
        )
    ],
    # No TM401 (issue 11's encoding had two): the `bookId` filter keeps authors out of
    # getLoanedCopies and the entity filter (`__edb_e__ = book`) members out of
    # getOverdueBooks, which issue 12's filter reasoning now proves.
]
LIBRARY_RUN = {
    "getCopiesByAuthor": "fail",  # copies without loanEndDate are not in the index
    "getAuthorsByName": "fail",  # McDonald's key is Mcdonald's (TM503)
    "getAuthorsByFullName": "fail",  # the same
    "getAuthorsBodyOfWork": "fail",
    "getCopiesByIsbn": "fail",  # the same, on an ISBN
    "getBooksOnLoan": "fail",
    "getOverdueBooks": "fail",  # gt where the intent says lt
    "getAccountInfo": "fail",
    "getAvailableCopies": "pass",
    "getLoanedCopies": "pass",
    "getCopiesByTitle": "fail",
    "getEditions": "fail",
    "getBookDetailsByIsbn": "fail",
    "getBookDetailsByTitle": "fail",  # genres are not in gsi3 (TM403)
    "getCopiesByGenre": "pass",
    "getBooksByAuthorAndGenre": "pass",
}


def test_the_library_checks_with_exactly_its_findings() -> None:
    report = check(LIBRARY)
    assert _findings(report) == sorted(LIBRARY_FINDINGS)
    result = CliRunner().invoke(cli, ["check", str(LIBRARY)])
    assert result.exit_code == 1, result.output  # TM403


def test_with_keys_that_keep_their_case_the_reversed_overdue_comparison_fails_the_check() -> None:
    # ElectroDB folds keys, which hides every comparison from the proof (above). With keys
    # that keep their case, and the value domain issue 12's encoding gave the dates (ISO
    # dates of ten characters, or AVAILABLE), the published `gt` is wrong without a run.
    data = _data(LIBRARY)
    data["table"]["key_codec"]["case"] = "preserve"
    data["entities"]["Book"]["attributes"]["loanEndDate"] = {
        "type": "string",
        "max_length": 10,
        "charset": "[0-9A-Z-]",
    }
    data["access_patterns"]["getOverdueBooks"]["parameters"]["today"] = {
        "type": "string",
        "min_length": 10,
        "max_length": 10,
        "charset": "[0-9-]",
    }
    report = _checked(data, LIBRARY.name)
    overdue = [d for d in report.diagnostics if d.pattern == "getOverdueBooks"]
    assert [(d.code, d.entity) for d in overdue] == [("TM801", "Book"), ("TM802", "Book")]
    over, under = overdue
    assert over.message == (
        "pattern `getOverdueBooks` returns `Book` items its intent excludes: the key condition"
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
    assert verdicts["getOverdueBooks"] == "fails"
    # ElectroDB's entity filters prove as they should: each query keeps to its entity.
    assert verdicts["getCopiesByIsbn"] == verdicts["getAuthorsByName"] == "proven"


@pytest.mark.engine
def test_the_library_runs_with_its_findings_and_its_published_parameters_first(
    aws_credentials: None,
) -> None:
    report, run = check_and_run(LIBRARY, RunOptions())
    run_failures = [
        ("TM851", name, "") for name, verdict in LIBRARY_RUN.items() if verdict == "fail"
    ]
    assert _findings(report) == sorted(LIBRARY_FINDINGS + run_failures)
    assert run is not None
    assert {p.name: p.verdict for p in run.patterns} == LIBRARY_RUN
    by_isbn = next(p for p in run.patterns if p.name == "getCopiesByIsbn").first_failure
    assert by_isbn is not None
    assert by_isbn.parameters == {"isbn": "McDonald"}
    assert by_isbn.unexpected  # Mcdonald's copies
    assert not by_isbn.missing
    calls = {p.name: p.calls for p in run.patterns}
    # The sample writes the sentinel, so the available copies are not a vacuous pass.
    assert any(c.expected_count > 0 for c in calls["getAvailableCopies"])
    # The published parameters are called first.
    assert calls["getOverdueBooks"][0].parameters == {"memberId": "0000001", "today": "2022-07-30"}


# ---------------------------------------------------------------------------------------------
# Written raw, as published


def _raw(model: Path) -> dict[str, Any]:
    """The design with its keys written raw, as published: no escaping of `#`."""
    data = _data(model)
    data["table"].setdefault("key_codec", {})["escape"] = False
    return data


@pytest.mark.parametrize(
    ("model", "findings", "refused"),
    [
        (
            SOCIAL_NETWORK,
            {"TM401": 12, "TM502": 1, "TM602": 13},
            ["entities.TimelineEntry.keys.SK"],
        ),
        (
            ELECTRODB_LIBRARY,
            {
                "TM403": 1,
                "TM502": 2,
                "TM503": 26,
                "TM601": 2,
                "TM602": 13,
                "TM805": 16,
            },
            [
                "access_patterns.getAuthorsBodyOfWork.key_condition.gsi2pk",
                "access_patterns.getAvailableCopies.key_condition.gsi2pk",
                "access_patterns.getBooksByAuthorAndGenre.key_condition.gsi2pk",
                "access_patterns.getBooksByAuthorAndGenre.key_condition.gsi2sk",
                "access_patterns.getCopiesByAuthor.key_condition.gsi2pk",
                "access_patterns.getLoanedCopies.key_condition.gsi2pk",
                "entities.Author.keys.gsi2pk",
                "entities.Author.keys.sk",
                "entities.Book.keys.gsi2pk",
                "entities.Genre.keys.gsi2pk",
                "entities.Genre.keys.gsi2sk",
                "entities.Genre.keys.sk",
            ],
        ),
    ],
    ids=["social_network", "electrodb_library"],
)
def test_written_raw_as_published_the_designs_check_but_do_not_generate(
    model: Path, findings: dict[str, int], refused: list[str]
) -> None:
    loaded = model_from_data(_raw(model), source=model.name)
    report = run_checks(build_design(loaded.model, loaded))
    assert dict(collections.Counter(d.code for d in report.diagnostics)) == findings
    with pytest.raises(GenerateError) as caught:
        generate_source(loaded)
    assert {d.code for d in caught.value.diagnostics} == {"TM905"}
    assert sorted(d.location.dotted_path for d in caught.value.diagnostics) == refused


def test_the_social_network_keeps_its_published_names_on_the_wire() -> None:
    source = generate_source(model_from_data(_data(SOCIAL_NETWORK), source="sns.yaml"))
    # `name`, `timestamp` and `ttl` are reserved words of DynamoDB's expressions but valid
    # Python names; `follower#` and the like are not.
    for line in (
        'follower_ = IntegerAttribute(attr_name="follower#")',
        'following_ = IntegerAttribute(attr_name="following#")',
        'post_ = IntegerAttribute(attr_name="post#")',
        "name = UnicodeAttribute()",
        "timestamp = UnicodeAttribute()",
        "ttl = IntegerAttribute()",
    ):
        assert f"    {line}\n" in source, line


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
    # With tablemodel's escaping (raw, as published: above).
    "social_network": [],
}

# (code, pattern) of every finding the run adds, sorted: the run confirms the static errors.
RUN: dict[str, list[tuple[str, str]]] = {
    "chat_system": [("TM851", "getAllComments")],
    "complaint_management": [],
    "battle_royale": [],
    "social_network": [],
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
        if pattern.write:  # tried from every state, tests/test_write_functions.py
            assert pattern.ok, pattern.name
            continue
        assert any(call.expected_count for call in pattern.calls), pattern.name
        # No item of an unknown kind: the primary key named every item's entity.
        views = [v for call in pattern.calls for v in (*call.unexpected, *call.missing)]
        assert all(not v.entity.startswith("<") for v in views), pattern.name
