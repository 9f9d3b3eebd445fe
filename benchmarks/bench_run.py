"""`check --run` on Alleycat against a hand-written boto3 script doing the same work, on moto.

The run (A): `run_model` in-process, with moto: generate and import the module, create the
table, generate and load the sample items, call every pattern with every parameter set
through its generated function (pages of 2) and walk its cursor pages, compare with the
intent, delete the table.

The baseline (B): what a person would write with boto3 to do the same requests: create the
same table (same LSI and GSI), BatchWriteItem the same items 25 at a time, run the same
Queries (same key conditions, Limit 2, every page, twice: once for the iterator and once for
the cursor walk), delete the table. Its inputs (items, parameters) are prepared before the
clock starts, so the baseline pays only for its requests.

Both run in the same process, alternating; the figure is the median of per-round CPU-time
ratios. Target: <= 1.5.

Run: python benchmarks/bench_run.py [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "examples" / "alleycat"))
from _aws import use_dummy_credentials  # noqa: E402

use_dummy_credentials()

import boto3  # noqa: E402
import models  # noqa: E402  (examples/alleycat/models.py, to serialise the same items)
import moto  # noqa: E402

from tablemodel.api import design_of, load  # noqa: E402
from tablemodel.run.parameters import parameter_sets  # noqa: E402
from tablemodel.run.runner import RunOptions, run_model  # noqa: E402
from tablemodel.run.sample import generate_samples  # noqa: E402

MODEL = ROOT / "examples" / "alleycat"
PAGE = 2


def _prepare() -> tuple[list[dict[str, Any]], list[tuple[str, dict[str, Any]]]]:
    """The wire items and (pattern, parameters) pairs the run uses, computed once."""
    design = design_of(load(MODEL))
    samples = generate_samples(design)
    classes: dict[str, Any] = {cls._spec.name: cls for cls in models.ENTITIES}
    items = []
    for sample in samples:
        cls = classes[sample.entity]
        spec = cls._spec
        items.append(cls(**{spec.py(k): v for k, v in sample.values.items()}).serialize())
    calls = [
        (name, params)
        for name in design.patterns
        for params in parameter_sets(design, name, samples, max_sets=6)
    ]
    return items, calls


def _esc(text: str) -> str:
    """The codec's escaping (`\\` and `#`), written by hand as a person would."""
    return text.replace("\\", "\\\\").replace("#", "\\#")


def _query_args(name: str, p: dict[str, Any]) -> dict[str, Any]:
    """The eight Alleycat queries, written by hand."""
    if name in {"results_by_racer", "performance_by_racer"}:
        return {
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :sk)",
            "ExpressionAttributeValues": {
                ":pk": {"S": "racer-" + _esc(p["racer_id"])},
                ":sk": {"S": "race-"},
            },
        }
    if name == "races_by_class":
        return {
            "IndexName": "LSI_Numeric",
            "KeyConditionExpression": "PK = :pk",
            "ExpressionAttributeValues": {":pk": {"S": "class-" + _esc(p["class_id"])}},
        }
    if name == "best_by_class":
        return {
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :sk)",
            "ExpressionAttributeValues": {
                ":pk": {"S": "class-" + _esc(p["class_id"])},
                ":sk": {"S": "racer-"},
            },
        }
    if name == "top_scores_by_race":
        return {
            "IndexName": "GSI_SK_Numeric",
            "KeyConditionExpression": "SK = :sk",
            "ExpressionAttributeValues": {":sk": {"S": "race-" + _esc(p["race_id"])}},
            "ScanIndexForward": False,
        }
    if name == "performance_in_race":
        return {
            "KeyConditionExpression": "PK = :pk AND SK = :sk",
            "ExpressionAttributeValues": {
                ":pk": {"S": "racer-" + _esc(p["racer_id"])},
                ":sk": {"S": "race-" + _esc(p["race_id"])},
            },
        }
    if name == "race_leaderboard":
        return {
            "IndexName": "LSI_Numeric",
            "KeyConditionExpression": "PK = :pk",
            "ExpressionAttributeValues": {":pk": {"S": "race-" + _esc(p["race_id"])}},
            "ScanIndexForward": False,
            "_limit": 10,
        }
    return {
        "KeyConditionExpression": "PK = :pk AND SK = :sk",
        "ExpressionAttributeValues": {
            ":pk": {"S": "racer-" + _esc(p["racer_id"])},
            ":sk": {"S": "profile"},
        },
    }


def _baseline(items: list[dict[str, Any]], calls: list[tuple[str, dict[str, Any]]]) -> None:
    with moto.mock_aws():
        client = boto3.client("dynamodb")
        table = "alleycat-baseline"
        client.create_table(
            TableName=table,
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
            AttributeDefinitions=[
                {"AttributeName": "PK", "AttributeType": "S"},
                {"AttributeName": "SK", "AttributeType": "S"},
                {"AttributeName": "Numeric", "AttributeType": "N"},
            ],
            KeySchema=[
                {"AttributeName": "PK", "KeyType": "HASH"},
                {"AttributeName": "SK", "KeyType": "RANGE"},
            ],
            LocalSecondaryIndexes=[
                {
                    "IndexName": "LSI_Numeric",
                    "KeySchema": [
                        {"AttributeName": "PK", "KeyType": "HASH"},
                        {"AttributeName": "Numeric", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
            GlobalSecondaryIndexes=[
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
        )
        for start in range(0, len(items), 25):
            chunk = items[start : start + 25]
            client.batch_write_item(
                RequestItems={table: [{"PutRequest": {"Item": item}} for item in chunk]}
            )
        for name, params in calls:
            args = _query_args(name, params)
            limit = args.pop("_limit", None)
            for _walk in range(2):
                start_key = None
                got = 0
                while True:
                    page_limit = PAGE if limit is None else min(PAGE, limit - got)
                    request = {"TableName": table, "Limit": page_limit, **args}
                    if start_key:
                        request["ExclusiveStartKey"] = start_key
                    page = client.query(**request)
                    got += page["Count"]
                    start_key = page.get("LastEvaluatedKey")
                    if not start_key or (limit is not None and got >= limit):
                        break
        client.delete_table(TableName=table)


def _cpu(work: Callable[[], Any]) -> float:
    start = time.process_time()
    work()
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    if args.rounds < 2:
        parser.error("--rounds must be at least 2 (the figure is a median of per-round ratios)")
    items, calls = _prepare()

    def run() -> None:
        report = run_model(load(MODEL), RunOptions(page_size=PAGE))
        assert report.ok, [p.name for p in report.failures]

    def baseline() -> None:
        _baseline(items, calls)

    run()
    baseline()
    ratios, runs, bases = [], [], []
    for i in range(args.rounds):
        order = [run, baseline] if i % 2 == 0 else [baseline, run]
        spent = {work: _cpu(work) for work in order}
        runs.append(spent[run])
        bases.append(spent[baseline])
        ratios.append(spent[run] / spent[baseline])
    print(f"{len(items)} items, {len(calls)} pattern calls, pages of {PAGE}, rounds={args.rounds}")
    print(f"check --run (run_model, moto)      {statistics.median(runs) * 1e3:8.1f} ms CPU")
    print(f"hand-written boto3, same requests  {statistics.median(bases) * 1e3:8.1f} ms CPU")
    quartiles = statistics.quantiles(ratios, n=4)
    print(f"ratio {statistics.median(ratios):.3f} (IQR {quartiles[0]:.3f} to {quartiles[2]:.3f})")


if __name__ == "__main__":
    main()
