"""Entities of an imported model whose primary keys would collide, told apart where samples can.

Sample items grouped into entities often give two entities the same key templates: a device
log's warnings and its normal readings both `{State}#{Date}`. Loaded as they are, the model
fails the check (TM501: one entity's writes overwrite the other's). When an attribute that
fills a variable of those templates holds one value on every sample item of each entity, and
a different value in each, the items show what tells the entities apart: that value is
written into each entity's templates as a literal (`WARNING#{Date}`, `NORMAL#{Date}`). Only
entities that would collide are touched; a constant that separates nothing stays a variable.

Whether two entities can write the same primary key is asked of the checker
(`check.languages.common_primary_key`), on the model as it would be written.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from itertools import combinations
from typing import Any

from tablemodel.check.languages import common_primary_key
from tablemodel.check.rules.collisions import check_key_collisions
from tablemodel.design import build_design
from tablemodel.diagnostics import ModelLoadError
from tablemodel.importers.inference import DELIMITERS, literal_text
from tablemodel.keylang.templates import (
    Literal,
    TemplateSyntaxError,
    Variable,
    parse_template,
    placeholder,
)
from tablemodel.records import record
from tablemodel.schema.loader import load_model_from_text

__all__ = ["COLLISION", "Separation", "separate_colliding", "with_literal"]

# A constant holding one of these would be escaped by the key codec in a variable, so the
# literal would not be the text the key holds.
_UNSAFE = frozenset(DELIMITERS + "\\")
COLLISION = check_key_collisions.code
"""The check's code for entities that can write the same primary key, named in findings."""


@record
class Separation:
    """Entities that would write the same primary keys, and what was done about it.

    `attribute` is the attribute whose per-entity constant became a literal (`constants`,
    entity -> value, with the number of sample items it rests on in `items`), or None when
    nothing in the samples tells the entities apart and their templates were kept.
    `templates` holds each entity's primary key templates as written (key -> template).
    """

    entities: tuple[str, ...]
    attribute: str | None
    constants: Mapping[str, str]
    items: Mapping[str, int]
    templates: Mapping[str, Mapping[str, str]]


def separate_colliding(
    model: dict[str, Any], samples: Mapping[str, Sequence[Mapping[str, str]]], source: str
) -> tuple[Separation, ...]:
    """Write separating constants into `model`'s entity key templates (in place); return
    every group of entities that would collide, separated or not.

    `samples` holds, per entity, each sample item's stored attribute values as text (model
    names). A model that does not load is left alone: the importer's own check reports it.
    """
    pairs = _colliding(model, source)
    if not pairs:
        return ()
    entities: dict[str, Any] = model["entities"]
    table = model["table"]
    key_names = [table["partition_key"]["name"]] + (
        [table["sort_key"]["name"]] if "sort_key" in table else []
    )
    groups = _components(pairs, list(entities))
    before = {name: dict(entities[name]["keys"]) for group in groups for name in group}
    chosen: dict[tuple[str, ...], tuple[str, dict[str, str]]] = {}
    for group in groups:
        found = _separating_constant(group, entities, samples, key_names)
        if found is None:
            continue
        attribute, constants = found
        chosen[group] = found
        for name in group:
            keys = entities[name]["keys"]
            for key in key_names:
                keys[key] = with_literal(keys[key], attribute, constants[name])
    still = _colliding(model, source) if chosen else pairs
    remaining = {frozenset(pair) for pair in (pairs if still is None else still)}
    out: list[Separation] = []
    for group in groups:
        separated = group in chosen and not any(
            frozenset(pair) in remaining for pair in combinations(group, 2)
        )
        if not separated:
            for name in group:  # narrowing one group never widens another: undo it alone
                entities[name]["keys"] = before[name]
        out.append(
            Separation(
                entities=group,
                attribute=chosen[group][0] if separated else None,
                constants=chosen[group][1] if separated else {},
                items={name: len(samples.get(name, ())) for name in group},
                templates={
                    name: {k: entities[name]["keys"][k] for k in key_names} for name in group
                },
            )
        )
    return tuple(out)


def _colliding(model: Mapping[str, Any], source: str) -> list[tuple[str, str]] | None:
    """The pairs of entities that can write the same primary key, as the checker sees them."""
    try:
        loaded = load_model_from_text(json.dumps(model), source=source, format="json")
    except ModelLoadError:
        return None
    design = build_design(loaded.model, loaded)
    keys = design.table.key_names
    writers = [e for e in design.entities.values() if all(e.writes(k) for k in keys)]
    return [
        (a.name, b.name)
        for a, b in combinations(writers, 2)
        if common_primary_key(design, a, b) is not None
    ]


def _components(pairs: Sequence[tuple[str, str]], order: Sequence[str]) -> list[tuple[str, ...]]:
    """Entities linked by colliding pairs, each group in the model's order."""
    group_of: dict[str, set[str]] = {}
    for a, b in pairs:
        merged = group_of.get(a, {a}) | group_of.get(b, {b})
        for name in merged:
            group_of[name] = merged
    seen: list[frozenset[str]] = []
    for members in group_of.values():
        if frozenset(members) not in seen:
            seen.append(frozenset(members))
    groups = [tuple(n for n in order if n in members) for members in seen]
    return sorted(groups, key=lambda g: order.index(g[0]))


def _separating_constant(
    group: Sequence[str],
    entities: Mapping[str, Any],
    samples: Mapping[str, Sequence[Mapping[str, str]]],
    key_names: Sequence[str],
) -> tuple[str, dict[str, str]] | None:
    """An attribute filling a plain variable of every entity's primary key templates that
    holds one value on all sample items of each entity, a different one in each."""
    candidates: list[str] | None = None
    for name in group:
        names: list[str] = []
        for key in key_names:
            try:
                parsed = parse_template(entities[name]["keys"][key])
            except (TemplateSyntaxError, KeyError):
                return None
            names += [v.name for v in parsed.variables if v.fmt is None and v.name not in names]
        candidates = names if candidates is None else [n for n in candidates if n in names]
    for attribute in candidates or ():
        constants: dict[str, str] = {}
        for name in group:
            rows = samples.get(name, ())
            values = {row.get(attribute) for row in rows}
            if not rows or len(values) != 1:
                break
            value = values.pop()
            if not value or _UNSAFE & set(value):
                break
            constants[name] = value
        else:
            if len(set(constants.values())) == len(group):
                return attribute, constants
    return None


def with_literal(template: str, attribute: str, value: str) -> str:
    """`template` with every plain `{attribute}` written as the literal `value`."""
    out = ""
    for part in parse_template(template).parts:
        if isinstance(part, Literal):
            out += literal_text(part.text)
        else:
            assert isinstance(part, Variable)
            if part.name == attribute and part.fmt is None:
                out += literal_text(value)
            else:
                out += placeholder(part.name, part.fmt)
    return out
