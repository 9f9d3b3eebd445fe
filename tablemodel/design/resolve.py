"""The resolved design: a validated model with templates parsed and references linked.

`build_design` never raises on a bad model. It resolves what it can, records a located
diagnostic for everything it cannot (unknown attributes, indexes, entities, parameters,
template syntax), and leaves the broken parts out so that the rules still run on the rest.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from tablemodel.diagnostics import Diagnostic, Location, PathPart, codes, did_you_mean
from tablemodel.keylang.automata import Encoding, ValueDomain
from tablemodel.keylang.charset import CharSet, CharSetSyntaxError
from tablemodel.keylang.templates import KeyTemplate, TemplateSyntaxError, parse_template
from tablemodel.runtime.values import Rule
from tablemodel.schema.loader import LoadedModel
from tablemodel.schema.model import (
    AccessPattern,
    AttributeSpec,
    Entity,
    KeyAttribute,
    Model,
    Predicate,
    Projection,
)

TABLE = "table"
IndexKind = Literal["table", "lsi", "gsi"]

# DynamoDB scalar type an attribute type takes when written whole into a key attribute.
SCALAR_TYPE: dict[str, str] = {
    "string": "S",
    "enum": "S",
    "datetime": "S",
    "date": "S",
    "number": "N",
    "integer": "N",
    "binary": "B",
}
NUMERIC = frozenset({"number", "integer"})


@dataclass(frozen=True)
class IndexDesign:
    """The base table or one of its indexes, as the checker sees it."""

    name: str
    kind: IndexKind
    partition_key: KeyAttribute
    sort_key: KeyAttribute | None
    projection: Projection
    path: tuple[PathPart, ...]

    @property
    def key_names(self) -> tuple[str, ...]:
        names = [self.partition_key.name]
        if self.sort_key is not None:
            names.append(self.sort_key.name)
        return tuple(names)

    @property
    def label(self) -> str:
        return "the table" if self.kind == "table" else f"{self.kind.upper()} `{self.name}`"


@dataclass(frozen=True)
class EntityDesign:
    name: str
    spec: Entity
    discriminator: str
    templates: Mapping[str, KeyTemplate]  # key attribute -> parsed template (valid ones only)
    domains: Mapping[str, ValueDomain]  # attribute -> domain of its values in keys
    path: tuple[PathPart, ...]

    def writes(self, attribute: str) -> bool:
        return attribute in self.templates

    def in_index(self, index: IndexDesign) -> bool:
        """An item lands in an index only when it has every key attribute of the index."""
        return all(self.writes(name) for name in index.key_names)

    def attribute_names(self) -> set[str]:
        return set(self.spec.attributes)


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class PatternDesign:
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

    @property
    def queryable(self) -> bool:
        """Resolved, on a known index, with a partition-key condition: the deep rules apply."""
        return self.resolved and self.index is not None and self.partition is not None

    def key_condition_text(self) -> str:
        parts = [c.text() for c in (self.partition, self.sort) if c is not None]
        parts += [c.text() for c in self.other_conditions]
        return " AND ".join(parts) if parts else "(none)"


@dataclass(frozen=True)
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
    # Results several rules share (isolation, intent analysis), computed once per design.
    memo: dict[str, object] = field(default_factory=dict, compare=False, repr=False)

    def locate(self, path: Iterable[PathPart]) -> Location:
        """A Location for a model path, with the line and column when the source has them."""
        return _Locator(self.source, self.loaded)(tuple(path))

    def key_type(self, attribute: str) -> str | None:
        """The declared DynamoDB type of a key attribute of the table or any index."""
        for index in self.indexes.values():
            for key in (index.partition_key, index.sort_key):
                if key is not None and key.name == attribute:
                    return key.type
        return None

    def key_attribute_names(self) -> set[str]:
        return {name for index in self.indexes.values() for name in index.key_names}

    def entities_in(self, index: IndexDesign) -> list[EntityDesign]:
        return [e for e in self.entities.values() if e.in_index(index)]

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
            have = recoverable(entity, projected)
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
            set(entity.spec.attributes) if projected is None else recoverable(entity, projected)
        )
        return tuple(sorted(a for a in entity.spec.attributes if a in chunked or a not in readable))


def recoverable(entity: EntityDesign, projected: set[str]) -> set[str]:
    """Entity attributes readable from an index: projected ones, and those decoded from keys."""
    found = {a for a in entity.spec.attributes if a in projected}
    for key, template in entity.templates.items():
        if key in projected:
            found |= set(template.variable_names)
    return found


# ---------------------------------------------------------------------------------------------


def rule_of(spec: AttributeSpec) -> Rule:
    """The runtime rule generated code builds for `spec` (CharSetSyntaxError on a bad charset)."""
    return Rule(
        spec.type,
        optional=spec.optional,
        min_length=spec.min_length,
        max_length=spec.max_length,
        charset=spec.charset,
        minimum=_bound(spec.minimum),
        maximum=_bound(spec.maximum),
        max_items=spec.max_items,
        values=tuple(spec.values),
    )


def _bound(value: float | None) -> int | float | None:
    # As generated code writes it: `minimum 0`, not `0.0`, in every message.
    return int(value) if value is not None and value.is_integer() else value


def value_domain(spec: AttributeSpec) -> ValueDomain:
    """The characters and lengths an attribute's value can have once written into a key."""
    kind = spec.type
    if kind in {"string", "binary"}:
        charset = CharSet.any()
        if spec.charset is not None:
            try:
                charset = CharSet.parse(spec.charset)
            except CharSetSyntaxError:
                charset = CharSet.any()  # reported by the charset rule
        low = max(spec.min_length or 1, 1)
        return ValueDomain(charset=charset, min_length=low, max_length=spec.max_length)
    if kind == "enum":
        chars = CharSet.of("".join(spec.values)) if spec.values else CharSet.any()
        lengths = [len(v) for v in spec.values] or [1]
        return ValueDomain(charset=chars, min_length=max(min(lengths), 1), max_length=max(lengths))
    if kind == "integer":
        negative = spec.minimum is None or spec.minimum < 0
        return ValueDomain(charset=CharSet.of("0123456789" + ("-" if negative else "")))
    if kind == "number":
        return ValueDomain(charset=CharSet.of("0123456789.-+eE"))
    if kind == "boolean":
        return ValueDomain(charset=CharSet.of("truefals"), min_length=4, max_length=5)
    if kind == "date":
        return ValueDomain(charset=CharSet.of("0123456789-"), min_length=10, max_length=10)
    if kind == "datetime":
        return ValueDomain(charset=CharSet.of("0123456789-:T.Z+"), min_length=20, max_length=35)
    return ValueDomain(charset=CharSet.any())


