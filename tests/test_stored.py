"""Sample items as stored: `run.sample.stored` (no PynamoDB) agrees with the generated entities.

The design docs and the Workbench export show sample items without importing PynamoDB, so
they compose the stored item from the design; the generated code composes it through its
PynamoDB attributes. Both must give the same item, key for key and value for value.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from tablemodel.api import design_of, load
from tablemodel.run.sample import generate_samples
from tablemodel.run.sample.stored import stored_items, wire_value
from tests.generated import ALLEYCAT, BOX_OFFICE, generate_and_import

LEADERBOARD = ALLEYCAT.parent / "leaderboard"

MODELS = [ALLEYCAT, ALLEYCAT / "hour_race.yaml", BOX_OFFICE, LEADERBOARD]


def _plain(value: Any) -> Any:
    """Wire values compared by meaning: numbers as Decimals, sets as sorted lists."""
    from decimal import Decimal  # noqa: PLC0415

    if isinstance(value, dict):
        if len(value) == 1:
            ((kind, inner),) = value.items()
            if kind == "N":
                return ("N", Decimal(inner))
            if kind == "NS":
                return ("NS", sorted(Decimal(v) for v in inner))
            if kind in {"SS", "BS"}:
                return (kind, sorted(inner))
            if kind in {"L", "M"}:
                return (kind, _plain(inner))
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


@pytest.mark.parametrize("model", MODELS, ids=lambda p: p.stem)
@pytest.mark.parametrize("hostile", [True, False], ids=["hostile", "plain"])
def test_stored_items_equal_what_the_generated_entities_serialize(
    model: Path, hostile: bool, tmp_path: Path
) -> None:
    design = design_of(load(model))
    sample = design.model.sample.model_copy(update={"hostile": hostile})
    design = dataclasses.replace(design, model=design.model.model_copy(update={"sample": sample}))
    samples = generate_samples(design)
    module = generate_and_import(model, tmp_path)
    classes = {cls._spec.name: cls for cls in module.ENTITIES}
    stored = stored_items(design, samples)
    assert len(stored) == len(samples) > 0
    for sample_item, mine in zip(samples, stored, strict=True):
        cls = classes[sample_item.entity]
        spec = cls._spec
        instance = cls(**{spec.py(name): value for name, value in sample_item.values.items()})
        assert _plain(dict(mine.item)) == _plain(instance.serialize()), sample_item


def test_wire_values_of_every_kind() -> None:
    import datetime as dt  # noqa: PLC0415
    from decimal import Decimal  # noqa: PLC0415

    assert wire_value(True) == {"BOOL": True}
    assert wire_value("a") == {"S": "a"}
    assert wire_value(Decimal("1.50")) == {"N": "1.50"}
    assert wire_value(7) == {"N": "7"}
    assert wire_value(b"\x00") == {"B": b"\x00"}
    assert wire_value(dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)) == {
        "S": "2024-01-02T03:04:05.000000Z"
    }
    assert wire_value(dt.date(2024, 1, 2)) == {"S": "2024-01-02"}
    assert wire_value({"b", "a"}) == {"SS": ["a", "b"]}
    assert wire_value({Decimal("10"), Decimal("9")}) == {"NS": ["9", "10"]}
    assert wire_value([1, {"x": None}]) == {"L": [{"N": "1"}, {"M": {"x": {"NULL": True}}}]}
    with pytest.raises(TypeError, match="no DynamoDB form for a object"):
        wire_value(object())
