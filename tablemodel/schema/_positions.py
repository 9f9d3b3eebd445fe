"""Source positions of model documents, and the parsers that record them.

A `PositionMap` maps a path inside the document (`("entities", "Racer", "keys", "PK")`, list
indexes as ints) to the 1-based line and column of the key and of the value, so that schema
errors found later on plain data can point at the text. The three parsers here turn text into
plain Python data plus a position map, enforcing the size limits that keep hostile documents
(alias bombs, deep nesting) from exhausting memory or the stack.
"""

from __future__ import annotations

import bisect
import collections
import contextlib
import json
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Protocol, cast

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.error import MarkedYAMLError
from yaml.parser import Parser
from yaml.reader import Reader, ReaderError
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from tablemodel.diagnostics import (
    Diagnostic,
    Location,
    ModelLoadError,
    PathPart,
    Severity,
    Snippet,
    format_path,
)

ModelPath = tuple[PathPart, ...]
Position = tuple[int, int]

MAX_NODES = 200_000
"""Most nodes (keys, scalars and collections) a document may hold once aliases are expanded.

A model of 800 entities and 4,000 access patterns holds about 194,000. The limit keeps any
document within the size limit to a few seconds and a few hundred megabytes
(`benchmarks/bench_yaml.py`)."""

MAX_DEPTH = 200
"""Deepest nesting of mappings and lists a document may have."""

MAX_PROBLEMS = 200
"""Most problems reported for one document; the rest are counted (TM009). Reading, locating
and rendering a hundred thousand errors would take minutes, and nobody reads them."""

_YAML_MAP = "tag:yaml.org,2002:map"
_YAML_SEQ = "tag:yaml.org,2002:seq"
_YAML_MERGE = "tag:yaml.org,2002:merge"
_YAML_NULL = "tag:yaml.org,2002:null"


class _Spot:
    """One node of a document in a `PositionMap`: its key and value positions and children.

    Positions are packed into one int (`line << 32 | column`) and the map is a tree rather than
    a dict of whole paths, so that a large or deeply nested document costs a few dozen bytes
    per node. A YAML alias shares the children of the node it names.
    """

    __slots__ = ("children", "key", "value")

    def __init__(
        self,
        value: int | None = None,
        children: dict[PathPart, _Spot] | list[_Spot] | None = None,
        key: int | None = None,
    ) -> None:
        self.value = value
        self.children = children
        self.key = key


def _pack(position: Position) -> int:
    return position[0] << 32 | position[1]


def _unpack(packed: int) -> Position:
    return packed >> 32, packed & 0xFFFFFFFF


def _step(spot: _Spot, part: PathPart) -> _Spot | None:
    children = spot.children
    if children is None:
        return None
    if isinstance(children, list):
        if isinstance(part, int) and 0 <= part < len(children):
            return children[part]
        return None
    return children.get(part)


class PositionMap:
    """Where each path of a document is written: key and value positions, 1-based.

    An empty map is valid: models built in Python have no text to point at.
    """

    __slots__ = ("_root",)

    def __init__(
        self,
        keys: Mapping[ModelPath, Position] | None = None,
        values: Mapping[ModelPath, Position] | None = None,
    ) -> None:
        self._root = _Spot()
        for path, position in (keys or {}).items():
            self._make(path).key = _pack(position)
        for path, position in (values or {}).items():
            self._make(path).value = _pack(position)

    @classmethod
    def _of(cls, root: _Spot) -> PositionMap:
        made = cls()
        made._root = root
        return made

    def _make(self, path: Sequence[PathPart]) -> _Spot:
        spot = self._root
        for part in path:
            if spot.children is None:
                spot.children = {}
            assert isinstance(spot.children, dict)  # only parsers build list children
            child = spot.children.get(part)
            if child is None:
                child = spot.children[part] = _Spot()
            spot = child
        return spot

    def _find(self, path: Sequence[PathPart]) -> _Spot | None:
        spot: _Spot | None = self._root
        for part in path:
            if spot is None:
                return None
            spot = _step(spot, part)
        return spot

    def key_position(self, path: Sequence[PathPart]) -> Position | None:
        """Line and column of the key that introduces `path`, if it has one."""
        spot = self._find(path)
        return None if spot is None or spot.key is None else _unpack(spot.key)

    def value_position(self, path: Sequence[PathPart]) -> Position | None:
        """Line and column where the value at `path` starts."""
        spot = self._find(path)
        return None if spot is None or spot.value is None else _unpack(spot.value)

    def nearest(self, path: Sequence[PathPart]) -> tuple[ModelPath, Position] | None:
        """The closest known path at or above `path`, with its position (key first)."""
        spot: _Spot | None = self._root
        best: tuple[ModelPath, Position] | None = None
        parts = tuple(path)
        for depth in range(len(parts) + 1):
            if depth:
                spot = _step(spot, parts[depth - 1]) if spot is not None else None
            if spot is None:
                break
            packed = spot.key if spot.key is not None else spot.value
            if packed is not None:
                best = parts[:depth], _unpack(packed)
        return best

    def paths(self) -> Iterator[ModelPath]:
        """Every path with a known position."""
        stack: list[tuple[ModelPath, _Spot]] = [((), self._root)]
        while stack:
            path, spot = stack.pop()
            if spot.key is not None or spot.value is not None:
                yield path
            children = spot.children
            if isinstance(children, list):
                stack.extend(
                    ((*path, i), child) for i, child in reversed(list(enumerate(children)))
                )
            elif children:
                stack.extend(((*path, part), child) for part, child in reversed(children.items()))

    def __len__(self) -> int:
        return sum(1 for _ in self.paths())

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
    unreported: int = 0
    """Problems found past `MAX_PROBLEMS`, counted but not kept."""


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


