"""The Telegram staff chat (casework.ports.StaffChannel on Telegram).

The staff chat (INBURGERBOT_STAFF_CHAT_ID) is a supergroup, normally a forum: each client gets
one topic, reused across their questions, named with reference, first name, language and the
status of their latest question. Client messages are copied in (copyMessage keeps the client's
account hidden) after a header card per question. Without topics the relay falls back to
replies: staff reply to a relayed message or a header card, and the stored ids map it back.

Every message is stored before it is sent; a failed copy leaves it due for the retry job
(scheduler/waiting.py), and failures that need a person are reported in the client's topic.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from datetime import timedelta
from html import escape as escape_html
from typing import TYPE_CHECKING, Protocol

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, TelegramError

from bot.channels.sending import client_locale, for_staff, reply_to_message, send_content, send_html
from bot.telegram_errors import error_name
from casework import questions as question_service
from casework.events import (
    Answered,
    Assigned,
    ClientEvent,
    Closed,
    Escalated,
    Reopened,
    Unlinked,
    UnlinkReason,
)
from casework.ports import Delivery, Outcome
from casework.translation import TranslationStatus
from storage import appointments, clients, questions, tasks
from storage import staff as staff_queries
from storage.enums import QuestionStatus
from storage.ids import pk
from storage.models import Client, Message, Question, Staff
from texts.callbacks import button
from texts.fmt import Formatter
from texts.i18n import Translator, translator
from texts.readers import STAFF_LOCALE, TextFn
from texts.ready_answers import READY_ANSWERS
from texts.render import linking as link_texts
from texts.render import questions as texts

if TYPE_CHECKING:
    from bot.context import BotContext, Services
    from casework.questions import Asked

log = logging.getLogger(__name__)

TOPIC_CLAIM = timedelta(minutes=1)
TOPIC_WAIT_SECONDS = 5.0  # how long to wait for another process that creates the topic
TOPIC_POLL_SECONDS = 0.1
THREAD_GONE = "thread not found"
NOT_A_FORUM = "not a forum"
SOURCE_GONE = "not found"


class Relay(Protocol):
    """Copies client messages to the team's channel."""

    async def client_message(self, context: BotContext, asked: Asked) -> None: ...


class TopicBusy(Exception):
    """Another process is creating this client's topic; the message is sent again later."""


def topic_link(chat_id: int, topic_id: int | None) -> str | None:
    """A t.me link to a topic of a private supergroup (ids like -100123...)."""
    text = str(chat_id)
    if topic_id is None or not text.startswith("-100"):
        return None
    return f"https://t.me/c/{text.removeprefix('-100')}/{topic_id}"


# -- the staff chat -----------------------------------------------------------------------------


