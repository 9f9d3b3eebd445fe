"""Proving a key condition against a pattern's intent.

For each entity a pattern returns, the key condition is translated into a conjunction of
atoms over the entity's attributes (`race_id = $race_id`), by lining the pattern's templates
up with the entity's. Filters add their atoms. The intent is a conjunction of atoms too. When
both translations succeed the two sets are compared exactly: equal means proven, a missing
or extra atom is a definite finding. When a translation is beyond this method (templates
that do not line up, ranges over several placeholders) the pattern is left to the runner.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation

from tablemodel.check.filters import constant_of, holds_on_constant
from tablemodel.check.ranges import BoundAtom, Walk, bound_atoms, walk
from tablemodel.design import (
    NUMERIC,
    ConditionDesign,
    Design,
    EntityDesign,
    PatternDesign,
    case_variants,
    keeps_case,
)
from tablemodel.diagnostics import quoted
from tablemodel.keylang.automata import ValueDomain, decode_value, parse_key
from tablemodel.keylang.charset import CharSet
from tablemodel.keylang.templates import KeyTemplate, Literal, Variable
from tablemodel.records import mutable_record, record
from tablemodel.schema.model import Predicate, Scalar

RANGE_OPS = frozenset({"lt", "lte", "gt", "gte"})

# Whether an entity composes one key attribute from two different value tuples (TM502's
# question); `tablemodel.check.analysis.Analysis.ambiguous` answers it once per design.
Ambiguity = Callable[[EntityDesign, str], bool]


@dataclass(frozen=True, order=True)
class Atom:
    """`attribute operator operand`, operands normalised (`$name` for parameters)."""

    attribute: str
    operator: str
    operand: str

    def __str__(self) -> str:
        symbol = {
            "eq": "=",
            "ne": "<>",
            "lt": "<",
            "lte": "<=",
            "gt": ">",
            "gte": ">=",
        }.get(self.operator)
        if symbol:
            return f"{self.attribute} {symbol} {self.operand}"
        return f"{self.operator}({self.attribute}, {self.operand})"


@mutable_record
class Translation:
    """The atoms a key condition imposes on one entity, or why they could not be derived.

    `bounds` maps each atom a range bound gave to how it was derived (for corrected bounds).
    """

    atoms: set[Atom] = field(default_factory=set)
    unknown: list[str] = field(default_factory=list)
    bounds: dict[Atom, BoundAtom] = field(default_factory=dict)


def normalise(value: Scalar, spec_type: str | None = None) -> str:
    """A canonical text for an operand, so equal values compare equal."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        if value.startswith("$$"):
            value = value[1:]
        elif value.startswith("$"):
            return value
        if spec_type in NUMERIC:
            try:
                return _number_text(Decimal(value))
            except InvalidOperation:
                return repr(value)
        return repr(value)
    return _number_text(Decimal(str(value)))


def _number_text(number: Decimal) -> str:
    normal = number.normalize()
    return format(normal, "f") if normal == normal.to_integral() else str(normal)


def predicate_atoms(attribute: str, predicate: Predicate, spec_type: str | None) -> list[Atom]:
    """The atoms of every condition the predicate puts on `attribute` (all must hold)."""
    atoms: list[Atom] = []
    for term in predicate.terms:
        # A prefix is text even on a number attribute: `00` and `0` are different prefixes.
        textual = term.operator == "begins_with"
        ops = [normalise(v, None if textual else spec_type) for v in term.operands]
        if term.operator == "between":
            atoms += [Atom(attribute, "gte", ops[0]), Atom(attribute, "lte", ops[1])]
        elif term.operator == "in":
            atoms.append(Atom(attribute, "in", ", ".join(sorted(ops))))
        else:
            atoms.append(Atom(attribute, term.operator, ops[0]))
    return atoms


# ---------------------------------------------------------------------------------------------
# Lining templates up


