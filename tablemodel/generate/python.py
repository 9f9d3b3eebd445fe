"""Emit the typed PynamoDB module for a design: one base model, one subclass per entity, one
function pair per read access pattern.

The output is deterministic (same model, same bytes), already in ruff's format (calls that fit
in 88 columns stay on one line, longer ones are exploded with a trailing comma, which ruff
keeps), and type-checks under mypy --strict. Every behaviour lives in `tablemodel.runtime`; the
emitted code only declares.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Sequence
from typing import assert_never

from tablemodel.design import TABLE as TABLE_INDEX
from tablemodel.design import ConditionDesign, Design, EntityDesign, IndexDesign, PatternDesign
from tablemodel.design.writes import Step
from tablemodel.design.writes import parameters as write_parameters
from tablemodel.design.writes import steps as write_steps
from tablemodel.design.writes import transitions as write_transitions
from tablemodel.generate.naming import (
    PATTERN_OPTIONS,
    RESERVED_MEMBERS,
    class_name,
    constant_name,
    python_name,
)
from tablemodel.generate.text import (
    INDENT,
    LINE,
    call,
    define,
    docstring,
    first_line,
    fit_lines,
    import_from,
    mapping,
    pystr,
    tuple_of,
)
from tablemodel.runtime.keys import PARTITION_KEY_MAX_BYTES, SORT_KEY_MAX_BYTES
from tablemodel.runtime.values import AttributeType
from tablemodel.schema.model import AttributeSpec, WritePattern

__all__ = ["ModuleWriter"]

# The PynamoDB attribute class of each type (`tests/test_generate.py` checks it names them all).
_ATTRIBUTE_CLASS: dict[AttributeType, str] = {
    "string": "UnicodeAttribute",
    "enum": "UnicodeAttribute",
    "number": "DecimalAttribute",
    "integer": "IntegerAttribute",
    "boolean": "BooleanAttribute",
    "binary": "BinaryAttribute",
    "datetime": "DateTimeAttribute",
    "date": "DateAttribute",
    "list": "ListValueAttribute",
    "map": "MapValueAttribute",
    "string_set": "UnicodeSetAttribute",
    "number_set": "DecimalSetAttribute",
    "binary_set": "BinarySetAttribute",
}
_KEY_ATTRIBUTE_CLASS = {"S": "UnicodeAttribute", "N": "DecimalAttribute", "B": "BinaryAttribute"}
_PYNAMODB_ATTRIBUTES = {
    "Attribute",
    "BinaryAttribute",
    "BinarySetAttribute",
    "BooleanAttribute",
    "DiscriminatorAttribute",
    "UnicodeAttribute",
    "UnicodeSetAttribute",
}
_RUNTIME_ATTRIBUTES = {
    "DateAttribute",
    "DateTimeAttribute",
    "DecimalAttribute",
    "DecimalSetAttribute",
    "IntegerAttribute",
    "ListValueAttribute",
    "MapValueAttribute",
    "VersionAttribute",
}


# ---------------------------------------------------------------------------------------------
# Types and rules


def _python_type(spec: AttributeSpec) -> str:
    """The type a generated constructor and pattern function take for the attribute."""
    kind = spec.type
    match kind:
        case "string":
            return "str"
        case "enum":
            return "Literal[" + ", ".join(pystr(v) for v in spec.values) + "]"
        case "number":
            return "Number"
        case "integer":
            return "int"
        case "boolean":
            return "bool"
        case "binary":
            return "bytes"
        case "datetime":
            return "datetime.datetime"
        case "date":
            return "datetime.date"
        case "list":
            return "list[Any]"
        case "map":
            return "dict[str, Any]"
        case "string_set":
            return "set[str]"
        case "number_set":
            return "set[Decimal]"
        case "binary_set":
            return "set[bytes]"
        case _:
            assert_never(kind)


def _stored_type(spec: AttributeSpec) -> str:
    """The type an attribute reads back as (numbers as Decimal)."""
    return "Decimal" if spec.type == "number" else _python_type(spec)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def _rule(spec: AttributeSpec) -> str:
    args = [pystr(spec.type)]
    if spec.optional:
        args.append("optional=True")
    if spec.min_length is not None:
        args.append(f"min_length={spec.min_length}")
    if spec.max_length is not None:
        args.append(f"max_length={spec.max_length}")
    if spec.charset is not None:
        args.append(f"charset={pystr(spec.charset)}")
    if spec.minimum is not None:
        args.append(f"minimum={_number(spec.minimum)}")
    if spec.maximum is not None:
        args.append(f"maximum={_number(spec.maximum)}")
    if spec.max_items is not None:
        args.append(f"max_items={spec.max_items}")
    if spec.values:
        args.append("values=" + tuple_of([pystr(v) for v in spec.values]))
    return "Rule(" + ", ".join(args) + ")"


# ---------------------------------------------------------------------------------------------
# The module


class ModuleWriter:
    """Builds the source of one generated module from a design."""

    def __init__(self, design: Design, header: Sequence[str]) -> None:
        self.design = design
        self.model = design.model
        self.table = design.model.table
        self.header = header
        self.base = class_name(self.table.name) + "Item"
        self.env = constant_name(self.table.name) + "_TABLE_NAME"
        self.key_types = {
            key.name: key.type
            for index in design.indexes.values()
            for key in (*index.partition_keys, *index.sort_keys)
        }
        self.key_limits = self._key_limits()
        self.entity_classes = {name: name for name in design.entities}
        self.used_attribute_classes: set[str] = set()
        self.views = self._views()

    def _key_limits(self) -> dict[str, int]:
        limits: dict[str, int] = {}
        for index in self.design.indexes.values():
            for key in index.partition_keys:
                limits.setdefault(key.name, PARTITION_KEY_MAX_BYTES)
            for key in index.sort_keys:
                limits[key.name] = SORT_KEY_MAX_BYTES
        return limits

    # -- emission --------------------------------------------------------------------------

    def render(self) -> str:
        body: list[str] = []
        body += self._table_spec()
        for index in self.design.indexes.values():
            if index.kind != "table" and not index.multi_attribute:
                body += ["", "", *self._index_class(index.name)]
        body += ["", "", *self._base_class()]
        for entity in self.design.entities.values():
            body += ["", "", *self._entity_class(entity)]
        for entity_name, index_name in self.views:
            body += ["", "", *self._view_class(entity_name, index_name)]
        for pattern in self.design.patterns.values():
            body += ["", "", *self._pattern(pattern)]
        for name, write in self.model.write_patterns.items():
            body += ["", "", *self._write_pattern(name, write)]
        body += ["", "", *self._module_functions()]
        text = fit_lines("\n".join(body))
        return "\n".join([*self._head(text), "", text]) + "\n"

    def _head(self, body: str) -> list[str]:
        lines = [f"# {line}" if line else "#" for line in self.header]
        doc = [f"Typed PynamoDB models and access patterns for the `{self.table.name}` table."]
        if (self.model.description or "").strip():
            doc += ["", *(self.model.description or "").strip().splitlines()]
        doc += [
            "",
            "Configure before use: configure(table_name=...) or the environment variable"
            f" {self.env}; region and endpoint come from configure() or botocore's environment"
            " (AWS_DEFAULT_REGION, AWS_ENDPOINT_URL_DYNAMODB).",
        ]
        lines += docstring(doc, "")
        lines += ["", "from __future__ import annotations", ""]

        names = {node.id for node in ast.walk(ast.parse(body)) if isinstance(node, ast.Name)}

        def used(wanted: Iterable[str]) -> list[str]:
            return sorted(n for n in wanted if n in names)

        stdlib = ["import datetime"] if used(["datetime"]) else []
        stdlib += import_from("collections.abc", used(["Iterable", "Iterator"]))
        stdlib += import_from("decimal", used(["Decimal"]))
        stdlib += import_from(
            "typing", used(["Any", "ClassVar", "Literal", "Protocol", "overload"])
        )
        lines += [*stdlib, ""]
        pyn = sorted(self.used_attribute_classes & _PYNAMODB_ATTRIBUTES)
        lines += import_from("pynamodb.attributes", pyn)
        lines += import_from("pynamodb.indexes", self._index_imports())
        # One third-party section: in the project that imports this module, tablemodel is as
        # third-party as PynamoDB, and isort (or ruff's I001) merges the two.
        if "_chunked" in body:
            lines += ["from tablemodel.runtime import chunked as _chunked"]
        lines += ["from tablemodel.runtime import entities as _entities"]
        lines += ["from tablemodel.runtime import table as _table"]
        if "_writes" in body:
            lines += ["from tablemodel.runtime import writes as _writes"]
        runtime_attrs = sorted(self.used_attribute_classes & _RUNTIME_ATTRIBUTES)
        lines += import_from("tablemodel.runtime.attributes", runtime_attrs)
        lines += ["from tablemodel.runtime.batch import BatchStats"]
        lines += ["from tablemodel.runtime.batch import batch_write as _batch_write"]
        lines += import_from("tablemodel.runtime.chunked", used(["Chunking"]))
        lines += import_from("tablemodel.runtime.chunks", used(["VacuumStats"]))
        lines += import_from(
            "tablemodel.runtime.entities",
            used(["UNSET", "EntitySpec", "MultiKeyIndex", "TableSpec", "Unset"]),
        )
        lines += import_from("tablemodel.runtime.indexes", used(["GlobalIndex", "LocalIndex"]))
        lines += ["from tablemodel.runtime.model import TableItem"]
        query = used(["FilterTerm", "KeyTerm", "Page", "Param", "PatternSpec", "QueryTrace"])
        lines += import_from("tablemodel.runtime.query", query)
        lines += ["from tablemodel.runtime.query import set_cursor_secret as _set_cursor_secret"]
        lines += import_from("tablemodel.runtime.size", used(["LocalIndexShape"]))
        lines += import_from("tablemodel.runtime.values", used(["Number", "Rule"]))
        return lines

    def _index_imports(self) -> list[str]:
        names: set[str] = set()
        for index in self.design.indexes.values():
            if index.kind == "table" or index.multi_attribute:
                continue
            names.add(
                {
                    "all": "AllProjection",
                    "keys_only": "KeysOnlyProjection",
                    "include": "IncludeProjection",
                }[index.projection.type]
            )
        return sorted(names)

    def _table_spec(self) -> list[str]:
        t = self.table
        codec = t.key_codec
        args = [
            f"model_name={pystr(t.name)}",
            f"partition_key={pystr(t.partition_key.name)}",
            f"sort_key={pystr(t.sort_key.name) if t.sort_key else 'None'}",
            "key_types="
            + mapping([(pystr(k), pystr(v)) for k, v in sorted(self.key_types.items())]),
            "key_limits="
            + mapping([(pystr(k), str(v)) for k, v in sorted(self.key_limits.items())]),
            f"table_name_env={pystr(self.env)}",
            f"discriminator={pystr(t.discriminator_attribute or '')}",
        ]
        if t.ttl_attribute:
            args.append(f"ttl_attribute={pystr(t.ttl_attribute)}")
        if not codec.escape:
            args.append("escape=False")
        if codec.delimiters != "#":
            args.append(f"delimiters={pystr(codec.delimiters)}")
        if codec.escape_character != "\\":
            args.append(f"escape_char={pystr(codec.escape_character)}")
        if codec.escape and self.design.raw_keys:
            args.append("raw_keys=" + tuple_of([pystr(k) for k in sorted(self.design.raw_keys)]))
        multi = [
            self._multi_key_index(i) for i in self.design.indexes.values() if i.multi_attribute
        ]
        if multi:
            args.append("multi_key_indexes=(\n" + "".join(f"{INDENT}{m},\n" for m in multi) + ")")
        renamed = {
            k: python_name(k, RESERVED_MEMBERS)
            for k in [*self.key_types, t.discriminator_attribute or ""]
            if k and python_name(k, RESERVED_MEMBERS) != k
        }
        if renamed:
            args.append(
                "python_names="
                + mapping([(pystr(k), pystr(v)) for k, v in sorted(renamed.items())])
            )
        if self.design.folded_keys:
            folded = [pystr(k) for k in sorted(self.design.folded_keys)]
            one = "folded_keys=frozenset({" + ", ".join(folded) + "})"
            if len(INDENT + one + ",") > LINE:
                members = "".join(f"{INDENT * 2}{k},\n" for k in folded)
                one = f"folded_keys=frozenset(\n{INDENT}{{\n{members}{INDENT}}}\n)"
            args.append(one)
        return call("TABLE = TableSpec(", args, "")

    def _multi_key_index(self, index: IndexDesign) -> str:
        """A GSI with a multi-attribute key, which PynamoDB cannot declare: the runtime creates
        and queries it from this description."""
        args = [
            pystr(index.name),
            tuple_of([pystr(k.name) for k in index.partition_keys]),
            tuple_of([pystr(k.name) for k in index.sort_keys]),
        ]
        projection = index.projection
        if projection.type != "all":
            args.append(f"projection={pystr(projection.type)}")
        if projection.attributes:
            args.append("attributes=" + tuple_of([pystr(a) for a in projection.attributes]))
        billing = self.table.billing
        if billing.mode == "PROVISIONED":
            args.append(f"read_capacity={billing.read_capacity}")
            args.append(f"write_capacity={billing.write_capacity}")
        return "MultiKeyIndex(" + ", ".join(args) + ")"

    def _index_class(self, name: str) -> list[str]:
        index = self.design.indexes[name]
        cls = class_name(name) + "Index"
        kind = "LocalIndex" if index.kind == "lsi" else "GlobalIndex"
        projection = index.projection
        lines = [f'class {cls}({kind}["{self.base}"]):']
        keys = (
            f"{index.partition_key.name}, {index.sort_key.name}"
            if index.sort_key
            else index.partition_key.name
        )
        what = {
            "all": "projects every attribute",
            "keys_only": "projects keys only",
            "include": "projects keys and " + ", ".join(projection.attributes),
        }[projection.type]
        lines += docstring([f"{index.label}: {keys}; {what}."], INDENT)
        lines += ["", f"{INDENT}class Meta:", f"{INDENT * 2}index_name = {pystr(name)}"]
        if projection.type == "include":
            attrs = ", ".join(pystr(a) for a in projection.attributes)
            lines += call("projection = IncludeProjection(", [f"[{attrs}]"], INDENT * 2)
        elif projection.type == "all":
            lines.append(f"{INDENT * 2}projection = AllProjection()")
        else:
            lines.append(f"{INDENT * 2}projection = KeysOnlyProjection()")
        billing = self.table.billing
        if billing.mode == "PROVISIONED" and index.kind == "gsi":
            lines.append(f"{INDENT * 2}read_capacity_units = {billing.read_capacity}")
            lines.append(f"{INDENT * 2}write_capacity_units = {billing.write_capacity}")
        lines.append("")
        for role, key in (("hash_key", index.partition_key), ("range_key", index.sort_key)):
            if key is None:
                continue
            attr_cls = _KEY_ATTRIBUTE_CLASS[key.type]
            self.used_attribute_classes.add(attr_cls)
            lines += _attribute_line(
                python_name(key.name, RESERVED_MEMBERS), attr_cls, key.name, [f"{role}=True"]
            )
        return lines

    def _base_class(self) -> list[str]:
        t = self.table
        lines = [f"class {self.base}(TableItem):"]
        lines += docstring(
            [
                f"An item of the `{t.name}` table; each entity below is a subclass of it.",
                "",
                "PynamoDB's own writes (save, update, delete, batch_write, transactions)",
                "follow tablemodel's protocols or raise before any request",
                "(tablemodel.runtime.model).",
            ],
            INDENT,
        )
        lines += [
            "",
            f"{INDENT}class Meta:",
            f"{INDENT * 2}table_name: str | None = None",
            f"{INDENT * 2}region: str | None = None",
            f"{INDENT * 2}host: str | None = None",
            f"{INDENT * 2}billing_mode = {pystr(t.billing.mode)}",
        ]
        if t.billing.mode == "PROVISIONED":
            lines.append(f"{INDENT * 2}read_capacity_units = {t.billing.read_capacity}")
            lines.append(f"{INDENT * 2}write_capacity_units = {t.billing.write_capacity}")
        if t.stream:
            lines.append(f"{INDENT * 2}stream_view_type = {pystr(t.stream)}")
        lines.append("")
        primary = {
            t.partition_key.name: "hash_key",
            **({t.sort_key.name: "range_key"} if t.sort_key else {}),
        }
        for name, key_type in self.key_types.items():
            attr_cls = _KEY_ATTRIBUTE_CLASS[key_type]
            self.used_attribute_classes.add(attr_cls)
            role = primary.get(name)
            options = [f"{role}=True"] if role else ["null=True"]
            # A key that entities store as their own attribute is redeclared by each of them
            # with the attribute's type (a date, an integer): the table class leaves it open.
            annotation = "Attribute[Any]" if name in self.design.raw_keys else None
            if annotation is not None:
                self.used_attribute_classes.add("Attribute")
            lines += _attribute_line(
                python_name(name, RESERVED_MEMBERS), attr_cls, name, options, annotation
            )
        lines.append(f"{INDENT}_table = TABLE")
        if t.discriminator_attribute:
            self.used_attribute_classes.add("DiscriminatorAttribute")
            disc = t.discriminator_attribute
            lines += _attribute_line(
                python_name(disc, RESERVED_MEMBERS), "DiscriminatorAttribute", disc, []
            )
        for index in self.design.indexes.values():
            if index.kind != "table" and not index.multi_attribute:
                attr = self.index_member(index.name)
                lines.append(f"{INDENT}{attr} = {class_name(index.name)}Index()")
        return lines

    def index_member(self, index_name: str) -> str:
        """The base class's member for an index: `gsi1_index` for `GSI1`."""
        return python_name(index_name.lower(), ()) + "_index"

    def base_members(self) -> list[tuple[str, str, tuple[str | int, ...]]]:
        """(Python name, model name, where it is declared) of every attribute of the base
        class: each key attribute of each index, the discriminator and the index members."""
        members: list[tuple[str, str, tuple[str | int, ...]]] = []
        for index in self.design.indexes.values():
            for role, keys in (
                ("partition_key", index.partition_keys),
                ("sort_key", index.sort_keys),
            ):
                for i, key in enumerate(keys):
                    py = python_name(key.name, RESERVED_MEMBERS)
                    where = (role, i) if len(keys) > 1 else (role,)
                    members.append((py, key.name, (*index.path, *where, "name")))
        disc = self.table.discriminator_attribute
        if disc:
            path: tuple[str | int, ...] = ("table", "discriminator_attribute")
            members.append((python_name(disc, RESERVED_MEMBERS), disc, path))
        for index in self.design.indexes.values():
            if index.kind != "table" and not index.multi_attribute:
                members.append((self.index_member(index.name), index.name, (*index.path, "name")))
        return members

    def _entity_class(self, entity: EntityDesign) -> list[str]:
        spec = entity.spec
        name = entity.name
        version = spec.version_attribute
        py = _attribute_names(entity)
        if self.table.discriminator_attribute:
            lines = [f"class {name}({self.base}, discriminator={pystr(entity.discriminator)}):"]
        else:  # read back as this class when the item's primary key is one it writes
            lines = [f"class {name}({self.base}):"]
        doc = [first_line(spec.description) or f"The {name} entity."]
        doc += ["", "Keys:"]
        doc += [
            f"    {k} = {pystr(t.source)}"
            + (" (the attribute itself)" if k in entity.plain else "")
            for k, t in entity.templates.items()
        ]
        lines += docstring(doc, INDENT)
        lines.append("")
        chunked = set(spec.chunking.attributes) if spec.chunking else set()
        table = self.table
        primary = {table.partition_key.name: "hash_key"}
        if table.sort_key is not None:
            primary[table.sort_key.name] = "range_key"
        for attr, aspec in spec.attributes.items():
            if attr in chunked:  # the record's payload: a plain attribute, not in the head item
                lines.append(f"{INDENT}{py[attr]}: {_python_type(aspec)} | None = None")
                continue
            if attr == version:
                self.used_attribute_classes.add("VersionAttribute")
                lines += _attribute_line(py[attr], "VersionAttribute", attr, ["null=True"])
                continue
            attr_cls = _ATTRIBUTE_CLASS[aspec.type]
            self.used_attribute_classes.add(attr_cls)
            options: list[str] = []
            if attr in entity.plain and attr in primary:  # a table key the attribute itself is
                options.append(f"{primary[attr]}=True")
            if aspec.optional or aspec.type.endswith("_set"):
                options.append("null=True")
            if aspec.type in {"binary", "binary_set"}:
                options.append("legacy_encoding=False")
            lines += _attribute_line(py[attr], attr_cls, attr, options)
        lines.append("")
        lines += self._entity_spec(entity, py)
        lines += self._constructor(entity, py)
        lines += self._fetch(entity, py)
        lines += self._writes(entity, py)
        return lines

    def _entity_spec(self, entity: EntityDesign, py: dict[str, str]) -> list[str]:
        spec = entity.spec
        args = [
            "TABLE",
            pystr(entity.name),
            pystr(entity.discriminator),
            mapping([(pystr(a), _rule(s)) for a, s in spec.attributes.items()]),
            mapping(
                [(pystr(k), pystr(t.source)) for k, t in entity.templates.items()],
                column=len(INDENT * 2),
            ),
        ]
        renamed = {a: p for a, p in py.items() if a != p}
        if renamed:
            args.append(
                "python_names=" + mapping([(pystr(a), pystr(p)) for a, p in renamed.items()])
            )
        if spec.version_attribute:
            args.append(f"version={pystr(spec.version_attribute)}")
        if spec.chunking is not None:
            args.append("chunking=" + self._chunking(entity))
        return call("_spec: ClassVar[EntitySpec] = EntitySpec(", args, INDENT)

    def _chunking(self, entity: EntityDesign) -> str:
        chunking = entity.spec.chunking
        assert chunking is not None
        args = [tuple_of([pystr(a) for a in chunking.attributes])]
        if chunking.codec != "json":
            args.append(f"codec={pystr(chunking.codec)}")
        if chunking.compress:
            args.append("compress=True")
        shapes = []
        for index in self.design.indexes.values():
            if index.kind != "lsi" or index.sort_key is None:
                continue
            shape = [pystr(index.sort_key.name), pystr(index.projection.type)]
            if index.projection.attributes:
                shape.append(tuple_of([pystr(a) for a in index.projection.attributes]))
            shapes.append("LocalIndexShape(" + ", ".join(shape) + ")")
        if shapes:
            args.append("local_indexes=" + tuple_of(shapes))
        one = "Chunking(" + ", ".join(args) + ")"
        if len(one) <= LINE - 20:
            return one
        return "Chunking(\n" + "".join(f"{INDENT}{a},\n" for a in args) + ")"

    def _constructor(self, entity: EntityDesign, py: dict[str, str]) -> list[str]:
        spec = entity.spec
        params = ["self", "*"]
        required = [
            (a, s)
            for a, s in spec.attributes.items()
            if a != spec.version_attribute and not s.optional
        ]
        optional = [
            (a, s) for a, s in spec.attributes.items() if a != spec.version_attribute and s.optional
        ]
        params += [f"{py[a]}: {_python_type(s)}" for a, s in required]
        params += [f"{py[a]}: {_python_type(s)} | None = None" for a, s in optional]
        lines = ["", f"{INDENT}@overload"]
        lines += define("__init__", params, "None", INDENT, body="...")
        lines += ["", f"{INDENT}@overload"]
        lines += define(
            "__init__",
            ["self", "*", "_user_instantiated: Literal[False]"],
            "None",
            INDENT,
            body="...",
        )
        lines.append("")
        lines += define("__init__", ["self", "**values: Any"], "None", INDENT)
        lines += docstring(
            [f"A new {entity.name}; every key is composed from the attributes."], INDENT * 2
        )
        lines.append(f"{INDENT * 2}_entities.init(self, self._spec, values)")
        return lines

    def _fetch(self, entity: EntityDesign, py: dict[str, str]) -> list[str]:
        primary = [self.table.partition_key.name] + (
            [self.table.sort_key.name] if self.table.sort_key else []
        )
        variables: list[str] = []
        for key_attr in primary:
            template = entity.templates.get(key_attr)
            if template is not None:
                variables += [v for v in template.variable_names if v not in variables]
        variables.sort()
        spec = entity.spec
        params = ["cls", "*"]
        params += [f"{py[v]}: {_python_type(spec.attributes[v])}" for v in variables]
        params.append("consistent_read: bool = False")
        lines = ["", f"{INDENT}@classmethod"]
        lines += define("fetch", params, f"{entity.name} | None", INDENT)
        lines += docstring([f"The {entity.name} stored under this key, or None."], INDENT * 2)
        values = mapping([(pystr(py[v]), py[v]) for v in variables])
        lines += call(
            "return _entities.fetch(",
            ["cls", "cls._spec", values, "consistent_read=consistent_read"],
            INDENT * 2,
        )
        return lines

    def _writes(self, entity: EntityDesign, py: dict[str, str]) -> list[str]:
        name = entity.name
        spec = entity.spec
        lines = [""]
        lines += define("create", ["self"], "None", INDENT)
        lines += docstring(
            [f"Write this {name}; ItemExistsError when its key is taken."], INDENT * 2
        )
        lines += [f"{INDENT * 2}_entities.create(self, self._spec)", ""]
        lines += define("put", ["self"], "None", INDENT)
        locking = " (only over the version read)" if spec.version_attribute else ""
        lines += docstring(
            [f"Write this {name}, replacing the item at its key{locking}."], INDENT * 2
        )
        lines += [f"{INDENT * 2}_entities.put(self, self._spec)"]
        mutable = self._mutable(entity)
        if mutable and spec.chunking is None:
            params = ["self", "*"]
            for attr, aspec in mutable:
                none = " | None" if aspec.optional else ""
                params.append(f"{py[attr]}: {_python_type(aspec)} | Unset{none} = UNSET")
            lines.append("")
            lines += define("modify", params, "None", INDENT)
            lines += docstring(
                [
                    "Change attributes outside the table key in one UpdateItem.",
                    "",
                    "Index keys built from them are recomposed in the same request; the item",
                    "must exist (ItemNotFoundError otherwise).",
                ],
                INDENT * 2,
            )
            values = mapping([(pystr(py[a]), py[a]) for a, _ in mutable])
            lines += call("_entities.modify(", ["self", "self._spec", values], INDENT * 2)
        if spec.version_attribute or spec.chunking is not None:
            lines.append("")
            lines += define(
                "delete",
                ["self", "condition: Any = None", "*", "add_version_condition: bool = True"],
                "Any",
                INDENT,
            )
            doc = [f"Delete this {name} if its version is still the one read."]
            if spec.chunking is not None:
                doc = [
                    f"Delete this {name} record, head and chunks, at the version read.",
                    "",
                    "VersionConflictError when the stored record is not the one this instance",
                    "read (changed, deleted or created again); VersionUnknownError, before any",
                    "request, for an instance that was not read (fetch() it first). A chunked",
                    "record takes no condition and is never deleted unconditionally.",
                ]
            lines += docstring(doc, INDENT * 2)
            lines += call(
                "return _entities.delete(",
                ["self", "self._spec", "condition", "add_version_condition=add_version_condition"],
                INDENT * 2,
            )
        return lines

    def _mutable(self, entity: EntityDesign) -> list[tuple[str, AttributeSpec]]:
        """The attributes `modify` takes: outside the table key, not the version."""
        primary_sources: set[str] = set()
        for key_attr in (
            self.table.partition_key.name,
            self.table.sort_key.name if self.table.sort_key else "",
        ):
            template = entity.templates.get(key_attr)
            if template is not None:
                primary_sources |= set(template.variable_names)
        return [
            (a, s)
            for a, s in entity.spec.attributes.items()
            if a not in primary_sources and a != entity.spec.version_attribute
        ]

    def _views(self) -> dict[tuple[str, str], tuple[str, tuple[str, ...]]]:
        """(entity, index) -> (view class, attributes a Query there cannot give back).

        Only pairs some pattern returns and where something is missing: a partial projection,
        or a chunked record's head. The pattern then returns the view, a Protocol with what
        the read did give back, so that mypy rejects reading (or writing back) the rest.
        """
        views: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = {}
        for pattern in self.design.patterns.values():
            index = pattern.index
            if index is None:
                continue
            source = self._view_source(pattern)
            for name in pattern.returns:
                unread = self.design.unread(
                    self.design.entities[name], index, whole_items=source == TABLE_INDEX
                )
                if unread and (name, source) not in views:
                    where = "Table" if source == TABLE_INDEX else class_name(source)
                    views[name, source] = (f"{name}From{where}", unread)
        return views

    def _view_source(self, pattern: PatternDesign) -> str:
        """Where a pattern's items come from: its index, or the table (whole items)."""
        assert pattern.index is not None
        if pattern.index.kind == "table" or self.design.fetches_items(pattern):
            return TABLE_INDEX
        return pattern.index.name

    def _returns(self, pattern: PatternDesign) -> list[str]:
        """The classes (or views) a pattern's results are typed as."""
        out = []
        for name in pattern.returns:
            view = self.views.get((name, self._view_source(pattern)))
            out.append(view[0] if view else self.entity_classes[name])
        return out

    def _view_class(self, entity_name: str, index_name: str) -> list[str]:
        view, unread = self.views[entity_name, index_name]
        entity = self.design.entities[entity_name]
        spec = entity.spec
        index = self.design.indexes[index_name]
        py = _attribute_names(entity)
        where = "a Query on the table" if index.kind == "table" else f"{index.label}"
        doc = [
            f"{entity_name} as {where} returns it, without {', '.join(unread)}.",
            "",
            f"The instances are {entity_name} objects. Writes that would need what is missing"
            f" raise PartialItemError; {entity_name}.fetch() reads the whole item.",
        ]
        lines = [f"class {view}(Protocol):"]
        lines += docstring(doc, INDENT)
        for attr, aspec in spec.attributes.items():
            if attr in unread:
                continue
            nullable = aspec.optional or aspec.type.endswith("_set")
            nullable = nullable or attr == spec.version_attribute
            kind = _stored_type(aspec) + (" | None" if nullable else "")
            lines += ["", f"{INDENT}@property", *define(py[attr], ["self"], kind, INDENT, "...")]
        missing = set(unread)
        if spec.chunking is not None and (index.kind == "table" or index.projection.type == "all"):
            # The read returned the head's manifest: delete() is conditioned on its version.
            lines.append("")
            lines += define("delete", ["self"], "Any", INDENT, "...")
        if spec.chunking is None and spec.version_attribute not in missing:
            params = ["self", "*"]
            for attr, aspec in self._mutable(entity):
                needed = {
                    v
                    for template in entity.templates.values()
                    if attr in template.variable_names
                    for v in template.variable_names
                }
                if (needed - {attr}) & missing:
                    continue  # recomposing a key would need an attribute the read lacks
                none = " | None" if aspec.optional else ""
                params.append(f"{py[attr]}: {_python_type(aspec)} | Unset{none} = ...")
            if len(params) > 2:
                lines.append("")
                lines += define("modify", params, "None", INDENT, "...")
            lines.append("")
            lines += define("delete", ["self"], "Any", INDENT, "...")
        return lines

    def _pattern(self, pattern: PatternDesign) -> list[str]:
        spec = pattern.spec
        const = "_" + pattern.name.upper()
        returns = " | ".join(self._returns(pattern)) or "Any"
        assert pattern.index is not None
        assert pattern.partition is not None or pattern.is_scan
        index = pattern.index
        args = [
            self.base,
            "TABLE",
            pystr(pattern.name),
            f"index={pystr(index.name) if index.kind != 'table' else 'None'}",
            f"index_kind={pystr(index.kind)}",
        ]
        if index.multi_attribute:  # a condition on each key attribute, in KeySchema order
            keys = [(pystr("partition"), tuple_of([pystr(k.name) for k in index.partition_keys]))]
            if index.sort_keys:
                keys.append((pystr("sort"), tuple_of([pystr(k.name) for k in index.sort_keys])))
            args.append("index_keys=" + mapping(keys))
            if pattern.partitions:
                args.append(_terms("partition", pattern.partitions, several=True))
            if pattern.sorts:
                args.append(_terms("sort", pattern.sorts, several=True))
        else:
            args.append(
                "index_keys="
                + mapping(
                    [(pystr("partition"), pystr(index.partition_key.name))]
                    + ([(pystr("sort"), pystr(index.sort_key.name))] if index.sort_key else [])
                )
            )
            if pattern.partition is not None:
                args.append(_terms("partition", (pattern.partition,)))
            if pattern.sort is not None:
                args.append(_terms("sort", (pattern.sort,)))
        if pattern.is_scan:
            args.append("scan=True")
        args.append(
            "parameters=" + mapping([(pystr(n), _rule(s)) for n, s in pattern.parameters.items()])
        )
        args.append("returns=" + tuple_of([self.entity_classes[r] for r in pattern.returns]))
        if spec.filter:
            terms = [
                _filter_term(attr, term.operator, term.operands)
                for attr, pred in spec.filter.items()
                for term in pred.terms
            ]
            one = "filters=" + tuple_of(terms)
            if len(one) > LINE - len(INDENT) - 1:
                one = "filters=(\n" + "".join(f"{INDENT}{t},\n" for t in terms) + ")"
            args.append(one)
        if spec.order == "descending":
            args.append("descending=True")
        if spec.limit is not None:
            args.append(f"limit={spec.limit}")
        if spec.consistent_read:
            args.append("consistent_read=True")
        fetches = self.design.fetches_items(pattern)
        if fetches:
            args.append("whole_items=True")
        lines = _annotated_call(const, "PatternSpec", self._returns(pattern), args)
        names = _parameter_order(pattern)
        params = [
            f"{python_name(n, PATTERN_OPTIONS)}: {_python_type(pattern.parameters[n])}"
            for n in names
        ]
        values = mapping([(pystr(n), python_name(n, PATTERN_OPTIONS)) for n in names])
        limit = str(spec.limit) if spec.limit is not None else "None"
        descending = "True" if spec.order == "descending" else "False"
        options = [f"limit: int | None = {limit}"]
        common = [] if pattern.is_scan else [f"descending: bool = {descending}"]
        if index.kind != "gsi":
            common.append(f"consistent_read: bool = {spec.consistent_read}")
        common.append("trace: QueryTrace | None = None")
        if pattern.is_scan:
            common += ["segment: int | None = None", "total_segments: int | None = None"]
        where = "the table" if index.kind == "table" else f"{index.kind.upper()} {index.name}"
        doc_head = first_line(spec.description) or pattern.name
        if pattern.is_scan:
            filtered = ", filtered on " + ", ".join(spec.filter) if spec.filter else ""
            doc = [
                doc_head,
                "",
                f"Scan of {where}{filtered}: every item is read, in no defined order;",
                "segment and total_segments split it for a parallel scan.",
            ]
        else:
            doc = [
                doc_head,
                "",
                f"Query on {where}: {pattern.key_condition_text()}.",
            ]
        if fetches:
            doc.append(
                "Asks for whole items: the LSI fetches what it does not project from the"
                " table, one more read per item."
            )
        forward = [] if pattern.is_scan else ["descending=descending"]
        if index.kind != "gsi":
            forward.append("consistent_read=consistent_read")
        forward.append("trace=trace")
        if pattern.is_scan:
            forward += ["segment=segment", "total_segments=total_segments"]
        lines += ["", ""]
        lines += define(
            pattern.name,
            [*params, "*", *options, "page_size: int | None = None", *common],
            f"Iterator[{returns}]",
            "",
        )
        lines += docstring([*doc, "Yields every matching item, fetching pages as needed."], INDENT)
        lines += call(
            f"return {const}.items(",
            [values, "limit=limit", "page_size=page_size", *forward],
            INDENT,
        )
        lines += ["", ""]
        lines += define(
            pattern.name + "_page",
            [*params, "*", "cursor: str | None = None", "page_size: int = 25", *options, *common],
            f"Page[{returns}]",
            "",
        )
        lines += docstring([*doc, "One page and the cursor of the next (None at the end)."], INDENT)
        lines += call(
            f"return {const}.page(",
            [values, "cursor=cursor", "page_size=page_size", "limit=limit", *forward],
            INDENT,
        )
        return lines

    def _write_pattern(self, name: str, write: WritePattern) -> list[str]:
        """A write pattern's `WriteSpec` and its typed function."""
        const = "_WRITE_" + name.upper()
        steps = write_steps(self.design, name, write)
        params = write_parameters(self.design, name, write)
        actions = [self._write_action(step) for step in steps]
        inline = f"({actions[0]},)," if len(actions) == 1 else ""
        if inline and "\n" not in inline and len(INDENT + inline) <= LINE:
            args = [pystr(name), inline[:-1]]
        else:  # one action per line (a trailing comma keeps the tuple expanded)
            args = [pystr(name), "(\n" + "".join(f"{_indented(a)},\n" for a in actions) + ")"]
        args.append("parameters=" + mapping([(pystr(n), _rule(s)) for n, (s, _) in params.items()]))
        if write.operation == "transact":
            args.append("transaction=True")
        if write.idempotency_key is not None:
            args.append(f"idempotency_key={pystr(write.idempotency_key)}")
        lines = call(f"{const} = _writes.WriteSpec(", args, "")
        required = [n for n, (_, needed) in params.items() if needed]
        optional = [n for n, (_, needed) in params.items() if not needed]
        signature = ["*"] if params else []
        signature += [f"{python_name(n)}: {_python_type(params[n][0])}" for n in required]
        signature += [
            f"{python_name(n)}: {_python_type(params[n][0])} | None = None" for n in optional
        ]
        lines += ["", ""]
        lines += define(name, signature, "None", "")
        doc = [first_line(write.description) or name, ""]
        doc += [_step_text(step) for step in steps]
        if write.operation == "transact":
            doc += ["All actions are written in one TransactWriteItems, or none."]
        if write.idempotency_key is not None:
            doc += [
                f"Idempotent per {write.idempotency_key} for 10 minutes (ClientRequestToken).",
            ]
        doc += [
            "",
            "Raises ConditionFailedError (KeyTakenError, ItemMissingError,",
            "TransitionRefusedError) when a condition does not hold: nothing is written.",
        ]
        lines += docstring(doc, INDENT)
        values = mapping([(pystr(n), python_name(n)) for n in params])
        lines += call(f"{const}.run(", [values], INDENT)
        return lines

    def _write_action(self, step: Step) -> str:
        action = step.action
        args = [pystr(action.operation), self.entity_classes[step.entity.name]]
        if action.condition:
            terms = [
                _write_term(attr, term.operator, term.operands)
                for attr, predicate in action.condition.items()
                for term in predicate.terms
            ]
            one = "condition=" + tuple_of(terms)
            if len(one) > LINE - 3 * len(INDENT) - 1:
                one = "condition=(\n" + "".join(f"{INDENT}{t},\n" for t in terms) + ")"
            args.append(one)
        if action.set:
            args.append("set=" + mapping([(pystr(a), _operand(v)) for a, v in action.set.items()]))
        if action.remove:
            args.append("remove=" + tuple_of([pystr(a) for a in action.remove]))
        if action.add:
            args.append("add=" + mapping([(pystr(a), _operand(v)) for a, v in action.add.items()]))
        machine = step.entity.spec.states
        made = list(write_transitions(step))
        if machine is not None and made:
            sources = list(dict.fromkeys(s for s, _ in made if s is not None))
            args.append(f"state={pystr(machine.attribute)}")
            args.append("from_states=" + tuple_of([pystr(s) for s in sources]))
        return "\n".join(call("_writes.ActionSpec(", args, ""))

    def _module_functions(self) -> list[str]:
        base = self.base
        classes = [self.entity_classes[n] for n in self.design.entities]
        head = f"ENTITIES: tuple[type[{base}], ...] = "
        one = [f"{head}({classes[0]},)"]
        lines = one if len(classes) == 1 else call(head + "(", classes, "")
        patterns = [(pystr(p), "_" + p.upper()) for p in self.design.patterns]
        head = "ACCESS_PATTERNS: dict[str, PatternSpec[Any]] = "
        display = head + mapping(patterns)
        if all(len(line) <= LINE for line in display.split("\n")):
            lines += [display]
        else:  # a name too long for `"name": _NAME,` on one line
            lines += [head + "{", f"{INDENT}spec.name: spec", f"{INDENT}for spec in ("]
            lines += [f"{INDENT * 2}{constant}," for _, constant in patterns]
            lines += [f"{INDENT})", "}"]
        if self.model.write_patterns:
            writes = [(pystr(w), "_WRITE_" + w.upper()) for w in self.model.write_patterns]
            head = "WRITE_PATTERNS: dict[str, _writes.WriteSpec] = "
            lines += [head + mapping(writes)]
        lines += ["", ""]
        lines += define(
            "configure",
            [
                "*",
                "table_name: str | Unset | None = UNSET",
                "region: str | Unset | None = UNSET",
                "endpoint_url: str | Unset | None = UNSET",
                "cursor_secret: bytes | str | Unset | None = UNSET",
                "chunk_budget: int | Unset | None = UNSET",
            ],
            "None",
            "",
        )
        lines += docstring(
            [
                "Point the models at a table; settings not given stay as they are.",
                "",
                f"Without a table name, the environment variable {self.env} names it.",
                "",
                "cursor_secret signs every pagination cursor (HMAC-SHA256); None: unsigned.",
                "chunk_budget is the largest item chunked records write (None: 409,600).",
            ],
            INDENT,
        )
        lines += call(
            "_entities.configure(",
            [
                base,
                "TABLE",
                "table_name=table_name",
                "region=region",
                "endpoint_url=endpoint_url",
                "chunk_budget=chunk_budget",
            ],
            INDENT,
        )
        lines.append(f"{INDENT}_set_cursor_secret({base}, cursor_secret)")
        lines += ["", ""]
        lines += define(
            "create_table", ["*", "wait: bool = True", "exist_ok: bool = False"], "None", ""
        )
        lines += docstring(
            ["Create the table with its indexes, billing mode, stream and TTL."], INDENT
        )
        lines += call(
            "_table.create_table(",
            [base, "TABLE", "wait=wait", "exist_ok=exist_ok"],
            INDENT,
        )
        lines += ["", ""]
        lines += define("delete_table", [], "None", "")
        lines += docstring(["Delete the table and every item in it."], INDENT)
        lines += [f"{INDENT}_table.delete_table({base}, TABLE)", "", ""]
        lines += define(
            "batch_write",
            [f"puts: Iterable[{base}] = ()", f"deletes: Iterable[{base}] = ()", "**options: Any"],
            "BatchStats",
            "",
        )
        lines += docstring(
            [
                "Put and delete items 25 per request, retrying unprocessed items with",
                "exponential backoff and jitter (options: max_attempts, base_delay, max_delay).",
            ],
            INDENT,
        )
        lines.append(f"{INDENT}return _batch_write(puts, deletes, **options)")
        if any(e.spec.chunking for e in self.design.entities.values()):
            lines += ["", ""]
            lines += define(
                "vacuum_chunks", ["*", "grace_seconds: float = 3600.0"], "VacuumStats", ""
            )
            lines += docstring(
                [
                    "Remove chunk items no record points at, older than grace_seconds.",
                    "",
                    "Safe while writers run: each head is read again just before its old",
                    "chunks are deleted, and a write still in flight keeps its intent item.",
                ],
                INDENT,
            )
            lines.append(f"{INDENT}return _chunked.vacuum({base}, grace_seconds=grace_seconds)")
        return lines