class TelegramRelay:
    """The staff chat channel: topics, header cards, copies in, notes, titles."""

    def __init__(self, services: Services) -> None:
        chat_id = services.settings.staff_chat_id
        if chat_id is None:
            raise ValueError("the Telegram relay needs INBURGERBOT_STAFF_CHAT_ID")
        self.services = services
        self.chat_id = chat_id
        self._forum: bool | None = None
        # One lock per client, so two messages arriving at once do not both create a topic in
        # this process; the claimed database row does the same across processes.
        self._locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()
        # One more per client for the topic title: an answer (staff chat) and the client's next
        # message (their own chat) are handled at the same time, and their two title edits must
        # not overtake each other.
        self._title_locks: weakref.WeakValueDictionary[int, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    def _lock(self, client_id: int) -> asyncio.Lock:
        return _lock_of(self._locks, client_id)

    async def client_message(self, context: BotContext, asked: Asked) -> None:
        await self.relay_client_message(context.bot, pk(asked.message))

    async def is_forum(self, bot: Bot) -> bool:
        if self._forum is None:
            chat = await bot.get_chat(self.chat_id)
            self._forum = bool(chat.is_forum)
        return self._forum

    # -- client messages in -----------------------------------------------------------------

    async def relay_client_message(self, bot: Bot, message_id: int) -> bool:
        """Copy a stored client message into the client's topic; False when it stays due."""
        async with self.services.db.reading() as session:
            message = await questions.message_by_id(session, message_id=message_id)
            question = (
                await questions.by_id(session, question_id=message.question_id) if message else None
            )
        if message is None or question is None:
            return False
        async with self._lock(question.client_id):
            try:
                return await self._relay_locked(bot, message_id)
            except (TelegramError, TopicBusy) as exc:
                await self._relay_failed(message_id, question.client_id, exc)
                return False

    async def _relay_locked(self, bot: Bot, message_id: int) -> bool:
        for attempt in (1, 2):
            async with self.services.db.reading() as session:
                message = await questions.message_by_id(session, message_id=message_id)
                if message is None or message.erased_at is not None:
                    return False
                if message.delivered_at is not None:
                    return True  # another path delivered it meanwhile
                question = await questions.by_id(session, question_id=message.question_id)
                assert question is not None
                client = await clients.by_id(session, client_id=question.client_id)
                assert client is not None
            topic_id, recreated = await self._topic(bot, client, question.status)
            try:
                header_id = await self._header(bot, client, question, topic_id, recreated)
                copied = await self._copy_in(bot, client, message, topic_id, header_id)
            except BadRequest as exc:
                if topic_id is not None and attempt == 1 and THREAD_GONE in str(exc).lower():
                    await self._forget_topic(pk(client), topic_id)
                    continue
                raise
            note_id = None
            translating = self.services.translating
            if (
                message.translation_status == TranslationStatus.PENDING
                and translating is not None
                and translating.expects(message)
            ):
                note_id = await self._translation_follows(bot, topic_id, copied)
            async with self.services.db.transaction() as session:
                fresh = await questions.message_by_id(session, message_id=message_id)
                if fresh is not None:
                    question_service.mark_delivered(
                        fresh,
                        now=self.services.clock.now(),
                        staff_chat_id=self.chat_id,
                        staff_message_id=copied,
                    )
                    fresh.translation_note_id = note_id
                    session.add(fresh)
            await self.refresh_title(bot, client, QuestionStatus.OPEN)
            return True
        return False

    async def _translation_follows(self, bot: Bot, topic_id: int | None, copied: int) -> int | None:
        """Mark a copied message as untranslated yet; the translation job edits the note."""
        try:
            sent = await send_html(
                bot,
                self.chat_id,
                for_staff(self.services, texts.translation_follows_text),
                thread_id=topic_id,
                reply_to=copied,
            )
        except TelegramError as exc:
            log.warning("translation note not posted", extra={"error": error_name(exc)})
            return None
        return sent.message_id

    async def _relay_failed(self, message_id: int, client_id: int, exc: BaseException) -> None:
        log.warning(
            "relay to the staff chat failed",
            extra={"message_id": message_id, "client_id": client_id, "error": error_name(exc)},
        )
        async with self.services.db.transaction() as session:
            fresh = await questions.message_by_id(session, message_id=message_id)
            if fresh is not None and fresh.delivered_at is None:
                question_service.delivery_failed(
                    fresh, now=self.services.clock.now(), error=error_name(exc)
                )
                session.add(fresh)

    async def _copy_in(
        self,
        bot: Bot,
        client: Client,
        message: Message,
        topic_id: int | None,
        header_id: int | None,
    ) -> int:
        """Copy the client's own message; send the stored content when there is none to copy."""
        reply_to = None if topic_id is not None else header_id
        if message.client_message_id is not None and client.telegram_chat_id is not None:
            try:
                copied = await bot.copy_message(
                    chat_id=self.chat_id,
                    from_chat_id=client.telegram_chat_id,
                    message_id=message.client_message_id,
                    message_thread_id=topic_id,
                    reply_parameters=reply_to_message(reply_to),
                )
                return copied.message_id
            except BadRequest as exc:
                text = str(exc).lower()
                if THREAD_GONE in text or SOURCE_GONE not in text:
                    raise
        return await send_content(
            bot, self.chat_id, message, thread_id=topic_id, reply_to=reply_to, prefix="💬 "
        )

    # -- the topic ------------------------------------------------------------------------------

    async def _topic(self, bot: Bot, client: Client, status: str) -> tuple[int | None, bool]:
        """The client's topic (created once, whoever asks first); None without topics.

        Also says whether the topic was just made again after the old one was deleted.
        """
        if not await self.is_forum(bot):
            return None, False
        loop = asyncio.get_running_loop()
        deadline = loop.time() + TOPIC_WAIT_SECONDS
        while loop.time() < deadline:
            now = self.services.clock.now()
            async with self.services.db.transaction() as session:
                claim = await questions.claim_topic(
                    session,
                    chat_id=self.chat_id,
                    client_id=pk(client),
                    owner=self.services.instance,
                    now=now,
                    until=now + TOPIC_CLAIM,
                )
            if claim is not None and claim.topic_id is not None:
                return claim.topic_id, False
            if claim is not None and claim.mine:
                created = await self._create_topic(bot, client, status, claim.row_id)
                if created is not None:
                    return created, claim.recreate
                if self._forum is False:
                    return None, False
                continue
            # Another process inserted the row first (None) or is creating the topic: read again.
            await asyncio.sleep(TOPIC_POLL_SECONDS)
        raise TopicBusy

    async def _create_topic(self, bot: Bot, client: Client, status: str, row_id: int) -> int | None:
        owner = self.services.instance
        title = texts.topic_title(client, status, client_locale(self.services, client))
        try:
            topic = await bot.create_forum_topic(self.chat_id, name=title)
        except TelegramError as exc:
            async with self.services.db.transaction() as session:
                await questions.release_topic_claim(session, row_id=row_id, owner=owner)
            if isinstance(exc, BadRequest) and NOT_A_FORUM in str(exc).lower():
                self._forum = False
                return None
            raise
        async with self.services.db.transaction() as session:
            stored = await questions.set_topic(
                session, row_id=row_id, owner=owner, topic_id=topic.message_thread_id, title=title
            )
        if not stored:  # our claim lapsed and another process made one: keep theirs
            log.warning("topic claim lost", extra={"client_id": client.id})
            await bot.delete_forum_topic(self.chat_id, topic.message_thread_id)
            return None
        log.info("staff topic created", extra={"client_id": client.id})
        return topic.message_thread_id

    async def _forget_topic(self, client_id: int, topic_id: int) -> None:
        """The topic was deleted in Telegram: the next message makes a new one (with a note)."""
        async with self.services.db.transaction() as session:
            row = await questions.topic_of_client(
                session, chat_id=self.chat_id, client_id=client_id
            )
            if row is not None:
                await questions.forget_topic(session, row_id=pk(row), topic_id=topic_id)
        log.info("staff topic was deleted", extra={"client_id": client_id})

    async def _header(
        self,
        bot: Bot,
        client: Client,
        question: Question,
        topic_id: int | None,
        recreated: bool,
    ) -> int | None:
        """Post the question's header card once (again in a new topic); returns its id."""
        current = question.staff_header_message_id
        same_place = question.staff_chat_id == self.chat_id and (
            topic_id is None or question.topic_id == topic_id
        )
        if current is not None and same_place:
            return current
        if recreated:
            await send_html(
                bot,
                self.chat_id,
                for_staff(self.services, texts.topic_recreated_text),
                thread_id=topic_id,
            )
        card = await self._card(client, question)
        sent = await send_html(
            bot,
            self.chat_id,
            for_staff(self.services, lambda t, f: texts.header_text(t, f, card)),
            thread_id=topic_id,
            reply_markup=case_buttons(translator(STAFF_LOCALE), pk(client)),
        )
        async with self.services.db.transaction() as session:
            fresh = await questions.by_id(session, question_id=pk(question))
            if fresh is not None:
                fresh.topic_id = topic_id
                fresh.staff_chat_id = self.chat_id
                fresh.staff_header_message_id = sent.message_id
                session.add(fresh)
        return sent.message_id

    async def _card(self, client: Client, question: Question) -> texts.HeaderCard:
        async with self.services.db.reading() as session:
            caseworker = (
                await staff_queries.by_id(session, staff_id=client.caseworker_id)
                if client.caseworker_id
                else None
            )
            assignee = (
                await staff_queries.by_id(session, staff_id=question.assigned_staff_id)
                if question.assigned_staff_id
                else None
            )
            appointment = (
                await appointments.of_client(
                    session, client_id=pk(client), appointment_id=question.appointment_id
                )
                if question.appointment_id
                else None
            )
            task = (
                await tasks.of_client(session, client_id=pk(client), task_id=question.task_id)
                if question.task_id
                else None
            )
        return texts.HeaderCard(
            client=client,
            question=question,
            locale=client_locale(self.services, client),
            caseworker=caseworker,
            assignee=assignee,
            appointment=appointment,
            task=task,
        )

    async def refresh_title(self, bot: Bot, client: Client, status: str) -> None:
        """Show the question's status in the topic title (only when it changes).

        The status shown is the newest question's as stored when the edit is made, not the
        caller's: of two edits at once (an answer and the client's reply) the later one then
        shows what is true, whichever caller came first."""
        if self._forum is False:
            return
        async with _lock_of(self._title_locks, pk(client)):
            await self._refresh_title(bot, client, status)

    async def _refresh_title(self, bot: Bot, client: Client, status: str) -> None:
        async with self.services.db.reading() as session:
            row = await questions.topic_of_client(
                session, chat_id=self.chat_id, client_id=pk(client)
            )
            latest = await questions.latest(session, client_id=pk(client))
        if latest is not None:
            status = latest.status
        title = texts.topic_title(client, status, client_locale(self.services, client))
        if row is None or row.topic_id is None or row.title == title:
            return
        try:
            await bot.edit_forum_topic(self.chat_id, row.topic_id, name=title)
        except TelegramError as exc:
            if "not_modified" not in str(exc).lower():
                log.warning(
                    "topic title not changed",
                    extra={"client_id": client.id, "error": error_name(exc)},
                )
                return
        async with self.services.db.transaction() as session:
            await questions.set_topic_title(session, row_id=pk(row), title=title)

    # -- notes from the bot in a client's topic ---------------------------------------------

    async def where(self, bot: Bot, client_id: int) -> tuple[int | None, int | None] | None:
        """(thread, reply-to) for a note about a client; None when the chat has no place yet."""
        async with self.services.db.reading() as session:
            row = await questions.topic_of_client(
                session, chat_id=self.chat_id, client_id=client_id
            )
            latest = await questions.latest(session, client_id=client_id)
        if row is not None and row.topic_id is not None:
            return row.topic_id, None
        if latest is None or not latest.staff_header_message_id:
            return None
        if not await self.is_forum(bot):
            return None, latest.staff_header_message_id
        return None

    async def post_note(
        self,
        bot: Bot,
        client_id: int,
        text: TextFn,
        *,
        locale: str = STAFF_LOCALE,
        anywhere: bool = False,
    ) -> int | None:
        """A line from the bot in the client's topic (in Dutch); never raises. Where the client
        has no place in the chat yet, `anywhere` posts it in the chat's general thread."""
        body = for_staff(self.services, text, locale)
        thread_id: int | None = None
        try:
            place = await self.where(bot, client_id)
            if place is None and not anywhere:
                return None
            thread_id, reply_to = place if place is not None else (None, None)
            sent = await send_html(bot, self.chat_id, body, thread_id=thread_id, reply_to=reply_to)
        except TelegramError as exc:
            if thread_id is not None and THREAD_GONE in str(exc).lower():
                await self._forget_topic(client_id, thread_id)
            log.warning(
                "note in the staff chat failed",
                extra={"client_id": client_id, "error": error_name(exc)},
            )
            return None
        return sent.message_id

    async def report_delivery(self, bot: Bot, client_id: int, delivery: Delivery) -> None:
        """Tell the team in the topic when an answer did not reach the client."""
        notes = {
            Outcome.BLOCKED: texts.blocked_text,
            Outcome.NOT_LINKED: texts.not_linked_text,
            Outcome.RETRY: texts.will_retry_text,
            Outcome.FAILED: texts.gave_up_text,
        }
        note = notes.get(delivery.outcome)
        if note is not None:
            await self.post_note(bot, client_id, note)

    async def client_blocked(self, bot: Bot, client_id: int, *, blocked: bool) -> None:
        """The client blocked (or unblocked) the bot: the caseworker should know."""
        await self.post_note(
            bot, client_id, texts.blocked_text if blocked else texts.unblocked_text
        )

    async def client_forgotten(self, bot: Bot, client_id: int) -> None:
        """After /forget: delete the client's topic (with its copies) and its row."""
        async with self.services.db.transaction() as session:
            row = await questions.topic_of_client(
                session, chat_id=self.chat_id, client_id=client_id
            )
            topic_id = row.topic_id if row else None
            await questions.delete_topic_row(session, chat_id=self.chat_id, client_id=client_id)
        if topic_id is None:
            return
        try:
            await bot.delete_forum_topic(self.chat_id, topic_id)
        except TelegramError as exc:
            log.warning(
                "topic not deleted", extra={"client_id": client_id, "error": error_name(exc)}
            )

    def link(self, topic_id: int | None) -> str | None:
        return topic_link(self.chat_id, topic_id)


# -- the header card's buttons ------------------------------------------------------------------

CASE_PREFIX = "staff"
CASE_ACTIONS = ("plan", "appts", "tasks")


def case_buttons(t: Translator, client_id: int) -> InlineKeyboardMarkup:
    """Plan, Appointments, Tasks: show that client's data in the topic (rights checked on tap)."""
    return InlineKeyboardMarkup(
        [
            [
                button("📋 " + t("Plan"), CASE_PREFIX, "plan", client_id),
                button("📅 " + t("Appointments"), CASE_PREFIX, "appts", client_id),
                button("✅ " + t("Tasks"), CASE_PREFIX, "tasks", client_id),
            ]
        ]
    )


def answer_copy_text(by: str, words: str) -> TextFn:
    """An answer written elsewhere (the back-office), as the team reads it in the topic."""

    def text(_t: Translator, f: Formatter) -> str:
        return f"📨 <b>{escape_html(by)}</b>\n{f.auto(words)}"

    return text


def mention(member: Staff) -> str:
    """How the staff chat names a team lead: @username, a user link, or the name."""
    if member.telegram_username:
        return "@" + escape_html(member.telegram_username)
    if member.telegram_user_id:
        return f'<a href="tg://user?id={member.telegram_user_id}">{escape_html(member.name)}</a>'
    return escape_html(member.name)


class TelegramStaffChannel:
    """The client's topic in the staff chat."""

    def __init__(self, bot: Bot, relay: TelegramRelay) -> None:
        self.bot = bot
        self.relay = relay

    async def note(self, client_id: int, text: TextFn) -> None:
        await self.relay.post_note(self.bot, client_id, text)

    async def relay_message(self, message_id: int) -> bool:
        return await self.relay.relay_client_message(self.bot, message_id)

    async def report_delivery(self, client_id: int, delivery: Delivery) -> None:
        await self.relay.report_delivery(self.bot, client_id, delivery)

    def link(self, place: int | None) -> str | None:
        return self.relay.link(place)

    async def publish(self, event: ClientEvent) -> None:
        client_id = pk(event.client)
        if isinstance(event, Unlinked):
            note = link_texts.unlinked_staff_text(
                event.client.ref, not_me=event.reason == UnlinkReason.NOT_ME
            )
            await self.relay.post_note(self.bot, client_id, note, anywhere=True)
        elif isinstance(event, Closed):
            await self.note(client_id, texts.closed_staff_text(event.by))
            await self.relay.refresh_title(self.bot, event.client, QuestionStatus.CLOSED)
        elif isinstance(event, Reopened):
            await self.note(client_id, texts.reopened_staff_text(event.by))
            await self.relay.refresh_title(self.bot, event.client, QuestionStatus.OPEN)
        elif isinstance(event, Assigned):
            await self.note(client_id, texts.assigned_text(event.assignee))
        elif isinstance(event, Escalated):
            mentions = [mention(member) for member in event.unreached]
            await self.note(client_id, texts.overdue_topic_text(event.hours, mentions))
        elif isinstance(event, Answered):
            if event.in_staff_chat:
                pass  # the team saw it in the topic already (the answer, or /answer's note)
            elif event.ready_key is not None:
                note = texts.ready_sent_text(event.ready_key, READY_ANSWERS[event.ready_key])
                await self.note(client_id, note)
            else:
                await self.note(client_id, answer_copy_text(event.by, event.text))
            delivery = Delivery(Outcome(event.outcome))
            if not delivery.delivered:
                await self.report_delivery(client_id, delivery)
            await self.relay.refresh_title(self.bot, event.client, QuestionStatus.ANSWERED)


def _lock_of(locks: weakref.WeakValueDictionary[int, asyncio.Lock], key: int) -> asyncio.Lock:
    lock = locks.get(key)
    if lock is None:
        lock = asyncio.Lock()
        locks[key] = lock
    return lock
