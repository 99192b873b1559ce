"""Queries about the reminder outbox: planning lookups, atomic claims, marks and support views.

Claiming is the one place where dispatchers meet. On PostgreSQL due rows are picked with
`SELECT ... FOR UPDATE SKIP LOCKED` in a materialised CTE and updated in the same statement, so
two dispatchers never claim the same row. SQLite has one writer at a time, so a single
`UPDATE ... WHERE id IN (SELECT ... LIMIT n) RETURNING id` is atomic there (SQLite >= 3.35).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, case, delete, func, or_, update
from sqlalchemy.sql.expression import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.enums import (
    AppointmentStatus,
    ClientStatus,
    ReminderKind,
    ReminderStatus,
    TaskStatus,
)
from storage.models import Appointment, Client, Plan, Reminder, Staff, Task

ACTIVE = (ReminderStatus.PENDING, ReminderStatus.CLAIMED)
FINISHED = (
    ReminderStatus.SENT,
    ReminderStatus.SKIPPED,
    ReminderStatus.FAILED,
    ReminderStatus.CANCELLED,
)
_table: Any = Reminder.__table__  # type: ignore[attr-defined]


# -- planning ----------------------------------------------------------------------------------


# Built once with bind parameters (see storage/plans.py).
_OF_SUBJECT = select(Reminder).where(
    Reminder.kind == bindparam("kind"), Reminder.subject_id == bindparam("subject_id")
)


async def of_subject(session: AsyncSession, *, kind: str, subject_id: int) -> Sequence[Reminder]:
    """Every reminder row (any status) about one appointment, task, plan or client."""
    params = {"kind": kind, "subject_id": subject_id}
    return (await session.exec(_OF_SUBJECT, params=params)).all()


async def save(session: AsyncSession, rows: Iterable[Reminder]) -> None:
    """Store new and changed reminder rows (flushed, so new ones have their ids)."""
    for row in rows:
        session.add(row)
    await session.flush()


async def cancel_active_for_client(
    session: AsyncSession, *, client_id: int, reason: str, kinds: Iterable[str] | None = None
) -> int:
    """Cancel a client's pending and claimed reminders; returns how many."""
    statement = (
        update(Reminder)
        .where(col(Reminder.client_id) == client_id, col(Reminder.status).in_(ACTIVE))
        .values(status=ReminderStatus.CANCELLED, lease_until=None, reason=reason)
    )
    if kinds is not None:
        statement = statement.where(col(Reminder.kind).in_(list(kinds)))
    result = await session.exec(statement)  # type: ignore[call-overload]
    return int(result.rowcount or 0)


async def digest_clients(session: AsyncSession) -> Sequence[Client]:
    """Linked, active clients who asked for the weekly digest."""
    query = select(Client).where(
        col(Client.weekly_digest).is_(True),
        Client.status == ClientStatus.ACTIVE,
        col(Client.telegram_chat_id).is_not(None),
    )
    return (await session.exec(query.order_by(col(Client.id)))).all()


async def existing_keys(session: AsyncSession, *, keys: Sequence[str]) -> set[str]:
    """Which of these dedup keys already have a row."""
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        query = select(Reminder.dedup_key).where(col(Reminder.dedup_key).in_(chunk))
        found.update((await session.exec(query)).all())
    return found


# -- claiming ----------------------------------------------------------------------------------


def _due(now: datetime) -> ColumnElement[bool]:
    """Pending rows whose time has come, and claimed rows whose lease ran out (a crash)."""
    return or_(
        and_(col(Reminder.status) == ReminderStatus.PENDING, col(Reminder.available_at) <= now),
        and_(col(Reminder.status) == ReminderStatus.CLAIMED, col(Reminder.lease_until) < now),
    )


@dataclass(frozen=True)
class Claimed:
    """What the dispatcher needs of a claimed row (plain values: no ORM object to build)."""

    id: int
    client_id: int
    kind: str
    subject_id: int | None
    attempts: int
    available_at: datetime
    event_at: datetime | None
    last_error: str | None


_CLAIMED_COLUMNS = (
    _table.c.id,
    _table.c.client_id,
    _table.c.kind,
    _table.c.subject_id,
    _table.c.attempts,
    _table.c.available_at,
    _table.c.event_at,
    _table.c.last_error,
)