def _attribute_names(entity: EntityDesign) -> dict[str, str]:
    """The Python name of each attribute of an entity's class (and of its views).

    An attribute named like its entity (`Comment.Comment` in AWS's chat schema) is renamed
    too: in the class body the attribute would hide the class, which its methods name.
    """
    reserved = RESERVED_MEMBERS | {entity.name}
    return {a: python_name(a, reserved) for a in entity.spec.attributes}


def _annotated_call(name: str, generic: str, members: list[str], args: list[str]) -> list[str]:
    """`name: generic[A | B] = generic(args)`, laid out so that ruff keeps it at any line
    length: on one line when it fits, else the annotation declared on a line of its own (with
    one member a line, each named by a comment, when even that is long; the comments keep
    ruff from joining the lines)."""
    annotation = f"{generic}[{' | '.join(members) or 'Any'}]"
    if len(f"{name}: {annotation} = {generic}(") <= LINE:
        return call(f"{name}: {annotation} = {generic}(", args, "")
    if len(f"{name}: {annotation}") <= LINE:
        head = [f"{name}: {annotation}"]
    else:
        head = [f"{name}: {generic}["]
        for i, member in enumerate(members):
            head.append(f"{INDENT}{'| ' if i else ''}{member}  # {i + 1} of {len(members)}")
        head.append("]")
    return [*head, *call(f"{name} = {generic}(", args, "")]


