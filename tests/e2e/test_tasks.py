"""✅ Tasks end to end: list, Done with a ten-minute Undo, done list, questions, forged buttons."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from fakebot import SimUser, StoredMessage
from storage import audit, questions, tasks
from storage.enums import ActorKind, TaskStatus
from storage.ids import pk
from storage.models import Client, Task
from tests import factories
from tests.e2e.conftest import Harness
from texts import bidi

NOW = factories.NOW


@pytest.fixture(autouse=True)
def offer_english_and_arabic(harness: Harness) -> None:
    """Whether or not their catalogues are compiled yet, these tests read English and Arabic."""
    services = harness.app.bot_data.services
    assert services is not None
    services.shipped_locales = tuple(dict.fromkeys((*services.shipped_locales, "en", "ar")))


async def setup(harness: Harness, locale: str = "en", **fields: Any) -> tuple[Client, Task]:
    async with harness.db.transaction() as session:
        client = await factories.client(session, locale=locale)
        row = await factories.task(session, client=client, **fields)
    return client, row


async def stored(harness: Harness, row: Task) -> Task:
    async with harness.db.reading() as session:
        fresh = await tasks.by_id(session, task_id=pk(row))
    assert fresh is not None
    return fresh


async def first_task(user: SimUser) -> StoredMessage:
    """Open ✅ with one open task: its card, the count under it, in one message."""
    await user.send_command("/tasks")
    return await user.next_message()


def sent_since(harness: Harness, since: int, method: str) -> list[Any]:
    """The bot's calls of a method since a cursor (`harness.fake.call_count`)."""
    return [call for call in harness.fake.calls[since:] if call.method == method]


async def test_open_tasks_most_urgent_first_in_one_message(harness: Harness) -> None:
    client, later = await setup(harness, title="Send the form to DUO", due_date=date(2026, 12, 10))
    async with harness.db.transaction() as session:
        late = await factories.task(
            session, client=client, title="Call the school", due_date=date(2026, 11, 20)
        )
        undated = await factories.task(
            session, client=client, title="Read the KNM book", due_date=None
        )
        await factories.task(session, client=client, title="Old one", status=TaskStatus.CANCELLED)
    user = await harness.linked_user(client, language_code="en")
    before = len(user.inbox)
    since = harness.fake.call_count
    await user.send_text("✅ Tasks")
    listing = await user.next_message()
    await harness.fake.drain()
    assert len(user.inbox) == before + 1
    assert len(sent_since(harness, since, "sendMessage")) == 1
    text = listing.text or ""
    assert text.startswith("✅ Your tasks")
    first = text.index("1️⃣ Call the school")
    second = text.index("2️⃣ Send the form to DUO")
    third = text.index("3️⃣ Read the KNM book")
    assert first < second < third
    assert "Overdue: this was due on Friday" in text[first:second]
    assert "20 November 2026, 3 days ago." in text[first:second]
    assert "in 17 days" in text[second:third]
    assert "Old one" not in text
    assert "You have 3 open tasks." in text[third:]
    assert "1 task is overdue." in text[third:]
    assert listing.callback_data == [
        f"task:v1:open:{late.id}",
        f"task:v1:open:{later.id}",
        f"task:v1:open:{undated.id}",
    ]  # nothing done yet, so no "Show done tasks"
    assert listing.button_texts == [
        "1️⃣ Call the school",
        "2️⃣ Send the form to DUO",
        "3️⃣ Read the KNM book",
    ]


async def test_open_a_task_from_the_list_mark_it_done_and_go_back(harness: Harness) -> None:
    client, first = await setup(harness, title="Call the school", due_date=date(2026, 11, 20))
    async with harness.db.transaction() as session:
        second = await factories.task(session, client=client, title="Send the form to DUO")
        await factories.task(
            session, client=client, title="Old", status=TaskStatus.DONE, done_at=NOW
        )
    user = await harness.linked_user(client, language_code="en")
    await user.send_command("/tasks")
    listing = await user.next_message()
    assert listing.callback_data[-1] == "task:v1:done_list:"
    since = harness.fake.call_count
    await (await user.press(listing, f"task:v1:open:{first.id}")).answer()
    text = listing.text or ""
    assert text.startswith("⚠️ Call the school")
    assert "Overdue" in text
    assert listing.callback_data == [
        f"task:v1:done:{first.id}",
        f"task:v1:ask:{first.id}",
        "task:v1:list:",
    ]
    assert listing.button_texts[-1] == "‹ All tasks"
    # Done from the opened card: the same message, with Undo and still the way back.
    answer = await (await user.press(listing, f"task:v1:done:{first.id}")).answer()
    assert answer["text"] == "Well done! ✅"
    assert (await stored(harness, first)).status == TaskStatus.DONE
    assert "You marked this as done on" in (listing.text or "")
    assert listing.callback_data == [f"task:v1:undo:{first.id}", "task:v1:list:"]
    await (await user.press(listing, "task:v1:list:")).answer()
    await harness.fake.drain()
    # Back to the list: the one left open is shown as its card, with the count under it.
    text = listing.text or ""
    assert text.startswith("📝 Send the form to DUO")
    assert "You have 1 open task." in text
    assert listing.callback_data == [
        f"task:v1:done:{second.id}",
        f"task:v1:ask:{second.id}",
        "task:v1:done_list:",
    ]
    assert sent_since(harness, since, "sendMessage") == []  # every step edited the one message


