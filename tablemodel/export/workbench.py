"""The design as a NoSQL Workbench data model (format version 3.0), to open it in Workbench.

One table; one facet per entity, whose key aliases are the entity's key templates (Workbench
shows them as the facet's column headings, and `tablemodel import workbench` reads them back
exactly); sample items per facet in DynamoDB JSON, plain values from the model's sample
section; the GSIs with their projections; the billing mode and provisioned throughput.

What the format has no place for is listed in `WorkbenchExport.notes` rather than dropped in
silence: local secondary indexes, TTL and stream settings, the key codec, the finer attribute
types and bounds (an `integer` and a `number` are both `N`), access patterns and their intents.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
from collections.abc import Mapping
from typing import Any, assert_never

from tablemodel.design import Design
from tablemodel.docs.relations import key_text
from tablemodel.export.cloudformation import projection_of
from tablemodel.records import record
from tablemodel.run.sample import SampleError, generate_samples
from tablemodel.run.sample.stored import StoredItem, stored_items
from tablemodel.runtime.values import AttributeType
from tablemodel.schema.model import KeyAttribute

__all__ = ["FACET_ITEMS", "WorkbenchExport", "dynamodb_type", "workbench_model"]

FACET_ITEMS = 25
"""Sample items per facet: enough to show a pattern, few enough to read in Workbench."""


@record
class WorkbenchExport:
    document: dict[str, Any]
    notes: tuple[str, ...]  # what the model says that the Workbench format cannot hold

    def text(self) -> str:
        return json.dumps(self.document, indent=2, ensure_ascii=False) + "\n"


def dynamodb_type(kind: AttributeType) -> str:
    """The DynamoDB type an attribute of this model type is stored as."""
    match kind:
        case "string" | "enum" | "datetime" | "date":
            return "S"
        case "number" | "integer":
            return "N"
        case "boolean":
            return "BOOL"
        case "binary":
            return "B"
        case "list":
            return "L"
        case "map":
            return "M"
        case "string_set":
            return "SS"
        case "number_set":
            return "NS"
        case "binary_set":
            return "BS"
        case _:
            assert_never(kind)


def _key(key: KeyAttribute) -> dict[str, str]:
    return {"AttributeName": key.name, "AttributeType": key.type}


def _workbench_date(when: dt.datetime) -> str:
    hour = when.hour % 12 or 12
    noon = "AM" if when.hour < 12 else "PM"
    return f"{when:%b} {when.day}, {when.year}, {hour:02d}:{when:%M} {noon}"


def workbench_model(
    design: Design, *, when: dt.datetime, author: str = "tablemodel"
) -> WorkbenchExport:
    """The Workbench model of `design`, dated `when` (the caller's clock, so tests pin it)."""
    model = design.model
    table = model.table
    key_names = design.key_attribute_names()
    table_keys = set(design.table.key_names)
    non_key: dict[str, str] = {}
    for index in design.indexes.values():
        for key in (*index.partition_keys, *index.sort_keys):
            if key.name not in table_keys:
                non_key.setdefault(key.name, key.type)
    if table.discriminator_attribute is not None:
        non_key.setdefault(table.discriminator_attribute, "S")
    for entity in design.entities.values():
        chunked = set(entity.spec.chunking.attributes) if entity.spec.chunking else set()
        for name, spec in entity.spec.attributes.items():
            if name not in key_names and name not in chunked:
                non_key.setdefault(name, dynamodb_type(spec.type))
    stored = _stored(design)
    facets = []
    for name, entity in design.entities.items():
        aliases = {"PartitionKeyAlias": key_text(entity, design.table.partition_key.name)}
        if design.table.sort_key is not None:
            aliases["SortKeyAlias"] = key_text(entity, design.table.sort_key.name)
        chunked = set(entity.spec.chunking.attributes) if entity.spec.chunking else set()
        attributes = [key for key in entity.written_keys() if key not in table_keys]
        if table.discriminator_attribute is not None:
            attributes.append(table.discriminator_attribute)
        attributes += [a for a in entity.spec.attributes if a not in key_names and a not in chunked]
        items = [s for s in stored if s.entity == name][:FACET_ITEMS]
        facets.append(
            {
                "FacetName": name,
                "KeyAttributeAlias": aliases,
                "TableData": [_dynamodb_json(s.item) for s in items],
                "NonKeyAttributes": list(dict.fromkeys(attributes)),
                "DataAccess": {"MySql": {}},
            }
        )
    data_model: dict[str, Any] = {
        "TableName": table.name,
        "KeyAttributes": {"PartitionKey": _key(design.table.partition_key)}
        | ({"SortKey": _key(design.table.sort_key)} if design.table.sort_key else {}),
        "NonKeyAttributes": [{"AttributeName": n, "AttributeType": t} for n, t in non_key.items()],
        "TableFacets": facets,
        "GlobalSecondaryIndexes": [
            {
                "IndexName": index.name,
                "KeyAttributes": {"PartitionKey": _key(index.partition_key)}
                | ({"SortKey": _key(index.sort_key)} if index.sort_key else {}),
                "Projection": projection_of(index.projection),
            }
            for index in design.indexes.values()
            if index.kind == "gsi" and not index.multi_attribute
        ],
        "DataAccess": {"MySql": {}},
        "BillingMode": table.billing.mode,
    }
    if table.billing.mode == "PROVISIONED":
        data_model["ProvisionedCapacitySettings"] = {
            "ProvisionedThroughput": {
                "ReadCapacityUnits": table.billing.read_capacity,
                "WriteCapacityUnits": table.billing.write_capacity,
            }
        }
    stamp = _workbench_date(when)
    document = {
        "ModelName": table.name,
        "ModelMetadata": {
            "Author": author,
            "DateCreated": stamp,
            "DateLastModified": stamp,
            "Description": model.description or "",
            "AWSService": "Amazon DynamoDB",
            "Version": "3.0",
        },
        "DataModel": [data_model],
    }
    return WorkbenchExport(document, tuple(_notes(design)))


def _stored(design: Design) -> list[StoredItem]:
    sample = design.model.sample
    plain = sample.model_copy(update={"hostile": False})
    readable = dataclasses.replace(design, model=design.model.model_copy(update={"sample": plain}))
    try:
        return stored_items(readable, generate_samples(readable))
    except SampleError:
        return []


def _dynamodb_json(item: Mapping[str, Any]) -> dict[str, Any]:
    """Wire values as JSON: binary as base64 text, as DynamoDB JSON writes it."""
    return {name: _json_value(value) for name, value in item.items()}


def _json_value(value: Mapping[str, Any]) -> dict[str, Any]:
    ((kind, data),) = value.items()
    if kind == "B":
        return {"B": base64.b64encode(bytes(data)).decode("ascii")}
    if kind == "BS":
        return {"BS": [base64.b64encode(bytes(v)).decode("ascii") for v in data]}
    if kind == "L":
        return {"L": [_json_value(v) for v in data]}
    if kind == "M":
        return {"M": {k: _json_value(v) for k, v in data.items()}}
    return {kind: data}


def _notes(design: Design) -> list[str]:
    model = design.model
    table = model.table
    notes = [
        f"LSI `{index.name}` (sort key {index.sort_key.name if index.sort_key else '?'}): the "
        "Workbench format has no local secondary indexes"
        for index in design.indexes.values()
        if index.kind == "lsi"
    ]
    notes += [
        f"GSI `{index.name}`: its key has several attributes (partition "
        + ", ".join(k.name for k in index.partition_keys)
        + (f"; sort {', '.join(k.name for k in index.sort_keys)}" if index.sort_keys else "")
        + "), which the Workbench format cannot hold"
        for index in design.indexes.values()
        if index.kind == "gsi" and index.multi_attribute
    ]
    if table.ttl_attribute is not None:
        notes.append(f"TTL on `{table.ttl_attribute}`: the format has no TTL setting")
    if table.stream is not None:
        notes.append(f"stream {table.stream}: the format has no stream setting")
    if model.access_patterns:
        notes.append(
            f"{len(model.access_patterns)} access patterns with their intents: the format's "
            "facets are views, not queries"
        )
    refined = sorted(
        {
            spec.type
            for entity in design.entities.values()
            for spec in entity.spec.attributes.values()
            if spec.type in {"integer", "datetime", "date", "enum"}
        }
    )
    if refined:
        notes.append(
            "attribute types " + ", ".join(refined) + " are written as their DynamoDB types; "
            "bounds, charsets and optional markers are not kept"
        )
    chunked = [name for name, e in design.entities.items() if e.spec.chunking]
    if chunked:
        notes.append("chunked attributes of " + ", ".join(chunked) + " are not in the facets")
    return notes
