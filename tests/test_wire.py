"""The TypedDicts of `tablemodel.runtime.wire` describe what the runtime really sends.

mypy checks every payload the runtime builds against them; this checks the other direction on
moto: every request the chunk store sends through the client, on every path (one transaction,
the steps of a large write, reads, a delete, both kinds of vacuum), has only fields its
TypedDict declares, of the declared types, with every required field present.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Literal, get_args, get_origin, get_type_hints

import boto3
import pytest

from tablemodel.runtime import wire
from tablemodel.runtime.chunks import ChunkStore

REQUESTS: dict[str, type] = {
    "put_item": wire.PutItemRequest,
    "delete_item": wire.DeleteItemRequest,
    "get_item": wire.GetItemRequest,
    "transact_write_items": wire.TransactWriteItemsRequest,
    "batch_write_item": wire.BatchWriteItemRequest,
    "query": wire.QueryRequest,
    "scan": wire.ScanRequest,
}


def mismatches(value: object, hint: Any, where: str) -> Iterator[str]:
    """Where `value` departs from the type `hint` (TypedDicts, lists, dicts, literals)."""
    origin = get_origin(hint)
    if typing.is_typeddict(hint):
        if not isinstance(value, Mapping):
            yield f"{where}: {type(value).__name__}, not a mapping"
            return
        fields = get_type_hints(hint)
        for name in sorted(set(value) - set(fields)):
            yield f"{where}.{name}: not declared in {hint.__name__}"
        for name in sorted(hint.__required_keys__ - set(value)):
            yield f"{where}.{name}: required by {hint.__name__}, missing"
        for name in sorted(set(value) & set(fields)):
            yield from mismatches(value[name], fields[name], f"{where}.{name}")
    elif origin is list:
        (element,) = get_args(hint)
        if not isinstance(value, list):
            yield f"{where}: {type(value).__name__}, not a list"
            return
        for i, member in enumerate(value):
            yield from mismatches(member, element, f"{where}[{i}]")
    elif origin is dict:
        key_type, value_type = get_args(hint)
        if not isinstance(value, dict):
            yield f"{where}: {type(value).__name__}, not a dict"
            return
        for key, member in value.items():
            yield from mismatches(key, key_type, f"{where} key")
            yield from mismatches(member, value_type, f"{where}[{key!r}]")
    elif origin is Literal:
        if value not in get_args(hint):
            yield f"{where}: {value!r} is not one of {get_args(hint)}"
    elif origin in (typing.Union, types.UnionType):
        if all(list(mismatches(value, option, where)) for option in get_args(hint)):
            yield f"{where}: {value!r} matches none of {hint}"
    elif not isinstance(value, hint):
        yield f"{where}: {type(value).__name__}, not {hint.__name__}"


class Recording:
    """A boto3 client that records each request before sending it."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, operation: str) -> Callable[..., Any]:
        call = getattr(self.client, operation)

        def record(**request: Any) -> Any:
            self.sent.append((operation, request))
            return call(**request)

        return record


def test_a_planted_undeclared_field_is_reported() -> None:
    request = {"TableName": "t", "Key": {"PK": {"S": "a"}}, "ConsistentRead": True, "Oops": 1}
    assert list(mismatches(request, wire.GetItemRequest, "get_item")) == [
        "get_item.Oops: not declared in GetItemRequest"
    ]
    bad_value = {"TableName": "t", "Key": {"PK": {"S": 1}}, "ConsistentRead": True}
    assert list(mismatches(bad_value, wire.GetItemRequest, "get_item")) == [
        "get_item.Key['PK'].S: int, not str"
    ]


@pytest.mark.engine
def test_every_request_the_chunk_store_sends_is_declared(moto_engine: None) -> None:
    client = boto3.client("dynamodb", region_name="us-east-1")
    client.create_table(
        TableName="wire",
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
    recording = Recording(client)
    store = ChunkStore(recording, "wire", budget=1_000, codec="binary", sleep=lambda _: None)
    small = {"PK": {"S": "race-1"}, "SK": {"S": "small"}}
    large = {"PK": {"S": "race-1"}, "SK": {"S": "large"}}
    attributes: dict[str, Any] = {
        "name": {"S": "Hour race"},
        "laps": {"N": "12"},
        "tags": {"SS": ["a", "b"]},
    }
    store.write(small, attributes, b"x" * 2_000, expected_version=None)  # one transaction
    store.write(large, {}, b"y" * 200_000, expected_version=None)  # in steps
    written = store.write(large, {}, b"z" * 200_000, expected_version=1)
    assert store.read(small) is not None
    store.delete(large, expected_version=written.version, expected_write_id=written.write_id)
    store.vacuum({"S": "race-1"}, grace_seconds=0)
    store.vacuum(grace_seconds=0)

    operations = {operation for operation, _ in recording.sent}
    assert operations == {*REQUESTS, "describe_table"}
    found = [
        problem
        for operation, request in recording.sent
        if operation in REQUESTS
        for problem in mismatches(request, REQUESTS[operation], operation)
    ]
    assert found == []
