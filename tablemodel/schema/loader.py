"""Loading a model: from a file, a folder, a Python object or text, into a validated `Model`.

Whatever the input, loading either returns a `LoadedModel` or raises `ModelLoadError` with
every problem found, each located in the source text where possible. No other exception
and no traceback reaches the caller: model files are user input, and a user deserves a list
of located problems, not a stack trace.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
from pathlib import Path
from typing import Any, Literal, cast

from tablemodel.diagnostics import ModelLoadError
from tablemodel.schema._child import ANSWER_END, BOOTSTRAP, from_json
from tablemodel.schema.positions import ParsedDocument, PositionMap, line_column
from tablemodel.schema.problems import (
    MODEL_NOT_FOUND,
    SYNTAX_ERROR,
    capped,
    check_text,
    error,
    too_large,
    with_snippets,
)
from tablemodel.schema.validation import (
    INVALID_VALUE,
    LoadedModel,
    guarded,
    model_from_data,
    short,
    validate,
)
from tablemodel.schema.yaml_reader import parse_yaml

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

Format = Literal["yaml", "json", "toml"]

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
            [error(MODEL_NOT_FOUND, f"cannot load a model from {short(target)}", "<model>")]
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
            MODEL_NOT_FOUND,
            f"no model file in folder `{display}`",
            display,
            expected="one of " + ", ".join(MODEL_FILE_NAMES),
            hint="pass the model file itself, or name it tablemodel.yaml",
        )
    if not os.path.lexists(display):
        return _fail(
            MODEL_NOT_FOUND,
            f"no such file or folder: `{display}`",
            display,
            hint="pass a model file, a folder holding tablemodel.yaml, or package.module:attr",
        )
    if not path.is_file():
        return _fail(MODEL_NOT_FOUND, f"`{display}` is not a regular file", display)
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
        return _fail(MODEL_NOT_FOUND, f"cannot read `{display}`: {exc.strerror or exc}", display)
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
                        SYNTAX_ERROR,
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
                    SYNTAX_ERROR,
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
        return _fail(
            MODEL_NOT_FOUND, f"unknown format `{format}`", source, expected="yaml, json or toml"
        )
    if len(text) > MAX_FILE_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise too_large(source, f"over the limit of {MAX_FILE_BYTES:,} bytes")
    # A byte order mark is not content: JSON refuses it and YAML would count it as a column.
    text = text.removeprefix("\ufeff")
    nul = text.find("\x00")
    if nul >= 0:
        line, column = line_column(text, nul)
        return _fail(
            SYNTAX_ERROR,
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


IMPORT_TIMEOUT = 60.0
"""Seconds a `module:attribute` target has to import and answer; TABLEMODEL_IMPORT_TIMEOUT
sets another."""


def _load_object(display: str, module_name: str, attribute: str) -> LoadedModel:
    """Import the target in a child Python process and validate the model it sends back.

    The module is the user's code: it may exit (sys.exit, os._exit), raise anything (a
    KeyboardInterrupt, pytest's Skipped), hang or kill itself. In a process of its own none of
    that can end or stall tablemodel: the child sends the model back as JSON, validated, and
    this process validates it again. A child that ends without a whole answer, whatever its
    exit status, or that does not answer within the timeout, is a located load error. Each
    load imports the module afresh.
    """
    answer = _ask_child(display, module_name, attribute)
    problems = answer.get("diagnostics")
    if isinstance(problems, list):
        raise ModelLoadError([from_json(p) for p in problems])
    base_dir = answer.get("base_dir")
    return validate(
        answer.get("model"),
        display,
        PositionMap(),
        Path(base_dir) if isinstance(base_dir, str) else None,
    )


def _import_timeout(display: str) -> float:
    text = os.environ.get("TABLEMODEL_IMPORT_TIMEOUT")
    if text is None:
        return IMPORT_TIMEOUT
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds < float("inf"):
        _fail(
            INVALID_VALUE,
            f"TABLEMODEL_IMPORT_TIMEOUT must be a number of seconds above 0, not {text!r}",
            display,
        )
    return seconds


def _ask_child(display: str, module_name: str, attribute: str) -> dict[str, Any]:
    import signal  # noqa: PLC0415  (only for Python targets)
    import subprocess  # noqa: PLC0415
    import threading  # noqa: PLC0415

    timeout = _import_timeout(display)
    if not sys.executable:
        _fail(
            INVALID_VALUE,
            f"cannot import `{module_name}`: no Python interpreter to run it in "
            "(sys.executable is empty)",
            display,
        )
    try:
        cwd = os.getcwd()
    except OSError:
        cwd = "."
    # Like `python -m`, let targets name modules in the current directory.
    path = sys.path if cwd in sys.path else [cwd, *sys.path]
    request = {
        "path": path,
        "argv": sys.argv,
        "display": display,
        "module": module_name,
        "attribute": attribute,
    }
    posix = os.name == "posix"
    process = subprocess.Popen(
        [sys.executable, "-c", BOOTSTRAP],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        start_new_session=posix,  # its own process group: killed whole, spared the terminal's ^C
    )
    received: list[bytes] = []
    answered = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        fd = process.stdout.fileno()
        tail = b""
        while True:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                break
            received.append(chunk)
            tail = (tail + chunk)[-len(ANSWER_END) :]
            if tail == ANSWER_END:
                break
        answered.set()

    reader = threading.Thread(target=read, name="tablemodel-import", daemon=True)
    try:
        assert process.stdin is not None
        with contextlib.suppress(OSError):  # a child gone already is reported below
            process.stdin.write(json.dumps(request).encode("utf-8"))
            process.stdin.close()
        reader.start()
        finished = answered.wait(timeout)
        if finished:
            # It ends right after answering; one that lingers is stopped below.
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)
    finally:
        if process.poll() is None:
            with contextlib.suppress(OSError):
                if posix:
                    os.killpg(process.pid, signal.SIGKILL)
                else:
                    process.kill()
            process.wait()
        reader.join(timeout=5)
        if process.stdout is not None:
            process.stdout.close()
    data = b"".join(received)
    if not finished:
        _fail(
            INVALID_VALUE,
            f"importing `{module_name}` did not finish within {timeout:g} seconds",
            display,
            hint="a module that defines a model should import in moments; set "
            "TABLEMODEL_IMPORT_TIMEOUT (seconds) if it really needs longer",
        )
    if not data.endswith(ANSWER_END):
        _fail(
            INVALID_VALUE,
            f"importing `{module_name}` {_ended(process.returncode, signal)} before "
            f"`{display}` was read",
            display,
            hint="a module that defines a model must not end the process while it is imported",
        )
    try:
        answer = json.loads(data[: -len(ANSWER_END)])
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        _fail(
            INVALID_VALUE, f"importing `{module_name}` gave an answer that cannot be read", display
        )
    return cast(dict[str, Any], answer)


def _ended(status: int | None, signal: Any) -> str:
    if status is not None and status < 0:
        try:
            name = signal.Signals(-status).name
        except ValueError:
            name = "a signal"
        return f"killed its Python process with {name} ({-status})"
    return f"ended its Python process (exit status {status})"


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


def parse(text: str, source: str, format: Format) -> ParsedDocument:
    """Parse `text` in `format` into plain data, positions and non-fatal problems."""
    if format != "yaml":
        check_text(text, source, yaml_text=False)
    if format == "json":
        # Imported here, like tomllib below: a YAML check never reads JSON.
        from tablemodel.schema.json_reader import parse_json  # noqa: PLC0415

        return parse_json(text, source)
    if format == "toml":
        # Imported here: tomllib costs a YAML or JSON check start-up time it never uses.
        from tablemodel.schema.toml_reader import parse_toml  # noqa: PLC0415

        return parse_toml(text, source)
    return parse_yaml(text, source)
