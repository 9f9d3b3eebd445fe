"""What the diagrams show: how entities relate, and how their keys lay out in each index.

Relations are read from the model, never guessed from names alone:
- `belongs to`: the sample section's `parent` (items of the child copy the parent's values);
- `refers to`: an entity holds every attribute that identifies another (the variables of that
  entity's table-key templates), and is not identified by the same attributes itself.

The key layout of an index groups the entities in it by their partition-key template: entities
sharing one template share partitions (an item collection), each with its sort-key template.
"""

from __future__ import annotations

from typing import Literal

from tablemodel.design import Design, EntityDesign
from tablemodel.records import record

__all__ = [
    "KeyLayout",
    "LayoutLeaf",
    "LayoutPartition",
    "Relation",
    "key_layouts",
    "key_text",
    "relations",
]


@record
class Relation:
    source: str
    target: str
    kind: Literal["belongs to", "refers to"]
    label: str  # the attributes the relation goes through


@record
class LayoutLeaf:
    entity: str
    sort_template: str  # "" on an index without a sort key


@record
class LayoutPartition:
    template: str
    leaves: tuple[LayoutLeaf, ...]


@record
class KeyLayout:
    index: str
    label: str
    partition_key: str
    sort_key: str | None
    partitions: tuple[LayoutPartition, ...]


def identity(design: Design, entity: EntityDesign) -> tuple[str, ...]:
    """The attributes that identify an item: the variables of its table-key templates."""
    names: list[str] = []
    for key in design.table.key_names:
        template = entity.templates.get(key)
        if template is not None:
            names += [v for v in template.variable_names if v not in names]
    return tuple(names)


def relations(design: Design) -> list[Relation]:
    found: list[Relation] = []
    parents: dict[str, str] = {}
    for name, sample in design.model.sample.entities.items():
        if sample.parent is not None and name in design.entities:
            parents[name] = sample.parent
    identities = {name: identity(design, e) for name, e in design.entities.items()}
    for name, entity in design.entities.items():
        mine = set(identities[name])
        attributes = entity.attribute_names()
        for other, theirs in identities.items():
            if other == name or not theirs:
                continue
            if parents.get(name) == other:
                shared = [a for a in theirs if a in attributes]
                found.append(Relation(name, other, "belongs to", ", ".join(shared)))
            elif set(theirs) <= attributes and set(theirs) != mine:
                found.append(Relation(name, other, "refers to", ", ".join(theirs)))
    return found


def key_text(entity: EntityDesign, attribute: str) -> str:
    """What an entity writes into a key attribute: its template, `{name}` for a key that is
    the entity's own attribute, or "" when it does not write it."""
    if attribute in entity.spec.keys:
        return entity.spec.keys[attribute]
    return "{" + attribute + "}" if attribute in entity.plain else ""


def key_layouts(design: Design) -> list[KeyLayout]:
    layouts: list[KeyLayout] = []
    for index in design.indexes.values():
        partition = [k.name for k in index.partition_keys]
        sort = [k.name for k in index.sort_keys]
        groups: dict[str, list[LayoutLeaf]] = {}
        for entity in design.entities_in(index):
            template = ", ".join(key_text(entity, k) for k in partition)
            sort_template = ", ".join(key_text(entity, k) for k in sort)
            groups.setdefault(template, []).append(LayoutLeaf(entity.name, sort_template))
        label = "table" if index.kind == "table" else f"{index.kind.upper()} {index.name}"
        layouts.append(
            KeyLayout(
                index=index.name,
                label=label,
                partition_key=", ".join(partition),
                sort_key=", ".join(sort) or None,
                partitions=tuple(
                    LayoutPartition(template, tuple(leaves)) for template, leaves in groups.items()
                ),
            )
        )
    return layouts
