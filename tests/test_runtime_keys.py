"""The runtime key codec: examples, every error message, and a hostile-value property test."""

from __future__ import annotations

import datetime as dt
import unicodedata
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tablemodel.keylang.charset import CharSet
from tablemodel.runtime import (
    PARTITION_KEY_MAX_BYTES,
    SORT_KEY_MAX_BYTES,
    KeyCodec,
    KeyValueError,
    PartSpec,
)
from tablemodel.runtime.values import format_datetime, parse_datetime

RACE_SK = "RACE#{race_id}#RACER#{racer_id}#{lap:04d}"
MAX_ID = 250


def _error(call: object) -> str:
    assert callable(call)
    with pytest.raises(KeyValueError) as info:
        call()
    return str(info.value)


# -- examples --------------------------------------------------------------------------------


def test_plain_template_round_trips() -> None:
    codec = KeyCodec("Racer", "PK", "racer-{racer_id}")
    assert codec.compose({"racer_id": "r1"}) == "racer-r1"
    assert codec.parse("racer-r1") == {"racer_id": "r1"}
    assert codec.prefix({}) == "racer-"


def test_delimited_template_escapes_and_prefixes() -> None:
    codec = KeyCodec("RaceResult", "SK", "RACE#{race_id}#RACER#{racer_id}", limit=1024)
    key = codec.compose({"race_id": "r#1", "racer_id": "a\\b"})
    assert key == "RACE#r\\#1#RACER#a\\\\b"
    assert codec.parse(key) == {"race_id": "r#1", "racer_id": "a\\b"}
    assert codec.prefix({}) == "RACE#"
    assert codec.prefix({"race_id": "r#1"}) == "RACE#r\\#1#RACER#"
    # The closing part has no delimiter after it: a prefix cannot end there.
    assert _error(lambda: codec.prefix({"race_id": "1", "racer_id": "1"})) == (
        "RaceResult.SK: a begins_with prefix cannot end after racer_id: nothing after it marks"
        " where it ends, so 'RACE#1#RACER#1' would also match 'RACE#1#RACER#10'"
    )


def test_fixed_width_integer_sorts_and_parses() -> None:
    codec = KeyCodec("Split", "SK", "SECOND#{second:05d}", limit=SORT_KEY_MAX_BYTES)
    keys = [codec.compose({"second": n}) for n in (0, 7, 10, 99_999)]
    assert keys == ["SECOND#00000", "SECOND#00007", "SECOND#00010", "SECOND#99999"]
    assert keys == sorted(keys)
    assert codec.parse("SECOND#00010") == {"second": 10}
    # A fixed-width part ends a prefix by itself.
    assert codec.prefix({"second": 42}) == "SECOND#00042"


def test_constant_template() -> None:
    codec = KeyCodec("Racer", "SK", "profile")
    assert codec.compose({}) == "profile"
    assert codec.prefix({}) == "profile"
    assert codec.parse("profile") == {}
    assert _error(lambda: codec.parse("profile2")) == (
        "Racer.SK: key 'profile2' does not match template 'profile'"
    )


def test_full_prefix_of_race_result() -> None:
    codec = KeyCodec("RaceResult", "SK", RACE_SK)
    assert codec.prefix({"race_id": "r", "racer_id": "x"}) == "RACE#r#RACER#x#"
    assert codec.prefix({"race_id": "r", "racer_id": "x", "lap": 3}) == "RACE#r#RACER#x#0003"


def test_nfc_without_case_folding() -> None:
    codec = KeyCodec("Racer", "PK", "racer-{racer_id}")
    assert codec.compose({"racer_id": "e\u0301"}) == "racer-\u00e9"
    assert codec.parse("racer-\u00e9") == {"racer_id": "\u00e9"}
    assert codec.compose({"racer_id": "ABC"}) == "racer-ABC"
    assert codec.compose({"racer_id": "abc"}) == "racer-abc"


