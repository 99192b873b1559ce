"""📋 My plan (PIP)."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CommandHandler, MessageHandler, filters

from bot.context import BotContext
from bot.handlers import listen
from bot.keyboards import ICON_PLAN
from bot.render.plan import no_plan_text, plan_text
from bot.replies import answer


async def show_plan(update: Update, context: BotContext) -> None:
    client = context.client
    assert client is not None
    now = context.clock.now()
    async with context.db.reading() as session:
        page = await listen.plan_page(session, client, now, context.settings.zone)
    if page is None:
        await answer(update, context, no_plan_text)
        return
    row = await listen.listen_row(
        context.services.audio,
        context.t,
        context.locale,
        listen.plan_speakable(page),
        listen.PLAN,
        page.plan.id,
    )
    await answer(
        update,
        context,
        lambda t, f: plan_text(t, f, page),
        reply_markup=InlineKeyboardMarkup([row]) if row else None,
    )


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("plan", show_plan, filters=private),
        MessageHandler(private & filters.Regex(f"^{ICON_PLAN}"), show_plan),
    ]
