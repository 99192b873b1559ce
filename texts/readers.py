"""A text for one reader: in their language, with simple Dutch under it when they asked for it.

A text is a function of a translator and a formatter (`TextFn`), so the same text is written
once and read in every language; `Readers` knows which languages ship, the default one and the
time zone, and picks a client's language the same way everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from storage.models import Client
from texts.fmt import Formatter
from texts.html import html_translator
from texts.i18n import Translator
from texts.locales import choose_locale

TextFn = Callable[[Translator, Formatter], str]
STAFF_LOCALE = "nl"  # the team reads the staff chat in Dutch


@dataclass(frozen=True)
class Readers:
    default_locale: str
    shipped: tuple[str, ...]
    zone: ZoneInfo

    def locale_of(self, client: Client) -> str:
        """The client's language: their stored choice, else the instance's default."""
        return choose_locale(
            stored=client.locale,
            telegram_code=None,
            default=self.default_locale,
            shipped=self.shipped,
        )

    def render(self, text: TextFn, locale: str) -> str:
        return text(html_translator(locale), Formatter(locale, self.zone))

    def for_client(self, client: Client, text: TextFn) -> str:
        """A text in the client's language, with simple Dutch under it when they asked for it."""
        locale = self.locale_of(client)
        own = self.render(text, locale)
        if not client.show_dutch or locale == "nl":
            return own
        return f"{own}\n\n🇳🇱 <i>{self.render(text, 'nl')}</i>"

    def for_staff(self, text: TextFn, locale: str = STAFF_LOCALE) -> str:
        return self.render(text, locale)
