"""Generated write-pattern functions on moto and DynamoDB Local: conditions, transitions,
counters, transactions, and the errors that say which condition failed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from tablemodel.run.check import check_and_run
from tablemodel.run.runner import RunOptions
from tablemodel.runtime.errors import (
    ConditionFailedError,
    ItemMissingError,
    KeyTakenError,
    TransitionRefusedError,
)
from tests.generated import PUBLISHED, TASK_QUEUE, deploy, generate_and_import

pytestmark = pytest.mark.engine

ENGINES = ["moto", "dynamodb-local"]

NOW = dt.datetime(2026, 12, 3, 17, 0, 0, tzinfo=dt.UTC)


@pytest.fixture
def queue(tmp_path: Path, endpoint: str | None) -> Iterator[ModuleType]:
    yield from deploy(generate_and_import(TASK_QUEUE, tmp_path), endpoint)


@pytest.fixture
def games(tmp_path: Path, endpoint: str | None) -> Iterator[ModuleType]:
    yield from deploy(generate_and_import(PUBLISHED / "battle_royale.yaml", tmp_path), endpoint)


def _add(queue: ModuleType, task_id: str) -> None:
    queue.add_task(taskId=task_id, taskCreated=NOW, taskUpdated=NOW, expires_at=4_000_000_000)


def test_a_task_goes_through_its_life_cycle(queue: ModuleType) -> None:
    _add(queue, "t-1")
    queue.take_task(taskId="t-1", now=NOW)
    task = queue.Task.fetch(taskId="t-1", consistent_read=True)
    assert (task.taskStatus, task.attempts) == ("TAKEN", 1)
    queue.release_task(taskId="t-1", now=NOW)
    queue.take_task(taskId="t-1", now=NOW)
    queue.complete_task(taskId="t-1", now=NOW)
    task = queue.Task.fetch(taskId="t-1", consistent_read=True)
    assert (task.taskStatus, task.attempts) == ("SUCCESS", 2)
    assert [t.taskId for t in queue.newest_pending()] == []
    queue.drop_task(taskId="t-1")
    assert queue.Task.fetch(taskId="t-1", consistent_read=True) is None


def test_a_refused_transition_names_the_state_and_writes_nothing(queue: ModuleType) -> None:
    _add(queue, "t-2")
    before = queue.Task.fetch(taskId="t-2", consistent_read=True).serialize()
    with pytest.raises(TransitionRefusedError) as caught:
        queue.complete_task(taskId="t-2", now=NOW + dt.timedelta(hours=1))
    error = caught.value
    assert (error.pattern, error.entity, error.state, error.allowed) == (
        "complete_task",
        "Task",
        "PENDING",
        ("TAKEN",),
    )
    assert error.key == {"taskId": "t-2"}
    assert error.failed == ("taskStatus = 'TAKEN'",)
    assert "complete_task" in str(error)
    assert "'PENDING'" in str(error)
    assert queue.Task.fetch(taskId="t-2", consistent_read=True).serialize() == before


def test_a_task_is_taken_once(queue: ModuleType) -> None:
    _add(queue, "t-3")
    queue.take_task(taskId="t-3", now=NOW)
    with pytest.raises(TransitionRefusedError):
        queue.take_task(taskId="t-3", now=NOW)
    assert queue.Task.fetch(taskId="t-3", consistent_read=True).attempts == 1


def test_create_on_a_taken_key_and_update_of_a_missing_item(queue: ModuleType) -> None:
    _add(queue, "t-4")
    with pytest.raises(KeyTakenError) as taken:
        _add(queue, "t-4")
    assert taken.value.key == {"taskId": "t-4"}
    with pytest.raises(ItemMissingError):
        queue.take_task(taskId="nobody", now=NOW)
    assert queue.Task.fetch(taskId="nobody", consistent_read=True) is None  # never created


def test_a_transaction_names_the_action_whose_condition_failed(games: ModuleType) -> None:
    games.Game(
        game_id="g1", map="Green Grasslands", creator="ann", create_time=NOW, people=49
    ).create()
    games.join_game(game_id="g1", username="bob")
    assert games.Game.fetch(game_id="g1", consistent_read=True).people == 50
    with pytest.raises(ConditionFailedError) as full:
        games.join_game(game_id="g1", username="cat")
    assert full.value.action == 1  # the game's count, not the membership
    assert full.value.failed == ("people < 50",)
    assert games.UserGameMapping.fetch(game_id="g1", username="cat") is None
    with pytest.raises(KeyTakenError) as twice:
        games.join_game(game_id="g1", username="bob")
    assert twice.value.action == 0


def test_a_retry_with_the_same_idempotency_key_applies_once(
    tmp_path: Path, dynamodb_local: str, aws_credentials: None
) -> None:
    """DynamoDB Local honours ClientRequestToken (moto ignores it: DYNAMODB_FACTS.md)."""
    for models in deploy(generate_and_import(TASK_QUEUE, tmp_path), dynamodb_local):
        _add(models, "t-5")
        models.take_task(taskId="t-5", now=NOW)
        models.note_attempt(taskId="t-5", request_id="req-1")
        models.note_attempt(taskId="t-5", request_id="req-1")  # a retry: not applied again
        assert models.Task.fetch(taskId="t-5", consistent_read=True).attempts == 2
        models.note_attempt(taskId="t-5", request_id="req-2")
        assert models.Task.fetch(taskId="t-5", consistent_read=True).attempts == 3
        _add(models, "t-6")
        models.take_task(taskId="t-6", now=NOW)
        models.note_attempt(taskId="t-6", request_id="req-2")  # same key, another item
        assert models.Task.fetch(taskId="t-6", consistent_read=True).attempts == 2


@pytest.mark.parametrize("engine", ENGINES)
def test_every_task_write_pattern_runs_as_declared(
    engine: str, request: pytest.FixtureRequest
) -> None:
    if engine == "dynamodb-local":
        request.getfixturevalue("dynamodb_local")
    report, run = check_and_run(TASK_QUEUE, RunOptions(engine=engine))
    assert run is not None, report.diagnostics
    assert report.diagnostics == ()
    writes = {p.name: p for p in run.patterns if p.name != "newest_pending"}
    assert set(writes) == set(yaml.safe_load(TASK_QUEUE.read_text())["write_patterns"])
    assert {name: p.verdict for name, p in writes.items()} == dict.fromkeys(writes, "pass")
    tried = [str(c.parameters["call"]) for c in writes["take_task"].calls]
    assert tried == [
        "allowed: PENDING -> TAKEN",
        "undeclared: TAKEN -> TAKEN",
        "undeclared: SUCCESS -> TAKEN",
        "undeclared: FAILED -> TAKEN",
        "item missing (write pattern `take_task`)",
    ]
    summary = {s.name: s.verdict.value for s in report.patterns}
    assert summary["take_task"] == "proven"
    assert summary["add_task"] == "proven"


def test_the_planted_shortcut_is_caught_by_the_run(tmp_path: Path, aws_credentials: None) -> None:
    data = yaml.safe_load(TASK_QUEUE.read_text(encoding="utf-8"))
    data["write_patterns"]["shortcut"] = {
        "description": "Mark a task done, whatever its state.",
        "operation": "update",
        "entity": "Task",
        "condition": {"taskStatus": {"ne": "FAILED"}},
        "set": {"taskStatus": "SUCCESS"},
    }
    model = tmp_path / "task_queue.yaml"
    model.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    report, run = check_and_run(model, RunOptions())
    assert run is not None
    codes = sorted(d.code for d in report.diagnostics)
    assert codes == ["TM854", "TM872"]
    found = next(d for d in report.diagnostics if d.code == "TM854")
    assert found.pattern == "shortcut"
    assert found.location.dotted_path == "write_patterns.shortcut"
    assert "undeclared: PENDING -> SUCCESS" in found.message
    assert "the call succeeded" in found.message
    shortcut = next(p for p in run.patterns if p.name == "shortcut")
    failed = [str(c.parameters["call"]) for c in shortcut.calls if not c.ok]
    assert failed == ["undeclared: PENDING -> SUCCESS", "undeclared: SUCCESS -> SUCCESS"]
    assert next(s for s in report.patterns if s.name == "shortcut").verdict.value == "fails"