def capped(diagnostics: Iterable[Diagnostic], source: str, unreported: int = 0) -> ModelLoadError:
    """A ModelLoadError with the first `MAX_PROBLEMS` diagnostics in position order.

    The rest, and `unreported` ones never built, are counted in one TM009 diagnostic placed
    where the first one left out is.
    """
    ordered = sorted(diagnostics, key=Diagnostic.sort_key)
    kept, left_out = ordered[:MAX_PROBLEMS], ordered[MAX_PROBLEMS:]
    unreported += len(left_out)
    if unreported:
        where = left_out[0].location if left_out else Location(file=source)
        kept.append(
            Diagnostic(
                code="TM009",
                severity=Severity.ERROR,
                message=f"{unreported:,} more {'problem' if unreported == 1 else 'problems'} "
                f"from here on not reported: only the first {MAX_PROBLEMS} are",
                location=where,
                hint="fix these and load again to see the rest",
            )
        )
    return ModelLoadError(kept)


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


SNIPPET_WIDTH = 100
"""Longest snippet shown; a longer line is cut around the column."""

_LINE_BREAK = {"yaml": re.compile("\r\n|[\n\r\x85\u2028\u2029]"), "plain": re.compile("\n")}


def with_snippets(
    diagnostics: Iterable[Diagnostic],
    text: str,
    source: str,
    *,
    breaks: Literal["yaml", "plain"] = "yaml",
) -> list[Diagnostic]:
    """The diagnostics, each located in `text` given the line it points into.

    `breaks` is how the positions count lines: as YAML does (also for JSON, whose positions
    come from reading it as YAML) or at `\\n` only (JSON syntax errors, TOML).
    """
    listed = list(diagnostics)
    wanted: set[int | None] = {
        d.location.line
        for d in listed
        if d.location.file == source
        and d.location.line is not None
        and d.location.column is not None
        and d.location.snippet is None
    }
    lines = _lines(text, wanted, _LINE_BREAK[breaks])
    out: list[Diagnostic] = []
    for d in listed:
        where = d.location
        content = lines.get(where.line) if d.location.line in wanted else None
        snippet = (
            None if content is None or where.column is None else _snippet(content, where.column)
        )
        out.append(d if snippet is None else replace(d, location=replace(where, snippet=snippet)))
    return out


def _lines(text: str, wanted: set[int | None], breaks: re.Pattern[str]) -> dict[int | None, str]:
    """The text of each wanted line (1-based), in one pass that stops after the last of them.

    Only those lines are kept: a ten-megabyte file of short lines has millions of them.
    """
    found: dict[int | None, str] = {}
    last = max((line for line in wanted if line is not None), default=0)
    start, line = 0, 1
    for match in breaks.finditer(text):
        if line > last:
            return found
        if line in wanted:
            found[line] = text[start : match.start()].rstrip("\r")
        start, line = match.end(), line + 1
    if line in wanted:
        found[line] = text[start:].rstrip("\r")
    return found


