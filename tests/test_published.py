"""Published single-table designs, encoded as published (tests/data/published/), end to end.

Each design checks with exactly the findings below, generates (ruff and mypy --strict: see
`tests/test_generate.py`) and runs on moto, where the run confirms or clears each finding. The
header of each model file names its source and what the encoding had to change. The findings
are the design's, not the encoding's:

- AWS's social network schema checks clean with tablemodel's escaping; written raw, as
  published, a user ID holding `#follower` reads another partition's items (TM401), and the
  timeline's `p#{post}#u#{user}` sort key is ambiguous, which the key codec refuses (TM905).
- ElectroDB's library example folds every key to lower case, so names that differ only in
  case share keys (TM503; the run returns `Mcdonald`'s copies for `McDonald`); the overdue
  query's `gt` returns the books not yet due and reaches members' items (TM401; the run fails
  it); Genre's misspelt `gsi13sk` keeps genres out of the titles collection (TM403); copies
  without a `loanEndDate` are missing from the author index the intent reads (the run); a
  `begins_with` on a subgenre also matches longer subgenres (TM601).
"""

from __future__ import annotations

import collections
from pathlib import Path

import pytest
import yaml

from tablemodel.check import run_checks
from tablemodel.design import build_design
from tablemodel.generate import GenerateError, generate_source
from tablemodel.run.check import check_and_run
from tablemodel.run.runner import RunOptions
from tablemodel.schema.loader import model_from_data
from tests.generated import ELECTRODB_LIBRARY, SOCIAL_NETWORK

LIBRARY_FINDINGS = [
    ("TM401", "getLoanedCopies", "Author"),  # the bookId filter drops them: the run passes
    ("TM401", "getOverdueBooks", "Member"),
    ("TM403", "getBookDetailsByTitle", "Genre"),
    *[("TM503", "", "Author")] * 5,
    *[("TM503", "", "Book")] * 9,
    *[("TM503", "", "Genre")] * 10,
    *[("TM503", "", "Member")] * 2,
    ("TM601", "getBooksByAuthorAndGenre", ""),
    ("TM601", "getCopiesByGenre", ""),
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
]
LIBRARY_RUN = {
    "getCopiesByAuthor": "fail",  # copies without loanEndDate are not in the index
    "getAuthorsByName": "pass",
    "getAuthorsByFullName": "pass",
    "getAuthorsBodyOfWork": "fail",
    "getCopiesByIsbn": "fail",  # McDonald's key is Mcdonald's
    "getBooksOnLoan": "fail",
    "getOverdueBooks": "fail",  # gt where the intent says lt
    "getAccountInfo": "fail",
    "getAvailableCopies": "pass",
    "getLoanedCopies": "pass",
    "getCopiesByTitle": "fail",
    "getEditions": "fail",
    "getBookDetailsByIsbn": "fail",
    "getBookDetailsByTitle": "fail",
    "getCopiesByGenre": "pass",
    "getBooksByAuthorAndGenre": "pass",
}


def _findings(report: object) -> list[tuple[str, str, str]]:
    diagnostics = report.diagnostics  # type: ignore[attr-defined]
    return sorted((d.code, d.pattern or "", d.entity or "") for d in diagnostics)


@pytest.mark.engine
def test_the_social_network_checks_generates_and_runs_clean(
    aws_credentials: None,
) -> None:
    report, run = check_and_run(SOCIAL_NETWORK, RunOptions())
    assert _findings(report) == []
    assert run is not None
    assert [(p.name, p.verdict) for p in run.patterns] == [
        ("getUserInfoByUserID", "pass"),
        ("getFollowerListByUserID", "pass"),
        ("getFollowingListByUserID", "pass"),
        ("getPostListByUserID", "pass"),
        ("getUserLikesByPostID", "pass"),
        ("getLikeCountByPostID", "pass"),
        ("getTimelineByUserID", "pass"),
    ]
    source = generate_source(model_from_data(_data(SOCIAL_NETWORK), source="sns.yaml"))
    # The published names, kept on the wire; `name`, `timestamp` and `ttl` are reserved
    # words of DynamoDB's expressions but valid Python names.
    for line in (
        'follower_ = IntegerAttribute(attr_name="follower#")',
        'following_ = IntegerAttribute(attr_name="following#")',
        'post_ = IntegerAttribute(attr_name="post#")',
        "name = UnicodeAttribute()",
        "timestamp = UnicodeAttribute()",
        "ttl = IntegerAttribute()",
    ):
        assert f"    {line}\n" in source, line


@pytest.mark.engine
def test_the_electrodb_library_checks_generates_and_runs_with_its_findings(
    aws_credentials: None,
) -> None:
    report, run = check_and_run(ELECTRODB_LIBRARY, RunOptions())
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


def _data(model: Path) -> dict[str, object]:
    data: dict[str, object] = yaml.safe_load(model.read_text(encoding="utf-8"))
    return data


def _raw(model: Path) -> dict[str, object]:
    """The design with its keys written raw, as published: no escaping of `#`."""
    data = _data(model)
    table = data["table"]
    assert isinstance(table, dict)
    table.setdefault("key_codec", {})["escape"] = False
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
                "TM401": 2,
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
