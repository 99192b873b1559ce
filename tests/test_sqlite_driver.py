"""storage/sqlite_driver.py: on SQLite every statement is one call on aiosqlite's thread, and
SQLAlchemy sees the same rows, counts, ids and errors as through its own adapter."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel.ext.asyncio.session import AsyncSession

from bench import queries
from storage import imports, sqlite_driver
from storage.db import Database
from storage.sqlite_driver import OneCallCursor

NOW = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
AUDIT_COLUMNS = ("actor_kind", "action", "subject_kind", "detail", "at", "created_at", "updated_at")


async def test_a_read_session_hands_nothing_to_the_thread() -> None:
    handed = await queries.hops()
    # its SELECT runs in the event loop's thread: SQLAlchemy's own adapter made six calls
    # (cursor, execute, fetchall, close, and a rollback for the session and one for the pool's
    # reset, with nothing to roll back), this module one per statement before reads ran here
    assert handed == []


@pytest.fixture
def handed() -> Iterator[list[str]]:
    """The names of the calls handed to aiosqlite's thread during the test."""
    with queries.counting() as calls:
        yield calls


@pytest.fixture
async def plain(tmp_path: Path) -> Database:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    async with db.engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)"))
    yield db  # type: ignore[misc]
    await db.dispose()


async def test_rows_counts_and_ids_come_back_as_sqlalchemy_expects(plain: Database) -> None:
    async with plain.engine.begin() as conn:
        raw = await conn.get_raw_connection()
        assert isinstance(raw.dbapi_connection.cursor(), OneCallCursor)
        inserted = await conn.execute(text("INSERT INTO t (name) VALUES ('a')"))
        assert inserted.lastrowid == 1
        many = await conn.execute(
            text("INSERT INTO t (name) VALUES (:name)"), [{"name": "b"}, {"name": "c <&>"}]
        )
        assert many.rowcount == 2
        updated = await conn.execute(text("UPDATE t SET name = name || '!' WHERE id > 1"))
        assert updated.rowcount == 2
        rows = (await conn.execute(text("SELECT id, name FROM t ORDER BY id"))).all()
        assert [tuple(row) for row in rows] == [(1, "a"), (2, "b!"), (3, "c <&>!")]
        found = await conn.execute(text("SELECT name FROM t WHERE id = 99"))
        assert found.keys() == ["name"]  # a description without rows
        assert found.first() is None
        returned = await conn.execute(text("INSERT INTO t (name) VALUES ('d') RETURNING id"))
        assert returned.scalar_one() == 4
        streamed = await conn.stream(text("SELECT id FROM t ORDER BY id"))
        assert [row[0] async for row in streamed] == [1, 2, 3, 4]  # a server-side cursor


async def test_a_write_is_committed_and_seen_by_another_connection(plain: Database) -> None:
    async with plain.engine.begin() as conn:
        await conn.execute(text("INSERT INTO t (name) VALUES ('kept')"))
    async with plain.engine.connect() as other:
        names = (await other.execute(text("SELECT name FROM t"))).scalars().all()
    assert names == ["kept"]


async def test_errors_are_sqlalchemys_and_a_rollback_undoes(plain: Database) -> None:
    with pytest.raises(IntegrityError):
        async with plain.engine.begin() as conn:
            await conn.execute(text("INSERT INTO t (name) VALUES ('x')"))
            await conn.execute(text("INSERT INTO t (name) VALUES ('x')"))
    with pytest.raises(OperationalError):
        async with plain.engine.connect() as conn:
            await conn.execute(text("SELECT nothing FROM nowhere"))
    async with plain.engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar_one() == 0
    # a write left open when the connection goes back to the pool is rolled back by its reset
    async with plain.engine.connect() as conn:
        await conn.execute(text("INSERT INTO t (name) VALUES ('not committed')"))
        raw = await conn.get_raw_connection()
        assert raw.driver_connection._conn.in_transaction
    async with plain.engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar_one() == 0


