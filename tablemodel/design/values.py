"""Attribute values: the domain a value takes in a key, and the runtime rule that checks it."""

from __future__ import annotations

from tablemodel.keylang.automata import ValueDomain
from tablemodel.keylang.charset import CharSet, CharSetSyntaxError
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
