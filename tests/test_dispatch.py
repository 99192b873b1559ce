"""The dispatcher against a real database and the fake Telegram, with an injected clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.app import BotApplication, build_application
from bot.channels import channels_of
from bot.telegram_errors import failure_of
from casework import case
from casework.clock import FixedClock
from casework.planning import PlanningRules
from console.compose import schedule
from fakebot import FakeTelegram
from scheduler import dispatch, retention
from scheduler.dispatch import (
    MAX_ATTEMPTS,
    Blocked,
    Defer,
    Dispatcher,
    Fail,
    Retry,
    Send,
    Skip,
    after_error,
    backoff,
    decide,
    for_services,
)
from storage import reminders as reminder_rows
from storage.db import Database
from storage.enums import ReminderKind, ReminderStatus
from storage.ids import pk
from storage.models import Appointment, Client, Message, Question, Reminder, Visitor
from tests import factories
from tests.e2e.conftest import TOKEN, harness_settings
from texts.render import reminders as render
from texts.render.reminders import Subject

NOW = factories.NOW  # Monday 23 November 2026, 11:00 in Amsterdam
RULES = PlanningRules()


@dataclass
class World:
    fake: FakeTelegram
    app: BotApplication
    db: Database
    clock: FixedClock
    dispatcher: Dispatcher

    async def client(self, chat_id: int, *, language: str = "en", **fields: Any) -> Client:
        self.fake.user(chat_id, "Amina", language)
        values: dict[str, Any] = {
            "locale": language,
            "status": "active",
            "telegram_chat_id": chat_id,
            "telegram_user_id": chat_id,
            "consent_at": NOW - timedelta(days=1),
        }
        values.update(fields)
        async with self.db.transaction() as session:
            return await factories.client(session, **values)

    async def appointment_reminder(
        self,
        client: Client,
        *,
        starts_in: timedelta = timedelta(hours=3),
        due_in=timedelta(0),
        **fields: Any,
    ) -> Reminder:
        async with self.db.transaction() as session:
            made = await factories.appointment(
                session,
                client=client,
                starts_at=NOW + starts_in,
                ends_at=NOW + starts_in + timedelta(hours=1),
                **fields,
            )
            return await add_reminder(
                session,
                client,
                ReminderKind.APPOINTMENT,
                pk(made),
                due=NOW + due_in,
                event=made.starts_at,
            )

    async def row(self, reminder_id: int | None) -> Reminder:
        async with self.db.reading() as session:
            found = await session.get(Reminder, reminder_id)
        assert found is not None
        return found

    async def tick(self) -> dispatch.Tally:
        return await self.dispatcher.drain(channels_of(self.app).client)

    def sends(self, chat_id: int | None = None) -> list[Any]:
        return [
            call
            for call in self.fake.calls_for("sendMessage")
            if chat_id is None or call.params.get("chat_id") == chat_id
        ]


async def add_reminder(
    session: Any,
    client: Client,
    kind: str,
    subject_id: int,
    *,
    due: datetime,
    event: datetime | None,
    key: str | None = None,
) -> Reminder:
    row = Reminder(
        client_id=pk(client),
        kind=kind,
        subject_id=subject_id,
        dedup_key=key or f"{kind}:{subject_id}:test",
        due_at=due,
        available_at=due,
        event_at=event,
    )
    session.add(row)
    await session.flush()
    return row


async def start_world(
    db: Database, database_url: str, *, rate_limit: bool = False, **overrides: Any
) -> tuple[FakeTelegram, BotApplication]:
    fake = FakeTelegram(token=TOKEN)
    await fake.start()
    settings = harness_settings(fake, database_url, **overrides)
    app = build_application(settings, db=db, clock=FixedClock(NOW), rate_limit=rate_limit)
    await app.initialize()
    return fake, app


@pytest.fixture
async def world(db: Database, database_url: str) -> AsyncIterator[World]:
    fake, app = await start_world(db, database_url, dispatch_batch_size=50)
    services = app.bot_data.services
    assert services is not None
    assert isinstance(services.clock, FixedClock)
    dispatcher = for_services(services, rate_limited=False)
    dispatcher.send_timeout = 1.0
    try:
        yield World(fake, app, db, services.clock, dispatcher)
    finally:
        await app.shutdown()
        await fake.stop()


# -- rules without Telegram --------------------------------------------------------------------


def subject_of(**client_fields: Any) -> tuple[Subject, Reminder]:
    values: dict[str, Any] = {
        "id": 1,
        "ref": "r",
        "first_name": "A",
        "municipality": "Hoorn",
        "status": "active",
        "telegram_chat_id": 5,
        "consent_at": NOW,
    }
    values.update(client_fields)
    client = Client(**values)
    starts = NOW + timedelta(hours=2)
    appointment = Appointment(id=2, client_id=1, external_id="a", kind="intake", starts_at=starts)
    reminder = Reminder(
        id=3,
        client_id=1,
        kind="appointment",
        subject_id=2,
        dedup_key="k",
        due_at=NOW,
        available_at=NOW,
        event_at=starts,
    )
    return Subject(reminder, client, appointment=appointment), reminder


def decision(now: datetime = NOW, **client_fields: Any) -> Any:
    subject, reminder = subject_of(**client_fields)
    return decide(subject, reminder, now=now, quiet=RULES.default_quiet, rules=RULES)


def test_decide_sends_to_an_active_linked_client() -> None:
    assert decision() == Send()


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"status": "blocked_bot"}, "client_blocked_bot"),
        ({"status": "paused"}, "client_paused"),
        ({"telegram_chat_id": None}, "no_chat"),
        ({"consent_at": None}, "no_consent"),
        ({"remind_appointments": False}, "turned_off"),
    ],
)
def test_decide_skips_who_should_not_get_it(fields: dict[str, Any], reason: str) -> None:
    assert decision(**fields) == Skip(reason)


def test_decide_skips_a_passed_event_and_defers_at_night() -> None:
    assert decision(NOW + timedelta(hours=3)) == Skip("event_passed")
    subject, reminder = subject_of()
    night = datetime(2026, 11, 23, 21, 30, tzinfo=UTC)  # 22:30 in Amsterdam
    reminder.event_at = subject.appointment.starts_at = night + timedelta(days=1)  # type: ignore[union-attr]
    assert decide(subject, reminder, now=night, quiet=RULES.default_quiet, rules=RULES) == Defer(
        datetime(2026, 11, 24, 7, 0, tzinfo=UTC), "quiet_hours"
    )
    reminder.event_at = subject.appointment.starts_at = night + timedelta(hours=2)  # type: ignore[union-attr]
    assert decide(subject, reminder, now=night, quiet=RULES.default_quiet, rules=RULES) == Skip(
        "quiet_hours"
    )


def test_errors_map_to_retry_fail_or_blocked() -> None:
    assert after_error(failure_of(RetryAfter(3)), attempts=2, now=NOW) == Retry(
        NOW + timedelta(seconds=3), 2, "RetryAfter: Flood control exceeded. Retry in 3 seconds"
    )
    assert after_error(
        failure_of(Forbidden("Forbidden: bot was blocked by the user")), attempts=0, now=NOW
    ) == (Blocked(1, "Forbidden: Forbidden: bot was blocked by the user"))
    assert isinstance(
        after_error(failure_of(BadRequest("Chat not found")), attempts=0, now=NOW), Fail
    )
    assert after_error(failure_of(NetworkError("Bad Gateway")), attempts=0, now=NOW) == Retry(
        NOW + timedelta(seconds=30), 1, "NetworkError: Bad Gateway"
    )
    assert after_error(failure_of(TimedOut()), attempts=MAX_ATTEMPTS - 1, now=NOW) == Fail(
        MAX_ATTEMPTS, "TimedOut: Timed out"
    )


def test_backoff_doubles_and_is_capped() -> None:
    assert [backoff(n).total_seconds() for n in range(1, 6)] == [30, 60, 120, 240, 480]
    assert backoff(20) == timedelta(hours=1)


# -- sending -----------------------------------------------------------------------------------


async def test_an_appointment_reminder_in_the_clients_language_with_buttons(world: World) -> None:
    client = await world.client(6001, language="tr")
    reminder = await world.appointment_reminder(client)
    tally = await world.tick()
    assert tally.counts["sent"] == 1
    message = await world.fake.user(6001).next_message()
    assert "Kasım" in (message.text or "")  # Turkish month name, formatted by Babel
    assert f"appt:v1:confirm:{reminder.subject_id}" in message.callback_data
    assert f"appt:v1:cannot:{reminder.subject_id}" in message.callback_data
    stored = await world.row(reminder.id)
    assert (stored.status, stored.telegram_message_id, stored.sent_at) == (
        "sent",
        message.message_id,
        NOW,
    )
    assert stored.lease_until is None


async def test_dutch_under_the_translation_when_the_client_asks(world: World) -> None:
    client = await world.client(6002, language="en", show_dutch=True)
    await world.appointment_reminder(client)
    await world.tick()
    text = (await world.fake.user(6002).next_message()).text or ""
    assert "Reminder: you have an appointment today" in text
    assert "🇳🇱" in text and "november" in text


async def test_nothing_is_sent_before_its_time(world: World) -> None:
    client = await world.client(6003)
    reminder = await world.appointment_reminder(client, due_in=timedelta(minutes=5))
    await world.tick()
    assert world.sends() == []
    world.clock.advance(timedelta(minutes=5))
    await world.tick()
    assert (await world.row(reminder.id)).status == "sent"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"client": {"remind_appointments": False}}, "turned_off"),
        ({"client": {"status": "paused"}}, "client_paused"),
        ({"client": {"consent_at": None}}, "no_consent"),
        ({"appointment": {"status": "cancelled"}}, "appointment_cancelled"),
        ({"appointment": {"status": "done"}}, "appointment_done"),
    ],
)
async def test_rechecked_at_send_time(world: World, change: dict[str, Any], reason: str) -> None:
    client = await world.client(6004)
    reminder = await world.appointment_reminder(client)
    async with world.db.transaction() as session:
        for field, value in change.get("client", {}).items():
            setattr(fresh := await session.get(Client, client.id), field, value)
            session.add(fresh)
        for field, value in change.get("appointment", {}).items():
            setattr(row := await session.get(Appointment, reminder.subject_id), field, value)
            session.add(row)
    await world.tick()
    stored = await world.row(reminder.id)
    assert (stored.status, stored.reason) == ("skipped", reason)
    assert world.sends() == []


async def test_a_started_appointment_is_skipped_not_sent_late(world: World) -> None:
    client = await world.client(6005)
    reminder = await world.appointment_reminder(client, starts_in=timedelta(hours=2))
    world.clock.advance(timedelta(hours=2, minutes=1))
    await world.tick()
    assert (await world.row(reminder.id)).reason == "event_passed"
    assert world.sends() == []


async def test_at_night_a_late_reminder_waits_for_the_morning(world: World) -> None:
    client = await world.client(6006)
    reminder = await world.appointment_reminder(client, starts_in=timedelta(days=1))
    world.clock.set(datetime(2026, 11, 23, 21, 30, tzinfo=UTC))  # 22:30 in Amsterdam
    await world.tick()
    stored = await world.row(reminder.id)
    assert (stored.status, stored.available_at) == (
        "pending",
        datetime(2026, 11, 24, 7, 0, tzinfo=UTC),
    )
    assert world.sends() == []
    world.clock.set(datetime(2026, 11, 24, 7, 0, tzinfo=UTC))
    await world.tick()
    assert (await world.row(reminder.id)).status == "sent"


async def test_429_waits_retry_after_without_counting_an_attempt(world: World) -> None:
    client = await world.client(6007)
    reminder = await world.appointment_reminder(client)
    world.fake.inject("sendMessage", status=429, retry_after=7)
    await world.tick()
    stored = await world.row(reminder.id)
    assert (stored.status, stored.attempts, stored.available_at) == (
        "pending",
        0,
        NOW + timedelta(seconds=7),
    )
    assert stored.last_error is not None and stored.last_error.startswith("RetryAfter")
    world.clock.advance(timedelta(seconds=6))
    await world.tick()
    assert len(world.sends()) == 1
    world.clock.advance(timedelta(seconds=1))
    await world.tick()
    assert (await world.row(reminder.id)).status == "sent"
    assert len(world.sends()) == 2


async def test_403_blocks_the_client_and_cancels_what_waits_for_them(world: World) -> None:
    client = await world.client(6008)
    first = await world.appointment_reminder(client)
    second = await world.appointment_reminder(client)
    later = await world.appointment_reminder(
        client, due_in=timedelta(hours=1), starts_in=timedelta(hours=5)
    )
    await world.fake.user(6008).block_bot()
    await world.tick()
    assert len(world.sends()) == 1
    statuses = {r.id: (await world.row(r.id)) for r in (first, second, later)}
    tried = [r for r in statuses.values() if r.status == "failed"]
    assert len(tried) == 1 and tried[0].last_error is not None
    assert "blocked by the user" in tried[0].last_error
    assert sorted((r.status, r.reason) for r in statuses.values() if r.status != "failed") == [
        ("cancelled", "blocked_bot"),
        ("cancelled", "blocked_bot"),
    ]
    assert (await reload_client(world, client)).status == "blocked_bot"
    world.clock.advance(timedelta(hours=2))
    await world.tick()
    assert len(world.sends()) == 1


async def reload_client(world: World, client: Client) -> Client:
    async with world.db.reading() as session:
        fresh = await session.get(Client, client.id)
    assert fresh is not None
    return fresh


async def test_400_fails_at_once_with_the_error_kept(world: World) -> None:
    client = await world.client(6009)
    reminder = await world.appointment_reminder(client)
    world.fake.inject("sendMessage", status=400, description="Bad Request: chat not found")
    await world.tick()
    stored = await world.row(reminder.id)
    assert (stored.status, stored.attempts, stored.last_error) == (
        "failed",
        1,
        "BadRequest: Chat not found",
    )


async def test_5xx_retries_with_backoff_then_fails(world: World) -> None:
    client = await world.client(6010)
    reminder = await world.appointment_reminder(client, starts_in=timedelta(days=1))
    world.fake.inject("sendMessage", status=502, times=None)
    for attempt in range(1, MAX_ATTEMPTS):
        await world.tick()
        stored = await world.row(reminder.id)
        assert (stored.status, stored.attempts) == ("pending", attempt)
        assert stored.available_at == world.clock.now() + backoff(attempt)
        world.clock.advance(backoff(attempt) - timedelta(seconds=1))
        await world.tick()
        assert len(world.sends()) == attempt  # not before its backoff
        world.clock.advance(timedelta(seconds=1))
    await world.tick()
    stored = await world.row(reminder.id)
    assert (stored.status, stored.attempts, stored.last_error) == (
        "failed",
        MAX_ATTEMPTS,
        "NetworkError: Bad Gateway",
    )
    assert len(world.sends()) == MAX_ATTEMPTS


async def test_a_time_out_is_retried_later(world: World) -> None:
    client = await world.client(6011)
    reminder = await world.appointment_reminder(client)
    world.fake.inject("sendMessage", latency=1.5)
    await world.tick()
    stored = await world.row(reminder.id)
    assert (stored.status, stored.attempts, stored.last_error) == (
        "pending",
        1,
        "TimedOut: Timed out",
    )
    world.clock.advance(backoff(1))
    await world.tick()
    assert (await world.row(reminder.id)).status == "sent"


async def test_a_dropped_connection_is_retried_later(world: World) -> None:
    client = await world.client(6012)
    reminder = await world.appointment_reminder(client)
    world.fake.inject("sendMessage", drop_connection=True)
    await world.tick()
    stored = await world.row(reminder.id)
    assert (stored.status, stored.attempts) == ("pending", 1)
    assert stored.last_error is not None and stored.last_error.startswith("NetworkError")


async def test_a_reminder_that_cannot_be_rendered_fails_with_the_error_class(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: Any) -> Any:
        raise KeyError("x")

    monkeypatch.setitem(render.RENDERERS, ReminderKind.APPOINTMENT, broken)
    client = await world.client(6013)
    reminder = await world.appointment_reminder(client)
    await world.tick()
    stored = await world.row(reminder.id)
    assert (stored.status, stored.last_error) == ("failed", "RenderError: KeyError")


async def test_an_expired_lease_is_claimed_again(world: World) -> None:
    client = await world.client(6014)
    reminder = await world.appointment_reminder(client)
    lease = timedelta(seconds=world.app.bot_data.services.settings.reminder_lease_seconds)  # type: ignore[union-attr]
    async with world.db.transaction() as session:  # a dispatcher that crashed after claiming
        assert await reminder_rows.claim_due(
            session, now=NOW, lease_until=NOW + lease, claimer="dead", limit=10
        ) == [reminder.id]
    await world.tick()
    assert world.sends() == []
    world.clock.advance(lease + timedelta(seconds=1))
    await world.tick()
    stored = await world.row(reminder.id)
    assert (stored.status, stored.claimed_by) == ("sent", world.dispatcher.claimer)


async def test_a_mark_never_overwrites_a_claim_that_was_lost(world: World) -> None:
    client = await world.client(6015)
    reminder = await world.appointment_reminder(client)
    lease_until = NOW + timedelta(minutes=2)
    async with world.db.transaction() as session:
        await reminder_rows.claim_due(
            session, now=NOW, lease_until=lease_until, claimer="a", limit=10
        )
    async with world.db.transaction() as session:  # re-planned while it was out
        row = await session.get(Reminder, reminder.id)
        assert row is not None
        row.status, row.lease_until, row.claimed_by = "pending", None, None
        session.add(row)
    mark = reminder_rows.Mark(pk(reminder), lease_until, "sent", 0, NOW, sent_at=NOW)
    async with world.db.transaction() as session:
        assert await reminder_rows.apply_marks(session, marks=[mark], claimer="a") == 0
    assert (await world.row(reminder.id)).status == "pending"


async def test_two_claims_at_once_never_share_a_row(world: World) -> None:
    client = await world.client(6016)
    for _ in range(30):
        await world.appointment_reminder(client)

    async def claim(name: str) -> list[int]:
        async with world.db.transaction() as session:
            return await reminder_rows.claim_due(
                session, now=NOW, lease_until=NOW + timedelta(minutes=1), claimer=name, limit=20
            )

    first, second = await asyncio.gather(claim("a"), claim("b"))
    assert not set(first) & set(second)
    assert len(first) + len(second) == 30


async def test_a_drain_empties_a_backlog_larger_than_a_batch(world: World) -> None:
    ids = []
    for n in range(120):
        client = await world.client(7000 + n)
        ids.append((await world.appointment_reminder(client)).id)
    tally = await world.tick()
    assert tally.counts["sent"] == 120 and tally.rounds == 4  # three batches and an empty claim
    assert len({call.params["chat_id"] for call in world.sends()}) == 120


async def test_a_task_reminder_has_the_done_button(world: World) -> None:
    client = await world.client(6017)
    async with world.db.transaction() as session:
        task = await factories.task(
            session, client=client, title="Bring <your> diploma", due_date=date(2026, 11, 24)
        )
        reminder = await add_reminder(
            session, client, ReminderKind.TASK, pk(task), due=NOW, event=NOW + timedelta(days=1)
        )
    await world.tick()
    message = await world.fake.user(6017).next_message()
    assert "Reminder: this task is due tomorrow." in (message.text or "")
    assert "Bring <your> diploma" in (message.text or "")
    assert f"task:v1:done:{task.id}" in message.callback_data
    assert (await world.row(reminder.id)).status == "sent"


async def test_a_deadline_reminder_names_the_dutch_term(world: World) -> None:
    client = await world.client(6018)
    async with world.db.transaction() as session:
        plan = await factories.plan(session, client=client, period_end=date(2027, 5, 24))
        await add_reminder(
            session,
            client,
            ReminderKind.DEADLINE,
            pk(plan),
            due=NOW,
            event=datetime(2027, 5, 25, tzinfo=UTC),
        )
    await world.tick()
    text = (await world.fake.user(6018).next_message()).text or ""
    assert "inburgeringstermijn" in text and "That is in 6 months." in text


async def test_the_weekly_digest_lists_the_week_or_is_skipped_when_empty(world: World) -> None:
    busy = await world.client(6019, weekly_digest=True)
    idle = await world.client(6020, weekly_digest=True)
    async with world.db.transaction() as session:
        await factories.appointment(session, client=busy, starts_at=NOW + timedelta(days=2))
        await factories.task(session, client=busy, title="Call the school")
        for client in (busy, idle):
            await add_reminder(
                session,
                client,
                ReminderKind.DIGEST,
                pk(client),
                due=NOW,
                event=NOW + timedelta(hours=12),
            )
    await world.tick()
    text = (await world.fake.user(6019).next_message()).text or ""
    assert "Your week" in text and "Call the school" in text and "voortgangsgesprek" in text
    async with world.db.reading() as session:
        skipped = (await session.exec(select(Reminder).where(Reminder.client_id == idle.id))).one()
    assert (skipped.status, skipped.reason) == ("skipped", "nothing_to_tell")


async def test_with_the_rate_limiter_a_429_comes_back_to_the_dispatcher(
    db: Database, database_url: str
) -> None:
    fake, app = await start_world(db, database_url, rate_limit=True)
    try:
        services = app.bot_data.services
        assert services is not None
        world = World(fake, app, db, services.clock, for_services(services, rate_limited=True))  # type: ignore[arg-type]
        reminder = await world.appointment_reminder(await world.client(6021))
        fake.inject("sendMessage", status=429, retry_after=1)
        await world.tick()
        assert len(world.sends()) == 1  # AIORateLimiter did not retry behind our back
        stored = await world.row(reminder.id)
        assert (stored.status, stored.available_at) == ("pending", NOW + timedelta(seconds=1))
    finally:
        await app.shutdown()
        await fake.stop()


async def test_a_planned_appointment_reaches_the_client_through_the_outbox(world: World) -> None:
    client = await world.client(6022, language="nl")
    async with world.db.transaction() as session:
        await case.add_appointment(
            session,
            client=client,
            draft=case.AppointmentDraft(
                kind="exam", starts_at=NOW + timedelta(days=1, hours=3), external_id="exam-1"
            ),
            rules=world.app.bot_data.services.rules,
            now=NOW,  # type: ignore[union-attr]
        )
    world.clock.set(datetime(2026, 11, 23, 17, 0, tzinfo=UTC))  # 18:00 the evening before
    await world.tick()
    text = (await world.fake.user(6022).next_message()).text or ""
    assert "dinsdag 24 november 2026" in text and "14:00" in text  # Dutch, by Babel


# -- retention and jobs ------------------------------------------------------------------------


async def test_retention_erases_old_contents_and_deletes_old_rows(db: Database) -> None:
    old = NOW - timedelta(days=400)
    async with db.transaction() as session:
        client = await factories.client(session)
        question = Question(client_id=pk(client))
        session.add(question)
        await session.flush()
        session.add_all(
            [
                Message(question_id=pk(question), direction="from_client", text="old", sent_at=old),
                Message(
                    question_id=pk(question),
                    direction="from_client",
                    kind="photo",
                    file_id="F1",
                    sent_at=old,
                ),
                Message(question_id=pk(question), direction="from_client", text="new", sent_at=NOW),
                Visitor(chat_id=1, locale="ar", created_at=old, updated_at=old),
                Visitor(chat_id=2, locale="ar", created_at=NOW, updated_at=NOW),
            ]
        )
        for n, status in enumerate(("sent", "skipped", "pending")):
            await add_reminder(session, client, ReminderKind.TASK, n, due=old, event=None)
            row = (await session.exec(select(Reminder).where(Reminder.subject_id == n))).one()
            row.status = status
            session.add(row)
    purged = await retention.purge(db, now=NOW, days=365)
    assert (purged.messages, purged.reminders) == (2, 2)
    async with db.reading() as session:
        messages = (await session.exec(select(Message).order_by(Message.id))).all()
        assert [(m.text, m.file_id, m.erased_at) for m in messages] == [
            (None, None, NOW),
            (None, None, NOW),
            ("new", None, None),
        ]
        assert [v.chat_id for v in (await session.exec(select(Visitor))).all()] == [2]
        assert [r.status for r in (await session.exec(select(Reminder))).all()] == ["pending"]


async def test_the_jobs_are_registered(db: Database, database_url: str) -> None:
    fake = FakeTelegram(token=TOKEN)
    await fake.start()
    try:
        app = build_application(harness_settings(fake, database_url), db=db, rate_limit=False)
        assert app.job_queue is not None
        assert app.job_queue.jobs() == ()  # the bot alone schedules nothing: the root does
        dispatcher = schedule(app)
        names = {job.name for job in app.job_queue.jobs()}
        assert {"dispatch", "retention", "digest", "questions_waiting", "questions_retry"} <= names
        assert not dispatcher.busy
    finally:
        await fake.stop()


def test_reminder_statuses_are_the_designed_ones() -> None:
    assert [s.value for s in ReminderStatus] == [
        "pending",
        "claimed",
        "sent",
        "skipped",
        "failed",
        "cancelled",
    ]
