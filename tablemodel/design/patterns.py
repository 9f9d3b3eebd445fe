"""Resolving an access pattern: its index, entities, parameters and the attributes it names."""

from __future__ import annotations

from collections.abc import Mapping

from tablemodel.design.design import (
    TABLE,
    ConditionDesign,
    EntityDesign,
    IndexDesign,
    PatternDesign,
)
from tablemodel.design.unresolved import UNKNOWN_ATTRIBUTE, Problems
from tablemodel.design.values import value_domain
from tablemodel.diagnostics import PathPart, Severity, codes, did_you_mean
from tablemodel.keylang.templates import KeyTemplate
from tablemodel.schema.model import AccessPattern, AttributeSpec, Predicate

UNKNOWN_INDEX = codes.declare(
    "TM103",
    "unknown-index",
    Severity.ERROR,
    "structure",
    """An access pattern names an index the table does not have.

    Why: the query would fail with a ValidationException at run time.

    Bad:
        index: GSI_Numeric     # the table defines GSI_SK_Numeric

    Good:
        index: GSI_SK_Numeric
    """,
)

UNKNOWN_PARAMETER = codes.declare(
    "TM105",
    "unknown-parameter",
    Severity.ERROR,
    "structure",
    """A pattern uses a parameter whose type cannot be determined.

    Why: a parameter takes its type (and the characters its values may contain) from a
    declaration under `parameters`, or from the returned entities' attribute of the same name.
    Without a type the checker cannot tell which keys the condition reaches.

    Bad:
        key_condition: {PK: "class-{klass}"}
        returns: [Race]          # Race has class_id, not klass

    Good:
        key_condition: {PK: "class-{class_id}"}
        returns: [Race]
    """,
)


EXAMPLE_PARAMETERS = codes.declare(
    "TM108",
    "example-parameters",
    Severity.ERROR,
    "structure",
    """An example of an access pattern names a parameter it does not have, or leaves one out.

    Why: `examples` are parameter sets the run always calls the pattern with (the values a
    design's documentation publishes); a name that is not a parameter is a typo, and a set
    without every parameter cannot be called.

    Bad:
        key_condition: {PK: "racer-{racer_id}"}
        examples:
          - {racerid: "1"}

    Good:
        examples:
          - {racer_id: "1"}
    """,
)


def resolve_pattern(
    name: str,
    pattern: AccessPattern,
    indexes: Mapping[str, IndexDesign],
    entities: Mapping[str, EntityDesign],
    *,
    problems: Problems,
    discriminator: str | None = None,
) -> PatternDesign:
    """The pattern linked to its index, entities and parameters; what fails is reported.

    `discriminator` is the table's discriminator attribute, which filters may name.
    """
    ppath: tuple[PathPart, ...] = ("access_patterns", name)
    resolved = True

    index = indexes.get(pattern.index)
    if index is None:
        resolved = False
        choices = sorted(indexes)
        problems.report(
            UNKNOWN_INDEX,
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
            problems.unknown_entity(
                (*ppath, "returns", i),
                entity_name,
                entities,
                referrer=f"pattern `{name}` returns",
                pattern=name,
            )
    for entity_name in pattern.intent.select:
        if entity_name not in entities:
            resolved = False
            problems.unknown_entity(
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
            template = problems.template(text, cpath, pattern=name)
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
            problems.report(
                UNKNOWN_PARAMETER,
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
    # A filter may name the discriminator, which every item holds (`filter: {type: invoice}`).
    filterable = key_names | ({discriminator} if discriminator else set())
    if not _attributes_resolve(name, pattern, entities, filterable, problems=problems):
        resolved = False
    _check_examples(name, pattern, parameters, problems=problems)

    # Conditions by key role, in the index's KeySchema order (a multi-attribute key has up to
    # four attributes of each role); conditions on other attributes are kept apart.
    partitions: list[ConditionDesign] = []
    sorts: list[ConditionDesign] = []
    others: list[ConditionDesign] = []
    if index is not None:
        by_attribute = {cond.attribute: cond for cond in conditions}
        partitions = [by_attribute[k.name] for k in index.partition_keys if k.name in by_attribute]
        sorts = [by_attribute[k.name] for k in index.sort_keys if k.name in by_attribute]
        keyed = set(index.key_names)
        others = [cond for cond in conditions if cond.attribute not in keyed]
    else:
        others = conditions
    partition = sort = None
    if index is not None:
        first_sort = index.sort_key.name if index.sort_key is not None else None
        partition = next((c for c in partitions if c.attribute == index.partition_key.name), None)
        sort = next((c for c in sorts if c.attribute == first_sort), None)

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
        partitions=tuple(partitions),
        sorts=tuple(sorts),
    )


def _attributes_resolve(
    name: str,
    pattern: AccessPattern,
    entities: Mapping[str, EntityDesign],
    filterable: set[str],
    *,
    problems: Problems,
) -> bool:
    """Report intent, filter, order and read attributes that no entity concerned declares.

    `filterable` names what every item may hold besides entity attributes: key attributes
    (TM305 refuses a filter on those of the queried index) and the discriminator.
    """
    ppath: tuple[PathPart, ...] = ("access_patterns", name)
    ok = True

    def unknown(path: tuple[PathPart, ...], use: str, attr: str, owners: list[str]) -> None:
        nonlocal ok
        ok = False
        known = {a for o in owners for a in entities[o].spec.attributes}
        problems.report(
            UNKNOWN_ATTRIBUTE,
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
            if attr not in filterable and not declared:
                unknown((*ppath, "filter", attr), f"pattern `{name}` filters on", attr, returned)
        for i, attr in enumerate(pattern.attributes or ()):
            if not any(attr in entities[e].spec.attributes for e in returned):
                unknown((*ppath, "attributes", i), f"pattern `{name}` reads", attr, returned)
    return ok


def _check_examples(
    name: str,
    pattern: AccessPattern,
    parameters: Mapping[str, AttributeSpec],
    *,
    problems: Problems,
) -> None:
    """Each example gives every parameter of the pattern and nothing else."""
    for i, example in enumerate(pattern.examples):
        path: tuple[PathPart, ...] = ("access_patterns", name, "examples", i)
        for given in example:
            if given not in parameters:
                problems.report(
                    EXAMPLE_PARAMETERS,
                    (*path, given),
                    f"example {i + 1} of `{name}` gives `{given}`, which is not a parameter of"
                    " the pattern",
                    found=f"`{given}`",
                    expected="one of " + (", ".join(f"`{p}`" for p in parameters) or "(none)"),
                    hint=did_you_mean(given, list(parameters)),
                    pattern=name,
                )
        missing = [p for p in parameters if p not in example]
        if missing:
            problems.report(
                EXAMPLE_PARAMETERS,
                path,
                f"example {i + 1} of `{name}` leaves out " + ", ".join(f"`{p}`" for p in missing),
                found="gives " + (", ".join(f"`{g}`" for g in example) or "nothing"),
                expected="a value for every parameter: " + ", ".join(f"`{p}`" for p in parameters),
                pattern=name,
            )


def _parameter_ref(value: object) -> str | None:
    if isinstance(value, str) and value.startswith("$") and not value.startswith("$$"):
        return value[1:]
    return None


def _parameter_refs(predicate: Predicate) -> list[str]:
    refs = [_parameter_ref(v) for term in predicate.terms for v in term.operands]
    return [r for r in refs if r is not None]
