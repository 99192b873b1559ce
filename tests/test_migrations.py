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
