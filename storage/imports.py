"""The importer's queries and writes (casework/importer.py decides, this module writes).

Everything here works on sets of rows: one SELECT per table for a batch of clients, and one
`INSERT ... ON CONFLICT (key) DO UPDATE` per table for the rows that are new or changed
(SQLite and PostgreSQL both have it, through SQLAlchemy's dialect inserts). Unchanged rows are
never sent, so their `updated_at` stays as it was.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache, partial
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.exc import DBAPIError
from sqlmodel import col
from sqlmodel import select as orm_select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import import_digest, sqlite_driver
from storage.enums import PlanStatus
from storage.models import (
    Appointment,
    AuditEvent,
    Client,
    ExamAttempt,
    ImportChange,
    Organisation,
    OrganisationMunicipality,
    Plan,
    PlanPart,
    Reminder,
    Staff,
    Task,
)

ORGANISATION: Table = Organisation.__table__  # type: ignore[attr-defined]
SERVED: Table = OrganisationMunicipality.__table__  # type: ignore[attr-defined]
STAFF: Table = Staff.__table__  # type: ignore[attr-defined]
CLIENT: Table = Client.__table__  # type: ignore[attr-defined]
PLAN: Table = Plan.__table__  # type: ignore[attr-defined]
PART: Table = PlanPart.__table__  # type: ignore[attr-defined]
EXAM: Table = ExamAttempt.__table__  # type: ignore[attr-defined]
APPOINTMENT: Table = Appointment.__table__  # type: ignore[attr-defined]
TASK: Table = Task.__table__  # type: ignore[attr-defined]
REMINDER: Table = Reminder.__table__  # type: ignore[attr-defined]
CHANGE: Table = ImportChange.__table__  # type: ignore[attr-defined]
AUDIT: Table = AuditEvent.__table__  # type: ignore[attr-defined]
IN_FORCE = (PlanStatus.ESTABLISHED, PlanStatus.REVISED)


# -- organisations and staff (few: kept at hand by the importer) --------------------------------


async def organisations(session: AsyncSession) -> Sequence[Organisation]:
    return (await session.exec(orm_select(Organisation))).all()


async def served_municipalities(session: AsyncSession) -> Sequence[OrganisationMunicipality]:
    return (await session.exec(orm_select(OrganisationMunicipality))).all()


async def staff_members(session: AsyncSession) -> Sequence[Staff]:
    return (await session.exec(orm_select(Staff))).all()


async def save(session: AsyncSession, row: Organisation | Staff) -> None:
    """Write a new or changed organisation or staff member and give it its id."""
    session.add(row)
    await session.flush()


async def set_municipalities(
    session: AsyncSession, *, organisation_id: int, wanted: Sequence[str]
) -> tuple[int, int, int]:
    """Make an organisation's list of municipalities `wanted`; (added, removed, kept)."""
    query = orm_select(OrganisationMunicipality).where(
        OrganisationMunicipality.organisation_id == organisation_id
    )
    links = (await session.exec(query)).all()
    removed = kept = 0
    for link in links:
        if link.municipality in wanted:
            kept += 1
        else:
            await session.delete(link)
            removed += 1
    have = {link.municipality for link in links}
    added = 0
    for name in wanted:
        if name not in have:
            session.add(
                OrganisationMunicipality(organisation_id=organisation_id, municipality=name)
            )
            added += 1
    await session.flush()
    return added, removed, kept


# -- one batch of clients ------------------------------------------------------------------------
#
# These statements bypass SQLAlchemy's per-value type processing (the bulk of the cost at
# 100,000 clients): values are given and returned in the driver's own form (`native`), the SQL
# is written once per table and column list. On SQLite a moment is the same text SQLAlchemy's
# UTCDateTime writes (UTC, "YYYY-MM-DD HH:MM:SS.ffffff"), so rows compare and sort alike.


def native(dialect: str, value: Any) -> Any:
    """A Python value as the driver stores and returns it."""
    kind = type(value)
    if value is None or kind is str or kind is int or kind is float:
        return value
    if kind is datetime:
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC-aware one is required")
        if value.tzinfo is not UTC:
            value = value.astimezone(UTC)
        if dialect == "sqlite":  # "YYYY-MM-DD HH:MM:SS.ffffff" without the "+00:00"
            return value.isoformat(" ", "microseconds")[:26]
        return value
    if kind is bool:
        return int(value) if dialect == "sqlite" else value
    if kind is date:
        return value.isoformat() if dialect == "sqlite" else value
    if isinstance(value, str):
        return str(value)  # enum members as plain strings
    return value


