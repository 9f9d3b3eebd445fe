"""The loader: every target form, every load code, and located, complete diagnostics."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tablemodel import api
from tablemodel.diagnostics import (
    Diagnostic,
    Location,
    ModelLoadError,
    PathPart,
    Severity,
    Snippet,
    format_path,
)
from tablemodel.schema import yaml_reader
from tablemodel.schema.loader import (
    MAX_FILE_BYTES,
    LoadedModel,
    load_model,
    load_model_from_text,
    model_from_data,
)
from tablemodel.schema.model import Model
from tablemodel.schema.positions import PositionMap
from tablemodel.schema.problems import MAX_DEPTH, MAX_NODES, MAX_PROBLEMS
from tablemodel.schema.toml_reader import parse_toml

DATA = Path(__file__).parent / "data" / "loader"

PARSERS = ["libyaml", "python"] if yaml.__with_libyaml__ else ["python"]

pytestmark = pytest.mark.usefixtures("yaml_parser")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every loader test runs with libyaml's parser and with PyYAML's pure-Python one.

    Tests of the command in a process of its own run once: the process picks its parser.
    """
    if "yaml_parser" in metafunc.fixturenames:
        once = getattr(metafunc.function, "in_a_process", False)
        metafunc.parametrize("yaml_parser", PARSERS[:1] if once else PARSERS, indirect=True)


F = TypeVar("F", bound=Callable[..., None])


def in_a_process(test: F) -> F:
    """Mark a test that runs `tablemodel` as a process: the parser fixture cannot reach it."""
    setattr(test, "in_a_process", True)  # noqa: B010
    return test


@pytest.fixture
def yaml_parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    parser: str = request.param
    monkeypatch.setattr(yaml_reader, "YAML_PARSER", parser)
    return parser


BASE = """\
table:
  name: alleycat
  partition_key: {name: PK, type: S}
  sort_key: {name: SK, type: S}
entities:
  Racer:
    attributes:
      racer_id: {type: string, max_length: 36}
    keys: {PK: "racer-{racer_id}", SK: "profile"}
access_patterns:
  racer_profile:
    description: Get a racer's profile.
    key_condition: {PK: "racer-{racer_id}", SK: "profile"}
    returns: [Racer]
    intent:
      select: {Racer: {racer_id: $racer_id}}
"""

TOO_LARGE_HINT = (
    "split the model or remove repeated aliases; limits keep hostile files from exhausting memory"
)
DUPLICATE_HINT = "each key may appear once in a mapping; merge the two entries"


def diag(
    code: str,
    message: str,
    *,
    line: int | None = None,
    column: int | None = None,
    path: tuple[PathPart, ...] = (),
    file: str = "<string>",
    found: str | None = None,
    expected: str | None = None,
    hint: str | None = None,
) -> Diagnostic:
    return Diagnostic(
        code=code,
        severity=Severity.ERROR,
        message=message,
        location=Location(file=file, line=line, column=column, path=path),
        found=found,
        expected=expected,
        hint=hint,
    )


def errors(text: str, format: str = "yaml") -> tuple[Diagnostic, ...]:
    with pytest.raises(ModelLoadError) as caught:
        load_model_from_text(text, format=format)  # type: ignore[arg-type]
    return caught.value.diagnostics


def file_errors(target: str | os.PathLike[str]) -> tuple[Diagnostic, ...]:
    with pytest.raises(ModelLoadError) as caught:
        load_model(target)
    return caught.value.diagnostics


def assert_alleycat(loaded: LoadedModel) -> None:
    model = loaded.model
    assert model.table.name == "alleycat"
    assert model.table.sort_key is not None
    assert model.table.sort_key.name == "SK"
    assert model.entities["Racer"].keys == {"PK": "racer-{racer_id}", "SK": "profile"}
    pattern = model.access_patterns["racer_profile"]
    assert pattern.key_condition["SK"].templates == ("profile",)
    assert pattern.intent.select["Racer"]["racer_id"].operands == ("$racer_id",)


# ---------------------------------------------------------------------------------------------
# Target forms


def test_yaml_text_loads_with_positions() -> None:
    loaded = load_model_from_text(BASE)
    assert_alleycat(loaded)
    assert loaded.source == "<string>"
    assert loaded.base_dir is None
    positions = loaded.positions
    assert positions.key_position(("entities", "Racer", "keys", "PK")) == (9, 12)
    assert positions.value_position(("entities", "Racer", "keys", "PK")) == (9, 16)
    assert positions.value_position(("access_patterns", "racer_profile", "returns", 0)) == (14, 15)
    assert positions.key_position(("access_patterns", "racer_profile", "returns", 0)) is None
    assert positions.nearest(("entities", "Racer", "keys", "GSI1PK")) == (
        ("entities", "Racer", "keys"),
        (9, 5),
    )


@pytest.mark.parametrize("name", ["alleycat.yaml", "alleycat.json", "alleycat.toml"])
def test_each_file_format_loads(name: str) -> None:
    target = str(DATA / name)
    loaded = load_model(target)
    assert_alleycat(loaded)
    assert loaded.source == target
    assert loaded.base_dir == DATA.resolve()
    assert loaded.positions.key_position(("table", "sort_key")) is not None


def test_json_and_toml_positions_point_at_keys() -> None:
    json_model = load_model(DATA / "alleycat.json")
    assert json_model.positions.key_position(("table", "partition_key", "type")) == (6, 7)
    toml_model = load_model(DATA / "alleycat.toml")
    assert toml_model.positions.key_position(("table", "partition_key", "type")) == (5, 32)
    assert toml_model.positions.value_position(("entities", "Racer", "keys", "SK")) == (10, 40)
    path = ("access_patterns", "racer_profile", "intent", "select", "Racer", "racer_id")
    assert toml_model.positions.key_position(path) == (16, 21)


def test_path_like_target_keeps_its_display_name() -> None:
    loaded = load_model(DATA / "alleycat.yaml")
    assert loaded.source == str(DATA / "alleycat.yaml")


def test_folder_target_finds_tablemodel_yaml() -> None:
    loaded = load_model(str(DATA / "folder"))
    assert_alleycat(loaded)
    assert loaded.source == os.path.join(str(DATA / "folder"), "tablemodel.yaml")
    assert loaded.base_dir == (DATA / "folder").resolve()


def test_folder_prefers_yaml_over_json(tmp_path: Path) -> None:
    (tmp_path / "tablemodel.json").write_text("{}")
    (tmp_path / "tablemodel.yml").write_text(BASE)
    assert load_model(tmp_path).source == os.path.join(str(tmp_path), "tablemodel.yml")


def test_folder_without_model_says_what_was_looked_for(tmp_path: Path) -> None:
    (tmp_path / "model.yaml").write_text(BASE)
    assert file_errors(tmp_path) == (
        diag(
            "TM001",
            f"no model file in folder `{tmp_path}`",
            file=str(tmp_path),
            expected="one of tablemodel.yaml, tablemodel.yml, tablemodel.json, tablemodel.toml",
            hint="pass the model file itself, or name it tablemodel.yaml",
        ),
    )


def test_missing_file(tmp_path: Path) -> None:
    target = str(tmp_path / "nope.yaml")
    assert file_errors(target) == (
        diag(
            "TM001",
            f"no such file or folder: `{target}`",
            file=target,
            hint="pass a model file, a folder holding tablemodel.yaml, or package.module:attr",
        ),
    )


def test_unknown_extension_is_read_as_yaml(tmp_path: Path) -> None:
    target = tmp_path / "model.txt"
    target.write_text(BASE)
    assert_alleycat(load_model(target))


MODULE = f"""\
import yaml
from tablemodel.schema.model import Model

DATA = yaml.safe_load('''{BASE}''')
MODEL = Model.model_validate(DATA)
NOT_A_MODEL = 42


def build():
    return MODEL


def build_data():
    return DATA


def broken():
    raise ValueError("no model today")


class Holder:
    model = MODEL
"""


