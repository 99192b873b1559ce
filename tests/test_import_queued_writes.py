"""The importer queues its writes that return nothing without waiting for them
(storage/imports.py, Queued): on SQLite on aiosqlite's thread, on PostgreSQL through a task that
holds the connection's statement lock. A refusal of one is still reported against the batch that
queued it, in the words of any other refusal, and nothing of the import is written."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from casework.importer import REMINDER_COLUMNS, REMINDER_DEFAULTS, ImportRejected, import_file
from casework.planning import PlanningRules
from storage import imports
from storage.db import Database

REGION = Path(__file__).resolve().parent.parent / "examples" / "region.json"
NOW = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
TABLES = ("client", "plan", "appointment", "task", "reminder", "audit_event")
AUDIT_COLUMNS = ("actor_kind", "action", "subject_kind", "detail", "at", "created_at", "updated_at")


@asynccontextmanager
async def refusing_reminders(db: Database) -> AsyncIterator[None]:
    """The database refuses every new reminder row, as a constraint would (until the end)."""
    async with db.engine.begin() as conn:
        if db.is_postgres:
            await conn.exec_driver_sql(
                "CREATE FUNCTION refuse_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                " RAISE EXCEPTION 'refused' USING ERRCODE = 'unique_violation';"
                " END $$"
            )
            await conn.exec_driver_sql(
                "CREATE TRIGGER refuse_reminders BEFORE INSERT ON reminder"
                " FOR EACH ROW EXECUTE FUNCTION refuse_row()"
            )
        else:
            await conn.exec_driver_sql(
                "CREATE TRIGGER refuse_reminders BEFORE INSERT ON reminder"
                " BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )
    try:
        yield
    finally:
        async with db.engine.begin() as conn:
            if db.is_postgres:
                await conn.exec_driver_sql("DROP TRIGGER refuse_reminders ON reminder")
                await conn.exec_driver_sql("DROP FUNCTION refuse_row()")
            else:
                await conn.exec_driver_sql("DROP TRIGGER refuse_reminders")


async def test_a_refused_queued_write_is_reported_and_nothing_is_written(db: Database) -> None:
    # the driver's own name, as for a statement that was waited for (casework.importer.at)
    kind = "UniqueViolationError" if db.is_postgres else "IntegrityError"
    async with refusing_reminders(db):
        with pytest.raises(
            ImportRejected, match=rf"^clients\[0\]: the database refused it \({kind}\)$"
        ):
            await import_file(db, REGION, rules=PlanningRules(), now=NOW)
    async with db.engine.connect() as conn:
        for table in TABLES:
            count = (await conn.exec_driver_sql(f"SELECT count(*) FROM {table}")).scalar()
            assert count == 0, table
    # and the store takes the same file afterwards
    summary = await import_file(db, REGION, rules=PlanningRules(), now=NOW)
    assert summary["clients"].created > 0


async def test_queued_writes_run_in_the_order_they_were_asked(db: Database) -> None:
    """A query asked for after queued writes sees them all (the statement lock is taken before
    the write's task starts)."""
    async with db.transaction() as session:
        dialect = await imports.dialect_of(session)
        stamp = imports.native(dialect, NOW)
        queued = imports.Queued(path="first")
        for n in range(5):
            row = ("system", f"queued-{n}", "client", "", stamp, stamp, stamp)
            await imports.insert_rows(
                session, imports.AUDIT, AUDIT_COLUMNS, [row] * 200, queued=queued
            )
        found = await imports.fetch(
            session,
            imports.AUDIT,
            ("action",),
            where="action",
            values=[f"queued-{n}" for n in range(5)],
        )
        assert len(found) == 1_000
        assert await queued.settle() is None
        assert not queued.pending


class Spoiled(Exception):
    pass


async def test_a_refusal_is_told_by_settle_with_its_path(db: Database) -> None:
    async with refusing_reminders(db):
        with pytest.raises(Spoiled):  # the transaction is spoiled: rolled back
            async with db.transaction() as session:
                dialect = await imports.dialect_of(session)
                stamp = imports.native(dialect, NOW)
                queued = imports.Queued(path="clients[7]")
                row = (None, "task", 1, "k", stamp, stamp, None, *REMINDER_DEFAULTS, stamp, stamp)
                await imports.insert_rows(
                    session, imports.REMINDER, REMINDER_COLUMNS, [row], queued=queued
                )
                queued.path = "clients[8]"
                refused = await queued.settle()
                assert refused is not None
                path, error = refused
                assert path == "clients[7]"
                assert type(error).__name__ == "IntegrityError"
                assert "refused" in str(error)
                assert not queued.pending
                raise Spoiled


async def test_cancelled_with_writes_in_flight_leaves_the_connection_usable(db: Database) -> None:
    started = asyncio.Event()

    async def import_and_wait() -> None:
        async with db.transaction() as session:
            dialect = await imports.dialect_of(session)
            stamp = imports.native(dialect, NOW)
            queued = imports.Queued()
            try:
                row = ("system", "cancelled", "client", "", stamp, stamp, stamp)
                await imports.insert_rows(
                    session, imports.AUDIT, AUDIT_COLUMNS, [row] * 500, queued=queued
                )
                started.set()
                await asyncio.Event().wait()  # until cancelled
            except BaseException:
                await queued.drain()
                raise

    task = asyncio.create_task(import_and_wait())
    await asyncio.wait_for(started.wait(), 30)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with db.engine.connect() as conn:
        count = (
            await conn.exec_driver_sql(
                "SELECT count(*) FROM audit_event WHERE action = 'cancelled'"
            )
        ).scalar()
    assert count == 0
