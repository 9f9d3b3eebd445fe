"""From plain data to a validated `Model`, with pydantic's errors as located diagnostics.

Whatever the data (parsed from a file, sent back by a Python target, built by a caller),
validation returns a `LoadedModel` or raises `ModelLoadError`: each pydantic error becomes a
TM005, TM006 or TM007 diagnostic at the path the user wrote (not pydantic's internal `loc`),
placed in the source text through a `PositionMap`, merged with the other errors at the same
place, capped at `MAX_PROBLEMS`.
"""

from __future__ import annotations

import copy
import functools
import itertools
import re
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from tablemodel.diagnostics import (
    Diagnostic,
    ModelLoadError,
    PathPart,
    Severity,
    did_you_mean,
    exception_text,
)
from tablemodel.diagnostics.codes import declare
from tablemodel.records import mutable_record, record
from tablemodel.schema.model import IDENTIFIER, INDEX_NAME, Model
from tablemodel.schema.positions import ModelPath, PositionMap, key_part
from tablemodel.schema.problems import (
    MAX_PROBLEMS,
    MODEL_NOT_FOUND,
    capped,
    error,
    lone_surrogate_diagnostic,
    lone_surrogates_in,
    too_large,
    where_text,
)

UNKNOWN_FIELD = "TM005"
declare(
    UNKNOWN_FIELD,
    "unknown-field",
    Severity.ERROR,
    "load",
    """A key that the model language does not have (often a typo).

    Why: an unknown key is ignored by lax loaders, so a misspelt `sort_key` would silently
    give a table without a sort key. tablemodel rejects it and suggests the closest name.

    Bad:
        table: {name: alleycat, partion_key: {name: PK}}

    Good:
        table: {name: alleycat, partition_key: {name: PK}}
    """,
)

INVALID_VALUE = "TM006"
declare(
    INVALID_VALUE,
    "invalid-value",
    Severity.ERROR,
    "load",
    """A value of the wrong type or outside what the field allows, or a Python model that fails.

    Why: the model is a contract; a key type of `string` instead of `S`, a negative limit or an
    unknown operator would make every later conclusion wrong. A `module:attribute` target whose
    module raises on import (any exception, `SystemExit` and `KeyboardInterrupt` included),
    ends, hangs or kills the process importing it, or whose attribute is missing or not a
    model, is reported here too, with what happened and where it was raised.

    Bad:
        partition_key: {name: PK, type: string}

    Good:
        partition_key: {name: PK, type: S}
    """,
)

MISSING_FIELD = "TM007"
declare(
    MISSING_FIELD,
    "missing-field",
    Severity.ERROR,
    "load",
    """A required field is missing.

    Why: without it the design is incomplete: an access pattern without `intent` has no
    oracle, an entity without `keys` writes nothing.

    Bad:
        access_patterns:
          racer_profile: {description: a racer, key_condition: {PK: "racer-{racer_id}"}}

    Good:
        access_patterns:
          racer_profile:
            description: a racer
            key_condition: {PK: "racer-{racer_id}", SK: profile}
            returns: [Racer]
            intent: {select: {Racer: {racer_id: $racer_id}}}
    """,
)

__all__ = ["LoadedModel", "guarded", "model_from_data", "short", "validate"]


@record
class LoadedModel:
    """A validated model, where it came from, and where each of its parts is written."""

    model: Model
    source: str
    positions: PositionMap
    base_dir: Path | None


def model_from_data(
    data: object, *, source: str, positions: PositionMap | None = None
) -> LoadedModel:
    """Validate plain data (or pass a `Model` through); positions locate errors if given."""
    return guarded(
        source,
        lambda: validate(data, source, positions if positions is not None else PositionMap(), None),
    )


def guarded(source: str, load: Callable[[], LoadedModel]) -> LoadedModel:
    """Run a load; any exception but ModelLoadError becomes one (TM002 or TM001).

    The last line of defence for the promise that loading raises nothing else.
    """
    try:
        return load()
    except ModelLoadError:
        raise
    except RecursionError:
        raise too_large(source, "nested too deeply") from None
    except MemoryError:
        raise too_large(source, "not enough memory to load it") from None
    except Exception as exc:
        raise ModelLoadError(
            [
                error(
                    MODEL_NOT_FOUND,
                    f"unexpected error while loading: {type(exc).__name__}: {exc}",
                    source,
                    hint="this is a bug in tablemodel; please report it with the model file",
                )
            ]
        ) from None


