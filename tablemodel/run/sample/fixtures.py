"""Fixture files: sample items written by hand, loaded with located errors, and dumps.

Fixture files (`sample.fixtures`, relative to the model file) add explicit items, or replace
the generated ones with `generate: false`. JSON Lines (`.jsonl`, one item per line) or YAML
(`.yaml`, a list of items); an item is `{"entity": "Racer", "values": {...}}`, and each value
is read by its attribute's declared type:

| type | written as |
|---|---|
| string, enum | a string |
| number | a number, read exactly (`0.1` is `Decimal("0.1")`), or a string holding one |
| integer | an integer |
| boolean | true or false |
| datetime | an ISO 8601 string with `Z` or an offset (YAML timestamps too) |
| date | `"YYYY-MM-DD"` (YAML dates too) |
| binary | `{"$base64": "AAE="}` |
| list | a list; elements by the list's `items` type, else as in a map |
| map | an object; numbers read exactly, `{"$base64": ...}` as binary, the rest as written |
| string_set, number_set, binary_set | a list of distinct elements, written as above |

An absent or null value leaves an optional attribute out. `dump_samples` writes the same
convention, so a dump loads back as a fixture file holding the same items.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import os
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal, assert_never

import yaml

from tablemodel.design import Design
from tablemodel.diagnostics import did_you_mean
from tablemodel.run.intent import in_stored_order, stored
from tablemodel.run.items import SampleError, SampleItem
from tablemodel.run.sample.shape import EntityShape
from tablemodel.runtime.values import AttributeValueError, format_datetime, to_decimal
from tablemodel.schema.model import AttributeSpec

__all__ = [
    "Unreadable",
    "dump_samples",
    "fixture_identity",
    "from_plain",
    "hint",
    "load_fixture",
    "one_of",
]

_BASE64 = "$base64"


# ---------------------------------------------------------------------------------------------
# Loading


class Unreadable(Exception):
    """A fixture value that does not follow the convention; turned into a located SampleError."""

    def __init__(self, problem: str, expected: str | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.expected = expected


def load_fixture(design: Design, path: str | os.PathLike[str]) -> list[SampleItem]:
    """The items of one fixture file (relative paths: to the model's folder). Raises SampleError."""
    base = design.loaded.base_dir if design.loaded is not None else None
    real = Path(path) if base is None else base / path
    display = _display(real)
    try:
        raw = real.read_bytes()
    except OSError as err:
        raise SampleError(display, f"cannot read the fixture file: {err.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        raise SampleError(f"{display}:{line}", "not UTF-8 text", "a UTF-8 file") from None
    suffix = real.suffix.lower()
    if suffix in {".jsonl", ".ndjson"}:
        records = _json_lines(text, display)
    elif suffix in {".yaml", ".yml"}:
        records = _yaml_items(text, display)
    else:
        raise SampleError(
            display,
            f"unknown fixture format `{suffix or real.name}`",
            "a .jsonl (one JSON item per line) or .yaml (a list of items) file",
        )
    shapes: dict[str, EntityShape] = {}
    items = []
    for line, record, lines in records:
        items.append(_fixture_item(design, shapes, record, display=display, line=line, lines=lines))
    return items


def _display(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return str(path)


_Record = tuple[int, object, dict[str, int]]  # line, item, line of each value


def _json_lines(text: str, display: str) -> list[_Record]:
    def no_constant(name: str) -> object:
        raise ValueError(f"{name} is not a number DynamoDB can hold")

    def no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
        out: dict[str, object] = {}
        for key, value in pairs:
            if key in out:
                raise ValueError(f"the key {key!r} appears twice in one object")
            out[key] = value
        return out

    records: list[_Record] = []
    # Split on "\n" only: str.splitlines would also split inside values at U+2028 or U+0085.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(
                line,
                parse_float=Decimal,
                parse_constant=no_constant,
                object_pairs_hook=no_duplicates,
            )
        except json.JSONDecodeError as err:
            raise SampleError(
                f"{display}:{number}:{err.colno}",
                f"not valid JSON: {err.msg}",
                'one item per line, as {"entity": "Racer", "values": {...}}',
            ) from None
        except ValueError as err:
            raise SampleError(f"{display}:{number}", str(err)) from None
        records.append((number, record, {}))
    return records


class _FixtureLoader(yaml.SafeLoader):
    """YAML with exact numbers: a float is read as the Decimal it is written as."""


def _exact_float(loader: yaml.SafeLoader, node: yaml.Node) -> object:
    assert isinstance(node, yaml.ScalarNode)
    text = str(loader.construct_scalar(node)).replace("_", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        return loader.construct_yaml_float(node)  # .inf, .nan, 1:30.5: left to the checks
    return number if number.is_finite() else loader.construct_yaml_float(node)


_FixtureLoader.add_constructor("tag:yaml.org,2002:float", _exact_float)


def _yaml_items(text: str, display: str) -> list[_Record]:
    loader = _FixtureLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"{display}:{mark.line + 1}" if mark is not None else display
        raise SampleError(where, f"not valid YAML: {getattr(err, 'problem', err)}") from None
    finally:
        loader.dispose()
    if data is None:
        return []
    if not isinstance(data, list) or not isinstance(node, yaml.SequenceNode):
        raise SampleError(
            f"{display}:1", "a YAML fixture file holds a list of items", "- entity: Racer"
        )
    records: list[_Record] = []
    for item_node, record in zip(node.value, data, strict=True):
        lines: dict[str, int] = {}
        if isinstance(item_node, yaml.MappingNode):
            for key_node, value_node in item_node.value:
                if key_node.value == "values" and isinstance(value_node, yaml.MappingNode):
                    for name_node, attr_node in value_node.value:
                        lines[str(name_node.value)] = attr_node.start_mark.line + 1
        records.append((item_node.start_mark.line + 1, record, lines))
    return records


def _fixture_item(
    design: Design,
    shapes: dict[str, EntityShape],
    record: object,
    *,
    display: str,
    line: int,
    lines: Mapping[str, int],
) -> SampleItem:
    where = f"{display}:{line}"
    shape_text = '{"entity": "Racer", "values": {"racer_id": "1", ...}}'
    if not isinstance(record, dict):
        raise SampleError(where, f"an item is a mapping, found {_kind(record)}", shape_text)
    extra = sorted(str(k) for k in record if k not in {"entity", "values"})
    if extra:
        raise SampleError(where, f"unknown key `{extra[0]}` in an item", shape_text)
    name = record.get("entity")
    if not isinstance(name, str) or name not in design.entities:
        raise SampleError(
            where,
            f"`entity` is {name!r}, which is not an entity of this model"
            + (hint(name, design.entities) if isinstance(name, str) else ""),
            one_of(design.entities),
        )
    if name not in shapes:
        shapes[name] = EntityShape(design, design.entities[name])
    shape = shapes[name]
    written = record.get("values", {})
    if not isinstance(written, dict):
        raise SampleError(where, f"`values` is {_kind(written)}", "a mapping of attributes")
    attributes = shape.entity.spec.attributes
    values: dict[str, object] = {}
    for attr, raw in written.items():
        at = f"{display}:{lines.get(str(attr), line)}"
        if not isinstance(attr, str) or attr not in attributes:
            raise SampleError(
                at,
                f"`{attr}` is not an attribute of `{name}`" + hint(str(attr), attributes),
                one_of(attributes),
            )
        if attr == shape.version:
            raise SampleError(
                at,
                f"`{attr}` is {name}'s version attribute, which the runtime writes itself",
                "the item without it",
            )
        try:
            value = from_plain(attributes[attr], raw)
            if value is not None:
                shape.rules[attr].check(name, attr, value)
        except Unreadable as err:
            raise SampleError(at, f"{name}.{attr}: {err.problem}", err.expected) from None
        except AttributeValueError as err:
            raise SampleError(at, str(err)) from None
        if value is not None:
            values[attr] = value
    for attr, spec in attributes.items():
        if attr not in values and not spec.optional and attr != shape.version:
            raise SampleError(
                where, f"{name}.{attr} is missing", f"a value: `{attr}` is not optional"
            )
    item = SampleItem(name, values, f"fixture {where}")
    fixture_identity(shape, item)
    return item


def fixture_identity(shape: EntityShape, item: SampleItem) -> tuple[object, ...]:
    try:
        return shape.identity(item.values)
    except (ValueError, TypeError) as err:
        raise SampleError(
            item.origin.removeprefix("fixture "),
            f"this {item.entity} cannot be written: {err}",
            "values the entity's key templates can compose",
        ) from None


def hint(name: str, choices: Iterable[str]) -> str:
    hint = did_you_mean(name, choices)
    return f" ({hint})" if hint else ""


def one_of(choices: Iterable[str]) -> str:
    return "one of " + ", ".join(f"`{c}`" for c in choices)


def _kind(value: object) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"


def from_plain(spec: AttributeSpec, raw: object) -> object:
    """A fixture (or `values:`) value read by its declared type; raises Unreadable."""
    if raw is None:
        return None
    kind = spec.type
    match kind:
        case "string" | "enum":
            if isinstance(raw, str):
                return raw
            raise Unreadable(f"{_kind(raw)} is not a string", "a string (quote it in YAML)")
        case "number":
            return _number(raw)
        case "integer":
            if isinstance(raw, int) and not isinstance(raw, bool):
                return raw
            raise Unreadable(f"{_kind(raw)} is not an integer", "a whole number")
        case "boolean":
            if isinstance(raw, bool):
                return raw
            raise Unreadable(f"{_kind(raw)} is not a boolean", "true or false")
        case "datetime":
            return _datetime(raw)
        case "date":
            return _date(raw)
        case "binary":
            return _binary(raw)
        case "list":
            if not isinstance(raw, list):
                raise Unreadable(f"{_kind(raw)} is not a list", "a list")
            item_spec = spec.items
            return [from_plain(item_spec, v) if item_spec else _free(v) for v in raw]
        case "map":
            if not isinstance(raw, dict):
                raise Unreadable(f"{_kind(raw)} is not a mapping", "an object")
            return _free(raw)
        case "string_set" | "number_set" | "binary_set":
            return _set(kind, raw)
        case _:
            assert_never(kind)


def _number(raw: object) -> Decimal:
    expected = "a number, or a string holding one"
    number: object = raw
    if isinstance(raw, str):
        try:
            number = Decimal(raw.strip())
        except InvalidOperation:
            raise Unreadable(f"{raw!r} is not a number", expected) from None
    if isinstance(number, bool) or not isinstance(number, int | float | Decimal):
        raise Unreadable(f"{_kind(raw)} is not a number", expected)
    try:
        return to_decimal(number)
    except ValueError as err:
        raise Unreadable(f"{raw!r} is not a number DynamoDB can hold: {err}", expected) from None


def _datetime(raw: object) -> dt.datetime:
    expected = 'an ISO 8601 datetime with a time zone, as "2024-05-01T09:30:00Z"'
    value = raw
    if isinstance(raw, str):
        try:
            value = dt.datetime.fromisoformat(raw)
        except ValueError:
            raise Unreadable(f"{raw!r} is not an ISO 8601 datetime", expected) from None
    if not isinstance(value, dt.datetime):
        raise Unreadable(f"{_kind(raw)} is not a datetime", expected)
    if value.tzinfo is None or value.utcoffset() is None:
        raise Unreadable(f"{raw!r} has no time zone, so its instant is unknown", expected)
    return value


def _date(raw: object) -> dt.date:
    expected = 'a date, as "2024-05-01"'
    value = raw
    if isinstance(raw, str):
        try:
            value = dt.date.fromisoformat(raw)
        except ValueError:
            raise Unreadable(f"{raw!r} is not a date", expected) from None
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise Unreadable(f"{_kind(raw)} is not a date", expected)
    return value


def _binary(raw: object) -> bytes:
    expected = '{"$base64": "..."}'
    if not (isinstance(raw, dict) and list(raw) == [_BASE64] and isinstance(raw[_BASE64], str)):
        raise Unreadable(f"{_kind(raw)} is not binary", expected)
    try:
        return base64.b64decode(raw[_BASE64], validate=True)
    except binascii.Error:
        raise Unreadable(f"{raw[_BASE64]!r} is not base64", expected) from None


def _set(kind: Literal["string_set", "number_set", "binary_set"], raw: object) -> set[Any]:
    if not isinstance(raw, list | set):
        raise Unreadable(f"{_kind(raw)} is not a list", "a list of distinct elements")
    members: list[object]
    if kind == "string_set":
        if not all(isinstance(v, str) for v in raw):
            raise Unreadable("a string set holds only strings", "a list of strings")
        members = list(raw)
    elif kind == "number_set":
        members = [_number(v) for v in raw]
    else:
        members = [_binary(v) for v in raw]
    out = set(members)
    if len(out) != len(members):
        raise Unreadable("the list repeats an element", "distinct elements: a set holds each once")
    return out


def _free(raw: object) -> object:
    """A value inside a list or map without a declared type."""
    if isinstance(raw, dict):
        if list(raw) == [_BASE64]:
            return _binary(raw)
        if not all(isinstance(k, str) for k in raw):
            raise Unreadable("a map key is not a string", "string keys")
        return {k: _free(v) for k, v in raw.items()}
    if isinstance(raw, list):
        return [_free(v) for v in raw]
    if isinstance(raw, float):
        return _number(raw)
    if isinstance(raw, dt.date):
        raise Unreadable(
            f"{raw!r} inside a list or map: DynamoDB holds no dates there", "the date as text"
        )
    return raw


# ---------------------------------------------------------------------------------------------
# Dumps


def dump_samples(items: Iterable[SampleItem], format: Literal["jsonl", "yaml"] = "jsonl") -> str:
    """The items as a fixture file's text (JSON Lines or YAML) that loads back to equal items."""
    records = [
        {
            "entity": item.entity,
            "values": {k: _plain(v) for k, v in item.values.items() if stored(v) is not None},
        }
        for item in items
    ]
    if format == "jsonl":
        return "".join(_json(record) + "\n" for record in records)
    if format == "yaml":
        return yaml.dump(
            records,
            Dumper=_FixtureDumper,
            allow_unicode=True,
            sort_keys=False,
            default_flow_style=False,
            width=2**30,
        )
    msg = f"unknown dump format {format!r}: expected jsonl or yaml"
    raise ValueError(msg)


def _plain(value: object) -> object:
    """A value in the fixture convention; Decimals stay Decimal for the writers to spell."""
    if value is None or isinstance(value, bool | int | str | Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, bytes | bytearray):
        return {_BASE64: base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, dt.datetime):
        return format_datetime(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        # Sorted as DynamoDB orders the elements, so a dump never depends on hash order;
        # elements that order as equal (e + combining acute and é) keep their text order.
        ordered = in_stored_order(sorted(value, key=repr))
        return [_plain(v) for v in ordered]
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    msg = f"cannot write a {type(value).__name__} into a fixture"
    raise TypeError(msg)


def _json(value: object) -> str:
    """JSON with every number spelled exactly (the json module would round a Decimal)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_json(v) for v in value) + "]"
    return json.dumps(value)


class _FixtureDumper(yaml.SafeDumper):
    """YAML that `_FixtureLoader` reads back exactly: Decimals as numbers, no anchors."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.ScalarNode:
    text = format(value, "f")
    integral = int(value.as_tuple().exponent) >= 0
    return dumper.represent_scalar("tag:yaml.org,2002:" + ("int" if integral else "float"), text)


_YAML_BREAKS = frozenset("\x85\u2028\u2029\ufeff")


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # YAML reads U+0085, U+2028 and U+2029 as line breaks: only escapes keep them intact.
    exact = all(ch.isprintable() and ch not in _YAML_BREAKS for ch in value)
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=None if exact else '"')


_FixtureDumper.add_representer(Decimal, _represent_decimal)
_FixtureDumper.add_representer(str, _represent_str)
