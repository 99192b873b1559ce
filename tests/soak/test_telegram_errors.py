"""Reliability against Telegram's errors and a day of downtime, the dispatcher in this process.

429 (5% of sends, retry_after 1 to 3 s), 403 (blocked), 5xx and time-outs, and a bot that was
stopped for a day. Short versions run in `make test`, full ones in `make soak`.
"""

from __future__ import annotations

import asyncio
import itertools
import random
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from bench.dispatch import CHAT_BASE, seed_outbox
from bot.app import BotApplication, build_application
from bot.channels import channels_of
from casework import case
from casework.clock import Clock, FixedClock, SystemClock
from console.compose import schedule
from fakebot import FakeTelegram
from scheduler.dispatch import MAX_ATTEMPTS, Dispatcher, backoff, for_services
from storage.db import Database
from storage.enums import ReminderKind
from storage.ids import pk
from storage.models import Appointment, Client, Reminder
from tests import factories
from tests.e2e.conftest import harness_settings
from tests.soak.outbox import (
    BACKENDS,
    TOKEN,
    all_rows,
    counts,
    drained,
    outbox_database,
    sends_per_chat,
    wait_until,
)

NOW = factories.NOW
# The flood run waits out retry_after (1 to 3 s, now and then): far less than this in all.
FLOOD_SECONDS_PER_REMINDER = 0.05
CLOCK_SLEW = 0.01  # seconds: the wall clock against the monotonic one over a retry_after


@asynccontextmanager
async def dispatching(
    backend: str, tmp_path: Path, clock: Clock, **overrides: Any
) -> AsyncIterator[tuple[Database, FakeTelegram, BotApplication, Dispatcher]]:
    db = await outbox_database(backend, tmp_path)
    fake = FakeTelegram(TOKEN, auto_create_chats=True)
    await fake.start()
    # These dispatchers read the real clock: no quiet hours, or at night nothing would be sent.
    overrides.setdefault("quiet_hours", "00:00-00:00")
    settings = harness_settings(fake, db.url, telegram_token=TOKEN, **overrides)
    app = build_application(settings, db=db, clock=clock, rate_limit=False)
    await app.initialize()
    services = app.bot_data.services
    assert services is not None
    try:
        yield db, fake, app, for_services(services, rate_limited=False)
    finally:
        await app.shutdown()
        await fake.stop()
        await db.dispose()


# -- 429 ---------------------------------------------------------------------------------------


async def flood_run(backend: str, tmp_path: Path, reminders: int) -> None:
    rng = random.Random(429)
    async with dispatching(backend, tmp_path, SystemClock(), dispatch_batch_size=100) as (
        db,
        fake,
        app,
        dispatcher,
    ):
        chats = await seed_outbox(db, reminders, now=datetime.now(UTC))
        for seconds in (1, 2, 3):
            fake.inject(
                "sendMessage",
                status=429,
                retry_after=seconds,
                times=None,
                match=lambda _params: rng.random() < 0.05 / 3,
            )
        async with asyncio.timeout(60 + reminders * FLOOD_SECONDS_PER_REMINDER):
            while not await drained(db):
                await dispatcher.drain(channels_of(app).client)
                await asyncio.sleep(0.1)  # real time: the fake measures retry_after in real s
        fake.clear_faults()
        assert await counts(db) == {"sent": reminders}
    per_chat = sends_per_chat(fake)
    assert set(per_chat) == set(chats) and max(per_chat.values()) == 1
    calls = fake.calls_for("sendMessage")
    floods = [call for call in calls if call.status == 429]
    assert floods, "the fault injection did not fire"
    assert len(calls) <= 1.1 * reminders
    by_chat = defaultdict(list)
    for call in calls:
        by_chat[call.params["chat_id"]].append(call)
    for chat_calls in by_chat.values():
        for before, after in itertools.pairwise(chat_calls):
            if before.status == 429:
                waited = after.monotonic - (before.finished_monotonic or before.monotonic)
                # The fake times calls on the monotonic clock, the dispatcher plans the retry on
                # the wall clock, which NTP may slew by up to 0.05% (1.5 ms in 3 s: a run under
                # load once measured 2.998 s). A retry sent early on purpose is seconds early.
                assert waited >= before.fault.retry_after - CLOCK_SLEW, "retried too early"


@pytest.mark.parametrize("backend", BACKENDS)
async def test_429_waits_and_everything_arrives(backend: str, tmp_path: Path) -> None:
    await flood_run(backend, tmp_path, 500)


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
async def test_429_waits_and_everything_arrives_full(backend: str, tmp_path: Path) -> None:
    await flood_run(backend, tmp_path, 10_000)


