"""The cheapest bot on the same stack: python-telegram-bot echoing texts, answering presses."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer()
    elif update.effective_message is not None and update.effective_message.text:
        await update.effective_message.reply_text(update.effective_message.text)


def build_echo(token: str, api_url: str) -> Application[Any, Any, Any, Any, Any, Any]:
    application = ApplicationBuilder().token(token).base_url(api_url).build()
    application.add_handler(TypeHandler(Update, echo))
    return application
