"""Back-office sessions kept in the database (the cookie holds only a random id).

Rows are found by the SHA-256 hash of the id, so a copy of the table opens no session. A write
never touches a revoked row: a request that was under way when its session was revoked cannot
bring it back.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import StaffSession


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def live(session: AsyncSession, *, token: str) -> StaffSession | None:
    """The session of a cookie, unless it was revoked."""
    query = select(StaffSession).where(
        StaffSession.token_hash == token_hash(token), col(StaffSession.revoked_at).is_(None)
    )
    return (await session.exec(query)).first()


async def create(
    session: AsyncSession,
    *,
    token: str,
    staff_id: int | None,
    stage: str,
    data: dict[str, Any],
    address: str,
    now: datetime,
) -> None:
    session.add(
        StaffSession(
            token_hash=token_hash(token),
            staff_id=staff_id,
            stage=stage,
            data=data,
            address=address[:64],
            started_at=now,
            seen_at=now,
        )
    )
    await session.flush()


async def save(
    session: AsyncSession,
    *,
    token: str,
    staff_id: int | None,
    stage: str,
    data: dict[str, Any],
    now: datetime,
) -> bool:
    """Write a session back; False when it was revoked meanwhile (then nothing changes)."""
    result = await session.exec(
        update(StaffSession)
        .where(
            col(StaffSession.token_hash) == token_hash(token),
            col(StaffSession.revoked_at).is_(None),
        )
        .values(staff_id=staff_id, stage=stage, data=data, seen_at=now, updated_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def revoke(session: AsyncSession, *, token: str, now: datetime) -> None:
    await session.exec(
        update(StaffSession)
        .where(
            col(StaffSession.token_hash) == token_hash(token),
            col(StaffSession.revoked_at).is_(None),
        )
        .values(revoked_at=now, data={})
    )


async def revoke_all_of(
    session: AsyncSession, *, staff_id: int, now: datetime, session_id: int | None = None
) -> int:
    """End every live session of a staff member (or only one of them); how many ended."""
    query = (
        update(StaffSession)
        .where(col(StaffSession.staff_id) == staff_id, col(StaffSession.revoked_at).is_(None))
        .values(revoked_at=now, data={})
    )
    if session_id is not None:
        query = query.where(col(StaffSession.id) == session_id)
    result = await session.exec(query)
    return int(result.rowcount)  # type: ignore[attr-defined]


async def live_of(session: AsyncSession, *, staff_id: int) -> Sequence[StaffSession]:
    """A staff member's sessions that were not revoked, latest activity first."""
    query = (
        select(StaffSession)
        .where(StaffSession.staff_id == staff_id, col(StaffSession.revoked_at).is_(None))
        .order_by(col(StaffSession.seen_at).desc())
    )
    return (await session.exec(query)).all()


async def purge(session: AsyncSession, *, seen_before: datetime) -> int:
    """Delete sessions unused since `seen_before` (any of them is expired by then)."""
    result = await session.exec(delete(StaffSession).where(col(StaffSession.seen_at) < seen_before))
    return int(result.rowcount)  # type: ignore[attr-defined]
