"""Source positions of model documents, and the parsers that record them.

A `PositionMap` maps a path inside the document (`("entities", "Racer", "keys", "PK")`, list
indexes as ints) to the 1-based line and column of the key and of the value, so that schema
errors found later on plain data can point at the text. The three parsers here turn text into
plain Python data plus a position map, enforcing the size limits that keep hostile documents
(alias bombs, deep nesting) from exhausting memory or the stack.
"""

from __future__ import annotations

import bisect
import contextlib
import json
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import yaml
from yaml.constructor import ConstructorError
from yaml.error import Mark, MarkedYAMLError
from yaml.reader import ReaderError

from tablemodel.diagnostics import (
    Diagnostic,
    Location,
    ModelLoadError,
    PathPart,
    Severity,
    format_path,
)

ModelPath = tuple[PathPart, ...]
Position = tuple[int, int]

MAX_NODES = 1_000_000
"""Most nodes (scalars and collections) a document may hold once aliases are expanded."""

MAX_DEPTH = 200
"""Deepest nesting of mappings and lists a document may have."""

_YAML_MAP = "tag:yaml.org,2002:map"
_YAML_SEQ = "tag:yaml.org,2002:seq"
_YAML_MERGE = "tag:yaml.org,2002:merge"
_YAML_NULL = "tag:yaml.org,2002:null"


class PositionMap:
    """Where each path of a document is written: key and value positions, 1-based.

    An empty map is valid: models built in Python have no text to point at.
    """

    __slots__ = ("_keys", "_values")

    def __init__(
        self,
        keys: Mapping[ModelPath, Position] | None = None,
        values: Mapping[ModelPath, Position] | None = None,
    ) -> None:
        self._keys: dict[ModelPath, Position] = dict(keys or {})
        self._values: dict[ModelPath, Position] = dict(values or {})

    def key_position(self, path: Sequence[PathPart]) -> Position | None:
        """Line and column of the key that introduces `path`, if it has one."""
        return self._keys.get(tuple(path))

    def value_position(self, path: Sequence[PathPart]) -> Position | None:
        """Line and column where the value at `path` starts."""
        return self._values.get(tuple(path))

    def nearest(self, path: Sequence[PathPart]) -> tuple[ModelPath, Position] | None:
        """The closest known path at or above `path`, with its position (key first)."""
        current = tuple(path)
        while True:
            found = self._keys.get(current) or self._values.get(current)
            if found is not None:
                return current, found
            if not current:
                return None
            current = current[:-1]

    def paths(self) -> Iterator[ModelPath]:
        """Every path with a known position."""
        yield from dict.fromkeys([*self._keys, *self._values])

    def __len__(self) -> int:
        return len(set(self._keys) | set(self._values))

    def __repr__(self) -> str:
        return f"PositionMap({len(self)} paths)"


@dataclass
class ParsedDocument:
    """Plain data parsed from text, its positions and the non-fatal problems found."""

    data: object
    positions: PositionMap
    problems: list[Diagnostic] = field(default_factory=list)
    complete: bool = True
    """False when values were dropped (an unreadable tag or key): validation would mislead."""


def key_part(key: object) -> PathPart:
    """The path segment for a mapping key (non-string YAML keys shown as they are written)."""
    if isinstance(key, str):
        return key
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    return str(key)


def error(
    code: str,
    message: str,
    source: str,
    *,
    line: int | None = None,
    column: int | None = None,
    path: ModelPath = (),
    found: str | None = None,
    expected: str | None = None,
    hint: str | None = None,
) -> Diagnostic:
    """An ERROR diagnostic located in `source` (every load problem is an error)."""
    return Diagnostic(
        code=code,
        severity=Severity.ERROR,
        message=message,
        location=Location(file=source, line=line, column=column, path=path),
        found=found,
        expected=expected,
        hint=hint,
    )


def too_large(
    source: str, reason: str, line: int | None = 1, column: int | None = 1
) -> ModelLoadError:
    """The TM002 error: a document past one of the size limits.

    Without a better place it points at the start: the problem is the whole document.
    """
    return ModelLoadError(
        [
            error(
                "TM002",
                f"document too large: {reason}",
                source,
                line=line,
                column=column,
                hint="split the model or remove repeated aliases; limits keep hostile files "
                "from exhausting memory",
            )
        ]
    )


