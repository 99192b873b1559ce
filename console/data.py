"""`inburgerbot import` and `inburgerbot export`: the case system's JSON document."""

from __future__ import annotations

from pathlib import Path

import click

from bot.progress import Progress
from casework import exporter, importer
from console.common import (
    CliState,
    audit_read,
    echo_lines,
    fail,
    pass_state,
    run,
)
from storage import clients as client_queries
from storage.db import Database


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check and count, then write nothing.")
@click.option(
    "--max-size",
    type=click.IntRange(1, 4096),
    default=importer.MAX_IMPORT_BYTES // importer.MEGABYTE,
    show_default=True,
    help="Largest file accepted, in MB.",
)
@pass_state
def import_command(state: CliState, file: Path, dry_run: bool, max_size: int) -> None:
    """Import organisations, staff, clients, plans, appointments and tasks (docs/import.md)."""
    with Progress("import", total=file.stat().st_size) as progress:
        summary = run(
            state,
            lambda database: importer.import_file(
                database,
                file,
                rules=state.rules,
                now=state.now(),
                dry_run=dry_run,
                limit=max_size * importer.MEGABYTE,
                progress=progress.update,
            ),
        )
    echo_lines(summary.lines())
    if dry_run:
        click.echo("dry run: nothing was written")


@click.command("export")
@click.option("--client", "client_ref", metavar="REF", help="Only this client.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="Default: stdout.")
@pass_state
def export_command(state: CliState, client_ref: str | None, output: Path | None) -> None:
    """Export in the import format (importing the export changes nothing)."""
    text = run(state, lambda database: export_text(database, state, client_ref, output))
    if output is None:
        click.echo(text, nl=False)


async def export_text(
    database: Database, state: CliState, client_ref: str | None, output: Path | None
) -> str:
    async with database.transaction() as session:
        with Progress("export", total=1, unit="clients") as progress:

            def told(done: int, total: int) -> None:
                progress.set_total(total)
                progress.update(done)

            document = await exporter.export_document(
                session, zone=state.config.zone, client_ref=client_ref, progress=told
            )
        text = exporter.to_json(document)
        client = await client_queries.by_ref(session, ref=client_ref) if client_ref else None
        audit_read(session, "cli.export", client, state.now())
        if output is not None:
            write_file(output, text.encode())
    return text


def write_file(path: Path, data: bytes) -> None:
    """Write through a temporary file, so a failed write leaves no half file."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_bytes(data)
        partial.replace(path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        fail(f"cannot write {path}: {exc.strerror or exc}")
