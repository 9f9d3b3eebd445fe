"""What generated code declares for the runtime: the table (`TableSpec`) and each entity
(`EntitySpec`: its attribute rules and key codecs), built once when the module is imported.

An `EntitySpec` checks attribute values against the model and composes every key attribute
through the key codec; `tablemodel.runtime.entities` does the reads and writes on top of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from tablemodel.keylang.templates import parse_template
from tablemodel.runtime.chunked import Chunking
from tablemodel.runtime.keys import KeyCodec
from tablemodel.runtime.values import AttributeValueError, Rule

__all__ = ["UNSET", "EntitySpec", "KeyType", "TableSpec", "Unset"]

KeyType = Literal["S", "N", "B"]


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


@dataclass(frozen=True)
class TableSpec:
    """The physical table as the generated code needs it at run time."""

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

    @property
    def primary_key(self) -> tuple[str, ...]:
        return (
            (self.partition_key,) if self.sort_key is None else (self.partition_key, self.sort_key)
        )

    def py(self, name: str) -> str:
        return self.python_names.get(name, name)


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
                escape=table.escape,
                delimiters=table.delimiters,
                escape_char=table.escape_char,
                limit=table.key_limits[key_attr],
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
        spells are recovered from it (`complete`); chunked payloads are never in a Query.
        """
        if projected is None:
            return tuple(sorted(self.chunked))
        derivable = {
            v
            for key_attr, codec in self.codecs.items()
            if key_attr in projected
            for v in codec.template.variable_names
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
        """Key attribute -> key for checked `values` (model names); None where a part is absent."""
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
                out[key_attr] = codec.compose(parts)
                continue
            out[key_attr] = None
        return out

    def key_users(self, attributes: Iterable[str]) -> list[str]:
        """The key attributes whose templates use any of `attributes`."""
        wanted = set(attributes)
        return [
            k for k, codec in self.codecs.items() if wanted & set(codec.template.variable_names)
        ]

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
