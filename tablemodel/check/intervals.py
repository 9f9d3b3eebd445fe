"""What two conjunctions of comparisons on one attribute allow, compared for every parameter.

The key condition of a pattern and its intent each say, for one attribute, a conjunction of
comparisons: `loanEndDate > $today` against `loanEndDate < $today`, `created_at >= $start and
created_at < $end` against `created_at between $start and $end`. Each comparison names a
point: a parameter, a constant, or (for a `date` compared with a `datetime` attribute) the
start of a day. Whatever values the parameters take, the points fall in some order, and the
attribute's values then split into the points themselves, the open gaps between them, and
"absent". `difference` tries every order the points can take (constants keep theirs, the start
of a day comes before the start of the next) and evaluates both conjunctions on every part:
a part one side selects and the other does not is a counterexample, which `Witness` turns into
concrete values (`today = "2024-01-10"`, `loanEndDate = "2024-01-20"`).

A `date` bound on a `datetime` attribute means the whole day (docs/model.md): `lt $day` is
before the day starts, `lte $day` up to its end, `gt $day` after it ends, `gte $day` from its
start, `eq $day` within it. The oracle of `check --run` evaluates the same.
"""

from __future__ import annotations

import ast
import datetime as dt
import itertools
import json
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from tablemodel.check.proof import Atom
from tablemodel.records import record

__all__ = ["Difference", "Texts", "Witness", "difference"]

_T = TypeVar("_T")

_MAX_POINTS = 5  # 541 orders of five points; beyond that, the run decides

_ORDERED = frozenset({"eq", "ne", "lt", "lte", "gt", "gte"})
_DAY = dt.timedelta(days=1)


@record
class Point:
    """A bound: a parameter (`symbol`), a constant (`value`), or the start of a day.

    `day` points are the start of the day `symbol` names (or of the constant date), plus
    `offset` days: the whole-day meaning of a date compared with a datetime attribute.
    """

    symbol: str | None = None
    value: object = None
    offset: int = 0
    day: bool = False

    def label(self) -> str:
        if self.symbol is None:
            return _show(self.value)
        if not self.day:
            return f"${self.symbol}"
        return f"the start of ${self.symbol}" + (" + 1 day" if self.offset else "")


@record
class _Cond:
    operator: str  # eq ne lt lte gt gte, or exists / absent
    point: Point | None = None


@record
class Witness:
    """A value of the attribute one side selects and the other does not, with the parameters."""

    parameters: tuple[tuple[str, str], ...]
    value: str | None  # None: the item lacks the attribute

    def describe(self, entity: str, attribute: str) -> str:
        article = "an" if entity[:1].lower() in "aeiou" else "a"
        item = (
            f"{article} `{entity}` item without `{attribute}`"
            if self.value is None
            else f"{article} `{entity}` item with `{attribute} = {self.value}`"
        )
        if not self.parameters:
            return item
        given = ", ".join(f"{name} = {value}" for name, value in self.parameters)
        return f"with {given}, {item}"


@record
class Difference:
    """Where the key condition's selection (`over`) and the intent's (`under`) stick out."""

    over: Witness | None  # the key condition selects it, the intent does not
    under: Witness | None  # the intent selects it, the key condition does not


@record
class Texts:
    """The strings a counterexample may use: characters (in order) and lengths."""

    chars: str
    min_length: int = 1
    max_length: int | None = None

    def fits(self, text: str) -> bool:
        return (
            self.min_length <= len(text)
            and (self.max_length is None or len(text) <= self.max_length)
            and all(c in self.chars for c in text)
        )


@record
class _Values:
    kind: str | None
    texts: Texts | None = None


