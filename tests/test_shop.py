"""Issue 11's combined bar: a published-style design that uses every construct at once.

`tests/data/shop/shop.yaml` has no discriminator, GSIs keyed on the entities' own attributes
(one a two-plus-two multi-attribute key whose attributes are named `warehouse-id`,
`carrier#`, `ship-by`, `parcel#`), hyphenated, `#` and spaced names, keys folded to lower
case, and scans of the sparse multi-attribute index. It must check clean, run on both engines
with every pattern proven, and generate code that passes ruff and `mypy --strict`
(tests/test_generate.py runs those on it).

Regressions found on the way: the proof compared the text of a folded key's templates as
written (`DETAILS` against `DETAILS` did not line up, `order#` could never meet `ORDER#`) and
read a folded datetime as going on past its day with `T`; the runtime could not tell a
Product by its folded key (`product#ab-12` broke the SKU's upper-case charset), and the run
passed anyway, since it compared the pages and not what the function yielded.
"""

from __future__ import annotations

import copy
import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
import yaml

from tablemodel.check import CheckReport, run_checks
from tablemodel.design import build_design
from tablemodel.run.check import check_and_run
from tablemodel.run.runner import RunOptions
from tablemodel.runtime.query import QueryTrace
from tablemodel.schema.loader import model_from_data
from tests.generated import SHOP, generate_and_import

ENGINES = ["moto", "dynamodb-local"]
PATTERNS = [
    "customer_orders",
    "customer_by_email",
    "product",
    "products_up_to",
    "orders_by_status",
    "status_since",
    "work_list",
    "due_before",
    "parcels_between",
    "packed_orders",
    "large_packed_orders",
]
SHIP = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)


# ---------------------------------------------------------------------------------------------
# The proof on folded keys (static)


