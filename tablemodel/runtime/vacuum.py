"""Vacuum: removing the chunks no head points at and the intents of abandoned writes.

Why this never deletes a chunk a head needs, and never lets an abandoned write become current
afterwards, is part of the protocol explained in `tablemodel.runtime.chunks`; `ChunkStore.vacuum`
is the entry point. Vacuum deletes only what it recognises: it checks the table's key schema
and every item in the chunk key space before it deletes anything (`VacuumRefusedError`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import field
from typing import Any

from tablemodel.records import mutable_record
from tablemodel.runtime.chunk_layout import INTENT, ChunkLayout, points_at
from tablemodel.runtime.errors import VacuumRefusedError, describe_key
from tablemodel.runtime.sender import Sender
from tablemodel.runtime.wire import AttributeValue, Item, Key, QueryRequest, ScanRequest

__all__ = ["Vacuum", "VacuumStats"]

_PROBLEMS_SHOWN = 10


@mutable_record
class VacuumStats:
    """What `ChunkStore.vacuum` saw and did, counted in items unless named otherwise."""

    items_seen: int = 0
    chunks_deleted: int = 0
    writes_removed: int = 0
    intents_expired: int = 0
    kept_current: int = 0
    kept_young: int = 0


@mutable_record
class _Candidate:
    """Items vacuum found for one write id, and the newest creation time among them."""

    partition: AttributeValue
    head_sort_key: str
    write_id: str
    chunk_keys: list[Key] = field(default_factory=list)
    youngest: float = -math.inf


class Vacuum:
    """One vacuum run over the table ``sender`` sends to, for chunked records of ``layout``."""

    def __init__(self, sender: Sender, layout: ChunkLayout) -> None:
        self.sender = sender
        self.layout = layout

    def run(
        self,
        partition_key_value: AttributeValue | None,
        *,
        cutoff: float,
        partition_key_type: str | None,
        recognise: Callable[[AttributeValue, str], bool] | None,
    ) -> VacuumStats:
        """Check the table, list the chunk key space (refusing the run on an item it does not
        recognise), then collect each write's leftovers older than ``cutoff``."""
        self.check_table(partition_key_type)
        stats = VacuumStats()
        candidates: dict[tuple[str, str, str], _Candidate] = {}
        problems: list[tuple[Mapping[str, Any], str]] = []
        refused = 0
        for item in self.chunk_items(partition_key_value):
            stats.items_seen += 1
            problem = self.unrecognised(item, recognise)
            if problem is not None:
                refused += 1
                if len(problems) < _PROBLEMS_SHOWN:
                    keys = (self.layout.partition_key, self.layout.sort_key)
                    problems.append(({name: item[name] for name in keys if name in item}, problem))
                continue
            sort_key = item[self.layout.sort_key]["S"]
            ref = self.layout.parse(sort_key)
            assert ref is not None  # unrecognised() parsed it
            partition = item[self.layout.partition_key]
            ident = (repr(partition), ref.head_sort_key, ref.write_id)
            candidate = candidates.setdefault(
                ident, _Candidate(partition, ref.head_sort_key, ref.write_id)
            )
            candidate.youngest = max(
                candidate.youngest, float(item[self.layout.created_attribute]["N"])
            )
            if ref.index is not None:
                candidate.chunk_keys.append(
                    {self.layout.partition_key: partition, self.layout.sort_key: {"S": sort_key}}
                )
        if refused:
            key, problem = problems[0]
            raise VacuumRefusedError(
                self.sender.table_name,
                f"{refused} item(s) in the chunk key space (sort keys starting with "
                f"{self.layout.chunk_prefix!r}) are not chunk items of this model, the first "
                f"{describe_key(key)}: {problem}. Vacuum deletes only what it recognises: check "
                "that the table belongs to this model, and move those items out of the chunk "
                "key space",
                problems,
            )
        for candidate in candidates.values():
            self.collect(candidate, cutoff, stats)
        return stats

    def check_table(self, partition_key_type: str | None) -> None:
        """`VacuumRefusedError` unless the table's keys are the layout's (DescribeTable)."""
        layout = self.layout
        described = self.sender.send("describe_table", {"TableName": self.sender.table_name})
        table = described.response["Table"]
        roles: dict[str, str] = {
            key["KeyType"]: key["AttributeName"] for key in table.get("KeySchema", [])
        }
        types = {
            definition["AttributeName"]: definition["AttributeType"]
            for definition in table.get("AttributeDefinitions", [])
        }
        wanted = {"HASH": layout.partition_key, "RANGE": layout.sort_key}
        if (
            roles != wanted
            or types.get(layout.sort_key) != "S"
            or (
                partition_key_type is not None
                and types.get(layout.partition_key) != partition_key_type
            )
        ):

            def text(role_names: Mapping[str, str], role_types: Mapping[str, str | None]) -> str:
                keys = [
                    f"{role_names[role]} ({role_types.get(role_names[role]) or '?'})"
                    for role in ("HASH", "RANGE")
                    if role in role_names
                ]
                return " + ".join(keys) or "none"

            model_types = {layout.partition_key: partition_key_type, layout.sort_key: "S"}
            raise VacuumRefusedError(
                self.sender.table_name,
                f"its key schema is {text(roles, types)}, the model's is "
                f"{text(wanted, model_types)}: this table does not hold this model's records",
            )

    def unrecognised(
        self,
        item: Item,
        recognise: Callable[[AttributeValue, str], bool] | None,
    ) -> str | None:
        """What keeps ``item`` from being a chunk or intent item of this layout (None: it is
        one)."""
        layout = self.layout
        shape = {
            layout.partition_key,
            layout.sort_key,
            layout.payload_attribute,
            layout.created_attribute,
        }
        if set(item) != shape:
            extra, missing = sorted(set(item) - shape), sorted(shape - set(item))
            return (
                f"attributes {extra} that chunk items do not have"
                if extra
                else f"no attribute {', '.join(missing)}"
            )
        partition = item[layout.partition_key]  # of the table's type: DynamoDB checks that
        sort_key = (
            item[layout.sort_key].get("S") if isinstance(item[layout.sort_key], Mapping) else None
        )
        ref = layout.parse(sort_key) if isinstance(sort_key, str) else None
        if ref is None or ref.head_sort_key.startswith(layout.chunk_prefix):  # never written
            return (
                f"a sort key that is not {layout.chunk_prefix}<head sort key>#<write id: 16 hex "
                f"digits>#<index: {layout.index_width} digits, or {INTENT}>"
            )
        data = item[layout.payload_attribute]
        if not isinstance(data, Mapping) or set(data) != {"B"} or not isinstance(data["B"], bytes):
            return f"{layout.payload_attribute} is not binary (B)"
        created = item[layout.created_attribute]
        number = _number(created)
        if set(created) != {"N"} or number is None or not math.isfinite(number):
            return f"{layout.created_attribute} is not a number (N)"
        if recognise is not None and not recognise(partition, ref.head_sort_key):
            return (
                f"its head key {ref.head_sort_key!r} is not a key of the model's chunked entities"
            )
        return None

    def chunk_items(self, partition: AttributeValue | None) -> Iterator[Item]:
        """Every item in the chunk key space, whole (vacuum checks every attribute)."""
        layout = self.layout
        prefix: AttributeValue = {"S": layout.chunk_prefix}
        if partition is None:
            scan: ScanRequest = {
                "TableName": self.sender.table_name,
                "FilterExpression": "begins_with(#sk, :prefix)",
                "ExpressionAttributeNames": {"#sk": layout.sort_key},
                "ExpressionAttributeValues": {":prefix": prefix},
                "ConsistentRead": True,
            }
            return self.sender.scan(scan)
        query: QueryRequest = {
            "TableName": self.sender.table_name,
            "KeyConditionExpression": "#pk = :pk AND begins_with(#sk, :prefix)",
            "ExpressionAttributeNames": {"#pk": layout.partition_key, "#sk": layout.sort_key},
            "ExpressionAttributeValues": {":prefix": prefix, ":pk": partition},
            "ConsistentRead": True,
        }
        return self.sender.query(query)

    def collect(self, candidate: _Candidate, cutoff: float, stats: VacuumStats) -> None:
        """Remove one write's leftovers unless it is young, in flight or current.

        Order matters: the intent is read (and, when old, deleted on its token) before the
        head is read again, so by then no intent is left and the write id can never become
        current afterwards; that last head read decides, right before the delete. (The first
        head read only saves work for current writes: keeping chunks is always safe.)
        """
        found = len(candidate.chunk_keys)
        if candidate.youngest > cutoff:
            stats.kept_young += found
            return
        head_key: Key = {
            self.layout.partition_key: candidate.partition,
            self.layout.sort_key: {"S": candidate.head_sort_key},
        }
        if points_at(self.layout, self.sender.get(head_key), candidate.write_id):
            stats.kept_current += found  # keeping is always safe; this skips the intent read
            return
        intent_key: Key = {
            **head_key,
            self.layout.sort_key: {
                "S": self.layout.intent_sort_key(candidate.head_sort_key, candidate.write_id)
            },
        }
        intent = self.sender.get(intent_key)
        if intent is not None:
            created = _number(intent.get(self.layout.created_attribute))
            if created is None or created > cutoff:
                stats.kept_young += found
                return
            token = intent.get(self.layout.payload_attribute)
            if token is None:  # replaced since the listing saw an intent: look again next time
                stats.kept_young += found
                return
            sent = self.sender.send(
                "delete_item",
                {
                    "TableName": self.sender.table_name,
                    "Key": intent_key,
                    "ConditionExpression": "#d = :token",
                    "ExpressionAttributeNames": {"#d": self.layout.payload_attribute},
                    "ExpressionAttributeValues": {":token": token},
                },
            )
            if sent.condition_failed:
                stats.kept_young += found  # its writer moved on meanwhile; look again next time
                return
            stats.intents_expired += 1
        if points_at(self.layout, self.sender.get(head_key), candidate.write_id):
            stats.kept_current += found
            return
        self.sender.batch_write([{"DeleteRequest": {"Key": key}} for key in candidate.chunk_keys])
        stats.chunks_deleted += found
        stats.writes_removed += 1


def _number(value: Any) -> float | None:
    """The float of an ``{"N": ...}`` value; None when it is absent or not a number."""
    if not isinstance(value, Mapping) or not isinstance(value.get("N"), str):
        return None
    try:
        return float(value["N"])
    except ValueError:
        return None
