"""Item sizes and capacity, per entity and per access pattern, as a design doc states them.

Two kinds of number, always labelled as what they are: measured on the sample items (their
exact stored size, `tablemodel.runtime.size`), and an upper bound from what the model declares
(`max_length`, `max_items`, enum values...), where every attribute has one. Capacity follows
DynamoDB's rounding (4 KB read units, 1 KB write units, every index an item lands in writes
its own entry).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from tablemodel.design import Design, EntityDesign, IndexDesign, PatternDesign
from tablemodel.keylang.charset import CharSet, CharSetSyntaxError
from tablemodel.keylang.templates import Literal as TemplateLiteral
from tablemodel.records import record
from tablemodel.run.sample.stored import StoredItem
from tablemodel.runtime.keys import PARTITION_KEY_MAX_BYTES, SORT_KEY_MAX_BYTES
from tablemodel.runtime.size import (
    NUMBER_MAX_BYTES,
    get_read_units,
    item_size,
    read_units,
    write_units,
)
from tablemodel.schema.model import AttributeSpec

__all__ = [
    "EntityEstimate",
    "IndexSizes",
    "entity_estimates",
    "pattern_read_estimate",
    "projected_size",
]

_DATETIME_BYTES = len("2024-01-01T00:00:00.000000Z")
_DATE_BYTES = len("2024-01-01")


@record
class EntityEstimate:
    """One entity's item sizes and the capacity one write or read of it takes."""

    entity: str
    sample_items: int
    mean_bytes: int  # mean stored size of its sample items (0 without samples)
    largest_sample_bytes: int
    declared_max_bytes: int | None  # None: some attribute has no declared bound
    indexes: tuple[str, ...]  # secondary indexes its items land in
    write_units: float  # one put of a mean-sized item, index entries included
    read_units: float  # one eventually consistent GetItem of a mean-sized item


def entity_estimates(design: Design, stored: Sequence[StoredItem]) -> list[EntityEstimate]:
    sizes: dict[str, list[int]] = {name: [] for name in design.entities}
    for item in stored:
        sizes[item.entity].append(item_size(item.item))
    out: list[EntityEstimate] = []
    for name, entity in design.entities.items():
        found = sizes[name]
        mean = round(sum(found) / len(found)) if found else 0
        indexes = tuple(
            index.name
            for index in design.indexes.values()
            if index.kind != "table" and entity.in_index(index)
        )
        basis = mean or (declared_max_bytes(design, entity) or 0)
        out.append(
            EntityEstimate(
                entity=name,
                sample_items=len(found),
                mean_bytes=mean,
                largest_sample_bytes=max(found, default=0),
                declared_max_bytes=declared_max_bytes(design, entity),
                indexes=indexes,
                write_units=write_units(basis, index_count=len(indexes)),
                read_units=get_read_units(basis, consistent=False),
            )
        )
    return out


def declared_max_bytes(design: Design, entity: EntityDesign) -> int | None:
    """The largest item the model allows for `entity`, or None when an attribute is unbounded."""
    total = 0
    chunked = set(entity.spec.chunking.attributes) if entity.spec.chunking else set()
    for name, spec in entity.spec.attributes.items():
        if name in chunked or name in entity.templates:
            continue
        value = _value_max(spec)
        if value is None:
            return None
        total += len(name.encode()) + value
    for key, template in entity.templates.items():
        limit = PARTITION_KEY_MAX_BYTES if _is_partition_key(design, key) else SORT_KEY_MAX_BYTES
        if design.key_type(key) == "N":
            total += len(key.encode()) + NUMBER_MAX_BYTES
            continue
        size = 0
        for part in template.parts:
            if isinstance(part, TemplateLiteral):
                size += len(part.text.encode())
                continue
            variable = entity.spec.attributes.get(part.name)
            value = _value_max(variable) if variable is not None else None
            if value is None:
                size = limit
                break
            size += 2 * value  # escaping may double a value's delimiters
        total += len(key.encode()) + min(size, limit)
    discriminator = design.model.table.discriminator_attribute
    if discriminator is not None:
        total += len(discriminator.encode()) + len(entity.discriminator.encode())
    return total


