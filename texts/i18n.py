"""Translators per locale from compiled gettext catalogues, and the shipped languages.

Message ids are the English source texts. To add a language, add it to LANGUAGES below and run
`python -m bot.i18n_tools init CODE` (see docs/translating.md).
"""

from __future__ import annotations

import gettext
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from texts.bidi import isolate_latin, isolate_value

# The source catalogues (.po) live in locales/ at the top of a checkout. An installed wheel
# carries them compiled in texts/_locales (the build hook in setup.py puts them there); a checkout
# or an editable install reads the .mo files compiled next to the .po files.
SOURCE_LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
PACKAGED_LOCALES_DIR = Path(__file__).resolve().parent / "_locales"
LOCALES_DIR = PACKAGED_LOCALES_DIR if PACKAGED_LOCALES_DIR.is_dir() else SOURCE_LOCALES_DIR
DOMAIN = "messages"
SOURCE_LOCALE = "en"  # the language of the message ids

# gettext plural rules, written the GNU way: forms in CLDR's order zero, one, two, few, many,
# other (the order Poedit and Weblate show). Babel's built-in table differs for Arabic (it swaps
# forms 4 and 5) and gives Persian and Turkish one form only; `i18n_tools` writes these instead.
PLURAL_ONE = "nplurals=2; plural=(n != 1);"  # 1 | 0, 2, 3, ...
PLURAL_ZERO_ONE = "nplurals=2; plural=(n > 1);"  # 0, 1 | 2, 3, ...
PLURAL_ARABIC = (
    "nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : "
    "n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5);"
)  # zero | one | two | few (3-10) | many (11-99) | other (100-102, ...)


@dataclass(frozen=True)
class Language:
    """A shipped language: its code, its own name, direction, digits and plural rule."""

    code: str
    native_name: str
    english_name: str
    rtl: bool = False
    # A regional variant that only overrides some texts of another catalogue names it here; it
    # is then exempt from the similarity guard. A language of its own never has one.
    fallback: str | None = None
    # CLDR's default numbering system for the locale: 'latn' (0-9), 'arab' (٠-٩, Arabic-Indic)
    # or 'arabext' (۰-۹, Persian). Babel prints Latin digits; texts/fmt.py converts.
    digits: str = "latn"
    plural_forms: str = PLURAL_ONE


# Order is the order of the language picker: Dutch and English first, then the most used.
LANGUAGES: tuple[Language, ...] = (
    Language("nl", "Nederlands", "Dutch"),
    Language("en", "English", "English"),
    Language("ar", "العربية", "Arabic", rtl=True, plural_forms=PLURAL_ARABIC),
    Language("ti", "ትግርኛ", "Tigrinya", plural_forms=PLURAL_ZERO_ONE),
    Language("tr", "Türkçe", "Turkish"),
    Language("fa", "فارسی", "Persian", rtl=True, digits="arabext", plural_forms=PLURAL_ZERO_ONE),
    # Dari is its own catalogue with Afghan vocabulary: no fallback to Persian (a fallback
    # would also exempt it from the similarity guard in tests/i18n/test_similarity.py).
    Language("fa_AF", "دری", "Dari", rtl=True, digits="arabext", plural_forms=PLURAL_ZERO_ONE),
    Language("ps", "پښتو", "Pashto", rtl=True, digits="arabext"),
    Language("ku", "Kurmancî", "Kurmanji Kurdish"),
    Language("ckb", "کوردیی ناوەندی", "Sorani Kurdish", rtl=True, digits="arab"),
    Language("so", "Soomaali", "Somali"),
    Language("am", "አማርኛ", "Amharic", plural_forms=PLURAL_ZERO_ONE),
    Language("om", "Afaan Oromoo", "Oromo"),
    Language("fr", "Français", "French", plural_forms=PLURAL_ZERO_ONE),
)
BY_CODE = {language.code: language for language in LANGUAGES}

DIGITS = {
    "latn": "0123456789",
    "arab": "٠١٢٣٤٥٦٧٨٩",
    "arabext": "۰۱۲۳۴۵۶۷۸۹",
}


def digits_of(locale: str) -> str:
    """The numbering system a locale's messages use ('latn', 'arab' or 'arabext')."""
    language = BY_CODE.get(locale)
    return language.digits if language else "latn"


@cache
def _digit_table(system: str) -> dict[int, int]:
    """One translation table from every other numbering system's digits (built once)."""
    target = DIGITS[system]
    table: dict[int, int] = {}
    for source in DIGITS.values():
        if source != target:
            table.update(str.maketrans(source, target))
    return table


def to_digits(text: str, system: str) -> str:
    """Rewrite every digit in text (Latin or Arabic-Indic) in the given numbering system."""
    return text.translate(_digit_table(system))


def available_locales() -> tuple[str, ...]:
    """Codes of the languages that have a compiled catalogue (Dutch always counts)."""
    found = {"nl"}
    for language in LANGUAGES:
        if (LOCALES_DIR / language.code / "LC_MESSAGES" / f"{DOMAIN}.mo").exists():
            found.add(language.code)
    return tuple(language.code for language in LANGUAGES if language.code in found)


