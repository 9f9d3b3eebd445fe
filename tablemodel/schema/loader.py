"""Loading a model: from a file, a folder, a Python object or text, into a validated `Model`.

Whatever the input, loading either returns a `LoadedModel` or raises `ModelLoadError` with
every problem found, each located in the source text where possible. No other exception
and no traceback reaches the caller: model files are user input, and a user deserves a list
of located problems, not a stack trace.
"""

from __future__ import annotations

import copy
import importlib
import os
import re
import sys
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from tablemodel.diagnostics import Diagnostic, ModelLoadError, PathPart, did_you_mean, format_path
from tablemodel.schema._positions import (
    MAX_PROBLEMS,
    Format,
    ModelPath,
    PositionMap,
    capped,
    error,
    key_part,
    line_column,
    lone_in,
    lone_surrogate_diagnostic,
    parse,
    too_large,
    with_snippets,
)
from tablemodel.schema.model import IDENTIFIER, INDEX_NAME, Model

__all__ = [
    "MAX_FILE_BYTES",
    "MODEL_FILE_NAMES",
    "LoadedModel",
    "load_model",
    "load_model_from_text",
    "model_from_data",
]

MAX_FILE_BYTES = 10 * 1024 * 1024
"""Largest model file read; larger ones are refused before being read whole."""

MODEL_FILE_NAMES = ("tablemodel.yaml", "tablemodel.yml", "tablemodel.json", "tablemodel.toml")
"""File names looked for, in this order, when the target is a folder."""

_FORMATS: dict[str, Format] = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".toml": "toml"}
_DOTTED = r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*"
_OBJECT_TARGET = re.compile(rf"^({_DOTTED}):({_DOTTED})$")


@dataclass(frozen=True)
class LoadedModel:
    """A validated model, where it came from, and where each of its parts is written."""

    model: Model
    source: str
    positions: PositionMap
    base_dir: Path | None


# ---------------------------------------------------------------------------------------------
# Entry points


def load_model(target: str | os.PathLike[str]) -> LoadedModel:
    """Load a model from a file, a folder holding `tablemodel.yaml`, or `package.module:attr`.

    Raises ModelLoadError carrying every problem found; never any other exception.
    """
    try:
        display = os.fspath(target)
    except TypeError:
        display = None
    if not isinstance(display, str):
        raise ModelLoadError(
            [error("TM001", f"cannot load a model from {_short(target)}", "<model>")]
        )
    return _guarded(display, lambda: _load_target(display))


def load_model_from_text(
    text: str,
    *,
    source: str = "<string>",
    format: Literal["yaml", "json", "toml"] = "yaml",
) -> LoadedModel:
    """Load a model from text in YAML, JSON or TOML; `source` names it in diagnostics."""
    return _guarded(source, lambda: _load_text(text, source, format, None))


def model_from_data(
    data: object, *, source: str, positions: PositionMap | None = None
) -> LoadedModel:
    """Validate plain data (or pass a `Model` through); positions locate errors if given."""
    return _guarded(
        source,
        lambda: _validate(
            data, source, positions if positions is not None else PositionMap(), None
        ),
    )


def _guarded(source: str, load: Callable[[], LoadedModel]) -> LoadedModel:
    # The last line of defence for the "no exception but ModelLoadError" promise.
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
                    "TM001",
                    f"unexpected error while loading: {type(exc).__name__}: {exc}",
                    source,
                    hint="this is a bug in tablemodel; please report it with the model file",
                )
            ]
        ) from None


# ---------------------------------------------------------------------------------------------
# Targets


