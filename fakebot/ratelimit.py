"""Flood-control emulation with sliding one-second windows."""

from __future__ import annotations

import math
from collections import deque


class SlidingWindowLimiter:
    """Allows at most `limit` events in any `window` seconds."""

    def __init__(self, limit: float, window: float = 1.0) -> None:
        self.limit = limit
        self.window = window
        self._events: deque[float] = deque()

    def acquire(self, now: float) -> int | None:
        """Record an event and return None, or return retry_after seconds when over the limit."""
        horizon = now - self.window
        while self._events and self._events[0] <= horizon:
            self._events.popleft()
        if len(self._events) >= self.limit:
            return max(1, math.ceil(self._events[0] + self.window - now))
        self._events.append(now)
        return None
