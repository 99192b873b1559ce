"""❓ Questions from the client: text, photo, document, voice and location reach the caseworker.

Every message is stored first and acknowledged with when to expect an answer; where the team
uses the Telegram staff chat it is copied there too (bot/channels/staff.py). Without a staff chat
the questions wait in the back-office; nothing is lost.
"""

from __future__ import annotations

import logging

from telegram import Chat, Message, Update
from telegram.constants import ChatMemberStatus
from telegram.ext import BaseHandler, ChatMemberHandler, CommandHandler, MessageHandler, filters

from bot.channels import telegram_channels
from bot.channels.staff import TelegramRelay
from bot.context import BotContext
from bot.keyboards import ICON_QUESTION
from bot.replies import Text, answer
from bot.services.translating import translation_locale
from casework import questions as question_service
from casework.events import Asked
from casework.ports import publish
from storage import clients
from storage.bsn import contains_bsn, mask_bsn
from storage.enums import ClientStatus, MessageKind
from storage.ids import pk
from texts.fmt import Formatter
from texts.i18n import Translator

log = logging.getLogger(__name__)


def ask_prompt(t: Translator, _f: Formatter) -> str:
    return "\n".join(
        [
            t("Write your question in your own language. 💬"),
            t(
                "You can also send a photo of a letter, a document, a voice message "
                "or your location."
            ),
        ]
    )


def acknowledgement(context: BotContext) -> Text:
    """Thanks, and when to expect an answer (office hours)."""
    office = context.settings.office
    zone = context.settings.zone
    now = context.clock.now()
    opens = office.next_opening(now, zone)

    def text(t: Translator, f: Formatter) -> str:
        first = t("Thank you. Your caseworker gets your message. 📨")
        if office.is_open(now, zone):
            return first + "\n" + t("You will usually get an answer within one working day.")
        return (
            first
            + "\n"
            + t(
                "The team is not at work now. They are back on {date} at {time}.",
                date=f.date(opens),
                time=f.time(opens),
            )
        )

    return text


def bsn_note(t: Translator, _f: Formatter) -> str:
    return t(
        "Please do not send your BSN (burgerservicenummer) in this chat. We hid the number. "
        "Your caseworker does not need it here."
    )


def classify(message: Message) -> tuple[MessageKind, str | None, str | None]:
    """The kind, the text or caption, and the Telegram file id of a client's message."""
    if message.photo:
        return MessageKind.PHOTO, message.caption, message.photo[-1].file_id
    if message.document:
        return MessageKind.DOCUMENT, message.caption, message.document.file_id
    if message.voice:
        return MessageKind.VOICE, message.caption, message.voice.file_id
    if message.location:
        loc = message.location
        return MessageKind.LOCATION, f"{loc.latitude:.6f},{loc.longitude:.6f}", None
    return MessageKind.TEXT, message.text, None


async def ask(
    update: Update,
    context: BotContext,
    *,
    appointment_id: int | None = None,
    task_id: int | None = None,
    text_override: str | None = None,
) -> None:
    """Store the message as (part of) a question and relay it to the team."""
    message = update.effective_message
    client = context.client
    assert message is not None and client is not None
    kind, text, file_id = classify(message)
    client_message_id: int | None = message.message_id
    if text_override is not None:
        # Words the bot put together (e.g. the reason tapped under an appointment): there is
        # no message of the client's own to copy, so the stored text is what the team gets.
        kind, text, file_id, client_message_id = MessageKind.TEXT, text_override, None, None
    # (A location's text is coordinates the bot wrote: "52.123456,4.5678" is no BSN.)
    sent_a_bsn = contains_bsn(message.text or message.caption) or (
        kind != MessageKind.LOCATION and contains_bsn(text)
    )
    if sent_a_bsn and text is not None:
        # No BSN is stored or relayed: the masked text goes to the team instead of a copy of
        # the client's own message.
        text, client_message_id = mask_bsn(text), None
    async with context.db.transaction() as session:
        asked = await question_service.ask(
            session,
            client=client,
            kind=kind,
            text=text,
            file_id=file_id,
            client_message_id=client_message_id,
            now=context.clock.now(),
            appointment_id=appointment_id,
            task_id=task_id,
            media_group_id=message.media_group_id if text_override is None else None,
            translate_for=translation_locale(context.services, client),
        )
    log.info(
        "question stored",
        extra={"question_id": asked.question.id, "kind": kind, "bsn_masked": sent_a_bsn},
    )
    await _relay(context, asked)
    if context.services.translating is not None and asked.message.translation_status:
        context.services.translating.soon(context.application)
    event = Asked(
        client=client,
        question_id=pk(asked.question),
        by=client.first_name,
        message_id=pk(asked.message),
    )
    await publish(telegram_channels(context.bot, context.services).all, event)
    if sent_a_bsn:
        await answer(update, context, bsn_note)
    if asked.acknowledge:
        await answer(update, context, acknowledgement(context))


async def _relay(context: BotContext, asked: question_service.Asked) -> None:
    """Copy to the staff chat; a failure leaves the message due for the retry job."""
    relay = context.services.relay
    if relay is None:
        return
    try:
        await relay.client_message(context, asked)
    except Exception:  # the client must get their acknowledgement whatever happens here
        log.exception("relay failed", extra={"message_id": asked.message.id})


async def start_question(update: Update, context: BotContext) -> None:
    await answer(update, context, ask_prompt)


async def membership_changed(update: Update, context: BotContext) -> None:
    """The client blocked or unblocked the bot: say so in their topic in the staff chat.

    Runs before the gate (which records the client's status and stops the update).
    """
    change = update.my_chat_member
    relay = context.services.relay
    if change is None or change.chat.type != Chat.PRIVATE or not isinstance(relay, TelegramRelay):
        return
    async with context.db.reading() as session:
        client = await clients.by_chat(session, chat_id=change.chat.id)
    if client is None:
        return
    blocked = change.new_chat_member.status == ChatMemberStatus.BANNED
    if blocked or client.status == ClientStatus.BLOCKED_BOT:
        await relay.client_blocked(context.bot, pk(client), blocked=blocked)


def membership_handlers() -> list[BaseHandler[Update, BotContext, None]]:
    return [ChatMemberHandler(membership_changed, ChatMemberHandler.MY_CHAT_MEMBER)]


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    private = filters.ChatType.PRIVATE
    media = filters.PHOTO | filters.Document.ALL | filters.VOICE | filters.LOCATION
    return [
        CommandHandler("question", start_question, filters=private),
        MessageHandler(private & filters.Regex(f"^{ICON_QUESTION}"), start_question),
        MessageHandler(private & filters.UpdateType.MESSAGE & media, ask),
    ]
