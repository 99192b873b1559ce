"""Our own extraction gate: every message id the code passes to a translator is in the template.

Babel's extractor reads tokens, not the syntax tree: on Python 3.11 it does not see `t()` inside
an f-string, and it has missed calls nested in other calls' arguments. `test_catalogues` compares
the template with what that same extractor finds, so it cannot catch such a label. This test
walks the syntax tree of every module that writes in the bot's gettext domain (f-strings, default
arguments and nested calls included), on any Python version, and looks each literal up in
`locales/messages.pot`.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from babel.messages.extract import pathmatch
from babel.messages.frontend import parse_mapping_cfg

from bot.i18n_tools import HOW_TO_FIX, ROOT, Project, read_catalog

# Packages whose modules may write client text in the bot's domain (`casework` is the core
# package the use cases moved to).
PACKAGES = ("bot", "texts", "scheduler", "backoffice", "casework", "storage", "console", "sandbox")
# Names a module imports when it writes text in the bot's domain.
TRANSLATING_IMPORTS = {"t", "N_", "Translator", "translator", "gettext", "ngettext", "pgettext"}
# Plain functions and methods (`t(...)`, `self.t(...)`, `context.t(...)`, `t.ngettext(...)`)
# and the argument positions that hold message ids; ("c", 0) is a msgctxt.
SINGULAR = {"t": (0,), "_": (0,), "gettext": (0,), "N_": (0,), "ngettext": (0, 1)}
CALLS = {**SINGULAR, "pgettext": (1,), "npgettext": (1, 2)}
CONTEXT_AT = {"pgettext": 0, "npgettext": 0}


@dataclass(frozen=True)
class Found:
    """One message id in the code, where it is, and what kind of call holds it."""

    where: str
    ident: str
    plural: str | None = None
    context: str | None = None


def _function_name(call: ast.Call, bound: set[str] | None) -> str | None:
    """The translation function a call stands for, or None.

    `bound` is None in a module babel.cfg extracts (every conventional name counts); elsewhere it
    holds the names assigned from `translator(...)`, the only calls in the bot's domain there
    (the back-office's own interface has a `t` of its own).
    """
    func = call.func
    if (
        isinstance(func, ast.Call)
        and isinstance(func.func, ast.Name)
        and func.func.id == "translator"
    ):
        return "t"  # translator(locale)("...")
    if bound is not None:
        if isinstance(func, ast.Name) and func.id in bound:
            return "t"
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id in bound
            and func.attr in CALLS
        ):
            return func.attr
        return None
    if isinstance(func, ast.Name):
        if func.id in CALLS:
            return func.id
        if func.id.endswith("_t"):  # label_t = translator(ui_locale)
            return "t"
    if isinstance(func, ast.Attribute) and func.attr in CALLS and func.attr not in ("_", "N_"):
        return func.attr
    return None


def _bound_to_translator(tree: ast.Module) -> set[str]:
    """Names assigned from `translator(...)` (also in `a, b = translator(x), translator(y)`)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Assign):
            continue
        pairs: list[tuple[ast.expr, ast.expr]] = []
        for target in node.targets:
            if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                pairs += list(zip(target.elts, node.value.elts, strict=False))
            else:
                pairs.append((target, node.value))
        for target, value in pairs:
            is_translator = (
                isinstance(value, ast.Call)
                and isinstance(value.func, ast.Name)
                and value.func.id == "translator"
            )
            if is_translator and isinstance(target, ast.Name):
                names.add(target.id)
    return names


