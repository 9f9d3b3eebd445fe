"""Machine formats (JSON, SARIF, GitHub annotations) rendered from hand-built reports."""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib import metadata
from typing import Any

import pytest

import tablemodel
from tablemodel.cli.catalogue import every_code
from tablemodel.diagnostics import Diagnostic, Location, ModelLoadError, Severity, codes
from tablemodel.results import formats
from tablemodel.results.check_report import CheckReport, PatternSummary, Verdict
from tablemodel.results.formats import (
    MACHINE_FORMATS,
    LoadFailure,
    Outcome,
    render,
    render_github,
    render_json,
    render_load_error,
    render_sarif,
)

SOURCE = "models/tablemodel.yaml"
TOOL = {"name": "tablemodel", "version": tablemodel.__version__}


@pytest.fixture(autouse=True)
def known_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    # A registry of our own: the output must not change when a real rule's docs are edited,
    # and these tests must not depend on every rule module importing.
    every_code()  # the real codes register first, so none registers into the stand-in
    monkeypatch.setattr(codes, "_REGISTRY", {})
    codes.declare(
        "TM401",
        "key-collision",
        Severity.ERROR,
        "collision",
        """Two entities can produce the same primary key.

        Why: a query meant for one entity also returns, or overwrites, the other.

        Bad:
            SK: "{race_id}"

        Good:
            SK: "result#{race_id}"
        """,
    )
    codes.declare(
        "TM302",
        "type-mismatch",
        Severity.WARNING,
        "types",
        """An attribute has different types in different entities.

        Why: a key built from it sorts differently per entity.
        """,
    )


def sample_report() -> CheckReport:
    """Two located diagnostics, one without a line, one info without any location."""
    return CheckReport(
        source=SOURCE,
        diagnostics=(
            Diagnostic(
                code="TM401",
                severity=Severity.ERROR,
                message="100% of Racer items match, not only RaceResult: keys overlap",
                location=Location(
                    file="models/tablemodel.yaml",
                    line=41,
                    column=7,
                    path=("access_patterns", "RacesByRacer", "key_condition"),
                ),
                found="PK = racer-{racer_id}, SK begins_with race-",
                expected="a prefix only RaceResult writes",
                hint="give RaceResult its own prefix,\nfor example SK: result#{race_id}",
                pattern="RacesByRacer",
                entity="RaceResult",
                example="PK=racer-7, SK=race-2024:final",
            ),
            Diagnostic(
                code="TM302",
                severity=Severity.WARNING,
                message="`racer_id` is a number in Racer but a string in RaceResult",
                location=Location(
                    file="models/eu,prod:tablemodel.yaml",
                    line=12,
                    column=5,
                    path=("entities", "Racer", "attributes", "racer_id"),
                ),
                found="N",
                expected="S",
                entity="Racer",
            ),
            Diagnostic(
                code="TM401",
                severity=Severity.ERROR,
                message="ResultsByRace also returns Race items",
                location=Location(path=("access_patterns", "ResultsByRace")),
                pattern="ResultsByRace",
            ),
            Diagnostic(
                code="TM701",
                severity=Severity.INFO,
                message="the GSI projects every attribute",
            ),
        ),
        patterns=(
            PatternSummary(
                name="RacesByRacer",
                description="Every race of one racer, newest first",
                index="table",
                key_condition="PK = racer-{racer_id} AND begins_with(SK, race-)",
                returns=("RaceResult",),
                verdict=Verdict.FAILS,
                reasons=("TM401",),
            ),
            PatternSummary(
                name="RacerById",
                description="One racer",
                index="table",
                key_condition="PK = racer-{racer_id} AND SK = profile",
                returns=("Racer",),
                verdict=Verdict.PROVEN,
            ),
            PatternSummary(
                name="Leaderboard",
                description="Results of one race by time",
                index="GSI1",
                key_condition="GSI1PK = race-{race_id}",
                returns=("RaceResult",),
                verdict=Verdict.RUN_ONLY,
                reasons=("ties in time have no defined order",),
            ),
        ),
        entities=("Racer", "RaceResult"),
    )


def load_error() -> ModelLoadError:
    return ModelLoadError(
        [
            Diagnostic(
                code="TM302",
                severity=Severity.ERROR,
                message="unknown field `sort_kye`",
                location=Location(file="bad.yaml", line=3, column=3, path=("table", "sort_kye")),
                hint="did you mean `sort_key`?",
            )
        ]
    )


# ---------------------------------------------------------------------------------------------
# JSON


