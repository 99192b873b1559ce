"""How fast the dispatcher empties the outbox into the fake Telegram.

Three figures: with Telegram's flood limit disabled in the fake (what the dispatcher itself can
do: the goal is at least 300 reminders a second on SQLite and on PostgreSQL), with the fake
enforcing 30 messages a second (the goal: 5,000 reminders in under three minutes, within 10% of
30 a second, without a single 429), and the same with three dispatcher processes
(`python -m scheduler.dispatch --loop`) sharing one pace through the database: together still
under 30 a second, no 429.

    python -m bench.dispatch            # full: 10,000 unlimited, 5,000 limited, on SQLite
    python -m bench.dispatch --quick    # a few seconds
    python -m bench.dispatch --database-url postgresql://postgres@127.0.0.1/bench
        (the database is emptied first)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers the tables)
from bot.app import build_application
from bot.channels import channels_of
from casework.clock import SystemClock
from casework.settings import Settings, normalise_database_url
from fakebot import FakeTelegram
from scheduler.dispatch import SAFE_RATE, Tally, for_services
from storage import reminders as reminder_rows
from storage.db import Database
from storage.enums import ClientStatus, ReminderKind
from storage.ids import pk
from storage.models import Appointment, Client, Reminder

TOKEN = "123456:BENCH-TOKEN"
ROOT = Path(__file__).resolve().parent.parent
CHAT_BASE = 10_000_000
LOCALES = ("nl", "en", "ar", "tr", "fa", "ti", "so")
KINDS = ("intake", "progress_meeting", "exam", "lesson", "home_visit")


@dataclass(frozen=True)
class Figures:
    """One run: how many reminders, how long, how fast, and how the fake saw it."""

    backend: str
    reminders: int
    rate_limited: bool
    seconds: float
    per_second: float
    sent: int
    requests: int
    too_many_requests: int
    busiest_second: int
    cpu_ms_per_reminder: float  # the dispatcher's own CPU: what a busy machine cannot hide
    processes: int = 1

    @property
    def cpu_bound_per_second(self) -> float:
        """What one free core would do, by the dispatcher's CPU time alone."""
        return round(1000 / self.cpu_ms_per_reminder, 1) if self.cpu_ms_per_reminder else 0.0

    def line(self) -> str:
        mode = "limit 30/s" if self.rate_limited else "no limit "
        return (
            f"{self.backend:<10} {mode} x{self.processes} {self.reminders:>6} reminders"
            f" in {self.seconds:7.1f} s"
            f" = {self.per_second:7.1f}/s  (sent {self.sent}, requests {self.requests},"
            f" 429s {self.too_many_requests}, busiest second {self.busiest_second};"
            f" dispatcher CPU {self.cpu_ms_per_reminder} ms per reminder,"
            f" {self.cpu_bound_per_second}/s on a free core)"
        )


async def reset(db: Database) -> None:
    """An empty schema (the benchmark's own database only)."""
    async with db.engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.drop_all)
        await conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        await conn.run_sync(SQLModel.metadata.create_all)


async def seed_outbox(
    db: Database,
    count: int,
    *,
    now: datetime,
    chat_base: int = CHAT_BASE,
    due_spread: timedelta = timedelta(0),
) -> list[int]:
    """`count` linked clients, each with an appointment in three hours and its reminder due now.

    Returns the chat ids, in reminder order. `due_spread` spreads the due times over the past.
    """
    chats = [chat_base + i for i in range(count)]
    async with db.transaction() as session:
        clients = [
            Client(
                ref=f"B-{chat:09d}",
                first_name="Bench",
                municipality="Hoorn",
                locale=LOCALES[i % len(LOCALES)],
                status=ClientStatus.ACTIVE,
                telegram_chat_id=chat,
                telegram_user_id=chat,
                consent_at=now - timedelta(days=30),
                linked_at=now - timedelta(days=30),
            )
            for i, chat in enumerate(chats)
        ]
        session.add_all(clients)
        await session.flush()
        appointments = [
            Appointment(
                client_id=pk(client),
                external_id=f"bench-{i}",
                kind=KINDS[i % len(KINDS)],
                starts_at=now + timedelta(hours=3),
                ends_at=now + timedelta(hours=4),
                place_name="Gemeentehuis Hoorn",
                address="Nieuwe Steen 1, 1625 HV Hoorn",
            )
            for i, client in enumerate(clients)
        ]
        session.add_all(appointments)
        await session.flush()
        step = due_spread / count if count else timedelta(0)
        session.add_all(
            Reminder(
                client_id=appointment.client_id,
                kind=ReminderKind.APPOINTMENT,
                subject_id=appointment.id,
                dedup_key=f"appointment:{appointment.id}:120m",
                due_at=now - step * i,
                available_at=now - step * i,
                event_at=appointment.starts_at,
            )
            for i, appointment in enumerate(appointments)
        )
    return chats


