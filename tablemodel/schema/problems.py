"""Load errors: the limits a document must keep, the diagnostics that say it did not, and the
source line each one points into.

Every reader (YAML, JSON, TOML) and the validation build their errors here: `error` for one
located diagnostic, `too_large` (TM002), `empty_document` (TM003), syntax errors (TM004), lone
surrogates (TM008) and `capped`, which keeps the first `MAX_PROBLEMS` and counts the rest
(TM009). `with_snippets` attaches the line a diagnostic points into.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from typing import Literal, cast

from tablemodel.diagnostics import (
    Diagnostic,
    Location,
    ModelLoadError,
    PathPart,
    Severity,
    Snippet,
    format_path,
)
from tablemodel.diagnostics.codes import declare
from tablemodel.schema.positions import ModelPath, key_part, line_column

MODEL_NOT_FOUND = "TM001"
declare(
    MODEL_NOT_FOUND,
    "model-not-found",
    Severity.ERROR,
    "load",
    """The model file, folder or Python object could not be found or read.

    Why: tablemodel needs a model: a file (`.yaml`, `.yml`, `.json`, `.toml`), a folder holding
    `tablemodel.yaml`, or `package.module:attribute` naming a model built in Python.

    Bad:
        tablemodel check examples/alleycat/tablemodle.yaml

    Good:
        tablemodel check examples/alleycat
    """,
)

DOCUMENT_TOO_LARGE = "TM002"
declare(
    DOCUMENT_TOO_LARGE,
    "document-too-large",
    Severity.ERROR,
    "load",
    """The document is larger or deeper than tablemodel will read.

    Why: a model file is data, and a hostile one (a YAML alias bomb, a file of gigabytes, tens
    of thousands of nested brackets) must not exhaust memory or the stack. Files are capped at
    10 MiB, 200,000 nodes (keys, values and collections, aliases expanded) and a nesting depth
    of 200; YAML is refused as soon as it passes a limit, while it is being read. A model of
    800 entities and 4,000 access patterns holds about 194,000 nodes.

    Bad:
        a: &a [x, x, x, x, x, x, x, x, x]
        b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
        c: [*b, *b, *b, *b, *b, *b, *b, *b, *b]   # ... and so on

    Good:
        # Split a model that is really this large, or write repeated parts out once.
    """,
)

EMPTY_DOCUMENT = "TM003"
declare(
    EMPTY_DOCUMENT,
    "empty-document",
    Severity.ERROR,
    "load",
    """The model document is empty.

    Why: an empty file usually means the wrong file was named, or it was truncated.

    Bad:
        # (nothing but comments)

    Good:
        table: {name: alleycat, partition_key: {name: PK}, sort_key: {name: SK}}
        entities: {...}
    """,
)

SYNTAX_ERROR = "TM004"
declare(
    SYNTAX_ERROR,
    "syntax-error",
    Severity.ERROR,
    "load",
    """The file is not valid YAML, JSON or TOML (or repeats a key, or is not UTF-8).

    Why: a document the parser cannot read cannot be checked. Duplicate keys are errors too:
    YAML parsers silently keep the last one, which hides half of what was written.

    Bad:
        entities:
          Racer: {attributes: {racer_id: string}, keys: {PK: "racer-{racer_id}"}
          Racer: {attributes: {name: string}, keys: {PK: "x"}}

    Good:
        entities:
          Racer: {attributes: {racer_id: string}, keys: {PK: "racer-{racer_id}"}}
    """,
)

LONE_SURROGATE = "TM008"
declare(
    LONE_SURROGATE,
    "lone-surrogate",
    Severity.ERROR,
    "load",
    """A string holds a lone surrogate (U+D800 to U+DFFF), which is not a character.

    Why: a surrogate is half of a UTF-16 pair. JSON's `\\ud800` escape and Python strings can
    hold one alone, but it has no UTF-8 form: the model could not be printed, written to a
    generated module or a report, or stored in DynamoDB. YAML and TOML refuse it as a syntax
    error; tablemodel reports it the same way for every format and for Python models.

    Bad:
        {"description": "caf\\ud800"}

    Good:
        {"description": "caf\\u00e9"}
    """,
)

TOO_MANY_PROBLEMS = "TM009"
declare(
    TOO_MANY_PROBLEMS,
    "too-many-problems",
    Severity.ERROR,
    "load",
    """More problems than are reported: the first 200 are shown, the rest only counted.

    Why: locating and printing a hundred thousand errors (a generated file gone wrong, a list of
    numbers where names belong) would take minutes and help nobody. The count says how many
    more there are, and the location where the first one not shown is.

    Bad:
        returns: [1, 2, 3, ...]   # thousands of numbers where entity names are expected

    Good:
        returns: [Racer]
    """,
)

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
                DOCUMENT_TOO_LARGE,
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
                code=TOO_MANY_PROBLEMS,
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
                EMPTY_DOCUMENT,
                "the document is empty",
                source,
                line=1,
                column=1,
                expected="a mapping with at least `table` and `entities`",
            )
        ]
    )


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

NON_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""What YAML (and PyYAML's reader, and libyaml's) refuses in a document."""

SURROGATE = re.compile("[\ud800-\udfff]")


def lone_in(text: str) -> str | None:
    """The first lone surrogate in `text`, if any (a string may hold one; UTF-8 may not)."""
    if text.isascii():
        return None
    found = SURROGATE.search(text)
    return found.group() if found else None


_Chain = tuple[object, PathPart] | None
"""A path as (parent chain, part) pairs: one pair per node, spelled out only when needed."""


def lone_surrogates_in(data: object) -> Iterator[tuple[ModelPath, PathPart | None, str]]:
    """Every key and string of `data` (mappings, lists and tuples, any depth) that holds a
    lone surrogate, in document order: the path of the string, or of the mapping and the key
    itself (`PathPart`, None for a string value), and the first lone half it holds.

    Iterative, so that it is safe on data of any depth; a path is kept as a chain and spelled
    out only for a string found wanting, so that a wide list deep down costs one pair per item,
    not a tuple as long as its depth.
    """
    stack: list[tuple[object, _Chain]] = [(data, None)]
    while stack:
        value, chain = stack.pop()
        if isinstance(value, str):
            char = lone_in(value)
            if char:
                yield _spelled(chain), None, char
        elif isinstance(value, Mapping):
            items = list(value.items())
            for key, _child in items:
                char = lone_in(key) if isinstance(key, str) else None
                if char:
                    yield _spelled(chain), key_part(key), char
            stack.extend((child, (chain, key_part(key))) for key, child in reversed(items))
        elif isinstance(value, list | tuple):
            stack.extend((child, (chain, i)) for i, child in reversed(list(enumerate(value))))


def _spelled(chain: _Chain) -> ModelPath:
    parts: list[PathPart] = []
    while chain is not None:
        chain, part = cast("tuple[_Chain, PathPart]", chain)
        parts.append(part)
    return tuple(reversed(parts))


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
        LONE_SURROGATE,
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
    bad = NON_PRINTABLE.search(text) if yaml_text else SURROGATE.search(text)
    if bad is None:
        return
    line, column = line_column(text, bad.start())
    char = bad.group()
    if SURROGATE.match(char):
        raise lone_surrogate(source, char, line=line, column=column)
    raise ModelLoadError(
        [
            error(
                SYNTAX_ERROR,
                f"unacceptable character #x{ord(char):04x}: YAML files hold printable text only",
                source,
                line=line,
                column=column,
            )
        ]
    )


def where_text(path: ModelPath) -> str:
    return f"`{format_path(path)}`" if path else "the top level"