async def test_one_open_task_is_shown_as_its_card_with_the_count(harness: Harness) -> None:
    client, row = await setup(harness, title="Call the school", due_date=date(2026, 11, 20))
    user = await harness.linked_user(client, language_code="en")
    since = harness.fake.call_count
    card = await first_task(user)
    await harness.fake.drain()
    assert len(sent_since(harness, since, "sendMessage")) == 1
    text = card.text or ""
    assert text.startswith("⚠️ Call the school")
    assert "Overdue: this was due on" in text
    assert "You have 1 open task." in text and "1 task is overdue." in text
    assert card.callback_data == [f"task:v1:done:{row.id}", f"task:v1:ask:{row.id}"]


async def test_a_title_with_markup_is_shown_as_typed(harness: Harness) -> None:
    client, row = await setup(harness, title="Bring <b>form</b> & ID")
    async with harness.db.transaction() as session:
        await factories.task(session, client=client, title="Second")
    user = await harness.linked_user(client, language_code="en")
    await user.send_command("/tasks")
    listing = await user.next_message()
    await harness.fake.drain()
    assert harness.fake.calls_for("sendMessage", ok=False) == []
    assert "Bring <b>form</b> & ID" in (listing.text or "")
    assert listing.button_texts[0] == "1️⃣ Bring <b>form</b> & ID"
    await (await user.press(listing, f"task:v1:open:{row.id}")).answer()
    assert (listing.text or "").startswith("📝 Bring <b>form</b> & ID")
    assert harness.fake.calls_for("editMessageText", ok=False) == []


async def test_a_list_button_of_another_client_or_of_no_task_is_stale(harness: Harness) -> None:
    client, row = await setup(harness)
    async with harness.db.transaction() as session:
        await factories.task(session, client=client, title="Second")
        other = await factories.client(session, locale="en")
        theirs = await factories.task(session, client=other, title="Not yours")
    user = await harness.linked_user(client, language_code="en")
    await user.send_command("/tasks")
    listing = await user.next_message()
    before = listing.text
    since = harness.fake.call_count
    for data in (
        f"task:v1:open:{theirs.id}",
        "task:v1:open:999999",
        "task:v1:open:",
        "task:v1:list:1",
        "task:v2:open:1",
    ):
        answer = await (await user.press(listing, data, strict=False)).answer()
        assert answer["text"] == "This button is no longer valid.", data
    await harness.fake.drain()
    assert listing.text == before and "Not yours" not in (listing.text or "")
    assert listing.callback_data[0] == f"task:v1:open:{row.id}"
    assert sent_since(harness, since, "editMessageText") == []


async def test_an_arabic_task_list_is_isolated_and_reads_right_to_left(harness: Harness) -> None:
    client, row = await setup(harness, locale="ar", title="Bel DUO", due_date=date(2026, 11, 20))
    async with harness.db.transaction() as session:
        await factories.task(session, client=client, title="Lees het KNM-boek", due_date=None)
    user = await harness.linked_user(client, language_code="ar")
    await user.send_command("/tasks")
    listing = await user.next_message()
    text = listing.text or ""
    assert bidi.balanced(text)
    assert f"1️⃣ {bidi.FSI}Bel DUO{bidi.PDI}" in text
    assert f"{bidi.FSI}Lees het KNM-boek{bidi.PDI}" in text
    assert listing.button_texts[0] == f"1️⃣ {bidi.RLM}Bel DUO"
    await (await user.press(listing, f"task:v1:open:{row.id}")).answer()
    assert bidi.balanced(listing.text or "")
    assert listing.button_texts[-1].startswith("‹ " + bidi.RLM)
    await (await user.press(listing, f"task:v1:done:{row.id}")).answer()
    assert (await stored(harness, row)).status == TaskStatus.DONE
    assert listing.callback_data == [f"task:v1:undo:{row.id}", "task:v1:list:"]
    await (await user.press(listing, "task:v1:list:")).answer()
    assert bidi.balanced(listing.text or "")


