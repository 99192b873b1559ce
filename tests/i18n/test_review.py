"""Review status: one `# review:` comment per entry, the compiled header, the picker, the note."""

from __future__ import annotations

import gettext
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Message
from babel.messages.mofile import write_mo

import texts.i18n
from bot import keyboards
from bot.i18n_tools import (
    HeaderCatalog,
    Project,
    catalogue_status,
    compile_catalogs,
    entry_status,
    init,
    read_catalog,
    render_po,
    report,
    review_comments,
    review_counts,
    set_status,
    update,
)
from tests.i18n.awaiting import AWAITING_REVIEW_STATUS, cases
from texts.i18n import (
    LANGUAGES,
    REVIEW_STATUS_HEADER,
    available_locales,
    is_reviewed,
    reset_cache,
    review_note,
    review_status,
    translator,
    unreviewed_locales,
)

CODES = [language.code for language in LANGUAGES]


@pytest.fixture
def locales(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setattr(texts.i18n, "LOCALES_DIR", tmp_path)
    reset_cache()
    yield tmp_path
    reset_cache()


def _catalogue(root: Path, code: str, review: str | None) -> None:
    catalog = HeaderCatalog(locale=code, fuzzy=False)
    if review is not None:
        catalog.extra_headers[REVIEW_STATUS_HEADER] = review
    catalog.add("Help", "Hulp")
    folder = root / code / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "messages.mo").open("wb") as handle:
        write_mo(handle, catalog)


def test_the_review_header_reaches_the_compiled_catalogue(locales: Path) -> None:
    _catalogue(locales, "so", "native-speaker")
    _catalogue(locales, "ti", "fluent-reader")
    _catalogue(locales, "om", None)
    _catalogue(locales, "am", "reviewed by someone")  # not a status: claims nothing
    assert review_status("so") == "native-speaker"
    assert is_reviewed("so")
    assert review_status("ti") == "fluent-reader" and not is_reviewed("ti")
    assert review_status("om") == review_status("am") == "machine-draft"
    assert unreviewed_locales() == {"ti", "om", "am", "nl"}


def test_review_note_only_for_unreviewed_languages(locales: Path) -> None:
    _catalogue(locales, "so", "native-speaker")
    _catalogue(locales, "ti", "machine-draft")
    assert review_note(translator("so")) == ""
    assert "not yet checked by a native speaker" in review_note(translator("ti"))
    assert "ask your caseworker" in review_note(translator("ti"), "ti")


def test_shipped_catalogues_state_their_review() -> None:
    assert set(available_locales()) == set(CODES)
    for code in CODES:
        # nobody has checked a whole catalogue yet: no language may claim it
        assert review_status(code) == "machine-draft"
    assert is_reviewed("en")  # the source language is not a translation: no note
    assert unreviewed_locales() == set(CODES) - {"en"}


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


# -- the status comment on every entry ------------------------------------------------------------


@pytest.mark.parametrize(
    "code", cases(CODES, AWAITING_REVIEW_STATUS, "a review status on every entry")
)
def test_every_entry_has_exactly_one_valid_review_status(code: str) -> None:
    catalog = read_catalog(Project().po_path(code), locale=code)
    wrong = [
        (message.id, review_comments(message))
        for message in catalog
        if message.id and entry_status(message) is None
    ]
    assert not wrong, (
        f"{code}: {len(wrong)} entries without exactly one `# review: machine-draft|"
        f"fluent-reader|native-speaker` line, e.g. {wrong[:3]}"
    )


def _project(tmp_path: Path) -> Project:
    (tmp_path / "locales").mkdir()
    languages = tuple(lang for lang in LANGUAGES if lang.code in ("nl", "en"))
    project = Project(root=tmp_path, sources=(), languages=languages)
    template = HeaderCatalog(fuzzy=False)
    template.add("Help")
    template.add("Tasks")
    project.template_path.write_text(render_po(template), encoding="utf-8")
    return project


def test_update_keeps_the_status_and_marks_new_entries_as_machine_draft(tmp_path: Path) -> None:
    project = _project(tmp_path)
    init("nl", project, quiet=True)
    catalog = read_catalog(project.po_path("nl"), locale="nl")
    assert review_counts(catalog) == {
        "machine-draft": 2,
        "fluent-reader": 0,
        "native-speaker": 0,
        "none": 0,
    }
    help_entry = catalog.get("Help")
    assert help_entry is not None
    help_entry.string = "Hulp"
    help_entry.user_comments.append("Translators: a reviewer's own note stays too")
    set_status(help_entry, "native-speaker")
    project.po_path("nl").write_text(render_po(catalog), encoding="utf-8")
    template = read_catalog(project.template_path)
    template.add("Settings")
    project.template_path.write_text(render_po(template), encoding="utf-8")

    update(project, quiet=True)

    text = project.po_path("nl").read_text(encoding="utf-8")
    assert "# Translators: a reviewer's own note stays too\n" in text
    updated = read_catalog(project.po_path("nl"), locale="nl")
    assert entry_status(updated.get("Help")) == "native-speaker"  # type: ignore[arg-type]
    assert entry_status(updated.get("Settings")) == "machine-draft"  # type: ignore[arg-type]
    assert catalogue_status(updated) == "machine-draft"
    assert text.count("# review: ") == 3


def test_compile_writes_the_lowest_status_and_the_counts(tmp_path: Path) -> None:
    project = _project(tmp_path)
    init("nl", project, quiet=True)
    catalog = read_catalog(project.po_path("nl"), locale="nl")
    for message in catalog:
        if message.id:
            message.string = "x"
            set_status(message, "native-speaker")
    project.po_path("nl").write_text(render_po(catalog), encoding="utf-8")
    compile_catalogs(project, quiet=True, force=True)
    with project.po_path("nl").with_suffix(".mo").open("rb") as handle:
        info = gettext.GNUTranslations(handle).info()
    assert info["x-review-status"] == "native-speaker"
    assert "native-speaker=2" in info["x-review-counts"]
    assert "x-native-review" not in info


@pytest.mark.parametrize(
    "comments",
    [[], ["review: machine-draft", "review: native-speaker"], ["review: proofread"]],
)
def test_a_missing_double_or_unknown_status_is_no_status(comments: list[str]) -> None:
    message = Message("Help", "Hulp", user_comments=comments)
    assert entry_status(message) is None
    with pytest.raises(ValueError, match="unknown review status"):
        set_status(message, "proofread")


def test_the_report_counts_entries_per_status() -> None:
    table = report()
    header, _rule, *rows = table.splitlines()
    assert "machine-draft" in header and "native-speaker" in header and "no status" in header
    nl = next(row for row in rows if row.startswith("nl "))
    assert f" {len(read_catalog(Project().po_path('nl')))} " in f" {nl} "
