"""`tablemodel docs`: the committed example doc stays in step, output is deterministic and
self-contained, the static doc loads no SDK, and what a model says is escaped, never markup."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from tablemodel.api import check_model, design_of, load
from tablemodel.cli.main import cli
from tablemodel.docs import FILE_NAMES, build_doc, document, render_html, render_markdown
from tablemodel.docs.markdown import mermaid_layout

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "docs" / "examples" / "alleycat"


def _files(target: str, **kwargs: object) -> dict[str, str]:
    loaded = load(target)
    return document(design_of(loaded), check_model(loaded), **kwargs)  # type: ignore[arg-type]


def test_the_committed_alleycat_doc_is_what_the_model_gives(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(ROOT)  # the doc names its source as given on the command line
    files = _files("examples/alleycat")
    for name, text in files.items():
        written = (COMMITTED / name).read_text(encoding="utf-8")
        assert written == text, (
            f"docs/examples/alleycat/{name} is stale: run "
            "`tablemodel docs examples/alleycat -o docs/examples/alleycat`"
        )


def test_output_is_deterministic(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    assert _files("examples/alleycat") == _files("examples/alleycat")
    assert _files("examples/alleycat/hour_race.yaml") == _files("examples/alleycat/hour_race.yaml")


def test_the_markdown_holds_every_part_and_a_mermaid_diagram_per_drawing() -> None:
    loaded = load(ROOT / "examples" / "alleycat")
    doc = build_doc(design_of(loaded), check_model(loaded))
    text = render_markdown(doc)
    headings = re.findall(r"^## (.+)$", text, flags=re.MULTILINE)
    assert headings == [
        "Overview",
        "Entity chart",
        "Access-pattern chart",
        "Diagrams",
        "Index views of sample data",
        "Capacity and item sizes",
        "Findings",
    ]
    blocks = re.findall(r"```mermaid\n(.*?)```", text, flags=re.DOTALL)
    assert len(blocks) == 1 + len(doc.layouts)
    assert blocks[0].startswith("erDiagram\n")
    assert all(block.startswith("flowchart LR\n") for block in blocks[1:])
    # Every entity row and every pattern row is in its chart.
    for entity in doc.entities:
        assert f"| **{entity.name}** | `" in text
    for pattern in doc.patterns:
        assert f"| **{pattern.name}** |" in text
    # One index view per index, table first.
    assert [v.index for v in doc.views] == list(design_of(loaded).indexes)


def test_the_key_layout_groups_entities_that_share_a_partition_template() -> None:
    loaded = load(ROOT / "examples" / "alleycat")
    doc = build_doc(design_of(loaded), check_model(loaded))
    table = doc.layouts[0]
    assert [(p.template, [leaf.entity for leaf in p.leaves]) for p in table.partitions] == [
        ("racer-{racer_id}", ["Racer", "RacerRace"]),
        ("race-{race_id}", ["RaceResult"]),
        ("class-{class_id}", ["ClassRace", "ClassBest"]),
    ]
    assert mermaid_layout(table)[:4] == [
        "flowchart LR",
        '  I["table: PK / SK"]',
        '  P0["PK = racer-{racer_id}"]',
        "  I --> P0",
    ]


def test_index_views_group_by_partition_in_query_order_and_show_only_what_is_projected() -> None:
    loaded = load(ROOT / "examples" / "alleycat")
    doc = build_doc(design_of(loaded), check_model(loaded))
    gsi = next(v for v in doc.views if v.index == "GSI_SK_Numeric")
    projected = {"PK", "SK", "Numeric", "entity_type", "racer_id", "race_id", "class_id", "output"}
    for partition in gsi.partitions:
        numbers = [float(item.sort_key) for item in partition.items]
        assert numbers == sorted(numbers)  # an N sort key orders by value
        for item in partition.items:
            assert {name for name, _ in item.attributes} <= projected
            assert "results" not in dict(item.attributes)  # not projected by the GSI
    table = doc.views[0]
    assert table.items_total == sum(e.sample_items for e in doc.estimates) > 0  # every item
    mixed = [p for p in table.partitions if len({i.entity for i in p.items}) > 1]
    assert mixed, "the partitions that mix entity types come first"


def test_the_html_page_is_self_contained() -> None:
    text = _files(str(ROOT / "examples" / "alleycat"), formats=("html",))["design.html"]
    assert "<script" not in text
    assert "<link" not in text
    assert not re.search(r"\s(src|href)=\"(?!#)", text), "only in-page links"
    assert re.findall(r"https?://[^\"' ]+", text) == ["http://www.w3.org/2000/svg"] * text.count(
        "<svg"
    )
    assert "default-src 'none'" in text


def test_text_from_the_model_is_escaped(tmp_path: Path) -> None:
    data = yaml.safe_load((ROOT / "examples" / "alleycat" / "tablemodel.yaml").read_text())
    data["description"] = "<script>alert(1)</script> | pipes"
    data["entities"]["Racer"]["description"] = "a <b>bold</b> | racer"
    model = tmp_path / "escaped.yaml"
    model.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    loaded = load(model)
    doc = build_doc(design_of(loaded), check_model(loaded))
    page = render_html(doc)
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "a &lt;b&gt;bold&lt;/b&gt; | racer" in page
    markdown = render_markdown(doc)
    assert "| **Racer** | a &lt;b&gt;bold&lt;/b&gt; \\| racer |" in markdown


def test_a_static_doc_loads_no_sdk_or_engine() -> None:
    forbidden = ["boto3", "botocore", "moto", "pynamodb", "rich", "click"]
    code = (
        "import sys\n"
        "from tablemodel.api import check_model, design_of, load\n"
        "from tablemodel.docs import document\n"
        "loaded = load('examples/alleycat')\n"
        "document(design_of(loaded), check_model(loaded))\n"
        f"print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in {forbidden!r})))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == ""


def test_cli_writes_the_formats_asked_and_checks_staleness(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    runner = CliRunner()
    out = tmp_path / "doc"
    done = runner.invoke(cli, ["docs", "examples/alleycat", "-o", str(out), "--format", "md"])
    assert done.exit_code == 0, done.output
    assert sorted(p.name for p in out.iterdir()) == ["design.md"]
    done = runner.invoke(cli, ["docs", "examples/alleycat", "-o", str(out), "--check"])
    assert done.exit_code == 1
    assert f"{out / FILE_NAMES['html']} is out of date" in done.output
    done = runner.invoke(cli, ["docs", "examples/alleycat", "-o", str(out)])
    assert done.exit_code == 0
    assert (
        runner.invoke(cli, ["docs", "examples/alleycat", "-o", str(out), "--check"]).exit_code == 0
    )
    (out / "design.md").write_text("edited by hand\n", encoding="utf-8")
    assert (
        runner.invoke(cli, ["docs", "examples/alleycat", "-o", str(out), "--check"]).exit_code == 1
    )


def test_cli_reports_a_model_that_does_not_load(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("table: {name: x}\n", encoding="utf-8")
    done = CliRunner().invoke(cli, ["docs", str(bad), "-o", str(tmp_path / "out")])
    assert done.exit_code == 2
    assert "TM007" in done.output
    assert not (tmp_path / "out").exists()


@pytest.mark.engine
def test_docs_run_fills_the_run_column(tmp_path: Path, aws_credentials: None) -> None:
    done = CliRunner().invoke(
        cli, ["docs", str(ROOT / "examples" / "alleycat"), "-o", str(tmp_path), "--run"]
    )
    assert done.exit_code == 0, done.output
    text = (tmp_path / "design.md").read_text(encoding="utf-8")
    assert re.search(r"a run on moto \(\d+ sample items\) together", text)
    rows = [line for line in text.splitlines() if line.startswith("| **") and "✅" in line]
    assert len(rows) == 8
    assert all("| pass |" in row and "(run: mean of" in row for row in rows)


def test_mermaid_labels_escape_what_mermaid_reads_as_markup() -> None:
    """In a flowchart label `#` starts an entity code; the hour race's keys hold `#`."""
    loaded = load(ROOT / "examples" / "alleycat" / "hour_race.yaml")
    doc = build_doc(design_of(loaded), check_model(loaded))
    lines = mermaid_layout(doc.layouts[0])
    assert '  P0L0(["RaceResult: SK = result#35;{racer_id}"])' in lines
    assert not any("#" in line.replace("#35;", "") for line in lines)
