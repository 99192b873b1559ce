"""Every screen a client or a staff member can reach, rendered with factory data in one language.

The renderers and keyboards are pure functions of (translator, formatter, data), so most screens
are made here by calling them; `test_screens.py` drives the few that only a handler writes
(the greeting, the language switch, toasts) through the fake Bot API.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from telegram import InlineKeyboardMarkup, ReplyKeyboardMarkup

from backoffice import notify
from bot import glossary, keyboards
from bot.channels.staff import case_buttons
from bot.handlers import errors, fallback, gate, help, onboarding, privacy, questions, text, words
from bot.handlers.settings import settings_keyboard, settings_text
from casework.clock import FixedClock
from casework.timewindows import OfficeHours, QuietHours
from storage.enums import ReminderKind
from storage.models import Client, Organisation, Question, Staff, Task
from storage.reminders import Claimed
from tests.i18n import samples
from texts.fmt import Formatter
from texts.i18n import LANGUAGES, Translator, translator
from texts.render import appointments as appt
from texts.render import plan as plan_render
from texts.render import questions as staff_texts
from texts.render import reminders
from texts.render import tasks as task_render

NOW = samples.NOW  # Monday 23 November 2026, 11:00 in Amsterdam: office open
TODAY = samples.TODAY
EVENING = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)  # office closed
Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | None
TextFn = Callable[[Translator, Formatter], str]


@dataclass
class Screen:
    """One message as the user sees it: its text and the labels of its buttons."""

    name: str
    text: str
    buttons: list[str] = field(default_factory=list)
    # a calendar file is plain text for another program: no isolates in it
    plain: bool = False


def labels(markup: Markup) -> list[str]:
    if markup is None:
        return []
    rows = markup.inline_keyboard if isinstance(markup, InlineKeyboardMarkup) else markup.keyboard
    return [button.text for row in rows for button in row]


def client(locale: str, **fields: Any) -> Client:
    values: dict[str, Any] = {
        "id": 1,
        "ref": "C-00012",
        "first_name": "Amina",
        "municipality": "Hoorn",
        "locale": locale,
        "show_dutch": False,
        "remind_appointments": True,
        "remind_tasks": False,
        "remind_deadlines": True,
        "weekly_digest": True,
        "period_end": date(2028, 3, 2),
    }
    values.update(fields)
    return Client(**values)


def organisation() -> Organisation:
    return Organisation(
        id=1,
        key="werksaam",
        name="WerkSaam Westfriesland",
        kind="regional_team",
        phone="0229 252 200",
        email="inburgering@werksaam.nl",
        desk="Nieuwe Steen 1, Hoorn",
    )


def done_task() -> Task:
    task = samples.task()
    task.id = 8
    task.status = "done"
    task.done_at = NOW - timedelta(minutes=3)
    task.done_by = "client"
    return task


def overdue_task() -> Task:
    task = samples.task()
    task.id = 9
    task.due_date = TODAY - timedelta(days=4)
    return task


def claimed(kind: str, subject_id: int = 42) -> Claimed:
    return Claimed(
        id=1,
        client_id=1,
        kind=kind,
        subject_id=subject_id,
        attempts=0,
        available_at=NOW,
        event_at=NOW + timedelta(days=1),
        last_error=None,
    )


def reminder_screens(locale: str) -> Iterator[Screen]:
    person = client(locale)
    contact = reminders.Contact(phone="0229 252 200", email="inburgering@werksaam.nl")
    subjects = {
        "appointment reminder": reminders.Subject(
            claimed(ReminderKind.APPOINTMENT),
            person,
            appointment=samples.appointment(client_response="none", response_reason=None),
            staff_name="Sanne de Vries",
        ),
        "task reminder": reminders.Subject(
            claimed(ReminderKind.TASK, 7), person, task=samples.task()
        ),
        "overdue task reminder": reminders.Subject(
            claimed(ReminderKind.TASK, 9), person, task=overdue_task()
        ),
        "deadline reminder": reminders.Subject(
            claimed(ReminderKind.DEADLINE, 1), person, plan=samples.plan_page().plan
        ),
        "weekly digest": reminders.Subject(
            claimed(ReminderKind.DIGEST, 1),
            person,
            week_appointments=(samples.appointment(),),
            week_tasks=(samples.task(), overdue_task()),
        ),
        "empty weekly digest": reminders.Subject(claimed(ReminderKind.DIGEST, 1), person),
    }
    for name, subject in subjects.items():
        out = reminders.render(
            subject,
            now=NOW,
            zone=samples.ZONE,
            default_locale="nl",
            contact=contact,
        )
        yield Screen(name, out.text, labels(out.markup))


def staff_screens(t: Translator, f: Formatter, locale: str) -> Iterator[Screen]:
    person = client(locale)
    caseworker = Staff(id=1, key="s1", name="Sanne de Vries", organisation_id=1)
    substitute = Staff(id=2, key="s2", name="Youssef El Amrani", organisation_id=1)
    card = staff_texts.HeaderCard(
        person,
        Question(id=5, client_id=1, status="open"),
        locale,
        caseworker,
        substitute,
        samples.appointment(),
        samples.task(),
    )
    yield Screen(
        "staff header card", staff_texts.header_text(t, f, card), labels(case_buttons(t, 1))
    )
    nobody = staff_texts.HeaderCard(
        person, Question(id=6, client_id=1), locale, None, None, None, None
    )
    yield Screen("staff header card, no caseworker", staff_texts.header_text(t, f, nobody))
    text_fns: dict[str, TextFn] = {
        "topic recreated": staff_texts.topic_recreated_text,
        "client blocked the bot": staff_texts.blocked_text,
        "client unblocked": staff_texts.unblocked_text,
        "client not linked": staff_texts.not_linked_text,
        "will retry": staff_texts.will_retry_text,
        "gave up": staff_texts.gave_up_text,
        "overdue in topic": staff_texts.overdue_topic_text(5.5, ["@lead"]),
        "overdue to lead": staff_texts.overdue_lead_text(person, 9, "https://t.me/c/1/2"),
        "not registered": staff_texts.not_registered_text,
        "not your client": staff_texts.not_your_client_text,
        "unsupported staff message": staff_texts.unsupported_staff_text,
        "only in topic": staff_texts.only_in_topic_text,
        "nothing to close": staff_texts.nothing_to_close_text,
        "nothing to reopen": staff_texts.nothing_to_reopen_text,
        "closed by staff": staff_texts.closed_staff_text("Sanne de Vries"),
        "reopened by staff": staff_texts.reopened_staff_text("Sanne de Vries"),
        "assigned": staff_texts.assigned_text("Youssef El Amrani"),
        "assign usage": staff_texts.assign_usage_text,
        "unknown staff": staff_texts.unknown_staff_text("nobody_here"),
        "cannot reach": staff_texts.cannot_reach_text("Youssef El Amrani"),
        "ready answers": staff_texts.ready_list_text(
            {
                "received": "Thank you for your message. I will look at it and answer you soon.",
                "interpreter": "We will arrange an interpreter (tolk) for the appointment.",
            }
        ),
        "ready answer sent": staff_texts.ready_sent_text(
            "call_us",
            "Please call us during office hours. We can explain this better on the phone.",
        ),
        "unknown ready answer": staff_texts.unknown_ready_text("nope"),
        "away usage": staff_texts.away_usage_text,
        "away set": staff_texts.away_set_text("Youssef El Amrani", date(2026, 12, 31)),
        "away cleared": staff_texts.away_cleared_text,
        "away refused: self": staff_texts.away_refused_text("substitute_is_self"),
        "away refused: colleague": staff_texts.away_refused_text("substitute_not_colleague"),
        "away refused: past": staff_texts.away_refused_text("until_in_past"),
        "away refused: other": staff_texts.away_refused_text("something else"),
        "staff in a private chat": text.staff_private_text,
        "staff linked": onboarding.staff_linked_text,
    }
    for name, fn in text_fns.items():
        yield Screen(name, fn(t, f))
    yield Screen("staff help line", staff_texts.staff_help_line(t))
    yield Screen(
        "case: appointments",
        staff_texts.appointments_text(t, f, person, [samples.appointment()], NOW),
    )
    yield Screen("case: no appointments", staff_texts.appointments_text(t, f, person, [], NOW))
    yield Screen("case: tasks", staff_texts.tasks_text(t, f, person, [samples.task()], TODAY, NOW))
    yield Screen("case: no tasks", staff_texts.tasks_text(t, f, person, [], TODAY, NOW))


def client_screens(t: Translator, f: Formatter, locale: str) -> Iterator[Screen]:
    person = client(locale)
    org = organisation()
    codes = [language.code for language in LANGUAGES]
    yield Screen(
        "welcome",
        onboarding.welcome_text(t, f),
        labels(keyboards.single("🌐 " + t("Language"), "lang", "pick")),
    )
    yield Screen("consent", onboarding.privacy_notice(t, 180), labels(keyboards.consent(t)))
    yield Screen("consent, one day", onboarding.privacy_notice(t, 1))
    yield Screen("main menu", onboarding.menu_prompt(t, f), labels(keyboards.main_menu(t)))
    yield Screen(
        "language picker",
        onboarding.choose_language_text(t, f),
        labels(keyboards.languages(codes, current=locale, unreviewed=set(codes))),
    )
    for outcome, tries in (("wrong", 1), ("wrong", 3), ("too_many_tries", 0), ("expired", 0)):
        result: Any = SimpleNamespace(outcome=outcome, tries_left=tries)
        yield Screen(f"code {outcome} {tries}", onboarding.outcome_text(result)(t, f))
    yield Screen("not linked yet", gate.not_linked_text(t, f))
    yield Screen("consent needed", gate.consent_needed_text(t, f))
    yield Screen("help, linked", help.help_text(t, f, org, True))
    yield Screen("help, not linked", help.help_text(t, f, None, False))
    # the plan
    yield Screen("plan", plan_render.plan_text(t, f, samples.plan_page(parts=14)))
    yield Screen("no plan", plan_render.no_plan_text(t, f))
    # appointments
    card = appt.AppointmentCard(samples.appointment(client_response="none"), "Sanne", NOW)
    yield Screen(
        "appointment",
        appt.appointment_text(t, f, card),
        labels(appt.appointment_buttons(t, card.appointment, NOW)),
    )
    declined = samples.appointment_card()
    yield Screen(
        "appointment, cannot come",
        appt.appointment_text(t, f, declined),
        labels(appt.appointment_buttons(t, declined.appointment, NOW)),
    )
    confirmed = appt.AppointmentCard(
        samples.appointment(client_response="confirmed", interpreter_language=None), None, NOW
    )
    yield Screen(
        "appointment, confirmed",
        appt.appointment_text(t, f, confirmed),
        labels(appt.appointment_buttons(t, confirmed.appointment, NOW)),
    )
    cancelled = appt.AppointmentCard(samples.appointment(status="cancelled"), None, NOW)
    yield Screen("appointment, cancelled", appt.appointment_text(t, f, cancelled))
    yield Screen("reasons", appt.why_not_prompt(t, f), labels(appt.reason_buttons(t, 42)))
    ten = [card, declined, confirmed, cancelled] * 2 + [card, declined]
    yield Screen(
        "appointment list",
        appt.appointment_list_text(t, f, ten, more_later=True),
        labels(appt.appointment_list_buttons(t, f, ten)),
    )
    yield Screen(
        "appointment opened from the list",
        appt.appointment_text(t, f, card),
        labels(InlineKeyboardMarkup([appt.back_to_list_row(t, f)])),
    )
    for fn in (
        appt.no_appointments_text,
        appt.more_later_text,
        appt.reason_prompt,
        appt.confirmed_toast,
        appt.cannot_come_toast,
        appt.already_text,
        appt.reason_too_late_text,
        appt.calendar_caption,
    ):
        yield Screen(fn.__name__, fn(t, f))
    for state in (appt.State.STARTED, appt.State.OVER, appt.State.CANCELLED):
        yield Screen(f"closed {state}", appt.closed_text(t, f, state))
    yield Screen("reason saved", appt.reason_saved_text(t, f, declined))
    event = appt.calendar_event(t, f, card)
    parts = (event.summary, event.description, event.location, event.alarm_text)
    yield Screen("calendar file", "\n".join(parts), plain=True)
    # tasks
    task = samples.task()
    yield Screen(
        "task",
        task_render.task_text(t, f, task, today=TODAY, now=NOW),
        labels(task_render.task_buttons(t, task, NOW)),
    )
    late = overdue_task()
    yield Screen("task, overdue", task_render.task_text(t, f, late, today=TODAY, now=NOW))
    today_task = samples.task()
    today_task.due_date = TODAY
    yield Screen("task, due today", task_render.task_text(t, f, today_task, today=TODAY, now=NOW))
    done = done_task()
    yield Screen(
        "task, done",
        task_render.task_text(t, f, done, today=TODAY, now=NOW),
        labels(task_render.task_buttons(t, done, NOW)),
    )
    yield Screen(
        "tasks summary",
        task_render.summary_text(t, f, [task, late, today_task], TODAY),
        labels(task_render.done_list_button(t)),
    )
    yield Screen("tasks summary, none", task_render.summary_text(t, f, [], TODAY))
    open_ten = [task, late, today_task] * 4
    yield Screen(
        "task list",
        task_render.task_list_text(t, f, open_ten, TODAY),
        labels(task_render.task_list_buttons(t, f, open_ten, any_done=True)),
    )
    yield Screen(
        "task opened from the list",
        task_render.task_text(t, f, task, today=TODAY, now=NOW),
        labels(InlineKeyboardMarkup([task_render.back_to_list_row(t, f)])),
    )
    yield Screen("done tasks", task_render.done_list_text(t, f, [done] * 12))
    yield Screen("done tasks, none", task_render.done_list_text(t, f, []))
    yield Screen("question about a task", task_render.question_prompt(t, f, task))
    for fn in (
        task_render.done_toast,
        task_render.undone_toast,
        task_render.already_done_toast,
        task_render.not_open_toast,
        task_render.too_late_to_undo,
    ):
        yield Screen(fn.__name__, fn(t, f))
    # questions
    yield Screen("ask", questions.ask_prompt(t, f))
    for moment in (NOW, EVENING):
        context: Any = SimpleNamespace(
            settings=SimpleNamespace(
                office=OfficeHours.parse("mon-fri 09:00-17:00"), zone=samples.ZONE
            ),
            clock=FixedClock(moment),
        )
        yield Screen(f"question received {moment:%H}", questions.acknowledgement(context)(t, f))
    for fn in (staff_texts.seen_text, staff_texts.closed_text, staff_texts.reopened_text):
        yield Screen(fn.__name__, fn(t, f))
    yield Screen("correction", staff_texts.correction_text("Het is om 10 uur.")(t, f))
    # settings
    quiet = QuietHours.parse("21:00-08:00")
    for show_dutch in (False, True):
        person.show_dutch = show_dutch
        yield Screen(
            f"settings {show_dutch}",
            settings_text(t, f, person, quiet, language="العربية"),
            labels(settings_keyboard(t, f, person, quiet)),
        )
    others = client(
        locale,
        remind_tasks=True,
        weekly_digest=False,
        remind_appointments=False,
        remind_deadlines=False,
    )
    always = QuietHours.parse("00:00-00:00")
    yield Screen(
        "settings, other choices",
        settings_text(t, f, others, always, language="Nederlands"),
        labels(settings_keyboard(t, f, others, always)),
    )
    # words
    yield Screen(
        "words", glossary.intro_text(t, f), labels(words.words_keyboard(t, f, show_dutch=False))
    )
    yield Screen(
        "words, Dutch on",
        glossary.all_text(t, f),
        labels(words.words_keyboard(t, f, show_dutch=True)),
    )
    for term in glossary.TERMS:
        yield Screen(f"word {term.key}", glossary.entry_text(t, f, term))
    yield Screen("unknown word", words.unknown_word_text(t, f))
    for on in (True, False):
        yield Screen(f"Dutch {on}", words.dutch_switched_text(on)(t, f))
    # privacy
    full = privacy.Contact("0229 252 200", "inburgering@werksaam.nl", "Nieuwe Steen 1, Hoorn")
    yield Screen("privacy", privacy.privacy_text(t, f, days=180, contact=full, linked=True))
    yield Screen(
        "privacy, not linked",
        privacy.privacy_text(t, f, days=1, contact=privacy.Contact(), linked=False),
    )
    yield Screen("mydata", privacy.export_caption(t, f))
    yield Screen("forget", privacy.forget_text(t, f), labels(privacy.forget_keyboard(t)))
    yield Screen(
        "forget, sure?", privacy.confirm_text(t, f), labels(privacy.confirm_keyboard(t, 1))
    )
    yield Screen("forgotten", privacy.forgotten_text(t, f))
    yield Screen("kept", privacy.kept_text(t, f))
    # errors and fallbacks
    for fn in (
        errors.apology,
        fallback.unsupported_text,
        fallback.edited_text,
        fallback.unknown_command_text,
    ):
        yield Screen(fn.__name__, fn(t, f))
    # back-office news sent to the client
    for news in notify.AppointmentNews:
        fn = notify.appointment_news_text(
            news, samples.appointment(), staff_name="Sanne", now=NOW, organisation=org
        )
        yield Screen(f"appointment news {news}", fn(t, f))
    for task_news in notify.TaskNews:
        fn = notify.task_news_text(task_news, samples.task(), today=TODAY, now=NOW)
        yield Screen(f"task news {task_news}", fn(t, f))


def all_screens(locale: str) -> list[Screen]:
    """Every screen in one language (the client's and the staff's)."""
    t, f = translator(locale), samples.formatter(locale)
    return [
        *client_screens(t, f, locale),
        *staff_screens(t, f, locale),
        *reminder_screens(locale),
    ]
