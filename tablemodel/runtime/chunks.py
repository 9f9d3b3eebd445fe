"""Records larger than one DynamoDB item, split across items so that a write never tears.

DynamoDB stores at most 409,600 bytes per item. A record above that is split: one *head item*
at the record's own key, and *chunk items* beside it in the same partition. What makes this
safe is not the split but the rules for when a chunk may exist, be pointed at, or be removed.

Layout (names are `ChunkLayout` settings; defaults shown):

- The **head** sits at the entity's key (``PK``, ``SK``): the caller's small attributes, passed
  through untouched, plus a manifest: ``~version`` (the optimistic lock, N), ``~write`` (the id
  of the write whose chunks are current: 16 random hex digits), ``~chunks`` (count),
  ``~length`` and ``~sha256`` of the stored bytes, ``~codec`` and ``~compression``.
- **Chunk items** have the sort key ``~chunk#<head SK>#<write id>#<index, 6 digits>`` and hold
  only the two table keys, the bytes (``~d``, B) and their creation time (``~t``, N, for
  vacuum). No discriminator and no index key: they never land in an index, so they keep the
  whole budget even on a table with an ALL-projection LSI, and the ``~chunk#`` prefix keeps
  them out of any ``begins_with`` on the entity's own prefixes. Every chunk is packed to the
  byte budget, measured with `item_size` on the item itself.
- An **intent item**, ``~chunk#<head SK>#<write id>#intent`` (keys, a random token in ``~d``,
  ``~t``), exists while a multi-step write is in flight; see below. It lives beside the chunks
  rather than in the head, so a write in flight changes nothing an entity query can see.

Chunks are keyed by write id, and a write id is used by one write only: chunks of different
writes never mix, and a record that shrinks never reads an old tail.

Writes (`ChunkStore.write`) read the head (consistent) for the version the caller expects
and the write id it names (a create that fits one transaction skips this: its condition does
the check). Then:

- **One transaction** when the chunks plus the head fit TransactWriteItems (100 items,
  4 MB as DynamoDB Local measures it: item sizes plus condition expressions): the chunk puts and
  the head put, conditioned on the version and write id read (``attribute_not_exists`` for a
  create), with a ``ClientRequestToken`` of ours reused on every retry, so a retry after a lost
  response is a no-op rather than a second write.
- **Several steps** otherwise: (1) put the intent item; (2) put the chunks with BatchWriteItem,
  25 per request, unprocessed items retried with exponential backoff and full jitter; nothing
  points at them, so they are invisible; (3) *switch* in one transaction: delete the intent
  (conditioned on its token) and put the head (conditioned on the version and write id read);
  (4) delete the previous write's chunks, best effort.

Either way, the old chunks are deleted only after the head stopped pointing at them; leftovers
are orphans that `ChunkStore.vacuum` removes. A writer that loses the race (its condition
fails) gets `ChunkConflictError`; it first *revokes* its intent (a delete conditioned on the
token), then deletes its own chunks.

Why a write cannot tear: a write id becomes current in exactly two ways, and neither can point
the head at an incomplete set of chunks.

1. In the one-transaction path, the head and all its chunks commit together or not at all.
2. In the multi-step path, only by the switch, which needs the intent with the exact token
   of the attempt that created it. Every attempt to put the intent uses a fresh token, so an
   attempt the network delays cannot revive it. Once the intent is gone (consumed by the
   switch, revoked by its writer, or expired by vacuum), the write id can never become
   current. So vacuum and the loser may delete its chunks. The switch happens only after
   every chunk was acknowledged.

Between those moments a crash leaves either the old head with invisible new chunks (and maybe
an intent), or the new head with all its chunks plus the old ones: readers see the old record
or the new one, and vacuum collects the rest. The grace period of vacuum decides only whether
a slow writer gets to finish, never whether a record tears: vacuum expires an old intent
before it deletes chunks, and the switch then fails.

Reads (`ChunkStore.read`) read the head (consistent GetItem, which transactions serialise
against), then Query the chunks of that write id (consistent, every page). A Query is only
read-committed against transactions, so the head, not the Query, decides what is visible.
The chunks of a write id never change once a head points at them (they are only deleted), so
a complete set whose length and SHA-256 match the manifest is exactly that write's record,
whatever happened since. A set that does not match (a chunk missing, duplicated or
unexpected, wrong length or checksum) makes the reader read the head again. If the version or
write id moved, a writer replaced the record meanwhile: the reader retries, a bounded number
of times, then raises `ChunkConflictError`. If the head did not move, the stored data is
damaged: `ChunkCorruptionError` says how. A partial or mixed record is never returned.

Vacuum (`ChunkStore.vacuum`) lists chunk and intent items (a Query of one partition, or a Scan
of the whole table filtered on the chunk prefix). It deletes only what it recognises: a table
whose key schema is not the layout's, or one item in the chunk key space that is not exactly a
chunk or intent item of this layout (sort key, attributes and their types), refuses the whole
run before anything is deleted (`VacuumRefusedError`). For each
write id older than the grace period it reads the intent (consistent), expires it if it is old
(a delete conditioned on its token), and then, immediately before deleting, reads the head
(consistent). It deletes the chunks only when the head does not point at that write id. With
no intent left, that write id can never become current, so the decision cannot go stale.

Engines: moto ignores ``ClientRequestToken`` and rejects items above 405,000 bytes by its
own measure, so tests on moto use a smaller ``budget``. Where a retried transaction re-executes
(moto, or a token older than DynamoDB's 10 minutes), its condition fails and the writer
reads the head to see whether its own write is current. The real limits (409,600 bytes,
4 MB transactions, idempotent tokens) are checked on DynamoDB Local.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import random
import re
import secrets
import time
import uuid
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotocoreConnectionError

from tablemodel.diagnostics import TableModelError
from tablemodel.runtime.errors import BatchWriteError
from tablemodel.runtime.retry import backoff_delay
from tablemodel.runtime.size import (
    ITEM_SIZE_LIMIT,
    AttributeValue,
    LocalIndexShape,
    attribute_size,
    item_size,
    item_size_with_local_indexes,
)

__all__ = [
    "BATCH_WRITE_LIMIT",
    "SORT_KEY_MAX_BYTES",
    "TRANSACTION_ITEM_LIMIT",
    "TRANSACTION_SIZE_LIMIT",
    "ChunkConflictError",
    "ChunkCorruptionError",
    "ChunkError",
    "ChunkLayout",
    "ChunkPlan",
    "ChunkRecordError",
    "ChunkStore",
    "ChunkWrite",
    "ChunkedRecord",
    "Codec",
    "CorruptionProblem",
    "VacuumRefusedError",
    "VacuumStats",
    "decode_payload",
    "encode_payload",
    "transaction_payload_size",
]

TRANSACTION_ITEM_LIMIT = 100
"""Actions in one TransactWriteItems."""

TRANSACTION_SIZE_LIMIT = 4 * 1024 * 1024
"""Bytes in one TransactWriteItems, counted by `transaction_payload_size`."""

BATCH_WRITE_LIMIT = 25
"""Puts and deletes per BatchWriteItem."""

SORT_KEY_MAX_BYTES = 1024

Codec = Literal["json", "binary"]
CorruptionProblem = Literal[
    "manifest", "malformed", "duplicate", "missing", "count", "length", "checksum", "decode"
]
Key = Mapping[str, AttributeValue]

_CODECS: tuple[Codec, ...] = ("json", "binary")
_CODEC_NAMES: dict[str, Codec] = {codec: codec for codec in _CODECS}
_COMPRESSIONS = {"zlib": True, "none": False}
_WRITE_ID_BYTES = 8
_WRITE_ID = re.compile(r"[0-9a-f]{16}")
_INDEX = re.compile(r"[0-9]+")
_INTENT = "intent"
_PLACEHOLDER = re.compile(r"#[A-Za-z0-9_]+")
_PROBLEMS_SHOWN = 10
_TOKEN_BYTES = 8

# How `_send` treats an error: a failed condition is an answer, not an error; throttling and a
# cancelled transaction that names no failed condition were not applied, so they are retried;
# a server error or a lost connection may have been applied, and is retried as well (every
# request here is safe to repeat, see `ChunkStore._send`).
_THROTTLED = {
    "ThrottlingException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
}
_MAYBE_APPLIED = {"InternalServerError", "ServiceUnavailable", "TransactionInProgressException"}
_CANCELLED_RETRYABLE = {
    "None",
    "TransactionConflict",
    "ThrottlingError",
    "ProvisionedThroughputExceeded",
}

_log = logging.getLogger(__name__)


# --- errors ----------------------------------------------------------------------------------


def _describe(key: Mapping[str, Any]) -> str:
    """``{PK='race-1', SK='racer-7'}``: the key's values without their type tags."""
    parts = []
    for name, value in key.items():
        data = (
            next(iter(value.values())) if isinstance(value, Mapping) and len(value) == 1 else value
        )
        parts.append(f"{name}={data!r}")
    return "{" + ", ".join(parts) + "}"


