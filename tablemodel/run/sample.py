"""Sample items for `check --run`: generated from the model's `sample` section, or loaded.

A run is only as good as its data. A key design that confuses racer `1` with racer `10`, or
that breaks on an ID holding its delimiter, looks correct on `racer-1`, `racer-2`, `racer-3`.
So the generator is hostile by default, always within what the model declares (charset,
lengths, bounds, enum values, the width of `{n:04d}` placeholders):

- IDs holding the key delimiters and the escape character (`ab#c`, `a\\b`), IDs that are
  prefixes of other IDs (`1` and `10`, `ab` and `ab#c`), case variants (`ABC`, `abc`),
  non-ASCII and decomposed Unicode (`café` written both ways), values at exactly `max_length`,
  the literal text of the model's own templates inside values;
- numbers of different widths and magnitudes (0, 9, 10, 1000, 0.5, `1.5` next to `1.50`),
  negative only where `minimum` allows, integers at the edge of a template's width;
- datetimes at the edges of the stored format and in other time zones (the same instant twice).

With `hostile: false` the values are plain and readable (`racer-01`, `racer-02`).

The data is relational, because single-table bugs live where entity types meet: attributes
with the same name draw from one shared pool (racer IDs of profiles, results and leaderboards
overlap), and an entity with a `parent` copies its parent item's values for every attribute of
the same name, so a partition really holds several entity types. No two items of one entity
compose the same table key. Everything is seeded: the same seed gives the same items.

Fixture files (`sample.fixtures`, relative to the model file) add explicit items, or replace
the generated ones with `generate: false`. JSON Lines (`.jsonl`, one item per line) or YAML
(`.yaml`, a list of items); an item is `{"entity": "Racer", "values": {...}}`, and each value
is read by its attribute's declared type:

| type | written as |
|---|---|
| string, enum | a string |
| number | a number, read exactly (`0.1` is `Decimal("0.1")`), or a string holding one |
| integer | an integer |
| boolean | true or false |
| datetime | an ISO 8601 string with `Z` or an offset (YAML timestamps too) |
| date | `"YYYY-MM-DD"` (YAML dates too) |
| binary | `{"$base64": "AAE="}` |
| list | a list; elements by the list's `items` type, else as in a map |
| map | an object; numbers read exactly, `{"$base64": ...}` as binary, the rest as written |
| string_set, number_set, binary_set | a list of distinct elements, written as above |

An absent or null value leaves an optional attribute out. `dump_samples` writes the same
convention, so a dump loads back as a fixture file holding the same items.
"""

from __future__ import annotations

import base64
import binascii
import copy
import datetime as dt
import itertools
import json
import math
import os
import random
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

import yaml

from tablemodel.design import Design, EntityDesign, PatternDesign, rule_of
from tablemodel.diagnostics import PathPart, TableModelError, did_you_mean
from tablemodel.keylang.charset import CharSet, CharSetSyntaxError
from tablemodel.keylang.templates import Literal as TemplateLiteral
from tablemodel.run.intent import compare_stored, parameter_of, stored
from tablemodel.run.items import SampleItem
from tablemodel.runtime.keys import PARTITION_KEY_MAX_BYTES, SORT_KEY_MAX_BYTES, KeyCodec
from tablemodel.runtime.values import AttributeValueError, Rule, format_datetime, to_decimal
from tablemodel.schema.model import AttributeSpec, SampleEntity

__all__ = [
    "DEFAULT_COUNT",
    "DEFAULT_PER_PARENT",
    "SampleError",
    "SampleItem",
    "dump_samples",
    "generate_samples",
    "load_fixture",
    "parameter_sets",
]

DEFAULT_COUNT = 3
"""Items of an entity the sample section does not count."""

DEFAULT_PER_PARENT = 3
"""Items for each parent item when `per_parent` is not given."""

_REDRAWS = 30  # attempts at a fresh table key before an item is dropped
_LONGEST = 16_384  # longest string generated at exactly max_length (larger ones stay shorter)
_ITEM_BUDGET = 380_000  # bytes an item may take (DynamoDB: 409,600; moto counts its own way)
_BASE64 = "$base64"
_TTL_BASE = 4_102_444_800  # 2100-01-01: TTL values far in the future, so no engine expires them


class SampleError(TableModelError, ValueError):
    """Sample data that cannot be generated or loaded: where it is and what was expected."""

    def __init__(self, where: str, problem: str, expected: str | None = None) -> None:
        self.where = where
        self.problem = problem
        self.expected = expected
        super().__init__(f"{where}: {problem}" + (f"; expected {expected}" if expected else ""))


# ---------------------------------------------------------------------------------------------
# Entities as the generator sees them


class _Shape:
    """One entity's rules, key codecs and table-key attributes, built once per run."""

    def __init__(self, design: Design, entity: EntityDesign) -> None:
        self.name = entity.name
        self.entity = entity
        self.design = design
        self.version = entity.spec.version_attribute
        self.rules: dict[str, Rule] = {}
        for attr, spec in entity.spec.attributes.items():
            try:
                self.rules[attr] = rule_of(spec)
            except CharSetSyntaxError as err:
                path = (*entity.path, "attributes", attr, "charset")
                raise SampleError(str(design.locate(path)), err.message) from None
        codec = design.model.table.key_codec
        limits = _key_limits(design)
        self.codecs: dict[str, KeyCodec] = {}
        self.widths: dict[str, int] = {}
        for key_attr, template in entity.templates.items():
            for variable in template.variables:
                if variable.width is not None:
                    known = self.widths.get(variable.name, variable.width)
                    self.widths[variable.name] = min(known, variable.width)
            key_type = design.key_type(key_attr)
            if key_type == "B":
                continue
            try:
                self.codecs[key_attr] = KeyCodec(
                    entity.name,
                    key_attr,
                    template,
                    {v: self.rules[v].part_spec() for v in template.variable_names},
                    key_type="N" if key_type == "N" else "S",
                    escape=codec.escape,
                    delimiters=codec.delimiters,
                    escape_char=codec.escape_character,
                    limit=limits.get(key_attr, SORT_KEY_MAX_BYTES),
                )
            except ValueError:
                continue  # the static check reports the template; keys fall back to values
        self.primary = design.table.key_names
        self.in_keys = {v for t in entity.templates.values() for v in t.variable_names}
        partition_keys = {
            i.partition_key.name for i in design.indexes.values() if entity.in_index(i)
        }
        self.partition_vars = {
            v
            for k in partition_keys
            if k in entity.templates
            for v in entity.templates[k].variable_names
        }
        sort_key = design.table.sort_key
        sort_template = entity.templates.get(sort_key.name) if sort_key is not None else None
        self.sort_vars = set(sort_template.variable_names) if sort_template is not None else set()
        self.identity_vars = tuple(
            dict.fromkeys(
                v
                for key in self.primary
                if key in entity.templates
                for v in entity.templates[key].variable_names
            )
        )

    def fits(self, attr: str, value: object) -> bool:
        """True when `value` passes the attribute's rule and can be a part of the entity's keys."""
        try:
            checked = self.rules[attr].check(self.name, attr, value)
        except AttributeValueError:
            return False
        if attr in self.in_keys:
            if checked == "":
                return False
            width = self.widths.get(attr)
            if width is not None and isinstance(checked, int) and not 0 <= checked < 10**width:
                return False
        chunking = self.entity.spec.chunking
        if chunking and chunking.codec == "json" and attr in chunking.attributes:
            return not _holds_bytes(checked)  # the json codec refuses them (and says so)
        return True

    def identity(self, values: Mapping[str, object]) -> tuple[object, ...]:
        """The item's table key, composed as the runtime composes it.

        Every other key the item writes is composed too, so an item whose index key would be
        refused (over the byte limit) raises here instead of failing the load. Raises
        ValueError (AttributeValueError, KeyValueError) or TypeError.
        """
        checked = {a: self.rules[a].check(self.name, a, v) for a, v in values.items()}
        keys: dict[str, object] = {}
        for key_attr, codec in self.codecs.items():
            variables = codec.template.variable_names
            if key_attr in self.primary or all(checked.get(v) is not None for v in variables):
                parts = {v: self.rules[v].key_part(checked.get(v)) for v in variables}
                keys[key_attr] = codec.compose({v: p for v, p in parts.items() if p is not None})
        out: list[object] = []
        for key_attr in self.primary:
            template = self.entity.templates.get(key_attr)
            if key_attr in keys:
                out.append(keys[key_attr])
            elif template is not None:
                out.append(tuple(stored(checked.get(v)) for v in template.variable_names))
            else:
                out.append(None)
        return tuple(out)