def _error(
    design_diags: list[Diagnostic],
    locate: _Locator,
    code: str,
    path: tuple[PathPart, ...],
    message: str,
    **extra: str | None,
) -> None:
    info = codes.info(code)
    design_diags.append(
        Diagnostic(
            code=code,
            severity=info.severity,
            message=message,
            location=locate(path),
            **extra,
        )
    )


class _Locator:
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


def _parse(
    text: str,
    path: tuple[PathPart, ...],
    diags: list[Diagnostic],
    locate: _Locator,
    *,
    entity: str | None = None,
    pattern: str | None = None,
) -> KeyTemplate | None:
    try:
        return parse_template(text)
    except TemplateSyntaxError as exc:
        key = path[-1]
        owner = (
            f"the key template of `{entity}` for `{key}`"
            if entity is not None
            else f"the `{key}` condition of pattern `{pattern}`"
        )
        _error(
            diags,
            locate,
            codes.TEMPLATE_SYNTAX,
            path,
            f"{owner} is not a valid template: {exc.message}",
            found=f'"{text}" (at character {exc.column + 1})',
            expected="literal text and `{attribute}` or `{number:05d}` placeholders; write `{{`"
            " and `}}` for literal braces",
            entity=entity,
            pattern=pattern,
        )
        return None