def _is_partition_key(design: Design, attribute: str) -> bool:
    return any(index.role(attribute) == "partition" for index in design.indexes.values())


def _value_max(spec: AttributeSpec) -> int | None:
    kind = spec.type
    if kind in {"number", "integer"}:
        return NUMBER_MAX_BYTES
    if kind == "boolean":
        return 1
    if kind == "datetime":
        return _DATETIME_BYTES
    if kind == "date":
        return _DATE_BYTES
    if kind == "enum":
        return max(len(v.encode()) for v in spec.values)
    if kind == "string":
        if spec.max_length is None:
            return None
        return spec.max_length * _bytes_per_char(spec.charset)
    if kind == "binary":
        return spec.max_length
    if kind == "list" and spec.items is not None and spec.max_items is not None:
        inner = _value_max(spec.items)
        return None if inner is None else 3 + spec.max_items * (1 + inner)
    return None  # maps, sets and untyped lists: no bound the model can state


def _bytes_per_char(charset: str | None) -> int:
    if charset is None:
        return 4
    try:
        chars = CharSet.parse(charset)
    except CharSetSyntaxError:
        return 4
    top = ord(chars.max_char())
    return 1 if top < 0x80 else 2 if top < 0x800 else 3 if top < 0x10000 else 4


def projected_size(design: Design, index: IndexDesign, item: Mapping[str, object]) -> int:
    """Bytes of the item's entry in `index`: what a Query on it reads."""
    projected = design.projected_attributes(index)
    if projected is None:
        return item_size(item)  # type: ignore[arg-type]
    return item_size({k: v for k, v in item.items() if k in projected})  # type: ignore[misc]


class IndexSizes:
    """The projected sizes of the sample items in each index, by entity and partition.

    Computed once per doc: a thousand patterns read the same few indexes.
    """

    def __init__(self, design: Design, stored: Sequence[StoredItem]) -> None:
        self.by_index: dict[str, dict[str, dict[str, list[int]]]] = {}
        for index in design.indexes.values():
            groups: dict[str, dict[str, list[int]]] = {}
            for item in stored:
                if not all(name in item.item for name in index.key_names):
                    continue
                size = projected_size(design, index, item.item)
                key = repr([item.item[k.name] for k in index.partition_keys])
                groups.setdefault(item.entity, {}).setdefault(key, []).append(size)
            self.by_index[index.name] = groups


def pattern_read_estimate(
    design: Design,
    pattern: PatternDesign,
    sizes: IndexSizes,
    by_entity: Mapping[str, EntityEstimate],
) -> str:
    """Read units of one call, estimated from the sample: how many items of the returned
    entities one partition of the pattern's index holds, at their mean projected size."""
    index = pattern.index
    if index is None or not pattern.queryable:
        return "-"
    found = sizes.by_index.get(index.name, {})
    groups: dict[str, list[int]] = {}
    for entity in pattern.returns:
        for key, members in found.get(entity, {}).items():
            groups.setdefault(key, []).extend(members)
    if not groups:
        return "no sample items"
    every = [size for group in groups.values() for size in group]
    count = math.ceil(len(every) / len(groups))
    if pattern.sort is not None and pattern.sort.operator == "eq":
        count = 1
    if pattern.spec.limit is not None:
        count = min(count, pattern.spec.limit)
    mean = round(sum(every) / len(every))
    consistent = pattern.spec.consistent_read
    units = read_units([mean] * count, consistent=consistent)
    if design.fetches_items(pattern):
        entity_means = [by_entity[e].mean_bytes for e in pattern.returns if e in by_entity]
        whole = max(entity_means, default=mean)
        units += count * get_read_units(whole, consistent=consistent)
    items = "item" if count == 1 else "items"
    return f"{units:.1f} ({count} {items} of {mean:,} B)"
