"""Errors the runtime raises to services. Each names what failed and what to do about it."""

from __future__ import annotations

from collections.abc import Mapping

from tablemodel.diagnostics import TableModelError

__all__ = [
    "BatchWriteError",
    "InvalidCursorError",
    "ItemExistsError",
    "ItemNotFoundError",
    "NotConfiguredError",
    "PartialItemError",
    "TableExistsError",
    "UnexpectedItemError",
    "VersionConflictError",
]


class NotConfiguredError(TableModelError):
    """The generated models were used before a table name was set."""


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
    instance back would erase them, so `put`, `create` and batch writes refuse it, and `modify`
    and `delete` refuse when they would need one of them. `fetch()` reads the whole item.
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


def _key_text(key: Mapping[str, object]) -> str:
    return "{" + ", ".join(f"{name}={value!r}" for name, value in key.items()) + "}"
