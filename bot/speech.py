"""Texts rendered for the ear: the same message a client reads, as plain sentences to speak.

The renderers (texts/render/) are functions of a translator and a formatter.
For speech they get `SpeechFormatter`: dates in full with the month's name from Babel (never
'3 dec' or '03-12'), clock times as words around the numbers ('10 uur 30', 'saat 10 30') because
a computer voice reads '10:30' wrongly in several languages (Persian says 'ten colon thirty'),
and no bidi marks. `plain` then turns the HTML into sentences: no tags, no icons, one line one
sentence.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from babel.dates import format_date

from texts.fmt import Formatter
from texts.html import Html, escape, html_translator
from texts.i18n import Translator, translator

Text = Callable[[Translator, Formatter], str]

# Bidi controls, the emoji variation selector and joiner; ZWNJ (U+200C) stays (Persian needs it).
_INVISIBLE = dict.fromkeys(
    map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufe0f\u200d")
)
_TAG = re.compile(r"<[^>]*>")
_SEPARATORS = re.compile(r"\s*[•·—]\s*")
_SENTENCE_END = (".", "!", "?", ":", ";", ",", "؟", "۔", "።", "፧", "፨")


@dataclass(frozen=True)
class SpeechFormatter(Formatter):
    """Formatting for a computer voice: whole words where a screen would use figures."""

    def _iso(self, text: str) -> str:
        return text

    def time(self, moment: dt.datetime) -> str:
        """'10 uur 30' / '10 o'clock': hours and minutes as numbers inside a sentence."""
        local = self.local(moment)
        t = translator(self.locale)
        if local.minute == 0:
            # Translators: a clock time read aloud by a computer voice, e.g. 10:00.
            return t("{hour} o'clock", hour=local.hour)
        # Translators: a clock time read aloud by a computer voice, e.g. 10:30 (hour 10, minute 30).
        return t("{hour} hours {minute} minutes", hour=local.hour, minute=local.minute)

    def day_month(self, day: dt.date | dt.datetime) -> str:
        return self.date(day)

    def datetime(self, moment: dt.datetime) -> str:
        day = self._digits(format_date(self.local(moment).date(), "full", locale=self._babel))
        return f"{day}, {self.time(moment)}"

    def short_datetime(self, moment: dt.datetime) -> str:
        return self.datetime(moment)

    def ltr(self, text: str) -> Html:
        return escape(text)

    def auto(self, text: str) -> Html:
        return escape(text)

    def button(self, text: str, *, icon: str = "") -> str:
        return text


def _spoken_char(char: str) -> bool:
    return unicodedata.category(char) not in ("So", "Sk", "Cs", "Co")


def plain(markup: str) -> str:
    """HTML as sentences: tags and icons dropped, one sentence per line, no empty lines."""
    text = html.unescape(_TAG.sub("", markup)).translate(_INVISIBLE)
    sentences = []
    for line in text.split("\n"):
        line = "".join(char for char in line if _spoken_char(char))
        line = _SEPARATORS.sub(", ", line)
        line = " ".join(line.split()).strip(" ,")
        if not line:
            continue
        if not line.endswith(_SENTENCE_END):
            line += "."
        sentences.append(line)
    return "\n".join(sentences)


def speech_text(text: Text, locale: str, zone: ZoneInfo) -> str:
    """The message in `locale`, as plain sentences to speak."""
    return plain(text(html_translator(locale), SpeechFormatter(locale, zone)))
