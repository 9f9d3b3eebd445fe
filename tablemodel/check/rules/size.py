"""Item size: entities that can outgrow DynamoDB's 400 KB item, and chunked records' layout.

The largest item of an entity is estimated from its declared bounds with the exact size rules
of `tablemodel.runtime.size` (attribute names, UTF-8 strings at 4 bytes per character unless
the charset is ASCII, numbers at their 21-byte maximum, list and map overhead, LSI entries).
Attributes without a bound (a string without `max_length`, a list without `max_items`) add
nothing, so the estimate is a lower bound of the worst case: a finding is certain.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from tablemodel.check.analysis import Analysis
from tablemodel.check.languages import condition_language, entity_language, match_condition
from tablemodel.check.registry import Finding, rule
from tablemodel.check.sizes import key_bytes, largest_item, value_bytes
from tablemodel.design import Design, EntityDesign
from tablemodel.diagnostics import Severity, quoted
from tablemodel.keylang.automata import Nfa, intersect, template_nfa
from tablemodel.keylang.templates import parse_template
from tablemodel.runtime.keys import CHUNK_SORT_KEY_PREFIX
from tablemodel.runtime.size import ITEM_SIZE_LIMIT, read_units
from tablemodel.schema.model import Predicate


def _with_local_indexes(design: Design, entity: EntityDesign, item: int) -> int:
    """The item plus its entries in the LSIs it lands in (they share the 400 KB budget)."""
    total = item
    pk = design.model.table.partition_key.name
    for index in design.indexes.values():
        if index.kind != "lsi" or not entity.in_index(index):
            continue
        if index.projection.type == "all":
            total += item
            continue
        entry = 0
        for name in (pk, *index.key_names[1:]):
            entry += len(name.encode()) + key_bytes(design, entity, name)
        if index.projection.type == "include":
            for name in index.projection.attributes:
                spec = entity.spec.attributes.get(name)
                size = value_bytes(spec) if spec is not None else None
                entry += len(name.encode()) + (size or 0)
        total += entry
    return total


@rule("TM604", "item-too-large", Severity.ERROR, "hazard")
def check_item_size(design: Design, analysis: Analysis) -> Iterator[Finding]:
    """An entity can write an item above DynamoDB's 409,600-byte limit and is not chunked.

    Why: DynamoDB refuses the whole write of an item above 400 KB (409,600 bytes, names and
    values counted, and on a table with LSIs its index entries too). The bounds in the model
    (max_length, max_items) say how large an item can get; above the limit, declare the large
    attributes chunked so the generated code splits them across items that never tear.

    Bad:
        RaceTelemetry:
          attributes: {points: {type: list, max_items: 36000, items: {type: number}}}

    Good:
        RaceTelemetry:
          attributes: {points: {type: list, max_items: 36000, items: {type: number}}}
          chunking: {attributes: [points], codec: json, compress: true}
    """
    for entity in design.entities.values():
        item, unbounded = largest_item(design, entity)
        total = _with_local_indexes(design, entity, item)
        if total <= ITEM_SIZE_LIMIT:
            continue
        what = "item" if total == item else "item with its LSI entries"
        least = " at least" if unbounded else ""
        chunked = entity.spec.chunking is not None
        yield Finding(
            entity.path,
            f"`{entity.name}` can write an {what} of{least} {total:,} bytes, over DynamoDB's "
            f"limit of {ITEM_SIZE_LIMIT:,}"
            + (" even without its chunked attributes" if chunked else ""),
            found=f"largest {what}: {total:,} bytes (from the declared bounds)",
            expected=f"at most {ITEM_SIZE_LIMIT:,} bytes per item",
            hint="declare the large attributes under `chunking`"
            if not chunked
            else "chunk more attributes, or lower their bounds",
            entity=entity.name,
        )


@rule("TM404", "chunk-items-reachable", Severity.ERROR, "isolation")
def check_chunks_unreachable(design: Design, analysis: Analysis) -> Iterator[Finding]:
    """A key condition, or another entity's sort key, can reach a chunked entity's chunk items.

    Why: a chunked record stores its large attributes in chunk items in the same partition,
    under sort keys starting with `~chunk#`. They carry only the keys and raw payload; a
    pattern that reaches them returns unreadable items, and an entity whose own sort keys can
    start with `~chunk#` there could overwrite them. Give the pattern a sort key condition
    that stops at the entity's own prefix, and entities prefixes of their own.

    Bad:
        key_condition: {PK: "race-{race_id}"}

    Good:
        key_condition: {PK: "race-{race_id}", SK: {begins_with: "telemetry#"}}
    """
    chunked = [e for e in design.entities.values() if e.spec.chunking is not None]
    if not chunked:
        return
    table = design.model.table
    sort_key = table.sort_key.name if table.sort_key is not None else ""
    chunks = template_nfa(parse_template(CHUNK_SORT_KEY_PREFIX), {}, design.encoding_of(sort_key))
    chunk_keys = chunks.then_anything()
    yield from _entities_writing_chunk_keys(design, chunked, chunk_keys)
    for pattern in design.patterns.values():
        index = pattern.index
        if not pattern.runnable or index is None or index.kind != "table":
            continue  # chunk items hold no index key: they are in no secondary index
        if pattern.is_scan:
            if not _filter_drops_chunks(design, pattern.spec.filter):
                yield Finding(
                    (*pattern.path, "operation"),
                    f"pattern `{pattern.name}` scans the table, so it also returns the chunk"
                    " items of " + quoted(e.name for e in chunked),
                    found="operation: scan of the table",
                    expected="a filter on an attribute chunk items lack, or a scan of an"
                    " index (chunk items are in none)",
                    hint="filter on an attribute every returned entity has, such as one of"
                    " its required attributes",
                    pattern=pattern.name,
                )
            continue
        assert pattern.partition is not None
        for entity in chunked:
            if not match_condition(design, pattern, entity, pattern.partition).possible:
                continue
            if pattern.sort is not None and table.sort_key is not None:
                language = condition_language(design, pattern, pattern.sort)
                if intersect(chunk_keys, language).shortest_witness() is None:
                    continue
            yield Finding(
                (*pattern.path, "key_condition"),
                f"pattern `{pattern.name}` can also return the chunk items of `{entity.name}` "
                f"(sort keys starting with `{CHUNK_SORT_KEY_PREFIX}`)",
                found=pattern.key_condition_text(),
                expected=f"a sort key condition that excludes `{CHUNK_SORT_KEY_PREFIX}` keys",
                hint="add a sort key condition that matches only the entities it returns",
                pattern=pattern.name,
                entity=entity.name,
            )


def _filter_drops_chunks(design: Design, filters: Mapping[str, Predicate]) -> bool:
    """Whether a filter fails on every chunk item, which holds only the table's keys and a
    payload: a condition on another attribute that needs it present (anything but `ne` and
    `exists: false`)."""
    keys = set(design.table.key_names)
    return any(
        attribute not in keys
        and predicate.operator != "ne"
        and not (predicate.operator == "exists" and predicate.operands[0] is False)
        for attribute, predicate in filters.items()
    )


def _entities_writing_chunk_keys(
    design: Design, chunked: list[EntityDesign], chunk_keys: Nfa
) -> Iterator[Finding]:
    """Entities whose own sort keys could be taken for chunk items in a chunked partition."""
    table = design.model.table
    if table.sort_key is None or design.key_type(table.sort_key.name) != "S":
        return
    pk, sk = table.partition_key.name, table.sort_key.name
    for entity in design.entities.values():
        own = entity_language(design, entity, sk)
        if own is None or intersect(own, chunk_keys).shortest_witness() is None:
            continue
        mine = entity_language(design, entity, pk)
        for owner in chunked:
            theirs = entity_language(design, owner, pk)
            if mine is None or theirs is None:
                continue
            if intersect(mine, theirs).shortest_witness() is None:
                continue
            yield Finding(
                (*entity.path, "keys", sk),
                f"`{entity.name}` can write sort keys starting with `{CHUNK_SORT_KEY_PREFIX}` in "
                f"partitions that hold the chunk items of `{owner.name}`",
                found=f"{sk}: {entity.templates[sk].source!r}",
                expected=f"sort keys that cannot start with `{CHUNK_SORT_KEY_PREFIX}`",
                entity=entity.name,
            )
            break


@rule("TM121", "chunking-layout", Severity.ERROR, "structure")
def check_chunking_layout(design: Design, analysis: Analysis) -> Iterator[Finding]:
    """A chunked entity needs a string sort key, and its chunked attributes stay out of keys.

    Why: chunk items live in the record's partition under sort keys built from the record's
    own sort key, so the table needs a string (S) sort key; a chunked attribute is stored
    across several items, so no key template can be built from it; and the json codec cannot
    hold binary values.

    Bad:
        keys: {PK: "race-{race_id}", SK: "telemetry#{points}"}
        chunking: {attributes: [points]}

    Good:
        keys: {PK: "race-{race_id}", SK: "telemetry#{racer_id}"}
        chunking: {attributes: [points]}
    """
    table = design.model.table
    for entity in design.entities.values():
        chunking = entity.spec.chunking
        if chunking is None:
            continue
        if table.sort_key is None or table.sort_key.type != "S":
            yield Finding(
                (*entity.path, "chunking"),
                f"`{entity.name}` is chunked, but the table has no string sort key to order "
                "its chunk items under",
                found="no sort key"
                if table.sort_key is None
                else f"sort key type {table.sort_key.type}",
                expected="a table sort key of type S",
                entity=entity.name,
            )
            continue
        if chunking.codec == "json":
            binary = [
                a
                for a in chunking.attributes
                if a in entity.spec.attributes
                and entity.spec.attributes[a].type in {"binary", "binary_set"}
            ]
            for name in binary:
                yield Finding(
                    (*entity.path, "chunking", "codec"),
                    f"`{entity.name}` chunks binary attribute `{name}` with the json codec,"
                    " which stores text, numbers, lists and maps only",
                    found="codec: json",
                    expected="codec: binary (for one binary attribute), or a non-binary type",
                    entity=entity.name,
                )
        for key_attr, template in entity.templates.items():
            used = sorted(set(template.variable_names) & set(chunking.attributes))
            for name in used:
                yield Finding(
                    (*entity.path, "keys", key_attr),
                    f"`{entity.name}` builds key `{key_attr}` from chunked attribute `{name}`",
                    found=f"{key_attr}: {template.source!r}",
                    expected="key templates built from attributes that are not chunked",
                    entity=entity.name,
                )


@rule("TM605", "scan-reads-every-item", Severity.WARNING, "hazard")
def check_full_scans(design: Design, analysis: Analysis) -> Iterator[Finding]:
    """A scan of the whole table, or of an index every entity's items land in.

    Why: a Scan reads (and bills) every item of the table or index on every full pass, however
    few items it returns: a filter is applied after the read. The cost grows with the table,
    not with the answer. A scan of a sparse index reads only the items that write its keys,
    which is what a work queue or an "open games" list needs; a question about one partition
    is a query.

    Bad:
        open_orders:
          operation: scan                   # every order ever placed, on every call
          filter: {status: open}

    Good:
        open_orders:
          operation: scan
          index: open_orders                # a GSI only open orders write (sparse)
    """
    for pattern in design.patterns.values():
        index = pattern.index
        if not pattern.runnable or not pattern.is_scan or index is None:
            continue
        landing = design.entities_in(index)
        if not landing or len(landing) < len(design.entities):
            continue  # a sparse index: it holds only the items that write its keys
        where = (
            "the table" if index.kind == "table" else f"{index.label}, which every entity lands in"
        )
        counts = design.sample_counts(e.name for e in landing)
        consistent = bool(pattern.spec.consistent_read)
        rate = "1 RCU" if consistent else "0.5 RCU"
        if counts is None:
            cost = f"a full pass reads every item of {index.label} and costs {rate} per 4 KB read"
        else:
            total = sum(counts.values())
            stated = ", ".join(f"{n:,} `{name}`" for name, n in counts.items())
            cost = f"a full pass reads {total:,} items (the sample section's {stated})"
            sizes = [largest_item(design, e) for e in landing]
            if all(not unbounded for _, unbounded in sizes):
                byte_count = sum(
                    counts[e.name] * size for e, (size, _) in zip(landing, sizes, strict=True)
                )
                units = read_units([byte_count], consistent=consistent)
                cost += f" and costs up to {units:,g} RCU ({rate} per 4 KB)"
            else:
                cost += f" and costs {rate} per 4 KB read"
        yield Finding(
            (*pattern.path, "operation"),
            f"pattern `{pattern.name}` scans {where}: {cost}",
            found=f"operation: scan of {index.label}",
            expected="a query, or a scan of a sparse index that holds only the items wanted",
            hint="give the items this pattern wants an index key only they write (a sparse"
            " index), and scan or query that index",
            pattern=pattern.name,
        )
