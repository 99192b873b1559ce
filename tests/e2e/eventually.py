"""Waiting for what the bot stores after its last Telegram call (there is no message to wait on)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


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
