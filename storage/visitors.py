"""Unlinked chats: only their language choice, purged with the retention job."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Visitor


async def locale_of(session: AsyncSession, *, chat_id: int) -> str | None:
    row = (await session.exec(select(Visitor).where(Visitor.chat_id == chat_id))).first()
    return row.locale if row else None


async def set_locale(session: AsyncSession, *, chat_id: int, locale: str) -> None:
    row = (await session.exec(select(Visitor).where(Visitor.chat_id == chat_id))).first()
    if row is None:
        session.add(Visitor(chat_id=chat_id, locale=locale))
    elif row.locale != locale:
        row.locale = locale
        session.add(row)
    await session.flush()


async def forget(session: AsyncSession, *, chat_id: int) -> None:
    await session.exec(delete(Visitor).where(col(Visitor.chat_id) == chat_id))


async def purge(session: AsyncSession, *, before: datetime) -> None:
    await session.exec(delete(Visitor).where(col(Visitor.updated_at) < before))
