"""`tablemodel docs`, `export` and `import`: the design doc, the exports and the Workbench
import, as thin click commands over `tablemodel.docs`, `tablemodel.export` and
`tablemodel.importers`. `tablemodel.cli.main` adds them to the `tablemodel` group."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from tablemodel.cli.common import (
    ExitTwo,
    check_and_run_command,
    load_failed,
    refused,
    write_atomically,
    write_human,
)

# ---------------------------------------------------------------------------------------------
# docs


@click.command()
@click.argument("model", metavar="MODEL")
@click.option(
    "--output",
    "-o",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The folder to write design.md and design.html into (created if missing).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "html", "both"]),
    default="both",
    show_default=True,
    help="Markdown (renders on GitHub, Mermaid diagrams), one self-contained HTML page, or both.",
)
@click.option(
    "--run",
    "run_patterns",
    is_flag=True,
    help="Run every pattern (on moto unless --engine says otherwise) and fill the run column;"
    " without it the doc shows static verdicts only.",
)
@click.option(
    "--engine",
    type=click.Choice(["moto", "dynamodb-local"]),
    default="moto",
    show_default=True,
    help="With --run: moto in-process, or DynamoDB Local started on 127.0.0.1.",
)
@click.option(
    "--hostile",
    is_flag=True,
    help="Show the run's hostile sample values in the index views instead of plain ones.",
)
@click.option(
    "--check",
    "check_only",
    is_flag=True,
    help="Write nothing; exit 1 when the files in the folder are not what MODEL gives now.",
)
@click.pass_context
def docs(
    ctx: click.Context,
    *,
    model: str,
    output: Path,
    fmt: str,
    run_patterns: bool,
    engine: str,
    hostile: bool,
    check_only: bool,
) -> None:
    """Write the design doc of MODEL: overview, entity and access-pattern charts, diagrams,
    index views of sample data, capacity estimates and the checker's findings.

    Exit codes: 0 written (or up to date with --check), 1 out of date with --check, 2 the
    model could not be loaded, a folder could not be written, or the engine failed.
    """
    from tablemodel.api import check_model, design_of, load  # noqa: PLC0415
    from tablemodel.diagnostics import ModelLoadError  # noqa: PLC0415
    from tablemodel.docs import document  # noqa: PLC0415

    if check_only and run_patterns:
        raise click.UsageError("--check compares the static doc; it takes no --run")
    if not run_patterns and engine != "moto":
        raise click.UsageError("--engine needs --run")
    formats: tuple[Any, ...] = ("md", "html") if fmt == "both" else (fmt,)
    try:
        loaded = load(model)
        run = None
        if run_patterns:
            report, run = check_and_run_command(
                model,
                fmt="json",
                engine=engine,
                endpoint_url=None,
                allow_aws=False,
                region=None,
                seed=None,
                page_size=2,
                select=(),
                ignore=(),
            )
        else:
            report = check_model(loaded)
        files = document(design_of(loaded), report, run, formats=formats, hostile=hostile)
    except ModelLoadError as exc:
        load_failed(ctx, model, exc)
    if check_only:
        stale = [
            name
            for name, text in files.items()
            if not (output / name).is_file() or (output / name).read_text(encoding="utf-8") != text
        ]
        for name in stale:
            click.echo(f"{output / name} is out of date; run: tablemodel docs {model} -o {output}")
        if stale:
            ctx.exit(1)
        click.echo(f"{output} is up to date with {model}")
        return
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        msg = f"cannot create {output}: {exc.strerror or exc}"
        raise ExitTwo(msg) from exc
    for name, text in files.items():
        write_atomically(text, output / name)
        click.echo(f"wrote {output / name}")


# ---------------------------------------------------------------------------------------------
# export


@click.command()
@click.argument("model", metavar="MODEL")
@click.option(
    "--to",
    "target",
    required=True,
    type=click.Choice(["workbench", "cloudformation", "iam"]),
    help="A NoSQL Workbench model (JSON), an AWS::DynamoDB::Table resource, or an IAM policy.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["yaml", "json"]),
    default="yaml",
    show_default=True,
    help="With --to cloudformation: the template's format.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to FILE instead of standard output.",
)
@click.option("--account", help="With --to iam: the account ID, for literal ARNs (with --region).")
@click.option("--region", help="With --to iam: the region, for literal ARNs (with --account).")
@click.option(
    "--identity-variable",
    metavar="VARIABLE",
    help="With --to iam: the IAM policy variable of a caller's identity, for patterns with a"
    " `caller` (default ${cognito-identity.amazonaws.com:sub}).",
)
@click.pass_context
def export(
    ctx: click.Context,
    *,
    model: str,
    target: str,
    fmt: str,
    output: Path | None,
    account: str | None,
    region: str | None,
    identity_variable: str | None,
) -> None:
    """Export MODEL as a NoSQL Workbench model, a CloudFormation table, or an IAM policy.

    What a Workbench model cannot hold (LSIs, TTL, streams, intents) is listed on standard
    error. Exit codes: 0 written, 1 the model cannot be exported as asked, 2 the model could
    not be loaded or FILE could not be written.
    """
    import datetime as dt  # noqa: PLC0415

    from tablemodel.api import design_of, load  # noqa: PLC0415
    from tablemodel.diagnostics import ModelLoadError  # noqa: PLC0415
    from tablemodel.export import (  # noqa: PLC0415
        COGNITO_IDENTITY,
        ExportError,
        cloudformation_template,
        iam_policy_text,
        workbench_model,
    )

    if target != "iam" and (account or region or identity_variable):
        raise click.UsageError("--account, --region and --identity-variable go with --to iam")
    if target != "cloudformation" and fmt != "yaml":
        raise click.UsageError("--format goes with --to cloudformation")
    if (account is None) != (region is None):
        raise click.UsageError("--account and --region go together (literal ARNs need both)")
    try:
        design = design_of(load(model))
        if target == "workbench":
            exported = workbench_model(design, when=dt.datetime.now(dt.UTC))
            text = exported.text()
            for note in exported.notes:
                click.echo(f"not in the Workbench model: {note}", err=True)
        elif target == "cloudformation":
            text = cloudformation_template(design, "json" if fmt == "json" else "yaml")
        else:
            text = iam_policy_text(
                design,
                account=account,
                region=region,
                identity_variable=identity_variable or COGNITO_IDENTITY,
            )
    except ModelLoadError as exc:
        load_failed(ctx, model, exc)
    except ExportError as exc:
        refused(ctx, exc.diagnostics)
    if output is None:
        click.echo(text, nl=False)
        return
    write_atomically(text, output)
    click.echo(f"wrote {output}", err=True)


# ---------------------------------------------------------------------------------------------
# import


@click.group("import")
def import_() -> None:
    """Turn another tool's model into a starting tablemodel model."""


