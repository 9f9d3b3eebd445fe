"""Intent versus keys: does the key condition select exactly the intended items, in order?"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from tablemodel.check.proof import Atom, KeyOrder, intent_atoms, key_order, translate
from tablemodel.codes import rule
from tablemodel.design import Design, PatternDesign
from tablemodel.diagnostics import Diagnostic, Severity

from ._common import finding, quoted


@dataclass
class _Analysis:
    over: list[tuple[str, str]] = field(default_factory=list)  # (entity, explanation)
    under: list[tuple[str, str]] = field(default_factory=list)
    order: list[tuple[str, str]] = field(default_factory=list)
    run_only: list[str] = field(default_factory=list)


def _analyse(design: Design) -> dict[str, _Analysis]:
    # Several rules read the same analysis; compute it once per design.
    cached = design.memo.get("intent_analysis")
    if cached is None:
        cached = design.memo["intent_analysis"] = {
            p.name: _analyse_pattern(design, p) for p in design.patterns.values()
        }
    return cached  # type: ignore[return-value]


def _checkable(pattern: PatternDesign) -> bool:
    return pattern.resolved and pattern.index is not None and pattern.partition is not None


def _analyse_pattern(design: Design, pattern: PatternDesign) -> _Analysis:
    out = _Analysis()
    if not _checkable(pattern):
        return out
    index = pattern.index
    assert index is not None
    intent = pattern.spec.intent
    selected = [
        n for n in intent.select if n in pattern.returns and design.entities[n].in_index(index)
    ]
    pinned_by: dict[str, set[str]] = {}
    for name in selected:
        entity = design.entities[name]
        translation = translate(design, pattern, entity)
        wanted = intent_atoms(pattern, entity)
        pinned_by[name] = {a.attribute for a in translation.atoms if a.operator == "eq"}
        if translation.unknown:
            out.run_only += [f"`{name}`: {reason}" for reason in translation.unknown]
            continue
        got = translation.atoms
        key_attrs = {a.attribute for a in got}
        intent_attrs = {a.attribute for a in wanted}
        for atom in sorted(wanted - got):
            if atom.attribute not in key_attrs:
                out.over.append(
                    (
                        name,
                        f"the intent requires `{atom}`, but the key condition returns `{name}`"
                        f" items with any `{atom.attribute}`",
                    )
                )
                continue
            keyed = sorted(a for a in got if a.attribute == atom.attribute)
            explanation = _compare(atom, keyed)
            if explanation is None:
                out.run_only.append(
                    f"`{name}`: the key condition has {quoted(map(str, keyed))} where the intent"
                    f" has `{atom}`"
                )
            else:
                out.over.append((name, explanation))
        for atom in sorted(got - wanted):
            if atom.attribute not in intent_attrs:
                out.under.append(
                    (
                        name,
                        f"the key condition requires `{atom}`, but the intent selects `{name}`"
                        f" items with any `{atom.attribute}`",
                    )
                )
    _analyse_order(design, pattern, selected, pinned_by, out)
    return out


def _compare(intended: Atom, keyed: list[Atom]) -> str | None:
    """A definite explanation when key atoms on one attribute contradict the intent's."""
    for atom in keyed:
        if (
            atom.operator == "begins_with"
            and intended.operator == "eq"
            and atom.operand == intended.operand
        ):
            return (
                f"the intent requires `{intended}`, but the key condition matches every"
                f" `{atom.attribute}` that starts with {atom.operand}"
            )
        if atom.operator == "eq" and intended.operator == "eq" and atom.operand != intended.operand:
            return (
                f"the key condition compares `{atom.attribute}` with {atom.operand}, the intent"
                f" with {intended.operand}"
            )
    return None


def _analyse_order(
    design: Design,
    pattern: PatternDesign,
    selected: list[str],
    pinned_by: dict[str, set[str]],
    out: _Analysis,
) -> None:
    terms = pattern.spec.intent.order_by
    if not terms:
        return
    first = terms[0]
    orders: dict[str, KeyOrder] = {}
    for name in selected:
        entity = design.entities[name]
        found = key_order(design, pattern, entity, pinned_by.get(name, set()))
        if isinstance(found, str):
            out.run_only.append(f"`{name}` order: {found}")
            continue
        orders[name] = found
        if found.attribute is None:
            out.run_only.append(
                f"`{name}`: every matched item has the same sort key, so its order is the"
                " engine's"
            )
            continue
        if found.attribute != first.attribute or found.direction != first.direction:
            out.order.append(
                (
                    name,
                    f"the index returns `{name}` items by `{found.attribute}` {found.direction},"
                    f" the intent orders them by `{first.attribute}` {first.direction}",
                )
            )
    if len(terms) > 1 and orders:
        out.run_only.append(
            "ties on `" + first.attribute + "` are ordered by "
            + quoted(t.attribute for t in terms[1:])
            + ", which the key cannot show"
        )
    if len(selected) > 1:
        out.run_only.append("the interleaving of several entity types in one order")


def _report(
    design: Design, code: str, kind: str, message: str
) -> Iterator[Diagnostic]:
    for pattern_name, analysis in _analyse(design).items():
        pattern = design.patterns[pattern_name]
        for entity, explanation in getattr(analysis, kind):
            yield finding(
                design,
                code,
                (*pattern.path, "key_condition"),
                f"pattern `{pattern_name}` {message} `{entity}` items: {explanation}",
                found=pattern.key_condition_text(),
                expected="a key condition that implements the intent exactly",
                pattern=pattern_name,
                entity=entity,
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
    yield from _report(design, "TM801", "over", "returns more than its intent:")


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
    yield from _report(design, "TM802", "under", "misses intended")


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
    yield from _report(design, "TM803", "order", "orders")


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
            yield finding(
                design,
                "TM804",
                path,
                f"pattern `{pattern.name}` has limit {spec.limit}, its intent {wanted}",
                found=f"limit: {spec.limit}",
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
