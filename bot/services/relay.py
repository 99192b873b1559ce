"""The Telegram staff chat as one channel on top of the question store, and delivery to clients.

The staff chat (INBURGERBOT_STAFF_CHAT_ID) is a supergroup, normally a forum: each client gets
one topic, reused across their questions, named with reference, first name, language and the
status of their latest question. Client messages are copied in (copyMessage keeps the client's
account hidden) after a header card per question. Without topics the relay falls back to
replies: staff reply to a relayed message or a header card, and the stored ids map it back.

Nothing is lost when Telegram fails: every message is stored before it is sent, a failed send
leaves it undelivered with a next attempt time, and the retry job (scheduler/waiting.py) sends
it again; failures that need a person are reported in the client's topic.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Protocol

from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions, ReplyParameters
from telegram import Message as TelegramMessage
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError

from bot.replies import split_text
from bot.telegram_errors import error_name, kind_of
from casework import blocking
from casework import questions as question_service
from casework.ports import Delivery, ErrorKind, Outcome
from storage import appointments, clients, questions, tasks
from storage import staff as staff_queries
from storage.enums import ClientStatus, MessageKind, QuestionStatus
from storage.ids import pk
from storage.models import Client, Message, Question
from texts.callbacks import button
from texts.html import escape
from texts.i18n import Translator, translator
from texts.readers import STAFF_LOCALE, TextFn
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
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


class Relay(Protocol):
    """Copies client messages to the team's channel."""

    async def client_message(self, context: BotContext, asked: Asked) -> None: ...


class TopicBusy(Exception):
    """Another process is creating this client's topic; the message is sent again later."""


def outcome_of(error: TelegramError) -> Outcome:
    """What a Telegram error (sorted by bot/telegram_errors.py) means for a delivery."""
    kind = kind_of(error)
    if kind == ErrorKind.BLOCKED:
        return Outcome.BLOCKED
    if kind == ErrorKind.REFUSED:
        return Outcome.FAILED
    return Outcome.RETRY


# -- rendering for one reader -------------------------------------------------------------------


def client_locale(services: Services, client: Client) -> str:
    return services.readers.locale_of(client)


def for_client(services: Services, client: Client, text: TextFn) -> str:
    """A text in the client's language, with simple Dutch under it when they asked for it."""
    return services.readers.for_client(client, text)


def for_staff(services: Services, text: TextFn, locale: str = STAFF_LOCALE) -> str:
    return services.readers.for_staff(text, locale)


async def send_html(
    bot: Bot,
    chat_id: int,
    body: str,
    *,
    thread_id: int | None = None,
    reply_to: int | None = None,
    reply_markup: Any = None,
) -> TelegramMessage:
    """Send an HTML text (split when long); returns the last piece, which has the keyboard."""
    pieces = split_text(body)
    sent: TelegramMessage | None = None
    for index, piece in enumerate(pieces):
        last = index == len(pieces) - 1
        sent = await bot.send_message(
            chat_id,
            piece,
            parse_mode=ParseMode.HTML,
            link_preview_options=NO_PREVIEW,
            message_thread_id=thread_id,
            reply_parameters=_reply(reply_to) if index == 0 else None,
            reply_markup=reply_markup if last else None,
        )
    assert sent is not None
    return sent


def _reply(message_id: int | None) -> ReplyParameters | None:
    if message_id is None:
        return None
    return ReplyParameters(message_id=message_id, allow_sending_without_reply=True)


async def send_content(
    bot: Bot,
    chat_id: int,
    message: Message,
    *,
    thread_id: int | None = None,
    reply_to: int | None = None,
    prefix: str = "",
) -> int:
    """Send a stored message's content (when copying is not possible); returns the message id."""
    caption = prefix + escape(message.text) if message.text else (prefix or None)
    common: dict[str, Any] = {
        "message_thread_id": thread_id,
        "reply_parameters": _reply(reply_to),
    }
    media: dict[str, Any] = {**common, "caption": caption, "parse_mode": ParseMode.HTML}
    if message.kind == MessageKind.PHOTO and message.file_id:
        return (await bot.send_photo(chat_id, message.file_id, **media)).message_id
    if message.kind == MessageKind.DOCUMENT and message.file_id:
        return (await bot.send_document(chat_id, message.file_id, **media)).message_id
    if message.kind == MessageKind.VOICE and message.file_id:
        return (await bot.send_voice(chat_id, message.file_id, **media)).message_id
    if message.kind == MessageKind.LOCATION and message.text:
        latitude, _, longitude = message.text.partition(",")
        try:
            point = (float(latitude), float(longitude))
        except ValueError:
            point = None
        if point is not None:
            sent = await bot.send_location(chat_id, point[0], point[1], **common)
            return sent.message_id
    body = prefix + escape(message.text or "…")
    return (await send_html(bot, chat_id, body, thread_id=thread_id, reply_to=reply_to)).message_id


# -- delivery to the client (whatever channel the answer came from) -----------------------------


