"""A deliberately wrong key condition fails, with an explanation.

Each test starts from the corrected Alleycat model (`examples/alleycat/tablemodel.yaml`),
breaks one access pattern the way people do, and asserts the whole list of diagnostics and
the pattern verdicts: the broken pattern fails for the stated reason, every other pattern
stays proven.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from tablemodel.check import CheckReport, run_checks
from tablemodel.design import build_design
from tablemodel.schema.loader import load_model, model_from_data

ALLEYCAT = Path(__file__).resolve().parent.parent / "examples" / "alleycat"
CORRECTED = ALLEYCAT / "tablemodel.yaml"
ARTICLE = ALLEYCAT / "article.yaml"

PATTERNS = (
    "results_by_racer",
    "races_by_class",
    "best_by_class",
    "top_scores_by_race",
    "performance_by_racer",
    "performance_in_race",
    "race_leaderboard",
    "racer_profile",
)

Row = tuple[str, str | None, str | None, str]


def _raw() -> dict[str, Any]:
    data = yaml.safe_load(CORRECTED.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _check(data: dict[str, Any]) -> CheckReport:
    loaded = model_from_data(data, source="alleycat")
    return run_checks(build_design(loaded.model, loaded))


def _with_pattern(name: str, **changes: Any) -> CheckReport:
    """Check the corrected model with one pattern changed (None deletes a field)."""
    data = copy.deepcopy(_raw())
    pattern = data["access_patterns"][name]
    for key, value in changes.items():
        if value is None:
            pattern.pop(key, None)
        else:
            pattern[key] = value
    return _check(data)


def _rows(report: CheckReport) -> list[Row]:
    return [(d.code, d.pattern, d.entity, d.message) for d in report.diagnostics]


def _verdicts(report: CheckReport) -> dict[str, str]:
    return {p.name: p.verdict.value for p in report.patterns}


def _only_failing(name: str) -> dict[str, str]:
    return {p: ("fails" if p == name else "proven") for p in PATTERNS}


def test_corrected_model_is_proven() -> None:
    loaded = load_model(CORRECTED)
    report = run_checks(build_design(loaded.model, loaded))
    assert _rows(report) == []
    assert _verdicts(report) == dict.fromkeys(PATTERNS, "proven")


def test_wrong_prefix_never_matches_the_returned_entity() -> None:
    # `racer-` is the prefix of ClassBest sort keys; a racer's races are under `race-`.
    report = _with_pattern(
        "results_by_racer",
        key_condition={"PK": "racer-{racer_id}", "SK": {"begins_with": "racer-"}},
    )
    assert _rows(report) == [
        (
            "TM402",
            "results_by_racer",
            "RacerRace",
            "pattern `results_by_racer` returns `RacerRace`, but its key condition can never"
            " match a `RacerRace` item",
        ),
    ]
    (diagnostic,) = report.diagnostics
    assert diagnostic.found == 'PK = "racer-{racer_id}" AND begins_with(SK, "racer-")'
    assert diagnostic.expected == (
        'a condition matching `RacerRace` keys: PK="racer-{racer_id}", SK="race-{race_id}"'
    )
    assert diagnostic.location.dotted_path == "access_patterns.results_by_racer.key_condition"
    assert _verdicts(report) == _only_failing("results_by_racer")


def test_missing_sort_key_condition_returns_class_races() -> None:
    report = _with_pattern("best_by_class", key_condition={"PK": "class-{class_id}"})
    assert _rows(report) == [
        (
            "TM401",
            "best_by_class",
            "ClassRace",
            "pattern `best_by_class` can also return `ClassRace` items, which it does not declare",
        ),
    ]
    (diagnostic,) = report.diagnostics
    assert diagnostic.example == 'PK="class-a", SK="class-race-a"'
    assert _verdicts(report) == _only_failing("best_by_class")


def test_ascending_leaderboard_is_in_the_wrong_order() -> None:
    report = _with_pattern("top_scores_by_race", order="ascending")
    assert _rows(report) == [
        (
            "TM803",
            "top_scores_by_race",
            "RacerRace",
            "pattern `top_scores_by_race` returns `RacerRace` items in another order than its"
            " intent: the index returns them by `output` ascending, the intent orders them by"
            " `output` descending",
        ),
    ]
    (diagnostic,) = report.diagnostics
    assert (diagnostic.location.dotted_path, diagnostic.found, diagnostic.expected) == (
        "access_patterns.top_scores_by_race.order",
        "order: ascending",
        "order: descending",
    )
    assert _verdicts(report) == _only_failing("top_scores_by_race")


def test_leaderboard_on_the_lsi_cannot_be_queried() -> None:
    # The LSI shares the table's partition key PK; `SK = race-…` names no partition of it.
    report = _with_pattern("top_scores_by_race", index="LSI_Numeric")
    assert _rows(report) == [
        (
            "TM302",
            "top_scores_by_race",
            None,
            "pattern `top_scores_by_race` has no condition on `PK`, the partition key of LSI"
            " `LSI_Numeric`: it would need a Scan",
        ),
        (
            "TM306",
            "top_scores_by_race",
            None,
            "pattern `top_scores_by_race` has a key condition on `SK`, which is not a key of"
            " LSI `LSI_Numeric`",
        ),
    ]
    assert [d.hint for d in report.diagnostics] == [
        "did you mean index `GSI_SK_Numeric`? Its keys are `SK`, `Numeric`",
    ] * 2
    assert _verdicts(report) == _only_failing("top_scores_by_race")


def test_prefix_ending_inside_race_id_matches_other_races() -> None:
    report = _with_pattern(
        "performance_in_race",
        key_condition={"PK": "racer-{racer_id}", "SK": {"begins_with": "race-{race_id}"}},
    )
    assert _rows(report) == [
        (
            "TM801",
            "performance_in_race",
            "RacerRace",
            "pattern `performance_in_race` returns `RacerRace` items its intent excludes: the"
            " intent requires `race_id = $race_id`, but the key condition matches every"
            " `race_id` that starts with $race_id",
        ),
        (
            "TM601",
            "performance_in_race",
            None,
            "the `begins_with` prefix of pattern `performance_in_race` on `SK` ends inside"
            " `{race_id}`: one value also matches every longer value that starts with it",
        ),
    ]
    assert _verdicts(report) == _only_failing("performance_in_race")


def test_wrong_parameter_in_the_partition_key() -> None:
    report = _with_pattern("racer_profile", key_condition={"PK": "racer-{name}", "SK": "profile"})
    assert _rows(report) == [
        (
            "TM801",
            "racer_profile",
            "Racer",
            "pattern `racer_profile` returns `Racer` items its intent excludes: the key"
            " condition compares `racer_id` with $name, the intent with $racer_id",
        ),
    ]
    assert _verdicts(report) == _only_failing("racer_profile")


@pytest.mark.parametrize(
    ("change", "rows"),
    [
        pytest.param(
            {"limit": 3},
            [
                (
                    "TM804",
                    "race_leaderboard",
                    None,
                    "pattern `race_leaderboard` has limit 3, but its intent keeps 10 items",
                )
            ],
            id="limit",
        ),
        pytest.param(
            {"order": "ascending"},
            [
                (
                    "TM803",
                    "race_leaderboard",
                    "RaceResult",
                    "pattern `race_leaderboard` returns `RaceResult` items in another order"
                    " than its intent: the index returns them by `output` ascending, the intent"
                    " orders them by `output` descending",
                )
            ],
            id="order",
        ),
        pytest.param(
            {"index": "table"},
            [
                (
                    "TM803",
                    "race_leaderboard",
                    "RaceResult",
                    # On the table a race partition is sorted by SK, that is by racer id.
                    "pattern `race_leaderboard` returns `RaceResult` items in another order"
                    " than its intent: the index returns them by `racer_id` descending, the"
                    " intent orders them by `output` descending",
                )
            ],
            id="table-instead-of-lsi",
        ),
    ],
)
def test_leaderboard_mistakes(change: dict[str, Any], rows: list[Row]) -> None:
    report = _with_pattern("race_leaderboard", **change)
    assert _rows(report) == rows
    assert _verdicts(report) == _only_failing("race_leaderboard")


def test_article_design_mixes_entity_types() -> None:
    """The article's own design: three patterns return another entity type too."""
    loaded = load_model(ARTICLE)
    report = run_checks(build_design(loaded.model, loaded))
    assert _rows(report) == [
        (
            "TM401",
            "races_by_class",
            "ClassBest",
            "pattern `races_by_class` can also return `ClassBest` items, which it does not declare",
        ),
        (
            "TM401",
            "best_by_class",
            "ClassRace",
            "pattern `best_by_class` can also return `ClassRace` items, which it does not declare",
        ),
        (
            "TM401",
            "top_scores_by_race",
            "ClassRace",
            "pattern `top_scores_by_race` can also return `ClassRace` items, which it does"
            " not declare",
        ),
    ]