def validate(
    data: object,
    source: str,
    positions: PositionMap,
    base_dir: Path | None,
    problems: Sequence[Diagnostic] = (),
    *,
    unreported: int = 0,
) -> LoadedModel:
    """Validate parsed data as a `Model`; every problem (with `problems` found before) raised."""
    diagnostics = list(problems)
    if isinstance(data, Model):
        return LoadedModel(data, source, positions, base_dir)
    if not isinstance(data, Mapping):
        at = positions.value_position(())
        diagnostics.append(
            error(
                UNKNOWN_FIELD,
                "the top level of a model must be a mapping",
                source,
                line=at[0] if at else None,
                column=at[1] if at else None,
                found=_kind(data),
                expected="a mapping with `table`, `entities` and optionally "
                "`access_patterns`, `write_patterns`, `sample`",
            )
        )
        raise capped(diagnostics, source, unreported)
    lone = _lone_surrogates(data, source, positions)
    if lone:
        # Checked before validation: every later message would quote the string, and text
        # holding a surrogate cannot be printed or written as UTF-8.
        raise capped([*diagnostics, *lone], source, unreported)
    try:
        model = Model.model_validate(data)
    except ValidationError as exc:
        found, more = _from_validation(exc, data, source, positions)
        raise capped([*diagnostics, *found], source, unreported + more) from None
    except _VALIDATOR_CRASHES as exc:
        # A validator tripped over a shape it did not expect (a list where a shorthand wants
        # names, say); the exception names the problem but not its place, so search for it.
        path = _crash_path(data)
        line, column = _locate(positions, path, key=False)
        diagnostics.append(
            error(
                INVALID_VALUE,
                f"invalid value for {where_text(path)}: {exception_text(exc)}",
                source,
                line=line,
                column=column,
                path=path,
                found=short(_value_at(data, path)),
                hint="check the shorthand forms (lists and mappings where names are expected)",
            )
        )
        raise capped(diagnostics, source, unreported) from None
    if diagnostics or unreported:
        raise capped(diagnostics, source, unreported)
    return LoadedModel(model, source, positions, base_dir)


def _lone_surrogates(data: object, source: str, positions: PositionMap) -> list[Diagnostic]:
    """TM008 for every key and string value holding a lone surrogate (JSON and Python data).

    YAML and TOML refuse them while parsing; JSON's `\\ud800` escape and Python strings let
    them through. One more than the cap is enough to say that some were left out.
    """
    found: list[Diagnostic] = []
    for path, key, char in itertools.islice(lone_surrogates_in(data), MAX_PROBLEMS + 1):
        at = path if key is None else (*path, key)
        line, column = _locate(positions, at, key=key is not None)
        found.append(
            lone_surrogate_diagnostic(source, char, line, column, path, key=key is not None)
        )
    return found


_VALIDATOR_CRASHES = (ValueError, TypeError, AttributeError, LookupError)
_CRASH_SEARCH_BUDGET = 2_000


def _crashes(data: object) -> bool:
    try:
        Model.model_validate(data)
    except ValidationError:
        return False
    except _VALIDATOR_CRASHES:
        return True
    return False


def _crash_path(data: object) -> ModelPath:
    """The deepest path whose value alone makes validation crash rather than fail cleanly.

    Descends from the top: a child is to blame when blanking it out stops the crash. Works on
    a copy; the budget bounds the validations on large documents.
    """
    try:
        work = copy.deepcopy(data)
    except Exception:
        return ()
    path: list[PathPart] = []
    node = work
    budget = _CRASH_SEARCH_BUDGET
    while budget > 0:
        children: list[tuple[Any, Any]]
        if isinstance(node, dict):
            children = list(node.items())
        elif isinstance(node, list):
            children = list(enumerate(node))
        else:
            break
        for key, child in children:
            budget -= 1
            node[key] = None
            try:
                still = _crashes(work)
            finally:
                node[key] = child
            if not still:
                path.append(key if isinstance(node, list) else key_part(key))
                node = child
                break
        else:
            break
    return tuple(path)


def _value_at(data: object, path: ModelPath) -> object:
    for part in path:
        if isinstance(data, Mapping):
            key = _Keys().find(data, part)
            if key is _ABSENT:
                break
            data = data[key]
        elif isinstance(data, list | tuple) and isinstance(part, int):
            data = data[part]
    return data


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):
        return f"text {short(value)}"
    if isinstance(value, list | tuple):
        return "a list"
    return f"{type(value).__name__} {short(value)}"


def short(value: object, limit: int = 80) -> str:
    """A repr of the input, cut to `limit` characters."""
    try:
        text = repr(value)
    except Exception:
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 1] + "…"