def test_json_is_the_report_dict_plus_the_tool() -> None:
    text = render_json(sample_report())

    assert json.loads(text) == {
        "source": SOURCE,
        "summary": {"errors": 2, "warnings": 1, "info": 1, "patterns": 3},
        "patterns": [
            {
                "name": "RacesByRacer",
                "description": "Every race of one racer, newest first",
                "index": "table",
                "key_condition": "PK = racer-{racer_id} AND begins_with(SK, race-)",
                "returns": ["RaceResult"],
                "verdict": "fails",
                "reasons": ["TM401"],
            },
            {
                "name": "RacerById",
                "description": "One racer",
                "index": "table",
                "key_condition": "PK = racer-{racer_id} AND SK = profile",
                "returns": ["Racer"],
                "verdict": "proven",
                "reasons": [],
            },
            {
                "name": "Leaderboard",
                "description": "Results of one race by time",
                "index": "GSI1",
                "key_condition": "GSI1PK = race-{race_id}",
                "returns": ["RaceResult"],
                "verdict": "verified only by run",
                "reasons": ["ties in time have no defined order"],
            },
        ],
        "diagnostics": [
            {
                "code": "TM401",
                "severity": "error",
                "message": "100% of Racer items match, not only RaceResult: keys overlap",
                "location": {
                    "file": "models/tablemodel.yaml",
                    "line": 41,
                    "column": 7,
                    "path": "access_patterns.RacesByRacer.key_condition",
                },
                "found": "PK = racer-{racer_id}, SK begins_with race-",
                "expected": "a prefix only RaceResult writes",
                "hint": "give RaceResult its own prefix,\nfor example SK: result#{race_id}",
                "pattern": "RacesByRacer",
                "entity": "RaceResult",
                "example": "PK=racer-7, SK=race-2024:final",
            },
            {
                "code": "TM302",
                "severity": "warning",
                "message": "`racer_id` is a number in Racer but a string in RaceResult",
                "location": {
                    "file": "models/eu,prod:tablemodel.yaml",
                    "line": 12,
                    "column": 5,
                    "path": "entities.Racer.attributes.racer_id",
                },
                "found": "N",
                "expected": "S",
                "hint": None,
                "pattern": None,
                "entity": "Racer",
                "example": None,
            },
            {
                "code": "TM401",
                "severity": "error",
                "message": "ResultsByRace also returns Race items",
                "location": {
                    "file": None,
                    "line": None,
                    "column": None,
                    "path": "access_patterns.ResultsByRace",
                },
                "found": None,
                "expected": None,
                "hint": None,
                "pattern": "ResultsByRace",
                "entity": None,
                "example": None,
            },
            {
                "code": "TM701",
                "severity": "info",
                "message": "the GSI projects every attribute",
                "location": {"file": None, "line": None, "column": None, "path": None},
                "found": None,
                "expected": None,
                "hint": None,
                "pattern": None,
                "entity": None,
                "example": None,
            },
        ],
        "tool": TOOL,
    }


def test_json_is_stable_text() -> None:
    report = sample_report()
    text = render_json(report)

    # Sorted keys and a two-space indent make the output diffable between runs.
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True) + "\n"
    assert text.startswith('{\n  "diagnostics": [\n')
    assert render_json(report) == text


def test_json_of_several_targets_is_an_array() -> None:
    clean = CheckReport(source="other/tablemodel.json", diagnostics=())

    docs = json.loads(render([sample_report(), clean], "json"))

    assert [doc["source"] for doc in docs] == [SOURCE, "other/tablemodel.json"]
    assert docs[1] == {
        "source": "other/tablemodel.json",
        "summary": {"errors": 0, "warnings": 0, "info": 0, "patterns": 0},
        "patterns": [],
        "diagnostics": [],
        "tool": TOOL,
    }


def test_json_load_error_has_the_report_shape() -> None:
    doc = json.loads(render_load_error(load_error(), "json", source="bad.yaml"))

    assert doc == {
        "source": "bad.yaml",
        "load_error": True,
        "summary": {"errors": 1, "warnings": 0, "info": 0, "patterns": 0},
        "patterns": [],
        "diagnostics": [
            {
                "code": "TM302",
                "severity": "error",
                "message": "unknown field `sort_kye`",
                "location": {"file": "bad.yaml", "line": 3, "column": 3, "path": "table.sort_kye"},
                "found": None,
                "expected": None,
                "hint": "did you mean `sort_key`?",
                "pattern": None,
                "entity": None,
                "example": None,
            }
        ],
        "tool": TOOL,
    }