def test_folded_keys_write_values_and_literals_in_lower_case() -> None:
    codec = KeyCodec("Author", "PK", "AUTHOR#{last_name}#", fold_case=True)
    written = codec.compose({"last_name": "McDonald#Ü"})
    assert written == "author#mcdonald\\#ü#"
    # A query for another case variant composes the same key, and the same prefix.
    assert codec.compose({"last_name": "MCDONALD#ü"}) == written
    assert codec.prefix({"last_name": "mcDonald#Ü"}) == written
    # NFC first, then the fold: a decomposed capital folds like the precomposed one.
    assert codec.compose({"last_name": "McDonald#U\u0308"}) == written
    # What comes back has lost its case, so it is not recoverable.
    assert codec.parse(written) == {"last_name": "mcdonald#ü"}
    assert codec.recoverable == frozenset()
    assert codec.parse("author#mcdonald\\#ü#") == {"last_name": "mcdonald#ü"}
    assert _error(lambda: codec.parse("AUTHOR#mcdonald\\#ü#")) == (
        "Author.PK: key 'AUTHOR#mcdonald\\\\#ü#' does not match template 'AUTHOR#{last_name}#'"
    )


def test_folded_parts_that_cannot_hold_upper_case_are_recoverable() -> None:
    codec = KeyCodec(
        "Loan",
        "SK",
        "LOAN#{member_id}#{day:03d}#{title}",
        {
            "member_id": PartSpec(charset=CharSet.parse("[a-z0-9-]")),
            "day": PartSpec("integer"),
            "title": PartSpec(),
        },
        fold_case=True,
    )
    assert codec.recoverable == frozenset({"member_id", "day"})
    key = codec.compose({"member_id": "m-1", "day": 7, "title": "Dune"})
    assert key == "loan#m-1#007#dune"
    assert codec.parse(key) == {"member_id": "m-1", "day": 7, "title": "dune"}
    unfolded = KeyCodec("Loan", "SK", "LOAN#{member_id}", fold_case=False)
    assert unfolded.recoverable == frozenset({"member_id"})
    assert unfolded.compose({"member_id": "M-1"}) == "LOAN#M-1"


def test_a_folded_key_of_upper_case_values_parses_back() -> None:
    """`PRODUCT#{sku}` with an upper-case SKU writes `product#ab-12`: that key parses (an
    entity without a discriminator is told by it), and a key the codec never writes does
    not."""
    codec = KeyCodec(
        "Product",
        "PK",
        "PRODUCT#{sku}",
        {"sku": PartSpec(charset=CharSet.parse("[A-Z0-9-]"), max_length=12)},
        fold_case=True,
    )
    assert codec.recoverable == frozenset()
    assert codec.compose({"sku": "AB-12"}) == "product#ab-12"
    assert codec.parse("product#ab-12") == {"sku": "ab-12"}
    for foreign in ("PRODUCT#AB-12", "product#AB-12", "product#a_b", "product#abcdefghijklm"):
        with pytest.raises(KeyValueError):
            codec.parse(foreign)
    with pytest.raises(KeyValueError, match="outside its charset"):
        codec.compose({"sku": "ab-12"})  # what is written still keeps to the charset


def test_electrodb_delimiter_injection_does_not_over_match() -> None:
    codec = KeyCodec("RaceResult", "SK", "RACER#{racer_id}#LAP#{lap:02d}")
    injected = codec.compose({"racer_id": "1#LAP#2", "lap": 1})
    assert isinstance(injected, str)
    assert injected == "RACER#1\\#LAP\\#2#LAP#01"
    assert not injected.startswith(codec.prefix({"racer_id": "1"}))


def test_unpadded_and_number_parts() -> None:
    codec = KeyCodec(
        "Reading",
        "SK",
        "N#{n:d}#V#{v}",
        {"v": PartSpec("number")},
    )
    assert codec.compose({"n": -12, "v": Decimal("1.50")}) == "N#-12#V#1.5"
    assert codec.compose({"n": 3, "v": 1e-7}) == "N#3#V#0.0000001"
    assert codec.parse("N#-12#V#1.5") == {"n": -12, "v": Decimal("1.5")}
    assert _error(lambda: codec.parse("N#007#V#1")) == (
        "Reading.SK: key 'N#007#V#1' is not in canonical form for template 'N#{n:d}#V#{v}'"
        " (the codec writes 'N#7#V#1')"
    )
    assert _error(lambda: codec.parse("N#-#V#1")) == (
        "Reading.SK: key 'N#-#V#1' does not match template 'N#{n:d}#V#{v}': invalid literal"
        " for int() with base 10: '-'"
    )


