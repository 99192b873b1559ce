"""The similarity guard: no catalogue is a copy of another with a few words swapped.

A catalogue in which more than 30% of the entries read exactly as in another language's catalogue
(English, the source, included: that means untranslated text) fails, unless `texts/i18n.py`
declares the other as its fallback (a regional variant that overrides only some texts).
"""

from __future__ import annotations

import dataclasses
from functools import cache

import pytest

import texts.i18n
from bot.i18n_tools import Project, read_catalog
from tests.i18n.awaiting import AWAITING_DARI, cases
from texts.i18n import BY_CODE, LANGUAGES

CODES = [language.code for language in LANGUAGES]
LIMIT = 0.30


@cache
def catalogue_texts(code: str) -> dict[tuple[str, str | None], tuple[str, ...]]:
    """(msgid, msgctxt) -> the translated forms of every translated entry."""
    found = {}
    for message in read_catalog(Project().po_path(code), locale=code):
        if not message.id:
            continue
        ident = message.id[0] if message.pluralizable else message.id
        forms = tuple(message.string) if message.pluralizable else (message.string,)
        if all(forms):
            found[(ident, message.context)] = forms
    return found


def shared(code: str, other: str) -> float:
    """The share of `code`'s entries that read exactly as in `other`."""
    mine, theirs = catalogue_texts(code), catalogue_texts(other)
    if not mine:
        return 0.0
    same = sum(1 for key, forms in mine.items() if theirs.get(key) == forms)
    return same / len(mine)


def exempt(code: str, other: str) -> bool:
    return BY_CODE[code].fallback == other or BY_CODE[other].fallback == code


def too_similar(code: str) -> dict[str, float]:
    return {
        other: round(shared(code, other), 3)
        for other in CODES
        if other != code and not exempt(code, other) and shared(code, other) > LIMIT
    }


@pytest.mark.parametrize("code", cases(CODES, AWAITING_DARI, "the Dari rewrite"))
def test_no_catalogue_is_more_than_30_percent_the_same_as_another(code: str) -> None:
    found = too_similar(code)
    assert not found, (
        f"{code} shares more than {LIMIT:.0%} of its entries word for word with {found}: "
        "translate it as a language of its own, or declare the other as its fallback in "
        "texts/i18n.py LANGUAGES if it is a regional variant"
    )


def test_the_guard_counts_identical_entries_and_honours_a_declared_fallback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert shared("nl", "nl") == 1.0
    assert 0 < shared("fa_AF", "fa") <= 1
    monkeypatch.setitem(texts.i18n.BY_CODE, "so", dataclasses.replace(BY_CODE["so"], fallback="om"))
    assert exempt("so", "om") and exempt("om", "so") and not exempt("so", "am")
