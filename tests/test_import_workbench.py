"""`tablemodel import workbench`: the three format versions and their shapes, located errors
for files it cannot read, mutated documents that never raise, and exports that come back.

The fixtures under tests/data/workbench/ are written for these tests, one per shape: 1.0 with
items per facet, a GSI without a sort key, sets and names holding `#`, `-` and a space; 2.0
with the items on the table and facets that only alias keys; 3.0 with every field, binary and
document types and auto-scaling.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tablemodel.api import check_model, design_of, load
from tablemodel.cli.main import cli
from tablemodel.export import workbench_model
from tablemodel.export.workbench import dynamodb_type
from tablemodel.importers.inference import width_one_as_plain
from tablemodel.importers.workbench import (
    ImportResult,
    WorkbenchImportError,
    import_workbench,
    import_workbench_text,
)
from tablemodel.keylang.templates import parse_template
from tablemodel.runtime.keys import KeyCodec, KeyValueError, PartSpec
from tablemodel.schema.loader import load_model_from_text

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "workbench"
FIXTURES = sorted(DATA.glob("v*.json"))
WHEN = dt.datetime(2026, 1, 2, 15, 4, tzinfo=dt.UTC)


def _loads(result: ImportResult) -> Any:
    """The imported YAML loads as a model, and checks without a load error; its key templates
    are built of attributes the entity declares, never of a key that is itself a template."""
    loaded = load_model_from_text(result.yaml_text(), source="imported.yaml")
    report = check_model(loaded)
    assert not [d for d in report.errors if d.code == "TM102"]  # a template names no attribute
    _grounded(result.model)
    return loaded


def _grounded(model: dict[str, Any]) -> None:
    for name, entity in model["entities"].items():
        for key, template in entity["keys"].items():
            for variable in parse_template(template).variable_names:
                assert variable in entity["attributes"], (name, key, template)
                assert variable not in entity["keys"], (name, key, template)


def _messages(result: ImportResult) -> list[str]:
    assert all(f.code == "TM953" for f in result.findings)
    return [f.message for f in result.findings]


# -- the three shapes ---------------------------------------------------------------------------


def test_v1_items_per_facet_sets_odd_names_and_a_gsi_without_a_sort_key() -> None:
    result = import_workbench(DATA / "v1_library_facets.json")
    _loads(result)
    model = result.model
    assert result.version == "1.0"
    assert model["table"]["global_indexes"] == [
        {
            "name": "loans-by-book",
            "partition_key": {"name": "GSI1_PK", "type": "S"},
            "projection": "keys_only",
        }
    ]
    assert model["table"]["billing"] == {"mode": "PAY_PER_REQUEST"}
    member, loan = model["entities"]["Member"], model["entities"]["Loan"]
    assert member["keys"] == {"PK": "MEMBER#{member_id}", "SK": "PROFILE"}
    assert loan["keys"] == {
        "PK": "MEMBER#{member_id}",
        "SK": "LOAN#{due}#{book_id}",
        "GSI1_PK": "BOOK#{book_id}",
    }
    assert member["attributes"]["interests"] == {"type": "string_set", "optional": True}
    assert loan["attributes"]["fines"] == {"type": "number_set", "optional": True}
    assert loan["attributes"]["late_count"] == {"type": "number"}
    assert _messages(result) == [
        "attribute `GSI1-PK` is named `GSI1_PK`: the model language takes names of letters, "
        "digits and _",
        "no BillingMode (format 1.0); on demand assumed",
        "attribute `full name` is named `full_name`: the model language takes names of "
        "letters, digits and _",
        "attribute `late#count` is named `late_count`: the model language takes names of "
        "letters, digits and _",
    ]


def test_v2_items_on_the_table_go_to_the_facets_their_keys_fit() -> None:
    result = import_workbench(DATA / "v2_shop_table_data.json")
    _loads(result)
    model = result.model
    assert model["table"]["billing"] == {
        "mode": "PROVISIONED",
        "read_capacity": 10,
        "write_capacity": 4,
    }
    entities = model["entities"]
    assert list(entities) == ["Shop", "Order", "Supplier"]
    assert entities["Shop"]["keys"] == {"pk": "SHOP#{ShopId}", "sk": "META"}
    # The GSI is keyed on the orders' own attributes: they are the keys, with no template.
    assert entities["Order"]["keys"] == {"pk": "SHOP#{ShopId}", "sk": "ORDER#{OrderId}"}
    assert design_of(_loads(result)).entities["Order"].plain == {"customer_id", "ordered_at"}
    # A facet with only key aliases and no item still becomes an entity, from its aliases.
    assert entities["Supplier"]["keys"] == {
        "pk": "SUPPLIER#{SupplierId}",
        "sk": "{SupplierName}",
    }
    assert entities["Order"]["attributes"]["gift"] == {"type": "boolean", "optional": True}
    messages = _messages(result)
    assert any(m.startswith("`Shop`.`pk`: template `SHOP#{ShopId}` guessed") for m in messages)
    assert any(m.startswith("`Supplier`.`pk`: template `SUPPLIER#{SupplierId}`") for m in messages)


def test_v3_every_field_types_discriminator_and_auto_scaling() -> None:
    result = import_workbench(DATA / "v3_venues_full.json")
    _loads(result)
    table = result.model["table"]
    assert table["discriminator_attribute"] == "Type"
    assert table["billing"] == {"mode": "PROVISIONED", "read_capacity": 5, "write_capacity": 5}
    venue, gig = result.model["entities"]["Venue"], result.model["entities"]["Gig"]
    assert venue["discriminator"] == "venue"
    assert gig["keys"] == {
        "PK": "VENUE#{venue_id}",
        "SK": "GIG#{gig_id}",
        "GSI1PK": "CITY#{city}",
        "GSI1SK": "{starts}",
    }
    assert {n: a["type"] for n, a in gig["attributes"].items()} == {
        "venue_id": "string",
        "gig_id": "string",
        "city": "string",
        "starts": "number",
        "acts": "list",
        "prices": "map",
        "stamps": "binary_set",
    }
    assert venue["attributes"]["photo"] == {"type": "binary", "optional": True}
    assert _messages(result) == [
        "AutoScalingRead (2 to 40 units, target 65%): the model has no auto-scaling; set it up "
        "beside the table",
        "AutoScalingWrite (1 to 20 units, target 70%): the model has no auto-scaling; set it up "
        "beside the table",
        "attribute `Type` names each item's entity type: it is the table's discriminator_attribute",
    ]


def test_zero_padded_numbers_are_read_as_widths() -> None:
    """Keys that pad numbers to a fixed width give `{n:0Nd}` (the attribute an integer); a
    number that fills its place on every item shows no padding and stays `{n}`."""
    result = import_workbench(DATA / "v3_padded_readings.json")
    _loads(result)
    reading = result.model["entities"]["Reading"]
    assert reading["keys"] == {
        "PK": "METER#{meter_id}",
        "SK": "READING#{seq:08d}",
        "GSI1PK": "YEAR#{year}",
        "GSI1SK": "{month:02d}-{day:02d}#{seq:08d}",
    }
    types = {n: a["type"] for n, a in reading["attributes"].items()}
    assert types == {
        "meter_id": "string",
        "seq": "integer",
        "year": "number",
        "month": "integer",
        "day": "integer",
        "kwh": "number",
    }
    assert _messages(result) == []


def test_two_attributes_that_fit_one_key_are_reported_not_chosen_silently() -> None:
    result = import_workbench(DATA / "v3_twin_attributes.json")
    _loads(result)
    keys = result.model["entities"]["Account"]["keys"]
    assert keys["GSI1PK"] in {"USER#{owner}", "USER#{creator}"}
    assert keys["Rank"] in {"{points}", "{level}"}
    messages = _messages(result)
    assert len(messages) == 2
    strings, numbers = messages
    assert strings.startswith("`Account`.`GSI1PK`: the sample items fit ")
    assert "`USER#{owner}`" in strings
    assert "`USER#{creator}`" in strings
    assert f"`{keys['GSI1PK']}` chosen" in strings
    assert numbers.startswith("`Account`.`Rank`: the sample items fit ")
    assert "`{points}`" in numbers
    assert "`{level}`" in numbers
    # Told apart by one item, the same attributes are no longer ambiguous.
    document = json.loads((DATA / "v3_twin_attributes.json").read_text(encoding="utf-8"))
    item = document["DataModel"][0]["TableFacets"][0]["TableData"][0]
    item["creator"] = {"S": "u-9"}
    item["level"] = {"N": "7"}
    apart = import_workbench_text(json.dumps(document), source="apart.json")
    assert apart.model["entities"]["Account"]["keys"]["GSI1PK"] == "USER#{owner}"
    assert apart.model["entities"]["Account"]["keys"]["Rank"] == "{points}"
    assert _messages(apart) == []


def test_a_key_is_never_built_of_another_key() -> None:
    # SK, GSI1PK (and an invoice's GSI1SK) hold the same value on every item: a shipment's
    # `reference` holds it too, an invoice's no attribute.
    result = import_workbench(DATA / "v3_keys_alike.json")
    _loads(result)
    shipment, invoice = result.model["entities"]["Shipment"], result.model["entities"]["Invoice"]
    assert shipment["keys"] == {
        "PK": "ORDER#{order_id}",
        "SK": "{reference}",
        "GSI1PK": "{reference}",
        "GSI1SK": "ORDER#{order_id}",
    }
    assert invoice["keys"] == {
        "PK": "ORDER#{order_id}",
        "SK": "INV#{inv_id}",
        "GSI1PK": "INV#{inv_id}",
        "GSI1SK": "INV#{inv_id}",
    }
    assert invoice["attributes"]["inv_id"] == {"type": "string"}
    messages = _messages(result)
    assert len(messages) == 2
    alike, guessed = messages
    assert alike.startswith(
        "`Invoice`: `SK`, `GSI1PK` and `GSI1SK` hold the same value on every sample item, and "
        "no attribute of the items does; a key is not built of another key, so `SK` is "
        "`INV#{inv_id}`"
    )
    assert guessed.startswith("`Invoice`.`SK`: template `INV#{inv_id}` guessed from 2 value(s)")
    # The model checks: no template names a key the entity does not hold as an attribute.
    report = check_model(load_model_from_text(result.yaml_text(), source="alike.yaml"))
    assert [d.code for d in report.errors] == []


def test_an_index_key_holding_a_plain_value_stays_an_attribute_others_may_use() -> None:
    # `GSI1SK` holds a plain value no attribute explains: the entity's own attribute, of which
    # the sort key, holding the same value, is built.
    document = json.loads((DATA / "v3_keys_alike.json").read_text(encoding="utf-8"))
    for day, item in enumerate(document["DataModel"][0]["TableFacets"][0]["TableData"], 3):
        item["GSI1SK"] = item["SK"] = {"S": f"2026-03-0{day}"}
    result = import_workbench_text(json.dumps(document), source="plain.json")
    _loads(result)
    shipment = result.model["entities"]["Shipment"]
    assert shipment["keys"] == {
        "PK": "ORDER#{order_id}",
        "SK": "{GSI1SK}",
        "GSI1PK": "{reference}",
    }
    assert shipment["attributes"]["GSI1SK"] == {"type": "string"}


@pytest.mark.parametrize(
    "name", ["v3_padded_readings.json", "v3_twin_attributes.json", "v3_keys_alike.json"]
)
def test_the_new_fixtures_are_in_the_v3_format(name: str) -> None:
    schema = json.loads((DATA / "workbench-3.0.schema.json").read_text(encoding="utf-8"))
    document = json.loads((DATA / name).read_text(encoding="utf-8"))
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(document)) == []


def test_width_one_as_plain_writes_every_value_alike() -> None:
    assert width_one_as_plain("{tier:01d}#{arrival:016d}") == "{tier}#{arrival:016d}"
    assert width_one_as_plain("a{{b}}#{n:01d}{m:d}") == "a{{b}}#{n}{m:d}"
    assert width_one_as_plain("X#{n}") == "X#{n}"
    # The claim behind it: both placeholders compose every value the width takes alike.
    specs = {"n": PartSpec("integer", 1), "m": PartSpec("integer", 3)}
    padded = KeyCodec("E", "K", "T#{n:01d}#{m:03d}", specs)
    plain = KeyCodec(
        "E", "K", width_one_as_plain("T#{n:01d}#{m:03d}"), specs | {"n": PartSpec("integer")}
    )
    for n in range(10):
        assert padded.compose({"n": n, "m": 7}) == plain.compose({"n": n, "m": 7})
    # What it forgets is only the bound: width 1 refuses what `{n}` writes.
    with pytest.raises(KeyValueError):
        padded.compose({"n": 10, "m": 7})
    assert plain.compose({"n": 10, "m": 7}) == "T#10#007"


def test_the_v3_fixture_is_in_the_v3_format() -> None:
    schema = json.loads((DATA / "workbench-3.0.schema.json").read_text(encoding="utf-8"))
    document = json.loads((DATA / "v3_venues_full.json").read_text(encoding="utf-8"))
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(document)) == []


def test_items_without_facets_are_grouped_by_the_shape_of_their_keys() -> None:
    document = json.loads((DATA / "v2_shop_table_data.json").read_text(encoding="utf-8"))
    del document["DataModel"][0]["TableFacets"]
    result = import_workbench_text(json.dumps(document), source="no-facets.json")
    _loads(result)
    assert {n: e["keys"]["sk"] for n, e in result.model["entities"].items()} == {
        "ShopMeta": "META",
        "ShopOrder": "ORDER#{order_id}",
    }
    assert any("grouped by the shape of their keys" in m for m in _messages(result))


def test_the_yaml_lists_what_was_not_inferred_as_comments() -> None:
    text = import_workbench(DATA / "v3_venues_full.json").yaml_text()
    head = text.split("version: 1", 1)[0]
    assert head.startswith("# Imported by `tablemodel import workbench` from ")
    assert "#   - AutoScalingRead (2 to 40 units, target 65%)" in head
    assert "(DataModel[0].ProvisionedCapacitySettings.AutoScalingRead)" in head


def test_a_second_table_is_left_out_and_can_be_chosen(tmp_path: Path) -> None:
    document = json.loads((DATA / "v3_venues_full.json").read_text(encoding="utf-8"))
    other = copy.deepcopy(document["DataModel"][0])
    other["TableName"] = "archive"
    document["DataModel"].append(other)
    path = tmp_path / "two.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    first = import_workbench(path)
    assert first.model["table"]["name"] == "venues"
    assert any("so archive stayed out" in m for m in _messages(first))
    assert import_workbench(path, table="archive").model["table"]["name"] == "archive"


# -- files it cannot read -----------------------------------------------------------------------


def _error(text: str) -> list[tuple[str, int | None, str, str]]:
    with pytest.raises(WorkbenchImportError) as raised:
        import_workbench_text(text, source="bad.json")
    return [
        (d.code, d.location.line, d.location.dotted_path, d.message)
        for d in raised.value.diagnostics
    ]


def test_not_json_is_located_by_line_and_column() -> None:
    assert _error('{"ModelName": "x",\n  "DataModel": [\n') == [
        ("TM951", 3, "<root>", "not JSON: Expecting value")
    ]
    assert _error('{"a": 1, "a": 2}') == [
        ("TM951", None, "<root>", "the key 'a' appears twice in one object")
    ]
    assert _error('{"a": NaN}') == [("TM951", None, "<root>", "NaN is not a JSON number")]
    deep = "[" * 500 + "]" * 500
    assert _error(deep)[0][3] == "nested deeper than 200 levels"


def test_wrong_shapes_are_located_by_json_path_all_at_once() -> None:
    document = json.loads((DATA / "v3_venues_full.json").read_text(encoding="utf-8"))
    table = document["DataModel"][0]
    del table["KeyAttributes"]["PartitionKey"]["AttributeType"]
    table["TableFacets"][1] = "Gig"
    table["GlobalSecondaryIndexes"][0]["Projection"]["ProjectionType"] = "SOME"
    assert _error(json.dumps(document)) == [
        (
            "TM952",
            None,
            "DataModel[0].KeyAttributes.PartitionKey.AttributeType",
            "the partition key's type is missing",
        ),
        (
            "TM952",
            None,
            "DataModel[0].GlobalSecondaryIndexes[0].Projection.ProjectionType",
            "ProjectionType is the string 'SOME'",
        ),
        ("TM952", None, "DataModel[0].TableFacets[1]", "a facet is the string 'Gig'"),
    ]
    assert _error('{"ModelName": "x"}') == [
        ("TM952", None, "DataModel", "the document has no DataModel")
    ]
    assert _error("[]") == [("TM952", None, "<root>", "the document is a list")]


def test_a_key_holding_no_value_is_located_not_read_as_an_empty_template() -> None:
    document = json.loads((DATA / "v2_shop_table_data.json").read_text(encoding="utf-8"))
    document["DataModel"][0]["TableData"][3]["pk"] = None
    document["DataModel"][0]["TableData"][4]["sk"] = {"S": None}
    assert _error(json.dumps(document)) == [
        ("TM952", None, "DataModel[0].TableData[3].pk", "the key `pk` holds null"),
        ("TM952", None, "DataModel[0].TableData[4].sk", "the key `sk` holds an object"),
    ]


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(WorkbenchImportError) as raised:
        import_workbench(tmp_path / "absent.json")
    assert raised.value.diagnostics[0].message.startswith("cannot read the file:")
    latin = tmp_path / "latin.json"
    latin.write_bytes(b'{"ModelName": "caf\xe9"}')
    with pytest.raises(WorkbenchImportError) as raised:
        import_workbench(latin)
    assert raised.value.diagnostics[0].message == "not UTF-8: byte 0xe9 at offset 18"


# -- the command --------------------------------------------------------------------------------


def test_cli_writes_the_model_and_reports_what_to_review(tmp_path: Path) -> None:
    out = tmp_path / "tablemodel.yaml"
    done = CliRunner().invoke(
        cli, ["import", "workbench", str(DATA / "v3_venues_full.json"), "-o", str(out)]
    )
    assert done.exit_code == 0, done.output
    assert "TM953 warning" in done.output
    assert f"wrote {out}: table venues, 2 entities, 3 things to review" in done.output
    assert load(out).model.table.name == "venues"


def test_cli_exit_code_2_on_a_file_it_cannot_read(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"DataModel": {}}', encoding="utf-8")
    done = CliRunner().invoke(cli, ["import", "workbench", str(bad)])
    assert done.exit_code == 2
    assert "TM952" in done.output
    assert "DataModel" in done.output


# -- mutated documents never raise --------------------------------------------------------------

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=6),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, (*prefix, i))
    return out


@st.composite
def _mutated(draw: st.DrawFn) -> str:
    fixture = draw(st.sampled_from(FIXTURES))
    document = json.loads(fixture.read_text(encoding="utf-8"))
    for _ in range(draw(st.integers(1, 4))):
        paths = _paths(document)
        path = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(["replace", "delete", "duplicate"]))
        if not path:
            document = draw(_JSON) if action == "replace" else document
            continue
        parent = document
        for part in path[:-1]:
            parent = parent[part]
        if action == "replace":
            parent[path[-1]] = draw(_JSON)
        elif action == "delete":
            del parent[path[-1]]
        elif isinstance(parent, list):
            parent.append(copy.deepcopy(parent[path[-1]]))
    return json.dumps(document)


def _imported_or_refused_located(text: str, source: str) -> ImportResult | None:
    """The import of `text`, or None when it was refused, every reason a TM951 or TM952
    located in `source`."""
    failure: WorkbenchImportError | None = None
    try:
        return import_workbench_text(text, source=source)
    except WorkbenchImportError as err:
        failure = err
    assert failure.diagnostics
    assert all(d.code in {"TM951", "TM952"} for d in failure.diagnostics)
    assert all(d.location.file == source for d in failure.diagnostics)
    return None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutated())
def test_mutated_documents_import_or_fail_located_never_raise(text: str) -> None:
    result = _imported_or_refused_located(text, "mutated.json")
    if result is not None:
        _loads(result)


# -- exports come back --------------------------------------------------------------------------

EXAMPLES = [
    ROOT / "examples" / "alleycat" / "tablemodel.yaml",
    ROOT / "examples" / "leaderboard" / "tablemodel.yaml",
    ROOT / "examples" / "alleycat" / "hour_race.yaml",
    ROOT / "tests" / "data" / "generate" / "box_office.yaml",
    ROOT / "examples" / "waiting_room" / "tablemodel.yaml",
]


def _multi(index: Any) -> bool:
    return len(index.partition_keys) > 1 or len(index.sort_keys) > 1


def design_of_entity_plain(design: Any, name: str) -> frozenset[str]:
    """The key attributes an entity of `design` stores as its own attributes."""
    return frozenset(design.entities[name].plain)


@pytest.mark.parametrize(
    "model", EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.stem}" if isinstance(p, Path) else None
)
def test_an_exported_model_imports_back_to_the_same_table_and_entities(
    model: Path, tmp_path: Path
) -> None:
    design = design_of(load(model))
    exported = workbench_model(design, when=WHEN)
    path = tmp_path / "exported.json"
    path.write_text(exported.text(), encoding="utf-8")
    result = import_workbench(path)
    back = design_of(_loads(result))
    original, imported = design.model, back.model
    # The table: name, keys, GSIs with projections, billing, discriminator.
    assert imported.table.name == original.table.name
    assert imported.table.partition_key == original.table.partition_key
    assert imported.table.sort_key == original.table.sort_key
    single = [i for i in original.table.global_indexes if not _multi(i)]
    assert imported.table.global_indexes == tuple(single)
    assert imported.table.billing == original.table.billing
    assert imported.table.discriminator_attribute == original.table.discriminator_attribute
    # What the format cannot hold is said in the export's notes, not lost in silence.
    multi = [i.name for i in original.table.global_indexes if _multi(i)]
    assert all(any(f"GSI `{n}`" in note for note in exported.notes) for n in multi)
    lsis = [i.name for i in original.table.local_indexes]
    assert imported.table.local_indexes == ()
    assert all(any(f"LSI `{n}`" in note for note in exported.notes) for n in lsis)
    # The entities: the same names, key templates and attributes with their DynamoDB types.
    used = {original.table.partition_key.name} | {
        k.name for i in single for k in (*i.partition_keys, *i.sort_keys)
    }
    if original.table.sort_key is not None:
        used.add(original.table.sort_key.name)
    dropped = {i.sort_key.name for i in original.table.local_indexes} | {
        k.name
        for i in original.table.global_indexes
        if _multi(i)
        for k in (*i.partition_keys, *i.sort_keys)
    }
    lsi_keys = dropped - used
    assert list(imported.entities) == list(original.entities)
    for name, entity in original.entities.items():
        mine = imported.entities[name]
        # `{n:01d}` and `{n}` write every value alike; only the bound 0..9 differs (not kept).
        assert {k: width_one_as_plain(t) for k, t in mine.keys.items()} == {
            k: width_one_as_plain(t) for k, t in entity.keys.items() if k not in lsi_keys
        }
        assert design_of_entity_plain(back, name) == design.entities[name].plain - lsi_keys
        chunked = set(entity.chunking.attributes) if entity.chunking else set()
        expected = {
            a: dynamodb_type(spec.type) for a, spec in entity.attributes.items() if a not in chunked
        }
        got = {a: dynamodb_type(spec.type) for a, spec in mine.attributes.items()}
        # An LSI's key the entity writes comes back as a plain attribute (the LSI did not).
        assert {a: got[a] for a in expected if a in got} == expected
        assert set(got) - set(expected) <= lsi_keys


# -- text the importer copies into the YAML ------------------------------------------------------


def _round_trips(result: ImportResult) -> None:
    """The YAML loads, and holds the model the importer built (no text changed on the way)."""
    text = result.yaml_text()
    loaded = _loads(result)
    assert yaml.safe_load(text) == result.model
    assert loaded.model.description == result.model.get("description")
    head, _body = text.split("\nversion: 1\n", 1)
    comments = head.split("\n")
    assert len(comments) >= 3 + len(result.findings)
    for line in comments:
        assert line.startswith("#"), line
        assert all(ch.isprintable() for ch in line), line  # comments cannot escape


def test_a_control_character_in_the_version_is_escaped_in_the_comment() -> None:
    document = json.loads((DATA / "v3_venues_full.json").read_text(encoding="utf-8"))
    document["ModelMetadata"]["Version"] = "\u001f"
    result = import_workbench_text(json.dumps(document), source="version.json")
    _round_trips(result)
    assert "(NoSQL Workbench format \\x1f)" in result.yaml_text()
    assert "format version \x1f is not 1.0, 2.0 or 3.0; read as 3.0" in _messages(result)
    # The same for every text the header, the findings and the model copy from the file.
    document["ModelMetadata"]["Description"] = "tab\there, bell\u0007 and NEL\u00850 (kept)"
    result = import_workbench_text(json.dumps(document), source="odd\nname\u001f.json")
    _round_trips(result)
    head = result.yaml_text().split("version: 1", 1)[0]
    assert "(NoSQL Workbench format \\x1f)" in head
    assert "from odd\\nname\\x1f.json" in head
    assert result.model["description"].startswith("tab\there, bell\u0007 and NEL\u00850 (kept)")


def test_a_next_line_character_in_a_value_comes_back_as_it_was() -> None:
    # PyYAML writes NEL raw in a single-quoted scalar, and reading folds it as a line break.
    document = json.loads((DATA / "v3_venues_full.json").read_text(encoding="utf-8"))
    document["ModelMetadata"]["Description"] = "NEL\u00850 (kept)"
    result = import_workbench_text(json.dumps(document), source="nel.json")
    _round_trips(result)
    assert result.model["description"] == "NEL\u00850 (kept) (imported from NoSQL Workbench)"


def test_a_name_ending_in_a_line_break_is_renamed_and_a_discriminator_too() -> None:
    document = json.loads((DATA / "v3_venues_full.json").read_text(encoding="utf-8"))
    _rename(document, document["DataModel"][0], "city", "city\n")
    _rename(document, document["DataModel"][0], "Type", "item-type")
    result = import_workbench_text(json.dumps(document), source="names.json")
    _round_trips(result)
    assert "city" in result.model["entities"]["Venue"]["attributes"]
    assert result.model["table"]["discriminator_attribute"] == "item_type"
    renamed = "attribute `city\n` is named `city`: the model language takes names of letters, "
    assert renamed + "digits and _" in _messages(result)


def test_a_lone_surrogate_is_refused_at_its_json_path() -> None:
    document = json.loads((DATA / "v3_venues_full.json").read_text(encoding="utf-8"))
    document["DataModel"][0]["TableFacets"][0]["FacetName"] = "Ven\ud800ue"
    document["DataModel"][0]["TableFacets"][1]["TableData"][0]["\udc00x"] = {"S": "y"}
    with pytest.raises(WorkbenchImportError) as raised:
        import_workbench_text(json.dumps(document), source="half.json")
    found = raised.value.diagnostics
    assert [(d.code, d.location.file, d.location.dotted_path) for d in found] == [
        ("TM952", "half.json", "DataModel[0].TableFacets[0].FacetName"),
        ("TM952", "half.json", "DataModel[0].TableFacets[1].TableData[0]"),
    ]
    assert "lone surrogate \\ud800" in raised.value.diagnostics[0].message
    assert "a key holds the lone surrogate \\udc00" in raised.value.diagnostics[1].message


_TEXT = st.text(
    st.sampled_from(list("\x00\x1f\t\n\r\x85\u2028\ud800\udfff\ufeff\uffff #{}-:'\"&*!|>"))
    | st.characters(codec=None, blacklist_categories=()),
    min_size=1,
    max_size=8,
)


def _rename(document: Any, table: dict[str, Any], old: str, new: str) -> None:
    """Rename attribute `old` to `new` everywhere the document names it."""
    for entry in table.get("NonKeyAttributes", []):
        if entry["AttributeName"] == old:
            entry["AttributeName"] = new
    for facet in table.get("TableFacets", []):
        listed = facet.get("NonKeyAttributes", [])
        facet["NonKeyAttributes"] = [new if n == old else n for n in listed]
        for item in facet.get("TableData", []):
            if old in item:
                item[new] = item.pop(old)
    for item in table.get("TableData", []):
        if old in item:
            item[new] = item.pop(old)


@st.composite
def _texts(draw: st.DrawFn) -> str:
    fixture = draw(st.sampled_from(FIXTURES))
    document = json.loads(fixture.read_text(encoding="utf-8"))
    table = document["DataModel"][0]
    meta = document.setdefault("ModelMetadata", {})
    for field_name in draw(st.sets(st.sampled_from(["Version", "Description", "Author"]))):
        meta[field_name] = draw(_TEXT)
    if draw(st.booleans()):
        document["ModelName"] = draw(_TEXT)
    if draw(st.booleans()):
        table["TableName"] = draw(_TEXT)
    facets = table.get("TableFacets", [])
    for facet in facets:
        if draw(st.booleans()):
            facet["FacetName"] = draw(_TEXT)
        if draw(st.booleans()):
            facet.setdefault("KeyAttributeAlias", {})["SortKeyAlias"] = draw(_TEXT)
    names = [a["AttributeName"] for a in table.get("NonKeyAttributes", [])]
    for old in draw(st.lists(st.sampled_from(names), unique=True, max_size=3)) if names else []:
        _rename(document, table, old, draw(_TEXT))
    items = [i for f in facets for i in f.get("TableData", [])] + table.get("TableData", [])
    if items:
        item = draw(st.sampled_from(items))
        strings = [a for a, v in item.items() if isinstance(v, dict) and "S" in v]
        for name in draw(st.lists(st.sampled_from(strings), unique=True)) if strings else []:
            item[name] = {"S": draw(_TEXT)}
    if draw(st.integers(0, 3)) == 0:  # now and then, a lone surrogate in one string
        path = draw(st.sampled_from(_paths(document)))
        parent = document
        for part in path[:-1]:
            parent = parent[part]
        if path and isinstance(parent[path[-1]], str):
            half = draw(st.sampled_from(["\ud800", "\udbff", "\udc00", "\udfff"]))
            parent[path[-1]] += half
    return json.dumps(document)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_texts())
def test_any_text_in_names_and_descriptions_imports_loadable_or_fails_located(text: str) -> None:
    result = _imported_or_refused_located(text, "texts.json")
    if result is not None:
        _round_trips(result)


# -- entities whose keys would collide ------------------------------------------------------------


def _sensor_log(states: dict[str, list[str]], *, meta: bool = False) -> str:
    """A 3.0 model of a sensor's readings: one facet per kind, every facet's items keyed
    `sensor` / `{level}#{at}` (sort key `level#at`), `level` also stored on each item; with
    `meta`, a facet of items keyed `sensor` / `META` that hold no `level`, so that `level` is
    not the table's discriminator."""
    facets: list[dict[str, Any]] = []
    if meta:
        facets.append(
            {
                "FacetName": "Sensor",
                "TableData": [
                    {"sensor": {"S": f"sensor-{n}"}, "level#at": {"S": "META"}, "room": {"S": r}}
                    for n, r in enumerate(["hall", "lab"])
                ],
            }
        )
    for facet, levels in states.items():
        items = [
            {
                "sensor": {"S": f"sensor-{n % 2}"},
                "level#at": {"S": f"{level}#2026-01-0{n + 1}T10:00"},
                "level": {"S": level},
                "at": {"S": f"2026-01-0{n + 1}T10:00"},
            }
            for n, level in enumerate(levels)
        ]
        facets.append(
            {
                "FacetName": facet,
                "KeyAttributeAlias": {"PartitionKeyAlias": "sensor", "SortKeyAlias": "level#at"},
                "TableData": items,
                "NonKeyAttributes": ["level", "at"],
            }
        )
    return json.dumps(
        {
            "ModelName": "sensors",
            "ModelMetadata": {"Version": "3.0"},
            "DataModel": [
                {
                    "TableName": "Sensors",
                    "KeyAttributes": {
                        "PartitionKey": {"AttributeName": "sensor", "AttributeType": "S"},
                        "SortKey": {"AttributeName": "level#at", "AttributeType": "S"},
                    },
                    "NonKeyAttributes": [
                        {"AttributeName": "level", "AttributeType": "S"},
                        {"AttributeName": "at", "AttributeType": "S"},
                    ],
                    "TableFacets": facets,
                    "BillingMode": "PAY_PER_REQUEST",
                }
            ],
        }
    )


