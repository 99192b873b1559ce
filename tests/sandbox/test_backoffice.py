"""The back-office beside the sandbox: started in the running loop with demo logins."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from casework.clock import FixedClock
from casework.settings import Settings
from fakebot import FakeTelegram
from sandbox.backoffice import DEMO_PASSWORD, BackofficeBeside
from storage.db import Database
from tests import factories
from tests.backoffice.conftest import TOKEN, backoffice_settings


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
def settings(fake: FakeTelegram, database_url: str) -> Settings:
    return backoffice_settings(fake, database_url)


async def test_served_beside_with_demo_logins(
    db: Database, fake: FakeTelegram, settings: Settings, clock: FixedClock
):
    async with db.transaction() as session:
        org = await factories.organisation(session)
        await factories.staff(session, organisation=org, name="Sanne", login="sanne@example.nl")
        await factories.staff(session, organisation=org, name="Gone", login="g@x.nl", active=False)
        await factories.staff(session, organisation=org, name="No login")
    beside = BackofficeBeside(settings, db=db, clock=clock)
    logins = await beside.start()
    try:
        assert [login.name for login in logins] == ["Sanne"]
        sanne = logins[0]
        async with httpx.AsyncClient(base_url=beside.url) as http:
            page = await http.get("/login")
            csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
            first = await http.post(
                "/login", data={"csrf": csrf, "login": sanne.login, "password": DEMO_PASSWORD}
            )
            assert first.headers["location"] == "/login/code"
            page = await http.get("/login/code")
            csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
            second = await http.post(
                "/login/code", data={"csrf": csrf, "code": sanne.code(clock.now())}
            )
            assert second.headers["location"] == "/inbox"
            assert (await http.get("/inbox")).status_code == 200
    finally:
        await beside.stop()
