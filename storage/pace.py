"""Send slots on a budget shared by every process through the database (a token bucket's clock).

`claim` moves the budget's `next_at` on by `count` intervals in one atomic UPDATE ... RETURNING
(a row lock on PostgreSQL, the single writer on SQLite) and returns when the first claimed slot
starts: never before now, never before the slot the previous claimer got. So any number of
dispatcher processes together send at most one message per interval. Times are seconds since the
epoch from the caller's clock; the hosts' clocks are kept in step by NTP.
"""

from __future__ import annotations

from sqlalchemy import func, literal, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import SendPace
from storage.types import utcnow

TELEGRAM = "telegram"  # the bot's own budget: about 30 messages a second


async def claim(
    session: AsyncSession, *, key: str = TELEGRAM, now: float, interval: float, count: int = 1
) -> float:
    """Claim `count` consecutive slots `interval` seconds apart; the first one's start."""
    table = SendPace.__table__  # type: ignore[attr-defined]
    later = (
        func.greatest(table.c.next_at, now)
        if session.bind is not None and session.bind.dialect.name == "postgresql"
        else func.max(table.c.next_at, now)
    )
    step = literal(interval * count)
    statement = (
        update(table)
        .where(table.c.key == key)
        .values(next_at=later + step, updated_at=utcnow())
        .returning(table.c.next_at)
    )
    found = (await session.exec(statement)).scalar_one_or_none()  # type: ignore[call-overload]
    if found is None:
        await _create(session, key)
        found = (await session.exec(statement)).scalar_one()  # type: ignore[call-overload]
    return float(found) - interval * count


async def _create(session: AsyncSession, key: str) -> None:
    """The budget's row, once (two processes may try at the same time)."""
    table = SendPace.__table__  # type: ignore[attr-defined]
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    now = utcnow()
    await session.exec(  # type: ignore[call-overload]
        insert(table)
        .values(key=key, next_at=0.0, created_at=now, updated_at=now)
        .on_conflict_do_nothing(index_elements=["key"])
    )
