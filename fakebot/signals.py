"""Wake-ups for coroutines waiting on emulator state, without polling loops."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


class ChangeSignal:
    """Lets coroutines sleep until something changed and a condition holds."""

    def __init__(self) -> None:
        self._waiters: list[asyncio.Future[bool]] = []

    def notify(self) -> None:
        """Wake every coroutine waiting for a change; safe to call from sync code."""
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(True)

    async def wait(self, max_wait: float | None) -> bool:
        """Sleep until the next notify(); return False after max_wait seconds."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[bool] = loop.create_future()
        self._waiters.append(waiter)
        # A timer instead of asyncio.wait_for: on Python 3.11 wait_for can swallow a
        # cancellation that races with the result, which would hang shutdown.
        timer = None if max_wait is None else loop.call_later(max_wait, self._expire, waiter)
        try:
            return await waiter
        finally:
            if timer is not None:
                timer.cancel()

    def _expire(self, waiter: asyncio.Future[bool]) -> None:
        """Time a waiter out."""
        if not waiter.done():
            waiter.set_result(False)
            self._waiters.remove(waiter)

    async def wait_until(self, condition: Callable[[], bool], max_wait: float | None) -> None:
        """Return once condition() is true; raise TimeoutError after max_wait seconds."""
        loop = asyncio.get_running_loop()
        deadline = None if max_wait is None else loop.time() + max_wait
        while not condition():
            remaining = None if deadline is None else deadline - loop.time()
            if remaining is not None and remaining <= 0:
                raise TimeoutError("condition not met in time")
            await self.wait(remaining)
