"""Shared fixtures: a real database (SQLite per test, or PostgreSQL when configured)."""

from __future__ import annotations

import asyncio
import gc
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers the tables)
from casework.settings import normalise_database_url
from storage.db import Database, ensure_database


def _database_of_this_worker(url: str | None) -> str | None:
    """`make test` runs the suite in parallel (pytest-xdist): each worker process gets its own
    PostgreSQL database beside the configured one, `<name>_gw0`, `<name>_gw1`, ... (`.ci/run`
    drops them with the configured one). Processes the tests start inherit it."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker or not url.startswith("postgres"):
        return url
    base = make_url(normalise_database_url(url))
    mine = base.set(database=f"{base.database}_{worker}").render_as_string(hide_password=False)
    asyncio.run(ensure_database(mine))
    os.environ["INBURGERBOT_TEST_DATABASE_URL"] = mine
    return mine


POSTGRES_URL = _database_of_this_worker(os.environ.get("INBURGERBOT_TEST_DATABASE_URL"))
_schema_ready: set[str] = set()


def test_database_url(tmp_path: Path) -> str:
    """The URL of a database for one test: PostgreSQL when configured, else a fresh SQLite file."""
    if POSTGRES_URL:
        return normalise_database_url(POSTGRES_URL)
    return f"sqlite+aiosqlite:///{tmp_path / 'test.sqlite3'}"


async def reset_schema(db: Database) -> None:
    """An empty schema built from the models (create_all is for tests only)."""
    async with db.engine.begin() as conn:
        if db.is_postgres and db.url in _schema_ready:
            tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
            await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            return
        await conn.run_sync(SQLModel.metadata.drop_all)
        await conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        await conn.run_sync(SQLModel.metadata.create_all)
    if db.is_postgres:
        _schema_ready.add(db.url)


def forget_schema() -> None:
    """Tests that rebuild the schema themselves call this so the next test starts clean."""
    _schema_ready.clear()


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return test_database_url(tmp_path)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await reset_schema(database)
    try:
        yield database
    finally:
        await database.dispose()


# Deadlines (pytest-timeout): every test has one, so a stuck test fails with its name. The
# default (pyproject.toml) suits the suite; the long runs of `make soak` and the browser tests
# get longer ones unless they set their own.
LONG_RUN_TIMEOUTS = {"slow": 1800, "browser": 600}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("timeout") is not None:
            continue
        for marker, seconds in LONG_RUN_TIMEOUTS.items():
            if item.get_closest_marker(marker) is not None:
                item.add_marker(pytest.mark.timeout(seconds))
                break


@pytest.fixture
def unfrozen() -> Iterator[None]:
    """A test that freezes the heap (gc.freeze) starts and ends with none frozen."""
    gc.unfreeze()
    yield
    gc.unfreeze()  # the test process's heap is the garbage collector's again
