"""Callback data: short, language-neutral, prefixed and versioned (`appt:v1:confirm:42`).

Callback data comes from the user's phone and is never trusted: it is parsed strictly here, and
every handler checks the row it names against the presser's rights.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from telegram import InlineKeyboardButton

VERSION = "v1"
_PART = re.compile(r"^[a-z0-9_]{1,24}$")


@dataclass(frozen=True)
class Callback:
    prefix: str
    action: str
    arg: str = ""

    def int_arg(self) -> int | None:
        return int(self.arg) if self.arg.isdigit() and len(self.arg) < 12 else None


def make(prefix: str, action: str, arg: str | int = "") -> str:
    data = f"{prefix}:{VERSION}:{action}:{arg}"
    if len(data.encode()) > 64:
        raise ValueError("callback data is limited to 64 bytes")
    return data


def parse(data: str | None) -> Callback | None:
    """The parsed callback, or None for anything malformed or of another version."""
    if not data or len(data) > 64:
        return None
    parts = data.split(":")
    if len(parts) != 4 or parts[1] != VERSION:
        return None
    prefix, _, action, arg = parts
    if not _PART.match(prefix) or not _PART.match(action) or (arg and not _PART.match(arg.lower())):
        return None
    return Callback(prefix, action, arg)


def pattern(prefix: str) -> str:
    """A CallbackQueryHandler pattern for one prefix of this version."""
    return rf"^{re.escape(prefix)}:{VERSION}:"


def button(text: str, prefix: str, action: str, arg: str | int = "") -> InlineKeyboardButton:
    """An inline button whose data is made here, so a handler can parse it back."""
    return InlineKeyboardButton(text, callback_data=make(prefix, action, arg))
