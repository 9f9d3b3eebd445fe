"""Chunked records on DynamoDB Local: item counts, budget use, speed against a hand split.

For records of 1, 4 and 16 MiB (random bytes, ``binary`` codec, no compression):

- items stored by `ChunkStore` (chunks + head) against the minimum for the 409,600-byte
  budget: one head plus ceil(size / room), where room is the budget less the fixed part of a
  chunk item (its two keys, the payload attribute's name and the creation time);
- budget use: `item_size` of every stored chunk item but the last, over the budget;
- write + read time of `ChunkStore` (create, then read back, verified) against what a person
  would write with boto3 for the same bytes: fixed 400,000-byte chunks, BatchWriteItem 25 at
  a time (resending unprocessed items), a consistent Query of every page to read them back.
  Both run in the same process against the same engine, alternating which goes first, each
  round on a fresh key, after one uncounted warm-up round (the engine's JVM compiles as it
  goes); the figure is the median of the per-round ratios of wall time (the engine is another
  process, so CPU time of this one would leave it out). Target: <= 1.3.

Then compression (zlib, the ``json`` codec) on Alleycat-like telemetry: one number per racer
per second, 3,600 per racer per hour, as JSON lists of numbers.

Run: python benchmarks/bench_chunks.py [--rounds N]
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from _aws import use_dummy_credentials

use_dummy_credentials()

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402

from tablemodel.engines import DynamoDBLocal  # noqa: E402
from tablemodel.runtime.chunks import ChunkStore, encode_payload  # noqa: E402
from tablemodel.runtime.size import ITEM_SIZE_LIMIT, item_size  # noqa: E402

MIB = 1024 * 1024
SIZES = [1 * MIB, 4 * MIB, 16 * MIB]
HAND_CHUNK = 400_000  # a round number under the limit, as a person would pick
SECONDS_PER_HOUR = 3600


def _client(endpoint: str) -> Any:
    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        config=Config(proxies={}, read_timeout=120, retries={"max_attempts": 3}),
    )


def _create_table(client: Any) -> str:
    name = "bench-chunks"
    client.create_table(
        TableName=name,
        KeySchema=[
            {"AttributeName": "PK", "KeyType": "HASH"},
            {"AttributeName": "SK", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "PK", "AttributeType": "S"},
            {"AttributeName": "SK", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    return name


def _query_all(client: Any, table: str, pk: str, prefix: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    request: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
        "ExpressionAttributeValues": {":pk": {"S": pk}, ":prefix": {"S": prefix}},
        "ConsistentRead": True,
    }
    while True:
        page = client.query(**request)
        items += page["Items"]
        if not page.get("LastEvaluatedKey"):
            return items
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


# --- the hand-written baseline ---------------------------------------------------------------


def hand_write(client: Any, table: str, pk: str, data: bytes) -> int:
    """Fixed-size chunks, BatchWriteItem 25 at a time, unprocessed items sent again."""
    items = [
        {
            "PutRequest": {
                "Item": {
                    "PK": {"S": pk},
                    "SK": {"S": f"blob#{index:04d}"},
                    "data": {"B": data[start : start + HAND_CHUNK]},
                }
            }
        }
        for index, start in enumerate(range(0, len(data), HAND_CHUNK))
    ]
    for start in range(0, len(items), 25):
        pending = items[start : start + 25]
        while pending:
            answer = client.batch_write_item(RequestItems={table: pending})
            pending = answer.get("UnprocessedItems", {}).get(table, [])
    return len(items)


def hand_read(client: Any, table: str, pk: str) -> bytes:
    items = _query_all(client, table, pk, "blob#")
    return b"".join(item["data"]["B"] for item in items)


def hand_delete(client: Any, table: str, pk: str) -> None:
    keys = [
        {"DeleteRequest": {"Key": {"PK": item["PK"], "SK": item["SK"]}}}
        for item in _query_all(client, table, pk, "blob#")
    ]
    for start in range(0, len(keys), 25):
        client.batch_write_item(RequestItems={table: keys[start : start + 25]})


# --- measurements ----------------------------------------------------------------------------


def _timed(action: Callable[[], object]) -> float:
    began = time.perf_counter()
    action()
    return time.perf_counter() - began


def measure_size(client: Any, table: str, size: int, rounds: int) -> dict[str, Any]:
    store = ChunkStore(client, table, codec="binary")
    data = random.Random(size).randbytes(size)
    ratios: list[float] = []
    store_times: list[float] = []
    hand_times: list[float] = []
    layout: dict[str, Any] = {}
    for number in range(-1, rounds):  # round -1 warms the engine up and is not counted
        key = {"PK": {"S": f"store-{size}-{number:03d}"}, "SK": {"S": "record"}}
        hand_pk = f"hand-{size}-{number:03d}"

        def with_store(key: dict[str, Any] = key) -> None:
            written = store.write(key, {}, data, expected_version=None)
            record = store.read(key)
            assert record is not None
            assert record.payload == data
            layout["write"] = written

        def by_hand(pk: str = hand_pk) -> None:
            layout["hand_items"] = hand_write(client, table, pk, data)
            assert hand_read(client, table, pk) == data

        if number % 2:
            hand_time, store_time = _timed(by_hand), _timed(with_store)
        else:
            store_time, hand_time = _timed(with_store), _timed(by_hand)
        if number >= 0:
            store_times.append(store_time)
            hand_times.append(hand_time)
            ratios.append(store_time / hand_time)
        if number == 0:
            chunks = _query_all(client, table, key["PK"]["S"], "~chunk#")
            layout["chunk_sizes"] = [item_size(item) for item in chunks]
            fixed = item_size(chunks[0]) - len(chunks[0]["~d"]["B"])
            layout["room"] = ITEM_SIZE_LIMIT - fixed
        store.delete(key, expected_version=1)
        hand_delete(client, table, hand_pk)
    full = layout["chunk_sizes"][:-1] or layout["chunk_sizes"]
    written = layout["write"]
    return {
        "size": size,
        "items": written.chunks + 1,
        "minimum": 1 + math.ceil(size / layout["room"]),
        "hand_items": layout["hand_items"],
        "path": "one transaction" if written.transactional else "steps",
        "use_min": min(full) / ITEM_SIZE_LIMIT,
        "use_mean": statistics.mean(full) / ITEM_SIZE_LIMIT,
        "store_s": statistics.median(store_times),
        "hand_s": statistics.median(hand_times),
        "ratio": statistics.median(ratios),
        "ratio_range": (min(ratios), max(ratios)),
    }


def _walk(rng: random.Random, start: float, step: float, low: float, high: float) -> list[float]:
    values, value = [], start
    for _ in range(SECONDS_PER_HOUR):
        value = min(high, max(low, value + rng.uniform(-step, step)))
        values.append(value)
    return values


def telemetry(racer: int) -> dict[str, list[Any]]:
    """One racer-hour, one number per second per signal, as a GPS bike computer logs it."""
    rng = random.Random(racer)
    speed = _walk(rng, 28.0, 0.6, 0.0, 55.0)  # km/h
    distance, metres = [], 0.0
    for kmh in speed:
        metres += kmh / 3.6
        distance.append(int(metres))
    return {
        "speed_kmh": [Decimal(f"{value:.1f}") for value in speed],
        "heart_bpm": [round(value) for value in _walk(rng, 140, 2.0, 90, 190)],
        "cadence_rpm": [round(value) for value in _walk(rng, 85, 3.0, 0, 120)],
        "distance_m": distance,
        "lat": [Decimal(f"{value:.6f}") for value in _walk(rng, 52.520008, 0.00005, 52.4, 52.6)],
        "lon": [Decimal(f"{value:.6f}") for value in _walk(rng, 13.404954, 0.00005, 13.3, 13.5)],
    }


def compression_rows(race: list[dict[str, list[Any]]]) -> list[tuple[str, int, int, int]]:
    """(what, points, JSON bytes, zlib bytes): each signal and all six of one racer-hour, then
    the whole race-hour (``race``: one racer-hour per racer)."""
    hour = race[0]
    cases: list[tuple[str, int, object]] = [
        (f"{name} (one racer-hour)", len(values), values) for name, values in hour.items()
    ]
    cases.append(("all six signals (one racer-hour)", 6 * SECONDS_PER_HOUR, hour))
    cases.append((f"all six signals, {len(race)} racers", 6 * len(race) * SECONDS_PER_HOUR, race))
    return [
        (what, points, len(encode_payload(value)), len(encode_payload(value, compress=True)))
        for what, points, value in cases
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    race = [telemetry(racer) for racer in range(50)]
    with DynamoDBLocal() as engine:
        client = _client(engine.endpoint_url)
        table = _create_table(client)
        results = [measure_size(client, table, size, args.rounds) for size in SIZES]
        race_key = {"PK": {"S": "race"}, "SK": {"S": "race-hour"}}
        compressed = ChunkStore(client, table, compress=True)
        race_write = compressed.write(race_key, {}, race, expected_version=None)
        plain_chunks = ChunkStore(client, table).plan(
            race_key, {}, len(encode_payload(race)), expected_version=None
        )
        stored = compressed.read(race_key)
        assert stored is not None
        assert stored.payload == race

    print(f"DynamoDB Local, budget {ITEM_SIZE_LIMIT:,} bytes, {args.rounds} rounds per size\n")
    print(
        "| record | path | items stored | minimum | hand split items | chunk use (min / mean) "
        "| ChunkStore write+read | hand split write+read | ratio (median) | ratio range |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for row in results:
        low, high = row["ratio_range"]
        print(
            f"| {row['size'] // MIB} MiB | {row['path']} | {row['items']} | {row['minimum']} "
            f"| {row['hand_items']} | {row['use_min']:.4%} / {row['use_mean']:.4%} "
            f"| {row['store_s'] * 1000:.0f} ms | {row['hand_s'] * 1000:.0f} ms "
            f"| **{row['ratio']:.2f}** | {low:.2f} to {high:.2f} |"
        )
    print("\n| telemetry (JSON list of numbers) | points | JSON bytes | zlib bytes | ratio |")
    print("|---|---|---|---|---|")
    for what, points, plain, packed in compression_rows(race):
        print(f"| {what} | {points:,} | {plain:,} | {packed:,} | {plain / packed:.2f} |")
    print(
        f"\nThe {len(race)}-racer record stored with compress=True: {race_write.chunks} chunk(s) "
        f"+ head, against {plain_chunks.chunks} chunks + head uncompressed; read back equal."
    )


if __name__ == "__main__":
    main()
