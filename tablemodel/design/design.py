"""The resolved design: what the rules, the generator and the runner read.

A `Design` is a validated model with every key template parsed and every reference linked:
the base table and its indexes (`IndexDesign`), entities with their templates and the value
domains of their attributes (`EntityDesign`), access patterns with their conditions split by
key role (`PatternDesign`, `ConditionDesign`). `tablemodel.design.resolve` builds it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import field
from functools import cached_property
from typing import Literal

from tablemodel.design.values import keeps_case
from tablemodel.diagnostics import Diagnostic, Location, PathPart
from tablemodel.keylang.automata import Encoding, ValueDomain
from tablemodel.keylang.templates import KeyTemplate
from tablemodel.records import record
from tablemodel.schema.loader import LoadedModel
from tablemodel.schema.model import (
    AccessPattern,
    AttributeSpec,
    Entity,
    KeyAttribute,
    Model,
    Projection,
)

TABLE = "table"
IndexKind = Literal["table", "lsi", "gsi"]


@record
class IndexDesign:
    """The base table or one of its indexes, as the checker sees it.

    `partition_key` and `sort_key` are the first attribute of each role; a GSI with a
    multi-attribute key (DynamoDB, November 2025) has up to four of each, in KeySchema order,
    in `partition_keys` and `sort_keys` (which repeat the single ones otherwise).
    """

    name: str
    kind: IndexKind
    partition_key: KeyAttribute
    sort_key: KeyAttribute | None
    projection: Projection
    path: tuple[PathPart, ...]
    partition_keys: tuple[KeyAttribute, ...] = ()
    sort_keys: tuple[KeyAttribute, ...] = ()

    def __post_init__(self) -> None:
        if not self.partition_keys:
            object.__setattr__(self, "partition_keys", (self.partition_key,))
        if not self.sort_keys and self.sort_key is not None:
            object.__setattr__(self, "sort_keys", (self.sort_key,))

    @property
    def key_names(self) -> tuple[str, ...]:
        """Every key attribute: the partition-key attributes, then the sort-key attributes."""
        return tuple(k.name for k in (*self.partition_keys, *self.sort_keys))

    @property
    def multi_attribute(self) -> bool:
        """True for a GSI whose partition key or sort key has several attributes."""
        return len(self.partition_keys) > 1 or len(self.sort_keys) > 1

    def role(self, attribute: str) -> Literal["partition", "sort"] | None:
        """Whether `attribute` is a partition-key or a sort-key attribute of the index."""
        if any(k.name == attribute for k in self.partition_keys):
            return "partition"
        if any(k.name == attribute for k in self.sort_keys):
            return "sort"
        return None

    @property
    def label(self) -> str:
        return "the table" if self.kind == "table" else f"{self.kind.upper()} `{self.name}`"


@record
class EntityDesign:
    """An entity with its key templates parsed.

    A key attribute that is also one of the entity's own attributes (`RoomID`, `CreatedAt`)
    is stored once, as that attribute: its template is `{RoomID}` and its name is in `plain`.
    """

    name: str
    spec: Entity
    discriminator: str
    templates: Mapping[str, KeyTemplate]  # key attribute -> parsed template (valid ones only)
    domains: Mapping[str, ValueDomain]  # attribute -> domain of its values in keys
    path: tuple[PathPart, ...]
    plain: frozenset[str] = frozenset()  # key attributes that are attributes of the entity

    def writes(self, attribute: str) -> bool:
        return attribute in self.templates

    def written_keys(self) -> tuple[str, ...]:
        """The key attributes the entity writes: by a template, or as its own attribute."""
        return (*self.spec.keys, *sorted(self.plain - set(self.spec.keys)))

    def in_index(self, index: IndexDesign) -> bool:
        """An item lands in an index only when it has every key attribute of the index."""
        return all(self.writes(name) for name in index.key_names)

    def attribute_names(self) -> set[str]:
        return set(self.spec.attributes)

    def written_with(self, attribute: str) -> set[str]:
        """The attributes every item that has `attribute` has too (`together`), itself included."""
        found = {attribute}
        for group in self.spec.together:
            if attribute in group:
                found.update(a for a in group if a in self.spec.attributes)
        return found


@record
class ConditionDesign:
    """One key attribute's condition in a pattern, with parsed templates."""

    attribute: str
    operator: str
    templates: tuple[KeyTemplate, ...]
    path: tuple[PathPart, ...]

    def text(self) -> str:
        quoted = [f'"{t.source}"' for t in self.templates]
        if self.operator == "eq":
            return f"{self.attribute} = {quoted[0]}"
        if self.operator == "between":
            return f"{self.attribute} BETWEEN {quoted[0]} AND {quoted[1]}"
        if self.operator == "begins_with":
            return f"begins_with({self.attribute}, {quoted[0]})"
        symbol = {"lt": "<", "lte": "<=", "gt": ">", "gte": ">="}[self.operator]
        return f"{self.attribute} {symbol} {quoted[0]}"


