"""The oracle of `check --run`: a pattern's intent evaluated in plain Python over sample items.

The runner sends every access pattern to an engine and needs to know what a correct engine
returns. The intent says it without keys (which items of which entity types, in which order,
how many), so evaluating it here, independently of key templates and indexes, gives an answer
that cannot share a bug with the key design being tested.

Values are compared the way DynamoDB compares what the runtime stores:

- numbers numerically (`Decimal`, so `1.5` equals `1.50`);
- strings and binary by their UTF-8 bytes (`"Z" < "a"`, `"b#10" < "b#2"`), strings after NFC
  normalisation, as the runtime writes them; datetimes and dates as the fixed-width UTC text the
  runtime stores (`2024-01-01T00:00:00.000000Z`);
- a `date` compared with a `datetime` attribute means the whole UTC day: the datetime's day
  meets the date (`lte $day` keeps all of the day, `gt $day` starts after it), as the checker
  proves it;
- values of different DynamoDB types are never equal and never ordered;
- a missing attribute satisfies no comparison, with one exception DynamoDB makes: `a <> v` is
  true when `a` is missing (nothing is not equal to anything); `exists: false` selects items
  without the attribute.

`Expected` keeps the freedom a correct engine has. Items that tie on every `order_by` term form
one group whose inner order is free (the engine orders them by its sort key, which the intent
does not mention), and a limit that cuts through such a group may keep any of its members.
`compare` accepts exactly the results inside that freedom.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, TypeVar

from tablemodel.design import NUMERIC, Design
from tablemodel.diagnostics import TableModelError
from tablemodel.records import record
from tablemodel.runtime.values import AttributeType, format_datetime
from tablemodel.schema.model import Predicate, Scalar

if TYPE_CHECKING:
    from tablemodel.run.items import SampleItem

__all__ = [
    "Comparison",
    "Expected",
    "IntentError",
    "Stored",
    "compare",
    "compare_stored",
    "expected_result",
    "in_stored_order",
    "parameter_of",
    "stored",
    "why_nothing",
]

Stored = tuple[str, object]
"""A value as DynamoDB holds it: its type tag (`S`, `N`, `B`, `BOOL`, `NULL`, `SS`, `NS`, `BS`,
`L`, `M`) and a payload that compares the way DynamoDB compares (bytes for `S` and `B`)."""

T = TypeVar("T")

_TEXT_TYPES: frozenset[AttributeType] = frozenset({"string", "enum", "datetime", "date"})
_ORDERED_TAGS = frozenset({"S", "N", "B"})
_TAG_RANK = {"N": 0, "S": 1, "B": 2, "BOOL": 3}


class IntentError(TableModelError, ValueError):
    """An intent cannot be evaluated: an unknown pattern, a parameter not given, a bad limit."""


# ---------------------------------------------------------------------------------------------
# Values as DynamoDB holds them


def stored(value: object) -> Stored | None:
    """`value` as the runtime stores it in an attribute; None when the attribute is absent.

    Strings are NFC-normalised (the runtime normalises string attributes before writing);
    empty sets are absent (DynamoDB cannot hold them and PynamoDB leaves them out).
    """
    if value is None:
        return None
    if isinstance(value, str):
        return "S", _utf8(unicodedata.normalize("NFC", value))
    if isinstance(value, set | frozenset) and not value:
        return None
    return _inner(value)


def _inner(value: object) -> Stored:
    """A value inside a list or map (or a top-level one that is not a string)."""
    if value is None:
        return "NULL", True
    if isinstance(value, bool):
        return "BOOL", value
    if isinstance(value, int):
        return "N", Decimal(value)
    if isinstance(value, float):
        return "N", Decimal(repr(value))
    if isinstance(value, Decimal):
        return "N", value
    if isinstance(value, str):
        return "S", _utf8(value)
    if isinstance(value, bytes | bytearray):
        return "B", bytes(value)
    if isinstance(value, dt.datetime):
        return "S", _utf8(format_datetime(value))
    if isinstance(value, dt.date):
        return "S", _utf8(value.isoformat())
    if isinstance(value, set | frozenset):
        # A set holds one type (the attribute's rule sees to it): its tag names the set type.
        members = [_inner(v) for v in value]
        tag = members[0][0] + "S" if members else "SS"
        return tag, frozenset(payload for _, payload in members)
    if isinstance(value, list | tuple):
        return "L", tuple(_inner(v) for v in value)
    if isinstance(value, Mapping):
        return "M", tuple(sorted((str(k), _inner(v)) for k, v in value.items()))
    msg = f"{type(value).__name__} is not a value DynamoDB can hold"
    raise IntentError(msg)


def _utf8(text: str) -> bytes:
    # A lone surrogate cannot be stored; encoding it anyway keeps the oracle total.
    return text.encode("utf-8", "surrogatepass")


def _order(a: Stored, b: Stored) -> int | None:
    """-1, 0 or 1 when DynamoDB can compare `a` and `b` (same type, one of S, N, B); else None."""
    if a[0] != b[0] or a[0] not in _ORDERED_TAGS:
        return None
    left, right = a[1], b[1]
    if isinstance(left, Decimal) and isinstance(right, Decimal):
        return (left > right) - (left < right)
    if isinstance(left, bytes) and isinstance(right, bytes):
        return (left > right) - (left < right)
    return None


def compare_stored(a: Stored | None, b: Stored | None) -> int:
    """A total order for sorting: absent first, then by type, then as DynamoDB orders.

    Values of one key attribute always share a type, so the type rank only makes sorting
    total; values DynamoDB cannot order (booleans aside: false before true) tie.
    """
    if a is None or b is None:
        return (a is not None) - (b is not None)
    if a[0] != b[0]:
        return _TAG_RANK.get(a[0], len(_TAG_RANK)) - _TAG_RANK.get(b[0], len(_TAG_RANK))
    if a[0] == "BOOL":
        return int(bool(a[1])) - int(bool(b[1]))
    return _order(a, b) or 0


# ---------------------------------------------------------------------------------------------
# The intent


_STORED_ORDER = functools.cmp_to_key(compare_stored)


def in_stored_order(values: Iterable[T]) -> list[T]:
    """`values` sorted as DynamoDB orders them once stored (`compare_stored`), stably."""
    return sorted(values, key=lambda value: _STORED_ORDER(stored(value)))


def parameter_of(operand: object) -> str | None:
    """The parameter an intent operand names (`$race_id`), or None for a literal (`$$` escapes)."""
    if isinstance(operand, str) and operand.startswith("$") and not operand.startswith("$$"):
        return operand[1:]
    return None


@record
class Expected:
    """What a correct engine returns, as indices into the sample items.

    `groups` lists the selected items in intent order; the items of one group tie on every
    `order_by` term, so their order is free. Without `order_by` there is one group holding
    every selected item (and none when nothing is selected). `limit` cuts the concatenation.
    """

    groups: list[list[int]]
    limit: int | None
    ordered: bool

    @property
    def count(self) -> int:
        """How many items a correct engine returns."""
        total = sum(len(group) for group in self.groups)
        return total if self.limit is None else min(total, self.limit)


@record
class _Condition:
    attribute: str
    operator: str
    operands: tuple[Stored | None, ...]
    wanted: bool = True  # for `exists`
    day: bool = False  # a `date` against a `datetime` attribute: compare the UTC day


def expected_result(
    design: Design,
    pattern: str,
    params: Mapping[str, object],
    items: Sequence[SampleItem],
) -> Expected:
    """Evaluate the intent of `pattern` with `params` over `items`."""
    found = design.patterns.get(pattern)
    if found is None:
        msg = f"`{pattern}` is not an access pattern of this model"
        raise IntentError(msg)
    intent = found.spec.intent
    conditions: dict[str, list[_Condition]] = {}
    for entity_name, where in intent.select.items():
        entity = design.entities.get(entity_name)
        types = {a: s.type for a, s in entity.spec.attributes.items()} if entity else {}
        conditions[entity_name] = [
            _condition(pattern, attr, term, types.get(attr), params)
            for attr, predicate in where.items()
            for term in predicate.terms
        ]
    selected = [
        index
        for index, item in enumerate(items)
        if item.entity in conditions
        and all(_holds(c, item.values.get(c.attribute)) for c in conditions[item.entity])
    ]
    terms = [(term.attribute, term.direction == "desc") for term in intent.order_by]
    return Expected(
        groups=_groups(selected, items, terms),
        limit=_limit(pattern, intent.limit, params),
        ordered=bool(terms),
    )


_SYMBOL = {"eq": "=", "ne": "<>", "lt": "<", "lte": "<=", "gt": ">", "gte": ">="}


def why_nothing(
    design: Design,
    pattern: str,
    params: Mapping[str, object],
    items: Sequence[SampleItem],
) -> str:
    """Why the intent of `pattern` selects no item with `params`: per entity it selects, the
    first condition that no item left by the ones before it meets (or that none exist)."""
    found = design.patterns.get(pattern)
    if found is None:
        msg = f"`{pattern}` is not an access pattern of this model"
        raise IntentError(msg)
    intent = found.spec.intent
    reasons: list[str] = []
    for entity_name, where in intent.select.items():
        candidates = [item for item in items if item.entity == entity_name]
        if not candidates:
            reasons.append(f"the sample holds no `{entity_name}` item")
            continue
        entity = design.entities.get(entity_name)
        types = {a: s.type for a, s in entity.spec.attributes.items()} if entity else {}
        stop = None
        for attr, predicate in where.items():
            for term in predicate.terms:
                condition = _condition(pattern, attr, term, types.get(attr), params)
                kept = [i for i in candidates if _holds(condition, i.values.get(attr))]
                if not kept:
                    stop = (
                        f"of {len(candidates)} `{entity_name}` item(s) left, none has"
                        f" {_term_text(attr, term, params)}"
                    )
                    break
                candidates = kept
            if stop is not None:
                break
        reasons.append(stop or f"`{entity_name}` items meet every condition")
    limit = _limit(pattern, intent.limit, params)
    if limit == 0:
        reasons.append("the limit is 0")
    return "; ".join(reasons)


def _term_text(attribute: str, term: Predicate, params: Mapping[str, object]) -> str:
    def shown(raw: Scalar) -> str:
        name = parameter_of(raw)
        value = params.get(name) if name is not None else raw
        return repr(value.isoformat() if hasattr(value, "isoformat") else value)

    values = [shown(raw) for raw in term.operands]
    op = term.operator
    if op in _SYMBOL:
        return f"`{attribute} {_SYMBOL[op]} {values[0]}`"
    if op == "exists":
        return f"`{attribute}`" if term.operands[0] else f"no `{attribute}`"
    if op == "between":
        return f"`{attribute}` between {values[0]} and {values[1]}"
    return f"`{op}({attribute}, {', '.join(values)})`"


def _condition(
    pattern: str,
    attribute: str,
    predicate: Predicate,
    attribute_type: str | None,
    params: Mapping[str, object],
) -> _Condition:
    if predicate.operator == "exists":
        return _Condition(attribute, "exists", (), wanted=bool(predicate.operands[0]))
    values = [_operand(pattern, raw, attribute_type, params) for raw in predicate.operands]
    # A date compared with a datetime attribute means the whole day (docs/model.md): the
    # stored datetime's first ten characters are its UTC day, and they meet the date's text.
    day = attribute_type == "datetime" and any(_is_day(v) for v in values)
    operands = tuple(stored(v) for v in values)
    return _Condition(attribute, predicate.operator, operands, day=day)


def _is_day(value: object) -> bool:
    if isinstance(value, dt.datetime):
        return False
    if isinstance(value, dt.date):
        return True
    return isinstance(value, str) and len(value) == 10 and _iso_date(value)


def _iso_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _operand(
    pattern: str, raw: Scalar, attribute_type: str | None, params: Mapping[str, object]
) -> object:
    """A parameter's value (typed by the caller), or a literal typed like the attribute."""
    name = parameter_of(raw)
    if name is not None:
        value = params.get(name)
        if value is None:
            msg = f"the intent of `{pattern}` needs parameter `{name}`, which was not given"
            raise IntentError(msg)
        return value
    if isinstance(raw, str):
        text = raw[1:] if raw.startswith("$$") else raw
        if attribute_type in NUMERIC:
            # YAML may quote a number; DynamoDB compares it as one.
            try:
                return Decimal(text)
            except InvalidOperation:
                return text
        return text
    if attribute_type in _TEXT_TYPES and not isinstance(raw, bool):
        # `status: 1` on a string attribute means the text "1".
        return str(raw) if isinstance(raw, int) else str(Decimal(repr(raw)))
    return raw


