"""The `tablemodel` command: a thin click layer over `tablemodel.api` and the renderers.

Library modules, rich and the renderers are imported inside the commands, so `tablemodel
--help` and `--version` start without loading the model, rule or terminal code.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import click

import tablemodel

if TYPE_CHECKING:
    from rich.console import RenderableType

    from tablemodel.results.formats import MachineFormat, Outcome
    from tablemodel.results.run_report import RunReport

from tablemodel.cli.common import (
    ExitTwo,
    check_and_run_command,
    check_reach_command,
    load_failed,
    refused,
    write_atomically,
    write_human,
    write_text,
)
from tablemodel.cli.interchange import docs, export, import_

FORMATS = ("human", "json", "sarif", "github")

# A code (`TM401`) or a prefix of one (`TM4`, `TM40`); the library expands prefixes.
_CODE_OR_PREFIX = re.compile(r"TM\d{1,3}")


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            # Anything else is a bug in tablemodel. One line keeps CI logs readable and tells
            # the user it is not their model; TABLEMODEL_DEBUG=1 gives the traceback to report.
            if os.environ.get("TABLEMODEL_DEBUG") == "1":
                import traceback  # noqa: PLC0415

                traceback.print_exception(exc, file=sys.stderr)
            detail = " ".join(str(exc).split())
            click.echo(f"tablemodel: internal error: {type(exc).__name__}: {detail}", err=True)
            ctx.exit(2)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(
    tablemodel.__version__, prog_name="tablemodel", message="%(prog)s %(version)s"
)
def cli() -> None:
    """Check DynamoDB single-table designs and generate the code that uses them.

    Exit codes: 0 no findings, 1 errors or warnings found, 2 the model could not be loaded,
    a usage error, or an internal error.
    """


def main(argv: Sequence[str] | None = None) -> None:
    """Console entry point (`tablemodel`)."""
    cli.main(args=list(argv) if argv is not None else None, prog_name="tablemodel")


# ---------------------------------------------------------------------------------------------
# check


@cli.command()
@click.argument("paths", metavar="PATH...", nargs=-1, required=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS, case_sensitive=False),
    default="human",
    show_default=True,
    help="Output format. json gives one object per PATH (an array for several PATHs).",
)
@click.option(
    "--select",
    multiple=True,
    metavar="CODES",
    help="Only report these codes or code prefixes (TM401, TM4). Repeatable, comma-separated.",
)
@click.option(
    "--ignore",
    multiple=True,
    metavar="CODES",
    help="Do not report these codes or code prefixes. Repeatable, comma-separated.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the output to FILE instead of standard output.",
)
@click.option(
    "--run",
    "run_patterns",
    is_flag=True,
    help="Also run every access pattern on an engine and compare it with its intent.",
)
@click.option(
    "--engine",
    type=click.Choice(["moto", "dynamodb-local", "endpoint"]),
    default="moto",
    show_default=True,
    help="With --run: moto in-process, DynamoDB Local (started on 127.0.0.1), or --endpoint-url.",
)
@click.option(
    "--endpoint-url",
    metavar="URL",
    help="With --run: an engine you run yourself. Only a loopback address (127.0.0.0/8, ::1,"
    " localhost) goes without --allow-aws.",
)
@click.option(
    "--allow-aws",
    is_flag=True,
    help="With --run: allow real AWS, or an --endpoint-url that is not a loopback address (a"
    " table with a unique name is created, then deleted).",
)
@click.option(
    "--region",
    help="With --run and --endpoint-url or --allow-aws: the region (botocore's resolution, or"
    " the AWS endpoint's, without it).",
)
@click.option(
    "--seed", type=int, help="With --run: seed of the sample data (the model's by default)."
)
@click.option(
    "--page-size",
    type=click.IntRange(min=1),
    default=2,
    show_default=True,
    help="With --run: DynamoDB Limit per request, small so that every pattern pages.",
)
@click.pass_context
def check(
    ctx: click.Context,
    *,
    paths: tuple[str, ...],
    fmt: str,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    output: Path | None,
    run_patterns: bool,
    engine: str,
    endpoint_url: str | None,
    allow_aws: bool,
    region: str | None,
    seed: int | None,
    page_size: int,
) -> None:
    """Check one or more models and report every finding.

    Each PATH is a model file, a folder holding tablemodel.yaml, or package.module:attribute.
    Several PATHs (as pre-commit passes them) are checked one by one; the exit code is the
    highest of theirs.
    """
    from tablemodel.api import check as check_target  # noqa: PLC0415
    from tablemodel.diagnostics import ModelLoadError  # noqa: PLC0415
    from tablemodel.results.formats import LoadFailure, render  # noqa: PLC0415

    selected = _parse_codes(select, "--select")
    ignored = _parse_codes(ignore, "--ignore")
    if not run_patterns and (
        endpoint_url or allow_aws or engine != "moto" or seed is not None or region
    ):
        raise click.UsageError(
            "--engine, --endpoint-url, --allow-aws, --region and --seed need --run"
        )
    if run_patterns:
        check_reach_command(engine, endpoint_url, allow_aws)  # before any model is loaded or run

    outcomes: list[Outcome] = []
    runs: list[RunReport | None] = []
    exit_code = 0
    for path in paths:
        try:
            if run_patterns:
                report, run = check_and_run_command(
                    path,
                    fmt=fmt,
                    engine=engine,
                    endpoint_url=endpoint_url,
                    allow_aws=allow_aws,
                    region=region,
                    seed=seed,
                    page_size=page_size,
                    select=selected,
                    ignore=ignored,
                )
            else:
                report, run = check_target(path, select=selected, ignore=ignored), None
        except ModelLoadError as exc:
            outcomes.append(LoadFailure(path, exc))
            runs.append(None)
            exit_code = 2
        else:
            outcomes.append(report)
            runs.append(run)
            exit_code = max(exit_code, 1 if report.has_findings else 0)

    fmt = fmt.lower()
    if fmt == "human":
        from tablemodel.cli.human import RunView, outcome_view  # noqa: PLC0415

        views: list[RenderableType] = []
        for outcome, run in zip(outcomes, runs, strict=True):
            views.append(outcome_view(outcome))
            if run is not None:
                views.append(RunView(run))
        write_human(views, output)
    elif fmt == "json" and run_patterns:
        from tablemodel.results.formats import render_json_with_runs  # noqa: PLC0415

        write_text(render_json_with_runs(outcomes, runs), output)
    else:
        write_text(render(outcomes, cast("MachineFormat", fmt)), output)
    ctx.exit(exit_code)


def _parse_codes(values: Sequence[str], option: str) -> tuple[str, ...]:
    """Split repeated, comma-separated codes; reject anything that matches no known code."""
    entries = [part.strip().upper() for value in values for part in value.split(",")]
    entries = [entry for entry in entries if entry]
    if not entries:
        return ()
    from tablemodel.cli.catalogue import every_code  # noqa: PLC0415
    from tablemodel.diagnostics import did_you_mean  # noqa: PLC0415

    known = [info.code for info in every_code()]
    for entry in entries:
        # A typo here would silently select nothing and pass the check, so it is a usage error.
        if not _CODE_OR_PREFIX.fullmatch(entry):
            msg = f"{entry!r} is not a code (TM401) or a code prefix (TM4)"
            raise click.BadParameter(msg, param_hint=option)
        if not any(code.startswith(entry) for code in known):
            hint = did_you_mean(entry, known)
            msg = f"no diagnostic code matches {entry}" + (f"; {hint}" if hint else "")
            msg += " (`tablemodel rules` lists them)"
            raise click.BadParameter(msg, param_hint=option)
    return tuple(dict.fromkeys(entries))


# ---------------------------------------------------------------------------------------------
# generate


@cli.command()
@click.argument("model", metavar="MODEL")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the module to FILE (standard output without it).",
)
@click.option(
    "--check",
    "check_only",
    is_flag=True,
    help="Write nothing; exit 1 with a diff when FILE is not what MODEL generates now.",
)
@click.pass_context
def generate(ctx: click.Context, *, model: str, output: Path | None, check_only: bool) -> None:
    """Generate typed PynamoDB models and access-pattern functions from MODEL.

    Exit codes: 0 written (or up to date with --check), 1 the model cannot be generated or
    FILE is out of date, 2 the model could not be loaded or FILE could not be written.
    """
    from tablemodel.api import load  # noqa: PLC0415
    from tablemodel.diagnostics import ModelLoadError  # noqa: PLC0415
    from tablemodel.generate import GenerateError, check_source, generate_source  # noqa: PLC0415

    if check_only and output is None:
        raise click.UsageError("--check needs --output FILE: the file to compare")
    try:
        loaded = load(model)
        if check_only:
            assert output is not None
            staleness = check_source(loaded, output)
        else:
            text = generate_source(loaded, output=output)
    except ModelLoadError as exc:
        load_failed(ctx, model, exc)
    except GenerateError as exc:
        refused(ctx, exc.diagnostics)
    if check_only:
        if not staleness.exists:
            click.echo(f"{output} does not exist; run: tablemodel generate {model} -o {output}")
            ctx.exit(1)
        if staleness.diff:
            click.echo(staleness.diff, nl=False)
            click.echo(f"{output} is out of date; run: tablemodel generate {model} -o {output}")
            ctx.exit(1)
        click.echo(f"{output} is up to date with {model}")
        return
    if output is None:
        click.echo(text, nl=False)
        return
    write_atomically(text, output)
    click.echo(f"wrote {output}")


# ---------------------------------------------------------------------------------------------
# sample


@cli.command()
@click.argument("model", metavar="MODEL")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "yaml"]),
    default="jsonl",
    show_default=True,
    help="JSON Lines or YAML; either loads back as a fixture file.",
)
@click.option(
    "--seed", type=int, help="Seed of the generator (the model's sample.seed by default)."
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the items to FILE instead of standard output.",
)
@click.pass_context
def sample(
    ctx: click.Context, *, model: str, fmt: str, seed: int | None, output: Path | None
) -> None:
    """Print the sample items `check --run` loads for MODEL (generated, then fixtures)."""
    from tablemodel.api import design_of, load  # noqa: PLC0415
    from tablemodel.diagnostics import ModelLoadError  # noqa: PLC0415
    from tablemodel.run.sample import SampleError, dump_samples, generate_samples  # noqa: PLC0415

    try:
        loaded = load(model)
        items = generate_samples(design_of(loaded), seed=seed)
    except ModelLoadError as exc:
        load_failed(ctx, model, exc)
    except SampleError as err:
        raise ExitTwo(f"sample data: {err}") from None
    write_text(dump_samples(items, cast("Any", fmt)), output)


# ---------------------------------------------------------------------------------------------
# vacuum


@cli.command()
@click.argument("model", metavar="MODEL")
@click.option("--table-name", required=True, help="The table to clean (it must hold MODEL's data).")
@click.option(
    "--endpoint-url",
    metavar="URL",
    help="An engine of your own; AWS without it. Only a loopback address goes without --allow-aws.",
)
@click.option(
    "--allow-aws",
    is_flag=True,
    help="Allow real AWS: no --endpoint-url, or one that is not a loopback address.",
)
@click.option("--region", help="The region (botocore's usual resolution without it).")
@click.option(
    "--grace-seconds",
    type=click.FloatRange(min=0),
    default=3600.0,
    show_default=True,
    help="Leave chunks younger than this: a write may still be in flight.",
)
@click.pass_context
def vacuum(
    ctx: click.Context,
    *,
    model: str,
    table_name: str,
    endpoint_url: str | None,
    allow_aws: bool,
    region: str | None,
    grace_seconds: float,
) -> None:
    """Remove chunk items that no chunked record points at (left by interrupted writes)."""
    from tablemodel.api import load  # noqa: PLC0415
    from tablemodel.diagnostics import ModelLoadError  # noqa: PLC0415
    from tablemodel.engines.guard import endpoint_refusal  # noqa: PLC0415
    from tablemodel.engines.session import EngineFault  # noqa: PLC0415
    from tablemodel.generate import GenerateError  # noqa: PLC0415
    from tablemodel.run.runner import vacuum_table  # noqa: PLC0415

    refusal = endpoint_refusal(endpoint_url, allow_aws=allow_aws)
    if refusal is not None:  # vacuum deletes items: refused before the model is even loaded
        raise ExitTwo(f"engine: {refusal}")
    try:
        stats = vacuum_table(
            load(model),
            table_name,
            endpoint_url=endpoint_url,
            allow_aws=allow_aws,
            region=region,
            grace_seconds=grace_seconds,
        )
    except ModelLoadError as exc:
        load_failed(ctx, model, exc)
    except (GenerateError, ValueError) as err:
        raise ExitTwo(str(err)) from None
    except EngineFault as fault:
        raise ExitTwo(f"engine: {fault}") from None
    click.echo(
        f"{table_name}: {stats.items_seen} chunk items seen, {stats.chunks_deleted} deleted "
        f"({stats.writes_removed} abandoned writes, {stats.intents_expired} intents expired), "
        f"{stats.kept_current} current and {stats.kept_young} younger than the grace period kept"
    )


# ---------------------------------------------------------------------------------------------
# explain, rules, schema


@cli.command()
@click.argument("code")
def explain(code: str) -> None:
    """Explain a diagnostic code (TM401) or code name, with examples."""
    from tablemodel.cli.catalogue import every_code, find_code  # noqa: PLC0415
    from tablemodel.cli.human import CodeDocView  # noqa: PLC0415
    from tablemodel.diagnostics import did_you_mean  # noqa: PLC0415

    infos = every_code()
    info = find_code(code)
    if info is None:
        hint = did_you_mean(code.upper(), [i.code for i in infos]) or did_you_mean(
            code.lower(), [i.name for i in infos]
        )
        msg = f"unknown code {code!r}" + (f"; {hint}" if hint else "")
        msg += " (`tablemodel rules` lists every code)"
        raise click.BadParameter(msg, param_hint="CODE")
    write_human([CodeDocView(info)], None)


@cli.command()
def rules() -> None:
    """List every diagnostic code with its severity, family and summary."""
    from tablemodel.cli.catalogue import every_code  # noqa: PLC0415
    from tablemodel.cli.human import rules_table  # noqa: PLC0415

    write_human([rules_table(every_code())], None)


@cli.command()
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the schema to FILE instead of standard output.",
)
def schema(output: Path | None) -> None:
    """Print the JSON Schema of model files, for editors and validators."""
    from tablemodel.schema.jsonschema import model_json_schema  # noqa: PLC0415

    write_text(json.dumps(model_json_schema(), indent=2) + "\n", output)


cli.add_command(docs)
cli.add_command(export)
cli.add_command(import_)


if __name__ == "__main__":
    main()
