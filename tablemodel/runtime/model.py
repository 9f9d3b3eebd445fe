"""The base class of every generated table model: PynamoDB's `Model`, with no unsafe write.

A generated module's table class derives from `TableItem` rather than from PynamoDB's `Model`.
Entities inherit every member PynamoDB defines, and PynamoDB's own writes know nothing of what
tablemodel's entities need: `save()` of a chunked record would replace its head without the
chunk manifest (the record would then read as absent), `delete()` would remove the head alone
whatever version is stored, and writing back an instance that a partial read produced would
erase what the read did not return. So every member that writes either follows tablemodel's
protocol or raises before any request:

- `save`, and `get_save_kwargs_from_instance`: on a chunked entity `UnsupportedWriteError`
  (use `put()` or `create()`); on a partially read instance `PartialItemError`.
- `update`, and `get_update_kwargs_from_instance`: the same (`modify()` or `put()` instead).
- `delete`: on a chunked entity the chunk protocol (head, then chunks) at the version the
  instance was read at, `VersionUnknownError` for an instance that was not read; on a
  partially read instance `PartialItemError` when it needs the version the read lacked.
- `get_delete_kwargs_from_instance`: on a chunked entity `UnsupportedWriteError` (use
  `delete()`); otherwise as `delete`.
- `batch_write()`: its `save` and `delete` refuse chunked and versioned entities
  (`UnsupportedWriteError`), and its `save` partially read instances (`PartialItemError`).
- Otherwise (whole instances of plain entities) PynamoDB's behaviour, with `delete` mapping a
  lost race to `VersionConflictError`.

(`get_*_kwargs_from_instance` are what `pynamodb.transactions.TransactWrite` builds its
actions with.) Reads stay PynamoDB's, with two additions: an instance built from a chunked
entity's item by any read (`from_raw_data`, which `get`, `query`, `scan`, `batch_get` and
`TransactGet` use) keeps the version it was read at and lacks its payload until `fetch()`;
`refresh()` reads the item again as `tablemodel.runtime.entities.refresh` describes. And every
request goes through `_get_connection`, which raises `NotConfiguredError` first when no table
name or no region is set. `tests/test_generated_models.py` lists every public member of
PynamoDB's `Model` and fails on one it does not classify.
"""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

from pynamodb.connection import TableConnection
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import BatchWrite, Model

from tablemodel.runtime import configuration, entities
from tablemodel.runtime.batch import checked_spec
from tablemodel.runtime.errors import UnsupportedWriteError
from tablemodel.runtime.specs import EntitySpec, TableSpec

__all__ = ["CheckedBatchWrite", "TableItem"]

_T = TypeVar("_T", bound=Model)

# Each PynamoDB write: (its name in messages, the verb of PartialItemError, why it cannot
# write a chunked record and what to call instead).
_WRITES = {
    "save": (
        "save()",
        "save",
        "PynamoDB's save() would replace the record's head without its chunk manifest, and the "
        "record would then read as absent; use put() or create(), which write the whole record",
    ),
    "update": (
        "update()",
        "update",
        "PynamoDB's update() would change the record's head outside its version; change the "
        "instance and put() it",
    ),
    "transact-save": (
        "TransactWrite.save",
        "transact-write",
        "a transaction would replace the record's head without its chunk manifest; use put() "
        "or create()",
    ),
    "transact-update": (
        "TransactWrite.update",
        "transact-write",
        "a transaction would change the record's head outside its version; change the "
        "instance and put() it",
    ),
    "transact-delete": (
        "TransactWrite.delete",
        "transact-delete",
        "a transaction would remove the record's head and leave its chunks; use delete()",
    ),
}


def _spec(instance: Model) -> EntitySpec | None:
    spec = getattr(type(instance), "_spec", None)
    return spec if isinstance(spec, EntitySpec) else None


def _refuse(instance: Model, write: str) -> None:
    """Raise if PynamoDB's `write` would bypass what the instance's entity needs."""
    spec = _spec(instance)
    if spec is None:
        return
    name, verb, reason = _WRITES[write]
    if spec.chunking is not None:
        raise UnsupportedWriteError(spec.name, name, f"{spec.name} is chunked: {reason}")
    entities.refuse_partial(instance, spec, verb)


