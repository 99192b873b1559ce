"""✅ The client's tasks: open ones by due date, Done with a short Undo, done list, questions."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from enum import StrEnum

from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.context import BotContext
from bot.handlers import listen, questions
from bot.handlers.fallback import stale_button
from bot.keyboards import ICON_TASKS, under_card
from bot.replies import Text, answer, edit, list_in_place, render
from casework import remote_tasks
from casework.case import Actor, set_task_status
from storage import clients, tasks
from storage.enums import ActorKind, TaskStatus
from storage.ids import pk
from storage.models import Task
from texts import callbacks
from texts.fmt import Formatter
from texts.i18n import Translator
from texts.render import tasks as view

log = logging.getLogger(__name__)

AWAITING_QUESTION = "task_question"


class Outcome(StrEnum):
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    TOO_LATE = "too_late"


async def show_tasks(update: Update, context: BotContext) -> None:
    """Open tasks, most urgent first, in one message with a button per task; one task as its
    card with the count under it."""
    text, markup = await _screen(context)
    await answer(update, context, text, reply_markup=markup)


async def _screen(context: BotContext) -> tuple[Text, InlineKeyboardMarkup | None]:
    """The ✅ screen: the list, a single task's card, or 'no open tasks' (one query)."""
    client = context.client
    assert client is not None
    now = context.clock.now()
    today = now.astimezone(context.settings.zone).date()
    case_system = context.services.case_system
    if case_system is not None:  # the case system's own tasks, as they are now (Objects API)
        await remote_tasks.refresh(
            context.db, case_system, client=client, rules=context.rules, now=now
        )
    async with context.db.reading() as session:
        found = await tasks.screen(session, client_id=pk(client))
    open_tasks = view.sort_open(found.open)
    done_row = [view.done_list_row(context.t)] if found.any_done else []
    if len(open_tasks) == 1:
        [task] = open_tasks
        buttons = await _buttons(context, task, now)

        def card(t: Translator, f: Formatter) -> str:
            summary = view.summary_text(t, f, open_tasks, today)
            return view.task_text(t, f, task, today=today, now=now) + "\n\n" + summary

        return card, InlineKeyboardMarkup([*buttons.inline_keyboard, *done_row])
    if not open_tasks:
        return (
            lambda t, f: view.summary_text(t, f, open_tasks, today),
            InlineKeyboardMarkup(done_row) if done_row else None,
        )
    return (
        lambda t, f: view.task_list_text(t, f, open_tasks, today),
        view.task_list_buttons(context.t, context.fmt, open_tasks, any_done=found.any_done),
    )


async def show_list(update: Update, context: BotContext) -> None:
    """‹ All tasks: the list again, in the pressed message."""
    text, markup = await _screen(context)
    await list_in_place(
        update, context, render(context, text), markup, lambda body, m: _edit(update, body, m)
    )


async def open_card(update: Update, context: BotContext, task_id: int) -> None:
    """A button of the list: the task's card in the same message, with the way back."""
    client = context.client
    assert client is not None
    async with context.db.reading() as session:
        task = await tasks.of_client(session, client_id=pk(client), task_id=task_id)
    if task is None:
        await stale_button(update, context)
        return
    await _refresh(update, context, task, back=True)
    await _toast(update, context, None)


# -- buttons ----------------------------------------------------------------------------------


async def on_button(update: Update, context: BotContext) -> None:
    """Dispatch `task:v1:<action>:<id>`; a task of another client or no task is a stale button."""
    query = update.callback_query
    client = context.client
    assert query is not None and client is not None
    parsed = callbacks.parse(query.data)
    if parsed is not None and parsed.action == view.DONE_LIST:
        await show_done(update, context)
        return
    if parsed is not None and parsed.action == view.LIST and not parsed.arg:
        await show_list(update, context)
        return
    task_id = parsed.int_arg() if parsed else None
    action = ACTIONS.get(parsed.action) if parsed else None
    if task_id is None or action is None:
        await stale_button(update, context)
        return
    await action(update, context, task_id)


async def mark_done(update: Update, context: BotContext, task_id: int) -> None:
    task, outcome = await _change(context, task_id, TaskStatus.DONE)
    if task is None:
        await stale_button(update, context)
        return
    await _refresh(update, context, task)
    toast = view.done_toast if outcome == Outcome.CHANGED else _not_open(task)
    await _toast(update, context, toast)


async def undo(update: Update, context: BotContext, task_id: int) -> None:
    task, outcome = await _change(context, task_id, TaskStatus.OPEN)
    if task is None:
        await stale_button(update, context)
        return
    await _refresh(update, context, task)
    if outcome == Outcome.TOO_LATE:
        await _toast(update, context, view.too_late_to_undo, alert=True)
    elif task.status == TaskStatus.OPEN:
        await _toast(update, context, view.undone_toast)
    else:
        await _toast(update, context, view.not_open_toast)


