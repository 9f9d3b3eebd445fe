"""Intent versus keys: does the key condition select exactly the intended items, in order?"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from tablemodel.check.analysis import Analysis
from tablemodel.check.intent_gaps import Gap, IntentGaps
from tablemodel.check.registry import Finding, rule
from tablemodel.design import Design
from tablemodel.diagnostics import Severity, quoted


def _report(
    design: Design,
    analysis: Analysis,
    kind: Callable[[IntentGaps], list[Gap]],
    message: str,
) -> Iterator[Finding]:
    """The gaps of one kind; `message` is formatted with `pattern` and `entity`."""
    for pattern_name, pattern in design.patterns.items():
        for item in kind(analysis.gaps(pattern)):
            yield Finding(
                (*pattern.path, item.where),
                message.format(pattern=pattern_name, entity=item.entity) + f": {item.explanation}",
                found=item.found if item.found is not None else pattern.key_condition_text(),
                expected=item.expected,
                example=item.example,
                hint=item.hint,
                pattern=pattern_name,
                entity=item.entity,
            )


@rule("TM801", "intent-over-match", Severity.ERROR, "intent")
def check_intent_over_match(design: Design, analysis: Analysis) -> Iterator[Finding]:
    """The key condition returns items the intent excludes.

    Why: the intent says which items the pattern must return. A key condition that is weaker
    (a missing sort-key condition, a prefix that ends inside a value, the wrong parameter, a
    comparison written the other way round, a bound that keeps the value the intent leaves
    out) returns extra items, which callers then show or act on. The finding's example is an
    item the key condition returns and the intent excludes, with parameter values.

    Bad:
        key_condition: {PK: "race-{race_id}"}
        intent: {select: {RaceResult: {race_id: $race_id, racer_id: $racer_id}}}

    Good:
        key_condition: {PK: "race-{race_id}", SK: "racer-{racer_id}"}
        intent: {select: {RaceResult: {race_id: $race_id, racer_id: $racer_id}}}
    """
    yield from _report(
        design,
        analysis,
        lambda gaps: gaps.over,
        "pattern `{pattern}` returns `{entity}` items its intent excludes",
    )


@rule("TM802", "intent-under-match", Severity.ERROR, "intent")
def check_intent_under_match(design: Design, analysis: Analysis) -> Iterator[Finding]:
    """The key condition misses items the intent includes.

    Why: a key condition that is stronger than the intent (an extra equality, a narrower
    prefix, an upper bound `"{end}"` that composite keys `"{created_at}#{id}"` with
    `created_at = end` sort after) silently drops items the caller expects. The example is an
    item the intent selects and the key condition misses; for a bound, the hint gives the
    corrected condition (docs/run.md, date ranges on composite sort keys).

    Bad:
        key_condition: {PK: "racer-{racer_id}", SK: "race-{race_id}"}
        intent: {select: {RacerRace: {racer_id: $racer_id}}}     # all of the racer's races

    Good:
        key_condition: {PK: "racer-{racer_id}", SK: {begins_with: "race-"}}
    """
    yield from _report(
        design,
        analysis,
        lambda gaps: gaps.under,
        "pattern `{pattern}` misses `{entity}` items its intent includes",
    )


@rule("TM803", "intent-order", Severity.ERROR, "intent")
def check_intent_order(design: Design, analysis: Analysis) -> Iterator[Finding]:
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
        analysis,
        lambda gaps: gaps.order,
        "pattern `{pattern}` returns `{entity}` items in another order than its intent",
    )


@rule("TM804", "intent-limit", Severity.ERROR, "intent")
def check_intent_limit(design: Design, analysis: Analysis) -> Iterator[Finding]:
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
            yield Finding(
                path,
                f"pattern `{pattern.name}` has {has}, but its intent keeps {wanted} items",
                found=f"limit: {spec.limit if spec.limit is not None else '(none)'}",
                expected=f"limit: {wanted}",
                pattern=pattern.name,
            )
        elif isinstance(wanted, str) and spec.limit is not None:
            yield Finding(
                path,
                f"pattern `{pattern.name}` fixes limit {spec.limit}, its intent takes it from"
                f" {wanted}",
                found=f"limit: {spec.limit}",
                expected="no fixed limit: the caller passes it",
                pattern=pattern.name,
            )
        elif wanted is None and spec.limit is not None:
            yield Finding(
                path,
                f"pattern `{pattern.name}` keeps {spec.limit} items, but its intent wants every"
                " matching item",
                found=f"limit: {spec.limit}",
                expected=f"intent.limit: {spec.limit} with an order_by, or no limit",
                pattern=pattern.name,
            )
        elif wanted is not None and not spec.intent.order_by:
            yield Finding(
                (*pattern.path, "intent", "limit"),
                f"the intent of `{pattern.name}` keeps {wanted} items but states no order, so"
                " which items is undefined",
                found="intent.order_by: (none)",
                expected="an order_by that says which items come first",
                pattern=pattern.name,
            )


@rule("TM805", "verified-only-by-run", Severity.INFO, "intent")
def check_run_only(design: Design, analysis: Analysis) -> Iterator[Finding]:
    """The intent cannot be proven statically; only `check --run` can verify it.

    Why: the checker proves equalities, ranges and orders on attributes that appear in
    templates. Conditions beyond that (a one-sided range that compares two placeholders in
    turn, values whose byte order in a key is not their order, prefixes stated differently,
    ties in the order) are left to the runner, which executes the pattern on sample data and
    compares it with the intent. This is information, not a failure.

    Bad:
        # not a problem to fix; the pattern is marked "verified only by run"

    Good:
        # run `tablemodel check MODEL --run` to verify it against an engine
    """
    for pattern_name, pattern in design.patterns.items():
        run_only = analysis.gaps(pattern).run_only
        if not run_only:
            continue
        yield Finding(
            (*pattern.path, "intent"),
            f"pattern `{pattern_name}` is verified only by run: "
            + "; ".join(dict.fromkeys(run_only)),
            pattern=pattern_name,
        )


@rule("TM806", "intent-returns-mismatch", Severity.ERROR, "intent")
def check_intent_matches_returns(design: Design, analysis: Analysis) -> Iterator[Finding]:
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
            yield Finding(
                (*pattern.path, "intent", "select"),
                f"pattern `{pattern.name}` returns `{name}`, but its intent does not select it",
                found="intent selects " + (quoted(sorted(selected)) or "nothing"),
                expected=f"`{name}` under intent.select",
                pattern=pattern.name,
                entity=name,
            )
        for name in sorted(selected - returned):
            yield Finding(
                (*pattern.path, "returns"),
                f"the intent of `{pattern.name}` selects `{name}`, which the pattern does not"
                " return",
                found="returns " + (quoted(pattern.returns) or "nothing"),
                expected=f"`{name}` in returns",
                pattern=pattern.name,
                entity=name,
            )
