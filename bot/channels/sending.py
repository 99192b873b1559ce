"""Sending on Telegram for both channels: HTML texts (split when long), stored messages' content,
and a text rendered for one reader (the client's language, or Dutch for the team)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from telegram import Bot, LinkPreviewOptions, ReplyParameters
from telegram import Message as TelegramMessage
from telegram.constants import ParseMode

from bot.replies import split_text
from storage.enums import MessageKind
from storage.models import Client, Message
from texts.html import escape
from texts.readers import STAFF_LOCALE, TextFn

if TYPE_CHECKING:
    from bot.context import Services

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def client_locale(services: Services, client: Client) -> str:
    return services.readers.locale_of(client)


def for_client(services: Services, client: Client, text: TextFn) -> str:
    """A text in the client's language, with simple Dutch under it when they asked for it."""
    return services.readers.for_client(client, text)


def for_staff(services: Services, text: TextFn, locale: str = STAFF_LOCALE) -> str:
    return services.readers.for_staff(text, locale)


async def send_html(
    bot: Bot,
    chat_id: int,
    body: str,
    *,
    thread_id: int | None = None,
    reply_to: int | None = None,
    reply_markup: Any = None,
) -> TelegramMessage:
    """Send an HTML text (split when long); returns the last piece, which has the keyboard."""
    pieces = split_text(body)
    sent: TelegramMessage | None = None
    for index, piece in enumerate(pieces):
        last = index == len(pieces) - 1
        sent = await bot.send_message(
            chat_id,
            piece,
            parse_mode=ParseMode.HTML,
            link_preview_options=NO_PREVIEW,
            message_thread_id=thread_id,
            reply_parameters=reply_to_message(reply_to) if index == 0 else None,
            reply_markup=reply_markup if last else None,
        )
    assert sent is not None
    return sent


def reply_to_message(message_id: int | None) -> ReplyParameters | None:
    if message_id is None:
        return None
    return ReplyParameters(message_id=message_id, allow_sending_without_reply=True)


async def send_content(
    bot: Bot,
    chat_id: int,
    message: Message,
    *,
    thread_id: int | None = None,
    reply_to: int | None = None,
    prefix: str = "",
) -> int:
    """Send a stored message's content (when copying is not possible); returns the message id."""
    caption = prefix + escape(message.text) if message.text else (prefix or None)
    common: dict[str, Any] = {
        "message_thread_id": thread_id,
        "reply_parameters": reply_to_message(reply_to),
    }
    media: dict[str, Any] = {**common, "caption": caption, "parse_mode": ParseMode.HTML}
    if message.kind == MessageKind.PHOTO and message.file_id:
        return (await bot.send_photo(chat_id, message.file_id, **media)).message_id
    if message.kind == MessageKind.DOCUMENT and message.file_id:
        return (await bot.send_document(chat_id, message.file_id, **media)).message_id
    if message.kind == MessageKind.VOICE and message.file_id:
        return (await bot.send_voice(chat_id, message.file_id, **media)).message_id
    if message.kind == MessageKind.LOCATION and message.text:
        latitude, _, longitude = message.text.partition(",")
        try:
            point = (float(latitude), float(longitude))
        except ValueError:
            point = None
        if point is not None:
            sent = await bot.send_location(chat_id, point[0], point[1], **common)
            return sent.message_id
    body = prefix + escape(message.text or "…")
    return (await send_html(bot, chat_id, body, thread_id=thread_id, reply_to=reply_to)).message_id
