"""Alembic is the only way the schema changes: the migrations build exactly the models' schema
and take it all down again, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, inspect
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from storage import migrate
from storage.db import make_engine
from tests.conftest import forget_schema


async def run_sync(url: str, work: Any) -> Any:
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            return await conn.run_sync(work)
    finally:
        await engine.dispose()


def drop_every_table(conn: Connection) -> None:
    found = MetaData()
    found.reflect(conn)
    found.drop_all(conn)


def differences(conn: Connection) -> list[Any]:
    context = MigrationContext.configure(conn, opts={"compare_type": True})
    return list(compare_metadata(context, SQLModel.metadata))


def table_names(conn: Connection) -> list[str]:
    return inspect(conn).get_table_names()


@pytest.fixture
async def empty_url(database_url: str) -> AsyncIterator[str]:
    """A database without tables; afterwards the shared fixtures rebuild their schema."""
    await run_sync(database_url, drop_every_table)
    try:
        yield database_url
    finally:
        await run_sync(database_url, drop_every_table)
        forget_schema()


def test_the_migrations_have_one_head() -> None:
    scripts = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    assert len(scripts.get_heads()) == 1


async def test_upgrade_head_builds_exactly_the_models_schema(empty_url: str) -> None:
    await migrate.upgrade_async(empty_url)
    assert await run_sync(empty_url, differences) == []
    assert await migrate.current_revision(empty_url) == migrate.head_revision()


async def test_upgrading_twice_changes_nothing(empty_url: str) -> None:
    await migrate.upgrade_async(empty_url)
    await migrate.upgrade_async(empty_url)
    assert await run_sync(empty_url, differences) == []


async def test_downgrade_base_leaves_no_tables(empty_url: str) -> None:
    await migrate.upgrade_async(empty_url)
    assert set(await run_sync(empty_url, table_names)) >= set(SQLModel.metadata.tables)
    await asyncio.to_thread(migrate.downgrade, empty_url, "base")
    assert set(await run_sync(empty_url, table_names)) <= {"alembic_version"}
    assert await migrate.current_revision(empty_url) is None


def _notes_after_task_writes(conn: Connection) -> list[int]:
    """A client and a task: the task added, then changed; the change notes after each."""
    conn.exec_driver_sql(
        "INSERT INTO client (created_at, updated_at, ref, first_name, municipality, target_group,"
        " literacy_support, status, remind_appointments, remind_tasks, remind_deadlines,"
        " weekly_digest, show_dutch, import_digest) VALUES ('2026-12-04 10:00:00',"
        " '2026-12-04 10:00:00', 'R-1', 'Amina', 'Hoorn', 'asylum_permit_holder', 'text',"
        " 'invited', true, true, true, false, false, 'abc')"
    )
    count = "SELECT count(*) FROM import_change"
    conn.exec_driver_sql(
        "INSERT INTO task (created_at, updated_at, client_id, external_id, title, description,"
        " status, link, remote_attempts) SELECT created_at, updated_at, id, 't-1', 'Read',"
        " '', 'open', '', 0 FROM client"
    )
    inserted = conn.exec_driver_sql(count).scalar_one()
    conn.exec_driver_sql("UPDATE task SET title = 'Read the letter'")
    return [inserted, conn.exec_driver_sql(count).scalar_one()]


def _triggers(conn: Connection) -> int:
    if conn.dialect.name == "postgresql":
        sql = "SELECT count(*) FROM pg_trigger WHERE tgname LIKE '%notes_import_change'"
    else:
        sql = "SELECT count(*) FROM sqlite_master WHERE name LIKE '%notes_import_change'"
    return int(conn.exec_driver_sql(sql).scalar_one())


def _tasks(conn: Connection) -> int:
    return int(conn.exec_driver_sql("SELECT count(*) FROM task").scalar_one())


async def test_the_migration_makes_and_takes_the_import_change_triggers(empty_url: str) -> None:
    """The triggers of storage/import_digest.py are no model: the migration must make them, and
    its downgrade must keep every row (a copy of the client table on SQLite would delete the
    rows that name a client)."""
    await migrate.upgrade_async(empty_url)
    assert await run_sync(empty_url, _triggers) == 10
    assert await run_sync(empty_url, _notes_after_task_writes) == [0, 1]
    await asyncio.to_thread(migrate.downgrade, empty_url, "7c1d0e5a9b2f")
    assert await run_sync(empty_url, _triggers) == 0
    assert await run_sync(empty_url, _tasks) == 1
    columns = await run_sync(empty_url, lambda conn: inspect(conn).get_columns("client"))
    assert "import_digest" not in {column["name"] for column in columns}
    assert not {"import_change", "import_running"} & set(await run_sync(empty_url, table_names))


def _trigger_sql(conn: Connection) -> list[tuple[str, str]]:
    """Every trigger of the schema as the database keeps it (and PostgreSQL's functions)."""
    if conn.dialect.name == "postgresql":
        triggers = conn.exec_driver_sql(
            "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal"
            " UNION ALL SELECT proname, prosrc FROM pg_proc"
            " WHERE pronamespace = 'public'::regnamespace ORDER BY 1"
        )
    else:
        triggers = conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
        )
    return [(name, " ".join(sql.split())) for name, sql in triggers]


async def test_the_migrations_make_the_triggers_the_models_make(empty_url: str) -> None:
    """The triggers are no part of the models that Alembic compares: a migrated schema must
    still have exactly those of the models' schema (storage/import_digest.py)."""
    await migrate.upgrade_async(empty_url)
    migrated = await run_sync(empty_url, _trigger_sql)
    await run_sync(empty_url, drop_every_table)
    await run_sync(empty_url, SQLModel.metadata.create_all)
    assert migrated and migrated == await run_sync(empty_url, _trigger_sql)