SQLITE_MOMENT = "%Y-%m-%d %H:%M:%S.%f"


async def dialect_of(session: AsyncSession) -> str:
    return (await session.connection()).dialect.name


def _placeholder(paramstyle: str, number: int) -> str:
    return (
        f"${number}" if paramstyle == "numeric_dollar" else "?" if paramstyle == "qmark" else "%s"
    )


@cache
def _groups(paramstyle: str, width: int, count: int) -> str:
    """`count` groups of `width` placeholders: "(?, ?), (?, ?)" or "($1, $2), ($3, $4)"."""
    groups = []
    for row in range(count):
        marks = (_placeholder(paramstyle, row * width + n + 1) for n in range(width))
        groups.append(f"({', '.join(marks)})")
    return ", ".join(groups)


def page_sizes(count: int, per_page: int) -> Iterator[int]:
    """`count` rows as full pages of `per_page`, then the rest in powers of two, largest first.

    Each page size is a statement text of its own. Pages cut only at `per_page` left a last page
    of a new size in almost every batch: a new text that SQLite compiled anew and that Python's
    sqlite3 kept in its statement cache (up to 128 of them, some with 30,000 parameters). The
    importer's memory then depended on how the batches happened to divide: 125.6 MiB for 1,000
    clients and 160.6 MiB for 10,000 in `make bench` at 03:22 UTC, where the generated file's
    reminders fell otherwise than at 22:33 (122.9 MiB). With powers of two a table has at most
    one text per bit of `per_page` (about fifteen), each compiled once and reused."""
    while count >= per_page:
        yield per_page
        count -= per_page
    size = 1 << max(0, count.bit_length() - 1)
    while count:
        if size <= count:
            yield size
            count -= size
        size >>= 1


def _pages(
    paramstyle: str, rows: Sequence[Sequence[Any]], width: int
) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """Rows in pages of at most MAX_PARAMETERS values (sizes: `page_sizes`): each page's VALUES
    groups and its parameters, flat, in row order."""
    first = 0
    for size in page_sizes(len(rows), max(1, MAX_PARAMETERS // width)):
        page = rows[first : first + size]
        first += size
        yield _groups(paramstyle, width, size), tuple(value for row in page for value in row)


async def fetch(
    session: AsyncSession,
    table: Table,
    columns: Sequence[str],
    *,
    where: str,
    values: Sequence[Any],
) -> list[Any]:
    """`columns` of the rows whose `where` column is one of `values`, in the driver's form
    (SQLAlchemy's Row, which indexes, slices and unpacks as a tuple does)."""
    if not values:
        return []
    connection = await session.connection()
    dialect = connection.dialect
    quote = dialect.identifier_preparer.quote
    found: list[Any] = []
    if _arrays(connection):  # one round trip: the values as one array
        sql = (
            f"SELECT {', '.join(quote(c) for c in columns)} FROM {quote(table.name)}"
            f" WHERE {quote(where)} = ANY($1::{array_type(table, where, dialect)})"
        )
        result = await connection.exec_driver_sql(sql, (list(values),))
        return list(result.all())
    page = MAX_PARAMETERS
    for first in range(0, len(values), page):
        chunk = list(values[first : first + page])
        marks = ", ".join(_placeholder(dialect.paramstyle, n + 1) for n in range(len(chunk)))
        sql = (
            f"SELECT {', '.join(quote(c) for c in columns)} FROM {quote(table.name)}"
            f" WHERE {quote(where)} IN ({marks})"
        )
        result = await connection.exec_driver_sql(sql, tuple(chunk))
        found.extend(result.all())  # Rows: tuples in all but name (SQLAlchemy 2.1)
    return found


MAX_PARAMETERS = 30_000  # below SQLite's 32,766 and PostgreSQL's 32,767 per statement


# On PostgreSQL (asyncpg) rows are sent as one array per column, `SELECT ... FROM
# unnest($1::t1[], $2::t2[], ...)`, a column with one value in every row as that value
# (`_array_statement`): one SQL text per table, column list and set of such columns (asyncpg
# prepares each once), one round trip however many rows, where VALUES lists need a text per
# page size and a page per 30,000 parameters. The element types drop their length
# ("VARCHAR(64)" -> "VARCHAR"): an explicit cast to varchar(n) would cut a longer value
# silently, where the INSERT refuses it.


def _arrays(connection: Any) -> bool:
    return connection.dialect.driver == "asyncpg"  # type: ignore[no-any-return]


@cache
def array_type(table: Table, name: str, dialect: Any) -> str:
    """The PostgreSQL array type of a column's values: "INTEGER[]", "VARCHAR[]",
    "TIMESTAMP WITH TIME ZONE[]"."""
    compiled = table.c[name].type.compile(dialect=dialect)
    return re.sub(r"\(\s*\d+(\s*,\s*\d+)?\s*\)", "", compiled).strip() + "[]"


@cache
def _unnest(
    table: Table, columns: tuple[str, ...], dialect: Any, constant: tuple[bool, ...]
) -> str:
    """INSERT ... SELECT from one array per column; a `constant` column's one value is
    given on its own (`$n::type`), repeated by the SELECT for every row."""
    quote = dialect.identifier_preparer.quote
    arrays, aliases, picks = [], [], []
    for n, (name, alone) in enumerate(zip(columns, constant, strict=True), 1):
        kind = array_type(table, name, dialect)
        if alone:
            picks.append(f"${n}::{kind[:-2]}")
        else:
            arrays.append(f"${n}::{kind}")
            aliases.append(f"c{n}")
            picks.append(f"u.c{n}")
    names = ", ".join(quote(c) for c in columns)
    return (
        f"INSERT INTO {quote(table.name)} ({names}) SELECT {', '.join(picks)}"
        f" FROM unnest({', '.join(arrays)}) AS u({', '.join(aliases)})"
    )


def _array_statement(
    table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]], dialect: Any
) -> tuple[str, tuple[Any, ...]]:
    """The INSERT of `rows` from arrays, and its arguments: a list per column, or the one value
    of a column that holds the same value in every row (the batch's timestamps, a default,
    a kind). asyncpg encodes an array element by element, about half a microsecond each
    (docs/performance.md, "Values sent once"): the reminders' rows, for one, send 6 arrays
    instead of 11, and the server reads fewer."""
    lists = _by_column(rows, len(columns))
    constant = [len(rows) > 1 and values.count(values[0]) == len(values) for values in lists]
    if all(constant):  # rows all alike: unnest needs one array to give the number of rows
        constant[0] = False
    args = tuple(
        values[0] if alone else values for values, alone in zip(lists, constant, strict=True)
    )
    return _unnest(table, tuple(columns), dialect, tuple(constant)), args


