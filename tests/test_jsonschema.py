"""The editor JSON Schema accepts every shorthand the loader accepts, and rejects what it rejects.

Validation uses the `jsonschema` package when it is installed; otherwise a small validator
below covers the keywords the schema uses (and fails loudly on any other keyword, so that the
fallback never passes a document by ignoring part of the schema).
"""

from __future__ import annotations

import importlib
import importlib.util
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tablemodel.diagnostics import ModelLoadError
from tablemodel.schema.jsonschema import SCHEMA_DIALECT, model_json_schema
from tablemodel.schema.loader import model_from_data

EVERY_SHORTHAND = """\
version: 1
table:
  name: alleycat
  partition_key: {name: PK, type: S}
  sort_key: {name: SK}
  local_indexes:
    - name: by_time
      sort_key: {name: LSI1SK, type: S}
      projection: keys_only
  global_indexes:
    - name: gsi1
      partition_key: {name: GSI1PK}
      sort_key: {name: GSI1SK}
      projection: {type: include, attributes: [finish_time]}
    - name: gsi2
      partition_key: {name: GSI2PK}
    - name: gsi3
      partition_key: [{name: league}, {name: division, type: N}]
      sort_key: [{name: GSI3SK}]
  billing: {mode: PAY_PER_REQUEST}
  stream: NEW_AND_OLD_IMAGES
entities:
  Racer:
    attributes:
      racer_id: string
      nickname: string?
      joined: {type: datetime}
      tags: {type: list, items: string, max_items: 10}
      category: {type: enum, values: [open, women]}
    keys: {PK: "racer-{racer_id}", SK: profile}
    states: {attribute: category, initial: open, transitions: {open: women, women: ~}}
  RaceResult:
    attributes:
      race_id: {type: string, charset: "[a-z0-9-]", max_length: 20}
      racer_id: string
      output: {type: number, minimum: 0}
      finish_time: datetime
    keys:
      PK: "race-{race_id}"
      SK: "result-{racer_id}"
      GSI1PK: "racer-{racer_id}"
      GSI1SK: "{finish_time}"
access_patterns:
  race_results:
    description: Results of one race, best output first.
    key_condition:
      PK: "race-{race_id}"
      SK: {begins_with: "result-"}
    filter:
      output: {gte: $min_output}
      racer_id: {in: [a, b]}
    returns: [RaceResult]
    intent:
      select:
        RaceResult: {race_id: $race_id, output: {gte: $min_output}, racer_id: {in: [a, b]}}
      order_by: [output desc, -finish_time, racer_id]
      limit: $limit
  results_between:
    description: A racer's results in a time window.
    index: gsi1
    key_condition:
      GSI1PK: "racer-{racer_id}"
      GSI1SK: {between: ["{since}", "{until}"]}
    returns: [RaceResult]
    parameters:
      since: datetime
      until: {type: datetime}
    intent:
      select:
        RaceResult:
          racer_id: $racer_id
          finish_time: {between: [$since, $until]}
          output: {exists: true}
  numbered:
    description: Equality on a number shorthand.
    index: gsi2
    key_condition: {GSI2PK: 7, SK: {eq: 3}}
    returns: [Racer]
    intent: {select: [Racer]}
  everyone:
    description: Every racer.
    key_condition: {PK: {operator: eq, templates: ["racer-{racer_id}"]}}
    returns: [Racer]
    intent:
      select: {Racer: null}
      order_by: [{attribute: racer_id, direction: asc}]
write_patterns:
  finish:
    description: Record a result.
    operation: update
    entity: RaceResult
    condition: {output: {exists: false}, race_id: $race_id}
    set: {category: women}
    add: {output: 1}
  enter:
    description: Enter twice.
    operation: transact
    actions:
      - {operation: check, entity: Racer, condition: {category: {in: [open, women]}}}
      - {operation: create, entity: RaceResult, set: {output: 0}}
sample:
  seed: 7
  entities:
    Racer: {count: 3, values: {category: [open, women]}}
    RaceResult: {parent: Racer, per_parent: 2}
"""


def _validator() -> Callable[[dict[str, Any], object], list[str]]:
    if importlib.util.find_spec("jsonschema") is None:
        return _mini_errors
    package = importlib.import_module("jsonschema")

    def with_package(schema: dict[str, Any], document: object) -> list[str]:
        checker = package.Draft202012Validator(schema)
        return [str(error.message) for error in checker.iter_errors(document)]

    return with_package


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return model_json_schema()


def test_schema_is_draft_2020_12_with_a_title(schema: dict[str, Any]) -> None:
    assert schema["$schema"] == SCHEMA_DIALECT == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "tablemodel model file"
    assert {"KeyCondition", "Predicate", "OrderTerm", "Projection", "AttributeSpec"} <= set(
        schema["$defs"]
    )
    for name in ("KeyCondition", "Predicate", "OrderTerm", "Projection", "AttributeSpec"):
        assert len(schema["$defs"][name]["anyOf"]) >= 2, name
    if importlib.util.find_spec("jsonschema") is not None:
        package = importlib.import_module("jsonschema")
        package.Draft202012Validator.check_schema(schema)  # valid against the meta-schema


