"""Dates, times, durations and numbers in the user's locale and Dutch local time (Babel).

Dates, weekdays and month names come from Babel (CLDR) in the reader's locale; clock times are
always 24-hour 'HH:mm' as on Dutch letters. Relative times ("in 3 days") and durations
("3 months") come from our own catalogue, because CLDR has only abbreviations ("+3 d") for several
of our languages. Digits: each language uses CLDR's default numbering system (see
`Language.digits` in texts/i18n.py and docs/translating.md); Babel prints Latin digits, so they are
converted here, and the Translator does the same for whole numbers in placeholders. In
right-to-left languages every formatted fragment is isolated so it does not scramble the sentence.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_skeleton, format_time, get_datetime_format
from babel.numbers import format_decimal

from texts import bidi
from texts.html import Html, escape
from texts.i18n import BY_CODE, Translator, digits_of, to_digits, translator

# Where CLDR's plain locale is not what a reader in the Netherlands expects.
BABEL_LOCALES = {"en": "en_GB"}  # 'Thursday 3 December 2026', not 'Thursday, December 3'

Plural = Callable[[Translator, int], str]

# Translators: relative times ("in 3 days", "2 hours ago") and durations ("3 months").
_FUTURE: dict[str, Plural] = {
    "minute": lambda t, n: t.ngettext("in {n} minute", "in {n} minutes", n),
    "hour": lambda t, n: t.ngettext("in {n} hour", "in {n} hours", n),
    "day": lambda t, n: t.ngettext("in {n} day", "in {n} days", n),
    "week": lambda t, n: t.ngettext("in {n} week", "in {n} weeks", n),
    "month": lambda t, n: t.ngettext("in {n} month", "in {n} months", n),
    "year": lambda t, n: t.ngettext("in {n} year", "in {n} years", n),
}
_PAST: dict[str, Plural] = {
    "minute": lambda t, n: t.ngettext("{n} minute ago", "{n} minutes ago", n),
    "hour": lambda t, n: t.ngettext("{n} hour ago", "{n} hours ago", n),
    "day": lambda t, n: t.ngettext("{n} day ago", "{n} days ago", n),
    "week": lambda t, n: t.ngettext("{n} week ago", "{n} weeks ago", n),
    "month": lambda t, n: t.ngettext("{n} month ago", "{n} months ago", n),
    "year": lambda t, n: t.ngettext("{n} year ago", "{n} years ago", n),
}
_DURATION: dict[str, Plural] = {
    "minute": lambda t, n: t.ngettext("{n} minute", "{n} minutes", n),
    "hour": lambda t, n: t.ngettext("{n} hour", "{n} hours", n),
    "day": lambda t, n: t.ngettext("{n} day", "{n} days", n),
    "week": lambda t, n: t.ngettext("{n} week", "{n} weeks", n),
    "month": lambda t, n: t.ngettext("{n} month", "{n} months", n),
    "year": lambda t, n: t.ngettext("{n} year", "{n} years", n),
}


def _round(value: float) -> int:
    """Half up, as people count (Python's round() goes to the even number)."""
    return int(value + 0.5)


@cache
def babel_locale(code: str) -> Locale:
    """Babel's locale for a language code, parsed once per code."""
    try:
        return Locale.parse(BABEL_LOCALES.get(code, code))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("nl")


def calendar_unit(days: int) -> tuple[str, int]:
    """The unit and count to say a span of whole days in plain words."""
    days = abs(days)
    if days < 14:
        return "day", days
    if days < 60:
        return "week", _round(days / 7)
    if days < 730:
        return "month", _round(days / 30.44)
    return "year", _round(days / 365.25)


def clock_unit(seconds: float) -> tuple[str, int]:
    """The unit and count for a span shorter than a day."""
    seconds = abs(seconds)
    if seconds < 3600:
        return "minute", max(1, _round(seconds / 60))
    return "hour", _round(seconds / 3600)


@dataclass(frozen=True)
class Formatter:
    """Formatting for one locale and one time zone."""

    locale: str
    zone: ZoneInfo

    @property
    def rtl(self) -> bool:
        language = BY_CODE.get(self.locale)
        return bool(language and language.rtl)

    @property
    def digits(self) -> str:
        return digits_of(self.locale)

    @property
    def _babel(self) -> Locale:
        return babel_locale(self.locale)

    def _digits(self, text: str) -> str:
        return to_digits(text, self.digits)

    def _iso(self, text: str) -> str:
        """Keep a formatted date or time whole inside the surrounding sentence."""
        return bidi.auto(text, rtl=self.rtl)

    def local(self, moment: dt.datetime) -> dt.datetime:
        return moment.astimezone(self.zone)

    def _day(self, day: dt.date | dt.datetime) -> dt.date:
        return self.local(day).date() if isinstance(day, dt.datetime) else day

    def date(self, day: dt.date | dt.datetime, *, with_weekday: bool = True) -> str:
        """'donderdag 3 december 2026' (CLDR's full or long date of the locale)."""
        text = format_date(self._day(day), "full" if with_weekday else "long", locale=self._babel)
        return self._iso(self._digits(text))

    def weekday(self, day: dt.date | dt.datetime) -> str:
        """'donderdag'."""
        return self._iso(format_date(self._day(day), "EEEE", locale=self._babel))

    def day_month(self, day: dt.date | dt.datetime) -> str:
        """'do 3 dec': weekday, day and month, short (for buttons and lists)."""
        text = format_skeleton("MMMEd", self._day(day), locale=self._babel)
        return self._iso(self._digits(text))

    def _time(self, moment: dt.datetime) -> str:
        return self._digits(format_time(self.local(moment), "HH:mm", locale=self._babel))

    def time(self, moment: dt.datetime) -> str:
        """'14:30' in Dutch local time."""
        return self._iso(self._time(moment))

    def datetime(self, moment: dt.datetime) -> str:
        """'donderdag 3 december 2026, 14:30'."""
        day = self._digits(format_date(self.local(moment).date(), "full", locale=self._babel))
        glue = get_datetime_format("medium", locale=self._babel)
        return self._iso(str(glue).replace("{1}", day).replace("{0}", self._time(moment)))

    def short_datetime(self, moment: dt.datetime) -> str:
        """'do 3 dec, 14:30'."""
        day = self._digits(format_skeleton("MMMEd", self.local(moment), locale=self._babel))
        glue = get_datetime_format("medium", locale=self._babel)
        return self._iso(str(glue).replace("{1}", day).replace("{0}", self._time(moment)))

    def relative(self, moment: dt.datetime, *, now: dt.datetime) -> str:
        """'in 3 days' / '2 hours ago'; whole days count calendar days in Dutch local time."""
        t = translator(self.locale)
        seconds = (moment - now).total_seconds()
        if abs(seconds) < 60:
            return self._iso(t("now"))
        days = (self.local(moment).date() - self.local(now).date()).days
        if abs(seconds) < 86400 or days == 0:
            unit, n = clock_unit(seconds)
        else:
            unit, n = calendar_unit(days)
        return self._iso((_FUTURE if seconds > 0 else _PAST)[unit](t, n))

    def relative_day(self, day: dt.date | dt.datetime, *, today: dt.date) -> str:
        """'today', 'tomorrow', 'in 3 days', 'yesterday', '2 weeks ago'."""
        t = translator(self.locale)
        days = (self._day(day) - today).days
        if days == 0:
            return self._iso(t("today"))
        if days == 1:
            return self._iso(t("tomorrow"))
        if days == -1:
            return self._iso(t("yesterday"))
        unit, n = calendar_unit(days)
        return self._iso((_FUTURE if days > 0 else _PAST)[unit](t, n))

    def duration(self, amount: timedelta) -> str:
        """'3 months', '90 minutes', '1 hour'."""
        t = translator(self.locale)
        seconds = abs(amount.total_seconds())
        if seconds < 2 * 86400:
            minutes = _round(seconds / 60)
            whole_hours = minutes % 60 == 0 and minutes >= 60
            if minutes < 60 or (minutes < 120 and not whole_hours):
                unit, n = "minute", max(1, minutes)
            else:
                unit, n = "hour", _round(minutes / 60)
        else:
            unit, n = calendar_unit(_round(seconds / 86400))
        return self._iso(_DURATION[unit](t, n))

    def number(self, value: int | float) -> str:
        """'1.234' in Dutch, with the locale's grouping and digits."""
        text = format_decimal(value, locale=self._babel, numbering_system=self.digits)
        return self._digits(text)

    def text(self, value: object) -> Html:
        """Any value as HTML text (escaped once; `Html` stays as it is)."""
        return escape(value)

    def ltr(self, text: str) -> Html:
        """A left-to-right fragment (reference, address, URL, Dutch term, time), escaped
        unless it is `Html` (markup the code wrote)."""
        return Html(bidi.ltr(escape(text), rtl=self.rtl))

    def auto(self, text: str) -> Html:
        """A fragment of unknown direction (a name, a title, the client's own words),
        escaped unless it is `Html`."""
        return Html(bidi.auto(escape(text), rtl=self.rtl))

    def button(self, text: str, *, icon: str = "") -> str:
        """A button label that reads right-to-left in RTL languages; the icon stays first."""
        return bidi.button(text, rtl=self.rtl, icon=icon)


@cache
def formatter(locale: str, zone: ZoneInfo) -> Formatter:
    """The formatter of a locale and zone, built once (it holds no state)."""
    return Formatter(locale, zone)
