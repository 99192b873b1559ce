"""Right to left: LTR fragments in Arabic-script messages are isolated so they read whole."""

from __future__ import annotations

import re

import pytest

from bot import glossary
from fakebot.formatting import parse_html
from tests.i18n import samples
from texts import bidi
from texts.i18n import LANGUAGES, translator
from texts.render.appointments import appointment_buttons, appointment_text
from texts.render.plan import plan_text

RTL = [language.code for language in LANGUAGES if language.rtl]
LATIN = re.compile(r"[A-Za-z\u00C0-\u024F]+")
COMMAND = re.compile(r"/\w+")


def depth_at(text: str, index: int) -> int:
    depth = 0
    for char in text[:index]:
        if char in (bidi.LRI, bidi.RLI, bidi.FSI):
            depth += 1
        elif char == bidi.PDI:
            depth -= 1
    return depth


def bare_latin(text: str) -> list[str]:
    """Latin-script words that stand outside any isolate (bot commands excepted)."""
    plain, _entities = parse_html(text)
    commands = {m.start() + i for m in COMMAND.finditer(plain) for i in range(len(m.group()))}
    return [
        match.group()
        for match in LATIN.finditer(plain)
        if match.start() not in commands and depth_at(plain, match.start()) == 0
    ]


def test_depth_and_bare_latin_helpers() -> None:
    text = f"خطة {bidi.LRI}PIP{bidi.PDI} and /help"
    assert depth_at(text, text.index("PIP")) == 1
    assert bare_latin(text) == ["and"]


def test_isolate_latin_wraps_dutch_terms_and_leaves_markup_alone() -> None:
    template = (
        '<b>خطتك</b> ({date}): klantregisseur، B1-route. /privacy <a href="https://x.nl">x</a>'
    )
    isolated = bidi.isolate_latin(template)
    assert f"{bidi.LRI}klantregisseur{bidi.PDI}" in isolated
    assert f"{bidi.LRI}B1-route{bidi.PDI}." in isolated
    assert "<b>خطتك</b>" in isolated and "{date}" in isolated
    assert f" {bidi.LRI}/privacy{bidi.PDI} " in isolated
    assert 'href="https://x.nl"' in isolated
    assert bidi.balanced(isolated)


@pytest.mark.parametrize("code", RTL)
def test_plan_message_isolates_every_left_to_right_fragment(code: str) -> None:
    page = samples.plan_page(parts=14)
    text = plan_text(translator(code), samples.formatter(code), page)
    assert bidi.balanced(text)
    assert bare_latin(text) == []
    f = samples.formatter(code)
    assert f.date(page.plan.period_end, with_weekday=False) in text
    for term in ("PIP", "leerroute", "B1-route", "inburgeringstermijn"):
        at = parse_html(text)[0].index(term)
        assert depth_at(parse_html(text)[0], at) > 0, term


@pytest.mark.parametrize("code", RTL)
def test_appointment_message_isolates_every_left_to_right_fragment(code: str) -> None:
    card = samples.appointment_card()
    text = appointment_text(translator(code), samples.formatter(code), card)
    assert bidi.balanced(text)
    assert bare_latin(text) == []
    plain = parse_html(text)[0]
    for fragment in ("14:00", "1625 HV Hoorn", "+31 229 252 200"):
        shown = fragment if samples.formatter(code).digits == "latn" else None
        if shown and shown in plain:
            assert depth_at(plain, plain.index(shown)) > 0, fragment


@pytest.mark.parametrize("code", RTL)
def test_appointment_buttons_are_balanced(code: str) -> None:
    markup = appointment_buttons(translator(code), samples.appointment(), samples.NOW)
    for row in markup.inline_keyboard:
        for button in row:
            assert bidi.balanced(button.text)


@pytest.mark.parametrize("code", RTL)
def test_glossary_isolates_the_dutch_words(code: str) -> None:
    text = glossary.all_text(translator(code), samples.formatter(code))
    assert bidi.balanced(text)
    assert bare_latin(text) == []


@pytest.mark.parametrize("code", [language.code for language in LANGUAGES if not language.rtl])
def test_left_to_right_messages_have_no_direction_controls(code: str) -> None:
    text = plan_text(translator(code), samples.formatter(code), samples.plan_page(parts=5))
    assert not any(char in text for char in (*bidi.ISOLATES, bidi.RLM))


@pytest.mark.parametrize("code", RTL)
def test_every_translation_stays_balanced_after_isolation(code: str) -> None:
    t = translator(code)
    for language_text in (
        t("Help"),
        t("Your plan"),
        glossary.intro_text(t, samples.formatter(code)),
    ):
        assert bidi.balanced(language_text)


@pytest.mark.parametrize("code", RTL)
def test_a_command_in_rtl_text_is_isolated_with_its_slash(code: str) -> None:
    isolated = bidi.isolate_latin("اقرأ المزيد في /privacy. و /mydata_now، B1/A2")
    assert f"{bidi.LRI}/privacy{bidi.PDI}." in isolated
    assert f"{bidi.LRI}/mydata_now{bidi.PDI}" in isolated
    assert f"{bidi.LRI}B1/A2{bidi.PDI}" not in isolated  # a slash between words is no command
    assert f"{bidi.LRI}/privacy{bidi.PDI}" in translator(code)("Read more with /privacy.")
