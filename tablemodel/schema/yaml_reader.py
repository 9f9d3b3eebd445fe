"""YAML to plain data and positions in one pass over the parser's events.

libyaml's events when PyYAML has it, PyYAML's pure-Python parser otherwise (`YAML_PARSER`).
Every node is counted as its event arrives, so a document past a limit is refused while it is
read; an anchor is built once and an alias shares it and counts its size again, so alias bombs
cost nothing to refuse. Duplicate keys, unsupported tags and keys that are not names are
located problems. One concept over 600 lines: the builder is one state machine over events.
"""

from __future__ import annotations

import collections
import re
from typing import Any, Literal, cast

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from tablemodel.diagnostics import Diagnostic, ModelLoadError, PathPart
from tablemodel.schema.positions import (
    ModelPath,
    ParsedDocument,
    Position,
    PositionMap,
    Spot,
    key_part,
    unpack,
)
from tablemodel.schema.problems import (
    MAX_DEPTH,
    MAX_NODES,
    MAX_PROBLEMS,
    SURROGATE,
    SYNTAX_ERROR,
    check_text,
    empty_document,
    error,
    lone_surrogate,
    too_large,
    where_text,
)
from tablemodel.schema.yaml_syntax import Link, Mark, link_path, mark_position, packed, yaml_error

_YAML_MAP = "tag:yaml.org,2002:map"
_YAML_SEQ = "tag:yaml.org,2002:seq"
_YAML_MERGE = "tag:yaml.org,2002:merge"
_YAML_NULL = "tag:yaml.org,2002:null"


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


