"""Review by a native speaker: the catalogue header, the picker's mark, the plain-words note."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo

import bot.i18n
from bot import keyboards
from bot.i18n import (
    LANGUAGES,
    REVIEW_HEADER,
    available_locales,
    is_reviewed,
    reset_cache,
    review_note,
    review_status,
    translator,
    unreviewed_locales,
)
from bot.i18n_tools import HeaderCatalog

CODES = [language.code for language in LANGUAGES]


@pytest.fixture
def locales(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setattr(bot.i18n, "LOCALES_DIR", tmp_path)
    reset_cache()
    yield tmp_path
    reset_cache()


def _catalogue(root: Path, code: str, review: str | None) -> None:
    catalog = HeaderCatalog(locale=code, fuzzy=False)
    if review is not None:
        catalog.extra_headers[REVIEW_HEADER] = review
    catalog.add("Help", "Hulp")
    folder = root / code / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "messages.mo").open("wb") as handle:
        write_mo(handle, catalog)


def test_the_review_header_reaches_the_compiled_catalogue(locales: Path) -> None:
    _catalogue(locales, "so", "reviewed by Hodan Ali, 2026-11-20")
    _catalogue(locales, "ti", "not reviewed")
    _catalogue(locales, "om", None)
    assert review_status("so") == "reviewed by Hodan Ali, 2026-11-20"
    assert is_reviewed("so")
    assert review_status("ti") == review_status("om") == "not reviewed"
    assert unreviewed_locales() == {"ti", "om", "nl"}


def test_review_note_only_for_unreviewed_languages(locales: Path) -> None:
    _catalogue(locales, "so", "reviewed by Hodan Ali, 2026-11-20")
    _catalogue(locales, "ti", "not reviewed")
    assert review_note(translator("so")) == ""
    assert "not yet checked by a native speaker" in review_note(translator("ti"))
    assert "ask your caseworker" in review_note(translator("ti"), "ti")


def test_shipped_catalogues_state_their_review() -> None:
    assert set(available_locales()) == set(CODES)
    for code in CODES:
        assert review_status(code)  # every header says something
    assert is_reviewed("en")  # the source language needs no translation review


@pytest.mark.parametrize("code", [c for c in CODES if c != "en"])
def test_the_note_is_in_the_readers_language(code: str) -> None:
    if is_reviewed(code):
        assert review_note(translator(code)) == ""
    else:
        note = review_note(translator(code))
        assert note and note != review_note(translator("en"), "ar")


def test_the_picker_marks_unreviewed_languages_and_names_each_in_its_own_script() -> None:
    markup = keyboards.languages(CODES, current="ar", unreviewed=unreviewed_locales())
    labels = [button.text for row in markup.inline_keyboard for button in row]
    assert "English" in labels
    assert "✓ العربية *" in labels
    assert "ትግርኛ *" in labels
    assert "دری *" in labels
    assert len(labels) == len(CODES)
