"""Access patterns at run time: one Query or Scan per page, typed results, cursors to hand out.

Generated code declares one `PatternSpec` per read access pattern and one function that calls
it. The spec composes the key condition from the pattern's templates through the key codec
(the same codec the entities write with), sends the Query (or, for `operation: scan`, the
Scan) through PynamoDB's connection, and maps each raw item to its entity class: by the
discriminator when the table has one, else by its primary key (the one entity whose key
templates parse it, `runtime.specs.identify`).

The request is built here, with a placeholder for every attribute name in every expression
(`runtime.expressions`): PynamoDB's `query` reads a name as a document path (`tags[1]`). A GSI
with a multi-attribute key (up to four partition-key and four sort-key attributes), which
PynamoDB 6.1 cannot declare, is queried the same way, one clause per key attribute, with
pages, cursors, limits and typed results exactly as for the other patterns.

It deliberately does not use `Model.query`: PynamoDB adds a filter on the discriminator to every
polymorphic query, which hides items of other entity types (so a key condition that reaches
too far would look correct) and makes `Limit` count items the filter then drops. Here an item
of a type the pattern does not return raises `UnexpectedItemError`, and `Limit` means what
DynamoDB says it means.

Cursors are opaque text: the last evaluated key, the number of items still allowed by the
pattern's limit, and a digest of the query they belong to, so a cursor from one query (or one
partition) is refused by another. With `set_cursor_secret()`, cursors also carry an HMAC and
cannot be forged at all.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import field
from decimal import Decimal
from typing import Any, Generic, Literal, TypeVar, cast

from pynamodb.connection.base import BOTOCORE_EXCEPTIONS
from pynamodb.exceptions import QueryError, ScanError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.operand import Path
from pynamodb.models import Model

from tablemodel.records import mutable_record, record
from tablemodel.runtime.configuration import ensure_configured
from tablemodel.runtime.entities import complete, mark_unread
from tablemodel.runtime.errors import InvalidCursorError, UnexpectedItemError
from tablemodel.runtime.expressions import name_path, placeholder_of
from tablemodel.runtime.keys import KeyCodec
from tablemodel.runtime.specs import UNSET, EntitySpec, MultiKeyIndex, TableSpec, Unset, identify
from tablemodel.runtime.values import Rule
from tablemodel.runtime.wire import AttributeValue, Item, Key, Response

__all__ = [
    "FilterTerm",
    "KeyTerm",
    "Page",
    "PageTrace",
    "Param",
    "PatternSpec",
    "QueryTrace",
    "set_cursor_secret",
]

T = TypeVar("T")
KeyOperator = Literal["eq", "lt", "lte", "gt", "gte", "between", "begins_with"]
FilterOperator = Literal[
    "eq", "ne", "lt", "lte", "gt", "gte", "between", "begins_with", "in", "exists"
]

_CURSOR_VERSION = 1
_secrets: dict[type[Model], bytes] = {}


def set_cursor_secret(base: type[Model], secret: bytes | str | Unset | None) -> None:
    """Sign the cursors of `base`'s patterns with HMAC-SHA256 under `secret` (None: unsigned)."""
    if isinstance(secret, Unset):
        return
    if not secret:
        _secrets.pop(base, None)
        return
    _secrets[base] = secret.encode() if isinstance(secret, str) else secret


@record
class Param:
    """A filter operand that is one of the pattern's parameters."""

    name: str


@record
class KeyTerm:
    """One key attribute's condition: operator and its templates (two for `between`)."""

    attribute: str
    operator: KeyOperator
    templates: tuple[str, ...]


@record
class FilterTerm:
    """A FilterExpression condition on a non-key attribute."""

    attribute: str
    operator: FilterOperator
    operands: tuple[object, ...]


@mutable_record
class PageTrace:
    """One Query request as sent and answered (recorded only when a trace is passed)."""

    request: dict[str, Any]  # the Query or Scan as sent, expressions and placeholders included
    items: list[Item]
    scanned_count: int
    consumed_capacity: float | None
    seconds: float
    last_evaluated_key: Key | None


