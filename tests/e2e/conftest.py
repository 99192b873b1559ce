"""End to end: the real Application talking HTTP to the fake Bot API server on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from bot.app import BotApplication
from casework.clock import FixedClock
from casework.settings import Settings
from console.compose import running
from fakebot import FakeTelegram, SimUser
from storage import invites
from storage.db import Database
from storage.ids import pk
from storage.models import Client
from tests import factories

TOKEN = "123456:TEST-TOKEN"
STAFF_CHAT_ID = -1001234567890


@dataclass
class Harness:
    fake: FakeTelegram
    app: BotApplication
    db: Database
    clock: FixedClock
    settings: Settings

    async def invite(self, client: Client) -> str:
        async with self.db.transaction() as session:
            return await invites.create(
                session, now=self.clock.now(), valid_for=timedelta(days=14), client_id=client.id
            )

    async def linked_user(
        self, client: Client, *, user_id: int | None = None, language_code: str = "nl"
    ) -> SimUser:
        """A Telegram user who linked to the client and agreed to the privacy notice."""
        user = self.fake.user(user_id or 5000 + (pk(client)), client.first_name, language_code)
        await user.send_command("/start", await self.invite(client))
        consent = await user.next_message()
        press = await user.press(consent, "priv:v1:agree:")
        await press.answer()
        await user.next_message()  # the main menu
        return user

    async def reload(self, client: Client) -> Client:
        async with self.db.reading() as session:
            fresh = await session.get(Client, client.id)
        assert fresh is not None
        return fresh


def harness_settings(fake: FakeTelegram, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "telegram_token": TOKEN,
        "telegram_api_url": fake.api_url,
        "telegram_file_url": fake.file_url,
        "database_url": database_url,
        "staff_chat_id": STAFF_CHAT_ID,
        "bot_username": "inburgerbot_test_bot",
        # 🔊 Listen is off unless a test turns it on (tests/e2e/test_listen.py): no computer
        # voice, and no recordings in the repository's audio/ folder.
        "computer_voice": False,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {}


@pytest.fixture
async def harness(
    db: Database, database_url: str, settings_overrides: dict[str, Any]
) -> AsyncIterator[Harness]:
    fake = FakeTelegram(token=TOKEN)
    await fake.start()
    settings = harness_settings(fake, database_url, **settings_overrides)
    clock = FixedClock(factories.NOW)
    try:
        async with running(
            settings, db=db, clock=clock, rate_limit=False, with_jobs=True, polling=True
        ) as started:
            yield Harness(fake, started.application, db, clock, settings)
    finally:
        await fake.stop()
