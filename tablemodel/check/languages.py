"""Key languages: which keys an entity can write and which a key condition can match.

String keys are regular languages (see `tablemodel.keylang.automata`); number keys are intervals.
The rules ask two questions of them: can these two sets meet, and if so, show me a key.
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation

from tablemodel.design import SCALAR_TYPE, ConditionDesign, Design, EntityDesign, PatternDesign
from tablemodel.keylang.automata import Nfa, ValueDomain, at_least, at_most, intersect, template_nfa
from tablemodel.keylang.templates import KeyTemplate, Variable
from tablemodel.records import record
from tablemodel.schema.model import AttributeSpec


@record
class Interval:
    """A closed or open interval of numbers; None bounds are infinite."""

    low: float = -math.inf
    high: float = math.inf
    low_open: bool = False
    high_open: bool = False

    def intersection(self, other: Interval) -> Interval:
        low, low_open = max((self.low, self.low_open), (other.low, other.low_open))
        # For the upper bound the open one is the smaller: compare with `not open`.
        high, closed = min((self.high, not self.high_open), (other.high, not other.high_open))
        return Interval(low, high, low_open, not closed)

    @property
    def is_empty(self) -> bool:
        if self.low < self.high:
            return False
        return not (self.low == self.high and not self.low_open and not self.high_open)

    def meets(self, other: Interval) -> bool:
        return not self.intersection(other).is_empty

    def example(self) -> str:
        if self.low == -math.inf and self.high == math.inf:
            return "0"
        if self.low == -math.inf:
            return _number(self.high - 1 if self.high_open else self.high)
        return _number(self.low + 1 if self.low_open else self.low)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def _constant_number(template: KeyTemplate) -> float | None:
    if not template.is_constant:
        return None
    try:
        return float(Decimal(template.source))
    except (InvalidOperation, ValueError):
        return None


def spec_interval(spec: AttributeSpec | None) -> Interval:
    if spec is None:
        return Interval()
    low = spec.minimum if spec.minimum is not None else -math.inf
    high = spec.maximum if spec.maximum is not None else math.inf
    return Interval(low, high)


def number_template_interval(template: KeyTemplate, specs: dict[str, AttributeSpec]) -> Interval:
    constant = _constant_number(template)
    if constant is not None:
        return Interval(constant, constant)
    if len(template.parts) == 1 and isinstance(template.parts[0], Variable):
        return spec_interval(specs.get(template.parts[0].name))
    return Interval()


# ---------------------------------------------------------------------------------------------


def entity_language(design: Design, entity: EntityDesign, attribute: str) -> Nfa | None:
    """The keys `entity` writes into string key `attribute` (None when it writes none)."""
    template = entity.templates.get(attribute)
    if template is None:
        return None
    return template_nfa(template, entity.domains, design.encoding_of(attribute))


def condition_language(design: Design, pattern: PatternDesign, cond: ConditionDesign) -> Nfa:
    """The string keys a key condition matches, for any values of the pattern's parameters."""
    domains: dict[str, ValueDomain] = dict(pattern.domains)
    encoding = design.encoding_of(cond.attribute)
    first = template_nfa(cond.templates[0], domains, encoding)
    op = cond.operator
    if op == "eq":
        return first
    if op == "begins_with":
        return first.then_anything()
    if op in {"lt", "lte"}:
        return at_most(first, strict=op == "lt")
    if op in {"gt", "gte"}:
        return at_least(first, strict=op == "gt")
    second = template_nfa(cond.templates[1], domains, encoding)
    return intersect(at_least(first, strict=False), at_most(second, strict=False))


def condition_interval(pattern: PatternDesign, cond: ConditionDesign) -> Interval:
    """The numbers a condition on a number key can match, for any parameter values."""
    specs = dict(pattern.parameters)
    first = number_template_interval(cond.templates[0], specs)
    op = cond.operator
    if op == "eq":
        return first
    if op in {"lt", "lte"}:
        return Interval(high=first.high, high_open=op == "lt")
    if op in {"gt", "gte"}:
        return Interval(low=first.low, low_open=op == "gt")
    if op == "between":
        second = number_template_interval(cond.templates[1], specs)
        return Interval(first.low, second.high)
    return Interval()  # begins_with on a number is reported by its own rule


def entity_interval(entity: EntityDesign, attribute: str) -> Interval | None:
    template = entity.templates.get(attribute)
    if template is None:
        return None
    return number_template_interval(template, dict(entity.spec.attributes))


