"""Choosing a locale: stored preference, Telegram's language_code, the organisation's default."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

import texts.i18n
from texts.i18n import BY_CODE, LANGUAGES
from texts.locales import choose_locale, map_language_code

ALL = tuple(language.code for language in LANGUAGES)


@pytest.mark.parametrize(
    ("telegram", "expected"),
    [
        ("nl", "nl"),
        ("nl-BE", "nl"),
        ("en", "en"),
        ("en-GB", "en"),
        ("ar", "ar"),
        ("ar-SY", "ar"),
        ("ar_IQ", "ar"),
        ("fa", "fa"),
        ("fa-IR", "fa"),
        ("fa-AF", "fa_AF"),
        ("fa_af", "fa_AF"),
        ("prs", "fa_AF"),
        ("prs-AF", "fa_AF"),
        ("ps", "ps"),
        ("ps-AF", "ps"),
        ("pbu", "ps"),
        ("ku", "ku"),
        ("kmr", "ku"),
        ("ku-Latn", "ku"),
        ("ku-TR", "ku"),
        ("ckb", "ckb"),
        ("ckb-IQ", "ckb"),
        ("ku-Arab", "ckb"),
        ("ku-Arab-IQ", "ckb"),
        ("ti", "ti"),
        ("ti-ER", "ti"),
        ("tir", "ti"),
        ("tr", "tr"),
        ("so", "so"),
        ("so-SO", "so"),
        ("am", "am"),
        ("om", "om"),
        ("fr", "fr"),
        ("fr-BE", "fr"),
        (" AR ", "ar"),
    ],
)
def test_telegram_language_codes_map_to_shipped_locales(telegram: str, expected: str) -> None:
    assert map_language_code(telegram, ALL) == expected


@pytest.mark.parametrize("telegram", [None, "", "  ", "pt-br", "zh-hans", "xx", "de", "-", "a-b-c"])
def test_languages_we_do_not_ship_map_to_nothing(telegram: str | None) -> None:
    assert map_language_code(telegram, ALL) is None


def test_a_declared_fallback_is_followed_when_the_language_is_not_shipped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Dari is a language of its own (no fallback): a Dari reader does not get Persian unasked.
    assert map_language_code("prs", ("nl", "fa")) is None
    variant = dataclasses.replace(texts.i18n.BY_CODE["fa_AF"], fallback="fa")
    monkeypatch.setitem(texts.i18n.BY_CODE, "fa_AF", variant)
    assert map_language_code("prs", ("nl", "fa")) == "fa"
    assert map_language_code("fa-AF", ("nl", "fa")) == "fa"


def test_only_shipped_locales_are_chosen() -> None:
    assert map_language_code("ar", ("nl", "en")) is None
    assert map_language_code("ckb", ("nl", "ku")) is None  # Sorani is not Kurmanji


def test_stored_preference_wins() -> None:
    chosen = choose_locale(stored="ti", telegram_code="ar", default="nl", shipped=ALL)
    assert chosen == "ti"


def test_telegram_language_when_nothing_is_stored() -> None:
    chosen = choose_locale(stored=None, telegram_code="fa-AF", default="nl", shipped=ALL)
    assert chosen == "fa_AF"


def test_a_stored_locale_that_is_no_longer_shipped_is_ignored() -> None:
    chosen = choose_locale(stored="so", telegram_code="fr", default="nl", shipped=("nl", "fr"))
    assert chosen == "fr"


def test_organisation_default_then_instance_default_then_dutch() -> None:
    def choose(default: str, organisation: str | None = None) -> str:
        return choose_locale(
            stored=None,
            telegram_code="pt-br",
            default=default,
            shipped=ALL,
            organisation_default=organisation,
        )

    assert choose("nl", "en") == "en"
    assert choose("fr") == "fr"
    assert choose("de", "xx") == "nl"


def test_every_language_is_named_in_its_own_script() -> None:
    scripts = {
        "ar": "\u0600",
        "fa": "\u0600",
        "fa_AF": "\u0600",
        "ps": "\u0600",
        "ckb": "\u0600",
        "ti": "\u1200",
        "am": "\u1200",
    }
    for language in LANGUAGES:
        block = scripts.get(language.code)
        if block is None:
            assert language.native_name.isascii() or language.code in ("tr", "ku", "fr")
        else:
            start = ord(block)
            assert all(
                start <= ord(c) < start + 0x200 or not c.isalpha() for c in language.native_name
            )
        assert language.native_name != language.english_name or language.code == "en"


@given(st.text(max_size=20))
def test_any_language_code_maps_to_a_shipped_locale_or_nothing(code: str) -> None:
    found = map_language_code(code, ALL)
    assert found is None or found in BY_CODE
