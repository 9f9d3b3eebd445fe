"""What the click commands share: writing their output (atomically where it replaces a
file), the exits for a model that does not load or is refused, and check --run's engine
handling. Heavy modules are imported inside the functions, as in the commands."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

if TYPE_CHECKING:
    from rich.console import RenderableType

    from tablemodel.diagnostics import Diagnostic, ModelLoadError
    from tablemodel.results.check_report import CheckReport
    from tablemodel.results.run_report import RunReport


class ExitTwo(click.ClickException):
    """A failure that is not the model's fault (an unwritable --output): exit 2, not 1."""

    exit_code = 2


def write_atomically(text: str, output: Path) -> None:
    """Replace `output` in one step, so an interrupted write never leaves half a file."""
    temporary = output.with_name(f".{output.name}.tmp-{os.getpid()}")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, output)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        msg = f"cannot write {output}: {exc.strerror or exc}"
        raise ExitTwo(msg) from exc


def write_text(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        msg = f"cannot write {output}: {exc.strerror or exc}"
        raise ExitTwo(msg) from exc


def load_failed(ctx: click.Context, model: str, exc: ModelLoadError) -> NoReturn:
    """The model did not load: its located errors, exit 2."""
    from tablemodel.cli.human import outcome_view  # noqa: PLC0415
    from tablemodel.results.formats import LoadFailure  # noqa: PLC0415

    write_human([outcome_view(LoadFailure(model, exc))], None)
    ctx.exit(2)


def refused(ctx: click.Context, diagnostics: Sequence[Diagnostic]) -> NoReturn:
    """A command refused the model (generate, export, docs): its findings, exit 1."""
    from tablemodel.cli.human import diagnostic_view  # noqa: PLC0415

    write_human([diagnostic_view(d) for d in diagnostics], None)
    ctx.exit(1)


def write_human(renderables: Sequence[RenderableType], output: Path | None) -> None:
    from tablemodel.cli.human import print_renderables  # noqa: PLC0415

    if output is None:
        print_renderables(sys.stdout, renderables)
        return
    try:
        with output.open("w", encoding="utf-8") as file:
            print_renderables(file, renderables)
    except OSError as exc:
        msg = f"cannot write {output}: {exc.strerror or exc}"
        raise ExitTwo(msg) from exc


def check_and_run_command(
    path: str,
    *,
    fmt: str,
    engine: str,
    endpoint_url: str | None,
    allow_aws: bool,
    region: str | None,
    seed: int | None,
    page_size: int,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
) -> tuple[CheckReport, RunReport | None]:
    """The static check and the run; an engine fault is one line and exit code 2."""
    from tablemodel.engines.session import EngineFault  # noqa: PLC0415
    from tablemodel.run.check import check_and_run  # noqa: PLC0415
    from tablemodel.run.runner import RunOptions  # noqa: PLC0415
    from tablemodel.run.sample import SampleError  # noqa: PLC0415

    def run(progress: Any = None) -> tuple[CheckReport, RunReport | None]:
        options = RunOptions(
            engine=engine,
            endpoint_url=endpoint_url,
            allow_aws=allow_aws,
            region=region,
            seed=seed,
            page_size=page_size,
            progress=progress,
        )
        return check_and_run(path, options, select=select, ignore=ignore)

    try:
        if fmt.lower() == "human" and sys.stderr.isatty():
            from tablemodel.cli.human import progress_bar  # noqa: PLC0415

            with progress_bar(sys.stderr) as progress:
                return run(progress)
        return run()
    except EngineFault as fault:
        raise ExitTwo(f"engine: {fault}") from None
    except SampleError as err:
        raise ExitTwo(f"sample data: {err}") from None


def check_reach_command(engine: str, endpoint_url: str | None, allow_aws: bool) -> None:
    """Refuse, in one line and with exit code 2, an endpoint that may be real AWS."""
    from tablemodel.engines.session import EngineFault, check_reach  # noqa: PLC0415

    try:
        check_reach(engine, endpoint_url=endpoint_url, allow_aws=allow_aws)
    except EngineFault as fault:
        raise ExitTwo(f"engine: {fault}") from None
