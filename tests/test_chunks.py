"""Chunked records (`tablemodel.runtime.chunks`): a write never tears, a read never mixes.

The main bar is fault injection: a write is cut after each of its requests in turn (the
writer's process "dies": no request after the k-th is sent) or loses the answer of one request
(applied, but the writer sees a dropped connection), on moto (with a smaller budget, since moto
measures item sizes its own way) and on DynamoDB Local (the real limits). After each cut, a
reader sees the old record or the new one, whole, and vacuum leaves no orphan chunk.
Idempotency and races run on DynamoDB Local only: moto ignores ``ClientRequestToken`` and never
makes concurrent transactions conflict.

Faults and pauses are botocore event hooks on the writer's or reader's own client
(``before-call.dynamodb`` runs before a request is sent, ``after-call.dynamodb`` after its
answer is parsed), so the store runs unchanged.
"""

from __future__ import annotations

import copy
import math
import random
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from types import FrameType
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ConnectionClosedError
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tablemodel.runtime.chunks import (
    TRANSACTION_SIZE_LIMIT,
    ChunkConflictError,
    ChunkCorruptionError,
    ChunkLayout,
    ChunkRecordError,
    ChunkStore,
    ChunkWrite,
    VacuumRefusedError,
    VacuumStats,
    decode_payload,
    encode_payload,
    transaction_payload_size,
)
from tablemodel.runtime.size import ITEM_SIZE_LIMIT, LocalIndexShape, item_size

MOTO_BUDGET = 400_000  # moto refuses items above 405,000 bytes by its own measure
SMALL_BUDGET = 1_000  # many chunks from few bytes: the >100-items path, cheaply
SIXTEEN_MIB = 16 * 1024 * 1024
TIME_LIMIT = 150  # seconds per test; the slowest (faults on DynamoDB Local) take about 20
CONFIG = Config(proxies={}, connect_timeout=5, read_timeout=60, retries={"max_attempts": 1})
LAYOUT = ChunkLayout()


def _no_sleep(_: float) -> None:
    """Backoff waits are skipped: the tests count requests, not seconds."""


