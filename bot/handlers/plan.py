"""📋 My plan (PIP), and the client's zaak when the Zaken API is configured."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, MessageHandler, filters

from bot.context import BotContext
from bot.fmt import Formatter
from bot.i18n import Translator
from bot.keyboards import ICON_PLAN
from bot.render.plan import PlanPage, no_plan_text, plan_text, zaak_text
from bot.replies import answer
from storage import plans, staff
from storage.ids import pk


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
    zaak = None
    case_system = context.services.case_system
    if case_system is not None and client.zaak_uuid:
        zaak = await case_system.zaak(client.zaak_uuid)  # None: the import's plan alone
    zone = context.settings.zone
    if view is None and zaak is None:
        await answer(update, context, no_plan_text)
        return

    def text(t: Translator, f: Formatter) -> str:
        parts = [no_plan_text(t, f)]
        if view is not None:
            page = PlanPage(
                view.plan, view.parts, caseworker, guide, now.astimezone(zone).date(), now
            )
            parts = [plan_text(t, f, page)]
        if zaak is not None:
            parts.append(zaak_text(t, f, zaak, zone))
        return "\n\n".join(parts)

    await answer(update, context, text)


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("plan", show_plan, filters=private),
        MessageHandler(private & filters.Regex(f"^{ICON_PLAN}"), show_plan),
    ]
