"""Generation: the sample items of a design, entity by entity, parents first, seeded.

Within an entity, partition-key values repeat for a few consecutive items so that partitions
hold several items in an order a pattern must get right, and an index partition key the table
sorts by recurs in a cycle across table partitions, so that index partitions do too; optional
attributes are absent at staggered positions; an item whose table key is taken is drawn again,
a bounded number of times, and then dropped: never two items with one key. Fixture items come
last and replace generated items with the same table key.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import random
from collections.abc import Mapping, Sequence
from decimal import Decimal

from tablemodel.design import Design
from tablemodel.run.items import SampleError, SampleItem
from tablemodel.run.sample.candidates import context_of
from tablemodel.run.sample.fixtures import fixture_identity, load_fixture
from tablemodel.run.sample.plan import Plan, Pools, plans_of
from tablemodel.run.sample.shape import EntityShape

__all__ = ["generate_samples"]

_REDRAWS = 30  # attempts at a fresh table key before an item is dropped
_ITEM_BUDGET = 380_000  # bytes an item may take (DynamoDB: 409,600; moto counts its own way)


def generate_samples(design: Design, *, seed: int | None = None) -> list[SampleItem]:
    """The sample items of `design`: generated (unless `generate: false`), then the fixtures.

    The same design and seed (default: `sample.seed`) give the same list. A fixture item
    replaces a generated item of its entity with the same table key. Raises `SampleError`.
    """
    sample = design.model.sample
    chosen = sample.seed if seed is None else seed
    shapes = {name: EntityShape(design, entity) for name, entity in design.entities.items()}
    plans = plans_of(design)
    generated: list[tuple[SampleItem, tuple[object, ...]]] = []
    if sample.generate:
        ctx = context_of(design)
        pools = Pools(design, shapes, plans, ctx, chosen)
        budget = _ITEM_BUDGET // 2 if design.model.table.local_indexes else _ITEM_BUDGET
        by_entity: dict[str, list[SampleItem]] = {}
        for plan in plans:
            parents = by_entity.get(plan.parent, []) if plan.parent else []
            made = _generate_entity(
                plan, shapes[plan.name], parents, pools, seed=chosen, budget=budget
            )
            by_entity[plan.name] = [item for item, _ in made]
            generated += made
    fixtures: list[SampleItem] = []
    taken: dict[tuple[str, tuple[object, ...]], SampleItem] = {}
    for relative in sample.fixtures:
        for item in load_fixture(design, relative):
            identity = fixture_identity(shapes[item.entity], item)
            earlier = taken.get((item.entity, identity))
            if earlier is not None:
                raise SampleError(
                    item.origin.removeprefix("fixture "),
                    f"this {item.entity} composes the same table key as the one at "
                    f"{earlier.origin.removeprefix('fixture ')}",
                    "one item per table key",
                )
            taken[item.entity, identity] = item
            fixtures.append(item)
    kept = [item for item, identity in generated if (item.entity, identity) not in taken]
    return kept + fixtures


def _generate_entity(
    plan: Plan,
    shape: EntityShape,
    parents: Sequence[SampleItem],
    pools: Pools,
    *,
    seed: int,
    budget: int,
) -> list[tuple[SampleItem, tuple[object, ...]]]:
    rng = random.Random(f"{seed}/items/{plan.name}")
    parent_attributes: set[str] = set()
    if parents:
        parent_attributes = set(pools.shapes[parents[0].entity].entity.spec.attributes)
    attributes = {
        a: s for a, s in shape.entity.spec.attributes.items() if a != shape.version
    }  # the runtime writes the version attribute itself
    views = {a: pools.view(plan.name, a) for a in attributes}
    hostile = shape.design.model.sample.hostile
    count = plan.count(len(parents))
    per_parent = plan.per_parent(len(parents))
    # Partition-key values repeat for a few consecutive items (sort-key values never do), so
    # that partitions hold several items of the entity, in an order the pattern must get right.
    clustered = _clustered(shape, parent_attributes)
    run = max(2, round(math.sqrt(count))) if clustered else 1
    cycled = _cycled(shape, parent_attributes, clustered)
    period = max(2, run if clustered else per_parent if parents else 1)
    # Optional attributes: absent in every third item (every second in an entity of two), at
    # staggered positions, so each is both present and absent wherever there are two items.
    cycle = 3 if count >= 3 else 2
    optional = [a for a, s in attributes.items() if s.optional and a not in shape.identity_vars]
    slot = {a: j for j, a in enumerate(optional)}
    for group in shape.entity.spec.together:
        # Written together: present and absent at the same positions.
        members = [a for a in group if a in slot]
        for a in members[1:]:
            slot[a] = slot[members[0]]
    made: list[tuple[SampleItem, tuple[object, ...]]] = []
    seen: set[tuple[object, ...]] = set()
    present = dict.fromkeys(slot, 0)
    for k in range(count):
        parent = parents[(k // per_parent) % len(parents)] if parents else None
        values: dict[str, object] = {}
        copied: set[str] = set()
        for attr, spec in attributes.items():
            if parent is not None and attr in parent_attributes:
                inherited = parent.values.get(attr)
                needed = not spec.optional or attr in shape.identity_vars
                if (inherited is None and not needed) or (
                    inherited is not None and shape.fits(attr, inherited)
                ):
                    copied.add(attr)
                    if inherited is not None:
                        values[attr] = _fresh(inherited)
                    continue
            if attr in slot and (k + slot[attr]) % cycle == 1:
                continue
            view = views[attr]
            if not view:
                if spec.optional and attr not in shape.identity_vars:
                    continue
                raise SampleError(
                    str(shape.design.locate((*shape.entity.path, "attributes", attr))),
                    f"no value of {plan.name}.{attr} satisfies both its declaration and the "
                    "entity's keys",
                    "bounds that leave room for a value (charset, lengths, minimum/maximum, "
                    "template width)",
                )
            if attr in clustered:
                drawn = k // run
            elif attr in cycled:
                # Pairs of table partitions share a cycle of values, then the next pair
                # takes new ones: repeats for the index, variety for the rest.
                drawn = k % period + period * (k // (2 * period))
            elif attr in slot:
                # Counted over the items that hold it: the view's first values (the literals
                # the patterns compare it with) are drawn, whichever items leave it out.
                drawn = present[attr]
                present[attr] += 1
            else:
                drawn = k
            if not hostile and attr not in clustered and attr not in cycled:
                drawn = _apart(view, drawn, values)
            values[attr] = _fresh(view[drawn % len(view)])
        _write_together(values, views, shape, k)
        _fit_budget(values, views, shape, budget)
        redraw = [a for a in shape.identity_vars if a not in copied and views.get(a)]
        identity = _identity_or_none(shape, values)
        for _ in range(_REDRAWS):
            if identity is not None and identity not in seen:
                break
            if not redraw:
                break
            for attr in redraw:
                values[attr] = _fresh(rng.choice(views[attr]))
            identity = _identity_or_none(shape, values)
        if identity is None or identity in seen:
            continue  # no fresh key within the draws: fewer items, never two with one key
        seen.add(identity)
        made.append((SampleItem(plan.name, values, "generated"), identity))
    return made


def _apart(view: Sequence[object], drawn: int, values: Mapping[str, object]) -> int:
    """`drawn`, or the next position of `view` whose value differs from every value the item
    already holds (as key text), so that no two attributes of a plain item read alike.

    Plain values are drawn in step (the k-th item takes every list's k-th value), so two
    attributes with the same candidates would hold equal values on every item, and nothing
    reading the items (a design doc, an exported Workbench model, an importer) could tell
    which one a key holds. Hostile data keeps its coincidences: they are part of the test.
    """
    held = {_text(v) for v in values.values()} - {None}
    for step in range(len(view)):
        if _text(view[(drawn + step) % len(view)]) not in held:
            return drawn + step
    return drawn


def _text(value: object) -> str | None:
    """A scalar value as a key holds it (numbers by value), or None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | Decimal):
        return str(Decimal(value).normalize())
    if isinstance(value, str | dt.date):
        return str(value)
    return None


