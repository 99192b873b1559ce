"""Queries of the case system's contact outbox (CaseContact): add, claim, mark, count."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.enums import ContactKind, ContactStatus
from storage.models import CaseContact, Client, Message


async def add(
    session: AsyncSession,
    *,
    client_id: int,
    question_id: int,
    message_id: int,
    kind: ContactKind,
    key: str,
    now: datetime,
) -> bool:
    """Queue one contact moment; False when the message is queued already (one row each)."""
    existing = await by_message(session, message_id=message_id)
    if existing is not None:
        return False
    row = CaseContact(
        client_id=client_id,
        question_id=question_id,
        message_id=message_id,
        kind=kind,
        key=key,
        queued_at=now,
        next_attempt_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError:  # another process queued it between our read and our insert
        return False
    return True


async def by_message(session: AsyncSession, *, message_id: int) -> CaseContact | None:
    query = select(CaseContact).where(col(CaseContact.message_id) == message_id)
    return (await session.exec(query)).first()


async def due(session: AsyncSession, *, now: datetime, limit: int) -> Sequence[CaseContact]:
    """Pending rows whose time has come, oldest first."""
    query = (
        select(CaseContact)
        .where(
            col(CaseContact.status) == ContactStatus.PENDING,
            col(CaseContact.next_attempt_at) <= now,
        )
        .order_by(col(CaseContact.id))
        .limit(limit)
    )
    return (await session.exec(query)).all()


async def claim(session: AsyncSession, *, contact: CaseContact, lease_until: datetime) -> bool:
    """Take a due row for one attempt (counted); False when another process took it first.

    The claim moves next_attempt_at to the end of a lease: a process that dies mid-attempt
    leaves the row to be tried again after the lease, and never two processes at once.
    """
    result = await session.exec(
        update(CaseContact)  # type: ignore[call-overload]
        .where(
            col(CaseContact.id) == contact.id,
            col(CaseContact.status) == ContactStatus.PENDING,
            col(CaseContact.next_attempt_at) == contact.next_attempt_at,
        )
        .values(next_attempt_at=lease_until, attempts=CaseContact.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0) == 1


async def get(session: AsyncSession, *, contact_id: int) -> CaseContact | None:
    return await session.get(CaseContact, contact_id)


async def subject(session: AsyncSession, *, contact: CaseContact) -> tuple[Client, Message] | None:
    """The client and the message of a queued contact (None: erased since it was queued)."""
    client = await session.get(Client, contact.client_id)
    message = await session.get(Message, contact.message_id)
    if client is None or message is None:
        return None
    return client, message


async def asked_before(
    session: AsyncSession, *, question_id: int, message_id: int
) -> CaseContact | None:
    """The latest client contact of the question that came before this message."""
    query = (
        select(CaseContact)
        .where(
            col(CaseContact.question_id) == question_id,
            col(CaseContact.kind) == ContactKind.QUESTION,
            col(CaseContact.message_id) < message_id,
        )
        .order_by(col(CaseContact.message_id).desc())
        .limit(1)
    )
    return (await session.exec(query)).first()


@dataclass(frozen=True)
class ContactOutbox:
    """Rows by status, and since when the oldest pending row waits (None: nothing waits)."""

    counts: dict[str, int]
    oldest_pending: datetime | None


async def outbox_status(session: AsyncSession) -> ContactOutbox:
    rows = (
        await session.exec(
            select(CaseContact.status, func.count()).group_by(  # type: ignore[call-overload]
                CaseContact.status
            )
        )
    ).all()
    oldest = (
        await session.exec(
            select(func.min(CaseContact.queued_at)).where(  # type: ignore[call-overload]
                col(CaseContact.status) == ContactStatus.PENDING
            )
        )
    ).one()
    return ContactOutbox({str(status): int(count) for status, count in rows}, oldest)


async def recent(session: AsyncSession, *, limit: int = 50) -> Sequence[CaseContact]:
    """The latest rows, newest first (the back-office's overview; ids and statuses only)."""
    query = select(CaseContact).order_by(col(CaseContact.id).desc()).limit(limit)
    return (await session.exec(query)).all()
