"""Published single-table designs, encoded under tests/data/published/ (each file's header
names its source and what the encoding changed), checked statically."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from tablemodel.api import check
from tablemodel.cli.main import cli

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
