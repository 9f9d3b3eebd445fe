"""A least-privilege IAM policy for a service that runs the model's patterns.

One statement per access pattern: the action it calls (`dynamodb:Query`) on the one resource
it reads, the table or the index (`.../table/NAME/index/INDEX`); one per write pattern, with
the write actions its operation needs. A pattern that names a `caller` parameter is tied to
the caller: a `dynamodb:LeadingKeys` condition makes the partition key the pattern's template
with that parameter replaced by the policy variable of the caller's identity (other variables
become `*`), so a caller can only read the partitions that carry their own identity.

ARNs are CloudFormation `Fn::Sub` strings (`${AWS::Region}`, `${AWS::AccountId}`,
`${AWS::Partition}`) unless an account and a region are given, in which case they are literal
and the policy can be pasted into IAM as is. The identity variable stays a plain string in
either case, since `Fn::Sub` would otherwise take it for one of its own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from tablemodel.design import Design, PatternDesign
from tablemodel.diagnostics import Diagnostic, Severity, TableModelError
from tablemodel.diagnostics.codes import declare
from tablemodel.keylang.templates import Literal as TemplateLiteral
from tablemodel.records import record

__all__ = [
    "CALLER_NOT_IN_PARTITION_KEY",
    "COGNITO_IDENTITY",
    "ExportError",
    "iam_policy",
    "iam_policy_text",
]

COGNITO_IDENTITY = "${cognito-identity.amazonaws.com:sub}"

CALLER_NOT_IN_PARTITION_KEY = "TM961"
declare(
    CALLER_NOT_IN_PARTITION_KEY,
    "caller-not-in-partition-key",
    Severity.ERROR,
    "interchange",
    """A pattern's `caller` parameter is not part of the table's partition key it reads.

    Why: IAM ties a caller to items through `dynamodb:LeadingKeys`, which is the table's
    partition key. A caller parameter that the partition-key condition does not use (or a
    pattern on a GSI, whose partition key is another attribute) cannot be enforced, and a
    policy that only looked tied would let every caller read every partition.

    Bad:
        racer_results:
          index: GSI_SK_Numeric
          key_condition: {SK: "racer-{racer_id}"}
          caller: racer_id

    Good:
        racer_results:
          key_condition: {PK: "racer-{racer_id}", SK: {begins_with: "race-"}}
          caller: racer_id
    """,
)

_WRITE_ACTIONS = {
    "create": ("dynamodb:PutItem",),
    "put": ("dynamodb:PutItem",),
    "update": ("dynamodb:UpdateItem",),
    "delete": ("dynamodb:DeleteItem",),
    "transact": (
        "dynamodb:ConditionCheckItem",
        "dynamodb:DeleteItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
    ),
}


class ExportError(TableModelError, ValueError):
    """The model cannot be exported as asked; `diagnostics` say where and why."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics = tuple(diagnostics)
        super().__init__("; ".join(f"{d.code} {d.location}: {d.message}" for d in diagnostics))


@record
class _Arns:
    account: str | None
    region: str | None
    partition: str

    def of(self, table: str, index: str | None = None) -> Any:
        tail = f"table/{table}" + (f"/index/{index}" if index else "")
        if self.account is not None and self.region is not None:
            return f"arn:{self.partition}:dynamodb:{self.region}:{self.account}:{tail}"
        stack = "${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}"
        return {"Fn::Sub": f"arn:{stack}:{tail}"}


def _sid(name: str) -> str:
    words = [w for w in re.split(r"[^A-Za-z0-9]+", name) if w]
    return "".join(w[:1].upper() + w[1:] for w in words) or "Pattern"


def iam_policy(
    design: Design,
    *,
    account: str | None = None,
    region: str | None = None,
    partition: str = "aws",
    identity_variable: str = COGNITO_IDENTITY,
) -> dict[str, Any]:
    """The policy document; raises `ExportError` when a `caller` cannot be enforced."""
    if (account is None) != (region is None):
        msg = "give both an account and a region for literal ARNs, or neither"
        raise ValueError(msg)
    arns = _Arns(account, region, partition)
    table = design.model.table.name
    statements: list[dict[str, Any]] = []
    problems: list[Diagnostic] = []
    used: set[str] = set()
    for name, pattern in design.patterns.items():
        index = pattern.index
        resource = arns.of(table, None if index is None or index.kind == "table" else index.name)
        statement: dict[str, Any] = {
            "Sid": _unique(_sid(name), used),
            "Effect": "Allow",
            "Action": ["dynamodb:Query"],
            "Resource": [resource],
        }
        caller = pattern.spec.caller
        if caller is not None:
            leading = _leading_keys(design, pattern, caller, identity_variable)
            if isinstance(leading, Diagnostic):
                problems.append(leading)
            else:
                statement["Condition"] = {
                    "ForAllValues:StringLike": {"dynamodb:LeadingKeys": [leading]}
                }
        statements.append(statement)
    for name, write in design.model.write_patterns.items():
        statements.append(
            {
                "Sid": _unique(_sid(name), used),
                "Effect": "Allow",
                "Action": list(_WRITE_ACTIONS[write.operation]),
                "Resource": [arns.of(table)],
            }
        )
    if problems:
        raise ExportError(problems)
    return {"Version": "2012-10-17", "Statement": statements}


def iam_policy_text(design: Design, **kwargs: Any) -> str:
    return json.dumps(iam_policy(design, **kwargs), indent=2, ensure_ascii=False) + "\n"


def _unique(sid: str, used: set[str]) -> str:
    candidate, n = sid, 2
    while candidate in used:
        candidate, n = f"{sid}{n}", n + 1
    used.add(candidate)
    return candidate


def _leading_keys(
    design: Design, pattern: PatternDesign, caller: str, identity_variable: str
) -> str | Diagnostic:
    index = pattern.index
    condition = pattern.partition
    path = (*pattern.path, "caller")
    problem = None
    if index is None or condition is None:
        problem = "the pattern's index or partition-key condition did not resolve"
    elif index.kind == "gsi":
        problem = (
            f"it reads GSI `{index.name}`, whose partition key `{index.partition_key.name}` is "
            "not the table's: dynamodb:LeadingKeys cannot tie it"
        )
    elif caller not in condition.templates[0].variable_names:
        problem = (
            f"`{caller}` is not in the partition-key condition "
            f'`{condition.attribute} = "{condition.templates[0].source}"`'
        )
    if problem is not None:
        return Diagnostic(
            code=CALLER_NOT_IN_PARTITION_KEY,
            severity=Severity.ERROR,
            message=f"pattern `{pattern.name}` names caller `{caller}`, but {problem}",
            location=design.locate(path),
            expected="a parameter of the table's partition-key condition",
            hint="tie the caller on a pattern that reads the table or an LSI, or drop `caller`",
            pattern=pattern.name,
        )
    assert condition is not None
    text = []
    for part in condition.templates[0].parts:
        if isinstance(part, TemplateLiteral):
            # IAM's own escapes for characters StringLike would read as wildcards or variables.
            text.append(part.text.replace("$", "${$}").replace("*", "${*}").replace("?", "${?}"))
        elif part.name == caller:
            text.append(identity_variable)
        else:
            text.append("*")
    return "".join(text)
