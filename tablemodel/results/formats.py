"""Machine-readable renderings of check results: JSON, SARIF 2.1.0 and GitHub annotations.

This is library code: every function returns a string and nothing here prints or imports a
terminal library. The CLI chooses a format and writes the string; other tools (a pre-commit
wrapper, a CI step, an editor plugin) can call the same functions.

A model that cannot be loaded is reported in the same shapes as a finished check, so a CI job
that reads `--format json` or uploads SARIF never has to parse a second kind of document.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from pathlib import PurePath
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

import tablemodel
from tablemodel.diagnostics import Diagnostic, ModelLoadError, Severity, codes
from tablemodel.records import record
from tablemodel.results.check_report import CheckReport, PatternSummary

if TYPE_CHECKING:  # a static check never loads the run report's types
    from tablemodel.results.run_report import RunReport

__all__ = [
    "MACHINE_FORMATS",
    "SARIF_SCHEMA",
    "LoadFailure",
    "MachineFormat",
    "Outcome",
    "render",
    "render_github",
    "render_json",
    "render_json_with_runs",
    "render_load_error",
    "render_sarif",
    "rule_documentation",
    "rule_help_uri",
]

MachineFormat = Literal["json", "sarif", "github"]
MACHINE_FORMATS: tuple[MachineFormat, ...] = ("json", "sarif", "github")

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"

# File suffixes a model file may have. A report source without one is a Python target
# (`package.module:attribute`), which must not be turned into a file URI.
_MODEL_FILE_SUFFIXES = frozenset({".yaml", ".yml", ".json", ".toml", ".py"})

_SARIF_LEVEL: dict[Severity, str] = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "note",
}
_GITHUB_COMMAND: dict[Severity, str] = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "notice",
}


@record
class LoadFailure:
    """A target whose model could not be loaded, with the source it was loaded from."""

    source: str
    error: ModelLoadError

    def as_report(self) -> CheckReport:
        """The load diagnostics as a report with no patterns, so every format can render it."""
        return CheckReport(source=self.source, diagnostics=self.error.diagnostics)


Outcome = CheckReport | LoadFailure


def rule_help_uri(anchor: str) -> str | None:
    """A web address of a code's documentation for this version, or None.

    Only an absolute https URL that the installed package's metadata names, under the label
    `Rules` (`[project.urls]` in pyproject.toml), and that holds this version, so that it
    documents the rules this release checks; never a repository path, which a pip user does
    not have. `tablemodel explain CODE` prints the same documentation with any install.
    """
    base = _rules_url()
    return f"{base}#{anchor}" if base else None


@functools.cache
def _rules_url() -> str | None:
    from importlib import metadata  # noqa: PLC0415  (only SARIF and explain ask)

    try:
        entries = metadata.metadata("tablemodel").get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        return None
    for entry in entries:
        label, _, url = (part.strip() for part in str(entry).partition(","))
        versioned = tablemodel.__version__ in url
        if label.lower() == "rules" and url.startswith("https://") and versioned:
            return url.partition("#")[0]
    return None


def rule_documentation(info: codes.CodeInfo, *, markdown: bool = False) -> str:
    """A code's whole documentation, as `tablemodel explain` and docs/rules.md give it."""
    parts = [info.summary]
    if info.why:
        parts.append(f"**Why:** {info.why}" if markdown else f"Why: {info.why}")
    for label, example in (("Bad", info.bad), ("Good", info.good)):
        if not example:
            continue
        if markdown:
            parts.append(f"{label}:\n\n```yaml\n{example}\n```")
        else:
            indented = "\n".join(f"    {line}" if line else "" for line in example.splitlines())
            parts.append(f"{label}:\n{indented}")
    command = f"tablemodel explain {info.code}"
    parts.append(f"`{command}` prints this page." if markdown else f"{command} prints this page.")
    return "\n\n".join(parts)


