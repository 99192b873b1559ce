"""The review sheet: `make i18n-sheet LANG=xx` writes it, `make i18n-sheet-import FILE=...` applies
it, and a broken sheet is refused with a clear message and changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from bot.i18n_tools import (
    SHEET_COLUMNS,
    HeaderCatalog,
    Project,
    SheetError,
    apply_sheet,
    entry_status,
    main,
    read_catalog,
    read_sheet,
    render_po,
    set_status,
    write_sheet,
)
from texts.i18n import LANGUAGES

TERMS = (
    "term,source_pattern,translation,accept_pattern,note\n"
    "caseworker,caseworker,conseiller,conseill,Not assistant social.\n"
)


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """French and Dutch catalogues of three entries, one of them a plural."""
    languages = tuple(lang for lang in LANGUAGES if lang.code in ("nl", "fr", "ar"))
    project = Project(root=tmp_path, sources=(), languages=languages)
    entries = {
        "nl": [
            ("Ask your caseworker.", "Vraag het uw klantregisseur."),
            ("Hello {name}!", "Hallo {name}!"),
            (("{n} day", "{n} days"), ("{n} dag", "{n} dagen")),
        ],
        "fr": [
            ("Ask your caseworker.", "Demandez à votre conseiller."),
            ("Hello {name}!", "Bonjour {name} !"),
            (("{n} day", "{n} days"), ("{n} jour", "{n} jours")),
        ],
    }
    for code, rows in entries.items():
        catalog = HeaderCatalog(locale=code, fuzzy=False)
        catalog._set_mime_headers([("Plural-Forms", project.language(code).plural_forms)])
        for source, text in rows:
            catalog.add(source, text)
        for message in catalog:
            if message.id:
                set_status(message, "machine-draft")
        project.po_path(code).parent.mkdir(parents=True)
        project.po_path(code).write_text(render_po(catalog), encoding="utf-8")
    (project.locales_dir / "fr" / "terms.csv").write_text(TERMS, encoding="utf-8")
    return project


def _exported(project: Project, tmp_path: Path) -> tuple[Path, list[dict[str, str]]]:
    path = tmp_path / "review-fr.xlsx"
    write_sheet("fr", path, project)
    return path, read_sheet(path)[1]


def _save(path: Path, header: list[str], rows: list[list[str]], title: str = "fr") -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_the_sheet_has_source_dutch_translation_terms_status_and_corrections(
    project: Project, tmp_path: Path
) -> None:
    path, rows = _exported(project, tmp_path)
    sheet = load_workbook(path).active
    assert sheet.title == "fr"
    assert [cell.value for cell in sheet[1]] == list(SHEET_COLUMNS)
    first = rows[0]
    assert first["source"] == "Ask your caseworker."
    assert first["Dutch"] == "Vraag het uw klantregisseur."
    assert first["translation"] == "Demandez à votre conseiller."
    assert first["term notes"] == "caseworker: conseiller (Not assistant social.)"
    assert first["status"] == "machine-draft" and first["corrections"] == ""
    plural = [row for row in rows if row["form"]]
    assert [row["translation"] for row in plural] == ["{n} jour", "{n} jours"]
    assert plural[0]["form"].startswith("form 1 of 2: n = 0, 1")
    assert [row["Dutch"] for row in plural] == ["{n} dag", "{n} dagen"]  # n = 0, 1 | n = 2 ...


def test_a_reviewed_sheet_replaces_translations_and_sets_statuses(
    project: Project, tmp_path: Path
) -> None:
    path, _rows = _exported(project, tmp_path)
    book = load_workbook(path)
    sheet = book.active
    status, corrections = SHEET_COLUMNS.index("status") + 1, SHEET_COLUMNS.index("corrections") + 1
    sheet.cell(row=3, column=corrections).value = "Bonjour, {name} !"
    sheet.cell(row=3, column=status).value = "fluent-reader"
    sheet.cell(row=5, column=corrections).value = "{n} journées"
    sheet.cell(row=4, column=status).value = "native-speaker"
    sheet.cell(row=5, column=status).value = "fluent-reader"  # a plural entry: the lowest counts
    sheet.cell(row=2, column=status).value = "native-speaker"  # checked, nothing to change
    book.save(path)
    code, reviewed = read_sheet(path)
    assert apply_sheet(code, reviewed, project) == 3
    catalog = read_catalog(project.po_path("fr"), locale="fr")
    hello = catalog.get("Hello {name}!")
    assert hello is not None and hello.string == "Bonjour, {name} !"
    assert entry_status(hello) == "fluent-reader"
    days = catalog.get(("{n} day", "{n} days"))
    assert days is not None and days.string == ("{n} jour", "{n} journées")
    assert entry_status(days) == "fluent-reader"
    ask = catalog.get("Ask your caseworker.")
    assert ask is not None and entry_status(ask) == "native-speaker"
    assert ask.string == "Demandez à votre conseiller."
    assert apply_sheet(code, reviewed, project) == 0  # applying it twice changes nothing more


def _refused(project: Project, rows: list[dict[str, str]], message: str) -> None:
    before = project.po_path("fr").read_text(encoding="utf-8")
    with pytest.raises(SheetError, match=message):
        apply_sheet("fr", rows, project)
    assert project.po_path("fr").read_text(encoding="utf-8") == before  # nothing written


def test_an_unknown_source_is_refused(project: Project, tmp_path: Path) -> None:
    _path, rows = _exported(project, tmp_path)
    rows[0] |= {"key": "", "source": "A text the bot does not have", "corrections": "x"}
    _refused(project, rows, r"row 2: unknown source text 'A text the bot does not have'")


@pytest.mark.parametrize("correction", ["Bonjour {nom} !", "Bonjour !", "Bonjour {name !"])
def test_broken_placeholders_are_refused(project: Project, tmp_path: Path, correction: str) -> None:
    _path, rows = _exported(project, tmp_path)
    rows[1]["corrections"] = correction
    rows[0]["corrections"] = "Demandez-le à votre conseiller."  # a good row is not applied either
    _refused(project, rows, r"row 3: the correction's placeholders")


def test_a_bad_status_is_refused(project: Project, tmp_path: Path) -> None:
    _path, rows = _exported(project, tmp_path)
    rows[0]["status"] = "checked by my cousin"
    _refused(project, rows, r"row 2: status 'checked by my cousin' is not one of machine-draft")


def test_an_edited_translation_cell_is_refused(project: Project, tmp_path: Path) -> None:
    _path, rows = _exported(project, tmp_path)
    rows[0]["translation"] = "Demandez-le à votre conseiller."
    _refused(project, rows, r"write changes in 'corrections'")


def test_a_plural_row_without_its_form_is_refused(project: Project, tmp_path: Path) -> None:
    _path, rows = _exported(project, tmp_path)
    plural = next(row for row in rows if row["form"])
    plural["form"] = ""
    _refused(project, rows, r"needs its 'form' cell")


def test_missing_columns_are_named(tmp_path: Path) -> None:
    path = _save(tmp_path / "s.xlsx", ["source", "translation", "status"], [["a", "b", "c"]])
    with pytest.raises(SheetError, match=r"lacks the column.s. Dutch, term notes, corrections"):
        read_sheet(path)


def test_a_file_that_is_no_spreadsheet_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "review.xlsx"
    path.write_text("source,translation\n", encoding="utf-8")
    with pytest.raises(SheetError, match=r"not a readable \.xlsx file"):
        read_sheet(path)


def test_the_command_line_says_what_is_wrong(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sheet", "C.UTF-8", "--out", str(tmp_path / "x.xlsx")]) == 2
    assert "LANG='C.UTF-8' is not a translated language" in capsys.readouterr().err
    assert main(["sheet-import", str(tmp_path / "nothing.xlsx")]) == 2
    assert "does not exist" in capsys.readouterr().err
    wrong_tab = _save(tmp_path / "t.xlsx", list(SHEET_COLUMNS), [], title="Sheet1")
    assert main(["sheet-import", str(wrong_tab)]) == 2
    assert "the sheet's tab names the language" in capsys.readouterr().err
    assert main(["sheet", "fr", "--out", str(tmp_path / "fr.xlsx")]) == 0
    code, rows = read_sheet(tmp_path / "fr.xlsx")
    assert code == "fr" and len(rows) > 300
