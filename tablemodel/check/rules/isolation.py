"""Entity isolation: which entity types can a key condition match?"""

from __future__ import annotations

from collections.abc import Iterator

from tablemodel.check.analysis import Analysis
from tablemodel.check.filters import excluded
from tablemodel.check.reach import example_text
from tablemodel.check.registry import Finding, rule
from tablemodel.design import Design, EntityDesign, PatternDesign
from tablemodel.diagnostics import Severity, quoted


def _isolation_hint(design: Design, pattern: PatternDesign, intruder: str) -> str:
    index = pattern.index
    assert index is not None
    ways = []
    if index.sort_key is not None and design.key_type(index.sort_key.name) == "S":
        ways.append(
            f"a condition on `{index.sort_key.name}` that only "
            + " and ".join(f"`{r}`" for r in pattern.returns)
            + " keys meet (a prefix ending at a delimiter)"
        )
    if index.kind != "table":
        optional = [k for k in index.key_names if k not in design.table.key_names]
        if optional:
            sparse = optional[-1]
            ways.append(f"keeping `{intruder}` out of {index.label} (do not write `{sparse}`)")
    ways.append(f"different key prefixes for `{intruder}` in {index.label}")
    return "separate them by " + ", or by ".join(ways) + f"; or return `{intruder}` too"


@rule("TM401", "entity-isolation", Severity.ERROR, "isolation")
def check_entity_isolation(design: Design, analysis: Analysis) -> Iterator[Finding]:
    """The key condition can match items of an entity the pattern does not return.

    Why: in a single table, partitions hold several entity types. A key condition that
    reaches another type's items returns them too, and the caller either crashes on them or
    silently mixes them in. The checker derives this from every entity's key templates.

    Bad:
        Racer:      {keys: {PK: "racer-{racer_id}", SK: "profile"}}
        RacerRace:  {keys: {PK: "racer-{racer_id}", SK: "race-{race_id}"}}
        races_by_racer: {key_condition: {PK: "racer-{racer_id}"}, returns: [RacerRace]}

    Good:
        races_by_racer:
          key_condition: {PK: "racer-{racer_id}", SK: {begins_with: "race-"}}
          returns: [RacerRace]
    """
    for pattern in design.patterns.values():
        if not pattern.queryable:
            continue
        for name, example in analysis.reach(pattern).items():
            if name in pattern.returns:
                continue
            yield Finding(
                (*pattern.path, "key_condition"),
                f"pattern `{pattern.name}` can also return `{name}` items, which it does not"
                " declare",
                found=pattern.key_condition_text(),
                expected="a condition that matches only " + quoted(pattern.returns),
                example=example_text(design, pattern, example),
                hint=_isolation_hint(design, pattern, name),
                pattern=pattern.name,
                entity=name,
            )


@rule("TM402", "entity-unreachable", Severity.ERROR, "isolation")
def check_returned_entities_reachable(design: Design, analysis: Analysis) -> Iterator[Finding]:
    """The pattern declares an entity its key condition can never match.

    Why: the pattern would always come back without those items, so whatever reads them is
    dead code, or the key condition is wrong (a typo in a prefix, the wrong index).

    Bad:
        RaceResult: {keys: {PK: "race-{race_id}", SK: "racer-{racer_id}"}}
        leaderboard: {key_condition: {PK: "race#{race_id}"}, returns: [RaceResult]}

    Good:
        leaderboard: {key_condition: {PK: "race-{race_id}"}, returns: [RaceResult]}
    """
    for pattern in design.patterns.values():
        if not pattern.queryable:
            continue
        index = pattern.index
        assert index is not None
        reachable = analysis.reach(pattern)
        for name in pattern.returns:
            entity: EntityDesign = design.entities[name]
            if not entity.in_index(index) or name in reachable:
                continue  # not in the index at all: TM403
            writes = {
                k: entity.templates[k].source for k in index.key_names if k in entity.templates
            }
            why = excluded(design, pattern, entity)
            if why is not None:
                yield Finding(
                    (*pattern.path, "filter"),
                    f"pattern `{pattern.name}` returns `{name}`, but its filter excludes every"
                    f" `{name}` item: {why}",
                    found="filter on " + quoted(pattern.spec.filter),
                    expected=f"a filter that `{name}` items can meet, or `{name}` out of returns",
                    pattern=pattern.name,
                    entity=name,
                )
                continue
            yield Finding(
                (*pattern.path, "key_condition"),
                f"pattern `{pattern.name}` returns `{name}`, but its key condition can never"
                f" match a `{name}` item",
                found=pattern.key_condition_text(),
                expected=f"a condition matching `{name}` keys: "
                + ", ".join(f'{k}="{v}"' for k, v in writes.items()),
                pattern=pattern.name,
                entity=name,
            )


@rule("TM403", "entity-not-in-index", Severity.ERROR, "isolation")
def check_returned_entities_in_index(design: Design, analysis: Analysis) -> Iterator[Finding]:
    """The pattern returns an entity that never appears in the queried index.

    Why: an item appears in an index only when it has every key attribute of that index
    (a sparse index). An entity without them is never returned, whatever the condition.

    Bad:
        global_indexes:
          - {name: leaderboard, partition_key: {name: SK}, sort_key: {name: Numeric, type: N}}
        Race: {keys: {PK: "class-{class_id}", SK: "race-{race_id}"}}   # no Numeric
        races: {index: leaderboard, returns: [Race]}

    Good:
        Race: {keys: {PK: "class-{class_id}", SK: "race-{race_id}", Numeric: "{started}"}}
    """
    for pattern in design.patterns.values():
        index = pattern.index
        if index is None:
            continue
        for name in pattern.returns:
            entity = design.entities[name]
            written = entity.written_keys()
            missing = [k for k in index.key_names if k not in written]
            if not missing:
                continue
            yield Finding(
                (*pattern.path, "returns"),
                f"pattern `{pattern.name}` returns `{name}`, but `{name}` items are never in"
                f" {index.label}: the entity does not write {quoted(missing)}",
                found=f"`{name}` writes " + (quoted(written) or "no keys"),
                expected="every key of the index: " + quoted(index.key_names),
                pattern=pattern.name,
                entity=name,
            )
