"""Item sizes and capacity units, held against DynamoDB Local.

The unit tests pin every rule to values measured on DynamoDB Local (see the docstring of
`tablemodel.runtime.size`); the engine tests measure them again on every run, so an engine
that changes its accounting fails here rather than in production. moto is no oracle: it
measures sizes its own inexact way.

Boundary method: an item is padded with one attribute so that the calculator puts it at the
largest size not above 409,600 bytes; DynamoDB Local must accept it and must refuse the same
item with one more byte of padding, with its item-size ValidationException.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tablemodel.runtime.size import (
    ITEM_SIZE_LIMIT,
    NUMBER_MAX_BYTES,
    AttributeValue,
    Item,
    LocalIndexShape,
    attribute_size,
    get_read_units,
    item_size,
    item_size_with_local_indexes,
    local_index_entry_size,
    number_size,
    read_units,
    write_units,
)

SIZE_ERROR = "Item size has exceeded the maximum allowed size"
PAD = "_pad"

# Measured on DynamoDB Local: (number text, bytes it stores).
MEASURED_NUMBERS = [
    ("0", 1),
    ("-0", 1),
    ("0.0", 1),
    ("0E+10", 1),
    ("1", 2),
    ("9", 2),
    ("10", 2),
    ("100", 2),
    ("0.1", 2),
    ("0.01", 2),
    ("12", 2),
    ("1.2", 3),
    ("1.5", 3),
    ("150", 3),
    ("123", 3),
    ("12.3", 3),
    ("1234", 3),
    ("123.4", 4),
    ("-1", 3),
    ("-0.5", 3),
    ("-10", 3),
    ("-1.5", 4),
    ("-150", 4),
    ("12345678901234567890", 11),
    ("1E+125", 2),
    ("1E-130", 2),
    ("-1E+125", 3),
    ("-1E-130", 3),
    ("9.9999999999999999999999999999999999999E+125", 20),
    ("99999999999999999999999999999999999999", 20),
    ("-99999999999999999999999999999999999999", 21),
    ("12345678901234567890123456789012345678", 20),
    ("1234567890123456789012345678901234567.8", 21),
    ("-1234567890123456789012345678901234567.8", 21),  # not 22: no sign byte when full
    ("0.00000000000000000000000000000000000001", 2),
    ("1.23E+3", 3),
    ("12.3E+3", 3),
    ("1.234E+5", 3),  # 4 digits, odd exponent
    ("1.234E+4", 4),  # 4 digits, even exponent
    ("1.2345E-7", 4),  # 5 digits, odd exponent
    ("1.2345E-8", 4),  # 5 digits, even exponent
    ("-1.2345E-7", 5),
    ("-1.2345E-8", 5),
    ("-12.34E+1", 5),
    ("-1.234E+1", 4),
    ("007", 2),
    ("+5", 2),
    ("1.", 2),
    (".5", 2),
    ("-.5", 3),
    ("1e2", 2),
    ("1.50", 3),
    ("1.0E+2", 2),
    ("100000000000000000000000000000000000000000000", 2),
    ("1.00000000000000000000000000000000000000000", 2),
    ("١٢", 2),  # Arabic-Indic digits: Java's BigDecimal reads any Unicode decimal digit
]

# DynamoDB Local refuses each of these as a number.
REFUSED_NUMBERS = [
    "",
    ".",
    "-",
    " 1",
    "1 ",
    "NaN",
    "Infinity",
    "0x10",
    "1_000",
    "1E",
    "1e+",
    "--1",
    "1d",
    "1.000000000000000000000000000000000000001",  # 39 significant digits
    "1E+126",
    "1E-131",
    "0E2147483648",  # exponent beyond a 32-bit int
    "0E-2147483648",  # scale beyond a 32-bit int
    "0.0E-2147483647",
]

# Measured on DynamoDB Local: (attribute name, value, bytes of name plus value).
MEASURED_ATTRIBUTES: list[tuple[str, AttributeValue, int]] = [
    ("a", {"S": "x"}, 2),
    ("a", {"S": "é"}, 3),
    ("é", {"S": "x"}, 3),
    ("a", {"S": ""}, 1),
    ("a", {"B": b"xyz"}, 4),
    ("a", {"B": b""}, 1),
    ("a", {"BOOL": True}, 2),
    ("a", {"BOOL": False}, 2),
    ("a", {"NULL": True}, 2),
    ("a", {"L": []}, 4),
    ("a", {"M": {}}, 4),
    ("a", {"L": [{"S": "x"}]}, 6),
    ("a", {"L": [{"S": ""}]}, 5),
    ("a", {"L": [{"S": "x"}, {"N": "1"}]}, 9),
    ("a", {"L": [{"L": []}]}, 8),
    ("a", {"L": [{"M": {"x": {"L": [{"S": ""}]}}}]}, 14),
    ("a", {"M": {"k": {"S": "x"}}}, 7),
    ("a", {"M": {"kk": {"S": "x"}, "é": {"NULL": True}}}, 12),
    ("a", {"M": {"😀": {"S": "😀"}}}, 13),
    ("a", {"SS": ["x", "yy"]}, 4),
    ("a", {"SS": [""]}, 1),
    ("a", {"NS": ["1", "1.5", "-1"]}, 9),
    ("a", {"BS": [b"x", b"yy"]}, 4),
    ("a", {"BS": [b""]}, 1),
    ("a", {"L": [{"NULL": True}] * 1000}, 2004),
    ("a", {"L": [{"S": "x" * 300_000}]}, 300_005),
    ("a", {"M": {"k" * 16_384: {"S": "x"}}}, 16_390),
    ("a", {"M": {f"k{i:05d}": {"NULL": True} for i in range(1000)}}, 8004),
]


# -- numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "size"), MEASURED_NUMBERS)
def test_number_size_is_what_dynamodb_local_stores(text: str, size: int) -> None:
    assert number_size(text) == size


@pytest.mark.parametrize("text", REFUSED_NUMBERS)
def test_number_size_refuses_what_dynamodb_refuses(text: str) -> None:
    with pytest.raises(ValueError, match=r"number|digits|exponent"):
        number_size(text)


def _base100_size(value: Decimal) -> int:
    """Oracle NUMBER encoding, spelled out: exponent byte, base-100 digits, sign terminator."""
    if value == 0:
        return 1
    whole, _, fraction = format(value.copy_abs(), "f").partition(".")
    whole = whole.lstrip("0")
    if len(whole) % 2:
        whole = "0" + whole  # align the integer part on pairs from the point leftwards
    if len(fraction) % 2:
        fraction += "0"  # and the fraction from the point rightwards
    pairs = [whole[i : i + 2] for i in range(0, len(whole), 2)]
    pairs += [fraction[i : i + 2] for i in range(0, len(fraction), 2)]
    while pairs[0] == "00":
        pairs.pop(0)
    while pairs[-1] == "00":
        pairs.pop()
    terminator = 1 if value < 0 and len(pairs) < 20 else 0
    return 1 + len(pairs) + terminator


@st.composite
def number_texts(draw: st.DrawFn) -> str:
    """Valid DynamoDB numbers: up to 38 significant digits, exponents -130 to 125, any spelling."""
    if draw(st.integers(0, 15)) == 0:
        return draw(st.sampled_from(["0", "-0", "0.000", "0E+5", "00"]))
    count = draw(st.integers(1, 38))
    first = draw(st.sampled_from("123456789"))
    rest = draw(st.text("0123456789", min_size=count - 1, max_size=count - 1))
    exponent = draw(st.integers(-130, 125))
    sign = draw(st.sampled_from(["", "-", "+"]))
    value = Decimal(f"{sign}{first}.{rest or '0'}E{exponent}")
    match draw(st.sampled_from(["scientific", "positional", "lower"])):
        case "positional" if -40 <= exponent <= 40:
            return f"{sign}{format(value.copy_abs(), 'f')}"
        case "lower":
            return f"{sign}{first}.{rest}e{exponent}"
    return f"{sign}{first}.{rest}E{exponent:+d}"


@given(number_texts())
def test_number_size_is_the_base_100_encoding(text: str) -> None:
    assert number_size(text) == _base100_size(Decimal(text)) <= NUMBER_MAX_BYTES


def test_number_must_be_text() -> None:
    with pytest.raises(TypeError, match="str"):
        item_size({"n": {"N": 5}})
    with pytest.raises(TypeError, match="str"):
        item_size({"n": {"NS": [5]}})


# -- attribute values ------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "value", "size"), MEASURED_ATTRIBUTES)
def test_attribute_size_is_what_dynamodb_local_stores(
    name: str, value: AttributeValue, size: int
) -> None:
    assert attribute_size(name, value) == size


def test_item_size_sums_its_attributes() -> None:
    item: Item = {"PK": {"S": "p"}, "n": {"N": "12.5"}, "b": {"B": b"ab"}, "t": {"BOOL": True}}
    assert item_size(item) == 3 + (1 + 3) + 3 + 2
    assert item_size({}) == 0
    assert ITEM_SIZE_LIMIT == 409_600


def test_binary_accepts_bytes_and_bytearray_only() -> None:
    assert attribute_size("b", {"B": bytearray(b"abc")}) == 4
    assert attribute_size("b", {"BS": [bytearray(b"ab"), b"c"]}) == 4
    with pytest.raises(TypeError, match="base64"):
        attribute_size("b", {"B": "YWJj"})
    with pytest.raises(TypeError, match="bytes"):
        attribute_size("b", {"B": 3})


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        ("x", TypeError, "mapping"),
        ({}, ValueError, "one type key"),
        ({"S": "x", "N": "1"}, ValueError, "one type key"),
        ({"X": "x"}, ValueError, "unknown DynamoDB type"),
        ({"S": 1}, TypeError, "str"),
        ({"SS": "abc"}, TypeError, "list"),
        ({"L": {"S": "x"}}, TypeError, "list"),
        ({"M": [("k", {"S": "x"})]}, TypeError, "mapping"),
        ({"M": {1: {"S": "x"}}}, TypeError, "name"),
    ],
)
def test_malformed_values_are_refused(value: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        attribute_size("a", value)


def test_sets_may_be_python_sets() -> None:
    assert attribute_size("s", {"SS": {"x", "yy"}}) == 4
    assert attribute_size("s", {"NS": frozenset({"1", "150"})}) == 6


# -- local secondary indexes -----------------------------------------------------------------

TABLE_KEYS = ("PK", "SK")
LSI_ITEM: Item = {
    "PK": {"S": "p" * 10},  # 12
    "SK": {"S": "s" * 20},  # 22
    "L": {"S": "l" * 5},  # 6
    "a": {"S": "x" * 100},  # 101
    "b": {"N": "1.5"},  # 4
}


def test_an_all_projection_counts_the_whole_item_again() -> None:
    index = LocalIndexShape("L")
    assert local_index_entry_size(LSI_ITEM, partition_key="PK", index=index) == 145
    assert (
        item_size_with_local_indexes(LSI_ITEM, table_keys=TABLE_KEYS, local_indexes=[index])
        == 2 * 145
    )


def test_keys_only_counts_partition_key_and_index_sort_key_but_not_the_table_sort_key() -> None:
    index = LocalIndexShape("L", "keys_only")
    assert local_index_entry_size(LSI_ITEM, partition_key="PK", index=index) == 12 + 6


def test_include_adds_the_listed_attributes_the_item_holds() -> None:
    index = LocalIndexShape("L", "include", ("a", "missing"))
    assert local_index_entry_size(LSI_ITEM, partition_key="PK", index=index) == 12 + 6 + 101


def test_include_counts_a_listed_key_attribute_again() -> None:
    with_keys = LocalIndexShape("L", "include", ("PK", "L", "SK"))
    assert local_index_entry_size(LSI_ITEM, partition_key="PK", index=with_keys) == 2 * 18 + 22


def test_an_item_without_the_index_sort_key_has_no_entry() -> None:
    item = {name: value for name, value in LSI_ITEM.items() if name != "L"}
    indexes = [LocalIndexShape("L"), LocalIndexShape("L", "keys_only")]
    assert item_size_with_local_indexes(item, table_keys=TABLE_KEYS, local_indexes=indexes) == (
        item_size(item)
    )


def test_every_index_adds_its_own_entry() -> None:
    indexes = [LocalIndexShape("L"), LocalIndexShape("L", "keys_only")]
    total = item_size_with_local_indexes(LSI_ITEM, table_keys=TABLE_KEYS, local_indexes=indexes)
    assert total == 145 + 145 + 18


def test_local_index_shapes_are_checked() -> None:
    with pytest.raises(ValueError, match="include"):
        LocalIndexShape("L", "all", ("a",))
    with pytest.raises(ValueError, match="partition and a sort key"):
        item_size_with_local_indexes(LSI_ITEM, table_keys=["PK"], local_indexes=[])
    with pytest.raises(ValueError, match="partition key"):
        local_index_entry_size(
            {"L": {"S": "x"}}, partition_key="PK", index=LocalIndexShape("L", "keys_only")
        )


# -- capacity --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sizes", "strong"),
    [
        ([1500, 1500, 1500], 2.0),  # 4,500 bytes: the page rounds once, not per item
        ([2048, 2048], 1.0),
        ([4096, 10], 2.0),
        ([4096], 1.0),
        ([4097], 2.0),
        ([10], 1.0),
        ([], 0.0),  # DynamoDB Local charges nothing for an empty page
    ],
)
def test_read_units_of_a_page(sizes: list[int], strong: float) -> None:
    assert read_units(sizes, consistent=True) == strong
    assert read_units(sizes, consistent=False) == strong / 2
    assert read_units(sizes, consistent=True, transactional=True) == strong * 2


@pytest.mark.parametrize(("size", "strong"), [(0, 1.0), (10, 1.0), (4096, 1.0), (4097, 2.0)])
def test_get_read_units_round_each_item(size: int, strong: float) -> None:
    assert get_read_units(size, consistent=True) == strong
    assert get_read_units(size, consistent=False) == strong / 2
    assert get_read_units(size, consistent=True, transactional=True) == strong * 2


@pytest.mark.parametrize(
    ("size", "units"), [(0, 1.0), (1, 1.0), (1024, 1.0), (1025, 2.0), (4097, 5.0), (100_015, 98.0)]
)
def test_write_units(size: int, units: float) -> None:
    assert write_units(size) == units
    assert write_units(size, transactional=True) == 2 * units
    assert write_units(size, index_count=2) == 3 * units
    assert write_units(size, index_count=2, transactional=True) == 6 * units


def test_capacity_refuses_impossible_requests() -> None:
    with pytest.raises(ValueError, match="strongly consistent"):
        read_units([1], consistent=False, transactional=True)
    with pytest.raises(ValueError, match="strongly consistent"):
        get_read_units(1, consistent=False, transactional=True)
    with pytest.raises(ValueError, match="negative"):
        read_units([5000, -1], consistent=True)
    with pytest.raises(ValueError, match="negative"):
        get_read_units(-1, consistent=True)
    with pytest.raises(ValueError, match="negative"):
        write_units(-1)
    with pytest.raises(ValueError, match="negative"):
        write_units(1, index_count=-1)


# -- DynamoDB Local --------------------------------------------------------------------------


@pytest.fixture
def client(dynamodb_local: str, aws_credentials: None) -> Any:
    import boto3  # noqa: PLC0415  (engine tests only)
    from botocore.config import Config  # noqa: PLC0415

    return boto3.client(
        "dynamodb",
        endpoint_url=dynamodb_local,
        config=Config(proxies={}, retries={"max_attempts": 1}),
    )


@contextmanager
def _table(
    client: Any,
    keys: Sequence[str],
    *,
    local: Sequence[tuple[str, dict[str, Any]]] = (),
    global_all: str | None = None,
) -> Iterator[str]:
    """Create a table of our own (string keys), yield its name, then delete it.

    ``local`` gives (LSI sort key, projection) pairs; ``global_all`` a GSI partition key.
    """
    name = f"size-{uuid.uuid4().hex[:12]}"
    key_types = ["HASH", "RANGE"]
    schema = [
        {"AttributeName": key, "KeyType": kind} for key, kind in zip(keys, key_types, strict=False)
    ]
    defined = [*keys, *(sort_key for sort_key, _ in local)]
    options: dict[str, Any] = {}
    if local:
        options["LocalSecondaryIndexes"] = [
            {
                "IndexName": f"by-{sort_key}",
                "KeySchema": [
                    {"AttributeName": keys[0], "KeyType": "HASH"},
                    {"AttributeName": sort_key, "KeyType": "RANGE"},
                ],
                "Projection": projection,
            }
            for sort_key, projection in local
        ]
    if global_all is not None:
        defined.append(global_all)
        options["GlobalSecondaryIndexes"] = [
            {
                "IndexName": f"by-{global_all}",
                "KeySchema": [{"AttributeName": global_all, "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ]
    client.create_table(
        TableName=name,
        KeySchema=schema,
        AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"} for key in defined],
        BillingMode="PAY_PER_REQUEST",
        **options,
    )
    try:
        yield name
    finally:
        client.delete_table(TableName=name)


@pytest.fixture
def plain_table(client: Any) -> Iterator[str]:
    with _table(client, ["PK"]) as table:
        yield table


LSI_SHAPES = {
    "all": [LocalIndexShape("LA")],
    "mixed": [
        LocalIndexShape("LA"),
        LocalIndexShape("LB", "keys_only"),
        LocalIndexShape("LC", "include", ("inc",)),
    ],
}


def _projection(index: LocalIndexShape) -> dict[str, Any]:
    projection: dict[str, Any] = {"ProjectionType": index.projection.upper()}
    if index.attributes:
        projection["NonKeyAttributes"] = list(index.attributes)
    return projection


Measure = Callable[[Item], int]


def _put(client: Any, table: str, item: Item) -> str | None:
    """Put the item; None when accepted, else the engine's error code and message."""
    from botocore.exceptions import ClientError  # noqa: PLC0415

    try:
        client.put_item(TableName=table, Item=item)
    except ClientError as error:
        return f"{error.response['Error']['Code']}: {error.response['Error']['Message']}"
    return None