def _by_column(rows: Sequence[Sequence[Any]], width: int) -> tuple[list[Any], ...]:
    """Rows as one list per column (asyncpg sends each list as an array)."""
    lists = tuple(list(values) for values in zip(*rows, strict=True))
    if len(lists) != width:
        raise ValueError(f"rows of {len(lists)} values given for {width} columns")
    return lists


@dataclass
class Queued:
    """Writes that return nothing, sent without waiting for them, so the database works while
    the importer prepares what comes next:

    - on SQLite they are handed to aiosqlite's thread (SQLite's C code releases the GIL), whose
      queue runs in order;
    - on PostgreSQL (asyncpg) the statement is sent by a task that holds the connection's
      statement lock (SQLAlchemy's adapter takes the same lock for every statement, in the order
      they asked), so the server executes it while the importer computes.

    Either way a later query sees them. `settle` tells the first refusal, with the `path` that
    was current when its write was queued."""

    path: str = ""
    pending: list[tuple[str, asyncio.Future[Any]]] = field(default_factory=list)

    async def settle(self, *, wait: bool = True) -> tuple[str, Exception] | None:
        """The first refusal (in queue order) and its path, or None. With `wait`, every
        queued write is waited for; without, only those already done are looked at."""
        while self.pending:
            path, future = self.pending[0]
            if not wait and not future.done():
                return None
            self.pending.pop(0)
            try:
                await future
            except (sqlite3.Error, DBAPIError) as exc:
                await self.drain()  # the rest's errors do not count
                return path, exc
        return None

    async def drain(self) -> None:
        """Wait for every queued write, whatever its outcome (their errors are taken, so none is
        left unretrieved): the connection is free again for a rollback."""
        rest = [later for _, later in self.pending]
        self.pending.clear()
        await asyncio.gather(*rest, return_exceptions=True)


