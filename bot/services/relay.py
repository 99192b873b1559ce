"""The Telegram staff chat as one channel on top of the question store (see the questions issue)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bot.context import BotContext
    from bot.services.questions import Asked


class Relay(Protocol):
    """Copies client messages to the team's channel."""

    async def client_message(self, context: BotContext, asked: Asked) -> None: ...
