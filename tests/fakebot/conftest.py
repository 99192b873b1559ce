"""Fixtures for the fake Bot API tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from fakebot import FakeTelegram

from .helpers import TOKEN


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    """Yield a started emulator on a free loopback port."""
    async with FakeTelegram(token=TOKEN) as emulator:
        yield emulator
