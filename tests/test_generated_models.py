"""Generated models against real engines: moto in-process and DynamoDB Local.

Every test runs on both engines. Values are hostile on purpose: delimiters and the escape
character inside IDs, IDs that are prefixes of other IDs, decomposed Unicode, maximum lengths.
"""

from __future__ import annotations

import datetime as dt
import itertools
import unicodedata
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
import yaml
from botocore.client import BaseClient
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from tablemodel.api import load
from tablemodel.design import build_design
from tablemodel.runtime.chunks import VacuumRefusedError
from tablemodel.runtime.errors import (
    BatchWriteError,
    InvalidCursorError,
    ItemExistsError,
    ItemNotFoundError,
    PartialItemError,
    UnexpectedItemError,
    UnsupportedWriteError,
    VersionConflictError,
    VersionUnknownError,
)
from tablemodel.runtime.keys import KeyValueError
from tablemodel.runtime.model import TableItem
from tablemodel.runtime.query import QueryTrace
from tablemodel.runtime.values import AttributeValueError
from tests.generated import (
    ALLEYCAT,
    BOX_OFFICE,
    LEADERBOARD,
    deploy,
    generate_and_import,
    import_path,
)

pytestmark = pytest.mark.engine

NOW = dt.datetime(2026, 11, 23, 17, 0, 0, 123456, tzinfo=dt.UTC)


@pytest.fixture
def alleycat(endpoint: str | None) -> Iterator[ModuleType]:
    """The committed examples/alleycat/models.py, on a fresh table."""
    yield from deploy(import_path(ALLEYCAT / "models.py"), endpoint)


@pytest.fixture
def box_office(endpoint: str | None, tmp_path: Path) -> Iterator[ModuleType]:
    yield from deploy(generate_and_import(BOX_OFFICE, tmp_path), endpoint)


def _client(endpoint: str | None) -> Any:
    return boto3.client("dynamodb", endpoint_url=endpoint)


def _table_name(models: ModuleType) -> str:
    name: str = models.ENTITIES[0].Meta.table_name
    return name


# ---------------------------------------------------------------------------------------------
# create_table


def test_create_table_builds_what_the_model_declares(
    box_office: ModuleType, endpoint: str | None
) -> None:
    client = _client(endpoint)
    table = client.describe_table(TableName=_table_name(box_office))["Table"]
    assert {k["AttributeName"]: k["KeyType"] for k in table["KeySchema"]} == {
        "PK": "HASH",
        "SK": "RANGE",
    }
    types = {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]}
    assert types == {"PK": "S", "SK": "S", "LSI1SK": "N", "GSI1PK": "S", "GSI1SK": "S"}
    (lsi,) = table["LocalSecondaryIndexes"]
    assert lsi["IndexName"] == "by_price"
    assert lsi["Projection"]["ProjectionType"] == "ALL"
    (gsi,) = table["GlobalSecondaryIndexes"]
    assert gsi["IndexName"] == "by_holder"
    assert gsi["Projection"]["ProjectionType"] == "INCLUDE"
    assert gsi["Projection"]["NonKeyAttributes"] == ["kind"]
    assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 5
    ttl = client.describe_time_to_live(TableName=_table_name(box_office))
    assert ttl["TimeToLiveDescription"]["AttributeName"] == "expires_at"


