"""Recognising a BSN (burgerservicenummer) in free text, so that none is ever stored.

A BSN is nine digits (older ones eight, read with a leading zero) that pass the eleven-test:
9*d1 + 8*d2 + ... + 2*d8 - 1*d9 is a multiple of 11. People write them plain (123456782) or
grouped with spaces, dots or hyphens (1234.56.782, 123 456 782). A run of digits that is part
of a longer number (a phone number, an IBAN) is not a BSN.
"""

from __future__ import annotations

import re

# Eight or nine digits, optionally grouped by single spaces, dots or hyphens, not touching
# other digits or group separators that would make them part of a longer number.
_CANDIDATE = re.compile(r"(?<![\d.\-])\d(?:[ .\-]?\d){7,8}(?![\d]|[.\-]\d| \d)")
# A date written with separators (2026-12-02, 02-12-2026, 2.12.2026) is a date, whatever its
# digits add up to.
_DATE = re.compile(r"\d{4}([.\-])\d{1,2}\1\d{1,2}|\d{1,2}([.\-])\d{1,2}\2\d{4}")
MASK = "•••••••••"


def passes_eleven_test(digits: str) -> bool:
    """True if eight or nine digits form a valid BSN by the eleven-test (all zeros is not)."""
    if not digits.isascii() or not digits.isdigit() or len(digits) not in (8, 9):
        return False
    digits = digits.zfill(9)
    if int(digits) == 0:
        return False
    total = sum(int(d) * weight for d, weight in zip(digits[:8], range(9, 1, -1), strict=True))
    return (total - int(digits[8])) % 11 == 0


def _spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for match in _CANDIDATE.finditer(text):
        if _DATE.fullmatch(match.group()):
            continue
        if passes_eleven_test(re.sub(r"[ .\-]", "", match.group())):
            spans.append(match.span())
    return spans


def contains_bsn(text: str | None) -> bool:
    """True if the text holds a number that passes the BSN eleven-test."""
    return bool(text) and bool(_spans(text or ""))


def mask_bsn(text: str) -> str:
    """The text with every number that passes the eleven-test replaced by a mask."""
    spans = _spans(text)
    for start, end in reversed(spans):
        text = text[:start] + MASK + text[end:]
    return text
