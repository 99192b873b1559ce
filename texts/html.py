"""Escaping by construction for Telegram's HTML: every value that enters a message is escaped
once, and only markup the code itself wrote is marked safe.

`Html` marks a string that is already valid Telegram HTML (markup written here, or a value
escaped by `escape`); `escape` turns anything else into `Html`. The Formatter (`f.auto`,
`f.ltr`, `f.text`) and the translator's HTML view (`t.html`, which every text sent with
parse mode HTML is rendered with) pass every value through `escape`, so a name holding `<`,
`&` or `<a href>` shows as typed and never becomes markup.
"""

from __future__ import annotations

import html
from functools import cache
from typing import Any

from texts.i18n import Translator, translator


class Html(str):
    """Text that is valid Telegram HTML as it is (never escaped again)."""

    __slots__ = ()

    def __html__(self) -> str:  # Jinja's marker: already safe
        return str(self)


def escape(value: object) -> Html:
    """The value as HTML text: markup characters escaped, unless it is `Html` already."""
    if isinstance(value, Html):
        return value
    return Html(html.escape(str(value), quote=True))


class HtmlTranslator(Translator):
    """The translator for texts sent as HTML: every placeholder value is escaped (unless it is
    `Html`; whole numbers keep the language's digits), and what it returns is `Html`."""

    def __init__(self, plain: Translator) -> None:
        super().__init__(plain.locale, plain._translations)

    def _fill(self, text: str, values: dict[str, object]) -> str:
        safe: dict[str, Any] = {
            key: value
            if isinstance(value, int | float) and not isinstance(value, bool)
            else escape(value)
            for key, value in values.items()
        }
        return Html(super()._fill(text, safe))


@cache
def html_translator(locale: str) -> HtmlTranslator:
    return HtmlTranslator(translator(locale))


def as_html(t: Translator) -> Translator:
    """The HTML view of a translator (itself when it is one already)."""
    return t if isinstance(t, HtmlTranslator) else html_translator(t.locale)


__all__ = ["Html", "HtmlTranslator", "as_html", "escape", "html_translator"]
