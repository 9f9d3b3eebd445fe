"""JSON to plain data and positions: the standard library reads it, YAML's parser locates it.

JSON is (nearly) YAML, so the YAML reader supplies positions; duplicate keys, refused by
neither parser by default, are TM004 errors.
"""

from __future__ import annotations

import json
import re

from tablemodel.diagnostics import Diagnostic, ModelLoadError
from tablemodel.schema.positions import ModelPath, ParsedDocument, PositionMap, line_column
from tablemodel.schema.problems import (
    MAX_DEPTH,
    NON_PRINTABLE,
    SYNTAX_ERROR,
    check_size,
    empty_document,
    error,
    too_large,
    where_text,
    with_snippets,
)
from tablemodel.schema.yaml_reader import parse_yaml


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
            SYNTAX_ERROR, f"JSON syntax error: {exc.msg}", source, line=exc.lineno, column=exc.colno
        )
        raise ModelLoadError(with_snippets([syntax], text, source, breaks="plain")) from None
    except ValueError as exc:  # e.g. an integer with more digits than Python converts
        raise ModelLoadError(
            [error(SYNTAX_ERROR, f"cannot parse JSON: {exc}", source, line=1, column=1)]
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
                SYNTAX_ERROR,
                f"duplicate key `{key}` in {where_text(path)}",
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
    composable = NON_PRINTABLE.sub("?", composable)  # DEL and C1 controls may be in strings
    try:
        parsed = parse_yaml(composable, source)
    except Exception:
        return fallback, []
    return parsed.positions, parsed.problems
