"""Parameter values for the runner's calls, chosen from the sample items to expose keys that
match too much: prefixes of present values, delimiters, case and Unicode variants, range
bounds equal to present values, and a probe with an absent prefix."""

from __future__ import annotations

import datetime as dt
import itertools
import unicodedata
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal

from tablemodel.design import Design, PatternDesign, rule_of
from tablemodel.keylang.charset import CharSetSyntaxError
from tablemodel.records import record
from tablemodel.run.intent import (
    IntentError,
    compare_stored,
    expected_result,
    in_stored_order,
    parameter_of,
    stored,
)
from tablemodel.run.items import SampleError, SampleItem
from tablemodel.run.sample.candidates import candidates_for, context_of, unique
from tablemodel.run.sample.fixtures import Unreadable, from_plain
from tablemodel.runtime.values import AttributeValueError, Rule

__all__ = ["chosen_sets", "example_sets", "parameter_sets"]


@record
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
    """The pattern's `examples` (always), then the sets `chosen_sets` chooses."""
    found = design.patterns.get(pattern)
    if found is None:
        raise SampleError(design.source, f"`{pattern}` is not an access pattern of this model")
    examples = example_sets(design, found)
    chosen = chosen_sets(design, pattern, items, max_sets=max_sets)
    keys = {_key(e) for e in examples}
    return examples + [c for c in chosen if _key(c) not in keys]


def _key(values: Mapping[str, object]) -> tuple[object, ...]:
    return tuple((name, stored(values[name])) for name in sorted(values))


def example_sets(design: Design, pattern: PatternDesign) -> list[dict[str, object]]:
    """The pattern's `examples`, each value read by its parameter's type (located errors)."""
    out: list[dict[str, object]] = []
    for i, example in enumerate(pattern.spec.examples):
        values: dict[str, object] = {}
        for name, raw in example.items():
            spec = pattern.parameters.get(name)
            if spec is None:
                continue  # TM108 reports it
            where = str(design.locate((*pattern.path, "examples", i, name)))
            try:
                value = from_plain(spec, raw)
                rule_of(spec).check(pattern.name, name, value)
            except Unreadable as err:
                raise SampleError(where, err.problem, err.expected) from None
            except (AttributeValueError, CharSetSyntaxError) as err:
                raise SampleError(where, str(err)) from None
            values[name] = value
        if set(values) == set(pattern.parameters):
            out.append(values)
    return out


