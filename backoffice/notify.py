"""What the back-office tells a client on Telegram about their appointments and tasks, in the
client's language.

Texts are functions of the client's translator and formatter (like bot/replies.py), written in
the bot's gettext domain so they are translated with the bot's catalogues. They carry the
minimum (DESIGN section 7): no case details beyond the time and place the client needs, and a
way to reach the team outside Telegram. They go out through the client channel
(casework/ports.py) that the composition root hands the back-office, as answers, the seen notice
and close/reopen notices do.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from casework.ports import Buttons, Channels, Delivery, Listen, Outcome
from storage import staff as staff_queries
from storage.db import Database
from storage.ids import pk
from storage.models import Appointment, Client, Organisation, Task
from texts.fmt import Formatter
from texts.html import escape
from texts.i18n import N_, Translator, translator
from texts.readers import Readers
from texts.render.appointments import AppointmentCard, appointment_buttons, appointment_text
from texts.render.tasks import task_buttons, task_text
from texts.speakable import APPOINTMENT, TASK, appointment_speakable, task_speakable

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
    channels: Channels | None,
    client: Client,
    text: ClientText,
    *,
    buttons: Buttons = None,
    listen: Listen | None = None,
) -> Delivery:
    """Send the client a notice with buttons (and 🔊 Listen where `listen` names the message
    and audio exists in the client's language); a blocked bot is recorded, never raised."""
    if channels is None:
        return Delivery(Outcome.NOT_LINKED)
    return await channels.client.notify(client, text, buttons=buttons, listen=listen)


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
    readers: Readers, appointment: Appointment, client: Client, now: datetime
) -> Buttons:
    """The bot's buttons under the appointment (confirm, cannot come, calendar)."""
    return appointment_buttons(translator(readers.locale_of(client)), appointment, now)


def task_news_text(news: TaskNews, task: Task, *, today: date, now: datetime) -> ClientText:
    headings = {
        TaskNews.ADDED: N_("You have a new task (taak)."),
        TaskNews.DONE: N_("Your caseworker marked this task as done."),
    }

    def text(t: Translator, f: Formatter) -> str:
        card = task_text(t, f, task, today=today, now=now)
        return "\n".join(["<b>" + t(headings[news]) + "</b>", "", card])

    return text


def task_keyboard(readers: Readers, task: Task, client: Client, now: datetime) -> Buttons:
    return task_buttons(translator(readers.locale_of(client)), task, now)


async def appointment_listen(db: Database, appointment: Appointment, now: datetime) -> Listen:
    """🔊 Listen under the news of an appointment: it reads as the appointment's own message."""
    async with db.reading() as session:
        member = (
            await staff_queries.by_id(session, staff_id=appointment.staff_id)
            if appointment.staff_id
            else None
        )
    card = AppointmentCard(appointment, member.name if member else None, now)
    return Listen(APPOINTMENT, pk(appointment), appointment_speakable(card))


def task_listen(task: Task, now: datetime, zone: ZoneInfo) -> Listen:
    """🔊 Listen under the news of a new task: it reads as the task's own message."""
    return Listen(TASK, pk(task), task_speakable(task, now, zone))