def _refuse_delete(instance: Model, *, add_version_condition: bool) -> None:
    spec = _spec(instance)
    if spec is None:
        return
    name, verb, reason = _WRITES["transact-delete"]
    if spec.chunking is not None:
        raise UnsupportedWriteError(spec.name, name, f"{spec.name} is chunked: {reason}")
    if spec.version and add_version_condition:
        entities.refuse_partial(instance, spec, verb, {spec.version})


class TableItem(Model):
    """PynamoDB's `Model` whose writes cannot bypass tablemodel's protocols (see the module).

    Generated code sets `_table` on its table class and `_spec` on each entity class.
    """

    _table: ClassVar[TableSpec]
    _spec: ClassVar[EntitySpec]

    @classmethod
    def _get_connection(cls) -> TableConnection:
        table = getattr(cls, "_table", None)
        if isinstance(table, TableSpec):
            configuration.ensure_configured(configuration.root_model(cls), table)
        return super()._get_connection()

    # -- reads --

    @classmethod
    def from_raw_data(cls: type[_T], data: dict[str, Any]) -> _T:
        instance = super().from_raw_data(data)
        entities.loaded(instance, data)
        return instance

    def refresh(self, consistent_read: bool = False) -> None:
        """Read the item again, with what a partial read lacked (a chunked record's head:
        its payload comes with `fetch()`)."""
        spec = _spec(self)
        if spec is None:
            super().refresh(consistent_read)
            return
        entities.refresh(self, spec, consistent_read=consistent_read)

    # -- writes --

    def save(
        self, condition: Condition | None = None, *, add_version_condition: bool = True
    ) -> dict[str, Any]:
        _refuse(self, "save")
        return super().save(condition, add_version_condition=add_version_condition)

    def update(
        self,
        actions: list[Action],
        condition: Condition | None = None,
        *,
        add_version_condition: bool = True,
    ) -> Any:
        _refuse(self, "update")
        return super().update(actions, condition, add_version_condition=add_version_condition)

    def delete(
        self, condition: Condition | None = None, *, add_version_condition: bool = True
    ) -> Any:
        spec = _spec(self)
        if spec is None:
            return super().delete(condition, add_version_condition=add_version_condition)
        return entities.delete(self, spec, condition, add_version_condition=add_version_condition)

    def get_save_kwargs_from_instance(
        self,
        condition: Condition | None = None,
        return_values_on_condition_failure: str | None = None,
    ) -> dict[str, Any]:
        _refuse(self, "transact-save")
        return super().get_save_kwargs_from_instance(condition, return_values_on_condition_failure)

    def get_update_kwargs_from_instance(
        self,
        actions: list[Action],
        condition: Condition | None = None,
        return_values_on_condition_failure: str | None = None,
        *,
        add_version_condition: bool = True,
    ) -> dict[str, Any]:
        _refuse(self, "transact-update")
        return super().get_update_kwargs_from_instance(
            actions,
            condition,
            return_values_on_condition_failure,
            add_version_condition=add_version_condition,
        )

    def get_delete_kwargs_from_instance(
        self,
        condition: Condition | None = None,
        return_values_on_condition_failure: str | None = None,
        *,
        add_version_condition: bool = True,
    ) -> dict[str, Any]:
        _refuse_delete(self, add_version_condition=add_version_condition)
        return super().get_delete_kwargs_from_instance(
            condition,
            return_values_on_condition_failure,
            add_version_condition=add_version_condition,
        )

    @classmethod
    def batch_write(cls: type[_T], auto_commit: bool = True) -> BatchWrite[_T]:
        return CheckedBatchWrite(cls, auto_commit=auto_commit)


class CheckedBatchWrite(BatchWrite[_T]):
    """PynamoDB's batch context whose `save` and `delete` refuse, before queueing (and so
    before the request a full batch sends), what the module's `batch_write()` refuses:
    chunked and versioned entities, and puts of partially read instances."""

    def save(self, put_item: _T) -> None:
        spec = checked_spec(put_item, "batch_write().save")
        if spec is not None:
            entities.refuse_partial(put_item, spec, "batch-write")
        super().save(put_item)

    def delete(self, del_item: _T) -> None:
        checked_spec(del_item, "batch_write().delete")
        super().delete(del_item)