async def _queue(session: AsyncSession, queued: Queued | None, sql: str, params: Any) -> bool:
    """Queue a write on aiosqlite's thread (True), or say it must be run as usual (False)."""
    if queued is None:
        return False
    connection = await session.connection()
    if connection.dialect.driver != "aiosqlite":
        return False
    adapter: Any = (await connection.get_raw_connection()).dbapi_connection
    sqlite = adapter._connection._conn  # aiosqlite's own connection, used in its thread only
    future = sqlite_driver.put(adapter, partial(_write, sqlite, sql, params))
    queued.pending.append((queued.path, future))
    return True


async def _queue_arrays(connection: Any, queued: Queued, sql: str, args: Sequence[Any]) -> None:
    """Send a write on asyncpg without waiting for its outcome (see Queued).

    The statement lock of SQLAlchemy's asyncpg adapter is taken here, before the task starts,
    so no statement asked for later can run first; the task gives it back when the server has
    answered. One turn of the event loop lets the task send the statement (asyncpg prepares it
    once, then sends bind and execute in one write), so the server is at work when this
    returns. A refusal is raised by the task as SQLAlchemy raises it for any statement."""
    raw: Any = await connection.get_raw_connection()
    adapter = raw.dbapi_connection
    error_class = connection.dialect.loaded_dbapi.Error
    await adapter._execute_mutex.acquire()
    try:
        if adapter._transaction is None:  # as the adapter does before a statement
            await adapter._start_transaction()  # raises the DB-API error itself
    except error_class as refused:
        adapter._execute_mutex.release()
        raise DBAPIError.instance("BEGIN", None, refused, error_class) from None
    except BaseException:
        adapter._execute_mutex.release()
        raise

    async def send() -> None:
        try:
            await raw.driver_connection.execute(sql, *args)
        except Exception as error:
            try:
                adapter._handle_exception(error)  # asyncpg's error as the DB-API one
            except error_class as translated:
                raise DBAPIError.instance(
                    sql, None, translated, error_class, hide_parameters=True
                ) from None
        finally:
            adapter._execute_mutex.release()

    queued.pending.append((queued.path, asyncio.ensure_future(send())))
    await asyncio.sleep(0)


def _write(connection: sqlite3.Connection, sql: str, params: Any) -> None:
    """Run in aiosqlite's thread. The cursor must end there too: ended in the event loop's
    thread, it would reset its statement (shared through sqlite3's statement cache) while the
    next write steps it ("bad parameter or other API misuse")."""
    cursor = connection.cursor()
    try:
        cursor.execute(sql, params)
    finally:
        cursor.close()


def column_defaults(table: Table, given: Sequence[str]) -> dict[str, Any]:
    """The model's plain defaults of the columns not in `given` (a new row needs them: the
    statements here do not go through SQLAlchemy, which would add them)."""
    found = {}
    for column in table.columns:
        default = column.default
        if column.name in given or column.primary_key or default is None:
            continue
        if getattr(default, "is_scalar", False):
            found[column.name] = getattr(default, "arg", None)
    return found


async def upsert(
    session: AsyncSession,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    keys: Sequence[str],
    returning: Sequence[str] = (),
    insert_only: Sequence[str] = ("created_at",),
    queued: Queued | None = None,
) -> list[tuple[Any, ...]]:
    """INSERT ... ON CONFLICT (keys) DO UPDATE for rows (in `columns` order, driver's form)
    that are new or changed; on a conflict every column but the keys and `insert_only` is
    set (a stored row keeps its own values of those). Returns the `returning` columns of the
    rows written."""
    if not rows:
        return []
    connection = await session.connection()
    dialect = connection.dialect
    quote = dialect.identifier_preparer.quote
    updated = [c for c in columns if c not in keys and c not in insert_only]
    head = f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) VALUES "
    tail = f" ON CONFLICT ({', '.join(quote(k) for k in keys)}) DO "
    tail += (
        "UPDATE SET " + ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in updated)
        if updated
        else "NOTHING"
    )
    if returning:
        tail += f" RETURNING {', '.join(quote(c) for c in returning)}"
    width = len(columns)
    if _arrays(connection):
        sql, args = _array_statement(table, columns, rows, dialect)
        result = await connection.exec_driver_sql(sql + tail, args)
        return [tuple(row) for row in result.all()] if returning else []
    written: list[tuple[Any, ...]] = []
    for groups, params in _pages(dialect.paramstyle, rows, width):
        if not returning and await _queue(session, queued, head + groups + tail, params):
            continue
        result = await connection.exec_driver_sql(head + groups + tail, params)
        if returning:
            written.extend(tuple(row) for row in result.all())
    return written