def _key_limits(design: Design) -> dict[str, int]:
    """Byte limit per key attribute: the lowest of the roles it plays (partition or sort key)."""
    limits: dict[str, int] = {}
    for index in design.indexes.values():
        limits.setdefault(index.partition_key.name, PARTITION_KEY_MAX_BYTES)
        if index.sort_key is not None:
            limits[index.sort_key.name] = SORT_KEY_MAX_BYTES
    return limits


# ---------------------------------------------------------------------------------------------
# Candidate values per attribute type


@dataclass(frozen=True)
class _Context:
    hostile: bool
    delimiters: str
    escape: str
    literals: tuple[str, ...]  # literal text of every key template in the model
    ttl: str | None


def _candidates(
    name: str, spec: AttributeSpec, count: int, ctx: _Context, widths: Sequence[int]
) -> tuple[list[object], list[object]]:
    """(hostile, plain) candidate values for an attribute; plain ones number at least `count`.

    Candidates may break the attribute's bounds: each entity keeps those its rule accepts.
    """
    kind = spec.type
    if kind == "string":
        return _strings(name, spec, count, ctx)
    if kind == "integer":
        return _integers(name, spec, count, ctx, widths)
    if kind == "number":
        return _numbers(spec, count, ctx)
    if kind == "enum":
        return [], list(spec.values)
    if kind == "boolean":
        return [], [True, False]
    if kind == "datetime":
        return _datetimes(count, ctx)
    if kind == "date":
        return _dates(count, ctx)
    if kind == "binary":
        return _binaries(spec, count, ctx)
    return _collections(name, spec, ctx)


def _strings(
    name: str, spec: AttributeSpec, count: int, ctx: _Context
) -> tuple[list[object], list[object]]:
    try:
        chars = CharSet.parse(spec.charset) if spec.charset else CharSet.any()
    except CharSetSyntaxError:
        chars = CharSet.any()  # refused by rule_of before any candidate is used
    low = max(spec.min_length or 1, 1)
    high = spec.max_length
    plain: list[object] = list(_plain_strings(name, count, chars, low, high))
    if not ctx.hostile:
        return [], plain
    d = ctx.delimiters[:1] or "#"
    e = ctx.escape
    raw = [
        # prefixes of one another, and digits whose text order differs from number order
        "1", "10", "2", f"b{d}10", f"b{d}2", "ab", f"ab{d}c", "abc", f"1{d}lap_2",
        # delimiters and the escape character, alone, at the ends, and escaping each other
        d, e, f"a{d}", f"{d}a", f"a{e}b", f"a{e}", f"{e}{d}", f"a{e}{d}b", e + e,
        # case variants, and upper case sorting before lower case
        "ABC", "Abc", "Z", "a",
        # non-ASCII: precomposed and decomposed, a singleton NFC change, CJK, 4-byte UTF-8
        "é", "e\u0301", "café", "cafe\u0301", "\u2126", "日本", "\uff5e", "\U0001f600",
        # spaces
        "a b", " a",
    ]  # fmt: skip
    raw += [f"x{c}y" for c in ctx.delimiters[1:]]
    for literal in ctx.literals[:8]:
        raw += [literal, f"x{literal}y"]
    fill = "x" if "x" in chars else chars.sample()
    if high is not None and high <= _LONGEST:
        raw += [fill * high, fill * max(high - 1, 1)]
        if high <= 1024 and "é" in chars:
            raw.append("é" * high)
    if low > 1:
        raw.append(fill * low)
    hostile = [s for s in raw if _string_fits(s, chars, low, high)]
    return _unique(hostile), plain


def _string_fits(text: str, chars: CharSet, low: int, high: int | None) -> bool:
    normal = unicodedata.normalize("NFC", text)
    if len(normal) < low or (high is not None and len(normal) > high):
        return False
    return all(ch in chars for ch in normal)


def _plain_strings(name: str, count: int, chars: CharSet, low: int, high: int | None) -> list[str]:
    """`racer-01`, `racer-02`, ...: readable, one length (so none is a prefix of another)."""
    stem = name[:-3] if name.endswith("_id") and len(name) > 3 else name
    width = len(str(count))
    out: dict[str, None] = {}
    for k in range(1, count + 1):
        number = _within(f"{k:0{width}d}", chars)
        head = _within(f"{stem}-", chars)
        if high is not None:
            head = head[: max(high - len(number), 0)]
        text = head + number
        if len(text) < low:
            text += ("x" if "x" in chars else chars.sample()) * (low - len(text))
        if high is not None:
            text = text[:high]
        if text and text not in out and _string_fits(text, chars, low, high):
            out[text] = None
    if len(out) < count:
        for text in _spelled(chars, low, high):
            if len(out) >= count:
                break
            out.setdefault(text, None)
    return list(out)


def _within(text: str, chars: CharSet) -> str:
    """`text` with each character outside `chars` swapped to its other case, else dropped."""
    out = []
    for ch in text:
        if ch in chars:
            out.append(ch)
        elif ch.swapcase() in chars:
            out.append(ch.swapcase())
    return "".join(out)


def _spelled(chars: CharSet, low: int, high: int | None) -> Iterable[str]:
    """Every string over a few readable members of `chars`, shortest first (up to 64 long)."""
    alphabet = _alphabet(chars)
    longest = min(high if high is not None else 64, 64)
    for length in range(low, longest + 1):
        for combo in itertools.product(alphabet, repeat=length):
            yield "".join(combo)


def _alphabet(chars: CharSet) -> list[str]:
    readable = [chr(c) for c in itertools.chain(range(97, 123), range(48, 58), range(65, 91))]
    members = [c for c in readable if c in chars][:16]
    if not members:
        members = [chr(lo) for lo, _ in chars.intervals[:16]]
    return members


def _integers(
    name: str, spec: AttributeSpec, count: int, ctx: _Context, widths: Sequence[int]
) -> tuple[list[object], list[object]]:
    low = math.ceil(spec.minimum) if spec.minimum is not None else None
    high = math.floor(spec.maximum) if spec.maximum is not None else None

    def inside(n: int) -> bool:
        return (low is None or n >= low) and (high is None or n <= high)

    if name == ctx.ttl:
        # Epoch seconds in 2100: a TTL in the past would let an engine delete items mid-run.
        return [], [n for n in (_TTL_BASE + 86_400 * k for k in range(count)) if inside(n)]
    start = 1 if low is None else max(low, 1)
    if high is not None and start + count - 1 > high:
        start = high - count + 1 if low is None else max(high - count + 1, low)
    plain: list[object] = [n for n in range(start, start + count) if inside(n)]
    if not ctx.hostile:
        return [], plain
    raw = [0, 1, 9, 10, 99, 100, 1000, 2**53 + 1, 10**15, -1, -10, -(2**31)]
    raw += [n for n in (low, high) if n is not None]
    raw += [n + 1 for n in (low,) if n is not None] + [n - 1 for n in (high,) if n is not None]
    for width in widths:
        raw += [10**width - 1, 10 ** (width - 1), 10 ** (width - 1) - 1]
    return _unique([n for n in raw if inside(n)]), plain