def test_number_key() -> None:
    codec = KeyCodec("Score", "GSI1SK", "{score}", key_type="N")
    assert codec.compose({"score": 12}) == Decimal(12)
    assert codec.compose({"score": Decimal("2.50")}) == Decimal("2.5")
    assert codec.parse("2.5") == {"score": Decimal("2.5")}
    assert _error(lambda: codec.compose({"score": Decimal("1" * 39)})) == (
        "Score.GSI1SK: score has 39 significant digits; DynamoDB numbers hold at most 38"
    )
    assert _error(lambda: codec.compose({"score": float("nan")})) == (
        "Score.GSI1SK: score is NaN; DynamoDB numbers must be finite"
    )
    assert _error(lambda: codec.prefix({"score": 1})) == (
        "Score.GSI1SK: begins_with is not allowed on a number key"
    )
    laps = KeyCodec("Lap", "SK", "{lap:d}", key_type="N")
    assert laps.compose({"lap": 7}) == 7
    assert laps.parse(7) == {"lap": 7}
    # PynamoDB hands a number key back as a Decimal; an integer part still parses to an int.
    assert laps.parse(Decimal(7)) == {"lap": 7}
    assert type(laps.parse(Decimal("7.0"))["lap"]) is int
    assert "must be an int" in _error(lambda: laps.parse(Decimal("7.5")))
    started = KeyCodec(
        "ClassRace", "Numeric", "{started_at}", {"started_at": PartSpec("integer")}, key_type="N"
    )
    assert started.parse(Decimal(1_700_000_000)) == {"started_at": 1_700_000_000}
    assert _error(lambda: laps.compose({"lap": True})) == "Lap.SK: lap must be an int, got bool"


# -- errors ----------------------------------------------------------------------------------


def test_value_errors_name_entity_attribute_variable_and_limit() -> None:
    codec = KeyCodec(
        "RaceResult",
        "SK",
        RACE_SK,
        {"racer_id": PartSpec(charset=CharSet.parse("[a-z0-9-]"), max_length=8)},
        limit=SORT_KEY_MAX_BYTES,
    )
    ok = {"race_id": "r", "racer_id": "x", "lap": 1}
    cases: list[tuple[dict[str, object], str]] = [
        (
            {"race_id": "r", "lap": 1},
            "racer_id is missing; every part of the key must be given (a missing part never"
            " makes a shorter key)",
        ),
        ({**ok, "racer_id": ""}, "racer_id is empty; keys cannot hold empty parts"),
        ({**ok, "racer_id": "X"}, "racer_id holds 'X' (U+0058), outside its charset [a-z0-9-]"),
        ({**ok, "racer_id": "a" * 9}, "racer_id is 9 characters long, over its max_length of 8"),
        ({**ok, "race_id": 5}, "race_id must be a str, got int"),
        (
            {**ok, "race_id": "\ud800"},
            "race_id holds a lone surrogate U+D800, which UTF-8 cannot encode",
        ),
        ({**ok, "lap": True}, "lap must be an int, got bool"),
        ({**ok, "lap": "1"}, "lap must be an int, got str"),
        (
            {**ok, "lap": -1},
            "lap=-1 does not fit {lap:04d}: it must be 0..9999; negative or wider numbers would"
            " sort out of order",
        ),
        (
            {**ok, "lap": 10_000},
            "lap=10000 does not fit {lap:04d}: it must be 0..9999; negative or wider numbers"
            " would sort out of order",
        ),
        (
            {**ok, "race": "r"},
            "race is not a variable of template 'RACE#{race_id}#RACER#{racer_id}#{lap:04d}'"
            " (variables: race_id, racer_id, lap)",
        ),
        (
            {**ok, "race_id": "r" * 1007},
            "the composed key is 1,025 UTF-8 bytes, over the limit of 1,024 bytes",
        ),
    ]
    for values, reason in cases:
        with pytest.raises(KeyValueError) as info:
            codec.compose(values)
        assert str(info.value) == f"RaceResult.SK: {reason}"
        assert (info.value.entity, info.value.attribute) == ("RaceResult", "SK")
    at_limit = codec.compose({**ok, "race_id": "r" * 1006})
    assert at_limit == "RACE#" + "r" * 1006 + "#RACER#x#0001"
    assert isinstance(at_limit, str)
    assert len(at_limit.encode()) == SORT_KEY_MAX_BYTES


