"""Sample data for `check --run`: seeded, relational, hostile within the model's declarations,
with fixture files, dumps that load back, and parameter sets that expose over-matching keys."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import unicodedata
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tablemodel.design import Design, build_design, rule_of
from tablemodel.run.intent import expected_result
from tablemodel.run.parameters import parameter_sets
from tablemodel.run.sample import (
    DEFAULT_COUNT,
    SampleError,
    SampleItem,
    dump_samples,
    generate_samples,
    load_fixture,
)
from tablemodel.runtime.keys import KeyCodec
from tablemodel.schema.loader import load_model, load_model_from_text

ROOT = Path(__file__).resolve().parent.parent
ALLEYCAT = ROOT / "examples" / "alleycat" / "tablemodel.yaml"
BOX_OFFICE = ROOT / "tests" / "data" / "generate" / "box_office.yaml"


def design_of(path: Path) -> Design:
    loaded = load_model(path)
    return build_design(loaded.model, loaded)


def design_in(folder: Path, text: str, files: dict[str, str] | None = None) -> Design:
    """A model written to `folder/tablemodel.yaml`, with fixture files beside it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tablemodel.yaml").write_text(text, encoding="utf-8")
    for name, content in (files or {}).items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
    return design_of(folder / "tablemodel.yaml")


def with_sample(path: Path, sample: str) -> str:
    """The model at `path` with its sample section replaced."""
    text = path.read_text(encoding="utf-8")
    head = text.split("\nsample:")[0]
    return head.rstrip("\n") + "\n\nsample:\n" + sample


@pytest.fixture(scope="module")
def alleycat() -> Design:
    return design_of(ALLEYCAT)


@pytest.fixture(scope="module")
def alleycat_items(alleycat: Design) -> list[SampleItem]:
    return generate_samples(alleycat)


@pytest.fixture(scope="module")
def box_office(tmp_path_factory: pytest.TempPathFactory) -> Design:
    folder = tmp_path_factory.mktemp("box")
    return design_in(folder, with_sample(BOX_OFFICE, "  entities:\n    Ticket: {count: 30}\n"))


def table_key(design: Design, item: SampleItem) -> tuple[object, ...]:
    """The item's table key, composed independently with the runtime's KeyCodec."""
    entity = design.entities[item.entity]
    rules = {a: rule_of(s) for a, s in entity.spec.attributes.items()}
    codec = design.model.table.key_codec
    out = []
    for key in design.table.key_names:
        template = entity.templates[key]
        names = template.variable_names
        composer = KeyCodec(
            item.entity,
            key,
            template,
            {v: rules[v].part_spec() for v in names},
            escape=codec.escape,
            delimiters=codec.delimiters,
            escape_char=codec.escape_character,
        )
        parts = {
            v: rules[v].key_part(rules[v].check(item.entity, v, item.values[v])) for v in names
        }
        out.append(composer.compose(parts))
    return tuple(out)


def strings_of(items: list[SampleItem], attribute: str, entity: str | None = None) -> list[str]:
    return [
        v
        for item in items
        if entity is None or item.entity == entity
        for v in [item.values.get(attribute)]
        if isinstance(v, str)
    ]


# ---------------------------------------------------------------------------------------------
# Determinism and validity


def test_the_same_seed_gives_the_same_items(alleycat: Design, box_office: Design) -> None:
    for design in (alleycat, box_office):
        first = generate_samples(design)
        assert generate_samples(design) == first
        assert generate_samples(design, seed=design.model.sample.seed) == first
        assert generate_samples(design, seed=12345) != first


