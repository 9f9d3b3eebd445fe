"""`tablemodel export`: CloudFormation (created on DynamoDB Local and compared with the model),
IAM (one statement per pattern, LeadingKeys for a caller), NoSQL Workbench (valid against the
3.0 format, facets and sample items per entity, what the format cannot hold said aloud)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from tablemodel.api import design_of, load
from tablemodel.cli.main import cli
from tablemodel.design import Design
from tablemodel.export import (
    ExportError,
    cloudformation_template,
    iam_policy,
    table_properties,
    workbench_model,
)
from tablemodel.keylang.templates import Variable

ROOT = Path(__file__).resolve().parent.parent
ALLEYCAT = ROOT / "examples" / "alleycat"
LEADERBOARD = ROOT / "examples" / "leaderboard"
WORKBENCH_SCHEMA = ROOT / "tests" / "data" / "workbench" / "workbench-3.0.schema.json"
WHEN = dt.datetime(2026, 1, 2, 15, 4, tzinfo=dt.UTC)


def _alleycat(tmp_path: Path, edit: Any = None) -> Path:
    data = yaml.safe_load((ALLEYCAT / "tablemodel.yaml").read_text(encoding="utf-8"))
    if edit is not None:
        edit(data)
    model = tmp_path / "model.yaml"
    model.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return model


def _provisioned_with_ttl(data: dict[str, Any]) -> None:
    """Alleycat with provisioned billing, TTL, a keys-only GSI without a sort key."""
    table = data["table"]
    table["billing"] = {"mode": "PROVISIONED", "read_capacity": 5, "write_capacity": 3}
    table["ttl_attribute"] = "expires_at"
    table["stream"] = "KEYS_ONLY"
    table["global_indexes"].append(
        {"name": "by-racer", "partition_key": {"name": "GSI2PK"}, "projection": "keys_only"}
    )
    racer = data["entities"]["Racer"]
    racer["keys"]["GSI2PK"] = "racer-{racer_id}"


def _design(path: Path) -> Design:
    return design_of(load(path))


# -- CloudFormation ----------------------------------------------------------------------------


def test_cloudformation_yaml_and_json_hold_the_same_template() -> None:
    design = _design(ALLEYCAT)
    from_yaml = yaml.safe_load(cloudformation_template(design, "yaml"))
    from_json = json.loads(cloudformation_template(design, "json"))
    assert from_yaml == from_json
    resource = from_yaml["Resources"]["AlleycatTable"]
    assert resource["Type"] == "AWS::DynamoDB::Table"
    assert resource["Properties"] == table_properties(design)
    assert set(from_yaml["Outputs"]) == {
        "AlleycatTableName",
        "AlleycatTableArn",
        "AlleycatTableStreamArn",
    }


def test_cloudformation_properties_of_alleycat() -> None:
    properties = table_properties(_design(ALLEYCAT))
    assert properties == {
        "TableName": "alleycat",
        "AttributeDefinitions": [
            {"AttributeName": "PK", "AttributeType": "S"},
            {"AttributeName": "SK", "AttributeType": "S"},
            {"AttributeName": "Numeric", "AttributeType": "N"},
        ],
        "KeySchema": [
            {"AttributeName": "PK", "KeyType": "HASH"},
            {"AttributeName": "SK", "KeyType": "RANGE"},
        ],
        "BillingMode": "PAY_PER_REQUEST",
        "LocalSecondaryIndexes": [
            {
                "IndexName": "LSI_Numeric",
                "KeySchema": [
                    {"AttributeName": "PK", "KeyType": "HASH"},
                    {"AttributeName": "Numeric", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": "GSI_SK_Numeric",
                "KeySchema": [
                    {"AttributeName": "SK", "KeyType": "HASH"},
                    {"AttributeName": "Numeric", "KeyType": "RANGE"},
                ],
                "Projection": {
                    "ProjectionType": "INCLUDE",
                    "NonKeyAttributes": [
                        "entity_type",
                        "racer_id",
                        "race_id",
                        "class_id",
                        "output",
                    ],
                },
            }
        ],
        "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"},
    }


def test_cloudformation_lists_a_multi_attribute_key_hash_first_then_range_in_order() -> None:
    properties = table_properties(_design(LEADERBOARD))
    board = next(i for i in properties["GlobalSecondaryIndexes"] if i["IndexName"] == "by_board")
    assert board["KeySchema"] == [
        {"AttributeName": "tournament_id", "KeyType": "HASH"},
        {"AttributeName": "region", "KeyType": "HASH"},
        {"AttributeName": "points", "KeyType": "RANGE"},
        {"AttributeName": "submitted_at", "KeyType": "RANGE"},
    ]
    definitions = {
        d["AttributeName"]: d["AttributeType"] for d in properties["AttributeDefinitions"]
    }
    assert definitions == {
        "PK": "S",
        "SK": "S",
        "tournament_id": "S",
        "region": "S",
        "points": "N",
        "submitted_at": "S",
    }


def test_workbench_says_it_cannot_hold_a_multi_attribute_key() -> None:
    exported = workbench_model(_design(LEADERBOARD), when=WHEN)
    (table,) = exported.document["DataModel"]
    assert [g["IndexName"] for g in table["GlobalSecondaryIndexes"]] == ["by_tournament"]
    assert exported.notes[0] == (
        "GSI `by_board`: its key has several attributes (partition tournament_id, region; "
        "sort points, submitted_at), which the Workbench format cannot hold"
    )


def _create_table_request(properties: dict[str, Any], name: str) -> dict[str, Any]:
    """The CreateTable request a CloudFormation resource with these properties makes."""
    request: dict[str, Any] = {
        key: properties[key]
        for key in (
            "AttributeDefinitions",
            "KeySchema",
            "BillingMode",
            "ProvisionedThroughput",
            "LocalSecondaryIndexes",
            "GlobalSecondaryIndexes",
        )
        if key in properties
    }
    request["TableName"] = name
    if "StreamSpecification" in properties:
        request["StreamSpecification"] = {
            "StreamEnabled": True,
            **properties["StreamSpecification"],
        }
    return request


def _key_schema(index: Any) -> list[dict[str, str]]:
    return [{"AttributeName": k.name, "KeyType": "HASH"} for k in index.partition_keys] + [
        {"AttributeName": k.name, "KeyType": "RANGE"} for k in index.sort_keys
    ]


def _projection(index: Any) -> dict[str, Any]:
    kind = {"all": "ALL", "keys_only": "KEYS_ONLY", "include": "INCLUDE"}[index.projection.type]
    out: dict[str, Any] = {"ProjectionType": kind}
    if index.projection.attributes:
        out["NonKeyAttributes"] = sorted(index.projection.attributes)
    return out


@pytest.mark.engine
@pytest.mark.parametrize("variant", ["alleycat", "provisioned-ttl-keys-only", "leaderboard"])
def test_the_cloudformation_table_on_dynamodb_local_is_the_model(
    variant: str, tmp_path: Path, dynamodb_local: str, aws_credentials: None
) -> None:
    import boto3  # noqa: PLC0415
    from botocore.config import Config  # noqa: PLC0415

    if variant == "leaderboard":  # a multi-attribute GSI key: 2 HASH then 2 RANGE attributes
        model = LEADERBOARD
    else:
        model = _alleycat(tmp_path, _provisioned_with_ttl if variant != "alleycat" else None)
    design = _design(model)
    template = yaml.safe_load(cloudformation_template(design, "yaml"))
    (resource,) = template["Resources"].values()
    properties = resource["Properties"]
    client = boto3.client(
        "dynamodb",
        endpoint_url=dynamodb_local,
        config=Config(connect_timeout=5, read_timeout=15, retries={"max_attempts": 2}),
    )
    name = f"cfn-{uuid.uuid4().hex[:8]}"
    client.create_table(**_create_table_request(properties, name))
    try:
        if "TimeToLiveSpecification" in properties:
            client.update_time_to_live(
                TableName=name, TimeToLiveSpecification=properties["TimeToLiveSpecification"]
            )
        described = client.describe_table(TableName=name)["Table"]
        table = design.model.table
        # Keys and their types: every key attribute of the table and its indexes, typed once.
        assert {
            d["AttributeName"]: d["AttributeType"] for d in described["AttributeDefinitions"]
        } == {name: design.key_type(name) for name in design.key_attribute_names()}
        assert described["KeySchema"] == _key_schema(design.table)
        lsis = {i["IndexName"]: i for i in described.get("LocalSecondaryIndexes", [])}
        gsis = {i["IndexName"]: i for i in described.get("GlobalSecondaryIndexes", [])}
        for index in design.indexes.values():
            if index.kind == "table":
                continue
            found = (lsis if index.kind == "lsi" else gsis).pop(index.name)
            assert found["KeySchema"] == _key_schema(index)
            projection = dict(found["Projection"])
            if "NonKeyAttributes" in projection:
                projection["NonKeyAttributes"] = sorted(projection["NonKeyAttributes"])
            assert projection == _projection(index)
            if index.kind == "gsi" and table.billing.mode == "PROVISIONED":
                throughput = found["ProvisionedThroughput"]
                assert throughput["ReadCapacityUnits"] == table.billing.read_capacity
                assert throughput["WriteCapacityUnits"] == table.billing.write_capacity
        assert lsis == {}
        assert gsis == {}
        billing = described.get("BillingModeSummary", {}).get("BillingMode", "PROVISIONED")
        assert billing == table.billing.mode
        if table.billing.mode == "PROVISIONED":
            throughput = described["ProvisionedThroughput"]
            assert throughput["ReadCapacityUnits"] == table.billing.read_capacity
            assert throughput["WriteCapacityUnits"] == table.billing.write_capacity
        stream = described.get("StreamSpecification", {})
        assert stream.get("StreamEnabled", False) == (table.stream is not None)
        if table.stream is not None:
            assert stream["StreamViewType"] == table.stream
        ttl = client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        if table.ttl_attribute is not None:
            assert ttl["TimeToLiveStatus"] in {"ENABLED", "ENABLING"}
            assert ttl["AttributeName"] == table.ttl_attribute
        else:
            assert ttl["TimeToLiveStatus"] == "DISABLED"
    finally:
        client.delete_table(TableName=name)


# -- IAM ---------------------------------------------------------------------------------------


def _with_caller(pattern: str, caller: str) -> Any:
    def edit(data: dict[str, Any]) -> None:
        data["access_patterns"][pattern]["caller"] = caller

    return edit


def test_iam_has_one_statement_per_pattern_on_the_resource_it_reads() -> None:
    design = _design(ALLEYCAT)
    policy = iam_policy(design, account="123456789012", region="eu-west-1")
    assert policy["Version"] == "2012-10-17"
    statements = policy["Statement"]
    assert [s["Sid"] for s in statements] == [
        "ResultsByRacer",
        "RacesByClass",
        "BestByClass",
        "TopScoresByRace",
        "PerformanceByRacer",
        "PerformanceInRace",
        "RaceLeaderboard",
        "RacerProfile",
    ]
    table = "arn:aws:dynamodb:eu-west-1:123456789012:table/alleycat"
    resources = {s["Sid"]: s["Resource"] for s in statements}
    assert resources["ResultsByRacer"] == [table]
    assert resources["RacesByClass"] == [f"{table}/index/LSI_Numeric"]
    assert resources["TopScoresByRace"] == [f"{table}/index/GSI_SK_Numeric"]
    assert all(s["Action"] == ["dynamodb:Query"] and s["Effect"] == "Allow" for s in statements)
    assert all("Condition" not in s for s in statements)


def test_iam_arns_without_an_account_are_cloudformation_substitutions() -> None:
    policy = iam_policy(_design(ALLEYCAT))
    assert policy["Statement"][1]["Resource"] == [
        {
            "Fn::Sub": "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:"
            "table/alleycat/index/LSI_Numeric"
        }
    ]
    with pytest.raises(ValueError, match="both an account and a region"):
        iam_policy(_design(ALLEYCAT), account="123456789012")


def test_iam_ties_a_caller_to_the_partition_key(tmp_path: Path) -> None:
    design = _design(_alleycat(tmp_path, _with_caller("results_by_racer", "racer_id")))
    statement = iam_policy(design)["Statement"][0]
    assert statement["Condition"] == {
        "ForAllValues:StringLike": {
            "dynamodb:LeadingKeys": ["racer-${cognito-identity.amazonaws.com:sub}"]
        }
    }
    other = iam_policy(design, identity_variable="${aws:PrincipalTag/racer}")["Statement"][0]
    assert other["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"] == [
        "racer-${aws:PrincipalTag/racer}"
    ]


def test_iam_escapes_wildcards_and_stars_other_variables(tmp_path: Path) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["entities"]["ClassBest"]["keys"]["PK"] = "cl*ss?${class_id}#{racer_id}"
        data["access_patterns"]["best_by_class"] = {
            "description": "a racer's best in a class",
            "key_condition": {"PK": "cl*ss?${class_id}#{racer_id}"},
            "returns": ["ClassBest"],
            "caller": "racer_id",
            "intent": {"select": {"ClassBest": {"class_id": "$class_id", "racer_id": "$racer_id"}}},
        }

    design = _design(_alleycat(tmp_path, edit))
    statement = next(s for s in iam_policy(design)["Statement"] if s["Sid"] == "BestByClass")
    assert statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"] == [
        "cl${*}ss${?}${$}*#${cognito-identity.amazonaws.com:sub}"
    ]


@pytest.mark.parametrize(
    ("pattern", "caller", "problem"),
    [
        (
            "top_scores_by_race",
            "race_id",
            "pattern `top_scores_by_race` names caller `race_id`, but it reads GSI "
            "`GSI_SK_Numeric`, whose partition key `SK` is not the table's: "
            "dynamodb:LeadingKeys cannot tie it",
        ),
        (
            "performance_in_race",
            "race_id",
            "pattern `performance_in_race` names caller `race_id`, but `race_id` is not in the "
            'partition-key condition `PK = "racer-{racer_id}"`',
        ),
    ],
)
def test_iam_refuses_a_caller_it_cannot_enforce(
    tmp_path: Path, pattern: str, caller: str, problem: str
) -> None:
    design = _design(_alleycat(tmp_path, _with_caller(pattern, caller)))
    with pytest.raises(ExportError) as raised:
        iam_policy(design)
    (diagnostic,) = raised.value.diagnostics
    assert diagnostic.code == "TM961"
    assert diagnostic.message == problem
    assert diagnostic.location.path == ("access_patterns", pattern, "caller")
    assert diagnostic.location.line is not None
    done = CliRunner().invoke(cli, ["export", str(design.source), "--to", "iam"])
    assert done.exit_code == 1
    assert "TM961" in done.output


# -- NoSQL Workbench ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def workbench_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(WORKBENCH_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


MODELS = [
    ALLEYCAT,
    LEADERBOARD,
    ALLEYCAT / "hour_race.yaml",
    ROOT / "tests" / "data" / "generate" / "box_office.yaml",
]


@pytest.mark.parametrize("model", MODELS, ids=lambda p: p.stem)
def test_the_workbench_export_is_valid_against_the_format(
    model: Path, workbench_validator: jsonschema.Draft202012Validator
) -> None:
    exported = workbench_model(_design(model), when=WHEN)
    document = json.loads(exported.text())
    errors = [
        f"{list(e.absolute_path)}: {e.message}" for e in workbench_validator.iter_errors(document)
    ]
    assert errors == []


def test_the_workbench_schema_rejects_what_the_format_does_not_hold(
    workbench_validator: jsonschema.Draft202012Validator,
) -> None:
    """The schema is a real check: planted mistakes in an exported model fail it."""
    good = workbench_model(_design(ALLEYCAT), when=WHEN).document
    plants: dict[str, Callable[[dict[str, Any]], object]] = {
        "version": lambda d: d["ModelMetadata"].__setitem__("Version", "2.0"),
        "key type": lambda d: d["DataModel"][0]["KeyAttributes"]["PartitionKey"].__setitem__(
            "AttributeType", "BOOL"
        ),
        "value": lambda d: d["DataModel"][0]["TableFacets"][0]["TableData"][0].__setitem__(
            "name", {"S": "x", "N": "1"}
        ),
        "projection": lambda d: d["DataModel"][0]["GlobalSecondaryIndexes"][0]["Projection"].pop(
            "NonKeyAttributes"
        ),
        "unknown field": lambda d: d["DataModel"][0].__setitem__("LocalSecondaryIndexes", []),
    }
    for what, plant in plants.items():
        document = json.loads(json.dumps(good))
        plant(document)
        assert list(workbench_validator.iter_errors(document)), what


def test_the_workbench_export_has_a_facet_per_entity_with_its_templates_and_items() -> None:
    design = _design(ALLEYCAT)
    exported = workbench_model(design, when=WHEN)
    (table,) = exported.document["DataModel"]
    assert exported.document["ModelMetadata"]["DateCreated"] == "Jan 2, 2026, 03:04 PM"
    facets = {f["FacetName"]: f for f in table["TableFacets"]}
    assert list(facets) == list(design.entities)
    assert facets["RacerRace"]["KeyAttributeAlias"] == {
        "PartitionKeyAlias": "racer-{racer_id}",
        "SortKeyAlias": "race-{race_id}",
    }
    first = facets["RacerRace"]["TableData"][0]
    assert first["PK"]["S"].startswith("racer-")
    assert first["entity_type"] == {"S": "RacerRace"}
    assert set(facets["RacerRace"]["NonKeyAttributes"]) == {
        "Numeric",
        "entity_type",
        "racer_id",
        "race_id",
        "class_id",
        "output",
        "results",
    }
    assert [g["IndexName"] for g in table["GlobalSecondaryIndexes"]] == ["GSI_SK_Numeric"]
    assert exported.notes == (
        "LSI `LSI_Numeric` (sort key Numeric): the Workbench format has no local secondary indexes",
        "stream NEW_AND_OLD_IMAGES: the format has no stream setting",
        "8 access patterns with their intents: the format's facets are views, not queries",
        "attribute types integer are written as their DynamoDB types; bounds, charsets and "
        "optional markers are not kept",
    )


WAITING_ROOM = ROOT / "examples" / "waiting_room"


def _text(value: dict[str, Any]) -> str | None:
    """A DynamoDB JSON scalar as a key would hold it (numbers by value), else None."""
    ((kind, data),) = value.items()
    if kind == "N":
        return str(Decimal(data).normalize())
    return str(data) if kind == "S" else None


@pytest.mark.parametrize("model", [ALLEYCAT, WAITING_ROOM, LEADERBOARD], ids=lambda p: p.name)
def test_the_workbench_sample_tells_attributes_apart(model: Path) -> None:
    """An importer reads templates back from the items: no two attributes that could fill one
    key slot hold equal values on every item, and a padded integer shows several widths."""
    design = _design(model)
    (table,) = workbench_model(design, when=WHEN).document["DataModel"]
    keys = set(design.key_attribute_names())
    discriminator = design.model.table.discriminator_attribute
    for facet in table["TableFacets"]:
        items = facet["TableData"]
        texts = [
            {a: t for a, v in item.items() if a not in keys and a != discriminator
             if (t := _text(v)) is not None}
            for item in items
        ]  # fmt: skip
        names = sorted({a for t in texts for a in t})
        for i, first in enumerate(names):
            for second in names[i + 1 :]:
                both = [t for t in texts if first in t and second in t]
                if len(both) >= 2:
                    alike = all(t[first] == t[second] for t in both)
                    assert not alike, (facet["FacetName"], first, second)
        entity = design.entities[facet["FacetName"]]
        for template in entity.templates.values():
            for part in template.parts:
                if isinstance(part, Variable) and part.width is not None and part.width > 1:
                    widths = {len(t[part.name]) for t in texts if part.name in t}
                    assert len(widths) > 1, (facet["FacetName"], part.name, widths)


def test_cli_export_writes_each_format(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "model.json"
    done = runner.invoke(cli, ["export", str(ALLEYCAT), "--to", "workbench", "-o", str(out)])
    assert done.exit_code == 0, done.output
    assert json.loads(out.read_text(encoding="utf-8"))["ModelName"] == "alleycat"
    assert "not in the Workbench model: LSI `LSI_Numeric`" in done.output
    done = runner.invoke(
        cli, ["export", str(ALLEYCAT), "--to", "cloudformation", "--format", "json"]
    )
    assert done.exit_code == 0
    assert json.loads(done.output)["Resources"]["AlleycatTable"]["Type"] == "AWS::DynamoDB::Table"
    done = runner.invoke(cli, ["export", str(ALLEYCAT), "--to", "iam", "--account", "1"])
    assert done.exit_code == 2
    assert "--account and --region go together" in done.output
    done = runner.invoke(cli, ["export", str(ALLEYCAT), "--to", "workbench", "--region", "x"])
    assert done.exit_code == 2