async def claim(
    session: AsyncSession,
    *,
    now: datetime,
    lease_until: datetime,
    claimer: str,
    limit: int,
) -> list[Claimed]:
    """Atomically claim up to `limit` due rows for `claimer` until `lease_until`."""
    values = {"status": ReminderStatus.CLAIMED, "lease_until": lease_until, "claimed_by": claimer}
    # Rows whose lease ran out come first: they were due before the crash that left them.
    orphans_first = case((col(Reminder.status) == ReminderStatus.CLAIMED, 0), else_=1)
    picked = (
        select(Reminder.id)
        .where(_due(now))
        .order_by(orphans_first, col(Reminder.available_at))
        .limit(limit)
    )
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        locked = picked.with_for_update(skip_locked=True).cte("picked").prefix_with("MATERIALIZED")
        statement = update(_table).where(_table.c.id == locked.c.id)
    else:
        statement = update(_table).where(_table.c.id.in_(picked.scalar_subquery()))
    connection = await session.connection()
    result = await connection.execute(statement.values(**values).returning(*_CLAIMED_COLUMNS))
    return sorted((Claimed(*row) for row in result.all()), key=lambda c: c.id)


async def claim_due(
    session: AsyncSession,
    *,
    now: datetime,
    lease_until: datetime,
    claimer: str,
    limit: int,
) -> list[int]:
    """Like `claim`, the ids only."""
    claimed = await claim(session, now=now, lease_until=lease_until, claimer=claimer, limit=limit)
    return [row.id for row in claimed]


@dataclass(frozen=True)
class Batch:
    """Claimed reminders with everything needed to re-check and render them."""

    reminders: Sequence[Claimed]
    clients: dict[int, Client]
    appointments: dict[int, Appointment]
    tasks: dict[int, Task]
    plans: dict[int, Plan]
    staff_names: dict[int, str]


def _subjects(reminders: Sequence[Claimed], kind: ReminderKind) -> list[int]:
    return sorted({r.subject_id for r in reminders if r.kind == kind and r.subject_id is not None})


async def _by_id(session: AsyncSession, model: Any, ids: Sequence[int]) -> dict[int, Any]:
    """Rows of one table by id; no query at all for no ids (a batch of one kind is common)."""
    if not ids:
        return {}
    rows = (await session.exec(select(model).where(col(model.id).in_(ids)))).all()
    return {row.id: row for row in rows if row.id is not None}


async def load_batch(session: AsyncSession, *, reminders: Sequence[Claimed]) -> Batch:
    """The clients and subjects of claimed rows, in a handful of queries (none for a kind that
    is not in the batch)."""
    clients: dict[int, Client] = await _by_id(
        session, Client, sorted({r.client_id for r in reminders})
    )
    appointments: dict[int, Appointment] = await _by_id(
        session, Appointment, _subjects(reminders, ReminderKind.APPOINTMENT)
    )
    tasks: dict[int, Task] = await _by_id(session, Task, _subjects(reminders, ReminderKind.TASK))
    plans: dict[int, Plan] = await _by_id(
        session, Plan, _subjects(reminders, ReminderKind.DEADLINE)
    )
    staff_ids = sorted({a.staff_id for a in appointments.values() if a.staff_id is not None})
    staff_names: dict[int, str] = {}
    if staff_ids:
        rows = await session.exec(select(Staff.id, Staff.name).where(col(Staff.id).in_(staff_ids)))
        staff_names = {row[0]: row[1] for row in rows.all() if row[0] is not None}
    return Batch(reminders, clients, appointments, tasks, plans, staff_names)


@dataclass(frozen=True)
class Week:
    """What a weekly digest shows: the coming appointments and the open tasks."""

    appointments: Sequence[Appointment]
    tasks: Sequence[Task]


async def week_of(
    session: AsyncSession, *, client_id: int, start: datetime, end: datetime, limit: int = 10
) -> Week:
    appointments = (
        await session.exec(
            select(Appointment)
            .where(
                Appointment.client_id == client_id,
                Appointment.status == AppointmentStatus.PLANNED,
                col(Appointment.starts_at) >= start,
                col(Appointment.starts_at) < end,
            )
            .order_by(col(Appointment.starts_at))
            .limit(limit)
        )
    ).all()
    tasks = (
        await session.exec(
            select(Task)
            .where(Task.client_id == client_id, Task.status == TaskStatus.OPEN)
            .order_by(col(Task.due_date).is_(None), col(Task.due_date), col(Task.id))
            .limit(limit)
        )
    ).all()
    return Week(appointments, tasks)


