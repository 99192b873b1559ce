"""storage/db.py `reading`: a read session sees what was committed and leaves nothing open; on
PostgreSQL its statements run without a transaction around them (no BEGIN and no ROLLBACK round
trips), while a `transaction()` stays one."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from storage import clients
from storage.db import Database
from tests import factories


async def test_a_read_session_sees_what_was_committed_and_leaves_nothing_open(
    db: Database,
) -> None:
    async with db.transaction() as session:
        await factories.client(session, telegram_chat_id=777, first_name="Li <b>")
    async with db.reading() as session:
        found = await clients.by_chat(session, chat_id=777)
        assert found is not None and found.first_name == "Li <b>"
        connection = await session.connection()
        raw = (await connection.get_raw_connection()).driver_connection
        if db.is_postgres:
            assert not raw.is_in_transaction()  # the SELECT was a transaction of its own
        else:
            assert not raw._conn.in_transaction
    async with db.transaction() as session:
        found = await clients.by_chat(session, chat_id=777)
        assert found is not None
        found.locale = "ar"
        session.add(found)
    async with db.reading() as session:
        found = await clients.by_chat(session, chat_id=777)
        assert found is not None and found.locale == "ar"


async def test_on_postgresql_reads_are_each_their_own_transaction_and_a_transaction_is_one(
    db: Database,
) -> None:
    if not db.is_postgres:
        pytest.skip("SQLite's driver opens no transaction for a SELECT in any session")
    ask = text("SELECT txid_current()")  # gives the current transaction an id
    async with db.reading() as session:
        first = (await session.execute(ask)).scalar_one()
        second = (await session.execute(ask)).scalar_one()
    assert first != second
    async with db.transaction() as session:
        first = (await session.execute(ask)).scalar_one()
        second = (await session.execute(ask)).scalar_one()
    assert first == second
