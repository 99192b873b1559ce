"""Translators per locale from compiled gettext catalogues, and the shipped languages."""

from __future__ import annotations

import gettext
from dataclasses import dataclass
from functools import cache
from pathlib import Path

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"


@dataclass(frozen=True)
class Language:
    """A shipped language: its code, its own name, direction and digit style."""

    code: str
    native_name: str
    english_name: str
    rtl: bool = False
    fallback: str | None = None
    digits: str = "latn"  # 'latn', 'arab' (Arabic-Indic) or 'arabext' (Persian)


# Order is the order of the language picker: Dutch and English first, then the most used.
LANGUAGES: tuple[Language, ...] = (
    Language("nl", "Nederlands", "Dutch"),
    Language("en", "English", "English"),
    Language("ar", "العربية", "Arabic", rtl=True),
    Language("ti", "ትግርኛ", "Tigrinya"),
    Language("tr", "Türkçe", "Turkish"),
    Language("fa", "فارسی", "Persian", rtl=True),
    Language("fa_AF", "دری", "Dari", rtl=True, fallback="fa"),
    Language("ps", "پښتو", "Pashto", rtl=True),
    Language("ku", "Kurmancî", "Kurmanji Kurdish"),
    Language("ckb", "کوردیی ناوەندی", "Sorani Kurdish", rtl=True),
    Language("so", "Soomaali", "Somali"),
    Language("am", "አማርኛ", "Amharic"),
    Language("om", "Afaan Oromoo", "Oromo"),
    Language("fr", "Français", "French"),
)
BY_CODE = {language.code: language for language in LANGUAGES}


def available_locales() -> tuple[str, ...]:
    """Codes of the languages that have a compiled catalogue (Dutch always counts)."""
    found = {"nl"}
    for language in LANGUAGES:
        if (LOCALES_DIR / language.code / "LC_MESSAGES" / f"{DOMAIN}.mo").exists():
            found.add(language.code)
    return tuple(language.code for language in LANGUAGES if language.code in found)


REVIEW_HEADER = "X-Native-Review"


def review_status(locale: str) -> str:
    """What a catalogue's header says about review by a native speaker."""
    info = translator(locale)._translations.info()
    return info.get(REVIEW_HEADER.lower(), "not reviewed")


def unreviewed_locales() -> set[str]:
    """Shipped languages whose translation no native speaker has checked yet."""
    return {code for code in available_locales() if not review_status(code).startswith("reviewed")}


def is_rtl(locale: str) -> bool:
    language = BY_CODE.get(locale)
    return bool(language and language.rtl)


class Translator:
    """gettext for one locale, with named placeholders filled after translation."""

    def __init__(self, locale: str, translations: gettext.NullTranslations) -> None:
        self.locale = locale
        self._translations = translations

    @property
    def rtl(self) -> bool:
        return is_rtl(self.locale)

    def gettext(self, message: str, /, **values: object) -> str:
        text = self._translations.gettext(message)
        return text.format(**values) if values else text

    def ngettext(self, singular: str, plural: str, n: int, /, **values: object) -> str:
        text = self._translations.ngettext(singular, plural, n)
        return text.format(n=n, **values)

    def pgettext(self, context: str, message: str, /, **values: object) -> str:
        text = self._translations.pgettext(context, message)
        return text.format(**values) if values else text

    __call__ = gettext


def _load(code: str) -> gettext.NullTranslations:
    language = BY_CODE.get(code)
    chain = [code]
    while language and language.fallback:
        chain.append(language.fallback)
        language = BY_CODE.get(language.fallback)
    translations: gettext.NullTranslations | None = None
    for link in chain:
        try:
            found = gettext.translation(DOMAIN, LOCALES_DIR, languages=[link])
        except FileNotFoundError:
            continue
        if translations is None:
            translations = found
        else:
            translations.add_fallback(found)
    return translations or gettext.NullTranslations()


@cache
def translator(locale: str) -> Translator:
    """The translator for a shipped locale (unknown codes get the source texts)."""
    return Translator(locale, _load(locale))


def reset_cache() -> None:
    """Forget loaded catalogues (after recompiling them)."""
    translator.cache_clear()


def N_(message: str) -> str:
    """Mark a string for extraction without translating it now."""
    return message