def _load_target(display: str) -> LoadedModel:
    if ":" in display and not os.path.exists(display):
        match = _OBJECT_TARGET.match(display)
        if match:
            return _load_object(display, match.group(1), match.group(2))
    path = Path(display)
    if path.is_dir():
        for name in MODEL_FILE_NAMES:
            candidate = path / name
            if candidate.is_file():
                return _load_file(candidate, os.path.join(display, name))
        return _fail(
            "TM001",
            f"no model file in folder `{display}`",
            display,
            expected="one of " + ", ".join(MODEL_FILE_NAMES),
            hint="pass the model file itself, or name it tablemodel.yaml",
        )
    if not os.path.lexists(display):
        return _fail(
            "TM001",
            f"no such file or folder: `{display}`",
            display,
            hint="pass a model file, a folder holding tablemodel.yaml, or package.module:attr",
        )
    if not path.is_file():
        return _fail("TM001", f"`{display}` is not a regular file", display)
    return _load_file(path, display)


def _load_file(path: Path, display: str) -> LoadedModel:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise _file_too_large(display, size)
        with path.open("rb") as stream:
            # Read one byte past the limit: the file may have grown since stat().
            raw = stream.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        return _fail("TM001", f"cannot read `{display}`: {exc.strerror or exc}", display)
    if len(raw) > MAX_FILE_BYTES:
        raise _file_too_large(display, len(raw))
    text = _decode(raw, display)
    format = _FORMATS.get(path.suffix.lower(), "yaml")
    return _load_text(text, display, format, path.resolve().parent)


def _file_too_large(display: str, size: int) -> ModelLoadError:
    return too_large(display, f"{size:,} bytes or more, over the limit of {MAX_FILE_BYTES:,} bytes")


def _decode(raw: bytes, display: str) -> str:
    encoding = "utf-8"
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        # YAML allows UTF-16 with a byte order mark; nothing else uses NUL bytes legitimately.
        encoding = "utf-16"
    else:
        nul = raw.find(b"\x00")
        if nul >= 0:
            nul_line, nul_column = _byte_line_column(raw, nul)
            raise ModelLoadError(
                [
                    error(
                        "TM004",
                        f"the file holds a NUL byte at byte offset {nul}: it looks binary, "
                        "not like a YAML, JSON or TOML model",
                        display,
                        line=nul_line,
                        column=nul_column,
                    )
                ]
            )
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line: int | None = None
        column: int | None = None
        if encoding == "utf-8":
            line, column = _byte_line_column(raw, exc.start)
        raise ModelLoadError(
            [
                error(
                    "TM004",
                    f"the file is not valid {encoding.upper()}: invalid byte at byte offset "
                    f"{exc.start}",
                    display,
                    line=line,
                    column=column,
                    found=repr(raw[exc.start : exc.start + 4]),
                    hint="save the file as UTF-8",
                )
            ]
        ) from None


def _byte_line_column(raw: bytes, offset: int) -> tuple[int, int]:
    line = raw.count(b"\n", 0, offset) + 1
    start = raw.rfind(b"\n", 0, offset) + 1
    # Columns count characters; the bytes before the offset on its line decode cleanly.
    return line, len(raw[start:offset].decode("utf-8", "replace")) + 1


def _load_text(text: str, source: str, format: str, base_dir: Path | None) -> LoadedModel:
    if format not in {"yaml", "json", "toml"}:
        return _fail("TM001", f"unknown format `{format}`", source, expected="yaml, json or toml")
    if len(text) > MAX_FILE_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise too_large(source, f"over the limit of {MAX_FILE_BYTES:,} bytes")
    # A byte order mark is not content: JSON refuses it and YAML would count it as a column.
    text = text.removeprefix("\ufeff")
    nul = text.find("\x00")
    if nul >= 0:
        line, column = line_column(text, nul)
        return _fail(
            "TM004",
            f"the text holds a NUL character at offset {nul}: it looks binary",
            source,
            line=line,
            column=column,
        )
    try:
        parsed = parse(text, source, cast(Format, format))
        if not parsed.complete:
            # Values behind unreadable tags or keys were dropped: validating what is left
            # would only add confusing follow-on errors.
            raise capped(parsed.problems, source, parsed.unreported)
        return _validate(
            parsed.data,
            source,
            parsed.positions,
            base_dir,
            parsed.problems,
            unreported=parsed.unreported,
        )
    except ModelLoadError as exc:
        # Show the line each problem points at (TOML positions count lines at \n only).
        breaks: Literal["yaml", "plain"] = "plain" if format == "toml" else "yaml"
        raise ModelLoadError(with_snippets(exc.diagnostics, text, source, breaks=breaks)) from None