async def ask_about(update: Update, context: BotContext, task_id: int) -> None:
    """The next text the client sends becomes a question linked to this task."""
    client = context.client
    assert client is not None
    async with context.db.transaction() as session:
        task = await tasks.of_client(session, client_id=pk(client), task_id=task_id)
        fresh = await clients.by_id(session, client_id=pk(client))
        assert fresh is not None
        if task is not None:
            fresh.awaiting = f"{AWAITING_QUESTION}:{task.id}"
            session.add(fresh)
    if task is None:
        await stale_button(update, context)
        return
    await _toast(update, context, None)
    await answer(update, context, lambda t, f: view.question_prompt(t, f, task))


async def show_done(update: Update, context: BotContext) -> None:
    client = context.client
    assert client is not None
    async with context.db.reading() as session:
        done = await tasks.with_status(
            session, client_id=pk(client), status=TaskStatus.DONE, limit=view.DONE_SHOWN
        )
    await _toast(update, context, None)
    await answer(update, context, lambda t, f: view.done_list_text(t, f, done))


ACTIONS: dict[str, Callable[[Update, BotContext, int], Awaitable[None]]] = {
    view.DONE: mark_done,
    view.UNDO: undo,
    view.ASK: ask_about,
    view.OPEN: open_card,
}


# -- the question typed after "Question about this task" ---------------------------------------


async def typed_question(update: Update, context: BotContext, arg: str) -> None:
    client = context.client
    assert client is not None
    async with context.db.transaction() as session:
        fresh = await clients.by_id(session, client_id=pk(client))
        assert fresh is not None
        fresh.awaiting = None
        session.add(fresh)
        task = (
            await tasks.of_client(session, client_id=pk(fresh), task_id=int(arg))
            if arg.isdigit()
            else None
        )
    await questions.ask(update, context, task_id=task.id if task else None)


# -- helpers ----------------------------------------------------------------------------------


async def _change(
    context: BotContext, task_id: int, status: TaskStatus
) -> tuple[Task | None, Outcome]:
    """Mark the client's task done or open again, within the rules; None when not theirs."""
    client = context.client
    assert client is not None
    now = context.clock.now()
    async with context.db.transaction() as session:
        task = await tasks.of_client(session, client_id=pk(client), task_id=task_id)
        if task is None:
            return None, Outcome.UNCHANGED
        wanted_from = TaskStatus.OPEN if status == TaskStatus.DONE else TaskStatus.DONE
        if task.status != wanted_from:
            return task, Outcome.UNCHANGED
        if status == TaskStatus.OPEN and not view.can_undo(task, now):
            return task, Outcome.TOO_LATE
        await set_task_status(
            session,
            client=client,
            task=task,
            status=status,
            rules=context.rules,
            now=now,
            actor=Actor(ActorKind.CLIENT, client.id),
        )
    log.info("task status changed", extra={"task_id": task.id, "status": str(status)})
    return task, Outcome.CHANGED


def _task_text(task: Task, today: date, now: datetime) -> Text:
    return lambda t, f: view.task_text(t, f, task, today=today, now=now)


async def _buttons(context: BotContext, task: Task, now: datetime) -> InlineKeyboardMarkup:
    """Done, Undo or a question, and 🔊 Listen where there is audio in the client's language."""
    markup = view.task_buttons(context.t, task, now)
    row = await listen.listen_row(
        context.services.audio,
        context.t,
        context.locale,
        listen.task_speakable(task, now, context.settings.zone),
        listen.TASK,
        task.id,
    )
    return InlineKeyboardMarkup([*markup.inline_keyboard, row]) if row else markup


def _not_open(task: Task) -> Text:
    return view.already_done_toast if task.status == TaskStatus.DONE else view.not_open_toast


async def _refresh(update: Update, context: BotContext, task: Task, *, back: bool = False) -> None:
    """Show the task's current state in the pressed message.

    The way back to the list stays when the card was opened from it (`back` when it is opened).
    """
    query = update.callback_query
    assert query is not None
    now = context.clock.now()
    today = now.astimezone(context.settings.zone).date()
    markup = under_card(
        update,
        await _buttons(context, task, now),
        back=view.back_to_list_row(context.t, context.fmt) if back else None,
        kept=view.kept_rows,
    )
    await _edit(update, render(context, _task_text(task, today, now)), markup)


async def _edit(update: Update, text: str, markup: InlineKeyboardMarkup | None) -> None:
    query = update.callback_query
    assert query is not None
    try:
        await edit(
            query,
            text,
            reply_markup=markup if markup is not None and markup.inline_keyboard else None,
        )
    except BadRequest as error:
        if "not modified" not in error.message.lower():
            raise


async def _toast(
    update: Update, context: BotContext, text: Text | None, *, alert: bool = False
) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer(text(context.t, context.fmt) if text else None, show_alert=alert)


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("tasks", show_tasks, filters=private),
        MessageHandler(private & filters.Regex(f"^{ICON_TASKS}"), show_tasks),
        CallbackQueryHandler(on_button, pattern=callbacks.pattern(view.PREFIX)),
    ]