def difference(
    keyed: Sequence[Atom],
    intended: Sequence[Atom],
    *,
    attribute_type: str | None,
    parameter_types: Mapping[str, str],
    texts: Texts | None = None,
) -> Difference | None:
    """How the two conjunctions differ for some parameter values; None when beyond this method.

    `Difference(None, None)` means they select the same values whatever the parameters.
    `texts` keeps the strings of a counterexample within what the attribute and parameters
    may hold.
    """
    key = _conditions(keyed, attribute_type, parameter_types)
    intent = _conditions(intended, attribute_type, parameter_types)
    if key is None or intent is None:
        return None
    points = list(dict.fromkeys(c.point for c in (*key, *intent) if c.point is not None))
    if len(points) > _MAX_POINTS or not _comparable(points):
        return None
    kind = _kind(attribute_type)
    values = _Values(kind, texts)
    over: Witness | None = None
    under: Witness | None = None
    for ranks in _orders(points, kind):
        classes = max(ranks.values()) + 1 if ranks else 0
        for region in _regions(classes, ranks, points, kind):
            in_key = all(_holds(c, region, ranks) for c in key)
            in_intent = all(_holds(c, region, ranks) for c in intent)
            if in_key and not in_intent and over is None:
                over = _witness(region, ranks, points, values)
            if in_intent and not in_key and under is None:
                under = _witness(region, ranks, points, values)
        if over is not None and under is not None:
            break
    return Difference(over, under)


# ---------------------------------------------------------------------------------------------
# Conditions


def _conditions(
    atoms: Sequence[Atom], attribute_type: str | None, parameter_types: Mapping[str, str]
) -> list[_Cond] | None:
    out: list[_Cond] = []
    for atom in atoms:
        if atom.operator == "exists":
            out.append(_Cond("exists" if atom.operand == "true" else "absent"))
            continue
        if atom.operator not in _ORDERED:
            return None  # begins_with, in: not a matter of order
        point = _point(atom.operand, attribute_type, parameter_types)
        if point is None:
            return None
        if not point.day:
            out.append(_Cond(atom.operator, point))
            continue
        start, end = point, Point(point.symbol, point.value, 1, day=True)
        match atom.operator:
            case "lt":
                out.append(_Cond("lt", start))
            case "lte":
                out.append(_Cond("lt", end))
            case "gt":
                out.append(_Cond("gte", end))
            case "gte":
                out.append(_Cond("gte", start))
            case "eq":
                out += [_Cond("gte", start), _Cond("lt", end)]
            case _:
                return None  # `ne` a whole day: outside it on either side, no conjunction
    return out


def _point(
    operand: str, attribute_type: str | None, parameter_types: Mapping[str, str]
) -> Point | None:
    if operand.startswith("$"):
        name = operand[1:]
        day = attribute_type == "datetime" and parameter_types.get(name) == "date"
        return Point(symbol=name, day=day)
    try:
        literal = ast.literal_eval(operand) if operand[:1] in {"'", '"'} else operand
    except (ValueError, SyntaxError):
        return None
    if attribute_type in {"number", "integer"}:
        try:
            return Point(value=Decimal(str(literal)))
        except InvalidOperation:
            return None
    if not isinstance(literal, str) or operand in {"true", "false"}:
        return None
    text: str = literal
    if attribute_type == "date":
        try:
            return Point(value=dt.date.fromisoformat(text))
        except ValueError:
            return Point(value=text)
    if attribute_type == "datetime":
        date = _date(text)
        if date is not None:
            return Point(value=date, day=True)
        try:
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
        return Point(value=moment) if moment.tzinfo is not None else None
    return Point(value=text)


def _date(text: str) -> dt.date | None:
    if len(text) != 10:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _comparable(points: Sequence[Point]) -> bool:
    kinds = {type(_value(p)).__name__ for p in points if p.symbol is None}
    return len(kinds) <= 1


def _value(point: Point) -> object:
    """A constant point's value in the attribute's order (a day point: its start)."""
    value = point.value
    if point.day and isinstance(value, dt.date):
        start = dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
        return start + point.offset * _DAY
    return value


