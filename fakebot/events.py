"""A fan-out of JSON-serialisable events for observers such as a browser sandbox."""

# ruff: noqa: ASYNC109  (a `timeout=` argument is this test API's documented contract)

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

Event = dict[str, Any]


class Subscription:
    """A bounded event queue; when full the oldest event is dropped so the bot never waits."""

    def __init__(self, bus: EventBus, maxsize: int) -> None:
        self._bus = bus
        self._queue: asyncio.Queue[Event] = asyncio.Queue(maxsize)
        self.dropped = 0

    def put(self, event: Event) -> None:
        """Deliver an event without ever blocking the publisher."""
        if self._queue.full():
            self._queue.get_nowait()
            self.dropped += 1
        self._queue.put_nowait(event)

    async def get(self, timeout: float | None = None) -> Event:
        """Return the next event; raise TimeoutError after timeout seconds."""
        async with asyncio.timeout(timeout):
            return await self._queue.get()

    def get_nowait(self) -> Event | None:
        """Return the next event if one is queued, else None."""
        return None if self._queue.empty() else self._queue.get_nowait()

    def close(self) -> None:
        """Stop receiving events."""
        self._bus.unsubscribe(self)

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Event]:
        """Yield events forever."""
        while True:
            yield await self._queue.get()

    async def __aenter__(self) -> Subscription:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.close()


class EventBus:
    """Publishes emulator events to every subscriber."""

    def __init__(self) -> None:
        self._subscribers: list[Subscription] = []

    def subscribe(self, maxsize: int = 1000) -> Subscription:
        """Return a new subscription receiving events from now on."""
        subscription = Subscription(self, maxsize)
        self._subscribers.append(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        """Remove a subscription."""
        if subscription in self._subscribers:
            self._subscribers.remove(subscription)

    def publish(self, event_type: str, **fields: Any) -> None:
        """Send an event of this type to all subscribers (free when nobody listens)."""
        if not self._subscribers:
            return
        event: Event = {"type": event_type, "time": time.time(), **fields}
        for subscription in self._subscribers:
            subscription.put(event)
