"""Index views of sample data: the table and each index, items grouped by partition.

Like NoSQL Workbench's aggregate view: for every index, the sample items that land in it (an
item lacking one of its key attributes does not), grouped by partition key, in the order a
Query returns them (numbers by value, strings and binary by their bytes), showing only what the
index projects. A reviewer sees which entity types share a partition, and so what each query on
it touches. Long views are cut, deterministically: the partitions that mix the most entity
types come first.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from tablemodel.design import Design, IndexDesign
from tablemodel.records import record
from tablemodel.run.sample.stored import StoredItem

__all__ = ["IndexView", "Partition", "ViewItem", "index_views", "value_text"]

MAX_PARTITIONS = 8
MAX_ITEMS = 6
MAX_VALUE = 40


@record
class ViewItem:
    entity: str
    sort_key: str  # "" on an index without a sort key
    attributes: tuple[tuple[str, str], ...]  # other projected attributes: (name, value text)


@record
class Partition:
    key: str
    items: tuple[ViewItem, ...]
    more: int  # items of the partition not shown


@record
class IndexView:
    index: str
    label: str
    partition_key: str
    sort_key: str | None
    projection: str
    entities: tuple[str, ...]  # entity types in the index, in model order
    partitions: tuple[Partition, ...]
    items_total: int
    partitions_total: int


def index_views(design: Design, stored: Sequence[StoredItem]) -> list[IndexView]:
    return [_view(design, index, stored) for index in design.indexes.values()]


def _view(design: Design, index: IndexDesign, stored: Sequence[StoredItem]) -> IndexView:
    partition_keys = [k.name for k in index.partition_keys]
    sort_keys = [k.name for k in index.sort_keys]
    projected = design.projected_attributes(index)
    groups: dict[tuple[object, ...], list[StoredItem]] = {}
    for item in stored:
        if not all(name in item.item for name in index.key_names):
            continue
        where = tuple(_order_key(item.item[k]) for k in partition_keys)
        groups.setdefault(where, []).append(item)
    for members in groups.values():
        members.sort(key=lambda s: tuple(_order_key(s.item[k]) for k in sort_keys))
    ranked = sorted(
        groups.items(), key=lambda kv: (-len({s.entity for s in kv[1]}), -len(kv[1]), kv[0])
    )
    chosen = sorted(ranked[:MAX_PARTITIONS], key=lambda kv: kv[0])
    partitions = []
    for _, members in chosen:
        shown = members[:MAX_ITEMS]
        partitions.append(
            Partition(
                key=", ".join(value_text(shown[0].item[k]) for k in partition_keys),
                items=tuple(_item(s, index, projected) for s in shown),
                more=len(members) - len(shown),
            )
        )
    present = {s.entity for members in groups.values() for s in members}
    if index.kind == "table":
        projection = "whole items"
    elif index.projection.type == "include":
        projection = "keys and " + ", ".join(index.projection.attributes)
    else:
        projection = {"all": "whole items", "keys_only": "keys only"}[index.projection.type]
    return IndexView(
        index=index.name,
        label="Table" if index.kind == "table" else f"{index.kind.upper()} {index.name}",
        partition_key=", ".join(partition_keys),
        sort_key=", ".join(sort_keys) or None,
        projection=projection,
        entities=tuple(name for name in design.entities if name in present),
        partitions=tuple(partitions),
        items_total=sum(len(m) for m in groups.values()),
        partitions_total=len(groups),
    )


def _item(stored: StoredItem, index: IndexDesign, projected: set[str] | None) -> ViewItem:
    keys = set(index.key_names)
    attributes = tuple(
        (name, value_text(value))
        for name, value in stored.item.items()
        if name not in keys and (projected is None or name in projected)
    )
    return ViewItem(
        entity=stored.entity,
        sort_key=", ".join(value_text(stored.item[k.name]) for k in index.sort_keys),
        attributes=attributes,
    )


def _order_key(value: Mapping[str, Any]) -> tuple[object, ...]:
    """DynamoDB's order within a key: numbers by value, strings and binary by their bytes."""
    ((kind, data),) = value.items()
    if kind == "N":
        return (0, Decimal(data), b"")
    if kind == "S":
        return (1, Decimal(0), str(data).encode("utf-8"))
    return (2, Decimal(0), bytes(data))


def value_text(value: Mapping[str, Any]) -> str:
    """A wire value as a short text: `racer-01`, `3.75`, `[2 items]`, `{a, b}`."""
    ((kind, data),) = value.items()
    if kind in {"S", "N"}:
        text = str(data)
    elif kind == "B":
        text = "b64:" + base64.b64encode(bytes(data)).decode("ascii")
    elif kind == "BOOL":
        text = "true" if data else "false"
    elif kind == "NULL":
        text = "null"
    elif kind == "L":
        text = f"[{len(data)} items]" if len(data) != 1 else "[1 item]"
    elif kind == "M":
        text = "{" + ", ".join(sorted(str(k) for k in data)) + "}"
    elif kind in {"SS", "NS"}:
        text = "{" + ", ".join(str(v) for v in data) + "}"
    else:
        text = "{" + f"{len(data)} binary values" + "}"
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"
