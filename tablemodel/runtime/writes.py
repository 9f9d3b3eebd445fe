"""Write patterns at run time: one request per pattern, and failures that say which condition.

Generated code declares, per write pattern, a `WriteSpec` (its actions, parameter rules and
idempotency key) and a typed function that calls `WriteSpec.run`. Each action becomes one
item write of DynamoDB's:

- `create`: PutItem on `attribute_not_exists(<partition key>)`; the item is built by the
  entity's constructor, so every attribute is checked and every key composed;
- `put`: PutItem on the pattern's condition;
- `update`: UpdateItem with `SET`, `REMOVE` and `ADD` (atomic counters) on the pattern's
  condition and `attribute_exists(<partition key>)`: an update never creates an item; index
  keys built from what it sets are recomposed in the same request;
- `delete`: DeleteItem on the condition and the item's existence;
- `check`: a ConditionCheck (transactions only).

A transaction sends its actions in one TransactWriteItems. Every name is an expression
placeholder and every condition asks for the item as it was (`ALL_OLD`) when it fails, so
the error says why: `KeyTakenError`, `ItemMissingError`, `TransitionRefusedError` (the item
is in a state the write does not move from) or `ConditionFailedError` with the conditions
that did not hold, naming the pattern, the key and the action.

Idempotency: a pattern with an `idempotency_key` is always sent as TransactWriteItems (a
transaction of one for a single write) with a `ClientRequestToken` derived from the table,
the pattern, the key's value and the keys of the items written. DynamoDB applies a token
once for 10 minutes: a retry within them succeeds without writing again
(`IdempotencyMismatchError` if the parameters differ). After 10 minutes a retry is a new
request, and the pattern's own condition answers it (a create finds its key taken; a
transition finds the item moved on), so only conditions that a second application fails
make a write idempotent forever. Two callers that send the same key value for the same
items are one request to DynamoDB: both succeed, once; a key shared by competing callers
(two workers admitting one visitor) must not be an idempotency key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import field
from decimal import Decimal
from typing import Any, Literal, cast

from botocore.exceptions import ClientError
from pynamodb.models import Model

from tablemodel.records import mutable_record, record
from tablemodel.runtime.configuration import ensure_configured, ready, root_model
from tablemodel.runtime.errors import (
    ConditionFailedError,
    IdempotencyMismatchError,
    ItemMissingError,
    KeyTakenError,
    TransactionConflictError,
    TransitionRefusedError,
    UnsupportedWriteError,
)
from tablemodel.runtime.expressions import placeholder_of
from tablemodel.runtime.specs import EntitySpec
from tablemodel.runtime.values import Rule

__all__ = ["ActionSpec", "Param", "Term", "Value", "WriteSpec"]

Operation = Literal["create", "put", "update", "delete", "check"]


@record
class Param:
    """An operand the caller gives: the pattern's parameter `name`."""

    name: str


@record
class Value:
    """An operand the model fixes."""

    value: object


Operand = Param | Value


@record
class Term:
    """One condition on the current item: `attribute operator operands`."""

    attribute: str
    operator: str
    operands: tuple[Operand, ...] = ()

    def text(self, values: Sequence[object]) -> str:
        shown = [repr(v) for v in values]
        if self.operator == "exists":
            return f"{self.attribute} {'exists' if values[0] else 'does not exist'}"
        if self.operator == "between":
            return f"{self.attribute} BETWEEN {shown[0]} AND {shown[1]}"
        if self.operator == "in":
            return f"{self.attribute} IN ({', '.join(shown)})"
        if self.operator == "begins_with":
            return f"begins_with({self.attribute}, {shown[0]})"
        return f"{self.attribute} {_SYMBOLS[self.operator]} {shown[0]}"


_SYMBOLS = {"eq": "=", "ne": "<>", "lt": "<", "lte": "<=", "gt": ">", "gte": ">="}


@record
class ActionSpec:
    """One action of a write pattern. `entity` is the generated class (with its `_spec`);
    `state` and `from_states` name the state attribute and the states the action moves items
    from, when its entity has a state machine and the action changes the state."""

    operation: Operation
    entity: type[Model]
    condition: tuple[Term, ...] = ()
    set: Mapping[str, Operand] = field(default_factory=dict)
    remove: tuple[str, ...] = ()
    add: Mapping[str, Operand] = field(default_factory=dict)
    state: str | None = None
    from_states: tuple[str, ...] = ()

    @property
    def spec(self) -> EntitySpec:
        return cast(EntitySpec, self.entity._spec)  # type: ignore[attr-defined]


