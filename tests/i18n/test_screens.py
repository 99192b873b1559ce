"""Every screen in every language: no English source text where a translation belongs, and in
right-to-left languages no Latin fragment or command left outside an isolate.

Two nets. The first watches the translator while the screens render: a message id that comes back
as it is (missing from the catalogue, as `t()` inside an f-string used to be, or copied from the
English) is English on the screen. The second compares each screen with its English rendering:
a line or button label that is the same in both and has English words in it was never
translated at all (a hard-coded string). Dutch terms, glossary words and language-neutral words
are allowed where the design puts them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

import pytest

from bot import glossary
from bot.i18n_tools import Project, fresh_template, read_catalog
from tests import factories
from tests.e2e.conftest import Harness
from tests.i18n.screens import Screen, all_screens
from texts import bidi
from texts.i18n import LANGUAGES, SOURCE_LOCALE, Translator, translator

CODES = [language.code for language in LANGUAGES]
TRANSLATED = [code for code in CODES if code != SOURCE_LOCALE]
RTL = [language.code for language in LANGUAGES if language.rtl]

# Message ids whose translation is the same text in every language (a brand name).
NEUTRAL = {"Telegram"}
# ...or the same word in some languages (and a Dutch word: the design keeps Dutch terms).
SAME_WORD = {
    "Plan": {"nl", "tr", "ku", "fr"},
    "Privacy": {"nl"},
    "Intake": {"nl"},
    "{n} minute": {"fr"},
}
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]{2,}")
PLACEHOLDER = re.compile(r"\{\w*\}")
ARABIC_SCRIPT = re.compile(r"[\u0600-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFF]")
TAG = re.compile(r"<[^>]*>")


def _words(text: str) -> set[str]:
    return {word.lower().strip("'’-") for word in WORD.findall(PLACEHOLDER.sub(" ", text))}


@cache
def english_words() -> frozenset[str]:
    """Every word of the English source texts."""
    found: set[str] = set()
    for message in fresh_template():
        for text in message.id if isinstance(message.id, (list, tuple)) else [message.id]:
            found |= _words(text)
    return frozenset(found)


@cache
def catalogue_words(code: str) -> frozenset[str]:
    found: set[str] = set()
    for message in read_catalog(Project().po_path(code), locale=code):
        if message.id:
            forms = (
                message.string if isinstance(message.string, (list, tuple)) else [message.string]
            )
            for form in forms:
                found |= _words(form or "")
    return frozenset(found)


@cache
def allowed_words(code: str) -> frozenset[str]:
    """Words that may stand as they are: the language's own, Dutch ones, glossary terms."""
    dutch_terms = {word for term in glossary.TERMS for word in _words(term.dutch)}
    return catalogue_words(code) | catalogue_words("nl") | frozenset(dutch_terms)


@contextmanager
def untranslated_lookups(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, str]]]:
    """Record (locale, message id) of every lookup that comes back untranslated."""
    seen: list[tuple[str, str]] = []
    original_gettext, original_ngettext = Translator.gettext, Translator.ngettext
    original_pgettext = Translator.pgettext

    def gettext(self: Translator, message: str, /, **values: Any) -> str:
        if self._translations.gettext(message) == message:
            seen.append((self.locale, message))
        return original_gettext(self, message, **values)

    def ngettext(self: Translator, singular: str, plural: str, n: int, /, **values: Any) -> str:
        if self._translations.ngettext(singular, plural, n) in (singular, plural):
            seen.append((self.locale, singular))
        return original_ngettext(self, singular, plural, n, **values)

    def pgettext(self: Translator, context: str, message: str, /, **values: Any) -> str:
        if self._translations.pgettext(context, message) == message:
            seen.append((self.locale, message))
        return original_pgettext(self, context, message, **values)

    with monkeypatch.context() as patch:
        patch.setattr(Translator, "gettext", gettext)
        patch.setattr(Translator, "__call__", gettext)
        patch.setattr(Translator, "ngettext", ngettext)
        patch.setattr(Translator, "pgettext", pgettext)
        yield seen


def english_shown(seen: list[tuple[str, str]]) -> list[str]:
    return sorted(
        {
            f"{code}: {message!r}"
            for code, message in seen
            if code != SOURCE_LOCALE
            and message not in NEUTRAL
            and code not in SAME_WORD.get(message, set())
        }
    )


def visible_lines(text: str) -> list[str]:
    plain = bidi.strip_isolates(TAG.sub("", text))
    return [line.strip() for line in plain.splitlines() if line.strip()]


def hard_coded_english(code: str, screen: Screen, english: Screen) -> list[str]:
    """Lines and labels the same as in English, with English words the language does not use."""
    same = set(visible_lines(screen.text)) & set(visible_lines(english.text))
    same |= {bidi.strip_isolates(b) for b in screen.buttons} & {
        bidi.strip_isolates(b) for b in english.buttons
    }
    found = []
    for line in sorted(same):
        stray = (_words(line) & english_words()) - allowed_words(code)
        if stray:
            found.append(f"{code} {screen.name}: {line!r} ({', '.join(sorted(stray))})")
    return found


def bare_in_rtl(code: str, screen: Screen) -> list[str]:
    """In right-to-left text, LTR fragments (Latin words, codes, commands) outside isolates."""
    if screen.plain:
        return []
    found = []
    for text in [screen.text, *screen.buttons]:
        if ARABIC_SCRIPT.search(text):
            for fragment in bidi.bare_ltr(text):
                found.append(f"{code} {screen.name}: {fragment!r} in {text[:80]!r}")
    return found


