"""Entities on PynamoDB: keys composed from attributes, checked writes, reads that decode keys.

Generated code declares, per entity, a PynamoDB subclass and an `EntitySpec` (its attribute
rules and key templates); the methods it generates are one-line calls into this module, so the
behaviour lives here, once, under test:

- constructors check every attribute against the model and compose every key attribute
  (table and index keys) through the key codec; an optional attribute that is absent leaves the
  index keys built from it unset (a sparse index), never a shorter key;
- `create` fails with `ItemExistsError` when the key is taken; `put` overwrites (with optimistic
  locking when the entity has a version attribute); `modify` changes non-key attributes, refuses
  attributes that feed the primary key, recomposes the index keys built from what it changes, and
  never creates an item that is not there; `delete` maps a lost race to `VersionConflictError`;
- reads complete attributes an index did not project from the keys that hold them, and refuse an
  item of another entity type (`UnexpectedItemError`) instead of returning it mistyped.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from botocore.exceptions import BotoCoreError
from botocore.session import get_session
from pynamodb.exceptions import DeleteError, DoesNotExist, PutError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.models import Model
from pynamodb.settings import get_settings_value

from tablemodel.keylang.templates import parse_template
from tablemodel.runtime import chunked
from tablemodel.runtime.chunked import Chunking
from tablemodel.runtime.errors import (
    ItemExistsError,
    ItemNotFoundError,
    NotConfiguredError,
    PartialItemError,
    UnexpectedItemError,
    UnsupportedWriteError,
    VersionConflictError,
)
from tablemodel.runtime.keys import KeyCodec
from tablemodel.runtime.values import AttributeValueError, Rule

__all__ = [
    "UNSET",
    "EntitySpec",
    "TableSpec",
    "Unset",
    "configure",
    "create",
    "delete",
    "ensure_configured",
    "fetch",
    "init",
    "loaded",
    "modify",
    "put",
    "refresh",
    "refresh_keys",
    "root_model",
]

M = TypeVar("M", bound=Model)
KeyType = Literal["S", "N", "B"]

_CONDITION_FAILED = "ConditionalCheckFailedException"


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


# ---------------------------------------------------------------------------------------------
# Configuration


def configure(
    base: type[Model],
    table: TableSpec,
    *,
    table_name: str | Unset | None = UNSET,
    region: str | Unset | None = UNSET,
    endpoint_url: str | Unset | None = UNSET,
    chunk_budget: int | Unset | None = UNSET,
) -> None:
    """Point the generated models at a table: each setting given replaces the current one.

    Without a table name (never given, or given as None) the environment variable the generated
    module names (`<TABLE>_TABLE_NAME`) is read when the models are first used. Region and
    endpoint fall back to botocore's own resolution (`AWS_DEFAULT_REGION`,
    `AWS_ENDPOINT_URL_DYNAMODB`, config files). Open connections are dropped so the next call
    uses the new settings. `chunk_budget` is the largest item chunked records write (None:
    409,600; lower it for moto, which refuses items above 405,000 by its own measure).
    """
    meta: Any = base.Meta
    if not isinstance(table_name, Unset):
        meta.table_name = table_name or None
    if not isinstance(region, Unset):
        meta.region = region
    if not isinstance(endpoint_url, Unset):
        meta.host = endpoint_url
    if not isinstance(chunk_budget, Unset):
        chunked.set_chunk_budget(base, chunk_budget)
    _region_found.discard(base)
    for cls in _model_classes(base):
        cls._connection = None


# Table models whose region was found (until configure() changes a setting).
_region_found: weakref.WeakSet[type[Model]] = weakref.WeakSet()


def ensure_configured(base: type[Model], table: TableSpec) -> None:
    """Raise `NotConfiguredError` when no table name or no region is set (before any request).

    The region is resolved as PynamoDB and botocore would resolve it, without a request:
    `configure(region=...)`, PynamoDB's settings file, then botocore's configuration
    (`AWS_DEFAULT_REGION`, the profile's `region` in the config file).
    """
    meta: Any = base.Meta
    if not getattr(meta, "table_name", None):
        env = os.environ.get(table.table_name_env)
        if not env:
            msg = (
                f"no table name for the `{table.model_name}` models: set the environment "
                f"variable {table.table_name_env} or call configure(table_name=...)"
            )
            raise NotConfiguredError(msg)
        configure(base, table, table_name=env)
    if base in _region_found:
        return
    if getattr(meta, "region", None) or get_settings_value("region"):
        _region_found.add(base)
        return
    try:
        region = get_session().get_config_variable("region")
    except BotoCoreError:
        return  # a broken profile: botocore says what is wrong at the first request
    if not region:
        hint = (
            " (AWS_REGION is set, but botocore does not read it)"
            if os.environ.get("AWS_REGION")
            else ""
        )
        msg = (
            f"no region for the `{table.model_name}` models: call configure(region=...), set "
            f"the environment variable AWS_DEFAULT_REGION{hint}, or set `region` for your "
            "profile in ~/.aws/config"
        )
        raise NotConfiguredError(msg)
    _region_found.add(base)


def root_model(cls: type[Model]) -> type[Model]:
    """The generated table model an entity class derives from: the first class below
    PynamoDB's `Model` that declares the table (its own `Meta`)."""
    for klass in reversed(cls.__mro__):
        if (
            isinstance(klass, type)
            and issubclass(klass, Model)
            and klass is not Model
            and "Meta" in vars(klass)
        ):
            return klass
    return cls


def _ready(cls: type[Model], spec: EntitySpec) -> None:
    ensure_configured(root_model(cls), spec.table)


def _model_classes(base: type[Model]) -> list[type[Model]]:
    out = [base]
    for cls in out:
        out.extend(c for c in cls.__subclasses__() if c not in out)
    return out


# ---------------------------------------------------------------------------------------------
# Writes


def init(instance: Model, spec: EntitySpec, values: dict[str, Any]) -> None:
    """A generated constructor: checked attributes plus every key composed from them."""
    if values.get("_user_instantiated", True) is False:
        if len(values) != 1:
            msg = "_user_instantiated=False takes no attribute values"
            raise TypeError(msg)
        Model.__init__(instance, _user_instantiated=False)
        return
    checked = spec.check(values)
    keys = spec.compose(checked)
    attributes: dict[str, Any] = {
        spec.py(a): v for a, v in checked.items() if a not in spec.chunked
    }
    attributes |= {spec.table.py(k): v for k, v in keys.items() if v is not None}
    Model.__init__(instance, **attributes)
    for name in spec.chunked:  # the record's payload, not attributes of its head item
        setattr(instance, spec.py(name), checked.get(name))


def refresh_keys(instance: Model, spec: EntitySpec) -> dict[str, object]:
    """Check the instance's current attributes again and recompose its keys in place."""
    values = {spec.py(a): getattr(instance, spec.py(a)) for a in spec.rules if a != spec.version}
    checked = spec.check(values)
    for attr, value in checked.items():
        setattr(instance, spec.py(attr), value)
    for key_attr, key in spec.compose(checked).items():
        setattr(instance, spec.table.py(key_attr), key)
    return checked


def _key(instance: Model, spec: EntitySpec) -> dict[str, object]:
    return {k: getattr(instance, spec.table.py(k)) for k in spec.table.primary_key}


# An instance an access pattern read through a partial projection remembers what it lacks.
_UNREAD = "_tablemodel_unread"


def mark_unread(instance: Model, names: tuple[str, ...]) -> None:
    """Record that the read which produced `instance` did not return `names`."""
    if names:
        setattr(instance, _UNREAD, names)


def unread(instance: Model) -> tuple[str, ...]:
    """What `instance` lacks because its read did not return it (see PartialItemError)."""
    names: tuple[str, ...] = getattr(instance, _UNREAD, ())
    return names


def refreshed(instance: Model, spec: EntitySpec) -> None:
    """GetItem read the item again: what it lacked is there, except a chunked payload."""
    still = tuple(a for a in unread(instance) if a in spec.chunked)
    instance.__dict__.pop(_UNREAD, None)
    mark_unread(instance, still)


def loaded(instance: Model, raw: Mapping[str, Any]) -> None:
    """`instance` was built from the item `raw` a read returned (any read, PynamoDB's own
    included). A chunked entity's item is a head: the instance keeps the version it was read
    at and lacks its payload until `fetch()`."""
    spec = getattr(type(instance), "_spec", None)
    if not isinstance(spec, EntitySpec) or spec.chunking is None:
        return
    chunked.remember(instance, raw)
    mark_unread(instance, tuple(sorted(spec.chunked)))


def refresh(instance: Model, spec: EntitySpec, *, consistent_read: bool = False) -> None:
    """Read the item again (GetItem), with what a partial read lacked.

    A chunked record's head is read, not its chunks: the instance takes the version it now
    reads, and if the record changed since the payload it holds was read, that payload is
    stale and counts as unread (`put()` then raises `PartialItemError`; `fetch()` reads it).
    """
    cls = type(instance)
    _ready(cls, spec)
    if spec.chunking is None:
        Model.refresh(instance, consistent_read)
        refreshed(instance, spec)
        return
    before = chunked.read_version(instance)
    hash_key, range_key = instance._get_hash_range_key_serialized_values()
    data = cls._get_connection().get_item(
        hash_key, range_key=range_key, consistent_read=consistent_read
    )
    item = data.get("Item")
    if item is None:
        raise instance.DoesNotExist("This item does not exist in the table.")
    stored = cls._get_discriminator_class(item)
    if stored is not None and stored is not cls:
        raise UnexpectedItemError(
            f"{spec.name}.refresh", _key(instance, spec), stored.__name__, (spec.name,)
        )
    instance.deserialize(item)
    chunked.remember(instance, item)
    if chunked.read_version(instance) != before:
        mark_unread(instance, tuple(sorted(spec.chunked)))  # the head is whole, the payload old
    else:
        refreshed(instance, spec)


def refuse_partial(
    instance: Model, spec: EntitySpec, action: str, needed: Iterable[str] | None = None
) -> None:
    """PartialItemError if the write needs attributes the instance's read did not return."""
    wanted = None if needed is None else set(needed)
    missing = tuple(a for a in unread(instance) if wanted is None or a in wanted)
    if missing:
        raise PartialItemError(spec.name, _key(instance, spec), missing, action)


def create(instance: Model, spec: EntitySpec) -> None:
    """Write a new item; `ItemExistsError` when an item holds the key already."""
    _ready(type(instance), spec)
    refuse_partial(instance, spec, "create")
    refresh_keys(instance, spec)
    if spec.chunking is not None:
        _chunked_write(instance, spec, create=True)
        return
    condition = type(instance).get_attributes()[spec.table.py(spec.table.partition_key)]
    try:
        Model.save(instance, condition=condition.does_not_exist())
    except PutError as err:
        if err.cause_response_code == _CONDITION_FAILED:
            raise ItemExistsError(spec.name, _key(instance, spec)) from None
        raise


def put(instance: Model, spec: EntitySpec) -> None:
    """Write the item whether or not it exists (conditional on the version if there is one)."""
    _ready(type(instance), spec)
    refuse_partial(instance, spec, "put")
    refresh_keys(instance, spec)
    if spec.chunking is not None:
        _chunked_write(instance, spec, create=False)
        return
    version = getattr(instance, spec.py(spec.version)) if spec.version else None
    try:
        Model.save(instance)
    except PutError as err:
        if err.cause_response_code == _CONDITION_FAILED and spec.version:
            raise VersionConflictError(spec.name, _key(instance, spec), version) from None
        raise


def modify(instance: Model, spec: EntitySpec, changes: Mapping[str, object]) -> None:
    """Change non-key attributes in one UpdateItem; index keys built from them follow."""
    if spec.chunking is not None:
        msg = f"{spec.name} is chunked: change the instance and put() it (one versioned write)"
        raise TypeError(msg)
    given = {name: value for name, value in changes.items() if value is not UNSET}
    if not given:
        return
    _ready(type(instance), spec)
    checked = spec.check(given, partial=True)
    frozen = sorted(set(checked) & spec.primary_sources)
    if frozen:
        raise AttributeValueError(
            spec.name,
            frozen[0],
            "feeds the table key, so changing it moves the item: create a new item and "
            "delete this one instead",
        )
    recomposed = spec.key_users(checked)
    needed = {v for k in recomposed for v in spec.codecs[k].template.variable_names}
    if spec.version:
        needed.add(spec.version)
    refuse_partial(instance, spec, "modify", needed - set(checked))
    cls = type(instance)
    attrs = cls.get_attributes()
    current = {a: getattr(instance, spec.py(a)) for a in spec.rules}
    merged = current | checked
    actions: list[Any] = []
    for attr, value in checked.items():
        target = attrs[spec.py(attr)]
        actions.append(target.remove() if value is None else target.set(value))
    for key_attr, key in spec.compose(merged, recomposed).items():
        target = attrs[spec.table.py(key_attr)]
        actions.append(target.remove() if key is None else target.set(key))
    exists = attrs[spec.table.py(spec.table.partition_key)].exists()
    version = getattr(instance, spec.py(spec.version)) if spec.version else None
    try:
        Model.update(instance, actions=actions, condition=exists)
    except UpdateError as err:
        if err.cause_response_code != _CONDITION_FAILED:
            raise
        key = _key(instance, spec)
        if spec.version and _still_there(instance, spec):
            raise VersionConflictError(spec.name, key, version) from None
        raise ItemNotFoundError(spec.name, key) from None
    instance.__dict__.pop(_UNREAD, None)  # UpdateItem returned the whole item (ALL_NEW)


def delete(
    instance: Model,
    spec: EntitySpec,
    condition: Condition | None = None,
    *,
    add_version_condition: bool = True,
) -> Any:
    """Delete the item (conditional on the version read, if the entity has one).

    A chunked record is deleted by its protocol (head, then chunks), always at the version the
    instance was read at: a `condition` of PynamoDB's or `add_version_condition=False` are
    refused (`UnsupportedWriteError`), and an instance that was not read raises
    `VersionUnknownError`, both before any request.
    """
    _ready(type(instance), spec)
    if spec.chunking is not None:
        if condition is not None or not add_version_condition:
            raise UnsupportedWriteError(
                spec.name,
                "delete()",
                "a chunked record is deleted only at the version it was read at, with its "
                "chunks; call delete() without condition or add_version_condition",
            )
        chunked.delete(
            instance, root_model(type(instance)), spec.chunking, spec.table.primary_key, spec.name
        )
        return None
    if spec.version and add_version_condition:
        refuse_partial(instance, spec, "delete", {spec.version})
    version = getattr(instance, spec.py(spec.version)) if spec.version else None
    try:
        return Model.delete(
            instance, condition=condition, add_version_condition=add_version_condition
        )
    except DeleteError as err:
        if err.cause_response_code == _CONDITION_FAILED and spec.version and condition is None:
            raise VersionConflictError(spec.name, _key(instance, spec), version) from None
        raise


def _still_there(instance: Model, spec: EntitySpec) -> bool:
    try:
        _get(type(instance), spec, _key(instance, spec), consistent_read=True)
    except DoesNotExist:
        return False
    return True


# ---------------------------------------------------------------------------------------------
# Reads


def fetch(
    cls: type[M], spec: EntitySpec, values: Mapping[str, object], *, consistent_read: bool = False
) -> M | None:
    """The item whose table key the given attributes compose, or None."""
    key = spec.primary_key_of(values)
    _ready(cls, spec)
    if spec.chunking is not None:
        wire = {name: _wire(cls, spec, name, value) for name, value in key.items()}
        record = chunked.read(cls, root_model(cls), spec.chunking, wire, spec.python_names)
        if record is not None:
            record.__dict__.pop(_UNREAD, None)  # the whole record, payload included
            complete(record, spec)
        return record
    try:
        item = _get(cls, spec, key, consistent_read=consistent_read)
    except DoesNotExist:
        return None
    except ValueError as err:  # PynamoDB: the stored item is of another class
        raise UnexpectedItemError(f"{spec.name}.fetch", key, None, (spec.name,)) from err
    complete(item, spec)
    return item


def _get(cls: type[M], spec: EntitySpec, key: Mapping[str, Any], *, consistent_read: bool) -> M:
    table = spec.table
    range_key = key[table.sort_key] if table.sort_key is not None else None
    return cls.get(key[table.partition_key], range_key, consistent_read=consistent_read)


def _wire(cls: type[Model], spec: EntitySpec, key_attr: str, value: object) -> dict[str, Any]:
    attribute = cls.get_attributes()[spec.table.py(key_attr)]
    return {attribute.attr_type: attribute.serialize(value)}


def _chunked_write(instance: Model, spec: EntitySpec, *, create: bool) -> None:
    assert spec.chunking is not None
    chunked.write(
        instance,
        root_model(type(instance)),
        spec.chunking,
        primary_key=spec.table.primary_key,
        python_names=spec.python_names,
        entity=spec.name,
        create=create,
    )


def complete(instance: Model, spec: EntitySpec) -> None:
    """Fill attributes the read did not return from the keys that hold them."""
    missing = [
        a
        for a in spec.rules
        if a != spec.version and a not in spec.chunked and getattr(instance, spec.py(a)) is None
    ]
    if not missing:
        return
    for key_attr, codec in spec.codecs.items():
        names = [v for v in codec.template.variable_names if v in missing]
        key = getattr(instance, spec.table.py(key_attr), None)
        if not names or key is None:
            continue
        parsed = codec.parse(key)
        for name in names:
            setattr(instance, spec.py(name), spec.rules[name].from_key_part(parsed[name]))
            missing.remove(name)
    for name in missing:
        if spec.rules[name].kind.endswith("_set"):
            setattr(instance, spec.py(name), set())
