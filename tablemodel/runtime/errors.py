"""Errors the runtime raises to services. Each names what failed and what to do about it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from tablemodel.diagnostics import TableModelError

__all__ = [
    "BatchWriteError",
    "ChunkConflictError",
    "ChunkCorruptionError",
    "ChunkError",
    "ChunkRecordError",
    "ConditionFailedError",
    "CorruptionProblem",
    "IdempotencyMismatchError",
    "InvalidCursorError",
    "ItemExistsError",
    "ItemMissingError",
    "ItemNotFoundError",
    "KeyTakenError",
    "NotConfiguredError",
    "PartialItemError",
    "TableExistsError",
    "TransactionConflictError",
    "TransitionRefusedError",
    "UnexpectedItemError",
    "UnsupportedWriteError",
    "VacuumRefusedError",
    "VersionConflictError",
    "VersionUnknownError",
]


class NotConfiguredError(TableModelError):
    """The generated models were used before a table name or a region was set.

    Raised before any request; the message names what to set and where.
    """


class TableExistsError(TableModelError):
    """`create_table()` found a table of that name already."""


class ItemExistsError(TableModelError):
    """`create()` found an item at the entity's key already; nothing was written."""

    def __init__(self, entity: str, key: Mapping[str, object]) -> None:
        self.entity = entity
        self.key = dict(key)
        super().__init__(f"{entity}: an item with key {_key_text(key)} already exists")


class ItemNotFoundError(TableModelError):
    """An update met no item at the entity's key; nothing was written."""

    def __init__(self, entity: str, key: Mapping[str, object]) -> None:
        self.entity = entity
        self.key = dict(key)
        super().__init__(f"{entity}: no item with key {_key_text(key)}")


class VersionConflictError(TableModelError):
    """Optimistic locking: the stored item's version is not the one this write read."""

    def __init__(self, entity: str, key: Mapping[str, object], version: object) -> None:
        self.entity = entity
        self.key = dict(key)
        self.version = version
        super().__init__(
            f"{entity}: item {_key_text(key)} changed since version {version} was read "
            "(or was deleted); read it again and retry"
        )


class PartialItemError(TableModelError):
    """A write would use attributes that the read which produced the instance did not return.

    An access pattern on an index with a partial projection (or on a chunked entity, whose
    payload a Query never reads) gives instances without some attributes. Writing such an
    instance back would erase them, so `put`, `create`, batch writes and PynamoDB's own `save`
    and `update` (and their `TransactWrite` forms) refuse it, and `modify` and `delete` refuse
    when they would need one of them. `fetch()` reads the whole item.
    """

    def __init__(
        self, entity: str, key: Mapping[str, object], missing: tuple[str, ...], action: str
    ) -> None:
        self.entity = entity
        self.key = dict(key)
        self.missing = missing
        super().__init__(
            f"{entity}: cannot {action} item {_key_text(key)} as read: the read that produced "
            f"it did not return {', '.join(missing)}; fetch() the whole item first"
        )


class VersionUnknownError(TableModelError):
    """A chunked record's `delete()` on an instance that does not know the version it holds.

    Deleting a chunked record is always conditioned on the version (and write) the instance
    was read at, so a stale instance can never delete a newer record. An instance that was
    constructed rather than read, or read through an index that does not project the record's
    manifest, has no such version: nothing is sent. `fetch()` the record and delete that.
    """

    def __init__(self, entity: str, key: Mapping[str, object]) -> None:
        self.entity = entity
        self.key = dict(key)
        super().__init__(
            f"{entity}: cannot delete item {_key_text(key)}: this instance does not carry the "
            "version of a stored record (it was constructed, or read without the record's "
            "manifest), and a chunked record is only deleted at the version read; fetch() it "
            "and delete that"
        )


class UnsupportedWriteError(TableModelError, TypeError):
    """A write that would bypass what the entity's records need, refused before any request.

    PynamoDB's own writes (`save`, `update`, `delete` with a condition or without the version
    condition, `batch_write`, and the `get_*_kwargs_from_instance` that `TransactWrite`
    uses) know nothing of chunked records: a `save()` would replace the head without its
    manifest and the record would read as absent. On a chunked entity they raise this; the
    message names the generated method to use instead (`put()`, `create()`, `delete()`). Batch
    writes refuse versioned entities too, since a batch cannot carry the version condition.
    """

    def __init__(self, entity: str, action: str, reason: str) -> None:
        self.entity = entity
        self.action = action
        super().__init__(f"{entity}: {action} refused before any request: {reason}")


