"""Right-to-left text: keep left-to-right fragments whole inside Arabic-script sentences.

Dates, references, addresses, URLs, numbers with units and Dutch terms inside an RTL sentence are
wrapped in Unicode isolates (LRI ... PDI) so the bidi algorithm does not scramble them. In a
left-to-right locale the text is returned unchanged.
"""

from __future__ import annotations

import re

LRI = "\u2066"  # left-to-right isolate
RLI = "\u2067"  # right-to-left isolate
FSI = "\u2068"  # first-strong isolate
PDI = "\u2069"  # pop directional isolate
RLM = "\u200f"  # right-to-left mark
ISOLATES = (LRI, RLI, FSI, PDI)


def ltr(text: str, *, rtl: bool) -> str:
    """Isolate a left-to-right fragment when it stands in right-to-left text."""
    if not rtl or not text:
        return text
    return f"{LRI}{text}{PDI}"


def auto(text: str, *, rtl: bool) -> str:
    """Isolate a fragment of unknown direction (a name, a client's own words)."""
    if not rtl or not text:
        return text
    return f"{FSI}{text}{PDI}"


# In a translated RTL sentence: markup, placeholders, entities, URLs and e-mail addresses stay as
# they are; a bot command is isolated whole, slash included (the slash is neutral and would take the
# paragraph's direction: "privacy/"); in the text between them every run of Latin-script words (a
# Dutch term such as "klantregisseur", "B1-route", a code such as "ABCDE-FGHJK") is isolated.
_PROTECTED = re.compile(
    r"(<[^>]*>|\{[^{}]*\}|&#?\w+;|(?<![\w/])/[A-Za-z]\w*|https?://\S+|[\w.+-]+@[\w.-]+)"
)
_COMMAND = re.compile(r"/[A-Za-z]\w*")
_WORD = "[A-Za-z\u00c0-\u024f0-9]+"
LATIN_RUN = re.compile(f"{_WORD}(?:(?:[-'’.]| ){_WORD})*")
_LATIN_LETTER = re.compile(r"[A-Za-z\u00C0-\u024F]")


def isolate_latin(template: str) -> str:
    """Isolate the Latin-script words that a right-to-left translation keeps (Dutch terms)."""
    pieces = _PROTECTED.split(template)
    for index in range(0, len(pieces), 2):
        pieces[index] = LATIN_RUN.sub(_isolate_run, pieces[index])
    for index in range(1, len(pieces), 2):
        if _COMMAND.fullmatch(pieces[index]):
            pieces[index] = f"{LRI}{pieces[index]}{PDI}"
    return "".join(pieces)


def _isolate_run(match: re.Match[str]) -> str:
    run = match.group(0)
    if not _LATIN_LETTER.search(run):
        return run  # a bare number reads fine in RTL text
    return f"{LRI}{run}{PDI}"


_TAG = re.compile(r"<[^>]*>")
_COMMAND_OR_LATIN = re.compile(r"(?<![\w/])/[A-Za-z]|[A-Za-z\u00C0-\u024F]")


def bare_ltr(text: str) -> list[str]:
    """Latin letters and command slashes that stand outside every isolate (markup aside).

    In right-to-left text each of them is a fragment the bidi algorithm may scramble: a Dutch
    term, a code, a reference number with letters, a command ("/privacy" shows as "privacy/").
    """
    plain = _TAG.sub("", text)
    depth_at = []
    depth = 0
    for char in plain:
        if char in (LRI, RLI, FSI):
            depth += 1
        elif char == PDI:
            depth = max(depth - 1, 0)
        depth_at.append(depth)
    found = []
    end = 0
    for match in _COMMAND_OR_LATIN.finditer(plain):
        start = match.start()
        if start < end or depth_at[start] != 0:
            continue
        end = start
        while end < len(plain) and depth_at[end] == 0 and not plain[end].isspace():
            end += 1
        found.append(plain[start:end])
    return found


def isolate_value(value: object) -> object:
    """A placeholder value for right-to-left text: isolated (FSI) if it has bare LTR in it."""
    if isinstance(value, str) and bare_ltr(value):
        return f"{FSI}{value}{PDI}"
    return value


def button(text: str, *, rtl: bool, icon: str = "") -> str:
    """A button label: in RTL, a right-to-left mark after the icon sets the label's direction.

    Telegram lays out each label on its own, by its first strong character; a label that starts
    with an LTR fragment ('KNM', a date) would otherwise be laid out left to right. The icon stays
    the first character, because reply-keyboard buttons are recognised by it.
    """
    prefix = f"{icon} " if icon else ""
    if not rtl or not text:
        return f"{prefix}{text}"
    return f"{prefix}{RLM}{text}"


def strip_isolates(text: str) -> str:
    """The text without directional controls (for tests and plain-text exports)."""
    for mark in (*ISOLATES, RLM):
        text = text.replace(mark, "")
    return text


def balanced(text: str) -> bool:
    """Every isolate opened is closed, in order."""
    depth = 0
    for char in text:
        if char in (LRI, RLI, FSI):
            depth += 1
        elif char == PDI:
            depth -= 1
            if depth < 0:
                return False
    return depth == 0
