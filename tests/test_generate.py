"""`tablemodel generate`: the emitted module, its checks, and what the generator refuses."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from botocore.client import BaseClient
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from pynamodb.models import Model

from tablemodel.api import load
from tablemodel.cli.main import cli
from tablemodel.design import build_design
from tablemodel.generate import GenerateError, _wrap_path, check_source, generate_source
from tablemodel.generate.naming import RESERVED_MEMBERS
from tablemodel.generate.text import pystr
from tablemodel.run.sample import generate_samples
from tablemodel.runtime import entities as _entities
from tablemodel.runtime.entities import complete
from tablemodel.runtime.errors import NotConfiguredError
from tablemodel.schema.loader import load_model_from_text
from tests.generated import (
    ALLEYCAT,
    BOX_OFFICE,
    LEADERBOARD,
    LOBBY,
    MEMBERS,
    ODD_NAMES,
    PUBLISHED,
    ROOT,
    SHOP,
    TASK_QUEUE,
    fetching_lsi_model,
    generate_and_import,
)

ALLEYCAT_MODELS = ALLEYCAT / "models.py"
PUBLISHED_DESIGNS = (
    "chat_system.yaml",
    "complaint_management.yaml",
    "battle_royale.yaml",
    "social_network.yaml",
    "electrodb_library.yaml",
)
PLAIN_KEYS = BOX_OFFICE.parent / "plain_keys.yaml"


def test_committed_alleycat_module_is_what_the_model_generates() -> None:
    expected = generate_source(load(ALLEYCAT), output=ALLEYCAT_MODELS)
    assert ALLEYCAT_MODELS.read_text(encoding="utf-8") == expected


def test_committed_hour_race_module_is_what_the_model_generates() -> None:
    models = ALLEYCAT / "hour_race_models.py"
    expected = generate_source(load(ALLEYCAT / "hour_race.yaml"), output=models)
    assert models.read_text(encoding="utf-8") == expected


def test_output_is_deterministic_and_names_the_model_and_its_hash() -> None:
    first = generate_source(load(BOX_OFFICE), output=Path("out/models.py"))
    second = generate_source(load(BOX_OFFICE), output=Path("out/models.py"))
    assert first == second
    header = first.splitlines()[:3]
    assert "from ../tests/data/generate/box_office.yaml" in header[0]
    assert "model sha256 " in header[1]


def test_hash_follows_content_not_formatting(tmp_path: Path) -> None:
    text = BOX_OFFICE.read_text(encoding="utf-8")
    a = tmp_path / "a.yaml"
    b = tmp_path / "b.yaml"
    a.write_text(text, encoding="utf-8")
    b.write_text("# a comment that changes nothing\n" + text, encoding="utf-8")
    assert generate_source(load(a)) == generate_source(load(b)).replace("b.yaml", "a.yaml")


def _far_away_copy(model: Path, tmp_path: Path) -> Path:
    """The model in a deep folder with spaces, so the header's paths are long and need quoting."""
    folder = tmp_path / "a folder with spaces" / ("deep" * 30) / "models dir"
    folder.mkdir(parents=True)
    copy = folder / model.name
    copy.write_text(model.read_text(encoding="utf-8"), encoding="utf-8")
    return copy