@mutable_record
class QueryTrace:
    """Every page a call fetched, in order.

    With `audit=True` (what `tablemodel check --run` uses) an item of an entity type the
    pattern does not return is recorded in `unexpected` and skipped instead of raising
    `UnexpectedItemError`; it still counts against the limit, as it would for a caller.
    """

    pattern: str = ""
    pages: list[PageTrace] = field(default_factory=list)
    audit: bool = False
    unexpected: list[UnexpectedItemError] = field(default_factory=list)

    @property
    def items_read(self) -> int:
        return sum(page.scanned_count for page in self.pages)

    @property
    def items_returned(self) -> int:
        return sum(len(page.items) for page in self.pages)


@record
class Page(Generic[T]):
    """One page of results and the cursor of the next (None when there is no next page).

    DynamoDB may return a cursor although nothing is left; the next page is then empty.
    """

    items: list[T]
    cursor: str | None


class PatternSpec(Generic[T]):
    """A read access pattern: key condition, filter, order and limit, and what it returns.

    With `scan=True` the pattern is a Scan of the table or index: no key condition and no
    order; `segment` and `total_segments` split it for a parallel scan.
    """

    def __init__(
        self,
        base: type[Model],
        table: TableSpec,
        name: str,
        *,
        index: str | None,
        index_kind: Literal["table", "lsi", "gsi"],
        index_keys: Mapping[str, str | tuple[str, ...]],
        partition: KeyTerm | tuple[KeyTerm, ...] | None = None,
        sort: KeyTerm | tuple[KeyTerm, ...] | None = None,
        scan: bool = False,
        parameters: Mapping[str, Rule],
        returns: tuple[type[Model], ...],
        filters: tuple[FilterTerm, ...] = (),
        descending: bool = False,
        limit: int | None = None,
        consistent_read: bool = False,
        whole_items: bool = False,
    ) -> None:
        self.base = base
        self.table = table
        self.name = name
        self.index = index
        self.index_kind = index_kind
        self.index_keys = dict(index_keys)  # "partition"/"sort" -> key attribute(s)
        if scan == (partition is not None) or (scan and sort is not None):
            msg = f"{name}: a query takes a partition key term, a scan takes no key terms"
            raise ValueError(msg)
        self.scan = scan
        # A multi-attribute GSI takes a condition per key attribute, in KeySchema order.
        self.partitions: tuple[KeyTerm, ...] = (
            () if partition is None else partition if isinstance(partition, tuple) else (partition,)
        )
        self.sorts: tuple[KeyTerm, ...] = (
            () if sort is None else sort if isinstance(sort, tuple) else (sort,)
        )
        self.partition = self.partitions[0] if self.partitions else None
        self.sort = self.sorts[0] if self.sorts else None
        self.multi: MultiKeyIndex | None = None if scan else table.multi_key_index(index)
        if self.multi is None and (len(self.partitions) > 1 or len(self.sorts) > 1):
            msg = f"{name}: only a multi-attribute GSI takes several partition or sort terms"
            raise ValueError(msg)
        key_names = [
            n for v in self.index_keys.values() for n in ((v,) if isinstance(v, str) else v)
        ]
        self.parameters = dict(parameters)
        self.returns = returns
        self.specs: dict[str, tuple[type[Model], EntitySpec]] = {}
        # An LSI fetches what it does not project from the table when asked (an extra read
        # per item); the generator asks when the pattern reads such an attribute.
        if whole_items and index_kind != "lsi":
            msg = f"{name}: only an LSI fetches whole items; a {index_kind} returns what it holds"
            raise ValueError(msg)
        self.whole_items = whole_items
        projected = None if whole_items else _projected(base, table, index, key_names)
        self._unread: dict[str, tuple[str, ...]] = {}
        for cls in returns:
            spec: EntitySpec = cls._spec  # type: ignore[attr-defined]
            self.specs[spec.discriminator] = (cls, spec)
            self._unread[spec.discriminator] = spec.unread_through(projected)
        self._returned = [spec for _, spec in self.specs.values()]
        self.filters = filters
        self.descending = descending
        self.limit = limit
        self.consistent_read = consistent_read
        self._codecs: dict[tuple[str, int], KeyCodec] = {}
        for term in (*self.partitions, *self.sorts):
            for i, template in enumerate(term.templates):
                self._codecs[term.attribute, i] = self._codec(term.attribute, template)

    def _codec(self, attribute: str, template: str) -> KeyCodec:
        from tablemodel.keylang.templates import parse_template  # noqa: PLC0415

        variables = parse_template(template).variable_names
        return KeyCodec(
            f"access pattern {self.name}",
            attribute,
            template,
            {v: self.parameters[v].part_spec() for v in variables},
            key_type="N" if self.table.key_types[attribute] == "N" else "S",
            escape=self.table.escapes(attribute),
            delimiters=self.table.delimiters,
            escape_char=self.table.escape_char,
            limit=self.table.key_limits[attribute],
            fold_case=self.table.folds(attribute),
        )

    # -- public ------------------------------------------------------------------------------

    def items(
        self,
        params: Mapping[str, object],
        *,
        limit: int | Unset | None = UNSET,
        page_size: int | None = None,
        descending: bool | None = None,
        consistent_read: bool | None = None,
        trace: QueryTrace | None = None,
        segment: int | None = None,
        total_segments: int | None = None,
    ) -> Iterator[T]:
        """Every matching item, fetching pages lazily, up to `limit` (the pattern's by default)."""
        query = self._prepare(params, descending, consistent_read, (segment, total_segments))
        remaining = self.limit if isinstance(limit, Unset) else limit
        _check_sizes(remaining, page_size)
        start: Key | None = None
        while remaining is None or remaining > 0:
            raw = self._send(query, start, self._page_limit(page_size, remaining), trace)
            for item in raw.get("Items", []):
                converted = self._convert(item, trace)
                if converted is not None:
                    yield converted
                if remaining is not None:
                    remaining -= 1
                    if remaining == 0:
                        return
            start = raw.get("LastEvaluatedKey")
            if not start:
                return

    def page(
        self,
        params: Mapping[str, object],
        *,
        cursor: str | None = None,
        page_size: int = 25,
        limit: int | Unset | None = UNSET,
        descending: bool | None = None,
        consistent_read: bool | None = None,
        trace: QueryTrace | None = None,
        segment: int | None = None,
        total_segments: int | None = None,
    ) -> Page[T]:
        """One request's worth of items and the cursor of the next page."""
        query = self._prepare(params, descending, consistent_read, (segment, total_segments))
        remaining = self.limit if isinstance(limit, Unset) else limit
        _check_sizes(remaining, page_size)
        start: Key | None = None
        if cursor is not None:
            start, remaining = self._decode_cursor(cursor, query)
        raw = self._send(query, start, self._page_limit(page_size, remaining), trace)
        raw_items = raw.get("Items", [])
        if remaining is not None:
            raw_items = raw_items[:remaining]
            remaining -= len(raw_items)
        converted = [self._convert(item, trace) for item in raw_items]
        items = [item for item in converted if item is not None]
        last = raw.get("LastEvaluatedKey")
        more = bool(last) and (remaining is None or remaining > 0)
        return Page(items, self._encode_cursor(last, remaining, query) if more else None)

    # -- building the request ----------------------------------------------------------------

    def _prepare(
        self,
        params: Mapping[str, object],
        descending: bool | None,
        consistent: bool | None,
        segments: tuple[int | None, int | None] = (None, None),
    ) -> _Query:
        unknown = sorted(set(params) - set(self.parameters))
        if unknown:
            msg = f"{self.name}: unknown parameter {unknown[0]!r}"
            raise TypeError(msg)
        values = {
            name: rule.check(f"access pattern {self.name}", name, params.get(name))
            for name, rule in self.parameters.items()
        }
        consistent = self.consistent_read if consistent is None else consistent
        if consistent and self.index_kind == "gsi":
            msg = f"{self.name}: a global secondary index cannot be read consistently"
            raise ValueError(msg)
        segment = _segment(self.name, self.scan, *segments)
        if descending and self.scan:
            msg = f"{self.name}: a scan returns items in no defined order; it cannot descend"
            raise ValueError(msg)
        attrs = self.base.get_attributes()
        hash_value: Any = None
        key_condition: Condition | None = None
        terms: list[tuple[str, str, tuple[AttributeValue, ...]]] = []
        if self.multi is not None:
            # A multi-attribute key: one term per key attribute, joined in `_send`.
            for key_term in (*self.partitions, *self.sorts):
                key_attr = attrs[self.table.py(key_term.attribute)]
                operands = tuple(
                    _wire_value(key_attr, self._compose(key_term, i, values))
                    for i in range(len(key_term.templates))
                )
                terms.append((key_term.attribute, key_term.operator, operands))
        elif self.partition is not None:
            hash_attr = attrs[self.table.py(self.partition.attribute)]
            hash_key = self._compose(self.partition, 0, values)
            hash_value = hash_attr.serialize(hash_key)
            key_condition = name_path(hash_attr) == hash_key
        if self.sort is not None and self.multi is None:
            target = name_path(attrs[self.table.py(self.sort.attribute)])
            first = self._compose(self.sort, 0, values)
            op = self.sort.operator
            assert key_condition is not None  # a sort key term comes with a partition term
            if op == "between":
                key_condition &= target.between(first, self._compose(self.sort, 1, values))
            elif op == "begins_with":
                key_condition &= target.startswith(str(first))
            else:
                key_condition &= _compare(target, op, first)
        filter_condition: Condition | None = None
        for term in self.filters:
            condition = self._filter(term, values)
            filter_condition = (
                condition if filter_condition is None else filter_condition & condition
            )
        forward = not (self.descending if descending is None else descending)
        fingerprint = [
            self.name,
            self.index,
            forward,
            segment,
            sorted(values.items(), key=lambda kv: kv[0]),
        ]
        digest = hashlib.sha256(json.dumps(fingerprint, default=repr).encode()).hexdigest()[:24]
        return _Query(
            hash_value,
            key_condition,
            filter_condition,
            forward,
            consistent,
            digest,
            tuple(terms),
            segment,
        )

    def _compose(self, term: KeyTerm, i: int, values: Mapping[str, object]) -> object:
        codec = self._codecs[term.attribute, i]
        parts = {v: self.parameters[v].key_part(values[v]) for v in codec.template.variable_names}
        return codec.compose(parts)

    def _filter(self, term: FilterTerm, values: Mapping[str, object]) -> Condition:
        operands = [values[o.name] if isinstance(o, Param) else o for o in term.operands]
        owner = next(((c, s) for c, s in self.specs.values() if term.attribute in s.rules), None)
        if owner is None:
            # The discriminator: every item holds its entity's value, as a string.
            return _filter_path(
                name_path(term.attribute), term.operator, [str(o) for o in operands]
            )
        cls, spec = owner
        target = name_path(cls.get_attributes()[spec.py(term.attribute)])
        rule = spec.rules[term.attribute]
        op = term.operator
        if op == "exists":
            return target.exists() if operands[0] else target.does_not_exist()
        operand = rule.operand()
        checked = [operand.check(spec.name, term.attribute, o) for o in operands]
        if op == "in":
            return target.is_in(*checked)
        if op == "between":
            return target.between(checked[0], checked[1])
        if op == "begins_with":
            return target.startswith(str(checked[0]))
        if op == "ne":
            return target != checked[0]
        return _compare(target, op, checked[0])

    def _page_limit(self, page_size: int | None, remaining: int | None) -> int | None:
        if remaining is None or self.filters:
            return page_size
        return remaining if page_size is None else min(page_size, remaining)

    # -- sending -----------------------------------------------------------------------------

    def _send(
        self,
        query: _Query,
        start: Key | None,
        limit: int | None,
        trace: QueryTrace | None,
    ) -> Response:
        ensure_configured(self.base, self.table)
        connection = self.base._get_connection()
        # Built here rather than by PynamoDB's `query`, which reads the partition key's name
        # as a document path: every name goes in as a placeholder (`runtime.expressions`).
        names: dict[str, str] = {}
        values: dict[str, Any] = {}
        request: dict[str, Any] = {"TableName": connection.table_name}
        if self.index is not None:
            request["IndexName"] = self.index
        if query.terms:
            # A multi-attribute key: one clause per key attribute, names as placeholders from
            # the same numbering as PynamoDB's (`#0`), values as `:k0`, which its own (`:0`)
            # never meet.
            clauses: list[str] = []
            for position, (attribute, operator, operands) in enumerate(query.terms):
                slots = [
                    f":k{position}" + "ab"[i] * (len(operands) > 1) for i in range(len(operands))
                ]
                values |= dict(zip(slots, operands, strict=True))
                clauses.append(_key_clause(placeholder_of(attribute, names), operator, slots))
            request["KeyConditionExpression"] = " AND ".join(clauses)
        elif query.key_condition is not None:
            request["KeyConditionExpression"] = query.key_condition.serialize(names, values)
        if query.filter_condition is not None:
            request["FilterExpression"] = query.filter_condition.serialize(names, values)
        if names:  # DynamoDB refuses empty maps (a scan without a filter has neither)
            request["ExpressionAttributeNames"] = {p: name for name, p in names.items()}
        if values:
            request["ExpressionAttributeValues"] = values
        if self.scan:
            if query.segment is not None:
                request["Segment"], request["TotalSegments"] = query.segment
        else:
            request["ScanIndexForward"] = query.forward
        if query.consistent:
            request["ConsistentRead"] = True
        if start:
            request["ExclusiveStartKey"] = start
        if limit is not None:
            request["Limit"] = limit
        if self.whole_items:
            request["Select"] = "ALL_ATTRIBUTES"
        request["ReturnConsumedCapacity"] = "TOTAL" if trace is not None else "NONE"
        began = time.perf_counter()
        try:
            # PynamoDB returns the client's response untyped; this is its shape.
            raw = cast(
                Response, connection.connection.dispatch("Scan" if self.scan else "Query", request)
            )
        except BOTOCORE_EXCEPTIONS as err:
            if self.scan:
                raise ScanError(f"Failed to scan items: {err}", err) from err
            raise QueryError(f"Failed to query items: {err}", err) from err
        if trace is not None:
            trace.pattern = self.name
            consumed = raw.get("ConsumedCapacity", {}).get("CapacityUnits")
            trace.pages.append(
                PageTrace(
                    request=request,
                    items=list(raw.get("Items", [])),
                    scanned_count=int(raw.get("ScannedCount", 0)),
                    consumed_capacity=None if consumed is None else float(consumed),
                    seconds=time.perf_counter() - began,
                    last_evaluated_key=raw.get("LastEvaluatedKey"),
                )
            )
        return raw

    def _convert(self, item: Item, trace: QueryTrace | None) -> T | None:
        spec_found = identify(self._returned, self.table, item)
        entry = self.specs.get(spec_found.discriminator) if spec_found is not None else None
        if entry is None:
            key = {
                name: next(iter(item[name].values()))
                for name in self.table.primary_key
                if name in item
            }
            error = UnexpectedItemError(
                f"access pattern {self.name}", key, self._stored_as(item), tuple(self.specs)
            )
            if trace is not None and trace.audit:
                trace.unexpected.append(error)
                return None
            raise error
        cls, spec = entry
        instance = cls.from_raw_data(item)
        complete(instance, spec)
        mark_unread(instance, self._unread[spec.discriminator])
        return instance  # type: ignore[return-value]

    def _stored_as(self, item: Item) -> str | None:
        """What a foreign item is: its discriminator, or the entity its key belongs to."""
        if self.table.discriminator:
            found = item.get(self.table.discriminator, {}).get("S")
            return found if isinstance(found, str) else None
        others = [
            spec
            for cls in _entity_classes(self.base)
            if isinstance(spec := getattr(cls, "_spec", None), EntitySpec)
        ]
        spec = identify(others, self.table, item)
        return spec.name if spec is not None else None

    # -- cursors -----------------------------------------------------------------------------

    def _encode_cursor(self, last: Key | None, remaining: int | None, query: _Query) -> str:
        body = json.dumps(
            {"v": _CURSOR_VERSION, "q": query.digest, "k": _jsonable(last), "r": remaining},
            separators=(",", ":"),
            sort_keys=True,
        ).encode()
        secret = _secrets.get(self.base)
        if secret is not None:
            body += b"." + hmac.new(secret, body, hashlib.sha256).hexdigest().encode()
        return base64.urlsafe_b64encode(body).decode().rstrip("=")

    def _decode_cursor(self, cursor: str, query: _Query) -> tuple[Key, int | None]:
        def bad(reason: str) -> InvalidCursorError:
            return InvalidCursorError(f"{self.name}: invalid cursor: {reason}")

        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        except ValueError:
            raise bad("not a cursor this library produced") from None
        secret = _secrets.get(self.base)
        if secret is not None:
            body, _, tag = raw.rpartition(b".")
            expected = hmac.new(secret, body, hashlib.sha256).hexdigest().encode()
            if not body or not hmac.compare_digest(tag, expected):
                raise bad("its signature does not match (altered, or signed with another secret)")
            raw = body
        try:
            data = json.loads(raw)
        except ValueError:
            raise bad("not a cursor this library produced") from None
        if not isinstance(data, dict) or data.get("v") != _CURSOR_VERSION:
            raise bad("not a cursor this library produced")
        if data.get("q") != query.digest:
            raise bad("it belongs to another query (other parameters, order or pattern)")
        key = _from_jsonable(data.get("k"))
        remaining = data.get("r")
        if not isinstance(key, dict) or not (remaining is None or isinstance(remaining, int)):
            raise bad("malformed")
        if query.terms:
            within = all(
                _same_value(key.get(attribute), operands[0])
                for attribute, _, operands in query.terms[: len(self.partitions)]
            )
        elif self.partition is not None:
            partition = key.get(self.partition.attribute)
            within = isinstance(partition, dict) and query.hash_value in partition.values()
        else:
            within = True  # a scan reads every partition
        if not within:
            raise bad("its key lies outside this query's partition")
        allowed = set(self.table.primary_key) | {
            n for v in self.index_keys.values() for n in ((v,) if isinstance(v, str) else v)
        }
        if set(key) - allowed:
            raise bad("its key holds attributes that are not keys")
        return cast(Key, key), remaining  # an ExclusiveStartKey: DynamoDB checks the values


