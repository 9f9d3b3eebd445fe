"""Write patterns: the LIFO task queue's life cycle, proven statically and tried on engines."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from tablemodel.api import load
from tablemodel.check import run_checks
from tablemodel.design import Design, build_design
from tablemodel.design.writes import parameters, steps, transitions
from tablemodel.diagnostics import ModelLoadError
from tablemodel.schema.loader import model_from_data

TASK_QUEUE = Path(__file__).parent / "data" / "writes" / "task_queue.yaml"


def _data() -> dict[str, Any]:
    data = yaml.safe_load(TASK_QUEUE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _design(data: dict[str, Any]) -> Design:
    loaded = model_from_data(data, source="task_queue.yaml")
    return build_design(loaded.model, loaded)


def _with_bad_update() -> dict[str, Any]:
    """The queue plus a pattern that can finish a task nobody took (PENDING -> SUCCESS)."""
    data = copy.deepcopy(_data())
    data["write_patterns"]["shortcut"] = {
        "description": "Mark a task done, whatever its state.",
        "operation": "update",
        "entity": "Task",
        "condition": {"taskStatus": {"ne": "FAILED"}},
        "set": {"taskStatus": "SUCCESS"},
    }
    return data


def test_every_task_write_respects_the_declared_life_cycle() -> None:
    design = _design(_data())
    report = run_checks(design)
    assert [d.code for d in report.diagnostics if d.code.startswith("TM87")] == []
    made = {
        name: sorted(
            (s or "-", t) for step in steps(design, name, pattern) for s, t in transitions(step)
        )
        for name, pattern in design.model.write_patterns.items()
    }
    assert made == {
        "add_task": [("-", "PENDING")],
        "take_task": [("PENDING", "TAKEN")],
        "complete_task": [("TAKEN", "SUCCESS")],
        "fail_task": [("TAKEN", "FAILED")],
        "release_task": [("TAKEN", "PENDING")],
        "note_attempt": [],
        "drop_task": [],
    }


def test_the_planted_shortcut_is_an_undeclared_transition(tmp_path: Path) -> None:
    path = tmp_path / "task_queue.yaml"
    path.write_text(yaml.safe_dump(_with_bad_update(), sort_keys=False), encoding="utf-8")
    loaded = load(path)
    report = run_checks(build_design(loaded.model, loaded), select=["TM872"])
    (found,) = report.diagnostics
    assert found.location.dotted_path == "write_patterns.shortcut.set"
    assert found.location.line is not None
    assert "PENDING -> SUCCESS" in found.message
    assert "TAKEN -> SUCCESS" not in found.message  # declared
    assert found.hint is not None
    assert "`TAKEN`" in found.hint


def test_parameters_of_a_write_are_typed_from_the_entity() -> None:
    design = _design(_data())
    take = design.model.write_patterns["take_task"]
    params = parameters(design, "take_task", take)
    assert list(params) == ["taskId", "now"]
    assert params["now"][0].type == "datetime"
    add = design.model.write_patterns["add_task"]
    assert list(parameters(design, "add_task", add)) == [
        "taskId",
        "taskCreated",
        "taskUpdated",
        "expires_at",
    ]


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        (
            {"operation": "transact", "entity": "Task", "actions": []},
            "a transaction lists its `actions`",
        ),
        (
            {"operation": "create", "entity": "Task", "condition": {"taskStatus": "PENDING"}},
            "a create's condition is fixed",
        ),
        ({"operation": "update", "entity": "Task"}, "an update changes something"),
        (
            {"operation": "delete", "entity": "Task", "add": {"attempts": 1}},
            "`remove` and `add` belong to an update",
        ),
    ],
)
def test_malformed_write_patterns_are_located_errors(pattern: dict[str, Any], message: str) -> None:
    data = _data()
    data["write_patterns"] = {"bad": {"description": "x", **pattern}}
    with pytest.raises(ModelLoadError) as caught:
        model_from_data(data, source="task_queue.yaml")
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.location.path[:2] == ("write_patterns", "bad")
    assert message in diagnostic.message