def _pad(kind: str, length: int) -> AttributeValue:
    return {"S": "x" * length} if kind == "S" else {"B": b"\x00" * length}


def _assert_boundary(
    client: Any, table: str, item: Item, measure: Measure = item_size, pad: str = "S"
) -> None:
    """The calculator's largest padding within the limit is accepted; one more byte is not."""
    base = measure({**item, PAD: _pad(pad, 0)})
    per_byte = measure({**item, PAD: _pad(pad, 1)}) - base
    length = (ITEM_SIZE_LIMIT - base) // per_byte
    within, beyond = {**item, PAD: _pad(pad, length)}, {**item, PAD: _pad(pad, length + 1)}
    assert measure(within) <= ITEM_SIZE_LIMIT < measure(beyond)
    assert _put(client, table, within) is None
    assert _put(client, table, beyond) == f"ValidationException: {SIZE_ERROR}"


@pytest.mark.engine
@pytest.mark.parametrize(("text", "size"), MEASURED_NUMBERS)
def test_number_sizes_on_dynamodb_local(
    client: Any, plain_table: str, text: str, size: int
) -> None:
    assert number_size(text) == size
    _assert_boundary(client, plain_table, {"PK": {"S": "p"}, "n": {"N": text}})


@pytest.mark.engine
def test_pynamodb_serialized_items_are_measured_as_stored(client: Any, plain_table: str) -> None:
    """``Model.serialize()`` gives ``bytes`` for binary (the base64 bytes with legacy encoding)."""
    from pynamodb.attributes import (  # noqa: PLC0415  (only this test needs PynamoDB)
        BinaryAttribute,
        BinarySetAttribute,
        NumberAttribute,
        UnicodeAttribute,
    )
    from pynamodb.models import Model  # noqa: PLC0415

    class Sample(Model):
        class Meta:
            table_name = plain_table

        PK = UnicodeAttribute(hash_key=True)
        raw = BinaryAttribute(legacy_encoding=False)
        legacy = BinaryAttribute(legacy_encoding=True)
        many = BinarySetAttribute(legacy_encoding=False)
        number = NumberAttribute()

    sample = Sample("p", raw=b"abc", legacy=b"abc", many={b"x"}, number=1.5)
    item = sample.serialize()
    assert item["legacy"] == {"B": b"YWJj"}
    assert item_size(item) == 3 + (3 + 3) + (6 + 4) + (4 + 1) + (6 + 3)
    _assert_boundary(client, plain_table, item)