class ChunkError(TableModelError):
    """Root of the chunked-storage errors; ``key`` is the record's head key (wire form)."""

    def __init__(self, key: Mapping[str, Any], message: str) -> None:
        self.key = dict(key)
        super().__init__(f"chunked record {_describe(key)}: {message}")


class ChunkRecordError(ChunkError, ValueError):
    """The record cannot be stored as given (key, attributes, size, payload): nothing written."""


class ChunkConflictError(ChunkError):
    """Another writer changed the record first, or it kept changing while being read.

    Nothing of a write that raises this is visible: its chunks were removed (or, if that
    failed, are orphans that vacuum removes).
    """


class ChunkCorruptionError(ChunkError):
    """The stored chunks do not match the head's manifest, and the head did not move.

    ``problem`` says what is wrong (``missing``, ``duplicate``, ``count``, ``length``,
    ``checksum``, ``malformed``, ``manifest`` or ``decode``) and ``index`` names the chunk
    when one is to blame.
    """

    def __init__(
        self, key: Key, problem: CorruptionProblem, detail: str, index: int | None = None
    ) -> None:
        self.problem: CorruptionProblem = problem
        self.index = index
        super().__init__(key, f"corrupt ({problem}): {detail}")


class VacuumRefusedError(TableModelError, ValueError):
    """`ChunkStore.vacuum` refused to run; it deleted nothing.

    Vacuum deletes items, so it deletes only items it recognises positively. It refuses the
    whole run when the table's key schema is not the layout's (its partition key, and its sort
    key as a string), or when an item in the chunk key space (sort keys starting with the
    chunk prefix) is not a chunk or intent item of this layout: a well-formed sort key, exactly
    the two table keys, the bytes (B) and the creation time (N), and a head key that the caller
    recognises (the generated code's: a key of one of the model's chunked entities).
    ``problems`` lists the first few such items, each as (key, what is wrong).
    """

    def __init__(
        self, table: str, reason: str, problems: Sequence[tuple[Mapping[str, Any], str]] = ()
    ) -> None:
        self.table = table
        self.problems = [(dict(key), problem) for key, problem in problems]
        super().__init__(f"vacuum of table {table!r} refused, nothing was deleted: {reason}")


# --- payload codecs --------------------------------------------------------------------------


def encode_payload(value: object, codec: Codec = "json", compress: bool = False) -> bytes:
    """The bytes stored for ``value``.

    ``json``: canonical JSON in UTF-8 (keys sorted, no spaces), numbers exact: ``int`` and
    ``Decimal`` are written digit for digit; ``float`` is refused, as boto3 refuses it, since
    it reads back as a different number (use ``Decimal(str(x))``). ``binary``: the bytes as
    they are. ``compress`` wraps either in zlib. Raises `TypeError` or `ValueError` for a value
    the codec cannot hold.
    """
    if codec == "json":
        parts: list[str] = []
        _json_parts(value, parts)
        data = "".join(parts).encode("utf-8")
    elif codec == "binary":
        if not isinstance(value, bytes | bytearray | memoryview):
            raise TypeError(f"the binary codec stores bytes, not {type(value).__name__}")
        data = bytes(value)
    else:
        raise ValueError(f"unknown codec {codec!r}: use one of {', '.join(_CODECS)}")
    return zlib.compress(data) if compress else data