@pytest.fixture
def module_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # A distinct module name per test run keeps sys.modules from serving a stale copy.
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "alley_models.py").write_text(MODULE)
    (tmp_path / "alley_broken.py").write_text("x = 1\nraise RuntimeError('boom at import')\n")
    (tmp_path / "alley_exits.py").write_text("import sys\nsys.exit(3)\n")
    for name in ("alley_models", "alley_broken", "alley_exits"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    return tmp_path


@in_a_process
@pytest.mark.parametrize("attribute", ["MODEL", "DATA", "build", "build_data", "Holder.model"])
def test_module_attribute_target(module_dir: Path, attribute: str) -> None:
    loaded = load_model(f"alley_models:{attribute}")
    assert_alleycat(loaded)
    assert loaded.source == f"alley_models:{attribute}"
    assert loaded.base_dir == module_dir.resolve()
    assert len(loaded.positions) == 0


@in_a_process
def test_module_in_current_directory_is_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "alley_cwd.py").write_text(MODULE)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delitem(sys.modules, "alley_cwd", raising=False)
    before = list(sys.path)
    assert_alleycat(load_model("alley_cwd:MODEL"))
    assert sys.path == before


@in_a_process
def test_module_raising_on_import(module_dir: Path) -> None:
    assert file_errors("alley_broken:MODEL") == (
        diag(
            "TM006",
            "cannot import `alley_broken`: RuntimeError: boom at import",
            file="alley_broken:MODEL",
            hint=f"raised at {module_dir / 'alley_broken.py'}:2",
        ),
    )


@in_a_process
def test_module_calling_sys_exit_is_reported(module_dir: Path) -> None:
    assert file_errors("alley_exits:MODEL") == (
        diag(
            "TM006",
            "cannot import `alley_exits`: SystemExit: 3",
            file="alley_exits:MODEL",
            hint=f"raised at {module_dir / 'alley_exits.py'}:2",
        ),
    )


@in_a_process
def test_module_not_found() -> None:
    assert file_errors("alley_no_such_module:MODEL") == (
        diag(
            "TM006",
            "cannot import `alley_no_such_module`: ModuleNotFoundError: "
            "No module named 'alley_no_such_module'",
            file="alley_no_such_module:MODEL",
        ),
    )


@in_a_process
def test_module_attribute_problems(module_dir: Path) -> None:
    assert file_errors("alley_models:MODLE") == (
        diag(
            "TM006",
            "`alley_models` has no attribute `MODLE`",
            file="alley_models:MODLE",
            hint="did you mean `MODEL`?",
        ),
    )
    assert file_errors("alley_models:NOT_A_MODEL") == (
        diag(
            "TM006",
            "`alley_models:NOT_A_MODEL` is not a model",
            file="alley_models:NOT_A_MODEL",
            found="int",
            expected="a Model, a dict, or a function taking no arguments that returns one",
        ),
    )
    assert file_errors("alley_models:Holder") == (
        diag(
            "TM006",
            "`alley_models:Holder` is a class, not a model",
            file="alley_models:Holder",
            found="class Holder",
            expected="a Model, a dict, or a function taking no arguments that returns one",
        ),
    )
    assert file_errors("alley_models:broken") == (
        diag(
            "TM006",
            "calling `alley_models:broken` raised ValueError: no model today",
            file="alley_models:broken",
            hint=f"raised at {module_dir / 'alley_models.py'}:34",
        ),
    )


@in_a_process
def test_module_returning_invalid_data_is_validated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "alley_invalid", raising=False)
    (tmp_path / "alley_invalid.py").write_text("MODEL = {'table': {'name': 'alleycat'}}\n")
    assert file_errors("alley_invalid:MODEL") == (
        diag(
            "TM007",
            "missing required field `entities` in the top level",
            file="alley_invalid:MODEL",
            path=("entities",),
            expected="a value for `entities`",
        ),
        diag(
            "TM007",
            "missing required field `partition_key` in `table`",
            file="alley_invalid:MODEL",
            path=("table", "partition_key"),
            expected="a value for `partition_key`",
        ),
    )


# ---------------------------------------------------------------------------------------------
# Python targets that end, hang or kill the process importing them

ENDINGS = {
    "SystemExit(0)": ("import sys\nsys.exit(0)\n", "cannot import `{m}`: SystemExit: 0"),
    "SystemExit(3)": ("import sys\nsys.exit(3)\n", "cannot import `{m}`: SystemExit: 3"),
    "KeyboardInterrupt": ("raise KeyboardInterrupt\n", "cannot import `{m}`: KeyboardInterrupt"),
    "GeneratorExit": ("raise GeneratorExit('bye')\n", "cannot import `{m}`: GeneratorExit: bye"),
    "importorskip": (
        "import pytest\npytest.importorskip('no_such_module_here')\n",
        "cannot import `{m}`: Skipped: could not import 'no_such_module_here': No module named "
        "'no_such_module_here'",
    ),
    "os._exit(0)": (
        "import os\nos._exit(0)\n",
        "importing `{m}` ended its Python process (exit status 0) before `{m}:MODEL` was read",
    ),
    "os._exit(1)": (
        "import os\nos._exit(1)\n",
        "importing `{m}` ended its Python process (exit status 1) before `{m}:MODEL` was read",
    ),
    "SIGKILL": (
        "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n",
        "importing `{m}` killed its Python process with SIGKILL (9) before `{m}:MODEL` was read",
    ),
    "sleeps forever": (
        "import time\nwhile True:\n    time.sleep(60)\n",
        "importing `{m}` did not finish within 2 seconds",
    ),
}


@in_a_process
@pytest.mark.parametrize("ending", list(ENDINGS))
def test_a_module_that_ends_its_process_is_one_located_error(
    ending: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Was: a traceback, `Aborted!`, or (os._exit(0)) exit 0 and no output at all.
    body, message = ENDINGS[ending]
    name = "alley_ends_" + re.sub(r"\W", "_", ending)
    (tmp_path / f"{name}.py").write_text(body)
    expected = message.format(m=name)
    monkeypatch.setenv("TABLEMODEL_IMPORT_TIMEOUT", "2")

    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModelLoadError) as caught:
        api.check(f"{name}:MODEL")
    (found,) = caught.value.diagnostics
    assert (found.code, found.message, found.location.file) == ("TM006", expected, f"{name}:MODEL")
    if ending in {"SystemExit(0)", "SystemExit(3)", "KeyboardInterrupt", "GeneratorExit"}:
        assert found.hint == f"raised at {tmp_path / name}.py:{body.count(chr(10))}"

    done = tablemodel("check", f"{name}:MODEL", cwd=tmp_path)
    assert done.returncode == 2
    assert f"TM006 error  {name}:MODEL" in done.stdout.splitlines()
    assert expected in " ".join(done.stdout.split())
    assert done.stderr == ""


