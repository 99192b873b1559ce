"""🔒 Privacy: what the bot keeps and why (/privacy), a copy of it (/mydata), erasing it (/forget).

/forget asks twice, with two different buttons (`priv:v1:forget1:` then `priv:v1:forget2:<t>`,
where t is the minute of the first tap: a second button older than FORGET_VALID_MINUTES is
refused, so an old message cannot erase a chat that was linked again since).
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

from telegram import InlineKeyboardMarkup, InputFile, ReplyKeyboardRemove, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.channels.staff import TelegramRelay
from bot.context import BotContext
from bot.handlers.fallback import stale_button
from bot.replies import NO_PREVIEW, answer, edit, render
from casework import privacy as privacy_service
from storage import clients, staff
from storage.ids import pk
from storage.models import Organisation
from texts import callbacks
from texts.callbacks import button
from texts.fmt import Formatter
from texts.html import escape
from texts.i18n import Translator, review_note

log = logging.getLogger(__name__)

PREFIX = "priv"
FORGET_VALID_MINUTES = 15


@dataclass(frozen=True)
class Contact:
    """How to reach the team outside Telegram."""

    phone: str = ""
    email: str = ""
    desk: str = ""

    @classmethod
    def of(cls, organisation: Organisation | None, *, phone: str, email: str) -> Contact:
        """The caseworker's organisation, else the team contact from the settings."""
        if organisation is not None:
            return cls(organisation.phone, organisation.email, organisation.desk)
        return cls(phone, email)


def contact_lines(t: Translator, f: Formatter, contact: Contact) -> list[str]:
    lines = []
    if contact.phone:
        lines.append("📞 " + f.ltr(escape(contact.phone)))
    if contact.email:
        lines.append("✉️ " + f.ltr(escape(contact.email)))
    if contact.desk:
        lines.append("🏢 " + f.auto(escape(contact.desk)))
    if not lines:
        lines.append(t("Call or visit your municipality."))
    return lines


def privacy_text(
    t: Translator,
    f: Formatter,
    *,
    days: int,
    contact: Contact,
    linked: bool,
    translated: bool = False,
) -> str:
    """What is kept, why, how long, who sees it, Telegram's limits and the way out of Telegram.

    `translated`: the municipality switched on machine translation (docs/translation.md).
    """
    if linked:
        kept = t("What the bot keeps about you:")
    else:
        kept = t("When you link your account, the bot keeps:")
    lines = [
        "🔒 <b>" + t("Privacy") + "</b>",
        "",
        kept,
        "• " + t("your first name and your reference number"),
        # Translators: PIP = Persoonlijk Plan Inburgering en Participatie, the client's plan.
        "• " + t("your plan (PIP), your appointments and your tasks"),
        "• " + t("your messages with your caseworker (klantregisseur)"),
        "• " + t("your language and your choices for reminders"),
        "• " + t("the number of your Telegram chat"),
        "",
        "<b>" + t("Why?") + "</b>",
        t(
            "To help you with the integration programme (inburgering). "
            "We do this for your municipality (gemeente)."
        ),
        "",
        "<b>" + t("For how long?") + "</b>",
        t.ngettext(
            "Messages: we delete them after {n} day.",
            "Messages: we delete them after {n} days.",
            days,
        ),
        t("Your plan, appointments and tasks: as long as your municipality keeps your case file."),
        "",
        "<b>" + t("Who can see it?") + "</b>",
        t("Only you and the caseworkers of your municipality's team."),
        "",
    ]
    if translated:
        lines += [
            "<b>" + t("Machine translation") + "</b>",
            t(
                "A translation computer that your municipality runs itself translates your "
                "messages and the answers. The translations are deleted with the messages. "
                "Nothing is sent to another company."
            ),
            "",
        ]
    lines += [
        "<b>" + t("Telegram") + "</b>",
        t("Chats with a bot in Telegram are not end-to-end encrypted."),
        t("Telegram also keeps its own data about you, under its own rules."),
        t("Please do not send sensitive documents here. Bring them to the desk."),
        "",
    ]
    if linked:
        lines += [
            t("/mydata: get a file with everything the bot keeps about you."),
            t("/forget: erase your messages and choices, and unlink this chat."),
            "",
        ]
    lines.append(t("You can reach your team outside Telegram:"))
    lines += contact_lines(t, f, contact)
    note = review_note(t)
    if note:
        lines += ["", "ℹ️ " + note]
    return "\n".join(lines)


def export_caption(t: Translator, _f: Formatter) -> str:
    return t(
        "This file has everything the bot keeps about you. Keep it in a safe place. "
        "You can open it with a text editor."
    )


def forget_text(t: Translator, _f: Formatter) -> str:
    return "\n\n".join(
        [
            "🗑 <b>" + t("Erase your data") + "</b>",
            t(
                "The bot will erase your messages, your language and your choices for "
                "reminders. This chat will be unlinked."
            ),
            t(
                "Your plan (PIP), appointments and tasks stay. They belong to your case file "
                "at the municipality."
            ),
        ]
    )


def confirm_text(t: Translator, f: Formatter) -> str:
    return forget_text(t, f) + "\n\n" + t("Are you sure? This cannot be undone.")


def forgotten_text(t: Translator, _f: Formatter) -> str:
    return "\n\n".join(
        [
            t("Done. Your messages and choices are erased, and this chat is unlinked."),
            t(
                "Your plan, appointments and tasks stay with your municipality. "
                "To use the bot again, ask your caseworker (klantregisseur) for a new code."
            ),
        ]
    )