def _align(
    entity_t: KeyTemplate,
    pattern_t: KeyTemplate,
    *,
    prefix: bool,
    entity: EntityDesign,
    design: Design,
    attribute: str,
) -> list[tuple[str, str, str]] | None:
    """(entity variable, operator, operand) triples when the templates line up, else None."""
    if pattern_t.is_constant and not prefix:
        encoding = design.encoding_of(attribute)
        parsed = parse_key(entity_t, entity.domains, encoding, pattern_t.render({}))
        if parsed is None:
            return None
        if encoding.fold_case and any(not keeps_case(entity.spec.attributes[v]) for v in parsed):
            return None  # a value parsed from a folded key may not be the one written
        return [(v, "eq", repr(decode_value(x, encoding))) for v, x in parsed.items()]
    e, p = list(entity_t.parts), list(pattern_t.parts)
    out: list[tuple[str, str, str]] = []
    i = j = 0
    e_off = p_off = 0
    while j < len(p):
        if i >= len(e):
            return None
        ep, pp = e[i], p[j]
        last = j == len(p) - 1
        if isinstance(ep, Literal) and isinstance(pp, Literal):
            a, b = ep.text[e_off:], pp.text[p_off:]
            n = min(len(a), len(b))
            if a[:n] != b[:n]:
                return None
            e_off += n
            p_off += n
            if e_off == len(ep.text):
                i, e_off = i + 1, 0
            if p_off == len(pp.text):
                j, p_off = j + 1, 0
            continue
        if isinstance(ep, Variable) and isinstance(pp, Variable):
            if ep.width != pp.width:
                return None
            op = "begins_with" if prefix and last and ep.width is None else "eq"
            out.append((ep.name, op, f"${pp.name}"))
            i, j = i + 1, j + 1
            continue
        if isinstance(ep, Variable) and isinstance(pp, Literal):
            rest = pp.text[p_off:]
            following = e[i + 1] if i + 1 < len(e) else None
            if isinstance(following, Variable):
                return None
            stop = rest.find(following.text[0]) if isinstance(following, Literal) else -1
            if stop < 0:
                if not last:
                    return None
                op = "begins_with" if prefix else "eq"
                if not prefix and following is not None:
                    return None
                out.append((ep.name, op, repr(rest)))
                i, j, p_off = i + 1, j + 1, 0
                continue
            out.append((ep.name, "eq", repr(rest[:stop])))
            p_off += stop
            i += 1
            continue
        return None  # a pattern placeholder facing entity literal text
    if not prefix and (i < len(e) or e_off):
        return None
    return out


def _order_safe(
    domain: ValueDomain, following: Literal | Variable | None, design: Design, attribute: str
) -> bool:
    """Whether byte order of the key `attribute` as written equals the order of the values."""
    encoding = design.encoding_of(attribute)
    escaped = encoding.escaped | CharSet.of(encoding.escape_char)
    if encoding.escape and not (domain.charset & escaped).is_empty:
        return False
    if following is None:
        return True
    if not isinstance(following, Literal):
        return False
    low = domain.charset.min_char()
    return low is not None and low > following.text[0]


def translate(
    design: Design, pattern: PatternDesign, entity: EntityDesign, *, ambiguous: Ambiguity
) -> Translation:
    """The atoms the key condition and filter impose on `entity`'s items."""
    result = Translation()
    index = pattern.index
    if index is not None and index.kind != "table":
        # A sparse index holds only the items that have every attribute its keys are made of.
        for key in index.key_names:
            for var in entity.templates[key].variable_names if key in entity.templates else ():
                spec = entity.spec.attributes.get(var)
                if spec is not None and spec.optional:
                    result.atoms.add(Atom(var, "exists", "true"))
    for cond in pattern.partitions:
        _translate_condition(design, pattern, entity, cond, result=result, ambiguous=ambiguous)
    for attr, predicate in pattern.spec.filter.items():
        constant = constant_of(design, entity, attr)
        if constant is not None:
            # The discriminator (or an enum of one value): the same in every item.
            if holds_on_constant(predicate, constant) is None:
                result.unknown.append(
                    f"the filter on `{attr}` compares `{entity.name}`'s {constant!r} with a"
                    " parameter"
                )
            continue  # it holds (an entity it excludes is not reached at all)
        spec = entity.spec.attributes.get(attr)
        if spec is None:
            result.unknown.append(
                f"the filter on `{attr}` meets `{entity.name}` items, which lack that attribute"
            )
            continue
        if spec.type == "datetime" and _dates_in(pattern, predicate):
            # DynamoDB compares the stored text; the whole-day meaning is the intent's only.
            result.unknown.append(
                f"the filter compares `{attr}`, a datetime, with a date: DynamoDB compares text"
            )
            continue
        result.atoms.update(predicate_atoms(attr, predicate, spec.type))
    # The sort key last, left to right: a range bound is read with what the rest pins.
    for cond in pattern.sorts:
        _translate_condition(design, pattern, entity, cond, result=result, ambiguous=ambiguous)
    return result