def _numbers(spec: AttributeSpec, count: int, ctx: _Context) -> tuple[list[object], list[object]]:
    low = to_decimal(spec.minimum) if spec.minimum is not None else None
    high = to_decimal(spec.maximum) if spec.maximum is not None else None

    def inside(n: Decimal) -> bool:
        return (low is None or n >= low) and (high is None or n <= high)

    plain = [Decimal(k) + Decimal("0.25") * (k % 4) for k in range(1, count + 1)]
    plain = [n for n in plain if inside(n)]
    if len(plain) < count:
        # Narrow bounds: spread the values evenly between them.
        bottom = low if low is not None else (high if high is not None else Decimal(0)) - 100
        top = high if high is not None else bottom + 100
        step = (top - bottom) / (count + 1)
        plain = [(bottom + step * k).quantize(Decimal("0.0001")) for k in range(1, count + 1)]
        plain = [n for n in plain if inside(n)]
    if not ctx.hostile:
        return [], list(plain)
    texts = ["0", "0.5", "9", "10", "1000", "1.5", "1.50", "0.001", "123.456", "1E+20"]
    texts += ["12345678901234567890.123456789", "-1", "-0.5"]
    raw = [Decimal(t) for t in texts] + [n for n in (low, high) if n is not None]
    return _unique([n for n in raw if inside(n)]), list(plain)


def _datetimes(count: int, ctx: _Context) -> tuple[list[object], list[object]]:
    utc = dt.UTC
    start = dt.datetime(2024, 1, 1, 12, 0, tzinfo=utc)
    plain: list[object] = [start + dt.timedelta(hours=25 * k) for k in range(count)]
    if not ctx.hostile:
        return [], plain
    india = dt.timezone(dt.timedelta(hours=5, minutes=30))
    hostile: list[object] = [
        dt.datetime(1970, 1, 1, tzinfo=utc),
        dt.datetime(2024, 1, 1, tzinfo=utc),
        dt.datetime(2024, 1, 1, 5, 30, tzinfo=india),  # the same instant, written in +05:30
        dt.datetime(2024, 1, 1, 0, 0, 0, 1, tzinfo=utc),
        dt.datetime(2000, 2, 29, 23, 59, 59, 999_999, tzinfo=utc),
        dt.datetime(1000, 1, 1, tzinfo=utc),
        dt.datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=utc),
    ]
    return hostile, plain


def _dates(count: int, ctx: _Context) -> tuple[list[object], list[object]]:
    plain: list[object] = [dt.date(2024, 1, 1) + dt.timedelta(days=k) for k in range(count)]
    if not ctx.hostile:
        return [], plain
    hostile: list[object] = [
        dt.date(1, 1, 1),
        dt.date(1999, 12, 31),
        dt.date(2000, 1, 1),
        dt.date(2024, 2, 29),
        dt.date(9999, 12, 31),
    ]
    return hostile, plain


def _binaries(spec: AttributeSpec, count: int, ctx: _Context) -> tuple[list[object], list[object]]:
    low = max(spec.min_length or 1, 1)
    high = spec.max_length

    def inside(b: bytes) -> bool:
        return len(b) >= low and (high is None or len(b) <= high)

    plain = [b"\x01" + k.to_bytes(4, "big") for k in range(count)]
    plain = [(b + b"\x00" * low)[: max(low, len(b))] for b in plain]
    plain = [b[:high] if high is not None else b for b in plain]
    if not ctx.hostile:
        return [], _unique([b for b in plain if inside(b)])
    raw = [b"\x00", b"\xff", b"#", b"\\", b"\x00\xff", b"\xff\x00", b"\x00" * low]
    if high is not None and high <= 1024:
        raw.append(b"\xff" * high)
    return _unique([b for b in raw if inside(b)]), _unique([b for b in plain if inside(b)])


def _collections(
    name: str, spec: AttributeSpec, ctx: _Context
) -> tuple[list[object], list[object]]:
    kind = spec.type
    plain: list[object]
    hostile: list[object]
    if kind == "list":
        if spec.items is not None:
            # The list's rule does not check its elements: keep those the item type accepts.
            special, simple = _candidates(name, spec.items, 3, ctx, ())
            rule = rule_of(spec.items)
            simple = [v for v in simple if _accepts(rule, v)]
            special = [v for v in special if _accepts(rule, v)]
            plain = [[], simple[:1], simple[:2]]
            hostile = [special[:6]] if special else []
        else:
            plain = [[], ["a"], ["a", Decimal("1.5")]]
            hostile = [[Decimal(0), True, None, ["x", {"k": "v"}], "#", "é", b"\x00"]]
    elif kind == "map":
        plain = [{}, {"k": "v"}, {"n": Decimal(1), "s": "x"}]
        hostile = [{"#": "a", "a.b": Decimal("0.5"), "é": [Decimal(1)], "m": {"k": None}}]
    elif kind == "string_set":
        plain = [{"a"}, {"a", "b"}]
        hostile = [{"#", "é", "e\u0301"}, {"1", "10"}]
    elif kind == "number_set":
        plain = [{Decimal(1)}, {Decimal(1), Decimal(2)}]
        hostile = [{Decimal("0.5"), Decimal(-1), Decimal("1E+20")}]
    else:
        plain = [{b"\x01"}, {b"\x01", b"\x02"}]
        hostile = [{b"\x00", b"\xff"}]
    return (hostile if ctx.hostile else []), plain


def _holds_bytes(value: object) -> bool:
    if isinstance(value, bytes | bytearray):
        return True
    if isinstance(value, Mapping):
        return any(_holds_bytes(v) for v in value.values())
    if isinstance(value, list | tuple | set | frozenset):
        return any(_holds_bytes(v) for v in value)
    return False


def _accepts(rule: Rule, value: object) -> bool:
    try:
        rule.check("list", "item", value)
    except AttributeValueError:
        return False
    return True


def _canon(value: object) -> tuple[str, object]:
    """A hashable identity that keeps apart what the generator wants apart.

    `café` in both normal forms, `1.5` and `1.50`, and one instant in two time zones are
    different candidates: that they compose the same key is what the run is meant to see.
    """
    if isinstance(value, str | bytes | bool | int):
        return type(value).__name__, value
    if isinstance(value, Decimal):
        return "Decimal", str(value)
    if isinstance(value, dt.date):
        return type(value).__name__, value.isoformat()
    if isinstance(value, set | frozenset):
        return "set", tuple(sorted(repr(v) for v in value))
    return type(value).__name__, repr(value)


def _unique(values: Iterable[Any]) -> list[Any]:
    out: dict[tuple[str, object], object] = {}
    for value in values:
        out.setdefault(_canon(value), value)
    return list(out.values())


# ---------------------------------------------------------------------------------------------
# Plans: counts, parents and the order entities are generated in


@dataclass(frozen=True)
class _Plan:
    name: str
    config: SampleEntity

    @property
    def parent(self) -> str | None:
        return self.config.parent

    def count(self, parents: int) -> int:
        if self.config.count is not None:
            return self.config.count
        if self.parent is None:
            return DEFAULT_COUNT
        return (self.config.per_parent or DEFAULT_PER_PARENT) * parents

    def per_parent(self, parents: int) -> int:
        """Children of each parent item; `count` spread in blocks when per_parent is not given."""
        if self.config.per_parent is not None:
            return self.config.per_parent
        if self.config.count is not None and parents:
            return max(1, math.ceil(self.config.count / parents))
        return DEFAULT_PER_PARENT


