"""Sending text to users: Telegram's length limit, and Dutch alongside for learners."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import InlineKeyboardMarkup, LinkPreviewOptions, Message, Update
from telegram.constants import MessageLimit, ParseMode

from bot.context import BotContext
from texts.fmt import Formatter
from texts.html import as_html, html_translator
from texts.i18n import Translator

# A text is a function of the reader's translator and formatter, so it can also be rendered in
# simple Dutch under the translation when the client wants to learn ("Also show Dutch").
Text = Callable[[Translator, Formatter], str]
LIMIT = MessageLimit.MAX_TEXT_LENGTH
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def split_text(text: str, limit: int = LIMIT) -> list[str]:
    """Split on line boundaries so that every piece stays under Telegram's limit."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current or not pieces:
        pieces.append(current)
    return pieces


def render(context: BotContext, text: Text) -> str:
    """The text in the user's language, with the Dutch version under it when asked for."""
    own = text(as_html(context.t), context.fmt)
    client = context.client
    if client is None or not client.show_dutch or context.locale == "nl":
        return own
    dutch = text(html_translator("nl"), Formatter("nl", context.settings.zone))
    # A heading rather than <i>...</i> around the Dutch: a long text is split on line breaks,
    # and a tag that spans the split would not parse.
    return f"{own}\n\n🇳🇱 <b>Nederlands</b>\n{dutch}"


async def send(
    context: BotContext,
    chat_id: int,
    text: Text | str,
    *,
    reply_markup: Any = None,
    **kwargs: Any,
) -> Message:
    """Send a (possibly long) HTML text; the keyboard goes with the last piece."""
    body = text if isinstance(text, str) else render(context, text)
    pieces = split_text(body)
    message: Message | None = None
    for index, piece in enumerate(pieces):
        last = index == len(pieces) - 1
        message = await context.bot.send_message(
            chat_id,
            piece,
            parse_mode=ParseMode.HTML,
            reply_markup=reply_markup if last else None,
            link_preview_options=NO_PREVIEW,
            **kwargs,
        )
    assert message is not None
    return message


async def answer(update: Update, context: BotContext, text: Text | str, **kwargs: Any) -> Message:
    """Reply in the chat the update came from."""
    chat = update.effective_chat
    assert chat is not None
    return await send(context, chat.id, text, **kwargs)


async def list_in_place(
    update: Update,
    context: BotContext,
    body: str,
    markup: InlineKeyboardMarkup | None,
    edit: Callable[[str, InlineKeyboardMarkup | None], Awaitable[None]],
) -> None:
    """‹ All …: a rendered list again in the pressed message (`edit`), and the press answered.
    A list too long for one message is sent anew instead (split when sent): an edit cannot
    become two messages."""
    query = update.callback_query
    assert query is not None
    if len(body) > LIMIT:
        await query.answer()
        await answer(update, context, body, reply_markup=markup)
        return
    await edit(body, markup)
    await query.answer()
