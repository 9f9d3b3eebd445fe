"""Terminal renderings of check reports, load errors and code documentation.

Everything here is a rich renderable; the caller's console decides width, colour and where
the text goes. Text that comes from a model or a diagnostic is always wrapped in `Text`, never
passed as a string, so a message such as "expected [a-z]" is not read as rich markup.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, TextIO

from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from tablemodel.diagnostics import Diagnostic, Location, ModelLoadError, Severity, Snippet, codes
from tablemodel.diagnostics.codes import FAMILIES, CodeInfo
from tablemodel.results.check_report import CheckReport, Verdict
from tablemodel.results.formats import LoadFailure, Outcome, rule_help_uri

if TYPE_CHECKING:  # types only: a static check loads neither rich.progress nor the run report
    from rich.progress import TaskID

    from tablemodel.results.run_report import CallResult, ItemView, RunReport

__all__ = [
    "CI_WIDTH",
    "CodeDocView",
    "LoadErrorView",
    "ReportView",
    "RunView",
    "diagnostic_view",
    "difference_table",
    "make_console",
    "outcome_view",
    "print_renderables",
    "progress_bar",
    "rules_table",
    "strip_padding",
]

# Width used when output is not a terminal: CI logs are read in wide browser panes, and rich's
# fallback of 80 columns folds most located messages.
CI_WIDTH = 120

SEVERITY_STYLE: dict[Severity, str] = {
    Severity.ERROR: "bold red",
    Severity.WARNING: "yellow",
    Severity.INFO: "cyan",
}
VERDICT_STYLE: dict[Verdict, str] = {
    Verdict.PROVEN: "green",
    Verdict.RUN_ONLY: "yellow",
    Verdict.VERIFIED_BY_RUN: "green",
    Verdict.WARNINGS: "yellow",
    Verdict.FAILS: "bold red",
}


def make_console(file: TextIO) -> Console:
    """A console for CLI output: terminal width on a tty, `CI_WIDTH` columns otherwise.

    rich itself honours `NO_COLOR`, `FORCE_COLOR` and `COLUMNS`; an explicit `COLUMNS` wins over
    `CI_WIDTH` because whoever set it knows the reader's window.
    """
    interactive = file.isatty()
    width = None if interactive or os.environ.get("COLUMNS") else CI_WIDTH
    # markup, emoji and highlighting are off so that any string rendered here appears verbatim.
    return Console(file=file, width=width, markup=False, emoji=False, highlight=False)


def print_renderables(file: TextIO, renderables: Sequence[RenderableType]) -> None:
    """Print `renderables` to `file`, one blank line between them.

    On a terminal exactly as rich lays them out. Anywhere else (a file, a pipe, a CI log)
    without the blanks rich pads lines with to the console's width, so that no line ends in
    a space (colour codes, when forced, are kept).
    """
    console = make_console(file)
    interactive = file.isatty()
    with contextlib.nullcontext() if interactive else console.capture() as capture:
        for index, renderable in enumerate(renderables):
            if index:
                console.print()
            console.print(renderable)
    if capture is not None:
        file.write(strip_padding(capture.get()))
        file.flush()


# Blanks at the end of a line, possibly among the style codes that close it.
_PADDING = re.compile(r"(?:[ \t]|\x1b\[[0-9;]*m)+$", re.MULTILINE)


def strip_padding(text: str) -> str:
    """`text` without blanks at the ends of its lines; style codes there are kept."""
    return _PADDING.sub(lambda m: m.group().replace(" ", "").replace("\t", ""), text)


# ---------------------------------------------------------------------------------------------
# Diagnostics


def diagnostic_view(d: Diagnostic) -> RenderableType:
    """`CODE severity  location`, then the message and its found/expected/example/hint lines."""
    head = Text.assemble((d.code, "bold"), " ", (d.severity.value, SEVERITY_STYLE[d.severity]))
    where = _where(d.location)
    if where:
        head.append("  ")
        head.append(where, style="blue")
    details = Table.grid(padding=(0, 1))
    details.add_column(style="dim", no_wrap=True)
    details.add_column(overflow="fold")
    for label, value in (
        ("found:", d.found),
        ("expected:", d.expected),
        ("example:", d.example),
        ("hint:", d.hint),
    ):
        if value is not None:
            details.add_row(Text(label), Text(value))
    body: list[RenderableType] = [Text(d.message)]
    if d.location.snippet is not None:
        body.append(_snippet_view(d.location, d.location.snippet))
    if details.row_count:
        body.append(details)
    return Group(head, _indented(Group(*body)))


def _snippet_view(location: Location, snippet: Snippet) -> Text:
    """The source line with a caret under the column, as Python and ruff show them."""
    gutter = str(location.line or "")
    pad = cell_len(snippet.text[: snippet.column - 1])  # wide characters take two cells
    view = Text(no_wrap=True, overflow="ellipsis")
    view.append(f"{gutter} | ", style="dim")
    view.append(snippet.text)
    view.append(f"\n{' ' * len(gutter)} | {' ' * pad}", style="dim")
    view.append("^", style="bold red")
    return view


def _where(location: Location) -> str:
    # Location's own str() says `<model>` when there is no file; in a report that names its
    # source in the header, the model path alone is clearer.
    if location.file is None and location.line is None:
        return location.dotted_path if location.path else ""
    return str(location)


def _counts(diagnostics: Sequence[Diagnostic]) -> str:
    by_severity = {s: sum(1 for d in diagnostics if d.severity is s) for s in Severity}
    words = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
    return ", ".join(_count(by_severity[s], words[s]) for s in Severity if by_severity[s])


def _count(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count} {singular if count == 1 else plural or singular + 's'}"


def _total_style(diagnostics: Sequence[Diagnostic]) -> str:
    severities = {d.severity for d in diagnostics}
    if Severity.ERROR in severities:
        return "bold red"
    return "bold yellow" if Severity.WARNING in severities else "bold green"


# ---------------------------------------------------------------------------------------------
# Check report


class ReportView:
    """A whole check report: findings by entity, then by access pattern, then a summary."""

    # The views are plain classes, not dataclasses: a dataclass compiles its generated methods
    # when its module is imported, which every `tablemodel check` would pay for.
    __slots__ = ("report",)

    def __init__(self, report: CheckReport) -> None:
        self.report = report

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        report = self.report
        yield Text.assemble(("tablemodel check ", "bold"), (report.source, "bold blue"))
        entities = _count(len(report.entities), "entity", "entities")
        yield Text(f"{entities}, {_count(len(report.patterns), 'access pattern')}", style="dim")

        general = report.general()
        if general:
            yield Text()
            yield Text("Table and entities", style="bold underline")
            yield _stack(
                Group(
                    Text(f"Entity {entity}" if entity else "Table and model", style="bold"),
                    _indented(_stack(diagnostic_view(d) for d in diagnostics)),
                )
                for entity, diagnostics in self._by_entity(general)
            )

        sections = self._pattern_sections()
        if sections:
            yield Text()
            yield Text("Access patterns", style="bold underline")
            yield _stack(sections)

        if report.patterns:
            yield Text()
            yield self._summary_table()
        yield Text()
        yield self._total()
        yield from _read_more(report.diagnostics)

    def _by_entity(
        self, diagnostics: Sequence[Diagnostic]
    ) -> list[tuple[str | None, list[Diagnostic]]]:
        groups: dict[str | None, list[Diagnostic]] = {}
        for d in diagnostics:
            groups.setdefault(d.entity, []).append(d)
        # Table-wide findings first, then entities in model order, then any the report does
        # not list (an entity named in a diagnostic but missing from the model, say).
        order = {name: i for i, name in enumerate(self.report.entities)}
        return sorted(
            groups.items(),
            key=lambda item: (
                item[0] is not None,
                order.get(item[0] or "", len(order)),
                item[0] or "",
            ),
        )

    def _pattern_sections(self) -> list[RenderableType]:
        report = self.report
        sections: list[RenderableType] = []
        listed = [p.name for p in report.patterns]
        descriptions = {p.name: p.description for p in report.patterns}
        # A diagnostic may name a pattern that never made it into the summary (one that failed
        # to resolve); it still gets a section so that no finding is dropped.
        unlisted = sorted(
            {d.pattern for d in report.diagnostics if d.pattern and d.pattern not in descriptions}
        )
        for name in [*listed, *unlisted]:
            title = Text(name, style="bold")
            if descriptions.get(name):
                title.append(f"  {descriptions[name]}", style="dim")
            # The verdict's reasons repeat these diagnostics, so they are left to the JSON.
            body: list[RenderableType] = [diagnostic_view(d) for d in report.for_pattern(name)]
            if not body:
                body.append(Text("No findings.", style="dim"))
            sections.append(Group(title, _indented(_stack(body))))
        return sections

    def _summary_table(self) -> Table:
        table = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False, show_edge=False)
        table.add_column("Pattern", no_wrap=True)
        table.add_column("Index", no_wrap=True)
        table.add_column("Key condition", overflow="fold")
        table.add_column("Returns", overflow="fold")
        table.add_column("Verdict", no_wrap=True)
        for p in self.report.patterns:
            table.add_row(
                Text(p.name),
                Text(p.index),
                Text(p.key_condition),
                Text(", ".join(p.returns)),
                Text(p.verdict.value, style=VERDICT_STYLE[p.verdict]),
            )
        return table

    def _total(self) -> Text:
        report = self.report
        scope = _count(len(report.patterns), "pattern")
        counted = _counts([d for d in report.diagnostics if d.severity is not Severity.INFO])
        notes = _counts([d for d in report.diagnostics if d.severity is Severity.INFO])
        line = f"{counted} in {scope}" if counted else f"No problems found in {scope}"
        if notes:
            line += f" ({notes})"
        return Text(line, style=_total_style(report.diagnostics))


def _read_more(diagnostics: Sequence[Diagnostic]) -> Iterator[Text]:
    """Where the codes above are documented: the installed command, not a repository path."""
    documented = sorted(
        {d.code for d in diagnostics if d.severity is not Severity.INFO and codes.get(d.code)}
    )
    if len(documented) == 1:
        yield Text(f"More on this code: tablemodel explain {documented[0]}")
    elif documented:
        yield Text(f"More on each code: tablemodel explain CODE ({', '.join(documented)})")


def _indented(renderable: RenderableType) -> Padding:
    # expand=False: padding to the full width would leave every line with trailing blanks.
    return Padding(renderable, (0, 0, 0, 2), expand=False)


def _stack(renderables: Iterable[RenderableType]) -> Group:
    """Renderables separated by one blank line."""
    out: list[RenderableType] = []
    for renderable in renderables:
        if out:
            out.append(Text())
        out.append(renderable)
    return Group(*out)


# ---------------------------------------------------------------------------------------------
# Load errors


class LoadErrorView:
    """Every problem that stopped a model from loading, each located."""

    __slots__ = ("error", "source")

    def __init__(self, source: str, error: ModelLoadError) -> None:
        self.source = source
        self.error = error

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        diagnostics = self.error.diagnostics
        yield Text.assemble(("tablemodel check ", "bold"), (self.source, "bold blue"))
        yield Text("The model could not be loaded.", style="bold red")
        yield Text()
        yield _stack(diagnostic_view(d) for d in diagnostics)
        yield Text()
        counted = _counts(diagnostics) or "0 errors"
        yield Text(f"{counted} while loading; nothing was checked", style="bold red")
        yield from _read_more(diagnostics)


def outcome_view(outcome: Outcome) -> RenderableType:
    """The view of one checked target: its report, or why it could not be loaded."""
    if isinstance(outcome, LoadFailure):
        return LoadErrorView(outcome.source, outcome.error)
    return ReportView(outcome)


# ---------------------------------------------------------------------------------------------
# Engine run


RUN_STYLE = {"pass": "green", "fail": "bold red", "not run": "yellow", "skipped": "yellow"}


class RunView:
    """`check --run`: per pattern, the static verdict, the run's, and the one verdict of both."""

    __slots__ = ("run",)

    def __init__(self, run: RunReport) -> None:
        self.run = run

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        run = self.run
        loaded = ", ".join(f"{n} {e}" for e, n in run.entities_loaded.items())
        yield Text.assemble(
            ("Run on ", "bold"),
            (run.engine, "bold blue"),
            (f"  table {run.table_name}", "dim"),
        )
        yield Text(
            f"{run.items_loaded} sample items loaded in {run.load_seconds:.2f} s ({loaded})",
            style="dim",
        )
        for note in run.notes:
            yield Text(f"note: {note}", style="yellow")
        yield Text()
        yield self._table()
        for pattern in run.failures:
            call = pattern.first_failure
            if call is None or (not call.missing and not call.unexpected):
                continue
            yield Text()
            yield Text.assemble((pattern.name, "bold"), ("  first failing call", "dim"))
            yield _indented(difference_table(call, scan=pattern.scan))
        for pattern in run.patterns:
            if pattern.skipped is not None:
                yield Text()
                yield Text.assemble((pattern.name, "bold"), (f"  skipped: {pattern.skipped}", ""))
        for pattern in run.patterns:
            if pattern.nothing_expected is not None:
                yield Text()
                yield Text.assemble(
                    (pattern.name, "bold"),
                    (f"  every call expected no item: {pattern.nothing_expected}", "yellow"),
                )
        yield Text()
        failed = len(run.failures)
        skipped = sum(1 for p in run.patterns if p.skipped is not None)
        empty = sum(1 for p in run.patterns if p.nothing_expected is not None)
        ran = _count(len(run.patterns) - skipped, "pattern")
        total = _count(len(run.patterns), "pattern")
        nothing = f"; {empty} only ran calls that expected nothing" if empty else ""
        if failed:
            yield Text(f"{failed} of {total} failed on {run.engine}{nothing}", style="bold red")
        elif skipped or empty:
            skips = f"; {skipped} skipped on {run.engine}" if skipped else ""
            yield Text(
                f"{ran} returned what their intent says{skips}{nothing}", style="bold yellow"
            )
        else:
            wrote = " (writes as declared)" if any(p.write for p in run.patterns) else ""
            yield Text(f"All {total} returned what their intent says{wrote}", style="bold green")

    def _table(self) -> Table:
        table = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False, show_edge=False)
        for name, justify in (
            ("Pattern", "left"),
            ("Static", "left"),
            ("Run", "left"),
            ("Verdict", "left"),
            ("Calls", "right"),
            ("Expected", "right"),
            ("Returned", "right"),
            ("Pages", "right"),
            ("Read", "right"),
            ("RCU/call", "right"),
            ("ms/call", "right"),
        ):
            table.add_column(name, justify=justify, no_wrap=True)  # type: ignore[arg-type]
        for pattern in self.run.patterns:
            calls = pattern.calls
            count = max(len(calls), 1)
            table.add_row(
                Text(pattern.name),
                Text(pattern.static_verdict),
                Text(pattern.verdict, style=RUN_STYLE[pattern.verdict]),
                _verdict_text(pattern.final_verdict),
                Text(str(len(calls))),
                Text(str(sum(c.expected_count for c in calls))),
                Text(str(sum(c.actual_count for c in calls))),
                Text(str(sum(c.pages for c in calls))),
                Text(str(sum(c.items_read for c in calls))),
                Text(f"{sum(c.read_units for c in calls) / count:.1f}"),
                Text(f"{sum(c.seconds for c in calls) / count * 1000:.1f}"),
            )
        return table


