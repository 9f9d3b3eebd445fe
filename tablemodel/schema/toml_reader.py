"""TOML to plain data and positions: `tomllib` reads it, a small scanner locates its keys."""

from __future__ import annotations

import bisect
import contextlib
import json
import re
import tomllib

from tablemodel.diagnostics import ModelLoadError
from tablemodel.schema.positions import (
    ModelPath,
    ParsedDocument,
    Position,
    PositionMap,
    line_column,
)
from tablemodel.schema.problems import (
    MAX_DEPTH,
    SYNTAX_ERROR,
    check_size,
    empty_document,
    error,
    lone_surrogate,
    too_large,
)

_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_TOML_END = re.compile(r"\s*\(at end of document\)\s*$")


def parse_toml(text: str, source: str) -> ParsedDocument:
    """Parse TOML with tomllib; positions are recovered best-effort by a scan of the text."""
    try:
        data = tomllib.loads(text)
    except RecursionError:
        raise too_large(source, f"nested deeper than {MAX_DEPTH} levels") from None
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        # tomllib names the place in its message; without one, point at the start.
        line, column = 1, 1
        match = _TOML_POSITION.search(message)
        if match:
            line, column = int(match.group(1)), int(match.group(2))
            message = message[: match.start()]
        elif _TOML_END.search(message):
            message = _TOML_END.sub("", message)
            line, column = line_column(text, len(text))
        escape = _toml_surrogate_escape(text, line, column) if match else None
        if escape is not None:
            raise lone_surrogate(source, escape[0], line=line, column=escape[1]) from None
        raise ModelLoadError(
            [error(SYNTAX_ERROR, f"TOML syntax error: {message}", source, line=line, column=column)]
        ) from None
    except ValueError as exc:
        raise ModelLoadError(
            [error(SYNTAX_ERROR, f"cannot parse TOML: {exc}", source, line=1, column=1)]
        ) from None
    if not data and all(
        not line.strip() or line.strip().startswith("#") for line in text.splitlines()
    ):
        raise empty_document(source)
    check_size(data, source)
    scanner = _TomlScanner(text)
    # Positions are a convenience: on a surprise keep what was found so far.
    with contextlib.suppress(Exception):
        scanner.run()
    return ParsedDocument(data, PositionMap(scanner.keys, scanner.values))


_TOML_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8}))$")


def _toml_surrogate_escape(text: str, line: int, column: int) -> tuple[str, int] | None:
    """The surrogate and the column of its escape, when tomllib refused one ending there."""
    starts = [0, *(m.end() for m in re.finditer("\n", text))]
    if not 1 <= line <= len(starts):
        return None
    start = starts[line - 1]
    found = _TOML_ESCAPE.search(text[start : start + column - 1])
    if found is None:
        return None
    code = int(found.group(1) or found.group(2), 16)
    return (chr(code), found.start() + 1) if 0xD800 <= code <= 0xDFFF else None


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_TOML_SCALAR = re.compile(r"[^,\]}\n#]*")