def test_items_do_not_depend_on_the_interpreter_hash_seed() -> None:
    # Sets of strings iterate in hash order: nothing may depend on it.
    script = (
        "import sys; from tablemodel.schema.loader import load_model; "
        "from tablemodel.design import build_design; "
        "from tablemodel.run.sample import generate_samples, dump_samples; "
        "m = load_model(sys.argv[1]); d = build_design(m.model, m); "
        "sys.stdout.write(dump_samples(generate_samples(d)))"
    )
    outputs = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run(
            [sys.executable, "-c", script, str(BOX_OFFICE)],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        outputs.add(done.stdout)
    assert len(outputs) == 1


def test_every_value_passes_its_rule(alleycat_items: list[SampleItem], box_office: Design) -> None:
    for design, items in ((design_of(ALLEYCAT), alleycat_items), (box_office, None)):
        for item in items or generate_samples(design):
            entity = design.entities[item.entity].spec
            assert item.origin == "generated"
            for name, spec in entity.attributes.items():
                value = item.values.get(name)
                if name == entity.version_attribute:
                    assert value is None  # the runtime writes it
                    continue
                assert value is not None or spec.optional, (item, name)
                rule_of(spec).check(item.entity, name, value)
            assert set(item.values) <= set(entity.attributes)


def test_counts_follow_the_sample_section(alleycat_items: list[SampleItem]) -> None:
    counts = Counter(item.entity for item in alleycat_items)
    assert counts == {
        "Racer": 12,
        "ClassRace": 6,
        "RacerRace": 40,
        "RaceResult": 40,
        "ClassBest": 12,
    }


def test_default_counts(tmp_path: Path) -> None:
    text = with_sample(
        ALLEYCAT,
        "  entities:\n    ClassRace: {count: 2}\n"
        "    RacerRace: {parent: ClassRace, per_parent: 4}\n"
        "    RaceResult: {parent: ClassRace}\n    ClassBest: {count: 0}\n",
    )
    counts = Counter(item.entity for item in generate_samples(design_in(tmp_path, text)))
    assert counts == {"Racer": DEFAULT_COUNT, "ClassRace": 2, "RacerRace": 8, "RaceResult": 6}


def test_optional_attributes_are_both_absent_and_present(box_office: Design) -> None:
    tickets = [i for i in generate_samples(box_office) if i.entity == "Ticket"]
    spec = box_office.entities["Ticket"].spec
    for name, attribute in spec.attributes.items():
        if attribute.optional and name != spec.version_attribute:
            present = sum(name in t.values for t in tickets)
            assert 0 < present < len(tickets), name


COMPLAINTS = """\
table:
  name: complaints
  partition_key: {name: PK}
  sort_key: {name: SK}
  global_indexes:
    - {name: escalations, partition_key: {name: EscPK}, sort_key: {name: EscSK}}
  discriminator_attribute: entity_type
entities:
  Customer:
    attributes: {customer_id: string, agent: "string?"}
    keys: {PK: "customer#{customer_id}", SK: "customer"}
  Complaint:
    attributes:
      customer_id: string
      complaint_id: string
      agent: string?
      escalated_to: string?
      escalation_time: datetime?
      note: string?
    keys:
      PK: "customer#{customer_id}"
      SK: "complaint#{complaint_id}"
      EscPK: "escalated"
      EscSK: "{escalation_time}#{complaint_id}"
    together: [[escalated_to, escalation_time], [agent, note]]
sample:
  entities:
    Customer: {count: 4}
    Complaint: {count: 12, parent: Customer}
"""


def test_attributes_written_together_are_all_there_or_all_absent(tmp_path: Path) -> None:
    complaints = [
        item
        for item in generate_samples(design_in(tmp_path, COMPLAINTS))
        if item.entity == "Complaint"
    ]
    for group in (("escalated_to", "escalation_time"), ("agent", "note")):
        present = [sum(a in c.values for a in group) for c in complaints]
        assert set(present) == {0, 2}, group  # both or neither, and both cases occur


def test_ttl_attributes_lie_in_the_future(box_office: Design) -> None:
    now = dt.datetime.now(dt.UTC).timestamp()
    ttls = [
        i.values["expires_at"] for i in generate_samples(box_office) if "expires_at" in i.values
    ]
    assert ttls
    assert all(isinstance(t, int) and t > now + 10 * 365 * 86400 for t in ttls)


# ---------------------------------------------------------------------------------------------
# Hostile values


def test_hostile_values_by_default(alleycat_items: list[SampleItem], box_office: Design) -> None:
    racers = set(strings_of(alleycat_items, "racer_id"))
    assert any("#" in r for r in racers)
    assert any("\\" in r for r in racers)
    assert any(a != b and b.startswith(a) for a in racers for b in racers)  # prefix pairs
    assert any(a != b and a.lower() == b.lower() for a in racers for b in racers)  # case
    assert any(not r.isascii() for r in racers)
    assert any(not unicodedata.is_normalized("NFC", r) for r in racers)  # decomposed
    assert any(len(r) == 36 for r in racers)  # exactly max_length
    outputs = {v for i in alleycat_items if isinstance(v := i.values.get("output"), Decimal)}
    assert {Decimal(0), Decimal(9), Decimal(10), Decimal(1000)} <= outputs
    assert any(o != o.to_integral_value() for o in outputs)  # decimals
    assert all(o >= 0 for o in outputs)  # minimum: 0
    tickets = [i for i in generate_samples(box_office) if i.entity == "Ticket"]
    seqs = {v for t in tickets if isinstance(v := t.values.get("seq"), int)}
    assert {0, 9999} <= seqs  # both ends of {seq:04d}
    assert all(0 <= s <= 9999 for s in seqs)
    event_ids = strings_of(generate_samples(box_office), "event_id")
    assert all(set(e) <= set("abcdefghijklmnopqrstuvwxyz0123456789-") for e in event_ids)


def test_hostile_values_follow_the_tables_key_codec(tmp_path: Path) -> None:
    text = """\
version: 1
table:
  name: codec
  partition_key: {name: PK}
  sort_key: {name: SK}
  key_codec: {delimiters: "#/", escape_character: "~"}
entities:
  Reading:
    attributes:
      sensor: {type: string, max_length: 12}
      offset: integer
      at: {type: integer, minimum: 0, maximum: 99}
    keys: {PK: "sensor/{sensor}", SK: "at/{at:02d}"}
sample:
  entities:
    Reading: {count: 40}
"""
    items = generate_samples(design_in(tmp_path, text))
    sensors = set(strings_of(items, "sensor"))
    assert any("/" in v for v in sensors)
    assert any("~" in v for v in sensors)
    assert any("sensor/" in v or "at/" in v for v in sensors)  # template text inside values
    offsets = {v for i in items if isinstance(v := i.values.get("offset"), int)}
    assert any(o < 0 for o in offsets)  # no minimum: negative numbers too
    ats = {v for i in items if isinstance(v := i.values.get("at"), int)}
    assert {0, 99} <= ats
    assert all(0 <= a <= 99 for a in ats)


def test_plain_values_when_not_hostile(tmp_path: Path) -> None:
    text = with_sample(
        ALLEYCAT,
        "  hostile: false\n  entities:\n    ClassRace: {count: 4}\n"
        "    RacerRace: {parent: ClassRace, per_parent: 3}\n",
    )
    items = generate_samples(design_in(tmp_path, text))
    for attribute in ("racer_id", "race_id", "class_id", "name", "results"):
        values = set(strings_of(items, attribute))
        assert values, attribute
        for value in values:
            assert value.isascii()
            assert value.isprintable()
            assert "#" not in value
            assert "\\" not in value
            assert len(value) < 36
        assert not any(a != b and b.startswith(a) for a in values for b in values), attribute


# ---------------------------------------------------------------------------------------------
# Relations


def test_children_copy_their_parents_values(alleycat_items: list[SampleItem]) -> None:
    races = {
        (i.values["race_id"], i.values["class_id"])
        for i in alleycat_items
        if i.entity == "ClassRace"
    }
    children: Counter[object] = Counter()
    for item in alleycat_items:
        if item.entity == "RacerRace":
            assert (item.values["race_id"], item.values["class_id"]) in races
            children[item.values["race_id"], item.values["class_id"]] += 1
        if item.entity == "RaceResult":
            assert item.values["race_id"] in {race for race, _ in races}
    assert len(children) == 6
    assert all(n >= 6 for n in children.values())


def test_partitions_hold_several_entity_types(
    alleycat: Design, alleycat_items: list[SampleItem]
) -> None:
    kinds: defaultdict[object, set[str]] = defaultdict(set)
    for item in alleycat_items:
        kinds[table_key(alleycat, item)[0]].add(item.entity)
    assert any({"Racer", "RacerRace"} <= k for k in kinds.values())
    assert any({"ClassRace", "ClassBest"} <= k for k in kinds.values())
    # and several items of one type in a partition
    per_partition = Counter(
        table_key(alleycat, i)[0] for i in alleycat_items if i.entity == "ClassBest"
    )
    assert max(per_partition.values()) >= 2


def test_shared_pools_overlap(alleycat_items: list[SampleItem]) -> None:
    def racers(entity: str) -> set[str]:
        return set(strings_of(alleycat_items, "racer_id", entity))

    assert racers("Racer") & racers("RacerRace") & racers("RaceResult") & racers("ClassBest")


def test_no_two_items_of_an_entity_share_a_table_key(
    alleycat: Design, alleycat_items: list[SampleItem], box_office: Design
) -> None:
    for design, items in ((alleycat, alleycat_items), (box_office, generate_samples(box_office))):
        keys = Counter((i.entity, table_key(design, i)) for i in items)
        assert max(keys.values()) == 1
    # NFC makes `café` and `cafe\u0301` one racer: never two profiles for it.
    profiles = [table_key(alleycat, i) for i in alleycat_items if i.entity == "Racer"]
    assert len(profiles) == len(set(profiles))


def test_a_small_key_space_gives_fewer_items_never_duplicates(tmp_path: Path) -> None:
    text = """\
version: 1
table: {name: small, partition_key: {name: PK}, sort_key: {name: SK}}
entities:
  Setting:
    attributes: {kind: {type: enum, values: [a, b]}, value: string}
    keys: {PK: "setting-{kind}", SK: "setting"}
  Singleton:
    attributes: {value: string}
    keys: {PK: "config", SK: "config"}
sample:
  entities:
    Setting: {count: 10}
"""
    counts = Counter(i.entity for i in generate_samples(design_in(tmp_path, text)))
    assert counts == {"Setting": 2, "Singleton": 1}


def test_values_override_the_choices(tmp_path: Path) -> None:
    text = with_sample(
        BOX_OFFICE,
        "  entities:\n    Ticket: {count: 6, values: {class: [vip], issued_at: "
        '["2024-05-01T09:30:00Z"], price: [0.1]}}\n',
    )
    tickets = [i for i in generate_samples(design_in(tmp_path, text)) if i.entity == "Ticket"]
    assert {t.values["class"] for t in tickets} == {"vip"}
    assert {t.values["price"] for t in tickets} == {Decimal("0.1")}
    assert {t.values["issued_at"] for t in tickets} == {
        dt.datetime(2024, 5, 1, 9, 30, tzinfo=dt.UTC)
    }


@pytest.mark.parametrize(
    ("sample", "message"),
    [
        ("  entities:\n    Racr: {count: 1}\n", r"`Racr`, which is not .* \(did you mean `Racer`"),
        ("  entities:\n    Racer: {parent: Nope}\n", "`Nope`, which is not an entity"),
        ("  entities:\n    Racer: {per_parent: 2}\n", "per_parent but no parent"),
        (
            "  entities:\n    Racer: {parent: ClassBest}\n    ClassBest: {parent: Racer}\n",
            "cycle",
        ),
        ("  entities:\n    Racer: {values: {nam: [x]}}\n", "`nam` is not an attribute"),
        ("  entities:\n    RaceResult: {values: {output: [-1]}}\n", "-1 is below its minimum 0$"),
        ("  entities:\n    RaceResult: {values: {output: [abc]}}\n", "not a number"),
    ],
)
def test_bad_sample_sections_are_located(tmp_path: Path, sample: str, message: str) -> None:
    design = design_in(tmp_path, with_sample(ALLEYCAT, sample))
    with pytest.raises(SampleError, match=message) as caught:
        generate_samples(design)
    where = re.escape(str(tmp_path / "tablemodel.yaml"))
    assert re.match(rf"{where}:\d+:\d+ \(sample\.entities\.", str(caught.value))


# ---------------------------------------------------------------------------------------------
# Fixtures


RACER = '{"entity": "Racer", "values": {"racer_id": "known#1", "name": "Known"}}'


def test_jsonl_fixtures_extend_the_generated_items(
    tmp_path: Path, alleycat_items: list[SampleItem]
) -> None:
    text = ALLEYCAT.read_text(encoding="utf-8").replace(
        "\nsample:\n", "\nsample:\n  fixtures: [data/known.jsonl]\n"
    )
    design = design_in(
        tmp_path / "model",
        text,
        {"data/known.jsonl": RACER + "\n\n" + RACER.replace("known#1", "known#2") + "\n"},
    )
    items = generate_samples(design)
    assert items[: len(alleycat_items)] == alleycat_items
    extra = items[len(alleycat_items) :]
    assert [i.values["racer_id"] for i in extra] == ["known#1", "known#2"]
    where = os.path.relpath(tmp_path / "model" / "data" / "known.jsonl")
    assert [i.origin for i in extra] == [f"fixture {where}:1", f"fixture {where}:3"]


def test_fixture_paths_are_relative_to_the_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = with_sample(ALLEYCAT, "  generate: false\n  fixtures: [data/known.jsonl]\n")
    design = design_in(tmp_path / "model", text, {"data/known.jsonl": RACER + "\n"})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    items = generate_samples(design)
    assert [(i.entity, dict(i.values)) for i in items] == [
        ("Racer", {"racer_id": "known#1", "name": "Known"})
    ]
    assert items[0].origin == "fixture ../model/data/known.jsonl:1"


def test_yaml_fixtures_replace_the_generated_items(tmp_path: Path) -> None:
    fixture = """\
- entity: Ticket
  values:
    event_id: e-1
    seq: 7
    class: vip
    price: 0.10
    issued_at: 2024-05-01T09:30:00+02:00
    from: 2024-05-01
    active: true
    blob: {$base64: AP8=}
    tags: [a, b]
    scores: [1, 0.5]
    notes: [x, 1.5, {$base64: AA==}]
    meta: {k: [1, null]}
- entity: Event
  values: {event_id: e-1, name: Gala, starts_on: "2024-05-01"}
"""
    text = with_sample(BOX_OFFICE, "  generate: false\n  fixtures: [known.yaml]\n")
    items = generate_samples(design_in(tmp_path, text, {"known.yaml": fixture}))
    assert [i.entity for i in items] == ["Ticket", "Event"]
    ticket = items[0].values
    assert ticket["price"] == Decimal("0.10")
    assert isinstance(ticket["price"], Decimal)
    assert ticket["issued_at"] == dt.datetime(2024, 5, 1, 7, 30, tzinfo=dt.UTC)
    assert ticket["from"] == dt.date(2024, 5, 1)
    assert ticket["blob"] == b"\x00\xff"
    assert ticket["tags"] == {"a", "b"}
    assert ticket["scores"] == {Decimal(1), Decimal("0.5")}
    assert ticket["notes"] == ["x", Decimal("1.5"), b"\x00"]
    assert ticket["meta"] == {"k": [1, None]}
    assert items[1].values["starts_on"] == dt.date(2024, 5, 1)
    assert items[0].origin.endswith("known.yaml:1")
    assert items[1].origin.endswith("known.yaml:15")


def test_a_fixture_replaces_the_generated_item_with_its_key(tmp_path: Path) -> None:
    text = with_sample(ALLEYCAT, "  fixtures: [known.jsonl]\n  entities:\n    Racer: {count: 3}\n")
    generated = generate_samples(
        design_in(tmp_path / "a", with_sample(ALLEYCAT, "  entities:\n    Racer: {count: 3}\n"))
    )
    first = next(i for i in generated if i.entity == "Racer")
    line = RACER.replace('"known#1"', f'"{first.values["racer_id"]}"')
    design = design_in(tmp_path / "b", text, {"known.jsonl": line + "\n"})
    items = generate_samples(design)
    racers = [i for i in items if i.entity == "Racer"]
    assert len(racers) == 3
    assert racers[-1].values == {"racer_id": first.values["racer_id"], "name": "Known"}
    assert racers[-1].origin.startswith("fixture ")


BAD_JSONL = [
    ('{"entity": "Racr", "values": {}}', "did you mean `Racer`"),
    ('{"entity": "Racer", "values": {"racer_id": "1", "nam": "x"}}', "`nam` is not an attribute"),
    ('{"entity": "Racer", "values": {"racer_id": 1, "name": "x"}}', "int 1 is not a string"),
    ('{"entity": "Racer", "values": {"racer_id": "1"}}', "Racer.name is missing"),
    ('{"entity": "Racer", "values": {"racer_id": "' + "x" * 37 + '", "name": "x"}}', "max_length"),
    ('{"entity": "Racer", "values": {"racer_id": "1", "name": "x"}, "x": 1}', "unknown key `x`"),
    (
        '{"entity": "RaceResult", "values": '
        '{"race_id": "r", "racer_id": "1", "output": -1, "ts": 1}}',
        "below its minimum",
    ),
    (
        '{"entity": "Racer", "values": {"racer_id": "1", "racer_id": "2", "name": "x"}}',
        "appears twice",
    ),
    ('{"entity": "Racer", "values": {"racer_id": "1", "name": NaN}}', "NaN is not a number"),
    ("not json", "not valid JSON"),
    ("[1]", "an item is a mapping"),
]


@pytest.mark.parametrize(("line", "message"), BAD_JSONL)
def test_bad_jsonl_fixtures_are_located(tmp_path: Path, line: str, message: str) -> None:
    text = with_sample(ALLEYCAT, "  fixtures: [known.jsonl]\n")
    design = design_in(tmp_path, text, {"known.jsonl": RACER + "\n" + line + "\n"})
    with pytest.raises(SampleError, match=message) as caught:
        generate_samples(design)
    assert str(caught.value).startswith(os.path.relpath(tmp_path / "known.jsonl") + ":2")


TICKET = (
    '{"entity": "Ticket", "values": {"event_id": "e-1", "seq": 7, "class": "vip", "price": 1, '
    '"issued_at": "2024-05-01T09:30:00Z", "from": "2024-05-01", "active": true'
)
BAD_TICKETS = [
    (', "blob": {"$base64": "!!"}', "not base64"),
    (', "blob": "AA=="', "is not binary"),
    (', "tags": ["a", "a"]', "repeats an element"),
    (', "scores": ["x"]', "not a number"),
    (', "version": 1', "version attribute"),
    ("", None),  # a valid ticket: the replacements below break one of its values
]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        *[(c, m) for c, m in BAD_TICKETS if m],
        ('REPLACE"seq": 7|"seq": 10000', "above its maximum"),
        ('REPLACE"seq": 7|"seq": "7"', "not an integer"),
        ('REPLACE"from": "2024-05-01"|"from": "2024-13-01"', "not a date"),
        ('REPLACE"price": 1|"price": "abc"', "not a number"),
        ('REPLACE"price": 1|"price": true', "not a number"),
        ('REPLACE09:30:00Z"|09:30:00"', "no time zone"),
        ('REPLACE"class": "vip"|"class": "gold"', "not one of"),
        ('REPLACE"e-1"|"E#1"', "outside its charset"),
        ('REPLACE"active": true|"active": 1', "not a boolean"),
    ],
)
def test_bad_typed_values_are_located(tmp_path: Path, change: str, message: str) -> None:
    line = TICKET + "}}"
    if change.startswith("REPLACE"):
        old, new = change.removeprefix("REPLACE").split("|")
        line = line.replace(old, new)
    else:
        line = TICKET + change + "}}"
    text = with_sample(BOX_OFFICE, "  generate: false\n  fixtures: [t.jsonl]\n")
    design = design_in(tmp_path, text, {"t.jsonl": "\n" + line + "\n"})
    with pytest.raises(SampleError, match=message) as caught:
        generate_samples(design)
    assert str(caught.value).startswith(os.path.relpath(tmp_path / "t.jsonl") + ":2")


