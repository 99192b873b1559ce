"""Right-to-left text: keep left-to-right fragments whole inside Arabic-script sentences.

Dates, references, addresses, URLs, numbers with units and Dutch terms inside an RTL sentence are
wrapped in Unicode isolates (LRI ... PDI) so the bidi algorithm does not scramble them. In a
left-to-right locale the text is returned unchanged.
"""

from __future__ import annotations

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
