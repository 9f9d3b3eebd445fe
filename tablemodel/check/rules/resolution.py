"""Pattern resolution: can DynamoDB run this pattern as a Query at all?"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from tablemodel.check.analysis import Analysis
from tablemodel.check.registry import Finding, rule
from tablemodel.design import NUMERIC, Design
from tablemodel.diagnostics import Severity, quoted
from tablemodel.keylang.templates import Variable


@rule("TM301", "partition-key-not-equality", Severity.ERROR, "resolution")
def check_partition_equality(design: Design, analysis: Analysis) -> Iterator[Finding]:
    """The partition key condition is not an equality.

    Why: a Query must name exactly one partition: DynamoDB only accepts `=` on the partition
    key. Ranges and `begins_with` on a partition key need a Scan or a different key design.

    Bad:
        key_condition: {PK: {begins_with: "race-"}}

    Good:
        key_condition: {PK: "class-{class_id}"}   # one partition per class
    """
    for pattern in design.patterns.values():
        for cond in pattern.partitions:
            if cond.operator == "eq":
                continue
            yield Finding(
                cond.path,
                f"pattern `{pattern.name}` uses `{cond.operator}` on partition key "
                f"`{cond.attribute}`",
                found=cond.text(),
                expected=f'an equality: {cond.attribute}: "<template>"',
                hint="put the varying part in the sort key, or add an index whose partition"
                " key is fixed for this question",
                pattern=pattern.name,
            )


@rule("TM302", "needs-scan", Severity.ERROR, "resolution")
def check_needs_scan(design: Design, analysis: Analysis) -> Iterator[Finding]:
    """The key condition does not name the index's partition key: the pattern needs a Scan.

    Why: without the partition key DynamoDB cannot Query; a Scan reads (and bills) the whole
    table or index on every call. A multi-attribute partition key needs an equality on every
    one of its attributes.

    Bad:
        index: table
        key_condition: {SK: "race-{race_id}"}

    Good:
        index: by_sk          # a GSI whose partition key is SK
        key_condition: {SK: "race-{race_id}"}
    """
    for pattern in design.patterns.values():
        index = pattern.index
        if index is None:
            continue
        given = {c.attribute for c in pattern.partitions}
        missing = [k.name for k in index.partition_keys if k.name not in given]
        if not missing:
            continue
        if len(index.partition_keys) == 1:
            pk = missing[0]
            message = (
                f"pattern `{pattern.name}` has no condition on `{pk}`, the partition key of "
                f"{index.label}: it would need a Scan"
            )
            expected = f"an equality on `{pk}`"
        else:
            message = (
                f"pattern `{pattern.name}` has no condition on {quoted(missing)}, of the"
                f" partition key {quoted(k.name for k in index.partition_keys)} of"
                f" {index.label}: a Query needs an equality on every one of them"
            )
            expected = "an equality on " + quoted(k.name for k in index.partition_keys)
        yield Finding(
            (*pattern.path, "key_condition"),
            message,
            found="conditions on " + (quoted(pattern.spec.key_condition) or "nothing"),
            expected=expected,
            hint=_index_hint(design, pattern.spec.key_condition, pattern.spec.index),
            pattern=pattern.name,
        )


def _index_hint(design: Design, conditioned: Iterable[str], used: str) -> str | None:
    """Suggest an index whose keys are the conditioned attributes (all of them, if one has)."""
    names = set(conditioned)
    candidates = [
        i for i in design.indexes.values() if i.name != used and i.partition_key.name in names
    ]
    for index in candidates:
        if names <= set(index.key_names):
            return f"did you mean index `{index.name}`? Its keys are {quoted(index.key_names)}"
    for index in candidates:
        pk = index.partition_key.name
        return f"did you mean index `{index.name}`? Its partition key is `{pk}`"
    return None


@rule("TM303", "sort-operator-type", Severity.ERROR, "resolution")
def check_sort_operator_type(design: Design, analysis: Analysis) -> Iterator[Finding]:
    """A key condition whose operator or template does not fit the key's type.

    Why: `begins_with` is not allowed on a Number sort key (ValidationException), and a
    condition on a number key must compare with a number: a template with literal text
    composes a string that DynamoDB rejects.

    Bad:
        key_condition: {SK: "race-{race_id}", Numeric: {begins_with: "1"}}

    Good:
        key_condition: {SK: "race-{race_id}", Numeric: {gte: "{min_output}"}}
    """
    for pattern in design.patterns.values():
        for cond in pattern.key_conditions:
            key_type = design.key_type(cond.attribute)
            if key_type == "N" and cond.operator == "begins_with":
                yield Finding(
                    cond.path,
                    f"pattern `{pattern.name}` uses `begins_with` on number key"
                    f" `{cond.attribute}`, which DynamoDB does not allow",
                    found=cond.text(),
                    expected="=, <, <=, >, >= or BETWEEN on a number key",
                    pattern=pattern.name,
                )
                continue
            if key_type != "N":
                continue
            for template in cond.templates:
                single = len(template.parts) == 1 and isinstance(template.parts[0], Variable)
                spec = pattern.parameters.get(template.variable_names[0]) if single else None
                numeric_param = spec is not None and spec.type in NUMERIC
                constant = template.is_constant and _is_number(template.source)
                if not (numeric_param or constant):
                    yield Finding(
                        cond.path,
                        f"pattern `{pattern.name}` compares number key `{cond.attribute}` with a"
                        " value that is not a number",
                        found=f'"{template.source}"',
                        expected="a number, or a template that is exactly one number parameter",
                        pattern=pattern.name,
                    )


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@rule("TM304", "consistent-read-on-gsi", Severity.ERROR, "resolution")
def check_consistent_read_on_gsi(design: Design, analysis: Analysis) -> Iterator[Finding]:
    """A consistent read requested on a global secondary index.

    Why: GSIs are eventually consistent only; `ConsistentRead=true` on a GSI Query is a
    ValidationException.

    Bad:
        index: leaderboard        # a GSI
        consistent_read: true

    Good:
        index: leaderboard
        consistent_read: false    # or query the table or an LSI for read-your-writes
    """
    for pattern in design.patterns.values():
        index = pattern.index
        if index is not None and index.kind == "gsi" and pattern.spec.consistent_read:
            yield Finding(
                (*pattern.path, "consistent_read"),
                f"pattern `{pattern.name}` asks for a consistent read on {index.label}",
                found="consistent_read: true",
                expected="false: GSIs are eventually consistent only",
                pattern=pattern.name,
            )


@rule("TM305", "filter-on-key", Severity.ERROR, "resolution")
def check_filter_on_key(design: Design, analysis: Analysis) -> Iterator[Finding]:
    """A filter condition on a key attribute of the queried index.

    Why: a FilterExpression may not reference the partition or sort key of the queried table
    or index (ValidationException on DynamoDB; moto accepts it). Conditions on keys belong in
    the key condition, where they also save read capacity.

    Bad:
        key_condition: {PK: "racer-{racer_id}"}
        filter: {SK: {begins_with: "race-"}}

    Good:
        key_condition: {PK: "racer-{racer_id}", SK: {begins_with: "race-"}}
    """
    for pattern in design.patterns.values():
        if pattern.index is None:
            continue
        keys = set(pattern.index.key_names)
        for attr in pattern.spec.filter:
            if attr in keys:
                yield Finding(
                    (*pattern.path, "filter", attr),
                    f"pattern `{pattern.name}` filters on `{attr}`, a key of {pattern.index.label}",
                    found=f"filter on `{attr}`",
                    expected="key attributes in key_condition; filters on other attributes",
                    pattern=pattern.name,
                )


@rule("TM306", "condition-on-non-key", Severity.ERROR, "resolution")
def check_condition_on_non_key(design: Design, analysis: Analysis) -> Iterator[Finding]:
    """A key condition on an attribute that is not a key of the queried index.

    Why: a KeyConditionExpression may only name the index's partition key and sort key;
    anything else is a ValidationException (and usually means the wrong index was chosen).

    Bad:
        index: table
        key_condition: {PK: "race-{race_id}", Numeric: {gt: "{min}"}}

    Good:
        index: by_output          # an LSI with sort key Numeric
        key_condition: {PK: "race-{race_id}", Numeric: {gt: "{min}"}}
    """
    for pattern in design.patterns.values():
        if pattern.index is None:
            continue
        for cond in pattern.other_conditions:
            yield Finding(
                cond.path,
                f"pattern `{pattern.name}` has a key condition on `{cond.attribute}`, which is"
                f" not a key of {pattern.index.label}",
                found=cond.text(),
                expected="conditions on " + quoted(pattern.index.key_names),
                hint=_index_hint(design, pattern.spec.key_condition, pattern.index.name),
                pattern=pattern.name,
            )


@rule("TM307", "limit-with-filter", Severity.WARNING, "resolution")
def check_limit_with_filter(design: Design, analysis: Analysis) -> Iterator[Finding]:
    """A limit combined with a filter.

    Why: DynamoDB applies `Limit` to the items it reads, before the filter: a page can come
    back with fewer items than the limit (even none) while more matching items remain.

    Bad:
        filter: {status: active}
        limit: 10

    Good:
        # Put status in the sort key, or page until 10 items have been collected.
        key_condition: {PK: "class-{class_id}", SK: {begins_with: "active#"}}
        limit: 10
    """
    for pattern in design.patterns.values():
        if pattern.spec.limit is not None and pattern.spec.filter:
            yield Finding(
                (*pattern.path, "limit"),
                f"pattern `{pattern.name}` has both a limit and a filter",
                found=f"limit: {pattern.spec.limit} with filter on {quoted(pattern.spec.filter)}",
                expected="a limit applied after filtering (DynamoDB applies it before)",
                hint="move the filtered attribute into the sort key",
                pattern=pattern.name,
            )


@rule("TM330", "sort-key-gap", Severity.ERROR, "resolution")
def check_sort_key_gap(design: Design, analysis: Analysis) -> Iterator[Finding]:
    """A condition on a sort-key attribute of a multi-attribute key skips an earlier one.

    Why: a GSI's multi-attribute sort key is queried left to right: a condition on its second
    attribute needs one on its first (DynamoDB refuses the Query with a ValidationException).

    Bad:
        global_indexes:
          - {name: by_board, partition_key: [{name: board}],
             sort_key: [{name: season}, {name: score, type: N}]}
        key_condition: {board: "{board}", score: {gte: "{least}"}}

    Good:
        key_condition: {board: "{board}", season: "{season}", score: {gte: "{least}"}}
    """
    for pattern in design.patterns.values():
        index = pattern.index
        if index is None or len(index.sort_keys) < 2:
            continue
        given = {c.attribute for c in pattern.sorts}
        order = [k.name for k in index.sort_keys]
        for cond in pattern.sorts:
            position = order.index(cond.attribute)
            skipped = [name for name in order[:position] if name not in given]
            if not skipped:
                continue
            yield Finding(
                cond.path,
                f"pattern `{pattern.name}` has a condition on sort-key attribute"
                f" `{cond.attribute}` of {index.label} but none on {quoted(skipped)} before it",
                found=pattern.key_condition_text(),
                expected="conditions on the sort-key attributes "
                + quoted(order)
                + " from the first, without a gap",
                hint=f"add an equality on {quoted(skipped)}, or leave `{cond.attribute}` out",
                pattern=pattern.name,
            )


@rule("TM331", "sort-range-not-last", Severity.ERROR, "resolution")
def check_sort_range_last(design: Design, analysis: Analysis) -> Iterator[Finding]:
    """A range or `begins_with` on a sort-key attribute that a later one follows.

    Why: on a GSI's multi-attribute sort key, every conditioned attribute but the last takes
    an equality; only the last one may use `<`, `<=`, `>`, `>=`, BETWEEN or `begins_with`
    (DynamoDB refuses anything else with a ValidationException).

    Bad:
        key_condition: {board: "{board}", season: {gte: "{since}"}, score: {gte: "{least}"}}

    Good:
        key_condition: {board: "{board}", season: "{season}", score: {gte: "{least}"}}
    """
    for pattern in design.patterns.values():
        index = pattern.index
        if index is None or len(pattern.sorts) < 2:
            continue
        last = pattern.sorts[-1]
        for cond in pattern.sorts[:-1]:
            if cond.operator == "eq":
                continue
            yield Finding(
                cond.path,
                f"pattern `{pattern.name}` uses `{cond.operator}` on sort-key attribute"
                f" `{cond.attribute}` of {index.label}, followed by a condition on"
                f" `{last.attribute}`: only the last conditioned attribute may take a range",
                found=cond.text(),
                expected=f'an equality: {cond.attribute}: "<template>", or no condition after'
                f" `{cond.attribute}`",
                pattern=pattern.name,
            )