@record
class _Query:
    hash_value: Any  # None for a scan
    key_condition: Condition | None  # None for a scan
    filter_condition: Condition | None
    forward: bool
    consistent: bool
    digest: str
    # A multi-attribute GSI's key condition: (attribute, operator, wire values) per term.
    terms: tuple[tuple[str, str, tuple[AttributeValue, ...]], ...] = ()
    segment: tuple[int, int] | None = None  # (segment, total segments) of a parallel scan


def _segment(
    name: str, scan: bool, segment: int | None, total: int | None
) -> tuple[int, int] | None:
    """A parallel scan's (segment, total segments), both or neither; checked as DynamoDB does."""
    if segment is None and total is None:
        return None
    if not scan:
        msg = f"{name}: segment and total_segments split a scan; this pattern is a query"
        raise ValueError(msg)
    if segment is None or total is None:
        msg = f"{name}: give segment and total_segments together"
        raise ValueError(msg)
    if not 1 <= total <= 1_000_000 or not 0 <= segment < total:
        msg = (
            f"{name}: segment {segment} of {total} segments; total_segments is 1 to 1,000,000"
            " and segment 0 to total_segments - 1"
        )
        raise ValueError(msg)
    return segment, total


def _key_clause(name: str, operator: str, slots: list[str]) -> str:
    """One term of a KeyConditionExpression, on placeholders."""
    if operator == "between":
        return f"{name} BETWEEN {slots[0]} AND {slots[1]}"
    if operator == "begins_with":
        return f"begins_with({name}, {slots[0]})"
    symbol = {"eq": "=", "lt": "<", "lte": "<=", "gt": ">", "gte": ">="}[operator]
    return f"{name} {symbol} {slots[0]}"


