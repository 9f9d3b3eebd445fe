"""The JSON Schema of model files, for editors (YAML and JSON language servers).

Pydantic's generated schema describes the canonical object form of each class. Model files
mostly use the shorthands that the `mode="before"` validators in `model.py` expand
(`SK: {begins_with: "race-"}`, `racer_id: string`, `order_by: [-output]`), so this module
adds those forms as `anyOf` alternatives; an editor would otherwise flag valid files.
"""

from __future__ import annotations

import copy
from typing import Any, get_args

from tablemodel.schema.model import (
    IDENTIFIER,
    INTENT_OPERATORS,
    KEY_OPERATORS,
    AttributeType,
    Model,
)

__all__ = ["SCHEMA_DIALECT", "model_json_schema"]

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

_SCALAR: dict[str, Any] = {"type": ["string", "number", "boolean"]}
_TEMPLATE: dict[str, Any] = {"type": ["string", "number"]}  # numbers become text
# `output`, `output desc`, `-output`, `Order Date desc`: any attribute name, then a direction.
_ORDER_TEXT = r"^\s*(-\s*\S|[^\s-])"


def model_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a model file, shorthand forms included."""
    schema = copy.deepcopy(Model.model_json_schema(by_alias=True))
    defs: dict[str, Any] = schema["$defs"]
    _alternatives(defs, "KeyCondition", _key_condition_shorthands())
    _alternatives(defs, "Predicate", _predicate_shorthands())
    _alternatives(defs, "OrderTerm", [{"type": "string", "pattern": _ORDER_TEXT}])
    _alternatives(
        defs,
        "Projection",
        [{"type": "string", "enum": ["all", "keys_only", "include"]}],
    )
    types: list[str] = list(get_args(AttributeType))
    _alternatives(
        defs,
        "AttributeSpec",
        [{"type": "string", "enum": types + [f"{name}?" for name in types]}],
    )
    _field_shorthands(defs)
    _name_keys(schema)
    return {
        "$schema": SCHEMA_DIALECT,
        "title": "tablemodel model file",
        **{key: value for key, value in schema.items() if key not in {"$schema", "title"}},
    }


def _alternatives(defs: dict[str, Any], name: str, shorthands: list[dict[str, Any]]) -> None:
    # The canonical object form stays first; title and description move up to the wrapper so
    # that editors still show them on hover.
    canonical = defs[name]
    wrapper: dict[str, Any] = {
        key: canonical.pop(key) for key in ("title", "description") if key in canonical
    }
    wrapper["anyOf"] = [canonical, *shorthands]
    defs[name] = wrapper


def _one_key(properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
        "minProperties": 1,
        "maxProperties": 1,
    }


def _key_condition_shorthands() -> list[dict[str, Any]]:
    # `PK: "racer-{racer_id}"`, `SK: {begins_with: "race-"}`, `SK: {between: [a, b]}`.
    operators: dict[str, Any] = {op: _TEMPLATE for op in KEY_OPERATORS if op != "between"}
    operators["between"] = {"type": "array", "items": _TEMPLATE, "minItems": 2, "maxItems": 2}
    return [_TEMPLATE, _one_key(operators)]


def _predicate_shorthands() -> list[dict[str, Any]]:
    # `race_id: $race_id`, `{gte: $since}`, `{in: [a, b]}`, `{between: [lo, hi]}`, and
    # several operators at once, all of which must hold: `{gte: $start, lt: $end}`.
    operators: dict[str, Any] = {}
    for op in INTENT_OPERATORS:
        if op == "between":
            operators[op] = {"type": "array", "items": _SCALAR, "minItems": 2, "maxItems": 2}
        elif op == "in":
            operators[op] = {"type": "array", "items": _SCALAR, "minItems": 1, "maxItems": 100}
        elif op == "exists":
            operators[op] = {"type": "boolean"}
        else:
            operators[op] = _SCALAR
    several = _one_key(operators)
    del several["maxProperties"]
    return [_SCALAR, several]


def _field_shorthands(defs: dict[str, Any]) -> None:
    # Field-level `mode="before"` validators: `select` may list entity names or give null for
    # "every item".
    select = defs["Intent"]["properties"]["select"]
    for conditions in select.get("patternProperties", {}).values():
        conditions["type"] = ["object", "null"]
    defs["Intent"]["properties"]["select"] = {
        key: select.pop(key) for key in ("title", "description") if key in select
    } | {
        "anyOf": [
            select,
            {
                "type": "array",
                "items": {"type": "string", "pattern": IDENTIFIER},
                "minItems": 1,
            },
        ]
    }
    # A state machine's `initial` and each state's targets may be a single state, and a
    # final state may map to null.
    machine = defs["StateMachine"]["properties"]
    initial = machine["initial"]
    machine["initial"] = {
        key: initial.pop(key) for key in ("title", "description") if key in initial
    } | {"anyOf": [initial, {"type": "string"}]}
    targets = machine["transitions"]["additionalProperties"]
    machine["transitions"]["additionalProperties"] = {
        "anyOf": [targets, {"type": "string"}, {"type": "null"}]
    }


def _name_keys(node: object) -> None:
    """Make mappings keyed by names reject other keys.

    Pydantic writes `dict[Identifier, X]` as `patternProperties` plus a `propertyNames` that
    lacks the pattern, so a misspelt name (`race-result`) passes. Moving the pattern into
    `propertyNames` and the value schema into `additionalProperties` says the same for valid
    keys and rejects the others.
    """
    if isinstance(node, list):
        for item in node:
            _name_keys(item)
        return
    if not isinstance(node, dict):
        return
    for value in node.values():
        _name_keys(value)
    patterns = node.get("patternProperties")
    if isinstance(patterns, dict) and len(patterns) == 1 and "additionalProperties" not in node:
        ((pattern, value_schema),) = patterns.items()
        names = node.get("propertyNames")
        names = dict(names) if isinstance(names, dict) else {}
        names["pattern"] = pattern
        node["propertyNames"] = names
        node["additionalProperties"] = value_schema
        del node["patternProperties"]
