"""Parameter values for the runner's calls, chosen from the sample items to expose keys that
match too much: prefixes of present values, delimiters, case and Unicode variants, range
bounds equal to present values, and a probe with an absent prefix."""

from __future__ import annotations

import itertools
import unicodedata
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from tablemodel.design import Design, PatternDesign, rule_of
from tablemodel.keylang.charset import CharSetSyntaxError
from tablemodel.run.intent import in_stored_order, parameter_of, stored
from tablemodel.run.items import SampleError, SampleItem
from tablemodel.run.sample.candidates import candidates_for, context_of, unique
from tablemodel.runtime.values import AttributeValueError, Rule

__all__ = ["parameter_sets"]


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
        present = in_stored_order(self.observed(use, bound))
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
