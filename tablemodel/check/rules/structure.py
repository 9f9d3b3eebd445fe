"""Structure rules: the table, its indexes and what each entity writes."""

from __future__ import annotations

import re
from collections.abc import Iterator

from tablemodel.check.analysis import Analysis
from tablemodel.check.languages import template_type
from tablemodel.check.registry import Finding, rule
from tablemodel.design import Design
from tablemodel.diagnostics import PathPart, Severity, quoted
from tablemodel.keylang.charset import CharSet, CharSetSyntaxError
from tablemodel.schema.model import AttributeSpec, KeyAttribute

MAX_LSIS = 5
MAX_GSIS = 20
MAX_INCLUDED_ATTRIBUTES = 100
INDEX_NAME = re.compile(r"^[A-Za-z0-9_.\-]{3,255}$")


@rule("TM110", "missing-primary-key", Severity.ERROR, "structure")
def check_entity_writes_primary_key(design: Design, analysis: Analysis) -> Iterator[Finding]:
    """An entity does not write the table's partition key or sort key.

    Why: DynamoDB rejects a PutItem without every attribute of the table's primary key, so
    the entity could never be stored.

    Bad:
        table: {partition_key: {name: PK}, sort_key: {name: SK}}
        entities:
          Racer: {attributes: {racer_id: string}, keys: {PK: "racer-{racer_id}"}}

    Good:
        entities:
          Racer:
            attributes: {racer_id: string}
            keys: {PK: "racer-{racer_id}", SK: "profile"}
    """
    table = design.table
    for entity in design.entities.values():
        written = entity.written_keys()
        for key in table.key_names:
            if key in written:
                continue  # written (a broken template is reported by its own code)
            yield Finding(
                (*entity.path, "keys"),
                f"entity `{entity.name}` does not write the table's key attribute `{key}`",
                found="keys: " + (quoted(entity.spec.keys) or "(none)"),
                expected=f"a template for every table key: {quoted(table.key_names)}",
                entity=entity.name,
            )


@rule("TM111", "too-many-local-indexes", Severity.ERROR, "structure")
def check_lsi_count(design: Design, analysis: Analysis) -> Iterator[Finding]:
    """More than 5 local secondary indexes.

    Why: DynamoDB allows at most 5 LSIs per table, and only at creation; CreateTable fails.

    Bad:
        local_indexes: [six indexes]

    Good:
        local_indexes: [at most five]   # or move some to GSIs
    """
    lsis = design.model.table.local_indexes
    if len(lsis) > MAX_LSIS:
        yield Finding(
            ("table", "local_indexes", MAX_LSIS),
            f"the table declares {len(lsis)} local secondary indexes",
            found=f"{len(lsis)} LSIs",
            expected=f"at most {MAX_LSIS}",
            hint="move the extra ones to global secondary indexes",
        )


@rule("TM112", "too-many-global-indexes", Severity.ERROR, "structure")
def check_gsi_count(design: Design, analysis: Analysis) -> Iterator[Finding]:
    """More than 20 global secondary indexes.

    Why: 20 GSIs per table is DynamoDB's default quota; CreateTable and UpdateTable fail
    beyond it unless the account's quota was raised.

    Bad:
        global_indexes: [21 indexes]

    Good:
        global_indexes: [at most 20]   # overload GSI keys across entity types
    """
    gsis = design.model.table.global_indexes
    if len(gsis) > MAX_GSIS:
        yield Finding(
            ("table", "global_indexes", MAX_GSIS),
            f"the table declares {len(gsis)} global secondary indexes",
            found=f"{len(gsis)} GSIs",
            expected=f"at most {MAX_GSIS} (the default quota)",
            hint="overload index keys across entity types instead of one index per pattern",
        )


@rule("TM113", "index-name", Severity.ERROR, "structure")
def check_index_names(design: Design, analysis: Analysis) -> Iterator[Finding]:
    """An index name is invalid, reserved or used twice.

    Why: index names are 3 to 255 characters of `a-z A-Z 0-9 _ - .` and unique per table;
    `table` is reserved by tablemodel for the base table in access patterns.

    Bad:
        global_indexes: [{name: "by race", ...}, {name: GSI1, ...}, {name: GSI1, ...}]

    Good:
        global_indexes: [{name: by_race, ...}, {name: GSI1, ...}, {name: GSI2, ...}]
    """
    table = design.model.table
    seen: dict[str, str] = {}
    entries = [("local_indexes", i, x.name) for i, x in enumerate(table.local_indexes)]
    entries += [("global_indexes", i, x.name) for i, x in enumerate(table.global_indexes)]
    for group, i, name in entries:
        path = ("table", group, i, "name")
        if not INDEX_NAME.match(name):
            yield Finding(
                path,
                f"index name `{name}` is not a valid DynamoDB index name",
                found=f"`{name}` ({len(name)} characters)",
                expected="3 to 255 characters of a-z A-Z 0-9 _ - .",
            )
        elif name == "table":
            yield Finding(
                path,
                "`table` is reserved: access patterns use it to name the base table",
                found="`table`",
                expected="another name",
            )
        if name in seen:
            yield Finding(
                path,
                f"index name `{name}` is used twice",
                found=f"`{name}` in {group} and in {seen[name]}",
                expected="a unique name per index",
            )
        seen.setdefault(name, group)


