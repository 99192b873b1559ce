"""The export and erase rules of casework/privacy.py, against a real database."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from casework import privacy
from casework import questions as question_service
from casework.planning import PlanningRules, replan_appointment, replan_client
from storage import audit, visitors
from storage.db import Database
from storage.enums import ActorKind, MessageKind, ReminderStatus
from storage.ids import pk
from storage.models import (
    Appointment,
    AuditEvent,
    Client,
    ExamAttempt,
    Message,
    Plan,
    Reminder,
    Task,
    Visitor,
)
from tests import factories

NOW = factories.NOW
RULES = PlanningRules()
SECRET_HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$hash-of-a-password"
TOTP = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


async def setup(db: Database) -> tuple[Client, Client, int]:
    """A linked client with a full case and chat history, another client, and a staff id."""
    async with db.transaction() as session:
        org = await factories.organisation(session)
        caseworker = await factories.staff(
            session,
            organisation=org,
            name="Petra de Vries",
            login="petra@example.nl",
            password_hash=SECRET_HASH,
            totp_secret=TOTP,
        )
        client = await factories.client(
            session,
            first_name="Amina",
            caseworker_id=caseworker.id,
            telegram_chat_id=9001,
            telegram_user_id=9001,
            consent_at=NOW,
            linked_at=NOW,
            status="active",
            locale="ar",
            quiet_hours="22:00-07:00",
            remind_tasks=False,
            show_dutch=True,
            weekly_digest=True,
            awaiting="appt_reason:1",
        )
        other = await factories.client(session, first_name="Zainab")
        await factories.plan(session, client=client, parts=2)
        session.add(
            ExamAttempt(
                client_id=pk(client),
                external_id="exam-1",
                component="knm",
                exam_date=date(2027, 2, 1),
                place="DUO Amsterdam",
            )
        )
        meeting = await factories.appointment(session, client=client, staff_id=caseworker.id)
        await factories.task(session, client=client, set_by_id=caseworker.id)
        await factories.appointment(session, client=other, title="Zainab's own meeting")
        await replan_appointment(session, appointment=meeting, client=client, rules=RULES, now=NOW)
        asked = await question_service.ask(
            session, client=client, kind=MessageKind.TEXT, text="Where is the school?", now=NOW
        )
        await question_service.answer(
            session,
            question=asked.question,
            staff_id=pk(caseworker),
            kind=MessageKind.TEXT,
            text="At the Grote Oost.",
            now=NOW + timedelta(hours=1),
        )
        await question_service.answer(
            session,
            question=asked.question,
            staff_id=pk(caseworker),
            kind=MessageKind.TEXT,
            text="Internal: check her travel costs",
            internal=True,
            now=NOW + timedelta(hours=2),
        )
        await question_service.ask(
            session,
            client=client,
            kind=MessageKind.PHOTO,
            file_id="AgACAgQAAxkBAAIBphoto",
            text="my letter",
            now=NOW + timedelta(hours=3),
        )
        await question_service.ask(
            session, client=other, kind=MessageKind.TEXT, text="Zainab asks something", now=NOW
        )
        session.add(Visitor(chat_id=9001, locale="ar"))
    return client, other, pk(caseworker)


async def exported(db: Database, client: Client) -> dict:  # type: ignore[type-arg]
    async with db.reading() as session:
        fresh = await session.get(Client, client.id)
        assert fresh is not None
        records = await privacy.gather(session, client=fresh)
    return json.loads(privacy.export_json(records, now=NOW))


async def test_the_export_holds_everything_about_the_client(db: Database) -> None:
    client, _, _ = await setup(db)
    data = await exported(db, client)
    assert data["format"] == 1
    assert data["exported_at"] == NOW.isoformat()
    person = data["client"]
    assert person["first_name"] == "Amina"
    assert person["ref"] == client.ref
    assert person["telegram_chat_id"] == 9001
    assert person["quiet_hours"] == "22:00-07:00"
    assert person["remind_tasks"] is False
    assert person["caseworker"] == "Petra de Vries"
    [plan] = data["plans"]
    assert plan["learning_route"] == "b1"
    assert [part["title"] for part in plan["parts"]] == ["Part 0", "Part 1"]
    assert data["exams"][0]["component"] == "knm"
    [meeting] = data["appointments"]
    assert meeting["with"] == "Petra de Vries"
    assert meeting["starts_at"] == (NOW + timedelta(days=3)).isoformat()
    assert data["tasks"][0]["title"] == "Bring your diploma to the language school"
    assert len(data["questions"]) == 1
    assert [m["text"] for m in data["messages"]] == [
        "Where is the school?",
        "At the Grote Oost.",
        "my letter",
    ]
    assert data["messages"][2]["file_id"] == "AgACAgQAAxkBAAIBphoto"
    assert {r["status"] for r in data["reminders"]} == {"pending"}
    assert len(data["reminders"]) == 2
    assert {e["action"] for e in data["audit_events"]} == {"question.answer", "question.note"}
    assert "Internal notes" in data["not_included"]


async def test_the_export_leaves_out_staff_ids_secrets_notes_and_other_clients(
    db: Database,
) -> None:
    client, other, staff_id = await setup(db)
    data = await exported(db, client)
    text = json.dumps(data, ensure_ascii=False)
    for secret in (SECRET_HASH, TOTP, "petra@example.nl", "travel costs", "Zainab", other.ref):
        assert secret not in text
    for key in ("caseworker_id", "staff_id", "set_by_id", "done_by_staff_id", "password_hash"):
        assert key not in text
    assert all(e["actor_id"] is None for e in data["audit_events"] if e["actor"] == "staff")
    assert all(e["actor_id"] != staff_id for e in data["audit_events"])


async def test_the_export_keeps_non_latin_text_readable(db: Database) -> None:
    async with db.transaction() as session:
        client = await factories.client(session, first_name="أمينة")
    raw = None
    async with db.reading() as session:
        records = await privacy.gather(session, client=client)
        raw = privacy.export_json(records, now=NOW)
    assert "أمينة".encode() in raw
    data = json.loads(raw)
    assert data["plans"] == data["appointments"] == data["messages"] == []


def test_the_file_is_named_after_the_dutch_calendar_day() -> None:
    zone = ZoneInfo("Europe/Amsterdam")
    assert privacy.export_file_name(NOW, zone) == "mydata-2026-11-23.json"
    late = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)
    assert privacy.export_file_name(late, zone) == "mydata-2026-11-24.json"


async def test_record_export_leaves_an_audit_event(db: Database) -> None:
    client, _, _ = await setup(db)
    async with db.transaction() as session:
        privacy.record_export(session, client=client, now=NOW)
    async with db.reading() as session:
        [event] = await audit.events(session, client_id=client.id, action="client.export")
    assert (event.actor_kind, event.actor_id, event.subject_id) == ("client", client.id, client.id)


async def test_forget_erases_messages_and_choices_and_keeps_the_case_file(db: Database) -> None:
    client, other, _ = await setup(db)
    async with db.transaction() as session:
        fresh = await session.get(Client, client.id)
        assert fresh is not None
        result = await privacy.forget(session, client=fresh, now=NOW + timedelta(days=1))
    assert result == privacy.Forgotten(messages=4, reminders=2)
    async with db.reading() as session:
        stored = await session.get(Client, client.id)
        assert stored is not None
        assert (stored.telegram_chat_id, stored.telegram_user_id, stored.consent_at) == (
            None,
            None,
            None,
        )
        assert stored.status == "invited"
        assert (stored.locale, stored.quiet_hours, stored.awaiting) == (None, None, None)
        assert stored.remind_appointments and stored.remind_tasks and stored.remind_deadlines
        assert not stored.show_dutch and not stored.weekly_digest
        assert stored.first_name == "Amina" and stored.ref == client.ref  # the case file stays
        messages = (await session.exec(select(Message).order_by(Message.id))).all()
        mine = [m for m in messages if m.text != "Zainab asks something"]
        assert len(mine) == 4
        assert all(m.text is None and m.file_id is None for m in mine)
        assert all(m.erased_at == NOW + timedelta(days=1) for m in mine)
        assert [m.text for m in messages if m.erased_at is None] == ["Zainab asks something"]
        reminders = (await session.exec(select(Reminder))).all()
        assert {(r.status, r.reason) for r in reminders} == {
            (ReminderStatus.CANCELLED, privacy.FORGOTTEN)
        }
        assert len((await session.exec(select(Plan))).all()) == 1
        assert len((await session.exec(select(Appointment))).all()) == 2
        assert len((await session.exec(select(Task))).all()) == 1
        assert await visitors.locale_of(session, chat_id=9001) is None
        [event] = (
            await session.exec(select(AuditEvent).where(AuditEvent.action == "client.forget"))
        ).all()
        assert (event.actor_kind, event.client_id) == (ActorKind.CLIENT, client.id)
        assert "Amina" not in event.detail
        untouched = await session.get(Client, other.id)
        assert untouched is not None and untouched.first_name == "Zainab"


async def test_forgotten_reminders_are_not_re_armed_by_planning(db: Database) -> None:
    client, _, _ = await setup(db)
    async with db.transaction() as session:
        fresh = await session.get(Client, client.id)
        assert fresh is not None
        await privacy.forget(session, client=fresh, now=NOW)
    async with db.reading() as session:
        forgotten = {r.id for r in (await session.exec(select(Reminder))).all()}
    async with db.transaction() as session:
        fresh = await session.get(Client, client.id)
        assert fresh is not None
        await replan_client(session, client=fresh, rules=RULES, now=NOW)
    async with db.reading() as session:
        rows = (await session.exec(select(Reminder))).all()
    assert len(forgotten) == 2
    assert {r.status for r in rows if r.id in forgotten} == {ReminderStatus.CANCELLED}


async def test_forgetting_twice_erases_nothing_more(db: Database) -> None:
    client, _, _ = await setup(db)
    for expected in (4, 0):
        async with db.transaction() as session:
            fresh = await session.get(Client, client.id)
            assert fresh is not None
            result = await privacy.forget(session, client=fresh, now=NOW)
        assert result.messages == expected


def test_reset_preferences_and_erase_message_are_plain_rules() -> None:
    client = Client(
        ref="C-1",
        first_name="Amina",
        municipality="Hoorn",
        locale="ti",
        show_dutch=True,
        remind_deadlines=False,
        quiet_hours="20:00-09:00",
    )
    privacy.reset_preferences(client)
    assert (client.locale, client.show_dutch, client.remind_deadlines, client.quiet_hours) == (
        None,
        False,
        True,
        None,
    )
    message = Message(question_id=1, direction="from_client", text="hello", file_id="F")
    assert privacy.erase_message(message, now=NOW) is True
    assert (message.text, message.file_id, message.erased_at) == (None, None, NOW)
    assert privacy.erase_message(message, now=NOW + timedelta(days=1)) is False
    assert message.erased_at == NOW
