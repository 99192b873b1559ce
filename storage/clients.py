"""Queries about clients."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.access import reachable_by
from storage.enums import ClientStatus
from storage.models import Client, Staff


async def by_ref(session: AsyncSession, *, ref: str) -> Client | None:
    return (await session.exec(select(Client).where(Client.ref == ref))).first()


async def by_id(session: AsyncSession, *, client_id: int) -> Client | None:
    return await session.get(Client, client_id)


_BY_CHAT = select(Client).where(Client.telegram_chat_id == bindparam("chat_id"))


async def by_chat(session: AsyncSession, *, chat_id: int) -> Client | None:
    """The client linked to a private Telegram chat."""
    return (await session.exec(_BY_CHAT, params={"chat_id": chat_id})).first()


async def by_telegram_user(session: AsyncSession, *, user_id: int) -> Client | None:
    return (await session.exec(select(Client).where(Client.telegram_user_id == user_id))).first()


async def for_staff(
    session: AsyncSession,
    *,
    staff: Staff,
    only_own: bool = False,
    search: str | None = None,
    limit: int = 200,
    offset: int = 0,
) -> Sequence[Client]:
    """The clients a staff member may see, optionally only those they are caseworker of."""
    query = select(Client).where(reachable_by(staff))
    if only_own:
        query = query.where(Client.caseworker_id == staff.id)
    if search:
        pattern = f"%{search.lower()}%"
        query = query.where(
            func.lower(Client.ref).like(pattern) | func.lower(Client.first_name).like(pattern)
        )
    query = query.order_by(col(Client.ref)).limit(limit).offset(offset)
    return (await session.exec(query)).all()


async def all_clients(
    session: AsyncSession, *, limit: int = 1000, offset: int = 0
) -> Sequence[Client]:
    query = select(Client).order_by(col(Client.ref)).limit(limit).offset(offset)
    return (await session.exec(query)).all()


async def link_chat(
    session: AsyncSession, *, client: Client, chat_id: int, user_id: int, now: datetime
) -> int | None:
    """Link a Telegram account to a client; returns the chat it was linked to before, if any.

    One Telegram account links to one client: another client holding this account loses it.
    """
    previous_chat = client.telegram_chat_id if client.telegram_chat_id != chat_id else None
    others = await session.exec(
        select(Client).where(
            (Client.telegram_user_id == user_id) | (Client.telegram_chat_id == chat_id),
            Client.id != client.id,
        )
    )
    for other in others.all():
        unlink(other)
        session.add(other)
    await session.flush()
    client.telegram_chat_id = chat_id
    client.telegram_user_id = user_id
    client.linked_at = now
    client.status = ClientStatus.ACTIVE
    session.add(client)
    await session.flush()
    return previous_chat


def unlink(client: Client) -> None:
    """Forget the Telegram account of a client (the case data stays)."""
    client.telegram_chat_id = None
    client.telegram_user_id = None
    client.consent_at = None
    if client.status in (ClientStatus.ACTIVE, ClientStatus.BLOCKED_BOT):
        client.status = ClientStatus.INVITED


async def mark_blocked(session: AsyncSession, *, client_ids: Sequence[int]) -> None:
    """These active clients blocked the bot (the use case is casework.blocking.block)."""
    await session.exec(
        update(Client)  # type: ignore[call-overload]
        .where(
            col(Client.id).in_(sorted(set(client_ids))), col(Client.status) == ClientStatus.ACTIVE
        )
        .values(status=ClientStatus.BLOCKED_BOT)
    )


async def count(session: AsyncSession) -> int:
    return (await session.exec(select(func.count()).select_from(Client))).one()


async def by_party(session: AsyncSession, *, party_uuid: str) -> Client | None:
    """The client whose case-system party this is (docs/common-ground.md)."""
    query = select(Client).where(Client.party_uuid == party_uuid)
    return (await session.exec(query)).first()


async def with_party(session: AsyncSession, *, limit: int = 10_000) -> Sequence[Client]:
    """Linked, active clients that have a case-system party (the tasks poll)."""
    query = (
        select(Client)
        .where(
            col(Client.party_uuid).is_not(None),
            Client.status == ClientStatus.ACTIVE,
        )
        .order_by(col(Client.id))
        .limit(limit)
    )
    return (await session.exec(query)).all()