def _dates_in(pattern: PatternDesign, predicate: Predicate) -> bool:
    """Whether a condition compares with a `date` parameter or a `YYYY-MM-DD` literal."""
    for term in predicate.terms:
        for operand in term.operands:
            if (
                isinstance(operand, str)
                and operand.startswith("$")
                and not operand.startswith("$$")
            ):
                spec = pattern.parameters.get(operand[1:])
                if spec is not None and spec.type == "date":
                    return True
            elif isinstance(operand, str) and len(operand) == 10 and operand[4:5] == "-":
                return True
    return False


def _translate_condition(
    design: Design,
    pattern: PatternDesign,
    entity: EntityDesign,
    cond: ConditionDesign,
    *,
    result: Translation,
    ambiguous: Ambiguity,
) -> None:
    template = entity.templates.get(cond.attribute)
    if template is None:
        result.unknown.append(f"`{entity.name}` does not write `{cond.attribute}`")
        return
    key_type = design.key_type(cond.attribute) or "S"
    specs = entity.spec.attributes
    folded = key_type == "S" and design.encoding_of(cond.attribute).fold_case
    if folded:
        # The keys hold the templates' text lowered: `ORDER#` and `order#` line up.
        template = template.lowered()
        cond = replace(cond, templates=tuple(t.lowered() for t in cond.templates))
    if key_type == "S" and cond.attribute in design.folded_keys:
        merged = [v for v in template.variable_names if case_variants(specs[v]) is not None]
        if merged:
            result.unknown.append(
                f"`{cond.attribute}` is folded to lower case, so one key stands for every"
                f" case variant of {quoted(merged)} (TM503)"
            )
            return
    if key_type == "S" and ambiguous(entity, cond.attribute):
        # Lining placeholders up one to one is only sound when each key has one parse.
        result.unknown.append(
            f"`{entity.name}` composes one `{cond.attribute}` from different values with"
            f' "{template.source}" (TM502), so equal keys need not mean equal attributes'
        )
        return

    def typed(var: str, operator: str, operand: str) -> str:
        # A prefix of a number's digits is text (`begins_with(lap, '00')`), not a number.
        spec = specs.get(var)
        if (
            operand.startswith("$")
            or operator == "begins_with"
            or spec is None
            or spec.type not in NUMERIC
        ):
            return operand
        return normalise(operand.strip("'\""), spec.type)

    if cond.operator in {"eq", "begins_with"}:
        if key_type == "N" and cond.operator == "eq":
            triples = _align(
                template,
                cond.templates[0],
                prefix=False,
                entity=entity,
                design=design,
                attribute=cond.attribute,
            )
            if triples is None and template.variable_names and cond.templates[0].is_constant:
                triples = [(template.variable_names[0], "eq", cond.templates[0].source)]
        else:
            triples = _align(
                template,
                cond.templates[0],
                prefix=cond.operator == "begins_with",
                entity=entity,
                design=design,
                attribute=cond.attribute,
            )
        if triples is None:
            result.unknown.append(
                f'`{cond.attribute}` condition "{cond.templates[0].source}" does not line up'
                f' with `{entity.name}`\'s template "{template.source}"'
            )
            return
        result.atoms.update(Atom(v, op, typed(v, op, x)) for v, op, x in triples)
        return

    if key_type == "S":
        _translate_range(
            design, pattern, entity, cond, template=template, result=result, typed=typed
        )
        return
    # Ranges on a number key: its template is one number attribute.
    operators = ["gte", "lte"] if cond.operator == "between" else [cond.operator]
    for pattern_t, op in zip(cond.templates, operators, strict=True):
        triples = _align(
            template,
            pattern_t,
            prefix=False,
            entity=entity,
            design=design,
            attribute=cond.attribute,
        )
        if (
            triples is None
            or len(triples) != 1
            or len(template.variables) != 1
            or triples[0][1] != "eq"
        ):
            result.unknown.append(
                f'the range on `{cond.attribute}` ("{pattern_t.source}") covers more than one'
                f' placeholder of "{template.source}"'
            )
            return
        var = template.variables[0]
        index = template.parts.index(var)
        following = template.parts[index + 1] if index + 1 < len(template.parts) else None
        domain = entity.domains.get(var.name, ValueDomain(CharSet.any()))
        numeric_key = key_type == "N"
        if (
            not numeric_key
            and var.width is None
            and not _order_safe(domain, following, design, cond.attribute)
        ):
            result.unknown.append(
                f"the byte order of `{cond.attribute}` is not the order of `{var.name}` values"
            )
            return
        result.atoms.add(Atom(var.name, op, typed(var.name, op, triples[0][2])))


