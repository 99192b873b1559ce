"""Counts and lists for operators (the console command's `status` and `client list`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.enums import ReminderStatus
from storage.models import Client, Organisation, Reminder, Staff


async def organisation_count(session: AsyncSession) -> int:
    return (await session.exec(select(func.count()).select_from(Organisation))).one()


async def staff_counts(session: AsyncSession) -> dict[bool, int]:
    """Staff members by whether they are active."""
    rows = await session.exec(select(Staff.active, func.count()).group_by(col(Staff.active)))
    return {bool(active): number for active, number in rows.all()}


async def client_counts(session: AsyncSession) -> dict[str, int]:
    """Clients by status."""
    rows = await session.exec(select(Client.status, func.count()).group_by(col(Client.status)))
    return dict(rows.all())


@dataclass(frozen=True)
class ReminderOverview:
    pending: int
    claimed: int
    failed: int
    oldest_pending_due: datetime | None


async def reminders(session: AsyncSession) -> ReminderOverview:
    """How the reminder outbox stands: waiting, being sent, given up, and the oldest waiting."""
    rows = await session.exec(select(Reminder.status, func.count()).group_by(col(Reminder.status)))
    by_status = dict(rows.all())
    oldest = await session.exec(
        select(Reminder.due_at)
        .where(Reminder.status == ReminderStatus.PENDING)
        .order_by(col(Reminder.due_at))
        .limit(1)
    )
    return ReminderOverview(
        pending=by_status.get(ReminderStatus.PENDING, 0),
        claimed=by_status.get(ReminderStatus.CLAIMED, 0),
        failed=by_status.get(ReminderStatus.FAILED, 0),
        oldest_pending_due=oldest.first(),
    )


async def list_clients(
    session: AsyncSession,
    *,
    municipality: str | None = None,
    status: str | None = None,
    limit: int = 10_000,
) -> Sequence[Client]:
    """Clients by reference, optionally of one municipality (any case) or in one status."""
    query = select(Client)
    if municipality:
        query = query.where(func.lower(Client.municipality) == municipality.lower())
    if status:
        query = query.where(Client.status == status)
    return (await session.exec(query.order_by(col(Client.ref)).limit(limit))).all()