@import_.command("workbench")
@click.argument("file", metavar="FILE.json")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the model to FILE (standard output without it).",
)
@click.option("--table", help="The table to import when the file holds several (the first).")
@click.pass_context
def import_workbench_command(
    ctx: click.Context, *, file: str, output: Path | None, table: str | None
) -> None:
    """Import a NoSQL Workbench data model (format 1.0, 2.0 or 3.0) as a model file.

    Key templates are inferred from the sample items; what could not be inferred is listed on
    standard error and as comments at the top of the model. Exit codes: 0 imported, 2 the file
    could not be read or written.
    """
    from tablemodel.cli.human import diagnostic_view  # noqa: PLC0415
    from tablemodel.importers.workbench import (  # noqa: PLC0415
        WorkbenchImportError,
        import_workbench,
    )

    try:
        result = import_workbench(file, table=table)
    except WorkbenchImportError as exc:
        write_human([diagnostic_view(d) for d in exc.diagnostics], None)
        ctx.exit(2)
    text = result.yaml_text()
    if output is None:
        click.echo(text, nl=False)
    else:
        write_atomically(text, output)
    if result.findings:
        from tablemodel.cli.human import print_renderables  # noqa: PLC0415

        print_renderables(sys.stderr, [diagnostic_view(d) for d in result.findings])
    entities = len(result.model["entities"])
    where = f"wrote {output}: " if output is not None else ""
    click.echo(
        f"{where}table {result.model['table']['name']}, {entities} entities, "
        f"{len(result.findings)} things to review",
        err=True,
    )
