"""`python -m bot.i18n_tools` on a small project: extract, init, update, compile, check, report."""

from __future__ import annotations

import gettext
from pathlib import Path

import pytest

from bot.i18n_tools import (
    HOW_TO_FIX,
    Project,
    check,
    compile_catalogs,
    entry_status,
    export,
    extract,
    import_sheet,
    init,
    main,
    read_catalog,
    report,
    update,
)
from texts.i18n import PLURAL_ARABIC, Language

CODE = """
def texts(t):
    # Translators: the first thing a client reads.
    t("Hello {name}", name="x")
    t.ngettext("{n} day", "{n} days", 3)
    t.pgettext("menu", "Open")
"""
LANGUAGES = (
    Language("nl", "Nederlands", "Dutch"),
    Language("ar", "العربية", "Arabic", rtl=True, plural_forms=PLURAL_ARABIC),
)


@pytest.fixture
def project(tmp_path: Path) -> Project:
    (tmp_path / "bot").mkdir()
    (tmp_path / "bot" / "texts.py").write_text(CODE, encoding="utf-8")
    (tmp_path / "bot" / "other.py").write_text("N_('Not in a call')\n", encoding="utf-8")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_x.py").write_text("t('Not for clients')\n", encoding="utf-8")
    (tmp_path / "babel.cfg").write_text("[python: bot/**.py]\n", encoding="utf-8")
    return Project(root=tmp_path, sources=("bot", "scheduler"), languages=LANGUAGES)


SHEETS = {
    "nl": {
        "Hello {name}": ["Hallo {name}"],
        "{n} day | {n} days": ["{n} dag", "{n} dagen"],
        "Open": ["Openen"],
        "Not in a call": ["Niet in een aanroep"],
    },
    "ar": {
        "Hello {name}": ["مرحبا {name}"],
        "{n} day | {n} days": ["لا أيام", "يوم واحد", "يومان", "{n} أيام", "{n} يومًا", "{n} يوم"],
        "Open": ["فتح"],
        "Not in a call": ["ليس في نداء"],
    },
}


def sheet(code: str, project: Project, sources: set[str] | None = None) -> list[str]:
    """The export of a catalogue filled in from SHEETS (only `sources` when given)."""
    filled = []
    for row in export(code, project).splitlines():
        key, source, _translation = row.split("\t")
        if sources is not None and source not in sources:
            continue
        form = int(key.partition("#")[2] or 0)
        filled.append(f"{key}\t{source}\t{SHEETS[code][source][form]}")
    return filled


def translate_all(project: Project) -> None:
    for code in SHEETS:
        rows = sheet(code, project)
        assert import_sheet(code, rows, project) == len(rows) > 0


def test_extract_finds_the_keywords_with_translator_comments_and_no_line_numbers(
    project: Project,
) -> None:
    assert extract(project, quiet=True) is True
    template = project.template_path.read_text(encoding="utf-8")
    assert "#. Translators: the first thing a client reads." in template
    assert "#: bot/texts.py\n" in template
    assert 'msgid_plural "{n} days"' in template
    assert 'msgctxt "menu"' in template
    assert "Not in a call" in template
    assert "Not for clients" not in template
    assert extract(project, quiet=True) is False  # twice changes nothing


def test_init_marks_every_entry_as_a_machine_draft_and_writes_our_plural_rule(
    project: Project,
) -> None:
    extract(project, quiet=True)
    path = init("ar", project, quiet=True)
    text = path.read_text(encoding="utf-8")
    assert text.count("# review: machine-draft\n") == text.count("\nmsgid ") - 1
    assert "X-Native-Review" not in text
    assert read_catalog(path, locale="ar").plural_forms == PLURAL_ARABIC
    assert '#, fuzzy\nmsgid ""' not in text
    with pytest.raises(SystemExit):
        init("ar", project, quiet=True)
    with pytest.raises(SystemExit):
        init("fr", project, quiet=True)  # not in this project's LANGUAGES


def test_the_gate_fails_with_what_to_run_until_everything_is_translated(project: Project) -> None:
    extract(project, quiet=True)
    for code in ("nl", "ar"):
        init(code, project, quiet=True)
    problems = check(project)
    assert any("nl: 4 untranslated" in problem for problem in problems)
    assert problems[-1] == HOW_TO_FIX
    assert "make i18n" in HOW_TO_FIX
    translate_all(project)
    assert check(project) == []


def test_a_new_string_in_the_code_fails_the_gate(project: Project) -> None:
    extract(project, quiet=True)
    for code in ("nl", "ar"):
        init(code, project, quiet=True)
    translate_all(project)
    (project.root / "bot" / "new.py").write_text("t('Goodbye')\n", encoding="utf-8")
    assert any("out of date: 1 new" in problem for problem in check(project))
    extract(project, quiet=True)
    assert update(project, quiet=True) == ["nl", "ar"]
    problems = check(project)
    assert any("untranslated" in problem and "Goodbye" in problem for problem in problems)


