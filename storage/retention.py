"""Queries of the retention purge: message contents older than the retention period."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Message


async def erase_message_contents(session: AsyncSession, *, before: datetime, now: datetime) -> int:
    """Blank the text, file and machine translation of messages sent before a moment; returns
    how many."""
    result = await session.exec(
        update(Message)  # type: ignore[call-overload]
        .where(col(Message.sent_at) < before, col(Message.erased_at).is_(None))
        .values(
            text=None,
            file_id=None,
            translation=None,
            translation_next_at=None,
            erased_at=now,
        )
    )
    return int(result.rowcount or 0)
