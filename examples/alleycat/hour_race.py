"""An hour-long Alleycat race: the article's fixed split against tablemodel's chunked records.

    python examples/alleycat/hour_race.py

One racer's hour is 3,600 points of seven numbers at 1 Hz (second, watts, cadence, heart rate,
speed, latitude, longitude), 36,000 at 10 Hz. The article splits such data into rows of 600
points; `hour_race.yaml` declares the points a chunked attribute instead, and the generated
model (`hour_race_models.py`) packs them byte-exactly, as JSON with or without zlib.
Sizes are DynamoDB's (`tablemodel.runtime.size`, measured on DynamoDB Local); the round trip
at the end runs on moto.
"""

from __future__ import annotations

import math
import os
import random
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import moto

sys.path.insert(0, str(Path(__file__).resolve().parent))

import hour_race_models as models
from tablemodel.runtime.chunks import ChunkStore, encode_payload
from tablemodel.runtime.size import ITEM_SIZE_LIMIT, item_size

ARTICLE_ROW = 600


def hour_of_points(seed: int, hertz: int) -> list[list[Decimal]]:
    """A plausible hour: power, cadence and heart rate drift; position moves along a loop."""
    rng = random.Random(seed)
    points = []
    count = 3600 * hertz
    for tick in range(count):
        angle = tick / count * 2 * math.pi
        points.append(
            [
                Decimal(tick) / hertz,
                Decimal(rng.randrange(1500, 4500)) / 10,
                Decimal(rng.randrange(70, 110)),
                Decimal(rng.randrange(120, 185)),
                Decimal(rng.randrange(2500, 4500)) / 100,
                Decimal(f"{40.7128 + 0.01 * math.sin(angle):.6f}"),
                Decimal(f"{-74.0060 + 0.01 * math.cos(angle):.6f}"),
            ]
        )
    return points


def _wire(value: Any) -> dict[str, Any]:
    if isinstance(value, list):
        return {"L": [_wire(v) for v in value]}
    return {"N": str(value)}


def article_rows(points: list[list[Decimal]]) -> list[int]:
    """Item sizes of the article's layout: one item per 600 points, points as a list."""
    sizes = []
    for row, start in enumerate(range(0, len(points), ARTICLE_ROW)):
        item = {
            "PK": {"S": "race-spin-hour"},
            "SK": {"S": f"telemetry#racer-7#{row}"},
            "entity_type": {"S": "RaceTelemetryRow"},
            "points": _wire(points[start : start + ARTICLE_ROW]),
        }
        sizes.append(item_size(item))
    return sizes


def chunked_layout(points: list[list[Decimal]], *, compress: bool) -> tuple[int, int, int]:
    """(chunk items, payload bytes, head bytes) of tablemodel's layout at the 409,600 budget."""
    head = models.RaceTelemetry(race_id="spin-hour", racer_id="racer-7", seconds=3600, points=[])
    wire = head.serialize()
    key = {name: wire.pop(name) for name in ("PK", "SK")}
    data = encode_payload({"points": points}, "json", compress=compress)
    planner = ChunkStore(None, "plan-only", compress=compress)
    plan = planner.plan(key, wire, len(data), expected_version=None)
    return plan.chunks, len(data), item_size({**key, **wire})


def main() -> None:
    print(f"{'one racer, one hour':34} {'items':>6} {'bytes':>11} {'largest item':>13}")
    for hertz in (1, 10):
        points = hour_of_points(7, hertz)
        rows = article_rows(points)
        print(f"{len(points):,} points ({hertz} Hz)")
        print(
            f"  {'article: 600 points a row':32} {len(rows):>6} {sum(rows):>11,} {max(rows):>13,}"
        )
        for compress in (False, True):
            chunks, payload, head = chunked_layout(points, compress=compress)
            label = "tablemodel: JSON" + (" + zlib" if compress else "")
            largest = min(ITEM_SIZE_LIMIT, payload + head)
            print(f"  {label:32} {1 + chunks:>6} {payload + head:>11,} {largest:>13,}")
    print(
        "\nAt 1 Hz the whole hour fits in one item (133,779 bytes as a DynamoDB list), so the "
        "article's six rows are not needed; at 10 Hz its 60 rows are each far below the limit. "
        "A fixed count of points per row sizes the rows by the data, not by the limit. "
        "tablemodel packs every full chunk to the 409,600-byte limit, and its head item holds "
        "the manifest (version, write id, count, length, SHA-256) that keeps a half-written "
        "record invisible. JSON text is larger than DynamoDB's own number encoding; with zlib "
        "it is the smallest."
    )
    points = hour_of_points(7, 10)

    for name, value in {
        "AWS_ACCESS_KEY_ID": "demo",
        "AWS_SECRET_ACCESS_KEY": "demo",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        os.environ.setdefault(name, value)
    with moto.mock_aws():
        # moto refuses items above 405,000 bytes by its own measure: a lower budget here.
        models.configure(table_name="alleycat-hour-demo", chunk_budget=350_000)
        models.create_table()
        models.RaceTelemetry(
            race_id="spin-hour", racer_id="racer-7", seconds=3600, points=points
        ).create()
        stored = models.RaceTelemetry.fetch(race_id="spin-hour", racer_id="racer-7")
        assert stored is not None
        assert stored.points == points
        heads = list(models.telemetry_of_race("spin-hour"))
        print(
            f"\nround trip on moto: {len(stored.points or []):,} points back, checksum-verified; "
            f"telemetry_of_race returns {len(heads)} head (its points load with fetch())"
        )


if __name__ == "__main__":
    main()