def decode_payload(data: bytes, codec: Codec = "json", compressed: bool = False) -> Any:
    """The value `encode_payload` stored as ``data`` (JSON numbers with a point or an exponent
    come back as ``Decimal``, arrays as lists)."""
    raw = zlib.decompress(data) if compressed else data
    if codec == "json":
        return json.loads(raw.decode("utf-8"), parse_float=Decimal)
    if codec == "binary":
        return raw
    raise ValueError(f"unknown codec {codec!r}: use one of {', '.join(_CODECS)}")


def _json_parts(value: object, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True or value is False:
        out.append("true" if value else "false")
    elif isinstance(value, str):
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"JSON has no {value}")
        out.append(str(value))
    elif isinstance(value, float):
        raise TypeError(
            f"float {value!r} would read back as a Decimal of a different value; "
            "pass Decimal(str(x)) or an int"
        )
    elif isinstance(value, list | tuple):
        if all(type(element) is int or type(element) is str for element in value):
            # A list of plain ints and strings is canonical as the C encoder writes it.
            out.append(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
            return
        out.append("[")
        for position, element in enumerate(value):
            if position:
                out.append(",")
            _json_parts(element, out)
        out.append("]")
    elif isinstance(value, Mapping):
        if not all(isinstance(name, str) for name in value):
            raise TypeError("JSON object keys must be str")
        out.append("{")
        for position, name in enumerate(sorted(value)):
            if position:
                out.append(",")
            out.append(json.dumps(name, ensure_ascii=False))
            out.append(":")
            _json_parts(value[name], out)
        out.append("}")
    else:
        raise TypeError(f"the json codec cannot store {type(value).__name__}")


# --- layout ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _ChunkRef:
    """What a chunk or intent sort key says: its head's sort key, write id, index (None for
    the intent)."""

    head_sort_key: str
    write_id: str
    index: int | None


@dataclass(frozen=True)
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
        return self.write_prefix(head_sort_key, write_id) + _INTENT

    def parse(self, sort_key: str) -> _ChunkRef | None:
        """Read a chunk or intent sort key from the right (the head's sort key may hold
        ``#``); None when it has not the shape this layout writes."""
        if not sort_key.startswith(self.chunk_prefix):
            return None
        head, _, rest = sort_key[len(self.chunk_prefix) :].rpartition("#")
        head, _, write_id = head.rpartition("#")
        if not head or not _WRITE_ID.fullmatch(write_id):
            return None
        if rest == _INTENT:
            return _ChunkRef(head, write_id, None)
        if len(rest) != self.index_width or not _INDEX.fullmatch(rest):
            return None
        return _ChunkRef(head, write_id, int(rest))


# --- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChunkedRecord:
    """A record as read: the caller's head attributes (wire form), the decoded payload, the
    version to pass as ``expected_version`` to the next write, and the current write id."""

    attributes: dict[str, AttributeValue]
    payload: Any
    version: int
    write_id: str


@dataclass(frozen=True)
class ChunkWrite:
    """What a write stored: the new version, its write id, the number of chunk items, and
    whether it went in one transaction (otherwise in steps)."""

    version: int
    write_id: str
    chunks: int
    transactional: bool


@dataclass(frozen=True)
class ChunkPlan:
    """How a write would be stored: chunk items, payload bytes each holds (``chunk_room``),
    whether one transaction carries chunks and head, and that transaction's counted bytes."""

    chunks: int
    chunk_room: int
    transactional: bool
    transaction_bytes: int


@dataclass
class VacuumStats:
    """What `ChunkStore.vacuum` saw and did, counted in items unless named otherwise."""

    items_seen: int = 0
    chunks_deleted: int = 0
    writes_removed: int = 0
    intents_expired: int = 0
    kept_current: int = 0
    kept_young: int = 0


@dataclass(frozen=True)
class _Manifest:
    version: int
    write_id: str
    count: int
    length: int
    sha256: str
    codec: Codec
    compressed: bool


@dataclass(frozen=True)
class _Prepared:
    write_id: str
    created: int
    version: int
    chunks: list[dict[str, AttributeValue]]
    head: dict[str, AttributeValue]


@dataclass(frozen=True)
class _Sent:
    """A request's answer: the response (or error response when a condition failed), and
    whether an earlier attempt may have been applied although it reported an error."""

    response: dict[str, Any]
    condition_failed: bool
    ambiguous: bool


@dataclass
class _Candidate:
    """Items vacuum found for one write id, and the newest creation time among them."""

    partition: AttributeValue
    head_sort_key: str
    write_id: str
    chunk_keys: list[dict[str, AttributeValue]] = field(default_factory=list)
    youngest: float = -math.inf


def transaction_payload_size(items: Sequence[Mapping[str, Any]]) -> int:
    """Bytes a TransactWriteItems counts against its 4 MB, as DynamoDB Local measures them.

    Measured on DynamoDB Local (it reports the size when it refuses): the sum of the items
    put (by `item_size`), plus, per action, the condition expression's UTF-8 length, each
    attribute name placeholder's name once per use in it, and each value's size. Keys of
    deletes and condition checks were not measured and are counted like items, which is not
    less than what they can cost.
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
        values: Mapping[str, AttributeValue] = action.get("ExpressionAttributeValues", {})
        total += sum(attribute_size("", value) for value in values.values())
    return total


# --- the store -------------------------------------------------------------------------------


class ChunkStore:
    """Chunked records in one table, through a low-level boto3 DynamoDB client.

    ``budget`` is the largest item, in `item_size` bytes, that the store writes: 409,600 for
    DynamoDB and DynamoDB Local; below 405,000 for moto, which measures sizes its own way.
    ``local_indexes`` are the table's LSIs, so the head's own size counts its LSI entries
    (chunk items are in no index). ``codec`` and ``compress`` apply to writes; reads follow
    each record's manifest. ``max_attempts`` bounds the retries of one request (and of the
    unprocessed items of one batch), with exponential backoff and full jitter
    (``rng() * min(max_delay, base_delay * 2**attempt)`` seconds); ``read_attempts`` bounds how
    often a read starts over when a writer replaces the record under it. ``clock`` gives the
    epoch seconds stored on chunks for vacuum.
    """

    def __init__(
        self,
        client: Any,
        table_name: str,
        *,
        layout: ChunkLayout | None = None,
        budget: int = ITEM_SIZE_LIMIT,
        local_indexes: Sequence[LocalIndexShape] = (),
        codec: Codec = "json",
        compress: bool = False,
        max_attempts: int = 8,
        read_attempts: int = 5,
        base_delay: float = 0.05,
        max_delay: float = 5.0,
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not 0 < budget <= ITEM_SIZE_LIMIT:
            raise ValueError(f"budget must be 1 to {ITEM_SIZE_LIMIT} bytes, got {budget}")
        if codec not in _CODECS:
            raise ValueError(f"unknown codec {codec!r}: use one of {', '.join(_CODECS)}")
        if max_attempts < 1 or read_attempts < 1:
            raise ValueError("max_attempts and read_attempts must be at least 1")
        self.client = client
        self.table_name = table_name
        self.layout = layout if layout is not None else ChunkLayout()
        self.budget = budget
        self.local_indexes = tuple(local_indexes)
        self.codec: Codec = codec
        self.compress = compress
        self.max_attempts = max_attempts
        self.read_attempts = read_attempts
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._sleep = sleep
        self._rng = rng
        self._clock = clock

    # -- public API --

    def plan(
        self,
        key: Key,
        attributes: Mapping[str, AttributeValue],
        size: int,
        *,
        expected_version: int | None,
    ) -> ChunkPlan:
        """How a write of ``size`` stored bytes (after encoding and compression) would go,
        computed exactly as `write` decides it, without sending anything."""
        self._check_record(key, attributes, expected_version)
        prepared = self._prepare(key, attributes, bytes(size), expected_version)
        old = None
        if expected_version is not None:  # an old head of that version: only sizes matter
            old = _Manifest(expected_version, prepared.write_id, 0, 0, "", "json", False)
        transaction = self._transaction(prepared, old)
        room = self.budget - item_size(
            self._chunk_item(key, prepared.write_id, 0, b"", prepared.created)
        )
        return ChunkPlan(
            chunks=len(prepared.chunks),
            chunk_room=room,
            transactional=_fits_one_transaction(transaction),
            transaction_bytes=transaction_payload_size(transaction),
        )

    def write(
        self,
        key: Key,
        attributes: Mapping[str, AttributeValue],
        payload: object,
        *,
        expected_version: int | None,
        expected_write_id: str | None = None,
    ) -> ChunkWrite:
        """Store ``payload`` with the head ``attributes`` under ``key``, replacing the record
        at ``expected_version`` (None: create, and fail if a record exists).

        ``expected_write_id``, the write id read with that version, makes the expectation
        exact: versions start at 1 again when a record is deleted and created anew, write ids
        are never reused, so a holder of the old record cannot overwrite the new one.

        Raises `ChunkConflictError` when the stored version is not the expected one (nothing of
        this write stays visible), `ChunkRecordError` when the record cannot be stored as
        given, `BatchWriteError` when chunks stay unprocessed after every retry.
        """
        self._check_record(key, attributes, expected_version)
        try:
            data = encode_payload(payload, self.codec, compress=self.compress)
        except (TypeError, ValueError) as error:
            raise ChunkRecordError(
                key, f"the payload cannot be stored as {self.codec}: {error}"
            ) from error
        prepared = self._prepare(key, attributes, data, expected_version)
        old = None
        transaction = self._transaction(prepared, old)
        if expected_version is not None or not _fits_one_transaction(transaction):
            # An update needs the old head: its write id is part of the condition and names
            # the chunks to delete afterwards. A create in steps reads it to fail before
            # writing chunks for nothing; a create in one transaction need not, since its
            # condition (no record yet) is checked with the chunks.
            old = self._current(key)
            if not _matches(old, expected_version, expected_write_id):
                raise ChunkConflictError(
                    key, self._mismatch(old, expected_version, expected_write_id)
                )
            transaction = self._transaction(prepared, old)
        transactional = _fits_one_transaction(transaction)
        if transactional:
            self._commit(key, transaction, prepared.write_id, expected_version)
        else:
            self._write_in_steps(key, prepared, transaction[-1], old)
        if old is not None:
            self._discard(key, old.write_id, old.count)
        return ChunkWrite(prepared.version, prepared.write_id, len(prepared.chunks), transactional)

    def read(self, key: Key) -> ChunkedRecord | None:
        """The record at ``key``, whole and checksum-verified; None when there is none.

        Raises `ChunkCorruptionError` when the stored chunks do not match a head that did not
        move, and `ChunkConflictError` when writers replaced the record during each of
        ``read_attempts`` tries.
        """
        self._check_key(key)
        for attempt in range(self.read_attempts):
            if attempt:
                self._wait(attempt)
            head = self._get(key)
            if head is None:
                return None
            manifest = self._manifest(key, head)
            if manifest is None:
                return None
            try:
                data = self._assemble(key, manifest, self._query_chunks(key, manifest.write_id))
            except ChunkCorruptionError:
                now = self._current(key)
                if now is not None and (now.version, now.write_id) == (
                    manifest.version,
                    manifest.write_id,
                ):
                    raise
                continue  # replaced (or deleted) since the head was read: start over
            try:
                payload = decode_payload(data, manifest.codec, compressed=manifest.compressed)
            except (ValueError, zlib.error) as error:
                raise ChunkCorruptionError(
                    key, "decode", f"checksum matches but {manifest.codec} decoding failed: {error}"
                ) from error
            reserved = {*self.layout.manifest_attributes, *key}
            attributes = {name: value for name, value in head.items() if name not in reserved}
            return ChunkedRecord(attributes, payload, manifest.version, manifest.write_id)
        raise ChunkConflictError(
            key,
            f"replaced by other writers during each of {self.read_attempts} reads; "
            "read it again later",
        )

    def delete(
        self, key: Key, *, expected_version: int, expected_write_id: str | None = None
    ) -> None:
        """Delete the record at ``expected_version`` (and ``expected_write_id``, when given:
        see `write`): the head first (conditional), so the record disappears at once, then its
        chunks (best effort; vacuum removes leftovers).

        Raises `ChunkConflictError` when the stored version is another one or there is none.
        """
        self._check_key(key)
        _check_version(key, expected_version)
        names = {"#ver": self.layout.version_attribute}
        values: dict[str, AttributeValue] = {":v": {"N": str(expected_version)}}
        condition = "#ver = :v"
        if expected_write_id is not None:
            condition += " AND #wid = :wid"
            names["#wid"] = self.layout.write_id_attribute
            values[":wid"] = {"S": expected_write_id}
        sent = self._send(
            "delete_item",
            {
                "TableName": self.table_name,
                "Key": dict(key),
                "ConditionExpression": condition,
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
                "ReturnValues": "ALL_OLD",
            },
        )
        if sent.condition_failed:
            now = self._current(key)
            if now is None and sent.ambiguous:
                return  # an attempt whose answer was lost deleted it; vacuum takes its chunks
            raise ChunkConflictError(key, self._mismatch(now, expected_version, expected_write_id))
        try:
            old = self._manifest(key, sent.response.get("Attributes", {}))
        except ChunkCorruptionError:
            return  # the head is gone; its chunks are unknown, vacuum takes them
        if old is not None:
            self._discard(key, old.write_id, old.count)

    def vacuum(
        self,
        partition_key_value: AttributeValue | None = None,
        *,
        grace_seconds: float,
        now: float | None = None,
        partition_key_type: str | None = None,
        recognise: Callable[[AttributeValue, str], bool] | None = None,
    ) -> VacuumStats:
        """Delete chunks that no head points at and intents of abandoned writes, when they are
        older than ``grace_seconds``; in one partition (a Query) or in the whole table (a
        Scan filtered on the chunk prefix). See the module docstring for why it never deletes
        a chunk a head needs.

        It deletes only items it recognises: first it checks the table's key schema (the
        layout's key names, a string sort key, and ``partition_key_type`` when given), then it
        lists every item in the chunk key space, and if one of them is not a chunk or intent
        item of this layout (or ``recognise(partition key, head sort key)`` says its head is
        not one of the caller's), it raises `VacuumRefusedError` before deleting anything.
        """
        if grace_seconds < 0:
            raise ValueError(f"grace_seconds cannot be negative: {grace_seconds}")
        cutoff = (self._clock() if now is None else now) - grace_seconds
        self._check_table(partition_key_type)
        stats = VacuumStats()
        candidates: dict[tuple[str, str, str], _Candidate] = {}
        problems: list[tuple[Mapping[str, Any], str]] = []
        refused = 0
        for item in self._list_chunk_items(partition_key_value):
            stats.items_seen += 1
            problem = self._unrecognised(item, recognise)
            if problem is not None:
                refused += 1
                if len(problems) < _PROBLEMS_SHOWN:
                    keys = (self.layout.partition_key, self.layout.sort_key)
                    problems.append(({name: item[name] for name in keys if name in item}, problem))
                continue
            sort_key = item[self.layout.sort_key]["S"]
            ref = self.layout.parse(sort_key)
            assert ref is not None  # _unrecognised parsed it
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
                self.table_name,
                f"{refused} item(s) in the chunk key space (sort keys starting with "
                f"{self.layout.chunk_prefix!r}) are not chunk items of this model, the first "
                f"{_describe(key)}: {problem}. Vacuum deletes only what it recognises: check "
                "that the table belongs to this model, and move those items out of the chunk "
                "key space",
                problems,
            )
        for candidate in candidates.values():
            self._vacuum_write(candidate, cutoff, stats)
        return stats

    # -- writes --

    def _commit(
        self,
        key: Key,
        transaction: list[dict[str, Any]],
        write_id: str,
        expected_version: int | None,
    ) -> None:
        """One TransactWriteItems: chunks and head together, idempotent under our token."""
        request = {"TransactItems": transaction, "ClientRequestToken": str(uuid.uuid4())}
        try:
            sent = self._send("transact_write_items", request)
        except Exception:
            if self._write_is_current(key, write_id):
                return  # an attempt whose answer was lost committed it
            raise
        if sent.condition_failed and not self._write_is_current(key, write_id):
            raise ChunkConflictError(key, self._mismatch(self._current(key), expected_version))

    def _prepare(
        self,
        key: Key,
        attributes: Mapping[str, AttributeValue],
        data: bytes,
        expected_version: int | None,
    ) -> _Prepared:
        """The items of a write, with the size limits checked (after `_check_record`)."""
        write_id = secrets.token_hex(_WRITE_ID_BYTES)
        created = _created(self._clock())
        chunks = self._chunk_items(key, write_id, data, created)
        version = 1 if expected_version is None else expected_version + 1
        head = self._head_item(
            key, attributes, data, write_id=write_id, count=len(chunks), version=version
        )
        return _Prepared(write_id, created, version, chunks, head)

    def _transaction(self, prepared: _Prepared, old: _Manifest | None) -> list[dict[str, Any]]:
        """The one-transaction form of a write: the chunk puts, then the head put with its
        condition (the head put alone is also the switch's second action)."""
        puts = [{"Put": {"TableName": self.table_name, "Item": item}} for item in prepared.chunks]
        condition = self._head_condition(old)
        head_put = {"Put": {"TableName": self.table_name, "Item": prepared.head, **condition}}
        return [*puts, head_put]

    def _write_in_steps(
        self,
        key: Key,
        prepared: _Prepared,
        head_put: dict[str, Any],
        old: _Manifest | None,
    ) -> None:
        """Intent, chunks, switch (conditioned on the head ``old``, None for a create). Any
        failure before the switch is known to have landed abandons the write: revoke the
        intent, then delete the chunks."""
        write_id, created, chunks = prepared.write_id, prepared.created, prepared.chunks
        intent_key = {**key, self.layout.sort_key: {"S": self._intent_sort_key(key, write_id)}}
        tokens: list[bytes] = []

        def intent() -> dict[str, Any]:
            tokens.append(secrets.token_bytes(_TOKEN_BYTES))  # fresh per attempt, see module doc
            item = {
                **intent_key,
                self.layout.payload_attribute: {"B": tokens[-1]},
                self.layout.created_attribute: {"N": str(created)},
            }
            return {"TableName": self.table_name, "Item": item}

        try:
            self._send("put_item", intent)
            self._batch_write([{"PutRequest": {"Item": item}} for item in chunks])
            switch = [
                {
                    "Delete": {
                        "TableName": self.table_name,
                        "Key": intent_key,
                        "ConditionExpression": "#d = :token",
                        "ExpressionAttributeNames": {"#d": self.layout.payload_attribute},
                        "ExpressionAttributeValues": {":token": {"B": tokens[-1]}},
                    }
                },
                head_put,
            ]
            request = {"TransactItems": switch, "ClientRequestToken": str(uuid.uuid4())}
            sent = self._send("transact_write_items", request)
            if sent.condition_failed:
                raise ChunkConflictError(key, self._switch_refused(key, old))
        except Exception:
            if tokens and self._abandon(key, intent_key, tokens[-1], write_id, len(chunks)):
                return  # the switch landed in an attempt whose answer was lost
            raise

    def _switch_refused(self, key: Key, old: _Manifest | None) -> str:
        """Why a switch failed: the head moved, or (head unmoved) the intent was expired."""
        now = self._current(key)
        expected_version = None if old is None else old.version
        expected_write_id = None if old is None else old.write_id
        if not _matches(now, expected_version, expected_write_id):
            return self._mismatch(now, expected_version, expected_write_id)
        return (
            "vacuum expired this write's intent before its switch (the grace period is shorter "
            "than the write took); nothing was written"
        )

    def _abandon(self, key: Key, intent_key: Key, token: bytes, write_id: str, count: int) -> bool:
        """Revoke the intent, then delete this write's chunks; True when the write turns out
        to be current after all (a switch whose answer was lost landed)."""
        sent = self._send(
            "delete_item",
            {
                "TableName": self.table_name,
                "Key": dict(intent_key),
                "ConditionExpression": "#d = :token",
                "ExpressionAttributeNames": {"#d": self.layout.payload_attribute},
                "ExpressionAttributeValues": {":token": {"B": token}},
            },
        )
        # The intent is gone now: this write id can never become current. Had it already?
        if sent.condition_failed and self._write_is_current(key, write_id):
            return True
        self._discard(key, write_id, count)
        return False

    def _discard(self, key: Key, write_id: str, count: int) -> None:
        """Delete one write's chunks, best effort: a failure leaves orphans for vacuum."""
        head_sort_key = key[self.layout.sort_key]["S"]
        deletes = [
            {
                "DeleteRequest": {
                    "Key": {
                        self.layout.partition_key: key[self.layout.partition_key],
                        self.layout.sort_key: {
                            "S": self.layout.chunk_sort_key(head_sort_key, write_id, index)
                        },
                    }
                }
            }
            for index in range(count)
        ]
        try:
            self._batch_write(deletes)
        except (ClientError, HTTPClientError, BotocoreConnectionError, BatchWriteError) as error:
            _log.warning(
                "chunked record %s: %d chunks of write %s left for vacuum: %s",
                _describe(key),
                count,
                write_id,
                error,
            )

    def _batch_write(self, requests: list[dict[str, Any]]) -> None:
        """BatchWriteItem, 25 at a time; unprocessed items retried with backoff and jitter."""
        for start in range(0, len(requests), BATCH_WRITE_LIMIT):
            pending = requests[start : start + BATCH_WRITE_LIMIT]
            for attempt in range(self.max_attempts):
                if attempt:
                    self._wait(attempt)
                sent = self._send("batch_write_item", {"RequestItems": {self.table_name: pending}})
                pending = sent.response.get("UnprocessedItems", {}).get(self.table_name) or []
                if not pending:
                    break
            else:
                raise BatchWriteError(
                    self.max_attempts,
                    [entry.get("PutRequest", entry.get("DeleteRequest", {})) for entry in pending],
                )

    # -- reads --

    def _query_chunks(self, key: Key, write_id: str) -> list[dict[str, AttributeValue]]:
        """Every item under the write's prefix, every page, strongly consistent."""
        prefix = self.layout.write_prefix(key[self.layout.sort_key]["S"], write_id)
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "#pk = :pk AND begins_with(#sk, :prefix)",
            "ProjectionExpression": "#sk, #d",
            "ExpressionAttributeNames": {
                "#pk": self.layout.partition_key,
                "#sk": self.layout.sort_key,
                "#d": self.layout.payload_attribute,
            },
            "ExpressionAttributeValues": {
                ":pk": key[self.layout.partition_key],
                ":prefix": {"S": prefix},
            },
            "ConsistentRead": True,
        }
        return list(self._pages("query", request))

    def _assemble(
        self, key: Key, manifest: _Manifest, items: list[dict[str, AttributeValue]]
    ) -> bytes:
        """The payload bytes, or `ChunkCorruptionError` naming the first thing that is wrong."""
        prefix = self.layout.write_prefix(key[self.layout.sort_key]["S"], manifest.write_id)
        pieces: dict[int, bytes] = {}
        for item in items:
            rest = item[self.layout.sort_key]["S"][len(prefix) :]
            if "#" in rest or rest == _INTENT:
                continue  # another record's chunk (its head key extends ours), or our intent
            data = item.get(self.layout.payload_attribute, {}).get("B")
            if not _INDEX.fullmatch(rest) or not isinstance(data, bytes):
                raise ChunkCorruptionError(
                    key, "malformed", f"item {prefix + rest!r} is not a chunk of this layout"
                )
            index = int(rest)
            if index in pieces:
                raise ChunkCorruptionError(
                    key, "duplicate", f"chunk index {index} is stored twice", index
                )
            pieces[index] = data
        for index in range(manifest.count):
            if index not in pieces:
                raise ChunkCorruptionError(
                    key,
                    "missing",
                    f"chunk {index} of {manifest.count} (write {manifest.write_id}) is missing",
                    index,
                )
        if len(pieces) != manifest.count:
            extra = min(index for index in pieces if index >= manifest.count)
            raise ChunkCorruptionError(
                key,
                "count",
                f"{len(pieces)} chunks stored, the manifest says {manifest.count}",
                extra,
            )
        data = b"".join(pieces[index] for index in range(manifest.count))
        if len(data) != manifest.length:
            raise ChunkCorruptionError(
                key, "length", f"{len(data)} bytes stored, the manifest says {manifest.length}"
            )
        digest = hashlib.sha256(data).hexdigest()
        if digest != manifest.sha256:
            raise ChunkCorruptionError(
                key, "checksum", f"SHA-256 {digest} does not match the manifest's {manifest.sha256}"
            )
        return data

    # -- vacuum --

    def _check_table(self, partition_key_type: str | None) -> None:
        """`VacuumRefusedError` unless the table's keys are the layout's (DescribeTable)."""
        layout = self.layout
        table = self._send("describe_table", {"TableName": self.table_name}).response["Table"]
        roles = {key["KeyType"]: key["AttributeName"] for key in table.get("KeySchema", [])}
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
                self.table_name,
                f"its key schema is {text(roles, types)}, the model's is "
                f"{text(wanted, model_types)}: this table does not hold this model's records",
            )

    def _unrecognised(
        self,
        item: Mapping[str, Any],
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
                f"digits>#<index: {layout.index_width} digits, or {_INTENT}>"
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

    def _list_chunk_items(self, partition: AttributeValue | None) -> Iterator[dict[str, Any]]:
        """Every item in the chunk key space, whole (vacuum checks every attribute)."""
        names = {"#pk": self.layout.partition_key, "#sk": self.layout.sort_key}
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "ExpressionAttributeNames": names,
            "ConsistentRead": True,
        }
        prefix = {":prefix": {"S": self.layout.chunk_prefix}}
        if partition is None:
            request["FilterExpression"] = "begins_with(#sk, :prefix)"
            request["ExpressionAttributeValues"] = prefix
            request["ExpressionAttributeNames"] = {"#sk": self.layout.sort_key}
            return self._pages("scan", request)
        request["KeyConditionExpression"] = "#pk = :pk AND begins_with(#sk, :prefix)"
        request["ExpressionAttributeValues"] = {**prefix, ":pk": partition}
        return self._pages("query", request)

    def _vacuum_write(self, candidate: _Candidate, cutoff: float, stats: VacuumStats) -> None:
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
        head_key = {
            self.layout.partition_key: candidate.partition,
            self.layout.sort_key: {"S": candidate.head_sort_key},
        }
        if self._write_is_current(head_key, candidate.write_id, tolerant=False):
            stats.kept_current += found  # keeping is always safe; this skips the intent read
            return
        intent_key = {
            **head_key,
            self.layout.sort_key: {"S": self._intent_sort_key(head_key, candidate.write_id)},
        }
        intent = self._get(intent_key)
        if intent is not None:
            created = _number(intent.get(self.layout.created_attribute))
            if created is None or created > cutoff:
                stats.kept_young += found
                return
            token = intent.get(self.layout.payload_attribute)
            sent = self._send(
                "delete_item",
                {
                    "TableName": self.table_name,
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
        if self._write_is_current(head_key, candidate.write_id, tolerant=False):
            stats.kept_current += found
            return
        self._batch_write([{"DeleteRequest": {"Key": key}} for key in candidate.chunk_keys])
        stats.chunks_deleted += found
        stats.writes_removed += 1

    # -- items --

    def _chunk_items(
        self, key: Key, write_id: str, data: bytes, created: int
    ) -> list[dict[str, AttributeValue]]:
        """The chunk items, each filled to the budget: every chunk item of a write has the same
        key lengths, so one measurement of an empty one gives the room for payload."""
        room = self.budget - item_size(self._chunk_item(key, write_id, 0, b"", created))
        if room < 1:
            raise ChunkRecordError(
                key, f"a chunk item's keys alone exceed the budget of {self.budget} bytes"
            )
        count = math.ceil(len(data) / room)
        if count > 10**self.layout.index_width:
            raise ChunkRecordError(
                key,
                f"{len(data)} bytes need {count} chunks, more than "
                f"{self.layout.index_width}-digit indexes can number",
            )
        return [
            self._chunk_item(key, write_id, index, data[index * room : (index + 1) * room], created)
            for index in range(count)
        ]

    def _chunk_item(
        self, key: Key, write_id: str, index: int, data: bytes, created: int
    ) -> dict[str, AttributeValue]:
        head_sort_key = key[self.layout.sort_key]["S"]
        return {
            self.layout.partition_key: key[self.layout.partition_key],
            self.layout.sort_key: {"S": self.layout.chunk_sort_key(head_sort_key, write_id, index)},
            self.layout.payload_attribute: {"B": data},
            self.layout.created_attribute: {"N": str(created)},
        }

    def _head_item(
        self,
        key: Key,
        attributes: Mapping[str, AttributeValue],
        data: bytes,
        *,
        write_id: str,
        count: int,
        version: int,
    ) -> dict[str, AttributeValue]:
        layout = self.layout
        head: dict[str, AttributeValue] = {
            **key,
            **attributes,
            layout.version_attribute: {"N": str(version)},
            layout.write_id_attribute: {"S": write_id},
            layout.count_attribute: {"N": str(count)},
            layout.length_attribute: {"N": str(len(data))},
            layout.checksum_attribute: {"S": hashlib.sha256(data).hexdigest()},
            layout.codec_attribute: {"S": self.codec},
            layout.compression_attribute: {"S": "zlib" if self.compress else "none"},
        }
        try:
            size = (
                item_size_with_local_indexes(
                    head,
                    table_keys=(layout.partition_key, layout.sort_key),
                    local_indexes=self.local_indexes,
                )
                if self.local_indexes
                else item_size(head)
            )
        except (TypeError, ValueError) as error:
            raise ChunkRecordError(key, f"invalid head attributes: {error}") from error
        if size > self.budget:
            lsi = ", LSI entries" if self.local_indexes else ""
            raise ChunkRecordError(
                key,
                f"the head item (attributes, manifest{lsi}) is {size} bytes, above the budget "
                f"of {self.budget}: move attributes into the payload",
            )
        return head

    def _intent_sort_key(self, key: Key, write_id: str) -> str:
        return self.layout.intent_sort_key(key[self.layout.sort_key]["S"], write_id)

    # -- head --

    def _get(self, key: Key) -> dict[str, Any] | None:
        sent = self._send(
            "get_item",
            {"TableName": self.table_name, "Key": dict(key), "ConsistentRead": True},
        )
        item: dict[str, Any] | None = sent.response.get("Item")
        return item

    def _current(self, key: Key) -> _Manifest | None:
        head = self._get(key)
        return None if head is None else self._manifest(key, head)

    def _write_is_current(self, key: Key, write_id: str, *, tolerant: bool = True) -> bool:
        """Whether the head points at ``write_id``. ``tolerant`` answers False when the head
        cannot be read, for callers that then re-raise the error they already hold."""
        try:
            head = self._get(key)
        except (ClientError, HTTPClientError, BotocoreConnectionError):
            if tolerant:
                return False
            raise
        value = (head or {}).get(self.layout.write_id_attribute, {}).get("S")
        return bool(value == write_id)

    def _manifest(self, key: Key, head: Mapping[str, Any]) -> _Manifest | None:
        """The head's manifest; None for no record (no version attribute)."""
        layout = self.layout
        if layout.version_attribute not in head:
            return None
        try:
            write_id = head[layout.write_id_attribute]["S"]
            codec = _CODEC_NAMES[head[layout.codec_attribute]["S"]]
            if not _WRITE_ID.fullmatch(write_id):
                raise ValueError(f"write id {write_id!r}")
            return _Manifest(
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

    def _head_condition(self, old: _Manifest | None) -> dict[str, Any]:
        """The head put's condition: the version and write id read, or no record yet."""
        if old is None:
            return {
                "ConditionExpression": "attribute_not_exists(#ver)",
                "ExpressionAttributeNames": {"#ver": self.layout.version_attribute},
            }
        return {
            "ConditionExpression": "#ver = :v AND #wid = :wid",
            "ExpressionAttributeNames": {
                "#ver": self.layout.version_attribute,
                "#wid": self.layout.write_id_attribute,
            },
            "ExpressionAttributeValues": {
                ":v": {"N": str(old.version)},
                ":wid": {"S": old.write_id},
            },
        }

    @staticmethod
    def _mismatch(now: _Manifest | None, expected: int | None, write_id: str | None = None) -> str:
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

    # -- checks --

    def _check_key(self, key: Key) -> None:
        layout = self.layout
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
        longest = layout.write_prefix(head_sort_key, "0" * 2 * _WRITE_ID_BYTES) + "9" * max(
            layout.index_width, len(_INTENT)
        )
        if len(longest.encode("utf-8")) > SORT_KEY_MAX_BYTES:
            raise ChunkRecordError(
                key,
                f"chunk sort keys would be {len(longest.encode('utf-8'))} bytes, above DynamoDB's "
                f"{SORT_KEY_MAX_BYTES}: shorten the record's sort key",
            )

    def _check_record(
        self, key: Key, attributes: Mapping[str, AttributeValue], expected_version: int | None
    ) -> None:
        self._check_key(key)
        if expected_version is not None:
            _check_version(key, expected_version)
        reserved = {*key, *self.layout.manifest_attributes}
        clash = sorted(reserved.intersection(attributes))
        if clash:
            raise ChunkRecordError(
                key, f"attributes {clash} are the key or the chunk manifest's; rename them"
            )

    # -- requests --

    def _wait(self, attempt: int) -> None:
        self._sleep(
            backoff_delay(
                attempt, base_delay=self._base_delay, max_delay=self._max_delay, rng=self._rng
            )
        )

    def _send(
        self, operation: str, request: Mapping[str, Any] | Callable[[], Mapping[str, Any]]
    ) -> _Sent:
        """One request, retried with backoff and full jitter on throttling, server errors and
        lost connections. ``request`` builds each attempt (the intent needs a fresh token per
        attempt; transactions reuse theirs). A failed condition is returned, not raised.

        Every request here may be repeated: puts and deletes of the same item are idempotent,
        transactions carry a ``ClientRequestToken``, and a conditional write whose first
        attempt landed fails its condition on the retry, which each caller resolves by reading
        the head (``ambiguous`` tells it an attempt may have landed).
        """
        call = getattr(self.client, operation)
        build = request if callable(request) else lambda: request
        ambiguous = False
        for attempt in range(self.max_attempts):
            if attempt:
                self._wait(attempt)
            try:
                return _Sent(call(**build()), False, ambiguous)
            except ClientError as error:
                verdict = _verdict(error)
                if verdict == "condition":
                    return _Sent(error.response, True, ambiguous)
                if verdict == "fatal" or attempt + 1 == self.max_attempts:
                    raise
                ambiguous = ambiguous or verdict == "maybe-applied"
            except (HTTPClientError, BotocoreConnectionError):
                if attempt + 1 == self.max_attempts:
                    raise
                ambiguous = True
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _pages(self, operation: str, request: dict[str, Any]) -> Iterator[dict[str, Any]]:
        start: dict[str, Any] | None = None
        while True:
            page = {**request, **({"ExclusiveStartKey": start} if start else {})}
            response = self._send(operation, page).response
            yield from response.get("Items", [])
            start = response.get("LastEvaluatedKey")
            if not start:
                return


def _matches(now: _Manifest | None, version: int | None, write_id: str | None) -> bool:
    """Whether the head ``now`` is the record expected: none (``version`` None), or that
    version (and that write id, when one is given)."""
    if version is None:
        return now is None
    return (
        now is not None
        and now.version == version
        and (write_id is None or now.write_id == write_id)
    )


def _created(now: float) -> int:
    """Epoch seconds for a chunk's ``~t``, rounded down to an odd second: a number's stored
    size shrinks with its trailing zeros, and an odd count of seconds has none, so every chunk
    item has the same size whatever the time, and `ChunkStore.plan` agrees with `write`."""
    return (int(now) - 1) | 1


def _fits_one_transaction(transaction: Sequence[Mapping[str, Any]]) -> bool:
    return (
        len(transaction) <= TRANSACTION_ITEM_LIMIT
        and transaction_payload_size(transaction) <= TRANSACTION_SIZE_LIMIT
    )


def _check_version(key: Key, version: object) -> None:
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ChunkRecordError(key, f"a version is an int >= 1, not {version!r}")


def _verdict(error: Any) -> Literal["condition", "retry", "maybe-applied", "fatal"]:
    response = error.response
    code = response.get("Error", {}).get("Code", "")
    if code == "ConditionalCheckFailedException":
        return "condition"
    if code == "TransactionCanceledException":
        reasons = {reason.get("Code", "None") for reason in response.get("CancellationReasons", [])}
        if "ConditionalCheckFailed" in reasons:
            return "condition"
        return "retry" if reasons <= _CANCELLED_RETRYABLE else "fatal"
    if code in _THROTTLED:
        return "retry"
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    if code in _MAYBE_APPLIED or status >= 500:
        return "maybe-applied"
    return "fatal"


def _number(value: Any) -> float | None:
    """The float of an ``{"N": ...}`` value; None when it is absent or not a number."""
    if not isinstance(value, Mapping) or not isinstance(value.get("N"), str):
        return None
    try:
        return float(value["N"])
    except ValueError:
        return None
