"""The DynamoDB payloads the runtime builds and reads, as the boto3 client takes and returns
them: attribute values, items and keys, and the requests and responses of the operations the
chunk store, batches and pattern queries send.

These are TypedDicts (as PynamoDB's `_schema.py` writes its table schemas), so mypy checks
every payload the runtime builds against DynamoDB's field names and types. Only the fields
the runtime uses are declared. Payloads that come back from botocore or PynamoDB are untyped
there; the runtime states their shape once, where it receives them.

Only the standard library is imported.
"""

from __future__ import annotations

from typing import Literal, TypedDict

__all__ = [
    "AttributeDefinition",
    "AttributeValue",
    "BatchWriteItemRequest",
    "ConsumedCapacity",
    "DeleteAction",
    "DeleteItemRequest",
    "DeleteRequest",
    "GetItemRequest",
    "Item",
    "Key",
    "KeySchemaElement",
    "PutAction",
    "PutItemRequest",
    "PutRequest",
    "QueryRequest",
    "Response",
    "ScanRequest",
    "TableDescription",
    "TransactItem",
    "TransactWriteItemsRequest",
    "WriteRequest",
]


class AttributeValue(TypedDict, total=False):
    """One value: exactly one of these keys (``{"S": "racer-1"}``, ``{"N": "42"}``)."""

    S: str
    N: str
    B: bytes
    SS: list[str]
    NS: list[str]
    BS: list[bytes]
    M: dict[str, AttributeValue]
    L: list[AttributeValue]
    NULL: bool
    BOOL: bool


Item = dict[str, AttributeValue]
"""An item: attribute name to value."""

Key = dict[str, AttributeValue]
"""The key attributes of an item (the table's partition key, and its sort key if it has one)."""


# ---------------------------------------------------------------------------------------------
# Writes


class _Conditional(TypedDict, total=False):
    ConditionExpression: str
    ExpressionAttributeNames: dict[str, str]
    ExpressionAttributeValues: dict[str, AttributeValue]


class PutAction(_Conditional):
    """A conditional put: PutItem's request, and a TransactWriteItems `Put`."""

    TableName: str
    Item: Item


class DeleteAction(_Conditional):
    """A conditional delete: DeleteItem's request, and a TransactWriteItems `Delete`."""

    TableName: str
    Key: Key


class PutItemRequest(PutAction, total=False):
    ReturnValues: Literal["NONE", "ALL_OLD"]


class DeleteItemRequest(DeleteAction, total=False):
    ReturnValues: Literal["NONE", "ALL_OLD"]


class TransactItem(TypedDict, total=False):
    """One action of a TransactWriteItems: exactly one of these keys."""

    Put: PutAction
    Delete: DeleteAction


class TransactWriteItemsRequest(TypedDict):
    TransactItems: list[TransactItem]
    ClientRequestToken: str


class PutRequest(TypedDict):
    Item: Item


class DeleteRequest(TypedDict):
    Key: Key


class WriteRequest(TypedDict, total=False):
    """One write of a BatchWriteItem: exactly one of these keys."""

    PutRequest: PutRequest
    DeleteRequest: DeleteRequest


class BatchWriteItemRequest(TypedDict):
    RequestItems: dict[str, list[WriteRequest]]


# ---------------------------------------------------------------------------------------------
# Reads


class GetItemRequest(TypedDict):
    TableName: str
    Key: Key
    ConsistentRead: bool


class _Read(TypedDict, total=False):
    ExpressionAttributeNames: dict[str, str]
    ExpressionAttributeValues: dict[str, AttributeValue]
    FilterExpression: str
    ProjectionExpression: str
    ConsistentRead: bool
    ExclusiveStartKey: Key
    Limit: int


class QueryRequest(_Read, total=False):
    TableName: str
    KeyConditionExpression: str
    IndexName: str
    ScanIndexForward: bool
    ReturnConsumedCapacity: Literal["TOTAL", "INDEXES", "NONE"]


class ScanRequest(_Read, total=False):
    TableName: str


class ConsumedCapacity(TypedDict, total=False):
    TableName: str
    CapacityUnits: float


class KeySchemaElement(TypedDict):
    AttributeName: str
    KeyType: Literal["HASH", "RANGE"]


class AttributeDefinition(TypedDict):
    AttributeName: str
    AttributeType: Literal["S", "N", "B"]


class TableDescription(TypedDict, total=False):
    """The part of DescribeTable's `Table` the runtime reads."""

    KeySchema: list[KeySchemaElement]
    AttributeDefinitions: list[AttributeDefinition]


class _CancellationReason(TypedDict, total=False):
    Code: str
    Message: str


class _Error(TypedDict, total=False):
    Code: str
    Message: str


class _Metadata(TypedDict, total=False):
    HTTPStatusCode: int


class Response(TypedDict, total=False):
    """What the client returns (or, for a refused request, botocore's error response): the
    fields of every operation the runtime sends, each present only where that operation
    returns it."""

    Item: Item  # GetItem
    Attributes: Item  # PutItem, DeleteItem with ReturnValues ALL_OLD
    Items: list[Item]  # Query, Scan
    Count: int
    ScannedCount: int
    LastEvaluatedKey: Key
    ConsumedCapacity: ConsumedCapacity
    UnprocessedItems: dict[str, list[WriteRequest]]  # BatchWriteItem
    Table: TableDescription  # DescribeTable
    Error: _Error  # a refused request
    CancellationReasons: list[_CancellationReason]  # a cancelled transaction
    ResponseMetadata: _Metadata