def _plans(design: Design) -> list[_Plan]:
    """Every entity, parents before their children; located errors for bad references."""
    sample = design.model.sample
    where = _model_locator(design)
    for name, config in sample.entities.items():
        if name not in design.entities:
            raise SampleError(
                where(("sample", "entities", name)),
                f"the sample section counts `{name}`, which is not an entity of this model"
                + _hint(name, design.entities),
                _one_of(design.entities),
            )
        if config.parent is not None and config.parent not in design.entities:
            raise SampleError(
                where(("sample", "entities", name, "parent")),
                f"the parent of `{name}` is `{config.parent}`, which is not an entity"
                + _hint(config.parent, design.entities),
                _one_of(design.entities),
            )
        if config.per_parent is not None and config.parent is None:
            raise SampleError(
                where(("sample", "entities", name, "per_parent")),
                f"`{name}` has per_parent but no parent",
                "a `parent` entity whose items these belong to",
            )
    plans = {
        name: _Plan(name, sample.entities.get(name, SampleEntity())) for name in design.entities
    }
    ordered: list[_Plan] = []
    placed: set[str] = set()
    for name in plans:
        chain: list[str] = []
        current: str | None = name
        while current is not None and current not in placed:
            if current in chain:
                raise SampleError(
                    where(("sample", "entities", current, "parent")),
                    "the sample parents form a cycle: " + " -> ".join([*chain, current]),
                    "each entity's parent chain to end at an entity without a parent",
                )
            chain.append(current)
            current = plans[current].parent
        for member in reversed(chain):
            placed.add(member)
            ordered.append(plans[member])
    return ordered


def _model_locator(design: Design) -> Callable[[tuple[PathPart, ...]], str]:
    def where(path: tuple[PathPart, ...]) -> str:
        return str(design.locate(path))

    return where