def _literal(node: ast.expr) -> str | None:
    """A string literal (implicit or `+` concatenation included); None when not a literal."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _literal(node.left), _literal(node.right)
        if left is not None and right is not None:
            return left + right
    return None


def _mapped(name: str, method_map: list[tuple[str, str]]) -> bool:
    method = next((m for pattern, m in method_map if pathmatch(pattern, name)), None)
    return method == "python"


def _imports_translator(tree: ast.Module) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            from_ours = node.module == "texts.i18n" or node.module.split(".")[0] == "casework"
            if from_ours and TRANSLATING_IMPORTS & {alias.name for alias in node.names}:
                return True
    return False


def modules(root: Path = ROOT) -> list[tuple[str, ast.Module, bool]]:
    """Every module that babel.cfg extracts or that imports the bot's translator (and which)."""
    with (root / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, _options = parse_mapping_cfg(handle)
    found = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            name = path.relative_to(root).as_posix()
            if name.startswith("fakebot/"):
                continue  # the fake Telegram server: a test tool that shows users nothing
            source = path.read_text(encoding="utf-8")
            mapped = _mapped(name, list(method_map))
            if not mapped and "i18n" not in source and "casework" not in source:
                continue  # imports no translator: no need to parse it
            tree = ast.parse(source, filename=name)
            if mapped or _imports_translator(tree):
                found.append((name, tree, mapped))
    return found


def messages_in(
    name: str, tree: ast.Module, *, mapped: bool = True
) -> tuple[list[Found], list[str]]:
    """A module's literal message ids, and its problems (f-strings as ids, t() in f-strings)."""
    bound = None if mapped else _bound_to_translator(tree)
    found: list[Found] = []
    problems: list[str] = []
    nodes = list(ast.walk(tree))
    inside_fstrings = {
        id(call)
        for joined in nodes
        if isinstance(joined, ast.JoinedStr)
        for call in ast.walk(joined)
        if isinstance(call, ast.Call)
    }
    for node in nodes:
        if not isinstance(node, ast.Call):
            continue
        function = _function_name(node, bound)
        if function is None:
            continue
        where = f"{name}:{node.lineno}"
        positions = CALLS[function]
        if len(node.args) <= max(positions):
            continue
        texts = [_literal(node.args[i]) for i in positions]
        if id(node) in inside_fstrings and any(text is not None for text in texts):
            problems.append(
                f"{where}: {function}() of a literal inside an f-string (Babel cannot see it; "
                "build the label with + or a placeholder)"
            )
        for i in positions:
            if isinstance(node.args[i], ast.JoinedStr):
                problems.append(f"{where}: an f-string as a message id (use named placeholders)")
        if any(text is None for text in texts):
            continue  # a variable: its literal is marked with N_ where it is written
        context = None
        if function in CONTEXT_AT:
            context = _literal(node.args[CONTEXT_AT[function]])
        plural = texts[1] if len(texts) == 2 else None
        found.append(Found(where, texts[0] or "", plural, context))
    return found, problems


@cache
def template_entries() -> dict[tuple[str, str | None], str | None]:
    """(msgid, msgctxt) -> msgid_plural of every entry in locales/messages.pot."""
    entries: dict[tuple[str, str | None], str | None] = {}
    for message in read_catalog(Project().template_path):
        if not message.id:
            continue
        if isinstance(message.id, (list, tuple)):
            entries[(message.id[0], message.context)] = message.id[1]
        else:
            entries[(message.id, message.context)] = None
    return entries


def missing_from_template(found: list[Found]) -> list[str]:
    entries = template_entries()
    missing = []
    for item in found:
        key = (item.ident, item.context)
        if key not in entries:
            missing.append(f"{item.where}: {item.ident!r} is not in locales/messages.pot")
        elif entries[key] != item.plural:
            missing.append(
                f"{item.where}: {item.ident!r} has plural {item.plural!r} in the code but "
                f"{entries[key]!r} in locales/messages.pot"
            )
    return missing


@cache
def scanned() -> tuple[list[Found], list[str]]:
    found: list[Found] = []
    problems: list[str] = []
    for name, tree, mapped in modules():
        here, wrong = messages_in(name, tree, mapped=mapped)
        found += here
        problems += wrong
    return found, problems


def test_the_walk_sees_the_modules_that_write_client_text() -> None:
    names = {name for name, _tree, _mapped in modules()}
    assert {"bot/keyboards.py", "bot/handlers/privacy.py", "texts/render/reminders.py"} <= names
    assert "backoffice/notify.py" in names
    assert not any(name.startswith("fakebot/") for name in names)
    found, _problems = scanned()
    assert len({(f.ident, f.context) for f in found}) > 250  # nearly the whole template


def test_every_message_id_in_the_code_is_in_the_template() -> None:
    missing = missing_from_template(scanned()[0])
    assert not missing, "\n".join(missing[:20]) + f"\n{HOW_TO_FIX}"


def test_no_translation_call_inside_an_f_string_and_no_f_string_as_an_id() -> None:
    problems = scanned()[1]
    assert not problems, "\n".join(problems)


SNEAKY = """
from texts.i18n import N_, Translator

def keyboard(t: Translator, self=None):
    label = f"👍 {t('Hidden in an f-string')}"
    other = f"{context.t('Behind an attribute')} and {self.t('On self')}"
    return [t("Known text"), t.ngettext("{n} day", "{n} days", 2), label, other]

def defaulted(label=N_("A default")):
    return label

def nested(t):
    return t("Outer {inner}", inner=t("Nested " "and joined"))

def contextual(t):
    return t.pgettext("menu", "Open")
"""


def test_the_walk_is_not_fooled_where_babel_is() -> None:
    found, problems = messages_in("sneaky.py", ast.parse(SNEAKY))
    idents = {item.ident for item in found}
    assert idents == {
        "Hidden in an f-string",
        "Behind an attribute",
        "On self",
        "Known text",
        "{n} day",
        "A default",
        "Outer {inner}",
        "Nested and joined",
        "Open",
    }
    assert next(f for f in found if f.ident == "{n} day").plural == "{n} days"
    assert next(f for f in found if f.ident == "Open").context == "menu"
    assert len(problems) == 3 and all("inside an f-string" in p for p in problems)


def test_outside_babel_cfg_only_the_bots_translator_counts() -> None:
    source = (
        "from texts.i18n import translator\n"
        "label_t, client_t = translator('nl'), translator(locale)\n"
        "t('The back-office has its own t')\n"
        "client_t('For the client')\n"
        "translator(locale)('Also for the client')\n"
    )
    found, _ = messages_in("backoffice/routes/x.py", ast.parse(source), mapped=False)
    assert {item.ident for item in found} == {"For the client", "Also for the client"}


def test_an_unknown_id_or_a_changed_plural_is_reported() -> None:
    found, _ = messages_in("x.py", ast.parse('t("No such text, surely")\nt.ngettext("a", "b", 1)'))
    missing = missing_from_template(found)
    assert len(missing) == 2 and "No such text, surely" in missing[0]


@pytest.mark.parametrize("source", ['t(f"Hello {name}")', 'ngettext("a", f"{n} b", n)'])
def test_an_f_string_as_a_message_id_is_a_problem(source: str) -> None:
    _found, problems = messages_in("x.py", ast.parse(source))
    assert problems and "f-string as a message id" in problems[0]
