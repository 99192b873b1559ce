"""Reliability with real processes: SIGKILL during dispatch, and several dispatchers at once.

The fake Telegram runs in the test process; each dispatcher is `python -m console dispatch
--loop` in a process of its own. Short versions run in `make test`, full ones in `make soak`.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import col, select

from bench.dispatch import busiest_second, seed_outbox
from fakebot import FakeTelegram
from storage.db import Database
from storage.models import Reminder
from tests.soak.outbox import (
    BACKENDS,
    TOKEN,
    DispatcherProcess,
    all_rows,
    counts,
    drained,
    outbox_database,
    sends_per_chat,
    wait_until,
)

LEASE = 2.0
TICK = 0.2
BATCH = 50


async def claimed_by_pid(db: Database, pid: int) -> list[Reminder]:
    async with db.reading() as session:
        found = await session.exec(
            select(Reminder).where(
                Reminder.status == "claimed", col(Reminder.claimed_by).endswith(f"/{pid}")
            )
        )
        return list(found.all())


async def crash_run(backend: str, tmp_path: Path, *, reminders: int, crashes: int) -> None:
    rng = random.Random(reminders * 31 + crashes)
    db = await outbox_database(backend, tmp_path)
    fake = FakeTelegram(TOKEN, auto_create_chats=True)
    await fake.start()
    processes: list[DispatcherProcess] = []
    try:
        chats = await seed_outbox(db, reminders, now=datetime.now(UTC))
        process = await DispatcherProcess.start(
            db, fake, tmp_path, lease=LEASE, interval=TICK, batch=BATCH
        )
        processes.append(process)
        interrupted = 0  # crashes that left claims behind
        for crash in range(crashes):
            remaining = reminders - len(sends_per_chat(fake))
            if remaining == 0:
                # Each restart sends while the dead one's leases run out; a fast dispatcher may
                # have sent everything before the last crashes, and a wait for one more call
                # would never end.
                break
            target = len(fake.calls) + rng.randint(1, max(1, remaining // (crashes - crash + 1)))
            await fake.wait_for(
                lambda _call, target=target: len(fake.calls) >= target, timeout=120, since=0
            )
            await process.kill()
            dead = process.pid
            stale = await claimed_by_pid(db, dead)
            process = await DispatcherProcess.start(  # the restart
                db, fake, tmp_path, lease=LEASE, interval=TICK, batch=BATCH
            )
            processes.append(process)
            if stale:  # taken over once their lease ran out, and not before
                interrupted += 1
                await wait_until(lambda dead=dead: _none_left(db, dead), within=60, every=0.05)
                leases = {row.id: row.lease_until for row in stale}
                async with db.reading() as session:
                    again = (
                        await session.exec(select(Reminder).where(col(Reminder.id).in_(leases)))
                    ).all()
                early = [
                    row.id
                    for row in again
                    if row.sent_at is not None and row.sent_at < leases[row.id]
                ]
                assert not early, f"claims of a dead dispatcher were sent in their lease: {early}"
        await wait_until(lambda: drained(db), within=reminders / 20 + 60, every=0.2)
    finally:
        for process in processes:
            await process.kill()
        await fake.stop()
    assert interrupted >= 1, "no crash came while a dispatcher held claims"
    rows = await all_rows(db)
    await db.dispose()
    assert len(rows) == reminders
    assert all(r.status in ("sent", "skipped", "failed") for r in rows)
    assert all(r.reason or r.last_error for r in rows if r.status != "sent")
    per_chat = sends_per_chat(fake)
    assert set(per_chat) == set(chats), "a reminder was lost"
    duplicates = sum(n - 1 for n in per_chat.values())
    assert duplicates <= crashes * BATCH, f"{duplicates} duplicates after {crashes} crashes"


async def _none_left(db: Database, pid: int) -> bool:
    return not await claimed_by_pid(db, pid)


async def many_dispatchers_run(
    backend: str, tmp_path: Path, *, reminders: int, dispatchers: int
) -> None:
    db = await outbox_database(backend, tmp_path)
    fake = FakeTelegram(TOKEN, auto_create_chats=True)
    await fake.start()
    processes: list[DispatcherProcess] = []
    try:
        chats = await seed_outbox(db, reminders, now=datetime.now(UTC))
        for _ in range(dispatchers):
            processes.append(
                await DispatcherProcess.start(db, fake, tmp_path, lease=60, interval=TICK)
            )
        await wait_until(lambda: drained(db), within=reminders / 20 + 60, every=0.2)
        for process in processes:
            await process.stop()
    finally:
        for process in processes:
            await process.kill()
        await fake.stop()
    found = await counts(db)
    rows = await all_rows(db)
    await db.dispose()
    assert found == {"sent": reminders}
    per_chat = sends_per_chat(fake)
    assert set(per_chat) == set(chats)
    assert max(per_chat.values()) == 1, "a reminder was sent twice"
    assert len({r.claimed_by for r in rows}) == dispatchers, "every dispatcher took a share"


@pytest.mark.timeout(600)  # dispatcher processes, started four times: slower than most tests
@pytest.mark.parametrize("backend", BACKENDS)
async def test_sigkill_during_dispatch_loses_nothing(backend: str, tmp_path: Path) -> None:
    await crash_run(backend, tmp_path, reminders=1000, crashes=3)


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
async def test_sigkill_during_dispatch_loses_nothing_full(backend: str, tmp_path: Path) -> None:
    await crash_run(backend, tmp_path, reminders=10_000, crashes=20)


@pytest.mark.parametrize("backend", BACKENDS)
async def test_several_dispatchers_share_one_outbox(backend: str, tmp_path: Path) -> None:
    await many_dispatchers_run(backend, tmp_path, reminders=1000, dispatchers=2)


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
async def test_several_dispatchers_share_one_outbox_full(backend: str, tmp_path: Path) -> None:
    await many_dispatchers_run(backend, tmp_path, reminders=10_000, dispatchers=3)


async def shared_pace_run(backend: str, tmp_path: Path, *, reminders: int) -> None:
    """Three rate-limited dispatchers against a fake that answers 429 beyond 30 a second."""
    db = await outbox_database(backend, tmp_path)
    fake = FakeTelegram(TOKEN, auto_create_chats=True)
    fake.rate_limit = 30
    await fake.start()
    processes: list[DispatcherProcess] = []
    try:
        await seed_outbox(db, reminders, now=datetime.now(UTC))
        for _ in range(3):
            processes.append(
                await DispatcherProcess.start(
                    db, fake, tmp_path, lease=120, interval=TICK, batch=BATCH, extra=()
                )
            )
        await wait_until(lambda: drained(db), within=reminders / 10 + 60, every=0.2)
        for process in processes:
            await process.stop()
    finally:
        for process in processes:
            await process.kill()
        await fake.stop()
    found = await counts(db)
    rows = await all_rows(db)
    await db.dispose()
    sends = fake.calls_for("sendMessage")
    assert [call.status for call in sends if call.status == 429] == []
    assert found == {"sent": reminders}
    assert busiest_second([call.monotonic for call in sends]) <= 30
    assert len({r.claimed_by for r in rows}) == 3, "every dispatcher took a share"


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
async def test_three_dispatchers_share_one_pace_and_never_flood(
    backend: str, tmp_path: Path
) -> None:
    await shared_pace_run(backend, tmp_path, reminders=600)
