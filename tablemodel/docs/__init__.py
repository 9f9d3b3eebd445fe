"""Design docs from the model: Markdown that GitHub renders, and one self-contained HTML page.

`build_doc` gathers what the doc says (`content`); `render_markdown` and `render_html` lay it
out; `document` does both and names the files. The patterns are run only when the caller
passes a run report (`tablemodel docs --run`); otherwise the doc shows static verdicts and
says so. Nothing here imports an SDK or an engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from tablemodel.design import Design
from tablemodel.docs.content import DesignDoc, build_doc
from tablemodel.docs.html import render_html
from tablemodel.docs.markdown import render_markdown
from tablemodel.results.check_report import CheckReport
from tablemodel.results.run_report import RunReport

__all__ = [
    "FILE_NAMES",
    "DesignDoc",
    "DocFormat",
    "build_doc",
    "document",
    "render_html",
    "render_markdown",
]

DocFormat = Literal["md", "html"]
FILE_NAMES: dict[DocFormat, str] = {"md": "design.md", "html": "design.html"}


def document(
    design: Design,
    report: CheckReport,
    run: RunReport | None = None,
    *,
    formats: Sequence[DocFormat] = ("md", "html"),
    hostile: bool = False,
) -> dict[str, str]:
    """The design doc in each of `formats`: file name -> text."""
    doc = build_doc(design, report, run, hostile=hostile)
    renderers = {"md": render_markdown, "html": render_html}
    return {FILE_NAMES[f]: renderers[f](doc) for f in dict.fromkeys(formats)}
