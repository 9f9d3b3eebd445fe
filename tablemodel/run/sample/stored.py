"""Sample items as DynamoDB stores them: every key composed, every value in the wire form.

The generated entities write an item as PynamoDB's `serialize()` gives it; the design docs and
the exports show sample data without importing PynamoDB, so this module composes the same item
from the design alone: key attributes through the runtime's key codec (a key the item lacks a
part of is left out, as a sparse index wants), the discriminator, and each attribute in the
client's wire form (`{"S": ...}`, `{"N": ...}`, lists and maps typed all the way down). Chunked
attributes live in chunk items, not in the record, so they are left out. A test holds the two
equal over the sample items of several models.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from tablemodel.design import Design, EntityDesign
from tablemodel.records import record
from tablemodel.run.items import SampleItem
from tablemodel.run.sample.shape import EntityShape
from tablemodel.runtime.values import format_datetime

__all__ = ["StoredItem", "stored_items", "wire_value"]


@record
class StoredItem:
    """One sample item: its entity and the item as stored (attribute name -> wire value)."""

    entity: str
    item: Mapping[str, Mapping[str, Any]]
    origin: str


def stored_items(design: Design, samples: Sequence[SampleItem]) -> list[StoredItem]:
    """Each sample item as the generated code would store it, in the same order."""
    shapes: dict[str, EntityShape] = {}
    out: list[StoredItem] = []
    for sample in samples:
        shape = shapes.get(sample.entity)
        if shape is None:
            shape = shapes[sample.entity] = EntityShape(design, design.entities[sample.entity])
        out.append(StoredItem(sample.entity, _stored(design, shape, sample), sample.origin))
    return out


def _stored(design: Design, shape: EntityShape, sample: SampleItem) -> dict[str, Any]:
    entity: EntityDesign = shape.entity
    checked = {a: shape.rules[a].check(entity.name, a, v) for a, v in sample.values.items()}
    item: dict[str, Any] = {}
    for key_attr, codec in shape.codecs.items():
        variables = codec.template.variable_names
        if not all(checked.get(v) is not None for v in variables):
            continue  # a key without all its parts is not written: the item is not in the index
        parts = {v: shape.rules[v].key_part(checked[v]) for v in variables}
        key = codec.compose(parts)
        item[key_attr] = {"N": _number(key)} if codec.key_type == "N" else {"S": key}
    discriminator = design.model.table.discriminator_attribute
    if discriminator is not None:
        item[discriminator] = {"S": entity.discriminator}
    chunked = set(entity.spec.chunking.attributes) if entity.spec.chunking else set()
    for name, value in checked.items():
        if value is None or name in chunked or name in item:
            continue
        item[name] = wire_value(value)
    return dict(sorted(item.items()))


def wire_value(value: object) -> dict[str, Any]:
    """A checked attribute value in the client's wire form (what `serialize()` gives)."""
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, int | float | Decimal):
        return {"N": _number(value)}
    if isinstance(value, bytes | bytearray):
        return {"B": bytes(value)}
    if isinstance(value, dt.datetime):
        return {"S": format_datetime(value)}
    if isinstance(value, dt.date):
        return {"S": value.isoformat()}
    if value is None:
        return {"NULL": True}
    if isinstance(value, Mapping):
        return {"M": {str(k): wire_value(v) for k, v in value.items()}}
    if isinstance(value, list | tuple):
        return {"L": [wire_value(v) for v in value]}
    if isinstance(value, set | frozenset):
        members = list(value)
        if all(isinstance(m, str) for m in members):
            return {"SS": sorted(members)}
        if all(isinstance(m, bytes | bytearray) for m in members):
            return {"BS": sorted(bytes(m) for m in members)}
        return {"NS": sorted((_number(m) for m in members), key=Decimal)}
    msg = f"no DynamoDB form for a {type(value).__name__}"
    raise TypeError(msg)


def _number(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        msg = f"a number was expected, got {type(value).__name__}"
        raise TypeError(msg)
    if isinstance(value, float):
        value = Decimal(repr(value))
    return str(value) if isinstance(value, int) else _decimal_text(Decimal(value))


def _decimal_text(number: Decimal) -> str:
    # As PynamoDB writes a Decimal: str() of it, which keeps the digits it was given.
    return str(number)
