"""The shared send budget: slots claimed by several processes at once never overlap."""

from __future__ import annotations

import asyncio
import itertools

from sqlmodel import select

from storage import pace
from storage.db import Database
from storage.models import SendPace

INTERVAL = 1 / 25


async def claim(db: Database, now: float, count: int = 1) -> float:
    async with db.transaction() as session:
        return await pace.claim(session, now=now, interval=INTERVAL, count=count)


async def test_the_first_claim_creates_the_budget_and_starts_now(db: Database) -> None:
    assert await claim(db, 1000.0) == 1000.0
    async with db.reading() as session:
        [row] = (await session.exec(select(SendPace))).all()
    assert row.key == pace.TELEGRAM
    assert round(row.next_at, 9) == round(1000.0 + INTERVAL, 9)


async def test_slots_follow_each_other_and_never_lie_in_the_past(db: Database) -> None:
    first = await claim(db, 1000.0)
    second = await claim(db, 1000.0)
    batch = await claim(db, 1000.0, count=3)
    after = await claim(db, 1000.0)
    assert round(second - first, 9) == round(INTERVAL, 9)
    assert round(batch - second, 9) == round(INTERVAL, 9)
    assert round(after - batch, 9) == round(3 * INTERVAL, 9)
    assert await claim(db, 5000.0) == 5000.0  # an idle budget does not hand out old slots


async def test_three_processes_claiming_at_once_get_distinct_evenly_spaced_slots(
    db: Database, database_url: str
) -> None:
    await claim(db, 0.0)  # the row exists; each "process" below has its own engine and pool
    others = [Database(database_url) for _ in range(3)]
    try:
        slots = await asyncio.gather(*(claim(other, 2000.0) for other in others for _ in range(30)))
    finally:
        for other in others:
            await other.dispose()
    ordered = sorted(slots)
    assert len(set(ordered)) == 90
    gaps = [round(b - a, 9) for a, b in itertools.pairwise(ordered)]
    assert set(gaps) == {round(INTERVAL, 9)}
    assert ordered[0] == 2000.0