def _check(change: Callable[[dict[str, Any]], None] | None = None) -> CheckReport:
    data = yaml.safe_load(SHOP.read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    if change is not None:
        change(data)
    loaded = model_from_data(data, source="shop")
    return run_checks(build_design(loaded.model, loaded))


def _findings(report: CheckReport) -> list[tuple[str, str | None]]:
    return sorted((d.code, d.pattern) for d in report.diagnostics)


def _verdicts(report: CheckReport) -> set[str]:
    return {p.verdict.value for p in report.patterns}


def test_the_shop_checks_clean_and_every_pattern_is_proven() -> None:
    """Ties on `placed at` in `GSI1-SK` ("{placed at}#{order#}") included: equal times are
    equal text followed by the same `#`, so `order#` orders them."""
    report = _check()
    assert _findings(report) == []
    assert [p.name for p in report.patterns] == PATTERNS
    assert _verdicts(report) == {"proven"}


@pytest.mark.parametrize(
    ("pattern", "key", "condition"),
    [
        ("product", "SK", "details"),  # the template says DETAILS: one folded key
        ("product", "PK", "product#{sku}"),
        ("customer_orders", "SK", {"begins_with": "order#"}),
        ("status_since", "GSI1-PK", "status#{status}"),
    ],
)
def test_a_condition_in_another_case_meets_the_folded_key(
    pattern: str, key: str, condition: Any
) -> None:
    """Both sides fold to one key, so the condition reaches the entity and is proven."""

    def change(data: dict[str, Any]) -> None:
        data["access_patterns"][pattern]["key_condition"][key] = condition

    report = _check(change)
    assert _findings(report) == []
    assert _verdicts(report) == {"proven"}


@pytest.mark.parametrize(
    ("operator", "intended", "found"),
    [
        ("gte", {"gte": "$since"}, []),  # at the day, `t` sorts after `_`: the day is in
        ("lt", {"lt": "$since"}, []),  # ... and out of the lt
        ("lt", {"lte": "$since"}, [("TM802", "status_since")]),
    ],
)
def test_a_folded_datetime_goes_on_past_its_day_with_lower_case_t(
    operator: str, intended: dict[str, str], found: list[tuple[str, str]]
) -> None:
    """`{since}_` is above every key of the day as written (`T` < `_`), below it folded."""

    def change(data: dict[str, Any]) -> None:
        pattern = data["access_patterns"]["status_since"]
        pattern["key_condition"]["GSI1-SK"] = {operator: "{since}_"}
        pattern["intent"]["select"]["Order"]["placed at"] = intended

    assert _findings(_check(change)) == found


def test_an_order_folding_changes_is_left_to_the_run() -> None:
    """`[A-Za-z]` names sort otherwise folded (`Bo` < `al`, `bo` > `al`): ordering by one in a
    folded key is not proven, and neither are its ties (`McDonald`, `Mcdonald` write one
    text). Before, both were reported proven."""
    data: dict[str, Any] = {
        "version": 1,
        "table": {
            "name": "people",
            "partition_key": {"name": "pk"},
            "sort_key": {"name": "sk"},
            "key_codec": {"case": "lower"},
        },
        "entities": {
            "Person": {
                "attributes": {
                    "team": {"type": "string", "charset": "[a-z]", "max_length": 10},
                    "name": {"type": "string", "charset": "[A-Za-z]", "max_length": 10},
                    "n": {"type": "string", "charset": "digits", "min_length": 3, "max_length": 3},
                },
                "keys": {"pk": "TEAM#{team}", "sk": "{name}#{n}"},
            }
        },
        "access_patterns": {
            "team": {
                "description": "A team, by name.",
                "key_condition": {"pk": "TEAM#{team}"},
                "returns": ["Person"],
                "intent": {"select": {"Person": {"team": "$team"}}, "order_by": ["name", "n"]},
            }
        },
    }
    loaded = model_from_data(data, source="people")
    report = run_checks(build_design(loaded.model, loaded))
    assert _findings(report) == [("TM503", None), ("TM805", "team")]
    note = next(d for d in report.diagnostics if d.code == "TM805")
    assert "`sk` is folded to lower case" in note.message
    # Names that cannot hold upper case fold to themselves: the order and its ties are proven.
    data["entities"]["Person"]["attributes"]["name"]["charset"] = "[a-z]"
    loaded = model_from_data(data, source="people")
    report = run_checks(build_design(loaded.model, loaded))
    assert _findings(report) == []
    assert _verdicts(report) == {"proven"}


@pytest.mark.engine
def test_the_engine_sorts_a_folded_datetime_as_the_proof_says(tmp_path: Path) -> None:
    """The `lt` case above, run: the orders of the bound's day are not returned."""
    data = yaml.safe_load(SHOP.read_text(encoding="utf-8"))
    pattern = data["access_patterns"]["status_since"]
    pattern["key_condition"]["GSI1-SK"] = {"lt": "{since}_"}
    pattern["intent"]["select"]["Order"]["placed at"] = {"lt": "$since"}
    model = tmp_path / "shop.yaml"
    model.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    report, run = check_and_run(model, RunOptions())
    assert run is not None, report.diagnostics
    assert report.diagnostics == ()
    before = next(p for p in run.patterns if p.name == "status_since")
    assert before.ok, before.first_failure
    assert any(call.expected_count > 1 for call in before.calls)


# ---------------------------------------------------------------------------------------------
# check --run on both engines


@pytest.mark.engine
@pytest.mark.parametrize("engine", ENGINES)
def test_the_shop_runs_on_both_engines(engine: str, request: pytest.FixtureRequest) -> None:
    if engine == "dynamodb-local":
        request.getfixturevalue("dynamodb_local")  # fail early, with the install hint
    report, run = check_and_run(SHOP, RunOptions(engine=engine))
    assert run is not None, report.diagnostics
    assert report.diagnostics == ()
    assert run.problem is None
    assert {p.name: p.ok for p in run.patterns} == dict.fromkeys(PATTERNS, True)
    assert all(p.static_verdict == "proven" for p in run.patterns)
    several = {p.name for p in run.patterns if any(c.expected_count > 1 for c in p.calls)}
    assert several >= set(PATTERNS) - {"customer_by_email", "product"}
    # Every pattern found something, and the paging really paged.
    assert all(sum(c.expected_count for c in p.calls) > 0 for p in run.patterns)
    assert any(call.pages > 1 for p in run.patterns for call in p.calls)
    # The sparse index holds the packed orders only: the scan reads no other item.
    packed = next(p for p in run.patterns if p.name == "packed_orders")
    assert all(call.actual_count == call.expected_count > 1 for call in packed.calls)


@pytest.mark.engine
def test_a_wrong_tie_order_fails_statically_and_on_the_run(tmp_path: Path) -> None:
    """The sample's orders tie on `placed at` and on `ship-by`: the run sees the second sort
    attribute at work, in a composite string key and in a multi-attribute key alike."""
    data = yaml.safe_load(SHOP.read_text(encoding="utf-8"))
    patterns = data["access_patterns"]
    patterns["orders_by_status"]["intent"]["order_by"] = ["placed at", "order# desc"]
    patterns["work_list"]["intent"]["order_by"] = ["ship-by", "parcel# desc"]
    model = tmp_path / "shop.yaml"
    model.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    report, run = check_and_run(model, RunOptions())
    assert run is not None
    assert sorted((d.code, d.pattern) for d in report.diagnostics) == [
        ("TM803", "orders_by_status"),
        ("TM803", "work_list"),
        ("TM851", "orders_by_status"),
        ("TM851", "work_list"),
    ]
    failed = {p.name: p.first_failure for p in run.failures}
    assert sorted(failed) == ["orders_by_status", "work_list"]
    assert all(call is not None and call.misordered_at is not None for call in failed.values())


# ---------------------------------------------------------------------------------------------
# The generated module on both engines


@pytest.fixture
def shop(endpoint: str | None, tmp_path: Path) -> Iterator[ModuleType]:
    module = generate_and_import(SHOP, tmp_path)
    module.configure(table_name=f"shop-{uuid.uuid4().hex[:12]}", endpoint_url=endpoint)
    module.create_table()
    try:
        orders = [
            module.Order(
                customer_id=f"c{i % 3}",
                order_=f"{i:06d}",
                placed_at=SHIP - dt.timedelta(days=2, minutes=i),
                status="packed" if i % 4 else "pending",
                total=Decimal(10 * i),
                # Three of every four are packed: Berlin ships the first eight, Lisbon the
                # rest; each ships two at hour 0 and four at hour 1, told apart by parcel.
                warehouse_id=("BER-1" if i < 8 else "LIS-2") if i % 4 else None,
                carrier_="UPS" if i % 4 else None,
                ship_by=SHIP + dt.timedelta(hours=i % 4 // 2) if i % 4 else None,
                parcel_=1000 - i if i % 4 else None,
            )
            for i in range(16)
        ]
        products = [
            module.Product(sku="AB-12", title="Rake", category="Garden", price=Decimal("9.5")),
            module.Product(sku="AB-1", title="Hoe", category="Garden", price=Decimal("12")),
            module.Product(
                sku="CD-7", title="Parasol", category="Outdoor Living", price=Decimal("80")
            ),
        ]
        customer = module.Customer(customer_id="c1", e_mail="Ann.Lee@Example.org", full_name="A")
        module.batch_write(puts=[*orders, *products, customer])
        yield module
    finally:
        module.delete_table()
        module.configure(table_name=None, endpoint_url=None)


@pytest.mark.engine
def test_a_folded_key_finds_an_upper_case_sku_and_keeps_it(
    shop: ModuleType, endpoint: str | None
) -> None:
    # The key holds `ab-12`; the item is still told to be a Product by it, and its SKU comes
    # back as written, from the attribute.
    assert [(p.sku, p.title) for p in shop.product(sku="AB-12")] == [("AB-12", "Rake")]
    assert [p.sku for p in shop.product(sku="AB-1")] == ["AB-1"]
    client = boto3.client("dynamodb", endpoint_url=endpoint)
    raw = client.scan(TableName=shop.ShopOrdersItem.Meta.table_name)["Items"]
    keys = {item["PK"]["S"] for item in raw if item["SK"]["S"] == "details"}
    assert keys == {"product#ab-12", "product#ab-1", "product#cd-7"}
    # Attributes that are keys of an index keep their case: they are the user's values.
    profile = next(item for item in raw if item["SK"]["S"] == "profile")
    assert profile["e-mail"] == {"S": "Ann.Lee@Example.org"}
    packed = next(item for item in raw if item["SK"]["S"] == "order#000001")
    assert (packed["pick-PK"], packed["warehouse-id"]) == ({"S": "warehouse#ber-1"}, {"S": "BER-1"})
    assert packed["pick-SK"] == {"S": "parcel#00999"}
    assert [c.customer_id for c in shop.customer_by_email(e_mail="Ann.Lee@Example.org")] == ["c1"]
    assert list(shop.customer_by_email(e_mail="ann.lee@example.org")) == []
    garden = list(shop.products_up_to(category="Garden", max_price=Decimal(100)))
    assert [p.sku for p in garden] == ["AB-12", "AB-1"]


@pytest.mark.engine
def test_the_multi_attribute_index_orders_ties_and_its_scan_is_sparse(
    shop: ModuleType,
) -> None:
    trace = QueryTrace()
    berlin = list(shop.work_list(warehouse_id="BER-1", carrier_="UPS", page_size=2, trace=trace))
    # Ties on ship-by are ordered by parcel (1000 - i): the later order first.
    assert [o.order_ for o in berlin] == [
        "000005",
        "000001",
        "000007",
        "000006",
        "000003",
        "000002",
    ]
    assert len(trace.pages) > 1
    deadline = SHIP + dt.timedelta(hours=1)
    due = list(shop.due_before(warehouse_id="LIS-2", carrier_="UPS", deadline=deadline))
    assert [o.order_ for o in due] == ["000013", "000009"]
    # The pick list's folded `pick-PK` and `pick-SK` sit beside plain attributes in one key.
    hour = SHIP + dt.timedelta(hours=1)
    picked = shop.parcels_between("BER-1", "UPS", hour, 993, 997)
    assert [(o.customer_id, o.order_) for o in picked] == [
        ("c1", "000007"),
        ("c0", "000006"),
        ("c0", "000003"),
    ]
    packed = sorted(o.order_ for o in shop.packed_orders(page_size=3))
    assert packed == [f"{i:06d}" for i in range(16) if i % 4]
    # A threshold below any total the model allows is a question, not a value to store.
    every = sorted(o.order_ for o in shop.large_packed_orders(least=Decimal(-1)))
    assert every == packed
    large = sorted(o.order_ for o in shop.large_packed_orders(least=Decimal(100)))
    assert large == [f"{i:06d}" for i in range(10, 16) if i % 4]
