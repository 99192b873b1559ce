"""What the back-office tells a client on Telegram, in the client's language.

Texts are functions of the client's translator and formatter (like bot/replies.py), written in
the bot's gettext domain so they are translated with the bot's catalogues. They carry the
minimum (DESIGN section 7): no case details beyond the time and place the client needs, and a
way to reach the team outside Telegram.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot.fmt import Formatter
from bot.i18n import N_, Translator, translator
from bot.render.appointments import AppointmentCard, appointment_buttons, appointment_text
from bot.render.tasks import task_buttons, task_text
from bot.replies import split_text
from storage.enums import ClientStatus
from storage.models import Appointment, Client, Organisation, Task

log = logging.getLogger(__name__)
ClientText = Callable[[Translator, Formatter], str]
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


class AppointmentNews(StrEnum):
    ADDED = "added"
    MOVED = "moved"
    CANCELLED = "cancelled"


class TaskNews(StrEnum):
    ADDED = "added"
    DONE = "done"


class Outcome(StrEnum):
    DELIVERED = "delivered"
    NOT_LINKED = "not_linked"  # no Telegram chat (invited, or unlinked)
    BLOCKED = "blocked"  # the client blocked the bot
    FAILED = "failed"  # Telegram refused or could not be reached; try again later


@dataclass(frozen=True)
class Delivery:
    outcome: Outcome
    message_id: int | None = None

    @property
    def delivered(self) -> bool:
        return self.outcome == Outcome.DELIVERED


def client_locale(client: Client, default: str = "nl") -> str:
    return client.locale or default


def render_for(client: Client, text: ClientText, *, zone: ZoneInfo, default: str = "nl") -> str:
    """The text in the client's language, with simple Dutch under it when they asked for it."""
    locale = client_locale(client, default)
    own = text(translator(locale), Formatter(locale, zone))
    if not client.show_dutch or locale == "nl":
        return own
    dutch = text(translator("nl"), Formatter("nl", zone))
    return f"{own}\n\n🇳🇱 <i>{dutch}</i>"


async def deliver(
    bot: Bot | None, client: Client, body: str, *, reply_markup: Any = None
) -> Delivery:
    """Send an HTML text to the client's chat; a blocked bot is reported, never raised."""
    if bot is None or client.telegram_chat_id is None:
        return Delivery(Outcome.NOT_LINKED)
    if client.status == ClientStatus.BLOCKED_BOT:
        return Delivery(Outcome.BLOCKED)
    message_id = None
    try:
        pieces = split_text(body)
        for index, piece in enumerate(pieces):
            sent = await bot.send_message(
                client.telegram_chat_id,
                piece,
                parse_mode=ParseMode.HTML,
                link_preview_options=NO_PREVIEW,
                reply_markup=reply_markup if index == len(pieces) - 1 else None,
            )
            message_id = message_id or sent.message_id
    except Forbidden:
        log.info("client blocked the bot", extra={"client_id": client.id})
        return Delivery(Outcome.BLOCKED)
    except (BadRequest, RetryAfter, TelegramError) as exc:
        log.warning(
            "sending to a client failed",
            extra={"client_id": client.id, "error": type(exc).__name__},
        )
        return Delivery(Outcome.FAILED)
    return Delivery(Outcome.DELIVERED, message_id)


# -- the texts ----------------------------------------------------------------------------------


def contact_lines(t: Translator, f: Formatter, organisation: Organisation | None) -> list[str]:
    """How to reach the team outside Telegram (every message that matters says it)."""
    if organisation is None or not (organisation.phone or organisation.email):
        return []
    lines = [t("You can also reach your team outside Telegram:")]
    if organisation.phone:
        lines.append("📞 " + f.ltr(escape(organisation.phone)))
    if organisation.email:
        lines.append("✉️ " + f.ltr(escape(organisation.email)))
    return lines


def answer_text(answer: str) -> ClientText:
    """A caseworker's own words, as they wrote them."""

    def text(t: Translator, f: Formatter) -> str:
        heading = t("💬 Answer from your caseworker (klantregisseur):")
        return f"<b>{heading}</b>\n{f.auto(escape(answer))}"

    return text


def ready_answer_text(message_id: str) -> ClientText:
    """A ready-made answer: its text in the client's language."""

    def text(t: Translator, f: Formatter) -> str:
        heading = t("💬 Answer from your caseworker (klantregisseur):")
        return f"<b>{heading}</b>\n{escape(t(message_id))}"

    return text


def seen_text(t: Translator, _f: Formatter) -> str:
    return t("👀 Your caseworker has seen your question. You will get an answer soon.")


def _card(appointment: Appointment, staff_name: str | None, now: datetime) -> AppointmentCard:
    return AppointmentCard(appointment=appointment, staff_name=staff_name, now=now)


def appointment_news_text(
    news: AppointmentNews,
    appointment: Appointment,
    *,
    staff_name: str | None,
    now: datetime,
    organisation: Organisation | None,
) -> ClientText:
    """A new, moved or cancelled appointment: a heading over the bot's own appointment card."""
    headings = {
        AppointmentNews.ADDED: N_("You have a new appointment (afspraak)."),
        AppointmentNews.MOVED: N_("Your appointment (afspraak) has moved to a new time."),
        AppointmentNews.CANCELLED: N_("Your appointment (afspraak) is cancelled."),
    }

    def text(t: Translator, f: Formatter) -> str:
        card = appointment_text(t, f, _card(appointment, staff_name, now))
        lines = ["<b>" + t(headings[news]) + "</b>", "", card]
        contact = contact_lines(t, f, organisation)
        return "\n".join([*lines, "", *contact] if contact else lines)

    return text


def appointment_keyboard(appointment: Appointment, client: Client, now: datetime) -> Any:
    """The bot's buttons under the appointment (confirm, cannot come, calendar)."""
    return appointment_buttons(translator(client_locale(client)), appointment, now)


def task_news_text(news: TaskNews, task: Task, *, today: date, now: datetime) -> ClientText:
    headings = {
        TaskNews.ADDED: N_("You have a new task (taak)."),
        TaskNews.DONE: N_("Your caseworker marked this task as done."),
    }

    def text(t: Translator, f: Formatter) -> str:
        card = task_text(t, f, task, today=today, now=now)
        return "\n".join(["<b>" + t(headings[news]) + "</b>", "", card])

    return text


def task_keyboard(task: Task, client: Client, now: datetime) -> Any:
    return task_buttons(translator(client_locale(client)), task, now)
