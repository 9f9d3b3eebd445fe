"""The run's oracle: intents evaluated in plain Python with DynamoDB's comparison rules, and the
comparison of a returned sequence with the freedom ties and limits leave a correct engine."""

from __future__ import annotations

import datetime as dt
import itertools
import unicodedata
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tablemodel.design import Design, build_design
from tablemodel.run.intent import (
    Expected,
    IntentError,
    compare,
    compare_stored,
    expected_result,
    stored,
)
from tablemodel.run.items import SampleItem
from tablemodel.schema.loader import model_from_data

ENTITIES: dict[str, Any] = {
    "Thing": {
        "attributes": {
            "id": "string",
            "name": "string?",
            "n": "number?",
            "count": "integer?",
            "flag": "boolean?",
            "blob": "binary?",
            "when": "datetime?",
            "day": "date?",
            "tags": "string_set?",
        },
        "keys": {"PK": "thing-{id}", "SK": "thing"},
    },
    "Other": {
        "attributes": {"id": "string", "name": "string?"},
        "keys": {"PK": "other-{id}", "SK": "other"},
    },
}


def design_for(intent: Mapping[str, Any], parameters: Mapping[str, Any] | None = None) -> Design:
    """A model whose one pattern `p` has `intent`."""
    data = {
        "version": 1,
        "table": {"name": "things", "partition_key": {"name": "PK"}, "sort_key": {"name": "SK"}},
        "entities": ENTITIES,
        "access_patterns": {
            "p": {
                "description": "the pattern under test",
                "key_condition": {"PK": "thing-{id}"},
                "returns": ["Thing"],
                "parameters": dict(parameters or {}),
                "intent": dict(intent),
            }
        },
    }
    loaded = model_from_data(data, source="test")
    return build_design(loaded.model, loaded)


def things(*values: Mapping[str, object], entity: str = "Thing") -> list[SampleItem]:
    return [SampleItem(entity, {"id": f"t{i}", **v}, "test") for i, v in enumerate(values, start=0)]


def selected(
    where: Mapping[str, Any],
    items: list[SampleItem],
    params: Mapping[str, object] | None = None,
    parameters: Mapping[str, Any] | None = None,
) -> list[int]:
    design = design_for({"select": {"Thing": dict(where)}}, parameters)
    expected = expected_result(design, "p", params or {}, items)
    return sorted(i for group in expected.groups for i in group)


# ---------------------------------------------------------------------------------------------
# Operators


NAMES = things({"name": "a"}, {"name": "Z"}, {"name": "b#10"}, {"name": "b#2"}, {})


@pytest.mark.parametrize(
    ("where", "params", "indices"),
    [
        ({"name": "$name"}, {"name": "Z"}, [1]),
        ({"name": {"eq": "a"}}, {}, [0]),
        # A missing attribute is not equal to anything, so `<>` selects it (as DynamoDB does).
        ({"name": {"ne": "$name"}}, {"name": "a"}, [1, 2, 3, 4]),
        # Byte order: upper case before lower case, `b#10` before `b#2`.
        ({"name": {"lt": "a"}}, {}, [1]),
        ({"name": {"gt": "Z"}}, {}, [0, 2, 3]),
        ({"name": {"lte": "b#10"}}, {}, [0, 1, 2]),
        ({"name": {"gte": "b#2"}}, {}, [3]),
        ({"name": {"lt": "b#2"}}, {}, [0, 1, 2]),
        ({"name": {"between": ["Z", "b#10"]}}, {}, [0, 1, 2]),
        ({"name": {"between": ["b", "a"]}}, {}, []),
        ({"name": {"begins_with": "b#"}}, {}, [2, 3]),
        ({"name": {"begins_with": "B"}}, {}, []),
        ({"name": {"in": ["a", "b#2", "zzz"]}}, {}, [0, 3]),
        ({"name": {"in": ["$x", "$y"]}}, {"x": "Z", "y": "nothing"}, [1]),
        ({"name": {"exists": True}}, {}, [0, 1, 2, 3]),
        ({"name": {"exists": False}}, {}, [4]),
        ({}, {}, [0, 1, 2, 3, 4]),
        # Several operators on one attribute: all of them hold (a half-open range here).
        ({"name": {"gte": "Z", "lt": "b#2"}}, {}, [0, 1, 2]),
        ({"name": {"begins_with": "b#", "ne": "b#2"}}, {}, [2]),
    ],
)
def test_string_operators_follow_dynamodb(
    where: dict[str, Any], params: dict[str, object], indices: list[int]
) -> None:
    parameters = {p: {"type": "string"} for p in params if p != "name"}
    assert selected(where, NAMES, params, parameters) == indices