class _TomlScanner:
    """Recovers key and value positions from TOML text that tomllib has already accepted.

    Approximate where TOML is subtle: quoted keys are unescaped with JSON's escape rules
    (TOML's `\\U` and `\\e` are left as written), a table header records the position of its
    last key for the table's value too, and keys defined implicitly (the `a` of `[a.b]`)
    point at their first mention. Everything else (headers, arrays of tables, dotted keys,
    inline tables, multi-line arrays and strings) is followed exactly.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.line_starts = [0] + [m.end() for m in re.finditer(r"\n", text)]
        self.keys: dict[ModelPath, Position] = {}
        self.values: dict[ModelPath, Position] = {(): (1, 1)}
        self.arrays: dict[ModelPath, int] = {}

    def pos(self, index: int) -> Position:
        line = bisect.bisect_right(self.line_starts, index) - 1
        return line + 1, index - self.line_starts[line] + 1

    def peek(self, length: int = 1) -> str:
        return self.text[self.i : self.i + length]

    def skip_space(self) -> None:
        while self.peek() in {" ", "\t"}:
            self.i += 1

    def skip_blank(self) -> None:
        # Whitespace, newlines and comments, as allowed between array elements.
        while self.i < len(self.text):
            char = self.text[self.i]
            if char in " \t\r\n":
                self.i += 1
            elif char == "#":
                end = self.text.find("\n", self.i)
                self.i = len(self.text) if end < 0 else end
            else:
                return

    def run(self) -> None:
        table: ModelPath = ()
        while True:
            self.skip_blank()
            if self.i >= len(self.text):
                return
            start = self.i
            if self.peek(2) == "[[":
                self.i += 2
                table = self.header(self.key(), array=True, at=start)
                self.i = self.text.find("]]", self.i) + 2
            elif self.peek() == "[":
                self.i += 1
                table = self.header(self.key(), array=False, at=start)
                self.i = self.text.find("]", self.i) + 1
            else:
                self.key_value(table)
            if self.i <= start:  # never loop without progress on unexpected text
                return

    def key(self) -> list[tuple[str, int]]:
        parts: list[tuple[str, int]] = []
        while True:
            self.skip_space()
            start = self.i
            char = self.peek()
            if char == '"':
                end = self.i + 1
                while end < len(self.text) and self.text[end] != '"':
                    end += 2 if self.text[end] == "\\" else 1
                raw = self.text[self.i + 1 : end]
                try:
                    part = str(json.loads(f'"{raw}"'))
                except ValueError:
                    part = raw
                self.i = end + 1
            elif char == "'":
                end = self.text.index("'", self.i + 1)
                part = self.text[self.i + 1 : end]
                self.i = end + 1
            else:
                match = _BARE_KEY.match(self.text, self.i)
                if match is None:
                    return parts
                part = match.group(0)
                self.i = match.end()
            parts.append((part, start))
            self.skip_space()
            if self.peek() != ".":
                return parts
            self.i += 1

    def _declare(self, base: ModelPath, parts: list[tuple[str, int]]) -> ModelPath:
        # Records each key of a dotted key; a key naming an array of tables continues in its
        # latest element.
        path = base
        for part, at in parts:
            path = (*path, part)
            self.keys.setdefault(path, self.pos(at))
            self.values.setdefault(path, self.pos(at))
            if path in self.arrays:
                path = (*path, self.arrays[path] - 1)
        return path

    def header(self, parts: list[tuple[str, int]], *, array: bool, at: int) -> ModelPath:
        if not parts:
            return ()
        path = self._declare((), parts[:-1])
        last, last_at = parts[-1]
        path = (*path, last)
        self.keys.setdefault(path, self.pos(last_at))
        if array:
            index = self.arrays.get(path, 0)
            self.arrays[path] = index + 1
            self.values.setdefault(path, self.pos(at))
            path = (*path, index)
            self.values[path] = self.pos(at)
        else:
            self.values[path] = self.pos(last_at)
            if path in self.arrays:
                path = (*path, self.arrays[path] - 1)
        return path

    def key_value(self, table: ModelPath) -> None:
        parts = self.key()
        if not parts:
            self.i += 1
            return
        path = self._declare(table, parts[:-1])
        last, last_at = parts[-1]
        path = (*path, last)
        self.keys[path] = self.pos(last_at)
        self.skip_space()
        if self.peek() == "=":
            self.i += 1
        self.skip_space()
        self.value(path)

    def value(self, path: ModelPath) -> None:
        self.values[path] = self.pos(self.i)
        char = self.peek()
        if char == "{":
            self.i += 1
            while self.i < len(self.text):
                self.skip_blank()
                if self.peek() == "}":
                    self.i += 1
                    return
                if self.peek() == ",":
                    self.i += 1
                    continue
                before = self.i
                parts = self.key()
                inner = self._declare(path, parts[:-1])
                if parts:
                    last, last_at = parts[-1]
                    inner = (*inner, last)
                    self.keys[inner] = self.pos(last_at)
                self.skip_space()
                if self.peek() == "=":
                    self.i += 1
                self.skip_space()
                self.value(inner)
                if self.i <= before:
                    return
        elif char == "[":
            self.i += 1
            index = 0
            while self.i < len(self.text):
                self.skip_blank()
                if self.peek() == "]":
                    self.i += 1
                    return
                if self.peek() == ",":
                    self.i += 1
                    continue
                before = self.i
                self.value((*path, index))
                index += 1
                if self.i <= before:
                    return
        elif self.peek(3) in {'"""', "'''"}:
            quote = self.peek(3)
            end = self.i + 3
            while True:
                end = self.text.index(quote, end)
                if quote == '"""' and _escaped(self.text, end):
                    end += 1
                    continue
                break
            # A closing delimiter may carry up to two more quotes that belong to the string.
            end += 3
            while self.text[end : end + 1] == quote[0]:
                end += 1
            self.i = end
        elif char == '"':
            end = self.i + 1
            while self.text[end] != '"':
                end += 2 if self.text[end] == "\\" else 1
            self.i = end + 1
        elif char == "'":
            self.i = self.text.index("'", self.i + 1) + 1
        else:
            match = _TOML_SCALAR.match(self.text, self.i)
            self.i = max(match.end() if match else 0, self.i + 1)


def _escaped(text: str, index: int) -> bool:
    backslashes = 0
    while index - backslashes - 1 >= 0 and text[index - backslashes - 1] == "\\":
        backslashes += 1
    return backslashes % 2 == 1
