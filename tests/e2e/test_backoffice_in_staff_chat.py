"""The back-office and the staff chat are two views of one desk: an answer, a close, a reopen or
an assignment in the back-office shows in the client's topic exactly as the topic's own commands
do (a note and the topic's title), through the fake Bot API."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pyotp
import pytest
from telegram import Bot

from backoffice.app import build_backoffice
from backoffice.security import password_hasher
from bot.channels import process_channels
from fakebot import StoredMessage
from storage import questions
from storage.ids import pk
from storage.models import Organisation, Staff
from tests import factories
from tests.e2e.conftest import Harness
from tests.e2e.test_staff_chat import World, ask, latest_question, make_world, topic_row
from texts.i18n import translator

PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
NL = translator("nl")
AR = translator("ar")


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"backoffice_secret_key": "test-secret-key-for-the-back-office"}


class Desk:
    """A logged-in back-office session of one staff member."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.csrf = ""

    async def get(self, url: str) -> httpx.Response:
        response = await self.http.get(url)
        found = CSRF.search(response.text)
        if found:
            self.csrf = found.group(1)
        return response

    async def post(self, url: str, data: dict[str, Any] | None = None) -> httpx.Response:
        response = await self.http.post(url, data={**(data or {}), "csrf": self.csrf})
        found = CSRF.search(response.text)
        if found:
            self.csrf = found.group(1)
        return response

    async def login(self, member: Staff, secret: str, harness: Harness) -> None:
        await self.get("/login")
        first = await self.post("/login", {"login": member.login, "password": PASSWORD})
        assert first.status_code == 303, first.text
        await self.get(first.headers["location"])
        code = pyotp.TOTP(secret).at(harness.clock.now())
        second = await self.post("/login/code", {"code": code})
        assert second.status_code == 303, second.text
        await self.get(second.headers["location"])  # a new session, with a new form token


@pytest.fixture
async def desk(harness: Harness) -> AsyncIterator[Desk]:
    settings = harness.settings
    assert settings.telegram_token is not None
    bot = Bot(settings.telegram_token.get_secret_value(), base_url=settings.telegram_api_url)
    await bot.initialize()
    channels = process_channels(settings, db=harness.db, clock=harness.clock, bot=bot)
    app = build_backoffice(
        settings,
        db=harness.db,
        clock=harness.clock,
        channels=channels,
        hasher=password_hasher(fast=True),
    )
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        ) as http:
            yield Desk(http)
    finally:
        await bot.shutdown()


async def with_login(harness: Harness, member: Staff) -> str:
    secret = pyotp.random_base32()
    async with harness.db.transaction() as session:
        member.login = f"{member.telegram_username or pk(member)}@example.nl"
        member.password_hash = password_hasher(fast=True).hash(PASSWORD)
        member.totp_secret = secret
        session.add(member)
    return secret


async def asked_in_topic(harness: Harness, desk: Desk | None) -> tuple[World, int, str]:
    """Amina asks in Arabic (her topic opens); her caseworker logs in to `desk`."""
    world = await make_world(harness)
    await ask(world, "لدي رسالة من البلدية")
    if desk is not None:
        secret = await with_login(harness, world.caseworker)
        await desk.login(world.caseworker, secret, harness)
    question = await latest_question(harness, world.client)
    return (
        world,
        (await topic_row(harness, world.client)).topic_id or 0,
        f"/questions/{question.id}",
    )


def notes(world: World, topic_id: int) -> list[str]:
    return [message.text or "" for message in world.group.messages(topic_id)]


def title(world: World, topic_id: int) -> str:
    return world.group.topics[topic_id].name


