"""Where a pattern's keys and its intent disagree: what TM801 to TM805 report.

For each entity the intent selects and the key condition reaches, the atoms the keys impose
(`tablemodel.check.proof.translate`) are compared with the atoms the intent states: an atom
only the intent has is an over-match (the keys return more), one only the keys have is an
under-match, and the first order term is compared with the order of the index's sort key.
What the proof cannot decide is left to the runner, with the reason.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import field

from tablemodel.check.intervals import Texts, difference
from tablemodel.check.proof import (
    Ambiguity,
    Atom,
    KeyOrder,
    Translation,
    intent_atoms,
    key_orders,
    translate,
)
from tablemodel.check.ranges import BoundAtom, corrected_bound
from tablemodel.check.reach import Example
from tablemodel.design import Design, EntityDesign, IndexDesign, PatternDesign
from tablemodel.diagnostics import quoted
from tablemodel.records import mutable_record, record
from tablemodel.schema.model import OrderTerm


@record
class Gap:
    """One definite disagreement between the keys and the intent, for one entity."""

    entity: str
    explanation: str
    where: str = "key_condition"  # the pattern field the finding points at
    found: str | None = None  # None: the pattern's key condition
    expected: str = "a key condition that implements the intent exactly"
    example: str | None = None  # an item one side selects and the other does not
    hint: str | None = None


@mutable_record
class IntentGaps:
    """Where a pattern's keys and its intent disagree, by kind, and what only a run can tell."""

    over: list[Gap] = field(default_factory=list)
    under: list[Gap] = field(default_factory=list)
    order: list[Gap] = field(default_factory=list)
    run_only: list[str] = field(default_factory=list)


def intent_gaps(
    design: Design,
    pattern: PatternDesign,
    reachable: Mapping[str, Example],
    ambiguous: Ambiguity,
) -> IntentGaps:
    """Compare the pattern's keys with its intent, entity by entity, and then its order.

    `reachable` holds the entities its key condition can match; `ambiguous` says which keys
    have two parses (lining templates up proves nothing about those).
    """
    out = IntentGaps()
    if not pattern.runnable:
        return out
    index = pattern.index
    assert index is not None
    intent = pattern.spec.intent
    selected: list[str] = []
    for name in intent.select:
        entity = design.entities[name]
        if name not in pattern.returns:
            continue  # TM806
        if not entity.in_index(index):
            written = entity.written_keys()
            broken = [k for k in index.key_names if k in written and not entity.writes(k)]
            if broken and all(k in written for k in index.key_names):
                # Its templates did not parse (TM101/TM102): nothing can be proven about it.
                out.run_only.append(
                    f"`{name}`: its key template for {quoted(broken)} is invalid, so nothing is"
                    " proven about its items"
                )
            continue  # otherwise never in the index: TM403
        if name not in reachable:
            continue  # the key condition never matches it: TM402 says so
        selected.append(name)
    pinned_by: dict[str, set[str]] = {}
    for name in selected:
        entity = design.entities[name]
        translation = translate(design, pattern, entity, ambiguous=ambiguous)
        got = translation.atoms
        pinned_by[name] = {a.attribute for a in got if a.operator == "eq"}
        if translation.unknown:
            out.run_only += [f"`{name}`: {reason}" for reason in translation.unknown]
            del pinned_by[name]  # what the keys pin is unknown, so is the order
            continue
        stated = intent_atoms(pattern, entity)
        wanted = {a for a in stated if not _holds(a, entity, index, got)}
        key_attrs = {a.attribute for a in got}
        intent_attrs = {a.attribute for a in wanted}
        for atom in sorted(wanted - got):
            if atom.attribute not in key_attrs:
                if pattern.is_scan:
                    out.over.append(
                        Gap(
                            name,
                            f"the intent requires `{atom}`, but the scan returns `{name}` items"
                            f" with any `{atom.attribute}`",
                            where="filter",
                            expected=f"a filter on `{atom.attribute}`, or a query whose key"
                            " condition selects it",
                        )
                    )
                    continue
                out.over.append(
                    Gap(
                        name,
                        f"the intent requires `{atom}`, but the key condition returns `{name}`"
                        f" items with any `{atom.attribute}`",
                    )
                )
        for attribute in sorted(key_attrs & intent_attrs):
            keyed = sorted(a for a in got if a.attribute == attribute)
            intended = sorted(a for a in wanted if a.attribute == attribute)
            if set(keyed) != set(intended):
                _compare_attribute(
                    pattern, entity, keyed, intended, translation=translation, out=out
                )
        for atom in sorted(got - wanted):
            if atom.attribute in intent_attrs or _implied_by(atom, stated, entity):
                continue
            explanation = f"requires `{atom}`, but the intent selects `{name}` items with any"
            if atom.attribute in pattern.spec.filter:
                out.under.append(
                    Gap(
                        name,
                        f"the filter {explanation} `{atom.attribute}`",
                        where="filter",
                        found=f"filter: {atom}",
                        expected=f"`{atom}` in the intent too, or no such filter",
                    )
                )
            elif atom.operator == "exists":
                out.under.append(
                    Gap(
                        name,
                        f"{index.label} holds only the `{name}` items that have the optional"
                        f" `{atom.attribute}` (a sparse index), but the intent selects them"
                        " with or without it",
                    )
                )
            else:
                out.under.append(Gap(name, f"the key condition {explanation} `{atom.attribute}`"))
    _analyse_order(design, pattern, selected, pinned_by, out)
    return out