def _write_together(
    values: dict[str, object], views: Mapping[str, list[object]], shape: EntityShape, k: int
) -> None:
    """Every group of attributes written together is all there or all absent.

    A parent's values can leave a group half written: the others are then drawn too, or,
    when one cannot be drawn, the optional ones present are left out.
    """
    specs = shape.entity.spec.attributes
    for group in shape.entity.spec.together:
        members = [a for a in group if a in specs]
        present = [a for a in members if values.get(a) is not None]
        if not present or len(present) == len(members):
            continue
        missing = [a for a in members if a not in present]
        if all(views.get(a) for a in missing):
            for a in missing:
                view = views[a]
                values[a] = _fresh(view[k % len(view)])
        else:
            for a in present:
                if specs[a].optional and a not in shape.identity_vars:
                    del values[a]


def _fresh(value: object) -> object:
    """A copy of a list, map or set, so that no two items share one (pools hand out objects)."""
    return copy.deepcopy(value) if isinstance(value, list | dict | set) else value


def _clustered(shape: EntityShape, inherited: set[str]) -> set[str]:
    """Drawn partition-key attributes that may repeat: those outside the table's sort key,
    when a drawn sort-key attribute still tells the items of one partition apart."""
    drawn_sort = shape.sort_vars - inherited
    candidates = shape.partition_vars - shape.sort_vars - inherited
    return candidates if candidates and drawn_sort else set()


