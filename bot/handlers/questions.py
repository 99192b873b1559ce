"""❓ Questions from the client: text, photo, document, voice and location reach the caseworker."""

from __future__ import annotations

import logging

from telegram import Message, Update
from telegram.ext import BaseHandler, CommandHandler, MessageHandler, filters

from bot.context import BotContext
from bot.fmt import Formatter
from bot.i18n import Translator
from bot.keyboards import ICON_QUESTION
from bot.replies import Text, answer
from bot.services import questions as question_service
from storage.enums import MessageKind

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
    if text_override is not None:
        kind, text, file_id = MessageKind.TEXT, text_override, None
    async with context.db.transaction() as session:
        asked = await question_service.ask(
            session,
            client=client,
            kind=kind,
            text=text,
            file_id=file_id,
            client_message_id=message.message_id,
            now=context.clock.now(),
            appointment_id=appointment_id,
            task_id=task_id,
        )
    log.info("question stored", extra={"question_id": asked.question.id, "kind": kind})
    relay = context.services.relay
    if relay is not None:
        await relay.client_message(context, asked)
    if message.media_group_id is None or asked.new_question:
        await answer(update, context, acknowledgement(context))


async def start_question(update: Update, context: BotContext) -> None:
    await answer(update, context, ask_prompt)


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    private = filters.ChatType.PRIVATE
    media = filters.PHOTO | filters.Document.ALL | filters.VOICE | filters.LOCATION
    return [
        CommandHandler("question", start_question, filters=private),
        MessageHandler(private & filters.Regex(f"^{ICON_QUESTION}"), start_question),
        MessageHandler(private & filters.UpdateType.MESSAGE & media, ask),
    ]
