"""Plural forms: the GNU order for Arabic's six forms, and CLDR's categories for every language."""

from __future__ import annotations

import gettext
import re
from collections.abc import Callable

import pytest
from babel import Locale

from bot.i18n_tools import Project, read_catalog
from texts.bidi import strip_isolates
from texts.i18n import (
    LANGUAGES,
    PLURAL_ARABIC,
    Language,
    digits_of,
    to_digits,
    translator,
)

ARABIC_CASES = {0: 0, 1: 1, 2: 2, 3: 3, 11: 4, 100: 5, 101: 5, 102: 5, 99: 4, 10: 3, 111: 4}


def rule(plural_forms: str) -> Callable[[int], int]:
    return gettext.c2py(plural_forms.split("plural=")[1].rstrip(";"))


def test_arabic_forms_follow_cldr_order_zero_one_two_few_many_other() -> None:
    arabic = rule(PLURAL_ARABIC)
    assert {n: arabic(n) for n in ARABIC_CASES} == ARABIC_CASES


def test_the_arabic_catalogue_carries_our_rule_whatever_babel_ships() -> None:
    # Babel's own table for Arabic has changed between releases (older ones swapped forms 4 and
    # 5); the catalogue must carry our rule, so that no Babel upgrade can reorder the forms.
    catalog = read_catalog(Project().po_path("ar"), locale="ar")
    header = dict(catalog.mime_headers)["Plural-Forms"]
    assert header.replace(" ", "") == PLURAL_ARABIC.replace(" ", "")
    assert {n: rule(header)(n) for n in ARABIC_CASES} == ARABIC_CASES


def test_compiled_arabic_catalogue_uses_our_header() -> None:
    plural = translator("ar")._translations.plural  # type: ignore[attr-defined]
    assert {n: plural(n) for n in ARABIC_CASES} == ARABIC_CASES


@pytest.mark.parametrize("n", [0, 1, 2, 3, 11, 100, 101])
def test_arabic_ngettext_picks_the_form_for_n(n: int) -> None:
    catalog = read_catalog(Project().po_path("ar"), locale="ar")
    plurals = [m for m in catalog if m.id and m.pluralizable and all(m.string)]
    assert plurals, "the Arabic catalogue has no translated plural message yet"
    t = translator("ar")
    for message in plurals:
        singular, plural = message.id[0], message.id[1]
        expected = message.string[ARABIC_CASES[n]]
        names = {"n": n}
        got = t.ngettext(singular, plural, n, **_dummy(singular, plural))
        wanted = expected.format(**{**_dummy(singular, plural), **names})
        assert _plain(got) == _plain(to_digits(wanted, digits_of("ar"))), message.id


def _dummy(*texts: str) -> dict[str, str]:
    names = {name for text in texts for name in re.findall(r"\{(\w+)\}", text)} - {"n"}
    return dict.fromkeys(names, "X")


def _plain(text: str) -> str:
    return strip_isolates(text)


def _category_partition(code: str) -> list[frozenset[int]]:
    locale = Locale.parse(code)
    groups: dict[str, set[int]] = {}
    for n in range(0, 1001):
        groups.setdefault(locale.plural_form(n), set()).add(n)
    return sorted(frozenset(g) for g in groups.values())


@pytest.mark.parametrize("language", LANGUAGES, ids=lambda language: language.code)
def test_plural_rule_groups_numbers_as_cldr_does(language: Language) -> None:
    ours = rule(language.plural_forms)
    groups: dict[int, set[int]] = {}
    for n in range(0, 1001):
        groups.setdefault(ours(n), set()).add(n)
    assert sorted(frozenset(g) for g in groups.values()) == _category_partition(language.code)
