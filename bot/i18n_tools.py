"""`make i18n` and friends: extract, update, compile, check and report on the catalogues.

    python -m bot.i18n_tools extract update compile   # what `make i18n` runs
    python -m bot.i18n_tools compile --quiet          # on every `make run` / `make test`
    python -m bot.i18n_tools report                   # `make i18n-report`
    python -m bot.i18n_tools check                    # the gate the test suite runs
    python -m bot.i18n_tools init LOCALE              # a new language (add it to LANGUAGES first)
    python -m bot.i18n_tools export LOCALE [--all]    # untranslated entries as a TSV sheet
    python -m bot.i18n_tools import LOCALE FILE       # translations from such a sheet
    python -m bot.i18n_tools sheet LOCALE [--out F]   # `make i18n-sheet`: a review sheet (.xlsx)
    python -m bot.i18n_tools sheet-import FILE        # `make i18n-sheet-import`: apply it

`extract` is `pybabel extract -F babel.cfg -k t -k gettext -k ngettext:1,2 -k pgettext:1c,2
-k N_ --add-comments=Translators: bot texts scheduler backoffice` (file names without line
numbers, so that moving code does not change the template); `update` is `pybabel update
--no-fuzzy-matching` that also keeps each entry's `# review: STATUS` comment (a new entry gets
`machine-draft`) and writes the plural rule from LANGUAGES; `compile` writes the catalogue's
lowest review status into the compiled header (`X-Review-Status`), which the picker and
/privacy read.
"""

from __future__ import annotations

import argparse
import ast
import csv
import hashlib
import io
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract as extract_messages
from babel.messages.extract import extract_from_dir, pathmatch
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileParser, write_po

from texts.i18n import (
    BY_CODE,
    DOMAIN,
    LANGUAGES,
    MACHINE_DRAFT,
    REVIEW_COUNTS_HEADER,
    REVIEW_STATUS_HEADER,
    REVIEW_STATUSES,
    SOURCE_LOCALE,
    SOURCE_LOCALES_DIR,
    Language,
)

ROOT = SOURCE_LOCALES_DIR.parent
SOURCES = ("bot", "texts", "scheduler", "backoffice")
KEYWORDS: dict[str, Any] = {
    "t": None,
    "gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "N_": None,
}
COMMENT_TAGS = ("Translators:",)
WIDTH = 100
# The header that said, per catalogue, whether a native speaker had reviewed it; replaced by the
# per-entry `# review:` comments. `update` drops it.
OBSOLETE_REVIEW_HEADER = "X-Native-Review"
REVIEW_PREFIX = "review:"
HOW_TO_FIX = (
    "Run `make i18n` (python -m bot.i18n_tools extract update compile), then translate the "
    "missing strings in locales/<code>/LC_MESSAGES/messages.po for every language "
    "(see docs/translating.md; `python -m bot.i18n_tools report` shows what is missing)."
)


class HeaderCatalog(Catalog):
    """A Babel catalogue that keeps extra `X-...` headers, which Babel itself drops."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.extra_headers: dict[str, str] = {}
        super().__init__(*args, **kwargs)

    def _get_mime_headers(self) -> list[tuple[str, str]]:
        headers = super()._get_mime_headers()
        at = next((i for i, (name, _) in enumerate(headers) if name == "MIME-Version"), 0)
        headers[at:at] = list(self.extra_headers.items())
        # Babel writes its version here; a fixed value keeps upgrades from touching every file.
        return [
            (name, "bot.i18n_tools\n" if name == "Generated-By" else value)
            for name, value in headers
        ]

    def _set_mime_headers(self, headers: Iterable[tuple[str, str]]) -> None:
        headers = list(headers)
        for name, value in headers:
            if name.lower().startswith("x-") and name.lower() != "x-generator":
                self.extra_headers[name] = value
        super()._set_mime_headers(headers)

    mime_headers = property(_get_mime_headers, _set_mime_headers)  # type: ignore[assignment]


@dataclass(frozen=True)
class Project:
    """Where the sources and catalogues are (the repository; a temporary copy in tests)."""

    root: Path = ROOT
    sources: tuple[str, ...] = SOURCES
    languages: tuple[Language, ...] = LANGUAGES

    @property
    def locales_dir(self) -> Path:
        return self.root / "locales"

    @property
    def template_path(self) -> Path:
        return self.locales_dir / f"{DOMAIN}.pot"

    def po_path(self, code: str) -> Path:
        return self.locales_dir / code / "LC_MESSAGES" / f"{DOMAIN}.po"

    def language(self, code: str) -> Language:
        found = next((lang for lang in self.languages if lang.code == code), None)
        if found is None:
            raise SystemExit(f"{code} is not in LANGUAGES (texts/i18n.py): add it there first.")
        return found


# -- reading and writing ------------------------------------------------------------------------


def read_catalog(path: Path, locale: str | None = None) -> HeaderCatalog:
    if not path.exists():
        raise SystemExit(f"{path} does not exist: run `python -m bot.i18n_tools init {locale}`.")
    catalog = HeaderCatalog(locale=locale, domain=DOMAIN)
    with path.open("rb") as handle:
        PoFileParser(catalog, ignore_obsolete=True, abort_invalid=True).parse(handle)
    return catalog


def render_po(catalog: Catalog) -> str:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=WIDTH, include_lineno=False, ignore_obsolete=True)
    return buffer.getvalue().decode("utf-8")


_VOLATILE = re.compile(r'^"(POT-Creation-Date|PO-Revision-Date): .*\\n"\n', re.MULTILINE)


def _write_if_changed(path: Path, text: str) -> bool:
    """Write unless only the dates differ, so `make i18n` twice changes nothing."""
    if path.exists():
        old = path.read_text(encoding="utf-8")
        if _VOLATILE.sub("", old) == _VOLATILE.sub("", text):
            return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return True


def _say(quiet: bool, text: str) -> None:
    if not quiet:
        sys.stderr.write(text + "\n")


# -- review status ------------------------------------------------------------------------------


def review_comments(message: Message) -> list[str]:
    """The `# review: ...` values of an entry (a valid entry has exactly one)."""
    return [
        comment[len(REVIEW_PREFIX) :].strip()
        for comment in message.user_comments
        if comment.strip().startswith(REVIEW_PREFIX)
    ]


def entry_status(message: Message) -> str | None:
    """The entry's review status, or None when it has none, several, or an unknown one."""
    found = review_comments(message)
    return found[0] if len(found) == 1 and found[0] in REVIEW_STATUSES else None


