"""PynamoDB attribute types for the values PynamoDB itself stores lossily.

PynamoDB's `NumberAttribute` goes through JSON, so numbers come back as floats; datetimes in its
`UTCDateTimeAttribute` are fine but naive values pass silently. The generated models use these
instead: numbers stay exact `Decimal`s, integers stay `int`s, datetimes are fixed-width UTC text
(text order is time order, so they sort correctly in keys), dates are ISO text. And the
version attribute of optimistic locking names itself whole in the expressions PynamoDB builds
for it (`tablemodel.runtime.expressions`), whatever characters the model gives its name.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, cast

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from pynamodb.attributes import Attribute
from pynamodb.attributes import VersionAttribute as _PynamoVersionAttribute
from pynamodb.constants import LIST, MAP, NUMBER, NUMBER_SET, STRING
from pynamodb.expressions.condition import Comparison, NotExists
from pynamodb.expressions.update import AddAction, RemoveAction, SetAction

from tablemodel.runtime.expressions import NamePath
from tablemodel.runtime.values import format_datetime, parse_datetime, to_decimal

__all__ = [
    "DateAttribute",
    "DateTimeAttribute",
    "DecimalAttribute",
    "DecimalSetAttribute",
    "IntegerAttribute",
    "ListValueAttribute",
    "MapValueAttribute",
    "VersionAttribute",
]


class DecimalAttribute(Attribute[Decimal]):
    """A number, exact: stored as DynamoDB's N text, read back as `Decimal`."""

    attr_type = NUMBER

    def serialize(self, value: Any) -> str:
        return str(to_decimal(value))

    def deserialize(self, value: Any) -> Decimal:
        return Decimal(value)


class IntegerAttribute(Attribute[int]):
    """An integer, exact at any size DynamoDB allows (38 digits)."""

    attr_type = NUMBER

    def serialize(self, value: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, int):
            msg = f"an int was expected, got {type(value).__name__}"
            raise TypeError(msg)
        return str(value)

    def deserialize(self, value: Any) -> int:
        return int(Decimal(value))


class DecimalSetAttribute(Attribute[set[Decimal]]):
    """A number set of exact `Decimal`s; an empty set is not stored (DynamoDB has none)."""

    attr_type = NUMBER_SET
    null = True

    def serialize(self, value: Any) -> list[str] | None:
        return sorted(str(to_decimal(v)) for v in value) or None

    def deserialize(self, value: Any) -> set[Decimal]:
        return {Decimal(v) for v in value}


class DateTimeAttribute(Attribute[dt.datetime]):
    """An aware datetime as `YYYY-MM-DDTHH:MM:SS.ffffffZ` (UTC); naive values are refused."""

    attr_type = STRING

    def serialize(self, value: Any) -> str:
        return format_datetime(value)

    def deserialize(self, value: Any) -> dt.datetime:
        return parse_datetime(value)


class DateAttribute(Attribute[dt.date]):
    """A calendar date as `YYYY-MM-DD`."""

    attr_type = STRING

    def serialize(self, value: Any) -> str:
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            msg = f"a date was expected, got {type(value).__name__}"
            raise TypeError(msg)
        return value.isoformat()

    def deserialize(self, value: Any) -> dt.date:
        return dt.date.fromisoformat(value)


_SERIALIZER = TypeSerializer()
_DESERIALIZER = TypeDeserializer()


def _exact(value: Any) -> Any:
    """Floats become exact Decimals (boto3's serializer refuses floats)."""
    if isinstance(value, float):
        return to_decimal(value)
    if isinstance(value, dict):
        return {k: _exact(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_exact(v) for v in value]
    if isinstance(value, set | frozenset):
        return {_exact(v) for v in value}
    return value


class MapValueAttribute(Attribute[dict[str, Any]]):
    """A free-form map; numbers inside read back as exact `Decimal`s."""

    attr_type = MAP

    def serialize(self, value: Any) -> Any:
        return _SERIALIZER.serialize(_exact(dict(value)))[MAP]

    def deserialize(self, value: Any) -> dict[str, Any]:
        result: dict[str, Any] = _DESERIALIZER.deserialize({MAP: value})
        return result


class ListValueAttribute(Attribute[list[Any]]):
    """A free-form list; numbers inside read back as exact `Decimal`s."""

    attr_type = LIST

    def serialize(self, value: Any) -> Any:
        return _SERIALIZER.serialize(_exact(list(value)))[LIST]

    def deserialize(self, value: Any) -> list[Any]:
        result: list[Any] = _DESERIALIZER.deserialize({LIST: value})
        return result


class VersionAttribute(_PynamoVersionAttribute):
    """PynamoDB's optimistic-locking attribute, with its conditions and actions named whole.

    PynamoDB builds `version = :v`, `attribute_not_exists(version)`, `SET version = :1` and
    `ADD version :1` itself on every versioned write; here they go through `NamePath`.
    """

    def __eq__(self, other: Any) -> Comparison:  # type: ignore[override]
        return cast(Comparison, NamePath(self) == other)

    # As every PynamoDB attribute: `__eq__` builds a condition, so there is no hash.
    __hash__ = None  # type: ignore[assignment]

    def does_not_exist(self) -> NotExists:
        return NamePath(self).does_not_exist()

    def set(self, value: Any) -> SetAction | RemoveAction:
        return NamePath(self).set(value)

    def add(self, *values: Any) -> AddAction:
        return NamePath(self).add(*values)