def test_bad_fixture_files(tmp_path: Path) -> None:
    def fails(files: dict[str, str], fixtures: str, message: str) -> SampleError:
        text = with_sample(ALLEYCAT, f"  fixtures: [{fixtures}]\n")
        design = design_in(tmp_path, text, files)
        with pytest.raises(SampleError, match=message) as caught:
            generate_samples(design)
        return caught.value

    fails({}, "missing.jsonl", "cannot read the fixture file")
    fails({"a.csv": ""}, "a.csv", "unknown fixture format")
    fails({"a.yaml": "entity: Racer\n"}, "a.yaml", "holds a list of items")
    fails({"b.yaml": "- [\n"}, "b.yaml", "not valid YAML")
    located = fails(
        {"c.yaml": "- entity: Racer\n  values:\n    racer_id: 1\n    name: x\n"},
        "c.yaml",
        "quote it",
    )
    assert str(located).startswith(os.path.relpath(tmp_path / "c.yaml") + ":3")
    twice = fails({"d.jsonl": RACER + "\n" + RACER + "\n"}, "d.jsonl", "same table key")
    assert str(twice).startswith(os.path.relpath(tmp_path / "d.jsonl") + ":2")
    assert "d.jsonl:1" in str(twice)
    (tmp_path / "e.jsonl").write_bytes(b"\xff\n")
    fails({}, "e.jsonl", "not UTF-8")