def _attribute_line(
    py_name: str, cls: str, model_name: str, options: list[str], annotation: str | None = None
) -> list[str]:
    args = list(options)
    if py_name != model_name:
        args.insert(0, f"attr_name={pystr(model_name)}")
    typed = f": {annotation}" if annotation is not None else ""
    return [f"{INDENT}{py_name}{typed} = {cls}({', '.join(args)})"]


def _parameter_order(pattern: PatternDesign) -> list[str]:
    """Parameters in the order a reader meets them: partition key, sort key, filter, rest."""
    seen: list[str] = []
    for condition in pattern.key_conditions:
        for template in condition.templates:
            seen += [v for v in template.variable_names if v not in seen]
    for predicate in pattern.spec.filter.values():
        for value in (v for term in predicate.terms for v in term.operands):
            name = _parameter(value)
            if name is not None and name not in seen:
                seen.append(name)
    return seen + [n for n in pattern.parameters if n not in seen]


def _parameter(value: object) -> str | None:
    """The parameter a `$name` operand names; None for a literal (`$$` escapes a `$`)."""
    if isinstance(value, str) and value.startswith("$") and not value.startswith("$$"):
        return value[1:]
    return None


def _terms(name: str, conditions: Sequence[ConditionDesign], *, several: bool = False) -> str:
    """`partition=KeyTerm(...)`, or for a multi-attribute key (`several`) a tuple of them,
    exploded one term a line when it is long, each term as ruff would lay it out."""
    if not several:
        (c,) = conditions
        room = LINE - len(INDENT) - len(f"{name}=,")
        return f"{name}=" + _key_term(c.attribute, c.operator, c.templates, room)
    flat = [_key_term(c.attribute, c.operator, c.templates, LINE * 4) for c in conditions]
    one = f"{name}=" + tuple_of(flat)
    if "\n" not in one and len(one) <= LINE - len(INDENT) - 1:
        return one
    room = LINE - 2 * len(INDENT) - 1  # a term's line inside the tuple, less its comma
    terms = [_key_term(c.attribute, c.operator, c.templates, room) for c in conditions]
    return f"{name}=(\n" + "".join(_indented(t) + ",\n" for t in terms) + ")"