@in_a_process
def test_what_a_module_prints_does_not_spoil_the_report(tmp_path: Path) -> None:
    (tmp_path / "alley_loud.py").write_text("print('hello from the module')\n" + MODULE)
    done = tablemodel("check", "alley_loud:MODEL", "--format", "json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["source"] == "alley_loud:MODEL"
    assert "hello from the module" in done.stderr


@in_a_process
def test_a_module_with_threads_and_exit_handlers_answers_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A thread that never ends and an exit handler that hangs would keep a process open.
    prelude = (
        "import atexit, threading, time\n"
        "threading.Thread(target=time.sleep, args=(3600,)).start()\n"
        "atexit.register(time.sleep, 3600)\n"
    )
    (tmp_path / "alley_busy.py").write_text(prelude + MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("TABLEMODEL_IMPORT_TIMEOUT", "20")
    assert_alleycat(load_model("alley_busy:MODEL"))


@in_a_process
def test_each_load_imports_the_module_afresh(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    module = tmp_path / "alley_edited.py"
    module.write_text(MODULE)
    assert load_model("alley_edited:MODEL").model.table.name == "alleycat"
    module.write_text(MODULE.replace("name: alleycat", "name: alleycat-two"))
    assert load_model("alley_edited:MODEL").model.table.name == "alleycat-two"


@in_a_process
def test_a_module_model_is_validated_again_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Text that cannot be encoded survives the trip as JSON and is refused here, as in files.
    (tmp_path / "alley_lone.py").write_text(
        MODULE + "\nODD = MODEL.model_copy(update={'description': 'caf\\ud800'})\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    assert file_errors("alley_lone:ODD") == (
        diag(
            "TM008",
            "a value holds the lone surrogate \\ud800, half of a UTF-16 pair and not a character",
            file="alley_lone:ODD",
            path=("description",),
            hint=SURROGATE_HINT,
        ),
    )
    # What was written, and only that, comes back: the same model, field for field.
    assert load_model("alley_lone:MODEL").model == load_model_from_text(BASE).model


def test_the_import_timeout_must_be_a_number(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TABLEMODEL_IMPORT_TIMEOUT", "soon")
    assert file_errors("alley_models:MODEL") == (
        diag(
            "TM006",
            "TABLEMODEL_IMPORT_TIMEOUT must be a number of seconds above 0, not 'soon'",
            file="alley_models:MODEL",
        ),
    )


def test_colon_in_an_existing_path_is_a_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("models:main").write_text(BASE)
    assert_alleycat(load_model("models:main"))


def test_model_from_data_passes_models_through() -> None:
    model = load_model_from_text(BASE).model
    loaded = model_from_data(model, source="python")
    assert loaded.model is model
    assert loaded.positions.nearest(("table",)) is None


# ---------------------------------------------------------------------------------------------
# TM002 too large


def test_file_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    target = tmp_path / "huge.yaml"
    with target.open("wb") as stream:
        stream.truncate(MAX_FILE_BYTES + 1)  # sparse: costs no disk and is never read
    assert file_errors(target) == (
        diag(
            "TM002",
            "document too large: 10,485,761 bytes or more, over the limit of 10,485,760 bytes",
            file=str(target),
            line=1,
            column=1,
            hint=TOO_LARGE_HINT,
        ),
    )


def test_alias_bomb_is_stopped() -> None:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    assert errors("\n".join(lines)) == (
        diag(
            "TM002",
            f"document too large: more than {MAX_NODES:,} nodes once aliases are expanded",
            line=6,
            column=12,  # the alias that crossed the limit: the second `*e` of `f`
            hint=TOO_LARGE_HINT,
        ),
    )


def test_recursive_alias_is_stopped() -> None:
    assert errors("a: &a [*a]\n") == (
        diag(
            "TM002",
            f"document too large: nested deeper than {MAX_DEPTH} levels: the alias `*a` is "
            "inside the node it names, which repeats it without end",
            line=1,
            column=8,
            hint=TOO_LARGE_HINT,
        ),
    )


@pytest.mark.parametrize("format", ["json", "yaml", "toml"])
def test_deep_nesting_is_refused_without_recursion_error(format: str) -> None:
    text = ("a = " if format == "toml" else "") + "[" * 100_000
    (found,) = errors(text, format)
    assert found.code == "TM002"
    assert found.message == f"document too large: nested deeper than {MAX_DEPTH} levels"


def test_nesting_limit_is_exact() -> None:
    # The top-level mapping is level 1; 199 lists inside it are fine, 200 are not.
    ok = "table: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)
    assert errors(ok)[0].code != "TM002"
    deep = "table: " + "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert errors(deep) == (
        diag(
            "TM002",
            f"document too large: nested deeper than {MAX_DEPTH} levels",
            line=1,
            column=8 + MAX_DEPTH - 1,
            hint=TOO_LARGE_HINT,
        ),
    )


def test_deep_json_within_parser_limits_is_still_capped() -> None:
    text = '{"table": ' + "[" * 300 + "]" * 300 + "}"
    assert errors(text, "json") == (
        diag(
            "TM002",
            f"document too large: nested deeper than {MAX_DEPTH} levels",
            line=1,
            column=1,
            hint=TOO_LARGE_HINT,
        ),
    )


def test_wide_yaml_is_refused_while_it_is_read() -> None:
    # A list of scalars one past the node limit, then a syntax error: the limit is met while
    # parsing, at the node that crosses it, before the parser ever reaches the error.
    text = "- a\n" * MAX_NODES + "- [unclosed\n"
    assert errors(text) == (
        diag(
            "TM002",
            f"document too large: more than {MAX_NODES:,} nodes",
            line=MAX_NODES,  # the list itself is the first node
            column=3,
            hint=TOO_LARGE_HINT,
        ),
    )


def test_wide_mapping_is_refused_at_the_key_that_crosses_the_limit() -> None:
    # The mapping, then a key and a value per line: the value on line MAX_NODES / 2 is one
    # node too many.
    line = MAX_NODES // 2
    assert errors("".join(f"k{i}: 1\n" for i in range(line + 5))) == (
        diag(
            "TM002",
            f"document too large: more than {MAX_NODES:,} nodes",
            line=line,
            column=len(f"k{line - 1}: ") + 1,
            hint=TOO_LARGE_HINT,
        ),
    )


def test_an_alias_counts_the_nodes_it_repeats() -> None:
    # `b` names `a` (3 nodes) MAX_NODES // 3 times: past the limit once aliases are expanded,
    # though the text holds few nodes.
    count = MAX_NODES // 3 + 1
    text = "a: &a [x, y]\nb: [" + ", ".join(["*a"] * count) + "]\n"
    (found,) = errors(text)
    assert found.code == "TM002"
    assert found.message.endswith("once aliases are expanded")
    assert found.location.line == 2


def test_too_many_problems_are_counted_not_listed() -> None:
    # Every item of `returns` is a number where a name is expected: one error each, and one
    # for the list, which holds no name after all.
    count = 1001
    text = BASE.replace("returns: [Racer]", "returns: [" + ", ".join(["1"] * (count - 1)) + "]")
    found = errors(text)
    assert len(found) == MAX_PROBLEMS + 1
    assert all(d.code == "TM006" for d in found[:-1])
    last = found[-1]
    assert last.code == "TM009"
    assert last.message == (
        f"{count - MAX_PROBLEMS:,} more problems from here on not reported: only the first "
        f"{MAX_PROBLEMS} are"
    )
    # It sits where the first problem left out is: item MAX_PROBLEMS of the list.
    assert last.location.path == ("access_patterns", "racer_profile", "returns", MAX_PROBLEMS)
    assert last.location.line == 14


def test_too_many_duplicate_keys_are_counted_not_listed() -> None:
    found = errors(BASE + "description: x\n" * 500)
    assert [d.code for d in found] == ["TM004"] * MAX_PROBLEMS + ["TM009"]
    assert found[-1].message.startswith(f"{499 - MAX_PROBLEMS} more problems from here on")
    assert found[-1].location.line == BASE.count("\n") + 2 + MAX_PROBLEMS


def test_unknown_keys_in_a_wide_mapping_stay_fast() -> None:
    # Each unknown key's path is found among 20,000 keys: once per mapping, not per error.
    text = BASE + "".join(f"tabel{i}: 1\n" for i in range(20_000))
    found = errors(text)
    assert len(found) == MAX_PROBLEMS + 1
    assert found[0] == diag(
        "TM005",
        "unknown key `tabel0` in the top level",
        line=17,
        column=1,
        path=("tabel0",),
        found="tabel0",
        expected="one of version, description, table, entities, access_patterns, "
        "write_patterns, sample",
        hint="did you mean `table`?",
    )


# ---------------------------------------------------------------------------------------------
# TM003 empty


@pytest.mark.parametrize(
    ("text", "format"),
    [
        ("", "yaml"),
        ("  \n\n# only a comment\n", "yaml"),
        ("---\n", "yaml"),
        ("\n \t\n", "json"),
        ("# nothing\n\n", "toml"),
    ],
)
def test_empty_documents(text: str, format: str) -> None:
    assert errors(text, format) == (
        diag(
            "TM003",
            "the document is empty",
            line=1,
            column=1,
            expected="a mapping with at least `table` and `entities`",
        ),
    )


def test_empty_file(tmp_path: Path) -> None:
    target = tmp_path / "tablemodel.yaml"
    target.write_bytes(b"")
    assert [d.code for d in file_errors(tmp_path)] == ["TM003"]


# ---------------------------------------------------------------------------------------------
# TM004 syntax and encoding


def test_several_yaml_documents() -> None:
    assert errors(BASE + "---\ntable: {}\n") == (
        diag(
            "TM004",
            "the file holds more than one YAML document",
            line=17,
            column=1,
            hint="keep one model per file; remove the `---` separator",
        ),
    )


def test_yaml_syntax_error_points_at_the_unclosed_bracket() -> None:
    # The parser notices at line 3 (`entities:` inside the list); the mistake is on line 2.
    assert errors("table:\n  name: [alleycat\nentities: {}\n") == (
        diag(
            "TM004",
            "YAML syntax error: the `[` here is not closed: expected ',' or ']', but got ':' "
            "at line 3, column 9",
            line=2,
            column=9,
        ),
    )


@pytest.mark.parametrize(
    ("text", "message", "line", "column", "hint"),
    [
        (
            'table:\n  name: "alleycat\n  partition_key: {name: PK}\n',
            "YAML syntax error: the quoted text that starts here is never closed",
            2,
            9,
            "add the closing quote; the parser reached line 4, column 1 looking for it",
        ),
        (
            "table:\n  name: alleycat\n  partition_key\nentities: {}\n",
            "YAML syntax error: could not find the `:` expected after this key",
            3,
            3,
            None,
        ),
        (
            "entities:\n  Racer\n  attributes: {racer_id: string}\n",
            "YAML syntax error: expected `:` after `Racer`",
            2,
            8,
            "without it, the next line reads as part of this value (mapping values are not "
            "allowed here at line 3, column 13)",
        ),
        (
            "table:\n\tname: alleycat\n",
            "YAML syntax error: found character '\\t' that cannot start any token (while "
            "scanning for the next token)",
            2,
            1,
            "YAML indents with spaces; replace the tab by spaces",
        ),
    ],
)
def test_yaml_syntax_errors_point_at_the_mistake(
    text: str, message: str, line: int, column: int, hint: str | None
) -> None:
    assert errors(text) == (diag("TM004", message, line=line, column=column, hint=hint),)


def test_load_errors_carry_the_line_they_point_into() -> None:
    (found,) = errors("table:\n  name: [alleycat\nentities: {}\n")
    assert found.location.snippet == Snippet("  name: [alleycat", 9)
    assert found.location.to_dict()["snippet"] == {"text": "  name: [alleycat", "column": 9}
    # Every located load error gets one, not only syntax errors; JSON and TOML too.
    (typo,) = errors(BASE.replace("max_length: 36", "max_length: many"))
    assert typo.location.snippet == Snippet("      racer_id: {type: string, max_length: many}", 44)
    (json_error,) = errors('{\n  "table": {"name": "alleycat",}\n}', "json")
    assert json_error.location.snippet == Snippet('  "table": {"name": "alleycat",}', 32)
    (toml_error,) = errors('[table]\r\nname = "alleycat"\r\nkey = { x = }\r\n', "toml")
    assert toml_error.location.snippet == Snippet("key = { x = }", 13)


def test_long_lines_are_cut_around_the_column_in_snippets() -> None:
    text = "table: [" + "a, " * 100 + "b]]" + " " * 300 + "\n"
    (found,) = errors(text)  # the second `]` closes nothing
    assert found.location.column == text.index("]]") + 2
    snippet = found.location.snippet
    assert snippet is not None
    assert snippet.text.startswith("…")
    assert snippet.text.endswith("…")
    assert len(snippet.text) == 102  # 100 characters and the two marks of the cuts
    # The caret still points at the same character.
    assert snippet.text[snippet.column - 2 : snippet.column] == "]]"
    # Tabs and characters a terminal would act on keep their width of one.
    found, *_ = errors('{"table":\t"\x7f\x9b", "entities": 1}', "json")
    assert found.location.path == ("table",)
    assert found.location.snippet == Snippet('{"table": "\ufffd\ufffd", "entities": 1}', 11)


def test_json_syntax_error_is_located() -> None:
    assert errors('{\n  "table": {"name": "alleycat",}\n}', "json") == (
        diag(
            "TM004",
            "JSON syntax error: Expecting property name enclosed in double quotes",
            line=2,
            column=32,
        ),
    )


def test_toml_syntax_error_is_located() -> None:
    text = '[table]\nname = "alleycat"\npartition_key = { name = "PK", type = }\n'
    assert errors(text, "toml") == (
        diag("TM004", "TOML syntax error: Invalid value", line=3, column=39),
    )


def test_duplicate_yaml_keys_name_both_lines() -> None:
    text = BASE.replace("    keys: {PK", "    attributes: {racer_id: string}\n    keys: {PK")
    assert errors(text) == (
        diag(
            "TM004",
            "duplicate key `attributes` in `entities.Racer`: first at line 7, again at line 9",
            line=9,
            column=5,
            path=("entities", "Racer", "attributes"),
            found="attributes",
            hint=DUPLICATE_HINT,
        ),
    )


def test_duplicate_keys_in_one_flow_mapping_name_columns() -> None:
    text = BASE.replace('SK: "profile"}\naccess', 'SK: "profile", PK: "x"}\naccess')
    assert errors(text) == (
        diag(
            "TM004",
            "duplicate key `PK` in `entities.Racer.keys`: first at line 9, column 12, again at "
            "line 9, column 51",
            line=9,
            column=51,
            path=("entities", "Racer", "keys", "PK"),
            found="PK",
            hint=DUPLICATE_HINT,
        ),
    )


def test_duplicate_json_keys() -> None:
    data = json.loads((DATA / "alleycat.json").read_text())
    text = json.dumps(data, indent=2).replace('"name": "alleycat",', '"name": "x", "name": "y",')
    assert errors(text, "json") == (
        diag(
            "TM004",
            "duplicate key `name` in `table`: first at line 3, column 5, again at line 3, "
            "column 18",
            line=3,
            column=18,
            path=("table", "name"),
            found="name",
            hint=DUPLICATE_HINT,
        ),
        diag(
            "TM006",
            "invalid value for `table.name`: expected 3 to 255 letters, digits, _, . or -",
            line=3,
            column=26,
            path=("table", "name"),
            found="'y'",
            expected="3 to 255 letters, digits, _, . or -",
        ),
    )


def test_invalid_utf8_reports_the_byte_offset(tmp_path: Path) -> None:
    target = tmp_path / "latin1.yaml"
    target.write_bytes(BASE.replace("name: alleycat", "name: caf\xe9").encode("latin-1"))
    assert file_errors(target) == (
        diag(
            "TM004",
            "the file is not valid UTF-8: invalid byte at byte offset 18",
            file=str(target),
            line=2,
            column=12,
            found="b'\\xe9\\n  '",
            hint="save the file as UTF-8",
        ),
    )


def test_nul_bytes_are_refused(tmp_path: Path) -> None:
    target = tmp_path / "binary.yaml"
    target.write_bytes(b"table:\n  name: a\x00b\n")
    assert file_errors(target) == (
        diag(
            "TM004",
            "the file holds a NUL byte at byte offset 16: it looks binary, not like a YAML, "
            "JSON or TOML model",
            file=str(target),
            line=2,
            column=10,
        ),
    )
    assert errors("a: \x00") == (
        diag(
            "TM004",
            "the text holds a NUL character at offset 3: it looks binary",
            line=1,
            column=4,
        ),
    )


def test_binary_junk_gets_a_clear_error(tmp_path: Path) -> None:
    target = tmp_path / "junk.json"
    target.write_bytes(bytes(range(1, 256)))
    (found,) = file_errors(target)
    assert found.code == "TM004"
    assert found.message == "the file is not valid UTF-8: invalid byte at byte offset 127"


def test_control_characters_in_yaml() -> None:
    assert errors("table:\n  name: \x07bell\n") == (
        diag(
            "TM004",
            "unacceptable character #x0007: YAML files hold printable text only",
            line=2,
            column=9,
        ),
    )


def test_huge_single_line_is_a_clear_error() -> None:
    assert errors("x" * 1_000_000) == (
        diag(
            "TM005",
            "the top level of a model must be a mapping",
            line=1,
            column=1,
            found="text '" + "x" * 78 + "…",
            expected="a mapping with `table`, `entities` and optionally `access_patterns`, "
            "`write_patterns`, `sample`",
        ),
    )


def test_unsafe_yaml_tags_are_refused() -> None:
    text = BASE.replace("name: alleycat", "name: !!python/object/apply:os.system [echo hi]")
    assert errors(text) == (
        diag(
            "TM004",
            "unsupported YAML tag `tag:yaml.org,2002:python/object/apply:os.system`",
            line=2,
            column=9,
            path=("table", "name"),
            hint="model files hold plain mappings, lists and scalars; remove the tag",
        ),
    )
    assert errors("table: !Ref x\n") == (
        diag(
            "TM004",
            "cannot read value: could not determine a constructor for the tag '!Ref'",
            line=1,
            column=8,
            path=("table",),
            hint="model files hold plain mappings, lists and scalars; remove the tag",
        ),
    )


def test_merge_keys_and_aliases_work() -> None:
    text = BASE.replace(
        "  partition_key: {name: PK, type: S}\n  sort_key: {name: SK, type: S}",
        "  partition_key: &key {name: PK, type: S}\n  sort_key: {<<: *key, name: SK}",
    )
    loaded = load_model_from_text(text)
    assert loaded.model.table.sort_key is not None
    assert (loaded.model.table.sort_key.name, loaded.model.table.sort_key.type) == ("SK", "S")
    # Merged keys point at where they are written; explicit keys at themselves.
    assert loaded.positions.key_position(("table", "sort_key", "type")) == (3, 34)
    assert loaded.positions.key_position(("table", "sort_key", "name")) == (4, 24)


# ---------------------------------------------------------------------------------------------
# TM008 lone surrogates

SURROGATE_HINT = (
    "write the character itself, or both halves of its pair (in JSON, \\ud83d\\ude00 is one "
    "character)"
)


def surrogate(
    line: int | None, column: int | None, path: tuple[PathPart, ...], *, key: bool = False
) -> Diagnostic:
    return diag(
        "TM008",
        f"{'a key' if key else 'a value'} holds the lone surrogate \\ud800, half of a UTF-16 "
        "pair and not a character",
        line=line,
        column=column,
        path=path,
        hint=SURROGATE_HINT,
    )


def test_lone_surrogate_escapes_in_yaml() -> None:
    # libyaml refuses the escape, the pure-Python parser makes a string of it: both the same.
    assert errors(BASE.replace("description: Get", 'description: "\\ud800 Get')) == (
        surrogate(12, 18, ("access_patterns", "racer_profile", "description")),
    )
    assert errors('table: {"x\\U0000d800y": 1}\n') == (surrogate(1, 9, ("table",), key=True),)


def test_lone_surrogate_escapes_in_json() -> None:
    text = json.dumps(json.loads((DATA / "alleycat.json").read_text()), indent=2)
    text = text.replace('"name": "alleycat"', '"name": "alley\\ud800cat"', 1)
    assert errors(text, "json") == (surrogate(3, 13, ("table", "name")),)
    keyed = text.replace('"name": "alley\\ud800cat"', '"na\\ud800me": "alleycat"', 1)
    # Where the key is cannot be told (positions come from reading JSON as YAML, and YAML
    # refuses the escape): the nearest place is the mapping that holds it.
    assert errors(keyed, "json") == (surrogate(2, 3, ("table",), key=True),)
    # A pair is one character: it loads.
    paired = text.replace("{", '{"description": "alley\\ud83d\\ude00cat", ', 1)
    paired = paired.replace("alley\\ud800cat", "alleycat")
    loaded = load_model_from_text(paired, format="json")
    assert loaded.model.description == "alley\U0001f600cat"


def test_lone_surrogate_escapes_in_toml() -> None:
    text = (DATA / "alleycat.toml").read_text().replace('name = "alleycat"', 'name = "\\ud800"', 1)
    (found,) = errors(text, "toml")
    assert found == surrogate(found.location.line, 9, ())
    assert found.location.line == text.splitlines().index('name = "\\ud800"') + 1


@pytest.mark.parametrize("format", ["yaml", "json", "toml"])
def test_lone_surrogate_characters_in_text(format: str) -> None:
    # Only text handed over as a str can hold one; files are decoded strictly.
    text = {
        "yaml": "a: x\nb: y\ud800\n",
        "json": '{"a": "x",\n"b": "y\ud800"}',
        "toml": 'a = "x"\nb = "y\ud800"',
    }
    (found,) = errors(text[format], format)
    assert found.code == "TM008"
    assert (found.location.line, found.location.column) == (
        2,
        text[format].splitlines()[1].index("\ud800") + 1,
    )


def test_lone_surrogates_in_python_data() -> None:
    data = yaml.safe_load(BASE)
    data["description"] = "caf\ud800"
    with pytest.raises(ModelLoadError) as caught:
        model_from_data(data, source="python")
    assert caught.value.diagnostics == (
        diag(
            "TM008",
            "a value holds the lone surrogate \\ud800, half of a UTF-16 pair and not a character",
            file="python",
            path=("description",),
            hint=SURROGATE_HINT,
        ),
    )


def tablemodel(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The real command in a process of its own: exit code, stdout and stderr as a user sees."""
    return subprocess.run(
        [sys.executable, "-m", "tablemodel", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="backslashreplace",
        cwd=cwd,
        env={**os.environ, "COLUMNS": "200", "PYTHONIOENCODING": "utf-8"},
        timeout=120,
        check=False,
    )


@in_a_process
@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_every_command_refuses_a_lone_surrogate_the_same_way(tmp_path: Path, suffix: str) -> None:
    # Was: an internal error (UnicodeEncodeError) in human output and from generate -o, and
    # exit 0 with --format json.
    model = tmp_path / f"model{suffix}"
    if suffix == ".json":
        text = json.dumps({**yaml.safe_load(BASE), "description": "caf@"}).replace("@", "\\ud800")
    else:
        text = BASE + 'description: "caf\\ud800"\n'
    model.write_text(text, encoding="utf-8")
    assert '"caf\\ud800"' in model.read_text(encoding="utf-8")

    human = tablemodel("check", str(model))
    assert human.returncode == 2, human.stderr
    assert "TM008" in human.stdout
    assert "internal error" not in human.stderr

    machine = tablemodel("check", str(model), "--format", "json")
    assert machine.returncode == 2, machine.stderr
    report = json.loads(machine.stdout)
    assert [d["code"] for d in report["diagnostics"]] == ["TM008"]
    assert report["diagnostics"][0]["location"]["path"] == "description"

    target = tmp_path / "models.py"
    generated = tablemodel("generate", str(model), "-o", str(target))
    assert generated.returncode == 2, generated.stderr
    assert "TM008" in generated.stdout + generated.stderr
    assert "internal error" not in generated.stderr
    assert not target.exists()


@in_a_process
def test_the_command_shows_the_line_and_a_caret(tmp_path: Path) -> None:
    model = tmp_path / "model.yaml"
    model.write_text("table:\n  name: [alleycat\nentities: {}\n", encoding="utf-8")
    human = tablemodel("check", str(model))
    assert human.returncode == 2
    lines = [line.rstrip() for line in human.stdout.splitlines()]
    at = lines.index("  2 |   name: [alleycat")
    assert lines[at + 1] == "    |         ^"
    machine = json.loads(tablemodel("check", str(model), "--format", "json").stdout)
    location = machine["diagnostics"][0]["location"]
    assert (location["line"], location["column"]) == (2, 9)
    assert location["snippet"] == {"text": "  name: [alleycat", "column": 9}


# ---------------------------------------------------------------------------------------------
# TM005 top level and unknown keys


def test_top_level_must_be_a_mapping() -> None:
    assert errors("- table\n- entities\n") == (
        diag(
            "TM005",
            "the top level of a model must be a mapping",
            line=1,
            column=1,
            found="a list",
            expected="a mapping with `table`, `entities` and optionally `access_patterns`, "
            "`write_patterns`, `sample`",
        ),
    )
    with pytest.raises(ModelLoadError) as caught:
        model_from_data(None, source="python")
    assert caught.value.diagnostics[0].found == "null"


def test_unknown_key_suggests_the_closest_name() -> None:
    text = BASE.replace("  sort_key:", "  sort_kye:")
    assert errors(text) == (
        diag(
            "TM005",
            "unknown key `sort_kye` in `table`",
            line=4,
            column=3,
            path=("table", "sort_kye"),
            found="sort_kye",
            expected="one of name, partition_key, sort_key, local_indexes, global_indexes, "
            "billing, ttl_attribute, stream, discriminator_attribute, key_codec",
            hint="did you mean `sort_key`?",
        ),
    )


def test_unknown_key_deep_inside_collections() -> None:
    text = BASE.replace(
        "  sort_key: {name: SK, type: S}",
        "  sort_key: {name: SK, type: S}\n"
        "  global_indexes:\n"
        "    - {name: gsi1, partition_key: {name: GSI1PK}, projection: {typ: all}}",
    )
    assert errors(text) == (
        diag(
            "TM005",
            "unknown key `typ` in `table.global_indexes[0].projection`",
            line=6,
            column=64,
            path=("table", "global_indexes", 0, "projection", "typ"),
            found="typ",
            expected="one of type, attributes",
            hint="did you mean `type`?",
        ),
    )


# ---------------------------------------------------------------------------------------------
# TM006 and TM007, several at once


def test_several_errors_are_all_reported_in_position_order() -> None:
    text = (
        BASE.replace("  partition_key:", "  partion_key:")
        .replace("max_length: 36", "max_length: -1")
        .replace("    returns: [Racer]", "    returns: [Racer]\n    limit: many")
    )
    assert errors(text) == (
        diag(
            "TM007",
            "missing required field `partition_key` in `table`",
            line=1,
            column=1,
            path=("table", "partition_key"),
            expected="a value for `partition_key`",
        ),
        diag(
            "TM005",
            "unknown key `partion_key` in `table`",
            line=3,
            column=3,
            path=("table", "partion_key"),
            found="partion_key",
            expected="one of name, partition_key, sort_key, local_indexes, global_indexes, "
            "billing, ttl_attribute, stream, discriminator_attribute, key_codec",
            hint="did you mean `partition_key`?",
        ),
        diag(
            "TM006",
            "invalid value for `entities.Racer.attributes.racer_id.max_length`: "
            "expected greater than or equal to 0",
            line=8,
            column=44,
            path=("entities", "Racer", "attributes", "racer_id", "max_length"),
            found="-1",
            expected="greater than or equal to 0",
        ),
        diag(
            "TM006",
            "invalid value for `access_patterns.racer_profile.limit`: expected an integer",
            line=15,
            column=12,
            path=("access_patterns", "racer_profile", "limit"),
            found="'many'",
            expected="an integer",
        ),
    )


def test_any_name_dynamodb_accepts_loads() -> None:
    text = (
        BASE.replace("{name: PK, type: S}", '{name: "GSI1-PK", type: S}')
        .replace(
            "racer_id: {type: string, max_length: 36}",
            '"Order Date": string\n      déjà-vu: string?\n      "follower#": number',
        )
        .replace('keys: {PK: "racer-{racer_id}"', 'keys: {"GSI1-PK": "racer-{Order Date}"')
        .replace(
            'key_condition: {PK: "racer-{racer_id}"',
            'key_condition: {"GSI1-PK": "racer-{Order Date}"',
        )
        .replace(
            "{Racer: {racer_id: $racer_id}}",
            '{Racer: {"Order Date": "$Order Date"}}\n      order_by: [Order Date desc, -follower#]',
        )
    )
    model = load_model_from_text(text).model
    assert model.table.partition_key.name == "GSI1-PK"
    assert list(model.entities["Racer"].attributes) == ["Order Date", "déjà-vu", "follower#"]
    intent = model.access_patterns["racer_profile"].intent
    assert intent.select["Racer"]["Order Date"].operands == ("$Order Date",)
    assert [(t.attribute, t.direction) for t in intent.order_by] == [
        ("Order Date", "desc"),
        ("follower#", "desc"),
    ]


def test_names_dynamodb_refuses_are_located_errors() -> None:
    long_key = "k" * 256
    text = BASE.replace("{name: PK, type: S}", f"{{name: {long_key}, type: S}}").replace(
        "racer_id: {type: string, max_length: 36}",
        'racer_id: {type: string, max_length: 36}\n      "": string',
    )
    expected_long = "a key attribute name is 256 UTF-8 bytes long; DynamoDB allows at most 255"
    assert errors(text) == (
        diag(
            "TM006",
            f"invalid value for `table.partition_key.name`: {expected_long}",
            line=3,
            column=25,
            path=("table", "partition_key", "name"),
            found="'" + "k" * 78 + "…",
            expected=expected_long,
        ),
        diag(
            "TM006",
            "invalid name `` in `entities.Racer.attributes`: expected at least 1 character",
            line=9,
            column=7,
            path=("entities", "Racer", "attributes", ""),
            found="''",
            expected="at least 1 character",
        ),
    )


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            '    key_condition: {PK: "racer-{racer_id}", SK: "profile"}\n',
            "",
            "a query needs a `key_condition` on the index's partition key; a pattern that reads"
            " the whole table or index is `operation: scan`",
        ),
        (
            "    key_condition:",
            "    operation: scan\n    key_condition:",
            "a scan takes no `key_condition` (it reads every item of the table or index);"
            " conditions on other attributes go under `filter`",
        ),
        (
            '    key_condition: {PK: "racer-{racer_id}", SK: "profile"}\n',
            "    operation: scan\n    order: descending\n",
            "a scan returns items in no defined order, so it takes no `order`",
        ),
    ],
    ids=["query-without-key-condition", "scan-with-key-condition", "scan-with-order"],
)
def test_conditions_must_fit_the_operation(old: str, new: str, message: str) -> None:
    (error,) = errors(BASE.replace(old, new))
    assert (error.code, error.message, error.location.path, error.location.line) == (
        "TM006",
        f"invalid value for `access_patterns.racer_profile`: {message}",
        ("access_patterns", "racer_profile"),
        12,
    )


def test_a_folded_key_cannot_use_a_letter_as_its_delimiter() -> None:
    text = BASE.replace(
        "  sort_key: {name: SK, type: S}\n",
        '  sort_key: {name: SK, type: S, case: lower}\n  key_codec: {delimiters: "#X"}\n',
    )
    (error,) = errors(text)
    message = (
        "keys folded to lower case cannot use 'X' as a delimiter or escape character: folding"
        " would turn it into another character"
    )
    assert (error.code, error.message, error.location.path) == (
        "TM006",
        f"invalid value for `table`: {message}",
        ("table",),
    )


TYPES = (
    "string, number, integer, boolean, binary, datetime, date, enum, list, map, string_set, "
    "number_set, binary_set"
)


@pytest.mark.parametrize(
    ("written", "path", "shorthand"),
    [
        ("strng", ("entities", "Racer", "attributes", "email"), True),
        ("strng?", ("entities", "Racer", "attributes", "email"), True),
        ("{type: strng}", ("entities", "Racer", "attributes", "email", "type"), False),
        ("{type: list, items: strng}", ("entities", "Racer", "attributes", "email", "items"), True),
    ],
)
def test_misspelt_attribute_types_say_so(
    written: str, path: tuple[PathPart, ...], shorthand: bool
) -> None:
    text = BASE.replace(
        "      racer_id: {type: string, max_length: 36}",
        f"      racer_id: {{type: string, max_length: 36}}\n      email: {written}",
    )
    (found,) = errors(text)
    assert found == diag(
        "TM006",
        f"invalid value for `{format_path(path)}`: unknown type `strng`",
        line=9,
        column=found.location.column,
        path=path,
        found=repr(written if shorthand and "items" not in written else "strng"),
        expected=f"one of {TYPES}" + (" (with ? for optional)" if shorthand else ""),
        hint="did you mean `string`?",
    )
    assert found.location.column is not None
    assert text.splitlines()[8][found.location.column - 1 :].startswith("strng")


def test_misspelt_parameter_types_say_so() -> None:
    text = BASE.replace(
        "    returns: [Racer]", "    parameters: {racer_id: numbr}\n    returns: [Racer]"
    )
    (found,) = errors(text)
    assert found.message == (
        "invalid value for `access_patterns.racer_profile.parameters.racer_id`: "
        "unknown type `numbr`"
    )
    assert found.hint == "did you mean `number`?"


def test_key_types_are_one_letter() -> None:
    (found,) = errors(
        BASE.replace(
            "partition_key: {name: PK, type: S}", "partition_key: {name: PK, type: string}"
        )
    )
    assert found == diag(
        "TM006",
        "invalid value for `table.partition_key.type`: `string` is not a key type",
        line=3,
        column=35,
        path=("table", "partition_key", "type"),
        found="'string'",
        expected="S (string), N (number) or B (binary)",
        hint="write `S`: key attributes take DynamoDB's one-letter types",
    )


def test_other_misspelt_words_list_the_choices_once_and_suggest_one() -> None:
    text = BASE.replace(
        "  sort_key: {name: SK, type: S}",
        "  sort_key: {name: SK, type: S}\n  billing: {mode: PAY_PER_REQEST}",
    )
    (found,) = errors(text)
    assert found == diag(
        "TM006",
        "invalid value for `table.billing.mode`: `PAY_PER_REQEST` is not allowed here",
        line=5,
        column=19,
        path=("table", "billing", "mode"),
        found="'PAY_PER_REQEST'",
        expected="one of 'PAY_PER_REQUEST' or 'PROVISIONED'",
        hint="did you mean `PAY_PER_REQUEST`?",
    )


def test_bad_key_operator_points_at_the_users_path() -> None:
    text = BASE.replace(
        '    key_condition: {PK: "racer-{racer_id}", SK: "profile"}',
        '    key_condition: {PK: "racer-{racer_id}", SK: {starts_with: "pro"}}',
    )
    expected = (
        "unknown key operator `starts_with`; expected one of eq, lt, lte, gt, gte, between, "
        "begins_with"
    )
    assert errors(text) == (
        diag(
            "TM006",
            f"invalid value for `access_patterns.racer_profile.key_condition.SK`: {expected}",
            line=13,
            column=49,
            path=("access_patterns", "racer_profile", "key_condition", "SK"),
            found="{'starts_with': 'pro'}",
            expected=expected,
        ),
    )


def test_several_bounds_on_one_attribute_are_one_condition() -> None:
    text = BASE.replace(
        "      select: {Racer: {racer_id: $racer_id}}",
        "      select: {Racer: {racer_id: {gte: $low, lt: $high, ne: x}}}",
    )
    predicate = (
        load_model_from_text(text)
        .model.access_patterns["racer_profile"]
        .intent.select["Racer"]["racer_id"]
    )
    assert [(t.operator, t.operands) for t in predicate.terms] == [
        ("gte", ("$low",)),
        ("lt", ("$high",)),
        ("ne", ("x",)),
    ]


def test_an_unknown_operator_among_several_names_the_operators_only() -> None:
    text = BASE.replace(
        "      select: {Racer: {racer_id: $racer_id}}",
        "      select: {Racer: {racer_id: {gte: $low, below: $high}}}",
    )
    expected = (
        "unknown operator `below`; expected one of eq, ne, lt, lte, gt, gte, between,"
        " begins_with, in, exists"
    )
    [found] = errors(text)
    assert (found.code, found.message) == (
        "TM006",
        "invalid value for `access_patterns.racer_profile.intent.select.Racer.racer_id`: "
        + expected,
    )
    assert "operands" not in found.message
    assert "operator," not in found.message


def test_two_operators_on_one_key_say_why_and_what_to_write() -> None:
    text = BASE.replace(
        '    key_condition: {PK: "racer-{racer_id}", SK: "profile"}',
        '    key_condition: {PK: "racer-{racer_id}", SK: {gte: "a", lt: "b"}}',
    )
    [found] = errors(text)
    assert found.message == (
        "invalid value for `access_patterns.racer_profile.key_condition.SK`: a key condition"
        " takes one operator per key attribute (DynamoDB allows one condition on each key),"
        " found gte, lt; for two bounds write `between: [low, high]`"
    )


def test_shorthand_expansion_errors_stop_at_the_shorthand() -> None:
    text = BASE.replace('SK: "profile"}\n    returns', "SK: {begins_with: [pro]}}\n    returns")
    assert errors(text) == (
        diag(
            "TM006",
            "invalid value for `access_patterns.racer_profile.key_condition.SK`: expected a string",
            line=13,
            column=49,
            path=("access_patterns", "racer_profile", "key_condition", "SK"),
            found="['pro']",
            expected="a string",
        ),
    )


def test_union_alternatives_merge_into_one_diagnostic() -> None:
    text = (
        BASE.replace("      select:", "      limit: 1.5\n      select:")
        + "sample:\n  entities:\n    Racer: {values: {racer_id: [[1]]}}\n"
    )
    assert errors(text) == (
        diag(
            "TM006",
            "invalid value for `access_patterns.racer_profile.intent.limit`: "
            "expected a whole number or a string",
            line=16,
            column=14,
            path=("access_patterns", "racer_profile", "intent", "limit"),
            found="1.5",
            expected="a whole number or a string",
        ),
        diag(
            "TM006",
            "invalid value for `sample.entities.Racer.values.racer_id[0]`: "
            "expected a string, an integer, a number or true or false",
            line=20,
            column=33,
            path=("sample", "entities", "Racer", "values", "racer_id", 0),
            found="[1]",
            expected="a string, an integer, a number or true or false",
        ),
    )


def test_missing_field_points_at_the_enclosing_mapping() -> None:
    text = BASE.replace("    intent:\n      select: {Racer: {racer_id: $racer_id}}\n", "")
    assert errors(text) == (
        diag(
            "TM007",
            "missing required field `intent` in `access_patterns.racer_profile`",
            line=11,
            column=3,
            path=("access_patterns", "racer_profile", "intent"),
            expected="a value for `intent`",
        ),
    )


def test_missing_top_level_section() -> None:
    text = BASE.split("entities:", maxsplit=1)[0]
    assert errors(text) == (
        diag(
            "TM007",
            "missing required field `entities` in the top level",
            line=1,
            column=1,
            path=("entities",),
            expected="a value for `entities`",
        ),
    )


def test_non_string_keys_are_rejected() -> None:
    text = BASE.replace("      racer_id: {type", "      1: string\n      racer_id: {type")
    assert errors(text) == (
        diag(
            "TM006",
            "invalid name `1` in `entities.Racer.attributes`: expected a string",
            line=8,
            column=7,
            path=("entities", "Racer", "attributes", "1"),
            found="1",
            expected="a string",
            hint="quote the key to make it text: '1'",
        ),
    )
    assert errors(BASE + "true: 1\n")[0] == diag(
        "TM006",
        "invalid name `true` in the top level: expected a string",
        line=17,
        column=1,
        path=("true",),
        found="True",
        expected="a string",
        hint="quote the key to make it text: 'true'",
    )


def test_yaml_reads_unquoted_numbers_and_the_hint_says_quote() -> None:
    text = BASE.replace("name: alleycat", "name: 1234")
    assert errors(text) == (
        diag(
            "TM006",
            "invalid value for `table.name`: expected a string",
            line=2,
            column=9,
            path=("table", "name"),
            found="1234",
            expected="a string",
            hint="quote the value to make it text: '1234'",
        ),
    )


def test_invalid_names_in_mappings() -> None:
    text = BASE.replace("  Racer:\n    attributes", "  race-result:\n    attributes")
    (found,) = (d for d in errors(text) if d.location.path == ("entities", "race-result"))
    assert found == diag(
        "TM006",
        "invalid name `race-result` in `entities`: expected a name: a letter or _, then "
        "letters, digits or _ (at most 255 characters)",
        line=6,
        column=3,
        path=("entities", "race-result"),
        found="'race-result'",
        expected="a name: a letter or _, then letters, digits or _ (at most 255 characters)",
    )


def test_list_of_lists_in_select_is_a_clean_validation_error() -> None:
    # `select: [[Racer]]` once crashed the list shorthand with a TypeError; it is now an
    # ordinary, located validation error.
    text = BASE.replace("select: {Racer: {racer_id: $racer_id}}", "select: [[Racer]]")
    assert errors(text) == (
        diag(
            "TM006",
            "invalid value for `access_patterns.racer_profile.intent.select`: expected a mapping",
            line=16,
            column=15,
            path=("access_patterns", "racer_profile", "intent", "select"),
            found="[['Racer']]",
            expected="a mapping",
        ),
    )


def test_validator_crash_becomes_a_located_diagnostic(monkeypatch: pytest.MonkeyPatch) -> None:
    # A validator raising something other than a ValidationError must still come back as a
    # diagnostic at the offending value. Simulate one that trips over a particular value.
    original = Model.model_validate

    def contains_marker(node: object) -> bool:
        if isinstance(node, dict):
            return any(contains_marker(v) for v in node.values())
        if isinstance(node, list):
            return any(contains_marker(v) for v in node)
        return node == "CRASH"

    def crashing(data: object) -> Model:
        if contains_marker(data):
            msg = "validator tripped"
            raise TypeError(msg)
        return original(data)

    monkeypatch.setattr(Model, "model_validate", crashing)
    text = BASE.replace("description: Get a racer's profile.", "description: CRASH")
    assert errors(text) == (
        diag(
            "TM006",
            "invalid value for `access_patterns.racer_profile.description`: "
            "TypeError: validator tripped",
            line=12,
            column=18,
            path=("access_patterns", "racer_profile", "description"),
            found="'CRASH'",
            hint="check the shorthand forms (lists and mappings where names are expected)",
        ),
    )


def test_model_validator_errors_are_located() -> None:
    text = BASE.replace(
        "  sort_key: {name: SK, type: S}",
        "  sort_key: {name: SK, type: S}\n  billing: {mode: PROVISIONED, read_capacity: 5}",
    )
    expected = "PROVISIONED billing needs both read_capacity and write_capacity"
    assert errors(text) == (
        diag(
            "TM006",
            f"invalid value for `table.billing`: {expected}",
            line=5,
            column=12,
            path=("table", "billing"),
            found="{'mode': 'PROVISIONED', 'read_capacity': 5}",
            expected=expected,
        ),
    )


def test_toml_errors_are_located() -> None:
    text = (DATA / "alleycat.toml").read_text().replace('type = "S" }\nsort', 'type = "X" }\nsort')
    assert errors(text, "toml") == (
        diag(
            "TM006",
            "invalid value for `table.partition_key.type`: `X` is not allowed here",
            line=5,
            column=39,
            path=("table", "partition_key", "type"),
            found="'X'",
            expected="one of 'S', 'N' or 'B'",
        ),
    )


def test_python_data_errors_have_paths_but_no_lines() -> None:
    with pytest.raises(ModelLoadError) as caught:
        model_from_data(
            {"table": {"name": "alleycat", "partition_key": {"name": "PK"}}, "x": 1},
            source="python",
        )
    assert caught.value.diagnostics == (
        diag(
            "TM007",
            "missing required field `entities` in the top level",
            file="python",
            path=("entities",),
            expected="a value for `entities`",
        ),
        diag(
            "TM005",
            "unknown key `x` in the top level",
            file="python",
            path=("x",),
            found="x",
            expected="one of version, description, table, entities, access_patterns, "
            "write_patterns, sample",
        ),
    )


# ---------------------------------------------------------------------------------------------
# Positions


REPO = Path(__file__).resolve().parent.parent
EDGE_DOCUMENTS = [
    "a: &x {b: 1, c: [2, 3]}\nd: *x\ne: {<<: *x, c: 4}\nf: {<<: [*x, {g: 5}], b: 6}\n",
    "a: 1\na: 2\nb: {c: 1, c: 2}\n",
    "a:\n  name:\n  other: {x: , y: 1}\n- b\n",
    "a:\n  name:\n  other: {x: , y: 1}\n",
    "é: [ü, '𝄞', \"\\u00e9\"]\r\nb: x\x85c: y\u2028d: z\n",
    "? [a, b]\n: c\n? {d: e}\n: f\n&k g: 1\nh: {*k : 2}\n",
    "a: !!set {x, y}\nb: !custom [1]\nc: !!binary aGk=\nd: 2001-12-14\ne: 1e3\nf: 0x1F\n",
    "a: |\n  block\n  text\nb: >-\n  folded\n  text\nc: 'single'\nd: ~\ne: yes\n",
    "a: [1, [2, [3, [4]]]]\nb: {c: {d: {e: {}}}}\nc: &y [*y]\n",
    "a: *missing\n",
    "a: &d 1\nb: &d 2\n",
    "--- \na: 1\n...\n",
]


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML has no libyaml here")
@pytest.mark.parametrize(
    "text",
    [
        *(
            pytest.param(path.read_text(encoding="utf-8"), id=str(path.relative_to(REPO)))
            for path in sorted(REPO.glob("**/*.yaml"))
            if ".venv" not in path.parts and "node_modules" not in path.parts
        ),
        *EDGE_DOCUMENTS,
    ],
)
def test_both_yaml_parsers_give_the_same_data_positions_and_problems(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    outcomes: list[object] = []
    for parser in ("libyaml", "python"):
        monkeypatch.setattr(yaml_reader, "YAML_PARSER", parser)
        try:
            parsed = yaml_reader.parse_yaml(text, "x.yaml")
        except ModelLoadError as exc:
            outcomes.append(("refused", [(d.code, d.location, d.message) for d in exc.diagnostics]))
            continue
        positions = {
            str(path): (parsed.positions.key_position(path), parsed.positions.value_position(path))
            for path in parsed.positions.paths()
        }
        problems = [(d.code, d.message, d.location) for d in parsed.problems]
        outcomes.append(("parsed", repr(parsed.data), positions, problems, parsed.complete))
    assert outcomes[0] == outcomes[1]


def test_position_map_api() -> None:
    positions = PositionMap({("a",): (1, 1)}, {("a",): (1, 4), ("a", 0): (2, 3)})
    assert positions.key_position(["a"]) == (1, 1)
    assert positions.value_position(("a", 0)) == (2, 3)
    assert positions.nearest(("a", 0, "b")) == (("a", 0), (2, 3))
    assert positions.nearest(("b",)) is None
    assert len(positions) == 2
    assert len(PositionMap()) == 0


def test_toml_positions_follow_arrays_of_tables() -> None:
    text = textwrap.dedent(
        """\
        [[table.global_indexes]]
        name = "gsi1"
        [[table.global_indexes]]
        name = "gsi2"
        partition_key.name = 'G2'
        returns = [
          "a",  # a comment
          '''b''',
        ]
        """
    )
    positions = parse_toml(text, "x.toml").positions
    assert positions.key_position(("table", "global_indexes", 1, "name")) == (4, 1)
    assert positions.value_position(("table", "global_indexes", 1)) == (3, 1)
    assert positions.key_position(("table", "global_indexes", 1, "partition_key", "name")) == (
        5,
        15,
    )
    assert positions.value_position(("table", "global_indexes", 1, "returns", 1)) == (8, 3)


def test_every_loaded_model_is_a_model() -> None:
    assert isinstance(load_model_from_text(BASE).model, Model)


# ---------------------------------------------------------------------------------------------
# Any input whatsoever: a model or ModelLoadError, nothing else


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.one_of(
        st.text(max_size=300),
        st.text(alphabet="{}[]:,-&*!|>'\"#\n\t ?<=.abc1", max_size=300),
        st.sampled_from(BASE.splitlines(keepends=True)).map(lambda line: BASE + line),
        st.integers(0, len(BASE)).map(lambda cut: BASE[:cut]),
    ),
    format=st.sampled_from(["yaml", "json", "toml"]),
)
def test_any_text_gives_a_model_or_load_error(text: str, format: str) -> None:
    outcome: LoadedModel | ModelLoadError
    try:
        outcome = load_model_from_text(text, format=format)  # type: ignore[arg-type]
    except ModelLoadError as exc:
        outcome = exc
    if isinstance(outcome, LoadedModel):
        assert isinstance(outcome.model, Model)
    else:
        assert outcome.diagnostics
        assert all(d.code.startswith("TM00") for d in outcome.diagnostics)
        assert all(d.location.file == "<string>" for d in outcome.diagnostics)


ALLEYCAT_MODEL = Path(__file__).parent.parent / "examples" / "alleycat" / "tablemodel.yaml"


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (
            ("table", "global_indexes", 0, "projection"),
            {"type": "include"},
            "projection type `include` needs at least one attribute",
        ),
        (
            ("access_patterns", "race_leaderboard", "intent", "limit"),
            "-output",
            "a limit is a number or a `$parameter`; found '-output'",
        ),
        (
            ("access_patterns", "race_leaderboard", "intent", "limit"),
            "$",
            "a limit is a number or a `$parameter`; found '$'",
        ),
        (
            ("access_patterns", "race_leaderboard", "intent", "limit"),
            -1,
            "a limit is a whole number of items, 0 or more; found -1",
        ),
    ],
)
def test_values_dynamodb_or_the_intent_cannot_use_fail_to_load(
    path: tuple[str | int, ...], value: object, message: str
) -> None:
    """Found by fuzzing the generator and the runner: these loaded, then crashed later."""
    data = yaml.safe_load(ALLEYCAT_MODEL.read_text(encoding="utf-8"))
    node = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    (found,) = errors(yaml.safe_dump(data, sort_keys=False))
    assert found.code == "TM006"
    assert found.location.path == path
    assert message in found.message
