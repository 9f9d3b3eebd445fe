"""CharSet: parsing, set algebra against a Python set model, readable samples."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tablemodel.keylang.charset import MAX_CODE_POINT, NAMED_CLASSES, CharSet, CharSetSyntaxError

SURROGATES = range(0xD800, 0xE000)
ASCII_LOWER = set(range(ord("a"), ord("z") + 1))
ASCII_UPPER = set(range(ord("A"), ord("Z") + 1))
ASCII_DIGITS = set(range(ord("0"), ord("9") + 1))
HEX = ASCII_DIGITS | set(map(ord, "abcdefABCDEF"))


def members(cs: CharSet) -> set[int]:
    """Every code point of a (small) set, enumerated from its intervals."""
    return {cp for lo, hi in cs.intervals for cp in range(lo, hi + 1)}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("alnum", ASCII_LOWER | ASCII_UPPER | ASCII_DIGITS),
        ("alpha", ASCII_LOWER | ASCII_UPPER),
        ("digits", ASCII_DIGITS),
        ("lower", ASCII_LOWER),
        ("upper", ASCII_UPPER),
        ("hex", HEX),
        ("word", ASCII_LOWER | ASCII_UPPER | ASCII_DIGITS | {ord("_")}),
        ("uuid", HEX | {ord("-")}),
    ],
)
def test_parse_named_class(name: str, expected: set[int]) -> None:
    assert members(CharSet.parse(name)) == expected
    assert CharSet.parse(name) == NAMED_CLASSES[name]


def test_parse_any_is_every_scalar_value() -> None:
    cs = CharSet.parse("any")
    assert cs == CharSet.any()
    assert cs.is_any
    assert cs.intervals == ((0, 0xD7FF), (0xE000, MAX_CODE_POINT))
    assert cs.size == 0x110000 - len(SURROGATES)
    assert "\ud800" not in cs
    assert "\U0010ffff" in cs


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("[a-z0-9_-]", ASCII_LOWER | ASCII_DIGITS | {ord("_"), ord("-")}),
        ("[A-Za-z0-9._~-]", ASCII_LOWER | ASCII_UPPER | ASCII_DIGITS | set(map(ord, "._~-"))),
        ("[-a]", {ord("-"), ord("a")}),
        ("[a-c-e]", {ord("a"), ord("b"), ord("c"), ord("-"), ord("e")}),
        (r"[\\\]\-\^]", set(map(ord, "\\]-^"))),
        (r"[\n\t]", {10, 9}),
        (r"[\u00e9\U0001F600]", {0xE9, 0x1F600}),
        ("[[]", {ord("[")}),
        ("[a^]", {ord("a"), ord("^")}),
        ("[é]", {0xE9}),
    ],
)
def test_parse_bracket_class(spec: str, expected: set[int]) -> None:
    assert members(CharSet.parse(spec)) == expected


def test_parse_negated_class() -> None:
    cs = CharSet.parse("[^#]")
    assert cs == CharSet.of("#").complement()
    assert cs.intervals == ((0, 0x22), (0x24, 0xD7FF), (0xE000, MAX_CODE_POINT))
    assert cs.describe() == "any character except '#'"


@pytest.mark.parametrize(
    ("spec", "message", "column"),
    [
        (
            "",
            "unknown character class '': expected one of any, alnum, alpha, digits, "
            "lower, upper, hex, word, uuid or a [...] class",
            0,
        ),
        (
            "alphanum",
            "unknown character class 'alphanum': expected one of any, alnum, alpha, "
            "digits, lower, upper, hex, word, uuid or a [...] class",
            0,
        ),
        ("[a-z", "unclosed '['", 0),
        ("[a\\", "unclosed '['", 0),
        ("[ab-z0-9", "unclosed '['", 0),
        ("[az-a]", "reversed range 'z'-'a'", 2),
        ("[]", "empty character class", 0),
        ("[^]", "empty character class", 0),
        ("[a]b", "unexpected text after ']'", 3),
        (r"[a\q]", r"unknown escape \q: use \\, \], \-, \^, \n, \t or \uXXXX", 2),
        (r"[\u12]", r"\u needs 4 hex digits", 1),
        (r"[\U00110000]", r"\U00110000 is beyond the last code point U+10FFFF", 1),
        (r"[\ud800-\udfff]", "character class matches no character", 0),
    ],
)
def test_parse_errors(spec: str, message: str, column: int) -> None:
    with pytest.raises(CharSetSyntaxError) as caught:
        CharSet.parse(spec)
    assert (caught.value.message, caught.value.column, caught.value.spec) == (
        message,
        column,
        spec,
    )
    assert str(caught.value) == f"{message} at column {column} of character class {spec!r}"
    assert isinstance(caught.value, ValueError)


def test_constructors() -> None:
    assert CharSet.empty().is_empty
    assert CharSet.empty().size == 0
    assert CharSet.of("cab").intervals == ((0x61, 0x63),)
    assert CharSet.of("") == CharSet.empty()
    assert CharSet.range("a", "z") == CharSet.parse("lower")
    assert CharSet.of("\ud800") == CharSet.empty()
    assert CharSet(((5, 1),)) == CharSet.empty()
    assert CharSet(((0xD000, 0xE100),)).intervals == ((0xD000, 0xD7FF), (0xE000, 0xE100))


@pytest.mark.parametrize(("lo", "hi"), [("z", "a"), ("ab", "c"), ("", "c")])
def test_range_rejects_bad_bounds(lo: str, hi: str) -> None:
    with pytest.raises(ValueError, match="range"):
        CharSet.range(lo, hi)


def test_order_queries() -> None:
    cs = CharSet.parse("[b-dx]")
    assert (cs.min_char(), cs.max_char()) == ("b", "x")
    assert cs.chars_above("c") == CharSet.of("dx")
    assert cs.chars_below("c") == CharSet.of("b")
    assert cs.chars_above("x") == CharSet.empty()
    assert CharSet.any().chars_below("\x00") == CharSet.empty()
    assert CharSet.any().chars_above("\U0010ffff") == CharSet.empty()
    assert CharSet.any().chars_above("\ud7ff").min_char() == "\ue000"


@pytest.mark.parametrize("method", ["min_char", "max_char", "sample"])
def test_empty_set_has_no_extremes(method: str) -> None:
    with pytest.raises(ValueError, match="empty character set"):
        getattr(CharSet.empty(), method)()


@pytest.mark.parametrize(
    ("cs", "expected"),
    [
        (CharSet.any(), "a"),
        (CharSet.parse("[A-Z0-9]"), "0"),
        (CharSet.parse("[A-Z#]"), "A"),
        (CharSet.parse("[ #~]"), "#"),
        (CharSet.of(" \x01é"), "\x01"),
        (CharSet.of("é\U0001f600"), "é"),
        (CharSet.parse("[^a-z]"), "0"),
        (CharSet.parse("[^a-zA-Z0-9]"), "!"),
        (CharSet.parse("[x-z]"), "x"),
    ],
)
def test_sample_prefers_readable_characters(cs: CharSet, expected: str) -> None:
    assert cs.sample() == expected


@pytest.mark.parametrize(
    ("cs", "expected"),
    [
        (CharSet.empty(), "no character"),
        (CharSet.any(), "any character"),
        (CharSet.parse("[a-z0-9-]"), "[a-z0-9-]"),
        (CharSet.parse("uuid"), "[a-f0-9A-F-]"),
        (CharSet.parse("[A-Za-z0-9._~-]"), "[a-z0-9A-Z._~-]"),
        (CharSet.parse("[^#]"), "any character except '#'"),
        (CharSet.parse("[^#\\\\]"), "any character except [#\\\\]"),
        (CharSet.of("ab"), "[ab]"),
        (CharSet.of("]^\n"), "[\\n\\]\\^]"),
        (CharSet.of("]^\\\n"), "[\\n\\\\-\\^]"),
        (CharSet.of("\x01\U0001f600"), "[\\u0001\U0001f600]"),
    ],
)
def test_describe(cs: CharSet, expected: str) -> None:
    assert cs.describe() == expected
    assert repr(cs) == f"CharSet({expected})"


# -- properties against a Python set model --------------------------------------------------

EDGES = [0, 1, 0x2C, 0x2D, 0x2E, 0xD7FE, 0xD7FF, 0xD800, 0xDFFF, 0xE000, 0x10FFFE, MAX_CODE_POINT]
POINTS = sorted({*range(0, 80), *EDGES})
point = st.sampled_from(POINTS)


@st.composite
def charsets(draw: st.DrawFn) -> tuple[CharSet, frozenset[int]]:
    """A CharSet and its model: its members among POINTS."""
    intervals = draw(st.lists(st.tuples(point, point), max_size=4))
    model = frozenset(
        p for p in POINTS for lo, hi in intervals if lo <= p <= hi and p not in SURROGATES
    )
    return CharSet(tuple(intervals)), model


SCALARS = frozenset(p for p in POINTS if p not in SURROGATES)


def observed(cs: CharSet) -> frozenset[int]:
    return frozenset(p for p in POINTS if chr(p) in cs)


@given(charsets(), charsets())
def test_algebra_matches_set_model(
    a: tuple[CharSet, frozenset[int]], b: tuple[CharSet, frozenset[int]]
) -> None:
    (x, mx), (y, my) = a, b
    assert observed(x) == mx
    assert observed(x | y) == mx | my
    assert observed(x & y) == mx & my
    assert observed(x - y) == mx - my
    assert observed(x.complement()) == SCALARS - mx
    assert x.is_empty == (not x.intervals)
    assert (x.size == 0) == x.is_empty


@given(charsets(), charsets())
def test_algebra_laws(a: tuple[CharSet, frozenset[int]], b: tuple[CharSet, frozenset[int]]) -> None:
    x, y = a[0], b[0]
    assert (x | y).complement() == x.complement() & y.complement()
    assert (x & y).complement() == x.complement() | y.complement()
    assert x - y == x & y.complement()
    assert x.complement().complement() == x
    assert x | y == y | x
    assert x & y == y & x
    assert (x | x.complement()).is_any
    assert (x & x.complement()).is_empty
    assert hash(x | y) == hash(y | x)


@given(charsets())
def test_intervals_stay_normalised(a: tuple[CharSet, frozenset[int]]) -> None:
    for cs in (a[0], a[0].complement()):
        flat = [b for pair in cs.intervals for b in pair]
        assert all(lo <= hi for lo, hi in cs.intervals)
        assert all(nxt[0] > prev[1] + 1 for prev, nxt in itertools.pairwise(cs.intervals))
        assert not any(0xD800 <= b <= 0xDFFF for b in flat)
        assert cs.size == sum(hi - lo + 1 for lo, hi in cs.intervals)


@given(charsets())
def test_queries_match_model(a: tuple[CharSet, frozenset[int]]) -> None:
    cs, model = a
    if not model:
        return
    # Interval ends are always among POINTS, so the model knows the extremes.
    assert ord(cs.min_char()) == min(model)
    assert ord(cs.max_char()) == max(model)
    assert cs.sample() in cs
    pivot = chr(sorted(model)[len(model) // 2])
    assert observed(cs.chars_above(pivot)) == {p for p in model if p > ord(pivot)}
    assert observed(cs.chars_below(pivot)) == {p for p in model if p < ord(pivot)}


@given(charsets())
def test_describe_round_trips(a: tuple[CharSet, frozenset[int]]) -> None:
    cs = a[0]
    text = cs.describe()
    if text.startswith("["):
        assert CharSet.parse(text) == cs
    elif text.startswith("any character except ["):
        assert CharSet.parse("[^" + text.removeprefix("any character except [")) == cs


def test_case_folding_of_character_sets() -> None:
    letters = CharSet.parse("[A-Za-z0-9]")
    assert letters.lowered() == CharSet.parse("[a-z0-9]")
    assert not letters.fold_invariant
    assert letters.case_pair() == ("A", "a")
    assert CharSet.parse("[a-z0-9#-]").fold_invariant
    assert CharSet.parse("[a-z0-9#-]").lowered() == CharSet.parse("[a-z0-9#-]")
    # Upper case only: every value folds, but no two values fold alike.
    assert CharSet.parse("[A-Z]").case_pair() is None
    assert CharSet.parse("[A-Z]").lowered() == CharSet.parse("[a-z]")
    # The Kelvin sign folds to k, like K: two upper-case members that meet once folded.
    assert CharSet.of("K\u212a").case_pair() == ("K", "\u212a")
    # Sigma folds to both sigmas; dotted capital I to two characters.
    assert CharSet.of("\u03a3").lowered() == CharSet.of("\u03c3\u03c2")
    assert CharSet.of("\u0130").lowered() == CharSet.of("i\u0307")
    assert not CharSet.of("\u0130").folds_to_one_character
    assert CharSet.parse("[A-Z]").folds_to_one_character
    # Over the whole alphabet: what lowered() says is what str.lower() writes.
    everything = CharSet.any().lowered()
    assert all(c in everything for c in "abcσςß")
    assert "A" not in everything


def test_lower_case_changes_nothing_past_the_first_two_planes() -> None:
    from tablemodel.keylang.charset import (  # noqa: PLC0415
        _CASED_PLANES_END,
        MAX_CODE_POINT,
        _case_changing,
    )

    assert _case_changing(MAX_CODE_POINT + 1) == _case_changing(_CASED_PLANES_END)


@pytest.mark.parametrize(
    ("spec", "keeps"),
    [
        ("[a-z0-9-]", True),  # nothing moves
        ("[A-Z0-9-]", True),  # every letter moves, past nothing
        ("[TZ+.0-:-]", True),  # a datetime's characters
        ("[A-Za-z]", False),  # B < a, b > a
        ("[A-Z_]", False),  # A < _ < a
        ("[Aa]", False),  # one image for two members
        ("[İa]", False),  # İ lowers to two characters
        ("any", False),
    ],
)
def test_lowering_keeps_order(spec: str, keeps: bool) -> None:
    assert CharSet.parse(spec).lowering_keeps_order is keeps


_FOLD_ALPHABET = "-09:AZ_abz\u00c0\u00e0\u0130\u03a3\u03c3"


@given(
    st.lists(st.sampled_from(_FOLD_ALPHABET), min_size=1, unique=True).map("".join),
    st.lists(st.text(alphabet=_FOLD_ALPHABET, max_size=4), min_size=2, max_size=6),
)
def test_text_over_an_order_keeping_set_sorts_alike_lowered(members: str, texts: list[str]) -> None:
    charset = CharSet.of(members)
    assume(charset.lowering_keeps_order)
    words = [t for t in ("".join(c for c in t if c in charset) for t in texts) if t]
    assert sorted(words, key=str.lower) == sorted(words)
