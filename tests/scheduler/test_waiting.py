"""A question that waits too long raises one `Escalated` event for every channel, like the
other acts of the question desk (casework/events.py); the team leads are told privately through
the client channel where they can be."""

from __future__ import annotations

from datetime import timedelta

from casework import questions as question_service
from casework.clock import FixedClock
from casework.events import Escalated, QuestionEvent
from casework.ports import ChannelError, Channels, ErrorKind
from casework.settings import Settings, planning_rules
from scheduler.services import SchedulerServices
from scheduler.waiting import flag_waiting_questions
from storage.db import Database
from storage.enums import MessageKind, StaffRole
from storage.ids import pk
from tests import factories


class Recording:
    """A channel that keeps what it was given; refuses sends to `blocked` chats."""

    def __init__(self, blocked: frozenset[int] = frozenset()) -> None:
        self.events: list[QuestionEvent] = []
        self.sent: list[tuple[int, str]] = []
        self.blocked = blocked

    async def publish(self, event: QuestionEvent) -> None:
        self.events.append(event)

    def link(self, place: int | None) -> str | None:
        return None if place is None else f"https://t.me/c/1/{place}"

    async def send(self, chat_id: int, html: str, **_options: object) -> int:
        if chat_id in self.blocked:
            raise ChannelError(ErrorKind.BLOCKED, "Forbidden: bot was blocked by the user")
        self.sent.append((chat_id, html))
        return len(self.sent)


async def test_a_question_waiting_too_long_raises_one_escalated_event(db: Database) -> None:
    async with db.transaction() as session:
        org = await factories.organisation(session)
        reached = await factories.staff(
            session,
            organisation=org,
            name="Lead <Een>",
            role=StaffRole.TEAM_LEAD,
            telegram_user_id=501,
        )
        silent = await factories.staff(
            session, organisation=org, name="Lead Zonder", role=StaffRole.TEAM_LEAD
        )
        refused = await factories.staff(
            session,
            organisation=org,
            name="Lead Geblokt",
            role=StaffRole.TEAM_LEAD,
            telegram_user_id=503,
        )
        client = await factories.client(session, first_name="Amina")
        asked = await question_service.ask(
            session, client=client, kind=MessageKind.TEXT, text="Wanneer?", now=factories.NOW
        )
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    clock = FixedClock(factories.NOW + timedelta(hours=23, minutes=59))
    client_channel, staff_channel = Recording(blocked=frozenset({503})), Recording()
    services = SchedulerServices(
        settings=settings,
        db=db,
        clock=clock,
        rules=planning_rules(settings),
        channels=Channels(client=client_channel, staff=staff_channel),  # type: ignore[arg-type]
        instance="test",
    )
    assert await flag_waiting_questions(services) == 0  # 8 office hours are not over yet
    assert staff_channel.events == client_channel.events == []
    clock.advance(timedelta(minutes=1))
    assert await flag_waiting_questions(services) == 1
    assert await flag_waiting_questions(services) == 0  # once
    [event] = staff_channel.events
    assert client_channel.events == [event]  # every channel hears the same event
    assert isinstance(event, Escalated)
    assert event.question_id == pk(asked.question) and event.client.id == client.id
    assert event.hours == settings.answer_deadline_hours
    assert [lead.id for lead in event.unreached] == [silent.id, refused.id]
    [(chat_id, text)] = client_channel.sent  # the lead with Telegram, privately
    assert chat_id == reached.telegram_user_id and client.ref in text


async def test_without_a_staff_chat_the_leads_are_still_told(db: Database) -> None:
    async with db.transaction() as session:
        org = await factories.organisation(session)
        await factories.staff(
            session, organisation=org, role=StaffRole.TEAM_LEAD, telegram_user_id=601
        )
        client = await factories.client(session)
        await question_service.ask(
            session, client=client, kind=MessageKind.TEXT, text="?", now=factories.NOW
        )
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    client_channel = Recording()
    services = SchedulerServices(
        settings=settings,
        db=db,
        clock=FixedClock(factories.NOW + timedelta(days=1)),
        rules=planning_rules(settings),
        channels=Channels(client=client_channel),  # type: ignore[arg-type]
        instance="test",
    )
    assert await flag_waiting_questions(services) == 1
    assert [chat_id for chat_id, _ in client_channel.sent] == [601]
    [event] = client_channel.events
    assert isinstance(event, Escalated) and event.unreached == ()
