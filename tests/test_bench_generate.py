"""The benchmark's fast fill (plain sqlite3 / COPY) stores exactly what SQLAlchemy's insert does."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, text

from bench import generate
from storage.db import Database
from tests.conftest import reset_schema

NOW = datetime(2026, 12, 3, 9, 0, 0, tzinfo=UTC)  # whole seconds: SQLite's text form shows it


async def _stored(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the filled tables as the driver returns it (SQLite: the stored text)."""
    async with db.engine.connect() as connection:
        return {
            table.name: [
                tuple(row)
                for row in await connection.exec_driver_sql(
                    f"SELECT * FROM {table.name} ORDER BY id"
                )
            ]
            for table in generate.FILLED
        }


async def _fill(db: Database) -> None:
    await generate.fill_clients(db, 0, 3, now=NOW)
    await generate.fill_clients(db, 3, 5, now=NOW)  # a second step next to the first
    await generate.fill_reminders(db, first_id=1, count=40, due=7, clients=5, now=NOW)


async def _fill_with_sqlalchemy(db: Database) -> None:
    """The reference: SQLAlchemy core's executemany of the same generated rows."""
    rows = (
        (generate._client, list(generate._clients(0, 5, NOW))),
        (generate._plan, list(generate._plans(0, 5, NOW))),
        (generate._part, list(generate._parts(0, 5, NOW))),
        (generate._appointment, list(generate._appointments(0, 5, NOW))),
        (generate._task, list(generate._tasks(0, 5, NOW))),
        (generate._reminder, list(generate._reminders(1, 40, 7, 5, NOW))),
    )
    async with db.transaction() as session:
        connection = await session.connection()
        for table, values in rows:
            await connection.execute(insert(table), values)


async def test_the_fast_fill_stores_what_sqlalchemy_would(db: Database) -> None:
    await _fill(db)
    fast = await _stored(db)
    await reset_schema(db)
    await _fill_with_sqlalchemy(db)
    reference = await _stored(db)

    assert {name: len(rows) for name, rows in fast.items()} == {
        "client": 5,
        "plan": 5,
        "plan_part": 15,
        "appointment": 40,
        "task": 30,
        "reminder": 40,
    }
    for name, rows in reference.items():
        assert fast[name] == rows, name


async def _indexes(db: Database) -> list[tuple[str, str]]:
    query = (
        "SELECT tbl_name, name FROM sqlite_master WHERE type = 'index'"
        if db.is_sqlite
        else "SELECT tablename, indexname FROM pg_indexes WHERE schemaname = current_schema()"
    )
    async with db.engine.connect() as connection:
        return sorted(tuple(row) for row in await connection.exec_driver_sql(query))


async def test_the_store_is_usable_after_a_fast_fill(db: Database) -> None:
    indexes = await _indexes(db)
    await _fill(db)
    assert await _indexes(db) == indexes  # dropped for the load (PostgreSQL), built again
    async with db.transaction() as session:
        count = (
            await session.exec(  # type: ignore[call-overload]
                text("SELECT count(*) FROM reminder WHERE status = 'pending'")
            )
        ).scalar_one()
    assert count > 7
