"""Dates, times, relative times, durations and numbers: locale, Dutch local time, digits."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel import Locale

from texts import bidi
from texts.fmt import Formatter, calendar_unit
from texts.i18n import DIGITS, LANGUAGES, Language, translator

ZONE = ZoneInfo("Europe/Amsterdam")
ALL = [language.code for language in LANGUAGES]


def fmt(locale: str) -> Formatter:
    return Formatter(locale, ZONE)


def plain(text: str) -> str:
    return bidi.strip_isolates(text)


# -- Dutch local time across the daylight-saving switches ---------------------------------------


@pytest.mark.parametrize(
    ("moment", "shown"),
    [
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "02:30"),  # still summer time (CEST)
        (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "02:30"),  # the hour again, winter (CET)
        (datetime(2026, 10, 25, 9, 0, tzinfo=UTC), "10:00"),
        (datetime(2027, 3, 28, 0, 30, tzinfo=UTC), "01:30"),  # winter time
        (datetime(2027, 3, 28, 1, 30, tzinfo=UTC), "03:30"),  # 02:00-03:00 does not exist
        (datetime(2027, 3, 28, 9, 0, tzinfo=UTC), "11:00"),
    ],
)
def test_times_are_dutch_local_time_across_daylight_saving(moment: datetime, shown: str) -> None:
    assert fmt("nl").time(moment) == shown
    assert plain(fmt("ar").time(moment)) == shown


@pytest.mark.parametrize(
    ("moment", "day"),
    [
        (datetime(2026, 10, 24, 22, 30, tzinfo=UTC), "zondag 25 oktober 2026"),  # 00:30 CEST
        (datetime(2026, 10, 25, 22, 30, tzinfo=UTC), "zondag 25 oktober 2026"),  # 23:30 CET
        (datetime(2026, 10, 25, 23, 30, tzinfo=UTC), "maandag 26 oktober 2026"),
        (datetime(2027, 3, 27, 23, 30, tzinfo=UTC), "zondag 28 maart 2027"),  # 00:30 CET
        (datetime(2027, 3, 28, 21, 30, tzinfo=UTC), "zondag 28 maart 2027"),  # 23:30 CEST
        (datetime(2027, 3, 28, 22, 30, tzinfo=UTC), "maandag 29 maart 2027"),
    ],
)
def test_dates_are_the_dutch_calendar_day(moment: datetime, day: str) -> None:
    assert fmt("nl").date(moment) == day


def test_datetime_in_dutch_and_arabic() -> None:
    moment = datetime(2026, 12, 3, 13, 30, tzinfo=UTC)
    assert fmt("nl").datetime(moment) == "donderdag 3 december 2026, 14:30"
    arabic = fmt("ar").datetime(moment)
    assert arabic.startswith(bidi.FSI) and arabic.endswith(bidi.PDI)
    assert "الخميس" in arabic and "14:30" in arabic


def test_english_dates_are_written_the_british_way() -> None:
    assert fmt("en").date(date(2026, 12, 3)) == "Thursday, 3 December 2026"
    assert fmt("en").date(date(2026, 12, 3), with_weekday=False) == "3 December 2026"


@pytest.mark.parametrize("code", ALL)
def test_every_locale_formats_a_date_with_its_own_month_name(code: str) -> None:
    text = plain(fmt(code).date(date(2026, 12, 3)))
    assert "December" not in text or code == "en"
    assert fmt(code).weekday(date(2026, 12, 3))
    assert fmt(code).day_month(date(2026, 12, 3))
    assert fmt(code).short_datetime(datetime(2026, 12, 3, 13, 30, tzinfo=UTC))


# -- digits -------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES, ids=lambda language: language.code)
def test_each_language_uses_cldrs_default_digits(language: Language) -> None:
    assert language.digits == Locale.parse(language.code).default_numbering_system


@pytest.mark.parametrize("code", ALL)
def test_one_kind_of_digit_per_message(code: str) -> None:
    f = fmt(code)
    moment = datetime(2026, 12, 3, 13, 30, tzinfo=UTC)
    texts = [
        f.date(moment),
        f.time(moment),
        f.datetime(moment),
        f.short_datetime(moment),
        f.number(1234567),
        f.duration(timedelta(minutes=90)),
        f.relative(moment + timedelta(days=3), now=moment),
        translator(code).ngettext("{n} day", "{n} days", 25),
    ]
    expected = set(DIGITS[f.digits])
    for text in texts:
        used = {c for c in text if c.isdigit()}
        assert used and used <= expected, (code, text)


def test_persian_and_pashto_use_persian_digits_sorani_arabic_indic_arabic_latin() -> None:
    moment = datetime(2026, 12, 3, 13, 30, tzinfo=UTC)
    assert plain(fmt("fa").time(moment)) == "۱۴:۳۰"
    assert plain(fmt("ps").time(moment)) == "۱۴:۳۰"
    assert plain(fmt("fa_AF").time(moment)) == "۱۴:۳۰"
    assert plain(fmt("ckb").time(moment)) == "١٤:٣٠"
    assert plain(fmt("ar").time(moment)) == "14:30"
    assert fmt("fa").number(1234) == "۱٬۲۳۴"


def test_whole_numbers_in_placeholders_take_the_languages_digits() -> None:
    text = plain(translator("fa")("After {days} days ({ref})", days=30, ref="C-00012"))
    assert "۳۰" in text and "30" not in text
    assert "C-00012" in text  # strings stay as given: references keep their Latin digits
    assert translator("fa")("{flag}", flag=True) == "True"
    assert translator("nl")("{n}", n=30) == "30"


# -- relative times and durations ---------------------------------------------------------------


NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("delta", "words"),
    [
        (timedelta(seconds=20), "now"),
        (timedelta(minutes=1), "in 1 minute"),
        (timedelta(minutes=45), "in 45 minutes"),
        (timedelta(hours=2), "in 2 hours"),
        (timedelta(hours=-5), "5 hours ago"),
        (timedelta(days=3), "in 3 days"),
        (timedelta(days=-1), "1 day ago"),
        (timedelta(days=20), "in 3 weeks"),
        (timedelta(days=95), "in 3 months"),
        (timedelta(days=3 * 365), "in 3 years"),
    ],
)
def test_relative_times(delta: timedelta, words: str) -> None:
    assert fmt("en").relative(NOW + delta, now=NOW) == words


def test_relative_days_count_dutch_calendar_days_across_daylight_saving() -> None:
    autumn_now = datetime(2026, 10, 24, 8, 0, tzinfo=UTC)  # Saturday 10:00 CEST
    autumn = datetime(2026, 10, 26, 9, 0, tzinfo=UTC)  # Monday 10:00 CET, 49 hours later
    spring_now = datetime(2027, 3, 27, 9, 0, tzinfo=UTC)  # Saturday 10:00 CET
    spring = datetime(2027, 3, 29, 8, 0, tzinfo=UTC)  # Monday 10:00 CEST, 47 hours later
    assert fmt("en").relative(autumn, now=autumn_now) == "in 2 days"
    assert fmt("en").relative(spring, now=spring_now) == "in 2 days"


@pytest.mark.parametrize(
    ("day", "words"),
    [
        (date(2026, 11, 23), "today"),
        (date(2026, 11, 24), "tomorrow"),
        (date(2026, 11, 22), "yesterday"),
        (date(2026, 11, 26), "in 3 days"),
        (date(2026, 11, 9), "2 weeks ago"),
    ],
)
def test_relative_days(day: date, words: str) -> None:
    assert fmt("en").relative_day(day, today=date(2026, 11, 23)) == words


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (timedelta(seconds=10), "1 minute"),
        (timedelta(minutes=45), "45 minutes"),
        (timedelta(hours=1), "1 hour"),
        (timedelta(minutes=90), "90 minutes"),
        (timedelta(hours=2, minutes=30), "3 hours"),
        (timedelta(days=1), "24 hours"),
        (timedelta(days=5), "5 days"),
        (timedelta(days=30), "4 weeks"),
        (timedelta(days=180), "6 months"),
        (timedelta(days=3 * 365 + 1), "3 years"),
    ],
)
def test_durations(amount: timedelta, words: str) -> None:
    assert fmt("en").duration(amount) == words


@pytest.mark.parametrize(
    ("days", "unit"), [(0, ("day", 0)), (13, ("day", 13)), (14, ("week", 2)), (59, ("week", 8))]
)
def test_calendar_units(days: int, unit: tuple[str, int]) -> None:
    assert calendar_unit(days) == unit


def test_relative_times_and_durations_are_translated() -> None:
    f = fmt("nl")
    assert f.relative(NOW + timedelta(days=3), now=NOW) == "over 3 dagen"
    assert f.duration(timedelta(days=180)) == "6 maanden"
    assert f.relative_day(date(2026, 11, 24), today=date(2026, 11, 23)) == "morgen"


# -- right to left ------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ALL)
def test_formatted_fragments_are_isolated_only_in_right_to_left_languages(code: str) -> None:
    f = fmt(code)
    moment = datetime(2026, 12, 3, 13, 30, tzinfo=UTC)
    for text in (f.date(moment), f.time(moment), f.ltr("C-00012"), f.auto("Amina")):
        has_controls = any(c in text for c in bidi.ISOLATES)
        assert has_controls == f.rtl, (code, text)
        assert bidi.balanced(text)


def test_button_labels_read_right_to_left_and_keep_the_icon_first() -> None:
    assert fmt("ar").button("KNM", icon="📖") == f"📖 {bidi.RLM}KNM"
    assert fmt("nl").button("KNM", icon="📖") == "📖 KNM"
    assert fmt("fa").button("") == ""
