"""The client's private chat with the bot (casework.ports.ClientChannel on Telegram).

Notices (seen, closed, reopened, the back-office's news with buttons), stored answers and the
dispatcher's reminders go out here. Nothing is lost when Telegram fails: every answer is stored
before it is sent, a failed send leaves it undelivered with a next attempt time, and the retry
job (scheduler/waiting.py) sends it again. A 403 blocks the client (casework/blocking.py),
whichever send saw it.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError

from bot.channels.sending import NO_PREVIEW, client_locale, for_client, send_content, send_html
from bot.replies import post
from bot.telegram_errors import error_name, failure_of, kind_of
from casework import blocking
from casework import questions as question_service
from casework.events import ClientEvent, Closed, Reopened, Seen, Unlinked, UnlinkReason
from casework.ports import Buttons, Delivery, ErrorKind, Listen, Outcome
from storage import clients, questions
from storage.enums import ClientStatus
from storage.ids import pk
from storage.models import Client, Message
from texts.callbacks import button
from texts.i18n import translator
from texts.readers import TextFn
from texts.render import linking as link_texts
from texts.render import questions as texts
from texts.speakable import LISTEN

if TYPE_CHECKING:
    from bot.context import Services

log = logging.getLogger(__name__)
SOURCE_GONE = "not found"


def outcome_of(error: TelegramError) -> Outcome:
    """What a Telegram error (sorted by bot/telegram_errors.py) means for a delivery."""
    kind = kind_of(error)
    if kind == ErrorKind.BLOCKED:
        return Outcome.BLOCKED
    if kind == ErrorKind.REFUSED:
        return Outcome.FAILED
    return Outcome.RETRY


async def notify_client(
    bot: Bot, services: Services, client: Client, text: TextFn, *, buttons: Any = None
) -> Delivery:
    """A notice to the client (seen, closed, reopened, news with buttons); not stored as a
    question message. A client who blocked the bot is recorded, never raised."""
    if client.telegram_chat_id is None:
        return Delivery(Outcome.NOT_LINKED)
    if client.status == ClientStatus.BLOCKED_BOT:
        return Delivery(Outcome.BLOCKED)
    try:
        body = for_client(services, client, text)
        sent = await send_html(bot, client.telegram_chat_id, body, reply_markup=buttons)
    except TelegramError as exc:
        outcome = outcome_of(exc)
        log.warning(
            "client notice failed", extra={"client_id": client.id, "error": error_name(exc)}
        )
        if outcome == Outcome.BLOCKED:
            async with services.db.transaction() as session:
                await blocking.block(session, client_ids=[pk(client)])
        return Delivery(outcome)
    return Delivery(Outcome.DELIVERED, sent.message_id)


async def deliver_to_client(bot: Bot, services: Services, message_id: int) -> Delivery:
    """Send a stored staff message to the client and record how it went.

    A message copied from the staff chat is copied again (copyMessage); a ready-made answer or
    one written in the back-office is sent as text; a correction says so. A blocked bot, 429,
    5xx and time-outs leave the message due for the retry job; nothing is dropped.
    """
    async with services.db.reading() as session:
        message = await questions.message_by_id(session, message_id=message_id)
        question = (
            await questions.by_id(session, question_id=message.question_id) if message else None
        )
        client = await clients.by_id(session, client_id=question.client_id) if question else None
        original = (
            await questions.message_by_id(session, message_id=message.correction_of_id)
            if message is not None and message.correction_of_id
            else None
        )
    if message is None or client is None or message.internal or message.erased_at is not None:
        return Delivery(Outcome.FAILED)
    if message.delivered_at is not None:
        return Delivery(Outcome.DELIVERED, message.client_message_id)
    if client.telegram_chat_id is None:
        return Delivery(Outcome.NOT_LINKED)
    if client.status == ClientStatus.BLOCKED_BOT:
        return Delivery(Outcome.BLOCKED)
    try:
        sent_id = await _send_to_client(bot, services, client, message, original)
    except TelegramError as exc:
        return await _delivery_failed(services, message, client, exc)
    async with services.db.transaction() as session:
        fresh = await questions.message_by_id(session, message_id=message_id)
        if fresh is not None:
            question_service.mark_delivered(
                fresh, now=services.clock.now(), client_message_id=sent_id
            )
            session.add(fresh)
    return Delivery(Outcome.DELIVERED, sent_id)


async def _send_to_client(
    bot: Bot, services: Services, client: Client, message: Message, original: Message | None
) -> int:
    chat_id = client.telegram_chat_id
    assert chat_id is not None
    if message.correction_of_id is not None:
        body = for_client(services, client, texts.correction_text(message.text or ""))
        reply_to = original.client_message_id if original else None
        return (await send_html(bot, chat_id, body, reply_to=reply_to)).message_id
    if message.staff_chat_id is not None and message.staff_message_id is not None:
        try:
            copied = await bot.copy_message(
                chat_id=chat_id,
                from_chat_id=message.staff_chat_id,
                message_id=message.staff_message_id,
            )
            return copied.message_id
        except BadRequest as exc:
            if SOURCE_GONE not in str(exc).lower():
                raise
            # The staff-chat message is gone (topic deleted): send what we stored.
    return await send_content(bot, chat_id, message)


async def _delivery_failed(
    services: Services, message: Message, client: Client, exc: TelegramError
) -> Delivery:
    outcome = outcome_of(exc)
    log.warning(
        "delivery to a client failed",
        extra={"message_id": message.id, "client_id": client.id, "error": error_name(exc)},
    )
    async with services.db.transaction() as session:
        fresh = await questions.message_by_id(session, message_id=pk(message))
        if fresh is not None:
            again = question_service.delivery_failed(
                fresh,
                now=services.clock.now(),
                error=error_name(exc),
                retry=outcome in (Outcome.RETRY, Outcome.BLOCKED),
            )
            session.add(fresh)
            if outcome == Outcome.RETRY and not again:
                outcome = Outcome.FAILED
        if outcome == Outcome.BLOCKED:
            await blocking.block(session, client_ids=[pk(client)])
    return Delivery(outcome)


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


NO_PREVIEW_JSON = json.dumps(NO_PREVIEW.to_dict(), separators=(",", ":"))
_PLAIN_BUTTON = frozenset({"text", "callback_data", "url"})


def markup_json(markup: InlineKeyboardMarkup) -> str:
    """An inline keyboard as the Bot API's JSON, as `markup.to_json()` gives it.

    Buttons with a text and a callback or a link (all that the bot sends) are written directly;
    a keyboard with any other button goes through PTB's generic serialiser."""
    rows: list[list[dict[str, str]]] = []
    for row in markup.inline_keyboard:
        out: list[dict[str, str]] = []
        for key in row:
            if not _is_plain(key):
                return markup.to_json()
            out.append(
                {
                    name: value
                    for name in ("text", "callback_data", "url")
                    if (value := getattr(key, name)) is not None
                }
            )
        rows.append(out)
    return json.dumps({"inline_keyboard": rows}, separators=(",", ":"), ensure_ascii=False)