def _planned_counts(plans: Sequence[_Plan]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for plan in plans:
        counts[plan.name] = plan.count(counts.get(plan.parent, 0) if plan.parent else 0)
    return counts


# ---------------------------------------------------------------------------------------------
# Shared pools


class _Pools:
    """One pool of candidates per attribute name, shared by every entity that has it.

    A pool is the union of the candidates of every declaration of the name (hostile ones first,
    shuffled by the seed); each entity draws from the members its own rule and keys accept.
    Every entity draws in pool order, so small entities meet on the first members and the
    largest ones reach every hostile value.
    """

    def __init__(
        self,
        design: Design,
        shapes: Mapping[str, _Shape],
        plans: Sequence[_Plan],
        ctx: _Context,
        seed: int,
    ) -> None:
        counts = _planned_counts(plans)
        need: dict[str, int] = {}
        widths: dict[str, list[int]] = {}
        declarations: dict[str, list[AttributeSpec]] = {}
        for plan in plans:
            shape = shapes[plan.name]
            parents = counts.get(plan.parent, 0) if plan.parent else 0
            wanted = plan.per_parent(parents) if plan.parent else counts[plan.name]
            for attr, spec in shape.entity.spec.attributes.items():
                need[attr] = max(need.get(attr, 1), wanted)
                if spec not in declarations.setdefault(attr, []):
                    declarations[attr].append(spec)
                if attr in shape.widths:
                    widths.setdefault(attr, []).append(shape.widths[attr])
        self.pools: dict[str, list[object]] = {}
        for attr, specs in declarations.items():
            hostile: list[object] = []
            plain: list[object] = []
            for spec in specs:
                special, simple = _candidates(attr, spec, need[attr], ctx, widths.get(attr, ()))
                hostile += special
                plain += simple
            hostile = _unique(hostile)
            random.Random(f"{seed}/pool/{attr}").shuffle(hostile)
            self.pools[attr] = _unique(hostile + plain)
        self.overrides = _overrides(design, shapes)
        self.shapes = shapes

    def view(self, entity: str, attr: str) -> list[object]:
        """What `entity` draws `attr` from: its `values` choices, else its part of the pool."""
        override = self.overrides.get((entity, attr))
        if override is not None:
            return override
        shape = self.shapes[entity]
        return [v for v in self.pools.get(attr, []) if shape.fits(attr, v)]


def _overrides(design: Design, shapes: Mapping[str, _Shape]) -> dict[tuple[str, str], list[object]]:
    """`values:` choices of the sample section, typed and checked, with located errors."""
    where = _model_locator(design)
    out: dict[tuple[str, str], list[object]] = {}
    for name, config in design.model.sample.entities.items():
        shape = shapes[name]
        for attr, choices in config.values.items():
            path: tuple[PathPart, ...] = ("sample", "entities", name, "values", attr)
            spec = shape.entity.spec.attributes.get(attr)
            if spec is None:
                raise SampleError(
                    where(path),
                    f"`{attr}` is not an attribute of `{name}`"
                    + _hint(attr, shape.entity.spec.attributes),
                    _one_of(shape.entity.spec.attributes),
                )
            converted: list[object] = []
            for i, choice in enumerate(choices):
                try:
                    value = _from_plain(spec, choice)
                    shape.rules[attr].check(name, attr, value)
                except _Unreadable as err:
                    raise SampleError(where((*path, i)), err.problem, err.expected) from None
                except AttributeValueError as err:
                    raise SampleError(where((*path, i)), str(err)) from None
                if not shape.fits(attr, value):
                    raise SampleError(
                        where((*path, i)),
                        f"{name}.{attr}: {choice!r} cannot be written into the entity's keys",
                        "a value that fits the key template (a non-empty string, an integer "
                        "within the placeholder's width)",
                    )
                converted.append(value)
            out[name, attr] = converted
    return out


# ---------------------------------------------------------------------------------------------
# Generation


def generate_samples(design: Design, *, seed: int | None = None) -> list[SampleItem]:
    """The sample items of `design`: generated (unless `generate: false`), then the fixtures.

    The same design and seed (default: `sample.seed`) give the same list. A fixture item
    replaces a generated item of its entity with the same table key. Raises `SampleError`.
    """
    sample = design.model.sample
    chosen = sample.seed if seed is None else seed
    shapes = {name: _Shape(design, entity) for name, entity in design.entities.items()}
    plans = _plans(design)
    generated: list[tuple[SampleItem, tuple[object, ...]]] = []
    if sample.generate:
        ctx = _context(design)
        pools = _Pools(design, shapes, plans, ctx, chosen)
        budget = _ITEM_BUDGET // 2 if design.model.table.local_indexes else _ITEM_BUDGET
        by_entity: dict[str, list[SampleItem]] = {}
        for plan in plans:
            parents = by_entity.get(plan.parent, []) if plan.parent else []
            made = _generate_entity(
                plan, shapes[plan.name], parents, pools, seed=chosen, budget=budget
            )
            by_entity[plan.name] = [item for item, _ in made]
            generated += made
    fixtures: list[SampleItem] = []
    taken: dict[tuple[str, tuple[object, ...]], SampleItem] = {}
    for relative in sample.fixtures:
        for item in load_fixture(design, relative):
            identity = _fixture_identity(shapes[item.entity], item)
            earlier = taken.get((item.entity, identity))
            if earlier is not None:
                raise SampleError(
                    item.origin.removeprefix("fixture "),
                    f"this {item.entity} composes the same table key as the one at "
                    f"{earlier.origin.removeprefix('fixture ')}",
                    "one item per table key",
                )
            taken[item.entity, identity] = item
            fixtures.append(item)
    kept = [item for item, identity in generated if (item.entity, identity) not in taken]
    return kept + fixtures


def _context(design: Design) -> _Context:
    codec = design.model.table.key_codec
    literals: dict[str, None] = {}
    templates = [t for e in design.entities.values() for t in e.templates.values()]
    for pattern in design.patterns.values():
        for condition in (pattern.partition, pattern.sort, *pattern.other_conditions):
            if condition is not None:
                templates += condition.templates
    for template in templates:
        for part in template.parts:
            if isinstance(part, TemplateLiteral):
                literals.setdefault(part.text, None)
    return _Context(
        hostile=design.model.sample.hostile,
        delimiters=codec.delimiters,
        escape=codec.escape_character,
        literals=tuple(literals),
        ttl=design.model.table.ttl_attribute,
    )


def _generate_entity(
    plan: _Plan,
    shape: _Shape,
    parents: Sequence[SampleItem],
    pools: _Pools,
    *,
    seed: int,
    budget: int,
) -> list[tuple[SampleItem, tuple[object, ...]]]:
    rng = random.Random(f"{seed}/items/{plan.name}")
    parent_attributes: set[str] = set()
    if parents:
        parent_attributes = set(pools.shapes[parents[0].entity].entity.spec.attributes)
    attributes = {
        a: s for a, s in shape.entity.spec.attributes.items() if a != shape.version
    }  # the runtime writes the version attribute itself
    views = {a: pools.view(plan.name, a) for a in attributes}
    count = plan.count(len(parents))
    per_parent = plan.per_parent(len(parents))
    # Partition-key values repeat for a few consecutive items (sort-key values never do), so
    # that partitions hold several items of the entity, in an order the pattern must get right.
    clustered = _clustered(shape, parent_attributes)
    run = max(2, round(math.sqrt(count))) if clustered else 1
    # Optional attributes: absent in every third item (every second in an entity of two), at
    # staggered positions, so each is both present and absent wherever there are two items.
    cycle = 3 if count >= 3 else 2
    optional = [a for a, s in attributes.items() if s.optional and a not in shape.identity_vars]
    slot = {a: j for j, a in enumerate(optional)}
    made: list[tuple[SampleItem, tuple[object, ...]]] = []
    seen: set[tuple[object, ...]] = set()
    for k in range(count):
        parent = parents[(k // per_parent) % len(parents)] if parents else None
        values: dict[str, object] = {}
        copied: set[str] = set()
        for attr, spec in attributes.items():
            if parent is not None and attr in parent_attributes:
                inherited = parent.values.get(attr)
                needed = not spec.optional or attr in shape.identity_vars
                if (inherited is None and not needed) or (
                    inherited is not None and shape.fits(attr, inherited)
                ):
                    copied.add(attr)
                    if inherited is not None:
                        values[attr] = _fresh(inherited)
                    continue
            if attr in slot and (k + slot[attr]) % cycle == 1:
                continue
            view = views[attr]
            if not view:
                if spec.optional and attr not in shape.identity_vars:
                    continue
                raise SampleError(
                    str(shape.design.locate((*shape.entity.path, "attributes", attr))),
                    f"no value of {plan.name}.{attr} satisfies both its declaration and the "
                    "entity's keys",
                    "bounds that leave room for a value (charset, lengths, minimum/maximum, "
                    "template width)",
                )
            values[attr] = _fresh(view[(k // run if attr in clustered else k) % len(view)])
        _fit_budget(values, views, shape, budget)
        redraw = [a for a in shape.identity_vars if a not in copied and views.get(a)]
        identity = _identity_or_none(shape, values)
        for _ in range(_REDRAWS):
            if identity is not None and identity not in seen:
                break
            if not redraw:
                break
            for attr in redraw:
                values[attr] = _fresh(rng.choice(views[attr]))
            identity = _identity_or_none(shape, values)
        if identity is None or identity in seen:
            continue  # no fresh key within the draws: fewer items, never two with one key
        seen.add(identity)
        made.append((SampleItem(plan.name, values, "generated"), identity))
    return made


def _fresh(value: object) -> object:
    """A copy of a list, map or set, so that no two items share one (pools hand out objects)."""
    return copy.deepcopy(value) if isinstance(value, list | dict | set) else value


def _clustered(shape: _Shape, inherited: set[str]) -> set[str]:
    """Drawn partition-key attributes that may repeat: those outside the table's sort key,
    when a drawn sort-key attribute still tells the items of one partition apart."""
    drawn_sort = shape.sort_vars - inherited
    candidates = shape.partition_vars - shape.sort_vars - inherited
    return candidates if candidates and drawn_sort else set()


def _identity_or_none(shape: _Shape, values: Mapping[str, object]) -> tuple[object, ...] | None:
    try:
        return shape.identity(values)
    except (ValueError, TypeError):
        return None


def _fit_budget(
    values: dict[str, object], views: Mapping[str, list[object]], shape: _Shape, budget: int
) -> None:
    """Swap the longest texts for the shortest choices until the item fits DynamoDB's limit."""
    while _size(values) > budget:
        longest = max(
            (a for a, v in values.items() if isinstance(v, str | bytes) and a not in shape.in_keys),
            key=lambda a: _size(values[a]),
            default=None,
        )
        if longest is None or not views.get(longest):
            return
        shortest = min(views[longest], key=_size)
        if _size(shortest) >= _size(values[longest]):
            return
        values[longest] = shortest


def _size(value: object) -> int:
    """Roughly the bytes DynamoDB counts for a value (names included for mappings)."""
    if isinstance(value, str):
        return len(value.encode("utf-8", "surrogatepass"))
    if isinstance(value, bytes):
        return len(value)
    if isinstance(value, Mapping):
        return 3 + sum(len(str(k)) + 1 + _size(v) for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return 3 + sum(1 + _size(v) for v in value)
    return 21


# ---------------------------------------------------------------------------------------------
# Fixtures


class _Unreadable(Exception):
    """A fixture value that does not follow the convention; turned into a located SampleError."""

    def __init__(self, problem: str, expected: str | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.expected = expected


def load_fixture(design: Design, path: str | os.PathLike[str]) -> list[SampleItem]:
    """The items of one fixture file (relative paths: to the model's folder). Raises SampleError."""
    base = design.loaded.base_dir if design.loaded is not None else None
    real = Path(path) if base is None else base / path
    display = _display(real)
    try:
        raw = real.read_bytes()
    except OSError as err:
        raise SampleError(display, f"cannot read the fixture file: {err.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        raise SampleError(f"{display}:{line}", "not UTF-8 text", "a UTF-8 file") from None
    suffix = real.suffix.lower()
    if suffix in {".jsonl", ".ndjson"}:
        records = _json_lines(text, display)
    elif suffix in {".yaml", ".yml"}:
        records = _yaml_items(text, display)
    else:
        raise SampleError(
            display,
            f"unknown fixture format `{suffix or real.name}`",
            "a .jsonl (one JSON item per line) or .yaml (a list of items) file",
        )
    shapes: dict[str, _Shape] = {}
    items = []
    for line, record, lines in records:
        items.append(_fixture_item(design, shapes, record, display=display, line=line, lines=lines))
    return items


def _display(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return str(path)


_Record = tuple[int, object, dict[str, int]]  # line, item, line of each value


def _json_lines(text: str, display: str) -> list[_Record]:
    def no_constant(name: str) -> object:
        raise ValueError(f"{name} is not a number DynamoDB can hold")

    def no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
        out: dict[str, object] = {}
        for key, value in pairs:
            if key in out:
                raise ValueError(f"the key {key!r} appears twice in one object")
            out[key] = value
        return out

    records: list[_Record] = []
    # Split on "\n" only: str.splitlines would also split inside values at U+2028 or U+0085.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(
                line,
                parse_float=Decimal,
                parse_constant=no_constant,
                object_pairs_hook=no_duplicates,
            )
        except json.JSONDecodeError as err:
            raise SampleError(
                f"{display}:{number}:{err.colno}",
                f"not valid JSON: {err.msg}",
                'one item per line, as {"entity": "Racer", "values": {...}}',
            ) from None
        except ValueError as err:
            raise SampleError(f"{display}:{number}", str(err)) from None
        records.append((number, record, {}))
    return records


class _FixtureLoader(yaml.SafeLoader):
    """YAML with exact numbers: a float is read as the Decimal it is written as."""


def _exact_float(loader: yaml.SafeLoader, node: yaml.Node) -> object:
    assert isinstance(node, yaml.ScalarNode)
    text = str(loader.construct_scalar(node)).replace("_", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        return loader.construct_yaml_float(node)  # .inf, .nan, 1:30.5: left to the checks
    return number if number.is_finite() else loader.construct_yaml_float(node)


_FixtureLoader.add_constructor("tag:yaml.org,2002:float", _exact_float)


def _yaml_items(text: str, display: str) -> list[_Record]:
    loader = _FixtureLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"{display}:{mark.line + 1}" if mark is not None else display
        raise SampleError(where, f"not valid YAML: {getattr(err, 'problem', err)}") from None
    finally:
        loader.dispose()
    if data is None:
        return []
    if not isinstance(data, list) or not isinstance(node, yaml.SequenceNode):
        raise SampleError(
            f"{display}:1", "a YAML fixture file holds a list of items", "- entity: Racer"
        )
    records: list[_Record] = []
    for item_node, record in zip(node.value, data, strict=True):
        lines: dict[str, int] = {}
        if isinstance(item_node, yaml.MappingNode):
            for key_node, value_node in item_node.value:
                if key_node.value == "values" and isinstance(value_node, yaml.MappingNode):
                    for name_node, attr_node in value_node.value:
                        lines[str(name_node.value)] = attr_node.start_mark.line + 1
        records.append((item_node.start_mark.line + 1, record, lines))
    return records


def _fixture_item(
    design: Design,
    shapes: dict[str, _Shape],
    record: object,
    *,
    display: str,
    line: int,
    lines: Mapping[str, int],
) -> SampleItem:
    where = f"{display}:{line}"
    shape_text = '{"entity": "Racer", "values": {"racer_id": "1", ...}}'
    if not isinstance(record, dict):
        raise SampleError(where, f"an item is a mapping, found {_kind(record)}", shape_text)
    extra = sorted(str(k) for k in record if k not in {"entity", "values"})
    if extra:
        raise SampleError(where, f"unknown key `{extra[0]}` in an item", shape_text)
    name = record.get("entity")
    if not isinstance(name, str) or name not in design.entities:
        raise SampleError(
            where,
            f"`entity` is {name!r}, which is not an entity of this model"
            + (_hint(name, design.entities) if isinstance(name, str) else ""),
            _one_of(design.entities),
        )
    if name not in shapes:
        shapes[name] = _Shape(design, design.entities[name])
    shape = shapes[name]
    written = record.get("values", {})
    if not isinstance(written, dict):
        raise SampleError(where, f"`values` is {_kind(written)}", "a mapping of attributes")
    attributes = shape.entity.spec.attributes
    values: dict[str, object] = {}
    for attr, raw in written.items():
        at = f"{display}:{lines.get(str(attr), line)}"
        if not isinstance(attr, str) or attr not in attributes:
            raise SampleError(
                at,
                f"`{attr}` is not an attribute of `{name}`" + _hint(str(attr), attributes),
                _one_of(attributes),
            )
        if attr == shape.version:
            raise SampleError(
                at,
                f"`{attr}` is {name}'s version attribute, which the runtime writes itself",
                "the item without it",
            )
        try:
            value = _from_plain(attributes[attr], raw)
            if value is not None:
                shape.rules[attr].check(name, attr, value)
        except _Unreadable as err:
            raise SampleError(at, f"{name}.{attr}: {err.problem}", err.expected) from None
        except AttributeValueError as err:
            raise SampleError(at, str(err)) from None
        if value is not None:
            values[attr] = value
    for attr, spec in attributes.items():
        if attr not in values and not spec.optional and attr != shape.version:
            raise SampleError(
                where, f"{name}.{attr} is missing", f"a value: `{attr}` is not optional"
            )
    item = SampleItem(name, values, f"fixture {where}")
    _fixture_identity(shape, item)
    return item


def _fixture_identity(shape: _Shape, item: SampleItem) -> tuple[object, ...]:
    try:
        return shape.identity(item.values)
    except (ValueError, TypeError) as err:
        raise SampleError(
            item.origin.removeprefix("fixture "),
            f"this {item.entity} cannot be written: {err}",
            "values the entity's key templates can compose",
        ) from None


def _hint(name: str, choices: Iterable[str]) -> str:
    hint = did_you_mean(name, choices)
    return f" ({hint})" if hint else ""


def _one_of(choices: Iterable[str]) -> str:
    return "one of " + ", ".join(f"`{c}`" for c in choices)


def _kind(value: object) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"


def _from_plain(spec: AttributeSpec, raw: object) -> object:
    """A fixture (or `values:`) value read by its declared type; raises _Unreadable."""
    if raw is None:
        return None
    kind = spec.type
    if kind in {"string", "enum"}:
        if isinstance(raw, str):
            return raw
        raise _Unreadable(f"{_kind(raw)} is not a string", "a string (quote it in YAML)")
    if kind == "number":
        return _number(raw)
    if kind == "integer":
        if isinstance(raw, int) and not isinstance(raw, bool):
            return raw
        raise _Unreadable(f"{_kind(raw)} is not an integer", "a whole number")
    if kind == "boolean":
        if isinstance(raw, bool):
            return raw
        raise _Unreadable(f"{_kind(raw)} is not a boolean", "true or false")
    if kind == "datetime":
        return _datetime(raw)
    if kind == "date":
        return _date(raw)
    if kind == "binary":
        return _binary(raw)
    if kind == "list":
        if not isinstance(raw, list):
            raise _Unreadable(f"{_kind(raw)} is not a list", "a list")
        item_spec = spec.items
        return [_from_plain(item_spec, v) if item_spec else _free(v) for v in raw]
    if kind == "map":
        if not isinstance(raw, dict):
            raise _Unreadable(f"{_kind(raw)} is not a mapping", "an object")
        return _free(raw)
    return _set(kind, raw)


def _number(raw: object) -> Decimal:
    expected = "a number, or a string holding one"
    number: object = raw
    if isinstance(raw, str):
        try:
            number = Decimal(raw.strip())
        except InvalidOperation:
            raise _Unreadable(f"{raw!r} is not a number", expected) from None
    if isinstance(number, bool) or not isinstance(number, int | float | Decimal):
        raise _Unreadable(f"{_kind(raw)} is not a number", expected)
    try:
        return to_decimal(number)
    except ValueError as err:
        raise _Unreadable(f"{raw!r} is not a number DynamoDB can hold: {err}", expected) from None


def _datetime(raw: object) -> dt.datetime:
    expected = 'an ISO 8601 datetime with a time zone, as "2024-05-01T09:30:00Z"'
    value = raw
    if isinstance(raw, str):
        try:
            value = dt.datetime.fromisoformat(raw)
        except ValueError:
            raise _Unreadable(f"{raw!r} is not an ISO 8601 datetime", expected) from None
    if not isinstance(value, dt.datetime):
        raise _Unreadable(f"{_kind(raw)} is not a datetime", expected)
    if value.tzinfo is None or value.utcoffset() is None:
        raise _Unreadable(f"{raw!r} has no time zone, so its instant is unknown", expected)
    return value


def _date(raw: object) -> dt.date:
    expected = 'a date, as "2024-05-01"'
    value = raw
    if isinstance(raw, str):
        try:
            value = dt.date.fromisoformat(raw)
        except ValueError:
            raise _Unreadable(f"{raw!r} is not a date", expected) from None
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise _Unreadable(f"{_kind(raw)} is not a date", expected)
    return value


def _binary(raw: object) -> bytes:
    expected = '{"$base64": "..."}'
    if not (isinstance(raw, dict) and list(raw) == [_BASE64] and isinstance(raw[_BASE64], str)):
        raise _Unreadable(f"{_kind(raw)} is not binary", expected)
    try:
        return base64.b64decode(raw[_BASE64], validate=True)
    except binascii.Error:
        raise _Unreadable(f"{raw[_BASE64]!r} is not base64", expected) from None


def _set(kind: str, raw: object) -> set[Any]:
    if not isinstance(raw, list | set):
        raise _Unreadable(f"{_kind(raw)} is not a list", "a list of distinct elements")
    members: list[object]
    if kind == "string_set":
        if not all(isinstance(v, str) for v in raw):
            raise _Unreadable("a string set holds only strings", "a list of strings")
        members = list(raw)
    elif kind == "number_set":
        members = [_number(v) for v in raw]
    else:
        members = [_binary(v) for v in raw]
    out = set(members)
    if len(out) != len(members):
        raise _Unreadable("the list repeats an element", "distinct elements: a set holds each once")
    return out


def _free(raw: object) -> object:
    """A value inside a list or map without a declared type."""
    if isinstance(raw, dict):
        if list(raw) == [_BASE64]:
            return _binary(raw)
        if not all(isinstance(k, str) for k in raw):
            raise _Unreadable("a map key is not a string", "string keys")
        return {k: _free(v) for k, v in raw.items()}
    if isinstance(raw, list):
        return [_free(v) for v in raw]
    if isinstance(raw, float):
        return _number(raw)
    if isinstance(raw, dt.date):
        raise _Unreadable(
            f"{raw!r} inside a list or map: DynamoDB holds no dates there", "the date as text"
        )
    return raw


# ---------------------------------------------------------------------------------------------
# Dumps


def dump_samples(items: Iterable[SampleItem], format: Literal["jsonl", "yaml"] = "jsonl") -> str:
    """The items as a fixture file's text (JSON Lines or YAML) that loads back to equal items."""
    records = [
        {
            "entity": item.entity,
            "values": {k: _plain(v) for k, v in item.values.items() if stored(v) is not None},
        }
        for item in items
    ]
    if format == "jsonl":
        return "".join(_json(record) + "\n" for record in records)
    if format == "yaml":
        return yaml.dump(
            records,
            Dumper=_FixtureDumper,
            allow_unicode=True,
            sort_keys=False,
            default_flow_style=False,
            width=2**30,
        )
    msg = f"unknown dump format {format!r}: expected jsonl or yaml"
    raise ValueError(msg)


def _plain(value: object) -> object:
    """A value in the fixture convention; Decimals stay Decimal for the writers to spell."""
    if value is None or isinstance(value, bool | int | str | Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, bytes | bytearray):
        return {_BASE64: base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, dt.datetime):
        return format_datetime(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        # Sorted as DynamoDB orders the elements, so a dump never depends on hash order.
        ordered = sorted(value, key=lambda v: _SortKey(stored(v)))
        return [_plain(v) for v in ordered]
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    msg = f"cannot write a {type(value).__name__} into a fixture"
    raise TypeError(msg)


class _SortKey:
    """Sorts stored values with `compare_stored`."""

    def __init__(self, value: tuple[str, object] | None) -> None:
        self.value = value

    def __lt__(self, other: _SortKey) -> bool:
        return compare_stored(self.value, other.value) < 0


def _json(value: object) -> str:
    """JSON with every number spelled exactly (the json module would round a Decimal)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_json(v) for v in value) + "]"
    return json.dumps(value)


class _FixtureDumper(yaml.SafeDumper):
    """YAML that `_FixtureLoader` reads back exactly: Decimals as numbers, no anchors."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.ScalarNode:
    text = format(value, "f")
    integral = int(value.as_tuple().exponent) >= 0
    return dumper.represent_scalar("tag:yaml.org,2002:" + ("int" if integral else "float"), text)


_YAML_BREAKS = frozenset("\x85\u2028\u2029\ufeff")


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # YAML reads U+0085, U+2028 and U+2029 as line breaks: only escapes keep them intact.
    exact = all(ch.isprintable() and ch not in _YAML_BREAKS for ch in value)
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=None if exact else '"')


_FixtureDumper.add_representer(Decimal, _represent_decimal)
_FixtureDumper.add_representer(str, _represent_str)


# ---------------------------------------------------------------------------------------------
# Parameter sets


@dataclass(frozen=True)
class _Use:
    """One place a parameter appears in the intent: `entity.attribute operator $param`."""

    parameter: str
    entity: str
    attribute: str
    operator: str
    position: int


def parameter_sets(
    design: Design, pattern: str, items: Sequence[SampleItem], *, max_sets: int = 6
) -> list[dict[str, object]]:
    """Parameter values to run `pattern` with, chosen to expose over-matching keys.

    Values come from the sample items the intent selects on: each set starts from one item
    (an anchor) and takes its values for every `attribute: $param` equality, so the call has
    something to find. Anchors whose values are hostile come first: a value that is a prefix
    of another value present (an over-matching `begins_with` returns the other's items), one
    holding a delimiter or the escape character, a case or Unicode variant. Range parameters
    take bounds from the values present around the anchor (equal to some, so inclusive edges
    matter); `begins_with` parameters take a value that prefixes another. One set probes with
    an absent prefix of a present value, for which a correct engine returns nothing. Every
    value is typed by the pattern's parameter declaration and passes its rule.
    """
    found = design.patterns.get(pattern)
    if found is None:
        raise SampleError(design.source, f"`{pattern}` is not an access pattern of this model")
    if not found.parameters:
        return [{}]
    chooser = _Chooser(design, found, items)
    return chooser.sets(max(max_sets, 1))


class _Chooser:
    def __init__(self, design: Design, pattern: PatternDesign, items: Sequence[SampleItem]) -> None:
        self.design = design
        self.pattern = pattern
        self.parameters = pattern.parameters
        self.rules: dict[str, Rule] = {}
        for name, spec in self.parameters.items():
            try:
                self.rules[name] = rule_of(spec)
            except CharSetSyntaxError as err:
                path = (*pattern.path, "parameters", name, "charset")
                raise SampleError(str(design.locate(path)), err.message) from None
        intent = pattern.spec.intent
        self.uses: list[_Use] = []
        for entity, where in intent.select.items():
            for attr, predicate in where.items():
                for position, operand in enumerate(predicate.operands):
                    parameter = parameter_of(operand)
                    # A parameter without a type (reported by the design) gets no value.
                    if parameter is not None and parameter in self.parameters:
                        self.uses.append(
                            _Use(parameter, entity, attr, predicate.operator, position)
                        )
        limit = parameter_of(intent.limit)
        self.limit = limit if limit in self.parameters else None
        self.items = [(i, item) for i, item in enumerate(items) if item.entity in intent.select]
        self.specials = set(design.model.table.key_codec.delimiters) | {
            design.model.table.key_codec.escape_character
        }
        self.equalities: dict[str, list[_Use]] = {}
        for use in self.uses:
            if use.operator == "eq":
                self.equalities.setdefault(use.entity, []).append(use)

    # -- values present ---------------------------------------------------------------------

    def observed(self, use: _Use, bound: Mapping[str, object]) -> list[object]:
        """Values of `use`'s attribute among items matching the equalities bound so far."""
        values: list[object] = []
        fallback: list[object] = []
        for _, item in self.items:
            if item.entity != use.entity:
                continue
            value = item.values.get(use.attribute)
            if value is None:
                continue
            fallback.append(value)
            if all(
                stored(item.values.get(eq.attribute)) == stored(bound[eq.parameter])
                for eq in self.equalities.get(use.entity, [])
                if eq.parameter in bound and eq.parameter != use.parameter
            ):
                values.append(value)
        return _unique(values or fallback)

    def hostility(self, pool: Sequence[object]) -> Callable[[object], int]:
        """How likely each value of `pool` is to expose a key bug, as a function of the value.

        A prefix of another value counts most (an over-matching `begins_with` returns the
        other's items), then a delimiter or the escape character, then non-ASCII text and a
        case variant of another value.
        """
        texts = sorted({t for t in map(_key_text, pool) if t is not None})
        folded = Counter(t.casefold() for t in texts)
        scores: dict[str, int] = {}
        for i, text in enumerate(texts):
            # Every value that extends `text` sorts right after it.
            prefix = i + 1 < len(texts) and texts[i + 1].startswith(text)
            scores[text] = (
                4 * prefix
                + 2 * any(ch in self.specials for ch in text)
                + (not text.isascii())
                + (folded[text.casefold()] > 1)
            )

        def score(value: object) -> int:
            text = _key_text(value)
            return scores.get(text, 0) if text is not None else 0

        return score

    # -- sets -------------------------------------------------------------------------------

    def sets(self, max_sets: int) -> list[dict[str, object]]:
        scores = {
            use.parameter: self.hostility(self.observed(use, {}))
            for uses in self.equalities.values()
            for use in uses
        }
        anchors: list[tuple[int, int, SampleItem]] = []
        for index, item in self.items:
            uses = self.equalities.get(item.entity, [])
            if any(item.values.get(u.attribute) is None for u in uses):
                continue
            score = sum(scores[u.parameter](item.values[u.attribute]) for u in uses)
            anchors.append((-score, index, item))
        anchors.sort(key=lambda a: (a[0], a[1]))
        out: list[dict[str, object]] = []
        seen: set[tuple[object, ...]] = set()

        def add(candidate: dict[str, object] | None) -> None:
            if candidate is None:
                return
            key = tuple(stored(candidate[name]) for name in sorted(candidate))
            if key not in seen and len(out) < max_sets:
                seen.add(key)
                out.append(candidate)

        probed = False
        for ordinal, (_, _, anchor) in enumerate(anchors[: max_sets * 4]):
            add(self.complete(self.bind(anchor), ordinal))
            if out and not probed:
                probed = True  # second, so that even two sets include the probe
                add(self.absent_probe(out[0]))
            if len(out) >= max_sets:
                break
        if not out:
            add(self.complete({}, 0))
        if not out:
            missing = [n for n in self.parameters if self.generated(n) is None]
            raise SampleError(
                str(self.design.locate((*self.pattern.path, "parameters"))),
                f"no value satisfies the declaration of parameter `{missing[0]}` of "
                f"`{self.pattern.name}`",
                "bounds that leave room for a value",
            )
        return out

    def bind(self, anchor: SampleItem) -> dict[str, object]:
        bound: dict[str, object] = {}
        for use in self.equalities.get(anchor.entity, []):
            value = self.typed(use.parameter, anchor.values[use.attribute])
            if value is not None:
                bound[use.parameter] = value
        return bound

    def complete(self, bound: dict[str, object], ordinal: int) -> dict[str, object] | None:
        values = dict(bound)
        for use in self.uses:
            if use.parameter in values:
                continue
            choice = self.choose(use, values, ordinal)
            if choice is not None:
                values[use.parameter] = choice
        if self.limit is not None and self.limit not in values:
            for size in (1, 2, 3, 10)[ordinal % 4 :] + (1, 2, 3, 10)[: ordinal % 4]:
                typed = self.typed(self.limit, size)
                if typed is not None:
                    values[self.limit] = typed
                    break
        for name in self.parameters:
            if values.get(name) is None:
                found = self.from_items(name, ordinal)
                values[name] = found if found is not None else self.generated(name)
        if any(values[name] is None for name in self.parameters):
            return None
        return {name: values[name] for name in self.parameters}

    def choose(self, use: _Use, bound: Mapping[str, object], ordinal: int) -> object:
        present = sorted(self.observed(use, bound), key=lambda v: _SortKey(stored(v)))
        if not present:
            return None
        n = len(present)
        if use.operator == "between":
            low, high = [(1, n - 2), (0, n - 1), (0, 0), (n - 1, n - 1)][ordinal % 4]
            low, high = sorted((min(max(low, 0), n - 1), min(max(high, 0), n - 1)))
            return self.pick(use.parameter, present, [high if use.position else low])
        if use.operator in {"gt", "gte"}:
            return self.pick(use.parameter, present, [[1, 0, n - 1, n // 2][ordinal % 4]])
        if use.operator in {"lt", "lte"}:
            return self.pick(use.parameter, present, [[n - 2, n - 1, 0, n // 2][ordinal % 4]])
        if use.operator == "begins_with":
            return self.prefix(use.parameter, present, ordinal)
        score = self.hostility(present)
        ranked = sorted(present, key=lambda v: -score(v))
        start = (ordinal + use.position) % n
        return self.pick(use.parameter, ranked, [start])

    def pick(self, name: str, present: Sequence[object], preferred: Sequence[int]) -> object:
        """The value at the first preferred position its rule accepts, else any accepted one."""
        n = len(present)
        positions = [min(max(p, 0), n - 1) for p in preferred] + list(range(n))
        for position in positions:
            typed = self.typed(name, present[position])
            if typed is not None:
                return typed
        return None

    def prefix(self, name: str, present: Sequence[object], ordinal: int) -> object:
        texts = sorted({v for v in present if isinstance(v, str)})
        # Values that prefix another value (it sorts right after them), then halves of values.
        prefixes = [t for t, after in itertools.pairwise(texts) if after.startswith(t)]
        prefixes += [t[: max(len(t) // 2, 1)] for t in texts]
        if not prefixes:
            return None
        for text in prefixes[ordinal % len(prefixes) :] + prefixes:
            typed = self.typed(name, text)
            if typed is not None:
                return typed
        return None

    def absent_probe(self, first: Mapping[str, object]) -> dict[str, object] | None:
        """`first` with one string equality replaced by an absent prefix of a present value."""
        for uses in self.equalities.values():
            for use in uses:
                present = [v for v in self.observed(use, {}) if isinstance(v, str)]
                taken = {unicodedata.normalize("NFC", v) for v in present}
                score = self.hostility(present)
                for value in sorted(present, key=lambda v: -score(v)):
                    for cut in range(len(value) - 1, 0, -1):
                        probe = value[:cut]
                        if unicodedata.normalize("NFC", probe) in taken:
                            continue
                        typed = self.typed(use.parameter, probe)
                        if typed is not None:
                            return {**first, use.parameter: typed}
        return None

    def from_items(self, name: str, ordinal: int) -> object:
        """A parameter the intent does not use: a returned entity's attribute of that name."""
        present = _unique(
            item.values[name]
            for _, item in self.items
            if item.values.get(name) is not None and item.entity in self.pattern.returns
        )
        return self.pick(name, present, [ordinal]) if present else None

    def generated(self, name: str) -> object:
        spec = self.parameters[name]
        special, plain = _candidates(name, spec, 3, _context(self.design), ())
        for value in [*special, *plain]:
            typed = self.typed(name, value)
            if typed is not None:
                return typed
        return None

    def typed(self, name: str, value: object) -> object:
        """`value` as the parameter's type (None when its rule refuses it)."""
        kind = self.parameters[name].type
        if kind == "number" and isinstance(value, int) and not isinstance(value, bool):
            value = Decimal(value)
        elif kind == "integer" and isinstance(value, Decimal) and value == value.to_integral():
            value = int(value)
        try:
            self.rules[name].check(self.pattern.name, name, value)
        except AttributeValueError:
            return None
        return value


def _key_text(value: object) -> str | None:
    """The text a value takes inside a string key, where prefixes and delimiters matter."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return str(value)
    return None
