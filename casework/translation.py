"""Machine translation of free text between a client and the team: the port and its rules.

A client writes in their own language and the team reads Dutch; the team answers in Dutch and
the client reads their language. Where the municipality switched on a self-hosted engine
(INBURGERBOT_TRANSLATION, docs/translation.md), the text is translated in the background:

- the original is always kept and shown; the translation sits beside it with its engine and
  model version, and is labelled as a machine translation wherever it is shown;
- a message is never held back: it is stored and relayed at once, marked as waiting for its
  translation (`PENDING`), and the translation job (bot/services/translating.py) fills it in;
- a text only goes through a language pair the engine says it has (its capability map). The
  source language is the one the client chose in the bot, never a guess; without the pair the
  message is marked `NO_PAIR` and the team is told to use an interpreter.

The engines (adapters of this port) are casework/libretranslate.py and casework/ct2.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from storage.enums import Direction, MessageKind
from storage.models import Message

STAFF_LANGUAGE = "nl"  # caseworkers read Dutch
MAX_ATTEMPTS = 6
# A client's text is checked with the engine's language detection, where it has one: a text
# the engine is this sure (0-100) is in another language than the client's is not translated.
# Short texts are not checked (detection guesses on a few words).
DETECTION_SURE = 90.0
DETECTION_MIN_LENGTH = 20
TRANSLATABLE_KINDS = frozenset({MessageKind.TEXT, MessageKind.PHOTO, MessageKind.DOCUMENT})

# The bot's locales as language codes an engine knows (ISO 639-1 where there is one, else
# ISO 639-3). Dari is `prs` and Kurmanji `kmr`, so a server that only knows Persian (`fa`) or
# "Kurdish" (`ku`) is never used for them: a text is never passed through a wrong language.
ENGINE_CODES = {
    "nl": "nl",
    "en": "en",
    "ar": "ar",
    "ti": "ti",
    "so": "so",
    "fa": "fa",
    "fa_AF": "prs",
    "ps": "ps",
    "tr": "tr",
    "fr": "fr",
    "ku": "kmr",
    "ckb": "ckb",
    "am": "am",
    "om": "om",
}


class TranslationStatus(StrEnum):
    PENDING = "pending"  # stored untranslated; the job translates it
    DONE = "done"
    NO_PAIR = "no_pair"  # the engine has no model for this pair: use an interpreter
    FAILED = "failed"  # the engine refused the text, or gave up after MAX_ATTEMPTS
    OTHER_LANGUAGE = "other_language"  # the text is surely not in the client's language


class Problem(StrEnum):
    """Why an engine did not translate; stored in logs, never the text."""

    REFUSED = "refused"  # 400 and the like: the same text fails again
    BUSY = "busy"  # 429: try later
    UNAVAILABLE = "unavailable"  # 5xx, connection refused, a broken model
    TIMEOUT = "timeout"


class TranslationFailed(Exception):
    """The engine could not translate now; `problem` says whether trying again can help."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.value)
        self.problem = problem

    @property
    def retry(self) -> bool:
        return self.problem != Problem.REFUSED


@dataclass(frozen=True)
class Pair:
    source: str  # engine codes (ENGINE_CODES values)
    target: str


@dataclass(frozen=True)
class Translated:
    text: str
    model: str  # the model version as the engine names it (stored beside the translation)


class Capabilities:
    """The language pairs an engine can translate, as read from the engine itself."""

    def __init__(self, pairs: frozenset[Pair] = frozenset()) -> None:
        self.pairs = pairs

    def has(self, source_locale: str, target_locale: str) -> bool:
        pair = pair_for(source_locale, target_locale)
        return pair is not None and pair in self.pairs

    def table(self) -> dict[str, tuple[bool, bool]]:
        """Per locale: (to Dutch, from Dutch)."""
        return {
            locale: (self.has(locale, STAFF_LANGUAGE), self.has(STAFF_LANGUAGE, locale))
            for locale in ENGINE_CODES
            if locale != STAFF_LANGUAGE
        }