def _cycled(shape: EntityShape, inherited: set[str], clustered: set[str]) -> set[str]:
    """Drawn attributes of a secondary index's partition key that the table's sort key holds.

    They must differ within a table partition, so they cannot repeat in runs; drawn in a
    cycle as long as a table partition's run of items instead (a cluster, or a parent's
    children), each value recurs across table partitions, and the index's partitions hold
    several items (a customer with several sessions, an invoice number in two orders). When
    nothing tells the table partitions apart (no partition-key part besides them, neither
    clustered nor a parent's), they are drawn as any attribute.
    """
    apart = shape.table_partition_vars - shape.sort_vars
    if not apart or not apart <= (clustered | inherited):
        return set()
    return (shape.index_partition_vars & shape.sort_vars) - inherited - clustered


def _identity_or_none(
    shape: EntityShape, values: Mapping[str, object]
) -> tuple[object, ...] | None:
    try:
        return shape.identity(values)
    except (ValueError, TypeError):
        return None


def _fit_budget(
    values: dict[str, object], views: Mapping[str, list[object]], shape: EntityShape, budget: int
) -> None:
    """Swap the longest texts for the shortest choices until the item fits DynamoDB's limit."""
    while _size(values) > budget:
        longest = max(
            (a for a, v in values.items() if isinstance(v, str | bytes) and a not in shape.in_keys),
            key=lambda a: _size(values[a]),
            default=None,
        )
        if longest is None or not views.get(longest):
            return
        shortest = min(views[longest], key=_size)
        if _size(shortest) >= _size(values[longest]):
            return
        values[longest] = shortest


def _size(value: object) -> int:
    """Roughly the bytes DynamoDB counts for a value (names included for mappings)."""
    if isinstance(value, str):
        return len(value.encode("utf-8", "surrogatepass"))
    if isinstance(value, bytes):
        return len(value)
    if isinstance(value, Mapping):
        return 3 + sum(len(str(k)) + 1 + _size(v) for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return 3 + sum(1 + _size(v) for v in value)
    return 21
