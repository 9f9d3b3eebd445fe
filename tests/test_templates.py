"""Key-template parsing, properties and rendering."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tablemodel.keylang.templates import (
    KeyTemplate,
    Literal,
    TemplateSyntaxError,
    Variable,
    parse_template,
    placeholder,
)


@pytest.mark.parametrize(
    ("source", "parts"),
    [
        ("racer-{racer_id}", (Literal("racer-"), Variable("racer_id"))),
        (
            "RACE#{race_id}#RACER#{racer_id}",
            (Literal("RACE#"), Variable("race_id"), Literal("#RACER#"), Variable("racer_id")),
        ),
        ("{output}", (Variable("output"),)),
        ("SECOND#{second:05d}", (Literal("SECOND#"), Variable("second", 5, "05d"))),
        ("profile", (Literal("profile"),)),
        ("{n:d}", (Variable("n", None, "d"),)),
        ("{n:038d}", (Variable("n", 38, "038d"),)),
        ("{n:01d}", (Variable("n", 1, "01d"),)),
        ("{a}{b}", (Variable("a"), Variable("b"))),
        ("{{{x}}}", (Literal("{"), Variable("x"), Literal("}"))),
        ("a{{b}}c", (Literal("a{b}c"),)),
        ("{{}}", (Literal("{}"),)),
        ("{café}", (Variable("café"),)),
    ],
)
def test_parse(source: str, parts: tuple[Literal | Variable, ...]) -> None:
    template = parse_template(source)
    assert template == KeyTemplate(source, parts)
    assert str(template) == source


def test_variable_columns_point_at_the_brace() -> None:
    template = parse_template("RACE#{race_id}#RACER#{racer_id:05d}")
    assert [v.column for v in template.variables] == [5, 21]
    # The column is for error reports only; it does not take part in equality.
    assert Variable("racer_id", 5, "05d", column=99) == template.variables[1]
    assert hash(Variable("a", column=1)) == hash(Variable("a", column=2))


def test_properties_of_a_composite_template() -> None:
    template = parse_template("RACE#{race_id}#RACER#{racer_id}")
    assert template.variables == (Variable("race_id"), Variable("racer_id"))
    assert template.variable_names == ("race_id", "racer_id")
    assert not template.is_constant
    assert template.literal_prefix == "RACE#"
    assert template.ends_with_variable


@pytest.mark.parametrize(
    ("source", "prefix", "constant", "ends_with_variable"),
    [
        ("profile", "profile", True, False),
        ("{output}", "", False, True),
        ("race-{race_id}#x", "race-", False, False),
        ("{{a{b}", "{a", False, True),
    ],
)
def test_literal_prefix(source: str, prefix: str, constant: bool, ends_with_variable: bool) -> None:
    template = parse_template(source)
    assert (template.literal_prefix, template.is_constant, template.ends_with_variable) == (
        prefix,
        constant,
        ends_with_variable,
    )


def test_render() -> None:
    template = parse_template("RACE#{race_id}#RACER#{racer_id}")
    assert template.render({"race_id": "r1", "racer_id": "1\\#x"}) == "RACE#r1#RACER#1\\#x"
    assert parse_template("{{x}}-{x}").render({"x": "7"}) == "{x}-7"
    assert parse_template("profile").render({}) == "profile"
    with pytest.raises(KeyError, match="racer_id"):
        template.render({"race_id": "r1"})


def test_parse_results_are_cached() -> None:
    assert parse_template("cache-{me}") is parse_template("cache-{me}")


SUPPORTED = (
    "only 'd' and zero-padded widths '01d' to '038d' are supported (write '\\:' for a ':' in a"
    " name)"
)


@pytest.mark.parametrize(
    ("source", "message", "column"),
    [
        ("", "empty template", 0),
        ("race-{race_id", "unclosed '{'", 5),
        ("a{b}{", "unclosed '{'", 4),
        ("race-}", "stray '}' (write '}}' for a literal brace)", 5),
        ("{a}}", "stray '}' (write '}}' for a literal brace)", 3),
        ("x{}", "empty '{}': name the variable, as in '{id}'", 1),
        ("{:05d}", "empty '{}': name the variable, as in '{id}'", 0),
        ("{a{b}", "'{' inside a placeholder: write '\\{' for a name that holds it", 2),
        (
            "ab{race\\id}",
            "inside a placeholder '\\' escapes only '{', '}', ':' and '\\'; write '\\\\' for a"
            " backslash in the name",
            7,
        ),
        (
            "{a\\",
            "inside a placeholder '\\' escapes only '{', '}', ':' and '\\'; write '\\\\'"
            " for a backslash in the name",
            2,
        ),
        ("{a\\}", "unclosed '{'", 0),
        ("S#{s:5d}", f"unsupported format spec '5d': {SUPPORTED}", 5),
        ("{s:x}", f"unsupported format spec 'x': {SUPPORTED}", 3),
        ("{s:}", f"unsupported format spec '': {SUPPORTED}", 3),
        ("{s:00d}", f"unsupported format spec '00d': {SUPPORTED}", 3),
        ("{s:039d}", f"unsupported format spec '039d': {SUPPORTED}", 3),
        ("{s:0005d}", f"unsupported format spec '0005d': {SUPPORTED}", 3),
        ("{s:05d:x}", f"unsupported format spec '05d:x': {SUPPORTED}", 3),
        ("{a}#{a}", "variable 'a' appears twice", 5),
    ],
)
def test_syntax_errors(source: str, message: str, column: int) -> None:
    with pytest.raises(TemplateSyntaxError) as caught:
        parse_template(source)
    error = caught.value
    assert (error.message, error.column, error.source) == (message, column, source)
    assert str(error) == f"{message} at column {column} of template {source!r}"
    assert isinstance(error, ValueError)


@pytest.mark.parametrize(
    ("source", "names"),
    [
        ("{1st}", ["1st"]),
        ("ab{race-id}", ["race-id"]),
        ("{ a}", [" a"]),
        ("{GSI1-PK}#{follower#}", ["GSI1-PK", "follower#"]),
        ("{Order Date}", ["Order Date"]),
        ("{déjà-vu}.{status}", ["déjà-vu", "status"]),
        ("{a\\:b}:{n:05d}", ["a:b", "n"]),
        ("{x\\}y}{{{\\{id\\}}}}", ["x}y", "{id}"]),
        ("{back\\\\slash}", ["back\\slash"]),
    ],
)
def test_any_attribute_name_is_a_variable(source: str, names: list[str]) -> None:
    template = parse_template(source)
    assert list(template.variable_names) == names
    rebuilt = "".join(
        placeholder(p.name, p.fmt)
        if isinstance(p, Variable)
        else p.text.replace("{", "{{").replace("}", "}}")
        for p in template.parts
    )
    assert parse_template(rebuilt).parts == template.parts


@given(st.text(min_size=1, max_size=12), st.sampled_from([None, "d", "04d"]))
def test_placeholder_parses_back_to_its_name(name: str, fmt: str | None) -> None:
    (variable,) = parse_template("k#" + placeholder(name, fmt) + "#").variables
    assert (variable.name, variable.fmt) == (name, fmt)


# Literal text made of brace-free characters, escaped back into template syntax.
names = st.sampled_from(["a", "b", "race_id", "x1"])
literals = st.text(alphabet="ab#{}-", min_size=1, max_size=4)


@given(st.lists(st.one_of(literals, names), min_size=1, max_size=6))
def test_source_round_trips_through_parts(pieces: list[str]) -> None:
    source_parts: list[str] = []
    used: set[str] = set()
    expected_text: list[str] = []
    for piece in pieces:
        if piece.isidentifier() and piece not in used:
            used.add(piece)
            source_parts.append("{" + piece + "}")
            expected_text.append("<" + piece + ">")
        else:
            source_parts.append(piece.replace("{", "{{").replace("}", "}}"))
            expected_text.append(piece)
    source = "".join(source_parts)
    template = parse_template(source)
    assert template.render({name: f"<{name}>" for name in used}) == "".join(expected_text)
    assert set(template.variable_names) == used
    kinds = [type(p) for p in template.parts]
    assert all(not (a is Literal and b is Literal) for a, b in itertools.pairwise(kinds))
    assert all(p.text for p in template.parts if isinstance(p, Literal))
