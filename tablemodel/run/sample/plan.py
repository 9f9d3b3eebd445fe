"""Plans: how many items of each entity, under which parents, in which order; and the pools
of candidate values that attributes of one name share across entities.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping, Sequence

from tablemodel.design import Design, EntityDesign
from tablemodel.diagnostics import PathPart
from tablemodel.records import record
from tablemodel.run.items import SampleError
from tablemodel.run.sample.candidates import CASE_VARIANTS, Context, candidates_for, unique
from tablemodel.run.sample.fixtures import Unreadable, from_plain, hint, one_of
from tablemodel.run.sample.sentinels import sentinels
from tablemodel.run.sample.shape import EntityShape
from tablemodel.runtime.values import AttributeValueError
from tablemodel.schema.model import AttributeSpec, SampleEntity

__all__ = ["DEFAULT_COUNT", "DEFAULT_PER_PARENT", "Plan", "Pools", "across_widths", "plans_of"]

DEFAULT_COUNT = 3
"""Items of an entity the sample section does not count."""

DEFAULT_PER_PARENT = 3
"""Items for each parent item when `per_parent` is not given."""


@record
class Plan:
    """One entity's sample section: how many items, and under which parent entity."""

    name: str
    config: SampleEntity
    minimum: int = DEFAULT_COUNT  # items that let every enum value and sentinel occur

    @property
    def parent(self) -> str | None:
        return self.config.parent

    def count(self, parents: int) -> int:
        if self.config.count is not None:
            return self.config.count
        if self.parent is None:
            return max(DEFAULT_COUNT, self.minimum)
        return (self.config.per_parent or DEFAULT_PER_PARENT) * parents

    def per_parent(self, parents: int) -> int:
        """Children of each parent item; `count` spread in blocks when per_parent is not given."""
        if self.config.per_parent is not None:
            return self.config.per_parent
        if self.config.count is not None and parents:
            return max(1, math.ceil(self.config.count / parents))
        return DEFAULT_PER_PARENT


def plans_of(design: Design) -> list[Plan]:
    """Every entity, parents before their children; located errors for bad references."""
    sample = design.model.sample
    where = _model_locator(design)
    for name, config in sample.entities.items():
        if name not in design.entities:
            raise SampleError(
                where(("sample", "entities", name)),
                f"the sample section counts `{name}`, which is not an entity of this model"
                + hint(name, design.entities),
                one_of(design.entities),
            )
        if config.parent is not None and config.parent not in design.entities:
            raise SampleError(
                where(("sample", "entities", name, "parent")),
                f"the parent of `{name}` is `{config.parent}`, which is not an entity"
                + hint(config.parent, design.entities),
                one_of(design.entities),
            )
        if config.per_parent is not None and config.parent is None:
            raise SampleError(
                where(("sample", "entities", name, "per_parent")),
                f"`{name}` has per_parent but no parent",
                "a `parent` entity whose items these belong to",
            )
    literals = sentinels(design)
    plans = {
        name: Plan(name, sample.entities.get(name, SampleEntity()), _minimum(entity, literals))
        for name, entity in design.entities.items()
    }
    ordered: list[Plan] = []
    placed: set[str] = set()
    for name in plans:
        chain: list[str] = []
        current: str | None = name
        while current is not None and current not in placed:
            if current in chain:
                raise SampleError(
                    where(("sample", "entities", current, "parent")),
                    "the sample parents form a cycle: " + " -> ".join([*chain, current]),
                    "each entity's parent chain to end at an entity without a parent",
                )
            chain.append(current)
            current = plans[current].parent
        for member in reversed(chain):
            placed.add(member)
            ordered.append(plans[member])
    return ordered


def _minimum(entity: EntityDesign, literals: Mapping[tuple[str, str], list[object]]) -> int:
    """Items an entity needs by default so that every enum value, and every sentinel beside
    another value, can occur (each attribute draws its values in turn)."""
    counts = [len(spec.values) for spec in entity.spec.attributes.values() if spec.type == "enum"]
    counts += [len(v) + 1 for (name, _), v in literals.items() if name == entity.name]
    return max(counts, default=DEFAULT_COUNT)


def _model_locator(design: Design) -> Callable[[tuple[PathPart, ...]], str]:
    def where(path: tuple[PathPart, ...]) -> str:
        return str(design.locate(path))

    return where


