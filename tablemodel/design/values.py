"""Attribute values: the domain a value takes in a key, and the runtime rule that checks it."""

from __future__ import annotations

from itertools import combinations

from tablemodel.keylang.automata import ValueDomain
from tablemodel.keylang.charset import CharSet, CharSetSyntaxError
from tablemodel.runtime.keys import survives_folding
from tablemodel.runtime.values import Rule
from tablemodel.schema.model import AttributeSpec

# DynamoDB scalar type an attribute type takes when written whole into a key attribute.
SCALAR_TYPE: dict[str, str] = {
    "string": "S",
    "enum": "S",
    "datetime": "S",
    "date": "S",
    "number": "N",
    "integer": "N",
    "binary": "B",
}
NUMERIC = frozenset({"number", "integer"})


def rule_of(spec: AttributeSpec) -> Rule:
    """The runtime rule generated code builds for `spec` (CharSetSyntaxError on a bad charset)."""
    return Rule(
        spec.type,
        optional=spec.optional,
        min_length=spec.min_length,
        max_length=spec.max_length,
        charset=spec.charset,
        minimum=_bound(spec.minimum),
        maximum=_bound(spec.maximum),
        max_items=spec.max_items,
        values=tuple(spec.values),
    )


def _bound(value: float | None) -> int | float | None:
    # As generated code writes it: `minimum 0`, not `0.0`, in every message.
    return int(value) if value is not None and value.is_integer() else value


def value_domain(spec: AttributeSpec) -> ValueDomain:
    """The characters and lengths an attribute's value can have once written into a key."""
    kind = spec.type
    if kind in {"string", "binary"}:
        charset = CharSet.any()
        if spec.charset is not None:
            try:
                charset = CharSet.parse(spec.charset)
            except CharSetSyntaxError:
                charset = CharSet.any()  # reported by the charset rule
        low = max(spec.min_length or 1, 1)
        return ValueDomain(charset=charset, min_length=low, max_length=spec.max_length)
    if kind == "enum":
        chars = CharSet.of("".join(spec.values)) if spec.values else CharSet.any()
        lengths = [len(v) for v in spec.values] or [1]
        return ValueDomain(charset=chars, min_length=max(min(lengths), 1), max_length=max(lengths))
    if kind == "integer":
        negative = spec.minimum is None or spec.minimum < 0
        return ValueDomain(charset=CharSet.of("0123456789" + ("-" if negative else "")))
    if kind == "number":
        return ValueDomain(charset=CharSet.of("0123456789.-+eE"))
    if kind == "boolean":
        return ValueDomain(charset=CharSet.of("truefals"), min_length=4, max_length=5)
    if kind == "date":
        return ValueDomain(charset=CharSet.of("0123456789-"), min_length=10, max_length=10)
    if kind == "datetime":
        return ValueDomain(charset=CharSet.of("0123456789-:T.Z+"), min_length=20, max_length=35)
    return ValueDomain(charset=CharSet.any())


def keeps_case(spec: AttributeSpec) -> bool:
    """Whether values of `spec` read back as written from a key folded to lower case: the
    runtime's own test (`runtime.keys.survives_folding`) on the part the codec builds."""
    try:
        return survives_folding(rule_of(spec).part_spec())
    except ValueError:  # a charset that does not parse (TM119): nothing is certain
        return False


def case_variants(spec: AttributeSpec) -> tuple[str, str] | None:
    """Two values of `spec` that differ only in case (`McDonald`, `Mcdonald`), or None when
    folding to lower case keeps every value apart."""
    if spec.type == "enum":
        for a, b in combinations(spec.values, 2):
            if a.lower() == b.lower():
                return a, b
        return None
    if spec.type != "string":
        return None  # numbers, dates, datetimes and booleans are written in one case
    charset = CharSet.any()
    if spec.charset is not None:
        try:
            charset = CharSet.parse(spec.charset)
        except CharSetSyntaxError:
            return None  # TM119 reports it
    low, high = max(spec.min_length or 1, 1), spec.max_length
    if high is not None and high < low:
        return None
    if all(c in charset for c in "McDonald") and low <= 8 and (high is None or high >= 8):
        return "McDonald", "Mcdonald"
    pair = charset.case_pair()
    if pair is None:
        return None
    a, b = pair
    filler = a.lower() if a.lower() in charset else charset.sample()
    return a + filler * (low - 1), b + filler * (low - 1)
