"""Create and delete the table the generated models describe."""

from __future__ import annotations

from pynamodb.models import Model

from tablemodel.runtime.configuration import ensure_configured
from tablemodel.runtime.errors import TableExistsError
from tablemodel.runtime.specs import TableSpec

__all__ = ["create_table", "delete_table"]


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
    base.create_table(wait=wait)
    if table.ttl_attribute is not None:
        base._get_connection().update_time_to_live(table.ttl_attribute)


def delete_table(base: type[Model], table: TableSpec) -> None:
    """Delete the table (every item in it is lost)."""
    ensure_configured(base, table)
    base.delete_table()
