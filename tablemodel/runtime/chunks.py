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

This module holds the store and the protocol; the pieces it stands on live beside it:
`payload` (the codecs), `chunk_layout` (item keys, the manifest, transaction sizes), `sender`
(one table's requests and their retries) and `vacuum`.
"""

from __future__ import annotations

import hashlib
import logging
import math
import random
import secrets
import time
import uuid
import zlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotocoreConnectionError

from tablemodel.records import record
from tablemodel.runtime.chunk_layout import (
    BATCH_WRITE_LIMIT,
    INTENT,
    SORT_KEY_MAX_BYTES,
    TRANSACTION_ITEM_LIMIT,
    TRANSACTION_SIZE_LIMIT,
    WRITE_ID_BYTES,
    ChunkLayout,
    Manifest,
    RecordAttributes,
    RecordKey,
    check_key,
    chunk_item,
    created_time,
    fits_one_transaction,
    head_put,
    is_chunk_index,
    matches,
    mismatch,
    points_at,
    read_manifest,
    transaction_payload_size,
)
from tablemodel.runtime.errors import (
    BatchWriteError,
    ChunkConflictError,
    ChunkCorruptionError,
    ChunkError,
    ChunkRecordError,
    CorruptionProblem,
    VacuumRefusedError,
    describe_key,
)
from tablemodel.runtime.payload import CODECS, Codec, decode_payload, encode_payload
from tablemodel.runtime.sender import Sender
from tablemodel.runtime.size import (
    ITEM_SIZE_LIMIT,
    LocalIndexShape,
    item_size,
    item_size_with_local_indexes,
)
from tablemodel.runtime.vacuum import Vacuum, VacuumStats
from tablemodel.runtime.wire import (
    AttributeValue,
    Item,
    Key,
    PutItemRequest,
    QueryRequest,
    TransactItem,
    TransactWriteItemsRequest,
    WriteRequest,
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

_TOKEN_BYTES = 8

_log = logging.getLogger(__name__)


# --- results ---------------------------------------------------------------------------------


@record
class ChunkedRecord:
    """A record as read: the caller's head attributes (wire form), the decoded payload, the
    version to pass as ``expected_version`` to the next write, and the current write id."""

    attributes: Item
    payload: Any
    version: int
    write_id: str


@record
class ChunkWrite:
    """What a write stored: the new version, its write id, the number of chunk items, and
    whether it went in one transaction (otherwise in steps)."""

    version: int
    write_id: str
    chunks: int
    transactional: bool


@record
class ChunkPlan:
    """How a write would be stored: chunk items, payload bytes each holds (``chunk_room``),
    whether one transaction carries chunks and head, and that transaction's counted bytes."""

    chunks: int
    chunk_room: int
    transactional: bool
    transaction_bytes: int


@record
class _Prepared:
    write_id: str
    created: int
    version: int
    chunks: list[Item]
    head: Item


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
        if codec not in CODECS:
            raise ValueError(f"unknown codec {codec!r}: use one of {', '.join(CODECS)}")
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
        self.sender = Sender(
            client,
            table_name,
            max_attempts=max_attempts,
            base_delay=base_delay,
            max_delay=max_delay,
            sleep=sleep,
            rng=rng,
        )
        self._clock = clock

    # -- public API --

    def plan(
        self,
        key: RecordKey,
        attributes: RecordAttributes,
        size: int,
        *,
        expected_version: int | None,
    ) -> ChunkPlan:
        """How a write of ``size`` stored bytes (after encoding and compression) would go,
        computed exactly as `write` decides it, without sending anything."""
        head_key = self._check_record(key, attributes, expected_version)
        prepared = self._prepare(head_key, attributes, bytes(size), expected_version)
        old = None
        if expected_version is not None:  # an old head of that version: only sizes matter
            old = Manifest(expected_version, prepared.write_id, 0, 0, "", "json", False)
        transaction = self._transaction(prepared, old)
        room = self.budget - item_size(
            chunk_item(self.layout, head_key, prepared.write_id, 0, b"", created=prepared.created)
        )
        return ChunkPlan(
            chunks=len(prepared.chunks),
            chunk_room=room,
            transactional=fits_one_transaction(transaction),
            transaction_bytes=transaction_payload_size(transaction),
        )

    def write(
        self,
        key: RecordKey,
        attributes: RecordAttributes,
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
        head_key = self._check_record(key, attributes, expected_version)
        try:
            data = encode_payload(payload, self.codec, compress=self.compress)
        except (TypeError, ValueError) as error:
            raise ChunkRecordError(
                head_key, f"the payload cannot be stored as {self.codec}: {error}"
            ) from error
        prepared = self._prepare(head_key, attributes, data, expected_version)
        old = None
        transaction = self._transaction(prepared, old)
        if expected_version is not None or not fits_one_transaction(transaction):
            # An update needs the old head: its write id is part of the condition and names
            # the chunks to delete afterwards. A create in steps reads it to fail before
            # writing chunks for nothing; a create in one transaction need not, since its
            # condition (no record yet) is checked with the chunks.
            old = self._current(head_key)
            if not matches(old, expected_version, expected_write_id):
                raise ChunkConflictError(
                    head_key, mismatch(old, expected_version, expected_write_id)
                )
            transaction = self._transaction(prepared, old)
        transactional = fits_one_transaction(transaction)
        if transactional:
            self._commit(head_key, transaction, prepared.write_id, expected_version)
        else:
            self._write_in_steps(head_key, prepared, transaction[-1], old)
        if old is not None:
            self._discard(head_key, old.write_id, old.count)
        return ChunkWrite(prepared.version, prepared.write_id, len(prepared.chunks), transactional)

    def read(self, key: RecordKey) -> ChunkedRecord | None:
        """The record at ``key``, whole and checksum-verified; None when there is none.

        Raises `ChunkCorruptionError` when the stored chunks do not match a head that did not
        move, and `ChunkConflictError` when writers replaced the record during each of
        ``read_attempts`` tries.
        """
        head_key = check_key(self.layout, key)
        for attempt in range(self.read_attempts):
            if attempt:
                self.sender.wait(attempt)
            head = self.sender.get(head_key)
            if head is None:
                return None
            manifest = read_manifest(self.layout, head_key, head)
            if manifest is None:
                return None
            try:
                data = self._assemble(
                    head_key, manifest, self._query_chunks(head_key, manifest.write_id)
                )
            except ChunkCorruptionError:
                now = self._current(head_key)
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
                    head_key,
                    "decode",
                    f"checksum matches but {manifest.codec} decoding failed: {error}",
                ) from error
            reserved = {*self.layout.manifest_attributes, *head_key}
            attributes = {name: value for name, value in head.items() if name not in reserved}
            return ChunkedRecord(attributes, payload, manifest.version, manifest.write_id)
        raise ChunkConflictError(
            head_key,
            f"replaced by other writers during each of {self.read_attempts} reads; "
            "read it again later",
        )

    def delete(
        self, key: RecordKey, *, expected_version: int, expected_write_id: str | None = None
    ) -> None:
        """Delete the record at ``expected_version`` (and ``expected_write_id``, when given:
        see `write`): the head first (conditional), so the record disappears at once, then its
        chunks (best effort; vacuum removes leftovers).

        Raises `ChunkConflictError` when the stored version is another one or there is none.
        """
        head_key = check_key(self.layout, key)
        _check_version(head_key, expected_version)
        names = {"#ver": self.layout.version_attribute}
        values: dict[str, AttributeValue] = {":v": {"N": str(expected_version)}}
        condition = "#ver = :v"
        if expected_write_id is not None:
            condition += " AND #wid = :wid"
            names["#wid"] = self.layout.write_id_attribute
            values[":wid"] = {"S": expected_write_id}
        sent = self.sender.send(
            "delete_item",
            {
                "TableName": self.table_name,
                "Key": head_key,
                "ConditionExpression": condition,
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
                "ReturnValues": "ALL_OLD",
            },
        )
        if sent.condition_failed:
            now = self._current(head_key)
            if now is None and sent.ambiguous:
                return  # an attempt whose answer was lost deleted it; vacuum takes its chunks
            raise ChunkConflictError(head_key, mismatch(now, expected_version, expected_write_id))
        try:
            old = read_manifest(self.layout, head_key, sent.response.get("Attributes", {}))
        except ChunkCorruptionError:
            return  # the head is gone; its chunks are unknown, vacuum takes them
        if old is not None:
            self._discard(head_key, old.write_id, old.count)

    def vacuum(
        self,
        partition_key_value: Mapping[str, Any] | None = None,
        *,
        grace_seconds: float,
        now: float | None = None,
        partition_key_type: str | None = None,
        recognise: Callable[[Mapping[str, Any], str], bool] | None = None,
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
        partition = cast(AttributeValue | None, partition_key_value)  # DynamoDB checks it
        return Vacuum(self.sender, self.layout).run(
            partition,
            cutoff=cutoff,
            partition_key_type=partition_key_type,
            recognise=recognise,
        )

    # -- writes --

    def _commit(
        self,
        key: Key,
        transaction: list[TransactItem],
        write_id: str,
        expected_version: int | None,
    ) -> None:
        """One TransactWriteItems: chunks and head together, idempotent under our token."""
        request: TransactWriteItemsRequest = {
            "TransactItems": transaction,
            "ClientRequestToken": str(uuid.uuid4()),
        }
        try:
            sent = self.sender.send("transact_write_items", request)
        except Exception:
            if self._write_is_current(key, write_id):
                return  # an attempt whose answer was lost committed it
            raise
        if sent.condition_failed and not self._write_is_current(key, write_id):
            raise ChunkConflictError(key, mismatch(self._current(key), expected_version))

    def _prepare(
        self,
        key: Key,
        attributes: RecordAttributes,
        data: bytes,
        expected_version: int | None,
    ) -> _Prepared:
        """The items of a write, with the size limits checked (after `_check_record`)."""
        write_id = secrets.token_hex(WRITE_ID_BYTES)
        created = created_time(self._clock())
        chunks = self._chunk_items(key, write_id, data, created)
        version = 1 if expected_version is None else expected_version + 1
        head = self._head_item(
            key, attributes, data, write_id=write_id, count=len(chunks), version=version
        )
        return _Prepared(write_id, created, version, chunks, head)

    def _transaction(self, prepared: _Prepared, old: Manifest | None) -> list[TransactItem]:
        """The one-transaction form of a write: the chunk puts, then the head put with its
        condition (the head put alone is also the switch's second action)."""
        puts: list[TransactItem] = [
            {"Put": {"TableName": self.table_name, "Item": item}} for item in prepared.chunks
        ]
        return [*puts, {"Put": head_put(self.layout, self.table_name, prepared.head, old)}]

    def _write_in_steps(
        self,
        key: Key,
        prepared: _Prepared,
        head_put: TransactItem,
        old: Manifest | None,
    ) -> None:
        """Intent, chunks, switch (conditioned on the head ``old``, None for a create). Any
        failure before the switch is known to have landed abandons the write: revoke the
        intent, then delete the chunks."""
        write_id, created, chunks = prepared.write_id, prepared.created, prepared.chunks
        intent_key: Key = {
            **key,
            self.layout.sort_key: {"S": self._intent_sort_key(key, write_id)},
        }
        tokens: list[bytes] = []

        def intent() -> PutItemRequest:
            tokens.append(secrets.token_bytes(_TOKEN_BYTES))  # fresh per attempt, see module doc
            item: Item = {
                **intent_key,
                self.layout.payload_attribute: {"B": tokens[-1]},
                self.layout.created_attribute: {"N": str(created)},
            }
            return {"TableName": self.table_name, "Item": item}

        try:
            self.sender.send("put_item", intent)
            self.sender.batch_write([{"PutRequest": {"Item": item}} for item in chunks])
            switch: list[TransactItem] = [
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
            request: TransactWriteItemsRequest = {
                "TransactItems": switch,
                "ClientRequestToken": str(uuid.uuid4()),
            }
            sent = self.sender.send("transact_write_items", request)
            if sent.condition_failed:
                raise ChunkConflictError(key, self._switch_refused(key, old))
        except Exception:
            if tokens and self._abandon(key, intent_key, tokens[-1], write_id, len(chunks)):
                return  # the switch landed in an attempt whose answer was lost
            raise

    def _switch_refused(self, key: Key, old: Manifest | None) -> str:
        """Why a switch failed: the head moved, or (head unmoved) the intent was expired."""
        now = self._current(key)
        expected_version = None if old is None else old.version
        expected_write_id = None if old is None else old.write_id
        if not matches(now, expected_version, expected_write_id):
            return mismatch(now, expected_version, expected_write_id)
        return (
            "vacuum expired this write's intent before its switch (the grace period is shorter "
            "than the write took); nothing was written"
        )

    def _abandon(self, key: Key, intent_key: Key, token: bytes, write_id: str, count: int) -> bool:
        """Revoke the intent, then delete this write's chunks; True when the write turns out
        to be current after all (a switch whose answer was lost landed)."""
        sent = self.sender.send(
            "delete_item",
            {
                "TableName": self.table_name,
                "Key": intent_key,
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
        deletes: list[WriteRequest] = [
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
            self.sender.batch_write(deletes)
        except (ClientError, HTTPClientError, BotocoreConnectionError, BatchWriteError) as error:
            _log.warning(
                "chunked record %s: %d chunks of write %s left for vacuum: %s",
                describe_key(key),
                count,
                write_id,
                error,
            )

    # -- reads --

    def _query_chunks(self, key: Key, write_id: str) -> list[Item]:
        """Every item under the write's prefix, every page, strongly consistent."""
        prefix = self.layout.write_prefix(key[self.layout.sort_key]["S"], write_id)
        request: QueryRequest = {
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
        return list(self.sender.query(request))

    def _assemble(self, key: Key, manifest: Manifest, items: list[Item]) -> bytes:
        """The payload bytes, or `ChunkCorruptionError` naming the first thing that is wrong."""
        prefix = self.layout.write_prefix(key[self.layout.sort_key]["S"], manifest.write_id)
        pieces: dict[int, bytes] = {}
        for item in items:
            rest = item[self.layout.sort_key]["S"][len(prefix) :]
            if "#" in rest or rest == INTENT:
                continue  # another record's chunk (its head key extends ours), or our intent
            data = item.get(self.layout.payload_attribute, {}).get("B")
            if not is_chunk_index(rest) or not isinstance(data, bytes):
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

    # -- items --

    def _chunk_items(self, key: Key, write_id: str, data: bytes, created: int) -> list[Item]:
        """The chunk items, each filled to the budget: every chunk item of a write has the same
        key lengths, so one measurement of an empty one gives the room for payload."""
        room = self.budget - item_size(
            chunk_item(self.layout, key, write_id, 0, b"", created=created)
        )
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
            chunk_item(
                self.layout,
                key,
                write_id,
                index,
                data[index * room : (index + 1) * room],
                created=created,
            )
            for index in range(count)
        ]

    def _head_item(
        self,
        key: Key,
        attributes: RecordAttributes,
        data: bytes,
        *,
        write_id: str,
        count: int,
        version: int,
    ) -> Item:
        """The head item: ``key``, the caller's ``attributes`` and the manifest, within the
        budget; `ChunkRecordError` when an attribute is not a DynamoDB value or it is too big."""
        layout = self.layout
        head: dict[str, Mapping[str, Any]] = {
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
        return cast(Item, head)  # measuring it checked every value

    def _intent_sort_key(self, key: Key, write_id: str) -> str:
        return self.layout.intent_sort_key(key[self.layout.sort_key]["S"], write_id)

    # -- head --
    def _current(self, key: Key) -> Manifest | None:
        head = self.sender.get(key)
        return None if head is None else read_manifest(self.layout, key, head)

    def _write_is_current(self, key: Key, write_id: str, *, tolerant: bool = True) -> bool:
        """Whether the head points at ``write_id``. ``tolerant`` answers False when the head
        cannot be read, for callers that then re-raise the error they already hold."""
        try:
            head = self.sender.get(key)
        except (ClientError, HTTPClientError, BotocoreConnectionError):
            if tolerant:
                return False
            raise
        return points_at(self.layout, head, write_id)

    def _check_record(
        self,
        key: RecordKey,
        attributes: RecordAttributes,
        expected_version: int | None,
    ) -> Key:
        """``key`` as a head's key, once the key, version and attributes are checked."""
        head_key = check_key(self.layout, key)
        if expected_version is not None:
            _check_version(key, expected_version)
        reserved = {*key, *self.layout.manifest_attributes}
        clash = sorted(reserved.intersection(attributes))
        if clash:
            raise ChunkRecordError(
                key, f"attributes {clash} are the key or the chunk manifest's; rename them"
            )
        return head_key


def _check_version(key: Mapping[str, Any], version: object) -> None:
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ChunkRecordError(key, f"a version is an int >= 1, not {version!r}")
