"""bot/speech.py: what the computer voice reads, dates and clock times in words."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.speech import SpeechFormatter, plain, speech_text
from storage.models import Task
from texts.fmt import Formatter
from texts.i18n import Translator
from texts.render.tasks import task_text

ZONE = ZoneInfo("Europe/Amsterdam")
HALF_PAST = datetime(2026, 12, 3, 9, 30, tzinfo=UTC)  # 10:30 in Amsterdam
ON_THE_HOUR = datetime(2026, 12, 3, 13, 0, tzinfo=UTC)  # 14:00


@pytest.mark.parametrize(
    ("locale", "half_past", "on_the_hour"),
    [
        ("nl", "10 uur 30", "14 uur"),
        ("en", "30 minutes past 10", "14 o'clock"),
        ("fr", "10 heures 30", "14 heures"),
        ("tr", "saat 10 30", "saat 14"),
        ("fa", "ساعت ۱۰ و ۳۰ دقیقه", "ساعت ۱۴"),
        ("ar", "الساعة 10 و30 دقيقة", "الساعة 14"),
    ],
)
def test_clock_times_are_words_around_numbers(
    locale: str, half_past: str, on_the_hour: str
) -> None:
    f = SpeechFormatter(locale, ZONE)
    assert f.time(HALF_PAST) == half_past
    assert f.time(ON_THE_HOUR) == on_the_hour
    assert ":" not in f.datetime(HALF_PAST)


@pytest.mark.parametrize(
    ("locale", "month"),
    [
        ("nl", "december"),
        ("en", "December"),
        ("fr", "décembre"),
        ("tr", "Aralık"),
        ("ar", "ديسمبر"),
        ("am", "ዲሴምበር"),
    ],
)
def test_dates_carry_the_month_by_name_even_where_a_screen_abbreviates(
    locale: str, month: str
) -> None:
    f = SpeechFormatter(locale, ZONE)
    assert month in f.date(HALF_PAST)
    assert month in f.day_month(HALF_PAST)  # on screen 'do 3 dec'
    assert month in f.short_datetime(HALF_PAST)


@pytest.mark.parametrize("locale", ["nl", "en", "fr"])
def test_the_screen_abbreviates_the_month_that_speech_says_in_full(locale: str) -> None:
    full = SpeechFormatter(locale, ZONE).day_month(HALF_PAST)
    assert Formatter(locale, ZONE).day_month(HALF_PAST) not in full


def test_no_bidi_marks_in_speech() -> None:
    f = SpeechFormatter("ar", ZONE)
    spoken = f.ltr("B1-route") + f.auto("Fatima") + f.date(HALF_PAST)
    assert not any(mark in spoken for mark in "\u2066\u2067\u2068\u2069\u200e\u200f")
    assert "\u2066" in Formatter("ar", ZONE).ltr("B1-route")


def test_plain_drops_tags_icons_and_makes_sentences() -> None:
    markup = "📅 <b>Voortgangsgesprek</b>\n\n⏰ Over 3 dagen\nMet: Fatima &amp; Jan • balie 2\n"
    assert plain(markup) == "Voortgangsgesprek.\nOver 3 dagen.\nMet: Fatima & Jan, balie 2."


def test_plain_keeps_persian_zero_width_non_joiner() -> None:
    assert plain("\u2068می\u200cتوانید\u2069") == "می\u200cتوانید."


def task() -> Task:
    return Task(
        id=7,
        client_id=1,
        external_id="t-7",
        title="Stuur het formulier naar DUO",
        due_date=datetime(2026, 12, 10).date(),
    )


def text(t: Translator, f: Formatter) -> str:
    now = HALF_PAST
    return task_text(t, f, task(), today=now.date(), now=now)


def test_a_task_is_spoken_without_icons_or_markup() -> None:
    spoken = speech_text(text, "en", ZONE)
    assert spoken.startswith("Stuur het formulier naar DUO.")
    assert "10 December 2026" in spoken
    assert "<" not in spoken and "📝" not in spoken
