"""`inburgerbot task add|done`."""

from __future__ import annotations

import secrets
from datetime import datetime

import click

from casework import case, importer
from console.common import (
    DAY,
    CliState,
    client_by_ref,
    echo_lines,
    fail,
    pass_state,
    record_fields,
    run,
    task_with_client,
)
from storage import tasks as task_queries
from storage.db import Database
from storage.enums import TaskStatus
from storage.ids import pk


@click.group()
def task() -> None:
    """Add tasks and mark them done (reminders follow)."""


@task.command("add")
@click.argument("ref")
@click.option("--title", required=True)
@click.option("--due", type=DAY, help="Due date, YYYY-MM-DD.")
@click.option("--description", default="")
@click.option("--external-id", help="Id in the case system (default: a generated one).")
@pass_state
def task_add(
    state: CliState,
    ref: str,
    title: str,
    due: datetime | None,
    description: str,
    external_id: str | None,
) -> None:
    """Add a task for a client."""
    record = record_fields(
        importer.TaskRecord,
        external_id=external_id or f"cli-{secrets.token_hex(6)}",
        title=title,
        description=description,
        due_date=due.date() if due else None,
    )
    echo_lines(run(state, lambda database: add_task(database, state, ref, record)))


async def add_task(
    database: Database, state: CliState, ref: str, record: importer.TaskRecord
) -> list[str]:
    async with database.transaction() as session:
        person = await client_by_ref(session, ref)
        existing = await task_queries.by_external_id(
            session, client_id=pk(person), external_id=record.external_id
        )
        if existing is not None:
            fail(f"client {ref!r} already has a task with external id {record.external_id!r}")
        row = await case.add_task(
            session,
            client=person,
            external_id=record.external_id,
            title=record.title,
            description=record.description,
            due_date=record.due_date,
            rules=state.rules,
            now=state.now(),
        )
    due = f", due {row.due_date}" if row.due_date else ""
    return [f"task {row.id} added for {ref}{due} (external id {row.external_id})"]


@task.command("done")
@click.argument("task_id", metavar="ID", type=int)
@pass_state
def task_done(state: CliState, task_id: int) -> None:
    """Mark a task done."""
    echo_lines(run(state, lambda database: finish_task(database, state, task_id)))


async def finish_task(database: Database, state: CliState, task_id: int) -> list[str]:
    async with database.transaction() as session:
        row, person = await task_with_client(session, task_id)
        if row.status != TaskStatus.OPEN:
            fail(f"task {task_id} is already {row.status}")
        await case.set_task_status(
            session,
            client=person,
            task=row,
            status=TaskStatus.DONE,
            rules=state.rules,
            now=state.now(),
        )
    return [f"task {task_id} done"]