# ---------------------------------------------------------------------------------------------
# Dumps


@pytest.mark.parametrize("fmt", ["jsonl", "yaml"])
def test_dumps_load_back_as_the_same_items(
    tmp_path: Path, alleycat: Design, alleycat_items: list[SampleItem], box_office: Design, fmt: str
) -> None:
    for design, items in ((alleycat, alleycat_items), (box_office, generate_samples(box_office))):
        path = tmp_path / f"dump.{fmt}"
        path.write_text(dump_samples(items, fmt), encoding="utf-8")  # type: ignore[arg-type]
        loaded = load_fixture(design, path)
        assert [(i.entity, dict(i.values)) for i in loaded] == [
            (i.entity, dict(i.values)) for i in items
        ]


def test_a_dump_is_exact_and_readable(box_office: Design) -> None:
    item = SampleItem(
        "Ticket",
        {
            "price": Decimal("12345678901234567890.123456789"),
            "issued_at": dt.datetime(
                2024, 1, 1, 5, 30, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30))
            ),
            "blob": b"\x00\xff",
            "tags": {"b", "a", "B"},
            "holder": None,
        },
        "generated",
    )
    line = dump_samples([item])
    assert line == (
        '{"entity": "Ticket", "values": {"price": 12345678901234567890.123456789, '
        '"issued_at": "2024-01-01T00:00:00.000000Z", "blob": {"$base64": "AP8="}, '
        '"tags": ["B", "a", "b"]}}\n'
    )
    with pytest.raises(ValueError, match="unknown dump format"):
        dump_samples([item], "csv")  # type: ignore[arg-type]


