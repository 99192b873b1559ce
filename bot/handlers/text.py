"""Free text in a private chat: a code before linking, an awaited answer, or a question."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, MessageHandler, filters

from bot.context import BotContext
from bot.handlers import onboarding, questions
from bot.replies import answer
from texts.fmt import Formatter
from texts.i18n import Translator

Awaiting = Callable[[Update, BotContext, str], Awaitable[None]]


def staff_private_text(t: Translator, _f: Formatter) -> str:
    return t("Please answer clients in the staff chat or in the back-office.")


def make_router(
    awaiting: dict[str, Awaiting],
) -> Callable[[Update, BotContext], Coroutine[Any, Any, None]]:
    """Route free text; `awaiting` maps a client's awaited-answer kind to its handler."""

    async def route(update: Update, context: BotContext) -> None:
        client = context.client
        if client is None:
            if context.staff is not None:
                await answer(update, context, staff_private_text)
            else:
                await onboarding.typed_code(update, context)
            return
        if client.awaiting:
            kind, _, arg = client.awaiting.partition(":")
            handler = awaiting.get(kind)
            if handler is not None:
                await handler(update, context, arg)
                return
        await questions.ask(update, context)

    return route


def handlers(awaiting: dict[str, Awaiting]) -> list[BaseHandler[Update, BotContext, None]]:
    private_text = (
        filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND
    )
    return [MessageHandler(private_text, make_router(awaiting))]
