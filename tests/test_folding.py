"""Keys folded to lower case (`key_codec.case: lower`), on the engines.

`tests/data/folding/members.yaml` folds every key. Member IDs hold no upper case and come
back from the keys as written; last names do not: `McDonald` and `Mcdonald` share the name
index's key (TM503), a query for either finds both, and a read through the index, which
projects only keys, leaves the last name unset instead of returning `mcdonald` as it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import boto3
import pytest

from tablemodel.run.check import check_and_run
from tablemodel.run.runner import RunOptions
from tablemodel.runtime.errors import PartialItemError
from tablemodel.runtime.query import QueryTrace
from tests.generated import MEMBERS, deploy, generate_and_import

pytestmark = pytest.mark.engine

JOINED = dt.date(2024, 2, 29)


@pytest.fixture
def members(endpoint: str | None, tmp_path: Path) -> Iterator[ModuleType]:
    yield from deploy(generate_and_import(MEMBERS, tmp_path), endpoint)


def test_keys_are_written_and_queried_in_lower_case(
    members: ModuleType, endpoint: str | None
) -> None:
    for member_id, name, tier in [("m1", "McDonald", "Gold"), ("m2", "Mcdonald", "Silver")]:
        members.Member(member_id=member_id, last_name=name, joined=JOINED, tier=tier).create()
    client = boto3.client("dynamodb", endpoint_url=endpoint)
    stored = client.get_item(
        TableName=members.Member.Meta.table_name,
        Key={"pk": {"S": "member#m1"}, "sk": {"S": "profile#gold"}},
    )["Item"]
    assert (stored["gsi1pk"], stored["gsi1sk"]) == ({"S": "name#mcdonald"}, {"S": "gold#m1"})
    # The attributes keep their case; only the keys are folded.
    assert (stored["last_name"], stored["tier"]) == ({"S": "McDonald"}, {"S": "Gold"})

    trace = QueryTrace()
    found = list(members.members_named("MCDONALD", trace=trace))
    assert trace.pages[0].request["ExpressionAttributeValues"] == {":0": {"S": "name#mcdonald"}}
    assert sorted(m.member_id for m in found) == ["m1", "m2"]
    for member in found:
        # Neither name can be told from the key: nothing, rather than "mcdonald", comes back.
        assert member.last_name is None
        assert member.tier is None
        with pytest.raises(PartialItemError):
            member.put()
    whole = members.Member.fetch(member_id="m1", tier="Gold")
    assert whole is not None
    assert (whole.last_name, whole.tier, whole.joined) == ("McDonald", "Gold", JOINED)
    (one,) = members.member("m2")
    assert (one.last_name, one.tier) == ("Mcdonald", "Silver")


def test_check_run_confirms_what_folding_merges() -> None:
    report, run = check_and_run(MEMBERS, RunOptions())
    found = sorted((d.code, d.pattern or "", d.entity or "") for d in report.diagnostics)
    assert found == [
        ("TM503", "", "Member"),
        ("TM805", "members_named", ""),
        ("TM851", "members_named", ""),
    ]
    assert run is not None
    named = next(p for p in run.patterns if p.name == "members_named")
    failure = named.first_failure
    assert failure is not None
    assert failure.parameters == {"last_name": "McDonald"}
    assert failure.unexpected
    assert not failure.missing
