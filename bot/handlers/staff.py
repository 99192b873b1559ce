"""The staff chat: caseworkers answer clients in each client's topic (or by replying).

Registered behind one filter, the configured staff chat. The gate has loaded `context.staff`
(registered, active staff) for these updates. Only staff who may reach the client (their
organisation serves the client's municipality) can relay; an unknown member is told in one line
that they are not registered; anything not about a client is left alone.

In a client's topic: any message goes to the client (text, photo, document, voice, location);
`//` starts a note only the team sees; edits go out as a correction; /close, /reopen,
/assign me|@name, /answers, /answer KEY. Anywhere: /away @name until YYYY-MM-DD, /away off.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from telegram import Message, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.channels import telegram_channels
from bot.channels.sending import client_locale, send_html
from bot.channels.staff import CASE_PREFIX, TelegramRelay
from bot.context import BotContext
from bot.services.translating import translation_locale
from casework import questions as question_service
from casework.events import Answered, Assigned, Closed, QuestionEvent, Reopened, Seen
from casework.ports import publish
from casework.questions import QuestionError
from storage import appointments, audit, clients, plans, questions, tasks
from storage import staff as staff_queries
from storage.enums import ActorKind, MessageKind, TaskStatus
from storage.ids import pk
from storage.models import Client, Question
from texts import callbacks
from texts.fmt import Formatter
from texts.i18n import translator
from texts.readers import STAFF_LOCALE, TextFn
from texts.ready_answers import READY_ANSWERS
from texts.render import questions as texts
from texts.render.plan import PlanPage, no_plan_text, plan_text

log = logging.getLogger(__name__)
NOTE_MARK = "//"


@dataclass(frozen=True)
class Target:
    """The client (and their newest question) a staff-chat message is about."""

    client: Client
    question: Question


def _relay(context: BotContext) -> TelegramRelay:
    relay = context.services.relay
    assert isinstance(relay, TelegramRelay), "staff handlers run only with the staff chat"
    return relay


async def reply(update: Update, context: BotContext, text: TextFn) -> None:
    """Answer one staff member, in their topic, as a reply to what they sent."""
    message = update.effective_message
    assert message is not None
    await send_html(
        context.bot,
        message.chat_id,
        text(context.t, context.fmt),
        thread_id=message.message_thread_id if message.is_topic_message else None,
        reply_to=message.message_id,
    )


async def find_target(update: Update, context: BotContext) -> Target | None:
    """The client topic the message is in, or the client message or header it replies to."""
    message = update.effective_message
    if message is None:
        return None
    async with context.db.reading() as session:
        client = None
        if message.is_topic_message and message.message_thread_id:
            client = await questions.client_of_topic(
                session, chat_id=message.chat_id, topic_id=message.message_thread_id
            )
        if client is None and message.reply_to_message is not None:
            replied = await questions.question_of_staff_message(
                session, chat_id=message.chat_id, message_id=message.reply_to_message.message_id
            )
            if replied is not None:
                client = await clients.by_id(session, client_id=replied.client_id)
        question = await questions.latest(session, client_id=pk(client)) if client else None
    if client is None or question is None:
        return None
    return Target(client, question)


async def allowed(update: Update, context: BotContext, target: Target) -> bool:
    """Registered, active staff who may reach this client; anyone else is told why not."""
    if context.staff is None:
        await reply(update, context, texts.not_registered_text)
        return False
    async with context.db.reading() as session:
        may = await question_service.can_relay(session, staff=context.staff, client=target.client)
    if not may:
        log.info("staff may not reach the client", extra={"staff_id": context.staff.id})
        await reply(update, context, texts.not_your_client_text)
    return may


async def target_for_command(update: Update, context: BotContext) -> Target | None:
    target = await find_target(update, context)
    if target is None:
        if context.staff is None:
            await reply(update, context, texts.not_registered_text)
        else:
            await reply(update, context, texts.only_in_topic_text)
        return None
    return target if await allowed(update, context, target) else None


def classify(message: Message) -> tuple[MessageKind, str | None, str | None] | None:
    """What a staff message carries to the client; None for kinds that cannot go."""
    if message.photo:
        return MessageKind.PHOTO, message.caption, message.photo[-1].file_id
    if message.document:
        return MessageKind.DOCUMENT, message.caption, message.document.file_id
    if message.voice:
        return MessageKind.VOICE, message.caption, message.voice.file_id
    if message.location:
        point = f"{message.location.latitude:.6f},{message.location.longitude:.6f}"
        return MessageKind.LOCATION, point, None
    if message.text:
        return MessageKind.TEXT, message.text, None
    return None


async def seen(context: BotContext, target: Target) -> None:
    """The staff member has read the question: the client hears so once per question."""
    assert context.staff is not None
    async with context.db.transaction() as session:
        question = await questions.by_id(session, question_id=pk(target.question))
        due = question is not None and await question_service.mark_seen(
            session, question=question, staff_id=pk(context.staff), now=context.clock.now()
        )
    if due:
        event = Seen(client=target.client, question_id=pk(target.question), by=context.staff.name)
        await announce(context, event)


async def deliver(context: BotContext, target: Target, message_id: int, text: str) -> None:
    """Send a stored answer to the client; every channel hears how it went (the topic says so
    when it did not arrive, and shows the new status)."""
    assert context.staff is not None
    channels = telegram_channels(context.bot, context.services)
    outcome = (await channels.client.deliver(message_id)).outcome
    event = Answered(
        client=target.client,
        question_id=pk(target.question),
        by=context.staff.name,
        message_id=message_id,
        text=text,
        outcome=outcome,
        in_staff_chat=True,
    )
    await publish(channels.all, event)
    if context.services.translating is not None:
        context.services.translating.soon(context.application)  # a translation may be due


async def announce(context: BotContext, event: QuestionEvent) -> None:
    """One act, fanned out to the client and the staff chat (as the back-office does)."""
    await publish(telegram_channels(context.bot, context.services).all, event)


# -- messages in a client's topic ---------------------------------------------------------------


async def staff_message(update: Update, context: BotContext) -> None:
    """A staff message about a client: to the client, or a note for the team (`//`)."""
    message = update.effective_message
    target = await find_target(update, context)
    if message is None or target is None or not await allowed(update, context, target):
        return
    assert context.staff is not None
    carried = classify(message)
    if carried is None:
        await reply(update, context, texts.unsupported_staff_text)
        return
    kind, text, file_id = carried
    internal = (text or "").startswith(NOTE_MARK)
    async with context.db.transaction() as session:
        question = await questions.by_id(session, question_id=pk(target.question))
        assert question is not None
        stored = await question_service.answer(
            session,
            question=question,
            staff_id=pk(context.staff),
            kind=kind,
            text=text,
            file_id=file_id,
            internal=internal,
            staff_chat_id=message.chat_id,
            staff_message_id=message.message_id,
            now=context.clock.now(),
            translate_for=translation_locale(context.services, target.client),
        )
    if internal:
        await seen(context, target)
        return
    await deliver(context, target, pk(stored), text or "")


async def staff_edit(update: Update, context: BotContext) -> None:
    """An edited answer goes to the client again as a correction (notes stay notes)."""
    message = update.edited_message
    if message is None or context.staff is None:
        return
    words = message.text or message.caption
    target = await find_target(update, context)
    if target is None or not words or words.startswith(NOTE_MARK):
        return
    async with context.db.transaction() as session:
        original = await questions.by_staff_message(
            session, chat_id=message.chat_id, message_id=message.message_id
        )
        may = await question_service.can_relay(session, staff=context.staff, client=target.client)
        question = (
            await questions.by_id(session, question_id=original.question_id) if original else None
        )
        if original is None or original.internal or question is None or not may:
            return
        correction = await question_service.answer(
            session,
            question=question,
            staff_id=pk(context.staff),
            kind=MessageKind.TEXT,
            text=words,
            staff_chat_id=message.chat_id,
            staff_message_id=message.message_id,
            correction_of_id=original.id,
            now=context.clock.now(),
            translate_for=translation_locale(context.services, target.client),
        )
    await deliver(context, target, pk(correction), words)


# -- commands -----------------------------------------------------------------------------------


async def close(update: Update, context: BotContext) -> None:
    target = await target_for_command(update, context)
    if target is None:
        return
    assert context.staff is not None
    async with context.db.transaction() as session:
        question = await questions.by_id(session, question_id=pk(target.question))
        assert question is not None
        closed = await question_service.close(
            session, question=question, staff_id=context.staff.id, now=context.clock.now()
        )
    if not closed:
        await reply(update, context, texts.nothing_to_close_text)
        return
    event = Closed(client=target.client, question_id=pk(target.question), by=context.staff.name)
    await announce(context, event)


async def reopen(update: Update, context: BotContext) -> None:
    target = await target_for_command(update, context)
    if target is None:
        return
    assert context.staff is not None
    async with context.db.transaction() as session:
        question = await questions.by_id(session, question_id=pk(target.question))
        assert question is not None
        reopened = await question_service.reopen(
            session, question=question, staff_id=context.staff.id, now=context.clock.now()
        )
    if not reopened:
        await reply(update, context, texts.nothing_to_reopen_text)
        return
    event = Reopened(client=target.client, question_id=pk(target.question), by=context.staff.name)
    await announce(context, event)


async def assign(update: Update, context: BotContext) -> None:
    """/assign me, or /assign @username of a colleague who can reach the client."""
    target = await target_for_command(update, context)
    if target is None:
        return
    assert context.staff is not None
    wanted = (context.args or [""])[0]
    if not wanted:
        await reply(update, context, texts.assign_usage_text)
        return
    async with context.db.transaction() as session:
        assignee = (
            context.staff
            if wanted.lower() == "me"
            else await staff_queries.by_username(session, username=wanted)
        )
        if assignee is None or not assignee.active:
            refusal: TextFn | None = texts.unknown_staff_text(wanted.removeprefix("@"))
        elif not await question_service.can_relay(session, staff=assignee, client=target.client):
            refusal = texts.cannot_reach_text(assignee.name)
        else:
            refusal = None
            question = await questions.by_id(session, question_id=pk(target.question))
            assert question is not None
            await question_service.assign(
                session,
                question=question,
                staff_id=pk(context.staff),
                assignee_id=pk(assignee),
                now=context.clock.now(),
            )
    if refusal is not None or assignee is None:
        await reply(update, context, refusal or texts.assign_usage_text)
        return
    event = Assigned(
        client=target.client,
        question_id=pk(target.question),
        by=context.staff.name,
        assignee=assignee.name,
    )
    await announce(context, event)
    await seen(context, target)


async def list_answers(update: Update, context: BotContext) -> None:
    if context.staff is None:
        await reply(update, context, texts.not_registered_text)
        return
    await reply(update, context, texts.ready_list_text(READY_ANSWERS))


async def send_ready(update: Update, context: BotContext) -> None:
    """/answer KEY: the client gets the ready-made answer in their language; the team sees it."""
    target = await target_for_command(update, context)
    if target is None:
        return
    key = (context.args or [""])[0].lower()
    if key not in READY_ANSWERS:
        await reply(update, context, texts.unknown_ready_text(key))
        return
    assert context.staff is not None
    words = translator(client_locale(context.services, target.client))(READY_ANSWERS[key])
    async with context.db.transaction() as session:
        question = await questions.by_id(session, question_id=pk(target.question))
        assert question is not None
        stored = await question_service.answer(
            session,
            question=question,
            staff_id=pk(context.staff),
            kind=MessageKind.TEXT,
            text=words,
            now=context.clock.now(),
        )
        audit.record(
            session,
            actor_kind=ActorKind.STAFF,
            actor_id=context.staff.id,
            action="question.ready_answer",
            subject_kind="message",
            subject_id=stored.id,
            client_id=target.client.id,
            detail=key,
            at=context.clock.now(),
        )
    # The team reads which answer went out before the client gets it, as for a typed answer.
    await _relay(context).post_note(
        context.bot, pk(target.client), texts.ready_sent_text(key, READY_ANSWERS[key])
    )
    await deliver(context, target, pk(stored), words)


def parse_away(args: list[str]) -> tuple[str, date] | None:
    """'@name until 2026-12-31' (the word 'until' may be left out)."""
    words = [word for word in args if word.lower() not in ("until", "tot")]
    if len(words) != 2:
        return None
    try:
        return words[0], date.fromisoformat(words[1])
    except ValueError:
        return None


async def away(update: Update, context: BotContext) -> None:
    """/away @name until YYYY-MM-DD: new questions of my clients go to a colleague meanwhile."""
    if context.staff is None:
        await reply(update, context, texts.not_registered_text)
        return
    args = context.args or []
    now = context.clock.now()
    if [word.lower() for word in args] == ["off"]:
        async with context.db.transaction() as session:
            me = await staff_queries.by_id(session, staff_id=pk(context.staff))
            assert me is not None
            await question_service.clear_away(session, staff=me, now=now)
        await reply(update, context, texts.away_cleared_text)
        return
    parsed = parse_away(args)
    if parsed is None:
        await reply(update, context, texts.away_usage_text)
        return
    username, until = parsed
    async with context.db.transaction() as session:
        me = await staff_queries.by_id(session, staff_id=pk(context.staff))
        substitute = await staff_queries.by_username(session, username=username)
        assert me is not None
        if substitute is None:
            result: TextFn = texts.unknown_staff_text(username.removeprefix("@"))
        else:
            try:
                await question_service.set_away(
                    session, staff=me, substitute=substitute, until=until, now=now
                )
                result = texts.away_set_text(substitute.name, until)
            except QuestionError as refused:
                result = texts.away_refused_text(refused.reason)
    await reply(update, context, result)


# -- the header card's buttons: the client's case data, in the topic ---------------------------


async def show_case(update: Update, context: BotContext) -> None:
    """Plan, Appointments or Tasks of a client, for staff who may reach them."""
    query = update.callback_query
    assert query is not None
    parsed = callbacks.parse(query.data)
    client_id = parsed.int_arg() if parsed else None
    chat = update.effective_chat
    if chat is None or chat.id != context.settings.staff_chat_id or client_id is None:
        await query.answer(context.t("This button is no longer valid."), show_alert=True)
        return
    if context.staff is None:
        await query.answer(texts.not_registered_text(context.t, context.fmt), show_alert=True)
        return
    assert parsed is not None
    body = await _case_text(context, client_id, parsed.action)
    if body is None:
        await query.answer(texts.not_your_client_text(context.t, context.fmt), show_alert=True)
        return
    thread = query.message.message_thread_id if isinstance(query.message, Message) else None
    await send_html(context.bot, chat.id, body, thread_id=thread)
    await query.answer()


async def _case_text(context: BotContext, client_id: int, action: str) -> str | None:
    """The rendered data (Dutch), or None when the presser may not see this client."""
    assert context.staff is not None
    now = context.clock.now()
    today = now.astimezone(context.settings.zone).date()
    t = translator(STAFF_LOCALE)
    f = Formatter(STAFF_LOCALE, context.settings.zone)
    async with context.db.transaction() as session:
        client = await clients.by_id(session, client_id=client_id)
        if client is None or not await question_service.can_relay(
            session, staff=context.staff, client=client
        ):
            return None
        audit.record(
            session,
            actor_kind=ActorKind.STAFF,
            actor_id=context.staff.id,
            action=f"client.read_{action}",
            subject_kind="client",
            subject_id=client.id,
            client_id=client.id,
            at=now,
        )
        if action == "plan":
            view = await plans.current(session, client_id=client_id)
            caseworker = (
                await staff_queries.by_id(session, staff_id=client.caseworker_id)
                if client.caseworker_id
                else None
            )
            heading = texts.case_heading(t, t("Plan"), client)
            if view is None:
                return heading + "\n" + no_plan_text(t, f)
            page = PlanPage(view.plan, view.parts, caseworker, None, today, now)
            return heading + "\n\n" + plan_text(t, f, page)
        if action == "appts":
            found = await appointments.upcoming(session, client_id=client_id, now=now)
            return texts.appointments_text(t, f, client, found, now)
        found_tasks = await tasks.with_status(session, client_id=client_id, status=TaskStatus.OPEN)
        return texts.tasks_text(t, f, client, found_tasks, today, now)


def handlers(staff_chat_id: int) -> list[BaseHandler[Update, BotContext, None]]:
    """The staff chat's handlers, all behind one chat filter (buttons check the chat too)."""
    staff_chat = filters.Chat(chat_id=staff_chat_id)
    new = staff_chat & filters.UpdateType.MESSAGE
    return [
        CommandHandler("close", close, filters=new),
        CommandHandler("reopen", reopen, filters=new),
        CommandHandler("assign", assign, filters=new),
        CommandHandler("answers", list_answers, filters=new),
        CommandHandler("answer", send_ready, filters=new),
        CommandHandler("away", away, filters=new),
        CallbackQueryHandler(show_case, pattern=callbacks.pattern(CASE_PREFIX)),
        MessageHandler(staff_chat & filters.UpdateType.EDITED_MESSAGE, staff_edit),
        MessageHandler(new & ~filters.COMMAND & ~filters.StatusUpdate.ALL, staff_message),
    ]