async def notify_client(
    bot: Bot, services: Services, client: Client, text: TextFn, *, buttons: Any = None
) -> Delivery:
    """A notice to the client (seen, closed, reopened, news with buttons); not stored as a
    question message. A client who blocked the bot is recorded, never raised."""
    if client.telegram_chat_id is None:
        return Delivery(Outcome.NOT_LINKED)
    if client.status == ClientStatus.BLOCKED_BOT:
        return Delivery(Outcome.BLOCKED)
    try:
        body = for_client(services, client, text)
        sent = await send_html(bot, client.telegram_chat_id, body, reply_markup=buttons)
    except TelegramError as exc:
        outcome = outcome_of(exc)
        log.warning(
            "client notice failed", extra={"client_id": client.id, "error": error_name(exc)}
        )
        if outcome == Outcome.BLOCKED:
            async with services.db.transaction() as session:
                await blocking.block(session, client_ids=[pk(client)])
        return Delivery(outcome)
    return Delivery(Outcome.DELIVERED, sent.message_id)


async def deliver_to_client(bot: Bot, services: Services, message_id: int) -> Delivery:
    """Send a stored staff message to the client and record how it went.

    A message copied from the staff chat is copied again (copyMessage); a ready-made answer or
    one written in the back-office is sent as text; a correction says so. A blocked bot, 429,
    5xx and time-outs leave the message due for the retry job; nothing is dropped.
    """
    async with services.db.reading() as session:
        message = await questions.message_by_id(session, message_id=message_id)
        question = (
            await questions.by_id(session, question_id=message.question_id) if message else None
        )
        client = await clients.by_id(session, client_id=question.client_id) if question else None
        original = (
            await questions.message_by_id(session, message_id=message.correction_of_id)
            if message is not None and message.correction_of_id
            else None
        )
    if message is None or client is None or message.internal or message.erased_at is not None:
        return Delivery(Outcome.FAILED)
    if message.delivered_at is not None:
        return Delivery(Outcome.DELIVERED, message.client_message_id)
    if client.telegram_chat_id is None:
        return Delivery(Outcome.NOT_LINKED)
    if client.status == ClientStatus.BLOCKED_BOT:
        return Delivery(Outcome.BLOCKED)
    try:
        sent_id = await _send_to_client(bot, services, client, message, original)
    except TelegramError as exc:
        return await _delivery_failed(services, message, client, exc)
    async with services.db.transaction() as session:
        fresh = await questions.message_by_id(session, message_id=message_id)
        if fresh is not None:
            question_service.mark_delivered(
                fresh, now=services.clock.now(), client_message_id=sent_id
            )
            session.add(fresh)
    return Delivery(Outcome.DELIVERED, sent_id)


async def _send_to_client(
    bot: Bot, services: Services, client: Client, message: Message, original: Message | None
) -> int:
    chat_id = client.telegram_chat_id
    assert chat_id is not None
    if message.correction_of_id is not None:
        body = for_client(services, client, texts.correction_text(message.text or ""))
        reply_to = original.client_message_id if original else None
        return (await send_html(bot, chat_id, body, reply_to=reply_to)).message_id
    if message.staff_chat_id is not None and message.staff_message_id is not None:
        try:
            copied = await bot.copy_message(
                chat_id=chat_id,
                from_chat_id=message.staff_chat_id,
                message_id=message.staff_message_id,
            )
            return copied.message_id
        except BadRequest as exc:
            if SOURCE_GONE not in str(exc).lower():
                raise
            # The staff-chat message is gone (topic deleted): send what we stored.
    return await send_content(bot, chat_id, message)


async def _delivery_failed(
    services: Services, message: Message, client: Client, exc: TelegramError
) -> Delivery:
    outcome = outcome_of(exc)
    log.warning(
        "delivery to a client failed",
        extra={"message_id": message.id, "client_id": client.id, "error": error_name(exc)},
    )
    async with services.db.transaction() as session:
        fresh = await questions.message_by_id(session, message_id=pk(message))
        if fresh is not None:
            again = question_service.delivery_failed(
                fresh,
                now=services.clock.now(),
                error=error_name(exc),
                retry=outcome in (Outcome.RETRY, Outcome.BLOCKED),
            )
            session.add(fresh)
            if outcome == Outcome.RETRY and not again:
                outcome = Outcome.FAILED
        if outcome == Outcome.BLOCKED:
            await blocking.block(session, client_ids=[pk(client)])
    return Delivery(outcome)


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

    def _lock(self, client_id: int) -> asyncio.Lock:
        lock = self._locks.get(client_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[client_id] = lock
        return lock

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
            async with self.services.db.transaction() as session:
                fresh = await questions.message_by_id(session, message_id=message_id)
                if fresh is not None:
                    question_service.mark_delivered(
                        fresh,
                        now=self.services.clock.now(),
                        staff_chat_id=self.chat_id,
                        staff_message_id=copied,
                    )
                    session.add(fresh)
            await self.refresh_title(bot, client, QuestionStatus.OPEN)
            return True
        return False

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
                    reply_parameters=_reply(reply_to),
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
        """Show the question's status in the topic title (only when it changes)."""
        if self._forum is False:
            return
        title = texts.topic_title(client, status, client_locale(self.services, client))
        async with self.services.db.reading() as session:
            row = await questions.topic_of_client(
                session, chat_id=self.chat_id, client_id=pk(client)
            )
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
        self, bot: Bot, client_id: int, text: TextFn, *, locale: str = STAFF_LOCALE
    ) -> int | None:
        """A line from the bot in the client's topic (in Dutch); never raises."""
        body = for_staff(self.services, text, locale)
        thread_id: int | None = None
        try:
            place = await self.where(bot, client_id)
            if place is None:
                return None
            thread_id, reply_to = place
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