# -- marking -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mark:
    """The new state of one claimed row after a dispatch attempt."""

    reminder_id: int
    lease_until: datetime | None  # the claim this mark belongs to
    status: str
    attempts: int
    available_at: datetime
    last_error: str | None = None
    reason: str | None = None
    sent_at: datetime | None = None
    telegram_message_id: int | None = None


_MARK = (
    update(_table)
    .where(
        _table.c.id == bindparam("m_id"),
        _table.c.status == ReminderStatus.CLAIMED,
        _table.c.claimed_by == bindparam("m_claimer"),
        _table.c.lease_until == bindparam("m_lease"),
    )
    .values(
        status=bindparam("m_status"),
        lease_until=None,
        attempts=bindparam("m_attempts"),
        available_at=bindparam("m_available"),
        last_error=bindparam("m_error"),
        reason=bindparam("m_reason"),
        sent_at=bindparam("m_sent"),
        telegram_message_id=bindparam("m_message"),
    )
)


async def apply_marks(session: AsyncSession, *, marks: Sequence[Mark], claimer: str) -> int:
    """Write the outcomes of a batch; a row whose claim was lost (re-planned, expired) is kept."""
    if not marks:
        return 0
    rows = [
        {
            "m_id": mark.reminder_id,
            "m_claimer": claimer,
            "m_lease": mark.lease_until,
            "m_status": mark.status,
            "m_attempts": mark.attempts,
            "m_available": mark.available_at,
            "m_error": mark.last_error,
            "m_reason": mark.reason,
            "m_sent": mark.sent_at,
            "m_message": mark.telegram_message_id,
        }
        for mark in marks
    ]
    connection = await session.connection()
    result = await connection.execute(_MARK, rows)
    return int(result.rowcount or 0)


async def cancel_active_for_clients(
    session: AsyncSession, *, client_ids: Sequence[int], reason: str
) -> None:
    """Cancel the pending and claimed reminders of these clients."""
    await session.exec(
        update(Reminder)  # type: ignore[call-overload]
        .where(
            col(Reminder.client_id).in_(sorted(set(client_ids))), col(Reminder.status).in_(ACTIVE)
        )
        .values(status=ReminderStatus.CANCELLED, lease_until=None, reason=reason)
    )


# -- support and status ------------------------------------------------------------------------


async def by_id(session: AsyncSession, *, reminder_id: int) -> Reminder | None:
    return await session.get(Reminder, reminder_id)


async def listing(
    session: AsyncSession,
    *,
    status: str | None = None,
    client_id: int | None = None,
    limit: int = 50,
) -> Sequence[Reminder]:
    """Reminders for support staff, the soonest due first."""
    query = select(Reminder)
    if status is not None:
        query = query.where(Reminder.status == status)
    if client_id is not None:
        query = query.where(Reminder.client_id == client_id)
    query = query.order_by(col(Reminder.available_at), col(Reminder.id)).limit(limit)
    return (await session.exec(query)).all()


@dataclass(frozen=True)
class OutboxStatus:
    """What `inburgerbot status` says about the outbox."""

    counts: dict[str, int]
    oldest_due: datetime | None  # the oldest pending row whose time has come


async def outbox_status(session: AsyncSession, *, now: datetime) -> OutboxStatus:
    rows = (
        await session.exec(
            select(Reminder.status, func.count()).group_by(col(Reminder.status))  # type: ignore[call-overload]
        )
    ).all()
    oldest = (
        await session.exec(
            select(func.min(Reminder.available_at)).where(
                col(Reminder.status).in_(ACTIVE), col(Reminder.available_at) <= now
            )
        )
    ).one()
    return OutboxStatus({str(status): int(n) for status, n in rows}, oldest)


async def purge_finished(session: AsyncSession, *, before: datetime) -> int:
    """Delete finished rows due before a moment (retention); returns how many."""
    result = await session.exec(
        delete(Reminder).where(  # type: ignore[call-overload]
            col(Reminder.status).in_(FINISHED), col(Reminder.due_at) < before
        )
    )
    return int(result.rowcount or 0)


def rearm(row: Reminder, *, now: datetime) -> None:
    """Support's retry: the row waits again, due now, with a clean slate of attempts."""
    row.status = ReminderStatus.PENDING
    row.available_at = now
    row.attempts = 0
    row.lease_until = None
    row.claimed_by = None
    row.last_error = None
    row.reason = None


def cancel(row: Reminder, *, reason: str) -> None:
    row.status = ReminderStatus.CANCELLED
    row.lease_until = None
    row.reason = reason