def test_byte_limit_counts_utf8_and_escapes() -> None:
    codec = KeyCodec("Racer", "PK", "{racer_id}")
    assert codec.compose({"racer_id": "\u00e9" * 1024}) == "\u00e9" * 1024
    assert _error(lambda: codec.compose({"racer_id": "#" * 1025})) == (
        "Racer.PK: the composed key is 2,050 UTF-8 bytes, over the limit of 2,048 bytes"
    )
    assert codec.limit == PARTITION_KEY_MAX_BYTES


def test_prefix_errors() -> None:
    codec = KeyCodec("RaceResult", "SK", RACE_SK)
    assert _error(lambda: codec.prefix({"race_id": "r", "lap": 1})) == (
        "RaceResult.SK: lap is given but racer_id before it is not; a begins_with prefix takes"
        " the template's variables in order, without gaps"
    )
    assert _error(lambda: codec.prefix({"racer": "x"})) == (
        "RaceResult.SK: racer is not a variable of template"
        " 'RACE#{race_id}#RACER#{racer_id}#{lap:04d}' (variables: race_id, racer_id, lap)"
    )
    assert _error(lambda: codec.prefix({"race_id": ""})) == (
        "RaceResult.SK: race_id is empty; keys cannot hold empty parts"
    )
    bare = KeyCodec("Racer", "PK", "{racer_id}#{n}")
    assert _error(lambda: bare.prefix({})) == (
        "Racer.PK: an empty prefix matches every key: give at least racer_id, which the"
        " template starts with"
    )
    racer = KeyCodec("Racer", "PK", "racer-{racer_id}")
    assert _error(lambda: racer.prefix({"racer_id": "1"})) == (
        "Racer.PK: a begins_with prefix cannot end after racer_id: nothing after it marks where"
        " it ends, so 'racer-1' would also match 'racer-10'"
    )
    # '-' is not a delimiter, so it may appear inside a racer id: it cannot end a prefix.
    dashed = KeyCodec("Racer", "PK", "{racer_id}-{n:02d}")
    assert _error(lambda: dashed.prefix({"racer_id": "a"})) == (
        "Racer.PK: a begins_with prefix cannot end after racer_id: nothing after it marks where"
        " it ends, so 'a-' would also match 'a-0'"
    )


def test_construction_errors() -> None:
    with pytest.raises(ValueError, match="ambiguous template: the key 'a--a' splits"):
        KeyCodec("A", "PK", "{a}-{b}", escape=False)
    with pytest.raises(ValueError, match=r"parts \['c'\] are not variables of the template"):
        KeyCodec("A", "PK", "{a}", {"c": PartSpec()})
    with pytest.raises(ValueError, match="declares width 3 but the template says None"):
        KeyCodec("A", "PK", "{a}", {"a": PartSpec("integer", width=3)})
    with pytest.raises(ValueError, match="a number key must be a single variable"):
        KeyCodec("A", "PK", "N{a}", key_type="N")
    # Restricting the charset makes an unescaped template unambiguous.
    digits = {"a": PartSpec(charset=CharSet.parse("digits"))}
    raw = KeyCodec("A", "PK", "{a}-{b}", digits, escape=False)
    assert raw.parse("12-x-y") == {"a": "12", "b": "x-y"}


def test_parse_rejects_bad_escapes() -> None:
    codec = KeyCodec("RaceResult", "SK", "RACE#{race_id}#RACER#{racer_id}")
    assert _error(lambda: codec.parse("RACE#1#2#RACER#3")) == (
        "RaceResult.SK: key 'RACE#1#2#RACER#3' does not match template"
        " 'RACE#{race_id}#RACER#{racer_id}'"
    )
    assert _error(lambda: codec.parse("RACE#1\\x#RACER#3")) == (
        "RaceResult.SK: key 'RACE#1\\\\x#RACER#3' does not match template"
        " 'RACE#{race_id}#RACER#{racer_id}'"
    )


