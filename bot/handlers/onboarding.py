"""Linking with an invitation code, the privacy consent, and the language picker."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot import keyboards
from bot.channels import telegram_channels
from bot.context import BotContext
from bot.replies import Text, answer, send
from casework.linking import LinkOutcome, LinkResult, give_consent, link
from casework.linking import not_me as refuse_portal_link
from casework.ports import publish
from storage import clients, visitors
from storage.enums import InviteOrigin
from storage.ids import pk
from storage.invites import looks_like_code
from texts import callbacks
from texts.fmt import Formatter
from texts.i18n import BY_CODE, Translator, translator, unreviewed_locales
from texts.render import linking as link_texts

log = logging.getLogger(__name__)


def welcome_text(t: Translator, _f: Formatter) -> str:
    return "\n\n".join(
        [
            t("Hello! 👋 I am the inburgering assistant of your municipality."),
            t(
                "Please send me the code you got from your caseworker (klantregisseur). "
                "It looks like ABCDE-FGHJK."
            ),
            t("Tap the button below to choose your language."),
        ]
    )


def privacy_notice(t: Translator, days: int) -> str:
    return "\n".join(
        [
            t(
                "I keep your first name, your reference number, your plan (PIP), your "
                "appointments and tasks, and your messages to your caseworker."
            ),
            t("Only you and your caseworkers can see them."),
            t.ngettext(
                "Your messages are deleted after {n} day.",
                "Your messages are deleted after {n} days.",
                days,
            ),
            t("Read more with /privacy."),
        ]
    )


def menu_prompt(t: Translator, _f: Formatter) -> str:
    return t("Choose what you want to do in the menu below. 👇")


def outcome_text(result: LinkResult) -> Text:
    """The reply to a failed linking attempt."""

    def text(t: Translator, _f: Formatter) -> str:
        if result.outcome == LinkOutcome.WRONG:
            return t.ngettext(
                "This code is not right. Please check it and try again. You can try {n} more time.",
                "This code is not right. Please check it and try again. "
                "You can try {n} more times.",
                result.tries_left,
            )
        if result.outcome == LinkOutcome.TOO_MANY_TRIES:
            return t(
                "Too many wrong codes. Please wait one hour and try again, "
                "or contact your caseworker."
            )
        return t("This code cannot be used anymore. Please ask your caseworker for a new code.")

    return text


async def start(update: Update, context: BotContext) -> None:
    if context.args:
        await _try_code(update, context, context.args[0])
    elif context.client is not None and context.client.consent_at is not None:
        name = context.client.first_name
        await answer(
            update,
            context,
            lambda t, f: t("Hello {name}! 👋", name=f.auto(name)) + "\n" + menu_prompt(t, f),
            reply_markup=keyboards.main_menu(context.t),
        )
    elif context.client is not None:
        await _show_consent(update, context)
    elif context.staff is not None:
        await answer(update, context, staff_linked_text)
    else:
        await answer(
            update,
            context,
            welcome_text,
            reply_markup=keyboards.single("🌐 " + context.t("Language"), "lang", "pick"),
        )


async def typed_code(update: Update, context: BotContext) -> None:
    """A code typed or pasted instead of tapping the link."""
    assert update.message is not None and update.message.text is not None
    await _try_code(update, context, update.message.text)


async def _try_code(update: Update, context: BotContext, code: str) -> None:
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    if not looks_like_code(code):
        await answer(update, context, outcome_text(LinkResult(LinkOutcome.WRONG, tries_left=1)))
        return
    async with context.db.transaction() as session:
        result = await link(
            session,
            code=code,
            chat_id=chat.id,
            user_id=user.id,
            username=user.username,
            locale=context.locale,
            now=context.clock.now(),
        )
    log.info("link attempt", extra={"chat_id": chat.id, "outcome": result.outcome})
    if result.outcome == LinkOutcome.LINKED_STAFF:
        context.staff = result.staff
        await answer(update, context, staff_linked_text)
    elif result.outcome == LinkOutcome.LINKED_CLIENT and result.client is not None:
        context.client = result.client
        context.use_locale(result.client.locale or context.locale)
        await _tell_previous_chat(context, result)
        portal = result.origin == InviteOrigin.PORTAL
        await _show_consent(update, context, greet=True, portal=portal)
    else:
        await answer(update, context, outcome_text(result))


def staff_linked_text(t: Translator, _f: Formatter) -> str:
    return t(
        "You are linked as a staff member. Answer questions in the staff chat or in the "
        "back-office."
    )


async def _tell_previous_chat(context: BotContext, result: LinkResult) -> None:
    if result.previous_chat_id is None or result.client is None:
        return
    t = translator(result.client.locale or context.settings.default_locale)
    await context.bot.send_message(
        result.previous_chat_id,
        t("Your account is now linked to another Telegram chat. This chat gets no more messages."),
    )


async def _show_consent(
    update: Update, context: BotContext, *, greet: bool = False, portal: bool = False
) -> None:
    """The privacy notice; after a portal link it names the portal first and offers "Not you?",
    so that a forwarded link is caught before anything else is shown."""
    client = context.client
    assert client is not None
    days = context.settings.retention_days

    def text(t: Translator, f: Formatter) -> str:
        parts = []
        if greet:
            parts.append(t("Welcome, {name}! 👋", name=f.auto(client.first_name)))
            if portal:
                parts.append(link_texts.portal_linked_text(t, f))
            parts.append(t("From now on you can see your plan (PIP), appointments and tasks here."))
        parts.append(privacy_notice(t, days))
        parts.append(t("Tap “I agree” to start."))
        return "\n\n".join(parts)

    not_me = pk(client) if greet and portal else None
    await answer(update, context, text, reply_markup=keyboards.consent(context.t, not_me=not_me))


async def not_me(update: Update, context: BotContext) -> None:
    """“Not you?” under a portal link: unlink the chat, tell it kindly, and tell the team."""
    query, chat, client = update.callback_query, update.effective_chat, context.client
    assert query is not None and chat is not None
    parsed = callbacks.parse(query.data)
    event = None
    if client is not None and parsed is not None and parsed.int_arg() == client.id:
        async with context.db.transaction() as session:
            event = await refuse_portal_link(
                session, client_id=pk(client), chat_id=chat.id, now=context.clock.now()
            )
    if event is None:
        await query.answer(context.t("This button is no longer valid."), show_alert=True)
        return
    log.info("portal link refused by the chat", extra={"client_id": event.client.id})
    await query.answer()
    context.client = None
    await publish(telegram_channels(context.bot, context.services).all, event)


async def agree(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    client = context.client
    if client is None:
        await query.answer()
        return
    if client.consent_at is None:
        async with context.db.transaction() as session:
            fresh = await clients.by_id(session, client_id=pk(client))
            assert fresh is not None
            await give_consent(session, client=fresh, now=context.clock.now())
            context.client = fresh
    await query.answer(context.t("Thank you!"))
    await answer(update, context, menu_prompt, reply_markup=keyboards.main_menu(context.t))


async def pick_language(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    await answer(update, context, choose_language_text, reply_markup=_language_keyboard(context))


async def language_command(update: Update, context: BotContext) -> None:
    await answer(update, context, choose_language_text, reply_markup=_language_keyboard(context))


def choose_language_text(t: Translator, _f: Formatter) -> str:
    return t(
        "Choose your language. Languages with * were translated but not yet checked by a "
        "native speaker."
    )


def _language_keyboard(context: BotContext) -> InlineKeyboardMarkup:
    return keyboards.languages(
        context.services.shipped_locales,
        current=context.locale,
        unreviewed=unreviewed_locales(),
    )


async def set_language(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    parsed = callbacks.parse(query.data)
    code = parsed.arg if parsed else ""
    if code not in context.services.shipped_locales:
        await query.answer(context.t("This button is no longer valid."), show_alert=True)
        return
    chat = update.effective_chat
    assert chat is not None
    async with context.db.transaction() as session:
        if context.client is not None:
            client = await clients.by_id(session, client_id=pk(context.client))
            assert client is not None
            client.locale = code
            session.add(client)
            context.client = client
        else:
            await visitors.set_locale(session, chat_id=chat.id, locale=code)
    context.use_locale(code)
    await query.answer()
    name = BY_CODE[code].native_name
    done = context.t("Your language is now {language}.", language=context.fmt.auto(name))
    if context.client is not None and context.client.consent_at is not None:
        await send(context, chat.id, done, reply_markup=keyboards.main_menu(context.t))
    elif context.client is not None:
        await send(context, chat.id, done)
        await _show_consent(update, context)
    else:
        await send(context, chat.id, done + "\n\n" + welcome_text(context.t, context.fmt))


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("start", start, filters=private),
        CommandHandler("language", language_command, filters=private),
        CallbackQueryHandler(pick_language, pattern=callbacks.pattern("lang") + "pick:"),
        CallbackQueryHandler(set_language, pattern=callbacks.pattern("lang") + "set:"),
        CallbackQueryHandler(agree, pattern=callbacks.pattern("priv") + "agree:"),
        CallbackQueryHandler(not_me, pattern=callbacks.pattern("link") + "notme:"),
    ]
