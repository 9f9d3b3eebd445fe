"""Resolution: a validated model becomes a `Design`, with its problems located.

`build_design` never raises on a bad model. It resolves what it can, records a located
diagnostic for everything it cannot (unknown attributes, indexes, entities, parameters,
template syntax), and leaves the broken parts out so that the rules still run on the rest.
"""

from __future__ import annotations

from collections.abc import Mapping

from tablemodel.design.design import (
    TABLE,
    Design,
    EntityDesign,
    IndexDesign,
    Locator,
    PatternDesign,
)
from tablemodel.design.patterns import resolve_pattern
from tablemodel.design.unresolved import UNKNOWN_ATTRIBUTE, Problems
from tablemodel.design.values import value_domain
from tablemodel.diagnostics import PathPart, Severity, codes, did_you_mean
from tablemodel.keylang.automata import Encoding
from tablemodel.keylang.charset import CharSet
from tablemodel.keylang.templates import KeyTemplate, Variable, placeholder
from tablemodel.schema.loader import LoadedModel
from tablemodel.schema.model import Model, Projection

UNKNOWN_TEMPLATE_ATTRIBUTE = codes.declare(
    "TM102",
    "unknown-template-attribute",
    Severity.ERROR,
    "structure",
    """An entity's key template uses an attribute the entity does not declare.

    Why: the key could never be composed from the entity's own values; usually a typo.

    Bad:
        Racer:
          attributes: {racer_id: string}
          keys: {PK: "racer-{racerid}"}

    Good:
        Racer:
          attributes: {racer_id: string}
          keys: {PK: "racer-{racer_id}"}
    """,
)

UNKNOWN_KEY_ATTRIBUTE = codes.declare(
    "TM106",
    "unknown-key-attribute",
    Severity.ERROR,
    "structure",
    """An entity declares a key template for an attribute that is not a key of any index.

    Why: `keys` lists the table and index key attributes the entity writes; anything else is
    a typo (`Pk` for `PK`) or belongs under `attributes`.

    Bad:
        keys: {PK: "racer-{racer_id}", Sk: "profile"}

    Good:
        keys: {PK: "racer-{racer_id}", SK: "profile"}
    """,
)


def identity_template(attribute: str) -> KeyTemplate:
    """`{attribute}`: the template of a key attribute that is an entity's own attribute."""
    return KeyTemplate("{" + attribute + "}", (Variable(attribute),))


