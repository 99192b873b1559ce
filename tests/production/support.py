"""Helpers of the production tests: fresh databases, bot processes, a round-robin proxy."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import socket
import sys
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from casework.settings import normalise_database_url
from fakebot import FakeTelegram
from storage.db import Database
from storage.enums import ClientStatus, ReminderKind
from storage.ids import pk
from storage.models import Appointment, Client, Reminder
from tests.conftest import POSTGRES_URL

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456:PRODUCTION-TOKEN"
SECRET = "geheim-webhook-token-123-0123456789abcdef"  # 32 or more characters
METRICS_TOKEN = "metrics-token-for-the-tests-0123456789"
METRICS_AUTH = {"Authorization": f"Bearer {METRICS_TOKEN}"}
STAFF_CHAT_ID = -1009876543210
CLI = "from console.main import main; main()"
_numbers = itertools.count(1)

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgresql",
        id="postgresql",
        marks=pytest.mark.skipif(
            not (POSTGRES_URL or "").startswith("postgres"),
            reason="INBURGERBOT_TEST_DATABASE_URL is not a PostgreSQL database",
        ),
    ),
]
needs_postgres = pytest.mark.skipif(
    not (POSTGRES_URL or "").startswith("postgres"),
    reason="INBURGERBOT_TEST_DATABASE_URL is not a PostgreSQL database (SQLite has no "
    "advisory locks: one process on SQLite runs `db upgrade` before it starts)",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- databases ----------------------------------------------------------------------------------


async def _admin(url: str, statement: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


async def create_database(backend: str, tmp_path: Path) -> str:
    """The URL of a new, empty database: a SQLite file, or a PostgreSQL database next to the
    configured one (so processes can migrate it freely; `drop_database` removes it)."""
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / f'production-{next(_numbers)}.sqlite3'}"
    assert POSTGRES_URL is not None
    base = make_url(normalise_database_url(POSTGRES_URL))
    name = f"{base.database}_prod_{os.getpid()}_{next(_numbers)}"
    await _admin(base.render_as_string(hide_password=False), f'CREATE DATABASE "{name}"')
    return base.set(database=name).render_as_string(hide_password=False)


async def drop_database(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return
    assert POSTGRES_URL is not None
    base = make_url(normalise_database_url(POSTGRES_URL)).render_as_string(hide_password=False)
    await _admin(base, f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')


@asynccontextmanager
async def fresh_database(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """A new, empty database for the block."""
    url = await create_database(backend, tmp_path)
    try:
        yield url
    finally:
        await drop_database(url)


# -- processes ----------------------------------------------------------------------------------


def bot_env(database_url: str, fake: FakeTelegram, **settings: Any) -> dict[str, str]:
    """The environment of a bot process talking to the fake Telegram."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("INBURGERBOT_")}
    values: dict[str, Any] = {
        "database_url": database_url,
        "telegram_token": TOKEN,
        "telegram_api_url": fake.api_url,
        "telegram_file_url": fake.file_url,
        "bot_username": "inburgerbot_test_bot",
        "webhook_secret": SECRET,
        "metrics_token": METRICS_TOKEN,
        "webhook_listen": "127.0.0.1",
        "log_format": "json",
        "log_level": "INFO",
        "dispatch_interval_seconds": 0.2,
        "quiet_hours": "00:00-00:00",  # a test may run at night
        "appointment_reminder_offsets": "2h",
    }
    values.update(settings)
    env.update({f"INBURGERBOT_{k.upper()}": str(v) for k, v in values.items() if v is not None})
    env["PYTHONPATH"] = str(ROOT)
    env["PYTHONUNBUFFERED"] = "1"
    return env