# -- 403 ---------------------------------------------------------------------------------------


async def blocked_run(backend: str, tmp_path: Path, clients: int) -> None:
    async with dispatching(backend, tmp_path, SystemClock()) as (db, fake, app, dispatcher):
        now = datetime.now(UTC)
        chats = await seed_outbox(db, clients, now=now)
        blocked_chats = set(chats[::10])
        async with db.transaction() as session:
            owners = (
                await session.exec(
                    select(Client).where(col(Client.telegram_chat_id).in_(blocked_chats))
                )
            ).all()
            for owner in owners:
                for n, due in enumerate((now, now + timedelta(hours=1))):
                    session.add(
                        Reminder(
                            client_id=pk(owner),
                            kind=ReminderKind.TASK,
                            subject_id=owner.id,
                            dedup_key=f"task:{owner.id}:extra{n}",
                            due_at=due,
                            available_at=due,
                        )
                    )
        for chat in blocked_chats:
            fake.user(chat).chat.blocked = True
        settled: dict[int, float] = {}
        loop = asyncio.get_running_loop()

        owner_ids = [owner.id for owner in owners]

        async def watch() -> None:
            """Note when each client is blocked with nothing left waiting (two queries a sweep)."""
            while len(settled) < len(owners):
                async with db.reading() as session:
                    blocked = set(
                        (
                            await session.exec(
                                select(Client.id).where(
                                    col(Client.id).in_(owner_ids), Client.status == "blocked_bot"
                                )
                            )
                        ).all()
                    )
                    waiting = set(
                        (
                            await session.exec(
                                select(Reminder.client_id).where(
                                    col(Reminder.client_id).in_(owner_ids),
                                    col(Reminder.status).in_(("pending", "claimed")),
                                )
                            )
                        ).all()
                    )
                for client_id in blocked - waiting - set(settled):
                    settled[client_id or 0] = loop.time()
                await asyncio.sleep(0.05)

        watcher = asyncio.create_task(watch())
        await dispatcher.drain(channels_of(app).client)
        await asyncio.wait_for(watcher, timeout=10)
        await dispatcher.drain(channels_of(app).client)  # nothing is tried again
        rows = await all_rows(db)
    calls = fake.calls_for("sendMessage")
    forbidden = {call.params["chat_id"]: call for call in calls if call.status == 403}
    assert set(forbidden) == blocked_chats
    for chat in blocked_chats:
        assert sum(1 for call in calls if call.params["chat_id"] == chat) == 1, "tried again"
    # How soon after the 403 each client was settled is a figure for a benchmark, not a test on a
    # shared machine (it was held to a second here, and failed under load); the watcher above
    # only requires that it happens.
    for owner in owners:
        theirs = sorted((r.status, r.reason) for r in rows if r.client_id == owner.id)
        assert theirs == [("cancelled", "blocked_bot")] * 2 + [("failed", "blocked_bot")]
    others = [r for r in rows if r.client_id not in {o.id for o in owners}]
    assert {r.status for r in others} == {"sent"}


@pytest.mark.parametrize("backend", BACKENDS)
async def test_403_is_tried_once_and_blocks_the_client(backend: str, tmp_path: Path) -> None:
    await blocked_run(backend, tmp_path, 200)


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
async def test_403_is_tried_once_and_blocks_the_client_full(backend: str, tmp_path: Path) -> None:
    await blocked_run(backend, tmp_path, 2000)


# -- 5xx and time-outs -------------------------------------------------------------------------