@cache
def english_screens() -> dict[str, Screen]:
    return {screen.name: screen for screen in all_screens(SOURCE_LOCALE)}


def test_the_screens_cover_the_client_and_the_staff() -> None:
    names = set(english_screens())
    for expected in (
        "main menu",
        "consent",
        "language picker",
        "plan",
        "appointment",
        "task",
        "settings False",
        "help, linked",
        "privacy",
        "mydata",
        "forget",
        "ask",
        "staff header card",
        "appointment reminder",
        "weekly digest",
        "appointment news added",
    ):
        assert expected in names
    assert len(names) > 120
    menu = english_screens()["main menu"].buttons
    assert menu[0] == "📋 My plan" and "❓ Ask a question" in menu


@pytest.mark.parametrize("code", TRANSLATED)
def test_no_english_source_text_on_any_screen(code: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with untranslated_lookups(monkeypatch) as seen:
        screens = all_screens(code)
    shown = english_shown(seen)
    assert not shown, "English on the screen (add to the catalogue, or no t() in f-strings):\n" + (
        "\n".join(shown)
    )
    english = english_screens()
    stray = [line for s in screens for line in hard_coded_english(code, s, english[s.name])]
    assert not stray, "Text that never went through the translator:\n" + "\n".join(stray[:20])


@pytest.mark.parametrize("code", RTL)
def test_every_rtl_string_isolates_commands_codes_and_latin_words(code: str) -> None:
    found = [line for screen in all_screens(code) for line in bare_in_rtl(code, screen)]
    assert not found, "\n".join(found[:20])


def test_the_nets_catch_an_untranslated_label(monkeypatch: pytest.MonkeyPatch) -> None:
    arabic = translator("ar")
    with untranslated_lookups(monkeypatch) as seen:
        label = f"👍 {arabic('I agree, but this label is in no catalogue')}"
        arabic("I agree")
    assert english_shown(seen) == ["ar: 'I agree, but this label is in no catalogue'"]
    english = Screen("x", "Hello\nYour plan", ["👍 I agree"])
    screen = Screen("x", "مرحبا\nYour plan", [label, "👍 I agree"])
    assert hard_coded_english("ar", screen, english) == [
        "ar x: 'Your plan' (your)",
        "ar x: '👍 I agree' (agree)",
    ]


def test_the_rtl_net_finds_a_bare_command_and_a_bare_code() -> None:
    screen = Screen("x", "اقرأ المزيد في /privacy. الرمز <code>ABCDE-FGHJK</code>", ["⁦KNM⁩ ✓"])
    assert bare_in_rtl("ar", screen) == [
        "ar x: '/privacy.' in 'اقرأ المزيد في /privacy. الرمز <code>ABCDE-FGHJK</code>'",
        "ar x: 'ABCDE-FGHJK' in 'اقرأ المزيد في /privacy. الرمز <code>ABCDE-FGHJK</code>'",
    ]
    isolated = translator("ar")("Read more with /privacy.")
    assert bare_in_rtl("ar", Screen("y", isolated)) == []


# -- what only a handler writes, through the fake Bot API ------------------------------------------


async def _flow(harness: Harness, code: str, user_id: int) -> list[Screen]:
    """Start, consent, the language switch, the menu, toasts: as a new client sees them."""
    async with harness.db.transaction() as session:
        person = await factories.client(session, first_name="Amina", locale=code)
    user = harness.fake.user(user_id, "Amina", code)
    shown: list[Screen] = []

    def keep(name: str, message: Any) -> None:
        shown.append(Screen(name, message.text or message.caption or "", message.button_texts))

    await user.send_command("/start")
    keep("welcome", await user.next_message())
    await user.send_command("/start", await harness.invite(person))
    consent = await user.next_message()
    keep("greeting and consent", consent)
    picker = await user.press(consent, "lang:v1:pick:")
    await picker.answer()
    choose = await user.next_message()
    keep("language picker", choose)
    switched = await user.press(choose, f"lang:v1:set:{code}")
    await switched.answer()
    keep("language switched", await user.next_message())
    again = await user.next_message()  # the consent again, in the (same) language
    keep("consent again", again)
    agreed = await user.press(again, "priv:v1:agree:")
    toast = await agreed.answer()
    shown.append(Screen("thank you toast", toast.get("text") or ""))
    keep("menu", await user.next_message())
    stale = await user.press(again, "lang:v1:set:xx", strict=False)
    toast = await stale.answer()
    shown.append(Screen("stale button toast", toast.get("text") or ""))
    return shown


async def test_what_handlers_write_is_translated_too(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One bot for all the languages: a new client per language (one start-up, not fourteen).
    problems: list[str] = []
    with untranslated_lookups(monkeypatch) as seen:
        for index, code in enumerate(TRANSLATED):
            for screen in await _flow(harness, code, 9100 + index):
                assert screen.text, (code, screen.name)
                words = _words(screen.text + " " + " ".join(screen.buttons)) & english_words()
                stray = words - allowed_words(code)
                if stray:
                    problems.append(f"{code} {screen.name}: {sorted(stray)}")
                problems += bare_in_rtl(code, screen) if code in RTL else []
    problems += english_shown(seen)
    assert not problems, "\n".join(problems)
