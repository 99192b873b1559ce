"""Who may reach which client: a staff member reaches the clients of the municipalities that
their organisation serves, and only while they are active."""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, false
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Client, OrganisationMunicipality, Staff


def reachable_by(staff: Staff) -> ColumnElement[bool]:
    """A WHERE clause on Client: the clients this staff member may see (none when inactive)."""
    if not staff.active:
        return false()
    return exists(
        select(col(OrganisationMunicipality.id)).where(
            OrganisationMunicipality.organisation_id == staff.organisation_id,
            OrganisationMunicipality.municipality == Client.municipality,
        )
    )


async def served_municipalities(session: AsyncSession, *, organisation_id: int) -> set[str]:
    rows = await session.exec(
        select(OrganisationMunicipality.municipality).where(
            OrganisationMunicipality.organisation_id == organisation_id
        )
    )
    return set(rows.all())


async def can_reach(session: AsyncSession, *, staff: Staff, client: Client) -> bool:
    """Whether an active staff member may see and act on this client."""
    if not staff.active:
        return False
    found = await session.exec(
        select(col(OrganisationMunicipality.id)).where(
            OrganisationMunicipality.organisation_id == staff.organisation_id,
            OrganisationMunicipality.municipality == client.municipality,
        )
    )
    return found.first() is not None
