"""A language declared with a fallback borrows from it, never from English; unknown codes get
the source texts. No shipped language declares one now (Dari is its own language, no longer
Persian with a few words swapped); the mechanism stays for a future regional variant, and is
tested here with a declared one."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

import texts.i18n
from texts.bidi import strip_isolates
from texts.i18n import BY_CODE, DOMAIN, PLURAL_ZERO_ONE, reset_cache, translator


def _write(
    root: Path, code: str, entries: dict[str | tuple[str, str], str | tuple[str, ...]]
) -> None:
    catalog = Catalog(locale=code, fuzzy=False)
    catalog.mime_headers = [("Plural-Forms", PLURAL_ZERO_ONE)]
    for key, value in entries.items():
        catalog.add(key, value)
    folder = root / code / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / f"{DOMAIN}.mo").open("wb") as handle:
        write_mo(handle, catalog)


@pytest.fixture
def locales(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setattr(texts.i18n, "LOCALES_DIR", tmp_path)
    variant = dataclasses.replace(BY_CODE["fa_AF"], fallback="fa")
    monkeypatch.setitem(texts.i18n.BY_CODE, "fa_AF", variant)
    reset_cache()
    yield tmp_path
    reset_cache()


def test_a_string_missing_in_dari_comes_in_persian(locales: Path) -> None:
    _write(locales, "fa", {"Help": "راهنما", "Your plan": "برنامه شما"})
    _write(locales, "fa_AF", {"Help": "کمک"})
    dari = translator("fa_AF")
    assert dari("Help") == "کمک"
    assert dari("Your plan") == "برنامه شما"


def test_a_plural_missing_in_dari_comes_in_persian(locales: Path) -> None:
    _write(locales, "fa", {("{n} day", "{n} days"): ("{n} روز", "{n} روز")})
    _write(locales, "fa_AF", {"Help": "کمک"})
    assert translator("fa_AF").ngettext("{n} day", "{n} days", 3) == "۳ روز"


def test_dari_without_its_own_catalogue_reads_persian(locales: Path) -> None:
    _write(locales, "fa", {"Help": "راهنما"})
    assert translator("fa_AF")("Help") == "راهنما"


def test_other_languages_do_not_borrow_from_persian(locales: Path) -> None:
    _write(locales, "fa", {"Help": "راهنما"})
    _write(locales, "ps", {"Your plan": "ستاسو پلان"})
    assert strip_isolates(translator("ps")("Help")) == "Help"


def test_unknown_locale_reads_the_source_texts(locales: Path) -> None:
    assert translator("xx")("Help") == "Help"


def test_no_shipped_language_declares_a_fallback_so_none_hides_behind_another() -> None:
    # A fallback also exempts a language from the similarity guard (test_similarity.py).
    assert {code: lang.fallback for code, lang in BY_CODE.items() if lang.fallback} == {}
