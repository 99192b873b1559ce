"""The Telegram implementations of the core's two ports (casework/ports.py).

`TelegramClientChannel` reaches a person in their private chat with the bot: it tells a client,
in their language, that their question was closed or opened again, delivers stored answers and
notices with buttons, sends the dispatcher's reminders and fetches a file a client sent.
`TelegramStaffChannel` shows every act in the client's topic of the staff chat: a note and, where
the status changed, the topic's title. The back-office and the staff chat's own commands publish
the same events, so both look the same in Telegram.

The composition root builds them (`channels_of` for the bot's own process, `process_channels`
for another process such as the back-office) and hands them to whoever acts.
"""

from __future__ import annotations

import logging
import socket
from html import escape
from typing import Any

from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application

from bot.context import Services
from bot.services.relay import (
    TelegramRelay,
    deliver_to_client,
    notify_client,
)
from bot.telegram_errors import failure_of
from casework.clock import Clock
from casework.events import (
    Answered,
    Assigned,
    Closed,
    Escalated,
    QuestionEvent,
    Reopened,
    Seen,
)
from casework.ports import Buttons, Channels, Delivery, Outcome
from casework.settings import Settings, planning_rules
from storage.db import Database
from storage.enums import QuestionStatus
from storage.ids import pk
from storage.models import Client, Staff
from texts.fmt import Formatter
from texts.i18n import Translator, available_locales
from texts.readers import TextFn
from texts.ready_answers import READY_ANSWERS
from texts.render import questions as texts

log = logging.getLogger(__name__)
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


class _Retries(int):
    """A retry count of zero that is still truthy.

    AIORateLimiter reads `rate_limit_args or max_retries`, so a plain 0 would fall back to the
    application's 3 retries. The dispatcher wants a 429 back at once: it re-schedules that one
    reminder after retry_after instead of holding the whole batch.
    """

    def __bool__(self) -> bool:
        return True


NO_RETRY = _Retries(0)


class _QuietRateLimiterLog(logging.Filter):
    """AIORateLimiter logs a traceback when it gives up; with NO_RETRY that is our normal path."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Rate limit hit after maximum of")


_RATE_LIMITER_FILTER = _QuietRateLimiterLog()


class TelegramClientChannel:
    """The person's private chat with the bot."""

    def __init__(self, bot: Bot, services: Services) -> None:
        self.bot = bot
        self.services = services
        if getattr(bot, "rate_limiter", None) is not None:
            rate_limiter_log = logging.getLogger("telegram.ext.AIORateLimiter")
            if _RATE_LIMITER_FILTER not in rate_limiter_log.filters:
                rate_limiter_log.addFilter(_RATE_LIMITER_FILTER)

    async def deliver(self, message_id: int) -> Delivery:
        return await deliver_to_client(self.bot, self.services, message_id)

    async def notify(self, client: Client, text: TextFn, *, buttons: Buttons = None) -> Delivery:
        return await notify_client(self.bot, self.services, client, text, buttons=buttons)

    async def send(
        self, chat_id: int, html: str, *, buttons: Buttons = None, send_timeout: float | None = None
    ) -> int:
        options: dict[str, Any] = {}
        if getattr(self.bot, "rate_limiter", None) is not None:
            options["rate_limit_args"] = NO_RETRY
        if send_timeout is not None:
            options["read_timeout"] = send_timeout
            options["write_timeout"] = send_timeout
        try:
            message = await self.bot.send_message(
                chat_id,
                html,
                parse_mode=ParseMode.HTML,
                reply_markup=buttons,
                link_preview_options=NO_PREVIEW,
                **options,
            )
        except TelegramError as exc:
            raise failure_of(exc) from exc
        return message.message_id

    async def file(self, file_id: str) -> tuple[bytes, str | None]:
        try:
            telegram_file = await self.bot.get_file(file_id)
            data = bytes(await telegram_file.download_as_bytearray())
        except TelegramError as exc:
            raise failure_of(exc) from exc
        return data, telegram_file.file_path

    async def open(self) -> None:
        await self.bot.initialize()

    async def close(self) -> None:
        await self.bot.shutdown()

    async def publish(self, event: QuestionEvent) -> None:
        if isinstance(event, Seen):
            delivery = await self.notify(event.client, texts.seen_text)
            log.info(
                "seen notice", extra={"question_id": event.question_id, "outcome": delivery.outcome}
            )
        elif isinstance(event, Closed):
            await self.notify(event.client, texts.closed_text)
        elif isinstance(event, Reopened):
            await self.notify(event.client, texts.reopened_text)


