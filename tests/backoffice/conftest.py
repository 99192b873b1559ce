"""The back-office against a real database, with the fake Telegram server as the clients' side.

`bo` is an httpx client talking to the ASGI app in-process; `world` holds two organisations (our
regional team with a caseworker, a colleague, a team lead and an administrator, and a team of
another region) and one client each: own, team, other region. Everyone's password is PASSWORD;
`bo.login(member)` passes both factors with a code from the test clock.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import pyotp
import pytest
from starlette.applications import Starlette
from telegram import Bot

from backoffice.app import build_backoffice
from backoffice.security import password_hasher
from bot.channels import process_channels
from casework import questions as question_service
from casework.clock import FixedClock
from casework.settings import Settings
from fakebot import FakeTelegram, SimUser
from storage.db import Database
from storage.enums import ClientStatus, MessageKind, StaffRole
from storage.ids import pk
from storage.models import (
    Appointment,
    AuditEvent,
    Client,
    Message,
    Question,
    Reminder,
    Staff,
    Task,
)
from tests import factories

TOKEN = "123456:TEST-TOKEN"
PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
HASHER = password_hasher(fast=True)


def backoffice_settings(fake: FakeTelegram, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "telegram_token": TOKEN,
        "telegram_api_url": fake.api_url,
        "telegram_file_url": fake.file_url,
        "database_url": database_url,
        "bot_username": "inburgerbot_test_bot",
        "backoffice_secret_key": "test-secret-key-for-the-back-office",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@dataclass
class Party:
    """A client with their open question, an appointment, a task and a photo message."""

    client: Client
    question: Question
    appointment: Appointment
    task: Task
    photo: Message
    user: SimUser | None = None


@dataclass
class World:
    me: Staff
    colleague: Staff
    lead: Staff
    admin: Staff
    stranger: Staff  # a caseworker of another region
    own: Party
    team: Party
    other: Party
    secrets: dict[int, str] = field(default_factory=dict)


class BackofficeClient:
    """An httpx client for the app, with helpers to log in and post forms like a browser."""

    def __init__(self, http: httpx.AsyncClient, clock: FixedClock, world: World) -> None:
        self.http = http
        self.clock = clock
        self.world = world
        self.csrf = ""

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        response = await self.http.get(url, **kwargs)
        found = CSRF.search(response.text)
        if found:
            self.csrf = found.group(1)
        return response

    async def post(
        self, url: str, data: dict[str, Any] | None = None, *, csrf: bool = True, **kwargs: Any
    ) -> httpx.Response:
        if csrf and not self.csrf:
            await self.get("/login")
        form = dict(data or {})
        if csrf:
            form["csrf"] = self.csrf
        response = await self.http.post(url, data=form, **kwargs)
        found = CSRF.search(response.text)
        if found:
            self.csrf = found.group(1)
        return response

    def code(self, member: Staff, *, offset: int = 0) -> str:
        secret = self.world.secrets[pk(member)]
        return pyotp.TOTP(secret).at(self.clock.now() + timedelta(seconds=offset))

    async def password_step(self, member: Staff, password: str = PASSWORD) -> httpx.Response:
        await self.get("/login")
        return await self.post("/login", {"login": member.login, "password": password})

    async def login(self, member: Staff) -> None:
        """Pass both factors; afterwards the session is a full one."""
        first = await self.password_step(member)
        assert first.status_code == 303, first.text
        await self.get(first.headers["location"])
        second = await self.post("/login/code", {"code": self.code(member)})
        assert second.status_code == 303, second.text
        await self.get(second.headers["location"])

    async def logout(self) -> None:
        await self.post("/logout")


async def _party(
    session: Any,
    fake: FakeTelegram,
    *,
    municipality: str,
    caseworker: Staff,
    user_id: int,
    locale: str,
    first_name: str,
) -> Party:
    user = fake.user(user_id, first_name, locale)
    client = await factories.client(
        session,
        first_name=first_name,
        municipality=municipality,
        caseworker_id=caseworker.id,
        locale=locale,
        telegram_chat_id=user.chat_id,
        telegram_user_id=user.id,
        status=ClientStatus.ACTIVE,
        consent_at=factories.NOW - timedelta(days=30),
    )
    appointment = await factories.appointment(session, client=client, staff_id=caseworker.id)
    task = await factories.task(session, client=client)
    asked = await question_service.ask(
        session,
        client=client,
        kind=MessageKind.TEXT,
        text="Ik heb een brief gekregen. Wat moet ik doen?",
        now=factories.NOW - timedelta(hours=2),
    )
    stored = fake.state.files.add("photo", b"\xff\xd8\xff\xe0fake-jpeg", mime_type="image/jpeg")
    photo = (
        await question_service.ask(
            session,
            client=client,
            kind=MessageKind.PHOTO,
            file_id=stored.file_id,
            text="de brief",
            now=factories.NOW - timedelta(hours=1),
        )
    ).message
    asked.question.assigned_staff_id = caseworker.id
    session.add(asked.question)
    await session.flush()
    return Party(client, asked.question, appointment, task, photo, user)


async def make_world(db: Database, fake: FakeTelegram) -> World:
    async with db.transaction() as session:
        ours = await factories.organisation(session, municipalities=("Hoorn", "Enkhuizen"))
        theirs = await factories.organisation(session, municipalities=("Dordrecht",))
        people: dict[str, Staff] = {}
        secrets: dict[int, str] = {}
        for name, org, role in (
            ("me", ours, StaffRole.CASEWORKER),
            ("colleague", ours, StaffRole.CASEWORKER),
            ("lead", ours, StaffRole.TEAM_LEAD),
            ("admin", ours, StaffRole.ADMIN),
            ("stranger", theirs, StaffRole.CASEWORKER),
        ):
            secret = pyotp.random_base32()
            member = await factories.staff(
                session,
                organisation=org,
                name=f"{name.title()} Jansen",
                role=role,
                login=f"{name}@example.nl",
                password_hash=HASHER.hash(PASSWORD),
                totp_secret=secret,
            )
            people[name] = member
            secrets[pk(member)] = secret
        people["me"].substitute_id = people["colleague"].id
        people["colleague"].substitute_id = people["me"].id
        session.add_all([people["me"], people["colleague"]])
        own = await _party(
            session,
            fake,
            municipality="Hoorn",
            caseworker=people["me"],
            user_id=7101,
            locale="ar",
            first_name="Amina",
        )
        team = await _party(
            session,
            fake,
            municipality="Enkhuizen",
            caseworker=people["colleague"],
            user_id=7102,
            locale="en",
            first_name="Yonas",
        )
        other = await _party(
            session,
            fake,
            municipality="Dordrecht",
            caseworker=people["stranger"],
            user_id=7103,
            locale="tr",
            first_name="Elif",
        )
    return World(
        me=people["me"],
        colleague=people["colleague"],
        lead=people["lead"],
        admin=people["admin"],
        stranger=people["stranger"],
        own=own,
        team=team,
        other=other,
        secrets=secrets,
    )


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {}


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram(token=TOKEN)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(factories.NOW)


@pytest.fixture
def settings(fake: FakeTelegram, database_url: str, settings_overrides: dict[str, Any]) -> Settings:
    return backoffice_settings(fake, database_url, **settings_overrides)


@pytest.fixture
async def telegram_bot(settings: Settings) -> AsyncIterator[Bot]:
    assert settings.telegram_token is not None
    bot = Bot(
        settings.telegram_token.get_secret_value(),
        base_url=settings.telegram_api_url,
        base_file_url=settings.file_url,
    )
    await bot.initialize()
    try:
        yield bot
    finally:
        await bot.shutdown()


@pytest.fixture
def app(db: Database, settings: Settings, clock: FixedClock, telegram_bot: Bot) -> Starlette:
    return build_backoffice(
        settings,
        db=db,
        clock=clock,
        channels=process_channels(settings, db=db, clock=clock, bot=telegram_bot),
        hasher=HASHER,
    )


@pytest.fixture
async def world(db: Database, fake: FakeTelegram) -> World:
    return await make_world(db, fake)


@pytest.fixture
async def bo(app: Starlette, clock: FixedClock, world: World) -> AsyncIterator[BackofficeClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield BackofficeClient(http, clock, world)


async def audit_actions(db: Database, *, client_id: int | None = None) -> list[str]:
    """The audit trail's actions, oldest first (optionally about one client)."""
    from sqlmodel import col, select

    async with db.reading() as session:
        query = select(AuditEvent).order_by(col(AuditEvent.id))
        if client_id is not None:
            query = query.where(AuditEvent.client_id == client_id)
        return [event.action for event in (await session.exec(query)).all()]


async def reload(db: Database, model: Any, row_id: int | None) -> Any:
    async with db.reading() as session:
        return await session.get(model, row_id)


async def reminders_of(db: Database, appointment_id: int) -> list[Reminder]:
    from sqlmodel import col, select

    async with db.reading() as session:
        query = (
            select(Reminder)
            .where(col(Reminder.dedup_key).startswith(f"appointment:{appointment_id}:"))
            .order_by(col(Reminder.dedup_key))
        )
        return list((await session.exec(query)).all())


async def messages_of(db: Database, question_id: int | None) -> list[Message]:
    from sqlmodel import col, select

    async with db.reading() as session:
        query = select(Message).where(Message.question_id == question_id).order_by(col(Message.id))
        return list((await session.exec(query)).all())
