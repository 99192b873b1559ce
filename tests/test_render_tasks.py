"""Task messages, buttons and rules (due dates in words, the ten-minute undo): no Telegram."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from telegram import InlineKeyboardMarkup

from storage.enums import ActorKind, TaskStatus
from storage.models import Task
from texts import bidi
from texts.fmt import Formatter
from texts.i18n import translator
from texts.render import tasks as view

ZONE = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
TODAY = date(2026, 11, 23)
EN = translator("en")
F_EN = Formatter("en", ZONE)
F_AR = Formatter("ar", ZONE)


def task(**fields: Any) -> Task:
    values: dict[str, Any] = {
        "id": 7,
        "client_id": 1,
        "external_id": "t-7",
        "title": "Bring your diploma to the language school",
        "due_date": date(2026, 12, 1),
    }
    values.update(fields)
    return Task(**values)


def done(minutes_ago: int, by: ActorKind = ActorKind.CLIENT) -> Task:
    return task(status=TaskStatus.DONE, done_at=NOW - timedelta(minutes=minutes_ago), done_by=by)


def text(row: Task, f: Formatter = F_EN) -> str:
    return view.task_text(translator(f.locale), f, row, today=TODAY, now=NOW)


def _data(markup: Any) -> list[str]:
    return [b.callback_data for row in markup.inline_keyboard for b in row]


def test_open_task_with_due_date_in_words() -> None:
    shown = text(task(description="The school needs a copy."))
    assert shown.startswith("📝 <b>Bring your diploma to the language school</b>")
    assert "The school needs a copy." in shown
    assert "1 December 2026" in shown
    assert "in 8 days" in shown


@pytest.mark.parametrize(
    ("due", "words"),
    [
        (date(2026, 11, 24), "in 1 day."),
        (date(2026, 11, 23), "Due today"),
        (date(2026, 11, 22), "Overdue: this was due on"),
        (date(2026, 11, 20), "3 days ago."),
    ],
)
def test_due_dates_near_today(due: date, words: str) -> None:
    assert words in text(task(due_date=due))


def test_overdue_is_marked_and_said_in_words() -> None:
    row = task(due_date=date(2026, 11, 22))
    assert view.is_overdue(row, TODAY)
    shown = text(row)
    assert shown.startswith("⚠️")
    assert "1 day ago." in shown
    assert not view.is_overdue(task(due_date=None), TODAY)
    assert not view.is_overdue(done(1), TODAY)


def test_without_due_date_no_due_line() -> None:
    shown = text(task(due_date=None))
    assert "Due" not in shown and "Overdue" not in shown


def test_open_tasks_sorted_by_due_date_without_date_last() -> None:
    rows = [
        task(id=1, due_date=None),
        task(id=2, due_date=date(2026, 12, 5)),
        task(id=3, due_date=date(2026, 11, 1)),
        task(id=4, due_date=date(2026, 12, 5)),
    ]
    assert [row.id for row in view.sort_open(rows)] == [3, 2, 4, 1]


def test_done_by_the_client_can_be_undone_for_ten_minutes() -> None:
    assert view.can_undo(done(0), NOW)
    assert view.can_undo(done(10), NOW)
    assert not view.can_undo(done(11), NOW)
    assert not view.can_undo(done(1, by=ActorKind.STAFF), NOW)
    assert not view.can_undo(task(), NOW)
    shown = text(done(2))
    assert "<s>Bring your diploma" in shown
    assert "You marked this as done on" in shown
    assert "undo this for 10 minutes" in shown
    assert "undo" not in text(done(30))


def test_done_by_the_caseworker() -> None:
    assert "Your caseworker marked this as done" in text(done(1, by=ActorKind.STAFF))


def test_cancelled_task() -> None:
    shown = text(task(status=TaskStatus.CANCELLED))
    assert "cancelled" in shown
    assert _data(view.task_buttons(EN, task(status=TaskStatus.CANCELLED), NOW)) == []


def test_buttons_follow_the_state() -> None:
    assert _data(view.task_buttons(EN, task(), NOW)) == ["task:v1:done:7", "task:v1:ask:7"]
    assert _data(view.task_buttons(EN, done(3), NOW)) == ["task:v1:undo:7"]
    assert _data(view.task_buttons(EN, done(11), NOW)) == []
    assert _data(view.task_buttons(EN, task(id=None), NOW)) == []
    assert _data(view.done_list_button(EN)) == ["task:v1:done_list:"]


def test_summary_counts_open_and_overdue() -> None:
    assert "no open tasks" in view.summary_text(EN, F_EN, [], TODAY)
    one = view.summary_text(EN, F_EN, [task()], TODAY)
    assert "You have 1 open task." in one
    assert "overdue" not in one
    rows = [task(id=i, due_date=date(2026, 11, 1)) for i in range(12)]
    many = view.summary_text(EN, F_EN, rows, TODAY)
    assert "You have 12 open tasks." in many
    assert "12 tasks are overdue." in many
    assert "Here are the 10 most urgent ones." in many


def test_done_list_newest_first_as_given_and_limited() -> None:
    assert "not finished any tasks" in view.done_list_text(EN, F_EN, [])
    rows = [task(id=i, title=f"Task {i}", **_done_fields(i)) for i in range(10)]
    shown = view.done_list_text(EN, F_EN, rows)
    assert shown.index("Task 0") < shown.index("Task 9")
    assert "Only the last 10 tasks are shown." in shown
    assert "Only the last" not in view.done_list_text(EN, F_EN, rows[:3])


def _done_fields(days_ago: int) -> dict[str, Any]:
    return {"status": TaskStatus.DONE, "done_at": NOW - timedelta(days=days_ago)}


def test_titles_are_escaped_and_isolated_in_arabic() -> None:
    row = task(title="Bel <DUO> & vraag", description="أحضر الشهادة")
    assert "Bel &lt;DUO&gt; &amp; vraag" in text(row)
    shown = text(row, F_AR)
    assert bidi.balanced(shown)
    assert f"{bidi.FSI}Bel &lt;DUO&gt; &amp; vraag{bidi.PDI}" in shown
    assert f"{bidi.FSI}أحضر الشهادة{bidi.PDI}" in shown
    prompt = view.question_prompt(translator("ar"), F_AR, row)
    assert bidi.balanced(prompt)


# -- the list in one message ---------------------------------------------------------------------


def test_the_list_numbers_the_tasks_and_its_buttons_alike() -> None:
    tasks = [task(id=n, title=f"Task {n}", due_date=date(2026, 11, 20 + n)) for n in range(1, 4)]
    text = view.task_list_text(EN, F_EN, tasks, TODAY)
    assert text.startswith("✅ <b>Your tasks</b>")
    assert text.index("1️⃣ <b>Task 1</b>") < text.index("2️⃣ <b>Task 2</b>") < text.index("3️⃣")
    assert "Overdue: this was due on" in text  # task 1 was due on 21 November
    assert "You have 3 open tasks." in text
    markup = view.task_list_buttons(EN, F_EN, tasks, any_done=True)
    labels = [row[0].text for row in markup.inline_keyboard]
    data = [row[0].callback_data for row in markup.inline_keyboard]
    assert labels == ["1️⃣ Task 1", "2️⃣ Task 2", "3️⃣ Task 3", "📂 Show done tasks"]
    assert data == ["task:v1:open:1", "task:v1:open:2", "task:v1:open:3", "task:v1:done_list:"]


def test_a_long_title_is_cut_on_its_button_and_kept_whole_in_the_text() -> None:
    long = task(title="Bring your diploma and your <passport> to the language school in Hoorn")
    markup = view.task_list_buttons(EN, F_EN, [long, task(id=8)], any_done=False)
    label = markup.inline_keyboard[0][0].text
    assert label.startswith("1️⃣ Bring your diploma") and label.endswith("…")
    assert len(label) <= len("1️⃣ ") + 32
    assert "&lt;passport&gt;" in view.task_list_text(EN, F_EN, [long], TODAY)


def test_the_way_back_is_kept_from_the_pressed_keyboard_and_nothing_else() -> None:
    opened = view.task_buttons(EN, task(), NOW)
    back = view.back_to_list_row(EN, F_EN)
    pressed = InlineKeyboardMarkup([*opened.inline_keyboard, back])
    assert view.kept_rows(pressed) == [back]
    assert view.kept_rows(opened) == []  # a reminder's buttons: no way back
    assert view.kept_rows(None) == []
    assert view.back_to_list_row(EN, F_AR)[0].text == f"‹ {bidi.RLM}All tasks"
