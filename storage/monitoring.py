"""Queries of the health checks and metrics (bot/health.py, bot/metrics.py): counts, never rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, text
from sqlalchemy.engine import Connection
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import Database
from storage.enums import QuestionStatus
from storage.models import Question


async def schema_revision(db: Database) -> str | None:
    """Reach the database and read its Alembic revision (None: never migrated)."""

    def read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with db.engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
        return await conn.run_sync(read)


@dataclass(frozen=True)
class Waiting:
    """Questions waiting for an answer: how many, and since when the longest one waits."""

    count: int
    oldest: datetime | None


async def questions_waiting(session: AsyncSession) -> Waiting:
    """Unclosed questions whose client waits for an answer."""
    count, oldest = (
        await session.exec(
            select(func.count(), func.min(Question.waiting_since)).where(  # type: ignore[call-overload]
                col(Question.waiting_since).is_not(None),
                col(Question.status) != QuestionStatus.CLOSED,
            )
        )
    ).one()
    return Waiting(int(count or 0), oldest)
