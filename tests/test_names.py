"""Names DynamoDB accepts, end to end: generated Python names, and placeholders on the wire.

`tests/data/names/odd_names.yaml` plants names with `#`, `-`, spaces, dots, brackets and
accents, and the reserved words `status`, `name`, `data` and `size`, in key attributes, the
discriminator, the TTL attribute, the version attribute, filters and parameters. The
generated module must read and write every one under its real name, and every expression the
runtime sends must name attributes through placeholders only.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest

from tablemodel.generate import GenerateError, generate_source
from tablemodel.generate.naming import python_name
from tablemodel.run.check import check_and_run
from tablemodel.run.runner import RunOptions
from tablemodel.runtime.errors import VersionConflictError
from tablemodel.runtime.query import QueryTrace
from tablemodel.schema.loader import load_model_from_text
from tests.generated import ODD_NAMES, deploy, generate_and_import

ENGINES = ["moto", "dynamodb-local"]
DAY = dt.date(2026, 5, 1)
# What an expression may hold besides placeholders: functions, operators, values, spaces.
_EXPRESSION_TOKEN = re.compile(
    r"#\d+|:\d+|attribute_exists|attribute_not_exists|begins_with|BETWEEN|AND|OR|NOT|IN"
    r"|SET|REMOVE|ADD|DELETE|[=<>(),+\-]|\s+"
)


@pytest.mark.parametrize(
    ("name", "python"),
    [
        ("racer_id", "racer_id"),
        ("GSI1-PK", "GSI1_PK"),
        ("follower#", "follower_"),
        ("Order Date", "Order_Date"),
        ("déjà-vu", "deja_vu"),
        ("名前", "x540dx524d"),
        ("1st", "n_1st"),
        ("__edb_e__", "edb_e__"),
        ("_", "n_"),
        ("class", "class_"),
        ("match", "match_"),
        ("tags[1]", "tags_1_"),
        ("a.b", "a_b"),
    ],
)
def test_every_name_has_one_python_name(name: str, python: str) -> None:
    assert python_name(name) == python
    assert python.isidentifier()
    assert python.isascii()


def test_names_that_map_alike_are_a_located_name_clash() -> None:
    text = ODD_NAMES.read_text(encoding="utf-8").replace(
        "      a.b: {type: string, optional: true, max_length: 20}\n",
        "      a.b: {type: string, optional: true, max_length: 20}\n"
        "      a-b: {type: string, optional: true}\n",
    )
    with pytest.raises(GenerateError) as caught:
        generate_source(load_model_from_text(text, source="odd.yaml"))
    (error,) = caught.value.diagnostics
    assert (error.code, error.message, error.location.path, error.location.line) == (
        "TM902",
        "`a-b` and `a.b` both become the Python name `a_b` in the class of `Order`",
        ("entities", "Order", "attributes", "a-b"),
        32,
    )
    assert error.entity == "Order"


def test_parameters_that_map_alike_are_a_located_name_clash() -> None:
    text = ODD_NAMES.read_text(encoding="utf-8").replace(
        "    parameters: {min size: {type: integer, minimum: 0, maximum: 1000}}",
        "    parameters: {min size: {type: integer, minimum: 0, maximum: 1000}, min-size: integer}",
    )
    with pytest.raises(GenerateError) as caught:
        generate_source(load_model_from_text(text, source="odd.yaml"))
    (error,) = caught.value.diagnostics
    assert (error.code, error.message, error.location.path) == (
        "TM902",
        "`min-size` and `min size` both become the Python name `min_size` among the parameters"
        " of `orders_by_status`",
        ("access_patterns", "orders_by_status", "parameters", "min-size"),
    )


# ---------------------------------------------------------------------------------------------
# On the engines


@pytest.fixture
def models(endpoint: str | None, tmp_path: Path) -> Iterator[ModuleType]:
    yield from deploy(generate_and_import(ODD_NAMES, tmp_path), endpoint)


def _order(models: ModuleType, number: str, **values: Any) -> Any:
    fields: dict[str, Any] = {
        "order_": number,
        "status": "open",
        "name": f"name {number}",
        "size": 10,
        "Order_Date": DAY,
        "tags_1_": "second",
    }
    fields.update(values)
    return models.Order(**fields)


def _stored(models: ModuleType, endpoint: str | None, number: str) -> dict[str, Any]:
    client = boto3.client("dynamodb", endpoint_url=endpoint)
    table = models.Order.Meta.table_name
    item: dict[str, Any] = client.get_item(
        TableName=table, Key={"pk#": {"S": f"order#{number}"}, "sort key": {"S": "info"}}
    )["Item"]
    return item


def _only_placeholders(request: dict[str, Any]) -> None:
    for field in ("KeyConditionExpression", "FilterExpression"):
        expression = request.get(field, "")
        assert _EXPRESSION_TOKEN.sub("", expression) == "", (field, expression)
    assert set(request["ExpressionAttributeNames"]) == set(
        re.findall(
            r"#\d+",
            request.get("KeyConditionExpression", "") + " " + request.get("FilterExpression", ""),
        )
    )


@pytest.mark.engine
def test_every_name_is_stored_and_read_under_its_real_name(
    models: ModuleType, endpoint: str | None
) -> None:
    order = _order(
        models, "a1", data={"k": "v"}, deja_vu="fête", a_b="dotted", expires_at=4_102_444_800
    )
    order.create()
    stored = _stored(models, endpoint, "a1")
    assert set(stored) == {
        "pk#",
        "sort key",
        "GSI1-PK",
        "GSI1.SK",
        "entity type",
        "order#",
        "status",
        "name",
        "data",
        "size",
        "Order Date",
        "déjà-vu",
        "tags[1]",
        "a.b",
        "expires at",
        "ver[0]",
    }
    assert stored["tags[1]"] == {"S": "second"}
    assert stored["GSI1.SK"] == {"S": "2026-05-01#a1"}
    assert stored["ver[0]"] == {"N": "1"}

    fetched = models.Order.fetch(order_="a1")
    assert fetched is not None
    assert (fetched.tags_1_, fetched.a_b, fetched.deja_vu, fetched.size) == (
        "second",
        "dotted",
        "fête",
        10,
    )


@pytest.mark.engine
def test_modify_and_versioned_writes_name_the_attribute_itself(
    models: ModuleType, endpoint: str | None
) -> None:
    order = _order(models, "b2")
    order.create()
    order.modify(status="shipped", a_b="x.y", tags_1_=None, size=11)
    stored = _stored(models, endpoint, "b2")
    # `tags[1]` is removed, not element 1 of a list `tags`; `a.b` is set, not a map path.
    assert "tags[1]" not in stored
    assert "tags" not in stored
    assert stored["a.b"] == {"S": "x.y"}
    assert "a" not in stored
    assert stored["status"] == {"S": "shipped"}
    assert stored["GSI1-PK"] == {"S": "status#shipped"}
    assert stored["ver[0]"] == {"N": "2"}
    stale = models.Order.fetch(order_="b2")
    order.put()  # version 2 -> 3
    assert _stored(models, endpoint, "b2")["ver[0]"] == {"N": "3"}
    with pytest.raises(VersionConflictError):
        stale.put()
    with pytest.raises(VersionConflictError):
        stale.delete()
    order.delete()
    assert models.Order.fetch(order_="b2") is None


@pytest.mark.engine
def test_queries_and_filters_send_placeholders_only(models: ModuleType) -> None:
    for number, size, tag in [("c1", 5, "t"), ("c2", 50, "t"), ("c3", 500, None), ("c4", 70, "t")]:
        _order(models, number, size=size, tags_1_=tag).create()
    trace = QueryTrace()
    found = list(
        models.orders_by_status("open", DAY, 40, page_size=1, trace=trace)  # status, day, size
    )
    assert [o.order_ for o in found] == ["c2", "c4"]
    assert trace.pages
    for page in trace.pages:
        _only_placeholders(page.request)
        assert set(page.request["ExpressionAttributeNames"].values()) == {
            "GSI1-PK",
            "GSI1.SK",
            "tags[1]",
            "size",
        }
    page = models.orders_by_status_page("open", DAY, 40, page_size=1)
    rest = models.orders_by_status_page("open", DAY, 40, page_size=5, cursor=page.cursor)
    assert [o.order_ for o in page.items + rest.items] == ["c2", "c4"]
    trace = QueryTrace()
    (one,) = models.order("c3", trace=trace)
    assert one.tags_1_ is None
    _only_placeholders(trace.pages[0].request)
    assert set(trace.pages[0].request["ExpressionAttributeNames"].values()) == {"pk#", "sort key"}


@pytest.mark.engine
def test_a_chunked_record_with_odd_names_writes_reads_and_vacuums(
    models: ModuleType, endpoint: str | None
) -> None:
    # moto measures items its own way and refuses some below 409,600 bytes (as other tests do).
    models.configure(chunk_budget=350_000 if endpoint is None else None)
    payload = bytes(range(256)) * 2_000  # 512,000 bytes: above one item, so chunked
    image = models.ScanImage(order_="d4", data_blob=payload)
    image.create()
    client = boto3.client("dynamodb", endpoint_url=endpoint)
    table = models.ScanImage.Meta.table_name
    items = client.scan(TableName=table)["Items"]
    chunks = [i for i in items if i["sort key"]["S"].startswith("~chunk#")]
    assert len(chunks) >= 2
    assert all(set(chunk) >= {"pk#", "sort key"} for chunk in chunks)
    head = client.get_item(
        TableName=table, Key={"pk#": {"S": "scan#d4"}, "sort key": {"S": "image"}}
    )["Item"]
    assert "data blob" not in head  # the payload lives in the chunks
    fetched = models.ScanImage.fetch(order_="d4")
    assert fetched is not None
    assert fetched.data_blob == payload
    fetched.data_blob = payload[::-1]
    fetched.put()
    again = models.ScanImage.fetch(order_="d4")
    assert again is not None
    assert again.data_blob == payload[::-1]
    # A chunk a writer that died left behind: another write id, no head pointing at it.
    chunk = next(
        i for i in client.scan(TableName=table)["Items"] if i["sort key"]["S"].startswith("~")
    )
    prefix, _, rest = chunk["sort key"]["S"].rpartition("#")
    write_id = prefix.rsplit("#", 1)[1]
    orphan = {
        **chunk,
        "sort key": {"S": prefix.replace(write_id, "0" * len(write_id)) + "#" + rest},
    }
    client.put_item(TableName=table, Item=orphan)
    stats = models.vacuum_chunks(grace_seconds=0)
    assert (stats.writes_removed, stats.chunks_deleted) == (1, 1)
    assert (
        client.get_item(
            TableName=table, Key={"pk#": orphan["pk#"], "sort key": orphan["sort key"]}
        ).get("Item")
        is None
    )
    again.delete()
    assert models.ScanImage.fetch(order_="d4") is None
    left = client.scan(TableName=table)["Items"]
    assert [i for i in left if i["pk#"]["S"] == "scan#d4"] == []


@pytest.mark.engine
@pytest.mark.parametrize("engine", ENGINES)
def test_check_run_passes_with_odd_names(engine: str, request: pytest.FixtureRequest) -> None:
    request.getfixturevalue("aws_credentials")
    if engine == "dynamodb-local":
        request.getfixturevalue("dynamodb_local")  # fail early, with the install hint
    report, run = check_and_run(ODD_NAMES, RunOptions(engine=engine))
    assert report.diagnostics == ()
    assert run is not None
    assert [(p.name, p.verdict) for p in run.patterns] == [
        ("order", "pass"),
        ("orders_by_status", "pass"),
    ]
    assert all(any(call.expected_count for call in p.calls) for p in run.patterns)
