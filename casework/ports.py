"""Ports: what the core and the front ends need from a channel, and nothing of how it works.

- a client channel reaches a person in their private chat with the bot (Telegram in
  bot/channels/client.py): notices, stored answers, reminders, and a file they sent; it says how a
  delivery went, and records a client who blocked the bot;
- a staff channel shows the team what happened (the Telegram staff chat with one topic per
  client, bot/channels/staff.py; a team without one has no staff channel at all).

The composition root (console/compose.py, sandbox/) builds the Telegram implementations and hands
them to the back-office and the scheduler, which import nothing of the bot.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any, Protocol

from casework.events import QuestionEvent
from storage.models import Client
from texts.readers import TextFn

log = logging.getLogger(__name__)

# Buttons under a message, as the channel's renderers make them (texts/render/).
Buttons = Any


class Outcome(StrEnum):
    """How a delivery to a client went."""

    DELIVERED = "delivered"
    NOT_LINKED = "not_linked"  # the client has no chat with the bot (now)
    BLOCKED = "blocked"  # the client blocked the bot: sent when they are back
    RETRY = "retry"  # 429, 5xx, time-out: the retry job sends it again
    FAILED = "failed"  # refused for good, or too many attempts


@dataclass(frozen=True)
class Delivery:
    outcome: Outcome
    message_id: int | None = None

    @property
    def delivered(self) -> bool:
        return self.outcome == Outcome.DELIVERED


class ErrorKind(StrEnum):
    """What a channel's error means, whichever place saw it (bot/telegram_errors.py sorts)."""

    BLOCKED = "blocked"  # the person blocked the bot or left the chat (403)
    RATE_LIMITED = "rate_limited"  # too many requests: wait `retry_after` (429)
    REFUSED = "refused"  # the same request would fail again (400, a migrated chat)
    TRANSIENT = "transient"  # 5xx, time-outs, dropped connections: maybe better in a while
    UNEXPECTED = "unexpected"  # anything else (a bad token, a conflict): logged for a person


class ChannelError(Exception):
    """A channel could not do what it was asked; `error` is safe to store and log (the error
    class and the service's description, never the message text)."""

    def __init__(self, kind: ErrorKind, error: str, retry_after: timedelta | None = None) -> None:
        super().__init__(error)
        self.kind = kind
        self.error = error
        self.retry_after = retry_after


class Channel(Protocol):
    async def publish(self, event: QuestionEvent) -> None:
        """Show the event to this channel's people; never raise for a delivery problem."""


class ClientChannel(Channel, Protocol):
    async def deliver(self, message_id: int) -> Delivery:
        """Send a stored answer to its client and record how it went."""

    async def notify(self, client: Client, text: TextFn, *, buttons: Buttons = None) -> Delivery:
        """A notice in the client's language (not stored); a blocked client is recorded."""

    async def send(
        self, chat_id: int, html: str, *, buttons: Buttons = None, send_timeout: float | None = None
    ) -> int:
        """Send one rendered message now, without retrying; its id. Raises ChannelError."""

    async def file(self, file_id: str) -> tuple[bytes, str | None]:
        """A file a client sent (its bytes and path). Raises ChannelError."""

    async def open(self) -> None:
        """Get ready (a process of its own, such as the back-office, calls this once)."""

    async def close(self) -> None:
        """Let go of what `open` took."""


class StaffChannel(Channel, Protocol):
    async def note(self, client_id: int, text: TextFn) -> None:
        """A line from the bot where the team follows this client; never raises."""

    async def relay_message(self, message_id: int) -> bool:
        """Show a stored client message to the team; False when it stays due."""

    async def report_delivery(self, client_id: int, delivery: Delivery) -> None:
        """Tell the team when an answer did not reach the client."""

    def link(self, place: int | None) -> str | None:
        """A link to a place (a topic) in the staff channel, where there is one."""


@dataclass(frozen=True)
class Channels:
    """Every channel of a process: the client's always, the team's where it uses one."""

    client: ClientChannel
    staff: StaffChannel | None = None

    @property
    def all(self) -> list[Channel]:
        """Where an event goes: the client first, then the team."""
        return [self.client] if self.staff is None else [self.client, self.staff]


async def publish(channels: Sequence[Channel], event: QuestionEvent) -> None:
    """Hand the event to every channel in turn; one failing channel does not stop the others."""
    for channel in channels:
        try:
            await channel.publish(event)
        except Exception:
            log.exception(
                "a channel did not take an event",
                extra={
                    "channel": type(channel).__name__,
                    "event": type(event).__name__,
                    "client_id": event.client.id,
                },
            )
