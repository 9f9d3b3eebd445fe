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

The specs live in `tablemodel.runtime.specs` and the settings in
`tablemodel.runtime.configuration`; generated code reaches both through this module.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from pynamodb.exceptions import DeleteError, DoesNotExist, PutError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.models import Model

from tablemodel.runtime import chunked
from tablemodel.runtime.configuration import configure, ensure_configured, ready, root_model
from tablemodel.runtime.errors import (
    ItemExistsError,
    ItemNotFoundError,
    PartialItemError,
    UnexpectedItemError,
    UnsupportedWriteError,
    VersionConflictError,
)
from tablemodel.runtime.specs import UNSET, EntitySpec, MultiKeyIndex, TableSpec, Unset
from tablemodel.runtime.values import AttributeValueError

__all__ = [
    "UNSET",
    "EntitySpec",
    "MultiKeyIndex",
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

_CONDITION_FAILED = "ConditionalCheckFailedException"


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
    ready(cls, spec)
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
    ready(type(instance), spec)
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
    ready(type(instance), spec)
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
    ready(type(instance), spec)
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
    ready(type(instance), spec)
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
    ready(cls, spec)
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
        if key_attr in spec.plain:
            continue  # the attribute itself: there when the read returned the key
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