def test_alleycat_table_has_its_indexes_billing_and_stream(
    alleycat: ModuleType, endpoint: str | None
) -> None:
    table = _client(endpoint).describe_table(TableName=_table_name(alleycat))["Table"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["StreamSpecification"] == {
        "StreamEnabled": True,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    (gsi,) = table["GlobalSecondaryIndexes"]
    assert {k["AttributeName"] for k in gsi["KeySchema"]} == {"SK", "Numeric"}
    assert sorted(gsi["Projection"]["NonKeyAttributes"]) == sorted(
        ["entity_type", "racer_id", "race_id", "class_id", "output"]
    )
    (lsi,) = table["LocalSecondaryIndexes"]
    assert {k["AttributeName"] for k in lsi["KeySchema"]} == {"PK", "Numeric"}


# ---------------------------------------------------------------------------------------------
# Round trips of every entity

HOSTILE_IDS = [
    "1",
    "10",
    "1#lap_2",
    "back\\slash#",
    "#",
    "\\",
    "e\u0301te",  # decomposed: stored as NFC "été"
    "Ünïcode-✓",
    "x" * 36,
]


def _alleycat_items(models: ModuleType) -> list[Any]:
    items: list[Any] = []
    for n, (racer, race) in enumerate(itertools.pairwise(HOSTILE_IDS)):
        items += [
            models.Racer(racer_id=racer, name=f"Racer {n} ✓"),
            models.RacerRace(
                racer_id=racer,
                race_id=race,
                class_id=race,
                output=Decimal(n) / 7,
                results="[1, 2, 3]",
            ),
            models.RaceResult(race_id=race, racer_id=racer, output=n * 1000, ts=n),
            models.ClassRace(class_id=racer, race_id=race, started_at=n),
            models.ClassBest(class_id=racer, racer_id=race, best_output=Decimal("1e-5")),
        ]
    return items


def _attributes(item: Any) -> dict[str, Any]:
    spec = type(item)._spec
    return {name: getattr(item, spec.py(name)) for name in spec.rules}


def _key_values(item: Any) -> dict[str, Any]:
    spec = type(item)._spec
    return {spec.py(n): getattr(item, spec.py(n)) for n in spec.primary_sources}


def test_every_alleycat_entity_round_trips(alleycat: ModuleType) -> None:
    items = _alleycat_items(alleycat)
    for item in items:
        item.create()
    for item in items:
        stored = type(item).fetch(**_key_values(item), consistent_read=True)
        assert type(stored) is type(item)
        assert _attributes(stored) == _attributes(item)
        assert stored.PK == item.PK
        assert stored.SK == item.SK


def test_strings_are_stored_nfc_and_never_case_folded(alleycat: ModuleType) -> None:
    first = alleycat.Racer(racer_id="e\u0301te", name="A")
    first.create()
    assert first.racer_id == unicodedata.normalize("NFC", "e\u0301te")
    alleycat.Racer(racer_id="\u00c9TE", name="B").create()  # another key: no case folding
    assert alleycat.Racer.fetch(racer_id="\u00e9te").name == "A"
    assert alleycat.Racer.fetch(racer_id="\u00c9TE").name == "B"
    assert alleycat.Racer.fetch(racer_id="\u00c9te") is None


def _ticket(models: ModuleType, seq: int, **changes: Any) -> Any:
    values: dict[str, Any] = {
        "event_id": "gig-1",
        "seq": seq,
        "class_": "vip" if seq % 2 else "standard",
        "price": Decimal(seq) + Decimal("0.5"),
        "issued_at": NOW + dt.timedelta(seconds=seq),
        "from_": dt.date(2026, 12, 1),
        "active": True,
        "holder": "ann#1" if seq < 5 else None,
        "tags": {"a", "b#c"},
        "scores": {Decimal("1.5"), Decimal(-2)},
        "blob": bytes(range(256)),
        "notes": ["x", 1, {"deep": [Decimal("2.25")]}],
        "meta": {"k": "v", "n": Decimal(3)},
        "expires_at": 1_900_000_000,
    }
    values.update(changes)
    return models.Ticket(**values)


def test_every_box_office_attribute_type_round_trips(box_office: ModuleType) -> None:
    ticket = _ticket(box_office, 7)
    ticket.create()
    assert ticket.version == 1
    stored = box_office.Ticket.fetch(event_id="gig-1", seq=7, consistent_read=True)
    assert _attributes(stored) == _attributes(ticket)
    assert stored.SK == "ticket-0007"
    assert stored.GSI1SK == "issued-2026-11-23T17:00:07.123456Z"
    event = box_office.Event(event_id="gig-1", name="Gig", starts_on=dt.date(2026, 12, 1))
    event.create()
    assert box_office.Event.fetch(event_id="gig-1").starts_on == dt.date(2026, 12, 1)


def test_create_refuses_a_taken_key_and_keeps_the_stored_item(alleycat: ModuleType) -> None:
    alleycat.Racer(racer_id="r1", name="first").create()
    with pytest.raises(ItemExistsError, match=r"Racer: an item with key .*racer-r1"):
        alleycat.Racer(racer_id="r1", name="second").create()
    assert alleycat.Racer.fetch(racer_id="r1").name == "first"
    alleycat.Racer(racer_id="r1", name="third").put()
    assert alleycat.Racer.fetch(racer_id="r1").name == "third"


def test_invalid_values_fail_before_any_request(alleycat: ModuleType) -> None:
    with pytest.raises(KeyValueError, match="racer_id is empty"):
        alleycat.Racer(racer_id="", name="x")
    with pytest.raises(AttributeValueError, match="over its max_length of 36"):
        alleycat.Racer(racer_id="x" * 37, name="x")
    with pytest.raises(AttributeValueError, match="below its minimum 0"):
        alleycat.RaceResult(race_id="r", racer_id="x", output=-1, ts=1)
    with pytest.raises(AttributeValueError, match="is required"):
        alleycat.Racer(racer_id="x")
    with pytest.raises(AttributeValueError, match="not an attribute of Racer"):
        alleycat.Racer(racer_id="x", name="y", nickname="z")


def test_modify_changes_attributes_and_the_index_keys_built_from_them(
    box_office: ModuleType,
) -> None:
    ticket = _ticket(box_office, 3)
    ticket.create()
    ticket.modify(price=Decimal("99.5"), tags=set())
    stored = box_office.Ticket.fetch(event_id="gig-1", seq=3, consistent_read=True)
    assert stored.price == Decimal("99.5")
    assert Decimal("99.5") == stored.LSI1SK
    assert stored.tags == set()
    assert [t.seq for t in box_office.tickets_by_price("gig-1", 99, 100)] == [3]
    assert [t.seq for t in box_office.tickets_by_holder("ann#1")] == [3]
    # Removing the optional holder takes the item out of the sparse GSI.
    stored.modify(holder=None)
    again = box_office.Ticket.fetch(event_id="gig-1", seq=3, consistent_read=True)
    assert again.holder is None
    assert again.GSI1PK is None
    assert again.version == 3
    assert list(box_office.tickets_by_holder("ann#1")) == []


def test_modify_refuses_key_attributes_and_missing_items(box_office: ModuleType) -> None:
    ticket = _ticket(box_office, 4)
    with pytest.raises(ItemNotFoundError):
        ticket.modify(price=1)
    assert box_office.Ticket.fetch(event_id="gig-1", seq=4, consistent_read=True) is None
    ticket.create()
    with pytest.raises(AttributeValueError, match="feeds the table key"):
        box_office._entities.modify(ticket, ticket._spec, {"seq": 5})


def test_optimistic_locking_on_put_modify_and_delete(box_office: ModuleType) -> None:
    _ticket(box_office, 1).create()
    mine = box_office.Ticket.fetch(event_id="gig-1", seq=1, consistent_read=True)
    theirs = box_office.Ticket.fetch(event_id="gig-1", seq=1, consistent_read=True)
    mine.modify(price=5)
    with pytest.raises(VersionConflictError, match="changed since version 1"):
        theirs.put()
    with pytest.raises(VersionConflictError):
        theirs.modify(price=6)
    with pytest.raises(VersionConflictError):
        theirs.delete()
    stored = box_office.Ticket.fetch(event_id="gig-1", seq=1, consistent_read=True)
    assert stored.price == 5
    assert stored.version == 2
    mine.delete()
    assert box_office.Ticket.fetch(event_id="gig-1", seq=1, consistent_read=True) is None


# ---------------------------------------------------------------------------------------------
# Access patterns


def _load_alleycat(models: ModuleType) -> None:
    models.batch_write(_alleycat_items(models))


def test_alleycat_patterns_return_exactly_their_items(alleycat: ModuleType) -> None:
    _load_alleycat(alleycat)
    # racer "1" is a prefix of racer "10" and of "1#lap_2": neither may leak in.
    assert [r.race_id for r in alleycat.results_by_racer("1")] == ["10"]
    assert [r.racer_id for r in alleycat.results_by_racer("1#lap_2")] == ["1#lap_2"]
    assert [r.racer_id for r in alleycat.racer_profile("10")] == ["10"]
    assert [c.race_id for c in alleycat.races_by_class("1")] == ["10"]
    assert [b.racer_id for b in alleycat.best_by_class("10")] == ["1#lap_2"]
    assert [(r.racer_id, r.race_id) for r in alleycat.top_scores_by_race("10")] == [("1", "10")]
    assert [r.results for r in alleycat.performance_in_race("1", "10")] == ["[1, 2, 3]"]


def test_order_limit_and_pages(alleycat: ModuleType) -> None:
    alleycat.batch_write(
        alleycat.RaceResult(race_id="final", racer_id=f"r{n}", output=(n * 37) % 101, ts=n)
        for n in range(30)
    )
    outputs = sorted(((n * 37) % 101 for n in range(30)), reverse=True)
    board = [r.output for r in alleycat.race_leaderboard("final")]
    assert board == outputs[:10]
    assert [r.output for r in alleycat.race_leaderboard("final", limit=None)] == outputs
    assert [r.output for r in alleycat.race_leaderboard("final", descending=False, limit=3)] == (
        sorted(outputs)[:3]
    )
    trace = QueryTrace()
    paged = list(alleycat.race_leaderboard("final", limit=None, page_size=4, trace=trace))
    assert [r.output for r in paged] == outputs
    assert len(trace.pages) >= 8
    assert trace.items_returned == 30


def test_page_cursors_walk_the_whole_result_once(alleycat: ModuleType) -> None:
    alleycat.batch_write(
        alleycat.RaceResult(race_id="final", racer_id=f"r{n:02d}", output=n, ts=n)
        for n in range(23)
    )
    seen: list[str] = []
    page = alleycat.race_leaderboard_page("final", page_size=4, limit=None)
    pages = 1
    seen += [r.racer_id for r in page.items]
    while page.cursor is not None:
        page = alleycat.race_leaderboard_page("final", page_size=4, limit=None, cursor=page.cursor)
        seen += [r.racer_id for r in page.items]
        pages += 1
    assert seen == [f"r{n:02d}" for n in reversed(range(23))]
    assert pages >= 6
    # The pattern's own limit (10) holds across pages too.
    limited: list[str] = []
    page = alleycat.race_leaderboard_page("final", page_size=4)
    limited += [r.racer_id for r in page.items]
    while page.cursor is not None:
        page = alleycat.race_leaderboard_page("final", page_size=4, cursor=page.cursor)
        limited += [r.racer_id for r in page.items]
    assert limited == seen[:10]


def test_cursors_are_bound_to_their_query_and_can_be_signed(alleycat: ModuleType) -> None:
    alleycat.batch_write(
        alleycat.RaceResult(race_id=race, racer_id=f"r{n}", output=n, ts=n)
        for race in ("a", "b")
        for n in range(6)
    )
    cursor = alleycat.race_leaderboard_page("a", page_size=2).cursor
    assert cursor is not None
    with pytest.raises(InvalidCursorError, match="another query"):
        alleycat.race_leaderboard_page("b", page_size=2, cursor=cursor)
    with pytest.raises(InvalidCursorError, match="another query"):
        alleycat.race_leaderboard_page("a", page_size=2, cursor=cursor, descending=False)
    with pytest.raises(InvalidCursorError):
        alleycat.race_leaderboard_page("a", page_size=2, cursor=cursor[:-3] + "AAA")
    with pytest.raises(InvalidCursorError):
        alleycat.race_leaderboard_page("a", page_size=2, cursor="not a cursor")
    alleycat.configure(table_name=_table_name(alleycat), cursor_secret="s3cret")
    signed = alleycat.race_leaderboard_page("a", page_size=2).cursor
    assert signed is not None
    assert len(alleycat.race_leaderboard_page("a", page_size=2, cursor=signed).items) == 2
    with pytest.raises(InvalidCursorError, match="signature"):
        alleycat.race_leaderboard_page("a", page_size=2, cursor=cursor)


def test_index_reads_decode_unprojected_attributes_from_keys(box_office: ModuleType) -> None:
    for seq in range(6):
        _ticket(box_office, seq).create()
    tickets = list(box_office.tickets_by_holder("ann#1"))
    # The GSI projects only `kind`; the rest of each key's parts come back decoded.
    assert [t.seq for t in tickets] == [4, 3, 2, 1, 0]
    assert {t.event_id for t in tickets} == {"gig-1"}
    assert tickets[0].issued_at == NOW + dt.timedelta(seconds=4)
    assert tickets[0].holder == "ann#1"
    assert tickets[0].price is None  # not projected and not in a key: honestly absent


def test_a_partial_read_refuses_writes_that_would_erase_what_it_lacks(
    alleycat: ModuleType,
) -> None:
    alleycat.RacerRace(
        racer_id="r1", race_id="x", class_id="c", output=7, results="[1, 2]"
    ).create()
    (partial,) = alleycat.top_scores_by_race("x")  # the GSI does not project `results`
    assert [partial.results] == [None]  # (a list: mypy would narrow the type for good)
    for write in (partial.put, partial.create, lambda: alleycat.batch_write([partial])):
        with pytest.raises(PartialItemError, match=r"did not return results; fetch\(\)"):
            write()
    stored = alleycat.RacerRace.fetch(racer_id="r1", race_id="x")
    assert (stored.results, stored.output) == ("[1, 2]", 7)
    # modify needs only what the read returned (output feeds the Numeric keys): allowed, and
    # UpdateItem hands back the whole item, so the instance is complete afterwards.
    partial.modify(output=9)
    assert (partial.results, partial.output) == ("[1, 2]", 9)
    partial.put()
    stored = alleycat.RacerRace.fetch(racer_id="r1", race_id="x")
    assert (stored.results, stored.output) == ("[1, 2]", 9)
    (again,) = alleycat.top_scores_by_race("x")
    again.refresh()  # GetItem: the whole item, so writes are allowed again
    assert again.results == "[1, 2]"
    again.put()


def test_an_lsi_pattern_fetches_what_the_lsi_does_not_project(
    tmp_path: Path, dynamodb_local: str, aws_credentials: None
) -> None:
    """DynamoDB (and DynamoDB Local) fetch whole items through an LSI when asked; moto does
    not, which is why this runs on DynamoDB Local only."""
    data = yaml.safe_load((ALLEYCAT / "tablemodel.yaml").read_text(encoding="utf-8"))
    data["table"]["local_indexes"][0]["projection"] = "keys_only"
    model = tmp_path / "keys_only.yaml"
    model.write_text(yaml.safe_dump(data), encoding="utf-8")
    models = generate_and_import(model, tmp_path)
    assert "whole_items=True" in (tmp_path / "models.py").read_text(encoding="utf-8")
    deployed = deploy(models, dynamodb_local)
    next(deployed)
    try:
        models.RaceResult(race_id="r", racer_id="a", output=5, ts=123).create()
        (row,) = models.race_leaderboard("r")
        assert (row.racer_id, row.output, row.ts) == ("a", 5, 123)
        row.put()  # a whole item: nothing is missing, so nothing is refused
    finally:
        next(deployed, None)  # deletes the table


def test_a_partial_read_of_a_versioned_entity_cannot_modify_or_delete(
    box_office: ModuleType,
) -> None:
    _ticket(box_office, 1).create()
    (ticket,) = box_office.tickets_by_holder("ann#1")
    for write in (ticket.put, lambda: ticket.modify(active=False), ticket.delete):
        with pytest.raises(PartialItemError, match="version"):
            write()
    stored = box_office.Ticket.fetch(event_id="gig-1", seq=1)
    assert stored.active is True
    assert stored.price == Decimal("1.5")


def test_filters_between_and_descending_patterns(box_office: ModuleType) -> None:
    for seq in range(10):
        _ticket(box_office, seq, holder=None).create()
    assert [t.seq for t in box_office.tickets_for_event("gig-1", "vip")] == [1, 3, 5, 7, 9]
    assert [t.seq for t in box_office.tickets_between("gig-1", 2, 4)] == [2, 3, 4]
    prices = [t.price for t in box_office.tickets_by_price("gig-1", Decimal(3), 6.5)]
    assert prices == [Decimal("6.5"), Decimal("5.5"), Decimal("4.5"), Decimal("3.5")]


def test_an_item_of_another_type_is_refused_not_returned(
    alleycat: ModuleType, endpoint: str | None
) -> None:
    alleycat.RacerRace(racer_id="r1", race_id="x", class_id="c", output=1, results="").create()
    _client(endpoint).put_item(
        TableName=_table_name(alleycat),
        Item={"PK": {"S": "racer-r1"}, "SK": {"S": "race-y"}, "entity_type": {"S": "Racer"}},
    )
    with pytest.raises(UnexpectedItemError, match=r"'Racer' at key .*race-y.*expected RacerRace"):
        list(alleycat.results_by_racer("r1"))


# ---------------------------------------------------------------------------------------------
# Batches


def test_batch_write_splits_into_25s_and_writes_every_item(alleycat: ModuleType) -> None:
    stats = alleycat.batch_write(
        alleycat.RaceResult(race_id="big", racer_id=f"r{n}", output=n, ts=n) for n in range(60)
    )
    assert stats.requests == 3
    assert stats.retries == 0
    assert len(list(alleycat.race_leaderboard("big", limit=None))) == 60
    stats = alleycat.batch_write(deletes=list(alleycat.race_leaderboard("big", limit=None)))
    assert stats.requests == 3
    assert list(alleycat.race_leaderboard("big", limit=None)) == []


def test_batch_write_backs_off_on_unprocessed_items(
    alleycat: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    connection = alleycat.AlleycatItem._get_connection()
    real = connection.batch_write_item
    calls: list[int] = []

    def throttled(**kwargs: Any) -> Any:
        calls.append(len(kwargs.get("put_items") or []))
        if len(calls) <= 2:  # hand half of the items back twice, as a throttled table does
            puts = kwargs["put_items"]
            real(put_items=puts[: len(puts) // 2])
            left = [{"PutRequest": {"Item": item}} for item in puts[len(puts) // 2 :]]
            return {"UnprocessedItems": {_table_name(alleycat): left}}
        return real(**kwargs)

    monkeypatch.setattr(connection, "batch_write_item", throttled)
    waits: list[float] = []
    stats = alleycat.batch_write(
        [alleycat.RaceResult(race_id="b", racer_id=f"r{n}", output=n, ts=n) for n in range(20)],
        sleep=waits.append,
        rng=lambda: 1.0,
        base_delay=0.1,
    )
    assert calls == [20, 10, 5]
    assert waits == [0.2, 0.4]  # full jitter at its maximum: base * 2**attempt
    assert stats.retries == 2
    assert len(list(alleycat.race_leaderboard("b", limit=None))) == 20

    monkeypatch.setattr(
        connection,
        "batch_write_item",
        lambda **kw: {
            "UnprocessedItems": {
                _table_name(alleycat): [{"PutRequest": {"Item": i}} for i in kw["put_items"]]
            }
        },
    )
    with pytest.raises(BatchWriteError, match=r"1 item\(s\) still unprocessed after 3"):
        alleycat.batch_write(
            [alleycat.RaceResult(race_id="c", racer_id="x", output=1, ts=1)],
            max_attempts=3,
            sleep=waits.append,
        )


def test_batch_write_refuses_versioned_entities_and_duplicate_keys(
    box_office: ModuleType, alleycat: ModuleType
) -> None:
    with pytest.raises(TypeError, match="version attribute"):
        box_office.batch_write([_ticket(box_office, 1)])
    racer = alleycat.Racer(racer_id="same", name="a")
    with pytest.raises(ValueError, match="two writes to the key"):
        alleycat.batch_write([racer, alleycat.Racer(racer_id="same", name="b")])


# ---------------------------------------------------------------------------------------------
# Chunked records (examples/alleycat/hour_race.yaml)

HOUR_RACE = ALLEYCAT / "hour_race.yaml"


@pytest.fixture
def hour_race(endpoint: str | None, tmp_path: Path) -> Iterator[ModuleType]:
    models = generate_and_import(HOUR_RACE, tmp_path)
    # moto refuses items above 405,000 bytes by its own measure; DynamoDB Local takes 409,600.
    models.configure(chunk_budget=350_000 if endpoint is None else None)
    yield from deploy(models, endpoint)


def _points(count: int) -> list[list[Decimal]]:
    return [[Decimal(i), Decimal(i % 400) / 10, Decimal(90 + i % 7)] for i in range(count)]


def test_a_chunked_record_round_trips_with_optimistic_locking(
    hour_race: ModuleType, endpoint: str | None
) -> None:
    points = _points(30_000)  # about 0.9 MB as JSON: several chunk items
    hour_race.RaceTelemetry(race_id="r1", racer_id="a#1", seconds=3600, points=points).create()
    with pytest.raises(ItemExistsError):
        hour_race.RaceTelemetry(race_id="r1", racer_id="a#1", seconds=1, points=[]).create()
    mine = hour_race.RaceTelemetry.fetch(race_id="r1", racer_id="a#1")
    theirs = hour_race.RaceTelemetry.fetch(race_id="r1", racer_id="a#1")
    assert mine.points == points
    assert mine.seconds == 3600
    mine.points = points[:10]  # a record that shrinks never reads its old tail
    mine.put()
    with pytest.raises(VersionConflictError):
        theirs.put()
    assert hour_race.RaceTelemetry.fetch(race_id="r1", racer_id="a#1").points == points[:10]
    heads = list(hour_race.telemetry_of_race("r1"))
    assert [(h.racer_id, h.points) for h in heads] == [("a#1", None)]
    with pytest.raises(PartialItemError, match="did not return points"):
        heads[0].put()  # a Query never reads a record's payload: writing it back would erase it
    heads[0].refresh()  # reads the head again, not the chunks
    with pytest.raises(PartialItemError, match="did not return points"):
        heads[0].put()
    client = _client(endpoint)
    items = client.query(
        TableName=_table_name(hour_race),
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": "race-r1"}},
        ConsistentRead=True,
    )["Items"]
    chunk_keys = [i["SK"]["S"] for i in items if i["SK"]["S"].startswith("~chunk#")]
    assert len(chunk_keys) == 1  # the old write's chunks are gone
    mine.delete()
    assert hour_race.RaceTelemetry.fetch(race_id="r1", racer_id="a#1") is None


def test_chunked_entities_refuse_batches_and_partial_updates(hour_race: ModuleType) -> None:
    record = hour_race.RaceTelemetry(race_id="r", racer_id="x", seconds=1, points=[])
    with pytest.raises(TypeError, match="chunked"):
        hour_race.batch_write([record])
    assert not hasattr(hour_race.RaceTelemetry, "modify")
    with pytest.raises(TypeError, match="chunked"):
        hour_race._entities.modify(record, record._spec, {"seconds": 2})


def test_vacuum_removes_orphan_chunks_and_keeps_current_ones(
    hour_race: ModuleType, endpoint: str | None
) -> None:
    from click.testing import CliRunner  # noqa: PLC0415

    from tablemodel.cli.main import cli  # noqa: PLC0415

    hour_race.RaceTelemetry(race_id="r1", racer_id="a", seconds=1, points=_points(20_000)).create()
    table = _table_name(hour_race)
    client = _client(endpoint)
    orphan = {
        "PK": {"S": "race-r1"},
        "SK": {"S": "~chunk#telemetry#a#0123456789abcdef#000000"},
        "~d": {"B": b"left by a writer that died"},
        "~t": {"N": "1000"},
    }
    client.put_item(TableName=table, Item=orphan)
    args = ["vacuum", str(HOUR_RACE), "--table-name", table, "--grace-seconds", "0"]
    # Without an endpoint, vacuum goes to AWS (moto here, in-process), which needs --allow-aws.
    args += ["--endpoint-url", endpoint] if endpoint is not None else ["--allow-aws"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "1 deleted" in result.output
    left = client.get_item(TableName=table, Key={"PK": orphan["PK"], "SK": orphan["SK"]})
    assert "Item" not in left
    stored = hour_race.RaceTelemetry.fetch(race_id="r1", racer_id="a")
    assert stored.points == _points(20_000)


def test_chunked_records_follow_the_tables_own_key_names(
    endpoint: str | None, tmp_path: Path
) -> None:
    text = HOUR_RACE.read_text(encoding="utf-8")
    text = text.replace("{name: PK, type: S}", "{name: pk, type: S}")
    text = text.replace("{name: SK, type: S}", "{name: sk, type: S}")
    text = text.replace('PK: "race-', 'pk: "race-').replace('SK: "result#', 'sk: "result#')
    text = text.replace('SK: "telemetry#', 'sk: "telemetry#').replace("{PK:", "{pk:")
    text = text.replace(", SK: {", ", sk: {")
    model = tmp_path / "lower.yaml"
    model.write_text(text, encoding="utf-8")
    models = generate_and_import(model, tmp_path)
    models.configure(chunk_budget=350_000 if endpoint is None else None)
    for deployed in deploy(models, endpoint):
        points = _points(15_000)
        deployed.RaceTelemetry(race_id="r", racer_id="x", seconds=1, points=points).create()
        stored = deployed.RaceTelemetry.fetch(race_id="r", racer_id="x")
        assert stored.points == points
        chunk = _client(endpoint).query(
            TableName=_table_name(deployed),
            KeyConditionExpression="pk = :pk AND begins_with(sk, :c)",
            ExpressionAttributeValues={":pk": {"S": "race-r"}, ":c": {"S": "~chunk#"}},
        )["Items"]
        assert chunk
        assert set(chunk[0]) == {"pk", "sk", "~d", "~t"}


# ---------------------------------------------------------------------------------------------
# Deleting chunked records, and PynamoDB's own writes (tablemodel.runtime.model.TableItem)


class Requests:
    """Counts every request any botocore client sends (PynamoDB's and the chunk store's)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.operations: list[str] = []
        send = BaseClient._make_api_call

        def counted(client: Any, operation: str, params: Any) -> Any:
            self.operations.append(operation)
            return send(client, operation, params)

        monkeypatch.setattr(BaseClient, "_make_api_call", counted)

    def since(self, start: int) -> list[str]:
        return self.operations[start:]


@pytest.fixture
def requests(monkeypatch: pytest.MonkeyPatch) -> Requests:
    return Requests(monkeypatch)


def _record_items(models: ModuleType, race_id: str, racer_id: str) -> list[dict[str, Any]]:
    """Every item of one telemetry record: its head, its chunks and any intent item."""
    head = f"telemetry#{racer_id}"
    items: list[dict[str, Any]] = []
    request: dict[str, Any] = {
        "TableName": _table_name(models),
        "KeyConditionExpression": "PK = :pk",
        "ExpressionAttributeValues": {":pk": {"S": f"race-{race_id}"}},
        "ConsistentRead": True,
    }
    client = models.ENTITIES[0]._get_connection().connection.client  # the engine's own client
    while True:
        page = client.query(**request)
        items += [
            item
            for item in page["Items"]
            if item["SK"]["S"] == head or item["SK"]["S"].startswith(f"~chunk#{head}#")
        ]
        if not page.get("LastEvaluatedKey"):
            return items
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _assert_whole(models: ModuleType, race_id: str, racer_id: str, points: Any) -> None:
    """The record reads back as written, and its partition holds its head and exactly the
    chunks the head's manifest counts."""
    stored = models.RaceTelemetry.fetch(race_id=race_id, racer_id=racer_id)
    assert stored is not None
    assert stored.points == points
    items = _record_items(models, race_id, racer_id)
    (head,) = [item for item in items if not item["SK"]["S"].startswith("~chunk#")]
    assert len(items) == 1 + int(head["~chunks"]["N"])


def test_delete_of_a_fetched_chunked_record_leaves_no_item_of_it(hour_race: ModuleType) -> None:
    """RaceTelemetry has no version attribute: its delete() used to be PynamoDB's, which
    removed the head alone and left every chunk behind."""
    points = _points(30_000)  # several chunk items
    hour_race.RaceTelemetry(race_id="r1", racer_id="a", seconds=1, points=points).create()
    hour_race.RaceTelemetry(race_id="r1", racer_id="ab", seconds=1, points=points[:5]).create()
    assert len(_record_items(hour_race, "r1", "a")) >= 3  # the head and two chunks
    stored = hour_race.RaceTelemetry.fetch(race_id="r1", racer_id="a")
    stored.delete()
    assert _record_items(hour_race, "r1", "a") == []
    assert hour_race.RaceTelemetry.fetch(race_id="r1", racer_id="a") is None
    _assert_whole(hour_race, "r1", "ab", points[:5])  # a neighbour whose key extends it


def test_a_stale_instance_never_deletes_a_newer_record(hour_race: ModuleType) -> None:
    points = _points(20_000)
    hour_race.RaceTelemetry(race_id="r1", racer_id="a", seconds=1, points=points).create()
    stale = hour_race.RaceTelemetry.fetch(race_id="r1", racer_id="a")
    newer = hour_race.RaceTelemetry.fetch(race_id="r1", racer_id="a")
    newer.points = points[:100]
    newer.put()
    with pytest.raises(VersionConflictError, match="changed since version 1"):
        stale.delete()
    _assert_whole(hour_race, "r1", "a", points[:100])
    # Deleted and created again: the new record is at version 1 too, but another write.
    newer.delete()
    hour_race.RaceTelemetry(race_id="r1", racer_id="a", seconds=2, points=points).create()
    older = hour_race.RaceTelemetry.fetch(race_id="r1", racer_id="a")
    assert older._chunk_version == 1
    again = hour_race.RaceTelemetry.fetch(race_id="r1", racer_id="a")
    again.delete()
    hour_race.RaceTelemetry(race_id="r1", racer_id="a", seconds=3, points=points[:7]).create()
    with pytest.raises(VersionConflictError):
        older.delete()
    older.points = points[:1]
    with pytest.raises(VersionConflictError):
        older.put()
    _assert_whole(hour_race, "r1", "a", points[:7])


def test_a_queried_head_deletes_at_the_version_its_query_read(hour_race: ModuleType) -> None:
    points = _points(20_000)
    for racer in ("a", "b"):
        hour_race.RaceTelemetry(race_id="r1", racer_id=racer, seconds=1, points=points).create()
    head_a, head_b = hour_race.telemetry_of_race("r1")
    writer = hour_race.RaceTelemetry.fetch(race_id="r1", racer_id="b")
    writer.points = points[:3]
    writer.put()  # after the query read b's head
    head_a.delete()
    assert _record_items(hour_race, "r1", "a") == []
    with pytest.raises(VersionConflictError):
        head_b.delete()
    _assert_whole(hour_race, "r1", "b", points[:3])


def test_a_constructed_instance_cannot_delete_a_chunked_record(
    hour_race: ModuleType, requests: Requests
) -> None:
    points = _points(20_000)
    hour_race.RaceTelemetry(race_id="r1", racer_id="a", seconds=1, points=points).create()
    fresh = hour_race.RaceTelemetry(race_id="r1", racer_id="a", seconds=9, points=[])
    fetched = hour_race.RaceTelemetry.fetch(race_id="r1", racer_id="a")
    start = len(requests.operations)
    with pytest.raises(VersionUnknownError, match=r"fetch\(\) it and delete that"):
        fresh.delete()
    for instance in (fresh, fetched):  # never unconditionally
        with pytest.raises(UnsupportedWriteError, match="only at the version it was read at"):
            instance.delete(add_version_condition=False)
    assert requests.since(start) == []
    _assert_whole(hour_race, "r1", "a", points)


def test_save_of_a_fetched_chunked_record_raises_before_any_request(
    hour_race: ModuleType, requests: Requests
) -> None:
    """PynamoDB's save() used to replace the head without its manifest: the record then read
    as absent."""
    points = _points(20_000)
    hour_race.RaceTelemetry(race_id="r1", racer_id="a", seconds=1, points=points).create()
    stored = hour_race.RaceTelemetry.fetch(race_id="r1", racer_id="a")
    stored.seconds = 2
    start = len(requests.operations)
    with pytest.raises(UnsupportedWriteError, match=r"use put\(\) or create\(\)"):
        stored.save()
    assert requests.since(start) == []
    _assert_whole(hour_race, "r1", "a", points)
    stored.put()  # the way to write it
    assert hour_race.RaceTelemetry.fetch(race_id="r1", racer_id="a").seconds == 2


def test_pynamodb_reads_of_a_chunked_head_keep_its_version_and_lack_its_payload(
    hour_race: ModuleType,
) -> None:
    points = _points(20_000)
    hour_race.RaceTelemetry(race_id="r1", racer_id="a", seconds=1, points=points).create()
    cls = hour_race.RaceTelemetry
    reads: dict[str, Callable[[], Any]] = {
        "get": lambda: cls.get("race-r1", "telemetry#a", consistent_read=True),
        "query": lambda: next(iter(cls.query("race-r1", cls.SK == "telemetry#a"))),
        "scan": lambda: next(iter(cls.scan(cls.SK == "telemetry#a"))),
        "batch_get": lambda: next(iter(cls.batch_get([("race-r1", "telemetry#a")]))),
    }
    for name, read in reads.items():
        head = read()
        assert (head.points, head._chunk_version) == (None, 1), name
        with pytest.raises(PartialItemError, match="did not return points"):
            head.put()
    head = reads["get"]()
    head.delete()
    assert _record_items(hour_race, "r1", "a") == []


def test_refresh_of_a_chunked_record_follows_its_version(hour_race: ModuleType) -> None:
    points = _points(20_000)
    hour_race.RaceTelemetry(race_id="r1", racer_id="a", seconds=1, points=points).create()
    mine = hour_race.RaceTelemetry.fetch(race_id="r1", racer_id="a")
    mine.refresh()  # nothing changed: the payload it holds is still the record's
    mine.put()
    theirs = hour_race.RaceTelemetry.fetch(race_id="r1", racer_id="a")
    theirs.seconds = 5
    theirs.points = points[:9]
    theirs.put()
    mine.refresh(consistent_read=True)
    assert (mine.seconds, mine._chunk_version) == (5, 3)
    with pytest.raises(PartialItemError, match="did not return points"):
        mine.put()  # its points are version 2's: writing them back would undo theirs
    mine.delete()  # at the version refresh read
    assert _record_items(hour_race, "r1", "a") == []


def test_vacuum_refuses_chunk_items_of_heads_the_model_does_not_chunk(
    hour_race: ModuleType, requests: Requests
) -> None:
    hour_race.RaceTelemetry(race_id="r1", racer_id="a", seconds=1, points=_points(20)).create()
    client = hour_race.ENTITIES[0]._get_connection().connection.client
    orphan = {
        "PK": {"S": "race-r1"},
        "SK": {"S": "~chunk#telemetry#b#0123456789abcdef#000000"},
        "~d": {"B": b"left by a writer that died"},
        "~t": {"N": "1001"},
    }
    # RaceResult is not chunked: this looks like a chunk, but of no record of this model.
    foreign = {**orphan, "SK": {"S": "~chunk#result#b#0123456789abcdef#000000"}}
    for item in (orphan, foreign):
        client.put_item(TableName=_table_name(hour_race), Item=item)
    start = len(requests.operations)
    with pytest.raises(VacuumRefusedError, match="not a key of the model's chunked entities"):
        hour_race.vacuum_chunks(grace_seconds=0)
    assert set(requests.since(start)) <= {"DescribeTable", "Scan"}
    client.delete_item(
        TableName=_table_name(hour_race), Key={"PK": foreign["PK"], "SK": foreign["SK"]}
    )
    stats = hour_race.vacuum_chunks(grace_seconds=0)
    assert (stats.writes_removed, stats.chunks_deleted) == (1, 1)


# Every public member of PynamoDB's Model, by what it does. A member a new PynamoDB release
# adds fails `test_every_public_member_of_pynamodb_model_is_classified` until it is classified
# here, and a write fails the tests below until TableItem guards it and WRITES calls it.
PYNAMODB_MEMBERS = {
    # reads: whatever they build goes through from_raw_data (a chunked head keeps its version
    # and lacks its payload), refresh through tablemodel.runtime.entities.refresh
    "batch_get": "read",
    "count": "read",
    "get": "read",
    "query": "read",
    "refresh": "read",
    "scan": "read",
    # writes: TableItem follows tablemodel's protocol or raises before any request
    "batch_write": "write",
    "delete": "write",
    "get_delete_kwargs_from_instance": "write",  # TransactWrite.delete
    "get_save_kwargs_from_instance": "write",  # TransactWrite.save
    "get_update_kwargs_from_instance": "write",  # TransactWrite.update
    "save": "write",
    "update": "write",
    # the table itself
    "create_table": "table",
    "delete_table": "table",
    "describe_table": "table",
    "exists": "table",
    "update_ttl": "table",
    # no request
    "DoesNotExist": "helper",
    "deserialize": "helper",
    "from_dynamodb_dict": "helper",
    "from_raw_data": "helper",
    "from_simple_dict": "helper",
    "get_attributes": "helper",
    "get_operation_kwargs_from_class": "helper",  # TransactGet, TransactWrite.condition_check
    "serialize": "helper",
    "to_dynamodb_dict": "helper",
    "to_simple_dict": "helper",
    "update_local_version_attribute": "helper",
}


def _touch(item: Any) -> list[Any]:
    """An update action that sets the discriminator to what it is."""
    table = type(item)._spec.table
    attribute = type(item).get_attributes()[table.py(table.discriminator)]
    return [attribute.set(type(item))]


def _transaction(item: Any) -> TransactWrite:
    return TransactWrite(connection=type(item)._get_connection().connection)


def _batch_save(item: Any) -> None:
    with type(item).batch_write() as batch:
        batch.save(item)


def _batch_delete(item: Any) -> None:
    with type(item).batch_write() as batch:
        batch.delete(item)


def _transact_save(item: Any) -> None:
    with _transaction(item) as transaction:
        transaction.save(item)


def _transact_update(item: Any) -> None:
    with _transaction(item) as transaction:
        transaction.update(item, actions=_touch(item))


def _transact_delete(item: Any) -> None:
    with _transaction(item) as transaction:
        transaction.delete(item)


# Each write member, called the ways a service would call it.
WRITES: dict[str, list[Callable[[Any], Any]]] = {
    "save": [lambda item: item.save()],
    "update": [lambda item: item.update(actions=_touch(item))],
    "delete": [lambda item: item.delete()],
    "batch_write": [_batch_save, _batch_delete],
    "get_save_kwargs_from_instance": [_transact_save],
    "get_update_kwargs_from_instance": [_transact_update],
    "get_delete_kwargs_from_instance": [_transact_delete],
}


def test_every_public_member_of_pynamodb_model_is_classified() -> None:
    public = {
        name for name in dir(Model) if not name.startswith("_") and callable(getattr(Model, name))
    }
    assert public == set(PYNAMODB_MEMBERS)
    writes = {name for name, kind in PYNAMODB_MEMBERS.items() if kind == "write"}
    assert set(WRITES) == writes
    assert {name for name in writes if name in vars(TableItem)} == writes


def _calls() -> list[tuple[str, Callable[[Any], Any]]]:
    return [
        (f"{member}#{n}", call) for member, calls in WRITES.items() for n, call in enumerate(calls)
    ]


def test_pynamodb_writes_on_a_chunked_record_refuse_or_follow_its_protocol(
    hour_race: ModuleType, requests: Requests
) -> None:
    points = _points(20_000)
    for name, call in _calls():
        for how in ("fetched", "queried"):
            if hour_race.RaceTelemetry.fetch(race_id="r1", racer_id="a") is None:
                record = hour_race.RaceTelemetry(
                    race_id="r1", racer_id="a", seconds=1, points=points
                )
                record.create()
            if how == "fetched":
                item = hour_race.RaceTelemetry.fetch(race_id="r1", racer_id="a")
            else:
                (item,) = hour_race.telemetry_of_race("r1")
            start = len(requests.operations)
            if name == "delete#0":  # the chunk protocol: head and chunks, at the version read
                call(item)
                assert _record_items(hour_race, "r1", "a") == [], (name, how)
                continue
            with pytest.raises(UnsupportedWriteError, match="chunked"):
                call(item)
            assert requests.since(start) == [], (name, how)
            _assert_whole(hour_race, "r1", "a", points)


def test_pynamodb_writes_on_a_partial_read_refuse_what_would_lose_data(
    box_office: ModuleType, requests: Requests
) -> None:
    """Ticket has a version attribute; its GSI projects neither the version nor the price."""
    _ticket(box_office, 1).create()
    client = box_office.ENTITIES[0]._get_connection().connection.client
    key = {"PK": {"S": "event-gig-1"}, "SK": {"S": "ticket-0001"}}

    def stored() -> dict[str, Any]:
        item = client.get_item(TableName=_table_name(box_office), Key=key, ConsistentRead=True)
        found: dict[str, Any] = item["Item"]
        return found

    before = stored()
    for name, call in _calls():
        (partial,) = box_office.tickets_by_holder("ann#1")
        start = len(requests.operations)
        expected = UnsupportedWriteError if name.startswith("batch_write") else PartialItemError
        with pytest.raises(expected, match="version"):
            call(partial)
        assert requests.since(start) == [], name
        assert stored() == before, name


def test_pynamodb_writes_on_a_partial_read_of_a_plain_entity(
    alleycat: ModuleType, requests: Requests
) -> None:
    """RacerRace has no version; its GSI does not project `results`. What would erase it is
    refused; a delete needs only the key, which every read returns."""
    record = alleycat.RacerRace(racer_id="r1", race_id="x", class_id="c", output=7, results="[1]")
    for name, call in _calls():
        if alleycat.RacerRace.fetch(racer_id="r1", race_id="x") is None:
            record.create()
        (partial,) = alleycat.top_scores_by_race("x")
        start = len(requests.operations)
        if name in {"delete#0", "batch_write#1", "get_delete_kwargs_from_instance#0"}:
            call(partial)
            assert alleycat.RacerRace.fetch(racer_id="r1", race_id="x") is None, name
            continue
        with pytest.raises(PartialItemError, match="did not return results"):
            call(partial)
        assert requests.since(start) == [], name
        stored = alleycat.RacerRace.fetch(racer_id="r1", race_id="x")
        assert (stored.results, stored.output) == ("[1]", 7), name


# ---------------------------------------------------------------------------------------------
# No discriminator, plain key attributes, a multi-attribute GSI (examples/leaderboard)


@pytest.fixture
def leaderboard(endpoint: str | None, tmp_path: Path) -> Iterator[ModuleType]:
    yield from deploy(generate_and_import(LEADERBOARD, tmp_path), endpoint)


def test_create_table_declares_every_gsi_key_attribute_in_order_with_its_type(
    leaderboard: ModuleType, endpoint: str | None
) -> None:
    """DescribeTable against the model: KeySchema order (HASH attributes, then RANGE, each
    in the model's order) and one definition per key attribute with its declared type."""
    design = build_design(load(LEADERBOARD).model)
    table = _client(endpoint).describe_table(TableName=_table_name(leaderboard))["Table"]
    described = {
        gsi["IndexName"]: [(k["AttributeName"], k["KeyType"]) for k in gsi["KeySchema"]]
        for gsi in table["GlobalSecondaryIndexes"]
    }
    expected = {
        index.name: [(k.name, "HASH") for k in index.partition_keys]
        + [(k.name, "RANGE") for k in index.sort_keys]
        for index in design.indexes.values()
        if index.kind == "gsi"
    }
    assert described == expected
    assert described["by_board"] == [
        ("tournament_id", "HASH"),
        ("region", "HASH"),
        ("points", "RANGE"),
        ("submitted_at", "RANGE"),
    ]
    types = {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]}
    declared = {
        k.name: k.type
        for index in design.indexes.values()
        for k in (*index.partition_keys, *index.sort_keys)
    }
    assert types == declared
    assert types["points"] == "N"
    projections = {
        g["IndexName"]: g["Projection"]["ProjectionType"] for g in table["GlobalSecondaryIndexes"]
    }
    assert projections == {"by_board": "ALL", "by_tournament": "KEYS_ONLY"}


def _score(models: ModuleType, n: int, **values: Any) -> Any:
    fields: dict[str, Any] = {
        "player_id": f"p{n % 3}",
        "tournament_id": "t#1",
        "region": "eu",
        "points": 10 * (n % 3),
        "submitted_at": NOW + dt.timedelta(minutes=n),
    }
    return models.Score(**(fields | values))


def test_a_plain_key_attribute_is_stored_once_typed_and_unescaped(
    leaderboard: ModuleType, endpoint: str | None
) -> None:
    score = _score(leaderboard, 1, player_id="a#b")
    score.create()
    stored = _client(endpoint).get_item(
        TableName=_table_name(leaderboard),
        Key={"PK": {"S": "player#a\\#b"}, "SK": {"S": score.SK}},
    )["Item"]
    # The composed keys escape `#`; a key that is the attribute itself holds the value as is.
    assert stored == {
        "PK": {"S": "player#a\\#b"},
        "SK": {"S": "score#t\\#1#2026-11-23T17:01:00.123456Z"},
        "player_id": {"S": "a#b"},
        "tournament_id": {"S": "t#1"},
        "region": {"S": "eu"},
        "points": {"N": "10"},
        "submitted_at": {"S": "2026-11-23T17:01:00.123456Z"},
    }
    found = leaderboard.Score.fetch(
        player_id="a#b", tournament_id="t#1", submitted_at=NOW + dt.timedelta(minutes=1)
    )
    assert found is not None
    assert (found.points, found.submitted_at, found.tournament_id) == (
        10,
        NOW + dt.timedelta(minutes=1),
        "t#1",
    )
    assert isinstance(found.points, int)
    # One SET per changed attribute (the key is the attribute): no overlapping paths.
    found.modify(points=20, region=None)
    again = leaderboard.Score.fetch(
        player_id="a#b", tournament_id="t#1", submitted_at=NOW + dt.timedelta(minutes=1)
    )
    assert again is not None
    assert (again.points, again.region) == (20, None)
    # Without a region the score left every board (a sparse index).
    assert [s.points for s in leaderboard.top_ten("t#1", "eu")] == []


def test_items_are_read_as_the_entity_their_primary_key_belongs_to(
    leaderboard: ModuleType, endpoint: str | None
) -> None:
    leaderboard.Tournament(tournament_id="t#1", title="Spring cup").create()
    leaderboard.batch_write([_score(leaderboard, n) for n in range(4)])
    read = list(leaderboard.tournament_entries("t#1", page_size=2))
    assert sorted(type(item).__name__ for item in read) == ["Score"] * 4 + ["Tournament"]
    # A keys-only index returned no title: the view says so, and the keys gave the rest.
    (tournament,) = [item for item in read if type(item).__name__ == "Tournament"]
    assert tournament.tournament_id == "t#1"
    # An item whose primary key is a player's profile is refused by name, not returned.
    _client(endpoint).put_item(
        TableName=_table_name(leaderboard),
        Item={"PK": {"S": "player#x"}, "SK": {"S": "profile"}, "tournament_id": {"S": "t#1"}},
    )
    with pytest.raises(UnexpectedItemError, match=r"'Player' at key .*profile.*Tournament or"):
        list(leaderboard.tournament_entries("t#1"))
    # And one no entity writes is refused as such.
    _client(endpoint).put_item(
        TableName=_table_name(leaderboard),
        Item={"PK": {"S": "player#x"}, "SK": {"S": "other"}, "tournament_id": {"S": "t#2"}},
    )
    with pytest.raises(UnexpectedItemError, match="without a known entity type"):
        list(leaderboard.tournament_entries("t#2"))


def test_a_multi_attribute_gsi_orders_by_each_sort_attribute_in_turn(
    leaderboard: ModuleType,
) -> None:
    leaderboard.batch_write([_score(leaderboard, n) for n in range(12)])
    leaderboard.batch_write([_score(leaderboard, 20, region="us", points=999)])
    top = list(leaderboard.top_ten("t#1", "eu", page_size=3))
    assert [(s.points, s.submitted_at.minute) for s in top] == [
        (20, 11),
        (20, 8),
        (20, 5),
        (20, 2),
        (10, 10),
        (10, 7),
        (10, 4),
        (10, 1),
        (0, 9),
        (0, 6),
    ]
    assert [s.points for s in leaderboard.scores_from("t#1", "eu", 10)] == [10] * 4 + [20] * 4
    window = leaderboard.ties_between(
        "t#1", "eu", 10, NOW + dt.timedelta(minutes=4), NOW + dt.timedelta(minutes=7)
    )
    assert [s.submitted_at.minute for s in window] == [4, 7]
    assert [s.points for s in leaderboard.top_ten("t#1", "us")] == [999]


def test_multi_attribute_gsi_pages_and_cursors(leaderboard: ModuleType) -> None:
    leaderboard.batch_write([_score(leaderboard, n) for n in range(12)])
    leaderboard.batch_write([_score(leaderboard, 100 + n, region="us") for n in range(3)])
    walked: list[Any] = []
    cursor: str | None = None
    while True:
        page = leaderboard.scores_from_page("t#1", "eu", 0, page_size=5, cursor=cursor)
        walked += page.items
        cursor = page.cursor
        if cursor is None:
            break
    assert [(s.points, s.submitted_at) for s in walked] == [
        (s.points, s.submitted_at) for s in leaderboard.scores_from("t#1", "eu", 0)
    ]
    assert len(walked) == 12
    first = leaderboard.scores_from_page("t#1", "eu", 0, page_size=5)
    assert first.cursor is not None
    with pytest.raises(InvalidCursorError, match="another query"):
        leaderboard.scores_from_page("t#1", "us", 0, page_size=5, cursor=first.cursor)
    # A cursor of this query holding a key of another board is refused before any request.
    spec = leaderboard.ACCESS_PATTERNS["scores_from"]
    query = spec._prepare({"tournament_id": "t#1", "region": "eu", "least": 0}, None, None)
    us = next(iter(leaderboard.scores_from("t#1", "us", 0)))
    other = {
        name: value
        for name, value in us.serialize().items()
        if name in {"PK", "SK", "tournament_id", "region", "points", "submitted_at"}
    }
    forged = spec._encode_cursor(other, None, query)
    with pytest.raises(InvalidCursorError, match="outside this query's partition"):
        leaderboard.scores_from_page("t#1", "eu", 0, page_size=5, cursor=forged)
    assert [s.points for s in leaderboard.top_ten("t#1", "eu", limit=3)] == [20, 20, 20]


@pytest.fixture
def calendar(endpoint: str | None, tmp_path: Path) -> Iterator[ModuleType]:
    model = BOX_OFFICE.parent / "plain_keys.yaml"
    yield from deploy(generate_and_import(model, tmp_path), endpoint)


def test_a_filter_on_a_multi_attribute_gsi_keeps_its_own_placeholders(
    calendar: ModuleType,
) -> None:
    """The filter's names and values sit beside the key condition's in one request, every
    name through one set of placeholders (none reused); only the owner's events come back, in
    key order."""
    events = [
        calendar.Event(
            event_id=f"e{n}",
            day=dt.date(2026, 1, 1 + n % 3),
            starts=600 * n,
            room="hall#1",
            floor=2,
            day_number=1 + n % 3,
            title=f"talk {n}",
            owner="ann" if n % 2 else "bob",
        )
        for n in range(8)
    ]
    calendar.batch_write(events)
    trace = QueryTrace()
    found = list(calendar.owner_events_in_room("hall#1", 2, 2, "ann", page_size=2, trace=trace))
    assert [(e.day_number, e.starts) for e in found] == [(2, 600), (2, 4200), (3, 3000)]
    assert all(type(e).__name__ == "Event" for e in found)
    request = trace.pages[0].request
    assert request["KeyConditionExpression"] == "#0 = :k0 AND #1 = :k1 AND #2 >= :k2"
    assert request["FilterExpression"] == "#3 = :3"
    assert request["ExpressionAttributeNames"] == {
        "#0": "room",
        "#1": "floor",
        "#2": "day_number",
        "#3": "owner",
    }
    assert set(request["ExpressionAttributeValues"]) == {":k0", ":k1", ":k2", ":3"}
    assert trace.items_read > trace.items_returned  # the filter dropped bob's events
    # A date in one entity and a string in another, on one S key.
    calendar.Note(note_id="n1", day="monday", starts=5, text="hi").create()
    assert [n.day for n in calendar.notes_of_day("monday")] == ["monday"]
    assert [e.day for e in calendar.events_of_day(dt.date(2026, 1, 2))] == [dt.date(2026, 1, 2)] * 3


def test_chunked_records_need_no_discriminator(endpoint: str | None, tmp_path: Path) -> None:
    """Heads are read as their entity by their keys; a chunk item in the queried partition
    is an item of no entity (refused, not returned); vacuum still tells heads by their keys."""
    text = HOUR_RACE.read_text(encoding="utf-8")
    plain = "\n".join(line for line in text.splitlines() if "discriminator_attribute" not in line)
    model = tmp_path / "hour_race.yaml"
    model.write_text(plain + "\n", encoding="utf-8")
    models = generate_and_import(model, tmp_path)
    assert "DiscriminatorAttribute" not in (tmp_path / "models.py").read_text(encoding="utf-8")
    models.configure(chunk_budget=350_000 if endpoint is None else None)
    for deployed in deploy(models, endpoint):
        points = _points(20_000)
        deployed.RaceTelemetry(race_id="r1", racer_id="a", seconds=9, points=points).create()
        deployed.RaceResult(race_id="r1", racer_id="a", output=Decimal(3)).create()
        (head,) = deployed.telemetry_of_race("r1")
        assert type(head).__name__ == "RaceTelemetry"
        assert (head.racer_id, head.seconds, head.points) == ("a", 9, None)
        assert deployed.RaceTelemetry.fetch(race_id="r1", racer_id="a").points == points
        assert [type(r).__name__ for r in deployed.results_of_race("r1")] == ["RaceResult"]
        # A pattern that reached chunk items would meet items of no entity: refused.
        spec = deployed.ACCESS_PATTERNS["results_of_race"]
        chunk = {"PK": {"S": "race-r1"}, "SK": {"S": "~chunk#telemetry#a#00#000000"}}
        with pytest.raises(UnexpectedItemError, match="without a known entity type"):
            spec._convert(chunk, None)
        stats = deployed.vacuum_chunks(grace_seconds=0)
        assert stats.chunks_deleted == 0
        assert stats.kept_current > 0
        assert deployed.RaceTelemetry.fetch(race_id="r1", racer_id="a").points == points