@mutable_record
class _Where:
    """A pydantic location translated into the user's path."""

    path: ModelPath
    key_error: bool  # the error is about a mapping key itself (pydantic's `[key]`)
    union: bool  # a union branch tag was dropped: several errors may be alternatives
    exists: bool  # the whole path exists in the document


# Segments pydantic adds to `loc` that are not part of the document: union branches and
# internal validator names such as `function-before[...]`, `constrained-str`, `list[str]`.
_INTERNAL = re.compile(r"^[a-z][a-z0-9-]*\[.*\]$|^(?:constrained|lax|strict)-[a-z-]+$")
_TYPE_NAMES = frozenset(
    {"str", "int", "float", "bool", "bytes", "none", "dict", "list", "tuple", "set"}
    | {"frozenset", "date", "datetime", "time", "decimal", "any", "is-instance"}
)


def _is_internal(part: object) -> bool:
    return isinstance(part, str) and (
        part in _TYPE_NAMES
        or bool(_INTERNAL.match(part))
        or (part[:1].isupper() and part in _model_names())
    )


@functools.cache
def _model_names() -> frozenset[str]:
    """The class names of `Model` and every model class it nests (they appear in `loc`)."""
    names: set[str] = set()
    pending: list[type[BaseModel]] = [Model]
    while pending:
        cls = pending.pop()
        if cls.__name__ in names:
            continue
        names.add(cls.__name__)
        for info in cls.model_fields.values():
            pending.extend(_models_in(info.annotation))
    return frozenset(names)


def _models_in(annotation: object) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in get_args(annotation) for m in _models_in(arg)]


def _clean_loc(
    loc: tuple[int | str, ...],
    data: object,
    *,
    missing: bool = False,
    invalid_key: bool = False,
    keys: _Keys | None = None,
) -> _Where:
    """Translate a pydantic `loc` into the path the user wrote.

    Walks the data alongside the loc: segments found in the data are the user's path;
    union branches and internal tags are dropped; anything else comes from a shorthand that a
    validator expanded (`templates` of `SK: {begins_with: x}`) and ends the path there, so
    the error points at what the user wrote.
    """
    keys = keys or _Keys()
    path: list[PathPart] = []
    node: object = data
    key_error = union = False
    exists = True
    for i, part in enumerate(loc):
        following = loc[i + 1] if i + 1 < len(loc) else None
        if part == "[key]":
            key_error = True
            break
        if invalid_key and following is None:
            # A model given a non-string key: the last segment is that key.
            path.append(key_part(part))
            key_error = True
            break
        key = keys.find(node, part) if isinstance(node, Mapping) else _ABSENT
        if key is not _ABSENT:
            assert isinstance(node, Mapping)
            path.append(key_part(key))
            node = node[key]
            continue
        if (
            isinstance(node, list | tuple)
            and isinstance(part, int)
            and 0 <= part < len(node)
            and following != "[key]"  # a key of a mapping built from a list shorthand
        ):
            path.append(part)
            node = node[part]
            continue
        if missing and following is None and isinstance(node, Mapping):
            path.append(part)
            exists = False
            break
        if _is_internal(part):
            union = True
            continue
        # The rest lies inside a shorthand's expansion: stop at what the user wrote.
        break
    return _Where(tuple(path), key_error, union, exists)


_ABSENT = object()


class _Keys:
    """Finds the key a path segment names in a mapping of the data, in O(1) per lookup.

    A segment may name a key by value (`1` and `true` are equal in Python, and a loc may hold
    either) or by its path form (`key_part`). Each mapping is indexed once, on its first
    lookup, so that thousands of errors in one wide mapping stay linear.
    """

    def __init__(self) -> None:
        self._index: dict[int, tuple[Mapping[Any, Any], dict[object, object]]] = {}

    def find(self, node: Mapping[Any, Any], part: object) -> object:
        """The key as written, or `_ABSENT`."""
        try:
            if type(part) is str and part in node:
                return part
            entry = self._index.get(id(node))
            if entry is None or entry[0] is not node:
                by: dict[object, object] = {}
                for key in node:
                    by.setdefault((type(key), key), key)
                for key in node:
                    by.setdefault(("part", key_part(key)), key)
                entry = self._index[id(node)] = (node, by)
            found = entry[1].get((type(part), part), _ABSENT)
            if found is _ABSENT and part in node:
                found = next(key for key in node if key == part)
            if found is _ABSENT:
                found = entry[1].get(("part", part), _ABSENT)
        except TypeError:
            return _ABSENT
        return found