async def test_a_write_cancelled_on_the_thread_leaves_nothing_open(
    plain: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The INSERT is on the thread, before SQLite opened its transaction, when its task is
    cancelled: no rollback may be skipped for it, and no transaction may stay open."""
    on_thread, go_on = threading.Event(), threading.Event()
    real = sqlite_driver.statement

    def held(*args: Any) -> Any:
        on_thread.set()
        go_on.wait(30)
        return real(*args)

    async def write() -> None:
        async with plain.engine.begin() as conn:
            await conn.execute(text("INSERT INTO t (name) VALUES ('cancelled')"))

    monkeypatch.setattr(sqlite_driver, "statement", held)
    task = asyncio.create_task(write())
    assert await asyncio.to_thread(on_thread.wait, 30)
    task.cancel()
    # SQLAlchemy may wait for the thread while it gives the connection up: let the statement
    # go on from another thread (whenever it does, nothing may stay open)
    threading.Timer(0.2, go_on.set).start()
    with pytest.raises(asyncio.CancelledError):
        await task
    monkeypatch.setattr(sqlite_driver, "statement", real)
    async with plain.engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar_one() == 0
    async with plain.engine.begin() as conn:  # SQLite's write lock is free
        await conn.execute(text("INSERT INTO t (name) VALUES ('next')"))


@dataclass
class Held:
    """The importer's queued writes held on aiosqlite's thread: `on_thread` is set when one
    waits there, and it goes on once `go_on` is set."""

    on_thread: threading.Event
    go_on: threading.Event


def _hold_writes(db: Database, monkeypatch: pytest.MonkeyPatch) -> Held:
    if db.is_postgres:
        pytest.skip("aiosqlite's thread")
    hold = Held(threading.Event(), threading.Event())
    real = imports._write

    def held(*args: Any) -> None:
        hold.on_thread.set()
        hold.go_on.wait(30)
        real(*args)

    monkeypatch.setattr(imports, "_write", held)
    return hold


async def _queue_audit(session: AsyncSession, action: str, hold: Held) -> imports.Queued:
    """An audit row queued as the importer queues its writes, waiting on the thread."""
    stamp = imports.native(await imports.dialect_of(session), NOW)
    row = ("system", action, "client", "", stamp, stamp, stamp)
    queued = imports.Queued()
    await imports.insert_rows(session, imports.AUDIT, AUDIT_COLUMNS, [row], queued=queued)
    assert await asyncio.to_thread(hold.on_thread.wait, 30)
    return queued


async def test_a_rollback_waits_for_a_queued_write_still_on_the_thread(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The importer queues writes without waiting (storage/imports.py, Queued). One is on the
    thread, before SQLite opened its transaction, when the session rolls back: the rollback must
    run after it, not be skipped as "nothing open", or the write would stay open on a pooled
    connection (and the next session's commit would commit it)."""
    hold = _hold_writes(db, monkeypatch)
    async with AsyncSession(db.engine) as session:
        queued = await _queue_audit(session, "queued", hold)
        # the write goes on a second later, whether or not the rollback waits for it
        threading.Timer(1.0, hold.go_on.set).start()
        await session.rollback()
        await queued.drain()
    async with db.engine.connect() as conn:
        count = (
            await conn.execute(text("SELECT count(*) FROM audit_event WHERE action = 'queued'"))
        ).scalar_one()
        assert count == 0
        raw = await conn.get_raw_connection()
        assert not raw.driver_connection._conn.in_transaction


async def test_writes_and_the_reads_of_a_transaction_that_wrote_go_to_the_thread(
    plain: Database, handed: list[str]
) -> None:
    async with plain.engine.begin() as conn:
        await conn.execute(text("SELECT count(*) FROM t"))  # nothing open yet: read here
        assert handed == []
        await conn.execute(text("INSERT INTO t (name) VALUES ('a')"))
        await conn.execute(text("SELECT count(*) FROM t"))  # in SQLite's write transaction
    assert handed == ["statement", "statement", "commit"]


async def test_a_write_waits_for_another_connections_lock_on_the_thread(
    plain: Database, handed: list[str]
) -> None:
    """A write waits for SQLite's write lock on aiosqlite's thread,
    while the event loop goes on: had it waited here, the other connection's commit could not
    run until the busy timeout failed the write as "database is locked"."""
    async with plain.engine.connect() as holder:
        await holder.execute(text("INSERT INTO t (name) VALUES ('first')"))

        async def second() -> None:
            async with plain.engine.begin() as conn:
                await conn.execute(text("INSERT INTO t (name) VALUES ('second')"))

        waiting = asyncio.create_task(second())
        for _ in range(3000):  # until the second INSERT is on the thread, waiting (≤ 30 s)
            if "statement" in handed:
                break
            await asyncio.sleep(0.01)
        assert "statement" in handed
        assert not waiting.done()
        await holder.commit()  # the event loop is free to commit the first
        await asyncio.wait_for(waiting, 30)
    async with plain.engine.connect() as other:
        names = (await other.execute(text("SELECT name FROM t ORDER BY id"))).scalars().all()
    assert names == ["first", "second"]


async def test_a_read_here_is_not_held_up_by_another_connections_write(
    plain: Database, handed: list[str]
) -> None:
    """Another connection holds SQLite's write lock with a write not yet committed: a read in
    the event loop's thread returns at once with what was committed (WAL); it does not wait
    for the lock (the busy timeout of 15 s would fail it as "database is locked")."""
    async with plain.engine.begin() as conn:
        await conn.execute(text("INSERT INTO t (name) VALUES ('committed')"))
    async with plain.engine.connect() as writer, plain.engine.connect() as reader:
        await writer.execute(text("INSERT INTO t (name) VALUES ('open')"))
        raw = await writer.get_raw_connection()
        assert raw.driver_connection._conn.in_transaction
        handed.clear()  # the connections are made
        names = (await reader.execute(text("SELECT name FROM t"))).scalars().all()
        assert names == ["committed"]
        assert handed == []  # it ran here, not on the thread


async def test_a_read_after_a_queued_write_waits_for_it_on_the_thread(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The importer's queued write is still on the thread: a read of the same session must not
    run before it in the event loop's thread, or it would miss the row just written."""
    hold = _hold_writes(db, monkeypatch)
    async with AsyncSession(db.engine) as session:
        queued = await _queue_audit(session, "queued-read", hold)
        threading.Timer(0.5, hold.go_on.set).start()  # the write goes on, whatever the read does
        count = (
            await session.execute(
                text("SELECT count(*) FROM audit_event WHERE action = 'queued-read'")
            )
        ).scalar_one()
        await queued.drain()
        await session.rollback()
    assert count == 1