async def insert_rows(
    session: AsyncSession,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    queued: Queued | None = None,
) -> None:
    """A plain bulk insert (reminders of new subjects, audit events), driver's form."""
    if not rows:
        return
    connection = await session.connection()
    dialect = connection.dialect
    quote = dialect.identifier_preparer.quote
    if _arrays(connection):
        sql, args = _array_statement(table, columns, rows, dialect)
        if queued is not None:
            await _queue_arrays(connection, queued, sql, args)
        else:
            await connection.exec_driver_sql(sql, args)
        return
    marks = ", ".join(_placeholder(dialect.paramstyle, n + 1) for n in range(len(columns)))
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) VALUES ({marks})"
    )
    if queued is not None and connection.dialect.driver == "aiosqlite":
        # Queued as multi-row VALUES statements, like the upserts.
        head = sql[: sql.index(" VALUES ") + len(" VALUES ")]
        for groups, params in _pages(dialect.paramstyle, rows, len(columns)):
            await _queue(session, queued, head + groups, params)
        return
    await connection.exec_driver_sql(sql, [tuple(row) for row in rows])


IMPORT_LOCK = 7_261_204  # PostgreSQL's advisory lock key of the import (any number of our own)


async def begin_import(session: AsyncSession) -> None:
    """Mark this transaction as importing: its own writes are not noted as changes
    (storage/import_digest.py). One import at a time: on PostgreSQL a lock held until the
    transaction ends (another import waits for it; each sees only its own mark, so two at once
    could each take the other's writes for its own); on SQLite this first write takes the write
    lock for the whole import, so nothing else writes between the import's reads and its
    writes."""
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        await connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({IMPORT_LOCK})")
    await connection.exec_driver_sql(f"INSERT INTO {import_digest.RUNNING} DEFAULT VALUES")


async def end_import(session: AsyncSession) -> None:
    """The mark taken away before the import commits (a rollback takes it with the rest), and
    the notes of clients that are gone (their rows' deletes noted them; no import reads them)."""
    connection = await session.connection()
    await connection.exec_driver_sql(f"DELETE FROM {import_digest.RUNNING}")
    await connection.exec_driver_sql(
        f"DELETE FROM {import_digest.CHANGES} WHERE client_id NOT IN (SELECT id FROM client)"
    )


async def forget_changes(
    session: AsyncSession, ids: Sequence[int], *, queued: Queued | None = None
) -> None:
    """The change notes an import has read and acted on, by id: a note written after the
    import read them stays, for the next import."""
    if not ids:
        return
    connection = await session.connection()
    dialect = connection.dialect
    if _arrays(connection):
        sql = f"DELETE FROM {import_digest.CHANGES} WHERE id = ANY($1::INTEGER[])"
        if queued is not None:
            await _queue_arrays(connection, queued, sql, (list(ids),))
        else:
            await connection.exec_driver_sql(sql, (list(ids),))
        return
    for first in range(0, len(ids), MAX_PARAMETERS):
        chunk = tuple(ids[first : first + MAX_PARAMETERS])
        marks = ", ".join(_placeholder(dialect.paramstyle, n + 1) for n in range(len(chunk)))
        sql = f"DELETE FROM {import_digest.CHANGES} WHERE id IN ({marks})"
        if not await _queue(session, queued, sql, chunk):
            await connection.exec_driver_sql(sql, chunk)


async def set_digests(
    session: AsyncSession, digests: Sequence[tuple[int, str]], *, queued: Queued | None = None
) -> None:
    """Give stored clients (id, digest) their import digest (storage/import_digest.py).
    `updated_at` stays: the client did not change."""
    if not digests:
        return
    connection = await session.connection()
    dialect = connection.dialect
    column = import_digest.COLUMN
    if _arrays(connection):
        ids, values = _by_column(digests, 2)
        # `client.id = ANY($1)` as well: the clients by their primary key. Joined to unnest
        # alone, the planner read the whole client table for each batch.
        sql = (
            f"UPDATE client SET {column} = v.digest"
            " FROM unnest($1::INTEGER[], $2::VARCHAR[]) AS v(id, digest)"
            " WHERE client.id = v.id AND client.id = ANY($1::INTEGER[])"
        )
        if queued is not None:
            await _queue_arrays(connection, queued, sql, (ids, values))
        else:
            await connection.exec_driver_sql(sql, (ids, values))
        return
    for groups, params in _pages(dialect.paramstyle, digests, 2):
        sql = (
            f"UPDATE client SET {column} = v.column2 FROM (VALUES {groups}) AS v"
            " WHERE client.id = v.column1"
        )
        if not await _queue(session, queued, sql, params):
            await connection.exec_driver_sql(sql, params)