def _from_validation(
    exc: ValidationError, data: object, source: str, positions: PositionMap
) -> tuple[list[Diagnostic], int]:
    """Pydantic's errors as located diagnostics (the first `MAX_PROBLEMS`), and how many more."""
    merged: dict[tuple[ModelPath, bool], list[tuple[ErrorDetails, _Where]]] = {}
    out: list[Diagnostic] = []
    keys = _Keys()
    details = exc.errors(include_url=False)
    for detail in details[: MAX_PROBLEMS + 1]:  # one more, to place TM009
        kind = detail["type"]
        where = _clean_loc(
            tuple(detail["loc"]),
            data,
            missing=kind == "missing",
            invalid_key=kind == "invalid_key",
            keys=keys,
        )
        if kind == "invalid_key" and where.path:
            # Pydantic's loc shows the key as an int (True becomes 1); the input is the key.
            where.path = (*where.path[:-1], key_part(detail["input"]))
        if kind == "missing":
            out.append(_missing(detail, where, source, positions))
        elif kind == "extra_forbidden":
            out.append(_unknown(where, source, positions))
        else:
            merged.setdefault((where.path, where.key_error), []).append((detail, where))
    for group in merged.values():
        out.append(_wrong(group, source, positions))
    return out, max(0, len(details) - MAX_PROBLEMS - 1)


def _locate(positions: PositionMap, path: ModelPath, *, key: bool) -> tuple[int | None, int | None]:
    # The key or the value as asked, else the other one, else the nearest ancestor.
    at = positions.key_position(path) if key else positions.value_position(path)
    if at is None:
        at = positions.value_position(path) if key else positions.key_position(path)
    if at is None:
        near = positions.nearest(path)
        at = near[1] if near else None
    return (at[0], at[1]) if at else (None, None)


def _missing(
    detail: ErrorDetails, where: _Where, source: str, positions: PositionMap
) -> Diagnostic:
    name = str(detail["loc"][-1])
    # When the loc ran into a shorthand's expansion the path stops at what the user wrote.
    parent = where.path if where.exists else where.path[:-1]
    # Point at the mapping that lacks the field: its key, or the nearest thing above it.
    line, column = _locate(positions, parent, key=True)
    return error(
        MISSING_FIELD,
        f"missing required field `{name}` in {where_text(parent)}",
        source,
        line=line,
        column=column,
        path=where.path,
        expected=f"a value for `{name}`",
    )


def _unknown(where: _Where, source: str, positions: PositionMap) -> Diagnostic:
    key = str(where.path[-1]) if where.path else "?"
    parent = where.path[:-1]
    allowed = _allowed_keys(parent)
    line, column = _locate(positions, where.path, key=True)
    return error(
        UNKNOWN_FIELD,
        f"unknown key `{key}` in {where_text(parent)}",
        source,
        line=line,
        column=column,
        path=where.path,
        found=key,
        expected=("one of " + ", ".join(allowed)) if allowed else None,
        hint=did_you_mean(key, allowed) if allowed else None,
    )


def _allowed_keys(path: ModelPath) -> list[str]:
    """Field names (aliases where set) of the model class found at `path`, if any."""
    annotation: object = Model
    for part in path:
        cls = _model_class(annotation)
        if cls is not None:
            field = _field(cls, str(part))
            if field is None:
                return []
            annotation = field
            continue
        annotation = _element_type(annotation, part)
        if annotation is None:
            return []
    cls = _model_class(annotation)
    if cls is None:
        return []
    return [info.alias or name for name, info in cls.model_fields.items()]


def _field(cls: type[BaseModel], name: str) -> object | None:
    for field_name, info in cls.model_fields.items():
        if name in {field_name, info.alias}:
            return info.annotation
    return None


def _branches(annotation: object) -> list[object]:
    # Unwrap Annotated and unions (None excluded) into candidate types.
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        return _branches(get_args(annotation)[0])
    if origin is typing.Union or origin is types.UnionType:
        return [b for arg in get_args(annotation) if arg is not type(None) for b in _branches(arg)]
    return [annotation]


def _model_class(annotation: object) -> type[BaseModel] | None:
    for branch in _branches(annotation):
        if isinstance(branch, type) and issubclass(branch, BaseModel):
            return branch
    return None


def _element_type(annotation: object, part: PathPart) -> object | None:
    for branch in _branches(annotation):
        origin = get_origin(branch)
        args = get_args(branch)
        if origin is dict and len(args) == 2:
            value: object = args[1]
            return value
        if origin in {tuple, list} and args and isinstance(part, int):
            item: object = args[0]
            return item
    return None


