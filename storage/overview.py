"""Counts and lists for operators (the console command's `status` and `client list`); the
reminder outbox's figures are in storage/reminders.py."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Client, Organisation, Staff


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
