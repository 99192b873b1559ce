"""Waiting for what the bot stores after its last Telegram call (there is no message to wait on)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from bot.ordering import ChatOrderedProcessor
from fakebot import FakeTelegram


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 5.0) -> None:
    """Poll a condition (usually a database read) until it holds; fail after `within` seconds."""
    try:
        async with asyncio.timeout(within):
            while True:
                if await check():
                    return
                await asyncio.sleep(0.01)  # the bot writes within milliseconds
    except TimeoutError:
        raise AssertionError(f"the bot did not get there within {within}s") from None


async def all_handled(app: Any, fake: FakeTelegram, within: float = 15.0) -> None:
    """Wait until the bot handled every update pushed so far, in every chat.

    Updates of different chats are handled at the same time (bot/ordering.py), so a reply in
    one chat no longer says that another chat's earlier update is done.
    """
    processor = app.update_processor
    assert isinstance(processor, ChatOrderedProcessor)
    target = fake.state.updates.last_update_id

    async def done() -> bool:
        return processor.handled_through(target)

    await eventually(done, within)
