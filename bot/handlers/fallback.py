"""Everything else a client sends: a kind answer, never a crash."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot.context import BotContext
from bot.replies import answer
from texts.fmt import Formatter
from texts.i18n import Translator


def unsupported_text(t: Translator, _f: Formatter) -> str:
    return t(
        "Sorry, I cannot use this kind of message. Please write text, or send a photo, "
        "a document, a voice message or your location."
    )


def edited_text(t: Translator, _f: Formatter) -> str:
    return t(
        "You changed a message. I only see the first version. "
        "Please send the change as a new message."
    )


def unknown_command_text(t: Translator, _f: Formatter) -> str:
    return t("I do not know this command. Tap /help to see what I can do.")


async def unsupported(update: Update, context: BotContext) -> None:
    await answer(update, context, unsupported_text)


async def edited(update: Update, context: BotContext) -> None:
    if context.client is not None:
        await answer(update, context, edited_text)


async def unknown_command(update: Update, context: BotContext) -> None:
    await answer(update, context, unknown_command_text)


async def stale_button(update: Update, context: BotContext) -> None:
    """A button of an old version, a forged one, or one whose row is gone."""
    query = update.callback_query
    assert query is not None
    await query.answer(context.t("This button is no longer valid."), show_alert=True)


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    private = filters.ChatType.PRIVATE
    return [
        MessageHandler(private & filters.UpdateType.EDITED, edited),
        MessageHandler(private & filters.COMMAND, unknown_command),
        MessageHandler(private & filters.UpdateType.MESSAGE, unsupported),
        CallbackQueryHandler(stale_button),
    ]