def _load_object(display: str, module_name: str, attribute: str) -> LoadedModel:
    cwd = os.getcwd()
    added = cwd not in sys.path
    if added:
        # Like `python -m`, let targets name modules in the current directory.
        sys.path.insert(0, cwd)
    try:
        module = importlib.import_module(module_name)
    except (Exception, SystemExit) as exc:
        return _fail(
            "TM006",
            f"cannot import `{module_name}`: {_exception_text(exc)}",
            display,
            hint=_raised_at(exc),
        )
    finally:
        if added and cwd in sys.path:
            sys.path.remove(cwd)
    file = getattr(module, "__file__", None)
    base_dir = Path(file).resolve().parent if isinstance(file, str) else None
    value: object = module
    walked = module_name
    for name in attribute.split("."):
        try:
            value = getattr(value, name)
        except AttributeError:
            names = [n for n in dir(value) if not n.startswith("_")]
            return _fail(
                "TM006",
                f"`{walked}` has no attribute `{name}`",
                display,
                hint=did_you_mean(name, names),
            )
        except (Exception, SystemExit) as exc:
            return _fail(
                "TM006",
                f"reading `{walked}.{name}` raised {_exception_text(exc)}",
                display,
                hint=_raised_at(exc),
            )
        walked += f".{name}"
    wanted = "a Model, a dict, or a function taking no arguments that returns one"
    if isinstance(value, type):
        return _fail(
            "TM006",
            f"`{display}` is a class, not a model",
            display,
            found=f"class {value.__name__}",
            expected=wanted,
        )
    if not isinstance(value, Model | Mapping) and callable(value):
        try:
            value = value()
        except (Exception, SystemExit) as exc:
            return _fail(
                "TM006",
                f"calling `{display}` raised {_exception_text(exc)}",
                display,
                hint=_raised_at(exc),
            )
    if not isinstance(value, Model | Mapping):
        return _fail(
            "TM006",
            f"`{display}` is not a model",
            display,
            found=type(value).__name__,
            expected=wanted,
        )
    if isinstance(value, Mapping) and not isinstance(value, dict):
        value = dict(value)  # pydantic validates models from dicts, not other mappings
    return _validate(value, display, PositionMap(), base_dir)


