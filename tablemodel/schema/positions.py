"""Where each part of a model document is written: the position map the readers fill.

A `PositionMap` maps a path inside the document (`("entities", "Racer", "keys", "PK")`, list
indexes as ints) to the 1-based line and column of the key and of the value, so that schema
errors found later on plain data can point at the text. Positions are a tree of packed ints
(`Spot`), not a dict of whole paths: a deep and wide document costs tens of bytes a node.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import field

from tablemodel.diagnostics import Diagnostic, PathPart
from tablemodel.records import mutable_record

ModelPath = tuple[PathPart, ...]
Position = tuple[int, int]


class Spot:
    """One node of a document in a `PositionMap`: its key and value positions and children.

    Positions are packed into one int (`line << 32 | column`) and the map is a tree rather than
    a dict of whole paths, so that a large or deeply nested document costs a few dozen bytes
    per node. A YAML alias shares the children of the node it names.
    """

    __slots__ = ("children", "key", "value")

    def __init__(
        self,
        value: int | None = None,
        children: dict[PathPart, Spot] | list[Spot] | None = None,
        key: int | None = None,
    ) -> None:
        self.value = value
        self.children = children
        self.key = key


def pack(position: Position) -> int:
    return position[0] << 32 | position[1]


def unpack(packed: int) -> Position:
    return packed >> 32, packed & 0xFFFFFFFF


def _step(spot: Spot, part: PathPart) -> Spot | None:
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
        self._root = Spot()
        for path, position in (keys or {}).items():
            self._make(path).key = pack(position)
        for path, position in (values or {}).items():
            self._make(path).value = pack(position)

    @classmethod
    def _of(cls, root: Spot) -> PositionMap:
        made = cls()
        made._root = root
        return made

    def _make(self, path: Sequence[PathPart]) -> Spot:
        spot = self._root
        for part in path:
            if spot.children is None:
                spot.children = {}
            assert isinstance(spot.children, dict)  # only parsers build list children
            child = spot.children.get(part)
            if child is None:
                child = spot.children[part] = Spot()
            spot = child
        return spot

    def _find(self, path: Sequence[PathPart]) -> Spot | None:
        spot: Spot | None = self._root
        for part in path:
            if spot is None:
                return None
            spot = _step(spot, part)
        return spot

    def key_position(self, path: Sequence[PathPart]) -> Position | None:
        """Line and column of the key that introduces `path`, if it has one."""
        spot = self._find(path)
        return None if spot is None or spot.key is None else unpack(spot.key)

    def value_position(self, path: Sequence[PathPart]) -> Position | None:
        """Line and column where the value at `path` starts."""
        spot = self._find(path)
        return None if spot is None or spot.value is None else unpack(spot.value)

    def nearest(self, path: Sequence[PathPart]) -> tuple[ModelPath, Position] | None:
        """The closest known path at or above `path`, with its position (key first)."""
        spot: Spot | None = self._root
        best: tuple[ModelPath, Position] | None = None
        parts = tuple(path)
        for depth in range(len(parts) + 1):
            if depth:
                spot = _step(spot, parts[depth - 1]) if spot is not None else None
            if spot is None:
                break
            packed = spot.key if spot.key is not None else spot.value
            if packed is not None:
                best = parts[:depth], unpack(packed)
        return best

    def paths(self) -> Iterator[ModelPath]:
        """Every path with a known position."""
        stack: list[tuple[ModelPath, Spot]] = [((), self._root)]
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


@mutable_record
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


def line_column(text: str, index: int) -> Position:
    """1-based line and column of character `index` in `text`."""
    line = text.count("\n", 0, index) + 1
    start = text.rfind("\n", 0, index) + 1
    return line, index - start + 1
