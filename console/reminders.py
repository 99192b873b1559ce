"""`inburgerbot reminders`: the outbox for support staff (ids, kinds, times; never texts or names).

inburgerbot reminders list [--status S] [--client REF] [--limit N]
inburgerbot reminders show ID
inburgerbot reminders retry ID     (a failed, skipped or cancelled one goes out again)
inburgerbot reminders cancel ID    (a waiting or failed one never goes out)
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import click
from sqlalchemy.exc import SQLAlchemyError

from casework.settings import Settings
from console.common import state_of
from console.compose import running
from storage import clients as client_rows
from storage import reminders as reminder_rows
from storage.db import Database
from storage.enums import ReminderStatus
from storage.models import Reminder

T = TypeVar("T")
RETRYABLE = (
    ReminderStatus.FAILED,
    ReminderStatus.SKIPPED,
    ReminderStatus.CANCELLED,
    ReminderStatus.PENDING,
)
CANCELLABLE = (ReminderStatus.PENDING, ReminderStatus.CLAIMED, ReminderStatus.FAILED)
SUPPORT_CANCEL = "cancelled_by_support"


def _settings_and_now() -> tuple[Settings, datetime]:
    """The settings and clock of `inburgerbot` (its CliState)."""
    state = state_of(click.get_current_context())
    return state.config, state.now()


def _run(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    async def with_database() -> T:
        async with running(settings, pool_size=1) as app:
            return await work(app.db)

    try:
        return asyncio.run(with_database())
    except SQLAlchemyError as exc:
        raise click.ClickException(f"database: {type(exc).__name__}") from exc


def _local(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S") if moment else "-"


def _note(row: Reminder) -> str:
    if row.reason:
        return row.reason
    if row.last_error:
        return row.last_error.split(":", 1)[0]  # the error class only; `show` has the rest
    return ""


def list_line(row: Reminder, zone: ZoneInfo) -> str:
    return (
        f"{row.id:>8}  {row.kind:<16} client {row.client_id:<6} subject {row.subject_id or '-':<6}"
        f" {row.status:<9} due {_local(row.due_at, zone)}  next {_local(row.available_at, zone)}"
        f"  attempts {row.attempts}  {_note(row)}"
    ).rstrip()


def show_lines(row: Reminder, zone: ZoneInfo) -> list[str]:
    return [
        f"id: {row.id}",
        f"key: {row.dedup_key}",
        f"kind: {row.kind}",
        f"client: {row.client_id}",
        f"subject: {row.subject_id or '-'}",
        f"status: {row.status}",
        f"due: {_local(row.due_at, zone)} {zone.key}",
        f"event: {_local(row.event_at, zone)}",
        f"next try: {_local(row.available_at, zone)}",
        f"lease until: {_local(row.lease_until, zone)} ({row.claimed_by or '-'})",
        f"attempts: {row.attempts}",
        f"reason: {row.reason or '-'}",
        f"last error: {row.last_error or '-'}",
        f"sent: {_local(row.sent_at, zone)} (message {row.telegram_message_id or '-'})",
    ]


@click.group()
def reminders() -> None:
    """The reminder outbox: list, show, retry or cancel reminders."""


@reminders.command("list")
@click.option("--status", type=click.Choice([s.value for s in ReminderStatus]))
@click.option("--client", "client_ref", help="Only this client's (municipal reference).")
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
def list_command(status: str | None, client_ref: str | None, limit: int) -> None:
    """Reminders, the soonest due first."""
    settings, _now = _settings_and_now()

    async def work(db: Database) -> list[str]:
        async with db.reading() as session:
            client_id = None
            if client_ref is not None:
                client = await client_rows.by_ref(session, ref=client_ref)
                if client is None:
                    raise click.ClickException(f"no client with reference {client_ref!r}")
                client_id = client.id
            found = await reminder_rows.listing(
                session, status=status, client_id=client_id, limit=limit
            )
        return [list_line(row, settings.zone) for row in found] or ["no reminders"]

    for line in _run(settings, work):
        click.echo(line)


async def _get(session: Any, reminder_id: int) -> Reminder:
    row = await reminder_rows.by_id(session, reminder_id=reminder_id)
    if row is None:
        raise click.ClickException(f"no reminder with id {reminder_id}")
    return row


@reminders.command("show")
@click.argument("reminder_id", type=int)
def show_command(reminder_id: int) -> None:
    """Everything about one reminder except its text (rendered only when sent)."""
    settings, _now = _settings_and_now()

    async def work(db: Database) -> list[str]:
        async with db.reading() as session:
            return show_lines(await _get(session, reminder_id), settings.zone)

    for line in _run(settings, work):
        click.echo(line)


@reminders.command("retry")
@click.argument("reminder_id", type=int)
def retry_command(reminder_id: int) -> None:
    """Send a failed, skipped or cancelled reminder again at the next tick (still re-checked)."""
    settings, now = _settings_and_now()

    async def work(db: Database) -> str:
        async with db.transaction() as session:
            row = await _get(session, reminder_id)
            if row.status not in RETRYABLE:
                raise click.ClickException(
                    f"reminder {reminder_id} is {row.status}; only failed, skipped, cancelled or "
                    "pending ones can be retried"
                )
            reminder_rows.rearm(row, now=now)
            session.add(row)
        return f"reminder {reminder_id} is pending again, due {_local(now, settings.zone)}"

    click.echo(_run(settings, work))


@reminders.command("cancel")
@click.argument("reminder_id", type=int)
def cancel_command(reminder_id: int) -> None:
    """Make sure a waiting or failed reminder never goes out."""
    settings, _now = _settings_and_now()

    async def work(db: Database) -> str:
        async with db.transaction() as session:
            row = await _get(session, reminder_id)
            if row.status not in CANCELLABLE:
                raise click.ClickException(
                    f"reminder {reminder_id} is {row.status} already; nothing to cancel"
                )
            reminder_rows.cancel(row, reason=SUPPORT_CANCEL)
            session.add(row)
        return f"reminder {reminder_id} is cancelled"

    click.echo(_run(settings, work))
