"""Dates, times, durations and numbers in the user's locale and Dutch local time (Babel).

Digits: each shipped language declares whether it reads Latin digits or Arabic-Indic ones
(see bot/i18n.py LANGUAGES); Babel's own output is normalised to that choice here, so every
message of one locale uses one kind of digit.
"""

from __future__ import annotations

from dataclasses import dataclass
import datetime as dt
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime, format_time, format_timedelta
from babel.numbers import format_decimal

from bot import bidi
from bot.i18n import BY_CODE

_DIGITS = {
    "latn": "0123456789",
    "arab": "٠١٢٣٤٥٦٧٨٩",
    "arabext": "۰۱۲۳۴۵۶۷۸۹",
}


def babel_locale(code: str) -> Locale:
    try:
        return Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        return Locale.parse("nl")


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
        language = BY_CODE.get(self.locale)
        return language.digits if language else "latn"

    def _digits(self, text: str) -> str:
        target = _DIGITS[self.digits]
        if target == _DIGITS["latn"]:
            for other in ("arab", "arabext"):
                text = text.translate(str.maketrans(_DIGITS[other], _DIGITS["latn"]))
            return text
        return text.translate(str.maketrans(_DIGITS["latn"], target))

    def _iso(self, text: str) -> str:
        """Keep a formatted date or time whole inside the surrounding sentence."""
        return bidi.auto(text, rtl=self.rtl)

    def local(self, moment: dt.datetime) -> dt.datetime:
        return moment.astimezone(self.zone)

    def date(self, day: date | dt.datetime, *, with_weekday: bool = True) -> str:
        """'donderdag 3 december 2026'."""
        if isinstance(day, dt.datetime):
            day = self.local(day).date()
        pattern = "EEEE d MMMM y" if with_weekday else "d MMMM y"
        return self._iso(self._digits(format_date(day, pattern, locale=babel_locale(self.locale))))

    def time(self, moment: dt.datetime) -> str:
        """'14:30' in Dutch local time."""
        text = format_time(self.local(moment), "HH:mm", locale=babel_locale(self.locale))
        return self._iso(self._digits(text))

    def datetime(self, moment: dt.datetime) -> str:
        """'donderdag 3 december 2026, 14:30'."""
        return f"{self.date(moment)}, {self.time(moment)}"

    def short_datetime(self, moment: dt.datetime) -> str:
        text = format_datetime(
            self.local(moment), "EEE d MMM, HH:mm", locale=babel_locale(self.locale)
        )
        return self._iso(self._digits(text))

    def relative(self, moment: dt.datetime, *, now: dt.datetime) -> str:
        """'in 3 days' / '2 hours ago'."""
        delta = moment - now
        text = format_timedelta(
            delta, add_direction=True, threshold=1.1, locale=babel_locale(self.locale)
        )
        return self._iso(self._digits(text))

    def duration(self, amount: timedelta) -> str:
        """'3 months'."""
        text = format_timedelta(amount, threshold=1.1, locale=babel_locale(self.locale))
        return self._iso(self._digits(text))

    def number(self, value: int | float) -> str:
        return self._digits(format_decimal(value, locale=babel_locale(self.locale)))

    def ltr(self, text: str) -> str:
        """A left-to-right fragment (reference, address, URL, Dutch term)."""
        return bidi.ltr(text, rtl=self.rtl)

    def auto(self, text: str) -> str:
        return bidi.auto(text, rtl=self.rtl)
