"""What the back-office tells a client on Telegram about their appointments and tasks, in the
client's language.

Texts are functions of the client's translator and formatter (like bot/replies.py), written in
the bot's gettext domain so they are translated with the bot's catalogues. They carry the
minimum (DESIGN section 7): no case details beyond the time and place the client needs, and a
way to reach the team outside Telegram. Answers, the seen notice and close/reopen notices go
through the question store's own delivery (bot/services/relay.py), whatever the channel.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from telegram import Bot
from telegram.error import TelegramError

from bot.services import relay
from bot.services.relay import Delivery, Outcome
from casework import blocking
from storage.enums import ClientStatus
from storage.ids import pk
from storage.models import Appointment, Client, Organisation, Task
from texts.fmt import Formatter
from texts.html import escape
from texts.i18n import N_, Translator, translator
from texts.render.appointments import AppointmentCard, appointment_buttons, appointment_text
from texts.render.tasks import task_buttons, task_text

if TYPE_CHECKING:
    from bot.context import Services

log = logging.getLogger(__name__)
ClientText = Callable[[Translator, Formatter], str]


class AppointmentNews(StrEnum):
    ADDED = "added"
    MOVED = "moved"
    CANCELLED = "cancelled"


class TaskNews(StrEnum):
    ADDED = "added"
    DONE = "done"


async def tell(
    bot: Bot | None,
    services: Services,
    client: Client,
    text: ClientText,
    *,
    reply_markup: Any = None,
) -> Delivery:
    """Send the client a notice with buttons; a blocked bot is recorded, never raised."""
    if bot is None or client.telegram_chat_id is None:
        return Delivery(Outcome.NOT_LINKED)
    if client.status == ClientStatus.BLOCKED_BOT:
        return Delivery(Outcome.BLOCKED)
    body = relay.for_client(services, client, text)
    try:
        sent = await relay.send_html(bot, client.telegram_chat_id, body, reply_markup=reply_markup)
    except TelegramError as exc:
        outcome = relay.outcome_of(exc)
        log.warning(
            "telling a client failed",
            extra={"client_id": client.id, "error": relay.error_name(exc)},
        )
        if outcome == Outcome.BLOCKED:
            async with services.db.transaction() as session:
                await blocking.block(session, client_ids=[pk(client)])
        return Delivery(outcome)
    return Delivery(Outcome.DELIVERED, sent.message_id)


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


def appointment_keyboard(
    services: Services, appointment: Appointment, client: Client, now: datetime
) -> Any:
    """The bot's buttons under the appointment (confirm, cannot come, calendar)."""
    locale = relay.client_locale(services, client)
    return appointment_buttons(translator(locale), appointment, now)


def task_news_text(news: TaskNews, task: Task, *, today: date, now: datetime) -> ClientText:
    headings = {
        TaskNews.ADDED: N_("You have a new task (taak)."),
        TaskNews.DONE: N_("Your caseworker marked this task as done."),
    }

    def text(t: Translator, f: Formatter) -> str:
        card = task_text(t, f, task, today=today, now=now)
        return "\n".join(["<b>" + t(headings[news]) + "</b>", "", card])

    return text


def task_keyboard(services: Services, task: Task, client: Client, now: datetime) -> Any:
    return task_buttons(translator(relay.client_locale(services, client)), task, now)
