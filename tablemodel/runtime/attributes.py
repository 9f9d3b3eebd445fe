"""PynamoDB attribute types for the values PynamoDB itself stores lossily.

PynamoDB's `NumberAttribute` goes through JSON, so numbers come back as floats; datetimes in its
`UTCDateTimeAttribute` are fine but naive values pass silently. The generated models use these
instead: numbers stay exact `Decimal`s, integers stay `int`s, datetimes are fixed-width UTC text
(text order is time order, so they sort correctly in keys), dates are ISO text.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pynamodb.attributes import Attribute
from pynamodb.constants import NUMBER, NUMBER_SET, STRING

from tablemodel.runtime.values import format_datetime, parse_datetime, to_decimal

__all__ = [
    "DateAttribute",
    "DateTimeAttribute",
    "DecimalAttribute",
    "DecimalSetAttribute",
    "IntegerAttribute",
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