def test_strings_compare_by_utf8_bytes_not_by_python_order() -> None:
    # U+FF5E and U+1F600: UTF-16 code units order them the other way round.
    items = things({"name": "z"}, {"name": "é"}, {"name": "\uff5e"}, {"name": "\U0001f600"})
    assert selected({"name": {"gt": "z"}}, items) == [1, 2, 3]
    assert selected({"name": {"lt": "\U0001f600"}}, items) == [0, 1, 2]
    assert stored("Z") < stored("a")  # type: ignore[operator]
    assert compare_stored(stored("b#10"), stored("b#2")) < 0


def test_strings_are_compared_after_nfc_as_the_runtime_stores_them() -> None:
    items = things({"name": "cafe\u0301"}, {"name": "café"})
    assert selected({"name": "$name"}, items, {"name": "café"}) == [0, 1]
    assert selected({"name": "$name"}, items, {"name": "cafe\u0301"}) == [0, 1]


def test_numbers_compare_numerically() -> None:
    items = things({"n": Decimal("9")}, {"n": Decimal("10")}, {"n": Decimal("1.50")}, {})
    assert selected({"n": {"gt": "$low"}}, items, {"low": Decimal(2)}) == [0, 1]
    assert selected({"n": 1.5}, items) == [2]  # 1.5 equals 1.50
    assert selected({"n": {"lt": "10"}}, items) == [0, 2]  # a quoted number is a number
    assert selected({"n": {"between": [1, 9]}}, items) == [0, 2]
    assert selected({"n": {"ne": 9}}, items) == [1, 2, 3]


def test_values_of_another_type_never_compare() -> None:
    items = things({"count": 1}, {"count": 2})
    parameters = {"text": {"type": "string"}}
    assert selected({"count": {"eq": "$text"}}, items, {"text": "1"}, parameters) == []
    assert selected({"count": {"lt": "$text"}}, items, {"text": "9"}, parameters) == []
    assert selected({"count": {"ne": "$text"}}, items, {"text": "1"}, parameters) == [0, 1]


def test_a_missing_attribute_satisfies_no_comparison() -> None:
    items = things({}, {"count": 5})
    for op in ("eq", "lte", "gte"):
        assert selected({"count": {op: 5}}, items) == [1]
    for op in ("lt", "gt"):
        assert selected({"count": {op: 5}}, items) == []
    assert selected({"count": {"between": [0, 9]}}, items) == [1]
    assert selected({"count": {"in": [5, 6]}}, items) == [1]
    assert selected({"name": {"begins_with": "x"}}, items) == []


def test_binary_booleans_datetimes_dates_and_sets() -> None:
    utc = dt.UTC
    india = dt.timezone(dt.timedelta(hours=5, minutes=30))
    items = things(
        {"blob": b"\x00\xff", "flag": True, "when": dt.datetime(2024, 1, 1, tzinfo=utc)},
        {"blob": b"\xff", "flag": False, "when": dt.datetime(2024, 1, 1, 5, 30, tzinfo=india)},
        {"day": dt.date(2024, 2, 29), "tags": {"a", "b"}},
    )
    parameters = {"prefix": {"type": "binary"}, "at": {"type": "datetime"}}
    assert selected(
        {"blob": {"begins_with": "$prefix"}}, items, {"prefix": b"\x00"}, parameters
    ) == [0]
    assert selected({"blob": {"gt": "$prefix"}}, items, {"prefix": b"\x00\xff"}, parameters) == [1]
    assert selected({"flag": True}, items) == [0]
    assert selected({"flag": {"exists": False}}, items) == [2]
    # The same instant written in two time zones is one stored value.
    at = dt.datetime(2024, 1, 1, tzinfo=utc)
    assert selected({"when": "$at"}, items, {"at": at}, parameters) == [0, 1]
    assert selected({"when": {"begins_with": "2024-01-01T00"}}, items) == [0, 1]
    assert selected({"day": {"gte": "2024-02"}}, items) == [2]
    assert stored(set()) is None
    assert stored({"b", "a"}) == stored(frozenset({"a", "b"}))


