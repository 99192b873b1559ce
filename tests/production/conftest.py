"""Fixtures of the production tests: a migrated database, and the webhook server in-process."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import aiohttp
import pytest

from bot.app import BotApplication, build_application
from bot.serve import WebhookOptions, serve_webhook
from casework.settings import Settings
from fakebot import FakeTelegram, SimUser
from storage import invites, migrate
from storage.db import Database
from storage.models import Client
from tests.conftest import POSTGRES_URL
from tests.production.support import (
    METRICS_AUTH,
    METRICS_TOKEN,
    SECRET,
    TOKEN,
    create_database,
    drop_database,
    free_port,
)


def backend_in_use() -> str:
    return "postgresql" if (POSTGRES_URL or "").startswith("postgres") else "sqlite"


@pytest.fixture(scope="module")
def migrated_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database of this module's own, migrated to the newest revision by Alembic."""
    url = asyncio.run(create_database(backend_in_use(), tmp_path_factory.mktemp("migrated")))
    try:
        migrate.upgrade(url)
        yield url
    finally:
        asyncio.run(drop_database(url))


def bot_settings(fake: FakeTelegram, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "telegram_token": TOKEN,
        "telegram_api_url": fake.api_url,
        "telegram_file_url": fake.file_url,
        "database_url": database_url,
        "bot_username": "inburgerbot_test_bot",
        "webhook_secret": SECRET,
        "metrics_token": METRICS_TOKEN,
        "quiet_hours": "00:00-00:00",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@dataclass
class Served:
    """The real application behind the webhook server, in this process."""

    fake: FakeTelegram
    app: BotApplication
    db: Database
    settings: Settings
    port: int
    stop: asyncio.Event
    task: asyncio.Task[None]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def get(self, path: str, *, auth: bool = True) -> tuple[int, str]:
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{self.base_url}{path}", headers=METRICS_AUTH if auth else {}) as response,
        ):
            return response.status, await response.text()

    async def post(
        self, body: bytes, *, secret: str | None = SECRET, path: str = "/telegram"
    ) -> tuple[int, dict[str, str]]:
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"{self.base_url}{path}", data=body, headers=headers) as response,
        ):
            await response.read()
            return response.status, dict(response.headers)

    async def linked_user(self, client: Client, user_id: int) -> SimUser:
        """A user who linked with an invitation code and agreed (three updates)."""
        async with self.db.transaction() as session:
            code = await invites.create(
                session,
                now=self.app.bot_data.services.clock.now(),
                valid_for=timedelta(days=1),
                client_id=client.id,
            )
        user = self.fake.user(user_id, client.first_name, "nl")
        await user.send_command("/start", code)
        consent = await user.next_message()
        await (await user.press(consent, "priv:v1:agree:")).answer()
        await user.next_message()
        return user


@asynccontextmanager
async def serving(database_url: str, **overrides: Any) -> AsyncIterator[Served]:
    """`inburgerbot webhook` in-process: the fake delivers to it, it answers through the fake."""
    fake = FakeTelegram(TOKEN)
    await fake.start()
    settings = bot_settings(fake, database_url, **overrides)
    db = Database(database_url)
    app = build_application(settings, db=db, rate_limit=False)
    port = free_port()
    options = WebhookOptions(
        listen="127.0.0.1",
        port=port,
        path="telegram",
        secret=SECRET,
        public_url=f"http://127.0.0.1:{port}",
        answer_within=settings.webhook_answer_seconds,
    )
    stop = asyncio.Event()
    task = asyncio.create_task(serve_webhook(app, options, stop=stop))
    served = Served(fake, app, db, settings, port, stop, task)
    try:
        await fake.wait_for(lambda call: call.method == "setWebhook", timeout=20, since=0)
        yield served
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=30)
        await fake.stop()