def _compare_attribute(
    pattern: PatternDesign,
    entity: EntityDesign,
    keyed: list[Atom],
    intended: list[Atom],
    *,
    translation: Translation,
    out: IntentGaps,
) -> None:
    """The key condition's and the intent's conditions on one attribute, where they differ.

    A parameter or value compared the other way round, a bound that leaves its own value out
    where the intent keeps it, a bound the intent has and the keys lack: each is a definite
    over- or under-match with an item that shows it. What is beyond comparing (prefixes,
    `in`) is left to the run.
    """
    name = entity.name
    attribute = keyed[0].attribute
    for atom in intended:
        verdict = _compare(atom, keyed)
        if verdict is not None:
            (out.over if verdict[0] == "over" else out.under).append(Gap(name, verdict[1]))
            return
    spec = entity.spec.attributes.get(attribute)
    found = difference(
        keyed,
        intended,
        attribute_type=spec.type if spec is not None else None,
        parameter_types={p: s.type for p, s in pattern.parameters.items()},
        texts=_texts(pattern, entity, [*keyed, *intended]),
    )
    has = (
        f"the key condition has {quoted(map(str, keyed))} where the intent has"
        f" {quoted(map(str, intended))}"
    )
    if found is None:
        out.run_only.append(f"`{name}`: {has}")
        return
    if found.over is not None:
        out.over.append(
            Gap(
                name,
                has,
                example=found.over.describe(name, attribute)
                + " is returned, and the intent excludes it",
            )
        )
    if found.under is not None:
        out.under.append(
            Gap(
                name,
                has,
                example=found.under.describe(name, attribute)
                + " is selected by the intent, and the key condition misses it",
                hint=_correction(pattern, entity, translation, keyed, intended),
            )
        )