@pytest.mark.parametrize(
    ("where", "indices"),
    [
        # Whole UTC days: 2024-01-09 late, 2024-01-10 at midnight, noon and last microsecond,
        # 2024-01-11 at midnight. A `date` bound on a `datetime` means the whole day.
        ({"when": {"lt": "$day"}}, [0]),
        ({"when": {"lte": "$day"}}, [0, 1, 2, 3]),
        ({"when": {"gt": "$day"}}, [4]),
        ({"when": {"gte": "$day"}}, [1, 2, 3, 4]),
        ({"when": "$day"}, [1, 2, 3]),
        ({"when": {"ne": "$day"}}, [0, 4, 5]),
        ({"when": {"between": ["$day", "$day"]}}, [1, 2, 3]),
        ({"when": {"gte": "2024-01-10", "lt": "2024-01-11"}}, [1, 2, 3]),
    ],
)
def test_a_date_against_a_datetime_means_the_whole_day(
    where: dict[str, Any], indices: list[int]
) -> None:
    utc = dt.UTC
    items = things(
        {"when": dt.datetime(2024, 1, 9, 23, 59, 59, 999_999, tzinfo=utc)},
        {"when": dt.datetime(2024, 1, 10, tzinfo=utc)},
        {"when": dt.datetime(2024, 1, 10, 12, tzinfo=utc)},
        # Written in +05:30, stored as 2024-01-10T23:59:59.999999Z: the day is UTC's.
        {
            "when": dt.datetime(
                2024,
                1,
                11,
                5,
                29,
                59,
                999_999,
                tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30)),
            )
        },
        {"when": dt.datetime(2024, 1, 11, tzinfo=utc)},
        {},
    )
    parameters = {"day": {"type": "date"}}
    assert selected(where, items, {"day": dt.date(2024, 1, 10)}, parameters) == indices


def test_dollar_dollar_is_a_literal_dollar() -> None:
    items = things({"name": "$x"}, {"name": "x"})
    assert selected({"name": "$$x"}, items, {"x": "x"}, {"x": {"type": "string"}}) == [0]


def test_select_chooses_entity_types() -> None:
    items = things({"name": "a"}) + things({"name": "a"}, entity="Other")
    design = design_for({"select": {"Thing": {}, "Other": {"name": "a"}}})
    assert expected_result(design, "p", {}, items).groups == [[0, 1]]
    only = design_for({"select": {"Other": {}}})
    assert expected_result(only, "p", {}, items).groups == [[1]]


# ---------------------------------------------------------------------------------------------
# Order, ties and limits


def test_order_by_groups_ties_and_puts_missing_values_first() -> None:
    items = things(
        {"n": Decimal(2), "name": "b"},
        {"n": Decimal(1), "name": "x"},
        {"n": Decimal("2.0"), "name": "a"},
        {"name": "m"},
        {"n": Decimal(10), "name": "b"},
    )
    asc = design_for({"select": {"Thing": {}}, "order_by": ["n"]})
    assert expected_result(asc, "p", {}, items).groups == [[3], [1], [0, 2], [4]]
    desc = design_for({"select": {"Thing": {}}, "order_by": ["n desc"]})
    assert expected_result(desc, "p", {}, items).groups == [[4], [0, 2], [1], [3]]
    two = design_for({"select": {"Thing": {}}, "order_by": ["-n", "name"]})
    result = expected_result(two, "p", {}, items)
    assert result.groups == [[4], [2], [0], [1], [3]]
    assert result.ordered
    assert result.limit is None


def test_order_by_strings_is_byte_order() -> None:
    items = things({"name": "b#2"}, {"name": "a"}, {"name": "b#10"}, {"name": "Z"})
    design = design_for({"select": {"Thing": {}}, "order_by": ["name"]})
    assert expected_result(design, "p", {}, items).groups == [[3], [1], [2], [0]]


def test_without_order_by_everything_is_one_group() -> None:
    items = things({}, {}, {})
    result = expected_result(design_for({"select": {"Thing": {}}}), "p", {}, items)
    assert result == Expected(groups=[[0, 1, 2]], limit=None, ordered=False)
    assert expected_result(design_for({"select": {"Other": {}}}), "p", {}, items).groups == []


def test_limits_literal_and_parameter() -> None:
    items = things({}, {}, {})
    literal = design_for({"select": {"Thing": {}}, "limit": 2})
    assert expected_result(literal, "p", {}, items).count == 2
    param = design_for({"select": {"Thing": {}}, "limit": "$n"}, {"n": {"type": "integer"}})
    assert expected_result(param, "p", {"n": 5}, items).count == 3
    assert expected_result(param, "p", {"n": 0}, items).count == 0
    with pytest.raises(IntentError, match="limit"):
        expected_result(param, "p", {"n": -1}, items)
    with pytest.raises(IntentError, match="parameter `n`"):
        expected_result(design_for({"select": {"Thing": {"name": "$n"}}}), "p", {}, items)
    with pytest.raises(IntentError, match="not an access pattern"):
        expected_result(literal, "nope", {}, items)


# ---------------------------------------------------------------------------------------------
# compare


def ordered(*groups: list[int], limit: int | None = None) -> Expected:
    return Expected(groups=[list(g) for g in groups], limit=limit, ordered=True)


def test_compare_accepts_any_order_inside_a_tie_group() -> None:
    expected = ordered([0], [1, 2], [3])
    assert compare(expected, [0, 2, 1, 3]).ok
    assert compare(expected, [0, 1, 2, 3]).ok
    result = compare(expected, [1, 0, 2, 3])
    assert not result.ok
    assert result.misordered == 1
    assert result.missing == []
    assert result.unexpected == []