# Review status: every catalogue entry carries one translator comment `# review: STATUS`
# (docs/translating.md). `i18n_tools compile` writes the catalogue's lowest status into the
# compiled header, which is what the picker and /privacy read.
MACHINE_DRAFT = "machine-draft"
FLUENT_READER = "fluent-reader"
NATIVE_SPEAKER = "native-speaker"
REVIEW_STATUSES = (MACHINE_DRAFT, FLUENT_READER, NATIVE_SPEAKER)  # lowest first
REVIEW_STATUS_HEADER = "X-Review-Status"
REVIEW_COUNTS_HEADER = "X-Review-Counts"


def review_status(locale: str) -> str:
    """The lowest review status among a catalogue's entries (machine-draft when unknown)."""
    info = translator(locale)._translations.info()
    found = info.get(REVIEW_STATUS_HEADER.lower(), MACHINE_DRAFT)
    return found if found in REVIEW_STATUSES else MACHINE_DRAFT


def is_reviewed(locale: str) -> bool:
    """No note needed: the source language, or every entry checked by a native speaker."""
    return locale == SOURCE_LOCALE or review_status(locale) == NATIVE_SPEAKER


def unreviewed_locales() -> set[str]:
    """Shipped languages in which some entry no native speaker has checked yet."""
    return {code for code in available_locales() if not is_reviewed(code)}


def review_note(t: Translator, locale: str | None = None) -> str:
    """A plain sentence for unreviewed languages (the picker, /privacy); '' when reviewed."""
    if is_reviewed(locale or t.locale):
        return ""
    return t(
        "This translation was not yet checked by a native speaker. Some words may be wrong. "
        "If something is not clear, please ask your caseworker."
    )


def is_rtl(locale: str) -> bool:
    language = BY_CODE.get(locale)
    return bool(language and language.rtl)


class Translator:
    """gettext for one locale, with named placeholders filled after translation.

    In right-to-left languages the Latin-script words of a translation (Dutch terms) are
    isolated. Whole numbers passed as placeholders (and the `n` of ngettext) are written in the
    language's digits; strings are inserted as given, so format dates and numbers with
    the Formatter first.
    """

    def __init__(self, locale: str, translations: gettext.NullTranslations) -> None:
        self.locale = locale
        self._translations = translations
        self._digits = digits_of(locale)

    @property
    def rtl(self) -> bool:
        return is_rtl(self.locale)

    def _fill(self, text: str, values: dict[str, object]) -> str:
        if self.rtl:
            text = isolate_latin(text)  # Dutch terms and commands the translation keeps
            # a code, a reference or a Dutch name given as a value reads whole as well
            values = {key: isolate_value(value) for key, value in values.items()}
        if not values:
            return text
        if self._digits != "latn":
            values = {
                key: to_digits(str(value), self._digits)
                if isinstance(value, int) and not isinstance(value, bool)
                else value
                for key, value in values.items()
            }
        return text.format(**values)

    def gettext(self, message: str, /, **values: object) -> str:
        return self._fill(self._translations.gettext(message), values)

    def ngettext(self, singular: str, plural: str, n: int, /, **values: object) -> str:
        text = self._translations.ngettext(singular, plural, n)
        return self._fill(text, {"n": n, **values})

    def pgettext(self, context: str, message: str, /, **values: object) -> str:
        return self._fill(self._translations.pgettext(context, message), values)

    __call__ = gettext


def _load(code: str) -> gettext.NullTranslations:
    """The catalogue of a locale, falling back along `Language.fallback` (none ships one now)."""
    language = BY_CODE.get(code)
    chain = [code]
    while language and language.fallback:
        chain.append(language.fallback)
        language = BY_CODE.get(language.fallback)
    translations: gettext.NullTranslations | None = None
    for link in chain:
        path = LOCALES_DIR / link / "LC_MESSAGES" / f"{DOMAIN}.mo"
        if not path.exists():
            continue
        # Read the file ourselves: gettext.translation() caches by path and would keep serving
        # a catalogue after it was recompiled.
        with path.open("rb") as handle:
            found = gettext.GNUTranslations(handle)
        if translations is None:
            translations = found
        else:
            translations.add_fallback(found)
    return translations or gettext.NullTranslations()


class CatalogueError(RuntimeError):
    """A shipped language's compiled catalogue is missing or unreadable."""


def require_catalogues() -> None:
    """Refuse to start unless every shipped language's catalogue loads: never a silent English."""
    for language in LANGUAGES:
        if language.code == SOURCE_LOCALE:
            continue
        path = LOCALES_DIR / language.code / "LC_MESSAGES" / f"{DOMAIN}.mo"
        try:
            with path.open("rb") as handle:
                loaded = gettext.GNUTranslations(handle)
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            raise CatalogueError(
                f"the {language.english_name} catalogue ({language.code}) cannot be loaded "
                f"from {path}: reinstall inburgerbot, or run `make install` in a checkout"
            ) from exc
        if not loaded._catalog:  # type: ignore[attr-defined]
            raise CatalogueError(
                f"the {language.english_name} catalogue ({language.code}) at {path} is empty"
            )


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
