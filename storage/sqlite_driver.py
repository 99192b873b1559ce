"""SQLite through aiosqlite, one call on its thread per statement, and reads without it.

SQLAlchemy's aiosqlite adapter makes four calls on aiosqlite's thread for every statement: make
a cursor, execute, fetch the rows, close the cursor. Each call is a hand-off between the event
loop and that thread, and a hand-off costs more CPU than SQLite needs to find a client by its
chat (about 0.15 ms against a few microseconds; `python -m bench.queries` counts them). This
module's cursor does all four in one call: the statement runs in the thread, and the rows, the
description, the row count and the last row id come back together. Everything else is
SQLAlchemy's own adapter: the statement lock, transactions, errors (raised in the thread, they
reach SQLAlchemy as before), server-side cursors (`stream_results`, not used by this project).

Reads in the event loop's thread. A SELECT on a connection with no transaction open and no call
on aiosqlite's thread runs in the event loop's own thread, without the hand-off: the bot's reads
are a few rows found by an index, which SQLite returns in microseconds, while the hand-off there
and back costs about 0.3 ms of CPU (`python -m bench.queries`: a read session's `SELECT 1`
0.41 ms through the thread, 0.14 ms here). It cannot wait for a lock: in WAL mode a reader
takes none that a writer holds, so another process's write transaction does not hold it up
(tested). SQLite's own rare exceptions (a crashed process's WAL recovered, the last connection
closing the WAL) take milliseconds. Every write, and every statement of a transaction that has
written, still goes to the thread, where waiting for the write lock (the busy timeout) blocks
nothing else. A long scan would hold up the event loop for its duration: the bot's reads are
not such scans; the back-office's lists are pages, and the importer reads in batches.

`make_engine` passes `module=dbapi()` for `sqlite+aiosqlite` URLs.
"""

from __future__ import annotations

import asyncio
import collections
import sqlite3
from collections.abc import Callable
from functools import partial
from typing import Any

from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

_Outcome = tuple[Any, int, int | None, list[Any]]  # description, rowcount, lastrowid, rows


class Calls:
    """Calls handed to aiosqlite's thread by this module and calls finished there. Each count
    has one writer (the event loop's thread, the worker thread), so neither loses an update;
    while they differ, a call may be on the thread about to open a transaction (Python's sqlite3
    sends BEGIN only once it has prepared the write), even when aiosqlite's queue is empty."""

    __slots__ = ("done", "sent")

    def __init__(self) -> None:
        self.sent = 0
        self.done = 0

    def counted(self, function: Callable[[], Any]) -> Callable[[], Any]:
        """`function` to run on the thread, counted (call in the event loop's thread)."""
        self.sent += 1

        def run() -> Any:
            try:
                return function()
            finally:
                self.done += 1

        inner = getattr(function, "func", function)  # a partial's function
        run.__name__ = getattr(inner, "__name__", run.__name__)  # as bench.queries counts it
        return run


def put(adapter: Any, function: Callable[[], Any]) -> asyncio.Future[Any]:
    """Queue `function` on the thread of a connection's aiosqlite (SQLAlchemy's adapted
    connection) without waiting for it; counted when the connection is this module's."""
    calls = getattr(adapter, "calls", None)
    if calls is not None:
        function = calls.counted(function)
    future = asyncio.get_running_loop().create_future()
    adapter._connection._tx.put_nowait((future, function))  # as SQLAlchemy's adapter does
    return future


def statement(
    connection: sqlite3.Connection, operation: str, parameters: Any, many: bool
) -> _Outcome:
    """In aiosqlite's thread: the whole statement, cursor made and closed here."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


class OneCallCursor(AsyncAdapt_aiosqlite_cursor):
    """A client-side cursor whose statement is one call on aiosqlite's thread."""

    __slots__ = ("_description", "_lastrowid", "_rowcount")
    _awaitable_cursor_close = False  # there is no cursor left to close

    def __init__(self, adapt_connection: Any) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]

    @property
    def arraysize(self) -> int:
        return 1

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        pass  # rows are fetched all at once

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        try:
            await_(self._run(operation, parameters, many=False))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        try:
            await_(self._run(operation, seq_of_parameters, many=True))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    async def _run(self, operation: Any, parameters: Any, *, many: bool) -> None:
        adapter: Any = self._adapt_connection  # a OneCallConnection
        async with adapter._execute_mutex:
            connection = self._connection
            if not many and adapter.reads_here(operation):
                outcome = statement(connection._conn, operation, parameters, many)
            else:
                call = partial(statement, connection._conn, operation, parameters, many)
                outcome = await connection._execute(adapter.calls.counted(call))
        self._description, self._rowcount, self._lastrowid, rows = outcome
        self._rows = collections.deque(rows)

    def nextset(self) -> None:
        return None  # SQLite has one result set per statement


class OneCallConnection(AsyncAdapt_aiosqlite_connection):
    """aiosqlite's connection with the one-call cursor, and no call for a rollback or commit
    when SQLite has no transaction open.

    Python's sqlite3 opens a transaction before the first INSERT, UPDATE or DELETE only; a
    SELECT runs on its own. So a read session has nothing to roll back, yet SQLAlchemy rolls back
    twice when it ends (the session, then the pool's reset), each a call on the thread. SQLite
    says whether a transaction is open (`in_transaction`, read from any thread: the connection
    is made with check_same_thread off). It is asked only when nothing waits on the thread and
    every statement this module handed to it has finished there (`Calls`): a write still on the
    thread, such as one the importer queued (storage/imports.py, Queued), gets its rollback
    after it, as with SQLAlchemy's adapter. A task cancelled while its statement is on the
    thread does not come here: SQLAlchemy invalidates that connection instead (tested)."""

    __slots__ = ("calls",)
    _cursor_cls = OneCallCursor

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self.calls = Calls()

    def _nothing_open(self) -> bool:
        connection = self._connection
        raw = connection._connection
        return (
            raw is not None
            and self.calls.sent == self.calls.done
            and connection._tx.empty()
            and not raw.in_transaction
        )

    def reads_here(self, operation: str) -> bool:
        """Whether a statement runs in the event loop's thread instead of aiosqlite's: a SELECT
        on a connection with nothing open and nothing on the thread (see the module's
        docstring, "Reads in the event loop's thread")."""
        return operation.startswith("SELECT") and self._nothing_open()

    def rollback(self) -> None:
        if not self._nothing_open():
            super().rollback()

    def commit(self) -> None:
        if not self._nothing_open():
            super().commit()


class OneCallDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> OneCallConnection:
        adapted = super().connect(*arg, **kw)
        return OneCallConnection(self, adapted._connection)


def dbapi() -> OneCallDBAPI:
    return OneCallDBAPI(__import__("aiosqlite"), sqlite3)
