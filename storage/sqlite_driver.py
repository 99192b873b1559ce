"""SQLite through aiosqlite, one call on its thread per statement.

SQLAlchemy's aiosqlite adapter makes four calls on aiosqlite's thread for every statement: make
a cursor, execute, fetch the rows, close the cursor. Each call is a hand-off between the event
loop and that thread, and a hand-off costs more CPU than SQLite needs to find a client by its
chat (about 0.15 ms against a few microseconds; `python -m bench.queries` counts them). This
module's cursor does all four in one call: the statement runs in the thread, and the rows, the
description, the row count and the last row id come back together. Everything else is
SQLAlchemy's own adapter: the statement lock, transactions, errors (raised in the thread, they
reach SQLAlchemy as before), server-side cursors (`stream_results`, not used by this project).

`make_engine` passes `module=dbapi()` for `sqlite+aiosqlite` URLs.
"""

from __future__ import annotations

import collections
import sqlite3
from typing import Any

from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

_Outcome = tuple[Any, int, int | None, list[Any]]  # description, rowcount, lastrowid, rows


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
        async with self._adapt_connection._execute_mutex:
            connection = self._connection
            outcome = await connection._execute(
                statement, connection._conn, operation, parameters, many
            )
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
    is made with check_same_thread off). It is asked only when no call is waiting on the thread
    either; the importer's queued writes (storage/imports.py, Queued) are all settled before its
    session ends. A task cancelled while its statement is still on the thread does not come
    here: SQLAlchemy invalidates that connection instead of rolling it back (tested)."""

    __slots__ = ()
    _cursor_cls = OneCallCursor

    def _nothing_open(self) -> bool:
        connection = self._connection
        raw = connection._connection
        return raw is not None and connection._tx.empty() and not raw.in_transaction

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
