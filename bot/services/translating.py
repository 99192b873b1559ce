"""The translation job: translates waiting messages and shows the result on the other side.

A message is stored and relayed at once, marked as waiting for its translation
(casework/translation.py). This job, started right after a message is stored and every
INBURGERBOT_TRANSLATION_INTERVAL_SECONDS by the scheduler, takes each due message in two steps:

1. translate it, where the engine has the pair (else it is marked "no pair"); a busy, slow or
   unreachable engine means another try later, with back-off;
2. show the outcome: under a client's message in their staff-chat topic (the note "a machine
   translation follows" is edited into the translation), and for an answer to the client, in
   their language under the Dutch answer they already got (and a copy in the topic).

Nothing waits for translation: the original always went first.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import CallbackContext

from bot.channels.client import outcome_of
from bot.channels.sending import NO_PREVIEW, client_locale, for_staff, send_html
from bot.channels.staff import TelegramRelay
from bot.telegram_errors import error_name
from casework import translation
from casework.ct2 import CTranslate2
from casework.libretranslate import LibreTranslate
from casework.ports import Outcome
from casework.questions import RETRY_WINDOW
from casework.settings import Settings
from casework.translation import (
    Capabilities,
    Engine,
    NoPair,
    OtherLanguage,
    Problem,
    TranslationFailed,
    TranslationStatus,
)
from storage import clients, questions
from storage.enums import ClientStatus, Direction
from storage.models import Client, Message
from texts.readers import TextFn
from texts.render import questions as texts

if TYPE_CHECKING:
    from bot.context import Services

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)  # a step that takes longer is taken up again by the next run
SHOW_AGAIN = timedelta(seconds=30)  # the original is not delivered yet, or Telegram failed
CAPABILITIES_FOR = timedelta(minutes=10)
BATCH = 20
TELEGRAM_LIMIT = 4096
NOT_MODIFIED = "not modified"


def engine_for(settings: Settings) -> Engine | None:
    """The configured engine; None where machine translation is off (the default)."""
    if settings.translation == "libretranslate":
        assert settings.libretranslate_url is not None  # the settings check it
        key = settings.libretranslate_api_key
        return LibreTranslate(
            settings.libretranslate_url,
            api_key=key.get_secret_value() if key else None,
            timeout_seconds=settings.translation_timeout_seconds,
        )
    if settings.translation == "ctranslate2":
        assert settings.ctranslate2_models is not None
        return CTranslate2(
            settings.ctranslate2_models,
            threads=settings.ctranslate2_threads,
            timeout_seconds=settings.translation_timeout_seconds,
        )
    return None


def translation_locale(services: Services, client: Client) -> str | None:
    """The client's language when their messages are to be translated, else None."""
    if services.settings.translation == "none":
        return None
    return client_locale(services, client)


