"""Candidate values per attribute type: hostile ones that expose key bugs, and plain ones.

A run is only as good as its data. A key design that confuses racer `1` with racer `10`, or
that breaks on an ID holding its delimiter, looks correct on `racer-1`, `racer-2`, `racer-3`.
So the generator is hostile by default, always within what the model declares (charset,
lengths, bounds, enum values, the width of `{n:04d}` placeholders):

- IDs holding the key delimiters and the escape character (`ab#c`, `a\\b`), IDs that are
  prefixes of other IDs (`1` and `10`, `ab` and `ab#c`), case variants (`ABC`, `abc`; first
  of all, `McDonald` and `Mcdonald`, where a key folded to lower case holds the attribute),
  non-ASCII and decomposed Unicode (`café` written both ways), values at exactly `max_length`,
  the literal text of the model's own templates inside values;
- numbers of different widths and magnitudes (0, 9, 10, 1000, 0.5, `1.5` next to `1.50`),
  negative only where `minimum` allows, integers at the edge of a template's width;
- datetimes at the edges of the stored format and in other time zones (the same instant twice).

With `hostile: false` the values are plain and readable (`racer-01`, `racer-02`).

Candidates may break an attribute's bounds (they are made per attribute name, for every
declaration of it): each entity keeps those its own rule and keys accept.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import unicodedata
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, assert_never

from tablemodel.design import Design, rule_of
from tablemodel.keylang.charset import CharSet, CharSetSyntaxError
from tablemodel.keylang.templates import Literal as TemplateLiteral
from tablemodel.records import record
from tablemodel.runtime.values import AttributeValueError, CollectionType, Rule, to_decimal
from tablemodel.schema.model import AttributeSpec

__all__ = ["Context", "candidates_for", "context_of", "unique"]

CASE_VARIANTS = ("McDonald", "Mcdonald", "ABC", "abc")
"""Values that a key folded to lower case writes alike, two by two."""

_LONGEST = 16_384  # longest string generated at exactly max_length (larger ones stay shorter)
_TTL_BASE = 4_102_444_800  # 2100-01-01: TTL values far in the future, so no engine expires them


@record
class Context:
    """What candidates depend on besides the attribute: the model's key codec and templates."""

    hostile: bool
    delimiters: str
    escape: str
    literals: tuple[str, ...]  # literal text of every key template in the model
    ttl: str | None
    folded: frozenset[str] = frozenset()  # attributes written into keys folded to lower case


def candidates_for(
    name: str, spec: AttributeSpec, count: int, ctx: Context, widths: Sequence[int]
) -> tuple[list[object], list[object]]:
    """(hostile, plain) candidate values for an attribute; plain ones number at least `count`.

    Candidates may break the attribute's bounds: each entity keeps those its rule accepts.
    """
    kind = spec.type
    match kind:
        case "string":
            return _strings(name, spec, count, ctx)
        case "integer":
            return _integers(name, spec, count, ctx, widths)
        case "number":
            return _numbers(spec, count, ctx)
        case "enum":
            return [], list(spec.values)
        case "boolean":
            return [], [True, False]
        case "datetime":
            return _datetimes(count, ctx)
        case "date":
            return _dates(count, ctx)
        case "binary":
            return _binaries(spec, count, ctx)
        case "list" | "map" | "string_set" | "number_set" | "binary_set":
            return _collections(name, kind, spec, ctx)
        case _:
            assert_never(kind)


