"""The back-office interface speaks Dutch: every message id has a Dutch text."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

from backoffice.i18n import VALUE_LABELS, ui_translator
from backoffice.texts_nl import DUTCH

ROOT = Path(__file__).resolve().parents[2] / "backoffice"
# The sandbox's demo sign-in adds a route to the back-office and speaks its interface language.
SANDBOX_BESIDE = Path(__file__).resolve().parents[2] / "sandbox" / "backoffice.py"
TEMPLATE_CALL = re.compile(r"""_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")


def template_ids() -> set[str]:
    found = set()
    for path in (ROOT / "templates").glob("*.html"):
        for double, single in TEMPLATE_CALL.findall(path.read_text()):
            found.add(double or single)
    return found


def code_ids() -> set[str]:
    """Strings marked with the back-office's N_ (not the bot's, which clients read)."""
    found = set()
    for path in [*ROOT.rglob("*.py"), SANDBOX_BESIDE]:
        tree = ast.parse(path.read_text())
        uses_bot_marker = any(
            isinstance(node, ast.ImportFrom)
            and node.module == "texts.i18n"
            and any(alias.name == "N_" for alias in node.names)
            for node in ast.walk(tree)
        )
        if uses_bot_marker:
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "N_"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
    return found


def all_ids() -> set[str]:
    return template_ids() | code_ids() | set(VALUE_LABELS.values())


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_interface_text_has_a_dutch_translation() -> None:
    missing = sorted(all_ids() - set(DUTCH))
    assert not missing, "no Dutch for:\n" + "\n".join(missing)


def test_no_stale_dutch_entries() -> None:
    stale = sorted(set(DUTCH) - all_ids())
    assert not stale, "Dutch for ids nobody uses:\n" + "\n".join(stale)


def test_dutch_keeps_the_placeholders() -> None:
    wrong = [m for m in sorted(DUTCH) if placeholders(DUTCH[m]) != placeholders(m)]
    assert not wrong


def test_english_is_the_source_and_dutch_the_default() -> None:
    assert ui_translator("en")("Inbox") == "Inbox"
    assert ui_translator("nl")("Inbox") == "Postvak"
    assert ui_translator("nl")("Question of {ref}", ref="C-1") == "Vraag van C-1"