def _verdict_text(verdict: str | None) -> Text:
    """The one verdict (docs/run.md), styled as in the check's summary; `-` before a merge."""
    if verdict is None:
        return Text("-", style="dim")
    try:
        return Text(verdict, style=VERDICT_STYLE[Verdict(verdict)])
    except ValueError:
        return Text(verdict)


def difference_table(call: CallResult, *, scan: bool = False) -> Table:
    """The first failing call's missing and unexpected items, side by side. Unexpected items
    came in through the key condition, or, for a scan, by reading the table or index whole."""
    args = ", ".join(f"{k}={v!r}" for k, v in call.parameters.items())
    table = Table(
        box=box.SIMPLE_HEAD,
        header_style="bold",
        pad_edge=False,
        show_edge=False,
        title=Text(f"({args}): expected {call.expected_count}, returned {call.actual_count}"),
        title_justify="left",
    )
    table.add_column("Missing (the intent selects them)", overflow="fold")
    came_in = "the scan read them" if scan else "the key condition brought them in"
    table.add_column(f"Unexpected ({came_in})", overflow="fold")
    rows = max(len(call.missing), len(call.unexpected))
    for i in range(min(rows, 5)):
        table.add_row(
            _item_text(call.missing[i]) if i < len(call.missing) else Text(),
            _item_text(call.unexpected[i]) if i < len(call.unexpected) else Text(),
        )
    if rows > 5:
        table.add_row(
            Text(f"... {len(call.missing)} in all"), Text(f"... {len(call.unexpected)} in all")
        )
    return table


