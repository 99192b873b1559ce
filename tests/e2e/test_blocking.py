"""A client who blocked the bot ends in the same state whichever place noticed it first: the
gate (Telegram's membership update), the error handler (a 403 on a reply), the dispatcher (a 403
on a reminder), the relay (a 403 on an answer from the staff chat) or a notice from the
back-office. The client is `blocked_bot`
and no reminder waits for them any more; writing again brings everything back."""

from __future__ import annotations

from sqlmodel import col, select, update
from telegram import Bot

from bot.channels import channels_of, process_channels
from casework.planning import replan_appointment
from casework.ports import Outcome
from casework.settings import planning_rules
from scheduler.dispatch import for_services
from storage.enums import ClientStatus, ReminderStatus
from storage.ids import pk
from storage.models import Client, Reminder
from tests import factories
from tests.e2e.conftest import Harness
from tests.e2e.test_staff_chat import ask, make_world, topic_row
from tests.e2e.test_telegram_errors import linked_client, settle, to_chat
from texts.render import questions as texts

STOPPED = (ReminderStatus.CANCELLED, ReminderStatus.FAILED)


async def state(harness: Harness, client: Client) -> tuple[str, set[tuple[str, str | None]]]:
    """The client's status, and (status, reason) of each of their reminders not yet sent."""
    async with harness.db.reading() as session:
        fresh = await session.get(Client, pk(client))
        rows = (await session.exec(select(Reminder).where(Reminder.client_id == client.id))).all()
    assert fresh is not None
    return fresh.status, {(row.status, row.reason) for row in rows if row.status != "sent"}


async def assert_blocked(harness: Harness, client: Client) -> None:
    status, reminders = await state(harness, client)
    assert status == ClientStatus.BLOCKED_BOT
    assert reminders and all(s in STOPPED and reason == "blocked_bot" for s, reason in reminders)


async def assert_back(harness: Harness, client: Client, user: object) -> None:
    """Writing again makes the client active and re-plans what was stopped."""
    await user.send_command("/help")  # type: ignore[attr-defined]
    await settle(harness)
    status, reminders = await state(harness, client)
    assert status == ClientStatus.ACTIVE
    assert (ReminderStatus.PENDING, None) in reminders


async def test_seen_by_the_gate(harness: Harness) -> None:
    client, user = await linked_client(harness)
    await user.block_bot()
    await settle(harness)
    await assert_blocked(harness, client)
    await user.unblock_bot()
    await assert_back(harness, client, user)


async def test_seen_by_the_error_handler(harness: Harness) -> None:
    client, user = await linked_client(harness)
    harness.fake.inject("sendMessage", status=403, match=to_chat(user))
    await user.send_command("/help")
    await settle(harness)
    await assert_blocked(harness, client)
    await assert_back(harness, client, user)


async def test_seen_by_the_dispatcher(harness: Harness) -> None:
    client, user = await linked_client(harness)
    async with harness.db.transaction() as session:
        first = (
            await session.exec(
                select(Reminder).where(Reminder.client_id == client.id).order_by(col(Reminder.id))
            )
        ).first()
        assert first is not None
        due = harness.clock.now()
        await session.exec(
            update(Reminder)  # type: ignore[call-overload]
            .where(col(Reminder.id) == first.id)
            .values(due_at=due, available_at=due)
        )
    harness.fake.inject("sendMessage", status=403, match=to_chat(user))
    services = harness.app.bot_data.services
    assert services is not None
    await for_services(services, rate_limited=False).drain(channels_of(harness.app).client)
    await assert_blocked(harness, client)
    await assert_back(harness, client, user)


async def test_seen_by_the_relay(harness: Harness) -> None:
    world = await make_world(harness)
    async with harness.db.transaction() as session:
        client = await session.get(Client, pk(world.client))
        assert client is not None
        meeting = await factories.appointment(session, client=client)
        await replan_appointment(
            session,
            appointment=meeting,
            client=client,
            rules=planning_rules(harness.settings),
            now=harness.clock.now(),
        )
    await ask(world, "سؤال")
    topic_id = (await topic_row(harness, world.client)).topic_id
    harness.fake.inject("copyMessage", 403, match=lambda p: p.get("chat_id") == world.user.chat_id)
    await world.worker.send_text("Hallo?", thread_id=topic_id)
    note = await world.group.next_message(thread_id=topic_id)
    while not (note.text or "").startswith("⛔"):
        note = await world.group.next_message(thread_id=topic_id)
    await assert_blocked(harness, world.client)


async def test_seen_by_a_notice_from_the_back_office(harness: Harness) -> None:
    """The back-office's own client channel (its own Bot, as console/backoffice.py builds it)."""
    client, user = await linked_client(harness)
    async with harness.db.reading() as session:
        linked = await session.get(Client, pk(client))  # as the back-office reads it
    assert linked is not None and linked.telegram_chat_id == user.chat_id
    settings = harness.settings
    assert settings.telegram_token is not None
    bot = Bot(settings.telegram_token.get_secret_value(), base_url=settings.telegram_api_url)
    channels = process_channels(settings, db=harness.db, clock=harness.clock, bot=bot)
    assert channels is not None
    await channels.client.open()
    try:
        harness.fake.inject("sendMessage", status=403, match=to_chat(user))
        delivery = await channels.client.notify(linked, texts.seen_text)
    finally:
        await channels.client.close()
    assert delivery.outcome == Outcome.BLOCKED
    await assert_blocked(harness, client)
    await assert_back(harness, client, user)
