"""Generated entities with chunked attributes: records above 400 KB, stored without tearing.

An entity whose model declares `chunking` keeps its chunked attributes out of its PynamoDB
item: the item becomes the head of a chunked record (`tablemodel.runtime.chunks`), and the
chunked attributes travel as the record's payload. `create`, `put`, `fetch` and `delete` of
such an entity go through the `ChunkStore` of its table, on the very client PynamoDB uses
(same endpoint, region and credentials):

- `create()` fails with `ItemExistsError` when a record exists;
- `put()` replaces the record at the version the instance was read with (optimistic locking
  is built into the layout); a new instance's `put()` is a create;
- `fetch()` returns the whole record, checksum-verified, or None;
- `delete()` removes the head, then its chunks, only at the version the instance was read with.

Every read of a head (fetch, an access pattern's Query, PynamoDB's own `get`/`query`/`scan`)
leaves on the instance the version and write id of the manifest it read (`_chunk_version`,
`_chunk_write_id`), and writes and deletes are conditioned on both: versions start at 1 again
when a record is deleted and created anew, write ids never repeat, so a stale instance can
neither overwrite nor delete a newer record. An instance that carries no version (constructed,
or read through an index that does not project the manifest) cannot delete
(`VersionUnknownError`); its `put()` is a create.

Access-pattern queries return heads: the chunked attributes are None until the record is
fetched. `modify()` is not generated for chunked entities (a partial update would bypass the
record's version), and batch writes refuse them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar

from pynamodb.models import Model

from tablemodel.records import record
from tablemodel.runtime.chunks import ChunkConflictError, ChunkLayout, ChunkStore, VacuumStats
from tablemodel.runtime.errors import ItemExistsError, VersionConflictError, VersionUnknownError
from tablemodel.runtime.keys import CHUNK_SORT_KEY_PREFIX, KeyValueError
from tablemodel.runtime.size import ITEM_SIZE_LIMIT, AttributeValue, LocalIndexShape

__all__ = ["Chunking", "chunk_budget", "read_version", "remember", "set_chunk_budget", "vacuum"]

M = TypeVar("M", bound=Model)

_budgets: dict[type[Model], int] = {}
_VERSION = "_chunk_version"
_WRITE_ID = "_chunk_write_id"
_MANIFEST = ChunkLayout()  # the manifest's attribute names (the key names do not matter here)


@record
class Chunking:
    """Which attributes of an entity are chunked, and how their payload is encoded."""

    attributes: tuple[str, ...]
    codec: Literal["json", "binary"] = "json"
    compress: bool = False
    local_indexes: tuple[LocalIndexShape, ...] = ()


def set_chunk_budget(base: type[Model], budget: int | None) -> None:
    """The largest item chunked records of `base`'s table write (None: 409,600).

    DynamoDB and DynamoDB Local take 409,600 bytes; moto refuses items above 405,000 by its own
    inexact measure, so runs on moto set a lower budget.
    """
    if budget is None:
        _budgets.pop(base, None)
    elif not 0 < budget <= ITEM_SIZE_LIMIT:
        msg = f"the chunk budget must be 1 to {ITEM_SIZE_LIMIT:,} bytes, got {budget:,}"
        raise ValueError(msg)
    else:
        _budgets[base] = budget


def chunk_budget(base: type[Model]) -> int:
    return _budgets.get(base, ITEM_SIZE_LIMIT)


def store(cls: type[Model], base: type[Model], chunking: Chunking) -> ChunkStore:
    """The chunk store of `cls`'s table, on PynamoDB's own client for it."""
    connection: Any = cls._get_connection().connection
    table = cls.Meta.table_name
    range_key = base._range_key_attribute()  # type: ignore[no-untyped-call]
    if range_key is None:  # the checker reports this (TM121); never a silent default
        msg = f"{base.__name__}: chunked records need a table sort key"
        raise TypeError(msg)
    layout = ChunkLayout(
        partition_key=base._hash_key_attribute().attr_name,  # type: ignore[no-untyped-call]
        sort_key=range_key.attr_name,
        chunk_prefix=CHUNK_SORT_KEY_PREFIX,
    )
    return ChunkStore(
        connection.client,
        table,
        layout=layout,
        budget=chunk_budget(base),
        local_indexes=chunking.local_indexes,
        codec=chunking.codec,
        compress=chunking.compress,
    )


def split(instance: Model, primary_key: tuple[str, ...]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The instance's item as (table key, other attributes), in DynamoDB's wire form."""
    wire = instance.serialize()
    key = {name: wire.pop(name) for name in primary_key}
    return key, wire


def payload_of(instance: Model, chunking: Chunking, python_names: Mapping[str, str]) -> Any:
    """The chunked attributes as the store's payload: a mapping, or the bytes of a binary one."""
    values = {name: getattr(instance, python_names.get(name, name)) for name in chunking.attributes}
    if chunking.codec == "binary":
        ((_, data),) = values.items()
        return data
    return values