def empty_document(source: str) -> ModelLoadError:
    """The TM003 error: nothing but whitespace and comments."""
    return ModelLoadError(
        [
            error(
                "TM003",
                "the document is empty",
                source,
                line=1,
                column=1,
                expected="a mapping with at least `table` and `entities`",
            )
        ]
    )


def line_column(text: str, index: int) -> Position:
    """1-based line and column of character `index` in `text`."""
    line = text.count("\n", 0, index) + 1
    start = text.rfind("\n", 0, index) + 1
    return line, index - start + 1


def check_size(data: object, source: str) -> None:
    """Raise TM002 when parsed data nests deeper or holds more nodes than the limits allow.

    Iterative, so that it is safe on data of any depth.
    """
    nodes = 0
    stack: list[tuple[object, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            raise too_large(source, f"more than {MAX_NODES:,} values")
        if isinstance(value, dict):
            children: Iterable[object] = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth + 1 > MAX_DEPTH:
            raise too_large(source, f"nested deeper than {MAX_DEPTH} levels")
        stack.extend((child, depth + 1) for child in children)


# ---------------------------------------------------------------------------------------------
# YAML


class _TooLarge(Exception):
    def __init__(self, reason: str, mark: Mark | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.mark = mark


class _AliasNode(yaml.Node):
    """An alias (`*name`) kept in the composed tree so that positions point at the alias."""

    def __init__(self, target: yaml.Node, start_mark: Mark | None, end_mark: Mark | None) -> None:
        super().__init__(target.tag, target.value, start_mark, end_mark)
        self.target = target


class _Loader(yaml.SafeLoader):
    """SafeLoader that bounds nesting and node count while composing, and keeps aliases."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self._depth = 0
        self._composed = 0

    def _next_mark(self) -> Mark | None:
        event: yaml.Event = self.peek_event()  # type: ignore[no-untyped-call]
        mark = event.start_mark
        # The pure-Python parser only makes yaml.error.Mark; the C one is never used here.
        return mark if isinstance(mark, Mark) else None

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            start = self._next_mark()
            target = super().compose_node(parent, index)
            assert target is not None  # an alias always names a composed node
            return _AliasNode(target, start, None)
        self._composed += 1
        if self._composed > MAX_NODES:
            raise _TooLarge(f"more than {MAX_NODES:,} nodes", self._next_mark())
        collection = self.check_event(yaml.SequenceStartEvent, yaml.MappingStartEvent)
        if collection:
            self._depth += 1
            if self._depth > MAX_DEPTH:
                raise _TooLarge(f"nested deeper than {MAX_DEPTH} levels", self._next_mark())
        try:
            return super().compose_node(parent, index)
        finally:
            if collection:
                self._depth -= 1


def _position(mark: Mark | None) -> Position | None:
    # PyYAML marks are 0-based.
    return None if mark is None else (mark.line + 1, mark.column + 1)


def _deref(node: yaml.Node) -> yaml.Node:
    return node.target if isinstance(node, _AliasNode) else node


class _YamlBuilder:
    """Turns a composed node tree into plain data and positions, in one pass.

    Aliases are expanded here (the composer shares nodes), so the node and depth limits are
    checked again on the expanded tree: that is what stops "billion laughs" documents.
    """

    def __init__(self, loader: _Loader, source: str) -> None:
        self.loader = loader
        self.source = source
        self.keys: dict[ModelPath, Position] = {}
        self.values: dict[ModelPath, Position] = {}
        self.problems: list[Diagnostic] = []
        self.nodes = 0
        self.merging: set[int] = set()
        self.complete = True

    def _problem(
        self,
        message: str,
        mark: Mark | None,
        path: ModelPath,
        hint: str | None = None,
        found: str | None = None,
        *,
        dropped: bool = True,
    ) -> None:
        # `dropped`: the value in question is left out of the data (all but duplicates).
        self.complete = self.complete and not dropped
        where = _position(mark)
        self.problems.append(
            error(
                "TM004",
                message,
                self.source,
                line=where[0] if where else None,
                column=where[1] if where else None,
                path=path,
                hint=hint,
                found=found,
            )
        )

    def _count(self, node: yaml.Node, depth: int) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _TooLarge(
                f"more than {MAX_NODES:,} nodes once aliases are expanded", node.start_mark
            )
        if depth > MAX_DEPTH:
            raise _TooLarge(f"nested deeper than {MAX_DEPTH} levels", node.start_mark)

    def build(self, node: yaml.Node, path: ModelPath, depth: int) -> object:
        where = _position(node.start_mark)
        if where is not None:
            self.values[path] = where
        target = _deref(node)
        if isinstance(target, yaml.ScalarNode):
            self._count(target, depth)
            return self.scalar(target, path)
        self._count(target, depth + 1)
        if isinstance(target, yaml.SequenceNode):
            if target.tag != _YAML_SEQ:
                self._unsupported_tag(target, path)
                return None
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(target.value)]
        if isinstance(target, yaml.MappingNode):
            if target.tag != _YAML_MAP:
                self._unsupported_tag(target, path)
                return None
            return self.mapping(target, path, depth + 1)
        self._problem("unsupported YAML node", target.start_mark, path)
        return None

    def _unsupported_tag(self, node: yaml.Node, path: ModelPath) -> None:
        self._problem(
            f"unsupported YAML tag `{node.tag}`",
            node.start_mark,
            path,
            hint="model files hold plain mappings, lists and scalars; remove the tag",
        )

    def scalar(self, node: yaml.Node, path: ModelPath) -> object:
        # The SafeLoader constructors give YAML 1.1 scalar semantics (ints, floats, booleans,
        # null, timestamps); unknown tags such as !!python/object raise ConstructorError.
        try:
            return self.loader.construct_object(node, deep=True)
        except ConstructorError as exc:
            self._problem(
                f"cannot read value: {exc.problem or exc}",
                node.start_mark,
                path,
                hint="model files hold plain mappings, lists and scalars; remove the tag",
            )
        except Exception as exc:  # e.g. an int with more digits than Python converts
            self._problem(f"cannot read value: {exc}", node.start_mark, path)
        return None

    def mapping(self, node: yaml.MappingNode, path: ModelPath, depth: int) -> dict[object, object]:
        result: dict[object, object] = {}
        merges: list[yaml.Node] = []
        first_seen: dict[object, Position | None] = {}
        entries: list[tuple[object, yaml.Node, yaml.Node]] = []
        for key_node, value_node in node.value:
            key_target = _deref(key_node)
            if key_target.tag == _YAML_MERGE:
                merges.append(value_node)
                continue
            if not isinstance(key_target, yaml.ScalarNode):
                self._problem(
                    f"mapping keys in {_where(path)} must be plain names, not "
                    f"{'lists' if isinstance(key_target, yaml.SequenceNode) else 'mappings'}",
                    key_node.start_mark,
                    path,
                )
                continue
            self._count(key_target, depth)
            key = self.scalar(key_target, path)
            try:
                hash(key)
            except TypeError:
                self._problem("mapping key cannot be used as a name", key_node.start_mark, path)
                continue
            here = _position(key_node.start_mark)
            if key in first_seen:
                before = first_seen[key]
                child = (*path, key_part(key))
                self._problem(
                    f"duplicate key `{key_part(key)}` in {_where(path)}: first at "
                    f"{_at(before, here)}, again at {_at(here, before)}",
                    key_node.start_mark,
                    child,
                    hint="each key may appear once in a mapping; merge the two entries",
                    found=str(key_part(key)),
                    dropped=False,
                )
            first_seen[key] = here
            entries.append((key, key_node, value_node))
        # Merge keys (`<<: *base`) give defaults that explicit keys override; the first of a
        # list of merged mappings wins, as with PyYAML's SafeLoader.
        for merge in merges:
            self._merge(merge, result, path, depth)
        for key, key_node, value_node in entries:
            child = (*path, key_part(key))
            here = _position(key_node.start_mark)
            if here is not None:
                self.keys[child] = here
            result[key] = self.build(value_node, child, depth)
        return result

    def _merge(
        self, node: yaml.Node, result: dict[object, object], path: ModelPath, depth: int
    ) -> None:
        target = _deref(node)
        sources: list[yaml.Node]
        if isinstance(target, yaml.MappingNode):
            sources = [target]
        elif isinstance(target, yaml.SequenceNode):
            sources = [_deref(item) for item in target.value]
        else:
            sources = [target]
        for source in reversed(sources):
            if not isinstance(source, yaml.MappingNode) or source.tag != _YAML_MAP:
                self._problem(
                    "a merge key (`<<`) takes a mapping or a list of mappings",
                    source.start_mark,
                    path,
                )
                continue
            if id(source) in self.merging:
                self._problem(
                    "a merge key (`<<`) cannot include the mapping it is in",
                    source.start_mark,
                    path,
                )
                continue
            self._count(source, depth)
            self.merging.add(id(source))
            try:
                result.update(self.mapping(source, path, depth))
            finally:
                self.merging.discard(id(source))


def _where(path: ModelPath) -> str:
    return f"`{format_path(path)}`" if path else "the top level"


def _at(where: Position | None, other: Position | None) -> str:
    # Columns only matter to tell two keys on one line apart (JSON and flow mappings).
    if where is None:
        return "an unknown line"
    if other is not None and other[0] == where[0]:
        return f"line {where[0]}, column {where[1]}"
    return f"line {where[0]}"


def _yaml_error(exc: Exception, text: str, source: str) -> ModelLoadError:
    if isinstance(exc, ReaderError):
        line, column = line_column(text, int(exc.position))
        char = exc.character
        # PyYAML gives the character's code point for text input, the byte for bytes.
        code = ord(char) if isinstance(char, str) else char
        shown = f"#x{code:04x}" if isinstance(code, int) else repr(char)
        return ModelLoadError(
            [
                error(
                    "TM004",
                    f"unacceptable character {shown}: YAML files hold printable text only",
                    source,
                    line=line,
                    column=column,
                )
            ]
        )
    if isinstance(exc, MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        where = _position(mark)
        problem = exc.problem or "invalid YAML"
        if exc.context and "expected a single document" in exc.context:
            message = "the file holds more than one YAML document"
            hint: str | None = "keep one model per file; remove the `---` separator"
        else:
            message = f"YAML syntax error: {problem}"
            if exc.context:
                message += f" ({exc.context})"
            hint = None
        line, column = where or (1, 1)
        return ModelLoadError(
            [
                error(
                    "TM004",
                    message,
                    source,
                    line=line,
                    column=column,
                    hint=hint,
                )
            ]
        )
    return ModelLoadError([error("TM004", f"cannot parse YAML: {exc}", source, line=1, column=1)])


def _compose_yaml(text: str, source: str) -> tuple[_Loader, yaml.Node | None]:
    try:
        # The reader checks for unprintable characters as soon as it is made.
        loader = _Loader(text)
        return loader, loader.get_single_node()
    except _TooLarge as exc:
        where = _position(exc.mark)
        raise too_large(source, exc.reason, *(where or (1, 1))) from None
    except RecursionError:
        raise too_large(source, f"nested deeper than {MAX_DEPTH} levels") from None
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, text, source) from None


def _build_yaml(loader: _Loader, root: yaml.Node, source: str) -> ParsedDocument:
    builder = _YamlBuilder(loader, source)
    try:
        data = builder.build(root, (), 0)
    except _TooLarge as exc:
        where = _position(exc.mark)
        raise too_large(source, exc.reason, *(where or (1, 1))) from None
    except RecursionError:
        raise too_large(source, f"nested deeper than {MAX_DEPTH} levels") from None
    positions = PositionMap(builder.keys, builder.values)
    return ParsedDocument(data, positions, builder.problems, builder.complete)


def parse_yaml(text: str, source: str) -> ParsedDocument:
    """Parse one YAML document safely into plain data and positions.

    Raises ModelLoadError for syntax errors, several documents, empty documents and
    documents past the limits; duplicate keys and unsupported tags come back as problems.
    """
    loader, root = _compose_yaml(text, source)
    try:
        if root is None or (
            isinstance(root, yaml.ScalarNode) and root.tag == _YAML_NULL and root.value == ""
        ):
            raise empty_document(source)
        return _build_yaml(loader, root, source)
    finally:
        loader.dispose()


# ---------------------------------------------------------------------------------------------
# JSON


def parse_json(text: str, source: str) -> ParsedDocument:
    """Parse JSON with exact JSON semantics; positions come from composing it as YAML."""
    if not text.strip():
        raise empty_document(source)
    duplicates: dict[int, list[str]] = {}

    def pairs_hook(pairs: list[tuple[str, object]]) -> dict[str, object]:
        result: dict[str, object] = {}
        for key, value in pairs:
            if key in result:
                duplicates.setdefault(id(result), []).append(key)
            result[key] = value
        return result

    try:
        data = json.loads(text, object_pairs_hook=pairs_hook)
    except RecursionError:
        raise too_large(source, f"nested deeper than {MAX_DEPTH} levels") from None
    except json.JSONDecodeError as exc:
        raise ModelLoadError(
            [
                error(
                    "TM004",
                    f"JSON syntax error: {exc.msg}",
                    source,
                    line=exc.lineno,
                    column=exc.colno,
                )
            ]
        ) from None
    except ValueError as exc:  # e.g. an integer with more digits than Python converts
        raise ModelLoadError(
            [error("TM004", f"cannot parse JSON: {exc}", source, line=1, column=1)]
        ) from None
    check_size(data, source)
    positions, yaml_problems = _json_positions(text, source)
    problems: list[Diagnostic] = []
    for path, key in _duplicate_paths(data, duplicates):
        child = (*path, key)
        located = [p for p in yaml_problems if p.location.path == child]
        if located:
            problems.append(located[0])
            continue
        near = positions.nearest(path)
        problems.append(
            error(
                "TM004",
                f"duplicate key `{key}` in {_where(path)}",
                source,
                line=near[1][0] if near else None,
                column=near[1][1] if near else None,
                path=child,
                hint="each key may appear once in an object; merge the two entries",
                found=key,
            )
        )
    return ParsedDocument(data, positions, problems)


def _duplicate_paths(data: object, duplicates: dict[int, list[str]]) -> list[tuple[ModelPath, str]]:
    if not duplicates:
        return []
    found: list[tuple[ModelPath, str]] = []
    stack: list[tuple[object, ModelPath]] = [(data, ())]
    while stack:
        value, path = stack.pop()
        if isinstance(value, dict):
            found.extend((path, key) for key in dict.fromkeys(duplicates.get(id(value), [])))
            stack.extend(((child, (*path, str(k))) for k, child in value.items()))
        elif isinstance(value, list):
            stack.extend(((child, (*path, i)) for i, child in enumerate(value)))
    return found


def _json_positions(text: str, source: str) -> tuple[PositionMap, list[Diagnostic]]:
    # JSON is nearly a subset of YAML's flow style. Tabs are whitespace in JSON but cannot
    # start a YAML token; outside strings they are only whitespace (JSON strings cannot hold
    # raw tabs), so replacing each by one space keeps every column. If composing still fails
    # (an exotic escape, say), errors are located by path alone.
    start = len(text) - len(text.lstrip())
    fallback = PositionMap(values={(): line_column(text, start)})
    try:
        loader, root = _compose_yaml(text.replace("\t", " "), source)
        try:
            if root is None:
                return fallback, []
            parsed = _build_yaml(loader, root, source)
        finally:
            loader.dispose()
    except Exception:
        return fallback, []
    return parsed.positions, parsed.problems


# ---------------------------------------------------------------------------------------------
# TOML

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
        raise ModelLoadError(
            [error("TM004", f"TOML syntax error: {message}", source, line=line, column=column)]
        ) from None
    except ValueError as exc:
        raise ModelLoadError(
            [error("TM004", f"cannot parse TOML: {exc}", source, line=1, column=1)]
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


Format = Literal["yaml", "json", "toml"]


def parse(text: str, source: str, format: Format) -> ParsedDocument:
    """Parse `text` in `format` into plain data, positions and non-fatal problems."""
    if format == "json":
        return parse_json(text, source)
    if format == "toml":
        return parse_toml(text, source)
    return parse_yaml(text, source)
