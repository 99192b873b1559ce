"""The exporter's queries (casework/exporter.py writes the import format from them)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    Appointment,
    Client,
    Organisation,
    OrganisationMunicipality,
    Plan,
    PlanPart,
    Staff,
    Task,
)


async def clients(session: AsyncSession, *, ref: str | None = None) -> Sequence[Client]:
    """Every client by ref, or the one with `ref`."""
    query = select(Client).order_by(col(Client.ref))
    if ref is not None:
        query = query.where(Client.ref == ref)
    return (await session.exec(query)).all()


async def staff(session: AsyncSession) -> Sequence[Staff]:
    return (await session.exec(select(Staff).order_by(col(Staff.key)))).all()


async def organisations(session: AsyncSession) -> Sequence[Organisation]:
    return (await session.exec(select(Organisation).order_by(col(Organisation.key)))).all()


async def served(session: AsyncSession) -> dict[int, list[str]]:
    """The municipalities each organisation serves, in the order they were added."""
    query = select(OrganisationMunicipality).order_by(col(OrganisationMunicipality.id))
    result: dict[int, list[str]] = {}
    for link in (await session.exec(query)).all():
        result.setdefault(link.organisation_id, []).append(link.municipality)
    return result


async def newest_plan(session: AsyncSession, *, client_id: int) -> Plan | None:
    query = select(Plan).where(Plan.client_id == client_id).order_by(col(Plan.version).desc())
    return (await session.exec(query.limit(1))).first()


async def parts(session: AsyncSession, *, plan_id: int) -> Sequence[PlanPart]:
    query = (
        select(PlanPart)
        .where(PlanPart.plan_id == plan_id)
        .order_by(col(PlanPart.position), col(PlanPart.id))
    )
    return (await session.exec(query)).all()


async def appointments(session: AsyncSession, *, client_id: int) -> Sequence[Appointment]:
    query = (
        select(Appointment)
        .where(Appointment.client_id == client_id)
        .order_by(col(Appointment.starts_at), col(Appointment.id))
    )
    return (await session.exec(query)).all()


async def tasks(session: AsyncSession, *, client_id: int) -> Sequence[Task]:
    query = select(Task).where(Task.client_id == client_id).order_by(col(Task.id))
    return (await session.exec(query)).all()