@rule("TM114", "lsi-partition-key", Severity.ERROR, "structure")
def check_lsi_partition_key(design: Design, analysis: Analysis) -> Iterator[Finding]:
    """A local secondary index whose partition key differs from the table's.

    Why: an LSI always shares the table's partition key; only its sort key differs. A
    different partition key needs a GSI.

    Bad:
        local_indexes: [{name: by_sk, partition_key: {name: SK}, sort_key: {name: Numeric}}]

    Good:
        global_indexes: [{name: by_sk, partition_key: {name: SK}, sort_key: {name: Numeric}}]
    """
    table = design.model.table
    for i, lsi in enumerate(table.local_indexes):
        if lsi.partition_key is not None and lsi.partition_key != table.partition_key:
            pk = lsi.partition_key
            yield Finding(
                ("table", "local_indexes", i, "partition_key"),
                f"LSI `{lsi.name}` declares partition key `{pk.name}` ({pk.type})",
                found=f"`{pk.name}` ({pk.type})",
                expected=(
                    f"the table's partition key `{table.partition_key.name}` "
                    f"({table.partition_key.type})"
                ),
                hint="use a global secondary index for a different partition key",
            )


def _type_name(key_type: str) -> str:
    names = {"S": "S (string)", "N": "N (number)", "B": "B (binary)"}
    return names.get(key_type, key_type)


@rule("TM115", "key-type", Severity.ERROR, "structure")
def check_key_types(design: Design, analysis: Analysis) -> Iterator[Finding]:
    """An entity writes a key attribute with a type other than the one the table declares.

    Why: DynamoDB rejects an item whose table key has the wrong type, and (on DynamoDB
    itself, though not on moto) one whose index key has the wrong type. A template with
    literal text or several placeholders always produces a string; a number key needs a
    template that is exactly one number attribute; booleans, lists, maps and sets cannot be
    keys at all.

    Bad:
        global_indexes:
          - {name: leaderboard, partition_key: {name: SK}, sort_key: {name: Numeric, type: N}}
        RaceResult: {keys: {Numeric: "output-{output}"}}

    Good:
        RaceResult: {keys: {Numeric: "{output}"}}   # output: number
    """
    for entity in design.entities.values():
        for key in entity.templates:
            declared = design.key_type(key)
            produced = template_type(design, entity.name, key)
            if declared is None or produced is None or produced == declared:
                continue
            template = entity.templates[key]
            hint = None
            if declared == "N":
                hint = "a number key takes a template that is exactly one number attribute"
            elif produced.startswith("<"):
                hint = "only strings, numbers and binary values can be keys"
            yield Finding(
                (*entity.path, "keys", key),
                f"entity `{entity.name}` writes `{key}` as {_type_name(produced)}, but the table"
                f" declares it {_type_name(declared)}",
                found=f'"{template.source}" produces {_type_name(produced)}',
                expected=f"a value of type {_type_name(declared)}",
                hint=hint,
                entity=entity.name,
            )


@rule("TM116", "ttl-type", Severity.ERROR, "structure")
def check_ttl_type(design: Design, analysis: Analysis) -> Iterator[Finding]:
    """The TTL attribute is not a number of epoch seconds.

    Why: DynamoDB's TTL only expires items whose TTL attribute is a Number holding epoch
    seconds; any other type is silently ignored and the items live forever.

    Bad:
        table: {ttl_attribute: expires_at}
        Session: {attributes: {expires_at: datetime}}

    Good:
        Session: {attributes: {expires_at: {type: integer, minimum: 0}}}
    """
    ttl = design.model.table.ttl_attribute
    if ttl is None:
        return
    if ttl in design.key_attribute_names():
        yield Finding(
            ("table", "ttl_attribute"),
            f"TTL attribute `{ttl}` is a key attribute",
            found=f"`{ttl}` is a table or index key",
            expected="a plain Number attribute holding epoch seconds",
        )
    for entity in design.entities.values():
        spec = entity.spec.attributes.get(ttl)
        if spec is not None and spec.type not in {"integer", "number"}:
            yield Finding(
                (*entity.path, "attributes", ttl),
                f"entity `{entity.name}` stores TTL attribute `{ttl}` as {spec.type}",
                found=spec.type,
                expected="integer (epoch seconds)",
                hint="a datetime stored as a string is never expired by DynamoDB",
                entity=entity.name,
            )


