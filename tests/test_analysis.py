"""The check's Analysis: what several rules ask of a design is computed once per check."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tablemodel.check import analysis, run_checks
from tablemodel.design import Design, build_design
from tablemodel.schema.loader import load_model

ALLEYCAT = Path(__file__).resolve().parent.parent / "examples" / "alleycat"


def _design() -> Design:
    loaded = load_model(ALLEYCAT / "article.yaml")
    return build_design(loaded.model, loaded)


def _counting(
    monkeypatch: pytest.MonkeyPatch, name: str, key: Callable[..., object]
) -> Counter[object]:
    """Replace `analysis.<name>` with a wrapper that counts its calls by `key(*args)`."""
    calls: Counter[object] = Counter()
    original = getattr(analysis, name)

    def wrapper(*args: Any) -> Any:
        calls[key(*args)] += 1
        return original(*args)

    monkeypatch.setattr(analysis, name, wrapper)
    return calls


def test_each_shared_answer_is_computed_once_per_check(monkeypatch: pytest.MonkeyPatch) -> None:
    design = _design()
    reach = _counting(monkeypatch, "matching_entities", lambda _, pattern: pattern.name)
    gaps = _counting(monkeypatch, "intent_gaps", lambda _, pattern, *rest: pattern.name)
    # One domains mapping per entity: the source and its identity name an entity's key.
    witnesses = _counting(
        monkeypatch,
        "ambiguity_witness",
        lambda template, domains, _: (template.source, id(domains)),
    )
    report = run_checks(design)
    # The article's model is the broken one: TM401 (isolation) reads reach, as TM402 and the
    # intent gaps do; TM502 and the intent proofs both ask whether keys are ambiguous.
    assert "TM401" in {d.code for d in report.diagnostics}
    queryable = {p.name for p in design.patterns.values() if p.queryable}
    assert set(reach) == queryable
    assert set(gaps) == queryable
    assert witnesses
    assert max(reach.values()) == max(gaps.values()) == max(witnesses.values()) == 1


def test_a_new_check_computes_afresh(monkeypatch: pytest.MonkeyPatch) -> None:
    design = _design()
    gaps = _counting(monkeypatch, "intent_gaps", lambda _, pattern, *rest: pattern.name)
    first = run_checks(design)
    second = run_checks(design)
    assert first == second
    assert set(gaps.values()) == {2}