@pytest.mark.engine
def test_refused_numbers_on_dynamodb_local(client: Any, plain_table: str) -> None:
    for text in REFUSED_NUMBERS:
        outcome = _put(client, plain_table, {"PK": {"S": "p"}, "n": {"N": text}})
        assert outcome is not None
        assert outcome.startswith("ValidationException"), (text, outcome)


@pytest.mark.engine
def test_attribute_sizes_on_dynamodb_local(client: Any, plain_table: str) -> None:
    for name, value, _ in MEASURED_ATTRIBUTES:
        _assert_boundary(client, plain_table, {"PK": {"S": "p"}, name: value})


@pytest.mark.engine
@pytest.mark.parametrize(
    "index",
    [
        LocalIndexShape("L"),
        LocalIndexShape("L", "keys_only"),
        LocalIndexShape("L", "include", ("a",)),
        LocalIndexShape("L", "include", ("PK", "L", "SK", PAD)),
    ],
    ids=["all", "keys_only", "include", "include-keys-and-pad"],
)
def test_local_index_entries_on_dynamodb_local(client: Any, index: LocalIndexShape) -> None:
    def measure(item: Item) -> int:
        return item_size_with_local_indexes(item, table_keys=TABLE_KEYS, local_indexes=[index])

    with _table(client, TABLE_KEYS, local=[(index.sort_key, _projection(index))]) as table:
        for item in [
            LSI_ITEM,
            {**LSI_ITEM, "SK": {"S": "s" * 1000}},
            {**LSI_ITEM, "PK": {"S": "p" * 1000}, "L": {"S": "l" * 1000}},
            {name: value for name, value in LSI_ITEM.items() if name != "L"},
        ]:
            _assert_boundary(client, table, item, measure)