def _holds(condition: _Condition, raw: object) -> bool:
    value = stored(raw)
    if condition.day and value is not None and value[0] == "S" and isinstance(value[1], bytes):
        value = ("S", value[1][:10])  # the UTC day of a stored datetime
    op = condition.operator
    if op == "exists":
        return (value is not None) == condition.wanted
    operands = condition.operands
    if op == "ne":
        return value is None or value != operands[0]
    if value is None:
        return False
    if op == "eq":
        return value == operands[0]
    if op == "in":
        return value in operands
    if op == "begins_with":
        prefix = operands[0]
        return (
            prefix is not None
            and value[0] == prefix[0]
            and value[0] in {"S", "B"}
            and isinstance(value[1], bytes)
            and isinstance(prefix[1], bytes)
            and value[1].startswith(prefix[1])
        )
    if op == "between":
        low = _order(value, operands[0]) if operands[0] is not None else None
        high = _order(value, operands[1]) if operands[1] is not None else None
        return low is not None and high is not None and low >= 0 and high <= 0
    if operands[0] is None:
        return False
    order = _order(value, operands[0])
    if order is None:
        return False
    return {"lt": order < 0, "lte": order <= 0, "gt": order > 0, "gte": order >= 0}[op]


def _groups(
    selected: list[int], items: Sequence[SampleItem], terms: list[tuple[str, bool]]
) -> list[list[int]]:
    if not selected:
        return []
    if not terms:
        return [selected]
    keys = {i: [stored(items[i].values.get(attr)) for attr, _ in terms] for i in selected}

    def by_terms(a: int, b: int) -> int:
        for position, (_, descending) in enumerate(terms):
            order = compare_stored(keys[a][position], keys[b][position])
            if order:
                return -order if descending else order
        return 0

    ordered = sorted(selected, key=functools.cmp_to_key(by_terms))  # stable: index order
    groups = [[ordered[0]]]
    for previous, index in itertools.pairwise(ordered):
        if by_terms(previous, index) == 0:
            groups[-1].append(index)
        else:
            groups.append([index])
    return groups


