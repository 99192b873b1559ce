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
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, exc, make_url, text
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


def _sqlite_pool(url: str, *, pool_size: int, max_overflow: int | None) -> dict[str, Any]:
    """A SQLite file's pool of `pool_size` (SQLAlchemy's own default is 5, whatever the bot's
    settings said): a connection beyond the pool's size is closed when it comes back, so
    under load nearly every session opened one (a thread, its pragmas) and closed it. Overflow
    by default as SQLAlchemy's (10). An in-memory database has one connection and no pool."""
    database = make_url(url).database
    if not database or database == ":memory:" or "mode=memory" in url:
        return {}
    return {
        "pool_size": pool_size,
        "max_overflow": 10 if max_overflow is None else max_overflow,
        "pool_use_lifo": True,
    }


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

    Both keep up to `pool_size` connections open once sessions needed them (SQLite's in-memory
    database has one), open up to `max_overflow` more under load (PostgreSQL's default: as many
    again; SQLite's: 10) and hand out the connection used last first. PostgreSQL waits
    `pool_timeout` seconds for a free one and renews connections after `pool_recycle` seconds
    (below a proxy's or firewall's idle cut-off).
    """
    if url.startswith("sqlite"):
        engine = create_async_engine(
            url,
            echo=echo,
            connect_args={"timeout": 15},
            **_one_call_driver(url),
            **_sqlite_pool(url, pool_size=pool_size, max_overflow=max_overflow),
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_async_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=pool_size if max_overflow is None else max_overflow,
        pool_timeout=pool_timeout,
        pool_recycle=pool_recycle,
        # The connection used last is handed out first: after a burst the few that a quiet
        # hour needs stay in use and the rest wait unused, instead of all of them taking turns
        # and each waiting long enough (IDLE_BEFORE_PING) to be pinged at every checkout.
        pool_use_lifo=True,
    )
    ping_when_idle(engine)
    return engine


# A pooled connection that sat unused this long is tested with a round trip before it is
# handed out. SQLAlchemy's `pool_pre_ping` tests every checkout: on PostgreSQL that was a
# round trip before every session, 0.18 ms of the bot's CPU and 0.3 ms of waiting each
# (docs/performance.md), two or three times per update. Connections that went back to the pool a
# moment ago are in use all the time under load and are not tested; one that waited longer
# (a quiet night, a server restart, a firewall's idle cut-off) is.
IDLE_BEFORE_PING = 5.0  # seconds
CHECKED_IN = "inburgerbot_checked_in"  # the connection's entry in the pool: when it came back


def ping_when_idle(engine: AsyncEngine) -> None:
    """Test a connection on checkout when it was idle for IDLE_BEFORE_PING seconds or more.

    A failed test is a disconnection: as with `pool_pre_ping`, every connection the pool held
    from before is dropped and the checkout is tried again on a new one, so the session that
    asked does not see the error. `info` belongs to the DB-API connection: a new connection
    starts without a check-in time and is not tested."""
    dialect = engine.dialect
    pool = engine.sync_engine.pool

    def checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info[CHECKED_IN] = time.monotonic()

    def checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get(CHECKED_IN)
        if since is None or time.monotonic() - since < IDLE_BEFORE_PING:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                raise exc.InvalidatePoolError() from error
            raise

    event.listen(pool, "checkin", checked_in)
    event.listen(pool, "checkout", checkout)


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
