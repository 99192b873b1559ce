"""The question rules without Telegram: asking, answering, seen, close, reopen, substitutes,
waiting too long, delivery retries and the claimed topic row."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from casework import questions as service
from casework.questions import QuestionError
from casework.timewindows import OfficeHours
from storage import audit, questions
from storage.db import Database
from storage.enums import ClientStatus, MessageKind, QuestionStatus
from storage.ids import pk
from storage.models import Client, Organisation, Question, Staff
from tests import factories

NOW = factories.NOW  # Monday 23 November 2026, 11:00 in Amsterdam
ZONE = ZoneInfo("Europe/Amsterdam")
OFFICE = OfficeHours.parse("mon-fri 09:00-17:00")
EIGHT_HOURS = timedelta(hours=8)


async def setup(db: Database) -> tuple[Client, Staff]:
    async with db.transaction() as session:
        org = await factories.organisation(session, municipalities=("Hoorn",))
        caseworker = await factories.staff(session, organisation=org)
        client = await factories.client(
            session,
            caseworker_id=caseworker.id,
            telegram_chat_id=6001,
            telegram_user_id=6001,
            status=ClientStatus.ACTIVE,
        )
    return client, caseworker


async def ask(db: Database, client: Client, text: str = "Hello", **fields: object) -> service.Asked:
    async with db.transaction() as session:
        return await service.ask(
            session,
            client=client,
            kind=MessageKind.TEXT,
            text=text,
            now=fields.pop("now", NOW),  # type: ignore[arg-type]
            **fields,  # type: ignore[arg-type]
        )


async def fresh(db: Database, question: Question) -> Question:
    async with db.reading() as session:
        found = await questions.by_id(session, question_id=pk(question))
    assert found is not None
    return found


# -- asking -------------------------------------------------------------------------------------


async def test_messages_continue_the_open_question_and_a_new_one_starts_after_close(
    db: Database,
) -> None:
    client, caseworker = await setup(db)
    first = await ask(db, client)
    second = await ask(db, client, "Also this")
    assert first.new_question and not second.new_question
    assert first.question.id == second.question.id
    assert first.question.assigned_staff_id == caseworker.id
    assert first.question.waiting_since == NOW
    assert first.message.next_attempt_at == NOW + service.RELAY_GRACE
    async with db.transaction() as session:
        question = await fresh(db, first.question)
        assert await service.close(session, question=question, staff_id=caseworker.id, now=NOW)
    third = await ask(db, client, "Something else")
    assert third.new_question and third.question.id != first.question.id


async def test_a_question_about_an_appointment_or_task_starts_its_own_question(
    db: Database,
) -> None:
    client, _ = await setup(db)
    async with db.transaction() as session:
        appointment = await factories.appointment(session, client=client)
        task = await factories.task(session, client=client)
    plain = await ask(db, client)
    about_appointment = await ask(db, client, "Cannot come", appointment_id=appointment.id)
    about_task = await ask(db, client, "Which diploma?", task_id=task.id)
    ids = {plain.question.id, about_appointment.question.id, about_task.question.id}
    assert len(ids) == 3
    assert about_appointment.question.appointment_id == appointment.id
    assert about_task.question.task_id == task.id


async def test_the_photos_of_an_album_stay_in_one_question_with_one_acknowledgement(
    db: Database,
) -> None:
    client, _ = await setup(db)
    async with db.transaction() as session:
        task = await factories.task(session, client=client)
    first = await ask(db, client, "page 1", task_id=task.id, media_group_id="g1")
    second = await ask(db, client, "page 2", media_group_id="g1")
    other = await ask(db, client, "another album", media_group_id="g2")
    assert first.acknowledge and not second.acknowledge and other.acknowledge
    assert first.question.id == second.question.id  # even though the album was about a task


# -- answering ----------------------------------------------------------------------------------


async def test_an_answer_marks_answered_and_the_next_client_message_waits_again(
    db: Database,
) -> None:
    client, caseworker = await setup(db)
    asked = await ask(db, client)
    async with db.transaction() as session:
        question = await fresh(db, asked.question)
        message = await service.answer(
            session,
            question=question,
            staff_id=pk(caseworker),
            kind=MessageKind.TEXT,
            text="Yes",
            now=NOW + timedelta(hours=1),
        )
    assert message.next_attempt_at == NOW + timedelta(hours=1) + service.RELAY_GRACE
    answered = await fresh(db, asked.question)
    assert answered.status == QuestionStatus.ANSWERED
    assert answered.waiting_since is None
    assert answered.first_answer_at == NOW + timedelta(hours=1)
    later = NOW + timedelta(hours=2)
    again = await ask(db, client, "Thanks, and?", now=later)
    assert not again.new_question
    assert again.question.status == QuestionStatus.OPEN
    assert again.question.waiting_since == later


async def test_an_internal_note_changes_nothing_for_the_client(db: Database) -> None:
    client, caseworker = await setup(db)
    asked = await ask(db, client)
    async with db.transaction() as session:
        question = await fresh(db, asked.question)
        note = await service.answer(
            session,
            question=question,
            staff_id=pk(caseworker),
            kind=MessageKind.TEXT,
            text="// call her",
            internal=True,
            now=NOW,
        )
    assert note.internal and note.next_attempt_at is None
    still = await fresh(db, asked.question)
    assert still.status == QuestionStatus.OPEN and still.waiting_since == NOW
    async with db.reading() as session:
        events = await audit.events(session, client_id=client.id)
    assert [e.action for e in events] == ["question.note"]


async def test_the_seen_notice_is_due_once_per_question(db: Database) -> None:
    client, caseworker = await setup(db)
    asked = await ask(db, client)
    results = []
    for _ in range(2):
        async with db.transaction() as session:
            question = await fresh(db, asked.question)
            results.append(
                await service.mark_seen(
                    session, question=question, staff_id=pk(caseworker), now=NOW
                )
            )
        await ask(db, client, "one more")  # a new message resets seen_at, not the notice
    assert results == [True, False]
    assert (await fresh(db, asked.question)).seen_at is None


async def test_close_and_reopen_say_whether_they_changed_anything(db: Database) -> None:
    client, caseworker = await setup(db)
    asked = await ask(db, client)
    later = NOW + timedelta(days=1)
    async with db.transaction() as session:
        question = await fresh(db, asked.question)
        assert not await service.reopen(session, question=question, staff_id=None, now=NOW)
        assert await service.close(session, question=question, staff_id=caseworker.id, now=NOW)
        assert not await service.close(session, question=question, staff_id=None, now=NOW)
        assert question.waiting_since is None and question.closed_at == NOW
        assert await service.reopen(session, question=question, staff_id=caseworker.id, now=later)
    reopened = await fresh(db, asked.question)
    assert reopened.status == QuestionStatus.OPEN
    assert reopened.waiting_since == later and reopened.closed_at is None


# -- substitutes --------------------------------------------------------------------------------


async def test_new_questions_go_to_the_substitute_while_the_caseworker_is_away(
    db: Database,
) -> None:
    client, caseworker = await setup(db)
    async with db.transaction() as session:
        org = await session.get(Organisation, caseworker.organisation_id)
        assert org is not None
        substitute = await factories.staff(session, organisation=org)
        me = await session.get(Staff, caseworker.id)
        assert me is not None
        await service.set_away(
            session, staff=me, substitute=substitute, until=date(2026, 11, 27), now=NOW
        )
    during = await ask(db, client)
    assert during.question.assigned_staff_id == substitute.id
    async with db.transaction() as session:
        question = await fresh(db, during.question)
        await service.close(session, question=question, staff_id=substitute.id, now=NOW)
    after = await ask(db, client, now=datetime(2026, 11, 28, 9, 0, tzinfo=UTC))
    assert after.question.assigned_staff_id == caseworker.id


async def test_substitutes_that_point_at_each_other_do_not_loop(db: Database) -> None:
    client, caseworker = await setup(db)
    async with db.transaction() as session:
        org = await session.get(Organisation, caseworker.organisation_id)
        assert org is not None
        other = await factories.staff(session, organisation=org, away_until=date(2026, 12, 31))
        me = await session.get(Staff, caseworker.id)
        assert me is not None
        me.substitute_id, me.away_until = other.id, date(2026, 12, 31)
        other.substitute_id = me.id
        session.add_all([me, other])
    async with db.reading() as session:
        found = await session.get(Client, client.id)
        assert found is not None
        assignee = await service.assignee_for(session, client=found, now=NOW)
    assert assignee in (caseworker.id, other.id)


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("self", "substitute_is_self"),
        ("other_organisation", "substitute_not_colleague"),
        ("past", "until_in_past"),
    ],
)
async def test_away_refuses_what_cannot_work(db: Database, case: str, reason: str) -> None:
    _client, caseworker = await setup(db)
    async with db.transaction() as session:
        elsewhere = await factories.organisation(session, municipalities=("Dordrecht",))
        stranger = await factories.staff(session, organisation=elsewhere)
        org = await session.get(Organisation, caseworker.organisation_id)
        assert org is not None
        colleague = await factories.staff(session, organisation=org)
        me = await session.get(Staff, caseworker.id)
        assert me is not None
        substitute = {"self": me, "other_organisation": stranger, "past": colleague}[case]
        until = date(2026, 11, 1) if case == "past" else date(2026, 12, 1)
        with pytest.raises(QuestionError) as refused:
            await service.set_away(session, staff=me, substitute=substitute, until=until, now=NOW)
    assert refused.value.reason == reason


# -- waiting too long ---------------------------------------------------------------------------


async def test_only_office_time_counts_towards_the_deadline(db: Database) -> None:
    client, _ = await setup(db)
    friday_afternoon = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)  # 16:00 in Amsterdam
    asked = await ask(db, client, now=friday_afternoon)
    question = await fresh(db, asked.question)
    monday_before = datetime(2026, 11, 30, 14, 59, tzinfo=UTC)  # 1 h Friday + 6 h 59 Monday
    monday_after = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
    rules = {"office": OFFICE, "zone": ZONE, "deadline": EIGHT_HOURS}
    assert not service.is_overdue(question, now=monday_before, **rules)  # type: ignore[arg-type]
    assert service.is_overdue(question, now=monday_after, **rules)  # type: ignore[arg-type]
    async with db.transaction() as session:
        due = await service.overdue_questions(session, now=monday_after, **rules)  # type: ignore[arg-type]
        assert [q.id for q in due] == [question.id]
        assert await service.flag_overdue(session, question=due[0], now=monday_after)
        assert not await service.flag_overdue(session, question=due[0], now=monday_after)
    async with db.reading() as session:
        assert await service.overdue_questions(session, now=monday_after, **rules) == []  # type: ignore[arg-type]


async def test_answered_and_closed_questions_never_wait(db: Database) -> None:
    client, caseworker = await setup(db)
    asked = await ask(db, client)
    async with db.transaction() as session:
        question = await fresh(db, asked.question)
        await service.close(session, question=question, staff_id=caseworker.id, now=NOW)
    later = NOW + timedelta(days=7)
    closed = await fresh(db, asked.question)
    assert not service.is_overdue(closed, now=later, office=OFFICE, zone=ZONE, deadline=EIGHT_HOURS)


async def test_team_leads_of_the_serving_organisations_are_found(db: Database) -> None:
    client, caseworker = await setup(db)
    async with db.transaction() as session:
        org = await session.get(Organisation, caseworker.organisation_id)
        assert org is not None
        lead = await factories.staff(session, organisation=org, role="team_lead")
        await factories.staff(session, organisation=org, role="team_lead", active=False)
        elsewhere = await factories.organisation(session, municipalities=("Dordrecht",))
        await factories.staff(session, organisation=elsewhere, role="team_lead")
    async with db.reading() as session:
        leads = await questions.team_leads_for(session, municipality=client.municipality)
    assert [s.id for s in leads] == [lead.id]


# -- delivery retries ---------------------------------------------------------------------------


async def test_failed_deliveries_back_off_and_give_up_after_a_limit(db: Database) -> None:
    client, _ = await setup(db)
    asked = await ask(db, client)
    message = asked.message
    delays = []
    for _ in range(service.MAX_DELIVERY_ATTEMPTS - 1):
        message.delivery_attempts += 1
        assert service.delivery_failed(message, now=NOW, error="NetworkError")
        assert message.next_attempt_at is not None
        delays.append(message.next_attempt_at - NOW)
    assert delays[:3] == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
    assert max(delays) <= timedelta(hours=1)
    message.delivery_attempts += 1
    assert not service.delivery_failed(message, now=NOW, error="NetworkError")
    assert message.next_attempt_at is None and message.delivery_error == "NetworkError"
    service.mark_delivered(message, now=NOW, staff_chat_id=-100, staff_message_id=7)
    assert message.delivered_at == NOW and message.delivery_error is None


async def test_due_messages_are_claimed_once(db: Database) -> None:
    client, _ = await setup(db)
    asked = await ask(db, client)
    later = NOW + timedelta(minutes=5)
    async with db.reading() as session:
        assert (
            await questions.due_for_delivery(session, now=NOW, since=NOW - timedelta(days=1)) == []
        )
        due = await questions.due_for_delivery(session, now=later, since=NOW - timedelta(days=1))
        none_without_relay = await questions.due_for_delivery(
            session, now=later, since=NOW - timedelta(days=1), include_client_messages=False
        )
    assert [m.id for m in due] == [asked.message.id]
    assert none_without_relay == []
    claims = []
    for _ in range(2):
        async with db.transaction() as session:
            claims.append(
                await questions.claim_delivery(
                    session,
                    message_id=pk(asked.message),
                    now=later,
                    lease_until=later + timedelta(minutes=2),
                )
            )
    assert claims == [True, False]


async def test_staff_messages_wait_while_the_client_has_blocked_the_bot(db: Database) -> None:
    client, caseworker = await setup(db)
    asked = await ask(db, client)
    async with db.transaction() as session:
        question = await fresh(db, asked.question)
        answer = await service.answer(
            session,
            question=question,
            staff_id=pk(caseworker),
            kind=MessageKind.TEXT,
            text="Yes",
            now=NOW,
        )
        service.mark_delivered(asked.message, now=NOW)
        session.add(asked.message)
        blocked = await session.get(Client, client.id)
        assert blocked is not None
        blocked.status = ClientStatus.BLOCKED_BOT
        session.add(blocked)
    later = NOW + timedelta(minutes=5)
    async with db.reading() as session:
        assert await questions.due_for_delivery(session, now=later, since=NOW) == []
    async with db.transaction() as session:
        back = await session.get(Client, client.id)
        assert back is not None
        back.status = ClientStatus.ACTIVE
        session.add(back)
    async with db.reading() as session:
        due = await questions.due_for_delivery(session, now=later, since=NOW)
    assert [m.id for m in due] == [answer.id]


# -- the staff-chat topic row -------------------------------------------------------------------


async def test_only_one_of_two_racing_claims_gets_to_create_the_topic(db: Database) -> None:
    client, _ = await setup(db)

    async def claim(owner: str) -> questions.TopicClaim | None:
        async with db.transaction() as session:
            return await questions.claim_topic(
                session,
                chat_id=-100,
                client_id=pk(client),
                owner=owner,
                now=NOW,
                until=NOW + timedelta(minutes=1),
            )

    first, second = await asyncio.gather(claim("a"), claim("b"))
    outcomes = [c for c in (first, second) if c is not None]
    assert sum(c.mine for c in outcomes) == 1
    again = await claim("b")
    assert again is not None and not again.mine and again.topic_id is None  # still claimed
    async with db.transaction() as session:
        winner = "a" if (first and first.mine) else "b"
        assert await questions.set_topic(
            session, row_id=again.row_id, owner=winner, topic_id=77, title="🟢"
        )
    ready = await claim("b")
    assert ready is not None and ready.topic_id == 77 and not ready.recreate
    async with db.transaction() as session:
        assert await questions.forget_topic(session, row_id=ready.row_id, topic_id=77)
        assert not await questions.forget_topic(session, row_id=ready.row_id, topic_id=77)
    recreate = await claim("b")
    assert recreate is not None and recreate.mine and recreate.recreate


async def test_a_lapsed_claim_can_be_taken_over(db: Database) -> None:
    client, _ = await setup(db)
    async with db.transaction() as session:
        crashed = await questions.claim_topic(
            session,
            chat_id=-100,
            client_id=pk(client),
            owner="dead",
            now=NOW,
            until=NOW + timedelta(minutes=1),
        )
    assert crashed is not None and crashed.mine
    async with db.transaction() as session:
        later = NOW + timedelta(minutes=2)
        taken = await questions.claim_topic(
            session,
            chat_id=-100,
            client_id=pk(client),
            owner="alive",
            now=later,
            until=later + timedelta(minutes=1),
        )
    assert taken is not None and taken.mine


async def test_staff_chat_messages_map_back_to_their_question(db: Database) -> None:
    client, _ = await setup(db)
    asked = await ask(db, client)
    async with db.transaction() as session:
        question = await fresh(db, asked.question)
        question.staff_chat_id, question.staff_header_message_id = -100, 10
        session.add(question)
        message = await questions.message_by_id(session, message_id=pk(asked.message))
        assert message is not None
        service.mark_delivered(message, now=NOW, staff_chat_id=-100, staff_message_id=11)
        session.add(message)
    async with db.reading() as session:
        by_header = await questions.question_of_staff_message(session, chat_id=-100, message_id=10)
        by_copy = await questions.question_of_staff_message(session, chat_id=-100, message_id=11)
        nothing = await questions.question_of_staff_message(session, chat_id=-100, message_id=12)
    assert by_header is not None and by_copy is not None
    assert by_header.id == by_copy.id == asked.question.id
    assert nothing is None