def test_every_shorthand_validates(schema: dict[str, Any]) -> None:
    document = yaml.safe_load(EVERY_SHORTHAND)
    # The loader accepts it: the document really is valid, not just valid for the schema.
    model_from_data(document, source="shorthands")
    assert _validator()(schema, document) == []


def _remove(path: tuple[str, ...]) -> Callable[[dict[str, Any]], None]:
    def edit(document: dict[str, Any]) -> None:
        node = document
        for part in path[:-1]:
            node = node[part]
        del node[path[-1]]

    return edit


def _set(path: tuple[str | int, ...], value: object) -> Callable[[dict[str, Any]], None]:
    def edit(document: dict[str, Any]) -> None:
        node: Any = document
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value

    return edit


SK = ("access_patterns", "race_results", "key_condition", "SK")
OUTPUT = ("access_patterns", "race_results", "intent", "select", "RaceResult", "output")


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(_set(("tables",), {"name": "x"}), id="unknown-top-level-key"),
        pytest.param(_remove(("entities",)), id="missing-entities"),
        pytest.param(_set(SK, {"starts_with": "result-"}), id="unknown-key-operator"),
        pytest.param(_set(SK, {"between": ["a"]}), id="between-one-template"),
        pytest.param(_set(SK, True), id="boolean-template"),
        pytest.param(_set(OUTPUT, {"above": 1}), id="unknown-predicate-operator"),
        pytest.param(
            _set(("entities", "Racer", "attributes", "racer_id"), "text"), id="unknown-type-word"
        ),
        pytest.param(
            _set(("table", "local_indexes", 0, "projection"), "everything"),
            id="unknown-projection-word",
        ),
        pytest.param(
            _set(("access_patterns", "race_results", "intent", "order_by"), ["-"]),
            id="order-term-without-attribute",
        ),
        pytest.param(_set(("entities", "race-result"), {}), id="entity-name-not-identifier"),
        pytest.param(
            _set(
                ("table", "global_indexes", 2, "partition_key"),
                [{"name": f"k{i}"} for i in range(5)],
            ),
            id="five-partition-key-attributes",
        ),
        pytest.param(
            _set(("table", "global_indexes", 2, "sort_key"), []), id="empty-sort-key-list"
        ),
        pytest.param(
            _set(("table", "local_indexes", 0, "sort_key"), [{"name": "LSI1SK"}]),
            id="lsi-sort-key-list",
        ),
        pytest.param(
            _set(("table", "partition_key"), [{"name": "PK"}]), id="table-partition-key-list"
        ),
    ],
)
def test_invalid_documents_fail_in_schema_and_loader(
    schema: dict[str, Any], edit: Callable[[dict[str, Any]], None]
) -> None:
    document = yaml.safe_load(EVERY_SHORTHAND)
    edit(document)
    with pytest.raises(ModelLoadError):
        model_from_data(document, source="invalid")
    assert _validator()(schema, document) != []


def test_fallback_validator_agrees_on_the_samples(schema: dict[str, Any]) -> None:
    # Keeps the fallback honest where the jsonschema package is installed too.
    document = yaml.safe_load(EVERY_SHORTHAND)
    assert _mini_errors(schema, document) == []
    document["tables"] = {}
    assert _mini_errors(schema, document) == ["<root>: unexpected property 'tables'"]


# ---------------------------------------------------------------------------------------------
# A small draft 2020-12 validator for the keywords model_json_schema() uses.

_ANNOTATIONS = {"title", "description", "default", "$schema", "$defs", "examples"}
_TYPES: dict[str, Callable[[object], bool]] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "integer": lambda v: (
        (isinstance(v, int) and not isinstance(v, bool))
        or (isinstance(v, float) and v.is_integer())
    ),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
}
_BOUNDS: dict[str, tuple[Any, bool]] = {
    # keyword: (types it applies to, whether it is a lower bound)
    "minItems": (list, True),
    "maxItems": (list, False),
    "minProperties": (dict, True),
    "maxProperties": (dict, False),
    "minLength": (str, True),
    "maxLength": (str, False),
    "minimum": (int | float, True),
    "maximum": (int | float, False),
}


def _same(a: object, b: object) -> bool:
    # JSON Schema equality: true is not 1.
    return a == b and isinstance(a, bool) == isinstance(b, bool)


def _mini_errors(root: dict[str, Any], document: object) -> list[str]:
    checker = _MiniValidator(root)
    checker.check(root, document, "<root>")
    return checker.errors


