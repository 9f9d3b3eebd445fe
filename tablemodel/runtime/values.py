"""Typed attribute values: the checks a model declares, applied before anything is written.

A `Rule` repeats one attribute's declaration from the model (type, optional, bounds, charset,
enum values). Generated entities hold one per attribute and call `Rule.check` on every value
they are given, so a value the model forbids raises `AttributeValueError` naming the entity,
the attribute and the bound, before any request is sent.

`Rule.key_part` and `Rule.from_key_part` convert a value to and from the form it takes inside a
key (dates and times as fixed-width UTC text, booleans as `true`/`false`), the same forms the
static checker assumes.

`AttributeType` is the list of attribute types, declared once here: the model language
(`tablemodel.schema.model`), the generator and the run import it, and every table keyed by type
ends in `assert_never`, so that mypy reports a type one of them forgets.

Only the standard library and the key-language modules are imported.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import field, replace
from decimal import Decimal, InvalidOperation
from typing import Literal, assert_never

from tablemodel.diagnostics import TableModelError
from tablemodel.keylang.charset import CharSet
from tablemodel.records import record
from tablemodel.runtime.keys import PartKind, PartSpec

__all__ = [
    "DATETIME_FORMAT",
    "AttributeType",
    "AttributeValueError",
    "CollectionType",
    "Number",
    "Rule",
    "format_datetime",
    "parse_datetime",
    "to_decimal",
]

AttributeType = Literal[
    "string",
    "number",
    "integer",
    "boolean",
    "binary",
    "datetime",
    "date",
    "enum",
    "list",
    "map",
    "string_set",
    "number_set",
    "binary_set",
]
"""The types an attribute may declare (`type:` in the model)."""

CollectionType = Literal["list", "map", "string_set", "number_set", "binary_set"]

Number = Decimal | int | float
"""What a `number` attribute accepts; it is stored and read back as a `Decimal`."""

DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
"""Datetimes are stored as UTC text of fixed width, so text order is time order."""

_MAX_DIGITS = 38


class AttributeValueError(TableModelError, ValueError):
    """A value breaks its attribute's declaration: `RaceResult.output: -1 is below minimum 0`."""

    def __init__(self, entity: str, attribute: str, reason: str) -> None:
        self.entity = entity
        self.attribute = attribute
        self.reason = reason
        super().__init__(f"{entity}.{attribute}: {reason}")


_Fail = Callable[[str], "AttributeValueError"]