def answer_copy_text(by: str, words: str) -> TextFn:
    """An answer written elsewhere (the back-office), as the team reads it in the topic."""

    def text(_t: Translator, f: Formatter) -> str:
        return f"📨 <b>{escape(by)}</b>\n{f.auto(words)}"

    return text


def mention(member: Staff) -> str:
    """How the staff chat names a team lead: @username, a user link, or the name."""
    if member.telegram_username:
        return "@" + escape(member.telegram_username)
    if member.telegram_user_id:
        return f'<a href="tg://user?id={member.telegram_user_id}">{escape(member.name)}</a>'
    return escape(member.name)


class TelegramStaffChannel:
    """The client's topic in the staff chat."""

    def __init__(self, bot: Bot, relay: TelegramRelay) -> None:
        self.bot = bot
        self.relay = relay

    async def note(self, client_id: int, text: TextFn) -> None:
        await self.relay.post_note(self.bot, client_id, text)

    async def relay_message(self, message_id: int) -> bool:
        return await self.relay.relay_client_message(self.bot, message_id)

    async def report_delivery(self, client_id: int, delivery: Delivery) -> None:
        await self.relay.report_delivery(self.bot, client_id, delivery)

    def link(self, place: int | None) -> str | None:
        return self.relay.link(place)

    async def publish(self, event: QuestionEvent) -> None:
        client_id = pk(event.client)
        if isinstance(event, Closed):
            await self.note(client_id, texts.closed_staff_text(event.by))
            await self.relay.refresh_title(self.bot, event.client, QuestionStatus.CLOSED)
        elif isinstance(event, Reopened):
            await self.note(client_id, texts.reopened_staff_text(event.by))
            await self.relay.refresh_title(self.bot, event.client, QuestionStatus.OPEN)
        elif isinstance(event, Assigned):
            await self.note(client_id, texts.assigned_text(event.assignee))
        elif isinstance(event, Escalated):
            mentions = [mention(member) for member in event.unreached]
            await self.note(client_id, texts.overdue_topic_text(event.hours, mentions))
        elif isinstance(event, Answered):
            if event.in_staff_chat:
                pass  # the team saw it in the topic already (the answer, or /answer's note)
            elif event.ready_key is not None:
                note = texts.ready_sent_text(event.ready_key, READY_ANSWERS[event.ready_key])
                await self.note(client_id, note)
            else:
                await self.note(client_id, answer_copy_text(event.by, event.text))
            delivery = Delivery(Outcome(event.outcome))
            if not delivery.delivered:
                await self.report_delivery(client_id, delivery)
            await self.relay.refresh_title(self.bot, event.client, QuestionStatus.ANSWERED)


def telegram_channels(bot: Bot, services: Services) -> Channels:
    """The client's chat always, and the staff chat's topics where the team uses them."""
    staff = (
        TelegramStaffChannel(bot, services.relay)
        if isinstance(services.relay, TelegramRelay)
        else None
    )
    return Channels(client=TelegramClientChannel(bot, services), staff=staff)


def channels_of(application: Application[Any, Any, Any, Any, Any, Any]) -> Channels:
    """The channels of the bot's own process, on its application's bot."""
    services = application.bot_data.services
    assert isinstance(services, Services), "build_application sets the services"
    return telegram_channels(application.bot, services)


def make_bot(settings: Settings) -> Bot | None:
    """A Bot API client of its own for a process that is not the bot (None without a token)."""
    if settings.telegram_token is None:
        return None
    return Bot(
        settings.telegram_token.get_secret_value(),
        base_url=settings.telegram_api_url,
        base_file_url=settings.file_url,
    )


def process_channels(
    settings: Settings, *, db: Database, clock: Clock, bot: Bot | None, instance: str = ""
) -> Channels | None:
    """The Telegram channels of another process (the back-office): its own `bot`, the same staff
    chat; None without a bot (answers are stored, not sent)."""
    if bot is None:
        return None
    services = Services(
        settings=settings,
        db=db,
        clock=clock,
        rules=planning_rules(settings),
        shipped_locales=available_locales(),
        instance=instance or f"backoffice:{socket.gethostname()}",
    )
    if settings.staff_chat_id is not None:
        services.relay = TelegramRelay(services)  # acts there show in the staff chat's topics
    return telegram_channels(bot, services)