class _MiniValidator:
    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root
        self.errors: list[str] = []

    def check(self, schema: dict[str, Any] | bool, value: object, where: str) -> None:
        if schema is True:
            return
        if schema is False:
            self.errors.append(f"{where}: not allowed")
            return
        for keyword, arg in schema.items():
            if keyword in _ANNOTATIONS:
                continue
            if keyword in _BOUNDS:
                self.bound(keyword, arg, value, where)
                continue
            method = getattr(self, "kw_" + keyword.lstrip("$"), None)
            assert method is not None, f"the fallback validator does not know `{keyword}`"
            method(arg, value, where, schema)

    def passes(self, schema: dict[str, Any], value: object) -> bool:
        inner = _MiniValidator(self.root)
        inner.check(schema, value, "")
        return not inner.errors

    def bound(self, keyword: str, arg: Any, value: object, where: str) -> None:
        kind, low = _BOUNDS[keyword]
        if isinstance(value, kind) and not isinstance(value, bool):
            size = value if isinstance(value, int | float) else len(value)
            if (size < arg) if low else (size > arg):
                self.errors.append(f"{where}: {keyword} {arg} not met ({size})")

    def kw_ref(self, arg: str, value: object, where: str, _schema: Any) -> None:
        assert arg.startswith("#/$defs/")
        self.check(self.root["$defs"][arg.removeprefix("#/$defs/")], value, where)

    def kw_type(self, arg: str | list[str], value: object, where: str, _schema: Any) -> None:
        names = [arg] if isinstance(arg, str) else arg
        if not any(_TYPES[name](value) for name in names):
            self.errors.append(f"{where}: not of type {names}")

    def kw_enum(self, arg: list[object], value: object, where: str, _schema: Any) -> None:
        if not any(_same(value, option) for option in arg):
            self.errors.append(f"{where}: {value!r} is not one of {arg}")

    def kw_const(self, arg: object, value: object, where: str, _schema: Any) -> None:
        if not _same(value, arg):
            self.errors.append(f"{where}: {value!r} is not {arg!r}")

    def kw_anyOf(self, arg: list[Any], value: object, where: str, _schema: Any) -> None:
        if not any(self.passes(branch, value) for branch in arg):
            self.errors.append(f"{where}: matches no alternative")

    def kw_properties(self, arg: dict[str, Any], value: object, where: str, _schema: Any) -> None:
        if isinstance(value, dict):
            for name, sub in arg.items():
                if name in value:
                    self.check(sub, value[name], f"{where}.{name}")

    def kw_additionalProperties(
        self, arg: Any, value: object, where: str, schema: dict[str, Any]
    ) -> None:
        if not isinstance(value, dict):
            return
        for name, item in value.items():
            if name in schema.get("properties", {}):
                continue
            if arg is False:
                self.errors.append(f"{where}: unexpected property {name!r}")
            else:
                self.check(arg, item, f"{where}.{name}")

    def kw_required(self, arg: list[str], value: object, where: str, _schema: Any) -> None:
        if isinstance(value, dict):
            self.errors.extend(f"{where}: missing {name!r}" for name in arg if name not in value)

    def kw_propertyNames(self, arg: Any, value: object, where: str, _schema: Any) -> None:
        if isinstance(value, dict):
            for name in value:
                self.check(arg, name, f"{where} key {name!r}")

    def kw_items(self, arg: Any, value: object, where: str, _schema: Any) -> None:
        if isinstance(value, list):
            for i, item in enumerate(value):
                self.check(arg, item, f"{where}[{i}]")

    def kw_pattern(self, arg: str, value: object, where: str, _schema: Any) -> None:
        if isinstance(value, str) and not re.search(arg, value):
            self.errors.append(f"{where}: {value!r} does not match {arg}")


@pytest.mark.parametrize(
    "name", ["online_shop.yaml", "electrodb_library.yaml", "session_store.yaml"]
)
def test_the_published_designs_validate(schema: dict[str, Any], name: str) -> None:
    # Several operators on one attribute, filters on the discriminator and `examples`.
    path = Path(__file__).resolve().parent / "data" / "published" / name
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    model_from_data(document, source=name)
    assert _validator()(schema, document) == []


def test_several_operators_and_together_validate(schema: dict[str, Any]) -> None:
    document = yaml.safe_load(EVERY_SHORTHAND)
    document["access_patterns"]["race_results"]["intent"]["select"]["RaceResult"]["output"] = {
        "gte": 1,
        "lt": "$high",
    }
    document["access_patterns"]["race_results"]["parameters"] = {"high": "number"}
    document["entities"]["Racer"]["attributes"]["nickname"] = "string?"
    document["entities"]["Racer"]["attributes"]["nickname_since"] = "datetime?"
    document["entities"]["Racer"]["together"] = [["nickname", "nickname_since"]]
    model_from_data(document, source="several")
    assert _validator()(schema, document) == []
