"""Scan patterns on the engines: generated scan functions, parallel segments, cursors, runs.

`tests/data/scan/lobby.yaml` scans a sparse index of open games (only a game that is open
writes its keys), with and without a filter.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from tablemodel.run.check import check_and_run
from tablemodel.run.runner import RunOptions
from tablemodel.runtime.errors import InvalidCursorError
from tablemodel.runtime.query import QueryTrace
from tests.generated import LOBBY, generate_and_import

pytestmark = pytest.mark.engine

ENGINES = ["moto", "dynamodb-local"]
OPENED = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def lobby(endpoint: str | None, tmp_path: Path) -> Iterator[ModuleType]:
    module = generate_and_import(LOBBY, tmp_path)
    module.configure(table_name=f"lobby-{uuid.uuid4().hex[:12]}", endpoint_url=endpoint)
    module.create_table()
    try:
        games = [
            module.Game(
                game_id=f"g{i:02d}",
                map=["Green Grass", "Dry Desert", "Jungle"][i % 3],
                open_since=OPENED + dt.timedelta(minutes=i) if i % 4 else None,
                players_=i,
            )
            for i in range(20)
        ]
        players = [module.Player(game_id=f"g{i:02d}", username=f"p{i}") for i in range(20)]
        module.batch_write(puts=[*games, *players])
        yield module
    finally:
        module.delete_table()
        module.configure(table_name=None, endpoint_url=None)


OPEN = [f"g{i:02d}" for i in range(20) if i % 4]


def _ids(items: Any) -> list[str]:
    return sorted(item.game_id for item in items)


def test_a_sparse_index_scan_returns_the_open_games_only(lobby: ModuleType) -> None:
    trace = QueryTrace()
    assert _ids(lobby.open_games(page_size=4, trace=trace)) == OPEN
    assert trace.items_read == len(OPEN)  # closed games and players are not in the index
    request = trace.pages[0].request
    assert request["IndexName"] == "open-games"
    assert request["Limit"] == 4
    # Nothing to name: no key condition, no filter, and no empty maps DynamoDB would refuse.
    assert not {"KeyConditionExpression", "FilterExpression", "ScanIndexForward"} & set(request)
    assert "ExpressionAttributeNames" not in request


def test_a_filtered_scan_sends_placeholders_and_reads_more_than_it_returns(
    lobby: ModuleType,
) -> None:
    trace = QueryTrace()
    found = _ids(lobby.open_games_with_room(10, trace=trace))
    assert found == [g for g in OPEN if int(g[1:]) < 10]
    assert trace.items_read == len(OPEN)
    request = trace.pages[0].request
    assert request["FilterExpression"] == "#0 < :0"
    assert request["ExpressionAttributeNames"] == {"#0": "players#"}


def test_parallel_segments_cover_the_scan_once(lobby: ModuleType) -> None:
    seen: list[str] = []
    for segment in range(3):
        seen += _ids(lobby.open_games(segment=segment, total_segments=3, page_size=2))
    assert sorted(seen) == OPEN
    with pytest.raises(ValueError, match="give segment and total_segments together"):
        list(lobby.open_games(segment=1))
    with pytest.raises(ValueError, match="segment 3 of 3 segments"):
        list(lobby.open_games(segment=3, total_segments=3))


def test_scan_pages_and_cursors(lobby: ModuleType) -> None:
    items: list[Any] = []
    cursor: str | None = None
    pages = 0
    while True:
        page = lobby.open_games_page(page_size=4, cursor=cursor)
        items += page.items
        pages += 1
        cursor = page.cursor
        if cursor is None:
            break
    assert _ids(items) == OPEN
    assert pages >= 4
    first = lobby.open_games_with_room_page(10, page_size=2)
    assert first.cursor is not None
    with pytest.raises(InvalidCursorError, match="belongs to another query"):
        lobby.open_games_with_room_page(11, page_size=2, cursor=first.cursor)
    with pytest.raises(InvalidCursorError, match="belongs to another query"):
        lobby.open_games_page(page_size=2, cursor=first.cursor)
    limited = lobby.open_games_page(page_size=10, limit=3)
    assert len(limited.items) == 3
    assert limited.cursor is None


@pytest.mark.parametrize("engine", ENGINES)
def test_check_run_passes_on_the_scans(engine: str, request: pytest.FixtureRequest) -> None:
    request.getfixturevalue("aws_credentials")
    if engine == "dynamodb-local":
        request.getfixturevalue("dynamodb_local")
    report, run = check_and_run(LOBBY, RunOptions(engine=engine))
    assert report.diagnostics == ()
    assert run is not None
    assert [(p.name, p.verdict) for p in run.patterns] == [
        ("open_games", "pass"),
        ("open_games_with_room", "pass"),
        ("open_games_on_map", "pass"),
        ("game_players", "pass"),
    ]
    scan = run.patterns[0]
    assert scan.calls[0].expected_count > 0
    assert scan.calls[0].pages > 1


def test_a_scan_of_the_table_that_returns_one_entity_fails_its_run(tmp_path: Path) -> None:
    data = yaml.safe_load(LOBBY.read_text(encoding="utf-8"))
    data["access_patterns"]["every_game"] = {
        "description": "Every game, by a scan of the table.",
        "operation": "scan",
        "returns": ["Game"],
        "intent": {"select": ["Game"]},
    }
    model = tmp_path / "lobby.yaml"
    model.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    report, run = check_and_run(model, RunOptions())
    assert sorted((d.code, d.pattern, d.entity or "") for d in report.diagnostics) == [
        ("TM401", "every_game", "Player"),
        ("TM605", "every_game", ""),
        ("TM851", "every_game", ""),
    ]
    assert run is not None
    every = next(p for p in run.patterns if p.name == "every_game")
    failure = every.first_failure
    assert failure is not None
    assert {view.entity for view in failure.unexpected} == {"Player"}


def _lobby_with(tmp_path: Path, **patterns: dict[str, Any]) -> Path:
    data = yaml.safe_load(LOBBY.read_text(encoding="utf-8"))
    data["access_patterns"].update(patterns)
    model = tmp_path / "lobby.yaml"
    model.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return model


def test_a_table_scan_filtered_on_the_discriminator_returns_its_entity_only(
    tmp_path: Path,
) -> None:
    # Issue 12's filter reasoning serves scans too: the filter on `entity type` keeps players
    # out (no TM401), and the generated scan filters on the discriminator's value.
    model = _lobby_with(
        tmp_path,
        every_game={
            "description": "Every game, by a scan of the table.",
            "operation": "scan",
            "filter": {"entity type": "Game"},
            "returns": ["Game"],
            "intent": {"select": ["Game"]},
        },
    )
    report, run = check_and_run(model, RunOptions())
    assert sorted((d.code, d.pattern) for d in report.diagnostics) == [("TM605", "every_game")]
    assert run is not None
    every = next(p for p in run.patterns if p.name == "every_game")
    assert every.verdict == "pass"
    assert every.calls[0].expected_count == 12


def test_a_scan_filter_on_a_composed_key_is_refused_before_generation(tmp_path: Path) -> None:
    from tablemodel.api import load  # noqa: PLC0415
    from tablemodel.generate import GenerateError, generate_source  # noqa: PLC0415

    model = _lobby_with(
        tmp_path,
        games_on_green={
            "description": "Open games on one map, by a filter on the index key's text.",
            "operation": "scan",
            "index": "open-games",
            "filter": {"GSI1-PK": {"begins_with": "open#green"}},
            "returns": ["Game"],
            "intent": {"select": {"Game": {"map": "Green Grass", "open since": {"exists": True}}}},
        },
    )
    with pytest.raises(GenerateError) as caught:
        generate_source(load(model))
    [diagnostic] = caught.value.diagnostics
    assert diagnostic.code == "TM903"
    assert diagnostic.location.dotted_path == "access_patterns.games_on_green.filter.GSI1-PK"
    assert diagnostic.location.line is not None
    assert diagnostic.message == (
        "scan `games_on_green` filters on key attribute `GSI1-PK`, which its entities compose"
        ' from a template (Game writes "OPEN#{map}"): generated code filters on entity'
        " attributes, not on the text of a composed key"
    )
    # `check --run` stops at the same refusal, located, instead of running anything.
    report, run = check_and_run(model, RunOptions())
    assert run is None
    assert [(d.code, d.location.dotted_path) for d in report.diagnostics if d.code == "TM903"] == [
        ("TM903", "access_patterns.games_on_green.filter.GSI1-PK")
    ]


def test_the_first_failing_scan_call_says_the_scan_read_the_unexpected_items(
    tmp_path: Path,
) -> None:
    from click.testing import CliRunner  # noqa: PLC0415

    from tablemodel.cli.main import cli  # noqa: PLC0415

    model = _lobby_with(
        tmp_path,
        every_game={
            "description": "Every game, by a scan of the table.",
            "operation": "scan",
            "returns": ["Game"],
            "intent": {"select": ["Game"]},
        },
    )
    result = CliRunner().invoke(cli, ["check", str(model), "--run"])
    assert result.exit_code == 1
    assert "Unexpected (the scan read them)" in result.output
    assert "key condition brought" not in result.output