def _wire_value(attribute: Any, value: object) -> AttributeValue:
    """A composed key as DynamoDB JSON, by the table model's key attribute (S or N)."""
    serialized = attribute.serialize(value)
    if attribute.attr_type == "N":
        return {"N": str(serialized)}
    return {"S": str(serialized)}


def _same_value(stored: object, wanted: AttributeValue) -> bool:
    """Whether a cursor's key value is the query's (numbers compared as numbers)."""
    if not isinstance(stored, dict) or len(stored) != 1:
        return False
    ((kind, raw),) = stored.items()
    if kind != next(iter(wanted)) or not isinstance(raw, str):
        return False
    if kind == "N":
        try:
            return Decimal(raw) == Decimal(wanted["N"])
        except ArithmeticError:
            return False
    return raw == wanted.get("S")


def _entity_classes(base: type[Model]) -> list[type[Model]]:
    found = [base]
    for cls in found:
        found.extend(sub for sub in cls.__subclasses__() if sub not in found)
    return found


def _projected(
    base: type[Model], table: TableSpec, index: str | None, index_keys: Iterable[str]
) -> frozenset[str] | None:
    """The attribute names a Query on `index` returns; None when it returns whole items."""
    if index is None:
        return None
    multi = table.multi_key_index(index)
    if multi is not None:
        if multi.projection == "all":
            return None
        return frozenset([*table.primary_key, *multi.key_names, *multi.attributes])
    found = base._indexes.get(index)
    if found is None:
        msg = f"{base.__name__} declares no index {index!r}"
        raise ValueError(msg)
    projection = found.Meta.projection
    if projection.projection_type == "ALL":
        return None
    return frozenset([*table.primary_key, *index_keys, *(projection.non_key_attributes or [])])