class Translating:
    """Runs the translation steps of due messages, one run at a time in this process."""

    def __init__(self, services: Services, engine: Engine) -> None:
        self.services = services
        self.engine = engine
        self._capabilities: Capabilities | None = None
        self._capabilities_at: datetime | None = None
        self._busy = False
        self._again = False

    async def capabilities(self) -> Capabilities | None:
        """The engine's pairs, asked again every few minutes; None when it cannot be asked."""
        now = self.services.clock.now()
        fresh = self._capabilities_at is not None and now - self._capabilities_at < CAPABILITIES_FOR
        if self._capabilities is None or not fresh:
            try:
                self._capabilities = await self.engine.capabilities()
                self._capabilities_at = now
            except TranslationFailed as exc:
                log.warning("translation engine not asked", extra={"problem": exc.problem})
        return self._capabilities

    def expects(self, message: Message) -> bool:
        """Whether a translation of this waiting message is to be expected (as far as known
        without asking the engine): not where its pair is known to be missing."""
        source, target = message.translation_source, message.translation_target
        if self._capabilities is None or source is None or target is None:
            return True
        return self._capabilities.has(source, target)

    def soon(self, application: Any) -> None:
        """Start a run now (after a message was stored); a run in progress takes it along."""
        application.create_task(self.run_due(application.bot), name="translation")

    async def run_due(self, bot: Bot) -> int:
        """Take every due message; returns how many steps were taken."""
        if self._busy:
            self._again = True
            return 0
        self._busy = True
        taken = 0
        try:
            while True:
                self._again = False
                async with self.services.db.reading() as session:
                    due = await questions.translations_due(
                        session, now=self.services.clock.now(), limit=BATCH
                    )
                for message_id in due:
                    taken += await self.step(bot, message_id)
                if not due or (len(due) < BATCH and not self._again):
                    return taken
        finally:
            self._busy = False

    async def step(self, bot: Bot, message_id: int) -> int:
        """Translate one message or show its translation; 0 when another process has it."""
        now = self.services.clock.now()
        async with self.services.db.transaction() as session:
            if not await questions.claim_translation(
                session, message_id=message_id, now=now, lease_until=now + LEASE
            ):
                return 0
        message, client = await self._load(message_id)
        if message is None or client is None:
            return 1
        if message.translation_status == TranslationStatus.PENDING:
            message = await self._translate(message)
            if message is None or message.translation_status == TranslationStatus.PENDING:
                return 1
        shown = await self._show(bot, message, client)
        async with self.services.db.transaction() as session:
            fresh = await questions.message_by_id(session, message_id=message_id)
            if fresh is not None:
                later = self.services.clock.now() + SHOW_AGAIN
                fresh.translation_shown_at = now if shown else None
                fresh.translation_next_at = None if shown else later
                session.add(fresh)
        return 1

    async def _load(self, message_id: int) -> tuple[Message | None, Client | None]:
        async with self.services.db.reading() as session:
            message = await questions.message_by_id(session, message_id=message_id)
            question = (
                await questions.by_id(session, question_id=message.question_id) if message else None
            )
            client = (
                await clients.by_id(session, client_id=question.client_id) if question else None
            )
        return message, client

    async def _translate(self, message: Message) -> Message | None:
        """Step 1: ask the engine; store the translation, "no pair", or when to try again."""
        engine = self.engine.name
        capabilities = await self.capabilities()
        result = error = None
        lacking = elsewise = False
        try:
            if capabilities is None:
                raise TranslationFailed(Problem.UNAVAILABLE)
            result = await translation.translate(self.engine, capabilities, message)
        except NoPair:
            lacking = True
        except OtherLanguage:
            elsewise = True
        except TranslationFailed as exc:
            error = exc
            log.warning(
                "translation failed",
                extra={"message_id": message.id, "problem": exc.problem, "engine": engine},
            )
        now = self.services.clock.now()
        async with self.services.db.transaction() as session:
            fresh = await questions.message_by_id(session, message_id=message.id or 0)
            if fresh is None or fresh.erased_at is not None:
                return None
            if result is not None:
                translation.translated(fresh, result, engine=engine, now=now)
            elif lacking:
                translation.no_pair(fresh, engine=engine, now=now)
            elif elsewise:
                translation.other_language(fresh, engine=engine, now=now)
            elif error is not None:
                translation.failed(fresh, error, engine=engine, now=now)
            session.add(fresh)
        return fresh

    # -- step 2: showing it ---------------------------------------------------------------------

    async def _show(self, bot: Bot, message: Message, client: Client) -> bool:
        """Show the outcome on the other side; False to try again a little later."""
        team_side = message.direction == Direction.FROM_CLIENT
        if team_side and not isinstance(self.services.relay, TelegramRelay):
            return True  # no staff chat: the back-office shows it
        if message.delivered_at is None:
            # The original goes first. Once its delivery was given up, so is this.
            gave_up = message.next_attempt_at is None
            too_old = self.services.clock.now() - message.sent_at > RETRY_WINDOW
            return gave_up or too_old
        try:
            if team_side:
                return await self._show_to_team(bot, message, client)
            return await self._show_to_client(bot, message, client)
        except TelegramError as exc:
            log.warning(
                "translation not shown",
                extra={"message_id": message.id, "error": error_name(exc)},
            )
            return outcome_of(exc) != Outcome.RETRY

    async def _show_to_team(self, bot: Bot, message: Message, client: Client) -> bool:
        relay = self.services.relay
        assert isinstance(relay, TelegramRelay)
        note = await self._team_note(message)
        if note is None:
            if message.translation_note_id is not None:  # "follows" would be untrue now
                await _delete_quietly(bot, relay.chat_id, message.translation_note_id)
            return True
        body = for_staff(self.services, note)
        if message.translation_note_id is not None and len(body) <= TELEGRAM_LIMIT:
            try:
                await bot.edit_message_text(
                    body,
                    chat_id=relay.chat_id,
                    message_id=message.translation_note_id,
                    parse_mode=ParseMode.HTML,
                    link_preview_options=NO_PREVIEW,
                )
                return True
            except BadRequest as exc:
                if NOT_MODIFIED in str(exc).lower():
                    return True
                # The note is gone: post the translation as a new one.
        place = await relay.where(bot, client.id or 0)
        if place is None:
            return True
        await send_html(
            bot, relay.chat_id, body, thread_id=place[0], reply_to=message.staff_message_id
        )
        if message.translation_note_id is not None:
            await _delete_quietly(bot, relay.chat_id, message.translation_note_id)
        return True

    async def _team_note(self, message: Message) -> TextFn | None:
        status = message.translation_status
        language = message.translation_source or ""
        if status == TranslationStatus.DONE:
            return texts.translation_in_text(
                message.translation_engine or "", language, message.translation or ""
            )
        if status == TranslationStatus.NO_PAIR:
            if await self._told_before(message):
                return None  # the team was told in this question already
            return texts.no_translation_text(language)
        if status == TranslationStatus.OTHER_LANGUAGE:
            return texts.other_language_text(language)
        return texts.translation_failed_text

    async def _told_before(self, message: Message) -> bool:
        async with self.services.db.reading() as session:
            return await questions.no_pair_shown_before(session, message=message)

    async def _show_to_client(self, bot: Bot, message: Message, client: Client) -> bool:
        relay = self.services.relay
        status = message.translation_status
        language = message.translation_target or ""
        if status == TranslationStatus.DONE:
            if client.telegram_chat_id is None or client.status == ClientStatus.BLOCKED_BOT:
                return True
            words = message.translation or ""
            engine = message.translation_engine or ""
            body = for_staff(
                self.services, texts.client_translation_text(engine, words), locale=language
            )
            await send_html(bot, client.telegram_chat_id, body, reply_to=message.client_message_id)
            if isinstance(relay, TelegramRelay):
                await relay.post_note(
                    bot, client.id or 0, texts.translation_out_text(engine, language, words)
                )
            return True
        if isinstance(relay, TelegramRelay):
            if status == TranslationStatus.NO_PAIR:
                if not await self._told_before(message):
                    await relay.post_note(bot, client.id or 0, texts.no_translation_text(language))
            else:
                await relay.post_note(bot, client.id or 0, texts.translation_failed_text)
        return True

    async def close(self) -> None:
        await self.engine.close()


async def _delete_quietly(bot: Bot, chat_id: int, message_id: int) -> None:
    try:
        await bot.delete_message(chat_id, message_id)
    except TelegramError as exc:
        log.info("translation note not deleted", extra={"error": error_name(exc)})


async def translation_tick(context: CallbackContext[Any, Any, Any, Any]) -> None:
    """Translate waiting messages and show translations (the bot's process schedules this job:
    console/compose.py `schedule`)."""
    translating = context.application.bot_data.services.translating
    if translating is not None:
        translating.soon(context.application)
