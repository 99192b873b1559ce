"""Reminder texts, rendered at send time in the client's language (and Dutch under it if asked).

Texts are functions of (Translator, Formatter) like bot/replies.py. Appointment and task
reminders show the same card and buttons as /appointments and /tasks (texts/render/), so the
client can answer right from the reminder.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup
from telegram.constants import MessageLimit

from storage.enums import ReminderKind
from storage.models import Appointment, Client, Plan, Task
from storage.reminders import Claimed
from texts.fmt import Formatter
from texts.html import Html, escape, html_translator
from texts.i18n import Translator, translator
from texts.render.appointments import AppointmentCard, appointment_buttons, appointment_text
from texts.render.appointments import kind_html as appointment_kind_html
from texts.render.tasks import task_buttons, task_text
from texts.speakable import Speakable, appointment_values, task_values

Text = Callable[[Translator, Formatter], str]
LIMIT = MessageLimit.MAX_TEXT_LENGTH


@dataclass(frozen=True)
class Contact:
    """How to reach the team outside Telegram (DESIGN section 7)."""

    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class Subject:
    """A claimed reminder with what it is about, loaded at send time."""

    reminder: Claimed
    client: Client
    appointment: Appointment | None = None
    task: Task | None = None
    plan: Plan | None = None
    staff_name: str | None = None
    week_appointments: Sequence[Appointment] = field(default_factory=tuple)
    week_tasks: Sequence[Task] = field(default_factory=tuple)


@dataclass(frozen=True)
class Outgoing:
    """One message to send: HTML text and an optional inline keyboard."""

    text: str
    markup: InlineKeyboardMarkup | None = None


def _today(f: Formatter, now: datetime) -> date:
    return f.local(now).date()


def _contact_lines(t: Translator, f: Formatter, contact: Contact) -> list[str]:
    if not (contact.phone or contact.email):
        return []
    lines = ["", t("You can also reach your team outside Telegram:")]
    if contact.phone:
        lines.append("📞 " + f.ltr(escape(contact.phone)))
    if contact.email:
        lines.append("✉️ " + f.ltr(escape(contact.email)))
    return lines


def appointment_heading(t: Translator, f: Formatter, starts_at: datetime, now: datetime) -> str:
    """'Reminder: you have an appointment tomorrow at 14:30.' (today, tomorrow or a date)."""
    days = (f.local(starts_at).date() - _today(f, now)).days
    when = f.time(starts_at)
    if days == 0:
        return t("Reminder: you have an appointment today at {time}.", time=when)
    if days == 1:
        return t("Reminder: you have an appointment tomorrow at {time}.", time=when)
    return t(
        "Reminder: you have an appointment on {date} at {time}.",
        date=f.date(starts_at),
        time=when,
    )


def appointment_reminder(subject: Subject, now: datetime, contact: Contact) -> Text:
    appointment = subject.appointment
    assert appointment is not None
    card = AppointmentCard(appointment, subject.staff_name, now)

    def text(t: Translator, f: Formatter) -> str:
        lines = ["⏰ <b>" + appointment_heading(t, f, appointment.starts_at, now) + "</b>", ""]
        lines.append(appointment_text(t, f, card))
        lines += _contact_lines(t, f, contact)
        return "\n".join(lines)

    return text


def task_heading(t: Translator, f: Formatter, reminder: Claimed, task: Task, now: datetime) -> str:
    """Before the due date: when it is due; after it: that it is still open."""
    assert task.due_date is not None
    days = (task.due_date - _today(f, now)).days
    if days < 0:
        return t("This task was due on {date} and is still open.", date=f.date(task.due_date))
    if days == 0:
        return t("Reminder: this task is due today.")
    if days == 1:
        return t("Reminder: this task is due tomorrow.")
    return t("Reminder: this task is due on {date}.", date=f.date(task.due_date))


def task_reminder(subject: Subject, now: datetime, contact: Contact) -> Text:
    task = subject.task
    assert task is not None

    def text(t: Translator, f: Formatter) -> str:
        lines = ["⏰ <b>" + task_heading(t, f, subject.reminder, task, now) + "</b>", ""]
        lines.append(task_text(t, f, task, today=_today(f, now), now=now))
        lines += ["", t("Tap Done when you have done it. Questions? Ask your caseworker.")]
        return "\n".join(lines)

    return text


def _months_between(today: date, end: date) -> int:
    months = (end.year - today.year) * 12 + end.month - today.month
    return months - 1 if end.day < today.day else months


def deadline_reminder(subject: Subject, now: datetime, contact: Contact) -> Text:
    plan = subject.plan
    assert plan is not None
    end = plan.extended_until or plan.period_end

    def text(t: Translator, f: Formatter) -> str:
        term = f.ltr(Html("<i>inburgeringstermijn</i>"))
        months = _months_between(_today(f, now), end)
        lines = [
            "⏳ <b>"
            + t(
                "Your integration period ({term}) ends on {date}.",
                term=term,
                date=f.date(end),
            )
            + "</b>"
        ]
        if months >= 1:
            lines.append(t.ngettext("That is in {n} month.", "That is in {n} months.", months))
        else:
            lines.append(t("That is in less than a month."))
        lines += [
            "",
            t(
                "Please check with your caseworker ({klantregisseur}) that you can finish "
                "everything in time. If you need more time, ask about an extension.",
                klantregisseur=f.ltr(Html("<i>klantregisseur</i>")),
            ),
        ]
        lines += _contact_lines(t, f, contact)
        return "\n".join(lines)

    return text


def digest(subject: Subject, now: datetime, contact: Contact) -> Text:
    def text(t: Translator, f: Formatter) -> str:
        lines = ["🗓 <b>" + t("Your week") + "</b>", ""]
        if subject.week_appointments:
            lines.append(t("Your appointments this week:"))
            for appointment in subject.week_appointments:
                lines.append(
                    f"📅 {f.short_datetime(appointment.starts_at)} "
                    + appointment_kind_html(t, f, appointment.kind)
                )
        else:
            lines.append(t("You have no appointments this week."))
        lines.append("")
        if subject.week_tasks:
            lines.append(t("Your open tasks:"))
            for task in subject.week_tasks:
                line = "📝 " + f.auto(escape(task.title))
                if task.due_date is not None:
                    line += " — " + t("due on {date}", date=f.date(task.due_date))
                lines.append(line)
        else:
            lines.append(t("You have no open tasks."))
        lines += ["", t("See /appointments and /tasks for more. You can stop this in /settings.")]
        return "\n".join(lines)

    return text


RENDERERS: dict[str, Callable[[Subject, datetime, Contact], Text]] = {
    ReminderKind.APPOINTMENT: appointment_reminder,
    ReminderKind.TASK: task_reminder,
    ReminderKind.DEADLINE: deadline_reminder,
    ReminderKind.DIGEST: digest,
}


def buttons(subject: Subject, t: Translator, now: datetime) -> InlineKeyboardMarkup | None:
    """The appointment's answer buttons, or the task's Done buttons; None when there are none."""
    markup: InlineKeyboardMarkup | None = None
    if subject.reminder.kind == ReminderKind.APPOINTMENT and subject.appointment is not None:
        markup = appointment_buttons(t, subject.appointment, now)
    elif subject.reminder.kind == ReminderKind.TASK and subject.task is not None:
        markup = task_buttons(t, subject.task, now)
    return markup if markup is not None and markup.inline_keyboard else None


# The message ids of reminders in the audio catalogue (audio/manifest.json); the other kinds
# (deadline, digest) have no 🔊 Listen button.
SPEAKABLE: dict[str, str] = {
    ReminderKind.APPOINTMENT: "reminder_appointment",
    ReminderKind.TASK: "reminder_task",
}


def speakable(subject: Subject, now: datetime, contact: Contact) -> Speakable | None:
    """The reminder as something to listen to, for the kinds that have a 🔊 Listen button."""
    message_id = SPEAKABLE.get(subject.reminder.kind)
    if message_id is None:
        return None
    text = RENDERERS[subject.reminder.kind](subject, now, contact)
    if subject.appointment is not None:
        return Speakable(
            message_id, text, appointment_values(subject.appointment, subject.staff_name)
        )
    if subject.task is not None:
        return Speakable(message_id, text, task_values(subject.task))
    return None


def can_render(kind: str) -> bool:
    return kind in RENDERERS


def render(
    subject: Subject, *, now: datetime, zone: ZoneInfo, default_locale: str, contact: Contact
) -> Outgoing:
    """The reminder in the client's language, with the Dutch version under it when asked for."""
    client = subject.client
    locale = client.locale or default_locale
    text_fn = RENDERERS[subject.reminder.kind](subject, now, contact)
    t = translator(locale)
    body = text_fn(html_translator(locale), Formatter(locale, zone))
    if client.show_dutch and locale != "nl":
        dutch = text_fn(html_translator("nl"), Formatter("nl", zone))
        body = f"{body}\n\n🇳🇱 <i>{dutch}</i>"
        if len(body) > LIMIT:  # the Dutch copy is a courtesy; the client's language comes first
            body = text_fn(html_translator(locale), Formatter(locale, zone))
    return Outgoing(body[:LIMIT], buttons(subject, t, now))