# -- the property: DynamoDB Local accepts exactly what the calculator allows -------------------

RESERVED = {"PK", "SK", "LA", "LB", "LC", "inc", PAD}
_characters = st.characters(codec="utf-8")  # no surrogates: they have no UTF-8 form
names = st.text(_characters, min_size=1, max_size=12).filter(lambda name: name not in RESERVED)
texts = st.text(_characters, max_size=40)
key_texts = st.text(_characters, min_size=1, max_size=40)


leaves: st.SearchStrategy[AttributeValue] = st.one_of(
    texts.map(lambda text: {"S": text}),
    number_texts().map(lambda text: {"N": text}),
    st.binary(max_size=40).map(lambda data: {"B": data}),
    st.booleans().map(lambda flag: {"BOOL": flag}),
    st.just({"NULL": True}),
    st.sets(texts, min_size=1, max_size=5).map(lambda members: {"SS": sorted(members)}),
    st.lists(number_texts(), min_size=1, max_size=5, unique_by=Decimal).map(
        lambda members: {"NS": members}
    ),
    st.sets(st.binary(max_size=20), min_size=1, max_size=5).map(
        lambda members: {"BS": sorted(members)}
    ),
)
values: st.SearchStrategy[AttributeValue] = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=4).map(lambda elements: {"L": elements}),
        st.dictionaries(st.text(_characters, min_size=1, max_size=8), children, max_size=4).map(
            lambda entries: {"M": entries}
        ),
    ),
    max_leaves=12,
)