def test_load_error_source_defaults_to_the_first_located_file() -> None:
    doc = json.loads(render_load_error(load_error(), "json"))

    assert doc["source"] == "bad.yaml"


# ---------------------------------------------------------------------------------------------
# SARIF


def test_sarif_log() -> None:
    log = json.loads(render_sarif(sample_report()))

    assert set(log) == {"$schema", "version", "runs"}
    assert log["version"] == "2.1.0"
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    [run] = log["runs"]
    assert set(run) == {"tool", "results", "properties"}
    assert run["properties"] == {
        "patternVerdicts": [
            {"source": SOURCE, "pattern": p.name, "verdict": p.verdict.value}
            for p in sample_report().patterns
        ]
    }
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("tablemodel", tablemodel.__version__)
    # TM401 occurs twice but is described once; TM701 is not registered and gets a bare entry.
    assert driver["rules"] == [
        {
            "id": "TM302",
            "name": "type-mismatch",
            "shortDescription": {"text": "An attribute has different types in different entities."},
            "fullDescription": {
                "text": "An attribute has different types in different entities."
                " Why: a key built from it sorts differently per entity."
            },
            "help": {
                "text": (
                    "An attribute has different types in different entities.\n\n"
                    "Why: a key built from it sorts differently per entity.\n\n"
                    "tablemodel explain TM302 prints this page."
                ),
                "markdown": (
                    "An attribute has different types in different entities.\n\n"
                    "**Why:** a key built from it sorts differently per entity.\n\n"
                    "`tablemodel explain TM302` prints this page."
                ),
            },
            "defaultConfiguration": {"level": "warning"},
            "properties": {"family": "types", "tags": ["types"]},
        },
        {
            "id": "TM401",
            "name": "key-collision",
            "shortDescription": {"text": "Two entities can produce the same primary key."},
            "fullDescription": {
                "text": "Two entities can produce the same primary key."
                " Why: a query meant for one entity also returns, or overwrites, the other."
            },
            "help": {
                "text": (
                    "Two entities can produce the same primary key.\n\n"
                    "Why: a query meant for one entity also returns, or overwrites, the other.\n\n"
                    'Bad:\n    SK: "{race_id}"\n\n'
                    'Good:\n    SK: "result#{race_id}"\n\n'
                    "tablemodel explain TM401 prints this page."
                ),
                "markdown": (
                    "Two entities can produce the same primary key.\n\n"
                    "**Why:** a query meant for one entity also returns, or overwrites, the other."
                    '\n\nBad:\n\n```yaml\nSK: "{race_id}"\n```\n\n'
                    'Good:\n\n```yaml\nSK: "result#{race_id}"\n```\n\n'
                    "`tablemodel explain TM401` prints this page."
                ),
            },
            "defaultConfiguration": {"level": "error"},
            "properties": {"family": "collision", "tags": ["collision"]},
        },
        {"id": "TM701"},
    ]
    assert run["results"] == [
        {
            "ruleId": "TM401",
            "ruleIndex": 1,
            "level": "error",
            "message": {
                "text": (
                    "100% of Racer items match, not only RaceResult: keys overlap\n"
                    "found: PK = racer-{racer_id}, SK begins_with race-\n"
                    "expected: a prefix only RaceResult writes\n"
                    "hint: give RaceResult its own prefix,\nfor example SK: result#{race_id}"
                )
            },
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": "models/tablemodel.yaml"},
                        "region": {"startLine": 41, "startColumn": 7},
                    },
                    "logicalLocations": [
                        {"fullyQualifiedName": "access_patterns.RacesByRacer.key_condition"}
                    ],
                }
            ],
        },
        {
            "ruleId": "TM302",
            "ruleIndex": 0,
            "level": "warning",
            "message": {
                "text": (
                    "`racer_id` is a number in Racer but a string in RaceResult\n"
                    "found: N\nexpected: S"
                )
            },
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": "models/eu%2Cprod%3Atablemodel.yaml"},
                        "region": {"startLine": 12, "startColumn": 5},
                    },
                    "logicalLocations": [
                        {"fullyQualifiedName": "entities.Racer.attributes.racer_id"}
                    ],
                }
            ],
        },
        {
            # No line: the report's source file still locates it, without a region.
            "ruleId": "TM401",
            "ruleIndex": 1,
            "level": "error",
            "message": {"text": "ResultsByRace also returns Race items"},
            "locations": [
                {
                    "physicalLocation": {"artifactLocation": {"uri": "models/tablemodel.yaml"}},
                    "logicalLocations": [{"fullyQualifiedName": "access_patterns.ResultsByRace"}],
                }
            ],
        },
        {
            "ruleId": "TM701",
            "ruleIndex": 2,
            "level": "note",
            "message": {"text": "the GSI projects every attribute"},
            "locations": [
                {"physicalLocation": {"artifactLocation": {"uri": "models/tablemodel.yaml"}}}
            ],
        },
    ]