def _kind(attribute_type: str | None) -> str | None:
    if attribute_type in {"number", "integer", "date", "datetime"}:
        return attribute_type
    if attribute_type in {"string", "enum", None}:
        return "string"
    return None


# ---------------------------------------------------------------------------------------------
# Orders and regions


def _less(a: object, b: object) -> bool:
    return bool(a < b)  # type: ignore[operator]  # one kind of constant, checked by _comparable


def _orders(points: Sequence[Point], kind: str | None) -> list[dict[Point, int]]:
    """Every weak order of the points that parameter values can produce, most distinct first."""
    n = len(points)
    found: list[dict[Point, int]] = []
    for ranks in itertools.product(range(n), repeat=n):
        used = sorted(set(ranks))
        if used != list(range(len(used))):
            continue
        order = dict(zip(points, ranks, strict=True))
        if _possible(order, kind):
            found.append(order)
    found.sort(key=lambda order: -len(set(order.values())))
    return found


def _possible(order: Mapping[Point, int], kind: str | None) -> bool:
    constants = [(p, _value(p)) for p in order if p.symbol is None]
    for (p, a), (q, b) in itertools.combinations(constants, 2):
        if a == b:  # a day's start and the same instant written as a datetime
            if order[p] != order[q]:
                return False
            continue
        if (order[p] < order[q]) != _less(a, b) or order[p] == order[q]:
            return False
    by_symbol: dict[str, list[Point]] = {}
    for p in order:
        if p.symbol is not None and p.day:
            by_symbol.setdefault(p.symbol, []).append(p)
    for days in by_symbol.values():
        for p, q in itertools.combinations(days, 2):
            if (p.offset < q.offset) != (order[p] < order[q]) or order[p] == order[q]:
                return False
    if kind in {"integer", "date"}:
        # Nothing lies between two adjacent constants of a discrete order.
        for (p, a), (q, b) in itertools.permutations(constants, 2):
            if _adjacent(a, b) and any(order[p] < order[r] < order[q] for r in order):
                return False
    return True


def _adjacent(a: object, b: object) -> bool:
    if isinstance(a, Decimal) and isinstance(b, Decimal):
        return a == a.to_integral_value() and b - a == 1
    if isinstance(a, dt.date) and isinstance(b, dt.date):
        return b - a == _DAY
    return False


Region = tuple[str, int]  # ("point", rank), ("gap", k): between ranks k-1 and k, ("absent", 0)


def _regions(
    classes: int, order: Mapping[Point, int], points: Sequence[Point], kind: str | None
) -> list[Region]:
    out: list[Region] = [("absent", 0)]
    for k in range(classes + 1):
        if 0 < k < classes and kind in {"integer", "date"}:
            below = [_value(p) for p in points if order[p] == k - 1 and p.symbol is None]
            above = [_value(p) for p in points if order[p] == k and p.symbol is None]
            if below and above and _adjacent(below[0], above[0]):
                continue  # an empty gap
        out.append(("gap", k))
        if k < classes:
            out.append(("point", k))
    return out


def _holds(cond: _Cond, region: Region, order: Mapping[Point, int]) -> bool:
    where, k = region
    if cond.operator in {"exists", "absent"}:
        return (where != "absent") == (cond.operator == "exists")
    if where == "absent":
        return cond.operator == "ne"
    assert cond.point is not None
    r = order[cond.point]
    if where == "point":
        return {
            "eq": k == r,
            "ne": k != r,
            "lt": k < r,
            "lte": k <= r,
            "gt": k > r,
            "gte": k >= r,
        }[cond.operator]
    # A gap k lies above rank k-1 and below rank k.
    return {
        "eq": False,
        "ne": True,
        "lt": k <= r,
        "lte": k <= r,
        "gt": k > r,
        "gte": k > r,
    }[cond.operator]


# ---------------------------------------------------------------------------------------------
# Concrete values