def _translate_range(
    design: Design,
    pattern: PatternDesign,
    entity: EntityDesign,
    cond: ConditionDesign,
    *,
    template: KeyTemplate,
    result: Translation,
    typed: Callable[[str, str, str], str],
) -> None:
    """A range on a string key, bound by bound, as conditions on the entity's attributes."""
    if cond.operator == "between":
        bounds = [(cond.templates[0], "gte"), (cond.templates[1], "lte")]
    else:
        bounds = [(cond.templates[0], cond.operator)]
    walks: list[tuple[Walk, str]] = []
    for bound, operator in bounds:
        folded = design.encoding_of(cond.attribute).fold_case
        walked = walk(design, pattern, entity, template, bound, folded=folded)
        if isinstance(walked, str):
            result.unknown.append(
                f'the range on `{cond.attribute}` ("{bound.source}") against "{template.source}":'
                f" {walked}"
            )
            return
        walks.append((walked, operator))
    pinned = {a.attribute: a.operand for a in result.atoms if a.operator == "eq"}
    if len(walks) == 2:
        # Both bounds begin with the same value: every key between them has that value.
        (low, low_op), (high, high_op) = walks
        shared = 0
        for a, b in zip(low.steps, high.steps, strict=False):
            same = (a.attribute, a.operand, a.day) == (b.attribute, b.operand, b.day)
            if not same or a.day or not (a.delimited and b.delimited):
                break
            if a.attribute not in pinned:
                atom = Atom(a.attribute, "eq", typed(a.attribute, "eq", a.operand))
                result.atoms.add(atom)
                pinned[a.attribute] = a.operand
            shared += 1
        walks = [
            (Walk(low.steps[shared:], low.terminal, low.continues), low_op),
            (Walk(high.steps[shared:], high.terminal, high.continues), high_op),
        ]
    for (walked, operator), (bound, _) in zip(walks, bounds, strict=True):
        found = bound_atoms(walked, operator, pinned)
        if isinstance(found, str):
            result.unknown.append(
                f'the range on `{cond.attribute}` ("{bound.source}") against "{template.source}":'
                f" {found}"
            )
            return
        if found is True:
            continue  # every key of the entity meets this bound
        if found is False:
            result.unknown.append(
                f'no `{entity.name}` key meets the bound "{bound.source}" of `{cond.attribute}`'
            )
            return
        for got in found:
            atom = Atom(
                got.attribute, got.operator, typed(got.attribute, got.operator, got.operand)
            )
            result.atoms.add(atom)
            result.bounds[atom] = got


def intent_atoms(pattern: PatternDesign, entity: EntityDesign) -> set[Atom]:
    where = pattern.spec.intent.select.get(entity.name, {})
    atoms: set[Atom] = set()
    for attr, predicate in where.items():
        spec = entity.spec.attributes.get(attr)
        atoms.update(predicate_atoms(attr, predicate, spec.type if spec else None))
    return atoms


