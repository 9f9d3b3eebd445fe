"""An entity as the sample generator sees it: its rules, key codecs and table key.

`EntityShape.fits` says whether a value can be an attribute's value (its rule accepts it and it
can stand in the entity's keys); `EntityShape.identity` composes the item's table key as the
runtime would, so that no two sample items of an entity share one.
"""

from __future__ import annotations

from collections.abc import Mapping

from tablemodel.design import Design, EntityDesign, rule_of
from tablemodel.keylang.charset import CharSetSyntaxError
from tablemodel.run.intent import stored
from tablemodel.run.items import SampleError
from tablemodel.runtime.keys import PARTITION_KEY_MAX_BYTES, SORT_KEY_MAX_BYTES, KeyCodec
from tablemodel.runtime.values import AttributeValueError, Rule

__all__ = ["EntityShape"]


class EntityShape:
    """One entity's rules, key codecs and table-key attributes, built once per run."""

    def __init__(self, design: Design, entity: EntityDesign) -> None:
        self.name = entity.name
        self.entity = entity
        self.design = design
        self.version = entity.spec.version_attribute
        self.rules: dict[str, Rule] = {}
        for attr, spec in entity.spec.attributes.items():
            try:
                self.rules[attr] = rule_of(spec)
            except CharSetSyntaxError as err:
                path = (*entity.path, "attributes", attr, "charset")
                raise SampleError(str(design.locate(path)), err.message) from None
        codec = design.model.table.key_codec
        limits = _key_limits(design)
        self.codecs: dict[str, KeyCodec] = {}
        self.widths: dict[str, int] = {}
        for key_attr, template in entity.templates.items():
            for variable in template.variables:
                if variable.width is not None:
                    known = self.widths.get(variable.name, variable.width)
                    self.widths[variable.name] = min(known, variable.width)
            key_type = design.key_type(key_attr)
            if key_type == "B":
                continue
            try:
                self.codecs[key_attr] = KeyCodec(
                    entity.name,
                    key_attr,
                    template,
                    {v: self.rules[v].part_spec() for v in template.variable_names},
                    key_type="N" if key_type == "N" else "S",
                    escape=codec.escape and key_attr not in design.raw_keys,
                    delimiters=codec.delimiters,
                    escape_char=codec.escape_character,
                    limit=limits.get(key_attr, SORT_KEY_MAX_BYTES),
                )
            except ValueError:
                continue  # the static check reports the template; keys fall back to values
        self.primary = design.table.key_names
        self.in_keys = {v for t in entity.templates.values() for v in t.variable_names}
        partition_keys = {
            k.name for i in design.indexes.values() if entity.in_index(i) for k in i.partition_keys
        }
        self.partition_vars = {
            v
            for k in partition_keys
            if k in entity.templates
            for v in entity.templates[k].variable_names
        }
        # Partition keys of the entity's secondary indexes: their partitions should hold
        # several items too, which the generator arranges (`generation._cycled`).
        self.index_partition_vars = {
            v
            for i in design.indexes.values()
            if i.kind != "table" and entity.in_index(i) and i.partition_key.name in entity.templates
            for v in entity.templates[i.partition_key.name].variable_names
        }
        table_partition = entity.templates.get(design.table.partition_key.name)
        self.table_partition_vars = (
            set(table_partition.variable_names) if table_partition is not None else set()
        )
        sort_key = design.table.sort_key
        sort_template = entity.templates.get(sort_key.name) if sort_key is not None else None
        self.sort_vars = set(sort_template.variable_names) if sort_template is not None else set()
        self.identity_vars = tuple(
            dict.fromkeys(
                v
                for key in self.primary
                if key in entity.templates
                for v in entity.templates[key].variable_names
            )
        )

    def fits(self, attr: str, value: object) -> bool:
        """True when `value` passes the attribute's rule and can be a part of the entity's keys."""
        try:
            checked = self.rules[attr].check(self.name, attr, value)
        except AttributeValueError:
            return False
        if attr in self.in_keys:
            if checked == "":
                return False
            width = self.widths.get(attr)
            if width is not None and isinstance(checked, int) and not 0 <= checked < 10**width:
                return False
        chunking = self.entity.spec.chunking
        if chunking and chunking.codec == "json" and attr in chunking.attributes:
            return not _holds_bytes(checked)  # the json codec refuses them (and says so)
        return True

    def identity(self, values: Mapping[str, object]) -> tuple[object, ...]:
        """The item's table key, composed as the runtime composes it.

        Every other key the item writes is composed too, so an item whose index key would be
        refused (over the byte limit) raises here instead of failing the load. Raises
        ValueError (AttributeValueError, KeyValueError) or TypeError.
        """
        checked = {a: self.rules[a].check(self.name, a, v) for a, v in values.items()}
        keys: dict[str, object] = {}
        for key_attr, codec in self.codecs.items():
            variables = codec.template.variable_names
            if key_attr in self.primary or all(checked.get(v) is not None for v in variables):
                parts = {v: self.rules[v].key_part(checked.get(v)) for v in variables}
                keys[key_attr] = codec.compose({v: p for v, p in parts.items() if p is not None})
        out: list[object] = []
        for key_attr in self.primary:
            template = self.entity.templates.get(key_attr)
            if key_attr in keys:
                out.append(keys[key_attr])
            elif template is not None:
                out.append(tuple(stored(checked.get(v)) for v in template.variable_names))
            else:
                out.append(None)
        return tuple(out)


def _key_limits(design: Design) -> dict[str, int]:
    """Byte limit per key attribute: the lowest of the roles it plays (partition or sort key)."""
    limits: dict[str, int] = {}
    for index in design.indexes.values():
        for key in index.partition_keys:
            limits.setdefault(key.name, PARTITION_KEY_MAX_BYTES)
        for key in index.sort_keys:
            limits[key.name] = SORT_KEY_MAX_BYTES
    return limits


def _holds_bytes(value: object) -> bool:
    if isinstance(value, bytes | bytearray):
        return True
    if isinstance(value, Mapping):
        return any(_holds_bytes(v) for v in value.values())
    if isinstance(value, list | tuple | set | frozenset):
        return any(_holds_bytes(v) for v in value)
    return False