def _wrong(
    group: list[tuple[ErrorDetails, _Where]], source: str, positions: PositionMap
) -> Diagnostic:
    detail, where = group[0]
    alternatives = list(dict.fromkeys(_expected(d) for d, _ in group))
    if any(w.union for _, w in group) and len(alternatives) > 1:
        # Union branches each failed: the value may be any one of them.
        expected = ", ".join(alternatives[:-1]) + " or " + alternatives[-1]
    else:
        expected = "; ".join(alternatives)
    value: object = detail["input"]
    if where.key_error:
        key = where.path[-1] if where.path else "?"
        parent = where.path[:-1]
        line, column = _locate(positions, where.path, key=True)
        return error(
            INVALID_VALUE,
            f"invalid name `{key}` in {where_text(parent)}: expected {expected}",
            source,
            line=line,
            column=column,
            path=where.path,
            found=short(value),
            expected=expected,
            hint=_quote_hint(value, detail, "key"),
        )
    line, column = _locate(positions, where.path, key=False)
    hint = _quote_hint(value, detail, "value")
    ctx: dict[str, Any] = dict(detail.get("ctx") or {})
    if len(alternatives) == 1 and detail["type"] in _OWN_ERRORS:
        # The model's own errors say what is wrong; `expected` and `hint` travel in ctx.
        message = f"invalid value for {where_text(where.path)}: {detail['msg']}"
        hint = ctx.get("hint")
    elif len(alternatives) == 1 and detail["type"] == "literal_error" and isinstance(value, str):
        # The allowed values are listed once, under `expected`, with the closest one.
        message = f"invalid value for {where_text(where.path)}: `{value}` is not allowed here"
        hint = did_you_mean(value, re.findall(r"'([^']*)'", str(ctx.get("expected", ""))))
    elif all(d["type"] in {"value_error", "assertion_error"} for d, _ in group):
        message = f"invalid value for {where_text(where.path)}: {expected}"
    else:
        message = f"invalid value for {where_text(where.path)}: expected {expected}"
    return error(
        INVALID_VALUE,
        message,
        source,
        line=line,
        column=column,
        path=where.path,
        found=short(value),
        expected=expected,
        hint=hint,
    )


# Error types the model raises itself (PydanticCustomError), with `expected` and maybe `hint`.
_OWN_ERRORS = frozenset({"unknown_type"})


def _quote_hint(value: object, detail: ErrorDetails, what: str) -> str | None:
    # YAML reads unquoted 1.0, yes, null and dates as numbers, booleans, null and dates.
    wants_text = detail["type"] in {"string_type", "invalid_key"}
    if wants_text and value is not None and not isinstance(value, str | list | tuple | dict):
        return f"quote the {what} to make it text: '{key_part(value)}'"
    return None


_PATTERNS = {
    IDENTIFIER: "a name: a letter or _, then letters, digits or _ (at most 255 characters)",
    INDEX_NAME: "3 to 255 letters, digits, _, . or -",
}

_PLAIN = {
    "string_type": "a string",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "list_type": "a list",
    "tuple_type": "a list",
    "set_type": "a list",
    "none_required": "null",
    "invalid_key": "a string",
}


def _expected(detail: ErrorDetails) -> str:
    """Pydantic's message for one error, made readable as what was expected."""
    kind = detail["type"]
    ctx: dict[str, Any] = dict(detail.get("ctx") or {})
    if kind in _PLAIN:
        return _PLAIN[kind]
    if kind in _OWN_ERRORS and "expected" in ctx:
        return str(ctx["expected"])
    if kind == "literal_error" and "expected" in ctx:
        return f"one of {ctx['expected']}"
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        return _PATTERNS.get(pattern, f"text matching {pattern}")
    if kind in {"too_short", "too_long"}:
        bound = "at least" if kind == "too_short" else "at most"
        count = ctx.get("min_length" if kind == "too_short" else "max_length")
        noun = "item" if count == 1 else "items"
        return f"{bound} {count} {noun}"
    if kind in {"string_too_short", "string_too_long"}:
        bound = "at least" if kind == "string_too_short" else "at most"
        count = ctx.get("min_length" if kind == "string_too_short" else "max_length")
        noun = "character" if count == 1 else "characters"
        return f"{bound} {count} {noun}"
    message = detail["msg"]
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])
    for prefix in ("Value error, ", "Assertion failed, ", "Input should be "):
        if message.startswith(prefix):
            message = message[len(prefix) :]
    return message[:1].lower() + message[1:] if message[:2] != message[:2].upper() else message
