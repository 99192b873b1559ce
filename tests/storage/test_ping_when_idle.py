"""PostgreSQL's pooled connections are tested before use only after sitting idle (storage/db.py
`ping_when_idle`): none of the round trip per session that `pool_pre_ping` cost under load, and
a connection the server dropped while idle is still replaced before a session sees it.

Idleness is set on the pool's entry (its check-in time moved back past IDLE_BEFORE_PING, which
the tests set to an hour), so no test waits, and a slow machine does not make a use idle."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

from storage import db as storage_db
from storage.db import CHECKED_IN, Database


class Pool:
    """The engine's pool entries as they come back, and the pings it makes."""

    def __init__(self, db: Database) -> None:
        self.entries: list[Any] = []
        self.pings = 0
        dialect = db.engine.dialect
        ping = dialect.do_ping

        def counting(dbapi_connection: Any) -> bool:
            self.pings += 1
            return ping(dbapi_connection)

        dialect.do_ping = counting  # type: ignore[method-assign]
        event.listen(db.engine.sync_engine.pool, "checkin", self._back)

    def _back(self, _dbapi_connection: Any, entry: Any) -> None:
        self.entries.append(entry)

    def idle(self) -> None:
        """Every pooled connection as if it had waited longer than IDLE_BEFORE_PING."""
        for entry in self.entries:
            if CHECKED_IN in entry.info:
                entry.info[CHECKED_IN] = time.monotonic() - storage_db.IDLE_BEFORE_PING - 60


@pytest.fixture
async def postgres(database_url: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Database]:
    # An hour: however slow the machine, two uses in a test are "a moment ago" unless a test
    # moves a check-in back (Pool.idle).
    monkeypatch.setattr(storage_db, "IDLE_BEFORE_PING", 3600.0)
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no server to drop a connection; nothing is pinged there")
    db = Database(database_url, pool_size=1, max_overflow=0)
    try:
        yield db
    finally:
        await db.dispose()


async def backend_pid(db: Database) -> int:
    async with db.reading() as session:
        return int((await session.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def terminate(database_url: str, pid: int) -> None:
    """The server drops a connection (as a restart or an administrator would)."""
    admin = create_async_engine(database_url)
    try:
        async with admin.connect() as conn:
            await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        await admin.dispose()


async def test_a_connection_back_a_moment_ago_is_used_without_a_ping(postgres: Database) -> None:
    pool = Pool(postgres)
    first = await backend_pid(postgres)
    for _ in range(5):
        assert await backend_pid(postgres) == first  # the same pooled connection

    assert pool.pings == 0


async def test_a_connection_idle_for_long_is_pinged_once(postgres: Database) -> None:
    pool = Pool(postgres)
    first = await backend_pid(postgres)
    pool.idle()

    assert await backend_pid(postgres) == first  # it answered: kept
    assert pool.pings == 1
    assert await backend_pid(postgres) == first
    assert pool.pings == 1  # back a moment ago again


async def test_a_connection_dropped_while_idle_is_replaced_before_the_session_sees_it(
    postgres: Database, database_url: str
) -> None:
    pool = Pool(postgres)
    first = await backend_pid(postgres)
    await terminate(database_url, first)
    pool.idle()

    second = await backend_pid(postgres)  # no error: the ping found it dead

    assert second != first
    assert pool.pings == 1


async def test_a_connection_dropped_a_moment_ago_fails_one_session_and_the_pool_recovers(
    postgres: Database, database_url: str
) -> None:
    """The price of not pinging under load, stated: a connection the server drops between two
    uses less than IDLE_BEFORE_PING apart fails the session that takes it (that update gets the
    apology); SQLAlchemy sees the disconnection and replaces the pool's connections."""
    Pool(postgres)
    first = await backend_pid(postgres)
    await terminate(database_url, first)

    with pytest.raises(DBAPIError) as failed:
        await backend_pid(postgres)

    assert failed.value.connection_invalidated
    assert await backend_pid(postgres) != first