async def run_cli(*args: str, env: dict[str, str], cwd: Path) -> tuple[int, str]:
    """`inburgerbot ARGS` to completion; returns the exit code and what it printed."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        CLI,
        *args,
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    return process.returncode, out.decode()


@dataclass
class BotProcess:
    """`inburgerbot webhook` (or `run`) in a process of its own, which a test may kill."""

    name: str
    process: asyncio.subprocess.Process
    port: int
    log: Path

    @classmethod
    async def start(
        cls, name: str, *args: str, env: dict[str, str], workdir: Path, port: int
    ) -> BotProcess:
        log = workdir / f"{name}.log"
        with log.open("wb") as out:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-c", CLI, *args, cwd=workdir, env=env, stdout=out, stderr=out
            )
        bot = cls(name, process, port, log)
        await bot.wait_healthy()
        return bot

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def alive(self) -> bool:
        return self.process.returncode is None

    async def wait_healthy(self, within: float = 60.0) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        async with aiohttp.ClientSession() as session:
            while True:
                if not self.alive:
                    raise AssertionError(f"{self.name} exited: {self.log.read_text()[-3000:]}")
                try:
                    async with session.get(f"{self.base_url}/healthz") as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                if loop.time() > deadline:
                    raise TimeoutError(f"{self.name} did not come up: {self.log.read_text()}")
                await asyncio.sleep(0.1)

    async def get(self, path: str) -> tuple[int, str]:
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{self.base_url}{path}", headers=METRICS_AUTH) as response,
        ):
            return response.status, await response.text()

    async def metrics(self) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        status, body = await self.get("/metrics")
        assert status == 200
        return parse_metrics(body)

    async def kill(self) -> None:
        """SIGKILL: no clean-up at all."""
        if self.alive:
            self.process.kill()
        await self.process.wait()

    async def stop(self, within: float = 30.0) -> int:
        """SIGTERM, and wait for a clean exit."""
        if self.alive:
            self.process.terminate()
        return await asyncio.wait_for(self.process.wait(), timeout=within)

    def log_records(self) -> list[dict[str, Any]]:
        """The JSON log lines (other lines, such as a traceback, are left out)."""
        records = []
        for line in self.log.read_text().splitlines():
            try:
                found = json.loads(line)
            except ValueError:
                continue
            if isinstance(found, dict):
                records.append(found)
        return records


def parse_metrics(body: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Samples by (name, sorted labels)."""
    samples = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def metric(samples: dict[Any, float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


# -- a round-robin proxy (what nginx does with two upstream servers) ---------------------------


@dataclass
class Delivery:
    update_id: int
    backend: int  # index of the process that got it (-1: none could be reached)
    status: int  # what the proxy answered Telegram (502: the process died or was unreachable)


@dataclass
class RoundRobin:
    """Passes each webhook POST to the next backend in turn; on a refused connection it tries
    the next one (nginx `proxy_next_upstream error`); a request cut off mid-way is a 502."""

    backends: list[str]
    deliveries: list[Delivery] = field(default_factory=list)
    in_hand: dict[int, int] = field(default_factory=dict)  # update_id -> backend
    _turn: int = 0
    _runner: web.AppRunner | None = None
    _session: aiohttp.ClientSession | None = None
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/{path:.*}", self.forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))

    async def stop(self) -> None:
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def forward(self, request: web.Request) -> web.Response:
        assert self._session is not None
        body = await request.read()
        update_id = int(json.loads(body).get("update_id", -1))
        headers = {k: v for k, v in request.headers.items() if k.lower().startswith("x-")}
        headers["Content-Type"] = "application/json"
        for _ in range(len(self.backends)):
            index = self._turn % len(self.backends)
            self._turn += 1
            self.in_hand[update_id] = index
            try:
                async with self._session.post(
                    f"{self.backends[index]}/{request.match_info['path']}",
                    data=body,
                    headers=headers,
                ) as response:
                    answer = await response.read()
                    self.deliveries.append(Delivery(update_id, index, response.status))
                    return web.Response(status=response.status, body=answer)
            except aiohttp.ClientConnectorError:
                continue  # refused: not sent, so the next server may have it
            except (aiohttp.ClientError, TimeoutError):
                self.deliveries.append(Delivery(update_id, index, 502))
                return web.Response(status=502)
            finally:
                self.in_hand.pop(update_id, None)
        self.deliveries.append(Delivery(update_id, -1, 502))
        return web.Response(status=502)

    @property
    def next_backend(self) -> int:
        return self._turn % len(self.backends)

    def accepted(self) -> Counter[int]:
        """How often each update was answered with 200."""
        return Counter(d.update_id for d in self.deliveries if d.status == 200)

    def backend_of(self, update_id: int) -> int:
        [backend] = [
            d.backend for d in self.deliveries if d.update_id == update_id and d.status == 200
        ]
        return backend


# -- data ----------------------------------------------------------------------------------------


async def wait_until(
    condition: Callable[[], Awaitable[bool]], *, within: float, every: float = 0.1
) -> None:
    """Poll a condition that other processes make true."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not await condition():
        if loop.time() > deadline:
            raise TimeoutError(f"condition not met within {within}s")
        await asyncio.sleep(every)


async def seed_reminders(db: Database, count: int, *, now: datetime, chat_base: int) -> list[int]:
    """`count` linked clients (no names worth keeping), each with one reminder due now."""
    chats = [chat_base + i for i in range(count)]
    async with db.transaction() as session:
        clients = [
            Client(
                ref=f"P-{chat}",
                first_name="Reminded",
                municipality="Hoorn",
                locale="nl",
                status=ClientStatus.ACTIVE,
                telegram_chat_id=chat,
                telegram_user_id=chat,
                consent_at=now - timedelta(days=1),
                linked_at=now - timedelta(days=1),
            )
            for chat in chats
        ]
        session.add_all(clients)
        await session.flush()
        appointments = [
            Appointment(
                client_id=pk(client),
                external_id=f"prod-{client.id}",
                kind="progress_meeting",
                starts_at=now + timedelta(hours=3),
                ends_at=now + timedelta(hours=4),
                place_name="Gemeentehuis Hoorn",
            )
            for client in clients
        ]
        session.add_all(appointments)
        await session.flush()
        session.add_all(
            Reminder(
                client_id=appointment.client_id,
                kind=ReminderKind.APPOINTMENT,
                subject_id=appointment.id,
                dedup_key=f"appointment:{appointment.id}:120m",
                due_at=now,
                available_at=now,
                event_at=appointment.starts_at,
            )
            for appointment in appointments
        )
    return chats


def sends_per_chat(fake: FakeTelegram, chats: list[int]) -> Counter[int]:
    """Messages Telegram accepted, per chat, for the given chats."""
    wanted = set(chats)
    return Counter(
        int(call.params["chat_id"])
        for call in fake.calls_for("sendMessage")
        if call.ok and int(call.params["chat_id"]) in wanted
    )