ROUND_TRIP_MODEL = """\
version: 1
table: {name: round-trip, partition_key: {name: PK}, sort_key: {name: SK}}
entities:
  Thing:
    attributes:
      id: string
      text: string
      n: number
      when: datetime?
      blob: binary?
      tags: string_set?
      meta: map?
      notes: list?
    keys: {PK: "thing-{id}", SK: "thing"}
"""

free = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**12), 10**12)
    | st.text(max_size=5)
    | st.binary(max_size=4)
    | st.decimals(
        allow_nan=False, allow_infinity=False, places=4, min_value=-(10**9), max_value=10**9
    ),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(
        st.fixed_dictionaries(
            {
                "text": st.text(min_size=1, max_size=12),
                "n": st.decimals(
                    allow_nan=False,
                    allow_infinity=False,
                    places=6,
                    min_value=-(10**20),
                    max_value=10**20,
                ),
            },
            optional={
                "when": st.datetimes(min_value=dt.datetime(1000, 1, 1), timezones=st.just(dt.UTC)),
                "blob": st.binary(min_size=1, max_size=8),
                "tags": st.sets(st.text(max_size=4), min_size=1, max_size=3),
                "meta": st.dictionaries(st.text(max_size=4), free, max_size=3),
                "notes": st.lists(free, max_size=3),
            },
        ),
        min_size=1,
        max_size=4,
    )
)
def test_any_values_round_trip_through_both_formats(
    tmp_path: Path, rows: list[dict[str, object]]
) -> None:
    design = design_in(tmp_path / "rt", ROUND_TRIP_MODEL)
    items = [SampleItem("Thing", {"id": f"t{k}", **row}, "generated") for k, row in enumerate(rows)]
    for fmt in ("jsonl", "yaml"):
        path = tmp_path / "rt" / f"dump.{fmt}"
        path.write_text(dump_samples(items, fmt), encoding="utf-8")
        assert [dict(i.values) for i in load_fixture(design, path)] == [
            dict(i.values) for i in items
        ]


