"""Queries of the audio cache: one row per text, language and voice (storage/models.AudioClip)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import AudioClip
from storage.types import utcnow


async def by_key(session: AsyncSession, *, key: str) -> AudioClip | None:
    return (await session.exec(select(AudioClip).where(AudioClip.key == key))).first()


async def remember(
    session: AsyncSession,
    *,
    key: str,
    message_id: str,
    values_hash: str,
    locale: str,
    voice: str,
    computer_voice: bool,
    seconds: float,
    file_id: str | None,
) -> None:
    """Store the clip's file id; a clip made twice at once (two presses) keeps one row."""
    table = AudioClip.__table__  # type: ignore[attr-defined]
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    now = utcnow()
    await session.exec(  # type: ignore[call-overload]
        insert(table)
        .values(
            key=key,
            message_id=message_id,
            values_hash=values_hash,
            locale=locale,
            voice=voice,
            computer_voice=computer_voice,
            seconds=seconds,
            file_id=file_id,
            uses=1,
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_update(
            index_elements=["key"],
            set_={
                "file_id": file_id,
                "seconds": seconds,
                "uses": table.c.uses + 1,
                "updated_at": now,
            },
        )
    )


async def used(session: AsyncSession, *, key: str) -> None:
    """Count one more send of a stored clip."""
    await session.exec(  # type: ignore[call-overload]
        update(AudioClip)
        .where(col(AudioClip.key) == key)
        .values(uses=col(AudioClip.uses) + 1, updated_at=utcnow())
    )


async def forget_file(session: AsyncSession, *, key: str) -> None:
    """Telegram no longer knows the file id: the next send uploads the clip again."""
    await session.exec(  # type: ignore[call-overload]
        update(AudioClip).where(col(AudioClip.key) == key).values(file_id=None, updated_at=utcnow())
    )


async def computer_voiced(session: AsyncSession) -> Sequence[AudioClip]:
    """Messages clients listened to in a computer voice: what a recording could replace."""
    statement = (
        select(AudioClip)
        .where(col(AudioClip.computer_voice).is_(True))
        .order_by(col(AudioClip.locale), col(AudioClip.message_id), col(AudioClip.values_hash))
    )
    return (await session.exec(statement)).all()
