"""Where a pattern's keys and its intent disagree: what TM801 to TM805 report.

For each entity the intent selects and the key condition reaches, the atoms the keys impose
(`tablemodel.check.proof.translate`) are compared with the atoms the intent states: an atom
only the intent has is an over-match (the keys return more), one only the keys have is an
under-match, and the first order term is compared with the order of the index's sort key.
What the proof cannot decide is left to the runner, with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from tablemodel.check.proof import Ambiguity, Atom, intent_atoms, key_order, translate
from tablemodel.check.reach import Example
from tablemodel.design import Design, EntityDesign, IndexDesign, PatternDesign
from tablemodel.diagnostics import quoted


@dataclass(frozen=True)
class Gap:
    """One definite disagreement between the keys and the intent, for one entity."""

    entity: str
    explanation: str
    where: str = "key_condition"  # the pattern field the finding points at
    found: str | None = None  # None: the pattern's key condition
    expected: str = "a key condition that implements the intent exactly"


@dataclass
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
    if not pattern.queryable:
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
            broken = [k for k in index.key_names if k in entity.spec.keys and not entity.writes(k)]
            if broken and all(k in entity.spec.keys for k in index.key_names):
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
                out.over.append(
                    Gap(
                        name,
                        f"the intent requires `{atom}`, but the key condition returns `{name}`"
                        f" items with any `{atom.attribute}`",
                    )
                )
                continue
            keyed = sorted(a for a in got if a.attribute == atom.attribute)
            verdict = _compare(atom, keyed)
            if verdict is None:
                out.run_only.append(
                    f"`{name}`: the key condition has {quoted(map(str, keyed))} where the intent"
                    f" has `{atom}`"
                )
            elif verdict[0] == "over":
                out.over.append(Gap(name, verdict[1]))
            else:
                out.under.append(Gap(name, verdict[1]))
        for atom in sorted(got - wanted):
            if atom.attribute in intent_attrs or _implied_by(atom, stated):
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


_IMPLY_EXISTENCE = frozenset({"eq", "lt", "lte", "gt", "gte", "begins_with", "in"})


def _implied_by(atom: Atom, stated: set[Atom]) -> bool:
    """A sparse index's `exists` atom that the intent states, or implies with a comparison."""
    return atom.operator == "exists" and any(
        a.attribute == atom.attribute
        and (a.operator in _IMPLY_EXISTENCE or (a.operator, a.operand) == ("exists", "true"))
        for a in stated
    )


def _holds(atom: Atom, entity: EntityDesign, index: IndexDesign, got: set[Atom]) -> bool:
    """Whether an intent atom holds for every item of `entity` the index can return.

    `exists: true` holds for a required attribute, for one the index's keys are composed of
    (an item without it is not in the index: a sparse index), and for one the key condition
    or filter compares with a value.
    """
    if atom.operator != "exists" or atom.operand != "true":
        return False
    spec = entity.spec.attributes.get(atom.attribute)
    if spec is not None and not spec.optional:
        return True
    if any(a.attribute == atom.attribute and a.operator in _IMPLY_EXISTENCE for a in got):
        return True
    return any(
        atom.attribute in entity.templates[k].variable_names
        for k in index.key_names
        if k in entity.templates
    )


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
        found = key_order(design, pattern, entity, pinned_by[name])
        if isinstance(found, str):
            out.run_only.append(f"`{name}` order: {found}")
            continue
        if found.attribute is None:
            out.run_only.append(
                f"`{name}`: every matched item has the same sort key, so its order is the engine's"
            )
            continue
        wanted = f"`{first.attribute}` {_DIRECTION[first.direction]}"
        got = f"`{found.attribute}` {_DIRECTION[found.direction]}"
        explanation = f"the index returns them by {got}, the intent orders them by {wanted}"
        if found.attribute != first.attribute:
            sort_key = index.sort_key.name if index.sort_key is not None else "(none)"
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
        if len(terms) > 1:
            ties.append(
                f"ties on `{first.attribute}` are ordered by "
                + quoted(t.attribute for t in terms[1:])
                + ", which the key cannot show"
            )
    out.run_only += ties
    if len(selected) > 1:
        out.run_only.append("the interleaving of several entity types in one order")