async def test_a_back_office_answer_appears_in_the_topic_and_reaches_the_client(
    harness: Harness, desk: Desk
) -> None:
    world, topic_id, url = await asked_in_topic(harness, desk)

    sent = await desk.post(url + "/answer", {"text": "Kom morgen om 10 uur <b>naar</b> de balie."})

    assert sent.status_code == 303
    answer: StoredMessage = await world.user.next_message()
    assert answer.text == "Kom morgen om 10 uur <b>naar</b> de balie."
    last = notes(world, topic_id)[-1]
    assert "Fatima de Vries" in last and "Kom morgen om 10 uur <b>naar</b> de balie." in last
    assert title(world, topic_id) == f"💬 {world.client.ref} Amina (ar)"


async def test_a_ready_made_answer_from_the_back_office_is_named_in_the_topic(
    harness: Harness, desk: Desk
) -> None:
    world, topic_id, url = await asked_in_topic(harness, desk)

    await desk.post(url + "/answer", {"ready": "send_photo"})

    await world.user.next_message()
    assert "send_photo" in notes(world, topic_id)[-1]
    assert title(world, topic_id).startswith("💬 ")


async def test_close_and_reopen_in_the_back_office_update_the_topic_like_the_commands(
    harness: Harness, desk: Desk
) -> None:
    world, topic_id, url = await asked_in_topic(harness, desk)

    await desk.post(url + "/close")

    closed_notice = await world.user.next_message()
    assert closed_notice.text == AR(
        "✅ Your caseworker closed your question. Do you need more help? Just write again."
    )
    assert notes(world, topic_id)[-1] == NL(
        "✅ {name} closed the question. The client was told.", name="Fatima de Vries"
    )
    assert title(world, topic_id) == f"✅ {world.client.ref} Amina (ar)"

    await desk.post(url + "/reopen")

    await world.user.next_message()
    assert notes(world, topic_id)[-1] == NL(
        "🟢 {name} opened the question again. The client was told.", name="Fatima de Vries"
    )
    assert title(world, topic_id) == f"🟢 {world.client.ref} Amina (ar)"


async def test_an_assignment_in_the_back_office_is_noted_in_the_topic(
    harness: Harness, desk: Desk
) -> None:
    world, topic_id, url = await asked_in_topic(harness, desk)
    async with harness.db.transaction() as session:
        org = await session.get(Organisation, world.caseworker.organisation_id)
        assert org is not None
        colleague = await factories.staff(session, organisation=org, name="Pieter <Kok>")

    done = await desk.post(url + "/assign", {"staff_id": colleague.id})

    assert done.status_code == 303
    assert notes(world, topic_id)[-1] == NL(  # the fake shows text as Telegram renders it
        "👤 The question is assigned to {name}.", name="Pieter <Kok>"
    )
    async with harness.db.reading() as session:
        question = await questions.latest(session, client_id=pk(world.client))
    assert question is not None and question.assigned_staff_id == colleague.id


async def test_a_back_office_without_the_staff_chat_tells_the_client_and_not_the_topic(
    harness: Harness,
) -> None:
    world, topic_id, url = await asked_in_topic(harness, None)
    before = notes(world, topic_id)
    settings = harness.settings.model_copy(update={"staff_chat_id": None})
    assert settings.telegram_token is not None
    bot = Bot(settings.telegram_token.get_secret_value(), base_url=settings.telegram_api_url)
    await bot.initialize()
    channels = process_channels(settings, db=harness.db, clock=harness.clock, bot=bot)
    app = build_backoffice(
        settings,
        db=harness.db,
        clock=harness.clock,
        channels=channels,
        hasher=password_hasher(fast=True),
    )
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        ) as http:
            alone = Desk(http)
            await alone.login(
                world.caseworker, await with_login(harness, world.caseworker), harness
            )
            await alone.post(url + "/close")
    finally:
        await bot.shutdown()

    assert (await world.user.next_message()).text == AR(
        "✅ Your caseworker closed your question. Do you need more help? Just write again."
    )
    assert notes(world, topic_id) == before
    assert title(world, topic_id) == f"🟢 {world.client.ref} Amina (ar)"