def test_update_keeps_translations_and_headers_and_never_guesses(project: Project) -> None:
    extract(project, quiet=True)
    for code in ("nl", "ar"):
        init(code, project, quiet=True)
    translate_all(project)
    po = project.po_path("nl")
    po.write_text(
        po.read_text(encoding="utf-8").replace(
            '# review: machine-draft\n#: bot/texts.py\nmsgctxt "menu"',
            '# review: native-speaker\n#: bot/texts.py\nmsgctxt "menu"',
        ),
        encoding="utf-8",
    )
    source = project.root / "bot" / "texts.py"
    source.write_text(CODE.replace('"Hello {name}"', '"Hello, {name}"'), encoding="utf-8")
    extract(project, quiet=True)
    update(project, quiet=True)
    catalog = read_catalog(po, locale="nl")
    assert catalog.plural_forms == "nplurals=2; plural=(n != 1);"
    assert entry_status(catalog.get("Open", context="menu")) == "native-speaker"
    assert entry_status(catalog.get("Hello, {name}")) == "machine-draft"
    assert catalog.get("Hello, {name}").string == ""  # no fuzzy match from "Hello {name}"
    assert catalog.get("Hello {name}") is None  # and the old entry is gone
    assert catalog.get("Open", context="menu").string == "Openen"
    assert update(project, quiet=True) == []  # twice changes nothing


def test_english_is_filled_with_the_source_and_no_other_language_is(tmp_path: Path) -> None:
    (tmp_path / "bot").mkdir()
    (tmp_path / "bot" / "texts.py").write_text(CODE, encoding="utf-8")
    (tmp_path / "babel.cfg").write_text("[python: bot/**.py]\n", encoding="utf-8")
    english = Language("en", "English", "English")
    project = Project(
        root=tmp_path, sources=("bot",), languages=(LANGUAGES[0], english, LANGUAGES[1])
    )
    extract(project, quiet=True)
    for code in ("nl", "en", "ar"):
        init(code, project, quiet=True)
    (tmp_path / "bot" / "new.py").write_text("t('Goodbye')\n", encoding="utf-8")
    extract(project, quiet=True)
    update(project, quiet=True)
    assert read_catalog(project.po_path("en"), locale="en").get("Goodbye").string == "Goodbye"
    for code in ("nl", "ar"):
        catalog = read_catalog(project.po_path(code), locale=code)
        assert catalog.get("Goodbye").string == ""
        assert catalog.get("Hello {name}").string == ""


def test_compile_keeps_the_header_and_leaves_out_half_done_plurals(project: Project) -> None:
    extract(project, quiet=True)
    init("ar", project, quiet=True)
    rows = sheet("ar", project, {"Hello {name}", "{n} day | {n} days"})
    import_sheet("ar", [rows[0], rows[1]], project)  # one plural form of six
    assert compile_catalogs(project, quiet=True) == 1
    assert compile_catalogs(project, quiet=True) == 0  # up to date
    mo = project.po_path("ar").with_suffix(".mo")
    with mo.open("rb") as handle:
        translations = gettext.GNUTranslations(handle)
    assert translations.info()["x-review-status"] == "machine-draft"
    assert translations.gettext("Hello {name}") == "مرحبا {name}"
    assert translations.ngettext("{n} day", "{n} days", 0) == "{n} days"  # not half Arabic


def test_report_shows_a_row_per_language(project: Project) -> None:
    extract(project, quiet=True)
    init("nl", project, quiet=True)
    table = report(project)
    lines = table.splitlines()
    assert lines[0].split() == [
        "code",
        "language",
        "translated",
        "fuzzy",
        "missing",
        "machine-draft",
        "fluent-reader",
        "native-speaker",
        "no",
        "status",
    ]
    assert lines[2].split() == ["nl", "Dutch", "(Nederlands)", "0/4", "0", "4", "4", "0", "0", "0"]
    assert "no catalogue" in lines[3]


def test_command_line_names_the_makefile_uses() -> None:
    assert main(["compile", "--quiet"]) == 0
    with pytest.raises(SystemExit):
        main(["init", "xx"])
    with pytest.raises(SystemExit):
        main(["translate"])


def test_sheets_for_a_missing_catalogue_or_an_unknown_key_are_refused(project: Project) -> None:
    extract(project, quiet=True)
    with pytest.raises(SystemExit, match="init nl"):
        export("nl", project)
    init("nl", project, quiet=True)
    with pytest.raises(SystemExit, match="no message with key"):
        import_sheet("nl", ["deadbeef\tHallo"], project)
    assert import_sheet("nl", ["", "# a comment"], project) == 0