class _TooLarge(Exception):
    def __init__(self, reason: str, mark: Mark | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.mark = mark


class _Refused(Exception):
    """A located TM004 found while building: an undefined alias, a repeated anchor."""

    def __init__(self, message: str, mark: Mark, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark
        self.hint = hint


class _Lone(Exception):
    """A scalar that holds a lone surrogate (only the pure-Python parser lets one through)."""

    def __init__(self, value: str, mark: Mark, link: Link, *, key: bool) -> None:
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
        spot: Spot,
        kind: int,
        tag: str | None,
        count: int,
        height: int,
        mark: Mark,
    ) -> None:
        self.value = value
        self.spot = spot
        self.kind = kind
        self.tag = tag
        self.count = count  # nodes, aliases inside it expanded
        self.height = height  # levels of nesting it adds
        self.mark = mark


_Source = tuple[dict[object, object], "dict[PathPart, Spot] | list[Spot] | None"]
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
        self.open: dict[str, Mark] = {}  # anchors whose node is being built
        self.where: tuple[Link, bool] = (None, False)  # the node being read, and if a key

    # -- problems and limits

    def problem(
        self,
        message: str,
        at: Position | None,
        link: Link,
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
                SYNTAX_ERROR,
                message,
                self.source,
                line=at[0] if at else None,
                column=at[1] if at else None,
                path=link_path(link) if path is None else path,
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

    def count(self, mark: Mark, nodes: int = 1) -> None:
        self.nodes += nodes
        if self.nodes > MAX_NODES:
            more = " once aliases are expanded" if self.expanded else ""
            raise _TooLarge(f"more than {MAX_NODES:,} nodes{more}", mark)

    def enter(self, mark: Mark) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _TooLarge(f"nested deeper than {MAX_DEPTH} levels", mark)
        self.deepest = max(self.deepest, self.depth)

    # -- the document

    def document(self) -> tuple[object, Spot] | None:
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

    def node(self, event: Any, link: Link) -> tuple[object, Spot, int]:
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

    def leaf(self, event: Any, link: Link) -> tuple[object, Spot]:
        """A scalar without an anchor, the most frequent node: counted, read and placed."""
        mark = event.start_mark
        self.nodes += 1
        if self.nodes > MAX_NODES:
            self.count(mark, 0)  # raises
        value = self.scalar(event, self.tag(event), link, key=False)
        return value, Spot((mark.line + 1) << 32 | (mark.column + 1))

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

    def scalar(self, event: Any, tag: str, link: Link, *, key: bool) -> object:
        value: str = event.value
        if tag == _YAML_STR:
            if not value.isascii() and SURROGATE.search(value):
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
                mark_position(event.start_mark),
                link,
                hint="model files hold plain mappings, lists and scalars; remove the tag",
            )
        except Exception as exc:  # e.g. an int with more digits than Python converts
            self.problem(f"cannot read value: {exc}", mark_position(event.start_mark), link)
        return None

    def claim(self, name: str, mark: Mark) -> None:
        first = self.anchors[name].mark if name in self.anchors else self.open.get(name)
        if first is not None:
            line, column = first.line + 1, first.column + 1
            raise _Refused(
                f"YAML syntax error: the anchor `&{name}` is defined twice, first at line "
                f"{line}, column {column}",
                mark,
                hint="give each anchor its own name",
            )

    def anchored(self, event: Any, link: Link) -> tuple[object, Spot, int]:
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
            spot, kind = Spot(packed(mark)), _SCALAR
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

    def alias(self, event: Any) -> tuple[object, Spot, int]:
        target = self.target(event)
        mark = event.start_mark
        self.expanded = True
        self.count(mark, target.count)
        depth = self.depth + target.height
        if depth > MAX_DEPTH:
            raise _TooLarge(f"nested deeper than {MAX_DEPTH} levels", mark)
        self.deepest = max(self.deepest, depth)
        return target.value, Spot(packed(mark), target.spot.children), target.kind

    def after_colon(self, key_end: Mark) -> int | None:
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

    def drop(self, event: Any, link: Link) -> None:
        """Read a node that is left out of the data (its anchors still count)."""
        self.muted += 1
        try:
            self.node(event, link)
        finally:
            self.muted -= 1

    def unsupported(self, tag: str, mark: Mark, link: Link) -> None:
        self.problem(
            f"unsupported YAML tag `{tag}`",
            mark_position(mark),
            link,
            hint="model files hold plain mappings, lists and scalars; remove the tag",
        )

    def sequence(self, start: Any, link: Link) -> tuple[object, Spot, int]:
        mark = start.start_mark
        self.count(mark)
        self.enter(mark)
        supported = start.tag in _PLAIN_TAGS or start.tag == _YAML_SEQ
        if not supported:
            self.muted += 1
        items: list[object] = []
        spots: list[Spot] = []
        get, node, leaf = self.get, self.node, self.leaf
        index = 0
        while True:
            child: Link = (link, index)
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
            return None, Spot(packed(mark)), _DROPPED
        return items, Spot(packed(mark), spots), _SEQUENCE

    def mapping(self, start: Any, link: Link) -> tuple[object, Spot, int]:
        mark = start.start_mark
        self.count(mark)
        self.enter(mark)
        supported = start.tag in _PLAIN_TAGS or start.tag == _YAML_MAP
        if not supported:
            self.muted += 1
        entries: list[tuple[object, PathPart, object, Spot]] = []
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
                self.problem("mapping key cannot be used as a name", mark_position(key_mark), link)
                self.drop(get(), link)
                continue
            part = key_part(key)
            here = packed(key_mark)
            if key in first_seen and self.reported():
                before = unpack(first_seen[key])
                at = unpack(here)
                self.problem(
                    f"duplicate key `{part}` in {where_text(link_path(link))}: first at "
                    f"{_at(before, at)}, again at {_at(at, before)}",
                    at,
                    link,
                    hint="each key may appear once in a mapping; merge the two entries",
                    found=str(part),
                    dropped=False,
                    path=(*link_path(link), part),
                )
            first_seen[key] = here
            child: Link = (link, part)
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
            return None, Spot(packed(mark)), _DROPPED
        result: dict[object, object] = {}
        children: dict[PathPart, Spot] = {}
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
        return result, Spot(packed(mark), children), _MAPPING

    def key(self, event: Any, link: Link) -> tuple[int, object, Mark]:
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
                    value, Spot(packed(mark)), _SCALAR, tag, 1, 0, mark
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
            f"mapping keys in {where_text(link_path(link))} must be plain names, not {noun}",
            mark_position(mark),
            link,
        )
        return _BAD_KEY, None, mark

    def merge_sources(self, event: Any, link: Link) -> list[_Source]:
        """The mappings a merge key (`<<`) names, in the order written."""
        if type(event) is not yaml.SequenceStartEvent:
            return self.merge_source(event, link)
        mark = cast(Mark, event.start_mark)
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

    def merge_source(self, event: Any, link: Link) -> list[_Source]:
        wrong = "a merge key (`<<`) takes a mapping or a list of mappings"
        if type(event) is yaml.AliasEvent:
            name = cast(str, event.anchor)
            start = cast(Mark, event.start_mark)
            if name in self.open:
                self.problem(
                    "a merge key (`<<`) cannot include the mapping it is in",
                    mark_position(self.open[name]),
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
                        at = None if spot.value is None else unpack(spot.value)
                        self.problem(wrong, at, link)
                return found
            self.problem(wrong, mark_position(target.mark), link)
            return []
        value, spot, kind = self.node(event, link)
        if kind == _MAPPING and isinstance(value, dict):
            return [(value, spot.children)]
        if kind != _DROPPED:
            self.problem(wrong, mark_position(event.start_mark), link)
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
        raise too_large(source, exc.reason, *(mark_position(exc.mark) or (1, 1))) from None
    except _Refused as exc:
        line, column = mark_position(exc.mark) or (1, 1)
        raise ModelLoadError(
            [error(SYNTAX_ERROR, exc.message, source, line=line, column=column, hint=exc.hint)]
        ) from None
    except _Lone as exc:
        at = mark_position(exc.mark)
        char = SURROGATE.search(exc.value)
        raise lone_surrogate(
            source,
            char.group() if char else exc.value,
            line=at[0] if at else None,
            column=at[1] if at else None,
            path=link_path(exc.link),
            key=exc.key,
        ) from None
    except RecursionError:
        raise too_large(source, f"nested deeper than {MAX_DEPTH} levels") from None
    except yaml.YAMLError as exc:
        refusal = yaml_error(exc, text, source, builder.where)
        if retry:
            raise _Retry(refusal) from None
        raise refusal from None
    except ValueError as exc:
        # The pure-Python scanner lets chr() fail on an escape past U+10FFFF.
        mark = parser.get_mark() if isinstance(parser, _PythonParser) else None
        line, column = mark_position(mark) or (1, 1)
        raise ModelLoadError(
            [error(SYNTAX_ERROR, f"YAML syntax error: {exc}", source, line=line, column=column)]
        ) from None
    finally:
        parser.dispose()
    if built is None:
        raise empty_document(source)
    data, spot = built
    return ParsedDocument(
        data, PositionMap._of(spot), builder.problems, builder.complete, builder.unreported
    )