@record
class PatternDesign:
    """An access pattern linked to its index, entities and parameters.

    `partition` and `sort` are the conditions on the index's `partition_key` and `sort_key`;
    on a GSI with a multi-attribute key, `partitions` and `sorts` hold the condition on each
    key attribute that has one, in KeySchema order (they repeat the single ones otherwise).
    """

    name: str
    spec: AccessPattern
    index: IndexDesign | None  # None when the index name did not resolve
    partition: ConditionDesign | None
    sort: ConditionDesign | None
    other_conditions: tuple[ConditionDesign, ...]  # conditions on non-key attributes
    parameters: Mapping[str, AttributeSpec]  # declared or inferred
    domains: Mapping[str, ValueDomain]  # parameter -> domain
    returns: tuple[str, ...]  # resolved entity names only
    path: tuple[PathPart, ...]
    resolved: bool  # False when something needed by the deeper rules did not resolve
    partitions: tuple[ConditionDesign, ...] = ()
    sorts: tuple[ConditionDesign, ...] = ()

    def __post_init__(self) -> None:
        if not self.partitions and self.partition is not None:
            object.__setattr__(self, "partitions", (self.partition,))
        if not self.sorts and self.sort is not None:
            object.__setattr__(self, "sorts", (self.sort,))

    @property
    def key_conditions(self) -> tuple[ConditionDesign, ...]:
        """The conditions on the index's key attributes: partition key first, in order."""
        return (*self.partitions, *self.sorts)

    @property
    def queryable(self) -> bool:
        """Resolved, on a known index, with a key condition DynamoDB accepts as a Query (an
        equality on every partition-key attribute; sort-key attributes left to right, the
        range on the last given one only): the deep rules apply."""
        if not self.resolved or self.index is None or self.partition is None:
            return False
        return not self.key_condition_gaps()

    def key_condition_gaps(self) -> list[str]:
        """What keeps the key condition from being a Query, for a multi-attribute key."""
        index = self.index
        if index is None:
            return []
        gaps: list[str] = []
        given = {c.attribute for c in self.partitions}
        gaps += [
            f"no equality on partition-key attribute `{k.name}`"
            for k in index.partition_keys
            if k.name not in given
        ]
        conditioned = [c.attribute for c in self.sorts]
        expected = [k.name for k in index.sort_keys[: len(conditioned)]]
        if conditioned != expected:
            gaps.append("sort-key attributes not conditioned from the first, without a gap")
        gaps += [
            f"`{c.operator}` on `{c.attribute}`, which is not the last conditioned sort-key"
            " attribute"
            for c in self.sorts[:-1]
            if c.operator != "eq"
        ]
        return gaps

    @property
    def is_scan(self) -> bool:
        """A Scan of the table or index (`operation: scan`): no key condition, no order."""
        return self.spec.operation == "scan"

    @property
    def runnable(self) -> bool:
        """A request can be sent: a Query with its partition key condition, or a Scan."""
        return self.queryable or (self.resolved and self.index is not None and self.is_scan)

    def key_condition_text(self) -> str:
        if self.is_scan:
            return f"(scan of {self.index.label})" if self.index is not None else "(scan)"
        parts = [c.text() for c in self.key_conditions]
        parts += [c.text() for c in self.other_conditions]
        return " AND ".join(parts) if parts else "(none)"