# PostgreSQL plans a query by its tables' statistics. Tables written earlier in the same
# transaction (the first import into an empty store) or committed just before (autovacuum
# analyses them up to a minute later) have none, and then `x = ANY(500 values)` is taken to match
# most rows: the server reads the whole table for every batch, so an import's time grows with the
# square of its size. ANALYZE inside the import's transaction sees the rows it wrote (the
# statistics are for planning only; they do not make the rows visible to anyone else).
READ_BY_KEY = (CLIENT, PLAN, PART, EXAM, APPOINTMENT, TASK, REMINDER)


# The sample ANALYZE takes: 300 x this many rows a table. The planner needs to know that a table
# is large and its key columns nearly unique, which 3,000 rows tell as well as the default
# 30,000; the five ANALYZEs of a 10,000-client import took 0.79 s of the server's time at the
# default, 0.14 to 0.16 s at 10 (`python -m bench.import_cpu --statements`; docs/performance.md,
# "A smaller sample for the import's statistics").
# SET LOCAL: only for the rest of the import's transaction; autovacuum's later ANALYZE takes the
# server's default again.
STATISTICS_TARGET = 10


async def analyze(session: AsyncSession) -> int | None:
    """On PostgreSQL, fresh statistics of the tables the importer reads by key; the number of
    clients stored then (None on SQLite, whose planner uses an index for these anyway).

    A database user who does not own the tables gets a server warning and no statistics: the
    import still works, only slower."""
    connection = await session.connection()
    if connection.dialect.name != "postgresql":
        return None
    quote = connection.dialect.identifier_preparer.quote
    await connection.exec_driver_sql(f"SET LOCAL default_statistics_target = {STATISTICS_TARGET}")
    await connection.exec_driver_sql("ANALYZE " + ", ".join(quote(t.name) for t in READ_BY_KEY))
    result = await connection.exec_driver_sql(f"SELECT count(*) FROM {quote(CLIENT.name)}")
    return int(result.scalar_one())


async def plan_terms(session: AsyncSession, client_ids: Sequence[int]) -> list[Any]:
    """Every plan of these clients with what deadline planning reads, as Python values."""
    connection = await session.connection()
    found: list[Any] = []
    for first in range(0, len(client_ids), MAX_PARAMETERS):
        query = select(
            PLAN.c.id,
            PLAN.c.client_id,
            PLAN.c.version,
            PLAN.c.status,
            PLAN.c.period_end,
            PLAN.c.extended_until,
        ).where(PLAN.c.client_id.in_(client_ids[first : first + MAX_PARAMETERS]))
        found.extend((await connection.execute(query)).all())
    return found


def in_force(plans: Iterable[Any]) -> dict[int, int]:
    """Per client, the id of the plan in force: the newest version established or revised
    (the rule of storage.plans.current, for many clients at once)."""
    newest: dict[int, tuple[int, int]] = {}
    for plan in plans:
        if plan.status in IN_FORCE and plan.version >= newest.get(plan.client_id, (0, -1))[1]:
            newest[plan.client_id] = (plan.id, plan.version)
    return {client_id: plan_id for client_id, (plan_id, _) in newest.items()}


def moment(dialect: str, raw: Any) -> datetime:
    """A moment as the driver returned it, as an aware UTC datetime."""
    if isinstance(raw, str):
        return datetime.fromisoformat(raw).replace(tzinfo=UTC)
    if isinstance(raw, datetime):
        return raw.astimezone(UTC) if raw.tzinfo else raw.replace(tzinfo=UTC)
    raise TypeError("not a moment")


async def reminders_of(
    session: AsyncSession, *, kind: str, subject_ids: Iterable[int]
) -> Sequence[Reminder]:
    """Every reminder row (any status) about these subjects of one kind."""
    ids = list(subject_ids)
    found: list[Reminder] = []
    for first in range(0, len(ids), MAX_PARAMETERS):
        query = orm_select(Reminder).where(
            Reminder.kind == kind, col(Reminder.subject_id).in_(ids[first : first + MAX_PARAMETERS])
        )
        found.extend((await session.exec(query)).all())
    return found


async def save_reminders(session: AsyncSession, rows: Iterable[Reminder]) -> None:
    """Write reminder rows changed in place by planning."""
    session.add_all(list(rows))
    await session.flush()