@pytest.mark.parametrize(
    ("model", "far"),
    [
        (ALLEYCAT, False),
        (BOX_OFFICE, False),
        (BOX_OFFICE, True),
        (ALLEYCAT / "article.yaml", False),
        (LEADERBOARD, False),
        (PLAIN_KEYS, False),
        (ODD_NAMES, False),
        (LOBBY, False),
        (MEMBERS, False),
        (SHOP, False),
        (TASK_QUEUE, False),
        *((PUBLISHED / name, False) for name in PUBLISHED_DESIGNS),
    ],
    ids=[
        "alleycat",
        "box_office",
        "box_office_far_away",
        "article",
        "leaderboard",
        "plain_keys",
        "odd_names",
        "lobby",
        "members",
        "shop",
        "task_queue",
        *(name.removesuffix(".yaml") for name in PUBLISHED_DESIGNS),
    ],
)
def test_generated_module_passes_ruff_and_mypy_strict(
    model: Path, far: bool, tmp_path: Path
) -> None:
    if far:
        model = _far_away_copy(model, tmp_path)
    target = tmp_path / "out" / "models.py"
    target.parent.mkdir()
    target.write_text(generate_source(load(model), output=target), encoding="utf-8")
    if far:  # the path is wrapped at its slashes and reads back whole
        header = target.read_text(encoding="utf-8").split('"""')[0].splitlines()
        wrapped = [line.removeprefix("#     ") for line in header if line.startswith("#     ")]
        assert "".join(wrapped[:-1]) == os.path.relpath(model, target.parent)
        assert wrapped[-1] == "tablemodel generate MODEL -o FILE"
    # This repository's rules as the examples see them (tablemodel third-party), and a user's
    # project with no configuration but isort's rule, run from that project's folder.
    config = ["--config", str(ROOT / "examples" / "ruff.toml")]
    bare = ["--isolated", "--select", "E,F,W,I,UP,B", "--line-length", "88"]
    for command in (
        ["ruff", "format", "--check", *config, str(target)],
        ["ruff", "format", "--check", "--line-length", "88", str(target)],
        ["ruff", "check", *config, str(target)],
        ["ruff", "check", *config, "--line-length", "88", str(target)],
        ["ruff", "check", *bare, str(target)],
    ):
        done = subprocess.run(
            [sys.executable, "-m", *command],
            capture_output=True,
            text=True,
            check=False,
            cwd=tmp_path,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(target)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout + done.stderr


# ---------------------------------------------------------------------------------------------
# generate --check


def _copy_alleycat(tmp_path: Path) -> Path:
    folder = tmp_path / "alleycat"
    shutil.copytree(ALLEYCAT, folder)
    return folder


def test_check_passes_on_an_unchanged_model(tmp_path: Path) -> None:
    folder = _copy_alleycat(tmp_path)
    result = CliRunner().invoke(
        cli, ["generate", str(folder), "-o", str(folder / "models.py"), "--check"]
    )
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output


def test_check_fails_with_a_diff_on_a_changed_model(tmp_path: Path) -> None:
    folder = _copy_alleycat(tmp_path)
    model = folder / "tablemodel.yaml"
    text = model.read_text(encoding="utf-8")
    model.write_text(
        text.replace(
            "name: {type: string, max_length: 100}", "name: {type: string, max_length: 80}"
        ),
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        cli, ["generate", str(folder), "-o", str(folder / "models.py"), "--check"]
    )
    assert result.exit_code == 1
    assert '-            "name": Rule("string", max_length=100),' in result.output
    assert '+            "name": Rule("string", max_length=80),' in result.output
    assert "out of date" in result.output
    # --check writes nothing.
    assert (folder / "models.py").read_text(encoding="utf-8") == ALLEYCAT_MODELS.read_text(
        encoding="utf-8"
    )


def test_check_reports_a_missing_file_and_needs_an_output(tmp_path: Path) -> None:
    folder = _copy_alleycat(tmp_path)
    missing = folder / "absent.py"
    result = CliRunner().invoke(cli, ["generate", str(folder), "-o", str(missing), "--check"])
    assert result.exit_code == 1
    assert "does not exist" in result.output
    assert check_source(load(folder), missing).up_to_date is False
    result = CliRunner().invoke(cli, ["generate", str(folder), "--check"])
    assert result.exit_code == 2
    assert "--check needs --output" in result.output


def test_generate_writes_the_file_and_reports_load_errors(tmp_path: Path) -> None:
    folder = _copy_alleycat(tmp_path)
    target = folder / "out.py"
    result = CliRunner().invoke(cli, ["generate", str(folder), "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8") == generate_source(load(folder), output=target)
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\ntable: {name: x}\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["generate", str(bad), "-o", str(target)])
    assert result.exit_code == 2
    assert "TM0" in result.output
    assert "Traceback" not in result.output


# ---------------------------------------------------------------------------------------------
# What the generator refuses


MINIMAL = """
version: 1
table:
  name: things
  partition_key: {name: PK}
  sort_key: {name: SK}
  global_indexes:
    - {name: gsi, partition_key: {name: G}, projection: all}
  discriminator_attribute: kind
entities:
  Thing:
    attributes: {id: string}
    keys: {PK: "thing-{id}", SK: "thing"}
access_patterns:
  thing:
    description: a thing
    key_condition: {PK: "thing-{id}", SK: "thing"}
    returns: [Thing]
    intent: {select: {Thing: {id: $id}}}
"""


def _generate_text(text: str) -> str:
    return generate_source(load_model_from_text(text, source="model.yaml"))


def test_minimal_model_generates() -> None:
    assert "class Thing(ThingsItem" in _generate_text(MINIMAL)


def test_a_plain_key_attribute_is_declared_once_per_entity_with_its_type() -> None:
    source = generate_source(load(PLAIN_KEYS))
    table_class = source.split("class CalendarItem(TableItem):")[1].split("\nclass ")[0]
    event = source.split("class Event(CalendarItem):")[1].split("\nclass ")[0]
    note = source.split("class Note(CalendarItem):")[1].split("\nclass ")[0]
    # The table class leaves the key open; each entity declares it as its attribute.
    assert "    day: Attribute[Any] = UnicodeAttribute(null=True)\n" in table_class
    assert "    day = DateAttribute()\n" in event
    assert "    day = UnicodeAttribute()\n" in note
    assert "    room = UnicodeAttribute(null=True)\n" in event
    assert 'raw_keys=("day", "day_number", "floor", "room", "starts")' in source
    assert "MultiKeyIndex(" in source
    assert "class ByRoomIndex" not in source  # PynamoDB cannot declare it
    assert "class ByDayIndex(GlobalIndex" in source


SESSIONS = """
version: 1
table:
  name: sessions
  partition_key: {name: session_id, type: S}
  global_indexes:
    - {name: by_user, partition_key: {name: username}, sort_key: {name: last_seen, type: N}}
entities:
  Session:
    attributes: {session_id: string, username: string, last_seen: integer}
access_patterns:
  last_session:
    description: A user's last session.
    index: by_user
    key_condition: {username: "{username}"}
    order: descending
    limit: 1
    returns: [Session]
    intent: {select: {Session: {username: $username}}, order_by: [last_seen desc], limit: 1}
"""


def test_an_entity_whose_keys_are_its_own_attributes_needs_no_templates() -> None:
    source = _generate_text(SESSIONS)
    session = source.split("class Session(SessionsItem):")[1]
    assert "    session_id = UnicodeAttribute(hash_key=True)\n" in session
    assert "    last_seen = IntegerAttribute()\n" in session
    assert '            "session_id": "{session_id}",\n' in session


def test_a_binary_key_attribute_of_the_entity_is_refused_where_it_is_declared() -> None:
    text = SESSIONS.replace(
        "sort_key: {name: last_seen, type: N}", "sort_key: {name: token, type: B}"
    )
    text = text.replace("last_seen: integer}", "last_seen: integer, token: binary}")
    with pytest.raises(GenerateError) as caught:
        _generate_text(text)
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.code == "TM903"
    assert diagnostic.location.dotted_path == "entities.Session.attributes.token"
    assert "generated models key items on strings and numbers only" in diagnostic.message


def test_keys_that_tell_entities_apart_need_no_discriminator() -> None:
    other = "  Other: {attributes: {id: string}, keys: {PK: 'thing-{id}', SK: 'other'}}\n"
    text = MINIMAL.replace("  discriminator_attribute: kind\n", "")
    source = _generate_text(text.replace("access_patterns:", other + "access_patterns:"))
    assert "class Thing(ThingsItem):" in source
    assert "class Other(ThingsItem):" in source
    assert "DiscriminatorAttribute" not in source


@pytest.mark.parametrize(
    ("old", "new", "code", "where"),
    [
        ("  discriminator_attribute: kind\n", "", "TM901", "entities.Other.keys"),
        ("Thing", "Page", "TM902", "entities.Page"),
        ("attributes: {id: string}", "attributes: {id: string, kind: string}", "TM903", "kind"),
        ('SK: "thing"}\naccess', 'SK: "{id}{id2}"}\naccess', "TM905", "keys.SK"),
        ('key_condition: {PK: "thing-{id}", SK: "thing"}', 'key_condition: {G: "x"}', "TM904", ""),
    ],
    ids=[
        "keys-cannot-tell-entities-apart",
        "name-clash",
        "attribute-is-discriminator",
        "ambiguous",
        "unresolved",
    ],
)
def test_refusals_are_located_diagnostics(old: str, new: str, code: str, where: str) -> None:
    text = MINIMAL.replace(old, new)
    if code == "TM901":  # without a discriminator, a thing `x` and an other `x` share a key
        other = "  Other: {attributes: {id: string}, keys: {PK: 'thing-{id}', SK: '{id}'}}\n"
        text = text.replace("access_patterns:", other + "access_patterns:")
    if code == "TM905":
        text = text.replace("attributes: {id: string}", "attributes: {id: string, id2: string}")
    if code == "TM904":
        text = text.replace(
            "global_indexes:\n    - {name: gsi", "global_indexes:\n    - {name: gsi"
        )
    assert text != MINIMAL
    with pytest.raises(GenerateError) as caught:
        _generate_text(text)
    found = {d.code: d for d in caught.value.diagnostics}
    assert code in found, caught.value.diagnostics
    diagnostic = found[code]
    assert diagnostic.location.file == "model.yaml"
    assert diagnostic.location.line is not None
    assert where in diagnostic.location.dotted_path


PATTERN = """
  {name}:
    description: the same thing
    key_condition: {{PK: "thing-{{id}}", SK: "thing"}}
    returns: [Thing]
    intent: {{select: {{Thing: {{id: $id}}}}}}
"""


@pytest.mark.parametrize(
    ("addition", "where", "message"),
    [
        (
            PATTERN.format(name="thing_page"),
            "access_patterns.thing_page",
            "would define `thing_page` for access pattern `thing_page` and for access pattern"
            " `thing`",
        ),
        (
            PATTERN.format(name="THING"),
            "access_patterns.THING",
            "would define `_THING` for access pattern `THING` and for access pattern `thing`",
        ),
        (
            "  GsiIndex: {attributes: {id: string}, keys: {PK: 'g-{id}', SK: 'g'}}\n",
            "entities.GsiIndex",
            "would define `GsiIndex` for entity `GsiIndex` and for the class of index `gsi`",
        ),
    ],
    ids=["function-and-page", "constant", "entity-and-index-class"],
)
def test_two_things_the_module_would_name_alike_are_refused(
    addition: str, where: str, message: str
) -> None:
    if addition.startswith("  GsiIndex"):
        text = MINIMAL.replace("access_patterns:\n", addition + "access_patterns:\n")
    else:
        text = MINIMAL + addition
    with pytest.raises(GenerateError) as caught:
        _generate_text(text)
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.code == "TM902"
    assert diagnostic.location.dotted_path == where
    assert diagnostic.location.line is not None
    assert message in diagnostic.message


def test_an_entity_named_like_a_view_is_refused() -> None:
    data = yaml.safe_load((ALLEYCAT / "tablemodel.yaml").read_text(encoding="utf-8"))
    data["entities"]["RacerRaceFromGSISKNumeric"] = {
        "attributes": {"racer_id": "string"},
        "keys": {"PK": "zz-{racer_id}", "SK": "zz"},
    }
    with pytest.raises(GenerateError) as caught:
        _generate_text(yaml.safe_dump(data))
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.location.dotted_path == "entities.RacerRaceFromGSISKNumeric"
    assert "the view of `RacerRace` on `GSI_SK_Numeric`" in diagnostic.message


def test_refusal_on_the_command_line_is_exit_1_without_traceback(tmp_path: Path) -> None:
    model = tmp_path / "model.yaml"
    other = "  Other: {attributes: {id: string}, keys: {PK: 'thing-{id}', SK: '{id}'}}\n"
    text = MINIMAL.replace("  discriminator_attribute: kind\n", "")
    model.write_text(text.replace("access_patterns:", other + "access_patterns:"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["generate", str(model)])
    assert result.exit_code == 1
    assert "TM901" in result.output
    assert "Traceback" not in result.output


def test_reserved_members_cover_pynamodb_model() -> None:
    public = {name for name in dir(Model) if not name.startswith("_")}
    assert public - RESERVED_MEMBERS == set()


def test_keyword_and_reserved_attribute_names_are_renamed() -> None:
    text = MINIMAL.replace(
        "attributes: {id: string}", "attributes: {id: string, class: string, save: string}"
    )
    source = _generate_text(text)
    assert 'class_ = UnicodeAttribute(attr_name="class")' in source
    assert 'save_ = UnicodeAttribute(attr_name="save")' in source


@pytest.mark.parametrize(
    "text", ["plain", 'say "hi"', "it's", "both ' and \"", "back\\slash", "é\n"]
)
def test_string_literals_round_trip(text: str) -> None:
    assert eval(pystr(text)) == text


def test_a_module_without_a_table_name_refuses_before_any_request(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ALLEYCAT_TABLE_NAME", raising=False)
    models = generate_and_import(ALLEYCAT, tmp_path)
    with pytest.raises(NotConfiguredError, match="ALLEYCAT_TABLE_NAME"):
        list(models.results_by_racer("r1"))
    with pytest.raises(NotConfiguredError):
        models.RacerRace.fetch(racer_id="r1", race_id="x")


def test_a_module_without_a_region_refuses_before_any_request(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, aws_credentials: None
) -> None:
    """PynamoDB used to end in `TableError: Unable to describe table: You must specify a
    region.` at the first request."""
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")  # botocore does not read it
    sent: list[str] = []
    monkeypatch.setattr(
        BaseClient, "_make_api_call", lambda client, operation, params: sent.append(operation)
    )
    models = generate_and_import(ALLEYCAT, tmp_path)
    models.configure(table_name="alleycat-test")
    calls = {
        "pattern": lambda: list(models.results_by_racer("r1")),
        "fetch": lambda: models.RacerRace.fetch(racer_id="r1", race_id="x"),
        "create": lambda: models.Racer(racer_id="r1", name="Ann").create(),
        "create_table": models.create_table,
        "PynamoDB get": lambda: models.Racer.get("racer-r1", "racer"),
        "PynamoDB count": lambda: models.Racer.count("racer-r1"),
    }
    for name, call in calls.items():
        with pytest.raises(NotConfiguredError) as caught:
            call()
        assert str(caught.value) == (
            "no region for the `alleycat` models: call configure(region=...), set the "
            "environment variable AWS_DEFAULT_REGION (AWS_REGION is set, but botocore does not "
            "read it), or set `region` for your profile in ~/.aws/config"
        ), name
    assert sent == []
    base, table = models.AlleycatItem, models.TABLE
    models.configure(region="eu-west-1")
    _entities.ensure_configured(base, table)
    models.configure(region=None)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-2")
    _entities.ensure_configured(base, table)
    models.configure(region=None)
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    config = tmp_path / "config"
    config.write_text("[profile racer]\nregion = eu-central-1\n", encoding="utf-8")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_PROFILE", "racer")
    _entities.ensure_configured(base, table)
    assert sent == []


def test_runtime_and_schema_agree_on_attribute_types() -> None:
    from typing import get_args  # noqa: PLC0415

    from tablemodel.generate.python import _ATTRIBUTE_CLASS, _RUNTIME_ATTRIBUTES  # noqa: PLC0415
    from tablemodel.runtime import attributes  # noqa: PLC0415
    from tablemodel.runtime.values import AttributeType  # noqa: PLC0415
    from tablemodel.schema import model  # noqa: PLC0415

    # The runtime declares the list of types (it cannot import the schema, which needs
    # pydantic); the model language takes it from there. Tables keyed by type end in
    # assert_never (mypy checks those); this one is a dict, so it is checked here.
    assert model.AttributeType is AttributeType
    assert set(_ATTRIBUTE_CLASS) == set(get_args(AttributeType))
    assert set(attributes.__all__) == _RUNTIME_ATTRIBUTES


@pytest.mark.parametrize("model", [ALLEYCAT, BOX_OFFICE], ids=["alleycat", "box_office"])
def test_emitted_rules_are_the_rules_of_the_model(model: Path) -> None:
    from tablemodel.api import design_of  # noqa: PLC0415
    from tablemodel.design import rule_of  # noqa: PLC0415
    from tablemodel.generate.python import _rule  # noqa: PLC0415
    from tablemodel.runtime.values import Rule  # noqa: PLC0415

    design = design_of(load(model))
    specs = [s for e in design.entities.values() for s in e.spec.attributes.values()]
    specs += [s for p in design.patterns.values() for s in p.parameters.values()]
    for spec in specs:
        assert eval(_rule(spec), {"Rule": Rule}) == rule_of(spec)


@given(st.text(st.sampled_from("ab /.\t"), max_size=300), st.integers(min_value=4, max_value=82))
def test_a_long_header_path_wraps_losslessly_at_its_slashes(path: str, width: int) -> None:
    pieces = _wrap_path(path, width)
    assert "".join(pieces) == path
    assert all(len(piece) <= width for piece in pieces)
    assert all(piece == piece.rstrip() or not piece.strip() for piece in pieces[:-1])


def test_a_control_character_in_the_model_path_cannot_reach_the_code(tmp_path: Path) -> None:
    folder = tmp_path / "odd\nimport os; os.system('x')"
    folder.mkdir()
    model = folder / "box_office.yaml"
    model.write_text(BOX_OFFICE.read_text(encoding="utf-8"), encoding="utf-8")
    source = generate_source(load(model), output=tmp_path / "models.py")
    head = source.split('"""')[0]
    assert all(line.startswith("#") for line in head.splitlines())
    assert "odd\\nimport os" in head


# ---------------------------------------------------------------------------------------------
# Results of partial reads are typed as what the read gave back

USER_CODE = """
from decimal import Decimal

import models


def use() -> None:
    row = next(models.top_scores_by_race("r1"))
    output: Decimal = row.output
    row.modify(output=output + 1)
    row.results  # E: not projected by GSI_SK_Numeric
    row.put()  # E: writing back a partial read
    whole = models.RacerRace.fetch(racer_id=row.racer_id, race_id=row.race_id)
    if whole is not None:
        text: str = whole.results
        whole.put()
    ticket = next(models.tickets_by_holder("ann"))
    seq: int = ticket.seq
    ticket.price  # E: not projected by by_holder
    ticket.modify(active=False)  # E: the version is not projected
"""


def test_mypy_rejects_what_a_partial_read_did_not_return(tmp_path: Path) -> None:
    """The lines marked E fail type checking, each for the reason given; nothing else does."""
    for name, model in (("models", ALLEYCAT / "tablemodel.yaml"), ("tickets", BOX_OFFICE)):
        target = tmp_path / f"{name}.py"
        target.write_text(generate_source(load(model), output=target), encoding="utf-8")
    code = USER_CODE.replace("models.tickets_by_holder", "tickets.tickets_by_holder")
    (tmp_path / "user.py").write_text("import tickets\n" + code, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "user.py"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env={**os.environ, "MYPYPATH": str(ROOT)},
    )
    lines = (tmp_path / "user.py").read_text(encoding="utf-8").splitlines()
    expected = {i + 1 for i, line in enumerate(lines) if "# E:" in line}
    # (Only user.py's errors count: without this repository's mypy settings, mypy also says
    # that boto3 and botocore have no type stubs.)
    errors = [line for line in done.stdout.splitlines() if line.startswith("user.py:")]
    found = {int(line.split(":")[1]) for line in errors if ": error:" in line}
    assert found == expected, done.stdout
    assert '"RacerRaceFromGSISKNumeric" has no attribute "results"' in done.stdout
    assert '"RacerRaceFromGSISKNumeric" has no attribute "put"' in done.stdout
    assert '"TicketFromByHolder" has no attribute "price"' in done.stdout
    assert '"TicketFromByHolder" has no attribute "modify"' in done.stdout


# The committed models, (None) Alleycat with an LSI that makes one pattern fetch, and a
# model whose keys are folded to lower case (what they spell is not always recoverable).
PARTIAL_READ_MODELS = pytest.mark.parametrize(
    "model",
    [
        ALLEYCAT / "tablemodel.yaml",
        ALLEYCAT / "hour_race.yaml",
        BOX_OFFICE,
        None,
        LEADERBOARD,
        PLAIN_KEYS,
        MEMBERS,
    ],
    ids=[
        "alleycat",
        "hour_race",
        "box_office",
        "fetching_lsi",
        "leaderboard",
        "plain_keys",
        "folded_members",
    ],
)


@PARTIAL_READ_MODELS
def test_the_views_and_the_runtime_agree_on_what_a_pattern_cannot_return(
    model: Path | None, tmp_path: Path
) -> None:
    model = model or fetching_lsi_model(tmp_path)
    loaded = load(model)
    design = build_design(loaded.model, loaded)
    module = generate_and_import(model, tmp_path)
    for name, spec in module.ACCESS_PATTERNS.items():
        pattern = design.patterns[name]
        assert pattern.index is not None
        whole = design.fetches_items(pattern)
        assert spec.whole_items == whole
        for entity in pattern.returns:
            expected = design.unread(design.entities[entity], pattern.index, whole_items=whole)
            discriminator = design.entities[entity].discriminator
            assert spec._unread[discriminator] == expected, (name, entity)
    if model.name == "fetching_lsi.yaml":  # races_by_class decodes all it needs from the keys
        assert [n for n, s in module.ACCESS_PATTERNS.items() if s.whole_items] == [
            "race_leaderboard"
        ]
    partial = [
        (p.name, e)
        for p in design.patterns.values()
        for e in p.returns
        if p.index is not None and design.unread(design.entities[e], p.index)
    ]
    assert partial  # every one of these models has at least one partial read


@PARTIAL_READ_MODELS
def test_what_a_key_spells_decodes_to_the_value_and_type_that_was_written(
    model: Path | None, tmp_path: Path
) -> None:
    """Every hostile sample item, cut down to its keys and discriminator (a keys-only index
    entry) and read back as PynamoDB reads it: each attribute a key spells comes back equal
    and of the same type (5 and Decimal(5) are equal; an int attribute must stay an int)."""
    model = model or fetching_lsi_model(tmp_path)
    loaded = load(model)
    design = build_design(loaded.model, loaded)
    module = generate_and_import(model, tmp_path)
    classes = {cls._spec.name: cls for cls in module.ENTITIES}
    discriminator = loaded.model.table.discriminator_attribute
    checked = 0
    items = generate_samples(design)
    for item in items:
        cls = classes[item.entity]
        spec = cls._spec
        written = cls(**{spec.py(name): value for name, value in item.values.items()})
        wire = written.serialize()
        entry = {k: v for k, v in wire.items() if k in spec.codecs or k == discriminator}
        read = cls.from_raw_data(entry)
        complete(read, spec)
        present = [codec for key_attr, codec in spec.codecs.items() if key_attr in wire]
        recoverable = {name for codec in present for name in codec.recoverable}
        for codec in present:  # the keys the item writes (sparse index keys may be absent)
            for name in codec.template.variable_names:
                before = getattr(written, spec.py(name))
                after = getattr(read, spec.py(name))
                if name not in recoverable:
                    # Folded to lower case: never given back as the value that was written.
                    assert after is None, (item.entity, name, after)
                    continue
                assert (type(after), after) == (type(before), before), (item.entity, name)
                checked += 1
    assert checked >= len(items) > 0  # every entity of these models has a key variable
