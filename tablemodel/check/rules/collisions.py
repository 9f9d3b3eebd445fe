"""Key collisions: two items that would share one primary key overwrite each other."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import combinations

from tablemodel.check.analysis import Analysis
from tablemodel.check.languages import common_primary_key
from tablemodel.check.registry import Finding, rule
from tablemodel.design import Design, EntityDesign
from tablemodel.diagnostics import Severity
from tablemodel.keylang.automata import decode_value, parse_key


def _values(design: Design, entity: EntityDesign, key: str, value: str) -> list[str]:
    """`name='value'` for each placeholder of `entity`'s template that composes `value`."""
    template = entity.templates[key]
    if design.key_type(key) != "S":
        return [f"{v}={value}" for v in template.variable_names]
    encoding = design.encoding_of(key)
    parsed = parse_key(template, entity.domains, encoding, value) or {}
    return [f"{k}={decode_value(v, encoding)!r}" for k, v in parsed.items()]


def _assignment(design: Design, entity: EntityDesign, shared: dict[str, str]) -> str:
    values = [text for k, v in shared.items() for text in _values(design, entity, k, v)]
    return f"`{entity.name}` with " + (", ".join(values) if values else "its constant keys")


def _show(values: dict[str, str], design: Design, key: str) -> str:
    encoding = design.encoding_of(key)
    return ", ".join(f"{k}={decode_value(v, encoding)!r}" for k, v in values.items())


@rule("TM501", "key-collision", Severity.ERROR, "collision")
def check_key_collisions(design: Design, analysis: Analysis) -> Iterator[Finding]:
    """Two entities can produce the same primary key, so one overwrites the other.

    Why: a PutItem replaces the whole item with the same primary key. If two entity types
    can compose the same PK and SK, writing one silently destroys the other.

    Bad:
        Race:    {keys: {PK: "race-{race_id}", SK: "{racer_id}"}}
        Summary: {keys: {PK: "race-{race_id}", SK: "summary"}}   # racer "summary" collides

    Good:
        Race:    {keys: {PK: "race-{race_id}", SK: "racer#{racer_id}"}}
        Summary: {keys: {PK: "race-{race_id}", SK: "summary"}}
    """
    keys = design.table.key_names
    writers = [e for e in design.entities.values() if all(e.writes(k) for k in keys)]
    for a, b in combinations(writers, 2):
        shared = common_primary_key(design, a, b)
        if shared is None:
            continue
        example = ", ".join(f'{k}="{v}"' for k, v in shared.items())
        values = "; ".join(_assignment(design, e, shared) for e in (a, b))
        yield Finding(
            (*b.path, "keys"),
            f"`{a.name}` and `{b.name}` can write the same primary key, so one overwrites the"
            " other",
            found=values,
            expected="primary keys that differ in a literal (for example a type prefix)",
            example=example,
            hint="start each entity's sort key (or partition key) with a literal of its own",
            entity=b.name,
        )


@rule("TM502", "ambiguous-key", Severity.ERROR, "collision")
def check_ambiguous_keys(design: Design, analysis: Analysis) -> Iterator[Finding]:
    """Two different sets of attribute values of one entity produce the same primary key.

    Why: the key template is not reversible: `{a}{b}` gives `12` for a=1,b=2 and for a=12,b=""
    ... or `RACE#{x}#{y}` with `#` inside x. The second item overwrites the first, and a key
    read back cannot be decoded.

    Bad:
        Lap: {keys: {PK: "race-{race_id}", SK: "{racer_id}{lap}"}}

    Good:
        Lap: {keys: {PK: "race-{race_id}", SK: "{racer_id}#{lap:04d}"}}
    """
    keys = design.table.key_names
    for entity in design.entities.values():
        if not all(entity.writes(k) for k in keys):
            continue
        for key in keys:
            if design.key_type(key) != "S":
                continue
            template = entity.templates[key]
            found = analysis.ambiguity(entity, key)
            if found is None:
                continue
            text, first, second = found
            differing = {v for v in first if first.get(v) != second.get(v)}
            # Another key attribute that holds every differing variable unambiguously still
            # tells the two items apart.
            others = [k for k in keys if k != key]
            if any(
                differing <= set(entity.templates[k].variable_names)
                and not analysis.ambiguous(entity, k)
                for k in others
            ):
                continue
            yield Finding(
                (*entity.path, "keys", key),
                f"`{entity.name}` composes the same `{key}` from different values",
                found=f'"{template.source}" gives "{text}" for {_show(first, design, key)} and'
                f" for {_show(second, design, key)}",
                expected="a template where every placeholder is followed by a delimiter its"
                " values cannot contain, or has a fixed width",
                example=f'{key}="{text}"',
                hint="separate placeholders with a delimiter and restrict the charset, or keep"
                " key_codec.escape on",
                entity=entity.name,
            )