def _item_text(view: ItemView) -> Text:
    text = Text(view.label())
    if view.index_key is None:
        text.append("  (not in the index)", style="dim")
    elif view.index_key != dict(view.key):
        key = ", ".join(f'{k}="{v}"' for k, v in view.index_key.items())
        text.append(f"  index key {key}", style="dim")
    return text


@contextlib.contextmanager
def progress_bar(file: TextIO) -> Iterator[Callable[[str, int, int], None]]:
    """A progress bar on `file` while sample items load and patterns run."""
    from rich.progress import Progress  # noqa: PLC0415

    console = Console(file=file, markup=False, emoji=False, highlight=False)
    with Progress(console=console, transient=True) as progress:
        tasks: dict[str, TaskID] = {}
        labels = {"load": "loading sample items", "patterns": "running access patterns"}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(labels.get(stage, stage), total=total)
            progress.update(tasks[stage], completed=done, total=total)

        yield update


# ---------------------------------------------------------------------------------------------
# Code documentation


class CodeDocView:
    """`tablemodel explain CODE`: what the code means, why it matters, and bad/good examples."""

    __slots__ = ("info",)

    def __init__(self, info: CodeInfo) -> None:
        self.info = info

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        info = self.info
        yield Text.assemble((info.code, "bold"), "  ", (info.name, "bold"))
        meta = Table.grid(padding=(0, 1))
        meta.add_column(style="dim", no_wrap=True)
        meta.add_column(overflow="fold")
        meta.add_row(Text("severity:"), Text(info.severity.value, SEVERITY_STYLE[info.severity]))
        family = FAMILIES.get(info.family, info.family)
        meta.add_row(Text("family:"), Text(f"{family} ({info.family})"))
        uri = rule_help_uri(info.anchor)
        if uri is not None:  # a versioned web page, when the package's metadata names one
            meta.add_row(Text("docs:"), Text(uri))
        yield meta
        yield Text()
        yield Text(info.summary)
        for heading, text in (("Why", info.why), ("Bad", info.bad), ("Good", info.good)):
            if not text:
                continue
            yield Text()
            yield Text(heading, style="bold underline")
            if heading == "Why":
                yield _indented(Text(text))
            else:
                yield _indented(_yaml(text))


def _yaml(code: str) -> RenderableType:
    # The ANSI theme uses the terminal's own palette, and a default background keeps the block
    # from painting a grey slab in light terminals.
    from rich.syntax import Syntax  # noqa: PLC0415  (pygments is slow to import; explain only)

    return Syntax(code, "yaml", theme="ansi_dark", background_color="default", word_wrap=True)


def rules_table(infos: Iterable[CodeInfo]) -> Table:
    """`tablemodel rules`: one row per registered code."""
    table = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False, show_edge=False)
    table.add_column("Code", no_wrap=True)
    table.add_column("Name", no_wrap=True)
    table.add_column("Severity", no_wrap=True)
    table.add_column("Family", no_wrap=True)
    table.add_column("Summary", overflow="fold")
    for info in infos:
        table.add_row(
            Text(info.code),
            Text(info.name),
            Text(info.severity.value, SEVERITY_STYLE[info.severity]),
            Text(info.family),
            Text(info.summary),
        )
    return table
