"""Names in the generated module: the Python name of each model name, and the names it
may not take.

A model name may be anything DynamoDB accepts (`GSI1-PK`, `follower#`, `Order Date`,
`déjà-vu`); its Python name is derived by one fixed rule (`python_name`), so the same model
always gives the same names, and the PynamoDB attribute keeps the real name (`attr_name=`).
Two names that map alike in one scope are reported by `tablemodel.generate.validate` (TM902);
class and constant names are derived from the table and index names.
"""

from __future__ import annotations

import keyword
import re
import unicodedata
from collections.abc import Iterable

__all__ = [
    "MODULE_NAMES",
    "PATTERN_OPTIONS",
    "RESERVED_MEMBERS",
    "class_name",
    "constant_name",
    "parameter_name",
    "python_name",
]

# Names a generated entity class may not use for an attribute: PynamoDB's Model members and the
# methods generated on every entity. `tests/test_generate.py` keeps this list in step with
# PynamoDB's `Model`.
RESERVED_MEMBERS = frozenset(
    {
        "DoesNotExist",
        "Meta",
        "attribute_values",
        "batch_get",
        "batch_write",
        "count",
        "create",
        "create_table",
        "delete",
        "delete_table",
        "describe_table",
        "deserialize",
        "exists",
        "fetch",
        "from_dynamodb_dict",
        "from_json",
        "from_raw_data",
        "from_simple_dict",
        "get",
        "get_attributes",
        "get_delete_kwargs_from_instance",
        "get_operation_kwargs_from_class",
        "get_save_kwargs_from_instance",
        "get_update_kwargs_from_instance",
        "modify",
        "put",
        "query",
        "refresh",
        "save",
        "scan",
        "serialize",
        "to_dynamodb_dict",
        "to_json",
        "to_simple_dict",
        "update",
        "update_local_version_attribute",
        "update_ttl",
    }
)
# Keyword arguments every pattern function takes besides the pattern's parameters.
PATTERN_OPTIONS = frozenset(
    {
        "limit",
        "page_size",
        "descending",
        "consistent_read",
        "trace",
        "cursor",
        "segment",
        "total_segments",
    }
)
# Names the module itself defines or imports.
MODULE_NAMES = frozenset(
    {
        "ACCESS_PATTERNS",
        "ENTITIES",
        "TABLE",
        "UNSET",
        "Any",
        "Attribute",
        "BatchStats",
        "ClassVar",
        "Decimal",
        "EntitySpec",
        "FilterTerm",
        "Iterable",
        "Iterator",
        "KeyTerm",
        "Literal",
        "Protocol",
        "Model",
        "MultiKeyIndex",
        "Number",
        "Page",
        "Param",
        "PatternSpec",
        "QueryTrace",
        "Rule",
        "TableItem",
        "TableSpec",
        "Unset",
        "batch_write",
        "configure",
        "create_table",
        "vacuum_chunks",
        "VacuumStats",
        "WRITE_PATTERNS",
        "datetime",
        "delete_table",
        "overload",
    }
)


def python_name(name: str, reserved: Iterable[str] = ()) -> str:
    """The Python name of a model name (an attribute, key attribute or parameter).

    A name that is an ASCII identifier keeps its spelling. Otherwise, in this order: accents
    are dropped (`déjà` -> `deja`), every other character outside `A-Z a-z 0-9 _` becomes
    `_` if it is ASCII and `x` plus its code point in hex if not (`名` -> `x540d`), leading
    underscores go (Python and PynamoDB keep those for themselves), and a name that is then
    empty or starts with a digit gets `n_` in front. Keywords and `reserved` names get a
    trailing `_`. So `GSI1-PK` -> `GSI1_PK`, `follower#` -> `follower_`, `Order Date` ->
    `Order_Date`, `1st` -> `n_1st`, `__edb_e__` -> `edb_e__`, `class` -> `class_`.
    """
    if not (name.isascii() and name.isidentifier()):
        stripped = "".join(
            c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c)
        )
        name = "".join(
            c
            if c.isascii() and (c.isalnum() or c == "_")
            else "_"
            if c.isascii()
            else f"x{ord(c):x}"
            for c in stripped
        )
    name = name.lstrip("_")
    if not name or name[0].isdigit():
        name = "n_" + name
    if keyword.iskeyword(name) or keyword.issoftkeyword(name) or name in set(reserved):
        return name + "_"
    return name


def parameter_name(name: str) -> str:
    """The Python name a generated pattern function gives the pattern parameter `name`."""
    return python_name(name, PATTERN_OPTIONS)


def class_name(text: str) -> str:
    """A CamelCase class name from a table or index name (`race-results` -> `RaceResults`)."""
    words = [w for w in re.split(r"[^A-Za-z0-9]+", text) if w]
    name = "".join(w[:1].upper() + w[1:] for w in words) or "Table"
    return name if name[0].isalpha() else "T" + name


def constant_name(text: str) -> str:
    """An UPPER_CASE constant name from a table name (`race-results` -> `RACE_RESULTS`)."""
    name = re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").upper()
    return name if name and name[0].isalpha() else "T_" + name