def _limit(pattern: str, limit: int | str | None, params: Mapping[str, object]) -> int | None:
    if limit is None:
        return None
    value: object = limit
    name = parameter_of(limit)
    if name is not None:
        value = params.get(name)
    elif isinstance(limit, str) and limit.strip().isdigit():
        value = int(limit)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        msg = (
            f"the intent of `{pattern}` has limit {limit!r}, which is {value!r} here; "
            "a limit is a whole number of items, 0 or more"
        )
        raise IntentError(msg)
    return value


# ---------------------------------------------------------------------------------------------
# Comparing what came back


@record
class Comparison:
    """How a returned sequence of items differs from the expected result.

    `missing` are expected items that did not come back; `unexpected` are returned items the
    intent does not select (or beyond the limit, or repeated). `misordered` is the first
    position in the returned sequence whose item belongs before an item returned earlier.
    """

    ok: bool
    missing: list[int]
    unexpected: list[int]
    misordered: int | None
    expected_count: int
    actual_count: int


def compare(expected: Expected, actual: Sequence[int]) -> Comparison:
    """Compare `actual` (item indices, in the order returned) with `expected`.

    Accepted, exactly: every item of the groups before the limit, in any order inside a group
    and group after group when ordered; and from the group the limit cuts through, any of its
    members, as many as the limit leaves room for. A member of that group returned beyond the
    room is unexpected. When too few of its members came back, the first absent ones in group
    order are reported missing: any of the absent members would have done.
    """
    count = expected.count
    rank: dict[int, int] = {}
    required: set[int] = set()
    boundary: list[int] = []
    room = 0
    taken = 0
    for position, group in enumerate(expected.groups):
        for index in group:
            rank[index] = position
        if taken + len(group) <= count:
            required.update(group)
            taken += len(group)
        elif taken < count:
            boundary, room = group, count - taken
            taken = count
    boundary_set = set(boundary)

    seen: set[int] = set()
    accepted: list[tuple[int, int]] = []  # (position in actual, item index)
    unexpected: list[int] = []
    used = 0
    for position, index in enumerate(actual):
        if index in seen:
            unexpected.append(index)
            continue
        seen.add(index)
        if index in required:
            accepted.append((position, index))
        elif index in boundary_set and used < room:
            used += 1
            accepted.append((position, index))
        else:
            unexpected.append(index)

    missing = [i for group in expected.groups for i in group if i in required and i not in seen]
    missing += [i for i in boundary if i not in seen][: room - used]

    misordered = None
    if expected.ordered:
        highest = -1
        for position, index in accepted:
            if rank[index] < highest:
                misordered = position
                break
            highest = max(highest, rank[index])

    return Comparison(
        ok=not missing and not unexpected and misordered is None,
        missing=missing,
        unexpected=unexpected,
        misordered=misordered,
        expected_count=count,
        actual_count=len(actual),
    )
