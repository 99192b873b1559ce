"""A list screen in one message: numbered items, one button per item, and a way back.

The same keycap number (1️⃣ 2️⃣ …) starts an item's block in the text and its button, so a
reader who does not read the words easily can still match the two. Button labels are plain
text (Telegram does not parse them), short, and laid out right to left in RTL languages.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from texts.callbacks import button, parse
from texts.fmt import Formatter

KEYCAPS = ("1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣", "🔟")
LABEL_CHARS = 32  # a button label a phone shows on one line
LIST = "list"  # the action that shows the list again
OPEN = "open"  # the action that opens one item of the list in place


def number(n: int) -> str:
    """1️⃣ … 🔟 for the first ten items, '11.' after that."""
    return KEYCAPS[n - 1] if 1 <= n <= len(KEYCAPS) else f"{n}."


def clipped(text: str, limit: int = LABEL_CHARS) -> str:
    """A label cut to `limit` characters, with '…' where it was cut."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def item_button(f: Formatter, n: int, label: str, prefix: str, row_id: int) -> InlineKeyboardButton:
    """'1️⃣ Thu 26 Nov · Intake': opens item n in place."""
    return button(f.button(clipped(label), icon=number(n)), prefix, OPEN, row_id)


def back_row(f: Formatter, label: str, prefix: str) -> list[InlineKeyboardButton]:
    """'‹ All appointments'. In a right-to-left label the same '‹' stands on the right and is
    drawn mirrored, '›' (Unicode bidi mirroring): back points outwards in both directions."""
    return [button(f.button(label, icon="‹"), prefix, LIST)]


def kept_rows(
    markup: InlineKeyboardMarkup | None, *actions: str
) -> list[list[InlineKeyboardButton]]:
    """The rows of a pressed message's keyboard whose buttons lead to a list (back, done list).

    Done, Undo and the appointment answers are the same buttons under a reminder and under a card
    opened from a list: the way back is kept from the message the client pressed.
    """
    if markup is None:
        return []
    rows = []
    for row in markup.inline_keyboard:
        parsed = [parse(b.callback_data if isinstance(b.callback_data, str) else None) for b in row]
        if row and all(p is not None and p.action in actions for p in parsed):
            rows.append(list(row))
    return rows
