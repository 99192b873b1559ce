"""ℹ️ Help: what the bot does and how to reach the team outside Telegram."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, MessageHandler, filters

from bot.context import BotContext
from bot.keyboards import ICON_HELP, main_menu
from bot.replies import answer
from storage import staff
from storage.models import Organisation
from texts.fmt import Formatter
from texts.html import escape
from texts.i18n import Translator


def help_text(t: Translator, f: Formatter, organisation: Organisation | None, linked: bool) -> str:
    lines = ["ℹ️ <b>" + t("Help") + "</b>", ""]
    if linked:
        lines += [
            "📋 " + t("My plan: your learning route and what you do, and until when."),
            "📅 " + t("Appointments: when and where. Tell us if you can come."),
            "✅ " + t("Tasks: things you must do. Tap Done when ready."),
            "❓ " + t("Question: write to your caseworker. You can also send a photo of a letter."),
            "⚙️ " + t("Settings: language, reminders and quiet hours."),
            "📖 " + t("/words explains Dutch words such as KNM and PIP."),
        ]
    else:
        lines.append(t("Send me the code from your caseworker to start."))
    lines += ["", t("You can also reach your team outside Telegram:")]
    if organisation is not None:
        if organisation.phone:
            lines.append("📞 " + f.ltr(escape(organisation.phone)))
        if organisation.email:
            lines.append("✉️ " + f.ltr(escape(organisation.email)))
        if organisation.desk:
            lines.append("🏢 " + f.auto(escape(organisation.desk)))
    else:
        lines.append(t("Call or visit your municipality."))
    return "\n".join(lines)


async def show_help(update: Update, context: BotContext) -> None:
    client = context.client
    organisation = None
    if client is not None and client.caseworker_id:
        async with context.db.reading() as session:
            member = await staff.by_id(session, staff_id=client.caseworker_id)
            if member is not None:
                organisation = await staff.organisation(
                    session, organisation_id=member.organisation_id
                )
    linked = client is not None and client.consent_at is not None
    markup = main_menu(context.t) if linked else None
    await answer(
        update, context, lambda t, f: help_text(t, f, organisation, linked), reply_markup=markup
    )


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("help", show_help, filters=private),
        MessageHandler(private & filters.Regex(f"^{ICON_HELP}"), show_help),
    ]
