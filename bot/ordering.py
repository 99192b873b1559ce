"""Updates of different chats at the same time, each chat's updates one after the other, in order.

python-telegram-bot handles one update at a time by default, so on PostgreSQL every database
round trip of every update is waited for in series. `ChatOrderedProcessor` (a PTB
`BaseUpdateProcessor`) lets up to `max_concurrent_updates` updates run at once, but an update
starts only when the one before it from the same chat (or, without a chat, the same user) has
finished: a client's "✅ Done" press is never handled before the "✅ My tasks" tap that showed
the button, and replies reach a chat in the order its updates came.

Order of arrival is kept because PTB starts one task per update in the order it takes them from
the update queue (polling) and the webhook server does the same per request, the base class's
semaphore wakes its waiters first come first served, and a task takes its place in its chat's
line before its first wait. Updates without a chat or user (polls, for instance) are not ordered.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# Enough to overlap the database round trips of many chats. More costs CPU: httpx's connection
# pool scans every connection and every waiting request for each request it serves.
DEFAULT_CONCURRENCY = 16


def order_key(update: object) -> tuple[str, int] | None:
    """Which line an update waits in: its chat, else its user, else none."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return ("chat", update.effective_chat.id)
    if update.effective_user is not None:
        return ("user", update.effective_user.id)
    return None


class ChatOrderedProcessor(BaseUpdateProcessor):
    """Concurrent across chats, in order within a chat."""

    def __init__(self, max_concurrent_updates: int = DEFAULT_CONCURRENCY) -> None:
        super().__init__(max_concurrent_updates)
        # The last update of each chat still in hand: the next one of that chat waits for it.
        self._last: dict[tuple[str, int], asyncio.Future[None]] = {}
        self.overlapped = 0  # times an update started while another chat's was in hand
        self._running = 0
        self._in_hand = 0
        self.highest_update_id = 0  # of the updates taken so far

    def handled_through(self, update_id: int) -> bool:
        """Whether every update up to `update_id` was handled (tests wait on this).

        Updates are taken in order of arrival, so once one with this id or a later one was
        taken and none is in hand, all of them are done.
        """
        return self.highest_update_id >= update_id and self._in_hand == 0

    @property
    def waiting_chats(self) -> int:
        """Chats with an update in hand (for tests and metrics)."""
        return len(self._last)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        if isinstance(update, Update):
            self.highest_update_id = max(self.highest_update_id, update.update_id)
        self._in_hand += 1
        try:
            await self._in_line(update, coroutine)
        finally:
            self._in_hand -= 1

    async def _in_line(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = order_key(update)
        if key is None:
            await self._run(coroutine)
            return
        before = self._last.get(key)
        mine: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._last[key] = mine  # taken before the first await: arrival order is kept
        try:
            if before is not None:
                await asyncio.shield(before)
            await self._run(coroutine)
        finally:
            mine.set_result(None)
            if self._last.get(key) is mine:
                del self._last[key]

    async def _run(self, coroutine: Awaitable[Any]) -> None:
        if self._running:
            self.overlapped += 1
        self._running += 1
        try:
            await coroutine
        finally:
            self._running -= 1

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release: PTB waits for the update tasks themselves."""
