"""The largest item an entity can write, from its declared bounds (TM604, transactions).

Sizes follow `tablemodel.runtime.size` (attribute names, UTF-8 strings at 4 bytes per
character unless the charset is ASCII, numbers at their 21-byte maximum, list and map
overhead). Attributes without a bound add nothing, so `largest_item` is a lower bound of the
worst case and names the unbounded attributes it left out.
"""

from __future__ import annotations

from tablemodel.design import Design, EntityDesign
from tablemodel.keylang.charset import CharSet, CharSetSyntaxError
from tablemodel.keylang.templates import Literal
from tablemodel.runtime.size import NUMBER_MAX_BYTES
from tablemodel.schema.model import AttributeSpec

_ASCII = CharSet.range("\x00", "\x7f")
_FIXED = {"boolean": 1, "datetime": 27, "date": 10}


def _char_bytes(spec: AttributeSpec) -> int:
    """The most UTF-8 bytes one character of the attribute can take."""
    if spec.charset is None:
        return 4
    try:
        chars = CharSet.parse(spec.charset)
    except CharSetSyntaxError:
        return 4
    return 1 if (chars - _ASCII).is_empty else 4


def value_bytes(spec: AttributeSpec) -> int | None:
    """The largest stored size of a value of `spec`, or None when the model sets no bound."""
    kind = spec.type
    if kind in _FIXED:
        return _FIXED[kind]
    if kind in {"number", "integer"}:
        return NUMBER_MAX_BYTES
    if kind == "enum":
        return max(len(v.encode()) for v in spec.values)
    if kind == "string":
        return None if spec.max_length is None else spec.max_length * _char_bytes(spec)
    if kind == "binary":
        return spec.max_length
    if spec.max_items is None:
        return None
    if kind == "number_set":
        return spec.max_items * NUMBER_MAX_BYTES
    if kind in {"string_set", "binary_set"}:
        return None  # element lengths are not declared
    element = value_bytes(spec.items) if kind == "list" and spec.items is not None else None
    if element is None:
        return None
    return 3 + spec.max_items * (1 + element)


def largest_item(design: Design, entity: EntityDesign) -> tuple[int, list[str]]:
    """The largest item `entity` can write (bytes), and the unbounded attributes left out."""
    chunked = set(entity.spec.chunking.attributes) if entity.spec.chunking else set()
    total = 0
    unbounded: list[str] = []
    for name, spec in entity.spec.attributes.items():
        if name in chunked:
            continue
        size = value_bytes(spec)
        if size is None and name in entity.plain:
            size = key_bytes(design, entity, name)  # a key: at most the key limit
        if size is None:
            unbounded.append(name)
            continue
        total += len(name.encode()) + size
    for key_attr in entity.templates:
        if key_attr in entity.plain:
            continue  # the attribute itself, counted above
        total += len(key_attr.encode()) + key_bytes(design, entity, key_attr)
    disc = design.model.table.discriminator_attribute
    if disc:
        total += len(disc.encode()) + len(entity.discriminator.encode())
    return total, unbounded


def key_bytes(design: Design, entity: EntityDesign, key_attr: str) -> int:
    """The largest key `entity` composes into `key_attr` (escaping can double a value)."""
    template = entity.templates.get(key_attr)
    if template is None:
        return 0
    if design.key_type(key_attr) == "N":
        return NUMBER_MAX_BYTES
    limit = 1024 if _sort_key_somewhere(design, key_attr) else 2048
    size = sum(len(p.text.encode()) for p in template.parts if isinstance(p, Literal))
    for var in template.variable_names:
        spec = entity.spec.attributes[var]
        if spec.type == "string" and spec.max_length is not None:
            # An escaped character takes two bytes; a four-byte character is never escaped.
            escaped = design.encoding_of(key_attr).escape
            per_char = max(_char_bytes(spec), 2 if escaped else 1)
            size += spec.max_length * per_char
        else:
            size += value_bytes(spec) or limit
    return min(size, limit)


def _sort_key_somewhere(design: Design, key_attr: str) -> bool:
    """Whether `key_attr` is a sort key of the table or an index (1,024 bytes, not 2,048)."""
    return any(key_attr in (k.name for k in index.sort_keys) for index in design.indexes.values())