def set_status(message: Message, status: str) -> None:
    if status not in REVIEW_STATUSES:
        raise ValueError(f"unknown review status {status!r}: one of {', '.join(REVIEW_STATUSES)}")
    kept = [c for c in message.user_comments if not c.strip().startswith(REVIEW_PREFIX)]
    message.user_comments = [*kept, f"{REVIEW_PREFIX} {status}"]


def review_counts(catalog: Catalog) -> dict[str, int]:
    """How many entries have each status ('none' for a missing or broken one)."""
    counts = dict.fromkeys((*REVIEW_STATUSES, "none"), 0)
    for message in catalog:
        if message.id:
            counts[entry_status(message) or "none"] += 1
    return counts


def catalogue_status(catalog: Catalog) -> str:
    """The lowest status of any entry: what the catalogue as a whole can claim."""
    counts = review_counts(catalog)
    if counts["none"]:
        return MACHINE_DRAFT
    return next((s for s in REVIEW_STATUSES if counts[s]), MACHINE_DRAFT)


def _mark_new_entries(catalog: Catalog) -> None:
    """An entry without a review comment is a machine draft until someone reviews it."""
    for message in catalog:
        if message.id and not review_comments(message):
            set_status(message, MACHINE_DRAFT)


# -- extract ------------------------------------------------------------------------------------


