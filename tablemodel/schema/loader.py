"""Loading a model: from a file, a folder, a Python object or text, into a validated `Model`.

Whatever the input, loading either returns a `LoadedModel` or raises `ModelLoadError` with
every problem found, each located in the source text where possible. No other exception
and no traceback reaches the caller: model files are user input, and a user deserves a list
of located problems, not a stack trace.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Literal, cast

from tablemodel.diagnostics import ModelLoadError, did_you_mean, exception_text
from tablemodel.schema._positions import (
    Format,
    PositionMap,
    capped,
    error,
    line_column,
    parse,
    too_large,
    with_snippets,
)
from tablemodel.schema.model import Model
from tablemodel.schema.validation import LoadedModel, guarded, model_from_data, short, validate

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
            [error("TM001", f"cannot load a model from {short(target)}", "<model>")]
        )
    return guarded(display, lambda: _load_target(display))


def load_model_from_text(
    text: str,
    *,
    source: str = "<string>",
    format: Literal["yaml", "json", "toml"] = "yaml",
) -> LoadedModel:
    """Load a model from text in YAML, JSON or TOML; `source` names it in diagnostics."""
    return guarded(source, lambda: _load_text(text, source, format, None))


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
        return validate(
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
            f"cannot import `{module_name}`: {exception_text(exc)}",
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
                f"reading `{walked}.{name}` raised {exception_text(exc)}",
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
                f"calling `{display}` raised {exception_text(exc)}",
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
    return validate(value, display, PositionMap(), base_dir)


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
