"""Generated code against hand-written code, on moto, in one process and one run.

1. A generated access-pattern call against the same Query written by hand with PynamoDB
   (a plain, non-polymorphic model, the fastest thing a person would write). Two patterns:
   `results_by_racer` (table, begins_with, 20 items) and `race_leaderboard` (LSI,
   descending, limit 10 of 50). Target: ratio <= 1.10.
2. Put + get of a generated entity against the same PutItem + GetItem with raw boto3
   (reported, no target).

Rounds alternate the two sides (A B B A ...) so drift on the machine hits both alike; the
figure is the median of the per-round ratios of CPU time (moto runs in-process, so the whole
call is CPU).

Run: python benchmarks/bench_generated.py [--rounds N] [--calls N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "examples" / "alleycat"))

from _aws import use_dummy_credentials  # noqa: E402

use_dummy_credentials()

import boto3  # noqa: E402
import models  # noqa: E402  (examples/alleycat/models.py, generated)
import moto  # noqa: E402
from pynamodb.attributes import NumberAttribute, UnicodeAttribute  # noqa: E402
from pynamodb.indexes import AllProjection, LocalSecondaryIndex  # noqa: E402
from pynamodb.models import Model  # noqa: E402

TABLE = "alleycat-bench"


class HandLsi(LocalSecondaryIndex["HandItem"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = "LSI_Numeric"
        projection = AllProjection()

    PK = UnicodeAttribute(hash_key=True)
    Numeric = NumberAttribute(range_key=True)


class HandItem(Model):
    """What a person writes by hand for the same table: keys as strings, no codec."""

    class Meta:
        table_name = TABLE

    PK = UnicodeAttribute(hash_key=True)
    SK = UnicodeAttribute(range_key=True)
    Numeric = NumberAttribute(null=True)
    entity_type = UnicodeAttribute(null=True)
    racer_id = UnicodeAttribute(null=True)
    race_id = UnicodeAttribute(null=True)
    class_id = UnicodeAttribute(null=True)
    output = NumberAttribute(null=True)
    results = UnicodeAttribute(null=True)
    ts = NumberAttribute(null=True)
    by_numeric = HandLsi()


def _cpu(call: Callable[[], Any], calls: int) -> float:
    start = time.process_time()
    for _ in range(calls):
        call()
    return time.process_time() - start


def _compare(
    label: str, generated: Callable[[], Any], baseline: Callable[[], Any], rounds: int, calls: int
) -> tuple[str, float, float, float, float]:
    generated()
    baseline()
    ratios: list[float] = []
    gen_times: list[float] = []
    base_times: list[float] = []
    for i in range(rounds):
        order = [(generated, gen_times), (baseline, base_times)]
        if i % 2:
            order.reverse()
        measured = {}
        for call, times in order:
            spent = _cpu(call, calls)
            times.append(spent)
            measured[id(times)] = spent
        ratios.append(measured[id(gen_times)] / measured[id(base_times)])
    quartiles = statistics.quantiles(ratios, n=4)
    return (
        label,
        statistics.median(gen_times) / calls * 1e3,
        statistics.median(base_times) / calls * 1e3,
        statistics.median(ratios),
        quartiles[2] - quartiles[0],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--calls", type=int, default=40)
    args = parser.parse_args()
    if args.rounds < 2:
        parser.error("--rounds must be at least 2 (the figure is a median of per-round ratios)")

    with moto.mock_aws():
        models.configure(table_name=TABLE)
        models.create_table()
        models.batch_write(
            [
                models.RacerRace(
                    racer_id="r1", race_id=f"race{n:02d}", class_id="c", output=n, results="[]"
                )
                for n in range(20)
            ]
            + [
                models.RaceResult(race_id="final", racer_id=f"r{n}", output=n * 3, ts=n)
                for n in range(50)
            ]
        )
        client = boto3.client("dynamodb")

        def gen_results() -> list[Any]:
            return list(models.results_by_racer("r1"))

        def hand_results() -> list[Any]:
            return list(HandItem.query("racer-r1", HandItem.SK.startswith("race-")))

        def gen_board() -> list[Any]:
            return list(models.race_leaderboard("final"))

        def hand_board() -> list[Any]:
            return list(HandItem.by_numeric.query("race-final", scan_index_forward=False, limit=10))

        assert [r.race_id for r in gen_results()] == [r.race_id for r in hand_results()]
        assert [r.racer_id for r in gen_board()] == [r.racer_id for r in hand_board()]

        def gen_put_get() -> None:
            models.RaceResult(race_id="pg", racer_id="x", output=Decimal("1.5"), ts=1).put()
            models.RaceResult.fetch(race_id="pg", racer_id="x")

        def raw_put_get() -> None:
            client.put_item(
                TableName=TABLE,
                Item={
                    "PK": {"S": "race-pg"},
                    "SK": {"S": "racer-y"},
                    "Numeric": {"N": "1.5"},
                    "entity_type": {"S": "RaceResult"},
                    "race_id": {"S": "pg"},
                    "racer_id": {"S": "y"},
                    "output": {"N": "1.5"},
                    "ts": {"N": "1"},
                },
            )
            client.get_item(TableName=TABLE, Key={"PK": {"S": "race-pg"}, "SK": {"S": "racer-y"}})

        rows = [
            _compare(
                "results_by_racer (table, begins_with, 20 items) vs PynamoDB Model.query",
                gen_results,
                hand_results,
                args.rounds,
                args.calls,
            ),
            _compare(
                "race_leaderboard (LSI, descending, limit 10) vs PynamoDB index query",
                gen_board,
                hand_board,
                args.rounds,
                args.calls,
            ),
            _compare(
                "RaceResult put() + fetch() vs boto3 put_item + get_item",
                gen_put_get,
                raw_put_get,
                args.rounds,
                args.calls,
            ),
        ]
    print(f"rounds={args.rounds} calls per round={args.calls} (CPU time, moto in-process)")
    print(f"{'comparison':75} {'generated':>10} {'baseline':>10} {'ratio':>6} {'IQR':>6}")
    for label, gen_ms, base_ms, ratio, iqr in rows:
        print(f"{label:75} {gen_ms:8.3f}ms {base_ms:8.3f}ms {ratio:6.3f} {iqr:6.3f}")


if __name__ == "__main__":
    main()
