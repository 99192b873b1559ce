"""running(): the one composition root opens what it is asked for and closes it again, also
after an error, and leaves a database it was given open."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from casework.clock import FixedClock
from casework.settings import Settings
from console.compose import running
from fakebot import FakeTelegram
from storage.db import Database
from tests import factories
from tests.e2e.conftest import TOKEN, harness_settings


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram(token=TOKEN)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def test_a_given_database_stays_open_and_the_bot_is_shut_down(
    db: Database, database_url: str, fake: FakeTelegram
) -> None:
    settings = harness_settings(fake, database_url)
    clock = FixedClock(factories.NOW)
    async with running(settings, db=db, clock=clock, bot=True, rate_limit=False) as app:
        assert app.db is db and app.clock is clock
        assert app.application.bot_data.services is not None
        me = await app.application.bot.get_me()
        assert me.is_bot
    assert not app.application._initialized
    async with db.reading() as session:  # still usable: the caller owns it
        assert (await session.exec(text("SELECT 1"))).one()[0] == 1  # type: ignore[call-overload]


async def test_without_the_bot_there_is_no_application(database_url: str) -> None:
    settings = Settings(_env_file=None, database_url=database_url)  # type: ignore[call-arg]
    async with running(settings, pool_size=1) as app:
        async with app.db.reading() as session:
            assert (await session.exec(text("SELECT 1"))).one()[0] == 1  # type: ignore[call-overload]
        with pytest.raises(RuntimeError, match="pass bot=True"):
            _ = app.application


async def test_an_error_inside_still_stops_the_bot(
    db: Database, database_url: str, fake: FakeTelegram
) -> None:
    settings = harness_settings(fake, database_url)
    started = None
    with pytest.raises(LookupError, match="boom"):
        async with running(settings, db=db, bot=True, rate_limit=False, polling=True) as app:
            started = app.application
            assert started.running
            raise LookupError("boom")
    assert started is not None and not started.running and not started._initialized
