"""`tablemodel import workbench`: a NoSQL Workbench data model as a starting tablemodel model.

Reads Workbench's format versions 1.0, 2.0 and 3.0 as they are found in the wild: sample items
per facet (`TableFacets[].TableData`) or per table (`DataModel[].TableData`), facets that carry
only key aliases, attribute and index names holding `#` or `-`, GSIs without a sort key, set
types, provisioned capacity with or without auto-scaling blocks. One table becomes the model's
table; each facet becomes an entity (without facets, items are grouped into entities by the
shape of their keys); key templates are inferred from the sample values
(`tablemodel.importers.inference`).

Nothing is silently dropped or guessed: everything the importer could not infer, or had to
change, is a TM953 finding (a report, and comments at the top of the YAML). A file it cannot
read is a `WorkbenchImportError` holding located diagnostics (TM951 unreadable, TM952 a field
of the wrong shape, with its JSON path), never a traceback.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from collections.abc import Container, Mapping, Sequence
from dataclasses import field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeGuard

import yaml

from tablemodel.diagnostics import (
    Diagnostic,
    Location,
    ModelLoadError,
    PathPart,
    Severity,
    TableModelError,
)
from tablemodel.diagnostics.codes import declare
from tablemodel.importers.inference import (
    Inferred,
    identifier,
    infer_template,
    literal_text,
    template_from_attributes,
)
from tablemodel.importers.separation import (
    COLLISION,
    Separation,
    separate_colliding,
    with_literal,
)
from tablemodel.keylang.templates import TemplateSyntaxError, parse_template
from tablemodel.records import mutable_record, record
from tablemodel.schema.loader import load_model_from_text
from tablemodel.schema.problems import lone_surrogates_in

__all__ = [
    "WORKBENCH_INVALID",
    "WORKBENCH_NOT_INFERRED",
    "WORKBENCH_UNREADABLE",
    "ImportResult",
    "WorkbenchImportError",
    "import_workbench",
    "import_workbench_text",
]

WORKBENCH_UNREADABLE = "TM951"
declare(
    WORKBENCH_UNREADABLE,
    "workbench-unreadable",
    Severity.ERROR,
    "interchange",
    """The file is not a JSON document the importer can read.

    Why: `tablemodel import workbench` reads NoSQL Workbench's JSON export. A file that is not
    UTF-8, not JSON (its line and column are given), larger than 10 MiB or nested deeper than
    200 levels is refused as a whole, before anything is written.

    Bad:
        {"ModelName": "shop", "DataModel": [ ...truncated

    Good:
        {"ModelName": "shop", "ModelMetadata": {"Version": "3.0"}, "DataModel": [...]}
    """,
)

WORKBENCH_INVALID = "TM952"
declare(
    WORKBENCH_INVALID,
    "workbench-invalid",
    Severity.ERROR,
    "interchange",
    """A field of the Workbench model is missing or has the wrong shape.

    Why: the importer maps each field to the model language; a table without a name, a key
    without a type, a sample item whose key holds null, a string holding a lone surrogate or a
    facet that is not an object has no sensible reading, so it says which
    field (by its JSON path) and what it expected, and reports every such field at once.

    Bad:
        "KeyAttributes": {"PartitionKey": {"AttributeName": "PK"}}

    Good:
        "KeyAttributes": {"PartitionKey": {"AttributeName": "PK", "AttributeType": "S"}}
    """,
)

WORKBENCH_NOT_INFERRED = "TM953"
declare(
    WORKBENCH_NOT_INFERRED,
    "workbench-not-inferred",
    Severity.WARNING,
    "interchange",
    """Something of the Workbench model could not be inferred, or not carried over as it was.

    Why: a Workbench model holds sample items, not key templates or entity types; the importer
    infers them and says where it had to guess (a template read from one item, a key that two
    attributes holding the same values fit alike, keys holding the same value that no attribute
    of the items holds, an entity name taken from a key prefix, entities whose keys would
    collide: told apart by a value each entity's items hold alike, or named as they are),
    what it renamed and what the model language has no place for (auto-scaling, a second
    table), so the starting model is reviewed before it is trusted.

    Bad:
        # a facet with one item and an alias that is not a template
        "KeyAttributeAlias": {"PartitionKeyAlias": "playerID"}

    Good:
        "KeyAttributeAlias": {"PartitionKeyAlias": "PLAYER#{player_id}"}
    """,
)

MAX_BYTES = 10 * 1024 * 1024
MAX_DEPTH = 200
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,254}\Z")
_INDEX_NAME = re.compile(r"[A-Za-z0-9_.\-]{3,255}\Z")
_TYPES = {
    "S": "string",
    "N": "number",
    "B": "binary",
    "BOOL": "boolean",
    "L": "list",
    "M": "map",
    "SS": "string_set",
    "NS": "number_set",
    "BS": "binary_set",
}
_PROJECTIONS = {"ALL": "all", "KEYS_ONLY": "keys_only", "INCLUDE": "include"}
_JSONPath = tuple[PathPart, ...]


class WorkbenchImportError(TableModelError, ValueError):
    """The file cannot be imported; `diagnostics` locate every reason (TM951, TM952)."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics = tuple(diagnostics)
        super().__init__("\n".join(f"{d.code} {d.location}: {d.message}" for d in diagnostics))


@record
class ImportResult:
    """The imported model (plain data that validates as a model) and what to review."""

    source: str
    version: str
    model: dict[str, Any]
    findings: tuple[Diagnostic, ...]

    def yaml_text(self) -> str:
        """The model file, with what could not be inferred as comments at the top."""
        lines = [
            f"# Imported by `tablemodel import workbench` from {_printable(self.source)}",
            f"# (NoSQL Workbench format {_printable(self.version)}). Review before use: templates "
            "and entity",
            "# types are inferred from sample items; access patterns are not in the format.",
        ]
        if self.findings:
            lines.append("# Could not be inferred or carried over as it was:")
            for finding in self.findings:
                where = finding.location.dotted_path if finding.location.path else ""
                text = f"{finding.message}" + (f" ({where})" if where else "")
                wrapped = _wrap(text)
                lines += [f"#   - {wrapped[0]}"] + [f"#     {part.strip()}" for part in wrapped[1:]]
        body = yaml.dump(self.model, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
        return "\n".join(lines) + "\n" + body


class _Dumper(yaml.SafeDumper):
    """PyYAML's safe dumper, but a string holding NEL (U+0085) is written double-quoted.

    With `allow_unicode` PyYAML writes NEL raw inside a single-quoted scalar, where reading
    folds it as a line break (`'a\x85b'` comes back `a b`); double-quoted, it is escaped `\\N`.
    """


def _represent_text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style = '"' if "\x85" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _represent_text)


def _printable(text: str) -> str:
    """`text` for a YAML comment, which cannot escape: what is not printable shows as its escape.

    A control character, a line break (which would end the comment and start YAML) or a lone
    surrogate is written as Python writes it escaped (`\\x1f`, `\\n`, `\\ud800`).
    """
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode() for ch in text)


def _wrap(text: str, width: int = 94) -> list[str]:
    text = _printable(text)
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = "  " + word
        else:
            line = f"{line} {word}" if line else word
    return [*lines, line] if line else lines


def import_workbench(path: str | os.PathLike[str], *, table: str | None = None) -> ImportResult:
    """Import the Workbench model in the file at `path` (its first table, or `table`)."""
    display = os.fspath(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise WorkbenchImportError(
            [
                _error(
                    WORKBENCH_UNREADABLE,
                    display,
                    (),
                    f"cannot read the file: {exc.strerror or exc}",
                )
            ]
        ) from None
    if len(raw) > MAX_BYTES:
        raise WorkbenchImportError(
            [
                _error(
                    WORKBENCH_UNREADABLE,
                    display,
                    (),
                    f"the file is {len(raw):,} bytes, over the {MAX_BYTES:,} the importer reads",
                )
            ]
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise WorkbenchImportError(
            [
                _error(
                    WORKBENCH_UNREADABLE,
                    display,
                    (),
                    f"not UTF-8: byte {raw[exc.start]:#04x} at offset {exc.start}",
                )
            ]
        ) from None
    return import_workbench_text(text, source=display, table=table)


def import_workbench_text(
    text: str, *, source: str = "<string>", table: str | None = None
) -> ImportResult:
    """Import a Workbench model given as JSON text."""
    try:
        document = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise WorkbenchImportError(
            [
                Diagnostic(
                    code=WORKBENCH_UNREADABLE,
                    severity=Severity.ERROR,
                    message=f"not JSON: {exc.msg}",
                    location=Location(file=source, line=exc.lineno, column=exc.colno),
                )
            ]
        ) from None
    except _Duplicate as exc:
        raise WorkbenchImportError(
            [
                _error(
                    WORKBENCH_UNREADABLE,
                    source,
                    (),
                    f"the key {exc.key!r} appears twice in one object",
                )
            ]
        ) from None
    except ValueError as exc:
        raise WorkbenchImportError([_error(WORKBENCH_UNREADABLE, source, (), str(exc))]) from None
    except RecursionError:
        raise WorkbenchImportError(
            [_error(WORKBENCH_UNREADABLE, source, (), f"nested deeper than {MAX_DEPTH} levels")]
        ) from None
    if _depth(document) > MAX_DEPTH:
        raise WorkbenchImportError(
            [_error(WORKBENCH_UNREADABLE, source, (), f"nested deeper than {MAX_DEPTH} levels")]
        )
    halves = _lone_surrogates(document, source)
    if halves:
        raise WorkbenchImportError(halves)
    return _Importer(source).run(document, table)


class _Duplicate(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Duplicate(key)
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    msg = f"{name} is not a JSON number"
    raise ValueError(msg)


def _depth(value: object) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        if level > MAX_DEPTH:
            return level
        if isinstance(node, dict):
            stack += [(v, level + 1) for v in node.values()]
        elif isinstance(node, list):
            stack += [(v, level + 1) for v in node]
    return deepest


def _lone_surrogates(document: object, source: str) -> list[Diagnostic]:
    """TM952 for every key and string holding a lone surrogate (a JSON escape such as
    `\\ud800` without its other half): not a character, so no model or DynamoDB item holds it."""
    return [
        _error(
            WORKBENCH_INVALID,
            source,
            path,
            f"{'the string' if key is None else 'a key'} holds the lone surrogate "
            f"\\u{ord(half):04x}, half of a UTF-16 pair and not a character",
            "text of whole characters (in JSON, both halves of a pair)",
        )
        for path, key, half in lone_surrogates_in(document)
    ]


def _error(
    code: str, source: str, path: _JSONPath, message: str, expected: str | None = None
) -> Diagnostic:
    return Diagnostic(
        code=code,
        severity=Severity.ERROR,
        message=message,
        location=Location(file=source, path=path),
        expected=expected,
    )


# ---------------------------------------------------------------------------------------------


@mutable_record
class _Facet:
    name: str
    path: _JSONPath
    pk_alias: str | None
    sk_alias: str | None
    items: list[tuple[_JSONPath, dict[str, Any]]] = field(default_factory=list)
    listed: list[str] = field(default_factory=list)  # the facet's NonKeyAttributes
    grouped_from_keys: bool = False


@record
class _Key:
    name: str
    type: str


class _Importer:
    def __init__(self, source: str) -> None:
        self.source = source
        self.errors: list[Diagnostic] = []
        self.findings: list[Diagnostic] = []
        self.names: dict[str, str] = {}  # Workbench attribute name -> model name
        self.alike: set[tuple[str, frozenset[str]]] = set()  # keys alike, reported once
        self.samples: dict[str, list[dict[str, str]]] = {}  # entity -> items' stored values
        self.paths: dict[str, _JSONPath] = {}  # entity -> where its facet or items are

    # -- reading with paths ----------------------------------------------------------------

    def _bad(self, path: _JSONPath, message: str, expected: str) -> None:
        self.errors.append(_error(WORKBENCH_INVALID, self.source, path, message, expected))

    def _note(self, path: _JSONPath, message: str) -> None:
        self.findings.append(
            Diagnostic(
                code=WORKBENCH_NOT_INFERRED,
                severity=Severity.WARNING,
                message=message,
                location=Location(file=self.source, path=path),
            )
        )

    def _obj(self, value: object, path: _JSONPath, what: str) -> dict[str, Any] | None:
        if isinstance(value, dict):
            return value
        self._bad(path, f"{what} is {_kind(value)}", "an object")
        return None

    def _list(self, value: object, path: _JSONPath, what: str) -> list[Any]:
        if value is None:
            return []
        if isinstance(value, list):
            return value
        self._bad(path, f"{what} is {_kind(value)}", "a list")
        return []

    def _str(self, value: object, path: _JSONPath, what: str) -> str | None:
        if isinstance(value, str) and value:
            return value
        self._bad(path, f"{what} is {_kind(value)}", "a non-empty string")
        return None

    def _key(self, value: object, path: _JSONPath, what: str) -> _Key | None:
        node = self._obj(value, path, what)
        if node is None:
            return None
        name = self._str(node.get("AttributeName"), (*path, "AttributeName"), f"{what}'s name")
        kind = node.get("AttributeType")
        if not _one_of(kind, {"S", "N", "B"}):
            self._bad((*path, "AttributeType"), f"{what}'s type is {_kind(kind)}", "S, N or B")
            return None
        return None if name is None else _Key(name, kind)

    def _name(self, original: str, path: _JSONPath) -> str:
        """The model's name for a Workbench attribute name (renamed when the language needs)."""
        if original in self.names:
            return self.names[original]
        name = original
        if not _IDENTIFIER.match(original):
            name = identifier(original)
            taken = set(self.names.values())
            base, n = name, 2
            while name in taken:
                name, n = f"{base}_{n}", n + 1
            self._note(
                path,
                f"attribute `{original}` is named `{name}`: the model language takes names "
                "of letters, digits and _",
            )
        self.names[original] = name
        return name

    # -- the document ------------------------------------------------------------------------

    def run(self, document: object, table_name: str | None) -> ImportResult:
        root = self._obj(document, (), "the document")
        if root is None:
            raise WorkbenchImportError(self.errors)
        metadata = root.get("ModelMetadata")
        version = "3.0"
        if metadata is not None:
            meta = self._obj(metadata, ("ModelMetadata",), "ModelMetadata")
            if meta is not None and "Version" in meta:
                version = str(meta["Version"])
                if version not in {"1.0", "2.0", "3.0"}:
                    self._note(
                        ("ModelMetadata", "Version"),
                        f"format version {version} is not 1.0, 2.0 or 3.0; read as 3.0",
                    )
        tables = self._list(root.get("DataModel"), ("DataModel",), "DataModel")
        if "DataModel" not in root:
            self._bad(("DataModel",), "the document has no DataModel", "a list of tables")
        if not tables and not self.errors:
            self._bad(("DataModel",), "DataModel holds no table", "at least one table")
        if self.errors:
            raise WorkbenchImportError(self.errors)
        chosen = 0
        names = [t.get("TableName") if isinstance(t, dict) else None for t in tables]
        if table_name is not None:
            if table_name not in names:
                known = ", ".join(str(n) for n in names)
                self._bad(
                    ("DataModel",),
                    f"no table named {table_name!r} (the file has {known})",
                    "a table of the file",
                )
                raise WorkbenchImportError(self.errors)
            chosen = names.index(table_name)
        if len(tables) > 1:
            others = ", ".join(str(n) for i, n in enumerate(names) if i != chosen)
            self._note(
                ("DataModel",),
                f"the file holds {len(tables)} tables; a model holds one, so {others} "
                "stayed out (import each with --table)",
            )
        model = self._table(tables[chosen], ("DataModel", chosen), root, version)
        if self.errors:
            raise WorkbenchImportError(self.errors)
        for separation in separate_colliding(model, self.samples, self.source):
            self._separated(separation)
        result = ImportResult(self.source, version, model, tuple(self.findings))
        try:  # the file written is the file checked: its loader must take it as it is
            load_model_from_text(result.yaml_text(), source=self.source)
        except ModelLoadError as exc:  # a gap in the importer: say so, located, never crash
            raise WorkbenchImportError(
                [
                    _error(
                        WORKBENCH_INVALID,
                        self.source,
                        (),
                        "the imported model does not load: "
                        + "; ".join(f"{_where(d.location)}: {d.message}" for d in exc.diagnostics),
                    )
                ]
            ) from None
        return result

    def _table(
        self, value: object, path: _JSONPath, root: Mapping[str, Any], version: str
    ) -> dict[str, Any]:
        node = self._obj(value, path, "the table")
        if node is None:
            raise WorkbenchImportError(self.errors)
        name = self._str(node.get("TableName"), (*path, "TableName"), "TableName")
        keys = self._obj(node.get("KeyAttributes"), (*path, "KeyAttributes"), "KeyAttributes")
        pk = sk = None
        if keys is not None:
            pk = self._key(
                keys.get("PartitionKey"),
                (*path, "KeyAttributes", "PartitionKey"),
                "the partition key",
            )
            if keys.get("SortKey") is not None:
                sk = self._key(
                    keys.get("SortKey"), (*path, "KeyAttributes", "SortKey"), "the sort key"
                )
        types: dict[str, str] = {}
        for i, attribute in enumerate(
            self._list(
                node.get("NonKeyAttributes"), (*path, "NonKeyAttributes"), "NonKeyAttributes"
            )
        ):
            where = (*path, "NonKeyAttributes", i)
            entry = self._obj(attribute, where, "an attribute")
            if entry is None:
                continue
            attr_name = self._str(
                entry.get("AttributeName"), (*where, "AttributeName"), "the attribute's name"
            )
            kind = entry.get("AttributeType")
            if kind == "NULL":
                self._note(
                    where,
                    f"attribute `{attr_name}` is of type NULL; the model has no such type: a map",
                )
                kind = "M"
            if not _one_of(kind, _TYPES):
                self._bad(
                    (*where, "AttributeType"),
                    f"the attribute's type is {_kind(kind)}",
                    ", ".join(_TYPES),
                )
                continue
            if attr_name is not None:
                types[attr_name] = kind
        gsis = self._indexes(node, path)
        billing = self._billing(node, path, version)
        # Facets are read before stopping, so that every error is reported at once.
        facets = self._facets(node, path, pk.name if pk else None, sk.name if sk else None)
        if self.errors or name is None or pk is None:
            raise WorkbenchImportError(self.errors)
        table_name = name
        if not _INDEX_NAME.match(name):
            table_name = re.sub(r"[^A-Za-z0-9_.\-]", "-", name)[:255].ljust(3, "_")
            self._note(
                (*path, "TableName"),
                f"table `{name}` is named `{table_name}`: DynamoDB takes 3-255 of a-zA-Z0-9_-.",
            )
        table: dict[str, Any] = {
            "name": table_name,
            "partition_key": {
                "name": self._key_name(pk.name, (*path, "KeyAttributes")),
                "type": pk.type,
            },
        }
        if sk is not None:
            table["sort_key"] = {
                "name": self._key_name(sk.name, (*path, "KeyAttributes")),
                "type": sk.type,
            }
        if gsis:
            table["global_indexes"] = gsis
        table["billing"] = billing
        key_types = {pk.name: pk.type} | ({sk.name: sk.type} if sk else {})
        for gsi in gsis:
            for role in ("partition_key", "sort_key"):
                if role in gsi:
                    key_types.setdefault(gsi["_original"][role], gsi[role]["type"])
        for gsi in gsis:
            del gsi["_original"]
        for facet in facets:  # a key's value is what its template is read from
            for where, item in facet.items:
                for key in key_types:
                    if key in item and _scalar(item[key]) is None:
                        held = "null" if item[key] is None else _kind(item[key])
                        self._bad(
                            (*where, key),
                            f"the key `{key}` holds {held}",
                            'a string, number or binary value, such as {"S": "USER#1"}',
                        )
        if self.errors:
            raise WorkbenchImportError(self.errors)
        entities, discriminator = self._entities(
            facets, pk=pk, sk=sk, key_types=key_types, types=types, path=path
        )
        if discriminator is not None:
            table["discriminator_attribute"] = self._name(discriminator, path)
        model: dict[str, Any] = {"version": 1}
        description = (
            root.get("ModelMetadata", {}).get("Description")
            if isinstance(root.get("ModelMetadata"), dict)
            else None
        )
        model_name = root.get("ModelName")
        text = next((t for t in (description, model_name) if isinstance(t, str) and t), "")
        if text:
            model["description"] = f"{text} (imported from NoSQL Workbench)"
        model["table"] = table
        model["entities"] = entities
        return model

    def _key_name(self, original: str, path: _JSONPath) -> str:
        return self._name(original, path)

    def _indexes(self, node: Mapping[str, Any], path: _JSONPath) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for i, value in enumerate(
            self._list(
                node.get("GlobalSecondaryIndexes"),
                (*path, "GlobalSecondaryIndexes"),
                "GlobalSecondaryIndexes",
            )
        ):
            where = (*path, "GlobalSecondaryIndexes", i)
            index = self._obj(value, where, "an index")
            if index is None:
                continue
            name = self._str(index.get("IndexName"), (*where, "IndexName"), "IndexName")
            keys = self._obj(
                index.get("KeyAttributes"), (*where, "KeyAttributes"), "the index's KeyAttributes"
            )
            if name is None or keys is None:
                continue
            pk = self._key(
                keys.get("PartitionKey"),
                (*where, "KeyAttributes", "PartitionKey"),
                "the index's partition key",
            )
            sk = None
            if keys.get("SortKey") is not None:
                sk = self._key(
                    keys.get("SortKey"),
                    (*where, "KeyAttributes", "SortKey"),
                    "the index's sort key",
                )
            if pk is None:
                continue
            if not _INDEX_NAME.match(name):
                fixed = re.sub(r"[^A-Za-z0-9_.\-]", "-", name)[:255].ljust(3, "_")
                self._note(
                    (*where, "IndexName"),
                    f"index `{name}` is named `{fixed}`: DynamoDB takes 3-255 of a-z A-Z 0-9 _ - .",
                )
                name = fixed
            entry: dict[str, Any] = {
                "name": name,
                "partition_key": {
                    "name": self._name(pk.name, (*where, "KeyAttributes")),
                    "type": pk.type,
                },
            }
            original = {"partition_key": pk.name}
            if sk is not None:
                entry["sort_key"] = {
                    "name": self._name(sk.name, (*where, "KeyAttributes")),
                    "type": sk.type,
                }
                original["sort_key"] = sk.name
            entry["projection"] = self._projection(index.get("Projection"), (*where, "Projection"))
            entry["_original"] = original
            out.append(entry)
        return out

    def _projection(self, value: object, path: _JSONPath) -> Any:
        if value is None:
            return "all"
        node = self._obj(value, path, "the projection")
        if node is None:
            return "all"
        kind = node.get("ProjectionType", "ALL")
        if not _one_of(kind, _PROJECTIONS):
            self._bad(
                (*path, "ProjectionType"),
                f"ProjectionType is {_kind(kind)}",
                "ALL, KEYS_ONLY or INCLUDE",
            )
            return "all"
        if kind != "INCLUDE":
            return _PROJECTIONS[kind]
        names = [
            self._name(n, (*path, "NonKeyAttributes", i))
            for i, n in enumerate(
                self._list(
                    node.get("NonKeyAttributes"), (*path, "NonKeyAttributes"), "NonKeyAttributes"
                )
            )
            if self._str(n, (*path, "NonKeyAttributes", i), "a projected attribute") is not None
        ]
        if not names:
            self._note(path, "an INCLUDE projection lists no attribute; imported as keys only")
            return "keys_only"
        return {"type": "include", "attributes": names}

    def _billing(self, node: Mapping[str, Any], path: _JSONPath, version: str) -> dict[str, Any]:
        mode = node.get("BillingMode")
        settings = node.get("ProvisionedCapacitySettings")
        capacity = settings if isinstance(settings, dict) else {}
        if settings is not None and not isinstance(settings, dict):
            self._bad(
                (*path, "ProvisionedCapacitySettings"),
                f"ProvisionedCapacitySettings is {_kind(settings)}",
                "an object",
            )
        for block in ("AutoScalingRead", "AutoScalingWrite"):
            scaling = capacity.get(block)
            if isinstance(scaling, dict):
                target = scaling.get("ScalableTargetRequest", {})
                policy = scaling.get("ScalingPolicyConfiguration", {})
                if isinstance(target, dict) and isinstance(policy, dict):
                    text = (
                        f"{target.get('MinCapacity', '?')} to "
                        f"{target.get('MaxCapacity', '?')} units, "
                        f"target {policy.get('TargetValue', '?')}%"
                    )
                else:
                    text = "settings unreadable"
                self._note(
                    (*path, "ProvisionedCapacitySettings", block),
                    f"{block} ({text}): the model has no auto-scaling; set it up beside the table",
                )
        if mode is None:
            if "ProvisionedThroughput" in capacity:
                mode = "PROVISIONED"
            else:
                self._note(path, f"no BillingMode (format {version}); on demand assumed")
                return {"mode": "PAY_PER_REQUEST"}
        if mode == "PAY_PER_REQUEST":
            return {"mode": "PAY_PER_REQUEST"}
        if mode != "PROVISIONED":
            self._bad(
                (*path, "BillingMode"),
                f"BillingMode is {_kind(mode)}",
                "PROVISIONED or PAY_PER_REQUEST",
            )
            return {"mode": "PAY_PER_REQUEST"}
        throughput = capacity.get("ProvisionedThroughput")
        read = throughput.get("ReadCapacityUnits") if isinstance(throughput, dict) else None
        write = throughput.get("WriteCapacityUnits") if isinstance(throughput, dict) else None
        if not (_units(read) and _units(write)):
            self._note(
                (*path, "ProvisionedCapacitySettings"),
                "PROVISIONED without readable read and write units; 5 and 5 assumed "
                "(Workbench's default)",
            )
            read, write = 5, 5
        return {"mode": "PROVISIONED", "read_capacity": read, "write_capacity": write}

    # -- facets and items ----------------------------------------------------------------------

    def _items(self, value: object, path: _JSONPath) -> list[tuple[_JSONPath, dict[str, Any]]]:
        out = []
        for i, item in enumerate(self._list(value, path, "TableData")):
            node = self._obj(item, (*path, i), "a sample item")
            if node is not None:
                out.append(((*path, i), node))
        return out

    def _facets(
        self, node: Mapping[str, Any], path: _JSONPath, pk: str | None, sk: str | None
    ) -> list[_Facet]:
        facets: list[_Facet] = []
        for i, value in enumerate(
            self._list(node.get("TableFacets"), (*path, "TableFacets"), "TableFacets")
        ):
            where = (*path, "TableFacets", i)
            facet = self._obj(value, where, "a facet")
            if facet is None:
                continue
            name = self._str(facet.get("FacetName"), (*where, "FacetName"), "FacetName")
            aliases = facet.get("KeyAttributeAlias")
            alias = aliases if isinstance(aliases, dict) else {}
            if aliases is not None and not isinstance(aliases, dict):
                self._bad(
                    (*where, "KeyAttributeAlias"),
                    f"KeyAttributeAlias is {_kind(aliases)}",
                    "an object",
                )
            pk_alias = alias.get("PartitionKeyAlias")
            sk_alias = alias.get("SortKeyAlias")
            listed = [
                n
                for n in self._list(
                    facet.get("NonKeyAttributes"), (*where, "NonKeyAttributes"), "NonKeyAttributes"
                )
                if isinstance(n, str) and n
            ]
            if name is None:
                continue
            facets.append(
                _Facet(
                    name,
                    where,
                    pk_alias if isinstance(pk_alias, str) and pk_alias else None,
                    sk_alias if isinstance(sk_alias, str) and sk_alias else None,
                    self._items(facet.get("TableData"), (*where, "TableData")),
                    listed,
                )
            )
        table_items = self._items(node.get("TableData"), (*path, "TableData"))
        if table_items:
            facets = self._assign(facets, table_items, pk, sk, path)
        return facets

    def _assign(
        self,
        facets: list[_Facet],
        items: list[tuple[_JSONPath, dict[str, Any]]],
        pk: str | None,
        sk: str | None,
        path: _JSONPath,
    ) -> list[_Facet]:
        """Items of the table (not of a facet) go to the facet whose templates they match, or
        to groups made from the shape of their keys."""
        leftover = []
        for where, item in items:
            target = next((f for f in facets if _matches(f, item, pk, sk)), None)
            if target is not None:
                target.items.append((where, item))
            else:
                leftover.append((where, item))
        if not leftover:
            return facets
        groups: dict[tuple[str, ...], list[tuple[_JSONPath, dict[str, Any]]]] = {}
        for where, item in leftover:
            shape: tuple[str, ...] = (
                _shape(_scalar(item.get(pk)) or "") if pk else "",
                _shape(_scalar(item.get(sk)) or "") if sk else "",
            )
            groups.setdefault(shape, []).append((where, item))
        taken = {f.name for f in facets}
        for shape, members in groups.items():
            name = _group_name(shape, taken)
            taken.add(name)
            facets.append(
                _Facet(name, (*path, "TableData"), None, None, members, [], grouped_from_keys=True)
            )
            self._note(
                members[0][0],
                f"entity `{name}`: {len(members)} items of the table grouped by the shape of "
                f"their keys ({' / '.join(s for s in shape if s)}); the name is a guess",
            )
        return facets

    # -- entities ------------------------------------------------------------------------------

    def _entities(
        self,
        facets: list[_Facet],
        *,
        pk: _Key,
        sk: _Key | None,
        key_types: Mapping[str, str],
        types: Mapping[str, str],
        path: _JSONPath,
    ) -> tuple[dict[str, Any], str | None]:
        if not facets:
            self._note(
                path, "no facets and no sample items: one entity `Item` with keys as plain values"
            )
            facets = [_Facet("Item", path, None, None)]
        discriminator = _discriminator(facets, set(key_types))
        if discriminator is not None:
            self._note(
                path,
                f"attribute `{discriminator}` names each item's entity type: it is the table's "
                "discriminator_attribute",
            )
        entities: dict[str, Any] = {}
        for facet in facets:
            name = identifier(facet.name, "Entity")
            name = name[0].upper() + name[1:] if name[0].isalpha() else "E" + name
            base, n = name, 2
            while name in entities:
                name, n = f"{base}{n}", n + 1
            if name != facet.name and not facet.grouped_from_keys:
                self._note((*facet.path, "FacetName"), f"facet `{facet.name}` is entity `{name}`")
            entities[name] = self._entity(
                facet, pk=pk, sk=sk, key_types=key_types, types=types, discriminator=discriminator
            )
            self.paths[name] = facet.path
            self.samples[name] = [
                {
                    self._name(a, facet.path): t
                    for a, v in item.items()
                    if a not in key_types and (t := _scalar(v)) is not None
                }
                for _, item in facet.items
            ]
        return entities, discriminator

    def _entity(
        self,
        facet: _Facet,
        *,
        pk: _Key,
        sk: _Key | None,
        key_types: Mapping[str, str],
        types: Mapping[str, str],
        discriminator: str | None,
    ) -> dict[str, Any]:
        items = [item for _, item in facet.items]
        attributes: dict[str, dict[str, Any]] = {}
        order = list(facet.listed)
        for item in items:
            order += [a for a in item if a not in order]
        for original in order:
            if original in key_types or original == discriminator:
                continue  # keys become templates below; a plain index key an attribute there
            kind = types.get(original) or _value_type(items, original)
            if kind is None:
                self._note(
                    facet.path,
                    f"attribute `{original}` of `{facet.name}` has no type; string assumed",
                )
                kind = "S"
            name = self._name(original, facet.path)
            if name in attributes:
                continue
            holding = sum(1 for item in items if original in item)
            spec: dict[str, Any] = {"type": _TYPES[kind]}
            if holding < len(items) or not items:
                spec["optional"] = True
            attributes[name] = spec
        table_keys = {pk.name} | ({sk.name} if sk is not None else set())
        # A key template is built of the entity's own attributes, never of another key's value:
        # keys built of each other (`SK: "{GSI1_PK}"`, `GSI1_PK: "{SK}"`) explain nothing and
        # name attributes the entity does not have. The exception is an index key that holds
        # a plain value no attribute explains (`RoomID`): it is the entity's own attribute,
        # with no template, so other keys may be built of it.
        own = [
            {
                self._name(a, facet.path): t
                for a, v in item.items()
                if a not in key_types and (t := _scalar(v)) is not None
            }
            for item in items
        ]
        plain = self._plain_keys(
            facet,
            items=items,
            key_types=key_types,
            table_keys=table_keys,
            attributes=attributes,
            held=own,
        )
        scalars = [
            {
                self._name(a, facet.path): t
                for a, v in item.items()
                if (a not in key_types or self._name(a, facet.path) in plain)
                and (t := _scalar(v)) is not None
            }
            for item in items
        ]
        keys: dict[str, str] = {}
        for key, key_type in key_types.items():
            present = [i for i, item in enumerate(items) if key in item]
            is_table_key = key in table_keys
            if not present and not (is_table_key and not items):
                continue  # the entity does not write this index key
            if len(present) < len(items):
                self._note(
                    facet.path,
                    f"`{facet.name}` writes `{key}` on {len(present)} of {len(items)} items; "
                    "read as always written",
                )
            alias = facet.pk_alias if key == pk.name else facet.sk_alias if is_table_key else None
            if alias is not None and identifier(alias) == identifier(key):
                alias = None  # an alias that only repeats the key's name says nothing
            model_key = self._name(key, facet.path)
            if model_key in plain:
                continue  # the entity's own attribute, added above
            values = [_scalar(items[i][key]) or "" for i in present]
            others = [{n: t for n, t in scalars[i].items() if n != model_key} for i in present]
            numbers = {n for n, spec in attributes.items() if spec["type"] in {"number", "integer"}}
            if key_type == "N":
                number = self._number_key(
                    facet, key=key, values=values, attributes=attributes, scalars=others
                )
                if number is not None:
                    keys[model_key] = number
            elif not is_table_key and not _structured(values):
                # Built of other attributes (`holder-{holder}`), or an index keyed on a plain
                # attribute, which is then its own key.
                built = template_from_attributes(values, others, numbers)
                if built is None:  # not plain above, so the values of a key built before fit
                    attributes[model_key] = {"type": "binary" if key_type == "B" else "string"}
                else:
                    keys[model_key] = built.template
                    self._ambiguous(facet, key, built)
                    self._alike(
                        facet,
                        key,
                        built.template,
                        items=items,
                        present=present,
                        key_types=key_types,
                        table_keys=table_keys,
                        held=own,
                    )
            else:
                taken = set(attributes) | {model_key}
                inferred = infer_template(key, values, others, alias, taken, numbers=numbers)
                keys[model_key] = inferred.template
                self._ambiguous(facet, key, inferred)
                self._alike(
                    facet,
                    key,
                    inferred.template,
                    items=items,
                    present=present,
                    key_types=key_types,
                    table_keys=table_keys,
                    held=own,
                )
                self._adopt(
                    facet,
                    key=key,
                    inferred=inferred,
                    attributes=attributes,
                    alias=alias,
                    values=values,
                )
                for position, i in enumerate(present):  # later keys may reuse these values
                    for name, bound in inferred.new_attributes.items():
                        if position < len(bound):
                            scalars[i][name] = bound[position]
        for template in keys.values():
            try:
                variables = parse_template(template).variables
            except TemplateSyntaxError:
                continue  # the model's loader locates it
            for variable in variables:
                held = attributes.get(variable.name)
                if variable.width is not None and held is not None and held["type"] == "number":
                    held["type"] = "integer"  # zero-padded in a key: whole numbers only
        entity: dict[str, Any] = {}
        if discriminator is not None:
            found = {_scalar(item.get(discriminator)) for item in items}
            value = next(iter(found)) if len(found) == 1 else None
            if value is not None and value != facet.name:
                entity["discriminator"] = value
            if value is not None:
                self._discriminator_literal(
                    facet, keys, self._name(discriminator, facet.path), value
                )
        if not attributes:
            attributes["id"] = {"type": "string", "optional": True}
            self._note(
                facet.path,
                f"`{facet.name}` has no attribute besides its keys; `id` added to give it one",
            )
        entity["attributes"] = attributes
        entity["keys"] = keys
        return entity

    def _plain_keys(
        self,
        facet: _Facet,
        *,
        items: Sequence[Mapping[str, Any]],
        key_types: Mapping[str, str],
        table_keys: Container[str],
        attributes: dict[str, dict[str, Any]],
        held: Sequence[Mapping[str, str]],
    ) -> set[str]:
        """The index keys that are the entity's own attributes (added to `attributes`).

        An index key whose values are plain (not built of parts, `USER#123`) and which no
        attribute of the entity explains holds a value of its own, as `RoomID` keying an index
        does. Decided before any template, from the entity's attributes alone, so that no key
        is both an attribute other keys are built of and a template itself.
        """
        plain: set[str] = set()
        numbers = {n for n, spec in attributes.items() if spec["type"] in {"number", "integer"}}
        for key, key_type in key_types.items():
            if key in table_keys or key_type == "N":
                continue  # a number key is read by `_number_key`
            present = [i for i, item in enumerate(items) if key in item]
            values = [_scalar(items[i][key]) or "" for i in present]
            if not present or _structured(values):
                continue
            if template_from_attributes(values, [held[i] for i in present], numbers) is None:
                name = self._name(key, facet.path)
                plain.add(name)
                attributes[name] = {"type": "binary" if key_type == "B" else "string"}
        return plain

    def _alike(
        self,
        facet: _Facet,
        key: str,
        template: str,
        *,
        items: Sequence[Mapping[str, Any]],
        present: Sequence[int],
        key_types: Mapping[str, str],
        table_keys: Container[str],
        held: Sequence[Mapping[str, str]],
    ) -> None:
        """Say so when a key holds another key's value on every item and no attribute the
        items hold explains it: the template is then built of attributes the importer made."""
        if not present:
            return
        try:
            variables = parse_template(template).variable_names
        except TemplateSyntaxError:
            return
        own = set(held[present[0]])
        if not variables or own & set(variables):
            return  # a literal, or built of an attribute the items hold
        same = [
            other
            for other in key_types
            if other != key
            and all(
                other in items[i] and _scalar(items[i][other]) == _scalar(items[i][key])
                for i in present
            )
        ]
        group = frozenset({key, *same})
        if not same or all(k in table_keys for k in group) or (facet.name, group) in self.alike:
            return  # a sort key equal to its partition key is a common layout, not a copy
        self.alike.add((facet.name, group))
        names = [f"`{k}`" for k in key_types if k in group]
        self._note(
            facet.path,
            f"`{facet.name}`: {', '.join(names[:-1])} and {names[-1]} hold the same value on "
            "every sample item, and no attribute of the items does; a key is not built of "
            f"another key, so `{key}` is `{template}`, built of attribute(s) the importer made: "
            "check what the keys hold",
        )

    def _discriminator_literal(
        self, facet: _Facet, keys: dict[str, str], field: str, value: str
    ) -> None:
        """A key template built of the discriminator holds its one value as a literal.

        The discriminator attribute is the table's, not an entity attribute, so a template
        cannot name it; every item of the entity holds `value` in it, and the entities hold
        different values, which is what tells their keys apart.
        """
        for key, template in keys.items():
            try:
                names = parse_template(template).variable_names
            except TemplateSyntaxError:
                continue
            if field not in names:
                continue
            keys[key] = with_literal(template, field, value)
            self._note(
                facet.path,
                f"`{facet.name}`.`{key}`: `{template}` is built of the discriminator `{field}`, "
                f"which holds `{value}` on every item of `{facet.name}` and another value on "
                f"every other entity's items; written `{keys[key]}`",
            )

    def _separated(self, separation: Separation) -> None:
        """Say how entities whose primary keys would collide were told apart, or that they
        were not."""
        names = [f"`{n}`" for n in separation.entities]
        listed = ", ".join(names[:-1]) + f" and {names[-1]}"
        templates = "; ".join(
            f"`{n}` " + ", ".join(f"{k} `{t}`" for k, t in separation.templates[n].items())
            for n in separation.entities
        )
        where = self.paths.get(separation.entities[0], ())
        if separation.attribute is None:
            self._note(
                where,
                f"{listed} get primary key templates that can write the same key, so one "
                f"would overwrite the other ({COLLISION} in `tablemodel check`), and no attribute "
                "of their sample items holds a value of its own in each: templates kept "
                f"({templates}); give each entity a literal of its own",
            )
            return
        held = ", ".join(
            f"`{separation.constants[n]}` on all {separation.items[n]} item(s) of `{n}`"
            for n in separation.entities
        )
        self._note(
            where,
            f"{listed} would get primary key templates that can write the same key; "
            f"`{separation.attribute}` holds {held}, so each value is written as a literal: "
            f"{templates}; check that `{separation.attribute}` holds only that value in each",
        )

    def _number_key(
        self,
        facet: _Facet,
        *,
        key: str,
        values: Sequence[str],
        attributes: dict[str, dict[str, Any]],
        scalars: Sequence[Mapping[str, str]],
    ) -> str | None:
        numbers = [_decimal(v) for v in values]
        holding = [
            name
            for name, spec in attributes.items()
            if spec["type"] == "number"
            and all(
                n is not None and name in s and _decimal(s[name]) == n
                for s, n in zip(scalars, numbers, strict=True)
            )
        ]
        if holding:
            chosen = "{" + holding[0] + "}"
            others = tuple("{" + name + "}" for name in holding[1:])
            self._ambiguous(facet, key, Inferred(chosen, "attributes", alternatives=others))
            return chosen
        # No attribute holds the number: it is the entity's own attribute, named like the key.
        attributes[self._name(key, facet.path)] = {"type": "number"}
        return None

    def _ambiguous(self, facet: _Facet, key: str, inferred: Inferred) -> None:
        """Say so when the items fit other templates as well as the one chosen."""
        if not inferred.alternatives:
            return
        others = ", ".join(f"`{t}`" for t in inferred.alternatives[:3])
        more = len(inferred.alternatives) - 3
        others += f" and {more} more" if more > 0 else ""
        self._note(
            facet.path,
            f"`{facet.name}`.`{key}`: the sample items fit `{inferred.template}` and "
            f"{others} alike (attributes holding the same values); `{inferred.template}` "
            "chosen: check which attribute the key holds",
        )

    def _adopt(
        self,
        facet: _Facet,
        *,
        key: str,
        inferred: Inferred,
        attributes: dict[str, dict[str, Any]],
        alias: str | None,
        values: Sequence[str],
    ) -> None:
        for name in inferred.new_attributes:
            if name not in attributes:
                attributes[name] = {"type": "string"}
        if inferred.source == "segments":
            sample = ", ".join(f"`{v}`" for v in values[:2]) or "no values"
            added = ", ".join(f"`{n}`" for n in inferred.new_attributes)
            why = f"; {inferred.note}" if inferred.note else ""
            named = f"; the alias `{alias}` named its variables" if alias else ""
            self._note(
                facet.path,
                f"`{facet.name}`.`{key}`: template `{inferred.template}` guessed from "
                f"{len(values)} value(s) ({sample}){why}{named}; attribute(s) {added} added "
                "for its variables",
            )
        elif alias and inferred.source == "constant" and literal_text(alias) != inferred.template:
            self._note(
                facet.path,
                f"`{facet.name}`.`{key}`: the alias `{alias}` differs from the values "
                f"(`{inferred.template}`); the values win",
            )


def _where(location: Location) -> str:
    """A place in the written YAML: its model path, else its line and column."""
    if location.path:
        return location.dotted_path
    return f"line {location.line}, column {location.column}" if location.line else "the file"


def _one_of(value: object, choices: Container[str]) -> TypeGuard[str]:
    """`value in choices` for any JSON value (a list or an object is never a choice)."""
    return isinstance(value, str) and value in choices


def _units(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _kind(value: object) -> str:
    if value is None:
        return "missing"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"the string {value[:40]!r}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _scalar(value: object) -> str | None:
    """A key or attribute value as text: `{"S": "x"}` -> `x`, `{"N": "1.5"}` -> `1.5`."""
    if isinstance(value, dict) and len(value) == 1:
        ((kind, data),) = value.items()
        if (
            kind in {"S", "N"}
            and isinstance(data, str | int | float)
            and not isinstance(data, bool)
        ):
            return str(data)
        if kind == "B" and isinstance(data, str):
            try:
                base64.b64decode(data, validate=True)
            except (binascii.Error, ValueError):
                return None
            return data
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value)  # some files write plain values
    return None


def _structured(values: Sequence[str]) -> bool:
    """Key values built of parts (`USER#123`), rather than one attribute's plain value."""
    return any(re.search(r"[#|]", v) for v in values)


def _decimal(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _value_type(items: Sequence[Mapping[str, Any]], attribute: str) -> str | None:
    for item in items:
        value = item.get(attribute)
        if isinstance(value, dict) and len(value) == 1:
            kind = next(iter(value))
            if kind in _TYPES:
                return str(kind)
            if kind == "NULL":
                return "M"
    return None


def _shape(value: str) -> str:
    """A key value's shape: the literal words it starts and ends with, the rest elided.

    `u#12345#follower` -> `u#…#follower`, `Complaint123` -> `Complaint…`, `meta` -> `meta`.
    """
    if not re.search(r"[#|:]", value.strip("#|:")):
        if not re.search(r"\d", value) and len(value) <= 40:
            return value  # a constant such as `meta` or `#METADATA#`
        lead = re.match(r"[A-Za-z]+", value)
        return (lead.group(0) if lead else "") + "…"
    lead = re.match(r"[A-Za-z]+[#|:]?", value)
    head = lead.group(0) if lead else ""
    tail_match = re.search(r"[#|]([A-Za-z]+)$", value)
    delimiters = len(re.findall(r"[#|]", value.strip("#|")))
    tail = "#" + tail_match.group(1) if tail_match and delimiters >= 2 else ""
    return f"{head}…{tail}"


def _group_name(shape: tuple[str, ...], taken: set[str]) -> str:
    words = [
        [w.capitalize() if w.isupper() else w for w in re.findall(r"[A-Za-z]+", s)] for s in shape
    ]
    pk_words, sk_words = words[0], words[1] if len(words) > 1 else []
    if shape[0].count("#") >= 2 and pk_words:
        base = pk_words[-1]
    else:
        base = (pk_words[0] if pk_words else "Item") + (
            sk_words[0] if sk_words else ""
        ).capitalize()
    name = identifier(base[0].upper() + base[1:], "Item")
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{name}{n}", n + 1
    return candidate


def _matches(facet: _Facet, item: Mapping[str, Any], pk: str | None, sk: str | None) -> bool:
    """Whether an item of the table belongs to a facet, by what its aliases fix.

    An alias that is a template must match the key value; one written the way Workbench users
    write them (`ORDER#OrderId`) fixes its leading literal (`ORDER#`); one without a delimiter
    (`ShopId`, a name) fixes nothing. A facet whose aliases fix nothing takes no item.
    """
    constrained = False
    for alias, key in ((facet.pk_alias, pk), (facet.sk_alias, sk)):
        if not alias or key is None:
            continue
        value = _scalar(item.get(key))
        if "{" in alias:
            constrained = True
            if value is None or infer_template(key, [value], [{}], alias, set()).source != "alias":
                return False
            continue
        head = re.match(r"([A-Z][A-Z0-9_]*[#|:])", alias)
        if head is not None:
            constrained = True
            if value is None or not value.startswith(head.group(1)):
                return False
        elif alias.isupper() and not re.search(r"\d", alias):  # a constant such as `META`
            constrained = True
            if value != alias:
                return False
    return constrained


def _discriminator(facets: Sequence[_Facet], keys: set[str]) -> str | None:
    """An attribute every item has, constant within a facet and different between facets."""
    items = [item for f in facets for _, item in f.items]
    if len(facets) < 2 or not all(f.items for f in facets):
        return None
    common = set(items[0]) - keys
    for item in items[1:]:
        common &= set(item)
    for name in sorted(common):
        per_facet = []
        for facet in facets:
            values = {_scalar(item[name]) for _, item in facet.items}
            if len(values) != 1 or None in values:
                break
            per_facet.append(next(iter(values)))
        else:
            if len(set(per_facet)) == len(facets):
                return name
    return None
