"""🔊 Listen: the plan, an appointment, a task or a reminder as a voice message.

The button (`say:v1:<what>:<id>`) sits under those messages only where audio exists for the
client's language (a recording or a computer voice, bot/audio.py). A press is checked against the
presser like every button: the row must be theirs. The clip is made once per text, language and
voice; Telegram's file id is stored (storage/audio.py) and sent again on the next press.
"""

from __future__ import annotations

import logging
import math
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardButton, Update
from telegram.constants import ChatAction
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot import ogg
from bot.audio import Audio, AudioFailed, Source
from bot.context import BotContext
from bot.handlers.fallback import stale_button
from bot.replies import answer
from storage import appointments, plans, reminders, staff, tasks
from storage import audio as clips
from storage.enums import ReminderKind
from storage.ids import pk
from storage.models import Appointment, Client
from storage.reminders import Claimed
from texts import callbacks
from texts.callbacks import button
from texts.fmt import Formatter
from texts.i18n import Translator
from texts.render.appointments import AppointmentCard
from texts.render.plan import PlanPage
from texts.render.reminders import Contact, Subject, speakable
from texts.speakable import (
    APPOINTMENT,
    LISTEN,
    MESSAGE_IDS,
    PLAN,
    REMINDER,
    TASK,
    Speakable,
    appointment_speakable,
    plan_speakable,
    task_speakable,
)

log = logging.getLogger(__name__)

PREFIX = LISTEN
__all__ = ["APPOINTMENT", "MESSAGE_IDS", "PLAN", "REMINDER", "TASK", "Speakable"]


# -- what each message says -------------------------------------------------------------------


async def plan_page(
    session: AsyncSession, client: Client, now: datetime, zone: ZoneInfo
) -> PlanPage | None:
    """The plan screen's data in one query (storage.plans.screen)."""
    view = await plans.screen(session, client_id=pk(client))
    if view is None:
        return None
    today = now.astimezone(zone).date()
    return PlanPage(view.plan, view.parts, view.caseworker, view.social_guide, today, now)


# -- the button -------------------------------------------------------------------------------


async def listen_row(
    audio: Audio | None,
    t: Translator,
    locale: str,
    speakable: Speakable,
    what: str,
    row_id: int | None,
) -> list[InlineKeyboardButton] | None:
    """The 🔊 row for a message, or None where there is no audio in the client's language."""
    if audio is None or row_id is None:
        return None
    if not await audio.available(locale, speakable):
        return None
    return [button("🔊 " + t("Listen"), PREFIX, what, row_id)]


# -- a press ----------------------------------------------------------------------------------


def computer_voice_caption(t: Translator, _f: Formatter) -> str:
    return "🤖 " + t("Computer voice, not a person.")


def failed_text(t: Translator, _f: Formatter) -> str:
    return t(
        "Sorry, I could not make the voice message just now. Please try again later, "
        "or read the message."
    )


def no_audio_text(t: Translator, _f: Formatter) -> str:
    return t("Sorry, there is no voice message for this text in your language.")


async def on_button(update: Update, context: BotContext) -> None:
    """Check the press, find the message's words, and send them as a voice message."""
    query = update.callback_query
    client = context.client
    assert query is not None and client is not None
    parsed = callbacks.parse(query.data)
    row_id = parsed.int_arg() if parsed else None
    speakable = None
    if parsed is not None and row_id is not None:
        async with context.db.reading() as session:
            speakable = await _speakable(session, context, client, parsed.action, row_id)
    if speakable is None:
        log.info("stale listen button", extra={"client_id": client.id})
        await stale_button(update, context)
        return
    audio = context.services.audio
    source = await audio.source(context.locale, speakable) if audio is not None else None
    if source is None:
        await query.answer(no_audio_text(context.t, context.fmt), show_alert=True)
        return
    await query.answer()
    await send_clip(update, context, source)


