"""📋 My plan (PIP)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, MessageHandler, filters

from bot.context import BotContext
from bot.keyboards import ICON_PLAN
from bot.replies import answer
from storage import plans, staff
from storage.ids import pk
from texts.render.plan import PlanPage, no_plan_text, plan_text


async def show_plan(update: Update, context: BotContext) -> None:
    client = context.client
    assert client is not None
    now = context.clock.now()
    async with context.db.reading() as session:
        view = await plans.current(session, client_id=pk(client))
        caseworker = (
            await staff.by_id(session, staff_id=client.caseworker_id)
            if client.caseworker_id
            else None
        )
        guide = (
            await staff.by_id(session, staff_id=client.social_guide_id)
            if client.social_guide_id
            else None
        )
    if view is None:
        await answer(update, context, no_plan_text)
        return
    page = PlanPage(
        view.plan, view.parts, caseworker, guide, now.astimezone(context.settings.zone).date(), now
    )
    await answer(update, context, lambda t, f: plan_text(t, f, page))


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("plan", show_plan, filters=private),
        MessageHandler(private & filters.Regex(f"^{ICON_PLAN}"), show_plan),
    ]
