"""How many SQL statements each client screen costs (issue 15: one query per screen).

Every statement the engine sends while the bot handles one update is counted with SQLAlchemy's
`before_cursor_execute` event. The gate reads the client once per update; the screen itself may
add one query. A handler that goes back to the database per part, per task or per appointment
makes these counts grow and the tests fail.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event

from casework.clock import FixedClock
from console.compose import running
from fakebot import FakeTelegram, SimUser, StoredMessage
from storage.db import Database
from storage.models import Client
from tests import factories
from tests.e2e.conftest import TOKEN, Harness, harness_settings

NOW = factories.NOW
GATE = 1  # the gate's one read of the client


class Statements:
    """The SQL statements sent on one engine, from the moment `start` is called."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.counting = False

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if self.counting:
            self.seen.append(statement)

    def start(self) -> None:
        self.seen.clear()
        self.counting = True

    def stop(self) -> list[str]:
        self.counting = False
        return list(self.seen)


@pytest.fixture
async def quiet_harness(db: Database, database_url: str) -> AsyncIterator[Harness]:
    """The e2e harness without the scheduler's jobs, so every statement is the update's own."""
    fake = FakeTelegram(token=TOKEN)
    await fake.start()
    settings = harness_settings(fake, database_url)
    clock = FixedClock(NOW)
    try:
        async with running(
            settings, db=db, clock=clock, rate_limit=False, with_jobs=False, polling=True
        ) as started:
            yield Harness(fake, started.application, db, clock, settings)
    finally:
        await fake.stop()


@pytest.fixture
def statements(db: Database) -> Iterator[Statements]:
    counter = Statements()
    event.listen(db.engine.sync_engine, "before_cursor_execute", counter)
    yield counter
    event.remove(db.engine.sync_engine, "before_cursor_execute", counter)


async def a_client_with_everything(harness: Harness) -> Client:
    """A client with a caseworker, a social guide, a plan of five parts, four appointments with
    a staff member each and four open tasks and one done: enough rows to expose a query per row."""
    async with harness.db.transaction() as session:
        org = await factories.organisation(session)
        worker = await factories.staff(session, organisation=org, name="Fatima de Vries")
        guide = await factories.staff(session, organisation=org, name="Jan Bakker")
        client = await factories.client(
            session, locale="en", caseworker_id=worker.id, social_guide_id=guide.id
        )
        await factories.plan(session, client=client, parts=5)
        for day in range(1, 5):
            await factories.appointment(
                session,
                client=client,
                staff_id=(worker if day % 2 else guide).id,
                starts_at=NOW + timedelta(days=day),
                ends_at=NOW + timedelta(days=day, hours=1),
            )
        for n in range(4):
            await factories.task(session, client=client, title=f"Task {n}")
        await factories.task(session, client=client, title="Done one", status="done", done_at=NOW)
    return client


async def counted(
    harness: Harness, statements: Statements, user: SimUser, command: str, replies: int
) -> tuple[list[str], list[StoredMessage]]:
    statements.start()
    await user.send_command(command)
    shown = [await user.next_message() for _ in range(replies)]
    await harness.fake.drain()
    return statements.stop(), shown


async def test_the_plan_screen_is_one_query_after_the_gate(
    quiet_harness: Harness, statements: Statements
) -> None:
    client = await a_client_with_everything(quiet_harness)
    user = await quiet_harness.linked_user(client, language_code="en")
    seen, shown = await counted(quiet_harness, statements, user, "/plan", replies=1)
    text = shown[0].text or ""
    assert "Fatima de Vries" in text and "Jan Bakker" in text and "Part 4" in text
    assert len(seen) == GATE + 1, seen


async def test_a_client_without_a_plan_costs_the_same_one_query(
    quiet_harness: Harness, statements: Statements
) -> None:
    async with quiet_harness.db.transaction() as session:
        client = await factories.client(session, locale="en")
    user = await quiet_harness.linked_user(client, language_code="en")
    seen, _ = await counted(quiet_harness, statements, user, "/plan", replies=1)
    assert len(seen) == GATE + 1, seen