def remember(instance: Model, head: Mapping[str, Any]) -> None:
    """Keep on `instance` the version and write id of the head item `head` (wire form) it was
    read from; None for each the read did not return (an index without the manifest)."""
    version = head.get(_MANIFEST.version_attribute)
    write_id = head.get(_MANIFEST.write_id_attribute)
    number = version.get("N") if isinstance(version, Mapping) else None
    text = write_id.get("S") if isinstance(write_id, Mapping) else None
    setattr(
        instance, _VERSION, int(number) if isinstance(number, str) and number.isdigit() else None
    )
    setattr(instance, _WRITE_ID, text if isinstance(text, str) else None)


def read_version(instance: Model) -> tuple[int | None, str | None]:
    """The (version, write id) `instance` was read at; (None, None) if it was not read."""
    return getattr(instance, _VERSION, None), getattr(instance, _WRITE_ID, None)


def write(
    instance: Model,
    base: type[Model],
    chunking: Chunking,
    *,
    primary_key: tuple[str, ...],
    python_names: Mapping[str, str],
    entity: str,
    create: bool,
) -> None:
    key, attributes = split(instance, primary_key)
    expected, write_id = (None, None) if create else read_version(instance)
    if expected is None:
        write_id = None
    try:
        done = store(type(instance), base, chunking).write(
            key,
            attributes,
            payload_of(instance, chunking, python_names),
            expected_version=expected,
            expected_write_id=write_id,
        )
    except ChunkConflictError as err:
        plain = {name: next(iter(value.values())) for name, value in key.items()}
        if expected is None:
            raise ItemExistsError(entity, plain) from err
        raise VersionConflictError(entity, plain, expected) from err
    setattr(instance, _VERSION, done.version)
    setattr(instance, _WRITE_ID, done.write_id)


def read(
    cls: type[M],
    base: type[Model],
    chunking: Chunking,
    key: Mapping[str, Any],
    python_names: Mapping[str, str],
) -> M | None:
    record = store(cls, base, chunking).read(key)
    if record is None:
        return None
    instance = cls.from_raw_data({**key, **record.attributes})
    if chunking.codec == "binary":
        (name,) = chunking.attributes
        setattr(instance, python_names.get(name, name), record.payload)
    else:
        for name in chunking.attributes:
            setattr(instance, python_names.get(name, name), record.payload.get(name))
    setattr(instance, _VERSION, record.version)
    setattr(instance, _WRITE_ID, record.write_id)
    return instance


def delete(
    instance: Model,
    base: type[Model],
    chunking: Chunking,
    primary_key: tuple[str, ...],
    entity: str,
) -> None:
    """Delete the record (head, then chunks) at the version and write id `instance` was read
    at: `VersionConflictError` when the stored record is another one (or none),
    `VersionUnknownError`, before any request, when the instance was not read."""
    key, _ = split(instance, primary_key)
    version, write_id = read_version(instance)
    plain = {name: next(iter(value.values())) for name, value in key.items()}
    if version is None or write_id is None:
        raise VersionUnknownError(entity, plain)
    try:
        store(type(instance), base, chunking).delete(
            key, expected_version=version, expected_write_id=write_id
        )
    except ChunkConflictError as err:
        raise VersionConflictError(entity, plain, version) from err
    setattr(instance, _VERSION, None)  # no record now: a later put() is a create
    setattr(instance, _WRITE_ID, None)


def vacuum(base: type[Model], *, grace_seconds: float) -> VacuumStats:
    """Remove the chunk items of `base`'s table that no record points at (see `ChunkStore`).

    Refuses (`VacuumRefusedError`, before deleting anything) a table whose key schema is not
    the model's, or that holds an item in the chunk key space that is not a chunk or intent
    item of one of the model's chunked entities (its head key must match that entity's key
    templates).
    """
    hash_key = base._hash_key_attribute()  # type: ignore[no-untyped-call]
    specs = [
        spec
        for cls in _entity_classes(base)
        if (spec := getattr(cls, "_spec", None)) is not None and spec.chunking is not None
    ]

    def recognise(partition: AttributeValue, head_sort_key: str) -> bool:
        ((_, value),) = partition.items()
        for spec in specs:
            table = spec.table
            try:
                spec.codecs[table.partition_key].parse(value)
                spec.codecs[table.sort_key].parse(head_sort_key)
            except (KeyError, KeyValueError):
                continue
            return True
        return False

    return store(base, base, Chunking(())).vacuum(
        grace_seconds=grace_seconds, partition_key_type=hash_key.attr_type, recognise=recognise
    )


def _entity_classes(base: type[Model]) -> list[type[Model]]:
    found = [base]
    for cls in found:
        found.extend(sub for sub in cls.__subclasses__() if sub not in found)
    return found
