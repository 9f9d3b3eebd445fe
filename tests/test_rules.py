"""Rule cases as data: every diagnostic code has failing and passing models in YAML.

Each file `tests/rule_cases/<CODE>.yaml` holds `fail` and `pass` lists. A case is a patch
deep-merged into `tests/rule_cases/_base.yaml` (mappings merge recursively, `~` deletes a key,
lists and scalars replace) and, for a failing case, the exact diagnostics of that code:

    fail:
      - name: begins_with prefix ends inside racer_id
        patch: {...}
        expect:
          - {path: access_patterns.p.key_condition.SK, message: "...whole message..."}

An expectation may also pin `found`, `expected`, `example`, `hint`, `entity`, `pattern` and
`severity`. Passing cases must produce no diagnostic of their code.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from tablemodel.check import run_checks
from tablemodel.cli.catalogue import every_code
from tablemodel.design import Design, build_design
from tablemodel.diagnostics import Diagnostic, codes
from tablemodel.schema.loader import model_from_data

CASES = Path(__file__).resolve().parent / "rule_cases"
BASE = CASES / "_base.yaml"

# Codes whose findings carry no found/expected by design: TM805 is a note, not a problem.
WITHOUT_FOUND_EXPECTED = frozenset({"TM805"})
# TM701 is an error on a GSI and a warning on an LSI (its cases pin `severity`).
SEVERITY_VARIES = frozenset({"TM701"})
CASE_KEYS = frozenset({"name", "patch", "expect"})
EXPECT_KEYS = frozenset(
    {"path", "message", "found", "expected", "example", "hint", "entity", "pattern", "severity"}
)


@dataclass(frozen=True)
class RuleCase:
    code: str
    kind: str  # "fail" or "pass"
    name: str
    patch: dict[str, Any]
    expect: tuple[dict[str, str], ...]

    @property
    def id(self) -> str:
        return f"{self.code}-{self.kind}-{self.name}"


def deep_merge(base: Any, patch: Any) -> Any:
    """`patch` applied to `base`: mappings merge recursively, None deletes, others replace."""
    if not isinstance(base, dict) or not isinstance(patch, dict):
        return copy.deepcopy(patch)
    merged = copy.deepcopy(base)
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(merged.get(key), dict) and isinstance(value, dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _read_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@cache
def _base() -> dict[str, Any]:
    data = _read_yaml(BASE)
    assert isinstance(data, dict)
    return data


def _case_files() -> list[Path]:
    return sorted(p for p in CASES.glob("TM*.yaml"))


def _load_cases() -> list[RuleCase]:
    cases: list[RuleCase] = []
    for path in _case_files():
        data = _read_yaml(path)
        assert isinstance(data, dict), path
        assert set(data) <= {"fail", "pass"}, f"{path.name}: unknown sections {set(data)}"
        for kind in ("fail", "pass"):
            for entry in data.get(kind) or ():
                assert set(entry) <= CASE_KEYS, f"{path.name}: unknown case keys {set(entry)}"
                expect = tuple(entry.get("expect") or ())
                for item in expect:
                    assert set(item) <= EXPECT_KEYS, f"{path.name}: unknown keys {set(item)}"
                cases.append(
                    RuleCase(path.stem, kind, entry["name"], entry.get("patch") or {}, expect)
                )
    return cases


ALL_CASES = _load_cases()


def design_for(case_data: dict[str, Any], source: str) -> Design:
    loaded = model_from_data(case_data, source=source)
    return build_design(loaded.model, loaded)


def diagnostics_of(case: RuleCase) -> list[Diagnostic]:
    design = design_for(deep_merge(_base(), case.patch), f"rule_cases/{case.code}.yaml")
    report = run_checks(design, select=[case.code])
    return [d for d in report.diagnostics if d.code == case.code]


def _checked_codes() -> list[str]:
    # Load codes have loader tests; generator and run codes come from tests/test_generate.py
    # and tests/test_run.py; import and export codes from tests/test_import_workbench.py and
    # tests/test_exports.py.
    families = {"load", "generate", "run", "interchange"}
    return [info.code for info in every_code() if info.family not in families]


# ---------------------------------------------------------------------------------------------


def test_base_model_is_clean() -> None:
    report = run_checks(design_for(_base(), "rule_cases/_base.yaml"))
    assert [(d.code, d.location.dotted_path, d.message) for d in report.diagnostics] == []
    assert {p.name: p.verdict.value for p in report.patterns} == {
        "racer_profile": "proven",
        "races_by_racer": "proven",
        "race_leaderboard": "proven",
        "top_scores_by_race": "proven",
    }


@pytest.mark.parametrize("case", ALL_CASES, ids=[c.id for c in ALL_CASES])
def test_rule_case(case: RuleCase) -> None:
    found = diagnostics_of(case)
    if case.kind == "pass":
        assert [(d.location.dotted_path, d.message) for d in found] == []
        return
    assert [(d.location.dotted_path, d.message) for d in found] == [
        (e["path"], e["message"]) for e in case.expect
    ]
    for diagnostic, wanted in zip(found, case.expect, strict=True):
        actual = diagnostic.to_dict()
        for key in sorted(set(wanted) - {"path", "message"}):
            assert actual[key] == wanted[key], f"{key} of {diagnostic.message!r}"


def test_every_code_has_a_failing_and_a_passing_case() -> None:
    kinds: dict[str, set[str]] = {}
    for case in ALL_CASES:
        kinds.setdefault(case.code, set()).add(case.kind)
    missing = {code: {"fail", "pass"} - kinds.get(code, set()) for code in _checked_codes()}
    assert {code: sorted(k) for code, k in missing.items() if k} == {}
    assert sorted(set(kinds) - set(_checked_codes())) == []  # no file for an unknown code


def test_case_names_are_unique_and_fail_cases_expect_something() -> None:
    ids = [c.id for c in ALL_CASES]
    assert sorted({i for i in ids if ids.count(i) > 1}) == []
    assert [c.id for c in ALL_CASES if c.kind == "fail" and not c.expect] == []
    assert [c.id for c in ALL_CASES if c.kind == "pass" and c.expect] == []


@pytest.mark.parametrize(
    "case",
    [c for c in ALL_CASES if c.kind == "fail"],
    ids=[c.id for c in ALL_CASES if c.kind == "fail"],
)
def test_failing_case_diagnostics_are_located_and_explained(case: RuleCase) -> None:
    found = diagnostics_of(case)
    assert found
    for diagnostic in found:
        assert diagnostic.location.path, diagnostic.message
        assert diagnostic.location.file == f"rule_cases/{case.code}.yaml"
        if case.code not in SEVERITY_VARIES:
            assert diagnostic.severity is codes.info(case.code).severity
        if case.code in WITHOUT_FOUND_EXPECTED:
            continue
        assert diagnostic.found, diagnostic.message
        assert diagnostic.expected, diagnostic.message


def test_odd_model_still_runs_every_rule() -> None:
    """An entity without keys, an unknown index and a broken template do not stop the rest."""
    patch = {
        "entities": {
            "Racer": {"keys": {"PK": None, "SK": None}},
            "RaceLap": {"keys": {"SK": "lap-{racer_id"}},
            "ClassRace": {
                "attributes": {"class_id": "string", "race_id": "string", "started_at": "integer"},
                "keys": {
                    "PK": "class-{class_id}",
                    "SK": "race-{race_id}",
                    "Numeric": "{started_at}",
                },
            },
        },
        "access_patterns": {"race_leaderboard": {"index": "nowhere"}},
    }
    report = run_checks(design_for(deep_merge(_base(), patch), "odd"))
    assert [(d.code, d.location.dotted_path) for d in report.diagnostics] == [
        ("TM103", "access_patterns.race_leaderboard.index"),
        ("TM403", "access_patterns.racer_profile.returns"),
        ("TM401", "access_patterns.top_scores_by_race.key_condition"),
        ("TM101", "entities.RaceLap.keys.SK"),
        ("TM110", "entities.Racer.keys"),
        ("TM110", "entities.Racer.keys"),
    ]
    assert {p.name: p.verdict.value for p in report.patterns} == {
        "racer_profile": "fails",
        "races_by_racer": "proven",
        "race_leaderboard": "fails",
        "top_scores_by_race": "fails",
    }


def test_deep_merge_semantics() -> None:
    base = {"a": {"b": 1, "c": [1, 2]}, "d": 1}
    patch = {"a": {"b": None, "c": [3]}, "e": {"f": 2}}
    assert deep_merge(base, patch) == {"a": {"c": [3]}, "d": 1, "e": {"f": 2}}
    assert base == {"a": {"b": 1, "c": [1, 2]}, "d": 1}
