"""Alleycat as a service would use it: the generated models.py, on moto, in one process.

    python examples/alleycat/demo.py

No key string is written by hand below: every key comes from the model's templates through
the generated code, and every read is one of the model's access patterns.
"""

from __future__ import annotations

import os
import random
import sys
from decimal import Decimal
from pathlib import Path

import moto

sys.path.insert(0, str(Path(__file__).resolve().parent))

import models


def record_race(race_id: str, class_id: str, started_at: int, racers: list[str]) -> None:
    """A race ends: store each racer's result in both partitions, 25 items per request."""
    rng = random.Random(race_id)
    items: list[models.AlleycatItem] = [
        models.ClassRace(class_id=class_id, race_id=race_id, started_at=started_at)
    ]
    for racer_id in racers:
        output = Decimal(rng.randrange(1500, 4500)) / 10
        items.append(
            models.RacerRace(
                racer_id=racer_id,
                race_id=race_id,
                class_id=class_id,
                output=output,
                results="[]",
            )
        )
        items.append(
            models.RaceResult(race_id=race_id, racer_id=racer_id, output=output, ts=started_at)
        )
    stats = models.batch_write(items)
    print(f"recorded {race_id}: {len(items)} items in {stats.requests} batch request(s)")


def main() -> None:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "demo",
        "AWS_SECRET_ACCESS_KEY": "demo",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        os.environ.setdefault(name, value)
    with moto.mock_aws():
        models.configure(table_name="alleycat-demo")
        models.create_table()

        # Racer IDs that break naive key builders: a prefix of another ID, and a delimiter.
        racers = ["1", "10", "1#lap_2", "ana", "bo"]
        for racer_id in racers:
            models.Racer(racer_id=racer_id, name=f"Racer {racer_id}").create()
        record_race("spin-mon", "beginners", 1_700_000_000, racers)
        record_race("spin-tue", "beginners", 1_700_086_400, racers[:3])

        print("\nleaderboard of spin-mon (best first):")
        for rank, result in enumerate(models.race_leaderboard("spin-mon"), start=1):
            print(f"  {rank}. racer {result.racer_id!r:12} {result.output}")

        print("\nraces of racer '1' (not '10', not '1#lap_2'):")
        for race in models.results_by_racer("1"):
            print(f"  {race.race_id}: {race.output}")

        print("\nraces of class 'beginners', by start time:")
        for class_race in models.races_by_class("beginners"):
            print(f"  {class_race.race_id} at {class_race.started_at}")

        page = models.race_leaderboard_page("spin-mon", page_size=2)
        print(f"\nfirst page of 2: {[r.racer_id for r in page.items]}, next cursor: {page.cursor}")

        profile = models.Racer.fetch(racer_id="1#lap_2")
        assert profile is not None
        print(f"\nstored key of racer '1#lap_2': PK={profile.PK!r} SK={profile.SK!r}")


if __name__ == "__main__":
    main()
