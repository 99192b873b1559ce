"""SQLite through aiosqlite, one call on its thread per statement, and most statements without.

SQLAlchemy's aiosqlite adapter makes four calls on aiosqlite's thread for every statement: make
a cursor, execute, fetch the rows, close the cursor. Each call is a hand-off between the event
loop and that thread, and a hand-off costs more CPU than SQLite needs to find a client by its
chat (about 0.15 ms against a few microseconds; `python -m bench.queries` counts them). This
module's cursor does all four in one call: the statement runs in the thread, and the rows, the
description, the row count and the last row id come back together. Everything else is
SQLAlchemy's own adapter: the statement lock, transactions, errors (raised in the thread, they
reach SQLAlchemy as before), server-side cursors (`stream_results`, not used by this project).

Statements in the event loop's thread. The hand-off to aiosqlite's thread and back costs about
0.3 ms of CPU, far more than SQLite needs for the bot's statements (`python -m bench.queries`: a
read session's `SELECT 1` 0.41 ms through the thread, 0.14 ms without). What the thread is for
is waiting: for SQLite's write lock, up to the busy timeout, when another process writes. So a
statement runs in the event loop's own thread, when nothing is on aiosqlite's thread for the
connection, if it cannot wait for a lock:
- a SELECT outside a transaction: in WAL mode a reader takes no lock that a writer holds, so
  another process's open write does not hold it up (tested). SQLite's own rare exceptions (a
  crashed process's WAL recovered, the last connection closing the WAL) take milliseconds.
- every statement of a transaction that holds the write lock, and its commit or rollback.
  Python's sqlite3 opens the transaction with the first INSERT, UPDATE or DELETE, which takes
  the lock and so goes to the thread; from then on SQLite says `in_transaction`, and nothing
  of that transaction waits for another connection (a WAL commit does not; the checkpoint after
  it is a passive one, which does not wait either).

A Done press, for example, hands its UPDATE to the thread and runs its other six statements
here. The price: SQLite's own work for those statements is done in the event loop's thread,
holding up other updates for its duration, microseconds for the bot's; and the checkpoint that
follows a commit after every 1,000 pages written to the WAL writes them to the database file
from this thread. The importer's queued writes (storage/imports.py, Queued) still go to the
thread, and whatever follows them waits for them there.

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
            if adapter.runs_here(operation):
                outcome = statement(connection._conn, operation, parameters, many)
            else:
                call = partial(statement, connection._conn, operation, parameters, many)
                outcome = await connection._execute(adapter.calls.counted(call))
        self._description, self._rowcount, self._lastrowid, rows = outcome
        self._rows = collections.deque(rows)

    def nextset(self) -> None:
        return None  # SQLite has one result set per statement


class OneCallConnection(AsyncAdapt_aiosqlite_connection):
    """aiosqlite's connection with the one-call cursor, statements in the event loop's thread
    where they cannot wait (module docstring), and no call for a rollback or commit when SQLite
    has no transaction open.

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

    def _idle(self) -> sqlite3.Connection | None:
        """SQLite's connection when nothing waits on aiosqlite's thread and every statement this
        module handed to it has finished there (`Calls`); then this thread may use it."""
        connection = self._connection
        raw = connection._connection
        if raw is None or self.calls.sent != self.calls.done or not connection._tx.empty():
            return None
        return raw  # type: ignore[no-any-return]

    def runs_here(self, operation: str) -> bool:
        """Whether a statement runs in the event loop's thread instead of aiosqlite's: any
        statement of a transaction that holds SQLite's write lock, and a SELECT outside one,
        when nothing is on the thread (the module's docstring, "Statements in the event loop's
        thread")."""
        raw = self._idle()
        return raw is not None and (raw.in_transaction or operation.startswith("SELECT"))

    def rollback(self) -> None:
        raw = self._idle()
        if raw is None:
            super().rollback()  # after what is on the thread
        elif raw.in_transaction:
            self._here(raw.rollback)

    def commit(self) -> None:
        raw = self._idle()
        if raw is None:
            super().commit()
        elif raw.in_transaction:
            self._here(raw.commit)

    def _here(self, end: Callable[[], None]) -> None:
        try:
            end()
        except Exception as error:
            self._handle_exception(error)


class OneCallDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> OneCallConnection:
        adapted = super().connect(*arg, **kw)
        return OneCallConnection(self, adapted._connection)


def dbapi() -> OneCallDBAPI:
    return OneCallDBAPI(__import__("aiosqlite"), sqlite3)
