"""`inburgerbot db upgrade|current` and `inburgerbot status`."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import click
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlmodel.ext.asyncio.session import AsyncSession

from console.common import (
    CliState,
    echo_lines,
    local,
    pass_state,
    refusals,
    run,
)
from storage import migrate, overview
from storage import reminders as reminder_queries
from storage.db import Database
from storage.enums import ClientStatus, ReminderStatus


@click.group()
def db() -> None:
    """The database schema (Alembic migrations)."""


@db.command("upgrade")
@pass_state
def db_upgrade(state: CliState) -> None:
    """Migrate the database to the newest schema."""
    url = state.config.database_url
    with refusals():
        migrate.upgrade(url)
        revision = asyncio.run(migrate.current_revision(url))
    click.echo(f"database at revision {revision}")


@db.command("current")
@pass_state
def db_current(state: CliState) -> None:
    """Show the database's schema revision and the newest one."""
    with refusals():
        revision = asyncio.run(migrate.current_revision(state.config.database_url))
    click.echo(schema_line(revision, migrate.head_revision()))


def schema_line(current: str | None, head: str | None) -> str:
    if current is None:
        return f"schema: not migrated (head {head}); run `inburgerbot db upgrade`"
    if current == head:
        return f"schema: revision {current} (head)"
    return f"schema: revision {current}, head is {head}; run `inburgerbot db upgrade`"


# status


@click.command()
@pass_state
def status(state: CliState) -> None:
    """The schema revision, what is stored and how the reminder outbox stands."""
    echo_lines(run(state, lambda database: status_lines(database, state)))


async def status_lines(database: Database, state: CliState) -> list[str]:
    url = state.config.database_url
    lines = [f"database: {make_url(url).render_as_string(hide_password=True)}"]
    lines.append(schema_line(await migrate.current_revision(url), migrate.head_revision()))
    try:
        async with database.reading() as session:
            lines += await count_lines(session)
            lines += await reminder_status_lines(session, zone=state.config.zone, now=state.now())
    except DBAPIError:
        lines.append("tables: missing; run `inburgerbot db upgrade`")
    return lines


async def count_lines(session: AsyncSession) -> list[str]:
    staff = await overview.staff_counts(session)
    clients = await overview.client_counts(session)
    by_status = ", ".join(f"{clients[s]} {s}" for s in ClientStatus if clients.get(s))
    return [
        f"organisations: {await overview.organisation_count(session)}",
        f"staff: {staff.get(True, 0)} active, {staff.get(False, 0)} inactive",
        f"clients: {sum(clients.values())}" + (f" ({by_status})" if by_status else ""),
    ]


async def reminder_status_lines(
    session: AsyncSession, *, zone: ZoneInfo | None = None, now: datetime | None = None
) -> list[str]:
    """The reminder outbox: pending, being sent and failed rows, and the oldest one overdue."""
    zone = zone or ZoneInfo("UTC")
    outbox = await reminder_queries.outbox_status(session, now=now or datetime.now(UTC))
    counts = outbox.counts
    overdue = f"{local(outbox.oldest_due, zone)} {zone.key}" if outbox.oldest_due else "none"
    return [
        f"reminders: {counts.get(ReminderStatus.PENDING, 0)} pending, "
        f"{counts.get(ReminderStatus.CLAIMED, 0)} being sent, "
        f"{counts.get(ReminderStatus.FAILED, 0)} failed",
        f"oldest reminder due and not sent yet: {overdue}",
    ]