async def test_no_open_tasks(harness: Harness) -> None:
    async with harness.db.transaction() as session:
        client = await factories.client(session, locale="en")
    user = await harness.linked_user(client, language_code="en")
    await user.send_command("/tasks")
    reply = await user.next_message()
    assert "You have no open tasks now." in (reply.text or "")


async def test_done_stores_who_and_when_and_offers_undo(harness: Harness) -> None:
    client, row = await setup(harness)
    user = await harness.linked_user(client, language_code="en")
    message = await first_task(user)
    answer = await (await user.press(message, f"task:v1:done:{row.id}")).answer()
    assert answer["text"] == "Well done! ✅"
    saved = await stored(harness, row)
    assert saved.status == TaskStatus.DONE
    assert saved.done_at == NOW
    assert saved.done_by == ActorKind.CLIENT
    assert saved.done_by_staff_id is None
    assert "You marked this as done on" in (message.text or "")
    assert message.callback_data == [f"task:v1:undo:{row.id}"]
    async with harness.db.reading() as session:
        events = await audit.events(session, client_id=pk(client), action="task.done")
    assert [(e.actor_kind, e.actor_id, e.subject_id) for e in events] == [
        (ActorKind.CLIENT, client.id, row.id)
    ]
    # Pressing Done again (an old copy of the buttons) changes nothing.
    again = await (await user.press(message, f"task:v1:done:{row.id}", strict=False)).answer()
    assert again["text"] == "This task is already done."
    assert (await stored(harness, row)).done_at == NOW


async def test_undo_within_ten_minutes_opens_the_task_again(harness: Harness) -> None:
    client, row = await setup(harness)
    user = await harness.linked_user(client, language_code="en")
    message = await first_task(user)
    await (await user.press(message, f"task:v1:done:{row.id}")).answer()
    harness.clock.advance(timedelta(minutes=9))
    answer = await (await user.press(message, f"task:v1:undo:{row.id}")).answer()
    assert answer["text"] == "The task is open again."
    saved = await stored(harness, row)
    assert saved.status == TaskStatus.OPEN
    assert saved.done_at is None and saved.done_by is None
    assert message.callback_data == [f"task:v1:done:{row.id}", f"task:v1:ask:{row.id}"]
    again = await (await user.press(message, f"task:v1:undo:{row.id}", strict=False)).answer()
    assert again["text"] == "The task is open again."
    assert (await stored(harness, row)).status == TaskStatus.OPEN


async def test_undo_after_ten_minutes_is_too_late(harness: Harness) -> None:
    client, row = await setup(harness)
    user = await harness.linked_user(client, language_code="en")
    message = await first_task(user)
    await (await user.press(message, f"task:v1:done:{row.id}")).answer()
    harness.clock.advance(timedelta(minutes=11))
    answer = await (await user.press(message, f"task:v1:undo:{row.id}")).answer()
    assert answer["show_alert"] is True
    assert "too late to undo" in answer["text"]
    assert "caseworker" in answer["text"]
    saved = await stored(harness, row)
    assert saved.status == TaskStatus.DONE
    assert saved.done_at == NOW
    assert message.callback_data == []


async def test_done_list_newest_first_and_limited(harness: Harness) -> None:
    client, _row = await setup(harness)
    async with harness.db.transaction() as session:
        for i in range(12):
            await factories.task(
                session,
                client=client,
                title=f"Finished {i:02d}",
                status=TaskStatus.DONE,
                done_by=ActorKind.CLIENT,
                done_at=NOW - timedelta(days=12 - i),
            )
    user = await harness.linked_user(client, language_code="en")
    await user.send_command("/tasks")
    summary = await user.next_message()  # the one open task's card, and the count
    assert summary.callback_data[-1] == "task:v1:done_list:"
    await (await user.press(summary, "task:v1:done_list:")).answer()
    listing = (await user.next_message()).text or ""
    assert listing.startswith("✅ Done tasks")
    assert (
        listing.index("Finished 11") < listing.index("Finished 10") < listing.index("Finished 02")
    )
    assert "Finished 01" not in listing and "Finished 00" not in listing
    assert "Only the last 10 tasks are shown." in listing


