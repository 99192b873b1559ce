"""Sending text to users: Telegram's length limit, and Dutch alongside for learners."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot, CallbackQuery, InlineKeyboardMarkup, LinkPreviewOptions, Update
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


async def post(bot: Bot, method: str, data: dict[str, Any], **options: Any) -> Any:
    """A Bot API call whose answer is not made into objects: Telegram's answer as it came (the
    sent message as a dict, or True). `options` are `Bot._post`'s own (time-outs, `api_kwargs`).

    PTB makes a `Message` of every sent or edited message, with its keyboard's buttons: about
    a quarter of a millisecond of CPU for a reply with buttons, the largest part of PTB's own
    cost in a reply (`python -m bench profile`). `Bot._post` is the path every PTB method takes
    after building its parameters and before that step, so everything else stays: the
    parameters are encoded as PTB encodes them (`None` left out, objects as JSON), the rate
    limiter, retries and metrics still wrap the request, and an error is raised as PTB raises
    it (BadRequest, Forbidden, RetryAfter, TimedOut). The one place that calls PTB's private
    `_post`: replies, edits and the client channel's messages (bot/channels/client.py)."""
    return await bot._post(method, data, **options)


async def send(
    context: BotContext,
    chat_id: int,
    text: Text | str,
    *,
    reply_markup: Any = None,
) -> None:
    """Send a (possibly long) HTML text; the keyboard goes with the last piece.

    Only Bot API fields go into `post`: PTB's own keyword arguments (time-outs,
    `reply_to_message_id`, `do_quote`) would be sent as unknown fields and ignored, so there are
    none here."""
    body = text if isinstance(text, str) else render(context, text)
    pieces = split_text(body)
    for index, piece in enumerate(pieces):
        last = index == len(pieces) - 1
        await post(
            context.bot,
            "sendMessage",
            {
                "chat_id": chat_id,
                "text": piece,
                "parse_mode": ParseMode.HTML,
                "reply_markup": reply_markup if last else None,
                "link_preview_options": NO_PREVIEW,
            },
        )


async def answer(
    update: Update, context: BotContext, text: Text | str, *, reply_markup: Any = None
) -> None:
    """Reply in the chat the update came from."""
    chat = update.effective_chat
    assert chat is not None
    await send(context, chat.id, text, reply_markup=reply_markup)


async def edit(query: CallbackQuery, text: str, *, reply_markup: Any = None) -> None:
    """The pressed message's HTML text and keyboard replaced, without a link preview (see
    `post`)."""
    message = query.message
    where: dict[str, Any] = (
        {"inline_message_id": query.inline_message_id}
        if message is None
        else {"chat_id": message.chat.id, "message_id": message.message_id}
    )
    await post(
        query.get_bot(),
        "editMessageText",
        {
            **where,
            "text": text,
            "parse_mode": ParseMode.HTML,
            "reply_markup": reply_markup,
            "link_preview_options": NO_PREVIEW,
        },
    )


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