def render(outcomes: Sequence[Outcome], fmt: MachineFormat) -> str:
    """Render the results of checking one or more targets as one document.

    JSON is one object for one target and an array of objects for several. SARIF is one run
    holding every target's results: since June 2025 GitHub code scanning rejects uploads with
    several runs of one tool and category. GitHub annotations are one line per diagnostic.
    """
    if fmt == "json":
        docs = [_json_document(outcome) for outcome in outcomes]
        payload: Any = docs[0] if len(docs) == 1 else docs
        return json.dumps(payload, indent=2, sort_keys=True) + "\n"
    if fmt == "sarif":
        return json.dumps(_sarif_log(outcomes), indent=2, sort_keys=True) + "\n"
    if fmt == "github":
        return "".join(_github_lines(_report_of(outcome)) for outcome in outcomes)
    msg = f"unknown output format {fmt!r}: expected one of {', '.join(MACHINE_FORMATS)}"
    raise ValueError(msg)


def render_json_with_runs(outcomes: Sequence[Outcome], runs: Sequence[RunReport | None]) -> str:
    """JSON of `check --run`: each target's report with its run under `"run"`."""
    documents = []
    for outcome, run in zip(outcomes, runs, strict=True):
        document = _json_document(outcome)
        document["run"] = None if run is None else run.to_dict()
        documents.append(document)
    payload: Any = documents[0] if len(documents) == 1 else documents
    return json.dumps(payload, indent=2, sort_keys=True) + "\n"


def render_json(report: CheckReport) -> str:
    """`report.to_dict()` plus the tool name and version, with sorted keys and indent 2."""
    return render([report], "json")


def render_sarif(report: CheckReport) -> str:
    """A SARIF 2.1.0 log with one run: the rules that occur and one result per diagnostic."""
    return render([report], "sarif")


def render_github(report: CheckReport) -> str:
    """One GitHub Actions workflow command (`::error file=...::message`) per diagnostic."""
    return render([report], "github")


def render_load_error(exc: ModelLoadError, fmt: MachineFormat, *, source: str | None = None) -> str:
    """A load failure in the same format as a check result.

    `source` is the target that was given; without it the first located file stands in.
    """
    if source is None:
        files = (d.location.file for d in exc.diagnostics if d.location.file)
        source = next(files, "<model>")
    return render([LoadFailure(source, exc)], fmt)


# ---------------------------------------------------------------------------------------------
# JSON


def _json_document(outcome: Outcome) -> dict[str, Any]:
    doc = _report_of(outcome).to_dict()
    if isinstance(outcome, LoadFailure):
        # The only difference from a finished check: readers can tell "no patterns because the
        # model is empty" from "no patterns because it never loaded".
        doc["load_error"] = True
    doc["tool"] = {"name": "tablemodel", "version": tablemodel.__version__}
    return doc


def _report_of(outcome: Outcome) -> CheckReport:
    return outcome.as_report() if isinstance(outcome, LoadFailure) else outcome


# ---------------------------------------------------------------------------------------------
# SARIF


