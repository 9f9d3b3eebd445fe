"""A bounded load simulation of the waiting room against DynamoDB Local.

    python examples/waiting_room/simulate.py                 # 5,000 visitors, 500 tickets
    python examples/waiting_room/simulate.py --visitors 400 --tickets 40 --chart room.png

It starts DynamoDB Local on 127.0.0.1 (or uses `--endpoint-url`, a loopback engine only),
creates a fresh table, and runs, all through the generated models.py:

- arrival threads enqueue the visitors (10% VIP, tier 0) in arrival order;
- `--workers` admission workers repeatedly read the head of the queue (`next_to_admit`) and
  admit it with the `admit` transaction; most admitted visitors then `purchase`, the others
  `expire`;
- a compressed clock: one simulated minute lasts `--seconds-per-minute` real seconds, so the
  `--per-minute` rate is per compressed minute (the MinuteCounter of minute m holds the
  tokens issued while `int(elapsed / seconds_per_minute) == m`).

It stops when every ticket is sold and every visitor is enqueued, or at `--time-bound`
seconds, whichever comes first; then it reads the table back and checks the invariants: no
overselling, the rate honoured in every minute, FIFO within each tier, no duplicate or lost
token, every visitor in exactly one state. A rich progress display runs meanwhile, a rich
summary follows, and a PNG chart of queue length and admissions over time is written.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import random
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tablemodel.engines.dynamodb_local import DynamoDBLocal
from tablemodel.engines.guard import endpoint_refusal
from tablemodel.runtime.errors import (
    ConditionFailedError,
    KeyTakenError,
    TransactionConflictError,
)

from waiting_room import models

ZONE = "sale"
TTL = 4_102_444_800  # 2100-01-01: no engine expires a token during the run


@dataclass(frozen=True)
class Settings:
    visitors: int = 5_000
    tickets: int = 500
    workers: int = 8
    per_minute: int = 8
    seconds_per_minute: float = 1.0
    time_bound: float = 180.0
    vip_share: float = 0.1
    buy_share: float = 0.9
    seed: int = 7


@dataclass
class Outcome:
    """What the simulation did (client side) and what the table holds at the end."""

    settings: Settings
    seconds: float = 0.0
    enqueued: list[tuple[str, int, int]] = field(default_factory=list)  # token, tier, arrival
    admitted: list[tuple[str, float]] = field(default_factory=list)  # token, time
    # When each visitor's enqueue had returned, and when the admitter that let a visitor in
    # had started reading the queue's head: FIFO is owed to visitors already in the queue.
    enqueued_at: dict[str, float] = field(default_factory=dict)
    head_read_at: dict[str, float] = field(default_factory=dict)
    conflicts: int = 0
    minute_full: int = 0
    timeline: list[tuple[float, int, int]] = field(default_factory=list)  # t, queue, admitted
    stopped_by: str = ""
    violations: list[str] = field(default_factory=list)
    final_states: Counter[str] = field(default_factory=Counter)

    @property
    def admissions_per_second(self) -> float:
        """Admissions over the time from the start to the last admission."""
        last = max((t for _, t in self.admitted), default=0.0)
        return len(self.admitted) / last if last else 0.0


class _Clock:
    def __init__(self, seconds_per_minute: float) -> None:
        self.started = time.monotonic()
        self.seconds_per_minute = seconds_per_minute

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def minute(self) -> int:
        return int(self.elapsed() / self.seconds_per_minute)


def simulate(endpoint_url: str, settings: Settings, progress: object | None = None) -> Outcome:
    """Run one simulation on a fresh table at `endpoint_url`, then check its invariants."""
    models.configure(
        table_name=f"waiting-room-sim-{uuid.uuid4().hex[:8]}", endpoint_url=endpoint_url
    )
    models.create_table()
    try:
        outcome = _run(settings, progress)
        outcome.violations = check_invariants(outcome)
        return outcome
    finally:
        models.delete_table()


def _run(settings: Settings, progress: object | None) -> Outcome:
    outcome = Outcome(settings)
    rng = random.Random(settings.seed)
    models.create_zone(
        zone_id=ZONE,
        mode="queue",
        capacity=settings.tickets,
        remaining=settings.tickets,
        per_minute=settings.per_minute,
        sale_start=dt.datetime.now(dt.UTC),
    )
    models.open_zone(zone_id=ZONE)
    plan = [
        (f"v-{i:06d}", 0 if rng.random() < settings.vip_share else 1, i)
        for i in range(settings.visitors)
    ]
    buys = {token: rng.random() < settings.buy_share for token, _, _ in plan}
    clock = _Clock(settings.seconds_per_minute)
    lock = threading.Lock()
    stop = threading.Event()
    sold_out = threading.Event()
    next_arrival = iter(plan)
    opened: set[int] = set()

    def deadline() -> bool:
        return stop.is_set() or clock.elapsed() > settings.time_bound

    def arrive() -> None:
        while not deadline():
            with lock:
                visitor = next(next_arrival, None)
            if visitor is None:
                return
            token, tier, arrival = visitor
            models.enqueue(zone_id=ZONE, visitor_token=token, tier=tier, arrival=arrival)
            with lock:
                outcome.enqueued.append(visitor)
                outcome.enqueued_at[token] = clock.elapsed()

    def open_minute(minute: int) -> None:
        if minute in opened:
            return
        with contextlib.suppress(KeyTakenError):  # another worker opened it
            models.open_minute(zone_id=ZONE, minute=minute)
        opened.add(minute)

    def admit() -> None:
        while not deadline() and not sold_out.is_set():
            asked = clock.elapsed()
            head = list(models.next_to_admit(ZONE, limit=settings.workers))
            if not head:
                time.sleep(0.005)
                continue
            for entry in head:
                minute = clock.minute()
                open_minute(minute)
                try:
                    models.admit(
                        zone_id=ZONE,
                        minute=minute,
                        visitor_token=entry.visitor_token,
                        token=f"tok-{entry.visitor_token}",
                        expires_at=TTL,
                        rate=settings.per_minute,
                    )
                except TransactionConflictError:
                    with lock:
                        outcome.conflicts += 1
                    continue
                except ConditionFailedError as refused:
                    if refused.action == 0:  # no place left
                        sold_out.set()
                        return
                    if refused.action == 1:  # this minute is full: wait for the next one
                        with lock:
                            outcome.minute_full += 1
                        while clock.minute() == minute and not deadline():
                            time.sleep(0.01)
                        break
                    continue  # another worker admitted this visitor first
                with lock:
                    outcome.admitted.append((entry.visitor_token, clock.elapsed()))
                    outcome.head_read_at[entry.visitor_token] = asked
                if buys[entry.visitor_token]:
                    models.purchase(zone_id=ZONE, visitor_token=entry.visitor_token)
                else:
                    models.expire(zone_id=ZONE, visitor_token=entry.visitor_token)

    def monitor() -> None:
        while not stop.is_set():
            with lock:
                waiting = len(outcome.enqueued) - len(outcome.admitted)
                outcome.timeline.append((clock.elapsed(), waiting, len(outcome.admitted)))
                done = (len(outcome.enqueued), len(outcome.admitted))
            if progress is not None:
                progress(*done)  # type: ignore[operator]
            time.sleep(0.1)

    arrivals = [threading.Thread(target=arrive) for _ in range(max(2, settings.workers // 2))]
    admitters = [threading.Thread(target=admit) for _ in range(settings.workers)]
    watcher = threading.Thread(target=monitor)
    watcher.start()
    for thread in (*arrivals, *admitters):
        thread.start()
    for thread in arrivals:
        thread.join()
    for thread in admitters:
        thread.join()
    outcome.seconds = clock.elapsed()
    outcome.stopped_by = (
        "sold out" if sold_out.is_set() else "time bound" if deadline() else "queue empty"
    )
    stop.set()
    watcher.join()
    return outcome


def _read_back() -> list[models.WaitingRoomItem]:
    """Every item of the table, read with a consistent Scan and typed by its entity."""
    import boto3  # noqa: PLC0415

    connection = models.WaitingRoomItem._get_connection()
    client = boto3.client(
        "dynamodb",
        endpoint_url=connection.connection.client.meta.endpoint_url,
        region_name=connection.connection.client.meta.region_name,
    )
    classes = {cls._spec.discriminator: cls for cls in models.ENTITIES}
    items: list[models.WaitingRoomItem] = []
    for page in client.get_paginator("scan").paginate(
        TableName=connection.table_name, ConsistentRead=True
    ):
        for raw in page["Items"]:
            cls = classes[raw["entity_type"]["S"]]
            items.append(cls.from_raw_data(raw))
    return items


def check_invariants(outcome: Outcome) -> list[str]:
    """Every invariant the simulation must keep, read back from the table; [] when all hold."""
    settings = outcome.settings
    problems: list[str] = []
    zone = models.Zone.fetch(zone_id=ZONE, consistent_read=True)
    assert zone is not None
    stored = _read_back()
    entries = {e.visitor_token: e for e in stored if isinstance(e, models.Visitor)}
    tokens = [t for t in stored if isinstance(t, models.AccessToken)]
    counters = [c for c in stored if isinstance(c, models.MinuteCounter)]
    states = Counter(e.status for e in entries.values())
    outcome.final_states = states
    # No overselling: places taken never exceed the capacity, and the zone agrees.
    taken = len(tokens)
    if taken > settings.tickets:
        problems.append(f"oversold: {taken} tokens for {settings.tickets} tickets")
    if zone.remaining != settings.tickets - taken:
        problems.append(f"zone.remaining is {zone.remaining}, {settings.tickets - taken} expected")
    # The rate: no minute issued more than its rate, and the counters add up to the tokens.
    for counter in counters:
        if counter.issued > settings.per_minute:
            problems.append(
                f"minute {counter.minute} issued {counter.issued} > {settings.per_minute}"
            )
    if sum(c.issued for c in counters) != taken:
        problems.append(f"minute counters add up to {sum(c.issued for c in counters)}, not {taken}")
    # No duplicate or lost token: one per admitted visitor, each value once.
    admitted = [token for token, _ in outcome.admitted]
    if len(set(admitted)) != len(admitted):
        problems.append("a visitor was admitted twice")
    if sorted(t.visitor_token for t in tokens) != sorted(admitted):
        problems.append("the tokens stored are not the admissions made")
    if len({t.token for t in tokens}) != len(tokens):
        problems.append("two visitors hold the same token")
    # Every visitor in exactly one state, consistent with its token.
    enqueued = {token for token, _, _ in outcome.enqueued}
    if set(entries) != enqueued:
        problems.append(f"{len(set(entries) ^ enqueued)} visitors lost or unexpected")
    with_token = {t.visitor_token: t for t in tokens}
    for visitor, entry in entries.items():
        has = visitor in with_token
        if entry.status == "waiting" and has:
            problems.append(f"{visitor} is waiting but holds a token")
        if entry.status in {"admitted", "purchased"} and not has:
            problems.append(f"{visitor} is {entry.status} without a token")
        if entry.status == "purchased" and with_token[visitor].status != "used":
            problems.append(f"{visitor} purchased with an unused token")
    problems.extend(_fifo_violations(outcome, entries, set(with_token)))
    return problems


def _fifo_violations(
    outcome: Outcome, entries: dict[str, models.Visitor], admitted: set[str]
) -> list[str]:
    """FIFO within each tier: no visitor was admitted while one of its tier that arrived
    earlier, and was already in the queue when the admitter read its head, still waits.

    Arrival numbers are handed out before the enqueue requests race each other, so a visitor
    whose enqueue had not returned when the head was read could not have been chosen; it is
    owed nothing by that admission (the table's index is read strongly on the engines the
    tests use, so an enqueue that had returned is visible to a later read).
    """
    tiers = {token: (tier, arrival) for token, tier, arrival in outcome.enqueued}
    waiting = [v for v, e in entries.items() if e.status == "waiting" and v in tiers]
    problems: list[str] = []
    for visitor in sorted(admitted & set(tiers), key=lambda v: tiers[v]):
        tier, arrival = tiers[visitor]
        read = outcome.head_read_at.get(visitor)
        if read is None:
            continue  # admitted outside this run's admitters: nothing to compare with
        passed = [
            tiers[w][1]
            for w in waiting
            if tiers[w][0] == tier
            and tiers[w][1] < arrival
            and outcome.enqueued_at.get(w, float("inf")) < read
        ]
        if passed:
            problems.append(
                f"tier {tier}: arrival {arrival} admitted while arrival {min(passed)},"
                " already queued when the head was read, still waits"
            )
    return problems


# ---------------------------------------------------------------------------------------------
# The command


@contextmanager
def _engine(endpoint_url: str | None) -> Iterator[str]:
    if endpoint_url is not None:
        refusal = endpoint_refusal(endpoint_url, allow_aws=False, flag="(not available)")
        if refusal is not None:
            raise SystemExit(f"simulate.py runs on a loopback engine only: {refusal}")
        yield endpoint_url
        return
    with DynamoDBLocal() as engine:
        yield engine.endpoint_url


def _chart(outcome: Outcome, path: Path) -> None:
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")
    from matplotlib import pyplot  # noqa: PLC0415

    times = [t for t, _, _ in outcome.timeline]
    figure, queue_axis = pyplot.subplots(figsize=(9, 4.5))
    queue_axis.plot(
        times, [q for _, q, _ in outcome.timeline], color="tab:blue", label="queue length"
    )
    queue_axis.set_xlabel("seconds")
    queue_axis.set_ylabel("visitors waiting", color="tab:blue")
    admitted_axis = queue_axis.twinx()
    admitted_axis.plot(
        times, [a for _, _, a in outcome.timeline], color="tab:orange", label="admitted"
    )
    admitted_axis.set_ylabel("admitted (cumulative)", color="tab:orange")
    settings = outcome.settings
    queue_axis.set_title(
        f"{settings.visitors:,} visitors, {settings.tickets:,} tickets, {settings.workers} workers,"
        f" {settings.per_minute}/minute (1 minute = {settings.seconds_per_minute:g} s)"
    )
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    pyplot.close(figure)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    defaults = Settings()
    parser.add_argument("--visitors", type=int, default=defaults.visitors)
    parser.add_argument("--tickets", type=int, default=defaults.tickets)
    parser.add_argument("--workers", type=int, default=defaults.workers)
    parser.add_argument("--per-minute", type=int, default=defaults.per_minute)
    parser.add_argument("--seconds-per-minute", type=float, default=defaults.seconds_per_minute)
    parser.add_argument("--time-bound", type=float, default=defaults.time_bound)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--endpoint-url", default=None, help="a loopback engine already running")
    parser.add_argument("--chart", type=Path, default=Path("waiting_room.png"))
    args = parser.parse_args(argv)
    settings = Settings(
        visitors=args.visitors,
        tickets=args.tickets,
        workers=args.workers,
        per_minute=args.per_minute,
        seconds_per_minute=args.seconds_per_minute,
        time_bound=args.time_bound,
        seed=args.seed,
    )
    for name, value in {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}.items():
        os.environ.setdefault(name, value)
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

    from rich.console import Console  # noqa: PLC0415
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    console = Console()
    with (
        _engine(args.endpoint_url) as endpoint,
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed:,}/{task.total:,}"),
            TimeElapsedColumn(),
            console=console,
        ) as bars,
    ):
        queued = bars.add_task("enqueued", total=settings.visitors)
        sold = bars.add_task("admitted", total=settings.tickets)

        def show(enqueued: int, admitted: int) -> None:
            bars.update(queued, completed=enqueued)
            bars.update(sold, completed=admitted)

        outcome = simulate(endpoint, settings, show)
        show(len(outcome.enqueued), len(outcome.admitted))
    table = Table(title="waiting room simulation", show_header=False)
    table.add_row("stopped by", outcome.stopped_by)
    table.add_row("seconds", f"{outcome.seconds:.1f}")
    table.add_row("visitors enqueued", f"{len(outcome.enqueued):,}")
    table.add_row("admitted", f"{len(outcome.admitted):,} of {settings.tickets:,} tickets")
    table.add_row("admissions per second", f"{outcome.admissions_per_second:.1f}")
    table.add_row("transaction conflicts retried", f"{outcome.conflicts:,}")
    table.add_row("admissions deferred (minute full)", f"{outcome.minute_full:,}")
    table.add_row(
        "final states", ", ".join(f"{k} {v:,}" for k, v in sorted(outcome.final_states.items()))
    )
    table.add_row(
        "invariants", "all hold" if not outcome.violations else "; ".join(outcome.violations)
    )
    console.print(table)
    _chart(outcome, args.chart)
    console.print(f"chart: {args.chart}")
    return 0 if not outcome.violations else 1


if __name__ == "__main__":
    raise SystemExit(main())