@record
class Match:
    """Whether an entity's key can satisfy a condition, with an example key when it can."""

    possible: bool
    example: str | None = None


def match_condition(
    design: Design,
    pattern: PatternDesign,
    entity: EntityDesign,
    cond: ConditionDesign,
) -> Match:
    key_type = design.key_type(cond.attribute) or "S"
    if key_type == "N":
        mine = entity_interval(entity, cond.attribute)
        if mine is None:
            return Match(False)
        theirs = condition_interval(pattern, cond)
        if not mine.meets(theirs):
            return Match(False)
        return Match(True, mine.intersection(theirs).example())
    if key_type == "B":
        return Match(entity.writes(cond.attribute), "<binary>")
    template = entity.templates.get(cond.attribute)
    if template is None:
        return Match(False)
    folded = design.encoding_of(cond.attribute).fold_case
    if cond.operator in {"eq", "begins_with"} and not prefixes_compatible(
        template, cond.templates[0], folded=folded
    ):
        return Match(False)
    language = entity_language(design, entity, cond.attribute)
    if language is None:
        return Match(False)
    witness = intersect(language, condition_language(design, pattern, cond)).shortest_witness()
    return Match(witness is not None, witness)


def example_key_value(design: Design, entity: EntityDesign, attribute: str) -> str | None:
    """A readable example of a key `entity` writes into `attribute`."""
    template = entity.templates.get(attribute)
    if template is None:
        return None
    if design.key_type(attribute) == "N":
        found = entity_interval(entity, attribute)
        return found.example() if found is not None else None
    encoding = design.encoding_of(attribute)
    return template_nfa(template, entity.domains, encoding).shortest_witness()


def prefixes_compatible(a: KeyTemplate, b: KeyTemplate, *, folded: bool = False) -> bool:
    """False when the literal texts before the first placeholders already differ.

    A cheap exact pre-test: keys from `a` start with `a.literal_prefix`, keys from `b` with
    `b.literal_prefix` (placeholders are never empty), so when neither prefix starts the
    other no key is in both languages, and no automaton needs building. In a key `folded` to
    lower case the prefixes are compared as the key holds them, lowered.
    """
    x, y = a.literal_prefix, b.literal_prefix
    if folded:
        x, y = x.lower(), y.lower()
    return x.startswith(y) or y.startswith(x)


def template_type(design: Design, entity_name: str, key: str) -> str | None:
    """The DynamoDB type the entity's template produces for `key` (None if unknown)."""
    entity = design.entities[entity_name]
    template = entity.templates.get(key)
    if template is None:
        return None
    parts = template.parts
    if len(parts) == 1 and isinstance(parts[0], Variable) and parts[0].width is None:
        spec = entity.spec.attributes[parts[0].name]
        return SCALAR_TYPE.get(spec.type, f"<{spec.type}>")
    if template.is_constant and design.key_type(key) == "N":
        try:
            float(template.source)
        except ValueError:
            return "S"
        return "N"
    return "S"


def common_key(design: Design, a: EntityDesign, b: EntityDesign, key: str) -> str | None:
    """A value both entities can write into key attribute `key`, or None when none exists."""
    if design.key_type(key) == "N":
        ia, ib = entity_interval(a, key), entity_interval(b, key)
        if ia is None or ib is None or not ia.meets(ib):
            return None
        return ia.intersection(ib).example()
    if design.key_type(key) == "B":
        return "<binary>"
    folded = design.encoding_of(key).fold_case
    if not prefixes_compatible(a.templates[key], b.templates[key], folded=folded):
        return None
    la, lb = entity_language(design, a, key), entity_language(design, b, key)
    if la is None or lb is None:
        return None
    return intersect(la, lb).shortest_witness()


def common_primary_key(design: Design, a: EntityDesign, b: EntityDesign) -> dict[str, str] | None:
    """A primary key both entities can write (key attribute -> value), or None when none can.

    None proves that an item's primary key tells the two apart: no key parses as both (this
    over-approximates each entity's keys, so a key it finds may still be unreachable).
    """
    shared: dict[str, str] = {}
    for key in design.table.key_names:
        if key not in a.templates or key not in b.templates:
            return None
        value = common_key(design, a, b, key)
        if value is None:
            return None
        shared[key] = value
    return shared