class Engine(Protocol):
    """A translation engine the municipality runs itself."""

    name: str  # shown in the label "machine translation (<name>)"

    async def capabilities(self) -> Capabilities:
        """The pairs the engine has now; raises TranslationFailed when it cannot be asked."""

    async def translate(self, text: str, pair: Pair) -> Translated:
        """The text in the pair's target language; raises TranslationFailed."""

    async def detect(self, text: str) -> tuple[str, float] | None:
        """The language the engine is surest of (engine code, 0-100); None without detection."""

    async def close(self) -> None:
        """Let go of connections and worker processes."""


def pair_for(source_locale: str, target_locale: str) -> Pair | None:
    source = ENGINE_CODES.get(source_locale)
    target = ENGINE_CODES.get(target_locale)
    if source is None or target is None or source == target:
        return None
    return Pair(source, target)


def wanted(message: Message, client_locale: str) -> bool:
    """Whether a message needs a translation: words between a non-Dutch client and the team."""
    if message.internal or not message.text or client_locale == STAFF_LANGUAGE:
        return False
    if message.kind not in TRANSLATABLE_KINDS:
        return False  # a location's text is coordinates; a voice message has no text
    return client_locale in ENGINE_CODES


def languages(message: Message, client_locale: str) -> tuple[str, str]:
    """(source, target) locales: the client's language to Dutch, or Dutch to theirs."""
    if message.direction == Direction.FROM_CLIENT:
        return client_locale, STAFF_LANGUAGE
    return STAFF_LANGUAGE, client_locale


def request(message: Message, *, client_locale: str, now: datetime) -> bool:
    """Mark a new message as waiting for its translation; False when it needs none."""
    if not wanted(message, client_locale):
        return False
    source, target = languages(message, client_locale)
    message.translation_status = TranslationStatus.PENDING
    message.translation_source = source
    message.translation_target = target
    message.translation_attempts = 0
    message.translation_next_at = now
    return True


def retry_delay(attempts: int) -> timedelta:
    """Back off: 30 s, 1, 2, 4, 8 minutes."""
    return timedelta(seconds=30 * 2 ** max(attempts - 1, 0))


def translated(message: Message, result: Translated, *, engine: str, now: datetime) -> None:
    message.translation = result.text
    message.translation_engine = engine
    message.translation_model = result.model[:120]
    message.translation_status = TranslationStatus.DONE
    message.translation_at = now


def no_pair(message: Message, *, engine: str, now: datetime) -> None:
    message.translation = None
    message.translation_engine = engine
    message.translation_status = TranslationStatus.NO_PAIR
    message.translation_at = now


def other_language(message: Message, *, engine: str, now: datetime) -> None:
    message.translation = None
    message.translation_engine = engine
    message.translation_status = TranslationStatus.OTHER_LANGUAGE
    message.translation_at = now


def failed(message: Message, error: TranslationFailed, *, engine: str, now: datetime) -> bool:
    """Note a failed try; True when the job tries again later."""
    message.translation_attempts += 1
    message.translation_engine = engine
    if error.retry and message.translation_attempts < MAX_ATTEMPTS:
        message.translation_next_at = now + retry_delay(message.translation_attempts)
        return True
    message.translation_status = TranslationStatus.FAILED
    message.translation_at = now
    return False


async def translate(engine: Engine, capabilities: Capabilities, message: Message) -> Translated:
    """Translate a pending message's text with the pair stored on it; NoPair when there is none."""
    source, target = message.translation_source, message.translation_target
    if not message.text or source is None or target is None:
        raise TranslationFailed(Problem.REFUSED)
    pair = pair_for(source, target)
    if pair is None or not capabilities.has(source, target):
        raise NoPair
    if message.direction == Direction.FROM_CLIENT and len(message.text) >= DETECTION_MIN_LENGTH:
        try:
            found = await engine.detect(message.text)
        except TranslationFailed:
            found = None  # no check possible now: the client's chosen language stands
        if found is not None and found[1] >= DETECTION_SURE and found[0] != pair.source:
            raise OtherLanguage
    return await engine.translate(message.text, pair)


class NoPair(Exception):
    """The engine has no model for the message's pair."""


class OtherLanguage(Exception):
    """The engine is sure the text is not in the client's language: it is not translated."""