def _witness(
    region: Region, order: Mapping[Point, int], points: Sequence[Point], kind: _Values
) -> Witness:
    values = _realise(order, points, kind)
    symbols = sorted({p.symbol for p in points if p.symbol is not None})
    if values is None:
        return _symbolic(region, order, points, symbols)
    parameters: list[tuple[str, str]] = []
    for name in symbols:
        point = next(p for p in points if p.symbol == name)
        value = values[order[point]]
        if point.day and isinstance(value, dt.datetime):
            parameters.append((name, _show((value - point.offset * _DAY).date())))
        else:
            parameters.append((name, _show(value)))
    where, k = region
    if where == "absent":
        return Witness(tuple(parameters), None)
    if where == "point":
        return Witness(tuple(parameters), _show(values[k]))
    low = values[k - 1] if k > 0 else None
    high = values[k] if k < len(values) else None
    inside = _between(low, high, kind)
    if inside is None:
        return _symbolic(region, order, points, symbols)
    return Witness(tuple(parameters), _show(inside))


def _symbolic(
    region: Region, order: Mapping[Point, int], points: Sequence[Point], symbols: list[str]
) -> Witness:
    del symbols
    where, k = region
    if where == "absent":
        return Witness((), None)
    at = [p for p in points if order[p] == k]
    below = [p for p in points if order[p] == k - 1]
    if where == "point":
        return Witness((), " = ".join(p.label() for p in at))
    if not at:
        return Witness((), "above " + below[0].label())
    if not below:
        return Witness((), "below " + at[0].label())
    return Witness((), f"between {below[0].label()} and {at[0].label()}")


def _realise(
    order: Mapping[Point, int], points: Sequence[Point], kind: _Values
) -> list[object] | None:
    """A value for every rank of `order`, or None when this method finds none."""
    if kind.kind is None:
        return None
    classes = max(order.values()) + 1
    fixed: dict[int, object] = {}
    for p in points:
        if p.symbol is None:
            fixed[order[p]] = _value(p)
    values: list[object] = []
    base: dict[str, dt.date] = {}
    for rank in range(classes):
        members = [p for p in points if order[p] == rank]
        value = fixed.get(rank)
        day = next((p for p in members if p.day and p.symbol is not None), None)
        if value is None and day is not None and day.symbol in base:
            start = base[day.symbol] + day.offset * _DAY
            value = dt.datetime(start.year, start.month, start.day, tzinfo=dt.UTC)
        if value is None:
            previous = values[-1] if values else None
            upper = next((fixed[r] for r in range(rank + 1, classes) if r in fixed), None)
            value = _between(previous, upper, kind, whole_day=day is not None)
            if value is None:
                return None
        for p in members:
            if p.day and p.symbol is not None and p.symbol not in base:
                if not isinstance(value, dt.datetime) or value.time() != dt.time(0):
                    return None
                base[p.symbol] = value.date() - p.offset * _DAY
        values.append(value)
    for a, b in itertools.pairwise(values):
        if not _less(a, b):
            return None
    for p in points:
        if p.day and p.symbol is not None:
            start = base[p.symbol] + p.offset * _DAY
            if values[order[p]] != dt.datetime(start.year, start.month, start.day, tzinfo=dt.UTC):
                return None
    return values


_START: dict[str, object] = {
    "number": Decimal(10),
    "integer": Decimal(10),
    "date": dt.date(2024, 1, 10),
    "datetime": dt.datetime(2024, 1, 10, tzinfo=dt.UTC),
}


def _between(low: object, high: object, kind: _Values, *, whole_day: bool = False) -> object:
    """A value strictly between `low` and `high` (either may be None: unbounded)."""
    match kind.kind:
        case None:
            return None
        case "number" | "integer":
            if low is None and high is None:
                return _START["number"]
            whole = kind.kind == "integer"
            return _between_numbers(_typed(low, Decimal), _typed(high, Decimal), whole)
        case "date":
            if low is None and high is None:
                return _START["date"]
            return _between_dates(_typed(low, dt.date), _typed(high, dt.date))
        case "datetime":
            if low is None and high is None:
                return _START["datetime"]
            return _between_moments(
                _typed(low, dt.datetime), _typed(high, dt.datetime), whole_day=whole_day
            )
        case _:
            return _between_texts(_typed(low, str), _typed(high, str), kind.texts)


