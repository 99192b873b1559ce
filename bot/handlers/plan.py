"""📋 My plan (PIP), and the client's zaak when the Zaken API is configured."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CommandHandler, MessageHandler, filters

from bot.context import BotContext
from bot.handlers import listen
from bot.keyboards import ICON_PLAN
from bot.replies import answer
from texts.fmt import Formatter
from texts.i18n import Translator
from texts.render.plan import no_plan_text, plan_text, zaak_text


async def show_plan(update: Update, context: BotContext) -> None:
    client = context.client
    assert client is not None
    now = context.clock.now()
    async with context.db.reading() as session:
        page = await listen.plan_page(session, client, now, context.settings.zone)
    zaak = None
    case_system = context.services.case_system
    if case_system is not None and client.zaak_uuid:
        zaak = await case_system.zaak(client.zaak_uuid)  # None: the import's plan alone
    zone = context.settings.zone
    if page is None and zaak is None:
        await answer(update, context, no_plan_text)
        return
    row = (
        await listen.listen_row(
            context.services.audio,
            context.t,
            context.locale,
            listen.plan_speakable(page),
            listen.PLAN,
            page.plan.id,
        )
        if page is not None
        else None
    )

    def text(t: Translator, f: Formatter) -> str:
        parts = [plan_text(t, f, page) if page is not None else no_plan_text(t, f)]
        if zaak is not None:
            parts.append(zaak_text(t, f, zaak, zone))
        return "\n\n".join(parts)

    await answer(
        update,
        context,
        text,
        reply_markup=InlineKeyboardMarkup([row]) if row else None,
    )


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("plan", show_plan, filters=private),
        MessageHandler(private & filters.Regex(f"^{ICON_PLAN}"), show_plan),
    ]