def fresh_template(project: Project = Project()) -> HeaderCatalog:
    """Every message id in the code now, as a template catalogue."""
    with (project.root / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    catalog = HeaderCatalog(
        project="inburgerbot",
        version="1",
        copyright_holder="inburgerbot contributors",
        msgid_bugs_address="https://github.com/inburgerbot/inburgerbot/issues",
        header_comment=(
            "# Message template for inburgerbot. The message ids are the English source texts.\n"
            "# Made by `make i18n`; do not edit by hand (see docs/translating.md)."
        ),
        charset="utf-8",
    )
    sources = tuple(project.root / source for source in project.sources)

    def inside_sources(path: str) -> bool:
        here = Path(path)
        return any(here == source or source in here.parents for source in sources) or any(
            source.is_relative_to(here) for source in sources
        )

    found = extract_from_dir(
        project.root,
        method_map,
        options_map,
        keywords=KEYWORDS,
        comment_tags=COMMENT_TAGS,
        directory_filter=inside_sources,
    )
    for filename, lineno, message, comments, context in found:
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def extract(project: Project = Project(), *, quiet: bool = False) -> bool:
    """Write locales/messages.pot from the code; True when it changed."""
    changed = _write_if_changed(project.template_path, render_po(fresh_template(project)))
    _say(quiet, f"{'wrote' if changed else 'unchanged'} {project.template_path.name}")
    return changed


# -- init and update ----------------------------------------------------------------------------


def _apply_language(catalog: HeaderCatalog, language: Language) -> None:
    """The plural rule from LANGUAGES (GNU order, see texts/i18n.py), always."""
    catalog._set_mime_headers([("Plural-Forms", language.plural_forms)])
    catalog.language_team = f"{language.english_name} ({language.native_name})"


def init(code: str, project: Project = Project(), *, quiet: bool = False) -> Path:
    """A new catalogue for a language listed in LANGUAGES, marked as not reviewed."""
    language = project.language(code)
    path = project.po_path(code)
    if path.exists():
        raise SystemExit(f"{path} exists already; use `update`.")
    template = read_catalog(project.template_path)
    catalog = HeaderCatalog(
        locale=code,
        domain=DOMAIN,
        project="inburgerbot",
        version="1",
        header_comment=(
            f"# {language.english_name} ({language.native_name}) translation of inburgerbot.\n"
            "# Source texts are English. Every entry has a `# review:` status comment\n"
            "# (see docs/translating.md)."
        ),
        fuzzy=False,
        charset="utf-8",
    )
    _apply_language(catalog, language)
    catalog.update(template, no_fuzzy_matching=True)
    _mark_new_entries(catalog)
    if code == SOURCE_LOCALE:
        for message in catalog:
            if message.id:
                message.string = message.id
    _write_if_changed(path, render_po(catalog))
    _say(quiet, f"created {path.relative_to(project.root)}")
    return path


def catalog_paths(project: Project = Project()) -> Iterator[tuple[str, Path]]:
    for language in project.languages:
        path = project.po_path(language.code)
        if path.exists():
            yield language.code, path


def update(project: Project = Project(), *, quiet: bool = False) -> list[str]:
    """Bring every catalogue in line with the template, without fuzzy matching."""
    changed = []
    for code, path in catalog_paths(project):
        catalog = read_catalog(path, locale=code)
        # A fresh template each time: Catalog.update adopts the template's Message objects, so
        # filling the English catalogue would otherwise fill the next languages too.
        template = read_catalog(project.template_path)
        catalog.update(template, no_fuzzy_matching=True, update_creation_date=False)
        catalog.obsolete.clear()
        catalog.extra_headers.pop(OBSOLETE_REVIEW_HEADER, None)
        _mark_new_entries(catalog)
        _apply_language(catalog, project.language(code))
        if code == SOURCE_LOCALE:
            for message in catalog:
                if message.id and not _complete(message):
                    message.string = message.id
        if _write_if_changed(path, render_po(catalog)):
            changed.append(code)
            _say(quiet, f"updated {path.relative_to(project.root)}")
    return changed


# -- compile ------------------------------------------------------------------------------------


def _complete(message: Message) -> bool:
    forms = message.string if isinstance(message.string, (list, tuple)) else [message.string]
    return bool(forms) and all(forms)


def compile_catalogs(
    project: Project = Project(), *, quiet: bool = False, force: bool = False
) -> int:
    """Compile every .po into .mo when newer; returns how many were compiled."""
    compiled = 0
    for code, po_path in catalog_paths(project):
        mo_path = po_path.with_suffix(".mo")
        if (
            not force
            and mo_path.exists()
            and mo_path.stat().st_mtime >= po_path.stat().st_mtime
            and REVIEW_STATUS_HEADER.encode() in mo_path.read_bytes()  # from before the statuses
        ):
            continue
        catalog = read_catalog(po_path, locale=code)
        catalog.extra_headers.pop(OBSOLETE_REVIEW_HEADER, None)
        catalog.extra_headers[REVIEW_STATUS_HEADER] = catalogue_status(catalog)
        catalog.extra_headers[REVIEW_COUNTS_HEADER] = ", ".join(
            f"{name}={count}" for name, count in review_counts(catalog).items()
        )
        for message in list(catalog):
            # Half-translated plurals and fuzzy entries stay out, so the fallback text shows.
            if message.id and (message.fuzzy or not _complete(message)):
                catalog.delete(message.id, context=message.context)
        with mo_path.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        compiled += 1
        _say(quiet, f"compiled {po_path.relative_to(project.root)}")
    if compiled:
        from texts.i18n import reset_cache

        reset_cache()
    return compiled


# -- check and report ---------------------------------------------------------------------------


def _key(message: Message) -> tuple[str, str | None]:
    ident = message.id[0] if isinstance(message.id, (list, tuple)) else message.id
    return ident, message.context


@dataclass
class Status:
    """How complete one catalogue is against the code."""

    code: str
    total: int = 0
    translated: int = 0
    fuzzy: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    review: dict[str, int] = field(default_factory=dict)
    plural_header_ok: bool = True
    exists: bool = True


def status(code: str, template: Catalog, project: Project = Project()) -> Status:
    path = project.po_path(code)
    result = Status(code, total=sum(1 for m in template if m.id))
    if not path.exists():
        result.exists = False
        result.missing = [_key(m)[0] for m in template if m.id]
        return result
    catalog = read_catalog(path, locale=code)
    result.review = review_counts(catalog)
    result.plural_header_ok = catalog.plural_forms == project.language(code).plural_forms
    for wanted in template:
        if not wanted.id:
            continue
        found = catalog.get(wanted.id, context=wanted.context)
        ident = _key(wanted)[0]
        if found is None or not _complete(found) or found.id != wanted.id:
            result.missing.append(ident)
        elif found.fuzzy:
            result.fuzzy.append(ident)
        elif len(_forms(found)) != (catalog.num_plurals if found.pluralizable else 1):
            result.missing.append(ident)
        else:
            result.translated += 1
    return result


def _forms(message: Message) -> list[str]:
    if isinstance(message.string, (list, tuple)):
        return list(message.string)
    return [message.string or ""]


def template_drift(project: Project = Project()) -> tuple[list[str], list[str]]:
    """Message ids in the code but not in locales/messages.pot, and the other way round."""
    fresh = {_key(m) for m in fresh_template(project) if m.id}
    stored: set[tuple[str, str | None]] = set()
    if project.template_path.exists():
        stored = {_key(m) for m in read_catalog(project.template_path) if m.id}
    return sorted(i for i, _ in fresh - stored), sorted(i for i, _ in stored - fresh)


def _method_map(project: Project) -> list[tuple[str, str]]:
    with (project.root / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, _options = parse_mapping_cfg(handle)
    return list(method_map)


# What a module imports to write texts in the bot's domain (`translator` alone only looks up
# texts written elsewhere, such as ready-made answers shown in the back-office).
TRANSLATING_NAMES = {"N_", "Translator"}


def _translates(path: Path) -> bool:
    """The module imports what writing in the bot's gettext domain needs."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(
        isinstance(node, ast.ImportFrom)
        and node.module == "texts.i18n"
        and TRANSLATING_NAMES & {alias.name for alias in node.names}
        for node in ast.walk(tree)
    )


def _has_messages(path: Path) -> bool:
    with path.open("rb") as handle:
        return any(extract_messages("python", handle, keywords=KEYWORDS))


def unmapped_modules(project: Project = Project()) -> list[str]:
    """Modules that write in the bot's gettext domain but that babel.cfg does not extract."""
    method_map = _method_map(project)
    missed = []
    for source in project.sources:
        for path in sorted((project.root / source).rglob("*.py")):
            name = path.relative_to(project.root).as_posix()
            method = next((m for pattern, m in method_map if pathmatch(pattern, name)), None)
            if method is None and _translates(path) and _has_messages(path):
                missed.append(name)
    return missed


def check(project: Project = Project()) -> list[str]:
    """Problems that fail the suite: a stale template, missing or fuzzy translations."""
    problems = [
        f"{name} imports texts.i18n but babel.cfg does not extract it: add it to babel.cfg."
        for name in unmapped_modules(project)
    ]
    new, gone = template_drift(project)
    if new or gone:
        problems.append(
            f"locales/messages.pot is out of date: {len(new)} new and {len(gone)} removed "
            f"message ids (first new: {new[:3]}, first removed: {gone[:3]})."
        )
    template = fresh_template(project)
    for language in project.languages:
        found = status(language.code, template, project)
        if not found.exists:
            problems.append(f"{language.code}: no catalogue (python -m bot.i18n_tools init ...).")
            continue
        if not found.plural_header_ok:
            problems.append(f"{language.code}: Plural-Forms differs from LANGUAGES.")
        if found.missing:
            problems.append(
                f"{language.code}: {len(found.missing)} untranslated, e.g. {found.missing[:2]}"
            )
        if found.fuzzy:
            problems.append(f"{language.code}: {len(found.fuzzy)} fuzzy, e.g. {found.fuzzy[:2]}")
    if problems:
        problems.append(HOW_TO_FIX)
    return problems


def report(project: Project = Project()) -> str:
    """A table of languages: translated, fuzzy, missing, review status."""
    template = fresh_template(project)
    rows: list[tuple[str, ...]] = [
        ("code", "language", "translated", "fuzzy", "missing", *REVIEW_STATUSES, "no status")
    ]
    for language in project.languages:
        found = status(language.code, template, project)
        counts = [str(found.review.get(name, 0)) for name in (*REVIEW_STATUSES, "none")]
        rows.append(
            (
                language.code,
                f"{language.english_name} ({language.native_name})",
                f"{found.translated}/{found.total}",
                str(len(found.fuzzy)),
                str(len(found.missing)),
                *(counts if found.exists else ["no catalogue", "", "", ""]),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    new, gone = template_drift(project)
    if new or gone:
        lines.append(f"\nThe code has {len(new)} new and {len(gone)} removed strings: make i18n.")
    return "\n".join(line.rstrip() for line in lines)


# -- terms and words to avoid ------------------------------------------------------------------

TERMS_HEADER = ("term", "source_pattern", "translation", "accept_pattern", "note")
AVOID_HEADER = ("word", "instead", "note")
# Every language but English lists at least these (docs/translating.md).
REQUIRED_TERMS = (
    "PIP",
    "caseworker",
    "municipality",
    "appointment",
    "task",
    "reminder",
    "interpreter",
    "integration period",
    "learning route",
    "exam",
    "social guidance",
    "privacy",
)


class SheetError(ValueError):
    """A term list, word list or review sheet that cannot be used as it is."""


@dataclass(frozen=True)
class Term:
    """A key term: how to find it in an English source text and what its translation must use."""

    term: str
    source: re.Pattern[str]
    translation: str
    accept: re.Pattern[str]
    note: str


@dataclass(frozen=True)
class Avoid:
    """A word this language must not use, and the word to use instead."""

    word: str
    instead: str
    note: str

    @property
    def pattern(self) -> re.Pattern[str]:
        return re.compile(rf"(?<!\w){re.escape(self.word)}(?!\w)", re.IGNORECASE)


def terms_path(code: str, project: Project = Project()) -> Path:
    return project.locales_dir / code / "terms.csv"


def avoid_path(code: str, project: Project = Project()) -> Path:
    return project.locales_dir / code / "avoid.csv"


def _csv_rows(path: Path, header: tuple[str, ...]) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        found = tuple(cell.strip() for cell in next(reader, []))
        if found != header:
            raise SheetError(f"{path.name}: the first line must be {','.join(header)}, not {found}")
        rows = []
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(header):
                raise SheetError(
                    f"{path.name} line {number}: {len(cells)} cells, expected {len(header)}"
                )
            rows.append({"line": str(number), **dict(zip(header, cells, strict=True))})
        return rows


def _pattern(path: Path, row: dict[str, str], column: str) -> re.Pattern[str]:
    try:
        return re.compile(row[column], re.IGNORECASE)
    except re.error as error:
        raise SheetError(f"{path.name} line {row['line']}: {column} is no regex: {error}") from None


def read_terms(code: str, project: Project = Project()) -> list[Term]:
    """A language's term list, checked (SheetError names the line of the first problem)."""
    path = terms_path(code, project)
    terms: list[Term] = []
    for row in _csv_rows(path, TERMS_HEADER):
        where = f"{path.name} line {row['line']}"
        for column in ("term", "source_pattern", "translation", "accept_pattern"):
            if not row[column].strip():
                raise SheetError(f"{where}: {column} is empty")
        term = Term(
            row["term"].strip(),
            _pattern(path, row, "source_pattern"),
            row["translation"].strip(),
            _pattern(path, row, "accept_pattern"),
            row["note"].strip(),
        )
        if not term.accept.search(term.translation):
            raise SheetError(f"{where}: the translation {term.translation!r} fails accept_pattern")
        if not term.source.search(term.term):
            raise SheetError(f"{where}: source_pattern does not find the term {term.term!r}")
        if any(other.term.lower() == term.term.lower() for other in terms):
            raise SheetError(f"{where}: {term.term!r} is listed twice")
        terms.append(term)
    return terms


def read_avoid(code: str, project: Project = Project()) -> list[Avoid]:
    path = avoid_path(code, project)
    words = []
    for row in _csv_rows(path, AVOID_HEADER):
        if not row["word"].strip() or not row["instead"].strip():
            raise SheetError(f"{path.name} line {row['line']}: word and instead are needed")
        words.append(Avoid(row["word"].strip(), row["instead"].strip(), row["note"].strip()))
    return words


def _sources(message: Message) -> list[str]:
    return list(message.id) if isinstance(message.id, (list, tuple)) else [message.id]


# Commands and placeholder names are not words of the sentence: /tasks, {municipality}.
_NOT_WORDS = re.compile(r"(?<![\w/])/[A-Za-z]\w*|\{[^{}]*\}")


def terms_of(message: Message, terms: Sequence[Term]) -> list[Term]:
    """The key terms an entry's English source text contains (commands, placeholders aside)."""
    texts = [_NOT_WORDS.sub(" ", text) for text in _sources(message)]
    return [term for term in terms if any(term.source.search(text) for text in texts)]


def term_problems(code: str, project: Project = Project()) -> list[str]:
    """Entries whose translation does not use the language's own term for a term in the source."""
    terms = read_terms(code, project)
    catalog = read_catalog(project.po_path(code), locale=code)
    problems = []
    for message in catalog:
        if not message.id or not _complete(message):
            continue
        for term in terms_of(message, terms):
            for form in _forms(message):
                if not term.accept.search(form):
                    problems.append(
                        f"{code}: {_key(message)[0]!r} has {term.term!r} but {form!r} does not "
                        f"use {term.translation!r} ({term.accept.pattern})"
                    )
                    break
    return problems


def unused_terms(code: str, project: Project = Project()) -> list[str]:
    """Terms whose source_pattern finds no English text: a mistyped pattern checks nothing."""
    template = [m for m in read_catalog(project.template_path) if m.id]
    return [
        term.term
        for term in read_terms(code, project)
        if not any(terms_of(m, [term]) for m in template)
    ]


def avoid_problems(code: str, project: Project = Project()) -> list[str]:
    """Entries that use a word of the language's avoid list."""
    words = read_avoid(code, project)
    catalog = read_catalog(project.po_path(code), locale=code)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        for form in _forms(message):
            for avoid in words:
                if avoid.pattern.search(form or ""):
                    problems.append(
                        f"{code}: {_key(message)[0]!r} uses {avoid.word!r}; say {avoid.instead!r}"
                    )
    return problems


# -- spreadsheets -------------------------------------------------------------------------------


def entry_key(message: Message) -> str:
    """A short stable key for a message: its id and context hashed."""
    ident, context = _key(message)
    return hashlib.sha1(f"{context or ''}\x04{ident}".encode()).hexdigest()[:8]


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def _uncell(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m[1], m[1]), text)


def export(code: str, project: Project = Project(), *, everything: bool = False) -> str:
    """Entries as TSV lines 'key[#form] <TAB> source <TAB> translation' (untranslated only)."""
    catalog = read_catalog(project.po_path(code), locale=code)
    lines = []
    for message in catalog:
        if not message.id or (_complete(message) and not message.fuzzy and not everything):
            continue
        key = entry_key(message)
        if message.pluralizable:
            singular, plural = message.id[0], message.id[1]
            forms = _forms(message) + [""] * catalog.num_plurals
            for index in range(catalog.num_plurals):
                source = f"{singular} | {plural}"
                lines.append(f"{key}#{index}\t{_cell(source)}\t{_cell(forms[index])}")
        else:
            lines.append(f"{key}\t{_cell(_key(message)[0])}\t{_cell(_forms(message)[0])}")
    return "\n".join(lines) + ("\n" if lines else "")


def import_sheet(code: str, rows: Iterable[str], project: Project = Project()) -> int:
    """Fill translations from 'key[#form] <TAB> [source <TAB>] translation' lines."""
    path = project.po_path(code)
    catalog = read_catalog(path, locale=code)
    by_key = {entry_key(m): m for m in catalog if m.id}
    filled = 0
    for row in rows:
        if not row.strip() or row.startswith("#"):
            continue
        cells = row.rstrip("\n").split("\t")
        key, text = cells[0].strip(), _uncell(cells[-1])
        index = None
        if "#" in key:
            key, _, form = key.partition("#")
            index = int(form)
        message = by_key.get(key)
        if message is None:
            raise SystemExit(f"{code}: no message with key {key} (re-run export).")
        if index is None:
            message.string = text
        else:
            forms = _forms(message) + [""] * catalog.num_plurals
            forms[index] = text
            message.string = tuple(forms[: catalog.num_plurals])
        message.flags.discard("fuzzy")
        filled += 1
    _write_if_changed(path, render_po(catalog))
    return filled


# -- the review sheet (.xlsx) --------------------------------------------------------------------
#
# One row per entry (per plural form): a reviewer who reads the language and Dutch writes a
# better text in "corrections" and sets "status"; `sheet-import` applies it. See
# docs/translating.md. openpyxl is imported only here: the bot itself does not need it.

SHEET_COLUMNS = (
    "key",
    "source",
    "form",
    "Dutch",
    "translation",
    "term notes",
    "status",
    "corrections",
)
REQUIRED_SHEET_COLUMNS = ("source", "Dutch", "translation", "term notes", "status", "corrections")
_FIELD = re.compile(r"\{(\w*)[^{}]*\}")


def _placeholders(text: str) -> set[str]:
    return set(_FIELD.findall(text))


def _plural_numbers(catalog: Catalog, index: int) -> list[int]:
    """The first numbers a plural form is used for."""
    import gettext as _gettext

    rule = _gettext.c2py(catalog.plural_expr)
    return [n for n in range(0, 200) if rule(n) == index][:4]


def _plural_note(catalog: Catalog, index: int) -> str:
    """Which numbers a plural form is for, e.g. 'form 4 of 6: n = 3, 4, 5, 6 ...'."""
    numbers = _plural_numbers(catalog, index)
    listed = ", ".join(str(n) for n in numbers) + (" ..." if len(numbers) == 4 else "")
    return f"form {index + 1} of {catalog.num_plurals}: n = {listed}"


def _dutch_form(dutch: Catalog, forms: list[str], numbers: list[int]) -> str:
    """The Dutch plural form for the same numbers (Dutch has two forms, Arabic six)."""
    import gettext as _gettext

    if not numbers or len(forms) < 2:
        return forms[0] if forms else ""
    number = 1 if 1 in numbers else numbers[0]
    return forms[min(_gettext.c2py(dutch.plural_expr)(number), len(forms) - 1)]


def sheet_rows(code: str, project: Project = Project()) -> list[dict[str, str]]:
    """The review sheet's rows: every entry of a catalogue with its Dutch, terms and status."""
    catalog = read_catalog(project.po_path(code), locale=code)
    dutch = read_catalog(project.po_path("nl"), locale="nl")
    terms = read_terms(code, project) if terms_path(code, project).exists() else []
    rows = []
    for message in catalog:
        if not message.id:
            continue
        found = dutch.get(message.id, context=message.context)
        dutch_forms = _forms(found) if found is not None else [""]
        notes = "; ".join(
            f"{term.term}: {term.translation}" + (f" ({term.note})" if term.note else "")
            for term in terms_of(message, terms)
        )
        base = {
            "key": entry_key(message),
            "source": _key(message)[0],
            "term notes": notes,
            "status": entry_status(message) or MACHINE_DRAFT,
            "corrections": "",
        }
        if message.pluralizable:
            forms = _forms(message) + [""] * catalog.num_plurals
            for index in range(catalog.num_plurals):
                rows.append(
                    {
                        **base,
                        "source": f"{message.id[0]} | {message.id[1]}",
                        "form": _plural_note(catalog, index),
                        "Dutch": _dutch_form(dutch, dutch_forms, _plural_numbers(catalog, index)),
                        "translation": forms[index],
                    }
                )
        else:
            rows.append(
                {**base, "form": "", "Dutch": dutch_forms[0], "translation": _forms(message)[0]}
            )
    return rows


def write_sheet(code: str, path: Path, project: Project = Project()) -> int:
    """Write the review sheet of a language as .xlsx; returns the number of rows."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    language = project.language(code)
    rows = sheet_rows(code, project)
    book = Workbook()
    sheet = book.active
    sheet.title = code  # sheet-import reads the language from here
    sheet.append(list(SHEET_COLUMNS))
    for row in rows:
        sheet.append([row[column] for column in SHEET_COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = {"key": 10, "source": 50, "form": 18, "Dutch": 40, "translation": 50}
    for index, column in enumerate(SHEET_COLUMNS):
        letter = sheet.cell(row=1, column=index + 1).column_letter
        sheet.column_dimensions[letter].width = widths.get(column, 30)
    right_to_left = Alignment(wrap_text=True, vertical="top", horizontal="right", readingOrder=2)
    for row_cells in sheet.iter_rows(min_row=2):
        for cell in row_cells:
            is_rtl_text = language.rtl and SHEET_COLUMNS[cell.column - 1] in (
                "translation",
                "corrections",
            )
            cell.alignment = (
                right_to_left if is_rtl_text else Alignment(wrap_text=True, vertical="top")
            )
    sheet.freeze_panes = "B2"
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return len(rows)


def read_sheet(path: Path) -> tuple[str, list[dict[str, str]]]:
    """The language code and rows of a review sheet (SheetError when it is not one)."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises several kinds for a file that is not .xlsx
        raise SheetError(f"{path.name}: not a readable .xlsx file ({error})") from None
    sheet = book.worksheets[0]
    lines = sheet.iter_rows(values_only=True)
    header = [str(cell).strip() if cell is not None else "" for cell in next(lines, ())]
    missing = [column for column in REQUIRED_SHEET_COLUMNS if column not in header]
    if missing:
        raise SheetError(
            f"{path.name}: the first row lacks the column(s) {', '.join(missing)} "
            f"(expected {', '.join(SHEET_COLUMNS)})"
        )
    rows = []
    for number, cells in enumerate(lines, start=2):
        values = ["" if cell is None else str(cell) for cell in cells]
        if not any(value.strip() for value in values):
            continue
        row = dict(zip(header, values + [""] * (len(header) - len(values)), strict=False))
        row["row"] = str(number)
        rows.append(row)
    book.close()
    return sheet.title, rows


def apply_sheet(code: str, rows: Iterable[dict[str, str]], project: Project = Project()) -> int:
    """Apply a reviewed sheet: corrections replace translations, statuses are set.

    Every row is checked first; on any problem nothing is written and SheetError lists them all.
    Returns how many entries changed.
    """
    path = project.po_path(code)
    catalog = read_catalog(path, locale=code)
    by_key = {entry_key(m): m for m in catalog if m.id}
    by_source = {_key(m)[0]: m for m in catalog if m.id and not m.pluralizable}
    by_source |= {f"{m.id[0]} | {m.id[1]}": m for m in catalog if m.id and m.pluralizable}
    problems: list[str] = []
    changes: dict[str, tuple[Message, list[str], str | None]] = {}
    for row in rows:
        where = f"row {row.get('row', '?')}"
        source = row.get("source", "").strip()
        message = by_key.get(row.get("key", "").strip()) or by_source.get(source)
        if message is None:
            problems.append(f"{where}: unknown source text {source[:60]!r} (export a new sheet)")
            continue
        key = entry_key(message)
        forms = changes[key][1] if key in changes else _forms(message)
        if message.pluralizable:
            forms = forms + [""] * (catalog.num_plurals - len(forms))
        index = 0
        if message.pluralizable:
            match = re.match(r"form (\d+) of", row.get("form", "").strip())
            if not match or not 1 <= int(match.group(1)) <= catalog.num_plurals:
                problems.append(f"{where}: a plural entry needs its 'form' cell as exported")
                continue
            index = int(match.group(1)) - 1
        status_cell = row.get("status", "").strip()
        if status_cell and status_cell not in REVIEW_STATUSES:
            problems.append(
                f"{where}: status {status_cell!r} is not one of {', '.join(REVIEW_STATUSES)}"
            )
            continue
        correction = row.get("corrections", "")
        shown = row.get("translation", "")
        if correction.strip():
            sources = _sources(message)
            allowed = set().union(*(_placeholders(text) for text in sources))
            found = _placeholders(correction)
            broken = correction.count("{") != correction.count("}")
            lost = set() if message.pluralizable else allowed - found
            if broken or found - allowed or lost:
                problems.append(
                    f"{where}: the correction's placeholders {sorted(found)} do not match the "
                    f"source's {sorted(allowed)} (keep every {{name}} exactly as in the source)"
                )
                continue
            forms[index] = correction.strip()
        elif shown.strip() != forms[index].strip():
            problems.append(
                f"{where}: the translation differs from the catalogue; write changes in "
                "'corrections' (or export a new sheet: the catalogue changed since)"
            )
            continue
        status = status_cell or None
        earlier = changes[key][2] if key in changes else None
        if earlier and (
            not status or REVIEW_STATUSES.index(earlier) < REVIEW_STATUSES.index(status)
        ):
            status = earlier  # the forms of a plural entry: the entry has the lowest status
        changes[key] = (message, forms, status)
    if problems:
        raise SheetError(f"{code}: the sheet was not applied:\n" + "\n".join(problems))
    changed = 0
    for message, forms, status in changes.values():
        before = (list(_forms(message)), entry_status(message))
        message.string = tuple(forms) if message.pluralizable else forms[0]
        if status:
            set_status(message, status)
        message.flags.discard("fuzzy")
        if (list(_forms(message)), entry_status(message)) != before:
            changed += 1
    _write_if_changed(path, render_po(catalog))
    return changed


# -- command line -------------------------------------------------------------------------------

STEPS = ("extract", "update", "compile", "report", "check")


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in ("init", "export", "import"):
        return _single(args)
    if args and args[0] in ("sheet", "sheet-import"):
        return _sheet(args)
    parser = argparse.ArgumentParser(prog="python -m bot.i18n_tools", description=__doc__)
    parser.add_argument("steps", nargs="+", choices=STEPS)
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument("--force", action="store_true", help="compile even when up to date")
    options = parser.parse_args(args)
    for step in options.steps:
        if step == "extract":
            extract(quiet=options.quiet)
        elif step == "update":
            update(quiet=options.quiet)
        elif step == "compile":
            compile_catalogs(quiet=options.quiet, force=options.force)
        elif step == "report":
            sys.stdout.write(report() + "\n")
        elif step == "check":
            problems = check()
            for problem in problems:
                sys.stderr.write(problem + "\n")
            if problems:
                return 1
    return 0


def _single(args: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.i18n_tools")
    parser.add_argument("command", choices=("init", "export", "import"))
    parser.add_argument("locale", choices=sorted(BY_CODE))
    parser.add_argument("file", nargs="?", help="the TSV sheet to import ('-' for stdin)")
    parser.add_argument("--all", action="store_true", help="export translated entries too")
    options = parser.parse_args(args)
    if options.command == "init":
        init(options.locale)
    elif options.command == "export":
        sys.stdout.write(export(options.locale, everything=options.all))
    else:
        if not options.file:
            parser.error("import needs a FILE")
        if options.file == "-":
            rows = sys.stdin.read().splitlines()
        else:
            rows = Path(options.file).read_text(encoding="utf-8").splitlines()
        filled = import_sheet(options.locale, rows)
        sys.stderr.write(f"{options.locale}: filled {filled} entries\n")
    return 0


def _sheet(args: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.i18n_tools")
    sub = parser.add_subparsers(dest="command", required=True)
    out = sub.add_parser("sheet", help="write a review sheet (.xlsx) for one language")
    out.add_argument("locale")
    out.add_argument("--out", type=Path, help="default: var/review-LOCALE.xlsx")
    back = sub.add_parser("sheet-import", help="apply a reviewed sheet")
    back.add_argument("file", type=Path)
    options = parser.parse_args(args)
    try:
        if options.command == "sheet":
            if options.locale not in BY_CODE or options.locale == SOURCE_LOCALE:
                codes = ", ".join(c for c in BY_CODE if c != SOURCE_LOCALE)
                raise SheetError(f"LANG={options.locale!r} is not a translated language: {codes}")
            path = options.out or ROOT / "var" / f"review-{options.locale}.xlsx"
            count = write_sheet(options.locale, path)
            sys.stderr.write(f"wrote {path} ({count} rows)\n")
        else:
            if not options.file.exists():
                raise SheetError(f"{options.file} does not exist")
            code, rows = read_sheet(options.file)
            if code not in BY_CODE or code == SOURCE_LOCALE:
                raise SheetError(
                    f"{options.file.name}: the sheet's tab names the language; {code!r} is none"
                )
            changed = apply_sheet(code, rows)
            sys.stderr.write(f"{code}: {changed} entries changed\n")
    except SheetError as error:
        sys.stderr.write(f"{error}\n")
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