def _typed(value: object, kind: type[_T]) -> _T | None:
    if value is None:
        return None
    assert isinstance(value, kind)
    return value


def _between_numbers(low: Decimal | None, high: Decimal | None, whole: bool) -> Decimal | None:
    if low is None:
        return high - 10 if high is not None else None
    if high is None:
        return low + 10
    middle = (low + high) / 2
    if whole:
        middle = middle.to_integral_value(rounding="ROUND_FLOOR")
    return middle if low < middle < high else None


def _between_dates(low: dt.date | None, high: dt.date | None) -> dt.date | None:
    if low is None:
        return high - 10 * _DAY if high is not None else None
    if high is None:
        return low + 10 * _DAY
    middle = low + (high - low) // 2
    return middle if low < middle < high else None


def _between_moments(
    low: dt.datetime | None, high: dt.datetime | None, *, whole_day: bool
) -> dt.datetime | None:
    if whole_day:  # the start of a day: a midnight clear of both neighbours
        if low is None:
            assert high is not None
            day = (high - 10 * _DAY).date()
        elif high is None:
            day = (low + 10 * _DAY).date()
        else:
            day = (low + (high - low) / 2).date()
        start = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
        inside = (low is None or low < start) and (high is None or start < high)
        return start if inside else None
    if low is None:
        return high - dt.timedelta(hours=12) if high is not None else None
    if high is None:
        return low + dt.timedelta(hours=12)
    return low + (high - low) / 2


_ANY_TEXT = Texts("".join(chr(c) for c in (*range(48, 58), *range(65, 91), *range(97, 123))))


def _between_texts(low: str | None, high: str | None, texts: Texts | None) -> str | None:
    """A string strictly between, in code-point order (UTF-8 byte order, as DynamoDB's).

    Date-shaped strings (`2024-01-10`) where the characters and lengths allow them: they
    read as what such attributes usually hold; else strings over the allowed characters.
    """
    texts = texts or _ANY_TEXT
    dated = _between_texts_as_dates(low, high, texts)
    if dated is not None:
        return dated
    chars = texts.chars
    if not chars:
        return None
    candidates: list[str] = []
    if low is None and high is None:
        candidates.append(chars[len(chars) // 2] * max(texts.min_length, 1))
    if low is not None:
        candidates += [low + c for c in (chars[0], chars[len(chars) // 2])]
        candidates += [low[:-1] + c for c in chars if low and c > low[-1]]
    if high is not None:
        candidates += [
            high[:-1],
            *(high[:-1] + c for c in reversed(chars) if high and c < high[-1]),
        ]
        if low is None:
            candidates += [c * max(texts.min_length, 1) for c in chars]
    for text in candidates:
        if texts.fits(text) and (low is None or low < text) and (high is None or text < high):
            return text
    return None


def _between_texts_as_dates(low: str | None, high: str | None, texts: Texts) -> str | None:
    if not texts.fits("2024-01-10"):
        return None
    bounds = [_date(t) if t is not None else None for t in (low, high)]
    if any(t is not None and b is None for t, b in zip((low, high), bounds, strict=True)):
        return None
    found = _between_dates(*bounds) if any(bounds) else _START["date"]
    if not isinstance(found, dt.date):
        return None
    text = found.isoformat()
    return text if texts.fits(text) else None


def _show(value: object) -> str:
    if isinstance(value, Decimal):
        normal = value.normalize()
        return format(normal, "f") if normal == normal.to_integral_value() else str(normal)
    if isinstance(value, dt.datetime):
        return '"' + value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ") + '"'
    if isinstance(value, dt.date):
        return f'"{value.isoformat()}"'
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
