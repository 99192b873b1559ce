"""Queries about appointments."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import bindparam
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.enums import AppointmentStatus
from storage.models import Appointment, Staff
from storage.types import UTCDateTime


async def by_id(session: AsyncSession, *, appointment_id: int) -> Appointment | None:
    return await session.get(Appointment, appointment_id)


_OF_CLIENT = select(Appointment).where(
    Appointment.id == bindparam("appointment_id"), Appointment.client_id == bindparam("client_id")
)


async def of_client(
    session: AsyncSession, *, client_id: int, appointment_id: int
) -> Appointment | None:
    """An appointment only if it belongs to this client (callback data is never trusted)."""
    params = {"appointment_id": appointment_id, "client_id": client_id}
    return (await session.exec(_OF_CLIENT, params=params)).first()


async def by_external_id(
    session: AsyncSession, *, client_id: int, external_id: str
) -> Appointment | None:
    query = select(Appointment).where(
        Appointment.client_id == client_id, Appointment.external_id == external_id
    )
    return (await session.exec(query)).first()


async def upcoming(
    session: AsyncSession, *, client_id: int, now: datetime, limit: int = 20
) -> Sequence[Appointment]:
    """Planned appointments that have not ended yet, soonest first."""
    query = (
        select(Appointment)
        .where(
            Appointment.client_id == client_id,
            Appointment.status == AppointmentStatus.PLANNED,
            Appointment.starts_at >= now - timedelta(hours=4),
        )
        .order_by(col(Appointment.starts_at))
        .limit(limit)
    )
    return [a for a in (await session.exec(query)).all() if (a.ends_at or a.starts_at) >= now]


# Built once (see storage/plans.py).
_UPCOMING_WITH_STAFF = (
    select(Appointment, Staff.name)
    .outerjoin(Staff, col(Staff.id) == Appointment.staff_id)
    .where(
        Appointment.client_id == bindparam("client_id"),
        Appointment.status == AppointmentStatus.PLANNED,
        Appointment.starts_at >= bindparam("since", type_=UTCDateTime()),
    )
    .order_by(col(Appointment.starts_at))
    .limit(bindparam("rows"))
)


async def upcoming_with_staff(
    session: AsyncSession, *, client_id: int, now: datetime, limit: int = 20
) -> Sequence[tuple[Appointment, str | None]]:
    """`upcoming`, each with the name of its staff member (if any), in one query."""
    params = {"client_id": client_id, "since": now - timedelta(hours=4), "rows": limit}
    rows = (await session.exec(_UPCOMING_WITH_STAFF, params=params)).all()
    return [(a, name) for a, name in rows if (a.ends_at or a.starts_at) >= now]


async def for_client(session: AsyncSession, *, client_id: int) -> Sequence[Appointment]:
    query = (
        select(Appointment)
        .where(Appointment.client_id == client_id)
        .order_by(col(Appointment.starts_at))
    )
    return (await session.exec(query)).all()