# ---------------------------------------------------------------------------------------------
# Parameter sets


def test_parameter_sets_prefer_prefixes_of_other_values(
    alleycat: Design, alleycat_items: list[SampleItem]
) -> None:
    sets = parameter_sets(alleycat, "results_by_racer", alleycat_items)
    assert sets == parameter_sets(alleycat, "results_by_racer", alleycat_items)
    assert 1 < len(sets) <= 6
    present = {
        unicodedata.normalize("NFC", r) for r in strings_of(alleycat_items, "racer_id", "RacerRace")
    }
    chosen = [unicodedata.normalize("NFC", str(s["racer_id"])) for s in sets]
    first = chosen[0]
    assert first in present
    assert any(p != first and p.startswith(first) for p in present)
    assert any("#" in c or "\\" in c for c in chosen)
    # One set probes with an absent prefix of a present value: a correct engine finds nothing.
    assert any(c not in present and any(p.startswith(c) for p in present) for c in chosen)
    rule = rule_of(alleycat.patterns["results_by_racer"].parameters["racer_id"])
    for params in sets:
        rule.check("results_by_racer", "racer_id", params["racer_id"])
    assert len(parameter_sets(alleycat, "results_by_racer", alleycat_items, max_sets=2)) == 2


def test_parameter_sets_bind_equalities_from_one_item(
    alleycat: Design, alleycat_items: list[SampleItem]
) -> None:
    for params in parameter_sets(alleycat, "performance_in_race", alleycat_items)[:1]:
        assert expected_result(alleycat, "performance_in_race", params, alleycat_items).count == 1


