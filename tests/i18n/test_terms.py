"""Term lists and words to avoid: every catalogue uses its own key terms the same way throughout.

`locales/<code>/terms.csv` (term, source_pattern, translation, accept_pattern, note): every entry
whose English source matches a term's source_pattern must match its accept_pattern in every form.
`locales/<code>/avoid.csv` (word, instead, note): no entry of that catalogue uses the word.
Formats in docs/translating.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.i18n_tools import (
    REQUIRED_TERMS,
    Project,
    SheetError,
    avoid_path,
    avoid_problems,
    read_avoid,
    read_terms,
    render_po,
    term_problems,
    terms_path,
    unused_terms,
)
from tests.i18n.awaiting import AWAITING_AVOID, AWAITING_TERMS, cases
from texts.i18n import LANGUAGES, SOURCE_LOCALE

CODES = [language.code for language in LANGUAGES]
TRANSLATED = [code for code in CODES if code != SOURCE_LOCALE]
# Languages that must have a list of words to avoid (Dari: Iranian words and the Afghan ones).
MUST_AVOID = {"fa_AF"}


@pytest.mark.parametrize("code", cases(TRANSLATED, AWAITING_TERMS, "terms.csv"))
def test_every_language_has_a_valid_term_list_with_the_key_terms(code: str) -> None:
    assert terms_path(code).exists(), f"locales/{code}/terms.csv is missing"
    terms = read_terms(code)  # SheetError names the broken line
    listed = {term.term.lower() for term in terms}
    missing = [name for name in REQUIRED_TERMS if name.lower() not in listed]
    assert not missing, f"{code}: terms.csv lacks {missing}"
    assert unused_terms(code) == [], "a source_pattern that finds no English text checks nothing"


@pytest.mark.parametrize("code", cases(TRANSLATED, AWAITING_TERMS, "consistent terms"))
def test_every_catalogue_uses_its_own_terms_consistently(code: str) -> None:
    problems = term_problems(code)
    assert not problems, "\n".join(problems[:15]) + f"\n({len(problems)} in all)"


def test_the_english_term_list_is_valid_when_there_is_one() -> None:
    if terms_path(SOURCE_LOCALE).exists():
        assert term_problems(SOURCE_LOCALE) == []
        assert unused_terms(SOURCE_LOCALE) == []


@pytest.mark.parametrize(
    "code",
    cases(
        [c for c in CODES if c in MUST_AVOID or avoid_path(c).exists()],
        AWAITING_AVOID,
        "avoid.csv",
    ),
)
def test_no_catalogue_uses_a_word_on_its_avoid_list(code: str) -> None:
    assert avoid_path(code).exists(), f"locales/{code}/avoid.csv is missing"
    assert read_avoid(code), f"locales/{code}/avoid.csv lists no words"
    problems = avoid_problems(code)
    assert not problems, "\n".join(problems[:15]) + f"\n({len(problems)} in all)"


# -- the checks themselves, on a small project ----------------------------------------------------

HEADER = "term,source_pattern,translation,accept_pattern,note\n"


@pytest.fixture
def project(tmp_path: Path) -> Project:
    from bot.i18n_tools import HeaderCatalog

    folder = tmp_path / "locales" / "nl" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    template = HeaderCatalog(fuzzy=False)
    catalog = HeaderCatalog(locale="nl", fuzzy=False)
    for source, dutch in [
        ("Ask your caseworker.", "Vraag het uw klantregisseur."),
        ("Your caseworker has seen it.", "Uw consulent heeft het gezien."),
        ("See /tasks and {municipality}.", "Zie /tasks en {municipality}."),
    ]:
        template.add(source)
        catalog.add(source, dutch)
    template.add(("{n} task", "{n} tasks"))
    catalog.add(("{n} task", "{n} tasks"), ("{n} taak", "{n} opdrachten"))
    (tmp_path / "locales" / "messages.pot").write_text(render_po(template), encoding="utf-8")
    (folder / "messages.po").write_text(render_po(catalog), encoding="utf-8")
    return Project(root=tmp_path)


def _terms(project: Project, rows: str, header: str = HEADER) -> None:
    terms_path("nl", project).write_text(header + rows, encoding="utf-8")


def test_an_entry_without_the_chosen_term_is_named_and_commands_do_not_count(
    project: Project,
) -> None:
    _terms(
        project,
        "caseworker,caseworker,klantregisseur,klantregisseur,\n"
        "task,\\btasks?\\b,taak,\\bta(ak|ken)\\b,\n"
        "municipality,municipalit,gemeente,gemeente,\n",
    )
    problems = term_problems("nl", project)
    assert len(problems) == 2
    assert "Your caseworker has seen it." in problems[0] and "klantregisseur" in problems[0]
    assert "'{n} task'" in problems[1] and "{n} opdrachten" in problems[1]
    assert unused_terms("nl", project) == ["municipality"]  # only in a placeholder's name


@pytest.mark.parametrize(
    ("header", "rows", "message"),
    [
        ("term,translation\n", "", "first line must be"),
        (HEADER, "task,(tasks,taak,taak,\n", "source_pattern is no regex"),
        (HEADER, "task,tasks?,taak,taken,\n", "fails accept_pattern"),
        (HEADER, "task,tasks?,,taak,\n", "translation is empty"),
        (HEADER, "task,tasks?,taak,taak\n", "4 cells, expected 5"),
        (HEADER, "task,agenda,taak,taak,\n", "does not find the term"),
        (HEADER, "task,tasks?,taak,taak,\nTask,tasks?,taak,taak,\n", "listed twice"),
    ],
)
def test_a_broken_term_list_says_what_and_where(
    project: Project, header: str, rows: str, message: str
) -> None:
    _terms(project, rows, header)
    with pytest.raises(SheetError, match=message):
        read_terms("nl", project)


def test_a_word_to_avoid_is_found_as_a_whole_word_in_any_case(project: Project) -> None:
    avoid_path("nl", project).write_text(
        "word,instead,note\nConsulent,klantregisseur,\nklant,cliënt,\n", encoding="utf-8"
    )
    problems = avoid_problems("nl", project)
    assert problems == ["nl: 'Your caseworker has seen it.' uses 'Consulent'; say 'klantregisseur'"]
    avoid_path("nl", project).write_text("word,instead,note\nconsulent,,\n", encoding="utf-8")
    with pytest.raises(SheetError, match="word and instead are needed"):
        read_avoid("nl", project)
