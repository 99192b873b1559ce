"""Group -1: load the client or staff member and their locale; stop what may not go further.

Feature handlers can rely on `context.client` (a linked client who agreed to the privacy notice)
in private chats, and on `context.staff` in the staff chat, without checking again.
"""

from __future__ import annotations

import logging

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Chat, ChatMemberUpdated, Update
from telegram.constants import ChatMemberStatus
from telegram.ext import ApplicationHandlerStop, BaseHandler, TypeHandler

from bot.context import BotContext
from bot.keyboards import consent
from bot.replies import Text, answer
from casework import blocking
from casework.planning import replan_client
from storage import clients, staff, visitors
from storage.enums import ClientStatus
from storage.ids import pk
from storage.invites import looks_like_code
from storage.models import Client
from texts import callbacks
from texts.i18n import Translator
from texts.locales import choose_locale

log = logging.getLogger(__name__)

OPEN_COMMANDS = ("/start", "/help", "/privacy")
# Before consent a linked client may still read about privacy, change language or leave.
CONSENT_COMMANDS = (*OPEN_COMMANDS, "/forget")
OPEN_CALLBACK_PREFIXES = ("lang",)
CONSENT_CALLBACK_PREFIXES = ("lang", "priv", "link")  # link: "Not you?" after a portal link


def _command(update: Update) -> str | None:
    message = update.effective_message
    text = message.text if message else None
    if not text or not text.startswith("/"):
        return None
    return text.split()[0].split("@")[0].lower()


def _callback_prefix(update: Update) -> str | None:
    query = update.callback_query
    parsed = callbacks.parse(query.data if query else None)
    return parsed.prefix if parsed else None


def allowed_before_linking(update: Update) -> bool:
    """Only /start, /help, /privacy, the language picker and a typed code before linking."""
    if _command(update) in OPEN_COMMANDS:
        return True
    if _callback_prefix(update) in OPEN_CALLBACK_PREFIXES:
        return True
    message = update.message
    return bool(message and message.text and looks_like_code(message.text))


def allowed_before_consent(update: Update) -> bool:
    if _command(update) in CONSENT_COMMANDS:
        return True
    return _callback_prefix(update) in CONSENT_CALLBACK_PREFIXES


def not_linked_text(t: Translator, _f: object) -> str:
    return t(
        "I do not know you yet. Please send me the code you got from your caseworker "
        "(klantregisseur). It looks like ABCDE-FGHJK."
    )


def consent_needed_text(t: Translator, _f: object) -> str:
    return t("Before we start, please read the privacy notice and tap “I agree”.")


async def gate(update: Update, context: BotContext) -> None:
    chat = update.effective_chat
    if chat is None:
        raise ApplicationHandlerStop
    if chat.type == Chat.PRIVATE:
        await _private(update, context, chat)
    elif chat.id == context.settings.staff_chat_id:
        await _staff_chat(update, context)
    else:
        # The bot answers in private chats and in the one configured staff chat only.
        raise ApplicationHandlerStop


async def _private(update: Update, context: BotContext, chat: Chat) -> None:
    user = update.effective_user
    if user is None or user.is_bot:
        raise ApplicationHandlerStop
    # The one read of the user for this update; handlers use context.client.
    async with context.db.reading() as session:
        client = await clients.by_chat(session, chat_id=chat.id)
        member = None if client else await staff.by_telegram_user(session, user_id=user.id)
        stored = client.locale if client else await visitors.locale_of(session, chat_id=chat.id)
    if update.my_chat_member is not None:
        if client is not None:
            async with context.db.transaction() as session:
                await _membership_changed(session, update.my_chat_member, client, context)
        raise ApplicationHandlerStop
    if client is not None and client.status == ClientStatus.BLOCKED_BOT:
        async with context.db.transaction() as session:
            await _reactivate(session, client, context)  # they write, so they unblocked the bot
    context.client = client
    context.staff = member if member and member.active else None
    context.use_locale(
        choose_locale(
            stored=stored,
            telegram_code=user.language_code,
            default=context.settings.default_locale,
            shipped=context.services.shipped_locales,
        )
    )
    if client is None:
        if context.staff is None and not allowed_before_linking(update):
            await _refuse(update, context, not_linked_text)
        return
    if client.consent_at is None and not allowed_before_consent(update):
        await _refuse(update, context, consent_needed_text, with_consent=True)


async def _reactivate(session: AsyncSession, client: Client, context: BotContext) -> None:
    """Active again; the reminders cancelled while they had blocked the bot come back."""
    client.status = ClientStatus.ACTIVE
    session.add(client)
    await replan_client(session, client=client, rules=context.rules, now=context.clock.now())


async def _membership_changed(
    session: AsyncSession, change: ChatMemberUpdated, client: Client | None, context: BotContext
) -> None:
    """A user who blocks the bot gets no more reminders until they write again."""
    if client is None:
        return
    # `client` was read in the gate's read-only session: the block is written by id, and only
    # a reactivation attaches the object to this session.
    if change.new_chat_member.status == ChatMemberStatus.BANNED:
        await blocking.block(session, client_ids=[pk(client)])  # re-armed on return
        log.info("client blocked the bot", extra={"client_id": client.id})
    elif client.status == ClientStatus.BLOCKED_BOT:
        await _reactivate(session, client, context)


async def _refuse(
    update: Update, context: BotContext, text: Text, *, with_consent: bool = False
) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer(text(context.t, context.fmt), show_alert=True)
    elif update.message is not None:
        markup = consent(context.t) if with_consent else None
        await answer(update, context, text, reply_markup=markup)
    raise ApplicationHandlerStop


async def _staff_chat(update: Update, context: BotContext) -> None:
    user = update.effective_user
    if user is None or user.is_bot:
        raise ApplicationHandlerStop
    async with context.db.reading() as session:
        member = await staff.by_telegram_user(session, user_id=user.id)
    context.staff = member if member and member.active else None
    context.use_locale(member.locale if member else "nl")


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    return [TypeHandler(Update, gate)]
