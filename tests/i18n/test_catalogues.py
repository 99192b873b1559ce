"""The catalogues: complete, current, no fuzzy entries, placeholders and markup as in the source.

When a test here fails because someone added or changed a message, run `make i18n` and translate
the new strings (docs/translating.md); the failure message says which.
"""

from __future__ import annotations

import gettext
import re
from collections import Counter
from functools import cache

import pytest
from babel.messages.catalog import Catalog, Message

from bot.i18n_tools import (
    HOW_TO_FIX,
    Project,
    check,
    fresh_template,
    read_catalog,
    status,
    template_drift,
    unmapped_modules,
)
from fakebot.formatting import EntityParseError, parse_html
from texts.bidi import LATIN_RUN
from texts.i18n import BY_CODE, LANGUAGES

CODES = [language.code for language in LANGUAGES]
PLACEHOLDER = re.compile(r"\{(\w*)\}")
TAG = re.compile(r"</?([a-zA-Z-]+)[^>]*>")


@cache
def template() -> Catalog:
    return fresh_template()


@cache
def catalogue(code: str) -> Catalog:
    return read_catalog(Project().po_path(code), locale=code)


def translated(code: str) -> list[tuple[Message, list[str]]]:
    """Every translated entry with its forms (one for a simple message)."""
    found = []
    for message in catalogue(code):
        if not message.id:
            continue
        forms = list(message.string) if message.pluralizable else [message.string]
        if all(forms):
            found.append((message, forms))
    return found


def source_texts(message: Message) -> list[str]:
    return list(message.id) if message.pluralizable else [message.id]


@cache
def single_number_forms(code: str) -> frozenset[int]:
    """Plural forms that stand for exactly one number (Arabic 0, 1, 2; 'one' in English)."""
    plural = gettext.c2py(BY_CODE[code].plural_forms.split("plural=")[1].rstrip(";"))
    counts = Counter(plural(n) for n in range(0, 1001))
    return frozenset(form for form, count in counts.items() if count == 1)


def test_the_template_in_the_repository_equals_a_fresh_extraction() -> None:
    new, gone = template_drift()
    assert not (new or gone), (
        f"locales/messages.pot is out of date ({len(new)} new, {len(gone)} removed: "
        f"{(new + gone)[:5]}). {HOW_TO_FIX}"
    )


def test_every_module_that_translates_is_extracted() -> None:
    assert unmapped_modules() == [], "add these modules to babel.cfg"


@pytest.mark.parametrize("code", CODES)
def test_catalogue_is_complete_and_has_no_fuzzy_entries(code: str) -> None:
    found = status(code, template())
    assert found.exists, f"no catalogue for {code}: python -m bot.i18n_tools init {code}"
    assert not found.missing, (
        f"{code}: {len(found.missing)} of {found.total} strings are not translated, e.g. "
        f"{found.missing[:3]}. {HOW_TO_FIX}"
    )
    assert not found.fuzzy, f"{code}: fuzzy entries {found.fuzzy[:3]}. {HOW_TO_FIX}"


def test_the_gate_passes() -> None:
    problems = check()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("code", CODES)
def test_plural_rule_and_every_plural_form_present(code: str) -> None:
    catalog = catalogue(code)
    assert catalog.plural_forms == BY_CODE[code].plural_forms
    for message in catalog:
        if message.id and message.pluralizable:
            assert len(message.string) == catalog.num_plurals, message.id
            assert all(message.string), f"{code}: a plural form is empty for {message.id[0]!r}"


@pytest.mark.parametrize("code", CODES)
def test_placeholders_are_the_same_as_in_the_source(code: str) -> None:
    for message, forms in translated(code):
        wanted = {name for text in source_texts(message) for name in PLACEHOLDER.findall(text)}
        for index, form in enumerate(forms):
            names = set(PLACEHOLDER.findall(form))
            # {n} may be left out where a form stands for one number only (Arabic 0, 1, 2),
            # and in the first form where the English singular leaves it out too.
            singular_drops = index == 0 and "{n}" not in source_texts(message)[0]
            may_drop = (
                {"n"}
                if message.pluralizable and (index in single_number_forms(code) or singular_drops)
                else set()
            )
            assert names <= wanted and wanted - names <= may_drop, (
                f"{code}: placeholders {sorted(names)} in {form!r}, source has {sorted(wanted)}"
            )
            form.format(**dict.fromkeys(names, "x"))  # no stray braces


@pytest.mark.parametrize("code", CODES)
def test_telegram_markup_is_valid_and_the_same_as_in_the_source(code: str) -> None:
    for message, forms in translated(code):
        wanted = Counter(TAG.findall(source_texts(message)[0]))
        for form in forms:
            assert Counter(TAG.findall(form)) == wanted, f"{code}: tags differ in {form!r}"
            try:
                parse_html(PLACEHOLDER.sub("x", form))
            except EntityParseError as error:
                pytest.fail(f"{code}: {form!r} is not valid Telegram HTML: {error}")


def _sentences(text: str) -> list[str]:
    plain = TAG.sub("", PLACEHOLDER.sub("X", text))
    parts = re.split(r"(?<=[.!?:;])\s+|\n+", plain)
    return [part for part in parts if part.strip()]


def _words(sentence: str) -> list[str]:
    return [word for word in sentence.split() if re.search(r"\w", word)]


def test_dutch_sentences_have_at_most_20_words() -> None:
    long = [
        sentence
        for _message, forms in translated("nl")
        for form in forms
        for sentence in _sentences(form)
        if len(_words(sentence)) > 20
    ]
    assert not long, f"Dutch (B1) sentences of more than 20 words: {long}"


def test_the_sentence_splitter_counts_words_as_a_reader_would() -> None:
    text = "<b>Uw plan</b> (PIP): {date}. Dit is zin twee!\nEn drie"
    assert [len(_words(s)) for s in _sentences(text)] == [3, 1, 4, 2]


@pytest.mark.parametrize("code", ["nl", "ar", "fa"])
def test_compiled_headers_say_how_far_the_review_got(code: str) -> None:
    assert catalogue(code).mime_headers  # parsed
    mo = Project().po_path(code).with_suffix(".mo").read_bytes()
    assert re.search(rb"X-Review-Status: (machine-draft|fluent-reader|native-speaker)\n", mo)
    assert re.search(rb"X-Review-Counts: machine-draft=\d+", mo)


@pytest.mark.parametrize(
    "code", [language.code for language in LANGUAGES if language.digits != "latn"]
)
def test_translations_write_numbers_in_the_languages_digits(code: str) -> None:
    """Latin digits only inside Latin words (B1, a command example), never on their own."""
    stray = []
    for _message, forms in translated(code):
        for form in forms:
            text = TAG.sub("", PLACEHOLDER.sub("", form))
            for piece in re.split(r"(/\w+|https?://\S+)", text)[::2]:
                outside = LATIN_RUN.sub("", piece)
                if re.search(r"[0-9]", outside):
                    stray.append(form)
    assert not stray, f"{code}: Latin digits in {stray[:3]}"