def _key_term(attribute: str, operator: str, templates: Sequence[object], room: int) -> str:
    """`KeyTerm(...)` in at most `room` columns, exploded as ruff explodes it when longer:
    one argument per line, and the templates' tuple too when it still does not fit."""
    sources = [pystr(getattr(t, "source", str(t))) for t in templates]
    items = tuple_of(sources)
    one = f"KeyTerm({pystr(attribute)}, {pystr(operator)}, {items})"
    if len(one) <= room:
        return one
    inner = room - len(INDENT) - 1  # an argument line, less its indent and comma
    # ruff splits a tuple of two templates that does not fit, never one of a single string
    # (one per line it would not fit either).
    if len(items) > inner and len(sources) > 1:
        items = "(\n" + "".join(f"{INDENT}{source},\n" for source in sources) + ")"
    args = [pystr(attribute), pystr(operator), items]
    return "KeyTerm(\n" + "".join(_indented(arg) + ",\n" for arg in args) + ")"


def _operand(value: object) -> str:
    """A write's operand: `Param(name)` for `$name`, else the literal."""
    name = _parameter(value)
    if name is not None:
        return f"_writes.Param({pystr(name)})"
    if isinstance(value, str):
        return f"_writes.Value({pystr(value[1:] if value.startswith('$$') else value)})"
    return f"_writes.Value({value!r})"