def _is_plain(key: InlineKeyboardButton) -> bool:
    """Only a text, a string callback and/or a link set (no other field, no API extras)."""
    return (
        not key.api_kwargs
        and isinstance(key.callback_data, str | None)
        and all(
            getattr(key, name) is None for name in type(key).__slots__ if name not in _PLAIN_BUTTON
        )
    )


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

    async def notify(
        self, client: Client, text: TextFn, *, buttons: Buttons = None, listen: Listen | None = None
    ) -> Delivery:
        if listen is not None and client.telegram_chat_id is not None:
            buttons = await self.with_listen(buttons, listen, client_locale(self.services, client))
        return await notify_client(self.bot, self.services, client, text, buttons=buttons)

    async def send(
        self,
        chat_id: int,
        html: str,
        *,
        buttons: Buttons = None,
        send_timeout: float | None = None,
        listen: Listen | None = None,
        locale: str | None = None,
    ) -> int:
        if listen is not None:
            reader = locale or self.services.settings.default_locale
            buttons = await self.with_listen(buttons, listen, reader)
        # Straight to the Bot API call, not through `send_message`: PTB would build a `Message`
        # (with every button of the keyboard) from the answer, and serialise the keyboard
        # through its generic `to_dict`; only the message id is needed. These two were a fifth
        # of the dispatcher's CPU per reminder (docs/performance.md). Errors, time-outs and the
        # rate limiter are PTB's own (bot/replies.py `post`).
        data: dict[str, Any] = {
            "chat_id": chat_id,
            "text": html,
            "parse_mode": ParseMode.HTML,
            "link_preview_options": NO_PREVIEW_JSON,
        }
        if buttons is not None:
            data["reply_markup"] = markup_json(buttons)
        timeout: Any = DEFAULT_NONE if send_timeout is None else send_timeout
        bot: Any = self.bot
        try:
            result = await post(
                bot,
                "sendMessage",
                data,
                read_timeout=timeout,
                write_timeout=timeout,
                api_kwargs=(
                    bot._merge_api_rl_kwargs(None, NO_RETRY)
                    if getattr(bot, "rate_limiter", None) is not None
                    else None
                ),
            )
        except TelegramError as exc:
            raise failure_of(exc) from exc
        return int(result["message_id"])

    async def with_listen(self, buttons: Buttons, listen: Listen, locale: str) -> Buttons:
        """The message's buttons, and 🔊 Listen where there is audio in the reader's language
        (bot/audio.py; a press is bot/handlers/listen.py)."""
        audio = self.services.audio
        if audio is None:
            return buttons
        try:
            if not await audio.available(locale, listen.speakable):
                return buttons
        except Exception:  # the message goes out without the button rather than not at all
            log.exception("%s %s: could not tell whether audio exists", listen.what, listen.row_id)
            return buttons
        row = [button("🔊 " + translator(locale)("Listen"), LISTEN, listen.what, listen.row_id)]
        return InlineKeyboardMarkup([*(buttons.inline_keyboard if buttons else ()), row])

    async def file(self, file_id: str) -> tuple[bytes, str | None]:
        try:
            telegram_file = await self.bot.get_file(file_id)
            data = bytes(await telegram_file.download_as_bytearray())
        except TelegramError as exc:
            raise failure_of(exc) from exc
        return data, telegram_file.file_path

    async def first_name(self, chat_id: int) -> str | None:
        try:
            chat = await self.bot.get_chat(chat_id)
        except TelegramError as exc:
            log.warning("telegram name unavailable", extra={"error": error_name(exc)})
            return None
        return chat.first_name

    async def open(self) -> None:
        await self.bot.initialize()

    async def close(self) -> None:
        await self.bot.shutdown()

    async def publish(self, event: ClientEvent) -> None:
        if isinstance(event, Seen):
            delivery = await self.notify(event.client, texts.seen_text)
            log.info(
                "seen notice", extra={"question_id": event.question_id, "outcome": delivery.outcome}
            )
        elif isinstance(event, Closed):
            await self.notify(event.client, texts.closed_text)
        elif isinstance(event, Reopened):
            await self.notify(event.client, texts.reopened_text)
        elif isinstance(event, Unlinked):
            await self._tell_former_chat(event)

    async def _tell_former_chat(self, event: Unlinked) -> None:
        """The chat is no longer the client's, so this goes to the chat, not to the client."""
        body = for_client(
            self.services,
            event.client,
            link_texts.unlinked_client_text(not_me=event.reason == UnlinkReason.NOT_ME),
        )
        try:
            await send_html(self.bot, event.chat_id, body)
        except TelegramError as exc:
            log.warning(
                "unlink notice failed",
                extra={"client_id": event.client.id, "error": error_name(exc)},
            )