def _snippet(content: str, column: int) -> Snippet | None:
    if column > len(content) + 1:
        return None
    first = 0
    if len(content) > SNIPPET_WIDTH:
        first = min(max(0, column - 1 - SNIPPET_WIDTH // 2), len(content) - SNIPPET_WIDTH)
    shown = "".join(
        " " if char == "\t" else char if char.isprintable() else "\ufffd"
        for char in content[first : first + SNIPPET_WIDTH]
    )
    caret = column - first
    if first > 0:
        shown, caret = "…" + shown, caret + 1
    if first + SNIPPET_WIDTH < len(content):
        shown += "…"
    return Snippet(shown, caret)


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
            raise too_large(source, f"more than {MAX_NODES:,} nodes")
        if isinstance(value, dict):
            nodes += len(value)  # keys count, as they do in YAML
            children: Iterable[object] = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth + 1 > MAX_DEPTH:
            raise too_large(source, f"nested deeper than {MAX_DEPTH} levels")
        stack.extend((child, depth + 1) for child in children)


# ---------------------------------------------------------------------------------------------
# Text checks shared by every format

_NON_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""What YAML (and PyYAML's reader, and libyaml's) refuses in a document."""

_SURROGATE = re.compile("[\ud800-\udfff]")


def lone_in(text: str) -> str | None:
    """The first lone surrogate in `text`, if any (a string may hold one; UTF-8 may not)."""
    if text.isascii():
        return None
    found = _SURROGATE.search(text)
    return found.group() if found else None


def lone_surrogate(
    source: str,
    char: str,
    *,
    line: int | None = None,
    column: int | None = None,
    path: ModelPath = (),
    key: bool = False,
) -> ModelLoadError:
    """The TM008 error: a string holds a lone surrogate, half of a UTF-16 pair and no character.

    Such a string cannot be encoded as UTF-8: not to a terminal, a generated module, a JSON
    report or DynamoDB.
    """
    return ModelLoadError([lone_surrogate_diagnostic(source, char, line, column, path, key=key)])


def lone_surrogate_diagnostic(
    source: str,
    char: str,
    line: int | None,
    column: int | None,
    path: ModelPath,
    *,
    key: bool,
) -> Diagnostic:
    """The TM008 diagnostic; `char` is the surrogate."""
    return error(
        "TM008",
        f"{'a key' if key else 'a value'} holds the lone surrogate \\u{ord(char):04x}, "
        "half of a UTF-16 pair and not a character",
        source,
        line=line,
        column=column,
        path=path,
        hint="write the character itself, or both halves of its pair (in JSON, "
        "\\ud83d\\ude00 is one character)",
    )


def check_text(text: str, source: str, *, yaml_text: bool) -> None:
    """Refuse text holding a lone surrogate (TM008), or for YAML a non-printable character.

    YAML allows printable characters only; the same set both YAML parsers check, tested here
    once so that both report the first such character the same way.
    """
    bad = _NON_PRINTABLE.search(text) if yaml_text else _SURROGATE.search(text)
    if bad is None:
        return
    line, column = line_column(text, bad.start())
    char = bad.group()
    if _SURROGATE.match(char):
        raise lone_surrogate(source, char, line=line, column=column)
    raise ModelLoadError(
        [
            error(
                "TM004",
                f"unacceptable character #x{ord(char):04x}: YAML files hold printable text only",
                source,
                line=line,
                column=column,
            )
        ]
    )


# ---------------------------------------------------------------------------------------------
# YAML

YamlParser = Literal["libyaml", "python"]

YAML_PARSER: YamlParser = "libyaml" if yaml.__with_libyaml__ else "python"
"""Which parser turns YAML text into events: libyaml (PyYAML's C extension) when PyYAML has it,
else PyYAML's pure-Python parser. Both feed the same builder below, which records positions,
enforces the limits and handles aliases, merge keys and duplicate keys; the two differ only in
the wording of some syntax errors. libyaml is about ten times faster."""

_YAML_STR = "tag:yaml.org,2002:str"
_YAML_INT = "tag:yaml.org,2002:int"
# Tags whose SafeConstructor function takes a scalar node and returns its value directly.
_SCALAR_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in ("null", "bool", "int", "float", "binary", "timestamp", "str")
)
_PLAIN_TAGS = (None, "!")

# Kinds of node, as the builder returns them.
_SCALAR, _SEQUENCE, _MAPPING, _DROPPED = range(4)
# What a mapping key turned out to be.
_KEY, _MERGE, _BAD_KEY = range(3)

_Link = tuple["_Link", PathPart] | None
"""A path as a chain of (parent, part) pairs: made per node in O(1), made a tuple on demand."""


class _Mark(Protocol):
    # yaml.error.Mark from the pure-Python parser, yaml._yaml.Mark from libyaml; both 0-based.
    line: int
    column: int
    index: int


def _path(link: _Link) -> ModelPath:
    parts: list[PathPart] = []
    while link is not None:
        link, part = link
        parts.append(part)
    return tuple(reversed(parts))


def _packed(mark: _Mark) -> int:
    return (mark.line + 1) << 32 | (mark.column + 1)


def _position(mark: _Mark | None) -> Position | None:
    # PyYAML marks are 0-based.
    return None if mark is None else (mark.line + 1, mark.column + 1)


class _TooLarge(Exception):
    def __init__(self, reason: str, mark: _Mark | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.mark = mark


class _Refused(Exception):
    """A located TM004 found while building: an undefined alias, a repeated anchor."""

    def __init__(self, message: str, mark: _Mark, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark
        self.hint = hint


class _Lone(Exception):
    """A scalar that holds a lone surrogate (only the pure-Python parser lets one through)."""

    def __init__(self, value: str, mark: _Mark, link: _Link, *, key: bool) -> None:
        super().__init__(value)
        self.value = value
        self.mark = mark
        self.link = link
        self.key = key


class _Scalars(SafeConstructor, Resolver):
    """Resolves and constructs scalars exactly as yaml.safe_load does (YAML 1.1 semantics)."""

    def __init__(self) -> None:
        SafeConstructor.__init__(self)
        Resolver.__init__(self)


class _PythonParser(Reader, Scanner, Parser):
    """PyYAML's pure-Python parser, used when libyaml is not available."""

    def __init__(self, text: str) -> None:
        Reader.__init__(self, text)
        Scanner.__init__(self)
        Parser.__init__(self)


class _Anchor:
    """What an anchor (`&name`) names, built once; aliases (`*name`) share it."""

    __slots__ = ("count", "height", "kind", "mark", "spot", "tag", "value")

    def __init__(  # noqa: PLR0917  (a record, built in two places)
        self,
        value: object,
        spot: _Spot,
        kind: int,
        tag: str | None,
        count: int,
        height: int,
        mark: _Mark,
    ) -> None:
        self.value = value
        self.spot = spot
        self.kind = kind
        self.tag = tag
        self.count = count  # nodes, aliases inside it expanded
        self.height = height  # levels of nesting it adds
        self.mark = mark


_Source = tuple[dict[object, object], "dict[PathPart, _Spot] | list[_Spot] | None"]
"""A mapping merged by `<<`: its data and the positions of its entries."""


class _YamlBuilder:
    """Turns parser events into plain data and positions in one pass, enforcing the limits.

    Every node is counted as its event arrives, so a document past a limit is refused while it
    is being parsed, before the rest of it is read. An anchored node is built once; an alias
    shares its data and positions and counts its size again, which is what stops "billion
    laughs" documents without expanding them. Duplicate keys and unsupported tags are
    collected as problems; everything else that is wrong ends the build with an exception.
    """

    def __init__(self, parser: Any, text: str, source: str) -> None:
        self.get = parser.get_event
        self.text = text
        self.libyaml = not isinstance(parser, _PythonParser)
        self.source = source
        self.scalars = _Scalars()
        # Implicit resolvers by first character, the catch-all ones (key None) appended.
        resolvers = self.scalars.yaml_implicit_resolvers
        catch_all = resolvers.get(None, [])
        self.implicit: dict[str, list[tuple[str, re.Pattern[str]]]] = {
            first: [*found, *catch_all] for first, found in resolvers.items() if first is not None
        }
        if catch_all:
            self.implicit = collections.defaultdict(lambda: list(catch_all), self.implicit)
        self.problems: list[Diagnostic] = []
        self.unreported = 0  # problems past MAX_PROBLEMS
        self.complete = True
        self.nodes = 0
        self.expanded = False
        self.depth = 0
        self.deepest = 0
        self.muted = 0  # inside a node that is dropped: its problems are not reported
        self.anchors: dict[str, _Anchor] = {}
        self.open: dict[str, _Mark] = {}  # anchors whose node is being built
        self.where: tuple[_Link, bool] = (None, False)  # the node being read, and if a key

    # -- problems and limits

    def problem(
        self,
        message: str,
        at: Position | None,
        link: _Link,
        hint: str | None = None,
        found: str | None = None,
        *,
        dropped: bool = True,
        path: ModelPath | None = None,
    ) -> None:
        # `dropped`: the value in question is left out of the data (all but duplicates).
        if self.muted:
            return
        self.complete = self.complete and not dropped
        if len(self.problems) > MAX_PROBLEMS:  # one more, to place TM009
            self.unreported += 1
            return
        self.problems.append(
            error(
                "TM004",
                message,
                self.source,
                line=at[0] if at else None,
                column=at[1] if at else None,
                path=_path(link) if path is None else path,
                hint=hint,
                found=found,
            )
        )

    def reported(self) -> bool:
        """Whether one more problem would be kept; if not, it is only counted, as here."""
        if self.muted or len(self.problems) <= MAX_PROBLEMS:
            return True
        self.unreported += 1
        return False

    def count(self, mark: _Mark, nodes: int = 1) -> None:
        self.nodes += nodes
        if self.nodes > MAX_NODES:
            more = " once aliases are expanded" if self.expanded else ""
            raise _TooLarge(f"more than {MAX_NODES:,} nodes{more}", mark)

    def enter(self, mark: _Mark) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _TooLarge(f"nested deeper than {MAX_DEPTH} levels", mark)
        self.deepest = max(self.deepest, self.depth)

    # -- the document

    def document(self) -> tuple[object, _Spot] | None:
        """The one document's data and positions, or None for an empty document."""
        get = self.get
        get()  # stream start
        if isinstance(get(), yaml.StreamEndEvent):  # else the document start
            return None
        root = get()
        empty = (
            type(root) is yaml.ScalarEvent
            and root.value == ""
            and root.anchor is None
            and self.tag(root) == _YAML_NULL
        )
        value, spot, _ = self.node(root, None)
        get()  # document end
        following = get()
        if not isinstance(following, yaml.StreamEndEvent):
            raise _Refused(
                "the file holds more than one YAML document",
                following.start_mark,
                hint="keep one model per file; remove the `---` separator",
            )
        return None if empty else (value, spot)

    # -- nodes

    def node(self, event: Any, link: _Link) -> tuple[object, _Spot, int]:
        kind = type(event)
        if kind is yaml.AliasEvent:
            return self.alias(event)
        if event.anchor is not None:
            return self.anchored(event, link)
        if kind is yaml.ScalarEvent:
            return (*self.leaf(event, link), _SCALAR)
        if kind is yaml.SequenceStartEvent:
            return self.sequence(event, link)
        return self.mapping(event, link)

    def leaf(self, event: Any, link: _Link) -> tuple[object, _Spot]:
        """A scalar without an anchor, the most frequent node: counted, read and placed."""
        mark = event.start_mark
        self.nodes += 1
        if self.nodes > MAX_NODES:
            self.count(mark, 0)  # raises
        value = self.scalar(event, self.tag(event), link, key=False)
        return value, _Spot((mark.line + 1) << 32 | (mark.column + 1))

    def tag(self, event: Any) -> str:
        """The scalar's tag, resolved from its text when it has none (`1` is an int)."""
        tag: str | None = event.tag
        if tag is not None and tag != "!":
            return tag
        value: str = event.value
        if not event.implicit[0]:  # quoted, or a block scalar
            return _YAML_STR
        if value.isdigit() and value.isascii() and value[0] != "0":
            return _YAML_INT  # what the int resolver says of plain decimals, sooner
        # What Resolver.resolve does, without building a list per call.
        for tag, pattern in self.implicit.get(value[:1], ()):
            if pattern.match(value):
                return tag
        return _YAML_STR

    def scalar(self, event: Any, tag: str, link: _Link, *, key: bool) -> object:
        value: str = event.value
        if tag == _YAML_STR:
            if not value.isascii() and _SURROGATE.search(value):
                raise _Lone(value, event.start_mark, link, key=key)
            return value
        if tag == _YAML_INT and value.isdigit() and value.isascii() and value[0] != "0":
            return int(value)  # the common case of SafeConstructor's int: plain decimal
        # The SafeLoader constructors give YAML 1.1 semantics (ints, floats, booleans, null,
        # timestamps); unknown tags such as !!python/object raise ConstructorError.
        node = yaml.ScalarNode(tag, value, event.start_mark, event.end_mark, style=event.style)
        try:
            if tag in _SCALAR_TAGS:
                return self.scalars.yaml_constructors[tag](self.scalars, node)
            try:
                return self.scalars.construct_object(node, deep=True)
            finally:
                self.scalars.constructed_objects.clear()
                self.scalars.recursive_objects.clear()
        except ConstructorError as exc:
            self.problem(
                f"cannot read value: {exc.problem or exc}",
                _position(event.start_mark),
                link,
                hint="model files hold plain mappings, lists and scalars; remove the tag",
            )
        except Exception as exc:  # e.g. an int with more digits than Python converts
            self.problem(f"cannot read value: {exc}", _position(event.start_mark), link)
        return None

    def claim(self, name: str, mark: _Mark) -> None:
        first = self.anchors[name].mark if name in self.anchors else self.open.get(name)
        if first is not None:
            line, column = first.line + 1, first.column + 1
            raise _Refused(
                f"YAML syntax error: the anchor `&{name}` is defined twice, first at line "
                f"{line}, column {column}",
                mark,
                hint="give each anchor its own name",
            )

    def anchored(self, event: Any, link: _Link) -> tuple[object, _Spot, int]:
        name: str = event.anchor
        mark = event.start_mark
        self.claim(name, mark)
        self.open[name] = mark
        nodes, outer, self.deepest = self.nodes, self.deepest, self.depth
        tag: str | None = None
        if type(event) is yaml.ScalarEvent:
            self.count(mark)
            tag = self.tag(event)
            value = self.scalar(event, tag, link, key=False)
            spot, kind = _Spot(_packed(mark)), _SCALAR
        elif type(event) is yaml.SequenceStartEvent:
            value, spot, kind = self.sequence(event, link)
        else:
            value, spot, kind = self.mapping(event, link)
        del self.open[name]
        height = self.deepest - self.depth
        self.deepest = max(outer, self.deepest)
        self.anchors[name] = _Anchor(value, spot, kind, tag, self.nodes - nodes, height, mark)
        return value, spot, kind

    def target(self, event: Any) -> _Anchor:
        name: str = event.anchor
        found = self.anchors.get(name)
        if found is not None:
            return found
        if name in self.open:
            raise _TooLarge(
                f"nested deeper than {MAX_DEPTH} levels: the alias `*{name}` is inside the node "
                "it names, which repeats it without end",
                event.start_mark,
            )
        raise _Refused(
            f"YAML syntax error: the alias `*{name}` names no anchor defined before it",
            event.start_mark,
            hint=f"define the node once with `&{name}` above its first use",
        )

    def alias(self, event: Any) -> tuple[object, _Spot, int]:
        target = self.target(event)
        mark = event.start_mark
        self.expanded = True
        self.count(mark, target.count)
        depth = self.depth + target.height
        if depth > MAX_DEPTH:
            raise _TooLarge(f"nested deeper than {MAX_DEPTH} levels", mark)
        self.deepest = max(self.deepest, depth)
        return target.value, _Spot(_packed(mark), target.spot.children), target.kind

    def after_colon(self, key_end: _Mark) -> int | None:
        """Where an empty value is: right after the `:` that follows its key.

        The pure-Python parser puts it there; libyaml at the next token, which may be the next
        line's key, so that "`name` is empty" would point at the line below.
        """
        index = key_end.index
        text = self.text
        while text[index : index + 1] in {" ", "\t"}:
            index += 1
        if text[index : index + 1] != ":":
            return None
        return (key_end.line + 1) << 32 | (key_end.column + 1 + index + 1 - key_end.index)

    def drop(self, event: Any, link: _Link) -> None:
        """Read a node that is left out of the data (its anchors still count)."""
        self.muted += 1
        try:
            self.node(event, link)
        finally:
            self.muted -= 1

    def unsupported(self, tag: str, mark: _Mark, link: _Link) -> None:
        self.problem(
            f"unsupported YAML tag `{tag}`",
            _position(mark),
            link,
            hint="model files hold plain mappings, lists and scalars; remove the tag",
        )

    def sequence(self, start: Any, link: _Link) -> tuple[object, _Spot, int]:
        mark = start.start_mark
        self.count(mark)
        self.enter(mark)
        supported = start.tag in _PLAIN_TAGS or start.tag == _YAML_SEQ
        if not supported:
            self.muted += 1
        items: list[object] = []
        spots: list[_Spot] = []
        get, node, leaf = self.get, self.node, self.leaf
        index = 0
        while True:
            child: _Link = (link, index)
            self.where = (child, False)
            event = get()
            kind = type(event)
            if kind is yaml.SequenceEndEvent:
                break
            if kind is yaml.ScalarEvent and event.anchor is None:
                value, spot = leaf(event, child)
            else:
                value, spot, _ = node(event, child)
            items.append(value)
            spots.append(spot)
            index += 1
        self.depth -= 1
        if not supported:
            self.muted -= 1
            self.unsupported(start.tag, mark, link)
            return None, _Spot(_packed(mark)), _DROPPED
        return items, _Spot(_packed(mark), spots), _SEQUENCE

    def mapping(self, start: Any, link: _Link) -> tuple[object, _Spot, int]:
        mark = start.start_mark
        self.count(mark)
        self.enter(mark)
        supported = start.tag in _PLAIN_TAGS or start.tag == _YAML_MAP
        if not supported:
            self.muted += 1
        entries: list[tuple[object, PathPart, object, _Spot]] = []
        merges: list[list[_Source]] = []
        first_seen: dict[object, int] = {}
        get = self.get
        while True:
            self.where = (link, True)
            event = get()
            if type(event) is yaml.MappingEndEvent:
                break
            what, key, key_mark = self.key(event, link)
            if what == _MERGE:
                merges.append(self.merge_sources(get(), link))
                continue
            if what == _BAD_KEY:
                self.drop(get(), link)
                continue
            try:
                hash(key)
            except TypeError:
                self.problem("mapping key cannot be used as a name", _position(key_mark), link)
                self.drop(get(), link)
                continue
            part = key_part(key)
            here = _packed(key_mark)
            if key in first_seen and self.reported():
                before = _unpack(first_seen[key])
                at = _unpack(here)
                self.problem(
                    f"duplicate key `{part}` in {_where(_path(link))}: first at "
                    f"{_at(before, at)}, again at {_at(at, before)}",
                    at,
                    link,
                    hint="each key may appear once in a mapping; merge the two entries",
                    found=str(part),
                    dropped=False,
                    path=(*_path(link), part),
                )
            first_seen[key] = here
            child: _Link = (link, part)
            self.where = (child, False)
            value_event = get()
            if type(value_event) is yaml.ScalarEvent and value_event.anchor is None:
                value, spot = self.leaf(value_event, child)
                if self.libyaml and _is_empty(value_event):
                    spot.value = self.after_colon(event.end_mark) or spot.value
            else:
                value, spot, _ = self.node(value_event, child)
            spot.key = here
            entries.append((key, part, value, spot))
        self.depth -= 1
        if not supported:
            self.muted -= 1
            self.unsupported(start.tag, mark, link)
            return None, _Spot(_packed(mark)), _DROPPED
        result: dict[object, object] = {}
        children: dict[PathPart, _Spot] = {}
        # Merge keys (`<<: *base`) give defaults that explicit keys override; the first of a
        # list of merged mappings wins, as with PyYAML's SafeLoader.
        for sources in merges:
            for data, spots in reversed(sources):
                result.update(data)
                if isinstance(spots, dict):
                    children.update(spots)
        for key, part, value, spot in entries:
            result[key] = value
            children[part] = spot
        return result, _Spot(_packed(mark), children), _MAPPING

    def key(self, event: Any, link: _Link) -> tuple[int, object, _Mark]:
        mark = event.start_mark
        kind = type(event)
        if kind is yaml.ScalarEvent:
            self.count(mark)
            if event.anchor is not None:
                self.claim(event.anchor, mark)
            tag = self.tag(event)
            value = event.value if tag == _YAML_MERGE else self.scalar(event, tag, link, key=True)
            if event.anchor is not None:
                self.anchors[event.anchor] = _Anchor(
                    value, _Spot(_packed(mark)), _SCALAR, tag, 1, 0, mark
                )
            return (_MERGE if tag == _YAML_MERGE else _KEY), value, mark
        if kind is yaml.AliasEvent:
            target = self.target(event)
            if target.kind == _SCALAR:
                if target.tag == _YAML_MERGE:
                    return _MERGE, None, mark
                self.expanded = True
                self.count(mark)
                return _KEY, target.value, mark
            noun = "lists" if target.kind == _SEQUENCE else "mappings"
        else:
            noun = "lists" if kind is yaml.SequenceStartEvent else "mappings"
            self.drop(event, link)
        self.problem(
            f"mapping keys in {_where(_path(link))} must be plain names, not {noun}",
            _position(mark),
            link,
        )
        return _BAD_KEY, None, mark

    def merge_sources(self, event: Any, link: _Link) -> list[_Source]:
        """The mappings a merge key (`<<`) names, in the order written."""
        if type(event) is not yaml.SequenceStartEvent:
            return self.merge_source(event, link)
        mark = cast(_Mark, event.start_mark)
        self.count(mark)
        self.enter(mark)
        sources: list[_Source] = []
        while True:
            item = self.get()
            if type(item) is yaml.SequenceEndEvent:
                break
            sources.extend(self.merge_source(item, link))
        self.depth -= 1
        return sources

    def merge_source(self, event: Any, link: _Link) -> list[_Source]:
        wrong = "a merge key (`<<`) takes a mapping or a list of mappings"
        if type(event) is yaml.AliasEvent:
            name = cast(str, event.anchor)
            start = cast(_Mark, event.start_mark)
            if name in self.open:
                self.problem(
                    "a merge key (`<<`) cannot include the mapping it is in",
                    _position(self.open[name]),
                    link,
                )
                return []
            target = self.target(event)
            self.expanded = True
            self.count(start, target.count)
            if self.depth + target.height - 1 > MAX_DEPTH:
                raise _TooLarge(f"nested deeper than {MAX_DEPTH} levels", start)
            if target.kind == _MAPPING:
                assert isinstance(target.value, dict)
                return [(target.value, target.spot.children)]
            if target.kind == _SEQUENCE and isinstance(target.value, list):
                # A list of mappings under an anchor: each item is merged.
                assert isinstance(target.spot.children, list)
                found: list[_Source] = []
                for value, spot in zip(target.value, target.spot.children, strict=True):
                    if isinstance(value, dict):
                        found.append((value, spot.children))
                    else:
                        at = None if spot.value is None else _unpack(spot.value)
                        self.problem(wrong, at, link)
                return found
            self.problem(wrong, _position(target.mark), link)
            return []
        value, spot, kind = self.node(event, link)
        if kind == _MAPPING and isinstance(value, dict):
            return [(value, spot.children)]
        if kind != _DROPPED:
            self.problem(wrong, _position(event.start_mark), link)
        return []


def _is_empty(event: Any) -> bool:
    """An empty plain scalar: what a parser makes of a key with no value."""
    return (
        type(event) is yaml.ScalarEvent
        and event.value == ""
        and not event.style  # plain: None from PyYAML, "" from libyaml
        and event.tag is None
        and event.anchor is None
    )


def _where(path: ModelPath) -> str:
    return f"`{format_path(path)}`" if path else "the top level"


def _at(where: Position | None, other: Position | None) -> str:
    # Columns only matter to tell two keys on one line apart (JSON and flow mappings).
    if where is None:
        return "an unknown line"
    if other is not None and other[0] == where[0]:
        return f"line {where[0]}, column {where[1]}"
    return f"line {where[0]}"


RETRY_LIMIT = 1024 * 1024
"""Largest YAML text read again by the pure-Python parser when libyaml refuses it."""


class _Retry(Exception):
    """libyaml refused the text; the pure-Python parser may accept it, or explain it better."""

    def __init__(self, refusal: ModelLoadError) -> None:
        super().__init__(str(refusal))
        self.refusal = refusal


def parse_yaml(text: str, source: str) -> ParsedDocument:
    """Parse one YAML document safely into plain data and positions.

    Raises ModelLoadError for syntax errors, several documents, empty documents and
    documents past the limits; duplicate keys and unsupported tags come back as problems.

    libyaml reads the text when PyYAML has it. When libyaml refuses a text of up to
    `RETRY_LIMIT`, PyYAML's own parser reads it again: that parser accepts a few forms libyaml
    does not (`{a:[1]}`, a `:` right before a flow collection) and its error messages are the
    ones tablemodel has always given, so a hand-written model reads the same with or without
    libyaml. Larger texts keep libyaml's answer, which comes in a fraction of the time.
    """
    check_text(text, source, yaml_text=True)
    if YAML_PARSER == "python":
        return _parse_yaml(_PythonParser(text), text, source, retry=False)
    from yaml._yaml import CParser  # noqa: PLC0415  (only where PyYAML has libyaml)

    try:
        return _parse_yaml(CParser(text), text, source, retry=len(text) <= RETRY_LIMIT)
    except _Retry:
        return _parse_yaml(_PythonParser(text), text, source, retry=False)


def _parse_yaml(parser: Any, text: str, source: str, *, retry: bool) -> ParsedDocument:
    builder = _YamlBuilder(parser, text, source)
    try:
        built = builder.document()
    except _TooLarge as exc:
        raise too_large(source, exc.reason, *(_position(exc.mark) or (1, 1))) from None
    except _Refused as exc:
        line, column = _position(exc.mark) or (1, 1)
        raise ModelLoadError(
            [error("TM004", exc.message, source, line=line, column=column, hint=exc.hint)]
        ) from None
    except _Lone as exc:
        at = _position(exc.mark)
        char = _SURROGATE.search(exc.value)
        raise lone_surrogate(
            source,
            char.group() if char else exc.value,
            line=at[0] if at else None,
            column=at[1] if at else None,
            path=_path(exc.link),
            key=exc.key,
        ) from None
    except RecursionError:
        raise too_large(source, f"nested deeper than {MAX_DEPTH} levels") from None
    except yaml.YAMLError as exc:
        refusal = _yaml_error(exc, text, source, builder.where)
        if retry:
            raise _Retry(refusal) from None
        raise refusal from None
    except ValueError as exc:
        # The pure-Python scanner lets chr() fail on an escape past U+10FFFF.
        mark = parser.get_mark() if isinstance(parser, _PythonParser) else None
        line, column = _position(mark) or (1, 1)
        raise ModelLoadError(
            [error("TM004", f"YAML syntax error: {exc}", source, line=line, column=column)]
        ) from None
    finally:
        parser.dispose()
    if built is None:
        raise empty_document(source)
    data, spot = built
    return ParsedDocument(
        data, PositionMap._of(spot), builder.problems, builder.complete, builder.unreported
    )


# ---------------------------------------------------------------------------------------------
# YAML syntax errors, located where the mistake is

_BREAKS = "\n\r\x85\u2028\u2029"
_LONE_KEY = re.compile(r"[A-Za-z0-9_.$-]+")


def _yaml_error(
    exc: yaml.YAMLError, text: str, source: str, where: tuple[_Link, bool]
) -> ModelLoadError:
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
    if isinstance(exc, MarkedYAMLError) and "maximum nesting depth" in (exc.problem or ""):
        # libyaml stops at 1,000 levels of flow nesting, looking ahead of the builder.
        return too_large(
            source,
            f"nested deeper than {MAX_DEPTH} levels",
            *(_position(exc.problem_mark) or (1, 1)),
        )
    if isinstance(exc, MarkedYAMLError):
        escape = _bad_escape(exc, text)
        if escape is not None and _SURROGATE.match(escape):
            # libyaml refuses the escape the pure-Python parser lets through: report it the
            # same way, at the start of the scalar.
            at = _position(exc.context_mark or exc.problem_mark) or (1, 1)
            return lone_surrogate(
                source, escape, line=at[0], column=at[1], path=_path(where[0]), key=where[1]
            )
        message, at, hint = _syntax_error(exc, text)
        return ModelLoadError(
            [error("TM004", message, source, line=at[0], column=at[1], hint=hint)]
        )
    return ModelLoadError([error("TM004", f"cannot parse YAML: {exc}", source, line=1, column=1)])


def _bad_escape(exc: MarkedYAMLError, text: str) -> str | None:
    """The character of a `\\u`, `\\U` or `\\x` escape libyaml refused, if that is the error."""
    mark = exc.problem_mark
    if mark is None or "escape code" not in (exc.problem or ""):
        return None
    width = {"x": 2, "u": 4, "U": 8}.get(text[mark.index - 1 : mark.index])
    if width is None:
        return None
    digits = text[mark.index : mark.index + width]
    try:
        code = int(digits, 16)
    except ValueError:
        return None
    return chr(code) if len(digits) == width and code <= 0x10FFFF else None


def _syntax_error(exc: MarkedYAMLError, text: str) -> tuple[str, Position, str | None]:
    """Message, position and hint for a YAML syntax error, at the mistake rather than after it.

    A parser notices some mistakes only further on: an unclosed quote at the end of the file,
    an unclosed `[` at the next `:`, a key without its `:` on the next line. Those point back
    at what was left open, and say where the parser noticed.
    """
    problem = exc.problem or "invalid YAML"
    context = exc.context or ""
    found, opened = exc.problem_mark, exc.context_mark
    at = _position(found or opened) or (1, 1)
    noticed = f"line {at[0]}, column {at[1]}"
    if found is not None and opened is not None and opened.line < found.line:
        start = _position(opened) or at
        if context == "while scanning a quoted scalar":
            return (
                "YAML syntax error: the quoted text that starts here is never closed",
                start,
                f"add the closing quote; the parser reached {noticed} looking for it",
            )
        if context in {"while parsing a flow sequence", "while parsing a flow mapping"}:
            bracket = text[opened.index : opened.index + 1] or "["
            return (
                f"YAML syntax error: the `{bracket}` here is not closed: {problem} at {noticed}",
                start,
                None,
            )
        if context == "while scanning a simple key":
            return (
                "YAML syntax error: could not find the `:` expected after this key",
                start,
                None,
            )
    hint = None
    if found is not None:
        if text[found.index : found.index + 1] == "\t":
            hint = "YAML indents with spaces; replace the tab by spaces"
        elif problem.startswith("mapping values are not allowed"):
            missing = _missing_colon(text, found.index)
            if missing is not None:
                return (
                    f"YAML syntax error: expected `:` after `{missing[0]}`",
                    missing[1],
                    f"without it, the next line reads as part of this value ({problem} "
                    f"at {noticed})",
                )
    message = f"YAML syntax error: {problem}"
    if context:
        message += f" ({context})"
    return message, at, hint


def _missing_colon(text: str, index: int) -> tuple[str, Position] | None:
    """The key on an earlier line that lacks its `:`, when that is why `index` holds a `:`.

    `entities:` then `  Racer` then `  attributes: ...` reads as one value `Racer attributes`
    followed by a `:` the parser cannot place; the mistake is the missing `:` after `Racer`.
    """
    line_start = max(text.rfind(b, 0, index) for b in _BREAKS) + 1
    if not _LONE_KEY.fullmatch(text[line_start:index].strip()):
        return None
    end = line_start - 1
    while end > 0:
        start = max(text.rfind(b, 0, end) for b in _BREAKS) + 1
        content = text[start:end].split(" #", maxsplit=1)[0].rstrip()
        if content.strip() and not content.lstrip().startswith("#"):
            if _LONE_KEY.fullmatch(content.strip()):
                return content.strip(), _yaml_line_column(text, start + len(content))
            return None
        end = start - 1
    return None


_YAML_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")


def _yaml_line_column(text: str, index: int) -> Position:
    """1-based line and column of `index`, counting line breaks as YAML does."""
    breaks = list(_YAML_BREAK.finditer(text, 0, index))
    start = breaks[-1].end() if breaks else 0
    return len(breaks) + 1, index - start + 1


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
        syntax = error(
            "TM004", f"JSON syntax error: {exc.msg}", source, line=exc.lineno, column=exc.colno
        )
        raise ModelLoadError(with_snippets([syntax], text, source, breaks="plain")) from None
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


# A `\\u` escape of a surrogate, not itself escaped: composed as YAML, libyaml refuses it and the
# pure-Python parser would make two lone surrogates of a pair JSON reads as one character.
_JSON_SURROGATE_ESCAPE = re.compile(r"(?<!\\)((?:\\\\)*)\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _json_positions(text: str, source: str) -> tuple[PositionMap, list[Diagnostic]]:
    # JSON is nearly a subset of YAML's flow style. Tabs are whitespace in JSON but cannot
    # start a YAML token; outside strings they are only whitespace (JSON strings cannot hold
    # raw tabs), so replacing each by one space keeps every column. Surrogate escapes become
    # `\\u0058` and characters YAML refuses `?` (as long, so columns stay). If composing still
    # fails, errors are located by path alone.
    start = len(text) - len(text.lstrip())
    fallback = PositionMap(values={(): line_column(text, start)})
    composable = _JSON_SURROGATE_ESCAPE.sub(r"\1\\u0058", text.replace("\t", " "))
    composable = _NON_PRINTABLE.sub("?", composable)  # DEL and C1 controls may be in strings
    try:
        parsed = parse_yaml(composable, source)
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
        escape = _toml_surrogate_escape(text, line, column) if match else None
        if escape is not None:
            raise lone_surrogate(source, escape[0], line=line, column=escape[1]) from None
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


Format = Literal["yaml", "json", "toml"]


def parse(text: str, source: str, format: Format) -> ParsedDocument:
    """Parse `text` in `format` into plain data, positions and non-fatal problems."""
    if format != "yaml":
        check_text(text, source, yaml_text=False)
    if format == "json":
        return parse_json(text, source)
    if format == "toml":
        return parse_toml(text, source)
    return parse_yaml(text, source)