def build_design(model: Model, loaded: LoadedModel | None = None) -> Design:
    """Resolve a validated model. Problems become diagnostics; nothing is raised."""
    source = loaded.source if loaded is not None else "<model>"
    problems = Problems(Locator(source, loaded))
    t = model.table

    table = IndexDesign(TABLE, "table", t.partition_key, t.sort_key, Projection(), ("table",))
    indexes: dict[str, IndexDesign] = {TABLE: table}
    for i, lsi in enumerate(t.local_indexes):
        path: tuple[PathPart, ...] = ("table", "local_indexes", i)
        pk = lsi.partition_key or t.partition_key
        index = IndexDesign(lsi.name, "lsi", pk, lsi.sort_key, lsi.projection, path)
        indexes.setdefault(lsi.name, index)  # duplicates reported by a structure rule
    for i, gsi in enumerate(t.global_indexes):
        path = ("table", "global_indexes", i)
        hashes, ranges = gsi.partition_keys, gsi.sort_keys
        index = IndexDesign(
            gsi.name,
            "gsi",
            hashes[0],
            ranges[0] if ranges else None,
            gsi.projection,
            path,
            partition_keys=hashes,
            sort_keys=ranges,
        )
        indexes.setdefault(gsi.name, index)

    encoding = Encoding(
        escape=t.key_codec.escape,
        escaped=CharSet.of(t.key_codec.delimiters),
        escape_char=t.key_codec.escape_character,
    )
    key_names = {name for index in indexes.values() for name in index.key_names}

    entities: dict[str, EntityDesign] = {}
    for name, entity in model.entities.items():
        epath: tuple[PathPart, ...] = ("entities", name)
        templates: dict[str, KeyTemplate] = {}
        for key_attr, text in entity.keys.items():
            kpath = (*epath, "keys", key_attr)
            if key_attr not in key_names:
                problems.report(
                    UNKNOWN_KEY_ATTRIBUTE,
                    kpath,
                    f"entity `{name}` writes `{key_attr}`, which is not a key of the table or of"
                    " any index",
                    found=f"`{key_attr}`",
                    expected="one of " + ", ".join(f"`{k}`" for k in sorted(key_names)),
                    hint=did_you_mean(key_attr, key_names),
                    entity=name,
                )
                continue
            template = problems.template(text, kpath, entity=name)
            if template is None:
                continue
            missing = [v for v in template.variable_names if v not in entity.attributes]
            for var in missing:
                problems.report(
                    UNKNOWN_TEMPLATE_ATTRIBUTE,
                    kpath,
                    f"the key template of `{name}` for `{key_attr}` uses `{placeholder(var)}`,"
                    " which is"
                    f" not an attribute of `{name}`",
                    found=f"`{var}`",
                    expected="one of " + ", ".join(f"`{a}`" for a in sorted(entity.attributes)),
                    hint=did_you_mean(var, entity.attributes),
                    entity=name,
                )
            if not missing:
                templates[key_attr] = template
        # An attribute named like a key attribute is that key, stored once: the identity
        # template `{name}`. Written with another template, the two would fight over one
        # stored value (a structure rule reports it, and the template stays as written).
        plain: set[str] = set()
        for attr in entity.attributes:
            if attr not in key_names:
                continue
            written = entity.keys.get(attr)
            if written is None or written == identity_template(attr).source:
                templates[attr] = identity_template(attr)
                plain.add(attr)
        if entity.version_attribute and entity.version_attribute not in entity.attributes:
            problems.report(
                UNKNOWN_ATTRIBUTE,
                (*epath, "version_attribute"),
                f"version attribute `{entity.version_attribute}` is not an attribute of `{name}`",
                found=f"`{entity.version_attribute}`",
                expected="an integer attribute of the entity",
                hint=did_you_mean(entity.version_attribute, entity.attributes),
                entity=name,
            )
        if entity.chunking is not None:
            for j, attr in enumerate(entity.chunking.attributes):
                if attr not in entity.attributes:
                    problems.report(
                        UNKNOWN_ATTRIBUTE,
                        (*epath, "chunking", "attributes", j),
                        f"chunked attribute `{attr}` is not an attribute of `{name}`",
                        found=f"`{attr}`",
                        expected="an attribute of the entity",
                        hint=did_you_mean(attr, entity.attributes),
                        entity=name,
                    )
        for g, group in enumerate(entity.together):
            for j, attr in enumerate(group):
                if attr not in entity.attributes:
                    problems.report(
                        UNKNOWN_ATTRIBUTE,
                        (*epath, "together", g, j),
                        f"`{attr}`, written together with "
                        + ", ".join(f"`{a}`" for a in group if a != attr)
                        + f", is not an attribute of `{name}`",
                        found=f"`{attr}`",
                        expected="an attribute of the entity",
                        hint=did_you_mean(attr, entity.attributes),
                        entity=name,
                    )
        entities[name] = EntityDesign(
            name=name,
            spec=entity,
            discriminator=entity.discriminator or name,
            templates=templates,
            domains={a: value_domain(s) for a, s in entity.attributes.items()},
            path=epath,
            plain=frozenset(plain),
        )

    patterns: dict[str, PatternDesign] = {}
    for name, pattern in model.access_patterns.items():
        patterns[name] = resolve_pattern(
            name,
            pattern,
            indexes,
            entities,
            problems=problems,
            discriminator=model.table.discriminator_attribute,
        )

    for name, write in model.write_patterns.items():
        if write.entity is not None and write.entity not in entities:
            problems.unknown_entity(
                ("write_patterns", name, "entity"),
                write.entity,
                entities,
                referrer=f"write pattern `{name}` writes",
            )
        for i, action in enumerate(write.actions):
            if action.entity not in entities:
                problems.unknown_entity(
                    ("write_patterns", name, "actions", i, "entity"),
                    action.entity,
                    entities,
                    referrer=f"action {i + 1} of write pattern `{name}` writes",
                )
    for name, sample in model.sample.entities.items():
        spath: tuple[PathPart, ...] = ("sample", "entities", name)
        if name not in entities:
            problems.unknown_entity(spath, name, entities, referrer="the sample section generates")
        if sample.parent is not None and sample.parent not in entities:
            problems.unknown_entity(
                (*spath, "parent"),
                sample.parent,
                entities,
                referrer=f"the sample of `{name}` has parent",
            )
    _projections_resolve(model, entities, key_names, problems)

    return Design(
        model=model,
        source=source,
        loaded=loaded,
        table=table,
        indexes=indexes,
        entities=entities,
        patterns=patterns,
        encoding=encoding,
        diagnostics=tuple(problems.found),
        folded_keys=folded_keys(model),
    )


def folded_keys(model: Model) -> frozenset[str]:
    """The string key attributes folded to lower case: each by its own `case`, else by the
    table's `key_codec.case` (the first declaration of a name decides; TM122 reports two
    that disagree)."""
    table = model.table
    cases: dict[str, bool] = {}
    for key in table.key_attributes():
        folded = (key.case or table.key_codec.case) == "lower" and key.type == "S"
        cases.setdefault(key.name, folded)
    return frozenset(name for name, folded in cases.items() if folded)


def _projections_resolve(
    model: Model,
    entities: Mapping[str, EntityDesign],
    key_names: set[str],
    problems: Problems,
) -> None:
    """Report INCLUDE projections naming attributes that no entity declares."""
    declared = {a for e in entities.values() for a in e.spec.attributes} | key_names
    for written in (model.table.discriminator_attribute, model.table.ttl_attribute):
        if written is not None:
            declared.add(written)
    indexes: list[tuple[str, int, str, Projection]] = [
        ("local_indexes", i, x.name, x.projection) for i, x in enumerate(model.table.local_indexes)
    ]
    indexes += [
        ("global_indexes", i, x.name, x.projection)
        for i, x in enumerate(model.table.global_indexes)
    ]
    for group, i, index_name, projection in indexes:
        for j, attr in enumerate(projection.attributes):
            if attr in declared:
                continue
            problems.report(
                UNKNOWN_ATTRIBUTE,
                ("table", group, i, "projection", "attributes", j),
                f"index `{index_name}` projects `{attr}`, which no entity declares",
                found=f"`{attr}`",
                expected="an attribute declared by an entity, or the discriminator",
                hint=did_you_mean(attr, declared),
            )
