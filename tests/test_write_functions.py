"""Generated write-pattern functions on moto and DynamoDB Local: conditions, transitions,
counters, transactions, and the errors that say which condition failed."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from tablemodel.runtime.errors import (
    ConditionFailedError,
    IdempotencyMismatchError,
    ItemMissingError,
    KeyTakenError,
    TransitionRefusedError,
)
from tests.generated import PUBLISHED, TASK_QUEUE, generate_and_import

pytestmark = pytest.mark.engine

ENGINES = ["moto", "dynamodb-local"]

NOW = dt.datetime(2026, 12, 3, 17, 0, 0, tzinfo=dt.UTC)


@pytest.fixture(params=ENGINES)
def endpoint(request: pytest.FixtureRequest, aws_credentials: None) -> Iterator[str | None]:
    """None for moto (in-process), the DynamoDB Local URL otherwise."""
    if request.param == "moto":
        import moto  # noqa: PLC0415

        with moto.mock_aws():
            yield None
    else:
        yield request.getfixturevalue("dynamodb_local")


def _deployed(model: Path, folder: Path, endpoint: str | None) -> Iterator[ModuleType]:
    models = generate_and_import(model, folder)
    models.configure(table_name=f"w-{uuid.uuid4().hex[:12]}", endpoint_url=endpoint)
    models.create_table()
    try:
        yield models
    finally:
        models.delete_table()
        models.configure(table_name=None, endpoint_url=None)


@pytest.fixture
def queue(tmp_path: Path, endpoint: str | None) -> Iterator[ModuleType]:
    yield from _deployed(TASK_QUEUE, tmp_path, endpoint)


@pytest.fixture
def games(tmp_path: Path, endpoint: str | None) -> Iterator[ModuleType]:
    yield from _deployed(PUBLISHED / "battle_royale.yaml", tmp_path, endpoint)


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
    for models in _deployed(TASK_QUEUE, tmp_path, dynamodb_local):
        _add(models, "t-5")
        models.take_task(taskId="t-5", now=NOW)
        models.note_attempt(taskId="t-5", request_id="req-1")
        models.note_attempt(taskId="t-5", request_id="req-1")  # a retry: not applied again
        assert models.Task.fetch(taskId="t-5", consistent_read=True).attempts == 2
        models.note_attempt(taskId="t-5", request_id="req-2")
        assert models.Task.fetch(taskId="t-5", consistent_read=True).attempts == 3
        _add(models, "t-6")
        with pytest.raises(IdempotencyMismatchError):
            models.note_attempt(taskId="t-6", request_id="req-2")  # same key, other task