def _write_term(attribute: str, operator: str, operands: Sequence[object]) -> str:
    rendered = tuple_of([_operand(v) for v in operands])
    return f"_writes.Term({pystr(attribute)}, {pystr(operator)}, {rendered})"


def _step_text(step: Step) -> str:
    """One line of a write function's docstring: what the action writes, on what."""
    action = step.action
    what = {
        "create": "PutItem (new key)",
        "put": "PutItem",
        "update": "UpdateItem",
        "delete": "DeleteItem",
        "check": "ConditionCheck",
    }[action.operation]
    parts = [f"{what} on {step.entity.name}"]
    conditions = [
        f"{attr} {term.operator} {', '.join(map(str, term.operands))}"
        for attr, predicate in action.condition.items()
        for term in predicate.terms
    ]
    if conditions:
        parts.append("if " + " and ".join(conditions))
    if action.set:
        parts.append("set " + ", ".join(action.set))
    if action.remove:
        parts.append("remove " + ", ".join(action.remove))
    if action.add:
        parts.append("add " + ", ".join(f"{a} {v}" for a, v in action.add.items()))
    return "; ".join(parts) + "."


def _indented(text: str) -> str:
    """`text` one level deeper, line by line."""
    return "\n".join(INDENT + line for line in text.split("\n"))


def _filter_term(attribute: str, operator: str, operands: Sequence[object]) -> str:
    rendered: list[str] = []
    for value in operands:
        name = _parameter(value)
        if name is not None:
            rendered.append(f"Param({pystr(name)})")
        elif isinstance(value, str):
            rendered.append(pystr(value[1:] if value.startswith("$$") else value))
        else:
            rendered.append(repr(value))
    return f"FilterTerm({pystr(attribute)}, {pystr(operator)}, {tuple_of(rendered)})"
