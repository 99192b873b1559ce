"""Ports: what the core needs from a channel, and nothing of how the channel works.

- a client channel delivers to a client (Telegram in bot/channels.py) and says whether the client
  blocked it;
- a staff channel shows the team what happened, an act on a question or a chat unlinked (the
  Telegram staff chat with one topic per client, bot/channels.py; a team without one has no
  staff channel at all).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

from casework.events import ClientEvent

log = logging.getLogger(__name__)


class Channel(Protocol):
    async def publish(self, event: ClientEvent) -> None:
        """Show the event to this channel's people; never raise for a delivery problem."""


class ClientChannel(Channel, Protocol):
    async def deliver(self, message_id: int) -> str:
        """Send a stored answer to its client; the outcome (`delivered`, `blocked`, ...)."""


class StaffChannel(Channel, Protocol):
    pass


async def publish(channels: Sequence[Channel], event: ClientEvent) -> None:
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
