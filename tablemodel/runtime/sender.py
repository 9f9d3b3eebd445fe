"""One table's requests through a low-level boto3 client, retried the way the chunk store
needs them: with exponential backoff and full jitter on throttling, server errors and lost
connections, and with a failed condition returned as an answer rather than raised.

Every request the chunk store sends may be repeated (see `Sender.send`); `Sent.ambiguous`
tells the caller when an attempt may have been applied although it reported an error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, Literal, TypedDict, overload

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotocoreConnectionError

from tablemodel.records import record
from tablemodel.runtime.chunk_layout import BATCH_WRITE_LIMIT
from tablemodel.runtime.errors import BatchWriteError
from tablemodel.runtime.retry import backoff_delay
from tablemodel.runtime.wire import (
    BatchWriteItemRequest,
    DeleteItemRequest,
    GetItemRequest,
    Item,
    Key,
    PutItemRequest,
    QueryRequest,
    Response,
    ScanRequest,
    TransactWriteItemsRequest,
    WriteRequest,
)

__all__ = ["Sender", "Sent"]

# How `Sender.send` treats an error: a failed condition is an answer, not an error; throttling
# and a cancelled transaction that names no failed condition were not applied, so they are
# retried; a server error or a lost connection may have been applied, and is retried as well
# (every request of the chunk store is safe to repeat, see `Sender.send`).
_THROTTLED = {
    "ThrottlingException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
}
_MAYBE_APPLIED = {"InternalServerError", "ServiceUnavailable", "TransactionInProgressException"}
_CANCELLED_RETRYABLE = {
    "None",
    "TransactionConflict",
    "ThrottlingError",
    "ProvisionedThroughputExceeded",
}


class _DescribeTable(TypedDict):
    TableName: str


@record
class Sent:
    """A request's answer: the response (or error response when a condition failed), and
    whether an earlier attempt may have been applied although it reported an error."""

    response: Response
    condition_failed: bool
    ambiguous: bool


class Sender:
    """Requests to ``table_name`` through ``client``; ``max_attempts`` bounds the retries of
    one request (and of the unprocessed items of one batch), waiting
    ``rng() * min(max_delay, base_delay * 2**attempt)`` seconds before each."""

    def __init__(
        self,
        client: Any,
        table_name: str,
        *,
        max_attempts: int,
        base_delay: float,
        max_delay: float,
        sleep: Callable[[float], None],
        rng: Callable[[], float],
    ) -> None:
        self.client = client
        self.table_name = table_name
        self.max_attempts = max_attempts
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._sleep = sleep
        self._rng = rng

    def wait(self, attempt: int) -> None:
        """Sleep before retry number ``attempt`` (1 for the first retry)."""
        self._sleep(
            backoff_delay(
                attempt, base_delay=self._base_delay, max_delay=self._max_delay, rng=self._rng
            )
        )

    @overload
    def send(
        self,
        operation: Literal["put_item"],
        request: PutItemRequest | Callable[[], PutItemRequest],
    ) -> Sent: ...
    @overload
    def send(self, operation: Literal["delete_item"], request: DeleteItemRequest) -> Sent: ...
    @overload
    def send(self, operation: Literal["get_item"], request: GetItemRequest) -> Sent: ...
    @overload
    def send(
        self, operation: Literal["transact_write_items"], request: TransactWriteItemsRequest
    ) -> Sent: ...
    @overload
    def send(
        self, operation: Literal["batch_write_item"], request: BatchWriteItemRequest
    ) -> Sent: ...
    @overload
    def send(self, operation: Literal["query"], request: QueryRequest) -> Sent: ...
    @overload
    def send(self, operation: Literal["scan"], request: ScanRequest) -> Sent: ...
    @overload
    def send(self, operation: Literal["describe_table"], request: _DescribeTable) -> Sent: ...
    def send(
        self,
        operation: str,
        request: Mapping[str, object] | Callable[[], Mapping[str, object]],
    ) -> Sent:
        """One request, retried with backoff and full jitter on throttling, server errors and
        lost connections. ``request`` builds each attempt (the intent needs a fresh token per
        attempt; transactions reuse theirs). A failed condition is returned, not raised.

        Every request here may be repeated: puts and deletes of the same item are idempotent,
        transactions carry a ``ClientRequestToken``, and a conditional write whose first
        attempt landed fails its condition on the retry, which each caller resolves by reading
        the head (``ambiguous`` tells it an attempt may have landed).
        """
        return self._send(operation, request)

    def _send(
        self,
        operation: str,
        request: Mapping[str, object] | Callable[[], Mapping[str, object]],
    ) -> Sent:
        call = getattr(self.client, operation)
        build = request if callable(request) else lambda: request
        ambiguous = False
        for attempt in range(self.max_attempts):
            if attempt:
                self.wait(attempt)
            try:
                return Sent(call(**build()), False, ambiguous)
            except ClientError as error:
                verdict = _verdict(error)
                if verdict == "condition":
                    return Sent(error.response, True, ambiguous)
                if verdict == "fatal" or attempt + 1 == self.max_attempts:
                    raise
                ambiguous = ambiguous or verdict == "maybe-applied"
            except (HTTPClientError, BotocoreConnectionError):
                if attempt + 1 == self.max_attempts:
                    raise
                ambiguous = True
        raise AssertionError("unreachable: the last attempt returns or raises")

    def query(self, request: QueryRequest) -> Iterator[Item]:
        """Every item a Query returns, page after page."""
        return self._pages("query", request)

    def scan(self, request: ScanRequest) -> Iterator[Item]:
        """Every item a Scan returns, page after page."""
        return self._pages("scan", request)

    def _pages(self, operation: str, request: QueryRequest | ScanRequest) -> Iterator[Item]:
        while True:
            response = self._send(operation, request).response
            yield from response.get("Items", [])
            start = response.get("LastEvaluatedKey")
            if not start:
                return
            request = {**request, "ExclusiveStartKey": start}

    def batch_write(self, requests: list[WriteRequest]) -> None:
        """BatchWriteItem, 25 at a time; unprocessed items retried with backoff and jitter."""
        for start in range(0, len(requests), BATCH_WRITE_LIMIT):
            pending = requests[start : start + BATCH_WRITE_LIMIT]
            for attempt in range(self.max_attempts):
                if attempt:
                    self.wait(attempt)
                sent = self.send("batch_write_item", {"RequestItems": {self.table_name: pending}})
                pending = sent.response.get("UnprocessedItems", {}).get(self.table_name) or []
                if not pending:
                    break
            else:
                raise BatchWriteError(
                    self.max_attempts,
                    [entry.get("PutRequest", entry.get("DeleteRequest", {})) for entry in pending],
                )

    def get(self, key: Key) -> Item | None:
        """The item at ``key``, read strongly consistent; None when there is none."""
        request: GetItemRequest = {"TableName": self.table_name, "Key": key, "ConsistentRead": True}
        return self.send("get_item", request).response.get("Item")


def _verdict(error: Any) -> Literal["condition", "retry", "maybe-applied", "fatal"]:
    response = error.response
    code = response.get("Error", {}).get("Code", "")
    if code == "ConditionalCheckFailedException":
        return "condition"
    if code == "TransactionCanceledException":
        reasons = {reason.get("Code", "None") for reason in response.get("CancellationReasons", [])}
        if "ConditionalCheckFailed" in reasons:
            return "condition"
        return "retry" if reasons <= _CANCELLED_RETRYABLE else "fatal"
    if code in _THROTTLED:
        return "retry"
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    if code in _MAYBE_APPLIED or status >= 500:
        return "maybe-applied"
    return "fatal"
