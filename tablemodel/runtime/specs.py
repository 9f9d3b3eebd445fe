"""What generated code declares for the runtime: the table (`TableSpec`) and each entity
(`EntitySpec`: its attribute rules and key codecs), built once when the module is imported.

An `EntitySpec` checks attribute values against the model and composes every key attribute
through the key codec; `tablemodel.runtime.entities` does the reads and writes on top of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import field
from typing import Literal

from tablemodel.keylang.templates import parse_template
from tablemodel.records import record
from tablemodel.runtime.chunked import Chunking
from tablemodel.runtime.keys import KeyCodec
from tablemodel.runtime.values import AttributeValueError, Rule

__all__ = ["UNSET", "EntitySpec", "KeyType", "MultiKeyIndex", "TableSpec", "Unset", "identify"]

KeyType = Literal["S", "N", "B"]
Projection = Literal["all", "keys_only", "include"]


class Unset:
    """The default of `modify()` arguments: leave the attribute as it is."""

    _instance: Unset | None = None

    def __new__(cls) -> Unset:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET = Unset()


@record
class MultiKeyIndex:
    """A GSI with a multi-attribute key (DynamoDB, November 2025), which PynamoDB cannot
    declare: up to four partition-key and four sort-key attributes, in KeySchema order.

    `tablemodel.runtime.table` creates it and `tablemodel.runtime.query` queries it through
    botocore; each key attribute keeps its own type (`TableSpec.key_types`).
    """

    name: str
    partition_keys: tuple[str, ...]
    sort_keys: tuple[str, ...] = ()
    projection: Projection = "all"
    attributes: tuple[str, ...] = ()  # the non-key attributes of an `include` projection
    read_capacity: int | None = None
    write_capacity: int | None = None

    @property
    def key_names(self) -> tuple[str, ...]:
        return (*self.partition_keys, *self.sort_keys)


@record
class TableSpec:
    """The physical table as the generated code needs it at run time.

    `discriminator` names the attribute that holds each item's entity (empty: the table has
    none, and an item's entity is the one whose key templates parse its primary key).
    `raw_keys` are key attributes that are some entity's own attribute: they hold its value
    as it is, unescaped.
    """

    model_name: str
    partition_key: str
    sort_key: str | None
    key_types: Mapping[str, KeyType]
    key_limits: Mapping[str, int]
    table_name_env: str
    discriminator: str
    ttl_attribute: str | None = None
    escape: bool = True
    delimiters: str = "#"
    escape_char: str = "\\"
    python_names: Mapping[str, str] = field(default_factory=dict)
    raw_keys: tuple[str, ...] = ()
    multi_key_indexes: tuple[MultiKeyIndex, ...] = ()
    folded_keys: frozenset[str] = frozenset()  # string keys written in lower case

    @property
    def primary_key(self) -> tuple[str, ...]:
        return (
            (self.partition_key,) if self.sort_key is None else (self.partition_key, self.sort_key)
        )

    def py(self, name: str) -> str:
        return self.python_names.get(name, name)

    def escapes(self, key_attr: str) -> bool:
        """Whether values are escaped in `key_attr` (never in a raw key)."""
        return self.escape and key_attr not in self.raw_keys

    def folds(self, key_attr: str) -> bool:
        """Whether `key_attr` is written in lower case (never a raw key: the generator refuses
        a folded raw key, TM132, since folding would change the attribute it stores)."""
        return key_attr in self.folded_keys and key_attr not in self.raw_keys

    def multi_key_index(self, name: str | None) -> MultiKeyIndex | None:
        """The multi-attribute GSI called `name`, if it is one."""
        return next((i for i in self.multi_key_indexes if i.name == name), None)


class EntitySpec:
    """One entity: its attribute rules, key codecs and names, built once per generated class."""

    def __init__(
        self,
        table: TableSpec,
        name: str,
        discriminator: str,
        attributes: Mapping[str, Rule],
        keys: Mapping[str, str],
        *,
        python_names: Mapping[str, str] | None = None,
        version: str | None = None,
        chunking: Chunking | None = None,
    ) -> None:
        self.table = table
        self.name = name
        self.discriminator = discriminator
        self.rules = dict(attributes)
        self.version = version
        self.chunking = chunking
        self.chunked = frozenset(chunking.attributes) if chunking else frozenset()
        self.python_names = dict(python_names or {})
        self.model_names = {py: model for model, py in self.python_names.items()}
        self.codecs: dict[str, KeyCodec] = {}
        for key_attr, template in keys.items():
            key_type = table.key_types[key_attr]
            if key_type == "B":
                msg = f"{name}.{key_attr}: binary key attributes cannot be composed from templates"
                raise ValueError(msg)
            variables = parse_template(template).variable_names
            parts = {v: self.rules[v].part_spec() for v in variables}
            self.codecs[key_attr] = KeyCodec(
                name,
                key_attr,
                template,
                parts,
                key_type=key_type,
                escape=table.escapes(key_attr),
                delimiters=table.delimiters,
                escape_char=table.escape_char,
                limit=table.key_limits[key_attr],
                fold_case=table.folds(key_attr),
            )
        # Key attributes that are attributes of the entity: the key is the attribute's value.
        self.plain = frozenset(
            k for k, codec in self.codecs.items() if k in self.rules and _is_identity(codec, k)
        )
        self.primary_sources = frozenset(
            v
            for key_attr in table.primary_key
            if key_attr in self.codecs
            for v in self.codecs[key_attr].template.variable_names
        )
        missing = [k for k in table.primary_key if k not in self.codecs]
        if missing:
            msg = f"{name}: no key template for {', '.join(missing)} (every item needs its key)"
            raise ValueError(msg)

    def py(self, name: str) -> str:
        return self.python_names.get(name, name)

    def unread_through(self, projected: frozenset[str] | None) -> tuple[str, ...]:
        """The attributes a Query through an index projecting `projected` cannot give back.

        `projected` is None for the table or an ALL projection. Attributes that a projected key
        spells are recovered from it (`complete`), unless the key is folded to lower case and
        the value may hold upper case; chunked payloads are never in a Query.
        """
        if projected is None:
            return tuple(sorted(self.chunked))
        derivable = {
            v
            for key_attr, codec in self.codecs.items()
            if key_attr in projected
            for v in codec.recoverable
        }
        return tuple(
            sorted(
                a
                for a in self.rules
                if a in self.chunked or (a not in projected and a not in derivable)
            )
        )

    # -- values ------------------------------------------------------------------------------

    def check(self, values: Mapping[str, object], *, partial: bool = False) -> dict[str, object]:
        """Every attribute checked and normalised, by model name (`values` by Python name)."""
        unknown = sorted(
            self.model_names.get(n, n)
            for n in values
            if self.model_names.get(n, n) not in self.rules
        )
        if unknown:
            raise AttributeValueError(self.name, unknown[0], f"is not an attribute of {self.name}")
        checked: dict[str, object] = {}
        for attr, rule in self.rules.items():
            if attr == self.version:
                continue
            py = self.py(attr)
            if partial and py not in values:
                continue
            checked[attr] = rule.check(self.name, attr, values.get(py))
        return checked

    def compose(
        self, values: Mapping[str, object], only: Iterable[str] | None = None
    ) -> dict[str, object]:
        """Key attribute -> key for checked `values` (model names); None where a part is absent.

        A plain key (the entity's own attribute) maps to the attribute's value itself, once
        the codec accepted it as a key (length limits, no empty text).
        """
        out: dict[str, object] = {}
        for key_attr in self.codecs if only is None else only:
            codec = self.codecs[key_attr]
            parts: dict[str, object] = {}
            for var in codec.template.variable_names:
                value = values.get(var)
                if value is None:
                    break
                parts[var] = self.rules[var].key_part(value)
            else:
                composed = codec.compose(parts)
                out[key_attr] = values[key_attr] if key_attr in self.plain else composed
                continue
            out[key_attr] = None
        return out

    def key_users(self, attributes: Iterable[str]) -> list[str]:
        """The key attributes whose templates use any of `attributes` (plain keys aside: they
        are those attributes)."""
        wanted = set(attributes)
        return [
            k
            for k, codec in self.codecs.items()
            if k not in self.plain and wanted & set(codec.template.variable_names)
        ]

    def owns(self, item: Mapping[str, Mapping[str, object]]) -> bool:
        """Whether the stored `item`'s primary key is one this entity writes.

        Each table key must parse with the entity's template (anchored, canonical form) into
        values the entity's rules accept: exactly the keys its constructor can compose (a
        value folded to lower case is held to its charset, length and the template as
        folded; its rules speak of the value before folding). The
        checker proves (TM501) that no two entities can write one primary key.
        """
        for key_attr in self.table.primary_key:
            wire = item.get(key_attr)
            if not wire or len(wire) != 1:
                return False
            ((kind, raw),) = wire.items()
            if kind not in {"S", "N"} or not isinstance(raw, str):
                return False
            codec = self.codecs[key_attr]
            try:
                parts = codec.parse(raw)
                for name, part in parts.items():
                    if name not in codec.recoverable:
                        continue  # folded: the parse held it to the charset as folded
                    rule = self.rules[name]
                    rule.check(self.name, name, rule.from_key_part(part))
            except (ValueError, TypeError):
                return False
        return True

    def primary_key_of(self, values: Mapping[str, object]) -> dict[str, object]:
        """The table key for `values` (Python names of the primary-key attributes only)."""
        needed = sorted(self.primary_sources)
        given = {self.model_names.get(n, n): v for n, v in values.items()}
        extra = sorted(set(given) - set(needed))
        if extra:
            raise AttributeValueError(
                self.name,
                extra[0],
                f"is not part of the table key of {self.name} (key attributes: "
                f"{', '.join(needed) or 'none'})",
            )
        checked = {a: self.rules[a].check(self.name, a, given.get(a)) for a in needed}
        return self.compose(checked, self.table.primary_key)


def _is_identity(codec: KeyCodec, key_attr: str) -> bool:
    template = codec.template
    return template.variable_names == (key_attr,) and len(template.parts) == 1


def identify(
    specs: Iterable[EntitySpec], table: TableSpec, item: Mapping[str, Mapping[str, object]]
) -> EntitySpec | None:
    """The entity of a stored item among `specs`, or None when none of them claims it.

    By the discriminator when the table has one (as PynamoDB's polymorphic models read it);
    otherwise by the primary key, which every item carries into every index: the one entity
    whose templates parse it (`EntitySpec.owns`).
    """
    if table.discriminator:
        found = item.get(table.discriminator, {}).get("S")
        return next((s for s in specs if s.discriminator == found), None)
    return next((s for s in specs if s.owns(item)), None)