def _planned_counts(plans: Sequence[Plan]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for plan in plans:
        counts[plan.name] = plan.count(counts.get(plan.parent, 0) if plan.parent else 0)
    return counts


# ---------------------------------------------------------------------------------------------
# Shared pools


class Pools:
    """One pool of candidates per attribute name, shared by every entity that has it.

    A pool is the union of the candidates of every declaration of the name (hostile ones first,
    shuffled by the seed); each entity draws from the members its own rule and keys accept.
    Every entity draws in pool order, so small entities meet on the first members and the
    largest ones reach every hostile value.
    """

    def __init__(
        self,
        design: Design,
        shapes: Mapping[str, EntityShape],
        plans: Sequence[Plan],
        ctx: Context,
        seed: int,
    ) -> None:
        counts = _planned_counts(plans)
        need: dict[str, int] = {}
        widths: dict[str, list[int]] = {}
        declarations: dict[str, list[AttributeSpec]] = {}
        for plan in plans:
            shape = shapes[plan.name]
            parents = counts.get(plan.parent, 0) if plan.parent else 0
            wanted = plan.per_parent(parents) if plan.parent else counts[plan.name]
            for attr, spec in shape.entity.spec.attributes.items():
                need[attr] = max(need.get(attr, 1), wanted)
                if spec not in declarations.setdefault(attr, []):
                    declarations[attr].append(spec)
                if attr in shape.widths:
                    widths.setdefault(attr, []).append(shape.widths[attr])
        self.pools: dict[str, list[object]] = {}
        for attr, specs in declarations.items():
            hostile: list[object] = []
            plain: list[object] = []
            for spec in specs:
                special, simple = candidates_for(attr, spec, need[attr], ctx, widths.get(attr, ()))
                hostile += special
                plain += simple
            if not ctx.hostile and attr != ctx.ttl and all(s.type == "integer" for s in specs):
                plain = across_widths(need[attr]) + plain
            hostile = unique(hostile)
            random.Random(f"{seed}/pool/{attr}").shuffle(hostile)
            if attr in ctx.folded:
                # A folded key writes these alike: the first items meet on them.
                front = [v for v in CASE_VARIANTS if v in hostile]
                hostile = front + [v for v in hostile if v not in front]
            self.pools[attr] = unique(hostile + plain)
        self.overrides = _overrides(design, shapes)
        self.shapes = shapes
        self.sentinels = sentinels(design)

    def view(self, entity: str, attr: str) -> list[object]:
        """What `entity` draws `attr` from: its `values` choices, else its part of the pool,
        with the literals the patterns compare it with first (`sentinels`)."""
        override = self.overrides.get((entity, attr))
        if override is not None:
            return override
        shape = self.shapes[entity]
        first = [v for v in self.sentinels.get((entity, attr), []) if shape.fits(attr, v)]
        rest = [v for v in self.pools.get(attr, []) if shape.fits(attr, v)]
        return unique(first + rest)


def across_widths(count: int) -> list[object]:
    """`count` readable integers of one, two and three digits in turn: 1, 20, 300, 4, 50, ...

    Plain integers for sample items, so that a key padding them (`{n:04d}`) shows its padding
    on values of different widths; each entity keeps those its bounds and key widths accept
    (the consecutive ones follow in the pool for narrow bounds). No two are equal: k + 1 and
    its tenfold or hundredfold differ in k mod 3.
    """
    return [(k + 1) * 10 ** (k % 3) for k in range(count)]


def _overrides(
    design: Design, shapes: Mapping[str, EntityShape]
) -> dict[tuple[str, str], list[object]]:
    """`values:` choices of the sample section, typed and checked, with located errors."""
    where = _model_locator(design)
    out: dict[tuple[str, str], list[object]] = {}
    for name, config in design.model.sample.entities.items():
        shape = shapes[name]
        for attr, choices in config.values.items():
            path: tuple[PathPart, ...] = ("sample", "entities", name, "values", attr)
            spec = shape.entity.spec.attributes.get(attr)
            if spec is None:
                raise SampleError(
                    where(path),
                    f"`{attr}` is not an attribute of `{name}`"
                    + hint(attr, shape.entity.spec.attributes),
                    one_of(shape.entity.spec.attributes),
                )
            converted: list[object] = []
            for i, choice in enumerate(choices):
                try:
                    value = from_plain(spec, choice)
                    shape.rules[attr].check(name, attr, value)
                except Unreadable as err:
                    raise SampleError(where((*path, i)), err.problem, err.expected) from None
                except AttributeValueError as err:
                    raise SampleError(where((*path, i)), str(err)) from None
                if not shape.fits(attr, value):
                    raise SampleError(
                        where((*path, i)),
                        f"{name}.{attr}: {choice!r} cannot be written into the entity's keys",
                        "a value that fits the key template (a non-empty string, an integer "
                        "within the placeholder's width)",
                    )
                converted.append(value)
            out[name, attr] = converted
    return out