def busiest_second(moments: Sequence[float]) -> int:
    """The most calls in any one-second window."""
    ordered = sorted(moments)
    best = start = 0
    for end, moment in enumerate(ordered):
        while moment - ordered[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


def bench_settings(api_url: str, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "telegram_token": TOKEN,
        "telegram_api_url": api_url,
        "database_url": database_url,
        "dispatch_batch_size": 100,
        "log_level": "WARNING",
        # The benchmark may run at any hour: no quiet hours, or at night nothing would be sent.
        "quiet_hours": "00:00-00:00",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


async def serve_fake(limit: float | None) -> None:
    """The fake Telegram for a benchmark, in a process of its own (the second core).

    Prints its port, serves until SIGTERM, then prints what it saw as one line of JSON.
    """
    fake = FakeTelegram(TOKEN, auto_create_chats=True)
    fake.rate_limit = limit
    port = await fake.start()
    print(port, flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    sends = fake.calls_for("sendMessage")
    print(
        json.dumps(
            {
                "requests": len(sends),
                "ok": sum(1 for call in sends if call.ok),
                "too_many_requests": sum(1 for call in sends if call.status == 429),
                "busiest_second": busiest_second([c.monotonic for c in sends if c.ok]),
                "sending_seconds": (
                    max(c.monotonic for c in sends) - min(c.monotonic for c in sends)
                    if len(sends) > 1
                    else 0.0
                ),
            }
        ),
        flush=True,
    )
    await fake.stop()


async def measure(reminders: int, *, rate_limited: bool, database_url: str) -> Figures:
    """Seed an outbox, empty it into the fake (another process) and report the figures."""
    fake_process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.dispatch",
        "--serve-fake",
        *(["--limit", "30"] if rate_limited else []),
        stdout=asyncio.subprocess.PIPE,
        cwd=ROOT,
    )
    assert fake_process.stdout is not None
    port = int((await fake_process.stdout.readline()).decode())
    db = Database(normalise_database_url(database_url))
    await reset(db)
    api = f"http://127.0.0.1:{port}/bot"
    settings = bench_settings(api, db.url)
    app = build_application(settings, db=db, clock=SystemClock(), rate_limit=rate_limited)
    services = app.bot_data.services
    assert services is not None
    dispatcher = for_services(services, rate_limited=rate_limited)
    try:
        await seed_outbox(db, reminders, now=services.clock.now())
        await app.initialize()
        total = Tally()
        started = time.perf_counter()
        cpu_started = time.process_time()
        while True:
            total.add(await dispatcher.drain(channels_of(app).client))
            async with db.reading() as session:
                status = await reminder_rows.outbox_status(session, now=services.clock.now())
            if not status.counts.get("pending") and not status.counts.get("claimed"):
                break
            await asyncio.sleep(0.05)  # rows waiting for a retry_after
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
    finally:
        await app.shutdown()
        await db.dispose()
        fake_process.terminate()
        seen = json.loads((await fake_process.stdout.readline()).decode() or "{}")
        await fake_process.wait()
    return Figures(
        backend=db.engine.dialect.name,
        reminders=reminders,
        rate_limited=rate_limited,
        seconds=round(seconds, 2),
        per_second=round(reminders / seconds, 1),
        sent=status.counts.get("sent", 0),
        requests=seen.get("requests", 0),
        too_many_requests=seen.get("too_many_requests", 0),
        busiest_second=seen.get("busiest_second", 0),
        cpu_ms_per_reminder=round(1000 * cpu / reminders, 2),
    )


async def _start_fake(limit: float | None) -> tuple[asyncio.subprocess.Process, int]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.dispatch",
        "--serve-fake",
        *(["--limit", str(limit)] if limit else []),
        stdout=asyncio.subprocess.PIPE,
        cwd=ROOT,
    )
    assert process.stdout is not None
    return process, int((await process.stdout.readline()).decode())


async def measure_processes(reminders: int, *, processes: int, database_url: str) -> Figures:
    """`processes` rate-limited dispatcher processes on one outbox, the fake limiting to 30/s."""
    fake_process, port = await _start_fake(30)
    assert fake_process.stdout is not None
    db = Database(normalise_database_url(database_url))
    await reset(db)
    env = {
        **os.environ,
        "INBURGERBOT_DATABASE_URL": db.url,
        "INBURGERBOT_TELEGRAM_TOKEN": TOKEN,
        "INBURGERBOT_TELEGRAM_API_URL": f"http://127.0.0.1:{port}/bot",
        "INBURGERBOT_DISPATCH_INTERVAL_SECONDS": "0.2",
        "INBURGERBOT_DISPATCH_BATCH_SIZE": "50",
        "INBURGERBOT_LOG_LEVEL": "WARNING",
        "INBURGERBOT_QUIET_HOURS": "00:00-00:00",  # the benchmark may run at any hour
    }
    workers: list[asyncio.subprocess.Process] = []
    status = None
    try:
        await seed_outbox(db, reminders, now=SystemClock().now())
        started = time.perf_counter()
        cpu = 0.0
        for _ in range(processes):
            workers.append(
                await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "console", "dispatch", "--loop", cwd=ROOT, env=env
                )
            )
        deadline = started + reminders / 10 + 120
        while time.perf_counter() < deadline:
            async with db.reading() as session:
                status = await reminder_rows.outbox_status(session, now=SystemClock().now())
            if not status.counts.get("pending") and not status.counts.get("claimed"):
                break
            await asyncio.sleep(0.1)
        seconds = time.perf_counter() - started
        for worker in workers:
            cpu += _cpu_seconds(worker.pid)
    finally:
        for worker in workers:
            if worker.returncode is None:
                worker.terminate()
        for worker in workers:
            await asyncio.wait_for(worker.wait(), 30)
        await db.dispose()
        fake_process.terminate()
        seen = json.loads((await fake_process.stdout.readline()).decode() or "{}")
        await fake_process.wait()
    assert status is not None
    # From the first message to the last as the fake saw them: the processes' start-up (seconds
    # on a busy machine) is not the sending rate.
    sending = seen.get("sending_seconds") or seconds
    return Figures(
        backend=db.engine.dialect.name,
        reminders=reminders,
        rate_limited=True,
        seconds=round(sending, 2),
        per_second=round((reminders - 1) / sending, 1) if sending else 0.0,
        sent=status.counts.get("sent", 0),
        requests=seen.get("requests", 0),
        too_many_requests=seen.get("too_many_requests", 0),
        busiest_second=seen.get("busiest_second", 0),
        cpu_ms_per_reminder=round(1000 * cpu / reminders, 2),
        processes=processes,
    )


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def run(
    *,
    quick: bool,
    database_url: str | None,
    sizes: tuple[int, int] | None = None,
    shared: int | None = None,
) -> list[Figures]:
    """An unlimited run, a rate-limited one, and three rate-limited processes on one pace.

    `sizes` overrides the first two runs' reminder counts, `shared` the third's (0: no third).
    """
    figures = []
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}"
        unlimited, limited = sizes or ((500, 60) if quick else (10_000, 5_000))
        figures.append(await measure(unlimited, rate_limited=False, database_url=url))
        figures.append(await measure(limited, rate_limited=True, database_url=url))
        three = (60 if quick else 1_500) if shared is None else shared
        if three:
            figures.append(await measure_processes(three, processes=3, database_url=url))
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dispatch", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a few seconds, for make test")
    parser.add_argument("--database-url", help="PostgreSQL to use (it is emptied first)")
    parser.add_argument("--serve-fake", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_fake:
        asyncio.run(serve_fake(args.limit))
        return 0
    logging.basicConfig(level=logging.WARNING)
    for figure in asyncio.run(run(quick=args.quick, database_url=args.database_url)):
        print(figure.line())
        print("  ", asdict(figure))
    print("(wall-clock figures depend on what else the machine runs; CPU figures much less)")
    print(f"(limited runs pace at {SAFE_RATE}/s; Telegram allows about 30/s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
