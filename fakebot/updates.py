"""The bot's update queue: getUpdates semantics with long polling and confirmation."""

from __future__ import annotations

import contextlib
from collections import deque
from typing import Any

from .errors import conflict
from .signals import ChangeSignal

# Telegram leaves these out unless allowed_updates asks for them explicitly.
OPT_IN_UPDATE_TYPES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


class UpdateQueue:
    """Holds updates until the bot confirms them (offset) or a webhook accepted them."""

    def __init__(self, first_update_id: int = 1) -> None:
        self._pending: deque[dict[str, Any]] = deque()
        self._next_update_id = first_update_id
        self._poll_generation = 0
        self.allowed_updates: list[str] = []
        self.delivered_count = 0
        self.closed = False
        self.signal = ChangeSignal()

    @property
    def pending_count(self) -> int:
        """Return how many updates the bot has not confirmed yet."""
        return len(self._pending)

    @property
    def last_update_id(self) -> int:
        """Return the id of the newest update ever created (0 if none)."""
        return self._next_update_id - 1

    def pending(self) -> list[dict[str, Any]]:
        """Return the unconfirmed updates, oldest first."""
        return list(self._pending)

    def first(self) -> dict[str, Any] | None:
        """Return the oldest unconfirmed update, if any."""
        return self._pending[0] if self._pending else None

    def push(self, update_type: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Queue a new update of this type and wake whoever waits for updates."""
        update = {"update_id": self._next_update_id, update_type: payload}
        self._next_update_id += 1
        if self._accepts(update_type):
            self._pending.append(update)
            self.signal.notify()
        return update

    def _accepts(self, update_type: str) -> bool:
        """Return whether the bot's allowed_updates let this update type through."""
        if self.allowed_updates:
            return update_type in self.allowed_updates
        return update_type not in OPT_IN_UPDATE_TYPES

    def confirm(self, offset: int) -> None:
        """Forget updates with update_id < offset, as Telegram does on getUpdates(offset)."""
        changed = False
        while self._pending and self._pending[0]["update_id"] < offset:
            self._pending.popleft()
            self.delivered_count += 1
            changed = True
        if changed:
            self.signal.notify()

    def drop_all(self) -> None:
        """Forget every pending update (drop_pending_updates=True)."""
        self.confirm(self._next_update_id)

    def close(self) -> None:
        """Make waiting long polls return at once (server shutdown)."""
        self.closed = True
        self.signal.notify()

    async def get_updates(
        self, offset: int | None, limit: int, poll_seconds: float, allowed: list[str] | None
    ) -> list[dict[str, Any]]:
        """Implement getUpdates; a newer call ends an older waiting one with 409 Conflict."""
        if allowed is not None:
            self.allowed_updates = list(allowed)
        if offset:
            self.confirm(offset if offset > 0 else self._negative_offset(offset))
        self._poll_generation += 1
        generation = self._poll_generation
        self.signal.notify()  # an older waiting poll must now end with 409
        if not self._pending and poll_seconds > 0 and not self.closed:
            with contextlib.suppress(TimeoutError):
                await self.signal.wait_until(
                    lambda: (
                        bool(self._pending) or self._poll_generation != generation or self.closed
                    ),
                    poll_seconds,
                )
        if self._poll_generation != generation:
            raise conflict(
                "terminated by other getUpdates request; "
                "make sure that only one bot instance is running"
            )
        return [self._pending[i] for i in range(min(limit, len(self._pending)))]

    def _negative_offset(self, offset: int) -> int:
        """Return the positive offset that keeps only the last -offset updates."""
        if len(self._pending) <= -offset:
            return 0
        return int(self._pending[offset]["update_id"])