def test_range_parameters_come_from_values_present(box_office: Design) -> None:
    items = generate_samples(box_office)
    sets = parameter_sets(box_office, "tickets_between", items)
    assert sets
    for params in sets:
        first, last = params["first"], params["last"]
        assert isinstance(first, int)
        assert isinstance(last, int)
        assert 0 <= first <= last <= 9999
    assert any(p["first"] < p["last"] for p in sets)  # type: ignore[operator]
    seqs = {int(str(i.values["seq"])) for i in items if i.entity == "Ticket"}
    # Bounds cut inside the values present: equal to one, or just beside one (in or out).
    near = {seq + step for seq in seqs for step in (-1, 0, 1)}
    assert all(p["first"] in near and p["last"] in near for p in sets)
    assert any(p["first"] in seqs for p in sets)
    assert any(p["first"] not in seqs or p["last"] not in seqs for p in sets)
    prices = parameter_sets(box_office, "tickets_by_price", items)
    assert all(isinstance(p["low"], Decimal) and p["low"] <= p["high"] for p in prices)  # type: ignore[operator]
    assert any(expected_result(box_office, "tickets_between", p, items).count > 1 for p in sets)


def test_between_bounds_never_cross_even_in_a_short_partition() -> None:
    # Bounds cut just above the second value and just below the second to last cross when a
    # partition holds two or three values; DynamoDB Local refuses such a BETWEEN
    # (ValidationException) where moto returns nothing. The leaderboard's ties are short runs.
    from tablemodel.run.intent import compare_stored, stored  # noqa: PLC0415

    leaderboard = design_of(ROOT / "examples" / "leaderboard" / "tablemodel.yaml")
    items = generate_samples(leaderboard)
    sets = parameter_sets(leaderboard, "ties_between", items)
    assert len(sets) > 1
    for params in sets:
        assert compare_stored(stored(params["since"]), stored(params["until"])) <= 0, params
    assert any(expected_result(leaderboard, "ties_between", p, items).count > 0 for p in sets)


def test_parameter_sets_for_prefixes_limits_and_no_parameters(tmp_path: Path) -> None:
    text = """\
version: 1
table: {name: things, partition_key: {name: PK}, sort_key: {name: SK}}
entities:
  Thing:
    attributes: {group: string, name: string}
    keys: {PK: "group-{group}", SK: "name-{name}"}
access_patterns:
  by_prefix:
    description: names starting with a prefix
    key_condition: {PK: "group-{group}", SK: {begins_with: "name-{prefix}"}}
    parameters: {prefix: {type: string}, n: {type: integer, minimum: 1}}
    returns: [Thing]
    intent:
      select: {Thing: {group: $group, name: {begins_with: $prefix}}}
      order_by: [name]
      limit: $n
  everything:
    description: every thing of group g
    key_condition: {PK: "group-g"}
    returns: [Thing]
    intent: {select: {Thing: {group: g}}}
sample:
  entities:
    Thing: {count: 20}
"""
    design = design_in(tmp_path, text)
    items = generate_samples(design)
    sets = parameter_sets(design, "by_prefix", items)
    names = strings_of(items, "name")
    assert sets
    for params in sets:
        assert isinstance(params["n"], int)
        assert params["n"] >= 1
        assert any(n.startswith(str(params["prefix"])) for n in names)
    assert parameter_sets(design, "everything", items) == [{}]
    with pytest.raises(SampleError, match="not an access pattern"):
        parameter_sets(design, "nope", items)


def test_parameter_sets_without_items_still_give_valid_values(box_office: Design) -> None:
    sets = parameter_sets(box_office, "tickets_between", [])
    assert len(sets) == 1
    assert set(sets[0]) == {"event_id", "first", "last"}


