"""Create and delete the table the generated models describe."""

from __future__ import annotations

import time
from typing import Any

from pynamodb.models import Model

from tablemodel.runtime.configuration import ensure_configured
from tablemodel.runtime.errors import TableExistsError
from tablemodel.runtime.specs import MultiKeyIndex, TableSpec

__all__ = ["create_table", "delete_table"]

_PROJECTION = {"all": "ALL", "keys_only": "KEYS_ONLY", "include": "INCLUDE"}


def create_table(
    base: type[Model], table: TableSpec, *, wait: bool = True, exist_ok: bool = False
) -> None:
    """Create the table with its indexes, billing mode and stream, then turn TTL on.

    Raises `TableExistsError` when a table of that name exists, unless `exist_ok` (then the
    existing table is left as it is, without comparing its layout).
    """
    ensure_configured(base, table)
    if base.exists():
        if exist_ok:
            return
        raise TableExistsError(
            f"table {base.Meta.table_name!r} exists already; tablemodel does not modify a "
            "table it did not create"
        )
    if table.multi_key_indexes:
        _create_with_multi_key_indexes(base, table, wait=wait)
    else:
        base.create_table(wait=wait)
    if table.ttl_attribute is not None:
        base._get_connection().update_time_to_live(table.ttl_attribute)


def _create_with_multi_key_indexes(base: type[Model], table: TableSpec, *, wait: bool) -> None:
    """CreateTable with the GSIs PynamoDB cannot declare (multi-attribute keys) added.

    PynamoDB's schema of the model gives the table, its LSIs and its single-attribute GSIs;
    each multi-attribute GSI adds its KeySchema (HASH attributes, then RANGE, in order) and
    the definitions of its attributes, each with its own type. PynamoDB's connection sends
    the request to botocore as it is (it orders KeySchema by key type, keeping that order).
    """
    schema: Any = base._get_schema()
    definitions: list[dict[str, str]] = list(schema["attribute_definitions"])
    defined = {d["AttributeName"] for d in definitions}
    indexes: list[dict[str, Any]] = list(schema["global_secondary_indexes"])
    meta: Any = base.Meta
    for index in table.multi_key_indexes:
        for name in index.key_names:
            if name not in defined:
                defined.add(name)
                definitions.append({"AttributeName": name, "AttributeType": table.key_types[name]})
        indexes.append(_index_schema(index, meta))
    options: dict[str, Any] = {}
    for setting in ("read_capacity_units", "write_capacity_units", "billing_mode"):
        if hasattr(meta, setting):
            options[setting] = getattr(meta, setting)
    if hasattr(meta, "stream_view_type"):
        options["stream_specification"] = {
            "stream_enabled": True,
            "stream_view_type": meta.stream_view_type,
        }
    connection = base._get_connection()
    connection.create_table(
        attribute_definitions=definitions,
        key_schema=schema["key_schema"],
        global_secondary_indexes=indexes,
        local_secondary_indexes=schema["local_secondary_indexes"],
        **options,
    )
    while wait:
        status = connection.describe_table().get("TableStatus")
        if status == "ACTIVE":
            return
        time.sleep(1)


def _index_schema(index: MultiKeyIndex, meta: Any) -> dict[str, Any]:
    projection: dict[str, Any] = {"ProjectionType": _PROJECTION[index.projection]}
    if index.attributes:
        projection["NonKeyAttributes"] = list(index.attributes)
    throughput: dict[str, int] = {}
    read = index.read_capacity or getattr(meta, "read_capacity_units", None)
    write = index.write_capacity or getattr(meta, "write_capacity_units", None)
    if read is not None and write is not None:
        throughput = {"ReadCapacityUnits": read, "WriteCapacityUnits": write}
    return {
        "index_name": index.name,
        "key_schema": [
            *({"AttributeName": n, "KeyType": "HASH"} for n in index.partition_keys),
            *({"AttributeName": n, "KeyType": "RANGE"} for n in index.sort_keys),
        ],
        "projection": projection,
        "provisioned_throughput": throughput,
    }


def delete_table(base: type[Model], table: TableSpec) -> None:
    """Delete the table (every item in it is lost)."""
    ensure_configured(base, table)
    base.delete_table()
