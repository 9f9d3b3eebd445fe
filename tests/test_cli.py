"""The `tablemodel` command: exit codes, options, formats and rendered output.

`tablemodel.api` and `tablemodel.schema.jsonschema` are replaced by fake modules in
`sys.modules`, so these tests exercise the command layer alone: what it forwards to the
library, how it renders what comes back, and which exit code it sets.

Human output is compared with files in tests/snapshots/cli/; run with UPDATE_SNAPSHOTS=1 to
rewrite them after an intended change, then read the diff.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import types
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import tablemodel
from tablemodel.cli.catalogue import every_code
from tablemodel.cli.human import CI_WIDTH, make_console
from tablemodel.cli.main import cli
from tablemodel.diagnostics import Diagnostic, Location, ModelLoadError, Severity, Snippet, codes
from tablemodel.results.check_report import CheckReport, PatternSummary, Verdict
from tablemodel.results.formats import render, render_load_error

SNAPSHOTS = Path(__file__).parent / "snapshots" / "cli"
SOURCE = "examples/alleycat/tablemodel.yaml"

# Variables that change what rich emits; each test sets the ones it needs.
CLEAN_ENV: dict[str, str | None] = dict.fromkeys(
    (
        "COLUMNS",
        "LINES",
        "NO_COLOR",
        "FORCE_COLOR",
        "TTY_COMPATIBLE",
        "TTY_INTERACTIVE",
        "TABLEMODEL_DEBUG",
    )
)


def plain(text: str) -> str:
    """Output without trailing blanks: rich pads table cells, editors strip snapshot lines."""
    return "".join(line.rstrip() + "\n" for line in text.splitlines())


def assert_snapshot(name: str, text: str) -> None:
    """Compare with tests/snapshots/cli/NAME, or rewrite it when UPDATE_SNAPSHOTS=1."""
    text = plain(text.replace(os.getcwd(), "<cwd>").replace(os.sep, "/"))
    path = SNAPSHOTS / name
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), f"no snapshot {path}; run the tests with UPDATE_SNAPSHOTS=1"
    assert text == path.read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# Fakes


@dataclass
class FakeApi:
    """Stands in for `tablemodel.api`: returns or raises a prepared result per target."""

    results: dict[str, CheckReport | Exception] = field(default_factory=dict)
    calls: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = field(default_factory=list)

    def check(
        self, target: str, *, select: Sequence[str] = (), ignore: Sequence[str] = ()
    ) -> CheckReport:
        self.calls.append((target, tuple(select), tuple(ignore)))
        result = self.results[target]
        if isinstance(result, Exception):
            raise result
        return result


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> FakeApi:
    # Always a fake module, even when the real one exists: the command imports it lazily from
    # sys.modules, and these tests must not depend on the loader and rules importing.
    fake = FakeApi()
    module = types.ModuleType("tablemodel.api")
    monkeypatch.setattr(module, "check", fake.check, raising=False)
    monkeypatch.setitem(sys.modules, "tablemodel.api", module)
    return fake


@pytest.fixture(autouse=True)
def known_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    # A registry of our own, so that explain/rules snapshots do not change with the real docs.
    every_code()  # the real codes register first, so none registers into the stand-in
    monkeypatch.setattr(codes, "_REGISTRY", {})
    codes.declare(
        "TM106",
        "missing-sort-key",
        Severity.ERROR,
        "structure",
        """An entity writes a sort key the table does not have.

        Why: DynamoDB rejects the write, or stores SK as a plain attribute nobody can query.
        """,
    )
    codes.declare(
        "TM302",
        "type-mismatch",
        Severity.WARNING,
        "types",
        """An attribute has different types in different entities.

        Why: a key built from it sorts numbers as text in one entity and as numbers in another.
        """,
    )
    codes.declare(
        "TM401",
        "key-collision",
        Severity.ERROR,
        "collision",
        """Two entities can produce the same primary key.

        Why: a query meant for one entity also returns the other, and a put for one silently
        overwrites an item of the other.

        Bad:
            entities:
              Racer:      {keys: {PK: "racer-{racer_id}", SK: "race-{race_id}"}}
              RaceResult: {keys: {PK: "racer-{racer_id}", SK: "race-{race_id}"}}

        Good:
            entities:
              Racer:      {keys: {PK: "racer-{racer_id}", SK: "profile"}}
              RaceResult: {keys: {PK: "racer-{racer_id}", SK: "result#{race_id}"}}
        """,
    )
    codes.declare(
        "TM805",
        "verified-only-by-run",
        Severity.INFO,
        "intent",
        """The key condition cannot prove the intended order; only a run can.""",
    )


def located(line: int, column: int, *path: str | int) -> Location:
    return Location(file=SOURCE, line=line, column=column, path=path)


def findings_report() -> CheckReport:
    return CheckReport(
        source=SOURCE,
        diagnostics=(
            Diagnostic(
                code="TM106",
                severity=Severity.ERROR,
                message="the table declares no sort key, but RaceResult writes `SK`",
                location=located(3, 3, "table"),
                found="table keys: PK",
                expected="a sort key named SK",
                hint="add `sort_key: {name: SK}` to the table",
            ),
            Diagnostic(
                code="TM302",
                severity=Severity.WARNING,
                message="`racer_id` is a number in Racer but a string in RaceResult",
                location=located(12, 9, "entities", "Racer", "attributes", "racer_id"),
                found="N (number)",
                expected="S (string), as in RaceResult",
                entity="Racer",
            ),
            Diagnostic(
                code="TM401",
                severity=Severity.ERROR,
                message="RacesByRacer also returns Racer items: the two key spaces overlap",
                location=located(41, 7, "access_patterns", "RacesByRacer", "key_condition"),
                # Brackets that rich would read as markup if the text were not escaped.
                found='begins_with(SK, "race-") [matches Racer and RaceResult]',
                expected="a prefix only RaceResult writes",
                example='Racer {PK: "racer-7", SK: "race-2024"}',
                hint='give RaceResult its own prefix, for example SK: "result#{race_id}"',
                pattern="RacesByRacer",
                entity="RaceResult",
            ),
            Diagnostic(
                code="TM401",
                severity=Severity.ERROR,
                message="ResultsByRace names an index the table does not have",
                location=Location(path=("access_patterns", "ResultsByRace")),
                pattern="ResultsByRace",
            ),
            Diagnostic(
                code="TM302",
                severity=Severity.WARNING,
                message="`team` is optional: racers without a team are missing from GSI2",
                location=located(58, 7, "access_patterns", "RacersByTeam"),
                pattern="RacersByTeam",
            ),
            Diagnostic(
                code="TM805",
                severity=Severity.INFO,
                message="ties in finishing time have no defined order",
                location=located(66, 7, "access_patterns", "Leaderboard", "order"),
                pattern="Leaderboard",
            ),
        ),
        patterns=(
            PatternSummary(
                name="RacesByRacer",
                description="Every race of one racer, newest first",
                index="table",
                key_condition='PK = "racer-{racer_id}" AND begins_with(SK, "race-")',
                returns=("RaceResult",),
                verdict=Verdict.FAILS,
            ),
            PatternSummary(
                name="RacerById",
                description="One racer's profile",
                index="table",
                key_condition='PK = "racer-{racer_id}" AND SK = "profile"',
                returns=("Racer",),
                verdict=Verdict.PROVEN,
            ),
            PatternSummary(
                name="RacersByTeam",
                description="Racers of one team",
                index="GSI2",
                key_condition='GSI2PK = "team-{team}"',
                returns=("Racer",),
                verdict=Verdict.WARNINGS,
            ),
            PatternSummary(
                name="Leaderboard",
                description="Results of one race, fastest first",
                index="GSI1",
                key_condition='GSI1PK = "race-{race_id}"',
                returns=("RaceResult", "Race"),
                verdict=Verdict.RUN_ONLY,
            ),
        ),
        entities=("Racer", "RaceResult", "Race"),
    )


def clean_report(source: str = "clean/tablemodel.yaml") -> CheckReport:
    return CheckReport(
        source=source,
        diagnostics=(),
        patterns=(
            PatternSummary(
                name="RacerById",
                description="One racer's profile",
                index="table",
                key_condition='PK = "racer-{racer_id}" AND SK = "profile"',
                returns=("Racer",),
                verdict=Verdict.PROVEN,
            ),
        ),
        entities=("Racer",),
    )


def load_error() -> ModelLoadError:
    return ModelLoadError(
        [
            Diagnostic(
                code="TM302",
                severity=Severity.ERROR,
                message="`sort_kye` is not a field of table",
                location=Location(file="bad/tablemodel.yaml", line=4, column=3, path=("table",)),
                hint="did you mean `sort_key`?",
            ),
            Diagnostic(
                code="TM106",
                severity=Severity.ERROR,
                message="`PK` is required",
                location=Location(file="bad/tablemodel.yaml", line=2, column=1, path=("table",)),
            ),
        ]
    )


def invoke(*args: str, env: dict[str, str | None] | None = None) -> Result:
    runner = CliRunner(env={**CLEAN_ENV, **(env or {})})
    return runner.invoke(cli, list(args), prog_name="tablemodel")


# ---------------------------------------------------------------------------------------------
# check: exit codes and human output


def test_clean_model_exits_0(api: FakeApi) -> None:
    api.results["clean/tablemodel.yaml"] = clean_report()

    result = invoke("check", "clean/tablemodel.yaml")

    assert result.exit_code == 0
    assert result.stderr == ""
    assert plain(result.stdout) == (
        "tablemodel check clean/tablemodel.yaml\n"
        "1 entity, 1 access pattern\n"
        "\n"
        "Access patterns\n"
        "RacerById  One racer's profile\n"
        "  No findings.\n"
        "\n"
        "Pattern     Index   Key condition                                Returns   Verdict\n"
        "──────────────────────────────────────────────────────────────────────────────────\n"
        'RacerById   table   PK = "racer-{racer_id}" AND SK = "profile"   Racer     proven\n'
        "\n"
        "No problems found in 1 pattern\n"
    )


def test_findings_exit_1_and_render_every_section(api: FakeApi) -> None:
    api.results[SOURCE] = findings_report()

    result = invoke("check", SOURCE)

    assert result.exit_code == 1
    assert result.stderr == ""
    assert_snapshot("check_findings.txt", result.stdout)


def test_info_alone_is_not_a_finding(api: FakeApi) -> None:
    note = Diagnostic(code="TM805", severity=Severity.INFO, message="order needs a run")
    api.results["m.yaml"] = CheckReport(source="m.yaml", diagnostics=(note,))

    result = invoke("check", "m.yaml")

    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == "No problems found in 0 patterns (1 note)"


def test_load_error_exits_2_human(api: FakeApi) -> None:
    api.results["bad/tablemodel.yaml"] = load_error()

    result = invoke("check", "bad/tablemodel.yaml")

    assert result.exit_code == 2
    assert result.stderr == ""
    assert_snapshot("check_load_error.txt", result.stdout)


def test_a_load_error_shows_its_line_with_a_caret(api: FakeApi) -> None:
    # Wide characters take two cells: the caret must still sit under the column.
    where = Location("bad.yaml", 12, 9, ("table", "name"), snippet=Snippet("名前: [alleycat", 5))
    error = Diagnostic(
        "TM004", Severity.ERROR, "YAML syntax error: the `[` here is not closed", where
    )
    api.results["bad.yaml"] = ModelLoadError([error])

    result = invoke("check", "bad.yaml")

    assert result.exit_code == 2
    lines = [line.rstrip() for line in result.stdout.splitlines()]
    at = lines.index("  12 | 名前: [alleycat")
    assert lines[at + 1] == "     |       ^"


@pytest.mark.parametrize("fmt", ["json", "sarif", "github"])
def test_load_error_exits_2_in_the_chosen_format(api: FakeApi, fmt: Any) -> None:
    error = load_error()
    api.results["bad/tablemodel.yaml"] = error

    result = invoke("check", "bad/tablemodel.yaml", "--format", fmt)

    assert result.exit_code == 2
    assert result.stdout == render_load_error(error, fmt, source="bad/tablemodel.yaml")


@pytest.mark.parametrize("fmt", ["json", "sarif", "github", "JSON"])
def test_machine_formats(api: FakeApi, fmt: str) -> None:
    report = findings_report()
    api.results[SOURCE] = report

    result = invoke("check", SOURCE, "--format", fmt)

    assert result.exit_code == 1
    assert result.stderr == ""
    machine: Any = fmt.lower()
    assert result.stdout == render([report], machine)


def test_unknown_format_is_a_usage_error(api: FakeApi) -> None:
    result = invoke("check", SOURCE, "--format", "xml")

    assert result.exit_code == 2
    assert "Invalid value for '--format'" in result.stderr
    assert api.calls == []


def test_several_paths_exit_with_the_highest_code(api: FakeApi) -> None:
    api.results["clean/tablemodel.yaml"] = clean_report()
    api.results[SOURCE] = findings_report()
    api.results["bad/tablemodel.yaml"] = load_error()

    findings = invoke("check", "clean/tablemodel.yaml", SOURCE, "--format", "json")
    broken = invoke("check", SOURCE, "bad/tablemodel.yaml", "clean/tablemodel.yaml")

    assert findings.exit_code == 1
    docs = json.loads(findings.stdout)
    assert [doc["source"] for doc in docs] == ["clean/tablemodel.yaml", SOURCE]
    assert broken.exit_code == 2
    assert [call[0] for call in api.calls[2:]] == [
        SOURCE,
        "bad/tablemodel.yaml",
        "clean/tablemodel.yaml",
    ]
    # Each target is rendered in turn, the load failure in place.
    headers = [line for line in broken.stdout.splitlines() if line.startswith("tablemodel check")]
    assert headers == [
        f"tablemodel check {SOURCE}",
        "tablemodel check bad/tablemodel.yaml",
        "tablemodel check clean/tablemodel.yaml",
    ]


def test_check_needs_a_path() -> None:
    result = invoke("check")

    assert result.exit_code == 2
    assert "Missing argument 'PATH...'" in result.stderr


# ---------------------------------------------------------------------------------------------
# check: --select / --ignore


def test_select_and_ignore_are_forwarded(api: FakeApi) -> None:
    api.results["clean/tablemodel.yaml"] = clean_report()

    result = invoke(
        "check",
        "clean/tablemodel.yaml",
        "--select",
        "TM4, tm302",
        "--select",
        "TM1",
        "--ignore",
        "TM401,",
        "--ignore",
        "TM4",
    )

    assert result.exit_code == 0, result.output
    assert api.calls == [("clean/tablemodel.yaml", ("TM4", "TM302", "TM1"), ("TM401", "TM4"))]


def test_no_select_forwards_empty_tuples(api: FakeApi) -> None:
    api.results["clean/tablemodel.yaml"] = clean_report()

    invoke("check", "clean/tablemodel.yaml")

    assert api.calls == [("clean/tablemodel.yaml", (), ())]


def test_select_of_an_unknown_code_is_a_usage_error(api: FakeApi) -> None:
    result = invoke("check", SOURCE, "--select", "TM402")

    assert result.exit_code == 2
    assert api.calls == []
    assert result.stderr.splitlines()[-1] == (
        "Error: Invalid value for --select: no diagnostic code matches TM402; "
        "did you mean `TM401`? (`tablemodel rules` lists them)"
    )


def test_ignore_of_something_that_is_not_a_code_is_a_usage_error(api: FakeApi) -> None:
    result = invoke("check", SOURCE, "--ignore", "key-collision")

    assert result.exit_code == 2
    assert api.calls == []
    assert result.stderr.splitlines()[-1] == (
        "Error: Invalid value for --ignore: 'KEY-COLLISION' is not a code (TM401) "
        "or a code prefix (TM4)"
    )


# ---------------------------------------------------------------------------------------------
# check: --output, internal errors


def test_output_file(api: FakeApi, tmp_path: Path) -> None:
    report = findings_report()
    api.results[SOURCE] = report
    json_file = tmp_path / "report.json"
    human_file = tmp_path / "report.txt"

    as_json = invoke("check", SOURCE, "--format", "json", "--output", str(json_file))
    as_human = invoke("check", SOURCE, "-o", str(human_file))
    on_stdout = invoke("check", SOURCE)

    assert (as_json.exit_code, as_json.stdout) == (1, "")
    assert json_file.read_text(encoding="utf-8") == render([report], "json")
    assert (as_human.exit_code, as_human.stdout) == (1, "")
    assert human_file.read_text(encoding="utf-8") == on_stdout.stdout


def test_unwritable_output_exits_2(api: FakeApi, tmp_path: Path) -> None:
    api.results[SOURCE] = findings_report()
    target = tmp_path / "missing" / "report.json"

    result = invoke("check", SOURCE, "--format", "json", "--output", str(target))

    assert result.exit_code == 2
    assert result.stderr == f"Error: cannot write {target}: No such file or directory\n"


def test_unexpected_exception_is_one_line_and_exit_2(api: FakeApi) -> None:
    api.results[SOURCE] = KeyError("entities")

    result = invoke("check", SOURCE)

    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == "tablemodel: internal error: KeyError: 'entities'\n"


def test_unexpected_exception_message_is_kept_on_one_line(api: FakeApi) -> None:
    api.results[SOURCE] = RuntimeError("first line\n  second line")

    result = invoke("check", SOURCE)

    assert result.exit_code == 2
    assert result.stderr == "tablemodel: internal error: RuntimeError: first line second line\n"


def test_debug_env_adds_the_traceback(api: FakeApi) -> None:
    api.results[SOURCE] = KeyError("entities")

    result = invoke("check", SOURCE, env={"TABLEMODEL_DEBUG": "1"})

    assert result.exit_code == 2
    assert result.stderr.startswith("Traceback (most recent call last):\n")
    assert result.stderr.endswith("tablemodel: internal error: KeyError: 'entities'\n")


# ---------------------------------------------------------------------------------------------
# Console: colour and width


def _colour_codes(text: str) -> list[str]:
    """SGR parameters that set a colour (30-37, 38;..., 90-97), ignoring bold and underline."""
    found = []
    for params in re.findall(r"\x1b\[([0-9;]*)m", text):
        for param in params.split(";"):
            if param and (30 <= int(param) <= 38 or 90 <= int(param) <= 97):
                found.append(param)
    return found


def test_colour_when_forced(api: FakeApi) -> None:
    api.results[SOURCE] = findings_report()

    result = invoke("check", SOURCE, env={"FORCE_COLOR": "1"})

    assert _colour_codes(result.stdout)


def test_no_color_is_honoured(api: FakeApi) -> None:
    api.results[SOURCE] = findings_report()

    result = invoke("check", SOURCE, env={"FORCE_COLOR": "1", "NO_COLOR": "1"})

    assert result.exit_code == 1
    assert _colour_codes(result.stdout) == []


class _Terminal:
    """A file that claims to be a terminal."""

    def __init__(self) -> None:
        self.written: list[str] = []

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.written.append(text)
        return len(text)

    def flush(self) -> None:
        pass


def test_console_width(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    terminal: Any = _Terminal()
    pipe: Any = open(os.devnull, "w")  # noqa: SIM115 -- closed below, after both consoles
    try:
        assert make_console(pipe).width == CI_WIDTH
        monkeypatch.setenv("COLUMNS", "77")
        assert make_console(pipe).width == 77
        assert make_console(terminal).width == 77
    finally:
        pipe.close()


def test_long_paths_wrap_at_spaces_not_inside(api: FakeApi) -> None:
    deep = "models/" + "/".join(["a-rather-long-folder-name"] * 2) + "/tablemodel.yaml"
    diagnostic = Diagnostic(
        code="TM302",
        severity=Severity.WARNING,
        message="m",
        location=Location(file=deep, line=1, column=2, path=("entities", "Racer")),
    )
    api.results[deep] = CheckReport(source=deep, diagnostics=(diagnostic,))

    result = invoke("check", deep, env={"COLUMNS": "100"})

    # Too long for one line with its model path: the break falls at the space before it.
    assert f"  TM302 warning  {deep}:1:2" in plain(result.stdout).splitlines()
    assert "  (entities.Racer)" in plain(result.stdout).splitlines()


# ---------------------------------------------------------------------------------------------
# explain, rules, schema, version, help


def test_explain() -> None:
    result = invoke("explain", "tm401")

    assert result.exit_code == 0
    assert_snapshot("explain_TM401.txt", result.stdout)


def test_explain_names_a_docs_page_only_when_the_metadata_has_a_versioned_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from importlib import metadata  # noqa: PLC0415

    from tablemodel.results import formats  # noqa: PLC0415

    page = f"https://example.org/tablemodel/v{tablemodel.__version__}/rules.md"
    entries: list[str] = []
    fake = types.SimpleNamespace(get_all=lambda name: entries)
    monkeypatch.setattr(metadata, "metadata", lambda name: fake)
    formats._rules_url.cache_clear()
    try:
        assert "docs:" not in invoke("explain", "TM401").stdout
        entries.append(f"Rules, {page}")
        formats._rules_url.cache_clear()
        assert f"docs:     {page}#tm401-key-collision" in invoke("explain", "TM401").stdout
    finally:
        formats._rules_url.cache_clear()


def test_human_output_names_the_command_that_explains_the_codes(api: FakeApi) -> None:
    api.results[SOURCE] = findings_report()
    api.results["bad.yaml"] = load_error()

    found = invoke("check", SOURCE).stdout.splitlines()[-1]
    failed = invoke("check", "bad.yaml").stdout.splitlines()[-1]

    assert found == "More on each code: tablemodel explain CODE (TM106, TM302, TM401)"
    assert failed == "More on each code: tablemodel explain CODE (TM106, TM302)"


def test_explain_by_name() -> None:
    assert invoke("explain", "key-collision").stdout == invoke("explain", "TM401").stdout


def test_explain_unknown_code() -> None:
    result = invoke("explain", "TM410")

    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == (
        "Error: Invalid value for CODE: unknown code 'TM410'; did you mean `TM401`? "
        "(`tablemodel rules` lists every code)"
    )


def test_explain_unknown_name() -> None:
    result = invoke("explain", "key-colision")

    assert result.exit_code == 2
    assert "did you mean `key-collision`?" in result.stderr


def test_rules() -> None:
    result = invoke("rules")

    assert result.exit_code == 0
    assert_snapshot("rules.txt", result.stdout)


@pytest.fixture
def json_schema(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Model",
        "type": "object",
        "properties": {"table": {"$ref": "#/$defs/Table"}},
    }
    module = types.ModuleType("tablemodel.schema.jsonschema")
    monkeypatch.setattr(module, "model_json_schema", lambda: schema, raising=False)
    monkeypatch.setitem(sys.modules, "tablemodel.schema.jsonschema", module)
    return schema


def test_schema(json_schema: dict[str, Any], tmp_path: Path) -> None:
    target = tmp_path / "schema.json"

    printed = invoke("schema")
    written = invoke("schema", "--output", str(target))

    assert printed.exit_code == 0
    assert json.loads(printed.stdout) == json_schema
    assert printed.stdout == json.dumps(json_schema, indent=2) + "\n"
    assert (written.exit_code, written.stdout) == (0, "")
    assert target.read_text(encoding="utf-8") == printed.stdout


def test_version() -> None:
    result = invoke("--version")

    assert (result.exit_code, result.stdout) == (0, f"tablemodel {tablemodel.__version__}\n")


def test_help_loads_neither_rich_nor_the_library() -> None:
    code = (
        "import sys\n"
        "from tablemodel.cli.main import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ['rich', 'tablemodel.api', 'tablemodel.check', 'tablemodel.results.formats']\n"
        "print(sorted(name for name in heavy if name in sys.modules))\n"
    )

    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )

    assert done.stdout.splitlines()[-1] == "[]"


# ---------------------------------------------------------------------------------------------
# Output to a file or a pipe: no padding

ROOT = Path(__file__).resolve().parent.parent


def _padded_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line != line.rstrip()]


@pytest.mark.parametrize(
    ("args", "exit_code"),
    [
        (["check", "examples/alleycat/article.yaml"], 1),  # findings, summary table
        (["check", "examples/alleycat"], 0),
        (["check", "{bad}"], 2),  # a load error
        (["generate", "{bad}"], 2),
        (["check", "examples/alleycat", "--select", "TM999"], 2),  # a usage error
        (
            [
                "check",
                "examples/alleycat",
                "--run",
                "--endpoint-url",
                "https://dynamodb.us-east-1.amazonaws.com",
            ],
            2,
        ),
        (["explain", "TM401"], 0),
        (["rules"], 0),
        pytest.param(["check", "examples/alleycat", "--run"], 0, marks=pytest.mark.engine),
        pytest.param(
            ["check", "tests/data/run/wrong_prefix.yaml", "--run"], 1, marks=pytest.mark.engine
        ),
    ],
)
def test_output_to_a_pipe_has_no_trailing_blanks(
    tmp_path: Path, args: list[str], exit_code: int
) -> None:
    bad = tmp_path / "tablemodel.yaml"
    bad.write_text("table:\n  name: t\n  partition_key: PK\n  sort_kye: SK\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in CLEAN_ENV}
    done = subprocess.run(
        [sys.executable, "-m", "tablemodel", *(a.format(bad=bad) for a in args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == exit_code, done.stderr
    assert (done.stdout + done.stderr).strip()
    assert _padded_lines(done.stdout) == []
    assert _padded_lines(done.stderr) == []
    # Nor does any output send a pip user to a path of the repository.
    assert "docs/" not in done.stdout + done.stderr


def test_output_to_a_file_has_no_trailing_blanks_even_in_colour(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in CLEAN_ENV}
    command = [sys.executable, "-m", "tablemodel", "check", "examples/alleycat/article.yaml"]
    for extra, output in (({}, "plain.txt"), ({"FORCE_COLOR": "1"}, "colour.txt")):
        target = tmp_path / output
        done = subprocess.run(
            [*command, "-o", str(target)],
            cwd=ROOT,
            env={**env, **extra},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 1, done.stderr
        text = target.read_text(encoding="utf-8")
        assert "Access patterns" in text
        assert _padded_lines(re.sub(r"\x1b\[[0-9;]*m", "", text)) == []
    assert _colour_codes((tmp_path / "colour.txt").read_text(encoding="utf-8"))


def test_a_terminal_gets_what_rich_lays_out() -> None:
    from rich.console import Console  # noqa: PLC0415

    from tablemodel.cli.human import print_renderables, rules_table  # noqa: PLC0415

    terminal: Any = _Terminal()
    reference: Any = _Terminal()
    print_renderables(terminal, [rules_table(codes.all_codes())])
    Console(file=reference, markup=False, emoji=False, highlight=False).print(
        rules_table(codes.all_codes())
    )
    assert "".join(terminal.written) == "".join(reference.written)
    assert _padded_lines("".join(terminal.written))  # rich pads a terminal's table cells


def test_strip_padding_keeps_style_codes() -> None:
    from tablemodel.cli.human import strip_padding  # noqa: PLC0415

    styled = "\x1b[1mTM401\x1b[0m  \x1b[2m  \x1b[0m\nnext \t\n\x1b[31m  x\x1b[0m"
    assert strip_padding(styled) == "\x1b[1mTM401\x1b[0m\x1b[2m\x1b[0m\nnext\n\x1b[31m  x\x1b[0m"