def _collisions(result: ImportResult) -> list[str]:
    loaded = _loads(result)
    return [d.message for d in check_model(loaded).errors if d.code == "TM501"]


@pytest.mark.parametrize("meta", [False, True], ids=["discriminator", "attribute"])
def test_a_constant_that_tells_colliding_facets_apart_becomes_a_literal(meta: bool) -> None:
    result = import_workbench_text(
        _sensor_log(
            {
                "Alarm": ["ALARM", "ALARM", "ALARM"],
                "Normal": ["NORMAL", "NORMAL"],
                "Silent": ["SILENT", "SILENT"],
            },
            meta=meta,
        ),
        source="sensors.json",
    )
    entities = result.model["entities"]
    templates = {n: e["keys"]["level_at"] for n, e in entities.items()}
    assert templates == {
        "Alarm": "ALARM#{at}",
        "Normal": "NORMAL#{at}",
        "Silent": "SILENT#{at}",
    } | ({"Sensor": "META"} if meta else {})
    assert _collisions(result) == []
    messages = _messages(result)
    readings = ("Alarm", "Normal", "Silent")
    if meta:  # `level` stays the attribute the items store, with its type
        assert all(entities[n]["attributes"]["level"] == {"type": "string"} for n in readings)
        (said,) = [m for m in messages if "can write the same key" in m]
        assert said.startswith("`Alarm`, `Normal` and `Silent` would get primary key templates")
        assert "`level` holds `ALARM` on all 3 item(s) of `Alarm`" in said
        assert "`Normal` sensor `{sensor_1}`, level_at `NORMAL#{at}`" in said
    else:  # `level` is the table's discriminator, which a template cannot name
        assert result.model["table"]["discriminator_attribute"] == "level"
        assert [entities[n]["discriminator"] for n in readings] == ["ALARM", "NORMAL", "SILENT"]
        built = [m for m in messages if "is built of the discriminator" in m]
        assert len(built) == 3
        assert built[0].startswith("`Alarm`.`level_at`: `{level}#{at}` is built of the discr")
        assert built[0].endswith("written `ALARM#{at}`")