async def test_a_question_about_a_task_is_linked_to_it(harness: Harness) -> None:
    client, row = await setup(harness)
    user = await harness.linked_user(client, language_code="en")
    message = await first_task(user)
    await (await user.press(message, f"task:v1:ask:{row.id}")).answer()
    prompt = await user.next_message()
    assert "Write your question about this task: Bring your diploma" in (prompt.text or "")
    assert (await harness.reload(client)).awaiting == f"task_question:{row.id}"
    await user.send_text("Is a copy enough?")
    assert "Your caseworker gets your message" in ((await user.next_message()).text or "")
    assert (await harness.reload(client)).awaiting is None
    async with harness.db.reading() as session:
        [question] = await questions.for_client(session, client_id=pk(client))
        [sent] = await questions.messages(session, question_id=pk(question))
    assert question.task_id == row.id
    assert sent.text == "Is a copy enough?"
    assert (await stored(harness, row)).status == TaskStatus.OPEN


async def test_a_menu_button_ends_the_wait_for_a_task_question(harness: Harness) -> None:
    client, row = await setup(harness)
    user = await harness.linked_user(client, language_code="en")
    message = await first_task(user)
    await (await user.press(message, f"task:v1:ask:{row.id}")).answer()
    await user.next_message()
    await user.send_text("✅ Tasks")
    await user.next_message()
    await harness.fake.drain()
    assert (await harness.reload(client)).awaiting is None


async def test_forged_or_stale_task_ids_change_nothing(harness: Harness) -> None:
    client, row = await setup(harness)
    async with harness.db.transaction() as session:
        other = await factories.client(session, locale="en")
        theirs = await factories.task(session, client=other)
        their_done = await factories.task(
            session, client=other, status=TaskStatus.DONE, done_by=ActorKind.CLIENT, done_at=NOW
        )
    user = await harness.linked_user(client, language_code="en")
    message = await first_task(user)
    forged = [
        f"task:v1:done:{theirs.id}",
        f"task:v1:undo:{their_done.id}",
        f"task:v1:ask:{theirs.id}",
        "task:v1:done:999999",
        "task:v1:done:",
        "task:v1:explode:1",
        "task:v9:done:1",
    ]
    for data in forged:
        answer = await (await user.press(message, data, strict=False)).answer()
        assert answer["text"] == "This button is no longer valid.", data
    assert (await stored(harness, theirs)).status == TaskStatus.OPEN
    assert (await stored(harness, their_done)).status == TaskStatus.DONE
    assert (await stored(harness, row)).status == TaskStatus.OPEN
    assert (await harness.reload(client)).awaiting is None
    async with harness.db.reading() as session:
        assert await audit.events(session, client_id=pk(other)) == []
    assert message.callback_data == [f"task:v1:done:{row.id}", f"task:v1:ask:{row.id}"]


async def test_arabic_client_gets_isolated_titles_and_working_buttons(harness: Harness) -> None:
    client, row = await setup(harness, locale="ar", title="Bel DUO", due_date=date(2026, 11, 20))
    user = await harness.linked_user(client, language_code="ar")
    message = await first_task(user)
    text = message.text or ""
    assert bidi.balanced(text)
    assert f"{bidi.FSI}Bel DUO{bidi.PDI}" in text
    assert message.callback_data == [f"task:v1:done:{row.id}", f"task:v1:ask:{row.id}"]
    await (await user.press(message, f"task:v1:done:{row.id}")).answer()
    assert (await stored(harness, row)).status == TaskStatus.DONE
    assert message.callback_data == [f"task:v1:undo:{row.id}"]
    assert bidi.balanced(message.text or "")


async def test_a_cancelled_task_can_be_neither_done_nor_undone(harness: Harness) -> None:
    client, row = await setup(harness)
    user = await harness.linked_user(client, language_code="en")
    message = await first_task(user)
    async with harness.db.transaction() as session:
        fresh = await tasks.by_id(session, task_id=pk(row))
        assert fresh is not None
        fresh.status = TaskStatus.CANCELLED
        session.add(fresh)
    for action in ("done", "undo"):
        press = await user.press(message, f"task:v1:{action}:{row.id}", strict=False)
        assert (await press.answer())["text"] == "This task is not open any more."
    assert (await stored(harness, row)).status == TaskStatus.CANCELLED
    assert "This task was cancelled." in (message.text or "")
    assert message.callback_data == []