def chosen_sets(
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
                for term in predicate.terms:
                    for position, operand in enumerate(term.operands):
                        parameter = parameter_of(operand)
                        # A parameter without a type (reported by the design) gets no value.
                        if parameter is not None and parameter in self.parameters:
                            self.uses.append(_Use(parameter, entity, attr, term.operator, position))
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
        return unique(values or fallback)

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
        self.ensure_something_expected(out, anchors, max_sets)
        if not out:
            missing = [n for n in self.parameters if self.generated(n) is None]
            raise SampleError(
                str(self.design.locate((*self.pattern.path, "parameters"))),
                f"no value satisfies the declaration of parameter `{missing[0]}` of "
                f"`{self.pattern.name}`",
                "bounds that leave room for a value",
            )
        return out

    def expects(self, values: Mapping[str, object]) -> int:
        """How many items a correct engine returns for `values` (the intent over the items)."""
        selected = [item for _, item in self.items]
        try:
            return expected_result(self.design, self.pattern.name, values, selected).count
        except IntentError:
            return 0

    def ensure_something_expected(
        self,
        out: list[dict[str, object]],
        anchors: Sequence[tuple[int, int, SampleItem]],
        max_sets: int,
    ) -> None:
        """Make one call expect items when the sample has any the intent can select.

        Sets chosen to probe edges may all select nothing (a range bound past every value, a
        limit of 0). Then a set taken whole from one item, each condition met by that item's
        own value, replaces the last set (or joins them, with room).
        """
        if not out or any(self.expects(values) for values in out):
            return
        for _, _, anchor in anchors or [(0, i, item) for i, item in self.items]:
            candidate = self.witness(anchor)
            if candidate is None or not self.expects(candidate):
                continue
            if len(out) >= max_sets:
                out.pop()
            out.append(candidate)
            return

    def witness(self, anchor: SampleItem) -> dict[str, object] | None:
        """Values under which the intent selects `anchor`: each use met by its own value."""
        values: dict[str, object] = {}
        for use in self.uses:
            if use.entity != anchor.entity or use.parameter in values:
                continue
            own = anchor.values.get(use.attribute)
            if own is None:
                return None
            if use.operator == "gt":
                choice = self.nudge(use.parameter, own, -1)
            elif use.operator == "lt":
                choice = self.nudge(use.parameter, own, +1)
            elif use.operator == "ne":
                continue
            else:  # eq, gte, lte, between (both ends), begins_with (a value prefixes itself), in
                choice = self.typed(use.parameter, own)
            if choice is None:
                return None
            values[use.parameter] = choice
        if self.limit is not None:
            values.setdefault(self.limit, self.typed(self.limit, 10))
        return self.complete(values, 0)

    def nudge(self, name: str, value: object, direction: int) -> object:
        """A value of parameter `name` just above (+1) or below (-1) `value`, or None."""
        if isinstance(value, str):
            for candidate in _text_nudges(value, direction) if value else []:
                typed = self.typed(name, candidate)
                if typed is not None:
                    return typed
            return None
        moved = _moved(value, direction)
        return self.typed(name, moved) if moved is not None else None

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
        return self.ordered_bounds({name: values[name] for name in self.parameters})

    def ordered_bounds(self, values: dict[str, object]) -> dict[str, object]:
        """`values` with every BETWEEN's bounds in order. Bounds cut from a short run of
        values (just above the second, just below the second to last) can cross, and DynamoDB
        refuses a lower bound above the upper one (ValidationException) where moto quietly
        returns nothing: crossed bounds are swapped, so the window still cuts at both edges."""
        lower = {
            (use.entity, use.attribute): use.parameter
            for use in self.uses
            if use.operator == "between" and use.position == 0
        }
        for use in self.uses:
            if use.operator != "between" or use.position != 1:
                continue
            low, high = lower.get((use.entity, use.attribute)), use.parameter
            if low is None or low == high:
                continue
            if compare_stored(stored(values[low]), stored(values[high])) > 0:
                values[low], values[high] = values[high], values[low]
        return values

    def choose(self, use: _Use, bound: Mapping[str, object], ordinal: int) -> object:
        present = in_stored_order(self.observed(use, bound))
        if not present:
            return None
        n = len(present)
        # Range bounds cut inside the values present: equal to one (inclusive edges matter),
        # just inside it (it stays in), just outside it (it drops out), then the middle.
        lower = [(1, 0), (1, -1), (1, +1), (n // 2, 0)][ordinal % 4]
        upper = [(n - 2, 0), (n - 2, +1), (n - 2, -1), (n // 2, 0)][ordinal % 4]
        if use.operator == "between":
            at, step = upper if use.position else lower
            return self.bound(use.parameter, present, at, step)
        if use.operator in {"gt", "gte"}:
            return self.bound(use.parameter, present, *lower)
        if use.operator in {"lt", "lte"}:
            return self.bound(use.parameter, present, *upper)
        if use.operator == "begins_with":
            return self.prefix(use.parameter, present, ordinal)
        score = self.hostility(present)
        ranked = sorted(present, key=lambda v: -score(v))
        start = (ordinal + use.position) % n
        return self.pick(use.parameter, ranked, [start])

    def bound(self, name: str, present: Sequence[object], at: int, step: int) -> object:
        """The value at position `at`, moved just above (+1) or below (-1) it if `step`."""
        n = len(present)
        at = min(max(at, 0), n - 1)
        if step:
            moved = self.nudge(name, present[at], step)
            if moved is not None:
                return moved
        return self.pick(name, present, [at])

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
        present = unique(
            item.values[name]
            for _, item in self.items
            if item.values.get(name) is not None and item.entity in self.pattern.returns
        )
        return self.pick(name, present, [ordinal]) if present else None

    def generated(self, name: str) -> object:
        spec = self.parameters[name]
        special, plain = candidates_for(name, spec, 3, context_of(self.design), ())
        for value in [*special, *plain]:
            typed = self.typed(name, value)
            if typed is not None:
                return typed
        return None

    def typed(self, name: str, value: object) -> object:
        """`value` as the parameter's type (None when its rule refuses it).

        A `date` parameter compared with a datetime attribute takes the datetime's UTC day,
        and a `datetime` parameter a date's first instant, so both come from values present.
        """
        kind = self.parameters[name].type
        if kind == "date" and isinstance(value, dt.datetime):
            value = value.astimezone(dt.UTC).date()
        elif (
            kind == "datetime" and isinstance(value, dt.date) and not isinstance(value, dt.datetime)
        ):
            value = dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
        if kind == "number" and isinstance(value, int) and not isinstance(value, bool):
            value = Decimal(value)
        elif kind == "integer" and isinstance(value, Decimal) and value == value.to_integral():
            value = int(value)
        try:
            self.rules[name].check(self.pattern.name, name, value)
        except AttributeValueError:
            return None
        return value


def _moved(value: object, direction: int) -> object:
    """A number, date or datetime one small step up or down; None for other values."""
    try:
        if isinstance(value, dt.datetime):
            return value + direction * dt.timedelta(seconds=1)
        if isinstance(value, dt.date):
            return value + direction * dt.timedelta(days=1)
    except OverflowError:  # the first or last day a date can hold
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value + direction
    if isinstance(value, Decimal):
        return value + direction * Decimal("0.001")
    return None


def _text_nudges(value: str, direction: int) -> list[str]:
    """Strings just above (+1) or below (-1) `value` in byte order, most readable first."""
    if direction > 0:
        return [value + c for c in "0Aa-_"]
    shorter = [value[:-1]] if len(value) > 1 else []
    last = ord(value[-1])
    lowered = [value[:-1] + chr(last - 1)] if last > 32 else []
    return shorter + lowered


def _key_text(value: object) -> str | None:
    """The text a value takes inside a string key, where prefixes and delimiters matter."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return str(value)
    return None