@st.composite
def bulk(draw: st.DrawFn) -> AttributeValue:
    """A large value built, not generated: a repeated unicode unit or a run of bytes."""
    budget = draw(st.integers(0, 100_000))
    if draw(st.booleans()):
        return {"B": draw(st.binary(min_size=1, max_size=3)) * (budget // 3)}
    unit = draw(st.text(_characters, min_size=1, max_size=3))
    return {"S": unit * (budget // len(unit.encode("utf-8")))}


@st.composite
def bodies(draw: st.DrawFn) -> dict[str, AttributeValue]:
    """Attributes besides the keys: a few mixed values and maybe a large one."""
    body = draw(st.dictionaries(names, values, max_size=8))
    if draw(st.booleans()):
        body[draw(names)] = draw(bulk())
    return body


PROPERTY_SETTINGS = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.engine
@PROPERTY_SETTINGS
@given(key=key_texts, body=bodies(), pad=st.sampled_from(["S", "B"]))
def test_dynamodb_local_accepts_exactly_the_items_within_the_limit(
    client: Any, plain_table: str, key: str, body: dict[str, AttributeValue], pad: str
) -> None:
    _assert_boundary(client, plain_table, {"PK": {"S": key}, **body}, pad=pad)


@pytest.fixture(params=sorted(LSI_SHAPES))
def lsi_table(request: pytest.FixtureRequest, client: Any) -> Iterator[tuple[str, str]]:
    shape: str = request.param
    local = [(index.sort_key, _projection(index)) for index in LSI_SHAPES[shape]]
    with _table(client, TABLE_KEYS, local=local) as table:
        yield shape, table


@st.composite
def lsi_items(draw: st.DrawFn) -> dict[str, AttributeValue]:
    """Items for the LSI tables: the table keys, any of the LSI sort keys, maybe ``inc``."""
    keys = draw(
        st.fixed_dictionaries(
            {"PK": key_texts, "SK": key_texts},
            optional={"LA": key_texts, "LB": key_texts, "LC": key_texts},
        )
    )
    item: dict[str, AttributeValue] = {name: {"S": text} for name, text in keys.items()}
    if draw(st.booleans()):
        item["inc"] = draw(values)
    item.update(draw(bodies()))
    return item


@pytest.mark.engine
@PROPERTY_SETTINGS
@given(item=lsi_items(), pad=st.sampled_from(["S", "B"]))
def test_dynamodb_local_accepts_exactly_the_items_within_the_limit_with_local_indexes(
    client: Any, lsi_table: tuple[str, str], item: dict[str, AttributeValue], pad: str
) -> None:
    shape, table = lsi_table
    indexes = LSI_SHAPES[shape]

    def measure(candidate: Item) -> int:
        return item_size_with_local_indexes(candidate, table_keys=TABLE_KEYS, local_indexes=indexes)

    _assert_boundary(client, table, item, measure, pad)


# -- capacity against ConsumedCapacity -------------------------------------------------------


def _sized(keys: dict[str, str], size: int) -> dict[str, AttributeValue]:
    """An item of exactly ``size`` bytes: the keys plus padding."""
    item: dict[str, AttributeValue] = {name: {"S": value} for name, value in keys.items()}
    item[PAD] = {"S": "x" * (size - item_size({**item, PAD: {"S": ""}}))}
    assert item_size(item) == size
    return item


@pytest.fixture
def sorted_table(client: Any) -> Iterator[str]:
    with _table(client, TABLE_KEYS) as table:
        yield table


@pytest.mark.engine
def test_read_units_match_consumed_capacity(client: Any, sorted_table: str) -> None:
    pages = {
        "A": [1500, 1500, 1500],
        "B": [2048, 2048],
        "C": [4096, 10],
        "D": [4096],
        "E": [4097],
        "F": [10],
        "Z": [],
    }
    for partition, sizes in pages.items():
        for number, size in enumerate(sizes):
            item = _sized({"PK": partition, "SK": str(number)}, size)
            client.put_item(TableName=sorted_table, Item=item)
    for partition, sizes in pages.items():
        for consistent in (True, False):
            page = client.query(
                TableName=sorted_table,
                KeyConditionExpression="PK = :p",
                ExpressionAttributeValues={":p": {"S": partition}},
                ConsistentRead=consistent,
                ReturnConsumedCapacity="TOTAL",
            )
            used = page["ConsumedCapacity"]["CapacityUnits"]
            assert used == read_units(sizes, consistent=consistent), (partition, consistent)
            read = client.get_item(
                TableName=sorted_table,
                Key={"PK": {"S": partition}, "SK": {"S": "0"}},
                ConsistentRead=consistent,
                ReturnConsumedCapacity="TOTAL",
            )
            expected = get_read_units(sizes[0] if sizes else 0, consistent=consistent)
            assert read["ConsumedCapacity"]["CapacityUnits"] == expected, partition
    transaction = client.transact_get_items(
        TransactItems=[
            {"Get": {"TableName": sorted_table, "Key": {"PK": {"S": p}, "SK": {"S": "0"}}}}
            for p in pages
        ],
        ReturnConsumedCapacity="TOTAL",
    )
    expected_total = sum(
        get_read_units(sizes[0] if sizes else 0, consistent=True, transactional=True)
        for sizes in pages.values()
    )
    assert transaction["ConsumedCapacity"][0]["CapacityUnits"] == expected_total


@pytest.mark.engine
def test_write_units_match_consumed_capacity(client: Any, sorted_table: str) -> None:
    for number, size in enumerate([10, 1024, 1025, 4097, 100_000]):
        item = _sized({"PK": "w", "SK": str(number)}, size)
        put = client.put_item(TableName=sorted_table, Item=item, ReturnConsumedCapacity="TOTAL")
        assert put["ConsumedCapacity"]["CapacityUnits"] == write_units(size), size
        again = client.transact_write_items(
            TransactItems=[{"Put": {"TableName": sorted_table, "Item": item}}],
            ReturnConsumedCapacity="TOTAL",
        )
        assert again["ConsumedCapacity"][0]["CapacityUnits"] == write_units(
            size, transactional=True
        )
    # Replacing a 4,097-byte item with a small one is billed on the larger of the two.
    small = _sized({"PK": "w", "SK": "3"}, 10)
    put = client.put_item(TableName=sorted_table, Item=small, ReturnConsumedCapacity="TOTAL")
    assert put["ConsumedCapacity"]["CapacityUnits"] == write_units(4097)


@pytest.mark.engine
def test_write_units_match_consumed_capacity_with_an_all_projection_gsi(client: Any) -> None:
    with _table(client, TABLE_KEYS, global_all="G") as table:
        for number, size in enumerate([20, 1024, 1025, 5000]):
            for indexed in (False, True):
                keys = {"PK": "g", "SK": f"{number}-{indexed}"} | ({"G": "g"} if indexed else {})
                put = client.put_item(
                    TableName=table, Item=_sized(keys, size), ReturnConsumedCapacity="INDEXES"
                )
                assert put["ConsumedCapacity"]["CapacityUnits"] == write_units(
                    size, index_count=int(indexed)
                ), (size, indexed)