def test_sarif_python_target_has_only_logical_locations() -> None:
    report = CheckReport(
        source="service.models:table",
        diagnostics=(
            Diagnostic(
                code="TM302",
                severity=Severity.WARNING,
                message="mismatch",
                location=Location(path=("entities", "Racer")),
            ),
        ),
    )

    [result] = json.loads(render_sarif(report))["runs"][0]["results"]

    assert result["locations"] == [{"logicalLocations": [{"fullyQualifiedName": "entities.Racer"}]}]


def test_sarif_absolute_path_is_a_file_uri() -> None:
    report = CheckReport(
        source="/srv/my models/tablemodel.yaml",
        diagnostics=(Diagnostic(code="TM302", severity=Severity.WARNING, message="m"),),
    )

    [result] = json.loads(render_sarif(report))["runs"][0]["results"]

    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "file:///srv/my%20models/tablemodel.yaml"


def test_sarif_of_several_targets_is_one_run() -> None:
    failure = LoadFailure("bad.yaml", load_error())

    log = json.loads(render([sample_report(), failure], "sarif"))

    [run] = log["runs"]
    assert [r["ruleId"] for r in run["results"]] == ["TM401", "TM302", "TM401", "TM701", "TM302"]
    assert [rule["id"] for rule in run["tool"]["driver"]["rules"]] == ["TM302", "TM401", "TM701"]
    assert run["results"][-1]["level"] == "error"


def test_sarif_load_error() -> None:
    log = json.loads(render_load_error(load_error(), "sarif", source="bad.yaml"))

    [result] = log["runs"][0]["results"]
    assert result == {
        "ruleId": "TM302",
        "ruleIndex": 0,
        "level": "error",
        "message": {"text": "unknown field `sort_kye`\nhint: did you mean `sort_key`?"},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": "bad.yaml"},
                    "region": {"startLine": 3, "startColumn": 3},
                },
                "logicalLocations": [{"fullyQualifiedName": "table.sort_kye"}],
            }
        ],
    }


# ---------------------------------------------------------------------------------------------
# GitHub annotations


def test_github_annotations() -> None:
    assert render_github(sample_report()) == (
        "::error file=models/tablemodel.yaml,line=41,col=7,title=TM401 key-collision"
        "::100%25 of Racer items match, not only RaceResult: keys overlap"
        "%0Afound: PK = racer-{racer_id}, SK begins_with race-"
        "%0Aexpected: a prefix only RaceResult writes"
        "%0Ahint: give RaceResult its own prefix,%0Afor example SK: result#{race_id}"
        "%0Amore: tablemodel explain TM401\n"
        "::warning file=models/eu%2Cprod%3Atablemodel.yaml,line=12,col=5,title=TM302 type-mismatch"
        "::`racer_id` is a number in Racer but a string in RaceResult%0Afound: N%0Aexpected: S"
        "%0Amore: tablemodel explain TM302\n"
        "::error file=models/tablemodel.yaml,title=TM401 key-collision"
        "::ResultsByRace also returns Race items%0Amore: tablemodel explain TM401\n"
        "::notice file=models/tablemodel.yaml,title=TM701"
        "::the GSI projects every attribute\n"
    )


def test_github_escapes_carriage_returns_and_percent_in_properties() -> None:
    report = CheckReport(
        source="service.models:table",
        diagnostics=(
            Diagnostic(
                code="TM302",
                severity=Severity.WARNING,
                message="a\r\nb",
                location=Location(file="100%,a:b.yaml", line=1),
            ),
            Diagnostic(code="TM302", severity=Severity.WARNING, message="no file"),
        ),
    )

    assert render_github(report) == (
        "::warning file=100%25%2Ca%3Ab.yaml,line=1,title=TM302 type-mismatch::a%0D%0Ab"
        "%0Amore: tablemodel explain TM302\n"
        # A Python target is not a file: the annotation goes on the run, not on a file.
        "::warning title=TM302 type-mismatch::no file%0Amore: tablemodel explain TM302\n"
    )


def test_github_clean_report_is_empty() -> None:
    assert render_github(CheckReport(source=SOURCE, diagnostics=())) == ""