def _exception_text(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _raised_at(exc: BaseException) -> str | None:
    # Where in the user's code: the innermost frame outside the import machinery.
    if isinstance(exc, SyntaxError) and exc.filename:
        return f"at {exc.filename}:{exc.lineno}"
    import traceback  # noqa: PLC0415  (only when a user's module failed to import)

    machinery = (os.path.dirname(importlib.__file__) + os.sep, os.path.abspath(__file__))
    frames = [
        frame
        for frame in traceback.extract_tb(exc.__traceback__)
        if not frame.filename.startswith("<frozen")
        and not os.path.abspath(frame.filename).startswith(machinery)
    ]
    if not frames:
        return None
    return f"raised at {frames[-1].filename}:{frames[-1].lineno}"


def _fail(
    code: str,
    message: str,
    source: str,
    *,
    line: int | None = None,
    column: int | None = None,
    found: str | None = None,
    expected: str | None = None,
    hint: str | None = None,
) -> LoadedModel:
    raise ModelLoadError(
        [
            error(
                code,
                message,
                source,
                line=line,
                column=column,
                found=found,
                expected=expected,
                hint=hint,
            )
        ]
    )


# ---------------------------------------------------------------------------------------------
# Validation


def _validate(
    data: object,
    source: str,
    positions: PositionMap,
    base_dir: Path | None,
    problems: Sequence[Diagnostic] = (),
    *,
    unreported: int = 0,
) -> LoadedModel:
    diagnostics = list(problems)
    if isinstance(data, Model):
        return LoadedModel(data, source, positions, base_dir)
    if not isinstance(data, Mapping):
        at = positions.value_position(())
        diagnostics.append(
            error(
                "TM005",
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
                "TM006",
                f"invalid value for {_where_text(path)}: {_exception_text(exc)}",
                source,
                line=line,
                column=column,
                path=path,
                found=_short(_value_at(data, path)),
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
    them through. Iterative, so that it is safe on data of any depth.
    """
    found: list[Diagnostic] = []
    stack: list[tuple[object, ModelPath]] = [(data, ())]
    while stack and len(found) <= MAX_PROBLEMS:
        value, path = stack.pop()
        if isinstance(value, str):
            char = lone_in(value)
            if char:
                line, column = _locate(positions, path, key=False)
                found.append(lone_surrogate_diagnostic(source, char, line, column, path, key=False))
        elif isinstance(value, Mapping):
            for key, child in value.items():
                part = key_part(key)
                char = lone_in(key) if isinstance(key, str) else None
                if char:
                    line, column = _locate(positions, (*path, part), key=True)
                    found.append(
                        lone_surrogate_diagnostic(source, char, line, column, path, key=True)
                    )
                stack.append((child, (*path, part)))
        elif isinstance(value, list | tuple):
            stack.extend((child, (*path, i)) for i, child in enumerate(value))
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
        return f"text {_short(value)}"
    if isinstance(value, list | tuple):
        return "a list"
    return f"{type(value).__name__} {_short(value)}"


def _short(value: object, limit: int = 80) -> str:
    """A repr of the input, cut to `limit` characters."""
    try:
        text = repr(value)
    except Exception:
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
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
        or (part[:1].isupper() and part in _MODEL_NAMES)
    )


def _model_names() -> frozenset[str]:
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


_MODEL_NAMES = _model_names()


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


def _where_text(path: ModelPath) -> str:
    return f"`{format_path(path)}`" if path else "the top level"


def _missing(
    detail: ErrorDetails, where: _Where, source: str, positions: PositionMap
) -> Diagnostic:
    name = str(detail["loc"][-1])
    # When the loc ran into a shorthand's expansion the path stops at what the user wrote.
    parent = where.path if where.exists else where.path[:-1]
    # Point at the mapping that lacks the field: its key, or the nearest thing above it.
    line, column = _locate(positions, parent, key=True)
    return error(
        "TM007",
        f"missing required field `{name}` in {_where_text(parent)}",
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
        "TM005",
        f"unknown key `{key}` in {_where_text(parent)}",
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
            "TM006",
            f"invalid name `{key}` in {_where_text(parent)}: expected {expected}",
            source,
            line=line,
            column=column,
            path=where.path,
            found=_short(value),
            expected=expected,
            hint=_quote_hint(value, detail, "key"),
        )
    line, column = _locate(positions, where.path, key=False)
    hint = _quote_hint(value, detail, "value")
    ctx: dict[str, Any] = dict(detail.get("ctx") or {})
    if len(alternatives) == 1 and detail["type"] in _OWN_ERRORS:
        # The model's own errors say what is wrong; `expected` and `hint` travel in ctx.
        message = f"invalid value for {_where_text(where.path)}: {detail['msg']}"
        hint = ctx.get("hint")
    elif len(alternatives) == 1 and detail["type"] == "literal_error" and isinstance(value, str):
        # The allowed values are listed once, under `expected`, with the closest one.
        message = f"invalid value for {_where_text(where.path)}: `{value}` is not allowed here"
        hint = did_you_mean(value, re.findall(r"'([^']*)'", str(ctx.get("expected", ""))))
    elif all(d["type"] in {"value_error", "assertion_error"} for d, _ in group):
        message = f"invalid value for {_where_text(where.path)}: {expected}"
    else:
        message = f"invalid value for {_where_text(where.path)}: expected {expected}"
    return error(
        "TM006",
        message,
        source,
        line=line,
        column=column,
        path=where.path,
        found=_short(value),
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