def _strings(
    name: str, spec: AttributeSpec, count: int, ctx: Context
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
    if name in ctx.folded:
        raw = [*CASE_VARIANTS, *raw]
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
    return unique(hostile), plain


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
    name: str, spec: AttributeSpec, count: int, ctx: Context, widths: Sequence[int]
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
    return unique([n for n in raw if inside(n)]), plain


def _numbers(spec: AttributeSpec, count: int, ctx: Context) -> tuple[list[object], list[object]]:
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
    return unique([n for n in raw if inside(n)]), list(plain)


def _datetimes(count: int, ctx: Context) -> tuple[list[object], list[object]]:
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


def _dates(count: int, ctx: Context) -> tuple[list[object], list[object]]:
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


def _binaries(spec: AttributeSpec, count: int, ctx: Context) -> tuple[list[object], list[object]]:
    low = max(spec.min_length or 1, 1)
    high = spec.max_length

    def inside(b: bytes) -> bool:
        return len(b) >= low and (high is None or len(b) <= high)

    plain = [b"\x01" + k.to_bytes(4, "big") for k in range(count)]
    plain = [(b + b"\x00" * low)[: max(low, len(b))] for b in plain]
    plain = [b[:high] if high is not None else b for b in plain]
    if not ctx.hostile:
        return [], unique([b for b in plain if inside(b)])
    raw = [b"\x00", b"\xff", b"#", b"\\", b"\x00\xff", b"\xff\x00", b"\x00" * low]
    if high is not None and high <= 1024:
        raw.append(b"\xff" * high)
    return unique([b for b in raw if inside(b)]), unique([b for b in plain if inside(b)])


def _collections(
    name: str, kind: CollectionType, spec: AttributeSpec, ctx: Context
) -> tuple[list[object], list[object]]:
    plain: list[object]
    hostile: list[object]
    match kind:
        case "list":
            if spec.items is not None:
                # The list's rule does not check its elements: keep those the item type accepts.
                special, simple = candidates_for(name, spec.items, 3, ctx, ())
                rule = rule_of(spec.items)
                simple = [v for v in simple if _accepts(rule, v)]
                special = [v for v in special if _accepts(rule, v)]
                plain = [[], simple[:1], simple[:2]]
                hostile = [special[:6]] if special else []
            else:
                plain = [[], ["a"], ["a", Decimal("1.5")]]
                hostile = [[Decimal(0), True, None, ["x", {"k": "v"}], "#", "é", b"\x00"]]
        case "map":
            plain = [{}, {"k": "v"}, {"n": Decimal(1), "s": "x"}]
            hostile = [{"#": "a", "a.b": Decimal("0.5"), "é": [Decimal(1)], "m": {"k": None}}]
        case "string_set":
            plain = [{"a"}, {"a", "b"}]
            hostile = [{"#", "é", "e\u0301"}, {"1", "10"}]
        case "number_set":
            plain = [{Decimal(1)}, {Decimal(1), Decimal(2)}]
            hostile = [{Decimal("0.5"), Decimal(-1), Decimal("1E+20")}]
        case "binary_set":
            plain = [{b"\x01"}, {b"\x01", b"\x02"}]
            hostile = [{b"\x00", b"\xff"}]
        case _:
            assert_never(kind)
    return (hostile if ctx.hostile else []), plain


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


def unique(values: Iterable[Any]) -> list[Any]:
    out: dict[tuple[str, object], object] = {}
    for value in values:
        out.setdefault(_canon(value), value)
    return list(out.values())


def context_of(design: Design) -> Context:
    codec = design.model.table.key_codec
    literals: dict[str, None] = {}
    templates = [t for e in design.entities.values() for t in e.templates.values()]
    for pattern in design.patterns.values():
        for condition in (*pattern.key_conditions, *pattern.other_conditions):
            templates += condition.templates
    for template in templates:
        for part in template.parts:
            if isinstance(part, TemplateLiteral):
                literals.setdefault(part.text, None)
    folded = frozenset(
        name
        for entity in design.entities.values()
        for key, template in entity.templates.items()
        if key in design.folded_keys
        for name in template.variable_names
    )
    return Context(
        hostile=design.model.sample.hostile,
        delimiters=codec.delimiters,
        escape=codec.escape_character,
        literals=tuple(literals),
        ttl=design.model.table.ttl_attribute,
        folded=folded,
    )
