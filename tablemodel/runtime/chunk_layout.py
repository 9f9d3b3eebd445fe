"""How chunked records look in the table: the keys of chunk and intent items, the manifest a
head carries, and the sizes that decide whether a write fits one transaction.

The protocol that writes, reads and vacuums these items, and why it never tears a record, is
explained once, in `tablemodel.runtime.chunks`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, cast

from tablemodel.records import record
from tablemodel.runtime import size
from tablemodel.runtime.errors import ChunkCorruptionError, ChunkRecordError
from tablemodel.runtime.payload import CODECS, Codec
from tablemodel.runtime.size import attribute_size, item_size
from tablemodel.runtime.wire import Item, Key, PutAction, TransactItem

__all__ = [
    "BATCH_WRITE_LIMIT",
    "INTENT",
    "SORT_KEY_MAX_BYTES",
    "TRANSACTION_ITEM_LIMIT",
    "TRANSACTION_SIZE_LIMIT",
    "WRITE_ID_BYTES",
    "ChunkLayout",
    "ChunkRef",
    "Manifest",
    "RecordAttributes",
    "RecordKey",
    "check_key",
    "chunk_item",
    "created_time",
    "fits_one_transaction",
    "head_put",
    "is_chunk_index",
    "matches",
    "mismatch",
    "points_at",
    "read_manifest",
    "transaction_payload_size",
]

TRANSACTION_ITEM_LIMIT = 100
"""Actions in one TransactWriteItems."""

TRANSACTION_SIZE_LIMIT = 4 * 1024 * 1024
"""Bytes in one TransactWriteItems, counted by `transaction_payload_size`."""

BATCH_WRITE_LIMIT = 25
"""Puts and deletes per BatchWriteItem."""

SORT_KEY_MAX_BYTES = 1024

RecordKey = Mapping[str, Mapping[str, Any]]
"""A record's key as a caller gives it (the client's wire form), not yet checked: `check_key`
returns it as a `Key`."""

RecordAttributes = Mapping[str, Mapping[str, Any]]
"""A head's own attributes as a caller gives them (the client's wire form), checked when the
head is measured."""

WRITE_ID_BYTES = 8
"""Random bytes of a write id (16 hex digits)."""

INTENT = "intent"
"""The last part of an intent item's sort key, where a chunk's index stands."""

_CODEC_NAMES: dict[str, Codec] = {codec: codec for codec in CODECS}
_COMPRESSIONS = {"zlib": True, "none": False}
_WRITE_ID = re.compile(r"[0-9a-f]{16}")
_INDEX = re.compile(r"[0-9]+")
_PLACEHOLDER = re.compile(r"#[A-Za-z0-9_]+")


@record
class ChunkRef:
    """What a chunk or intent sort key says: its head's sort key, write id, index (None for
    the intent)."""

    head_sort_key: str
    write_id: str
    index: int | None


@record
class ChunkLayout:
    """Attribute names and the chunk key format. Defaults start with ``~``, which sorts after
    the letters and digits entity prefixes use."""

    partition_key: str = "PK"
    sort_key: str = "SK"
    chunk_prefix: str = "~chunk#"
    index_width: int = 6
    payload_attribute: str = "~d"
    created_attribute: str = "~t"
    version_attribute: str = "~version"
    write_id_attribute: str = "~write"
    count_attribute: str = "~chunks"
    length_attribute: str = "~length"
    checksum_attribute: str = "~sha256"
    codec_attribute: str = "~codec"
    compression_attribute: str = "~compression"

    def __post_init__(self) -> None:
        names = [
            self.partition_key,
            self.sort_key,
            self.payload_attribute,
            self.created_attribute,
            *self.manifest_attributes,
        ]
        if not all(names) or len(set(names)) != len(names):
            raise ValueError(f"layout attribute names must be distinct and non-empty: {names}")
        if not self.chunk_prefix:
            raise ValueError("the chunk prefix must not be empty")
        if self.index_width < 1:
            raise ValueError(f"index_width must be at least 1, got {self.index_width}")

    @property
    def manifest_attributes(self) -> tuple[str, ...]:
        return (
            self.version_attribute,
            self.write_id_attribute,
            self.count_attribute,
            self.length_attribute,
            self.checksum_attribute,
            self.codec_attribute,
            self.compression_attribute,
        )

    def write_prefix(self, head_sort_key: str, write_id: str) -> str:
        """The sort key prefix of every chunk of one write (and of its intent)."""
        return f"{self.chunk_prefix}{head_sort_key}#{write_id}#"

    def chunk_sort_key(self, head_sort_key: str, write_id: str, index: int) -> str:
        return f"{self.write_prefix(head_sort_key, write_id)}{index:0{self.index_width}d}"

    def intent_sort_key(self, head_sort_key: str, write_id: str) -> str:
        return self.write_prefix(head_sort_key, write_id) + INTENT

    def parse(self, sort_key: str) -> ChunkRef | None:
        """Read a chunk or intent sort key from the right (the head's sort key may hold
        ``#``); None when it has not the shape this layout writes."""
        if not sort_key.startswith(self.chunk_prefix):
            return None
        head, _, rest = sort_key[len(self.chunk_prefix) :].rpartition("#")
        head, _, write_id = head.rpartition("#")
        if not head or not _WRITE_ID.fullmatch(write_id):
            return None
        if rest == INTENT:
            return ChunkRef(head, write_id, None)
        if len(rest) != self.index_width or not _INDEX.fullmatch(rest):
            return None
        return ChunkRef(head, write_id, int(rest))


def is_chunk_index(text: str) -> bool:
    """Whether ``text`` (what follows a write's prefix) has the form of a chunk's index."""
    return _INDEX.fullmatch(text) is not None


def chunk_item(
    layout: ChunkLayout, key: Key, write_id: str, index: int, data: bytes, *, created: int
) -> Item:
    """Chunk ``index`` of a write: the two table keys, the bytes and their creation time."""
    head_sort_key = key[layout.sort_key]["S"]
    return {
        layout.partition_key: key[layout.partition_key],
        layout.sort_key: {"S": layout.chunk_sort_key(head_sort_key, write_id, index)},
        layout.payload_attribute: {"B": data},
        layout.created_attribute: {"N": str(created)},
    }


def check_key(layout: ChunkLayout, key: RecordKey) -> Key:
    """``key`` as a head's key; `ChunkRecordError` unless it is one: the two table keys, a
    non-empty string sort key outside the chunk key space, and room for the chunk sort keys it
    implies. (The partition key's value is DynamoDB's to check.)"""
    names = {layout.partition_key, layout.sort_key}
    if not isinstance(key, Mapping) or set(key) != names:
        raise ChunkRecordError(
            key if isinstance(key, Mapping) else {},
            f"a key has exactly the attributes {sorted(names)}, not {key!r}",
        )
    sort_value = key[layout.sort_key]
    head_sort_key = sort_value.get("S") if isinstance(sort_value, Mapping) else None
    if len(sort_value) != 1 or not isinstance(head_sort_key, str) or not head_sort_key:
        raise ChunkRecordError(
            key, f"the sort key {layout.sort_key} must be a non-empty string (S)"
        )
    if head_sort_key.startswith(layout.chunk_prefix):
        raise ChunkRecordError(
            key,
            f"a record's sort key cannot start with the chunk prefix {layout.chunk_prefix!r}",
        )
    longest = layout.write_prefix(head_sort_key, "0" * 2 * WRITE_ID_BYTES) + "9" * max(
        layout.index_width, len(INTENT)
    )
    if len(longest.encode("utf-8")) > SORT_KEY_MAX_BYTES:
        raise ChunkRecordError(
            key,
            f"chunk sort keys would be {len(longest.encode('utf-8'))} bytes, above DynamoDB's "
            f"{SORT_KEY_MAX_BYTES}: shorten the record's sort key",
        )
    return cast(Key, dict(key))


# ---------------------------------------------------------------------------------------------
# The manifest: what a head says about its record


@record
class Manifest:
    """The head's account of its record: the version, the write whose chunks are current,
    their count, the stored bytes' length and SHA-256, and how to decode them."""

    version: int
    write_id: str
    count: int
    length: int
    sha256: str
    codec: Codec
    compressed: bool


def read_manifest(layout: ChunkLayout, key: Key, head: Item) -> Manifest | None:
    """The head's manifest; None for no record (no version attribute)."""
    if layout.version_attribute not in head:
        return None
    try:
        write_id = head[layout.write_id_attribute]["S"]
        codec = _CODEC_NAMES[head[layout.codec_attribute]["S"]]
        if not _WRITE_ID.fullmatch(write_id):
            raise ValueError(f"write id {write_id!r}")
        return Manifest(
            version=int(head[layout.version_attribute]["N"]),
            write_id=write_id,
            count=int(head[layout.count_attribute]["N"]),
            length=int(head[layout.length_attribute]["N"]),
            sha256=head[layout.checksum_attribute]["S"],
            codec=codec,
            compressed=_COMPRESSIONS[head[layout.compression_attribute]["S"]],
        )
    except (KeyError, TypeError, ValueError) as error:
        raise ChunkCorruptionError(
            key, "manifest", f"the head's manifest is incomplete or invalid ({error!r})"
        ) from error


def points_at(layout: ChunkLayout, head: Item | None, write_id: str) -> bool:
    """Whether ``head`` (an item as read, None when there is none) points at ``write_id``."""
    value = (head or {}).get(layout.write_id_attribute, {}).get("S")
    return value == write_id


def head_put(layout: ChunkLayout, table_name: str, head: Item, old: Manifest | None) -> PutAction:
    """The head's put, conditioned on the version and write id read (``old``), or on no
    record yet."""
    if old is None:
        return {
            "TableName": table_name,
            "Item": head,
            "ConditionExpression": "attribute_not_exists(#ver)",
            "ExpressionAttributeNames": {"#ver": layout.version_attribute},
        }
    return {
        "TableName": table_name,
        "Item": head,
        "ConditionExpression": "#ver = :v AND #wid = :wid",
        "ExpressionAttributeNames": {
            "#ver": layout.version_attribute,
            "#wid": layout.write_id_attribute,
        },
        "ExpressionAttributeValues": {
            ":v": {"N": str(old.version)},
            ":wid": {"S": old.write_id},
        },
    }


def matches(now: Manifest | None, version: int | None, write_id: str | None) -> bool:
    """Whether the head ``now`` is the record expected: none (``version`` None), or that
    version (and that write id, when one is given)."""
    if version is None:
        return now is None
    return (
        now is not None
        and now.version == version
        and (write_id is None or now.write_id == write_id)
    )


def mismatch(now: Manifest | None, expected: int | None, write_id: str | None = None) -> str:
    """Why the head ``now`` is not the record a writer expected, for its conflict message."""
    if expected is None:
        found = "no record" if now is None else f"version {now.version}"
        return f"a create found {found}: it already exists (read it and pass its version)"
    if now is None:
        found = "no longer exists"
    elif now.version == expected and write_id is not None and now.write_id != write_id:
        found = f"was deleted and created again (write {now.write_id}, not {write_id})"
    else:
        found = f"is at version {now.version}"
    return f"changed since version {expected} was read: it {found}; read it again and retry"


def created_time(now: float) -> int:
    """Epoch seconds for a chunk's ``~t``, rounded down to an odd second: a number's stored
    size shrinks with its trailing zeros, and an odd count of seconds has none, so every chunk
    item has the same size whatever the time, and `ChunkStore.plan` agrees with `write`."""
    return (int(now) - 1) | 1


# ---------------------------------------------------------------------------------------------
# Transactions


def transaction_payload_size(items: Sequence[Mapping[str, Any]]) -> int:
    """Bytes a TransactWriteItems counts against its 4 MB, as DynamoDB Local measures them.

    Measured on DynamoDB Local (it reports the size when it refuses): the sum of the items
    put (by `item_size`), plus, per action, the condition expression's UTF-8 length, each
    attribute name placeholder's name once per use in it, and each value's size. Keys of
    deletes and condition checks were not measured and are counted like items, which is not
    less than what they can cost. ``items`` are `TransactItem`s, or anything of their shape.
    """
    total = 0
    for entry in items:
        ((_, action),) = entry.items()
        total += item_size(action["Item"] if "Item" in action else action["Key"])
        expression: str = action.get("ConditionExpression", "")
        total += len(expression.encode("utf-8"))
        names: Mapping[str, str] = action.get("ExpressionAttributeNames", {})
        for placeholder in _PLACEHOLDER.findall(expression):
            total += len(names.get(placeholder, "").encode("utf-8"))
        values: Mapping[str, size.AttributeValue] = action.get("ExpressionAttributeValues", {})
        total += sum(attribute_size("", value) for value in values.values())
    return total


def fits_one_transaction(transaction: Sequence[TransactItem]) -> bool:
    """Whether the actions fit one TransactWriteItems (count and counted bytes)."""
    return (
        len(transaction) <= TRANSACTION_ITEM_LIMIT
        and transaction_payload_size(transaction) <= TRANSACTION_SIZE_LIMIT
    )
