"""The waiting room at full size on DynamoDB Local, and its admission against hand-written boto3.

1. `examples/waiting_room/simulate.py` at its full size (5,000 visitors, 500 tickets,
   8 workers): its admissions per second and whether every invariant held.
2. The admission loop alone, in the same run and on the same engine: `--workers` threads
   admit `--admissions` waiting visitors (each its own, so no two race for one visitor)
   through the generated `admit` (one TransactWriteItems of four actions, built from the
   model), and through the same four-action TransactWriteItems written by hand with boto3.
   Rounds alternate the sides (A B B A ...) on fresh zones; the figure is the median of the
   per-round ratios of admissions per second (generated / hand-written; below 1 is slower).

Run: python benchmarks/bench_waiting_room.py [--rounds N] [--admissions N] [--skip-simulation]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "examples"))

from _aws import use_dummy_credentials  # noqa: E402

use_dummy_credentials()

import boto3  # noqa: E402
from waiting_room import models, simulate  # noqa: E402

from tablemodel.engines.dynamodb_local import DynamoDBLocal  # noqa: E402

MINUTE = 1
TTL = 4_102_444_800


def _zone(zone: str, places: int, visitors: list[str]) -> None:
    models.create_zone(
        zone_id=zone,
        mode="queue",
        capacity=places,
        remaining=places,
        per_minute=1_000_000,
        sale_start=dt.datetime.now(dt.UTC),
    )
    models.open_zone(zone_id=zone)
    models.open_minute(zone_id=zone, minute=MINUTE)
    for i, visitor in enumerate(visitors):
        models.enqueue(zone_id=zone, visitor_token=visitor, tier=1, arrival=i)


def _generated(zone: str, visitor: str, client: Any, table: str) -> None:
    models.admit(
        zone_id=zone,
        minute=MINUTE,
        visitor_token=visitor,
        token=f"tok-{visitor}",
        expires_at=TTL,
        rate=1_000_000,
    )


def _by_hand(zone: str, visitor: str, client: Any, table: str) -> None:
    pk = {"S": f"zone#{zone}"}
    client.transact_write_items(
        TransactItems=[
            {
                "Update": {
                    "TableName": table,
                    "Key": {"PK": pk, "SK": {"S": "config"}},
                    "UpdateExpression": "ADD #r :minus",
                    "ConditionExpression": "attribute_exists(PK) AND #s = :active AND #r > :zero",
                    "ExpressionAttributeNames": {"#r": "remaining", "#s": "state"},
                    "ExpressionAttributeValues": {
                        ":minus": {"N": "-1"},
                        ":active": {"S": "active"},
                        ":zero": {"N": "0"},
                    },
                }
            },
            {
                "Update": {
                    "TableName": table,
                    "Key": {"PK": pk, "SK": {"S": f"minute#{MINUTE:010d}"}},
                    "UpdateExpression": "ADD #i :one",
                    "ConditionExpression": "attribute_exists(PK) AND #i < :rate",
                    "ExpressionAttributeNames": {"#i": "issued"},
                    "ExpressionAttributeValues": {":one": {"N": "1"}, ":rate": {"N": "1000000"}},
                }
            },
            {
                "Update": {
                    "TableName": table,
                    "Key": {"PK": pk, "SK": {"S": f"visitor#{visitor}"}},
                    "UpdateExpression": "SET #s = :admitted, GSI1PK = :queue",
                    "ConditionExpression": "attribute_exists(PK) AND #s = :waiting",
                    "ExpressionAttributeNames": {"#s": "status"},
                    "ExpressionAttributeValues": {
                        ":admitted": {"S": "admitted"},
                        ":waiting": {"S": "waiting"},
                        ":queue": {"S": f"queue#{zone}#admitted"},
                    },
                }
            },
            {
                "Put": {
                    "TableName": table,
                    "Item": {
                        "PK": pk,
                        "SK": {"S": f"token#{visitor}"},
                        "entity_type": {"S": "AccessToken"},
                        "zone_id": {"S": zone},
                        "visitor_token": {"S": visitor},
                        "token": {"S": f"tok-{visitor}"},
                        "status": {"S": "issued"},
                        "expires_at": {"N": str(TTL)},
                    },
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            },
        ]
    )


def _admissions_per_second(
    admit: Callable[[str, str, Any, str], None], count: int, workers: int, endpoint: str
) -> float:
    zone = f"z-{uuid.uuid4().hex[:8]}"
    visitors = [f"v-{i:05d}" for i in range(count)]
    _zone(zone, count, visitors)
    table = models.WaitingRoomItem._get_connection().table_name
    shares = [visitors[i::workers] for i in range(workers)]
    clients = [boto3.client("dynamodb", endpoint_url=endpoint) for _ in range(workers)]
    start = threading.Barrier(workers + 1)

    def work(share: list[str], client: Any) -> None:
        start.wait()
        for visitor in share:
            admit(zone, visitor, client, table)

    threads = [
        threading.Thread(target=work, args=pair) for pair in zip(shares, clients, strict=True)
    ]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    zone_item = models.Zone.fetch(zone_id=zone, consistent_read=True)
    assert zone_item is not None
    assert zone_item.remaining == 0, "every admission applied"
    return count / seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--admissions", type=int, default=200)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--skip-simulation", action="store_true")
    args = parser.parse_args()
    with DynamoDBLocal() as engine:
        endpoint = engine.endpoint_url
        if not args.skip_simulation:
            outcome = simulate.simulate(endpoint, simulate.Settings())
            print(
                f"simulation: {len(outcome.enqueued):,} enqueued, {len(outcome.admitted):,}"
                f" admitted in {outcome.seconds:.1f} s ({outcome.stopped_by}):"
                f" {outcome.admissions_per_second:.1f} admissions/s;"
                f" conflicts retried {outcome.conflicts}; minute full {outcome.minute_full};"
                f" invariants: {'all hold' if not outcome.violations else outcome.violations}"
            )
        models.configure(table_name=f"bench-{uuid.uuid4().hex[:8]}", endpoint_url=endpoint)
        models.create_table()
        try:
            ratios: list[float] = []
            rates: dict[str, list[float]] = {"generated": [], "boto3": []}
            for round_number in range(args.rounds):
                order = [("generated", _generated), ("boto3", _by_hand)]
                if round_number % 2:
                    order.reverse()
                got: dict[str, float] = {}
                for name, admit in order:
                    got[name] = _admissions_per_second(
                        admit, args.admissions, args.workers, endpoint
                    )
                    rates[name].append(got[name])
                ratios.append(got["generated"] / got["boto3"])
            print(
                f"admission loop ({args.admissions} admissions, {args.workers} workers,"
                f" {args.rounds} rounds): generated {statistics.median(rates['generated']):.1f}/s,"
                f" boto3 by hand {statistics.median(rates['boto3']):.1f}/s,"
                f" ratio {statistics.median(ratios):.3f}"
                f" (min {min(ratios):.3f}, max {max(ratios):.3f})"
            )
        finally:
            models.delete_table()


if __name__ == "__main__":
    main()