@rule("TM117", "too-many-projected-attributes", Severity.ERROR, "structure")
def check_include_projection_total(design: Design, analysis: Analysis) -> Iterator[Finding]:
    """More than 100 INCLUDE-projected attributes over all indexes.

    Why: DynamoDB caps the non-key attributes named in INCLUDE projections at 100, summed over
    every index of the table; CreateTable fails beyond it.

    Bad:
        global_indexes: [{projection: {type: include, attributes: [a1, a2, ..., a101]}}]

    Good:
        global_indexes: [{projection: all}]
    """
    table = design.model.table
    total = sum(len(set(i.projection.attributes)) for i in table.local_indexes)
    total += sum(len(set(i.projection.attributes)) for i in table.global_indexes)
    if total > MAX_INCLUDED_ATTRIBUTES:
        yield Finding(
            ("table",),
            f"INCLUDE projections name {total} attributes in total",
            found=str(total),
            expected=f"at most {MAX_INCLUDED_ATTRIBUTES} over all indexes",
            hint="project ALL on the index that needs most attributes",
        )


@rule("TM118", "lsi-without-sort-key", Severity.ERROR, "structure")
def check_lsi_needs_table_sort_key(design: Design, analysis: Analysis) -> Iterator[Finding]:
    """A local secondary index on a table without a sort key.

    Why: LSIs are only allowed on tables with a composite primary key (partition key and sort
    key); CreateTable fails otherwise.

    Bad:
        table: {partition_key: {name: PK}, local_indexes: [{name: by_n, sort_key: {name: N}}]}

    Good:
        table: {partition_key: {name: PK}, sort_key: {name: SK}, local_indexes: [...]}
    """
    table = design.model.table
    if table.sort_key is None and table.local_indexes:
        yield Finding(
            ("table", "local_indexes"),
            "the table has local secondary indexes but no sort key",
            found=f"{len(table.local_indexes)} LSI(s) and no sort_key",
            expected="a table sort key, or global secondary indexes instead",
        )


@rule("TM122", "key-type-conflict", Severity.ERROR, "structure")
def check_key_type_conflicts(design: Design, analysis: Analysis) -> Iterator[Finding]:
    """One key attribute name declared with two types by the table and its indexes.

    Why: an attribute has one type per item, and CreateTable takes one definition per
    attribute name; two types for one name fail it ("Some AttributeDefinitions are not used"
    or a duplicate definition), and no item could satisfy both indexes anyway.

    Bad:
        local_indexes: [{name: by_n, sort_key: {name: Numeric, type: N}}]
        global_indexes: [{name: by_s, partition_key: {name: Numeric, type: S}}]

    Good:
        global_indexes: [{name: by_s, partition_key: {name: NumericText, type: S}}]
    """
    first: dict[str, tuple[str, str]] = {}
    for index in design.indexes.values():
        roles: list[tuple[tuple[PathPart, ...], KeyAttribute]] = []
        for role, keys in (("partition_key", index.partition_keys), ("sort_key", index.sort_keys)):
            if role == "partition_key" and index.kind == "lsi":
                continue  # an LSI's partition key is the table's (TM114 checks it)
            several = len(keys) > 1
            roles += [((role, i) if several else (role,), key) for i, key in enumerate(keys)]
        for where, key in roles:
            if key.name not in first:
                first[key.name] = (key.type, index.label)
                continue
            declared, other = first[key.name]
            if key.type != declared:
                yield Finding(
                    (*index.path, *where, "type"),
                    f"{index.label} declares key `{key.name}` as {key.type}, but {other}"
                    f" declares it {declared}",
                    found=f"{key.name}: {key.type}",
                    expected=f"{key.name}: {declared}, or another attribute name",
                )


@rule("TM119", "charset-syntax", Severity.ERROR, "structure")
def check_charsets(design: Design, analysis: Analysis) -> Iterator[Finding]:
    """An attribute's `charset` cannot be parsed.

    Why: charsets tell the checker which characters a value may contain (and so which
    delimiters are safe); an unreadable one would silently mean "any character".

    Bad:
        racer_id: {type: string, charset: "[z-a]"}

    Good:
        racer_id: {type: string, charset: "[a-z0-9]"}
    """
    sources: list[tuple[tuple[PathPart, ...], str | None, str | None, dict[str, AttributeSpec]]]
    sources = [(e.path, e.name, None, e.spec.attributes) for e in design.entities.values()]
    sources += [(p.path, None, p.name, p.spec.parameters) for p in design.patterns.values()]
    for path, entity_name, pattern_name, attributes in sources:
        section = "attributes" if entity_name is not None else "parameters"
        for name, spec in attributes.items():
            if spec.charset is None:
                continue
            try:
                CharSet.parse(spec.charset)
            except CharSetSyntaxError as exc:
                owner = (
                    f"attribute `{name}` of `{entity_name}`"
                    if entity_name is not None
                    else f"parameter `{name}` of pattern `{pattern_name}`"
                )
                yield Finding(
                    (*path, section, name, "charset"),
                    f"the charset of {owner} cannot be parsed: {exc.message}",
                    found=f'"{spec.charset}" (at character {exc.column + 1})',
                    expected="a class like `[a-z0-9_-]` or one of any, alnum, alpha, digits,"
                    " lower, upper, hex, uuid, word",
                    entity=entity_name,
                    pattern=pattern_name,
                )


