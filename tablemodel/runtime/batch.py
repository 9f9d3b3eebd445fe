"""Batch writes that respect DynamoDB's limits and back off when it pushes back.

BatchWriteItem takes at most 25 puts and deletes per call and may hand some back as
`UnprocessedItems` when the table is throttled. PynamoDB's `batch_write()` and boto3's
`batch_writer` resend those at once, without waiting; AWS asks for exponential backoff with
jitter, which is what `batch_write` does ("full jitter": a random wait up to a cap that doubles
on each attempt). Items of entities with a version attribute are refused, because a batch
write cannot carry the condition that optimistic locking needs.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, cast

from pynamodb.models import Model

from tablemodel.records import mutable_record, record
from tablemodel.runtime.configuration import ensure_configured, root_model
from tablemodel.runtime.entities import refresh_keys, refuse_partial
from tablemodel.runtime.errors import BatchWriteError, UnsupportedWriteError
from tablemodel.runtime.retry import backoff_delay
from tablemodel.runtime.specs import EntitySpec
from tablemodel.runtime.wire import Item, Key, Response

__all__ = ["BATCH_WRITE_LIMIT", "BatchStats", "batch_write", "checked_spec"]

BATCH_WRITE_LIMIT = 25
"""Puts and deletes per BatchWriteItem call."""


@mutable_record
class BatchStats:
    """What a `batch_write` call did: requests sent, retries and the time spent waiting."""

    requests: int = 0
    retries: int = 0
    waited: float = 0.0


@record
class _Backoff:
    max_attempts: int
    base_delay: float
    max_delay: float
    sleep: Callable[[float], None]
    rng: Callable[[], float]

    def wait(self, attempt: int, stats: BatchStats) -> None:
        delay = backoff_delay(
            attempt, base_delay=self.base_delay, max_delay=self.max_delay, rng=self.rng
        )
        stats.retries += 1
        stats.waited += delay
        self.sleep(delay)


def batch_write(
    puts: Iterable[Model] = (),
    deletes: Iterable[Model] = (),
    *,
    max_attempts: int = 10,
    base_delay: float = 0.05,
    max_delay: float = 5.0,
    sleep: Callable[[float], None] = time.sleep,
    rng: Callable[[], float] = random.random,
) -> BatchStats:
    """Write `puts` and delete `deletes`, 25 per request, retrying unprocessed items.

    Each attempt after the first waits `rng() * min(max_delay, base_delay * 2**n)` seconds.
    Raises `BatchWriteError` (listing what is left) when items are still unprocessed after
    `max_attempts` requests for their chunk. Puts are checked and their keys recomposed first,
    so nothing is sent when one of them is invalid.
    """
    if max_attempts < 1:
        msg = f"max_attempts must be at least 1, got {max_attempts}"
        raise ValueError(msg)
    operations: list[tuple[str, Model]] = []
    for item in puts:
        spec = _spec_of(item)
        refuse_partial(item, spec, "batch-write")
        refresh_keys(item, spec)
        operations.append(("put", item))
    operations += [("delete", _checked(item)) for item in deletes]
    stats = BatchStats()
    if not operations:
        return stats
    base = _table_of(operations)
    backoff = _Backoff(max_attempts, base_delay, max_delay, sleep, rng)
    for start in range(0, len(operations), BATCH_WRITE_LIMIT):
        chunk = operations[start : start + BATCH_WRITE_LIMIT]
        _no_duplicate_keys(chunk)
        _write_chunk(base, chunk, stats, backoff)
    return stats


def _write_chunk(
    base: type[Model],
    chunk: Sequence[tuple[str, Model]],
    stats: BatchStats,
    backoff: _Backoff,
) -> None:
    # PynamoDB serialises items (and their keys) into the client's form, untyped.
    puts = [cast(Item, item.serialize()) for action, item in chunk if action == "put"]
    deletes = [
        cast(Key, item._get_keys())  # type: ignore[no-untyped-call]
        for action, item in chunk
        if action == "delete"
    ]
    connection = base._get_connection()
    table_name = base.Meta.table_name
    for attempt in range(backoff.max_attempts):
        if attempt:
            backoff.wait(attempt, stats)
        stats.requests += 1
        data = connection.batch_write_item(put_items=puts or None, delete_items=deletes or None)
        response = cast(Response, data or {})
        left = response.get("UnprocessedItems", {}).get(table_name) or []
        if not left:
            return
        puts = [entry["PutRequest"]["Item"] for entry in left if "PutRequest" in entry]
        deletes = [entry["DeleteRequest"]["Key"] for entry in left if "DeleteRequest" in entry]
    raise BatchWriteError(backoff.max_attempts, [*puts, *deletes])


def checked_spec(item: Model, action: str = "batch_write()") -> EntitySpec | None:
    """The entity spec of `item` (None for a class that is not a generated entity), or
    `UnsupportedWriteError` when a batch cannot write its entity: a chunked record (a batch
    put would replace the head without its manifest, a batch delete would leave its chunks)
    or a versioned item (a batch cannot carry the version condition)."""
    spec = getattr(type(item), "_spec", None)
    if not isinstance(spec, EntitySpec):
        return None
    if spec.chunking is not None:
        raise UnsupportedWriteError(
            spec.name,
            action,
            f"{spec.name} is chunked: a batch would write or delete its head without its "
            "chunks; use put(), create() or delete() on each record",
        )
    if spec.version:
        raise UnsupportedWriteError(
            spec.name,
            action,
            f"{spec.name} has the version attribute {spec.version!r}: a batch write cannot "
            "check it, so write these items with put() or create() and delete them with "
            "delete()",
        )
    return spec


def _spec_of(item: Model) -> EntitySpec:
    spec = checked_spec(item)
    if spec is None:
        msg = f"{type(item).__name__} is not a generated tablemodel entity"
        raise TypeError(msg)
    return spec


def _checked(item: Model) -> Model:
    _spec_of(item)
    return item


def _table_of(operations: Sequence[tuple[str, Model]]) -> type[Model]:
    bases = {root_model(type(item)) for _, item in operations}
    if len(bases) != 1:
        names = ", ".join(sorted(b.__name__ for b in bases))
        msg = f"one batch writes to one table; these items belong to {names}"
        raise TypeError(msg)
    (base,) = bases
    ensure_configured(base, _spec_of(operations[0][1]).table)
    return base


def _no_duplicate_keys(chunk: Sequence[tuple[str, Model]]) -> None:
    seen: set[tuple[Any, ...]] = set()
    for _, item in chunk:
        key = tuple(sorted((k, repr(v)) for k, v in item._get_keys().items()))  # type: ignore[no-untyped-call]
        if key in seen:
            msg = (
                f"two writes to the key {dict(key)} in one batch request; DynamoDB refuses "
                "that, so write them separately"
            )
            raise ValueError(msg)
        seen.add(key)