# -- property: hostile tuples ------------------------------------------------------------------

HOSTILE = ["#", "\\", "1", "0", "a", "A", "e", "\u0301", "\u00e9", "\u212b", "\u00c5", "-", "😀"]
_short = st.text(st.sampled_from(HOSTILE), min_size=1, max_size=4)
_long = st.text(st.sampled_from(HOSTILE), min_size=1, max_size=MAX_ID)
_full = st.sampled_from(HOSTILE).map(lambda c: c * MAX_ID)
_ids = st.one_of(*[_short] * 8, _long, _full)
_laps = st.one_of(st.integers(0, 12), st.just(9999))
Values = tuple[str, str, int]

CODEC = KeyCodec(
    "RaceResult",
    "SK",
    RACE_SK,
    {"race_id": PartSpec(max_length=MAX_ID), "racer_id": PartSpec(max_length=MAX_ID)},
)
SEEN: dict[str, Values] = {}


def _nfc(values: Values) -> Values:
    race_id, racer_id, lap = values
    return unicodedata.normalize("NFC", race_id), unicodedata.normalize("NFC", racer_id), lap


@st.composite
def _pairs(draw: st.DrawFn) -> tuple[Values, Values]:
    a: Values = (draw(_ids), draw(_ids), draw(_laps))
    how = draw(st.sampled_from(["independent", "same race", "extended", "truncated", "same"]))
    b: Values = (draw(_ids), draw(_ids), draw(_laps))
    if how == "same race":
        b = (a[0], b[1], b[2])
    elif how == "extended":
        b = ((a[0] + draw(_short))[:MAX_ID], b[1], b[2])
    elif how == "truncated" and len(a[0]) > 1:
        b = (a[0][: draw(st.integers(1, len(a[0]) - 1))], b[1], b[2])
    elif how == "same":
        b = (a[0], a[1], b[2])
    return a, b


def _key(values: Values) -> str:
    key = CODEC.compose(dict(zip(("race_id", "racer_id", "lap"), values, strict=True)))
    assert isinstance(key, str)
    return key


# 5,000 pairs: 10,000 hostile tuples, each composed, parsed back and checked for collisions
# (in SEEN, across every example) and begins_with over-matches against its partner.
@pytest.mark.slow
@settings(max_examples=5_000, deadline=None)
@given(_pairs())
def test_hostile_tuples_round_trip_never_collide_never_over_match(
    pair: tuple[Values, Values],
) -> None:
    a, b = pair
    key_a, key_b = _key(a), _key(b)
    for values, key in ((a, key_a), (b, key_b)):
        normal = _nfc(values)
        parsed = CODEC.parse(key)
        assert (parsed["race_id"], parsed["racer_id"], parsed["lap"]) == normal
        assert SEEN.setdefault(key, normal) == normal
    assert (key_a == key_b) == (_nfc(a) == _nfc(b))
    race_prefix = CODEC.prefix({"race_id": a[0]})
    assert key_b.startswith(race_prefix) == (_nfc(a)[0] == _nfc(b)[0])
    racer_prefix = CODEC.prefix({"race_id": a[0], "racer_id": a[1]})
    assert key_b.startswith(racer_prefix) == (_nfc(a)[:2] == _nfc(b)[:2])


# ---------------------------------------------------------------------------------------------
# Datetimes as stored: fixed width, read back, ordered


@settings(max_examples=300, deadline=None)
@given(st.datetimes(timezones=st.just(dt.UTC)), st.datetimes(timezones=st.just(dt.UTC)))
def test_stored_datetimes_read_back_and_sort_as_instants(a: dt.datetime, b: dt.datetime) -> None:
    # Years before 1000 once came out as `5-01-01T...`: unreadable, and out of order.
    text_a, text_b = format_datetime(a), format_datetime(b)
    assert len(text_a) == len("2024-01-01T00:00:00.000000Z")
    assert parse_datetime(text_a) == a
    assert (text_a < text_b) == (a < b)