def test_facets_whose_keys_do_not_collide_keep_their_constants_as_variables() -> None:
    # One facet alone: `level` holds one value on both items, but nothing collides.
    result = import_workbench_text(_sensor_log({"Alarm": ["ALARM", "ALARM"]}), source="one.json")
    assert result.model["entities"]["Alarm"]["keys"]["level_at"] == "{level}#{at}"
    assert not [m for m in _messages(result) if "same key" in m]


@pytest.mark.parametrize(
    ("states", "why"),
    [
        ({"Alarm": ["ALARM", "ALARM"], "Normal": ["ALARM", "ALARM"]}, "the same constant"),
        ({"Alarm": ["ALARM", "WARN"], "Normal": ["NORMAL", "NORMAL"]}, "a varying value"),
    ],
)
def test_colliding_facets_nothing_tells_apart_keep_their_templates_and_are_named(
    states: dict[str, list[str]], why: str
) -> None:
    result = import_workbench_text(_sensor_log(states), source=f"{why}.json")
    assert {n: e["keys"]["level_at"] for n, e in result.model["entities"].items()} == {
        "Alarm": "{level}#{at}",
        "Normal": "{level}#{at}",
    }, why
    assert len(_collisions(result)) == 1
    (said,) = [m for m in _messages(result) if "can write the same key" in m]
    assert said.startswith("`Alarm` and `Normal` get primary key templates"), why
    assert "TM501" in said
    assert "templates kept" in said