@mutable_record
class _Request:
    """One action as DynamoDB's request parts, and what explains its failure."""

    action: ActionSpec
    index: int
    key: dict[str, object]  # model values of the table key, for messages
    wire_key: dict[str, Any]
    body: dict[str, Any]
    terms: list[tuple[Term, list[object]]]


class WriteSpec:
    """A write pattern: its actions, parameter rules, and how it is sent."""

    def __init__(
        self,
        name: str,
        actions: Sequence[ActionSpec],
        parameters: Mapping[str, Rule],
        *,
        transaction: bool = False,
        idempotency_key: str | None = None,
    ) -> None:
        self.name = name
        self.actions = tuple(actions)
        self.parameters = dict(parameters)
        self.transaction = transaction
        self.idempotency_key = idempotency_key

    # -- public ------------------------------------------------------------------------------

    def run(self, values: Mapping[str, object]) -> None:
        """Check the parameters, send the pattern's request, map a refusal to its error."""
        checked = {
            name: rule.check(self.name, name, values.get(name))
            for name, rule in self.parameters.items()
        }
        requests = [self._request(i, a, checked) for i, a in enumerate(self.actions)]
        base = root_model(self.actions[0].entity)
        ensure_configured(base, self.actions[0].spec.table)
        client = base._get_connection().connection.client
        table = base._get_connection().table_name
        if self.transaction or self.idempotency_key is not None:
            self._transact(client, table, requests, checked)
        else:
            self._single(client, table, requests[0])

    def client_request_token(
        self, table: str, key_value: object, items: Sequence[Mapping[str, Any]] = ()
    ) -> str:
        """The ClientRequestToken of a call: the same table, pattern, idempotency key value
        and item keys (`items`, wire form) give the same token (32 hex characters), so a key
        value names a request among the calls on those items only."""
        keys = sorted(repr(sorted(key.items())) for key in items)
        text = "\x00".join([table, self.name, repr(key_value), *keys])
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    # -- building ----------------------------------------------------------------------------

    def _request(self, index: int, action: ActionSpec, params: Mapping[str, object]) -> _Request:
        spec = action.spec
        ready(action.entity, spec)
        if spec.chunking is not None or (spec.version and action.operation != "check"):
            raise UnsupportedWriteError(
                spec.name,
                f"write pattern {self.name}",
                "write patterns do not write chunked or versioned entities (their writes keep"
                " a manifest or a version); use the entity's own methods",
            )
        return _Builder(self.name, action, params).request(index)

    # -- sending -----------------------------------------------------------------------------

    def _single(self, client: Any, table: str, request: _Request) -> None:
        operation = {
            "create": "PutItem",
            "put": "PutItem",
            "update": "UpdateItem",
            "delete": "DeleteItem",
        }[request.action.operation]
        try:
            client._make_api_call(operation, {"TableName": table, **request.body})
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            old = err.response.get("Item")
            raise self._explain(request, old, client, table, "Item" in err.response) from None

    def _transact(
        self,
        client: Any,
        table: str,
        requests: list[_Request],
        params: Mapping[str, object],
    ) -> None:
        kinds = {
            "create": "Put",
            "put": "Put",
            "update": "Update",
            "delete": "Delete",
            "check": "ConditionCheck",
        }
        items = []
        for request in requests:
            body = {"TableName": table, **request.body}
            if request.action.operation == "check":
                body["Key"] = request.wire_key
            items.append({kinds[request.action.operation]: body})
        call: dict[str, Any] = {"TransactItems": items}
        if self.idempotency_key is not None:
            token = self.client_request_token(
                table, params[self.idempotency_key], [r.wire_key for r in requests]
            )
            call["ClientRequestToken"] = token
        try:
            client._make_api_call("TransactWriteItems", call)
        except ClientError as err:
            code = err.response.get("Error", {}).get("Code")
            if code == "IdempotentParameterMismatchException":
                key = params.get(self.idempotency_key or "")
                raise IdempotencyMismatchError(self.name, key) from None
            if code != "TransactionCanceledException":
                raise
            reasons = err.response.get("CancellationReasons") or []
            for request, reason in zip(requests, reasons, strict=False):
                if reason.get("Code") == "ConditionalCheckFailed":
                    old = reason.get("Item")
                    raise self._explain(request, old, client, table, "Item" in reason) from None
            conflicts = [r.get("Code", "?") for r in reasons if r.get("Code") not in {None, "None"}]
            if conflicts:
                raise TransactionConflictError(self.name, conflicts) from None
            raise

    # -- explaining --------------------------------------------------------------------------

    def _explain(
        self,
        request: _Request,
        old: Mapping[str, Any] | None,
        client: Any,
        table: str,
        reported: bool,
    ) -> ConditionFailedError:
        """The error for a refused action, from the item as the engine reported it (or as a
        consistent read finds it now, for an engine that does not report it)."""
        action = request.action
        spec = action.spec
        if not reported:
            got = client._make_api_call(
                "GetItem", {"TableName": table, "Key": request.wire_key, "ConsistentRead": True}
            )
            old = got.get("Item")
        index = request.index if self.transaction else None
        common: dict[str, Any] = {"action": index}
        if action.operation == "create":
            return KeyTakenError(
                self.name, spec.name, request.key, reason="an item with this key exists", **common
            )
        if not old:
            return ItemMissingError(
                self.name, spec.name, request.key, reason="no item with this key", **common
            )
        current = action.entity.from_raw_data(dict(old))
        values = {a: getattr(current, spec.py(a), None) for a in spec.rules}
        failed = [t.text(v) for t, v in request.terms if not _holds(t, v, values.get(t.attribute))]
        if action.state is not None and any(t.attribute == action.state for t, _ in request.terms):
            state = values.get(action.state)
            if state not in action.from_states:
                return TransitionRefusedError(
                    self.name,
                    spec.name,
                    request.key,
                    state=state,
                    allowed=action.from_states,
                    failed=failed,
                    current=values,
                    **common,
                )
        return ConditionFailedError(
            self.name, spec.name, request.key, failed=failed, current=values, **common
        )


