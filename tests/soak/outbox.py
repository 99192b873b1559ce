"""Helpers of the reliability tests: a seeded outbox, dispatcher processes, and counting."""

from __future__ import annotations

import asyncio
import itertools
import os
import sys
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from casework.settings import normalise_database_url
from fakebot import FakeTelegram
from storage.db import Database
from storage.models import Reminder
from tests.conftest import POSTGRES_URL, reset_schema

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456:SOAK-TOKEN"
FINISHED = ("sent", "skipped", "failed", "cancelled")
_numbers = itertools.count(1)

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgresql",
        id="postgresql",
        marks=pytest.mark.skipif(
            not POSTGRES_URL, reason="INBURGERBOT_TEST_DATABASE_URL is not set"
        ),
    ),
]


async def outbox_database(backend: str, tmp_path: Path) -> Database:
    """An empty database of the backend: a SQLite file, or the configured PostgreSQL."""
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'outbox.sqlite3'}"
    else:
        assert POSTGRES_URL is not None
        url = normalise_database_url(POSTGRES_URL)
    db = Database(url)
    await reset_schema(db)
    return db


async def counts(db: Database) -> Counter[str]:
    async with db.reading() as session:
        rows = (
            await session.exec(
                select(Reminder.status, func.count()).group_by(col(Reminder.status))  # type: ignore[call-overload]
            )
        ).all()
    return Counter({str(status): int(n) for status, n in rows})


async def all_rows(db: Database) -> list[Reminder]:
    async with db.reading() as session:
        return list((await session.exec(select(Reminder))).all())


async def wait_until(
    condition: Callable[[], Awaitable[bool]], *, within: float, every: float = 0.1
) -> float:
    """Poll a condition (another process does the work); returns the seconds it took."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    while not await condition():
        if loop.time() - started > within:
            raise TimeoutError(f"condition not met within {within}s")
        await asyncio.sleep(every)
    return loop.time() - started


async def drained(db: Database) -> bool:
    found = await counts(db)
    return not found.get("pending") and not found.get("claimed")


def sends_per_chat(fake: FakeTelegram) -> Counter[int]:
    """Messages Telegram accepted, per chat (the fake's own record)."""
    return Counter(int(call.params["chat_id"]) for call in fake.calls_for("sendMessage") if call.ok)


class DispatcherProcess:
    """`python -m console dispatch --loop` in a process of its own, which a test may kill."""

    def __init__(self, process: asyncio.subprocess.Process, log: Path) -> None:
        self.process = process
        self.log = log

    @property
    def pid(self) -> int:
        return self.process.pid

    @classmethod
    async def start(
        cls,
        db: Database,
        fake: FakeTelegram,
        workdir: Path,
        *,
        lease: float = 4.0,
        interval: float = 0.2,
        batch: int = 50,
        extra: tuple[str, ...] = ("--no-rate-limit",),
    ) -> DispatcherProcess:
        env: dict[str, Any] = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "INBURGERBOT_DATABASE_URL": db.url,
            "INBURGERBOT_TELEGRAM_TOKEN": TOKEN,
            "INBURGERBOT_TELEGRAM_API_URL": fake.api_url,
            "INBURGERBOT_DISPATCH_INTERVAL_SECONDS": str(interval),
            "INBURGERBOT_REMINDER_LEASE_SECONDS": str(lease),
            "INBURGERBOT_DISPATCH_BATCH_SIZE": str(batch),
            "INBURGERBOT_LOG_LEVEL": "WARNING",
            # The dispatcher reads the real clock: without this, at night (the default quiet
            # hours are 21:00-08:00) every reminder would be deferred and nothing sent.
            "INBURGERBOT_QUIET_HOURS": "00:00-00:00",
        }
        log = workdir / f"dispatcher-{next(_numbers)}.log"
        with log.open("wb") as out:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "console",
                "dispatch",
                "--loop",
                *extra,
                cwd=workdir,
                env=env,
                stdout=out,
                stderr=out,
            )
        return cls(process, log)

    async def kill(self) -> None:
        """SIGKILL: no clean-up, no last marks."""
        if self.process.returncode is None:
            self.process.kill()
        await self.process.wait()

    async def stop(self) -> None:
        """SIGTERM: finish the batch in flight, then exit."""
        if self.process.returncode is None:
            self.process.terminate()
        await asyncio.wait_for(self.process.wait(), timeout=30)
