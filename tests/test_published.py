"""Published single-table designs, encoded as written (`tests/data/published/`): each checks
with exactly the findings below, generates, and runs on moto with exactly the run findings
below. The header of each model file names its source and what the encoding had to choose.

None of them stores an entity-type attribute, and each keys a GSI on attributes its items
already have; `tests/test_generate.py` runs ruff and mypy --strict on their generated code.
"""

from __future__ import annotations

import pytest

from tablemodel.api import check
from tablemodel.run.check import check_and_run
from tablemodel.run.runner import RunOptions
from tests.generated import PUBLISHED

# (code, pattern, entity, where) of every static finding, sorted.
STATIC: dict[str, list[tuple[str, str, str | None, str]]] = {
    "chat_system": [
        # Published with `Limit 1` on "get all comments".
        ("TM804", "getAllComments", None, "access_patterns.getAllComments.limit"),
    ],
    "complaint_management": [
        # The escalation's agent and time are two optional attributes the model cannot yet
        # declare as written together (issue 12), so a complaint with an agent and no time
        # is one the intent selects and the sparse index lacks.
        (
            "TM802",
            "get_escalated_complaints",
            "Complaint",
            "access_patterns.get_escalated_complaints.key_condition",
        ),
    ],
    "battle_royale": [
        # BETWEEN "#METADATA#{game_id}" AND "USER$" is beyond the proof (issue 12, item 7).
        ("TM805", "fetch_game_and_players", None, "access_patterns.fetch_game_and_players.intent"),
    ],
}

# (code, pattern) of every finding the run adds, sorted: the run confirms the static errors.
RUN: dict[str, list[tuple[str, str]]] = {
    "chat_system": [("TM851", "getAllComments")],
    "complaint_management": [("TM851", "get_escalated_complaints")],
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