# Characters a counterexample string may be made of, in code-point order.
_READABLE = "".join(
    sorted(" -.:_" + "0123456789" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ" + "abcdefghijklmnopqrstuvwxyz")
)


def _texts(pattern: PatternDesign, entity: EntityDesign, atoms: list[Atom]) -> Texts:
    """What the attribute and every parameter compared with it may hold, for example strings."""
    domains = [entity.domains.get(atoms[0].attribute)]
    domains += [pattern.domains.get(a.operand[1:]) for a in atoms if a.operand.startswith("$")]
    known = [d for d in domains if d is not None]
    chars = "".join(c for c in _READABLE if all(c in d.charset for d in known))
    lows = [d.min_length for d in known]
    highs = [d.max_length for d in known if d.max_length is not None]
    return Texts(chars, max(lows, default=1), min(highs, default=None))


def _correction(
    pattern: PatternDesign,
    entity: EntityDesign,
    translation: Translation,
    keyed: list[Atom],
    intended: list[Atom],
) -> str | None:
    """The corrected sort key condition when a bound leaves out a value the intent keeps."""
    for atom in keyed:
        bound = translation.bounds.get(atom)
        inclusive = {"lt": "lte", "gt": "gte"}.get(atom.operator)
        if bound is None or inclusive is None:
            continue
        if Atom(atom.attribute, inclusive, atom.operand) in intended:
            found = bound_correction(pattern, entity, bound)
            if found is not None:
                return found
    return None


def bound_correction(pattern: PatternDesign, entity: EntityDesign, bound: BoundAtom) -> str | None:
    """Which bound of the sort key condition leaves out the value it is compared with, the
    template that makes it so, and the corrected condition; None when no bound does.

    `check --run` says the same on a TM851 whose missing items sit on such a bound.
    """
    cond = pattern.sort
    fixed = corrected_bound(bound)
    if cond is None or fixed is None:
        return None
    sources = [t.source for t in cond.templates]
    at = 1 if cond.operator == "between" and bound.operator == "lt" else 0
    old = sources[at]
    sources[at] = fixed
    written = (
        f"{{between: [{_quote(sources[0])}, {_quote(sources[1])}]}}"
        if cond.operator == "between"
        else f"{{{cond.operator}: {_quote(sources[0])}}}"
    )
    template = entity.templates[cond.attribute].source
    writes = f'`{entity.name}` writes {cond.attribute} as "{template}"'
    if bound.operator == "lt":
        equal = (
            f"keys on the day `{bound.operand}`"
            if bound.step.day
            else f"keys whose `{bound.attribute}` is `{bound.operand}`"
        )
        why = (
            f'the upper bound "{old}" leaves out {equal}: {writes}, which goes on past the'
            f' bound with "{bound.walk.continues}"'
        )
    else:
        why = (
            f'the lower bound "{old}" leaves out keys whose `{bound.attribute}` is'
            f" `{bound.operand}`: {writes}, which ends before the bound does"
        )
    return f"{why}; write {cond.attribute}: {written}"


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


_IMPLY_EXISTENCE = frozenset({"eq", "lt", "lte", "gt", "gte", "begins_with", "in"})


def _implied_by(atom: Atom, stated: set[Atom], entity: EntityDesign) -> bool:
    """A sparse index's `exists` atom that the intent states, or implies with a comparison.

    An attribute written together with another (`together`) exists when the other does.
    """
    return atom.operator == "exists" and any(
        atom.attribute in entity.written_with(a.attribute)
        and (a.operator in _IMPLY_EXISTENCE or (a.operator, a.operand) == ("exists", "true"))
        for a in stated
    )


def _holds(atom: Atom, entity: EntityDesign, index: IndexDesign, got: set[Atom]) -> bool:
    """Whether an intent atom holds for every item of `entity` the index can return.

    `exists: true` holds for a required attribute, for one the index's keys are composed of
    (an item without it is not in the index: a sparse index), for one the key condition or
    filter compares with a value, and for one written together (`together`) with any of
    those.
    """
    if atom.operator != "exists" or atom.operand != "true":
        return False
    spec = entity.spec.attributes.get(atom.attribute)
    if spec is not None and not spec.optional:
        return True
    present = {a.attribute for a in got if a.operator in _IMPLY_EXISTENCE}
    for key in index.key_names:
        if key in entity.templates:
            present.update(entity.templates[key].variable_names)
    return any(atom.attribute in entity.written_with(name) for name in present)


def _compare(intended: Atom, keyed: list[Atom]) -> tuple[str, str] | None:
    """("over" | "under", explanation) when key atoms on one attribute contradict the intent's."""
    for atom in keyed:
        if (
            atom.operator == "begins_with"
            and intended.operator == "eq"
            and atom.operand == intended.operand
        ):
            return (
                "over",
                f"the intent requires `{intended}`, but the key condition matches every"
                f" `{atom.attribute}` that starts with {atom.operand}",
            )
        if (
            atom.operator == "eq"
            and intended.operator == "begins_with"
            and atom.operand == intended.operand
        ):
            return (
                "under",
                f"the intent selects every `{atom.attribute}` that starts with"
                f" {intended.operand}, but the key condition requires `{atom}`",
            )
        if atom.operator == "eq" and intended.operator == "eq" and atom.operand != intended.operand:
            return (
                "over",
                f"the key condition compares `{atom.attribute}` with {atom.operand}, the intent"
                f" with {intended.operand}",
            )
    return None


_DIRECTION = {"asc": "ascending", "desc": "descending"}


def _ties(
    name: str,
    index: IndexDesign,
    terms: Sequence[OrderTerm],
    orders: Sequence[KeyOrder],
    *,
    reported: bool,
) -> Gap | str | None:
    """How the index orders items that tie on the intent's first term, against its next ones.

    A multi-attribute sort key orders ties by its next attributes (`orders[1:]`); the terms
    they match are proven, a direction they cannot give is a gap (one Query has one direction
    for every sort-key attribute), and what is left is for the run.
    """
    matched = 1
    for term, order in zip(terms[1:], orders[1:], strict=False):
        if order.attribute != term.attribute or order.caveat is not None:
            break
        if order.direction != term.direction:
            if reported:
                return None  # the first term's direction is reported already
            tied = terms[matched - 1].attribute
            return Gap(
                name,
                f"ties on `{tied}` come back by `{order.attribute}`"
                f" {_DIRECTION[order.direction]}, the intent orders them by `{term.attribute}`"
                f" {_DIRECTION[term.direction]}",
                where="intent",
                found=f"{index.label} sorts by "
                + quoted(k.name for k in index.sort_keys)
                + ", every attribute in the direction of the Query",
                expected="terms that all go in one direction, in the order of the sort key",
            )
        matched += 1
    if matched >= len(terms):
        return None
    return (
        f"ties on `{terms[matched - 1].attribute}` are ordered by "
        + quoted(t.attribute for t in terms[matched:])
        + ", which the key cannot show"
    )


def _analyse_order(
    design: Design,
    pattern: PatternDesign,
    selected: list[str],
    pinned_by: dict[str, set[str]],
    out: IntentGaps,
) -> None:
    index = pattern.index
    if not pattern.spec.intent.order_by or index is None:
        return
    if pattern.is_scan:
        first = pattern.spec.intent.order_by[0]
        for name in selected:
            out.order.append(
                Gap(
                    name,
                    "a Scan returns items in no defined order (the order of partitions, then of"
                    f" sort keys within each); the intent orders them by `{first.attribute}`"
                    f" {_DIRECTION[first.direction]}",
                    where="operation",
                    found="operation: scan",
                    expected=f"a query on an index whose sort key orders `{name}` items by"
                    f" `{first.attribute}`, or an intent without order_by",
                )
            )
        return
    if index.sort_key is None and index.kind == "table":
        return  # a partition of a table without a sort key holds one item
    ties: list[str] = []
    for name in selected:
        if name not in pinned_by:
            continue  # its selection is already left to the runner
        # An attribute the condition pins is the same in every item: it orders nothing.
        terms = [t for t in pattern.spec.intent.order_by if t.attribute not in pinned_by[name]]
        if not terms:
            continue
        first = terms[0]
        if index.sort_key is None:
            out.order.append(
                Gap(
                    name,
                    f"{index.label} has no sort key, so the items of one partition come back"
                    f" in no defined order; the intent orders them by `{first.attribute}`"
                    f" {_DIRECTION[first.direction]}",
                    where="index",
                    found=f"{index.label} without a sort key",
                    expected=f"an index whose sort key orders `{name}` items by"
                    f" `{first.attribute}`",
                )
            )
            continue
        entity = design.entities[name]
        orders = key_orders(design, pattern, entity, pinned_by[name])
        if isinstance(orders, str):
            out.run_only.append(f"`{name}` order: {orders}")
            continue
        found = orders[0]
        if found.attribute is None:
            out.run_only.append(
                f"`{name}`: every matched item has the same sort key, so its order is the engine's"
            )
            continue
        wanted = f"`{first.attribute}` {_DIRECTION[first.direction]}"
        got = f"`{found.attribute}` {_DIRECTION[found.direction]}"
        explanation = f"the index returns them by {got}, the intent orders them by {wanted}"
        if found.attribute != first.attribute:
            sort_key = next(
                (
                    k.name
                    for k in index.sort_keys
                    if k.name in entity.templates
                    and found.attribute in entity.templates[k.name].variable_names
                ),
                index.sort_key.name if index.sort_key is not None else "(none)",
            )
            out.order.append(
                Gap(
                    name,
                    explanation,
                    where="index",
                    found=f"{index.label} sorts `{name}` items by `{sort_key}`, which holds"
                    f" `{found.attribute}`",
                    expected=f"an index whose sort key orders `{name}` items by"
                    f" `{first.attribute}`",
                )
            )
            continue
        if found.caveat is not None:
            out.run_only.append(f"`{name}` order: {found.caveat}")
            continue
        if found.direction != first.direction:
            out.order.append(
                Gap(
                    name,
                    explanation,
                    where="order",
                    found=f"order: {pattern.spec.order}",
                    expected=f"order: {_DIRECTION[first.direction]}",
                )
            )
        tie = _ties(name, index, terms, orders, reported=found.direction != first.direction)
        if isinstance(tie, Gap):
            out.order.append(tie)
        elif tie is not None:
            ties.append(tie)
    out.run_only += ties
    if len(selected) > 1:
        out.run_only.append("the interleaving of several entity types in one order")