def to_decimal(value: object) -> Decimal:
    """A DynamoDB number as an exact `Decimal` (floats through their shortest repr)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        msg = f"a number was expected, got {type(value).__name__}"
        raise TypeError(msg)
    if isinstance(value, float):
        if not math.isfinite(value):
            msg = f"{value} is not a finite number"
            raise ValueError(msg)
        return Decimal(repr(value))
    number = Decimal(value)
    if not number.is_finite():
        msg = f"{number} is not a finite number"
        raise ValueError(msg)
    digits = len("".join(map(str, number.as_tuple().digits)).strip("0"))
    if digits > _MAX_DIGITS:
        msg = f"{digits} significant digits; DynamoDB numbers hold at most {_MAX_DIGITS}"
        raise ValueError(msg)
    if not number.is_zero() and not -130 <= number.adjusted() <= 125:
        msg = f"{number} is outside DynamoDB's number range (1E-130 to under 1E126)"
        raise ValueError(msg)
    return number


def format_datetime(value: dt.datetime) -> str:
    """`value` as stored: UTC, microseconds, `Z` (naive datetimes are refused)."""
    if value.tzinfo is None or value.utcoffset() is None:
        msg = "naive datetime: give a timezone (datetime.timezone.utc) so the instant is known"
        raise ValueError(msg)
    utc = value.astimezone(dt.UTC)
    # strftime's %Y writes years before 1000 with fewer digits (`5-01-01T...`) on glibc: text
    # that parse_datetime cannot read back and that sorts out of order. Four digits always.
    return f"{utc.year:04d}" + utc.strftime(DATETIME_FORMAT.removeprefix("%Y"))


def parse_datetime(text: str) -> dt.datetime:
    """The aware UTC datetime of stored text; ValueError for any other form."""
    return dt.datetime.strptime(text, DATETIME_FORMAT).replace(tzinfo=dt.UTC)


@record
class Rule:
    """One attribute's declaration, as the generated code repeats it from the model."""

    kind: AttributeType
    optional: bool = False
    min_length: int | None = None
    max_length: int | None = None
    charset: str | None = None
    minimum: Number | None = None
    maximum: Number | None = None
    max_items: int | None = None
    values: tuple[str, ...] = ()
    _chars: CharSet | None = field(init=False, repr=False, compare=False, default=None)

    def __post_init__(self) -> None:
        if self.charset is not None:
            object.__setattr__(self, "_chars", CharSet.parse(self.charset))

    def operand(self) -> Rule:
        """The rule a filter's operand keeps to: the attribute's type (an enum's values
        included) without its bounds. `total >= -1`, or a `begins_with` prefix shorter than
        `min_length`, asks about stored values; it is not a value to store."""
        return replace(
            self,
            min_length=None,
            max_length=None,
            charset=None,
            minimum=None,
            maximum=None,
            max_items=None,
        )

    # -- writing -----------------------------------------------------------------------------

    def check(self, entity: str, name: str, value: object) -> object:
        """`value` validated and normalised for storage; `None` only for optional attributes."""

        def fail(reason: str) -> AttributeValueError:
            return AttributeValueError(entity, name, reason)

        if value is None:
            if self.optional:
                return None
            raise fail("is required (the model does not mark it optional)")
        try:
            return self._check(value, fail)
        except (TypeError, ValueError) as err:
            if isinstance(err, AttributeValueError):
                raise
            raise fail(str(err)) from None

    def _check(self, value: object, fail: _Fail) -> object:
        kind = self.kind
        match kind:
            case "string" | "enum":
                if not isinstance(value, str):
                    raise fail(f"must be a str, got {type(value).__name__}")
                text = unicodedata.normalize("NFC", value)
                if kind == "enum" and text not in self.values:
                    raise fail(f"{text!r} is not one of {', '.join(map(repr, self.values))}")
                self._length(len(text), "characters", fail)
                if self._chars is not None:
                    bad = next((ch for ch in text if ch not in self._chars), None)
                    if bad is not None:
                        raise fail(f"holds {bad!r}, outside its charset {self.charset}")
                return text
            case "binary":
                if not isinstance(value, bytes | bytearray):
                    raise fail(f"must be bytes, got {type(value).__name__}")
                self._length(len(value), "bytes", fail)
                return bytes(value)
            case "boolean":
                if not isinstance(value, bool):
                    raise fail(f"must be a bool, got {type(value).__name__}")
                return value
            case "integer":
                if isinstance(value, bool) or not isinstance(value, int):
                    raise fail(f"must be an int, got {type(value).__name__}")
                to_decimal(value)
                self._bounds(value, fail)
                return value
            case "number":
                number = to_decimal(value)
                self._bounds(number, fail)
                return number
            case "datetime":
                if not isinstance(value, dt.datetime):
                    raise fail(f"must be a datetime, got {type(value).__name__}")
                format_datetime(value)
                return value.astimezone(dt.UTC)
            case "date":
                if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
                    raise fail(f"must be a date, got {type(value).__name__}")
                return value
            case "list" | "map" | "string_set" | "number_set" | "binary_set":
                return self._collection(kind, value, fail)
            case _:
                assert_never(kind)

    def _collection(self, kind: CollectionType, value: object, fail: _Fail) -> object:
        match kind:
            case "list":
                if not isinstance(value, list | tuple):
                    raise fail(f"must be a list, got {type(value).__name__}")
                self._items(len(value), fail)
                return list(value)
            case "map":
                if not isinstance(value, Mapping):
                    raise fail(f"must be a mapping, got {type(value).__name__}")
                self._items(len(value), fail)
                return dict(value)
            case "string_set" | "number_set" | "binary_set":
                if not isinstance(value, set | frozenset):
                    raise fail(f"must be a set, got {type(value).__name__}")
                self._items(len(value), fail)
                if kind == "string_set":
                    if not all(isinstance(v, str) for v in value):
                        raise fail("a string set holds only str")
                    return set(value)
                if kind == "number_set":
                    return {to_decimal(v) for v in value}
                if not all(isinstance(v, bytes | bytearray) for v in value):
                    raise fail("a binary set holds only bytes")
                return {bytes(v) for v in value}
            case _:
                assert_never(kind)

    def _length(self, length: int, unit: str, fail: _Fail) -> None:
        if self.max_length is not None and length > self.max_length:
            raise fail(f"is {length:,} {unit} long, over its max_length of {self.max_length:,}")
        if self.min_length is not None and length < self.min_length:
            raise fail(f"is {length:,} {unit} long, under its min_length of {self.min_length:,}")

    def _bounds(self, number: int | Decimal, fail: _Fail) -> None:
        if self.minimum is not None and number < to_decimal(self.minimum):
            raise fail(f"{number} is below its minimum {self.minimum}")
        if self.maximum is not None and number > to_decimal(self.maximum):
            raise fail(f"{number} is above its maximum {self.maximum}")

    def _items(self, count: int, fail: _Fail) -> None:
        if self.max_items is not None and count > self.max_items:
            raise fail(f"holds {count:,} items, over its max_items of {self.max_items:,}")

    # -- keys --------------------------------------------------------------------------------

    def part_spec(self) -> PartSpec:
        """How the key codec treats this attribute inside a key template."""
        kind: PartKind = "string"
        if self.kind == "integer":
            kind = "integer"
        elif self.kind == "number":
            kind = "number"
        charset = self._chars
        max_length = self.max_length if self.kind == "string" else None
        if self.kind == "enum":
            charset = CharSet.of("".join(self.values))
            max_length = max(len(v) for v in self.values)
        return PartSpec(kind, charset=charset, max_length=max_length)

    def key_part(self, value: object) -> object:
        """A checked value in the form the key codec composes."""
        if self.kind == "datetime" and isinstance(value, dt.datetime):
            return format_datetime(value)
        if self.kind == "date" and isinstance(value, dt.date):
            return value.isoformat()
        if self.kind == "boolean" and isinstance(value, bool):
            return "true" if value else "false"
        if self.kind == "binary":
            msg = "binary attributes cannot be parts of a string key template"
            raise TypeError(msg)
        return value

    def from_key_part(self, value: object) -> object:
        """The attribute value of a part the key codec parsed back."""
        try:
            if self.kind == "datetime" and isinstance(value, str):
                return parse_datetime(value)
            if self.kind == "date" and isinstance(value, str):
                return dt.date.fromisoformat(value)
            if self.kind == "boolean" and isinstance(value, str):
                return {"true": True, "false": False}[value]
        except (KeyError, ValueError, InvalidOperation) as err:
            msg = f"key part {value!r} is not a {self.kind}"
            raise ValueError(msg) from err
        return value