def build_design(model: Model, loaded: LoadedModel | None = None) -> Design:
    """Resolve a validated model. Problems become diagnostics; nothing is raised."""
    source = loaded.source if loaded is not None else "<model>"
    locate = _Locator(source, loaded)
    diags: list[Diagnostic] = []
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
        index = IndexDesign(gsi.name, "gsi", gsi.partition_key, gsi.sort_key, gsi.projection, path)
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
                _error(
                    diags,
                    locate,
                    codes.UNKNOWN_KEY_ATTRIBUTE,
                    kpath,
                    f"entity `{name}` writes `{key_attr}`, which is not a key of the table or of"
                    " any index",
                    found=f"`{key_attr}`",
                    expected="one of " + ", ".join(f"`{k}`" for k in sorted(key_names)),
                    hint=did_you_mean(key_attr, key_names),
                    entity=name,
                )
                continue
            template = _parse(text, kpath, diags, locate, entity=name)
            if template is None:
                continue
            missing = [v for v in template.variable_names if v not in entity.attributes]
            for var in missing:
                _error(
                    diags,
                    locate,
                    codes.UNKNOWN_TEMPLATE_ATTRIBUTE,
                    kpath,
                    f"the key template of `{name}` for `{key_attr}` uses `{{{var}}}`, which is"
                    f" not an attribute of `{name}`",
                    found=f"`{var}`",
                    expected="one of " + ", ".join(f"`{a}`" for a in sorted(entity.attributes)),
                    hint=did_you_mean(var, entity.attributes),
                    entity=name,
                )
            if not missing:
                templates[key_attr] = template
        if entity.version_attribute and entity.version_attribute not in entity.attributes:
            _error(
                diags,
                locate,
                codes.UNKNOWN_ATTRIBUTE,
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
                    _error(
                        diags,
                        locate,
                        codes.UNKNOWN_ATTRIBUTE,
                        (*epath, "chunking", "attributes", j),
                        f"chunked attribute `{attr}` is not an attribute of `{name}`",
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
        )

    patterns: dict[str, PatternDesign] = {}
    for name, pattern in model.access_patterns.items():
        patterns[name] = _resolve_pattern(
            name, pattern, indexes, entities, diags=diags, locate=locate
        )

    for name, write in model.write_patterns.items():
        if write.entity not in entities:
            _unknown_entity(
                diags,
                locate,
                ("write_patterns", name, "entity"),
                write.entity,
                entities,
                referrer=f"write pattern `{name}` writes",
            )
    for name, sample in model.sample.entities.items():
        spath: tuple[PathPart, ...] = ("sample", "entities", name)
        if name not in entities:
            _unknown_entity(
                diags, locate, spath, name, entities, referrer="the sample section generates"
            )
        if sample.parent is not None and sample.parent not in entities:
            _unknown_entity(
                diags,
                locate,
                (*spath, "parent"),
                sample.parent,
                entities,
                referrer=f"the sample of `{name}` has parent",
            )
    _projections_resolve(model, entities, key_names, diags, locate)

    return Design(
        model=model,
        source=source,
        loaded=loaded,
        table=table,
        indexes=indexes,
        entities=entities,
        patterns=patterns,
        encoding=encoding,
        diagnostics=tuple(diags),
    )


def _unknown_entity(
    diags: list[Diagnostic],
    locate: _Locator,
    path: tuple[PathPart, ...],
    name: str,
    entities: Mapping[str, EntityDesign],
    *,
    referrer: str,
    pattern: str | None = None,
) -> None:
    _error(
        diags,
        locate,
        codes.UNKNOWN_ENTITY,
        path,
        f"{referrer} `{name}`, which is not an entity of this model",
        found=f"`{name}`",
        expected="one of " + ", ".join(f"`{e}`" for e in sorted(entities)),
        hint=did_you_mean(name, entities),
        pattern=pattern,
    )


def _resolve_pattern(
    name: str,
    pattern: AccessPattern,
    indexes: Mapping[str, IndexDesign],
    entities: Mapping[str, EntityDesign],
    *,
    diags: list[Diagnostic],
    locate: _Locator,
) -> PatternDesign:
    ppath: tuple[PathPart, ...] = ("access_patterns", name)
    resolved = True

    index = indexes.get(pattern.index)
    if index is None:
        resolved = False
        choices = sorted(indexes)
        _error(
            diags,
            locate,
            codes.UNKNOWN_INDEX,
            (*ppath, "index"),
            f"pattern `{name}` uses index `{pattern.index}`, which the table does not have",
            found=f"`{pattern.index}`",
            expected="`table` or one of " + ", ".join(f"`{i}`" for i in choices if i != TABLE),
            hint=did_you_mean(pattern.index, choices),
            pattern=name,
        )

    returns: list[str] = []
    for i, entity_name in enumerate(pattern.returns):
        if entity_name in entities:
            returns.append(entity_name)
        else:
            resolved = False
            _unknown_entity(
                diags,
                locate,
                (*ppath, "returns", i),
                entity_name,
                entities,
                referrer=f"pattern `{name}` returns",
                pattern=name,
            )
    for entity_name in pattern.intent.select:
        if entity_name not in entities:
            resolved = False
            _unknown_entity(
                diags,
                locate,
                (*ppath, "intent", "select", entity_name),
                entity_name,
                entities,
                referrer=f"the intent of `{name}` selects",
                pattern=name,
            )

    # Parameters: declared ones, else the returned entities' attribute of the same name.
    parameters: dict[str, AttributeSpec] = dict(pattern.parameters)
    used: list[tuple[str, tuple[PathPart, ...]]] = []
    conditions: list[ConditionDesign] = []
    for attr, written in pattern.key_condition.items():
        cpath = (*ppath, "key_condition", attr)
        parsed: list[KeyTemplate] = []
        for text in written.templates:
            template = _parse(text, cpath, diags, locate, pattern=name)
            if template is None:
                resolved = False
                continue
            parsed.append(template)
            used += [(v, cpath) for v in template.variable_names]
        if len(parsed) == len(written.templates):
            conditions.append(ConditionDesign(attr, written.operator, tuple(parsed), cpath))
    for attr, predicate in pattern.filter.items():
        used += [(p, (*ppath, "filter", attr)) for p in _parameter_refs(predicate)]
    for entity_name, where in pattern.intent.select.items():
        for attr, predicate in where.items():
            used += [
                (p, (*ppath, "intent", "select", entity_name, attr))
                for p in _parameter_refs(predicate)
            ]
    if isinstance(pattern.intent.limit, str):
        ref = _parameter_ref(pattern.intent.limit)
        if ref is not None:
            used.append((ref, (*ppath, "intent", "limit")))
    reported: set[str] = set()
    for param, where_used in used:
        if param in parameters:
            continue
        candidates = [
            entities[e].spec.attributes[param]
            for e in (*returns, *pattern.intent.select)
            if e in entities and param in entities[e].spec.attributes
        ]
        if candidates:
            parameters[param] = candidates[0]
        elif param not in reported:
            reported.add(param)
            resolved = False
            known = {a for e in returns for a in entities[e].spec.attributes} | set(parameters)
            _error(
                diags,
                locate,
                codes.UNKNOWN_PARAMETER,
                where_used,
                f"parameter `{param}` of pattern `{name}` has no type: it is not declared under"
                " `parameters` and no returned entity has an attribute of that name",
                found=f"`{param}`",
                expected="a parameter declared under `parameters`, or an attribute of "
                + ", ".join(f"`{e}`" for e in returns),
                hint=did_you_mean(param, known),
                pattern=name,
            )

    key_names = {k for i in indexes.values() for k in i.key_names}
    if not _attributes_resolve(name, pattern, entities, key_names, diags=diags, locate=locate):
        resolved = False

    partition = sort = None
    others: list[ConditionDesign] = []
    if index is not None:
        for cond in conditions:
            if cond.attribute == index.partition_key.name:
                partition = cond
            elif index.sort_key is not None and cond.attribute == index.sort_key.name:
                sort = cond
            else:
                others.append(cond)
    else:
        others = conditions

    return PatternDesign(
        name=name,
        spec=pattern,
        index=index,
        partition=partition,
        sort=sort,
        other_conditions=tuple(others),
        parameters=parameters,
        domains={p: value_domain(s) for p, s in parameters.items()},
        returns=tuple(returns),
        path=ppath,
        resolved=resolved,
    )


def _attributes_resolve(
    name: str,
    pattern: AccessPattern,
    entities: Mapping[str, EntityDesign],
    key_names: set[str],
    *,
    diags: list[Diagnostic],
    locate: _Locator,
) -> bool:
    """Report intent, filter, order and read attributes that no entity concerned declares."""
    ppath: tuple[PathPart, ...] = ("access_patterns", name)
    ok = True

    def unknown(path: tuple[PathPart, ...], use: str, attr: str, owners: list[str]) -> None:
        nonlocal ok
        ok = False
        known = {a for o in owners for a in entities[o].spec.attributes}
        _error(
            diags,
            locate,
            codes.UNKNOWN_ATTRIBUTE,
            path,
            f"{use} `{attr}`, which is not an attribute of " + ", ".join(f"`{o}`" for o in owners),
            found=f"`{attr}`",
            expected="an attribute declared by the entity",
            hint=did_you_mean(attr, known),
            pattern=name,
        )

    selected = [e for e in pattern.intent.select if e in entities]
    for entity_name in selected:
        for attr in pattern.intent.select[entity_name]:
            if attr not in entities[entity_name].spec.attributes:
                unknown(
                    (*ppath, "intent", "select", entity_name, attr),
                    f"the intent of `{name}` selects on",
                    attr,
                    [entity_name],
                )
    for i, term in enumerate(pattern.intent.order_by):
        lacking = [e for e in selected if term.attribute not in entities[e].spec.attributes]
        if lacking:
            unknown(
                (*ppath, "intent", "order_by", i),
                f"the intent of `{name}` orders by",
                term.attribute,
                lacking,
            )
    returned = [e for e in pattern.returns if e in entities]
    if returned:
        for attr in pattern.filter:
            declared = any(attr in entities[e].spec.attributes for e in returned)
            if attr not in key_names and not declared:
                unknown((*ppath, "filter", attr), f"pattern `{name}` filters on", attr, returned)
        for i, attr in enumerate(pattern.attributes or ()):
            if not any(attr in entities[e].spec.attributes for e in returned):
                unknown((*ppath, "attributes", i), f"pattern `{name}` reads", attr, returned)
    return ok


def _projections_resolve(
    model: Model,
    entities: Mapping[str, EntityDesign],
    key_names: set[str],
    diags: list[Diagnostic],
    locate: _Locator,
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
            _error(
                diags,
                locate,
                codes.UNKNOWN_ATTRIBUTE,
                ("table", group, i, "projection", "attributes", j),
                f"index `{index_name}` projects `{attr}`, which no entity declares",
                found=f"`{attr}`",
                expected="an attribute declared by an entity, or the discriminator",
                hint=did_you_mean(attr, declared),
            )


def _parameter_ref(value: object) -> str | None:
    if isinstance(value, str) and value.startswith("$") and not value.startswith("$$"):
        return value[1:]
    return None


def _parameter_refs(predicate: Predicate) -> list[str]:
    refs = [_parameter_ref(v) for v in predicate.operands]
    return [r for r in refs if r is not None]