def test_compare_reports_missing_unexpected_and_duplicates() -> None:
    expected = ordered([0], [1], [2])
    result = compare(expected, [0, 7, 2, 2])
    assert not result.ok
    assert result.missing == [1]
    assert result.unexpected == [7, 2]
    assert (result.expected_count, result.actual_count) == (3, 4)
    assert result.misordered is None


def test_a_limit_cutting_a_tie_group_accepts_any_members_of_the_right_number() -> None:
    expected = ordered([0], [1, 2, 3], [4], limit=3)
    for pair in itertools.permutations([1, 2, 3], 2):
        assert compare(expected, [0, *pair]).ok, pair
    too_many = compare(expected, [0, 1, 2, 3])
    assert too_many.unexpected == [3]
    assert too_many.missing == []
    too_few = compare(expected, [0, 2])
    assert too_few.missing == [1]
    assert too_few.unexpected == []
    beyond = compare(expected, [0, 1, 4])
    assert beyond.unexpected == [4]
    assert beyond.missing == [2]
    assert compare(expected, [1, 0, 2]).misordered == 1


def test_a_limit_at_a_group_boundary_leaves_no_choice() -> None:
    expected = ordered([0, 1], [2], limit=2)
    assert compare(expected, [1, 0]).ok
    result = compare(expected, [0, 2])
    assert result.missing == [1]
    assert result.unexpected == [2]


def test_unordered_results_ignore_order_but_not_the_limit() -> None:
    expected = Expected(groups=[[0, 1, 2, 3]], limit=2, ordered=False)
    assert compare(expected, [3, 1]).ok
    assert compare(expected, [3, 1, 0]).unexpected == [0]
    assert compare(Expected(groups=[], limit=None, ordered=False), []).ok
    assert compare(Expected(groups=[], limit=None, ordered=False), [4]).unexpected == [4]


@st.composite
def expectations(draw: st.DrawFn) -> Expected:
    size = draw(st.integers(0, 6))
    indices = draw(st.permutations(list(range(size))))
    cuts = sorted(draw(st.sets(st.integers(1, max(size - 1, 1)), max_size=3)))
    groups = [list(indices[a:b]) for a, b in itertools.pairwise([0, *cuts, size]) if a < b]
    limit = draw(st.none() | st.integers(0, 7))
    return Expected(groups=groups, limit=limit, ordered=draw(st.booleans()))


def correct_results(expected: Expected) -> set[tuple[int, ...]]:
    """Every sequence a correct engine may return, by brute force."""
    count = expected.count
    results: set[tuple[int, ...]] = set()
    flat = [i for g in expected.groups for i in g]
    rank = {i: r for r, g in enumerate(expected.groups) for i in g}
    for chosen in itertools.combinations(flat, count):
        # Which items: all of the earlier groups, then members of the cut group.
        ranks = sorted(rank[i] for i in chosen)
        cut = ranks[-1] if ranks else -1
        full = [i for i in flat if rank[i] < cut]
        if not set(full) <= set(chosen):
            continue
        for order in itertools.permutations(chosen):
            ranks_in_order = [rank[i] for i in order]
            if not expected.ordered or ranks_in_order == sorted(ranks_in_order):
                results.add(order)
    return results


@settings(max_examples=300, deadline=None)
@given(expected=expectations(), data=st.data())
def test_compare_accepts_exactly_the_correct_results(
    expected: Expected, data: st.DataObject
) -> None:
    correct = correct_results(expected)
    pick_a_correct_one = data.draw(st.booleans())
    if correct and pick_a_correct_one:
        actual = list(data.draw(st.sampled_from(sorted(correct))))
    else:
        actual = data.draw(st.lists(st.integers(0, 7), max_size=7))
    result = compare(expected, actual)
    assert result.ok == (tuple(actual) in correct)
    # Every returned item is accepted or unexpected; every accepted or missing one is expected.
    accepted = len(actual) - len(result.unexpected)
    assert accepted + len(result.missing) == expected.count == result.expected_count
    assert result.actual_count == len(actual)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=4), min_size=1, max_size=8))
def test_ascending_order_is_utf8_byte_order(names: list[str]) -> None:
    items = things(*({"name": n} for n in names))
    design = design_for({"select": {"Thing": {}}, "order_by": ["name"]})
    groups = expected_result(design, "p", {}, items).groups
    stored_names = [unicodedata.normalize("NFC", n) for n in names]  # as the runtime writes
    flat = [i for g in groups for i in g]
    keys = [stored_names[i].encode() for i in flat]
    assert keys == sorted(keys)
    for group in groups:  # ties are exactly the equal values
        assert len({stored_names[i] for i in group}) == 1
