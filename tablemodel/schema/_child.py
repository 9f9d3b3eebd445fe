"""The child process that imports a `package.module:attribute` target for the loader.

`tablemodel.schema.loader` starts it (`python -c`, the same interpreter) and writes a request
on its stdin: `sys.path`, `sys.argv`, the module and the attribute. The child keeps its real
stdout for the answer and sends anything the module prints to stderr, imports the module,
finds the attribute, validates what it holds, and writes back one JSON answer followed by
`ANSWER_END`: the model (dumped by alias, unset fields left out, so that validating it again
gives the same model) or the located problems. Then it ends at once.

Whatever the module does (exit, raise a `BaseException`, hang, kill itself), it can only end
this process. The module is the user's code, so this imports as little as it can: the model
classes only if the module did not, the loader only to validate a plain mapping.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tablemodel.diagnostics import (
    Diagnostic,
    Location,
    ModelLoadError,
    Severity,
    did_you_mean,
    exception_text,
)
from tablemodel.schema.problems import MODEL_NOT_FOUND, error

ANSWER_END = b"\n--tablemodel-answer-end--\n"
"""Ends a whole answer: a child that stops before writing it did not answer."""

BOOTSTRAP = "from tablemodel.schema._child import main\nmain()\n"
"""What `python -c` runs in the child."""

_WANTED = "a Model, a dict, or a function taking no arguments that returns one"


def main() -> None:
    request: dict[str, Any] = json.loads(sys.stdin.buffer.read())
    sys.path[:] = request["path"]
    sys.argv[:] = request["argv"]
    answer = os.dup(1)  # not inherited by processes the module starts
    os.dup2(2, 1)  # what the module prints goes to stderr, not into the answer
    try:
        data = json.dumps(_answer(request), ensure_ascii=True).encode("ascii") + ANSWER_END
        with os.fdopen(answer, "wb") as stream:
            stream.write(data)
    finally:
        # End now: the answer is given; the module's exit handlers and threads do not run.
        os._exit(0)


def _answer(request: dict[str, Any]) -> dict[str, Any]:
    display = str(request["display"])
    try:
        model, base_dir = _load(display, str(request["module"]), str(request["attribute"]))
        return {
            "model": model.model_dump(mode="python", by_alias=True, exclude_unset=True),
            "base_dir": base_dir,
        }
    except ModelLoadError as exc:
        return {"diagnostics": [to_json(d) for d in exc.diagnostics]}
    except Exception as exc:
        failure = error(
            MODEL_NOT_FOUND,
            f"unexpected error while loading: {exception_text(exc)}",
            display,
            hint="this is a bug in tablemodel; please report it with the model module",
        )
        return {"diagnostics": [to_json(failure)]}


def _load(display: str, module_name: str, attribute: str) -> tuple[Any, str | None]:
    """The model the target names, validated, and the folder of its module.

    Anything the module raises is caught, `BaseException` included (`SystemExit`,
    `KeyboardInterrupt`, pytest's `Skipped`), and reported with where it was raised.
    """
    try:
        module = importlib.import_module(module_name)
    except BaseException as exc:  # the user's code: whatever it raises
        raise _failure(
            f"cannot import `{module_name}`: {exception_text(exc)}", display, hint=raised_at(exc)
        ) from None
    file = getattr(module, "__file__", None)
    base_dir = str(Path(file).resolve().parent) if isinstance(file, str) else None
    value: object = module
    walked = module_name
    for name in attribute.split("."):
        try:
            value = getattr(value, name)
        except AttributeError:
            names = [n for n in dir(value) if not n.startswith("_")]
            raise _failure(
                f"`{walked}` has no attribute `{name}`", display, hint=did_you_mean(name, names)
            ) from None
        except BaseException as exc:
            raise _failure(
                f"reading `{walked}.{name}` raised {exception_text(exc)}",
                display,
                hint=raised_at(exc),
            ) from None
        walked += f".{name}"
    if isinstance(value, type):
        raise _failure(
            f"`{display}` is a class, not a model",
            display,
            found=f"class {value.__name__}",
            expected=_WANTED,
        )
    model_class = _model_class()
    is_model = model_class is not None and isinstance(value, model_class)
    if not is_model and not isinstance(value, Mapping) and callable(value):
        try:
            value = value()
        except BaseException as exc:
            raise _failure(
                f"calling `{display}` raised {exception_text(exc)}", display, hint=raised_at(exc)
            ) from None
        model_class = _model_class()
        is_model = model_class is not None and isinstance(value, model_class)
    if is_model:
        return value, base_dir
    if not isinstance(value, Mapping):
        raise _failure(
            f"`{display}` is not a model",
            display,
            found=type(value).__name__,
            expected=_WANTED,
        )
    from tablemodel.schema.validation import model_from_data  # noqa: PLC0415  (plain data only)

    data = value if isinstance(value, dict) else dict(value)  # pydantic validates dicts
    return model_from_data(data, source=display).model, base_dir


def _model_class() -> type | None:
    # A Model exists only if the model classes were imported (by the module, normally).
    module = sys.modules.get("tablemodel.schema.model")
    found = getattr(module, "Model", None)
    return found if isinstance(found, type) else None


def raised_at(exc: BaseException) -> str | None:
    """Where in the user's code: the innermost frame outside the import machinery."""
    if isinstance(exc, SyntaxError) and exc.filename:
        return f"at {exc.filename}:{exc.lineno}"
    import traceback  # noqa: PLC0415  (only when a user's module failed)

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


def _failure(
    message: str,
    source: str,
    *,
    found: str | None = None,
    expected: str | None = None,
    hint: str | None = None,
) -> ModelLoadError:
    return ModelLoadError(
        [error(_invalid_value(), message, source, found=found, expected=expected, hint=hint)]
    )


def _invalid_value() -> str:
    # Declared with the validation, which this process imports only to validate a mapping.
    from tablemodel.schema.validation import INVALID_VALUE  # noqa: PLC0415

    return INVALID_VALUE


def to_json(d: Diagnostic) -> dict[str, Any]:
    """A load diagnostic as the child sends it (the path as a list, unlike `to_dict`)."""
    return {
        "code": d.code,
        "message": d.message,
        "file": d.location.file,
        "line": d.location.line,
        "column": d.location.column,
        "path": list(d.location.path),
        "found": d.found,
        "expected": d.expected,
        "hint": d.hint,
    }


def from_json(data: object) -> Diagnostic:
    """A diagnostic the child sent; what is missing or malformed in it is left out."""
    item: dict[str, Any] = data if isinstance(data, dict) else {}

    def text(key: str) -> str | None:
        value = item.get(key)
        return value if isinstance(value, str) else None

    def number(key: str) -> int | None:
        value = item.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    path = item.get("path")
    return Diagnostic(
        code=text("code") or _invalid_value(),
        severity=Severity.ERROR,
        message=text("message") or "the module could not be loaded",
        location=Location(
            file=text("file"),
            line=number("line"),
            column=number("column"),
            path=tuple(p for p in path if isinstance(p, str | int))
            if isinstance(path, list)
            else (),
        ),
        found=text("found"),
        expected=text("expected"),
        hint=text("hint"),
    )
