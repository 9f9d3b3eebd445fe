"""What a design doc says, as plain data: built once, rendered to Markdown and to HTML.

`build_doc` reads the resolved design, the check report (and a run report when the patterns
were run) and the model's sample items; the renderers (`markdown`, `html`) only lay it out,
so the two formats cannot say different things. Everything here is deterministic: no clock,
no absolute path, the sample generator's seed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from tablemodel.design import Design, IndexDesign
from tablemodel.diagnostics import Diagnostic
from tablemodel.docs.estimates import (
    EntityEstimate,
    IndexSizes,
    entity_estimates,
    pattern_read_estimate,
)
from tablemodel.docs.relations import KeyLayout, Relation, key_layouts, key_text, relations
from tablemodel.docs.views import IndexView, index_views
from tablemodel.records import record
from tablemodel.results.check_report import CheckReport
from tablemodel.results.run_report import RunReport
from tablemodel.run.sample import SampleError, SampleItem, generate_samples
from tablemodel.run.sample.stored import stored_items
from tablemodel.schema.model import Intent, Predicate

__all__ = [
    "PATTERN_COLUMNS",
    "DesignDoc",
    "EntityRow",
    "FindingRow",
    "IndexRow",
    "KeyColumn",
    "PatternRow",
    "build_doc",
    "intent_text",
]


@record
class IndexRow:
    """The table or one index in the overview."""

    name: str
    kind: str  # "table", "LSI", "GSI"
    partition_key: str  # `PK (S)`
    sort_key: str  # `SK (S)` or ""
    projection: str  # "all", "keys only", "include: a, b"


@record
class KeyColumn:
    """One column of the entity chart: a key attribute and the roles it plays."""

    attribute: str
    roles: str  # "table partition key; GSI `GSI_SK_Numeric` partition key"


@record
class EntityRow:
    name: str
    description: str
    templates: tuple[str, ...]  # one per key column, "" where the entity writes no such key
    attributes: tuple[tuple[str, str], ...]  # (name, type text)


@record
class PatternRow:
    name: str
    description: str
    index: str
    key_condition: str
    returns: tuple[str, ...]
    intent: str
    verdict: str  # the one verdict: the static one, and the run's when the patterns ran
    static_verdict: str
    run_verdict: str
    read_estimate: str  # estimated read units per call, with how it was estimated
    reasons: tuple[str, ...]


@record
class FindingRow:
    code: str
    severity: str
    where: str
    message: str
    hint: str
    pattern: str


# The access-pattern chart's columns, in order, for every format.
PATTERN_COLUMNS = (
    "Pattern",
    "Description",
    "Index",
    "Key condition",
    "Returns",
    "Intent",
    "Verdict",
    "Static",
    "Run",
    "Read units per call",
)


@record
class DesignDoc:
    """Everything a design doc shows."""

    title: str
    source: str
    description: str
    table: str
    billing: str
    ttl: str
    stream: str
    indexes: tuple[IndexRow, ...]
    key_columns: tuple[KeyColumn, ...]
    entities: tuple[EntityRow, ...]
    patterns: tuple[PatternRow, ...]
    relations: tuple[Relation, ...]
    layouts: tuple[KeyLayout, ...]
    views: tuple[IndexView, ...]
    findings: tuple[FindingRow, ...]
    estimates: tuple[EntityEstimate, ...]
    verdicts_note: str  # where the verdicts come from (static only, or a run on an engine)
    sample_note: str  # where the sample data comes from


def build_doc(
    design: Design,
    report: CheckReport,
    run: RunReport | None = None,
    *,
    hostile: bool = False,
) -> DesignDoc:
    """The design doc of `design`, with `report`'s verdicts and findings, and `run`'s if given.

    Sample data comes from the model's `sample` section, plain and readable unless `hostile`
    (the run's own data is hostile; the doc's is for reading).
    """
    model = design.model
    table = model.table
    samples = _samples(design, hostile=hostile)
    stored = stored_items(_with_hostile(design, hostile), samples) if samples else []
    key_columns = _key_columns(design)
    estimates = entity_estimates(design, stored)
    by_entity = {e.entity: e for e in estimates}
    sizes = IndexSizes(design, stored)
    summaries = {p.name: p for p in report.patterns}
    runs = {p.name: p for p in run.patterns} if run is not None else {}
    patterns: list[PatternRow] = []
    for name, pattern in design.patterns.items():
        summary = summaries.get(name)
        pattern_run = runs.get(name)
        run_verdict = "not run" if pattern_run is None else pattern_run.verdict
        if summary is not None and summary.run_verdict is not None:
            run_verdict = summary.run_verdict
        if pattern_run is not None and pattern_run.nothing_expected:
            run_verdict += " (every call expected no item)"
        estimate = pattern_read_estimate(design, pattern, sizes, by_entity)
        if pattern_run is not None and pattern_run.calls:
            measured = sum(c.read_units for c in pattern_run.calls) / len(pattern_run.calls)
            estimate = f"{measured:.1f} (run: mean of {len(pattern_run.calls)} calls)"
        patterns.append(
            PatternRow(
                name=name,
                description=pattern.spec.description,
                index=pattern.spec.index,
                key_condition=pattern.key_condition_text(),
                returns=pattern.spec.returns,
                intent=intent_text(pattern.spec.intent),
                verdict=summary.verdict.value if summary else "not checked",
                static_verdict=(summary.static_verdict or summary.verdict).value
                if summary
                else "not checked",
                run_verdict=run_verdict,
                read_estimate=estimate,
                reasons=summary.reasons if summary else (),
            )
        )
    if run is None:
        verdicts_note = (
            "Verdicts from `tablemodel check`: static only, the patterns were not run "
            "(`tablemodel docs --run` runs them on moto and fills the run column)."
        )
    else:
        verdicts_note = (
            "One verdict per pattern from `tablemodel check --run`: its static findings and a"
            f" run on {run.engine} ({run.items_loaded} sample items) together; the static and"
            " run columns show each on its own."
        )
    sample_note = (
        f"{len(stored)} sample items from the model's `sample` section (seed "
        f"{model.sample.seed}, {'hostile' if hostile else 'plain'} values)."
        if stored
        else "No sample items: the model's sample section generates none."
    )
    return DesignDoc(
        title=table.name,
        source=design.source,
        description=model.description or "",
        table=table.name,
        billing=_billing(design),
        ttl=table.ttl_attribute or "none",
        stream=table.stream or "none",
        indexes=tuple(_index_row(index) for index in design.indexes.values()),
        key_columns=tuple(key_columns),
        entities=tuple(
            EntityRow(
                name=name,
                description=entity.spec.description or "",
                templates=tuple(key_text(entity, c.attribute) for c in key_columns),
                attributes=tuple(
                    (attr, _type_text(spec.type, spec.optional))
                    for attr, spec in entity.spec.attributes.items()
                ),
            )
            for name, entity in design.entities.items()
        ),
        patterns=tuple(patterns),
        relations=tuple(relations(design)),
        layouts=tuple(key_layouts(design)),
        views=tuple(index_views(design, stored)),
        findings=tuple(_finding(d) for d in report.diagnostics),
        estimates=tuple(estimates),
        verdicts_note=verdicts_note,
        sample_note=sample_note,
    )


def _with_hostile(design: Design, hostile: bool) -> Design:
    sample = design.model.sample
    if sample.hostile == hostile:
        return design
    model = design.model.model_copy(
        update={"sample": sample.model_copy(update={"hostile": hostile})}
    )
    return dataclasses.replace(design, model=model)


def _samples(design: Design, *, hostile: bool) -> Sequence[SampleItem]:
    try:
        return generate_samples(_with_hostile(design, hostile))
    except SampleError:
        return []  # the check reports what makes the sample impossible; the doc shows no data


def _key_columns(design: Design) -> list[KeyColumn]:
    roles: dict[str, list[str]] = {}
    for index in design.indexes.values():
        where = "table" if index.kind == "table" else f"{index.kind.upper()} {index.name}"
        for role, keys in (("partition", index.partition_keys), ("sort", index.sort_keys)):
            for position, key in enumerate(keys, start=1):
                nth = f" (attribute {position} of {len(keys)})" if len(keys) > 1 else ""
                roles.setdefault(key.name, []).append(f"{where} {role} key{nth}")
    return [KeyColumn(name, "; ".join(found)) for name, found in roles.items()]


def _index_row(index: IndexDesign) -> IndexRow:
    projection = index.projection
    if index.kind == "table":
        shown = "(the table)"
    elif projection.type == "include":
        shown = "include: " + ", ".join(projection.attributes)
    else:
        shown = {"all": "all", "keys_only": "keys only"}[projection.type]
    return IndexRow(
        name=index.name,
        kind="table" if index.kind == "table" else index.kind.upper(),
        partition_key=", ".join(f"{k.name} ({k.type})" for k in index.partition_keys),
        sort_key=", ".join(f"{k.name} ({k.type})" for k in index.sort_keys),
        projection=shown,
    )


def _billing(design: Design) -> str:
    billing = design.model.table.billing
    if billing.mode == "PROVISIONED":
        return f"provisioned: {billing.read_capacity} read, {billing.write_capacity} write units"
    return "on demand (PAY_PER_REQUEST)"


def _type_text(kind: str, optional: bool) -> str:
    return f"{kind}?" if optional else kind


def intent_text(intent: Intent) -> str:
    """An intent in one line: `RacerRace where race_id = $race_id; order by output desc`."""
    selects = []
    for entity, predicates in intent.select.items():
        if predicates:
            conditions = " and ".join(_predicate(a, p) for a, p in predicates.items())
            selects.append(f"{entity} where {conditions}")
        else:
            selects.append(f"every {entity}")
    parts = [", ".join(selects)]
    if intent.order_by:
        parts.append(
            "order by " + ", ".join(f"{t.attribute} {t.direction}" for t in intent.order_by)
        )
    if intent.limit is not None:
        parts.append(f"limit {intent.limit}")
    return "; ".join(parts)


_SYMBOLS = {"eq": "=", "ne": "≠", "lt": "<", "lte": "≤", "gt": ">", "gte": "≥"}


def _predicate(attribute: str, predicate: Predicate) -> str:
    operands = [_operand(v) for v in predicate.operands]
    op = predicate.operator
    if op in _SYMBOLS:
        return f"{attribute} {_SYMBOLS[op]} {operands[0]}"
    if op == "between":
        return f"{attribute} between {operands[0]} and {operands[1]}"
    if op == "in":
        return f"{attribute} in ({', '.join(operands)})"
    if op == "exists":
        return f"{attribute} {'exists' if predicate.operands[0] else 'is absent'}"
    return f"{attribute} begins with {operands[0]}"


def _operand(value: object) -> str:
    if isinstance(value, str) and value.startswith("$") and not value.startswith("$$"):
        return value
    if isinstance(value, str):
        return f'"{value.removeprefix("$")}"' if value.startswith("$$") else f'"{value}"'
    return str(value).lower() if isinstance(value, bool) else str(value)


def _finding(diagnostic: Diagnostic) -> FindingRow:
    location = diagnostic.location
    where = location.file or ""
    if location.line is not None:
        where += f":{location.line}"
    if location.path:
        where += f" ({location.dotted_path})"
    return FindingRow(
        code=diagnostic.code,
        severity=diagnostic.severity.value,
        where=where,
        message=diagnostic.message,
        hint=diagnostic.hint or "",
        pattern=diagnostic.pattern or "",
    )
