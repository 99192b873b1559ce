"""Queries about staff and organisations."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Organisation, Staff


async def by_key(session: AsyncSession, *, key: str) -> Staff | None:
    return (await session.exec(select(Staff).where(Staff.key == key))).first()


async def by_id(session: AsyncSession, *, staff_id: int) -> Staff | None:
    return await session.get(Staff, staff_id)


async def by_telegram_user(session: AsyncSession, *, user_id: int) -> Staff | None:
    return (await session.exec(select(Staff).where(Staff.telegram_user_id == user_id))).first()


async def by_login(session: AsyncSession, *, login: str) -> Staff | None:
    return (await session.exec(select(Staff).where(Staff.login == login.lower()))).first()


async def by_username(session: AsyncSession, *, username: str) -> Staff | None:
    name = username.removeprefix("@").lower()
    return (await session.exec(select(Staff).where(Staff.telegram_username == name))).first()


async def organisation_by_key(session: AsyncSession, *, key: str) -> Organisation | None:
    return (await session.exec(select(Organisation).where(Organisation.key == key))).first()


async def organisation(session: AsyncSession, *, organisation_id: int) -> Organisation | None:
    return await session.get(Organisation, organisation_id)


async def colleagues(session: AsyncSession, *, staff: Staff) -> Sequence[Staff]:
    """Active staff of the same organisation."""
    query = select(Staff).where(
        Staff.organisation_id == staff.organisation_id, col(Staff.active).is_(True)
    )
    return (await session.exec(query.order_by(col(Staff.name)))).all()


async def link_telegram(
    session: AsyncSession, *, staff: Staff, user_id: int, username: str | None
) -> None:
    """Link a Telegram account to a staff member (moving it from anyone who had it)."""
    for other in (await session.exec(select(Staff).where(Staff.telegram_user_id == user_id))).all():
        if other.id != staff.id:
            other.telegram_user_id = None
            session.add(other)
    await session.flush()
    staff.telegram_user_id = user_id
    staff.telegram_username = username.lower() if username else None
    session.add(staff)
    await session.flush()