def _filter_path(target: Path, op: str, operands: list[str]) -> Condition:
    """A filter condition on an attribute no entity declares (the discriminator)."""
    if op == "exists":
        return target.exists() if operands[0] == "True" else target.does_not_exist()
    if op == "in":
        return target.is_in(*operands)
    if op == "between":
        return target.between(operands[0], operands[1])
    if op == "begins_with":
        return target.startswith(operands[0])
    if op == "ne":
        return target != operands[0]
    return _compare(target, op, operands[0])


def _compare(target: Any, op: str, value: object) -> Condition:
    if op == "eq":
        return target == value  # type: ignore[no-any-return]
    if op == "lt":
        return target < value  # type: ignore[no-any-return]
    if op == "lte":
        return target <= value  # type: ignore[no-any-return]
    if op == "gt":
        return target > value  # type: ignore[no-any-return]
    return target >= value  # type: ignore[no-any-return]


def _check_sizes(limit: int | None, page_size: int | None) -> None:
    if limit is not None and limit < 1:
        msg = f"limit must be at least 1, got {limit}"
        raise ValueError(msg)
    if page_size is not None and page_size < 1:
        msg = f"page_size must be at least 1, got {page_size}"
        raise ValueError(msg)


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"$b": base64.b64encode(value).decode()}
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def _from_jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"$b"} and isinstance(value["$b"], str):
            return base64.b64decode(value["$b"])
        return {k: _from_jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_jsonable(v) for v in value]
    return value