async def test_the_task_list_is_one_query_after_the_gate(
    quiet_harness: Harness, statements: Statements
) -> None:
    client = await a_client_with_everything(quiet_harness)
    user = await quiet_harness.linked_user(client, language_code="en")
    seen, [listing] = await counted(quiet_harness, statements, user, "/tasks", replies=1)
    assert "You have 4 open tasks." in (listing.text or "")
    # "Show done tasks": the done one was found in the same query
    assert listing.callback_data[-1] == "task:v1:done_list:"
    assert len(seen) == GATE + 1, seen


async def test_the_appointment_list_is_one_query_after_the_gate(
    quiet_harness: Harness, statements: Statements
) -> None:
    client = await a_client_with_everything(quiet_harness)
    user = await quiet_harness.linked_user(client, language_code="en")
    seen, [listing] = await counted(quiet_harness, statements, user, "/appointments", replies=1)
    assert len(listing.callback_data) == 4
    assert len(seen) == GATE + 1, seen
    # Opening one from the list: the appointment (checked to be the client's) and its staff
    # member, whatever the length of the list.
    statements.start()
    await (await user.press(listing, listing.callback_data[1])).answer()
    await quiet_harness.fake.drain()
    seen = statements.stop()
    assert "With: Jan Bakker" in (listing.text or "")
    assert len(seen) == GATE + 2, seen


async def test_a_done_press_has_a_fixed_number_of_queries(
    quiet_harness: Harness, statements: Statements
) -> None:
    client = await a_client_with_everything(quiet_harness)
    user = await quiet_harness.linked_user(client, language_code="en")
    await user.send_command("/tasks")
    first = await user.next_message()
    await (await user.press(first, first.callback_data[0])).answer()  # the first task's card
    await quiet_harness.fake.drain()
    assert first.callback_data[0].startswith("task:v1:done:")
    statements.start()
    press = await user.press(first, first.callback_data[0])
    await press.answer()
    await quiet_harness.fake.drain()
    seen = statements.stop()
    # The gate, the task (checked to be the client's), its new status, its reminders (read to
    # re-plan them: a done task has none) and the audit row; nothing per other task.
    kinds = sorted(statement.split()[0] for statement in seen)
    assert kinds == ["INSERT", "SELECT", "SELECT", "SELECT", "UPDATE"], seen


async def test_each_list_tap_is_one_bot_api_request(quiet_harness: Harness) -> None:
    """📅 and ✅ send one message for the whole list (before: one per appointment, and one per
    open task plus a summary); opening an item edits that message and answers the press."""
    client = await a_client_with_everything(quiet_harness)
    user = await quiet_harness.linked_user(client, language_code="en")
    fake = quiet_harness.fake

    async def requests_since(since: int) -> list[str]:
        # Called once the reply the user waits for has arrived, so nothing depends on how fast
        # the bot is: the drain only makes sure nothing more follows.
        await fake.drain()
        return sorted(c.method for c in fake.calls[since:] if c.method != "getUpdates")

    for command in ("/appointments", "/tasks"):
        await fake.drain()
        since = fake.call_count
        await user.send_command(command)
        listing = await user.next_message()
        assert await requests_since(since) == ["sendMessage"], command
        assert len(listing.callback_data) >= 4
        since = fake.call_count
        # The handler edits the message, then answers the press: the answer comes last.
        await (await user.press(listing, listing.callback_data[0])).answer()
        opened = await requests_since(since)
        assert opened == ["answerCallbackQuery", "editMessageText"], (command, opened)
        back = listing.callback_data[-1]
        assert back.endswith(":list:")
        since = fake.call_count
        await (await user.press(listing, back)).answer()
        again = await requests_since(since)
        assert again == ["answerCallbackQuery", "editMessageText"], (command, again)
