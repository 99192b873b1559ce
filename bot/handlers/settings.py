"""⚙️ Settings: language, reminders per kind, quiet hours, "Also show Dutch", weekly overview.

One message with buttons (`set:v1:<action>:<arg>`), edited in place after each tap. The state
lives in the database only: every button names the value it sets (never "toggle"), so a double
tap or an old message sets the same thing twice instead of flipping it back.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.context import BotContext
from bot.handlers.fallback import stale_button
from bot.keyboards import ICON_SETTINGS
from bot.replies import answer, edit, render
from casework.planning import replan_client
from casework.timewindows import QuietHours
from storage import clients
from storage.ids import pk
from storage.models import Client
from texts import bidi, callbacks
from texts.callbacks import Callback, button
from texts.fmt import Formatter
from texts.i18n import BY_CODE, Translator

log = logging.getLogger(__name__)

PREFIX = "set"
# Callback action -> the Client column it switches on or off.
SWITCHES = {
    "appt": "remind_appointments",
    "task": "remind_tasks",
    "deadline": "remind_deadlines",
    "dutch": "show_dutch",
    "digest": "weekly_digest",
}
QUIET_PRESETS = ("21:00-08:00", "22:00-07:00", "20:00-09:00")
QUIET_OFF = "00:00-00:00"  # an empty window: QuietHours.contains() is never true
QUIET_OFF_ARG = "off"
# Changes that move reminders: re-planned in the same transaction.
REPLANNED = {"quiet_hours", "weekly_digest"}


def quiet_arg(window: str) -> str:
    """'21:00-08:00' -> '2100_0800' (callback data allows [a-z0-9_] only)."""
    return window.replace(":", "").replace("-", "_")


QUIET_BY_ARG = {quiet_arg(w): w for w in QUIET_PRESETS} | {QUIET_OFF_ARG: QUIET_OFF}


@dataclass(frozen=True)
class Choice:
    """One setting and the value a button sets it to."""

    field: str
    value: bool | str


def choice_of(parsed: Callback | None) -> Choice | None:
    """The choice a button stands for; None for anything malformed, old or forged."""
    if parsed is None or parsed.prefix != PREFIX:
        return None
    if parsed.action in SWITCHES and parsed.arg in ("on", "off"):
        return Choice(SWITCHES[parsed.action], parsed.arg == "on")
    if parsed.action == "quiet" and parsed.arg in QUIET_BY_ARG:
        window = QUIET_BY_ARG[parsed.arg]
        QuietHours.parse(window)  # presets are valid by construction; keep it checked
        return Choice("quiet_hours", window)
    return None


def apply(client: Client, choice: Choice) -> bool:
    """Set the chosen value on the client; True when something changed."""
    if getattr(client, choice.field) == choice.value:
        return False
    setattr(client, choice.field, choice.value)
    return True


def effective_quiet(client: Client, default: QuietHours) -> QuietHours:
    """The client's own quiet hours, or the organisation's default."""
    if client.quiet_hours:
        try:
            return QuietHours.parse(client.quiet_hours)
        except ValueError:
            return default
    return default


def is_off(quiet: QuietHours) -> bool:
    return quiet.start == quiet.end


def _window(quiet: QuietHours) -> str:
    return f"{quiet.start:%H:%M}–{quiet.end:%H:%M}"


def _mark(on: bool) -> str:
    return "✓" if on else "✗"


def settings_text(
    t: Translator, f: Formatter, client: Client, quiet: QuietHours, *, language: str
) -> str:
    """The settings message: every current choice as a whole sentence."""
    lines = [
        "⚙️ <b>" + t("Settings") + "</b>",
        "",
        "🌐 " + t("Language: {language}", language=f.auto(language)),
        "",
        "🔔 <b>" + t("Reminders (herinneringen)") + "</b>",
        _mark(client.remind_appointments)
        + " "
        + (
            t("You get reminders for appointments.")
            if client.remind_appointments
            else t("You get no reminders for appointments.")
        ),
        _mark(client.remind_tasks)
        + " "
        + (
            t("You get reminders for tasks.")
            if client.remind_tasks
            else t("You get no reminders for tasks.")
        ),
        _mark(client.remind_deadlines)
        + " "
        + (
            # Translators: inburgeringstermijn = the period (3 years) to finish the programme.
            t("You get reminders about the end of your integration period (inburgeringstermijn).")
            if client.remind_deadlines
            else t(
                "You get no reminders about the end of your integration period "
                "(inburgeringstermijn)."
            )
        ),
        "",
        "🌙 "
        + (
            t("Quiet hours are off. Reminders can come at any time.")
            if is_off(quiet)
            else t(
                "Quiet hours: no reminders between {start} and {end}.",
                start=f.ltr(f"{quiet.start:%H:%M}"),
                end=f.ltr(f"{quiet.end:%H:%M}"),
            )
        ),
        "🇳🇱 "
        + (
            t("Messages also come in simple Dutch.")
            if client.show_dutch
            else t("Messages come only in your language.")
        ),
        "📰 "
        + (
            t("You get a weekly overview on Monday morning.")
            if client.weekly_digest
            else t("You get no weekly overview.")
        ),
        "",
        t("Tap a button to change a setting."),
    ]
    return "\n".join(lines)


def _switch(f: Formatter, label: str, action: str, on: bool) -> InlineKeyboardButton:
    """A button that shows the current state and sets the opposite."""
    text = bidi.button(label, rtl=f.rtl, icon=_mark(on))
    return button(text, PREFIX, action, "off" if on else "on")


def settings_keyboard(
    t: Translator, f: Formatter, client: Client, quiet: QuietHours
) -> InlineKeyboardMarkup:
    """Pure: the buttons for the current state, a ✓ on what is chosen."""
    quiet_buttons = []
    for window in QUIET_PRESETS:
        preset = QuietHours.parse(window)
        label = _window(preset)
        if preset == quiet:
            label = f"✓ {label}"
        quiet_buttons.append(button(label, PREFIX, "quiet", quiet_arg(window)))
    off = bidi.button(t("No quiet hours"), rtl=f.rtl, icon="✓" if is_off(quiet) else "")
    quiet_buttons.append(button(off, PREFIX, "quiet", QUIET_OFF_ARG))
    return InlineKeyboardMarkup(
        [
            [button(bidi.button(t("Language"), rtl=f.rtl, icon="🌐"), "lang", "pick")],
            [
                _switch(f, t("Appointments"), "appt", client.remind_appointments),
                _switch(f, t("Tasks"), "task", client.remind_tasks),
            ],
            [_switch(f, t("End of integration period"), "deadline", client.remind_deadlines)],
            quiet_buttons[:2],
            quiet_buttons[2:],
            [_switch(f, t("Also show Dutch"), "dutch", client.show_dutch)],
            [_switch(f, t("Weekly overview"), "digest", client.weekly_digest)],
        ]
    )


def _page(context: BotContext, client: Client) -> tuple[str, InlineKeyboardMarkup]:
    quiet = effective_quiet(client, context.settings.default_quiet_hours)
    found = BY_CODE.get(context.locale)
    language = found.native_name if found else context.locale
    text = render(context, lambda t, f: settings_text(t, f, client, quiet, language=language))
    return text, settings_keyboard(context.t, context.fmt, client, quiet)


async def show_settings(update: Update, context: BotContext) -> None:
    client = context.client
    assert client is not None
    text, markup = _page(context, client)
    await answer(update, context, text, reply_markup=markup)


async def pressed(update: Update, context: BotContext) -> None:
    """Store the choice (re-planning reminders when it moves them), then redraw the message."""
    query = update.callback_query
    assert query is not None
    choice = choice_of(callbacks.parse(query.data))
    if choice is None or context.client is None:
        await stale_button(update, context)
        return
    async with context.db.transaction() as session:
        client = await clients.by_id(session, client_id=pk(context.client))
        assert client is not None
        if apply(client, choice):
            session.add(client)
            log.info("setting changed", extra={"client_id": client.id, "setting": choice.field})
            if choice.field in REPLANNED:
                await replan_client(
                    session, client=client, rules=context.rules, now=context.clock.now()
                )
    context.client = client
    text, markup = _page(context, client)
    try:
        await edit(query, text, reply_markup=markup)
    except BadRequest as error:
        if "not modified" not in error.message.lower():
            raise
    await query.answer()  # after the edit: the tap's spinner ends when the new state shows


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("settings", show_settings, filters=private),
        MessageHandler(private & filters.Regex(f"^{ICON_SETTINGS}"), show_settings),
        CallbackQueryHandler(pressed, pattern=callbacks.pattern(PREFIX)),
    ]