@rule("TM120", "optional-primary-key-part", Severity.ERROR, "structure")
def check_optional_primary_key_parts(design: Design, analysis: Analysis) -> Iterator[Finding]:
    """A table key template uses an optional attribute.

    Why: every item needs its whole primary key, so an item without that attribute could not
    be stored at all (the key codec refuses a missing part rather than write a shorter key).
    Optional attributes belong in index keys, where leaving them out keeps the item out of the
    index (a sparse index).

    Bad:
        RaceResult:
          attributes: {race_id: string, racer_id: string?}
          keys: {PK: "race-{race_id}", SK: "racer-{racer_id}"}

    Good:
        RaceResult:
          attributes: {race_id: string, racer_id: string}
          keys: {PK: "race-{race_id}", SK: "racer-{racer_id}"}
    """
    for entity in design.entities.values():
        for key in design.table.key_names:
            template = entity.templates.get(key)
            if template is None:
                continue
            for var in template.variable_names:
                spec = entity.spec.attributes.get(var)
                if spec is None or not spec.optional:
                    continue
                yield Finding(
                    (*entity.path, "attributes", var),
                    f"`{entity.name}` composes table key `{key}` from optional attribute `{var}`",
                    found=f'"{template.source}" with `{var}` optional',
                    expected=f"`{var}` required, or kept out of the table's keys",
                    entity=entity.name,
                )


@rule("TM130", "key-attribute-template", Severity.ERROR, "structure")
def check_plain_key_templates(design: Design, analysis: Analysis) -> Iterator[Finding]:
    """An entity attribute named like a key attribute, with a key template of its own.

    Why: an attribute that has a key attribute's name is that key, stored once (the index is
    keyed on the attribute itself, as in `RoomID` or `CreatedAt`). A template that composes
    the key from something else would store a second value under the same name, and one of
    the two would be lost.

    Bad:
        attributes: {RoomID: string, room: string}
        keys: {RoomID: "ROOM#{room}"}

    Good:
        attributes: {RoomID: string}      # the GSI is keyed on the attribute itself
    """
    key_names = design.key_attribute_names()
    for entity in design.entities.values():
        for attr in entity.spec.attributes:
            if attr not in key_names or attr in entity.plain:
                continue
            written = entity.spec.keys.get(attr, "")
            yield Finding(
                (*entity.path, "keys", attr),
                f"`{entity.name}` declares `{attr}` both as an attribute and with the key"
                f' template "{written}": one stored value cannot be both',
                found=f'attributes: {{{attr}: ...}} and keys: {{{attr}: "{written}"}}',
                expected=f'the attribute alone (the key is the attribute: "{{{attr}}}"), or a'
                f" template composing `{attr}` from attributes of other names",
                hint=f"rename the attribute, or drop the key template for `{attr}`",
                entity=entity.name,
            )


@rule("TM131", "multi-attribute-key", Severity.ERROR, "structure")
def check_multi_attribute_keys(design: Design, analysis: Analysis) -> Iterator[Finding]:
    """A global secondary index names one attribute twice in its keys.

    Why: a multi-attribute key lists up to four partition-key and four sort-key attributes;
    each attribute can play one role once. CreateTable refuses an index that repeats one.

    Bad:
        global_indexes:
          - {name: by_board, partition_key: [{name: board}, {name: season}],
             sort_key: [{name: season}]}

    Good:
        global_indexes:
          - {name: by_board, partition_key: [{name: board}],
             sort_key: [{name: season}, {name: score, type: N}]}
    """
    for index in design.indexes.values():
        seen: set[str] = set()
        for role, keys in (("partition_key", index.partition_keys), ("sort_key", index.sort_keys)):
            for i, key in enumerate(keys):
                if key.name not in seen:
                    seen.add(key.name)
                    continue
                where: tuple[PathPart, ...] = (role, i) if len(keys) > 1 else (role,)
                yield Finding(
                    (*index.path, *where, "name"),
                    f"{index.label} names key attribute `{key.name}` twice",
                    found=quoted(index.key_names),
                    expected="each attribute once, in the partition key or in the sort key",
                )