@pytest.fixture(autouse=True)
def _time_limit() -> Iterator[None]:
    """Every test is bounded: SIGALRM raises in the main thread after `TIME_LIMIT`."""

    def expire(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"test ran longer than {TIME_LIMIT} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(TIME_LIMIT)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# --- engines ---------------------------------------------------------------------------------


@dataclass
class Engine:
    """A table on one engine: a shared client, a factory for clients of its own (to hook), the
    largest item the engine takes."""

    name: str
    budget: int
    table: str
    client: Any
    make_client: Callable[[], Any]

    def store(self, client: Any = None, **options: Any) -> ChunkStore:
        options.setdefault("budget", self.budget)
        options.setdefault("codec", "binary")
        return ChunkStore(
            client if client is not None else self.client, self.table, sleep=_no_sleep, **options
        )


def _create_table(client: Any, *, local_index: str | None = None) -> str:
    name = f"chunks-{uuid.uuid4().hex[:12]}"
    options: dict[str, Any] = {}
    defined = ["PK", "SK"]
    if local_index is not None:
        defined.append(local_index)
        options["LocalSecondaryIndexes"] = [
            {
                "IndexName": f"by-{local_index}",
                "KeySchema": [
                    {"AttributeName": "PK", "KeyType": "HASH"},
                    {"AttributeName": local_index, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ]
    client.create_table(
        TableName=name,
        KeySchema=[
            {"AttributeName": "PK", "KeyType": "HASH"},
            {"AttributeName": "SK", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"} for key in defined],
        BillingMode="PAY_PER_REQUEST",
        **options,
    )
    return name


@pytest.fixture
def on_moto(moto_engine: None) -> Engine:
    def make() -> Any:
        return boto3.client("dynamodb", region_name="us-east-1", config=CONFIG)

    client = make()
    return Engine("moto", MOTO_BUDGET, _create_table(client), client, make)


@pytest.fixture
def on_local(dynamodb_local: str, aws_credentials: None) -> Iterator[Engine]:
    def make() -> Any:
        return boto3.client("dynamodb", endpoint_url=dynamodb_local, config=CONFIG)

    client = make()
    table = _create_table(client)
    try:
        yield Engine("local", ITEM_SIZE_LIMIT, table, client, make)
    finally:
        client.delete_table(TableName=table)


@pytest.fixture(params=["moto", "local"])
def engine(request: pytest.FixtureRequest) -> Engine:
    found: Engine = request.getfixturevalue(f"on_{request.param}")
    return found


# --- helpers ---------------------------------------------------------------------------------


class Crash(Exception):
    """The writer's process died: the request that raises this is never sent."""


class Requests:
    """Counts a client's requests and injects one fault, through botocore event hooks.

    ``crash_after=k`` sends k requests, then raises `Crash` before every later one.
    ``lose_answer_of=k`` lets the k-th request (1-based) reach the engine, then replaces its
    answer once by a dropped connection. ``before`` runs before each request with its
    operation name and number.
    """

    def __init__(
        self,
        client: Any,
        *,
        crash_after: int | None = None,
        lose_answer_of: int | None = None,
        before: Callable[[str, int], None] | None = None,
    ) -> None:
        self.client = client
        self.crash_after = crash_after
        self.lose_answer_of = lose_answer_of
        self.before = before
        self.operations: list[str] = []
        self._id = uuid.uuid4().hex

    @property
    def count(self) -> int:
        return len(self.operations)

    def __enter__(self) -> Requests:
        events = self.client.meta.events
        events.register("before-call.dynamodb", self._before_call, unique_id=f"b{self._id}")
        events.register("after-call.dynamodb", self._after_call, unique_id=f"a{self._id}")
        return self

    def __exit__(self, *_: object) -> None:
        events = self.client.meta.events
        events.unregister("before-call.dynamodb", unique_id=f"b{self._id}")
        events.unregister("after-call.dynamodb", unique_id=f"a{self._id}")

    def _before_call(self, model: Any, **_: Any) -> None:
        if self.crash_after is not None and self.count >= self.crash_after:
            raise Crash(f"crashed before request {self.count + 1} ({model.name})")
        self.operations.append(model.name)
        if self.before is not None:
            self.before(model.name, self.count)

    def _after_call(self, model: Any, **_: Any) -> None:
        if self.lose_answer_of == self.count:
            self.lose_answer_of = None
            raise ConnectionClosedError(endpoint_url=f"injected: answer to {model.name} lost")


def _key(name: str) -> dict[str, Any]:
    return {"PK": {"S": name}, "SK": {"S": "racer#7"}}


def _bytes(size: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(size)


def _chunk_items(engine: Engine, key: dict[str, Any]) -> list[dict[str, Any]]:
    """Every item under the chunk prefix in the key's partition (all attributes)."""
    items: list[dict[str, Any]] = []
    request: dict[str, Any] = {
        "TableName": engine.table,
        "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
        "ExpressionAttributeValues": {":pk": key["PK"], ":prefix": {"S": LAYOUT.chunk_prefix}},
        "ConsistentRead": True,
    }
    while True:
        page = engine.client.query(**request)
        items += page["Items"]
        if not page.get("LastEvaluatedKey"):
            return items
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _assert_only_current_chunks(engine: Engine, key: dict[str, Any]) -> None:
    """The partition holds exactly the chunks of the current head: no orphan, no intent."""
    head = engine.client.get_item(TableName=engine.table, Key=key, ConsistentRead=True).get("Item")
    refs = [LAYOUT.parse(item["SK"]["S"]) for item in _chunk_items(engine, key)]
    if head is None:
        assert refs == []
        return
    write_id = head[LAYOUT.write_id_attribute]["S"]
    count = int(head[LAYOUT.count_attribute]["N"])
    assert sorted((ref.write_id, ref.index) for ref in refs if ref is not None) == [
        (write_id, index) for index in range(count)
    ]
    assert None not in refs


# --- codecs and layout (no engine) -----------------------------------------------------------


def test_json_is_canonical_and_exact() -> None:
    value = {"b": [Decimal("1.50"), 2, Decimal("1E+2")], "a": "é", "c": None, "d": [True, "x"]}
    data = encode_payload(value)
    assert data == '{"a":"é","b":[1.50,2,1E+2],"c":null,"d":[true,"x"]}'.encode()
    back = decode_payload(data)
    assert back == value
    assert str(back["b"][0]) == "1.50"  # trailing zero kept: exact, not a float


def test_json_refuses_what_it_cannot_hold_exactly() -> None:
    with pytest.raises(TypeError, match="Decimal"):
        encode_payload([1.5])
    with pytest.raises(ValueError, match="NaN"):
        encode_payload(Decimal("NaN"))
    with pytest.raises(TypeError, match="keys"):
        encode_payload({1: "x"})
    with pytest.raises(TypeError, match="set"):
        encode_payload({1, 2})


def test_binary_and_compression_round_trip() -> None:
    raw = b"\x00\xff" * 1000
    assert encode_payload(raw, "binary") == raw
    packed = encode_payload(raw, "binary", compress=True)
    assert len(packed) < len(raw)
    assert decode_payload(packed, "binary", compressed=True) == raw
    assert decode_payload(encode_payload([1, "a"], compress=True), compressed=True) == [1, "a"]
    with pytest.raises(TypeError, match="bytes"):
        encode_payload("text", "binary")


def test_chunk_keys_parse_back_even_when_the_head_key_holds_the_delimiter() -> None:
    head = "racer#7#0123456789abcdef"  # looks like another record's write id
    key = LAYOUT.chunk_sort_key(head, "fedcba9876543210", 42)
    assert key == "~chunk#racer#7#0123456789abcdef#fedcba9876543210#000042"
    ref = LAYOUT.parse(key)
    assert ref is not None
    assert (ref.head_sort_key, ref.write_id, ref.index) == (head, "fedcba9876543210", 42)
    intent = LAYOUT.parse(LAYOUT.intent_sort_key(head, "fedcba9876543210"))
    assert intent is not None
    assert intent.index is None
    for bad in ["racer#7", "~chunk#x#nothex#000001", "~chunk#x#0123456789abcdef#1", "~chunk##"]:
        assert LAYOUT.parse(bad) is None


def test_transaction_size_counts_what_dynamodb_local_counts() -> None:
    """The extra bytes measured on DynamoDB Local (it names the payload size it refuses)."""
    item = {"PK": {"S": "p"}, "SK": {"S": "s"}}
    base = item_size(item)

    def cost(**condition: Any) -> int:
        return transaction_payload_size([{"Put": {"Item": item, **condition}}]) - base

    assert cost() == 0
    assert cost(ConditionExpression="attribute_not_exists(PK)") == 24
    assert (
        cost(
            ConditionExpression="attribute_not_exists(#a)",
            ExpressionAttributeNames={"#a": "PKPKPKPKPK"},
        )
        == 34
    )
    assert (
        cost(ConditionExpression="PK <> :v", ExpressionAttributeValues={":v": {"N": "12345"}}) == 12
    )
    names = {"#a": "z" * 36}
    values = {":long": {"S": "y" * 5000}}
    twice = "attribute_not_exists(#a) OR #a = :long"  # a name counts once per use: 5110
    assert cost(ConditionExpression=twice, ExpressionAttributeNames=names,
                ExpressionAttributeValues=values) == 5110  # fmt: skip


def test_invalid_records_are_refused_before_anything_is_sent() -> None:
    store = ChunkStore(None, "never-used", budget=SMALL_BUDGET)  # no client: nothing is sent
    key = _key("race-1")
    with pytest.raises(ChunkRecordError, match="exactly the attributes"):
        store.write({**key, "X": {"S": "x"}}, {}, b"", expected_version=None)
    with pytest.raises(ChunkRecordError, match="non-empty string"):
        store.write({"PK": {"S": "p"}, "SK": {"N": "1"}}, {}, b"", expected_version=None)
    with pytest.raises(ChunkRecordError, match="chunk prefix"):
        store.write({"PK": {"S": "p"}, "SK": {"S": "~chunk#x"}}, {}, b"", expected_version=None)
    with pytest.raises(ChunkRecordError, match="above DynamoDB's 1024"):
        store.write({"PK": {"S": "p"}, "SK": {"S": "s" * 1000}}, {}, [], expected_version=None)
    with pytest.raises(ChunkRecordError, match="manifest's"):
        store.write(key, {"~version": {"N": "9"}}, [], expected_version=None)
    with pytest.raises(ChunkRecordError, match=r"racer#7.*above the budget of 1000"):
        store.write(key, {"notes": {"S": "n" * SMALL_BUDGET}}, [], expected_version=None)
    with pytest.raises(ChunkRecordError, match="Decimal"):
        store.write(key, {}, [0.1], expected_version=None)
    with pytest.raises(ChunkRecordError, match="version is an int"):
        store.write(key, {}, [], expected_version=0)
    with pytest.raises(ValueError, match="budget"):
        ChunkStore(None, "t", budget=ITEM_SIZE_LIMIT + 1)
    with pytest.raises(ChunkRecordError, match="LSI entries"):
        ChunkStore(None, "t", local_indexes=[LocalIndexShape("LS")]).write(
            key, {"LS": {"S": "a"}, "big": {"B": bytes(250_000)}}, [], expected_version=None
        )


# --- 1. fault injection ----------------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    """A record rewritten under faults: sizes of the old and the new payload, the budget
    (None: the engine's), and which path the new write takes."""

    name: str
    old_size: int
    new_size: int
    budget: int | None
    transactional: bool


SHAPES = [
    Shape("one-transaction", 1_200_000, 1_000_000, None, True),
    Shape("steps-above-4MB", 5_400_000, 4_500_000, None, False),
    Shape("steps-above-100-items", 160_000, 130_000, SMALL_BUDGET, False),
]


@pytest.mark.engine
@pytest.mark.parametrize("mode", ["crash", "lost-answer"])
@pytest.mark.parametrize("shape", SHAPES, ids=lambda shape: shape.name)
def test_a_write_cut_after_any_request_never_tears(engine: Engine, shape: Shape, mode: str) -> None:
    """For every k: cut the write at request k; the reader sees old or new, whole; vacuum
    leaves exactly the current chunks; the record stays writable. A lost answer is retried
    and the write completes."""
    budget = shape.budget or engine.budget
    writer_client = engine.make_client()
    writer = engine.store(writer_client, budget=budget)
    reader = engine.store(budget=budget)
    old, new = _bytes(shape.old_size, 1), _bytes(shape.new_size, 2)
    old_attributes, new_attributes = {"gen": {"S": "old"}}, {"gen": {"S": "new"}}

    clean = _key(f"{mode}-clean")
    reader.write(clean, old_attributes, old, expected_version=None)
    with Requests(writer_client) as undisturbed:
        done = writer.write(clean, new_attributes, new, expected_version=1)
    assert done.transactional is shape.transactional
    expected_kinds = {"GetItem", "TransactWriteItems", "BatchWriteItem"}
    if not shape.transactional:
        expected_kinds.add("PutItem")  # the intent
    assert set(undisturbed.operations) == expected_kinds

    cuts = range(undisturbed.count) if mode == "crash" else range(1, undisturbed.count + 1)
    for k in cuts:
        key = _key(f"{mode}-{k}")
        reader.write(key, old_attributes, old, expected_version=None)
        if mode == "crash":
            with Requests(writer_client, crash_after=k), pytest.raises(Crash):
                writer.write(key, new_attributes, new, expected_version=1)
        else:
            with Requests(writer_client, lose_answer_of=k):
                writer.write(key, new_attributes, new, expected_version=1)
        seen = reader.read(key)
        assert seen is not None
        assert (seen.attributes, seen.version) in [(old_attributes, 1), (new_attributes, 2)]
        assert seen.payload == (old if seen.version == 1 else new), f"cut at {k}: mixed record"
        if mode == "lost-answer" or k == 0:
            assert seen.version == (2 if mode == "lost-answer" else 1)
        reader.vacuum(key["PK"], grace_seconds=0)
        _assert_only_current_chunks(engine, key)
        reader.write(key, {}, b"after", expected_version=seen.version)
        after = reader.read(key)
        assert after is not None
        assert after.payload == b"after"


# --- 2. racing writers -----------------------------------------------------------------------


@pytest.mark.engine
@pytest.mark.parametrize(("size", "transactional"), [(30_000, True), (150_000, False)])
def test_two_racing_writers_one_wins_and_the_loser_leaves_nothing(
    on_local: Engine, size: int, transactional: bool
) -> None:
    """Both writers read version 1, write their chunks, and meet at a barrier right before
    their deciding transaction (the commit, or the switch): exactly one wins."""
    base = on_local.store(budget=SMALL_BUDGET)
    key = _key("race")
    base.write(key, {}, b"v1", expected_version=None)
    payloads = [_bytes(size, 10), _bytes(size, 11)]
    barrier = threading.Barrier(2, timeout=30)
    outcomes: list[object] = [None, None]

    def run(index: int, client: Any) -> None:
        store = on_local.store(client, budget=SMALL_BUDGET)
        met: list[bool] = []

        def once(operation: str, _: int) -> None:
            if operation == "TransactWriteItems" and not met:
                met.append(True)
                barrier.wait()

        try:
            with Requests(client, before=once):
                outcomes[index] = store.write(key, {}, payloads[index], expected_version=1)
        except Exception as error:
            outcomes[index] = error

    clients = [on_local.make_client(), on_local.make_client()]
    threads = [threading.Thread(target=run, args=(i, clients[i])) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive()

    winners = [i for i, outcome in enumerate(outcomes) if isinstance(outcome, ChunkWrite)]
    assert len(winners) == 1, outcomes
    (winner,) = winners
    won = outcomes[winner]
    assert isinstance(won, ChunkWrite)
    assert won.transactional is transactional
    lost = outcomes[1 - winner]
    assert isinstance(lost, ChunkConflictError), lost
    assert "changed since version 1" in str(lost)
    record = base.read(key)
    assert record is not None
    assert (record.payload, record.version, record.write_id) == (payloads[winner], 2, won.write_id)
    _assert_only_current_chunks(on_local, key)


# --- 3. a reader holding an old head ---------------------------------------------------------


@pytest.mark.engine
def test_a_reader_holding_an_old_head_retries_or_raises_never_mixes(on_local: Engine) -> None:
    writer = on_local.store()
    reader_client = on_local.make_client()
    reader = on_local.store(reader_client, read_attempts=3)
    size = 6 * 400_000  # 6 chunks: several Query pages of 1 MB
    key = _key("held")
    versions = {1: _bytes(size, 21)}
    writer.write(key, {}, versions[1], expected_version=None)

    def replace() -> None:
        latest = max(versions)
        versions[latest + 1] = _bytes(size, 21 + latest)
        writer.write(key, {}, versions[latest + 1], expected_version=latest)
        writer.vacuum(key["PK"], grace_seconds=0)

    def first_query(operation: str, number: int) -> None:
        if operation == "Query" and number == 2:  # request 1 read the head
            replace()

    # The writer commits and vacuums between the reader's head read and its chunk query.
    with Requests(reader_client, before=first_query):
        record = reader.read(key)
    assert record is not None
    assert (record.version, record.payload) == (2, versions[2])

    # ... or between two pages of the reader's chunk query.
    paged: list[bool] = []

    def second_page(params: dict[str, Any], **_: Any) -> None:
        if "ExclusiveStartKey" in params and not paged:
            paged.append(True)
            replace()

    events = reader_client.meta.events
    events.register("before-parameter-build.dynamodb.Query", second_page, unique_id="page")
    record = reader.read(key)
    events.unregister("before-parameter-build.dynamodb.Query", unique_id="page")
    assert paged == [True]
    assert record is not None
    assert (record.version, record.payload) == (3, versions[3])

    # A writer faster than every attempt: the reader raises rather than return a mix.
    def every_query(operation: str, _: int) -> None:
        if operation == "Query":
            replace()

    with (
        Requests(reader_client, before=every_query),
        pytest.raises(ChunkConflictError, match="during each of 3 reads"),
    ):
        reader.read(key)


# --- 4. corruption ---------------------------------------------------------------------------


Damage = Callable[[Engine, dict[str, Any], list[dict[str, Any]]], None]


def _put(engine: Engine, item: dict[str, Any]) -> None:
    engine.client.put_item(TableName=engine.table, Item=item)


def _with_index(item: dict[str, Any], index: str) -> dict[str, Any]:
    copied = copy.deepcopy(item)
    copied["SK"]["S"] = copied["SK"]["S"].rpartition("#")[0] + "#" + index
    return copied


def _flip(engine: Engine, key: dict[str, Any], chunks: list[dict[str, Any]]) -> None:
    item = copy.deepcopy(chunks[1])
    data = bytearray(item["~d"]["B"])
    data[10] ^= 0xFF
    item["~d"]["B"] = bytes(data)
    _put(engine, item)


def _remove(engine: Engine, key: dict[str, Any], chunks: list[dict[str, Any]]) -> None:
    engine.client.delete_item(
        TableName=engine.table, Key={"PK": chunks[1]["PK"], "SK": chunks[1]["SK"]}
    )


def _duplicate(engine: Engine, key: dict[str, Any], chunks: list[dict[str, Any]]) -> None:
    _put(engine, _with_index(chunks[1], "0000001"))  # another spelling of index 1


def _extra(engine: Engine, key: dict[str, Any], chunks: list[dict[str, Any]]) -> None:
    _put(engine, _with_index(chunks[-1], f"{len(chunks):06d}"))


def _short(engine: Engine, key: dict[str, Any], chunks: list[dict[str, Any]]) -> None:
    item = copy.deepcopy(chunks[-1])
    item["~d"]["B"] = item["~d"]["B"][:-1]
    _put(engine, item)


def _no_checksum(engine: Engine, key: dict[str, Any], chunks: list[dict[str, Any]]) -> None:
    engine.client.update_item(
        TableName=engine.table,
        Key=key,
        UpdateExpression="REMOVE #s",
        ExpressionAttributeNames={"#s": "~sha256"},
    )


def _stray(engine: Engine, key: dict[str, Any], chunks: list[dict[str, Any]]) -> None:
    _put(engine, _with_index(chunks[0], "12x"))


@pytest.mark.engine
@pytest.mark.parametrize(
    ("damage", "problem", "index", "message"),
    [
        (_flip, "checksum", None, "SHA-256"),
        (_remove, "missing", 1, "chunk 1 of 4"),
        (_duplicate, "duplicate", 1, "index 1 is stored twice"),
        (_extra, "count", 4, "5 chunks stored, the manifest says 4"),
        (_short, "length", None, "bytes stored, the manifest says 3500"),
        (_no_checksum, "manifest", None, "incomplete"),
        (_stray, "malformed", None, "not a chunk"),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
def test_damaged_records_raise_what_is_wrong(
    engine: Engine, damage: Damage, problem: str, index: int | None, message: str
) -> None:
    store = engine.store(budget=SMALL_BUDGET)
    key = _key("damaged")
    store.write(key, {}, _bytes(3500, 5), expected_version=None)
    chunks = sorted(_chunk_items(engine, key), key=lambda item: str(item["SK"]["S"]))
    assert len(chunks) == 4
    damage(engine, key, chunks)
    with pytest.raises(ChunkCorruptionError) as raised:
        store.read(key)
    assert (raised.value.problem, raised.value.index) == (problem, index)
    assert message in str(raised.value)
    assert "SK='racer#7'" in str(raised.value)


# --- 5. idempotency --------------------------------------------------------------------------


@pytest.mark.engine
@pytest.mark.parametrize(("size", "transactional"), [(1_000_000, True), (4_500_000, False)])
def test_a_retried_transaction_reuses_its_token_and_is_applied_once(
    on_local: Engine, size: int, transactional: bool
) -> None:
    """The answer to the deciding transaction is lost; the retry carries the same token, and
    DynamoDB Local answers it as already done (no failed condition, one version bump)."""
    client = on_local.make_client()
    store = on_local.store(client)
    key = _key("idempotent")
    store.write(key, {}, b"v1", expected_version=None)
    tokens: list[str] = []
    answers: list[bool] = []
    lost: list[bool] = []

    def token(params: dict[str, Any], **_: Any) -> None:
        tokens.append(params["ClientRequestToken"])

    def answer(parsed: dict[str, Any], **_: Any) -> None:
        answers.append("Error" not in parsed)
        if not lost:
            lost.append(True)
            raise ConnectionClosedError(endpoint_url="injected")

    events = client.meta.events
    events.register("before-parameter-build.dynamodb.TransactWriteItems", token)
    events.register("after-call.dynamodb.TransactWriteItems", answer)
    payload = _bytes(size, 31)
    with Requests(client) as requests:
        result = store.write(key, {}, payload, expected_version=1)
    assert result.transactional is transactional
    assert len(tokens) == 2
    assert tokens[0] == tokens[1]
    assert answers == [True, True]
    assert requests.operations.count("GetItem") == 1  # no check of the head was needed
    record = store.read(key)
    assert record is not None
    assert (record.version, record.payload) == (2, payload)


@pytest.mark.engine
def test_a_replayed_transaction_does_not_write_twice(on_local: Engine) -> None:
    """Replaying a committed create (same token) after the record was deleted does not bring
    it back: DynamoDB Local remembers the token. moto would write it again."""
    client = on_local.make_client()
    store = on_local.store(client)
    key = _key("replayed")
    sent: list[dict[str, Any]] = []

    def capture(params: dict[str, Any], **_: Any) -> None:
        sent.append(copy.deepcopy(params))

    client.meta.events.register("before-parameter-build.dynamodb.TransactWriteItems", capture)
    store.write(key, {}, _bytes(500_000, 41), expected_version=None)
    store.delete(key, expected_version=1)
    assert store.read(key) is None
    (request,) = sent
    on_local.client.transact_write_items(**request)  # answered, not applied
    assert store.read(key) is None
    assert _chunk_items(on_local, key) == []


# --- 6. round trips --------------------------------------------------------------------------

ROUND_TRIP_KEY_LENGTH = 14  # "rt-" + 11 hex digits: every key of these tests has this length
_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.decimals(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=8) | st.dictionaries(st.text(max_size=8), children, max_size=8)
    ),
    max_leaves=40,
)


def _round_trip_key() -> dict[str, Any]:
    key = _key("rt-" + uuid.uuid4().hex[:11])
    assert len(key["PK"]["S"]) == ROUND_TRIP_KEY_LENGTH
    return key


@cache
def _boundaries(budget: int) -> tuple[int, int]:
    """(payload bytes per chunk, the largest payload one transaction holds) for a create
    under a round-trip key: the transaction boundary found by bisection on `plan`."""
    store = ChunkStore(None, "plan", budget=budget, codec="binary")
    key = _key("rt-00000000000")
    room = store.plan(key, {}, 0, expected_version=None).chunk_room
    low, high = 0, min(100 * room, TRANSACTION_SIZE_LIMIT)
    while high - low > 1:
        middle = (low + high) // 2
        if store.plan(key, {}, middle, expected_version=None).transactional:
            low = middle
        else:
            high = middle
    return room, low


@pytest.mark.engine
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    case=st.one_of(
        st.tuples(st.just("bytes"), st.integers(0, 200_000)),
        st.tuples(st.sampled_from(["chunks", "transaction"]), st.integers(1, 140)),
    ),
    offset=st.integers(-1, 1),
    compress=st.booleans(),
)
def test_round_trip_with_a_small_budget_on_moto(
    on_moto: Engine, case: tuple[str, int], offset: int, compress: bool
) -> None:
    room, transaction_limit = _boundaries(SMALL_BUDGET)
    kind, number = case
    size = {"bytes": number, "chunks": number * room, "transaction": transaction_limit}[kind]
    size = max(0, size + offset)
    store = on_moto.store(budget=SMALL_BUDGET, compress=compress)
    payload = _bytes(size, size)
    key = _round_trip_key()
    result = store.write(key, {}, payload, expected_version=None)
    record = store.read(key)
    assert record is not None
    assert record.payload == payload
    if not compress:
        assert result.chunks == math.ceil(size / room)
        assert result.transactional is (size <= transaction_limit)
    _delete_and_check(on_moto, store, key)


def _delete_and_check(engine: Engine, store: ChunkStore, key: dict[str, Any]) -> None:
    """Delete the record (moto copies every table on each transaction: keep it small)."""
    store.delete(key, expected_version=1)
    assert store.read(key) is None
    assert _chunk_items(engine, key) == []


@pytest.mark.engine
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=_values, compress=st.booleans())
def test_json_round_trip_on_moto(on_moto: Engine, value: Any, compress: bool) -> None:
    store = on_moto.store(budget=SMALL_BUDGET, codec="json", compress=compress)
    key = _round_trip_key()
    store.write(key, {"kind": {"S": "json"}}, value, expected_version=None)
    record = store.read(key)
    assert record is not None
    assert record.payload == value
    assert record.attributes == {"kind": {"S": "json"}}
    _delete_and_check(on_moto, store, key)


@pytest.mark.engine
@settings(
    max_examples=3,  # besides the examples below: 16 MB round trips cost seconds each
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
@given(
    case=st.one_of(
        st.tuples(st.just("bytes"), st.integers(0, SIXTEEN_MIB)),
        st.tuples(st.just("chunks"), st.integers(1, SIXTEEN_MIB // ITEM_SIZE_LIMIT)),
        st.tuples(st.just("transaction"), st.just(0)),
    ),
    offset=st.integers(-1, 1),
)
@example(case=("bytes", 0), offset=0)
@example(case=("chunks", 1), offset=1)
@example(case=("transaction", 0), offset=0)
@example(case=("transaction", 0), offset=1)
@example(case=("bytes", SIXTEEN_MIB), offset=0)
def test_round_trip_up_to_16_mb_on_dynamodb_local(
    on_local: Engine, case: tuple[str, int], offset: int
) -> None:
    """The real limits: DynamoDB Local accepts the largest one-transaction write (4 MB as
    it counts) and every 409,600-byte chunk; one byte more takes the multi-step path."""
    room, transaction_limit = _boundaries(ITEM_SIZE_LIMIT)
    kind, number = case
    size = {"bytes": number, "chunks": number * room, "transaction": transaction_limit}[kind]
    size = min(SIXTEEN_MIB, max(0, size + offset))
    store = on_local.store()
    payload = _bytes(size, size)
    key = _round_trip_key()
    result = store.write(key, {}, payload, expected_version=None)
    assert result.transactional is (size <= transaction_limit)
    assert result.chunks == math.ceil(size / room)
    record = store.read(key)
    assert record is not None
    assert record.payload == payload
    _delete_and_check(on_local, store, key)


# --- 7. budget utilisation -------------------------------------------------------------------


@pytest.mark.engine
@pytest.mark.parametrize("size", [2_000_000, 6_000_000])
def test_full_chunks_fill_the_budget_and_the_item_count_is_minimal(
    engine: Engine, size: int
) -> None:
    """Every chunk but the last is exactly the budget (measured on the stored items), so no
    layout with the same attributes could store the record in fewer items."""
    client = engine.make_client()
    store = engine.store(client)
    key = _key(f"full-{size}")
    puts: list[int] = []

    def count_puts(params: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name == "TransactWriteItems":
            puts.append(sum(1 for action in params["TransactItems"] if "Put" in action))
        elif model.name == "BatchWriteItem":
            (requests,) = params["RequestItems"].values()
            puts.append(sum(1 for request in requests if "PutRequest" in request))
        elif model.name == "PutItem":
            puts.append(1)

    client.meta.events.register("before-parameter-build.dynamodb", count_puts)
    result = store.write(key, {"name": {"S": "racer 7"}}, _bytes(size, 51), expected_version=None)
    chunks = sorted(_chunk_items(engine, key), key=lambda item: str(item["SK"]["S"]))
    sizes = [item_size(item) for item in chunks]
    assert all(measured == engine.budget for measured in sizes[:-1])
    assert min(sizes[:-1]) >= 0.97 * engine.budget
    assert sizes[-1] <= engine.budget
    room = engine.budget - (sizes[0] - len(chunks[0]["~d"]["B"]))
    assert len(chunks) == result.chunks == math.ceil(size / room)
    intent = 0 if result.transactional else 1
    assert sum(puts) == result.chunks + 1 + intent  # chunks, head, and the intent in steps


@pytest.mark.engine
def test_chunks_keep_the_whole_budget_beside_an_all_projection_lsi(on_local: Engine) -> None:
    """Chunk items carry no LSI key, so they are in no index and may be 409,600 bytes; the
    head, which is in the LSI, is measured with its entry."""
    table = _create_table(on_local.client, local_index="LS")
    try:
        store = ChunkStore(
            on_local.client, table, codec="binary", local_indexes=[LocalIndexShape("LS")]
        )
        key = _key("lsi")
        payload = _bytes(1_500_000, 61)
        store.write(key, {"LS": {"S": "2026-11-23"}}, payload, expected_version=None)
        record = store.read(key)
        assert record is not None
        assert record.payload == payload
        assert record.attributes == {"LS": {"S": "2026-11-23"}}
    finally:
        on_local.client.delete_table(TableName=table)


# --- vacuum and versions ---------------------------------------------------------------------


@pytest.mark.engine
def test_vacuum_waits_out_the_grace_period_then_expires_the_intent(on_moto: Engine) -> None:
    writer_client = on_moto.make_client()
    writer = on_moto.store(writer_client, budget=SMALL_BUDGET)
    store = on_moto.store(budget=SMALL_BUDGET)
    key = _key("grace")
    store.write(key, {}, b"old", expected_version=None)
    chunks = writer.plan(key, {}, 150_000, expected_version=1).chunks
    before_switch = 2 + math.ceil(chunks / 25)  # head read, intent, chunk batches
    with Requests(writer_client, crash_after=before_switch), pytest.raises(Crash):
        writer.write(key, {}, _bytes(150_000, 71), expected_version=1)
    young = store.vacuum(key["PK"], grace_seconds=3600)
    assert young.chunks_deleted == 0
    assert young.kept_young == chunks + 1  # and the current record's one chunk, young too
    old = store.vacuum(key["PK"], grace_seconds=3600, now=time.time() + 7200)
    assert (old.intents_expired, old.writes_removed, old.chunks_deleted) == (1, 1, chunks)
    _assert_only_current_chunks(on_moto, key)


@pytest.mark.engine
def test_vacuum_keeps_an_intent_whose_token_vanished_after_it_was_listed(on_moto: Engine) -> None:
    """An intent key that holds no token by the time vacuum reads it (the item was replaced
    after the listing) is kept for the next run: there is no token to condition a delete on."""
    writer_client = on_moto.make_client()
    writer = on_moto.store(writer_client, budget=SMALL_BUDGET)
    vacuum_client = on_moto.make_client()
    store = on_moto.store(vacuum_client, budget=SMALL_BUDGET)
    key = _key("tokenless")
    store.write(key, {}, b"old", expected_version=None)
    chunks = writer.plan(key, {}, 150_000, expected_version=1).chunks
    before_switch = 2 + math.ceil(chunks / 25)  # head read, intent, chunk batches
    with Requests(writer_client, crash_after=before_switch), pytest.raises(Crash):
        writer.write(key, {}, _bytes(150_000, 71), expected_version=1)
    (intent,) = [i for i in _chunk_items(on_moto, key) if i["SK"]["S"].endswith("#intent")]
    tokenless = {name: intent[name] for name in ("PK", "SK", LAYOUT.created_attribute)}
    replaced: list[bool] = []

    def replace_after_listing(operation: str, _: int) -> None:
        if operation == "GetItem" and not replaced:  # the listing (a Query) is done
            on_moto.client.put_item(TableName=on_moto.table, Item=tokenless)
            replaced.append(True)

    with Requests(vacuum_client, before=replace_after_listing):
        stats = store.vacuum(key["PK"], grace_seconds=3600, now=time.time() + 7200)
    assert replaced
    assert (stats.intents_expired, stats.writes_removed, stats.chunks_deleted) == (0, 0, 0)
    assert stats.kept_young == chunks
    assert len(_chunk_items(on_moto, key)) == chunks + 2  # its chunks, the intent, the current


@pytest.mark.engine
def test_a_write_whose_intent_vacuum_expired_cannot_switch(engine: Engine) -> None:
    """Vacuum with no grace runs while a multi-step write is between its chunks and its
    switch: it expires the intent and deletes the chunks, the switch then fails, and the old
    record is still whole. The grace period decides liveness, never integrity."""
    writer_client = engine.make_client()
    writer = engine.store(writer_client, budget=SMALL_BUDGET)
    store = engine.store(budget=SMALL_BUDGET)
    key = _key("expired")
    old = _bytes(20_000, 81)
    store.write(key, {}, old, expected_version=None)
    vacuumed: list[VacuumStats] = []

    def vacuum_first(operation: str, _: int) -> None:
        if operation == "TransactWriteItems" and not vacuumed:
            vacuumed.append(store.vacuum(key["PK"], grace_seconds=0))

    with (
        Requests(writer_client, before=vacuum_first),
        pytest.raises(ChunkConflictError, match="vacuum expired this write's intent"),
    ):
        writer.write(key, {}, _bytes(150_000, 82), expected_version=1)
    assert vacuumed[0].intents_expired == 1
    record = store.read(key)
    assert record is not None
    assert (record.version, record.payload) == (1, old)
    _assert_only_current_chunks(engine, key)


def _orphans(engine: Engine, keys: list[dict[str, Any]]) -> None:
    """Multi-step writes that died after their intent and chunks: orphans for vacuum."""
    writer_client = engine.make_client()
    writer = engine.store(writer_client, budget=SMALL_BUDGET)
    for key in keys:
        with Requests(writer_client, crash_after=3), pytest.raises(Crash):
            writer.write(key, {}, _bytes(150_000, 91), expected_version=None)  # steps


@pytest.mark.engine
def test_vacuum_of_the_whole_table_removes_orphans_everywhere(on_moto: Engine) -> None:
    keys = [_key("scan-a"), _key("scan-b")]
    _orphans(on_moto, keys)
    stats = on_moto.store(budget=SMALL_BUDGET).vacuum(grace_seconds=0)
    assert (stats.writes_removed, stats.intents_expired) == (2, 2)
    for key in keys:
        assert _chunk_items(on_moto, key) == []


CHUNK_SK = "~chunk#racer#7#0123456789abcdef#000000"
STRANGERS = {
    "a sort key of another shape": {"SK": {"S": "~chunk#not-ours"}},
    "an index of five digits": {"SK": {"S": CHUNK_SK[:-1]}},
    "a head key in the chunk key space": {"SK": {"S": "~chunk#" + CHUNK_SK}},
    "an attribute chunks do not have": {"owner": {"S": "someone else"}},
    "no creation time": {"~t": None},
    "bytes stored as a string": {"~d": {"S": "not bytes"}},
    "a creation time that is a string": {"~t": {"S": "1000"}},
}


@pytest.mark.engine
@pytest.mark.parametrize("change", STRANGERS.values(), ids=list(STRANGERS))
def test_vacuum_refuses_the_whole_run_when_an_item_is_not_a_chunk(
    on_moto: Engine, change: dict[str, Any]
) -> None:
    """Vacuum deletes items: one item in the chunk key space that it does not recognise as a
    chunk or intent item of the layout refuses the run, and nothing at all is deleted."""
    keys = [_key("scan-a"), _key("scan-b")]
    _orphans(on_moto, keys)
    stranger = {
        "PK": {"S": "scan-z"},
        "SK": {"S": CHUNK_SK},
        "~d": {"B": b"bytes"},
        "~t": {"N": "1001"},
    }
    stranger.update(change)
    _put(on_moto, {name: value for name, value in stranger.items() if value is not None})
    before = {k["PK"]["S"]: _chunk_items(on_moto, k) for k in [*keys, _key("scan-z")]}
    vacuum_client = on_moto.make_client()
    with (
        Requests(vacuum_client) as requests,
        pytest.raises(VacuumRefusedError, match=r"refused, nothing was deleted: 1 item") as caught,
    ):
        on_moto.store(vacuum_client, budget=SMALL_BUDGET).vacuum(grace_seconds=0)
    assert set(requests.operations) == {"DescribeTable", "Scan"}
    assert caught.value.problems[0][0]["PK"] == {"S": "scan-z"}
    assert {k["PK"]["S"]: _chunk_items(on_moto, k) for k in [*keys, _key("scan-z")]} == before
    with pytest.raises(VacuumRefusedError):  # a partition's vacuum is refused alike
        on_moto.store(budget=SMALL_BUDGET).vacuum({"S": "scan-z"}, grace_seconds=0)


@pytest.mark.engine
def test_vacuum_refuses_items_whose_head_the_caller_does_not_recognise(on_moto: Engine) -> None:
    keys = [_key("scan-a")]
    _orphans(on_moto, keys)
    store = on_moto.store(budget=SMALL_BUDGET)
    with pytest.raises(VacuumRefusedError, match="not a key of the model's chunked entities"):
        store.vacuum(grace_seconds=0, recognise=lambda partition, head: head != "racer#7")
    assert len(_chunk_items(on_moto, keys[0])) > 1
    with pytest.raises(VacuumRefusedError, match=r"the model.s is PK \(N\) \+ SK \(S\)"):
        store.vacuum(grace_seconds=0, partition_key_type="N")
    stats = store.vacuum(
        grace_seconds=0, partition_key_type="S", recognise=lambda partition, head: True
    )
    assert stats.writes_removed == 1


@pytest.mark.engine
@pytest.mark.parametrize(
    ("keys", "types"),
    [
        (("pk", "sk"), ("S", "S")),  # other key names than the model's
        (("PK", "SK"), ("S", "N")),  # a number sort key
        (("PK", None), ("S", None)),  # no sort key
    ],
    ids=["names", "number-sort-key", "no-sort-key"],
)
def test_vacuum_refuses_a_table_whose_keys_are_not_the_models(
    on_moto: Engine, keys: tuple[str, str | None], types: tuple[str, str | None]
) -> None:
    name = f"other-{uuid.uuid4().hex[:12]}"
    schema = [{"AttributeName": keys[0], "KeyType": "HASH"}]
    defined = [{"AttributeName": keys[0], "AttributeType": types[0]}]
    if keys[1] is not None:
        schema.append({"AttributeName": keys[1], "KeyType": "RANGE"})
        defined.append({"AttributeName": keys[1], "AttributeType": str(types[1])})
    on_moto.client.create_table(
        TableName=name,
        KeySchema=schema,
        AttributeDefinitions=defined,
        BillingMode="PAY_PER_REQUEST",
    )
    item = {keys[0]: {"S": "p"}, "~d": {"B": b"x"}, "~t": {"N": "1"}}
    if keys[1] is not None:
        item[keys[1]] = {"S": CHUNK_SK} if types[1] == "S" else {"N": "1"}
    on_moto.client.put_item(TableName=name, Item=item)
    client = on_moto.make_client()
    store = ChunkStore(client, name, budget=SMALL_BUDGET, sleep=_no_sleep)
    with (
        Requests(client) as requests,
        pytest.raises(VacuumRefusedError, match=r"its key schema is .* the model's is PK"),
    ):
        store.vacuum(grace_seconds=0)
    assert requests.operations == ["DescribeTable"]
    assert on_moto.client.scan(TableName=name)["Count"] == 1


@pytest.mark.engine
def test_a_stale_writer_cannot_replace_or_delete_a_record_created_again(engine: Engine) -> None:
    """Versions start at 1 again when a record is deleted and created anew; the write id read
    with the version tells the two records apart."""
    store = engine.store(budget=SMALL_BUDGET)
    key = _key("again")
    first = store.write(key, {}, _bytes(5_000, 1), expected_version=None)
    store.delete(key, expected_version=1, expected_write_id=first.write_id)
    second = store.write(key, {}, _bytes(5_000, 2), expected_version=None)
    assert second.version == first.version == 1
    for stale in (
        lambda: store.write(
            key, {}, b"stale", expected_version=1, expected_write_id=first.write_id
        ),
        lambda: store.write(
            key, {}, _bytes(150_000, 3), expected_version=1, expected_write_id=first.write_id
        ),  # in steps
        lambda: store.delete(key, expected_version=1, expected_write_id=first.write_id),
    ):
        with pytest.raises(ChunkConflictError, match="was deleted and created again"):
            stale()
    record = store.read(key)
    assert record is not None
    assert (record.write_id, record.payload) == (second.write_id, _bytes(5_000, 2))
    _assert_only_current_chunks(engine, key)


@pytest.mark.engine
def test_versions_are_checked_on_create_update_and_delete(on_moto: Engine) -> None:
    store = on_moto.store(budget=SMALL_BUDGET)
    key = _key("versions")
    assert store.read(key) is None
    first = store.write(key, {"n": {"N": "1"}}, b"one", expected_version=None)
    assert first.version == 1
    with pytest.raises(ChunkConflictError, match="already exists"):
        store.write(key, {}, b"again", expected_version=None)
    with pytest.raises(
        ChunkConflictError, match="changed since version 3 was read: it is at version 1"
    ):
        store.write(key, {}, _bytes(150_000, 1), expected_version=3)
    assert store.write(key, {}, b"two", expected_version=1).version == 2
    with pytest.raises(ChunkConflictError, match="changed since version 1"):
        store.delete(key, expected_version=1)
    store.delete(key, expected_version=2)
    assert store.read(key) is None
    with pytest.raises(ChunkConflictError, match="no longer exists"):
        store.delete(key, expected_version=2)
    assert _chunk_items(on_moto, key) == []
