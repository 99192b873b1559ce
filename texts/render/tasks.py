"""✅ Tasks as messages, their buttons, and the rules for due dates and undo."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from storage.enums import ActorKind, TaskStatus
from storage.ids import pk
from storage.models import Task
from texts.callbacks import button
from texts.fmt import Formatter
from texts.html import Html, escape
from texts.i18n import Translator
from texts.render import lists

PREFIX = "task"
DONE = "done"
UNDO = "undo"
ASK = "ask"
DONE_LIST = "done_list"
OPEN = lists.OPEN  # task:v1:open:<id>, a button of the list: the task's card in place
LIST = lists.LIST  # task:v1:list:, under a card opened from the list: the list again
UNDO_WINDOW = timedelta(minutes=10)
OPEN_SHOWN = 10
DONE_SHOWN = 10


def sort_open(tasks: Sequence[Task]) -> list[Task]:
    """Soonest due first, tasks without a due date last (the same on every database)."""
    return sorted(
        tasks, key=lambda task: (task.due_date is None, task.due_date or date.max, pk(task))
    )


def days_left(task: Task, today: date) -> int | None:
    """Days until the due date: negative when overdue, None without a due date."""
    return None if task.due_date is None else (task.due_date - today).days


def is_overdue(task: Task, today: date) -> bool:
    left = days_left(task, today)
    return task.status == TaskStatus.OPEN and left is not None and left < 0


def can_undo(task: Task, now: datetime) -> bool:
    """A client may undo their own Done for ten minutes; after that the caseworker decides."""
    return (
        task.status == TaskStatus.DONE
        and task.done_by == ActorKind.CLIENT
        and task.done_at is not None
        and now - task.done_at <= UNDO_WINDOW
    )


def _due_line(t: Translator, f: Formatter, task: Task, today: date) -> str | None:
    left = days_left(task, today)
    if left is None or task.due_date is None:
        return None
    when = f.date(task.due_date)
    if left < 0:
        return (
            "⚠️ <b>"
            + t.ngettext(
                "Overdue: this was due on {date}, {n} day ago.",
                "Overdue: this was due on {date}, {n} days ago.",
                -left,
                date=when,
            )
            + "</b>"
        )
    if left == 0:
        return "📆 <b>" + t("Due today, {date}.", date=when) + "</b>"
    return "📆 " + t.ngettext(
        "Due on {date}: in {n} day.", "Due on {date}: in {n} days.", left, date=when
    )


def task_text(t: Translator, f: Formatter, task: Task, *, today: date, now: datetime) -> str:
    """One task: title, what to do, due date in words, and whether it is done."""
    title = f.auto(escape(task.title))
    if task.status == TaskStatus.DONE:
        lines = [f"✅ <s>{title}</s>", _done_line(t, f, task)]
        if can_undo(task, now):
            lines.append(t("Tapped by mistake? You can undo this for 10 minutes."))
        return "\n".join(lines)
    if task.status == TaskStatus.CANCELLED:
        return "\n".join(
            [f"🚫 <s>{title}</s>", t("This task was cancelled. You do not need to do it.")]
        )
    icon = "⚠️" if is_overdue(task, today) else "📝"
    if task.link.startswith(("https://", "http://")):  # the portal's page of this task
        title = Html(f'<a href="{escape(task.link)}">{title}</a>')
    lines = [f"{icon} <b>{title}</b>"]
    if task.description:
        lines.append(f.auto(escape(task.description)))
    due = _due_line(t, f, task, today)
    if due:
        lines.append(due)
    return "\n".join(lines)


def _done_line(t: Translator, f: Formatter, task: Task) -> str:
    if task.done_at is None:
        return t("Done.")
    values = {"date": f.date(task.done_at), "time": f.time(task.done_at)}
    if task.done_by == ActorKind.CLIENT:
        return t("You marked this as done on {date} at {time}. Well done!", **values)
    return t("Your caseworker marked this as done on {date} at {time}.", **values)


def task_buttons(t: Translator, task: Task, now: datetime) -> InlineKeyboardMarkup:
    """Open: Done and a question; just done by the client: Undo; otherwise none."""
    if task.id is None:
        return InlineKeyboardMarkup([])
    if task.status == TaskStatus.OPEN:
        return InlineKeyboardMarkup(
            [
                [button("✅ " + t("Done"), PREFIX, DONE, task.id)],
                [button("❓ " + t("Question about this task"), PREFIX, ASK, task.id)],
            ]
        )
    if can_undo(task, now):
        return InlineKeyboardMarkup([[button("↩️ " + t("Undo"), PREFIX, UNDO, task.id)]])
    return InlineKeyboardMarkup([])


def summary_text(t: Translator, _f: Formatter, tasks: Sequence[Task], today: date) -> str:
    """The line after the list: how many are open, how many overdue."""
    if not tasks:
        return "🎉 " + t("You have no open tasks now.")
    lines = [t.ngettext("You have {n} open task.", "You have {n} open tasks.", len(tasks))]
    overdue = sum(1 for task in tasks if is_overdue(task, today))
    if overdue:
        lines.append(
            "⚠️ "
            + t.ngettext(
                "{n} task is overdue. Please do it soon or ask your caseworker.",
                "{n} tasks are overdue. Please do them soon or ask your caseworker.",
                overdue,
            )
        )
    if len(tasks) > OPEN_SHOWN:
        lines.append(
            t.ngettext(
                "Here is the most urgent one.",
                "Here are the {n} most urgent ones.",
                OPEN_SHOWN,
            )
        )
    return "\n".join(lines)


def done_list_button(t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([done_list_row(t)])


def done_list_row(t: Translator) -> list[InlineKeyboardButton]:
    return [button("📂 " + t("Show done tasks"), PREFIX, DONE_LIST)]


def task_list_text(t: Translator, f: Formatter, tasks: Sequence[Task], today: date) -> str:
    """The open tasks in one message: number, title and due date each, then the summary."""
    lines = ["✅ <b>" + t("Your tasks") + "</b>", ""]
    for n, task in enumerate(tasks[:OPEN_SHOWN], 1):
        lines.append(f"{lists.number(n)} <b>{f.auto(escape(task.title))}</b>")
        due = _due_line(t, f, task, today)
        if due:
            lines.append(due)
        lines.append("")
    lines.append(summary_text(t, f, tasks, today))
    lines += ["", "👇 " + t("Tap a number to see the task and to mark it done.")]
    return "\n".join(lines)


def task_list_buttons(
    t: Translator, f: Formatter, tasks: Sequence[Task], *, any_done: bool
) -> InlineKeyboardMarkup:
    """One button per task (its number and title) that opens it in place; then the done list."""
    rows = [
        [lists.item_button(f, n, task.title, PREFIX, task.id)]
        for n, task in enumerate(tasks[:OPEN_SHOWN], 1)
        if task.id is not None
    ]
    if any_done:
        rows.append(done_list_row(t))
    return InlineKeyboardMarkup(rows)


def back_to_list_row(t: Translator, f: Formatter) -> list[InlineKeyboardButton]:
    return lists.back_row(f, t("All tasks"), PREFIX)


def kept_rows(markup: InlineKeyboardMarkup | None) -> list[list[InlineKeyboardButton]]:
    """The way back (to the list, to the done tasks), kept from the pressed message."""
    return lists.kept_rows(markup, LIST, DONE_LIST)


def done_list_text(t: Translator, f: Formatter, tasks: Sequence[Task]) -> str:
    """Finished tasks, newest first (the caller limits how many)."""
    if not tasks:
        return t("You have not finished any tasks yet.")
    lines = ["✅ <b>" + t("Done tasks") + "</b>", ""]
    for task in tasks:
        line = f"• {f.auto(escape(task.title))}"
        if task.done_at is not None:
            line += " — " + f.date(task.done_at, with_weekday=False)
        lines.append(line)
    if len(tasks) >= DONE_SHOWN:
        lines += [
            "",
            t.ngettext(
                "Only the last task is shown.", "Only the last {n} tasks are shown.", DONE_SHOWN
            ),
        ]
    return "\n".join(lines)


def question_prompt(t: Translator, f: Formatter, task: Task) -> str:
    return "\n".join(
        [
            "❓ "
            + t(
                "Write your question about this task: {title}",
                title=f.auto(escape(task.title)),
            ),
            t("I will send it to your caseworker."),
        ]
    )


def done_toast(t: Translator, _f: Formatter) -> str:
    return t("Well done! ✅")


def undone_toast(t: Translator, _f: Formatter) -> str:
    return t("The task is open again.")


def already_done_toast(t: Translator, _f: Formatter) -> str:
    return t("This task is already done.")


def not_open_toast(t: Translator, _f: Formatter) -> str:
    return t("This task is not open any more.")


def too_late_to_undo(t: Translator, _f: Formatter) -> str:
    return t(
        "It is too late to undo this. If the task is not done after all, please tell your "
        "caseworker."
    )