async def _speakable(
    session: AsyncSession, context: BotContext, client: Client, what: str, row_id: int
) -> Speakable | None:
    now = context.clock.now()
    zone = context.settings.zone
    if what == PLAN:
        page = await plan_page(session, client, now, zone)
        return plan_speakable(page) if page is not None and page.plan.id == row_id else None
    if what == APPOINTMENT:
        found = await appointments.of_client(session, client_id=pk(client), appointment_id=row_id)
        return appointment_speakable(await card_of(session, found, now)) if found else None
    if what == TASK:
        task = await tasks.of_client(session, client_id=pk(client), task_id=row_id)
        return task_speakable(task, now, zone) if task is not None else None
    if what == REMINDER:
        return await _reminder_speakable(session, context, client, row_id, now)
    return None


async def card_of(
    session: AsyncSession, appointment: Appointment, now: datetime
) -> AppointmentCard:
    member = (
        await staff.by_id(session, staff_id=appointment.staff_id) if appointment.staff_id else None
    )
    return AppointmentCard(appointment, member.name if member else None, now)


async def _reminder_speakable(
    session: AsyncSession, context: BotContext, client: Client, row_id: int, now: datetime
) -> Speakable | None:
    """The reminder as it reads now ('today at 10 o'clock'), about the client's own row."""
    reminder = await reminders.by_id(session, reminder_id=row_id)
    if reminder is None or reminder.client_id != client.id or reminder.subject_id is None:
        return None
    claimed = Claimed(
        id=pk(reminder),
        client_id=reminder.client_id,
        kind=reminder.kind,
        subject_id=reminder.subject_id,
        attempts=reminder.attempts,
        available_at=reminder.available_at,
        event_at=reminder.event_at,
        last_error=None,
    )
    subject: Subject | None = None
    if reminder.kind == ReminderKind.APPOINTMENT:
        found = await appointments.of_client(
            session, client_id=pk(client), appointment_id=reminder.subject_id
        )
        if found is not None:
            card = await card_of(session, found, now)
            subject = Subject(claimed, client, appointment=found, staff_name=card.staff_name)
    elif reminder.kind == ReminderKind.TASK:
        task = await tasks.of_client(session, client_id=pk(client), task_id=reminder.subject_id)
        if task is not None and task.due_date is not None:
            subject = Subject(claimed, client, task=task)
    if subject is None:
        return None
    settings = context.settings
    contact = Contact(phone=settings.team_phone, email=settings.team_email)
    return speakable(subject, now, contact)


async def send_clip(update: Update, context: BotContext, source: Source) -> None:
    """Send the stored file id, or make the clip, send it and store Telegram's file id."""
    chat = update.effective_chat
    assert chat is not None
    audio = context.services.audio
    assert audio is not None
    caption = computer_voice_caption(context.t, context.fmt) if source.computer_voice else None
    async with context.db.reading() as session:
        stored = await clips.by_key(session, key=source.key)
    if stored is not None and stored.file_id:
        try:
            await context.bot.send_voice(chat.id, stored.file_id, caption=caption)
        except BadRequest as error:  # Telegram forgot the file: upload it once more
            log.info("stored voice file id refused: %s", error.message)
            async with context.db.transaction() as session:
                await clips.forget_file(session, key=source.key)
        else:
            async with context.db.transaction() as session:
                await clips.used(session, key=source.key)
            return
    if source.computer_voice:  # making speech takes a moment: show "recording a voice message"
        await context.bot.send_chat_action(chat.id, ChatAction.RECORD_VOICE)
    try:
        data = await audio.make(source)
        info = ogg.read(data)
    except (AudioFailed, ogg.NotOggOpus, OSError) as error:
        log.warning(
            "no voice message: %s", error, extra={"client_id": context.client and context.client.id}
        )
        await answer(update, context, failed_text)
        return
    message = await context.bot.send_voice(
        chat.id,
        data,
        duration=max(1, math.ceil(info.seconds)),
        caption=caption,
        filename="listen.ogg",  # audio/ogg: Telegram and the sandbox play it
    )
    file_id = message.voice.file_id if message.voice is not None else None
    async with context.db.transaction() as session:
        await clips.remember(
            session,
            key=source.key,
            message_id=source.message_id,
            values_hash=source.values_hash,
            locale=source.locale,
            voice=source.voice,
            computer_voice=source.computer_voice,
            seconds=info.seconds,
            file_id=file_id,
        )


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    return [CallbackQueryHandler(on_button, pattern=callbacks.pattern(PREFIX))]