def _sarif_log(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    reports = [_report_of(outcome) for outcome in outcomes]
    rule_ids = sorted({d.code for report in reports for d in report.diagnostics})
    rule_index = {code: index for index, code in enumerate(rule_ids)}
    results = [
        _sarif_result(d, report.source, rule_index[d.code])
        for report in reports
        for d in report.diagnostics
    ]
    driver = {
        "name": "tablemodel",
        "version": tablemodel.__version__,
        "rules": [_sarif_rule(code) for code in rule_ids],
    }
    run: dict[str, Any] = {"tool": {"driver": driver}, "results": results}
    verdicts = [
        {"source": report.source, **_verdicts(summary)}
        for report in reports
        for summary in report.patterns
    ]
    if verdicts:
        # Each pattern's one verdict, as the human and JSON reports show it; a SARIF property
        # bag, which code scanning ignores and other readers can use.
        run["properties"] = {"patternVerdicts": verdicts}
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def _verdicts(summary: PatternSummary) -> dict[str, Any]:
    out: dict[str, Any] = {"pattern": summary.name, "verdict": summary.verdict.value}
    if summary.static_verdict is not None:
        out["staticVerdict"] = summary.static_verdict.value
    if summary.run_verdict is not None:
        out["runVerdict"] = summary.run_verdict
    return out


def _sarif_rule(code: str) -> dict[str, Any]:
    info = codes.get(code)
    if info is None:
        # A code the registry does not know still needs a descriptor for ruleIndex to point at.
        return {"id": code}
    # The whole documentation travels inline: a reader of the log needs no repository.
    rule: dict[str, Any] = {
        "id": info.code,
        "name": info.name,
        "shortDescription": {"text": info.summary},
        "fullDescription": {
            "text": f"{info.summary} Why: {info.why}" if info.why else info.summary
        },
        "help": {
            "text": rule_documentation(info),
            "markdown": rule_documentation(info, markdown=True),
        },
        "defaultConfiguration": {"level": _SARIF_LEVEL[info.severity]},
        "properties": {"family": info.family, "tags": [info.family]},
    }
    uri = rule_help_uri(info.anchor)
    if uri is not None:
        rule["helpUri"] = uri
    return rule


def _sarif_result(d: Diagnostic, source: str, rule_index: int) -> dict[str, Any]:
    location: dict[str, Any] = {}
    file = _file_of(d, source)
    if file is not None:
        physical: dict[str, Any] = {"artifactLocation": {"uri": _artifact_uri(file)}}
        if d.location.line is not None:
            region = {"startLine": d.location.line}
            if d.location.column is not None:
                region["startColumn"] = d.location.column
            physical["region"] = region
        location["physicalLocation"] = physical
    if d.location.path:
        location["logicalLocations"] = [{"fullyQualifiedName": d.location.dotted_path}]
    return {
        "ruleId": d.code,
        "ruleIndex": rule_index,
        "level": _SARIF_LEVEL[d.severity],
        "message": {"text": _full_message(d)},
        "locations": [location] if location else [],
    }


def _artifact_uri(file: str) -> str:
    # SARIF wants a URI reference: forward slashes, reserved characters escaped. Relative paths
    # stay relative so code scanning resolves them against the repository root.
    path = PurePath(file)
    if path.is_absolute():
        return path.as_uri()
    return quote(path.as_posix(), safe="/")


# ---------------------------------------------------------------------------------------------
# GitHub workflow commands


def _github_lines(report: CheckReport) -> str:
    out = []
    for d in report.diagnostics:
        properties = []
        file = _file_of(d, report.source)
        if file is not None:
            properties.append(("file", file))
            if d.location.line is not None:
                properties.append(("line", str(d.location.line)))
                if d.location.column is not None:
                    properties.append(("col", str(d.location.column)))
        properties.append(("title", _title(d.code)))
        props = ",".join(f"{key}={_escape_property(value)}" for key, value in properties)
        message = _full_message(d)
        if codes.get(d.code) is not None:
            message += f"\nmore: tablemodel explain {d.code}"
        out.append(f"::{_GITHUB_COMMAND[d.severity]} {props}::{_escape_data(message)}\n")
    return "".join(out)


def _title(code: str) -> str:
    info = codes.get(code)
    return f"{code} {info.name}" if info is not None else code


def _escape_data(text: str) -> str:
    # The escaping @actions/core applies (toCommandValue / escapeData).
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


# ---------------------------------------------------------------------------------------------
# Shared


def _file_of(d: Diagnostic, source: str) -> str | None:
    # A `module:attribute` target is not a file GitHub can annotate: leave `file=` out.
    for candidate in (d.location.file, source):
        if candidate and PurePath(candidate).suffix.lower() in _MODEL_FILE_SUFFIXES:
            return candidate
    return None


def _full_message(d: Diagnostic) -> str:
    labelled = (("found", d.found), ("expected", d.expected), ("hint", d.hint))
    return "\n".join([d.message, *(f"{k}: {v}" for k, v in labelled if v is not None)])
