"""Intent versus keys: does the key condition select exactly the intended items, in order?"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from tablemodel.check.proof import Atom, intent_atoms, key_order, translate
from tablemodel.check.reach import matching_entities
from tablemodel.check.registry import finding, rule
from tablemodel.design import Design, EntityDesign, IndexDesign, PatternDesign
from tablemodel.diagnostics import Diagnostic, Severity

from ._common import quoted


@dataclass(frozen=True)
class _Finding:
    """One definite disagreement between the keys and the intent, for one entity."""

    entity: str
    explanation: str
    where: str = "key_condition"  # the pattern field the finding points at
    found: str | None = None  # None: the pattern's key condition
    expected: str = "a key condition that implements the intent exactly"


@dataclass
class _Analysis:
    over: list[_Finding] = field(default_factory=list)
    under: list[_Finding] = field(default_factory=list)
    order: list[_Finding] = field(default_factory=list)
    run_only: list[str] = field(default_factory=list)


def _analyse(design: Design) -> dict[str, _Analysis]:
    # Several rules read the same analysis; compute it once per design.
    cached = design.memo.get("intent_analysis")
    if cached is None:
        cached = design.memo["intent_analysis"] = {
            p.name: _analyse_pattern(design, p) for p in design.patterns.values()
        }
    return cached  # type: ignore[return-value]


def _analyse_pattern(design: Design, pattern: PatternDesign) -> _Analysis:
    out = _Analysis()
    if not pattern.queryable:
        return out
    index = pattern.index
    assert index is not None
    intent = pattern.spec.intent
    reachable = matching_entities(design, pattern)
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
        translation = translate(design, pattern, entity)
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
                    _Finding(
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
                out.over.append(_Finding(name, verdict[1]))
            else:
                out.under.append(_Finding(name, verdict[1]))
        for atom in sorted(got - wanted):
            if atom.attribute in intent_attrs or _implied_by(atom, stated):
                continue
            explanation = f"requires `{atom}`, but the intent selects `{name}` items with any"
            if atom.attribute in pattern.spec.filter:
                out.under.append(
                    _Finding(
                        name,
                        f"the filter {explanation} `{atom.attribute}`",
                        where="filter",
                        found=f"filter: {atom}",
                        expected=f"`{atom}` in the intent too, or no such filter",
                    )
                )
            elif atom.operator == "exists":
                out.under.append(
                    _Finding(
                        name,
                        f"{index.label} holds only the `{name}` items that have the optional"
                        f" `{atom.attribute}` (a sparse index), but the intent selects them"
                        " with or without it",
                    )
                )
            else:
                out.under.append(
                    _Finding(name, f"the key condition {explanation} `{atom.attribute}`")
                )
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
    out: _Analysis,
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
                _Finding(
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
                _Finding(
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
                _Finding(
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


def _report(design: Design, code: str, kind: str, message: str) -> Iterator[Diagnostic]:
    """Findings of one kind; `message` is formatted with `pattern` and `entity`."""
    for pattern_name, analysis in _analyse(design).items():
        pattern = design.patterns[pattern_name]
        found_list: list[_Finding] = getattr(analysis, kind)
        for item in found_list:
            yield finding(
                design,
                code,
                (*pattern.path, item.where),
                message.format(pattern=pattern_name, entity=item.entity) + f": {item.explanation}",
                found=item.found if item.found is not None else pattern.key_condition_text(),
                expected=item.expected,
                pattern=pattern_name,
                entity=item.entity,
            )


@rule("TM801", "intent-over-match", Severity.ERROR, "intent")
def check_intent_over_match(design: Design) -> Iterator[Diagnostic]:
    """The key condition returns items the intent excludes.

    Why: the intent says which items the pattern must return. A key condition that is weaker
    (a missing sort-key condition, a prefix that ends inside a value, the wrong parameter)
    returns extra items, which callers then show or act on.

    Bad:
        key_condition: {PK: "race-{race_id}"}
        intent: {select: {RaceResult: {race_id: $race_id, racer_id: $racer_id}}}

    Good:
        key_condition: {PK: "race-{race_id}", SK: "racer-{racer_id}"}
        intent: {select: {RaceResult: {race_id: $race_id, racer_id: $racer_id}}}
    """
    yield from _report(
        design, "TM801", "over", "pattern `{pattern}` returns `{entity}` items its intent excludes"
    )


@rule("TM802", "intent-under-match", Severity.ERROR, "intent")
def check_intent_under_match(design: Design) -> Iterator[Diagnostic]:
    """The key condition misses items the intent includes.

    Why: a key condition that is stronger than the intent (an extra equality, a narrower
    prefix) silently drops items the caller expects.

    Bad:
        key_condition: {PK: "racer-{racer_id}", SK: "race-{race_id}"}
        intent: {select: {RacerRace: {racer_id: $racer_id}}}     # all of the racer's races

    Good:
        key_condition: {PK: "racer-{racer_id}", SK: {begins_with: "race-"}}
    """
    yield from _report(
        design, "TM802", "under", "pattern `{pattern}` misses `{entity}` items its intent includes"
    )


@rule("TM803", "intent-order", Severity.ERROR, "intent")
def check_intent_order(design: Design) -> Iterator[Diagnostic]:
    """The index returns items in another order than the intent states.

    Why: a leaderboard sorted ascending, or by the wrong attribute, is wrong even when it has
    the right items; with a limit it also has the wrong items.

    Bad:
        key_condition: {SK: "race-{race_id}"}      # GSI sorted by Numeric (output)
        order: ascending
        intent: {order_by: [output desc]}

    Good:
        order: descending
    """
    yield from _report(
        design,
        "TM803",
        "order",
        "pattern `{pattern}` returns `{entity}` items in another order than its intent",
    )


@rule("TM804", "intent-limit", Severity.ERROR, "intent")
def check_intent_limit(design: Design) -> Iterator[Diagnostic]:
    """The pattern's limit differs from the intent's, or cuts an unordered result.

    Why: a limit keeps the first N items in key order. If the intent wants a different number,
    or states no order, the items kept are not the ones intended.

    Bad:
        limit: 10
        intent: {select: {RaceResult: {race_id: $race_id}}}       # no order, no limit

    Good:
        limit: 10
        intent: {select: {RaceResult: {race_id: $race_id}}, order_by: [output desc], limit: 10}
    """
    for pattern in design.patterns.values():
        spec = pattern.spec
        wanted = spec.intent.limit
        path = (*pattern.path, "limit")
        if isinstance(wanted, int) and spec.limit != wanted:
            has = f"limit {spec.limit}" if spec.limit is not None else "no limit"
            yield finding(
                design,
                "TM804",
                path,
                f"pattern `{pattern.name}` has {has}, but its intent keeps {wanted} items",
                found=f"limit: {spec.limit if spec.limit is not None else '(none)'}",
                expected=f"limit: {wanted}",
                pattern=pattern.name,
            )
        elif isinstance(wanted, str) and spec.limit is not None:
            yield finding(
                design,
                "TM804",
                path,
                f"pattern `{pattern.name}` fixes limit {spec.limit}, its intent takes it from"
                f" {wanted}",
                found=f"limit: {spec.limit}",
                expected="no fixed limit: the caller passes it",
                pattern=pattern.name,
            )
        elif wanted is None and spec.limit is not None:
            yield finding(
                design,
                "TM804",
                path,
                f"pattern `{pattern.name}` keeps {spec.limit} items, but its intent wants every"
                " matching item",
                found=f"limit: {spec.limit}",
                expected=f"intent.limit: {spec.limit} with an order_by, or no limit",
                pattern=pattern.name,
            )
        elif wanted is not None and not spec.intent.order_by:
            yield finding(
                design,
                "TM804",
                (*pattern.path, "intent", "limit"),
                f"the intent of `{pattern.name}` keeps {wanted} items but states no order, so"
                " which items is undefined",
                found="intent.order_by: (none)",
                expected="an order_by that says which items come first",
                pattern=pattern.name,
            )


@rule("TM805", "verified-only-by-run", Severity.INFO, "intent")
def check_run_only(design: Design) -> Iterator[Diagnostic]:
    """The intent cannot be proven statically; only `check --run` can verify it.

    Why: the checker proves equalities and orders on attributes that appear in templates.
    Conditions beyond that (ranges over several placeholders, filters on attributes some
    entities lack, ties in the order) are left to the runner, which executes the pattern on
    sample data and compares it with the intent. This is information, not a failure.

    Bad:
        # not a problem to fix; the pattern is marked "verified only by run"

    Good:
        # run `tablemodel check MODEL --run` to verify it against an engine
    """
    for pattern_name, analysis in _analyse(design).items():
        if not analysis.run_only:
            continue
        pattern = design.patterns[pattern_name]
        yield finding(
            design,
            "TM805",
            (*pattern.path, "intent"),
            f"pattern `{pattern_name}` is verified only by run: "
            + "; ".join(dict.fromkeys(analysis.run_only)),
            pattern=pattern_name,
        )


@rule("TM806", "intent-returns-mismatch", Severity.ERROR, "intent")
def check_intent_matches_returns(design: Design) -> Iterator[Diagnostic]:
    """The intent selects other entity types than the pattern `returns`.

    Why: `returns` is what the generated function gives back; the intent is the oracle. An
    entity in one and not the other is either never checked or never returned.

    Bad:
        returns: [RaceResult, Race]
        intent: {select: {RaceResult: {race_id: $race_id}}}

    Good:
        returns: [RaceResult, Race]
        intent: {select: {RaceResult: {race_id: $race_id}, Race: {race_id: $race_id}}}
    """
    for pattern in design.patterns.values():
        selected = set(pattern.spec.intent.select) & set(design.entities)
        returned = set(pattern.returns)
        for name in sorted(returned - selected):
            yield finding(
                design,
                "TM806",
                (*pattern.path, "intent", "select"),
                f"pattern `{pattern.name}` returns `{name}`, but its intent does not select it",
                found="intent selects " + (quoted(sorted(selected)) or "nothing"),
                expected=f"`{name}` under intent.select",
                pattern=pattern.name,
                entity=name,
            )
        for name in sorted(selected - returned):
            yield finding(
                design,
                "TM806",
                (*pattern.path, "returns"),
                f"the intent of `{pattern.name}` selects `{name}`, which the pattern does not"
                " return",
                found="returns " + (quoted(pattern.returns) or "nothing"),
                expected=f"`{name}` in returns",
                pattern=pattern.name,
                entity=name,
            )