def kept_text(t: Translator, f: Formatter) -> str:
    return forget_text(t, f) + "\n\n" + t("Nothing was erased.")


def forget_keyboard(t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [button("🗑 " + t("Erase my data"), PREFIX, "forget1")],
            [button(t("Keep my data"), PREFIX, "keep")],
        ]
    )


def confirm_keyboard(t: Translator, minute: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [button("🗑 " + t("Yes, erase now"), PREFIX, "forget2", minute)],
            [button(t("Cancel"), PREFIX, "keep")],
        ]
    )


def minute_of(context: BotContext) -> int:
    return int(context.clock.now().timestamp() // 60)


def confirmation_is_fresh(arg: str, *, now_minute: int) -> bool:
    """Whether a second forget button was made within the last FORGET_VALID_MINUTES."""
    if not arg.isdigit() or len(arg) > 12:
        return False
    return 0 <= now_minute - int(arg) <= FORGET_VALID_MINUTES


async def _contact(context: BotContext) -> Contact:
    client = context.client
    organisation = None
    if client is not None and client.caseworker_id:
        async with context.db.reading() as session:
            member = await staff.by_id(session, staff_id=client.caseworker_id)
            if member is not None:
                organisation = await staff.organisation(
                    session, organisation_id=member.organisation_id
                )
    settings = context.settings
    return Contact.of(organisation, phone=settings.team_phone, email=settings.team_email)


async def show_privacy(update: Update, context: BotContext) -> None:
    """Works before linking too: then it speaks in general."""
    contact = await _contact(context)
    days = context.settings.retention_days
    linked = context.client is not None and context.client.consent_at is not None
    translated = context.settings.translation != "none"
    await answer(
        update,
        context,
        lambda t, f: privacy_text(
            t, f, days=days, contact=contact, linked=linked, translated=translated
        ),
    )


async def my_data(update: Update, context: BotContext) -> None:
    """Send everything stored about the client as a JSON file, and note that in the audit."""
    chat = update.effective_chat
    assert context.client is not None and chat is not None
    now = context.clock.now()
    async with context.db.transaction() as session:
        client = await clients.by_id(session, client_id=pk(context.client))
        assert client is not None
        records = await privacy_service.gather(session, client=client)
        privacy_service.record_export(session, client=client, now=now)
    data = privacy_service.export_json(records, now=now)
    name = privacy_service.export_file_name(now, context.settings.zone)
    log.info("client exported their data", extra={"client_id": client.id, "bytes": len(data)})
    await context.bot.send_document(
        chat.id,
        InputFile(io.BytesIO(data), filename=name),
        caption=render(context, export_caption),
        parse_mode=ParseMode.HTML,
    )


async def ask_forget(update: Update, context: BotContext) -> None:
    await answer(update, context, forget_text, reply_markup=forget_keyboard(context.t))


async def _edit(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    query = update.callback_query
    assert query is not None
    try:
        await edit(query, text, reply_markup=markup)
    except BadRequest as error:
        if "not modified" not in error.message.lower():
            raise


async def forget_first(update: Update, context: BotContext) -> None:
    """The first tap: ask once more, with a different button."""
    query = update.callback_query
    assert query is not None
    markup = confirm_keyboard(context.t, minute_of(context))
    await _edit(update, render(context, confirm_text), markup)
    await query.answer()


async def forget_second(update: Update, context: BotContext) -> None:
    """The second tap: erase, unlink, and say what stayed."""
    query = update.callback_query
    chat = update.effective_chat
    assert query is not None and chat is not None
    parsed = callbacks.parse(query.data)
    fresh = parsed is not None and confirmation_is_fresh(parsed.arg, now_minute=minute_of(context))
    if context.client is None or not fresh:
        await stale_button(update, context)
        return
    done = render(context, forgotten_text)  # in the language chosen before it is erased
    async with context.db.transaction() as session:
        client = await clients.by_id(session, client_id=pk(context.client))
        assert client is not None
        result = await privacy_service.forget(session, client=client, now=context.clock.now())
    log.info(
        "client erased their data",
        extra={"client_id": client.id, "messages": result.messages, "reminders": result.reminders},
    )
    if isinstance(context.services.relay, TelegramRelay):
        # The copies in the staff chat go too: delete the client's topic.
        await context.services.relay.client_forgotten(context.bot, pk(client))
    context.client = None
    try:
        await query.edit_message_reply_markup(reply_markup=None)
    except BadRequest as error:
        if "not modified" not in error.message.lower():
            raise
    await context.bot.send_message(
        chat.id,
        done,
        parse_mode=ParseMode.HTML,
        reply_markup=ReplyKeyboardRemove(),
        link_preview_options=NO_PREVIEW,
    )
    await query.answer()


async def keep(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    await _edit(update, render(context, kept_text))
    await query.answer()


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    private = filters.ChatType.PRIVATE
    prefix = callbacks.pattern(PREFIX)
    return [
        CommandHandler("privacy", show_privacy, filters=private),
        CommandHandler("mydata", my_data, filters=private),
        CommandHandler("forget", ask_forget, filters=private),
        CallbackQueryHandler(forget_first, pattern=prefix + "forget1:"),
        CallbackQueryHandler(forget_second, pattern=prefix + "forget2:"),
        CallbackQueryHandler(keep, pattern=prefix + "keep:"),
    ]
