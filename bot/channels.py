"""The Telegram implementations of the core's two ports (casework/ports.py).

`TelegramClientChannel` tells a client, in their language, that their question was closed or
opened again, and delivers stored answers. `TelegramStaffChannel` shows every act in the client's
topic of the staff chat: a note and, where the status changed, the topic's title. The back-office
and the staff chat's own commands publish the same events, so both look the same in Telegram.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from telegram import Bot

from bot.services.relay import (
    Delivery,
    Outcome,
    TelegramRelay,
    TextFn,
    deliver_to_client,
    notify_client,
)
from casework.events import Answered, Assigned, Closed, QuestionEvent, Reopened
from casework.ports import Channel
from storage.enums import QuestionStatus
from storage.ids import pk
from texts.fmt import Formatter
from texts.i18n import Translator
from texts.ready_answers import READY_ANSWERS
from texts.render import questions as texts

if TYPE_CHECKING:
    from bot.context import Services


class TelegramClientChannel:
    """The client's private chat with the bot."""

    def __init__(self, bot: Bot, services: Services) -> None:
        self.bot = bot
        self.services = services

    async def deliver(self, message_id: int) -> str:
        return (await deliver_to_client(self.bot, self.services, message_id)).outcome

    async def publish(self, event: QuestionEvent) -> None:
        if isinstance(event, Closed):
            await notify_client(self.bot, self.services, event.client, texts.closed_text)
        elif isinstance(event, Reopened):
            await notify_client(self.bot, self.services, event.client, texts.reopened_text)


def answer_copy_text(by: str, words: str) -> TextFn:
    """An answer written elsewhere (the back-office), as the team reads it in the topic."""

    def text(_t: Translator, f: Formatter) -> str:
        return f"📨 <b>{escape(by)}</b>\n{f.auto(words)}"

    return text


class TelegramStaffChannel:
    """The client's topic in the staff chat."""

    def __init__(self, bot: Bot, relay: TelegramRelay) -> None:
        self.bot = bot
        self.relay = relay

    async def publish(self, event: QuestionEvent) -> None:
        client_id = pk(event.client)
        if isinstance(event, Closed):
            await self.relay.post_note(self.bot, client_id, texts.closed_staff_text(event.by))
            await self.relay.refresh_title(self.bot, event.client, QuestionStatus.CLOSED)
        elif isinstance(event, Reopened):
            await self.relay.post_note(self.bot, client_id, texts.reopened_staff_text(event.by))
            await self.relay.refresh_title(self.bot, event.client, QuestionStatus.OPEN)
        elif isinstance(event, Assigned):
            await self.relay.post_note(self.bot, client_id, texts.assigned_text(event.assignee))
        elif isinstance(event, Answered):
            if event.in_staff_chat:
                pass  # the team saw it in the topic already (the answer, or /answer's note)
            elif event.ready_key is not None:
                note = texts.ready_sent_text(event.ready_key, READY_ANSWERS[event.ready_key])
                await self.relay.post_note(self.bot, client_id, note)
            else:
                copy = answer_copy_text(event.by, event.text)
                await self.relay.post_note(self.bot, client_id, copy)
            delivery = Delivery(Outcome(event.outcome))
            if not delivery.delivered:
                await self.relay.report_delivery(self.bot, client_id, delivery)
            await self.relay.refresh_title(self.bot, event.client, QuestionStatus.ANSWERED)


def channels_for(bot: Bot, services: Services) -> tuple[TelegramClientChannel, list[Channel]]:
    """The client's channel, and every channel an event goes to (client first, then the team)."""
    client = TelegramClientChannel(bot, services)
    channels: list[Channel] = [client]
    if isinstance(services.relay, TelegramRelay):
        channels.append(TelegramStaffChannel(bot, services.relay))
    return client, channels