def test_model_loads_from_text_with_the_new_sample_fields() -> None:
    loaded = load_model_from_text(
        with_sample(ALLEYCAT, "  generate: false\n  entities:\n    Racer: {count: 2}\n")
    )
    assert loaded.model.sample.generate is False
    assert loaded.model.sample.entities["Racer"].count == 2
    assert loaded.model.sample.entities["Racer"].per_parent is None


# ---------------------------------------------------------------------------------------------
# Runs that show something: examples, derived dates, sentinels, enums, index partitions

PUBLISHED = ROOT / "tests" / "data" / "published"


def test_examples_are_called_first_typed_as_their_parameters() -> None:
    shop = design_of(PUBLISHED / "online_shop.yaml")
    items = generate_samples(shop)
    sets = parameter_sets(shop, "customer_invoices_between", items)
    assert sets[0] == {
        "customer_id": "12345",
        "start": dt.date(2020, 6, 1),
        "end": dt.date(2020, 6, 15),
    }
    assert len(sets) > 1  # the chosen sets follow


def test_an_example_value_its_parameter_refuses_is_located(tmp_path: Path) -> None:
    text = (PUBLISHED / "online_shop.yaml").read_text(encoding="utf-8")
    text = text.replace('start: "2020-06-01", end: "2020-06-15"', 'start: "2020-13-01", end: x')
    shop = design_in(tmp_path, text)
    with pytest.raises(SampleError) as caught:
        parameter_sets(shop, "customer_invoices_between", generate_samples(shop))
    assert caught.value.where.endswith(
        "(access_patterns.customer_invoices_between.examples[0].start)"
    )


def test_date_parameters_come_from_the_datetimes_they_bound() -> None:
    shop = design_of(PUBLISHED / "online_shop.yaml")
    items = generate_samples(shop)
    days = {i.values["date"].astimezone(dt.UTC).date() for i in items if i.entity == "Invoice"}  # type: ignore[attr-defined]
    near = {
        day + dt.timedelta(days=step)
        for day in days
        for step in (-1, 0, 1)
        if dt.date.min < day < dt.date.max
    } | days
    chosen = parameter_sets(shop, "customer_invoices_between", items)[1:]  # past the example
    assert chosen
    for params in chosen:
        assert params["start"] in near, params
        assert params["end"] in near, params
    assert any(
        expected_result(shop, "customer_invoices_between", p, items).count > 0 for p in chosen
    )


def test_every_pattern_of_the_published_designs_has_a_call_that_expects_items() -> None:
    for name in ("online_shop.yaml", "electrodb_library.yaml", "session_store.yaml"):
        design = design_of(PUBLISHED / name)
        items = generate_samples(design)
        for pattern in design.patterns:
            counts = [
                expected_result(design, pattern, params, items).count
                for params in parameter_sets(design, pattern, items)
            ]
            assert any(counts), (name, pattern, counts)


def test_literals_the_patterns_compare_with_occur_in_the_sample(tmp_path: Path) -> None:
    # Without the sample's own values, `AVAILABLE` comes from the patterns that name it.
    text = (PUBLISHED / "electrodb_library.yaml").read_text(encoding="utf-8")
    text = text.split("\nsample:")[0] + "\n"
    library = design_in(tmp_path, text)
    books = [i for i in generate_samples(library) if i.entity == "Book"]
    ends = {i.values["loanEndDate"] for i in books if i.values.get("loanEndDate") is not None}
    assert "AVAILABLE" in ends
    assert len(ends) > 1  # and other values beside it


def test_every_enum_value_occurs(tmp_path: Path) -> None:
    text = """\
table: {name: tickets, partition_key: {name: PK}, sort_key: {name: SK}}
entities:
  Ticket:
    attributes:
      ticket_id: string
      state: {type: enum, values: [new, open, pending, solved, closed, spam]}
    keys: {PK: "ticket#{ticket_id}", SK: "ticket"}
"""
    tickets = generate_samples(design_in(tmp_path, text))
    assert {t.values["state"] for t in tickets} == {
        "new",
        "open",
        "pending",
        "solved",
        "closed",
        "spam",
    }


def test_index_partitions_the_table_sorts_by_hold_several_items() -> None:
    # A session's customer is the table's sort key and the index's partition key: customers
    # with one session each would let `Limit 1` on the index pass every run.
    store = design_of(PUBLISHED / "session_store.yaml")
    sessions = [i for i in generate_samples(store) if i.entity == "Session"]
    per_customer = Counter(stored_text(s.values["customer_id"]) for s in sessions)
    assert max(per_customer.values()) >= 2, per_customer
    shop = design_of(PUBLISHED / "online_shop.yaml")
    invoices = [i for i in generate_samples(shop) if i.entity == "Invoice"]
    assert max(Counter(str(i.values["invoice_id"]) for i in invoices).values()) >= 2


def stored_text(value: object) -> str:
    return unicodedata.normalize("NFC", str(value))
