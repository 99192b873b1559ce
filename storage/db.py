"""Async engine and sessions.

Transaction rule: every unit of work runs in `async with db.transaction() as session:`, which
commits when the block ends and rolls back on any exception. Repositories take the session as
an argument and never commit themselves, so one service call is one transaction. Reads that
write nothing use `db.reading()`.

On SQLite one process's transactions take turns (an asyncio lock, re-entrant within a task):
SQLite has one writer at a time anyway, and writers of one process that meet in SQLite's busy
handler poll and sleep, so with updates handled concurrently they would wait far longer than
needed, up to "database is locked". Reads (`reading()`) do not wait for the lock.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import sqlite_driver


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()


def _one_call_driver(url: str) -> dict[str, Any]:
    """aiosqlite with one call on its thread per statement (storage/sqlite_driver.py)."""
    if make_url(url).get_driver_name() == "aiosqlite":
        return {"module": sqlite_driver.dbapi()}
    return {}


def make_engine(
    url: str,
    *,
    pool_size: int = 5,
    max_overflow: int | None = None,
    pool_timeout: float = 30.0,
    pool_recycle: int = 1800,
    echo: bool = False,
) -> AsyncEngine:
    """An async engine; SQLite gets WAL, foreign keys and a busy timeout.

    PostgreSQL gets a connection pool per process: `pool_size` kept open, `max_overflow` more
    under load (default: as many again), `pool_timeout` seconds to wait for a free one, and
    connections renewed after `pool_recycle` seconds (below a proxy's or firewall's idle cut-off).
    """
    if url.startswith("sqlite"):
        engine = create_async_engine(
            url, echo=echo, connect_args={"timeout": 15}, **_one_call_driver(url)
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=pool_size if max_overflow is None else max_overflow,
        pool_timeout=pool_timeout,
        pool_recycle=pool_recycle,
        pool_pre_ping=True,
    )


async def ensure_database(url: str) -> bool:
    """Create the PostgreSQL database of `url` on its server if it is missing (through the
    server's `postgres` database; the user needs CREATEDB); True when it was created. Nothing to
    do for SQLite, whose file is made on first use."""
    target = make_url(url)
    if target.get_backend_name() != "postgresql":
        return False
    admin = create_async_engine(
        target.set(database="postgres").render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
    )
    try:
        async with admin.connect() as conn:
            found = await conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}
            )
            if found:
                return False
            name = admin.dialect.identifier_preparer.quote(target.database or "")
            await conn.execute(text(f"CREATE DATABASE {name}"))
            return True
    finally:
        await admin.dispose()


class _TurnLock:
    """An asyncio lock that the task holding it may take again (a transaction in a transaction)."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[object] | None = None

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        task = asyncio.current_task()
        if task is not None and task is self._owner:
            yield
            return
        async with self._lock:
            self._owner = task
            try:
                yield
            finally:
                self._owner = None


class Database:
    """The engine and its session factory: one per process, passed down explicitly."""

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 5,
        max_overflow: int | None = None,
        pool_timeout: float = 30.0,
        pool_recycle: int = 1800,
        echo: bool = False,
    ) -> None:
        self.url = url
        self.engine = make_engine(
            url,
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_timeout=pool_timeout,
            pool_recycle=pool_recycle,
            echo=echo,
        )
        self._sessions = async_sessionmaker(
            self.engine, class_=AsyncSession, expire_on_commit=False
        )
        self._turns = _TurnLock() if self.engine.dialect.name == "sqlite" else None

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: commit at the end, roll back on error."""
        if self._turns is None:
            async with self._sessions() as session:
                try:
                    yield session
                    await session.commit()
                except BaseException:
                    await session.rollback()
                    raise
            return
        async with self._turns.turn(), self._sessions() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """A session for reads only; nothing is committed."""
        async with self._sessions() as session:
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
