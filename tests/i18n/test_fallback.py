"""Dari falls back to Persian, never to English; an unknown locale gets the source texts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

import bot.i18n
from bot.bidi import strip_isolates
from bot.i18n import DOMAIN, PLURAL_ZERO_ONE, reset_cache, translator
from bot.i18n_tools import Project, read_catalog


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
    monkeypatch.setattr(bot.i18n, "LOCALES_DIR", tmp_path)
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


def test_in_the_shipped_catalogues_dari_never_shows_english_where_persian_has_a_text() -> None:
    persian = read_catalog(Project().po_path("fa"), locale="fa")
    dari = translator("fa_AF")
    for message in persian:
        if not message.id or message.pluralizable or not message.string:
            continue
        if "{" in message.id:
            continue  # checked with values elsewhere
        shown = dari(message.id)
        assert shown != message.id or message.id == message.string, message.id