# ---------------------------------------------------------------------------------------------
# Order


@record
class KeyOrder:
    """The order an index returns one entity's items in, as an attribute and direction."""

    attribute: str | None  # None: every matched item has the same sort key
    direction: str
    # Why the byte order of the key may differ from the order of the attribute's values.
    caveat: str | None = None


def key_order(
    design: Design, pattern: PatternDesign, entity: EntityDesign, pinned: set[str]
) -> KeyOrder | str:
    """The entity's result order, or a reason why it cannot be stated.

    The order is by the first placeholder of the sort key that the condition does not pin
    (with a multi-attribute sort key: of the first sort-key attribute that still varies).
    When its byte order may differ from its values' order, `caveat` says why: the items are
    then ordered by that attribute's key text, and by no other attribute for certain.
    """
    found = key_orders(design, pattern, entity, pinned)
    return found if isinstance(found, str) else found[0]


def key_orders(
    design: Design, pattern: PatternDesign, entity: EntityDesign, pinned: set[str]
) -> list[KeyOrder] | str:
    """The entity's result order as successive terms (the first, then ties by the next).

    A multi-attribute sort key orders by its attributes in turn, each by its own type: while
    an attribute's key holds one attribute's value whole (`{points}`), items that tie on it
    are ordered by the next sort-key attribute. The list has one `KeyOrder(None, ...)` when
    every matched item has the same sort key, and stops at the first term with a caveat.
    """
    index = pattern.index
    if index is None or index.sort_key is None:
        return f"{index.label if index else 'the index'} has no sort key: results are unordered"
    direction = "asc" if pattern.spec.order == "ascending" else "desc"
    orders: list[KeyOrder] = []
    for sort_key in index.sort_keys:
        template = entity.templates.get(sort_key.name)
        if template is None:
            return orders or f"`{entity.name}` does not write `{sort_key.name}`"
        # Items that tie on a placeholder wrote the same text for it (the codec writes one
        # text per value) and the same literal after it: the next placeholder orders them.
        tied = set(pinned)
        while True:
            found = _template_order(
                design,
                entity,
                key=sort_key.name,
                template=template,
                pinned=tied,
                direction=direction,
            )
            if found is None:
                break  # every placeholder is pinned or tied: the next attribute orders
            orders.append(found)
            if found.caveat is not None:
                return orders
            assert found.attribute is not None
            tied.add(found.attribute)
    return orders or [KeyOrder(None, direction)]


def _template_order(
    design: Design,
    entity: EntityDesign,
    *,
    key: str,
    template: KeyTemplate,
    pinned: set[str],
    direction: str,
) -> KeyOrder | None:
    """The order one sort-key attribute gives, or None when the condition pins all of it."""
    parts = template.parts
    for i, part in enumerate(parts):
        if isinstance(part, Literal) or part.name in pinned:
            continue
        if design.key_type(key) == "N":
            return KeyOrder(part.name, direction)
        spec = entity.spec.attributes.get(part.name)
        if spec is not None and spec.type in NUMERIC and part.width is None:
            return KeyOrder(
                part.name, direction, f"`{part.name}` is an unpadded number in a string key"
            )
        following = parts[i + 1] if i + 1 < len(parts) else None
        domain = entity.domains.get(part.name, ValueDomain(CharSet.any()))
        if design.encoding_of(key).fold_case and not domain.charset.lowering_keeps_order:
            return KeyOrder(
                part.name,
                direction,
                f"`{key}` is folded to lower case, and `{part.name}` values may hold"
                " characters that sort otherwise lowered (`B` < `a`, `b` > `a`)",
            )
        if part.width is None and not _order_safe(domain, following, design, key):
            return KeyOrder(
                part.name,
                direction,
                f"the byte order of `{key}` is not the order of `{part.name}`"
                " values (escaped characters, or characters below the delimiter)",
            )
        return KeyOrder(part.name, direction)
    return None