class _Builder:
    """One action's request: expression names and values numbered as they are used."""

    def __init__(self, pattern: str, action: ActionSpec, params: Mapping[str, object]) -> None:
        self.pattern = pattern
        self.action = action
        self.spec = action.spec
        self.attrs = action.entity.get_attributes()
        self.params = params
        self.names: dict[str, str] = {}
        self.values: dict[str, Any] = {}

    def name_of(self, attribute: str) -> str:
        return placeholder_of(attribute, self.names)

    def value_of(self, wire: Any) -> str:
        slot = f":w{len(self.values)}"
        self.values[slot] = wire
        return slot

    def wire(self, attribute: str, value: object) -> Any:
        attr = self.attrs[self.spec.py(attribute)]
        return {attr.attr_type: attr.serialize(value)}

    def resolve(self, operand: Operand) -> object:
        if isinstance(operand, Param):
            return self.params.get(operand.name)
        return operand.value

    def request(self, index: int) -> _Request:
        action, spec = self.action, self.spec
        params = self.params
        given = {a: params[a] for a in spec.rules if params.get(a) is not None}
        body: dict[str, Any] = {}
        clauses: list[str] = []
        pk = spec.table.partition_key
        if action.operation in {"create", "put"}:
            item_values = given | {a: self.resolve(o) for a, o in action.set.items()}
            build: Any = action.entity
            instance = build(**{spec.py(a): v for a, v in item_values.items() if v is not None})
            item = instance.serialize()
            key = {k: getattr(instance, spec.table.py(k)) for k in spec.table.primary_key}
            wire_key = {k: item[k] for k in spec.table.primary_key}
            body["Item"] = item
            if action.operation == "create":
                clauses.append(f"attribute_not_exists({self.name_of(pk)})")
        else:
            key_values = {spec.py(a): params.get(a) for a in sorted(spec.primary_sources)}
            key = spec.primary_key_of(key_values)
            wire_key = {k: self.wire_key(k, v) for k, v in key.items()}
            body["Key"] = wire_key
            clauses.append(f"attribute_exists({self.name_of(pk)})")
        terms: list[tuple[Term, list[object]]] = []
        for term in action.condition:
            operands = [self.resolve(o) for o in term.operands]
            if term.operator != "exists":
                rule = spec.rules[term.attribute]
                operands = [rule.check(spec.name, term.attribute, v) for v in operands]
            terms.append((term, operands))
            clauses.append(self.clause(term, operands))
        if action.operation == "update":
            body["UpdateExpression"] = self.update(given)
        if clauses:
            body["ConditionExpression"] = " AND ".join(clauses)
        if self.names:
            body["ExpressionAttributeNames"] = {p: n for n, p in self.names.items()}
        if self.values:
            body["ExpressionAttributeValues"] = self.values
        body["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        return _Request(action, index, dict(key), wire_key, body, terms)

    def wire_key(self, key_attr: str, value: object) -> Any:
        attr = self.attrs[self.spec.table.py(key_attr)]
        return {attr.attr_type: attr.serialize(value)}

    def clause(self, term: Term, operands: list[object]) -> str:
        name = self.name_of(term.attribute)
        if term.operator == "exists":
            return f"attribute_exists({name})" if operands[0] else f"attribute_not_exists({name})"
        slots = [self.value_of(self.wire(term.attribute, v)) for v in operands]
        if term.operator == "between":
            return f"{name} BETWEEN {slots[0]} AND {slots[1]}"
        if term.operator == "in":
            return f"{name} IN ({', '.join(slots)})"
        if term.operator == "begins_with":
            return f"begins_with({name}, {slots[0]})"
        return f"{name} {_SYMBOLS[term.operator]} {slots[0]}"

    def update(self, given: Mapping[str, object]) -> str:
        """`SET`, `REMOVE` and `ADD` clauses, index keys built from the changes included."""
        action, spec = self.action, self.spec
        changes = {a: self.resolve(o) for a, o in action.set.items()}
        changes |= dict.fromkeys(action.remove)
        checked = spec.check({spec.py(a): v for a, v in changes.items()}, partial=True)
        recomposed = spec.key_users(set(checked) | set(action.add))
        merged = dict(given) | checked
        needed = {v for k in recomposed for v in spec.codecs[k].template.variable_names}
        unknown = sorted(
            v for v in needed if v in action.add or (merged.get(v) is None and v not in checked)
        )
        if unknown:
            raise UnsupportedWriteError(
                spec.name,
                f"write pattern {self.pattern}",
                "an index key is built from what the update changes and from "
                + ", ".join(unknown)
                + ", which the update does not know; set them in the same update",
            )
        sets: list[str] = []
        removes: list[str] = []
        adds: list[str] = []
        for attribute, value in checked.items():
            if value is None:
                removes.append(self.name_of(attribute))
            else:
                sets.append(
                    f"{self.name_of(attribute)} = {self.value_of(self.wire(attribute, value))}"
                )
        for key_attr, composed in spec.compose(merged, recomposed).items():
            if composed is None:
                removes.append(self.name_of(key_attr))
            else:
                slot = self.value_of(self.wire_key(key_attr, composed))
                sets.append(f"{self.name_of(key_attr)} = {slot}")
        for attribute, operand in action.add.items():
            amount = Decimal(str(self.resolve(operand)))
            adds.append(f"{self.name_of(attribute)} {self.value_of({'N': str(amount)})}")
        parts = []
        if sets:
            parts.append("SET " + ", ".join(sets))
        if removes:
            parts.append("REMOVE " + ", ".join(removes))
        if adds:
            parts.append("ADD " + ", ".join(adds))
        return " ".join(parts)


def _holds(term: Term, operands: list[object], value: object) -> bool:
    """Whether a condition held on the item's value (for naming the failed ones)."""
    if term.operator == "exists":
        return (value is not None) == bool(operands[0])
    if value is None:
        return term.operator == "ne"
    try:
        if term.operator == "eq":
            return value == operands[0]
        if term.operator == "ne":
            return value != operands[0]
        if term.operator == "in":
            return value in operands
        if term.operator == "begins_with":
            return str(value).startswith(str(operands[0]))
        low = cast(Any, operands[0])
        if term.operator == "between":
            return bool(low <= value <= cast(Any, operands[1]))
        compare = {
            "lt": lambda a, b: a < b,
            "lte": lambda a, b: a <= b,
            "gt": lambda a, b: a > b,
            "gte": lambda a, b: a >= b,
        }
        return bool(compare[term.operator](value, low))
    except TypeError:
        return False