class UnexpectedItemError(TableModelError):
    """A read met an item of an entity type it does not return.

    For an access pattern the static check could not prove exact, this means the key
    condition reaches other items: `tablemodel check --run` shows which.
    """

    def __init__(
        self, where: str, key: Mapping[str, object], found: str | None, expected: tuple[str, ...]
    ) -> None:
        self.where = where
        self.key = dict(key)
        self.found = found
        self.expected = expected
        what = f"an item of type {found!r}" if found else "an item without a known entity type"
        super().__init__(
            f"{where}: {what} at key {_key_text(key)}; expected {' or '.join(expected)}"
        )


class InvalidCursorError(TableModelError):
    """A pagination cursor that this query did not hand out (or that was altered)."""


class BatchWriteError(TableModelError):
    """Items were still unprocessed after every retry; `unprocessed` lists them."""

    def __init__(self, attempts: int, unprocessed: list[Mapping[str, object]]) -> None:
        self.attempts = attempts
        self.unprocessed = unprocessed
        super().__init__(
            f"batch write: {len(unprocessed)} item(s) still unprocessed after {attempts} "
            "attempts with exponential backoff (the table is throttled); nothing else failed"
        )


# ---------------------------------------------------------------------------------------------
# Write patterns (`tablemodel.runtime.writes`)


class ConditionFailedError(TableModelError):
    """A write pattern's condition did not hold: nothing was written (a transaction: nothing
    of any of its actions).

    `pattern` names the write pattern, `entity` and `key` the item, `action` its position in
    the transaction (None for a single write), `failed` the conditions that did not hold as
    text (`remaining > 0`), and `current` the item's attributes as the engine reported them
    when it refused (None when there was no item). The subclasses say why in one word:
    `KeyTakenError`, `ItemMissingError`, `TransitionRefusedError`.
    """

    def __init__(
        self,
        pattern: str,
        entity: str,
        key: Mapping[str, object],
        *,
        action: int | None = None,
        failed: Sequence[str] = (),
        current: Mapping[str, object] | None = None,
        reason: str | None = None,
    ) -> None:
        self.pattern = pattern
        self.entity = entity
        self.key = dict(key)
        self.action = action
        self.failed = tuple(failed)
        self.current = None if current is None else dict(current)
        where = f"{pattern}" + ("" if action is None else f" (action {action + 1})")
        why = reason or "condition " + (" AND ".join(self.failed) or "(unknown)") + " did not hold"
        super().__init__(f"{where}: {entity} {_key_text(key)}: {why}; nothing was written")


class KeyTakenError(ConditionFailedError):
    """A create found an item at its key already."""


class ItemMissingError(ConditionFailedError):
    """An update, delete or check (or a conditional put) found no item at its key."""


class TransitionRefusedError(ConditionFailedError):
    """The item is in a state the write does not move it from (`state`: where it is;
    `allowed`: the states the write moves from)."""

    def __init__(
        self,
        pattern: str,
        entity: str,
        key: Mapping[str, object],
        *,
        state: object,
        allowed: Sequence[str],
        action: int | None = None,
        failed: Sequence[str] = (),
        current: Mapping[str, object] | None = None,
    ) -> None:
        self.state = state
        self.allowed = tuple(allowed)
        super().__init__(
            pattern,
            entity,
            key,
            action=action,
            failed=failed,
            current=current,
            reason=(
                f"the item is in state {state!r}; this write moves items from "
                + (", ".join(repr(s) for s in allowed) or "no state")
            ),
        )


class TransactionConflictError(TableModelError):
    """DynamoDB cancelled a transaction because another request was changing one of its items
    at the same time; nothing was written. Retrying is safe (with the same idempotency key)."""

    def __init__(self, pattern: str, reasons: Sequence[str]) -> None:
        self.pattern = pattern
        self.reasons = tuple(reasons)
        super().__init__(
            f"{pattern}: transaction cancelled by a concurrent write ({', '.join(reasons)});"
            " nothing was written, retry"
        )


class IdempotencyMismatchError(TableModelError):
    """The idempotency key was used within the last 10 minutes with other parameters."""

    def __init__(self, pattern: str, key: object) -> None:
        self.pattern = pattern
        self.key = key
        super().__init__(
            f"{pattern}: idempotency key {key!r} was used in the last 10 minutes with other"
            " parameters; nothing was written"
        )


# ---------------------------------------------------------------------------------------------
# Chunked records (`tablemodel.runtime.chunks`)

CorruptionProblem = Literal[
    "manifest", "malformed", "duplicate", "missing", "count", "length", "checksum", "decode"
]


def describe_key(key: Mapping[str, Any]) -> str:
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
        super().__init__(f"chunked record {describe_key(key)}: {message}")


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
        self,
        key: Mapping[str, Any],
        problem: CorruptionProblem,
        detail: str,
        index: int | None = None,
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


def _key_text(key: Mapping[str, object]) -> str:
    return "{" + ", ".join(f"{name}={value!r}" for name, value in key.items()) + "}"