def test_github_load_error() -> None:
    assert render_load_error(load_error(), "github") == (
        "::error file=bad.yaml,line=3,col=3,title=TM302 type-mismatch"
        "::unknown field `sort_kye`%0Ahint: did you mean `sort_key`?"
        "%0Amore: tablemodel explain TM302\n"
    )


def test_unknown_format_is_rejected() -> None:
    fmt: Any = "xml"

    with pytest.raises(ValueError, match="unknown output format 'xml'"):
        render([sample_report()], fmt)


def test_github_python_target_has_no_file_property() -> None:
    # A `module:attribute` target is not a file in the repository: GitHub gets no `file=`.
    report = CheckReport(
        source="service.models:table",
        diagnostics=(
            Diagnostic(
                code="TM302",
                severity=Severity.ERROR,
                message="mismatch",
                location=Location(file="service.models:table", path=("entities", "Racer")),
            ),
        ),
    )

    assert render_github(report) == (
        "::error title=TM302 type-mismatch::mismatch%0Amore: tablemodel explain TM302\n"
    )


# ---------------------------------------------------------------------------------------------
# Where a code is documented: inline, or a versioned web page; never a repository path


class _Metadata:
    def __init__(self, urls: list[str]) -> None:
        self.urls = urls

    def get_all(self, name: str) -> list[str] | None:
        return self.urls if name == "Project-URL" else None


@pytest.fixture
def project_urls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The `Project-URL` entries the installed package's metadata seems to have."""
    urls: list[str] = []
    monkeypatch.setattr(metadata, "metadata", lambda name: _Metadata(urls))
    formats._rules_url.cache_clear()
    yield urls
    formats._rules_url.cache_clear()


def _all_formats() -> list[str]:
    outcomes: list[Outcome] = [sample_report(), LoadFailure("bad.yaml", load_error())]
    return [render(outcomes, fmt) for fmt in MACHINE_FORMATS]


def test_no_format_points_at_a_repository_path() -> None:
    # The package's own metadata names no rules page, so no format links anywhere.
    for text in _all_formats():
        assert "docs/" not in text
        assert "rules.md" not in text
    driver = json.loads(render([sample_report()], "sarif"))["runs"][0]["tool"]["driver"]
    assert all("helpUri" not in rule for rule in driver["rules"])


def test_github_names_the_command_that_explains_a_code(project_urls: list[str]) -> None:
    lines = render_github(sample_report()).splitlines()
    assert lines[0].endswith("%0Amore: tablemodel explain TM401")
    assert lines[-1].endswith("::the GSI projects every attribute")  # TM701 is not registered


def test_sarif_carries_each_rules_whole_documentation(project_urls: list[str]) -> None:
    driver = json.loads(render([sample_report()], "sarif"))["runs"][0]["tool"]["driver"]
    rule = next(r for r in driver["rules"] if r["id"] == "TM401")
    info = codes.get("TM401")
    assert info is not None
    for part in (info.summary, info.why, info.bad, info.good, "tablemodel explain TM401"):
        assert part in rule["help"]["text"]
        assert part in rule["help"]["markdown"]
    assert info.why in rule["fullDescription"]["text"]


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        (
            [f"Rules, https://example.org/tablemodel/blob/v{tablemodel.__version__}/docs/rules.md"],
            f"https://example.org/tablemodel/blob/v{tablemodel.__version__}/docs/rules.md"
            "#tm401-key-collision",
        ),
        (["rules , https://example.org/0.0.0-never/rules.md"], None),  # another version's page
        (["Rules, https://example.org/latest/rules.md"], None),  # unversioned: may not match
        ([f"Rules, docs/{tablemodel.__version__}/rules.md"], None),  # a path, not a URL
        ([f"Rules, http://example.org/{tablemodel.__version__}/rules.md"], None),  # not https
        ([f"Homepage, https://example.org/{tablemodel.__version__}/"], None),  # not the rules
        ([], None),
    ],
)
def test_help_uri_only_from_a_versioned_rules_url_of_the_metadata(
    project_urls: list[str], entries: list[str], expected: str | None
) -> None:
    project_urls.extend(entries)
    driver = json.loads(render([sample_report()], "sarif"))["runs"][0]["tool"]["driver"]
    rule = next(r for r in driver["rules"] if r["id"] == "TM401")
    assert rule.get("helpUri") == expected
    assert formats.rule_help_uri("tm401-key-collision") == expected


def test_an_uninstalled_package_has_no_help_uri(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str) -> Any:
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "metadata", missing)
    formats._rules_url.cache_clear()
    try:
        assert formats.rule_help_uri("tm401-key-collision") is None
    finally:
        formats._rules_url.cache_clear()
