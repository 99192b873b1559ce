"""Fan-out of the page's live events to every open event stream (one queue per browser tab)."""

from __future__ import annotations

import asyncio
from typing import Any

Event = dict[str, Any]


class Hub:
    """Publishes events without ever waiting; a tab that falls far behind loses its oldest."""

    def __init__(self, maxsize: int = 2000) -> None:
        self._maxsize = maxsize
        self._queues: list[asyncio.Queue[Event | None]] = []
        self.closed = False

    def subscribe(self) -> asyncio.Queue[Event | None]:
        queue: asyncio.Queue[Event | None] = asyncio.Queue(self._maxsize)
        if self.closed:
            queue.put_nowait(None)
        else:
            self._queues.append(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[Event | None]) -> None:
        if queue in self._queues:
            self._queues.remove(queue)

    @property
    def listeners(self) -> int:
        return len(self._queues)

    def publish(self, event: Event) -> None:
        for queue in self._queues:
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(event)

    def close(self) -> None:
        """End every stream (None tells a stream to finish)."""
        self.closed = True
        for queue in self._queues:
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(None)
        self._queues.clear()
