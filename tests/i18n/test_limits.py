"""Every message, rendered with long realistic data, fits Telegram's limits in every language."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from telegram.constants import BotCommandLimit, MessageLimit

from bot import glossary
from bot.app import command_list
from bot.handlers.help import help_text
from bot.handlers.words import words_keyboard
from bot.replies import split_text
from fakebot.formatting import parse_html, utf16_len
from storage.models import Organisation
from tests.i18n import samples
from texts import bidi
from texts.fmt import Formatter
from texts.i18n import LANGUAGES, Translator, translator
from texts.render.appointments import appointment_text
from texts.render.plan import plan_text
from texts.render.tasks import task_text

CODES = [language.code for language in LANGUAGES]
ORGANISATION = Organisation(
    key="o",
    name="Regionaal Inburgeringsteam West-Friesland",
    kind="regional_team",
    phone="0229 123 456",
    email="inburgering@werksaam-westfriesland.nl",
    desk="Balie Inburgering, Gemeentehuis Hoorn, Nieuwe Steen 1 (maandag tot en met vrijdag)",
)

Render = Callable[[Translator, Formatter], str]
MESSAGES: dict[str, Render] = {
    "plan": lambda t, f: plan_text(t, f, samples.plan_page()),
    "appointment": lambda t, f: appointment_text(t, f, samples.appointment_card()),
    "task": lambda t, f: task_text(t, f, samples.task(), today=samples.TODAY, now=samples.NOW),
    "glossary": glossary.all_text,
    "help": lambda t, f: help_text(t, f, ORGANISATION, True),
}


def assert_sendable(text: str) -> None:
    pieces = split_text(text)
    for piece in pieces:
        assert len(piece) <= MessageLimit.MAX_TEXT_LENGTH
        plain, _entities = parse_html(piece)  # raises when a tag is cut in two
        assert 0 < utf16_len(plain) <= MessageLimit.MAX_TEXT_LENGTH
        assert bidi.balanced(piece)


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_long_messages_split_into_valid_pieces(code: str, name: str) -> None:
    assert_sendable(MESSAGES[name](translator(code), samples.formatter(code)))


@pytest.mark.parametrize("code", [c for c in CODES if c != "nl"])
@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_with_dutch_alongside_too(code: str, name: str) -> None:
    text = samples.with_dutch(code, MESSAGES[name])
    assert "🇳🇱" in text
    assert_sendable(text)


def test_the_long_plan_really_needs_splitting() -> None:
    text = MESSAGES["plan"](translator("ar"), samples.formatter("ar"))
    assert len(split_text(text)) > 1


@pytest.mark.parametrize("code", CODES)
def test_command_descriptions_fit(code: str) -> None:
    for command in command_list(code):
        assert (
            BotCommandLimit.MIN_DESCRIPTION
            <= len(command.description)
            <= BotCommandLimit.MAX_DESCRIPTION
        )


@pytest.mark.parametrize("code", CODES)
def test_glossary_buttons_fit(code: str) -> None:
    markup = words_keyboard(translator(code), samples.formatter(code), show_dutch=False)
    for row in markup.inline_keyboard:
        for button in row:
            assert 0 < len(button.text) <= 64
            assert button.callback_data and len(str(button.callback_data).encode()) <= 64