async def server_errors_run(backend: str, tmp_path: Path, reminders: int) -> None:
    clock = FixedClock(datetime.now(UTC).replace(microsecond=0))
    async with dispatching(backend, tmp_path, clock) as (db, fake, app, dispatcher):
        dispatcher.send_timeout = 1.0  # roomy: a loaded machine must not time out the others
        chats = await seed_outbox(db, reminders, now=clock.now())
        broken = set(chats[0::10])
        slow = set(chats[1::20])
        flaky = set(chats[2::5]) - broken - slow
        fake.inject(
            "sendMessage", status=502, times=None, match=lambda p: p.get("chat_id") in broken
        )
        fake.inject(
            "sendMessage", latency=1.5, times=None, match=lambda p: p.get("chat_id") in slow
        )
        fake.inject(
            "sendMessage", status=500, times=len(flaky), match=lambda p: p.get("chat_id") in flaky
        )
        attempts_at: dict[int, list[datetime]] = defaultdict(list)
        for _ in range(40):
            await dispatcher.drain(channels_of(app).client)
            tried = defaultdict(int)
            for call in fake.calls_for("sendMessage"):
                tried[call.params["chat_id"]] += 1
            for chat, n in tried.items():
                while len(attempts_at[chat]) < n:
                    attempts_at[chat].append(clock.now())
            if await drained(db):
                break
            clock.advance(timedelta(seconds=15))
        rows = {r.client_id: r for r in await all_rows(db)}
        async with db.reading() as session:
            chat_of = {c.id: c.telegram_chat_id for c in (await session.exec(select(Client))).all()}
    by_chat = {chat_of[client_id]: row for client_id, row in rows.items()}
    for chat in broken | slow:
        row = by_chat[chat]
        error = "NetworkError: Bad Gateway" if chat in broken else "TimedOut: Timed out"
        assert (row.status, row.attempts, row.last_error) == ("failed", MAX_ATTEMPTS, error)
        times = attempts_at[chat]
        assert len(times) == MAX_ATTEMPTS
        for n, (before, after) in enumerate(itertools.pairwise(times), start=1):
            assert after - before >= backoff(n), "retried before its backoff"
    for chat in flaky:
        assert (by_chat[chat].status, by_chat[chat].attempts) == ("sent", 1)
    for chat in set(chats) - broken - slow - flaky:
        assert (by_chat[chat].status, by_chat[chat].attempts) == ("sent", 0)


@pytest.mark.parametrize("backend", BACKENDS)
async def test_5xx_and_time_outs_back_off_then_fail_with_the_error(
    backend: str, tmp_path: Path
) -> None:
    await server_errors_run(backend, tmp_path, 100)


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
async def test_5xx_and_time_outs_back_off_then_fail_with_the_error_full(
    backend: str, tmp_path: Path
) -> None:
    await server_errors_run(backend, tmp_path, 1000)


# -- a day of downtime -------------------------------------------------------------------------


async def downtime_run(backend: str, tmp_path: Path, appointments: int) -> None:
    clock = FixedClock(NOW)  # Monday 11:00 in Amsterdam
    async with dispatching(backend, tmp_path, clock, dispatch_interval_seconds=0.2) as (
        db,
        fake,
        app,
        _dispatcher,
    ):
        services = app.bot_data.services
        assert services is not None
        async with db.transaction() as session:
            for n in range(appointments):
                client = await factories.client(
                    session,
                    status="active",
                    telegram_chat_id=CHAT_BASE + n,
                    telegram_user_id=CHAT_BASE + n,
                    consent_at=NOW,
                    locale="en",
                )
                await case.add_appointment(
                    session,
                    client=client,
                    rules=services.rules,
                    now=NOW,
                    draft=case.AppointmentDraft(
                        kind="intake",
                        external_id=f"d{n}",
                        starts_at=NOW + timedelta(hours=3) + timedelta(hours=45) * n / appointments,
                    ),
                )
        clock.advance(timedelta(days=1))  # the bot was down; now Tuesday 11:00
        schedule(app)
        await app.start()
        try:
            seconds = await wait_until(lambda: _nothing_due(db, clock.now()), within=180)
        finally:
            await app.stop()
        async with db.reading() as session:
            rows = (await session.exec(select(Reminder))).all()
            starts = {a.id: a.starts_at for a in (await session.exec(select(Appointment))).all()}
    assert seconds < 120, "reminders that fell due were not sent within a few minutes"
    due = [r for r in rows if r.due_at <= clock.now()]
    assert {r.status for r in due} == {"sent", "skipped"}
    for row in due:
        if starts[row.subject_id] > clock.now():
            assert row.status == "sent", (row.dedup_key, row.status, row.reason)
        else:
            assert (row.status, row.reason) == ("skipped", "event_passed")
    assert {r.status for r in rows if r.due_at > clock.now()} <= {"pending"}
    assert len(sends_per_chat(fake)) == len({r.client_id for r in due if r.status == "sent"})


async def _nothing_due(db: Database, now: datetime) -> bool:
    async with db.reading() as session:
        waiting = (
            await session.exec(
                select(Reminder.id).where(
                    col(Reminder.status).in_(("pending", "claimed")), Reminder.available_at <= now
                )
            )
        ).first()
    return waiting is None


@pytest.mark.parametrize("backend", BACKENDS)
async def test_after_a_day_of_downtime_due_reminders_go_out_and_passed_ones_are_skipped(
    backend: str, tmp_path: Path
) -> None:
    await downtime_run(backend, tmp_path, 60)


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
async def test_after_a_day_of_downtime_full(backend: str, tmp_path: Path) -> None:
    await downtime_run(backend, tmp_path, 1000)