@record
class Design:
    """Everything the rules need, resolved once."""

    model: Model
    source: str
    loaded: LoadedModel | None
    table: IndexDesign
    indexes: Mapping[str, IndexDesign]  # "table" plus every LSI and GSI by name
    entities: Mapping[str, EntityDesign]
    patterns: Mapping[str, PatternDesign]
    encoding: Encoding
    diagnostics: tuple[Diagnostic, ...] = field(default=())
    folded_keys: frozenset[str] = frozenset()  # string keys folded to lower case

    def locate(self, path: Iterable[PathPart]) -> Location:
        """A Location for a model path, with the line and column when the source has them."""
        return Locator(self.source, self.loaded)(tuple(path))

    def key_type(self, attribute: str) -> str | None:
        """The declared DynamoDB type of a key attribute of the table or any index."""
        for index in self.indexes.values():
            for key in (*index.partition_keys, *index.sort_keys):
                if key.name == attribute:
                    return key.type
        return None

    @cached_property
    def raw_keys(self) -> frozenset[str]:
        """Key attributes that some entity stores as its own attribute (`RoomID`).

        Such a key holds the attribute's value as it is: the codec writes it unescaped, for
        every entity that writes it, so that the key and the attribute are one stored value.
        """
        return frozenset(k for e in self.entities.values() for k in e.plain)

    def encoding_of(self, attribute: str) -> Encoding:
        """How values are written into key attribute `attribute`: raw for `raw_keys`, folded
        to lower case for `folded_keys` (never both: a raw key folded would change the
        attribute it stores, which resolution refuses with TM132)."""
        encoding = self.encoding
        if attribute in self.raw_keys and encoding.escape:
            encoding = dataclasses.replace(encoding, escape=False)
        if attribute in self.folded_keys and attribute not in self.raw_keys:
            encoding = dataclasses.replace(encoding, fold_case=True)
        return encoding

    def key_attribute_names(self) -> set[str]:
        return {name for index in self.indexes.values() for name in index.key_names}

    def entities_in(self, index: IndexDesign) -> list[EntityDesign]:
        """The entities whose items land in `index`: those that write every key of it."""
        return [e for e in self.entities.values() if e.in_index(index)]

    def sample_counts(self, names: Iterable[str]) -> dict[str, int] | None:
        """Items of each entity of `names` as the model's sample section states them, or None
        when it does not state a count for every one (a `count`, or `per_parent` items for
        each item of a `parent` whose count is stated in turn; `per_parent` defaults to 3)."""
        entries = self.model.sample.entities
        counts: dict[str, int] = {}

        def count(name: str, seen: tuple[str, ...]) -> int | None:
            if name in counts:
                return counts[name]
            entry = entries.get(name)
            if entry is None or name in seen:
                return None
            if entry.count is not None:
                found: int | None = entry.count
            elif entry.parent is not None:
                parents = count(entry.parent, (*seen, name))
                found = None if parents is None else parents * (entry.per_parent or 3)
            else:
                found = None
            if found is not None:
                counts[name] = found
            return found

        wanted = list(names)
        if any(count(name, ()) is None for name in wanted):
            return None
        return {name: counts[name] for name in wanted}

    def projected_attributes(self, index: IndexDesign) -> set[str] | None:
        """Attribute names a Query on `index` returns, or None when it returns whole items."""
        if index.kind == "table" or index.projection.type == "all":
            return None
        names = set(self.table.key_names) | set(index.key_names)
        return names | set(index.projection.attributes)

    def fetches_items(self, pattern: PatternDesign) -> bool:
        """True when the pattern's LSI Query asks DynamoDB for whole items (Select=ALL_ATTRIBUTES).

        An LSI, unlike a GSI, fetches what it does not project from the table (one more read
        per item). The generated code asks for that when the pattern reads an attribute of a
        returned entity that the LSI neither projects nor spells in a projected key (TM701
        warns about the cost).
        """
        index = pattern.index
        if index is None or index.kind != "lsi":
            return False
        projected = self.projected_attributes(index)
        if projected is None:
            return False
        for name in pattern.returns:
            entity = self.entities[name]
            wanted = pattern.spec.attributes or tuple(entity.spec.attributes)
            have = recoverable(entity, projected, self.folded_keys)
            if any(a in entity.spec.attributes and a not in have for a in wanted):
                return True
        return False

    def unread(
        self, entity: EntityDesign, index: IndexDesign, *, whole_items: bool = False
    ) -> tuple[str, ...]:
        """The attributes of `entity` that a Query on `index` cannot give back, sorted.

        Projected attributes come back, and so do those a projected key spells (decoded from
        it); a chunked record's payload never does. With `whole_items` (an LSI asked for them,
        `fetches_items`) everything else comes back. The runtime computes the same from the
        generated index classes (`EntitySpec.unread_through`); a test holds the two together.
        """
        chunked = set(entity.spec.chunking.attributes) if entity.spec.chunking else set()
        projected = None if whole_items else self.projected_attributes(index)
        readable = (
            set(entity.spec.attributes)
            if projected is None
            else recoverable(entity, projected, self.folded_keys)
        )
        return tuple(sorted(a for a in entity.spec.attributes if a in chunked or a not in readable))


def recoverable(
    entity: EntityDesign, projected: set[str], folded: frozenset[str] = frozenset()
) -> set[str]:
    """Entity attributes readable from an index: projected ones, and those decoded from keys.

    A key folded to lower case (`folded`) gives back only the values folding cannot change
    (`McDonald` comes back `mcdonald`): `runtime.keys.survives_folding` decides, as it does
    for the runtime (`EntitySpec.unread_through`).
    """
    found = {a for a in entity.spec.attributes if a in projected}
    for key, template in entity.templates.items():
        if key not in projected:
            continue
        for name in template.variable_names:
            if key not in folded or keeps_case(entity.spec.attributes[name]):
                found.add(name)
    return found


class Locator:
    """Model paths to locations in the source: line and column when the loader kept them."""

    def __init__(self, source: str, loaded: LoadedModel | None) -> None:
        self.source = source
        self.loaded = loaded

    def __call__(self, path: tuple[PathPart, ...]) -> Location:
        line = column = None
        if self.loaded is not None:
            found = self.loaded.positions.nearest(path)
            if found is not None:
                line, column = found[1]
        return Location(file=self.source, line=line, column=column, path=path)
