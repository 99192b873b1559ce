"""Keyboards: pure functions of (translator, data). Buttons carry language-neutral data."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    Update,
)

from texts.callbacks import button
from texts.i18n import BY_CODE, Translator

# Reply-keyboard buttons send their text back; handlers recognise them by the leading icon,
# which is the same in every language, never by the translated words.
ICON_PLAN = "📋"
ICON_APPOINTMENTS = "📅"
ICON_TASKS = "✅"
ICON_QUESTION = "❓"
ICON_SETTINGS = "⚙"
ICON_HELP = "ℹ"
MENU_ICONS = (ICON_PLAN, ICON_APPOINTMENTS, ICON_TASKS, ICON_QUESTION, ICON_SETTINGS, ICON_HELP)


def pressed_markup(update: Update) -> InlineKeyboardMarkup | None:
    """The keyboard of the message whose button was pressed (None when Telegram left it out)."""
    query = update.callback_query
    message = query.message if query is not None else None
    return message.reply_markup if isinstance(message, Message) else None


Rows = list[list[InlineKeyboardButton]]


def under_card(
    update: Update,
    buttons: InlineKeyboardMarkup,
    *,
    back: list[InlineKeyboardButton] | None,
    kept: Callable[[InlineKeyboardMarkup | None], Rows],
) -> InlineKeyboardMarkup:
    """A card's buttons with the way back under them: `back` ("‹ All …") when the card was just
    opened from its list, otherwise the rows of the pressed message that `kept` finds (a card
    opened from a list keeps its way back after Done; a reminder has none)."""
    rows = [back] if back is not None else kept(pressed_markup(update))
    return InlineKeyboardMarkup([*buttons.inline_keyboard, *rows])


def main_menu(t: Translator) -> ReplyKeyboardMarkup:
    rows = [
        [ICON_PLAN + " " + t("My plan"), ICON_APPOINTMENTS + " " + t("Appointments")],
        [ICON_TASKS + " " + t("Tasks"), ICON_QUESTION + " " + t("Ask a question")],
        [ICON_SETTINGS + "\ufe0f " + t("Settings"), ICON_HELP + "\ufe0f " + t("Help")],
    ]
    return ReplyKeyboardMarkup(
        [[KeyboardButton(label) for label in row] for row in rows],
        resize_keyboard=True,
        is_persistent=True,
    )


def languages(
    codes: Sequence[str], *, current: str | None, unreviewed: set[str]
) -> InlineKeyboardMarkup:
    """Every shipped language in its own name; a mark on the current one."""
    buttons = []
    for code in codes:
        language = BY_CODE[code]
        label = language.native_name
        if code in unreviewed:
            label += " *"
        if code == current:
            label = f"✓ {label}"
        buttons.append(button(label, "lang", "set", code))
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def consent(t: Translator, *, not_me: int | None = None) -> InlineKeyboardMarkup:
    """Agree and language; after a portal link also "Not you?" (for that client's id)."""
    rows = [
        [button("👍 " + t("I agree"), "priv", "agree")],
        [button("🌐 " + t("Language"), "lang", "pick")],
    ]
    if not_me is not None:
        rows.append([button("🙅 " + t("Not you? Tap here"), "link", "notme", not_me)])
    return InlineKeyboardMarkup(rows)


def single(text: str, prefix: str, action: str, arg: str | int = "") -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[button(text, prefix, action, arg)]])
