"""Fill a store fast with linked clients, plans, a year of appointments, tasks and reminders.

Bulk inserts with explicit ids, so that a step can add clients `start..end` next to those
already there. Not the importer: that one is measured on its own. The rows are the benchmark's
own, so the fill takes the shortest way in: on SQLite one plain `sqlite3` connection without
fsync or journal (`synchronous=OFF`, `journal_mode=OFF`, no foreign-key checks) and
`executemany` of tuples; on PostgreSQL `COPY` (asyncpg's `copy_records_to_table`, foreign-key
triggers off). Values go through the columns' own bind processing (SQLAlchemy's, as an ORM
insert would store them) and unset columns get their defaults, so the rows are the same as
SQLAlchemy's `insert` would write (tests/test_bench_generate.py). The table's own indexes are
dropped for the load and built again after it. 100,000 clients with a million reminders (2.9
million rows) take about 70 s on either database on the shared 2-core machine (SQLAlchemy's
executemany: 6 s per 1,000 clients there).
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Table, func, select, text
from sqlalchemy.engine import Dialect, make_url

from storage.db import Database
from storage.enums import ClientStatus
from storage.models import Appointment, Client, Plan, PlanPart, Reminder, Task

CHAT_BASE = 20_000_000  # telegram chat id and user id of generated client i is CHAT_BASE + i
LOCALES = ("nl", "en", "ar", "tr", "fa", "ti", "so", "uk")
MUNICIPALITIES = ("Hoorn", "Enkhuizen", "Medemblik", "Dordrecht", "Zwijndrecht", "Utrecht")
APPOINTMENT_KINDS = ("progress_meeting", "lesson", "exam", "home_visit", "pip_meeting")
PART_KINDS = ("reading", "knm", "map")
APPOINTMENTS_PER_CLIENT = 8  # one every six or seven weeks over a year, half behind us
TASKS_PER_CLIENT = 6  # four open, two done
OPEN_TASKS = 4
CHUNK = 50_000

_client: Table = Client.__table__  # type: ignore[attr-defined]
_plan: Table = Plan.__table__  # type: ignore[attr-defined]
_part: Table = PlanPart.__table__  # type: ignore[attr-defined]
_appointment: Table = Appointment.__table__  # type: ignore[attr-defined]
_task: Table = Task.__table__  # type: ignore[attr-defined]
_reminder: Table = Reminder.__table__  # type: ignore[attr-defined]
FILLED = (_client, _plan, _part, _appointment, _task, _reminder)


def chat_of(index: int) -> int:
    return CHAT_BASE + index


def client_id_of(index: int) -> int:
    return index + 1


def _chunks(rows: Iterator[dict[str, Any]], size: int = CHUNK) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _clients(start: int, end: int, now: datetime) -> Iterator[dict[str, Any]]:
    stamp = {"created_at": now, "updated_at": now}
    for i in range(start, end):
        yield {
            "id": client_id_of(i),
            "ref": f"G-{i:08d}",
            "first_name": "Client",
            "municipality": MUNICIPALITIES[i % len(MUNICIPALITIES)],
            "locale": LOCALES[i % len(LOCALES)],
            "status": ClientStatus.ACTIVE,
            "telegram_chat_id": chat_of(i),
            "telegram_user_id": chat_of(i),
            "consent_at": now - timedelta(days=60),
            "linked_at": now - timedelta(days=60),
            "integration_start": date(2025, 3, 1),
            "integration_end": date(2028, 3, 1),
            **stamp,
        }


def _plans(start: int, end: int, now: datetime) -> Iterator[dict[str, Any]]:
    for i in range(start, end):
        yield {
            "id": client_id_of(i),
            "client_id": client_id_of(i),
            "version": 1,
            "status": "established",
            "decision_date": date(2025, 2, 28),
            "period_start": date(2025, 3, 1),
            "period_end": date(2028, 3, 1),
            "learning_route": "b1",
            "target_level": "B1",
            "monitoring": "Progress meeting (voortgangsgesprek) every three months.",
            "summary": "You follow the B1-route: Dutch lessons, the B1 exams, KNM, MAP and PVT.",
            "created_at": now,
            "updated_at": now,
        }


def _parts(start: int, end: int, now: datetime) -> Iterator[dict[str, Any]]:
    per = len(PART_KINDS)
    for i in range(start, end):
        for k, kind in enumerate(PART_KINDS):
            yield {
                "id": client_id_of(i) * per + k,
                "plan_id": client_id_of(i),
                "external_id": f"p{k}",
                "kind": kind,
                "title": f"Part {k + 1}",
                "planned_hours": 100,
                "done_hours": 20 * k,
                "status": "in_progress",
                "target_date": date(2027, 3, 31),
                "provider": "Taalcentrum",
                "position": k,
                "created_at": now,
                "updated_at": now,
            }


def _appointments(start: int, end: int, now: datetime) -> Iterator[dict[str, Any]]:
    per = APPOINTMENTS_PER_CLIENT
    first = now.replace(minute=0, second=0, microsecond=0) - timedelta(days=180)
    for i in range(start, end):
        for k in range(per):
            starts = first + timedelta(days=46 * k + i % 40, hours=i % 7)
            yield {
                "id": client_id_of(i) * per + k,
                "client_id": client_id_of(i),
                "external_id": f"a{k}",
                "kind": APPOINTMENT_KINDS[(i + k) % len(APPOINTMENT_KINDS)],
                "starts_at": starts,
                "ends_at": starts + timedelta(hours=1),
                "place_name": "Gemeentehuis",
                "address": "Nieuwe Steen 1, 1625 HV Hoorn",
                "status": "done" if starts < now else "planned",
                "created_at": now,
                "updated_at": now,
            }


def _tasks(start: int, end: int, now: datetime) -> Iterator[dict[str, Any]]:
    per = TASKS_PER_CLIENT
    today = now.date()
    for i in range(start, end):
        for k in range(per):
            done = k >= OPEN_TASKS
            yield {
                "id": client_id_of(i) * per + k,
                "client_id": client_id_of(i),
                "external_id": f"t{k}",
                "title": f"Bring document {k + 1} to the desk",
                "due_date": today + timedelta(days=7 * (k + 1)),
                "status": "done" if done else "open",
                "done_at": now - timedelta(days=k) if done else None,
                "done_by": "client" if done else None,
                "created_at": now,
                "updated_at": now,
            }


def _reminders(
    first_id: int, count: int, due: int, clients: int, now: datetime
) -> Iterator[dict[str, Any]]:
    """`count` rows: the first `due` pending and due now, the others sent or in the future."""
    for n in range(count):
        row_id = first_id + n
        client_id = 1 + row_id % clients
        if n < due:
            status, at = "pending", now - timedelta(minutes=1 + n % 30)
        elif n % 2:
            status, at = "sent", now - timedelta(days=1 + n % 300)
        else:
            status, at = "pending", now + timedelta(days=1 + n % 300)
        yield {
            "id": row_id,
            "client_id": client_id,
            "kind": "appointment",
            "subject_id": client_id * APPOINTMENTS_PER_CLIENT,
            "dedup_key": f"bench:{row_id}",
            "due_at": at,
            "available_at": at,
            "event_at": at + timedelta(hours=24),
            "status": status,
            "sent_at": at if status == "sent" else None,
            "created_at": now,
            "updated_at": now,
        }


Layout = tuple[list[str], Callable[[dict[str, Any]], tuple[Any, ...]]]


def layout(table: Table, keys: Sequence[str], dialect: Dialect) -> Layout:
    """The columns to write for rows with these keys, and how to turn a row into their tuple.

    A column missing from the rows gets its default (evaluated once: the generated rows are
    alike), a column without one is left out (NULL). Every value passes the column type's bind
    processing for the dialect, as SQLAlchemy's own insert does it."""
    names: list[str] = []
    fixed: dict[str, Any] = {}
    for column in table.columns:
        if column.name in keys:
            names.append(column.name)
        elif column.default is not None and getattr(column.default, "arg", None) is not None:
            default: Any = column.default
            value = default.arg(None) if default.is_callable else default.arg
            fixed[column.name] = value.value if isinstance(value, enum.Enum) else value
            names.append(column.name)
    processors = [_memoised(_processor(table, name, dialect)) for name in names]
    pairs = [
        (name, name in fixed, fixed.get(name), process)
        for name, process in zip(names, processors, strict=True)
    ]

    def row_of(row: dict[str, Any]) -> tuple[Any, ...]:
        values = []
        for name, is_fixed, default, process in pairs:
            value = default if is_fixed else row[name]
            values.append(value if process is None or value is None else process(value))
        return tuple(values)

    return names, row_of


def _processor(table: Table, name: str, dialect: Dialect) -> Callable[[Any], Any] | None:
    """What SQLAlchemy does to a value of this column before the driver gets it (for a type
    decorator: its own step, then its dialect type's, e.g. a moment to SQLite's text form)."""
    column_type = table.c[name].type
    return column_type.dialect_impl(dialect).bind_processor(dialect)


def _memoised(process: Callable[[Any], Any] | None) -> Callable[[Any], Any] | None:
    """A bind processor that remembers its answers: the generated values repeat a lot (the
    same few moments and dates), and converting a moment is most of a row's cost."""
    if process is None:
        return None
    seen: dict[Any, Any] = {}

    def remembered(value: Any) -> Any:
        try:
            return seen[value]
        except KeyError:
            seen[value] = answer = process(value)
            return answer
        except TypeError:  # not hashable
            return process(value)

    return remembered


async def _insert(db: Database, table: Table, rows: Iterator[dict[str, Any]]) -> int:
    """Write the rows in chunks; the next chunk is built while the last one is written."""
    total = 0
    shape: Layout | None = None
    writing: asyncio.Future[None] | None = None
    sqlite = None
    if db.is_sqlite:
        await db.engine.dispose()  # its pooled connections would keep the file in WAL mode
        sqlite = _SqliteFill(_sqlite_path(db))
    if sqlite is not None:
        rebuild = await asyncio.to_thread(sqlite.drop_indexes, table)
    else:
        rebuild = await _drop_indexes(db, table)
    try:
        for batch in _chunks(rows):
            if shape is None:
                shape = layout(table, list(batch[0]), db.engine.dialect)
            names, row_of = shape
            records = [row_of(row) for row in batch]
            if writing is not None:
                await writing
            if sqlite is not None:
                writing = asyncio.ensure_future(
                    asyncio.to_thread(sqlite.insert, table, names, records)
                )
            else:
                writing = asyncio.ensure_future(_copy(db, table, names, records))
            total += len(batch)
        if writing is not None:
            await writing
    finally:
        if writing is not None and not writing.done():  # failed before it was awaited
            await asyncio.wait([writing])
        if sqlite is not None:
            await asyncio.to_thread(sqlite.build, rebuild)
            await asyncio.to_thread(sqlite.close)
        elif rebuild:
            async with db.engine.begin() as connection:
                for definition in rebuild:
                    await connection.exec_driver_sql(definition)
    return total


async def _drop_indexes(db: Database, table: Table) -> list[str]:
    """Drop a PostgreSQL table's plain indexes (not those of its primary key or constraints)
    for a bulk load, and return how to build them again: one sort is much cheaper than
    millions of insertions into each index."""
    async with db.engine.begin() as connection:
        result = (
            await connection.exec_driver_sql(
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x"
                " JOIN pg_class i ON i.oid = x.indexrelid"
                " WHERE x.indrelid = $1::regclass AND NOT x.indisprimary"
                " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)",
                (table.name,),
            )
        ).all()
        rows: list[tuple[str, str]] = [(str(r[0]), str(r[-1])) for r in result]
        for name, _ in rows:
            await connection.exec_driver_sql(f'DROP INDEX "{name}"')
    return [definition for _, definition in rows]


def _sqlite_path(db: Database) -> str:
    path = make_url(db.url).database
    if not path or path == ":memory:":
        raise ValueError("the fast fill needs an SQLite file")
    return path


class _SqliteFill:
    """One connection of its own, no journal, no fsync, a big page cache: the benchmark's own
    rows in its own file, where a crash only means filling again. The store's connections put
    the file back in WAL mode when they connect (storage/db.py)."""

    def __init__(self, path: str) -> None:
        self.connection = sqlite3.connect(path, timeout=60, check_same_thread=False)
        with contextlib.suppress(sqlite3.OperationalError):  # another process has it open
            self.connection.execute("PRAGMA journal_mode=OFF")  # (then WAL, still no fsync)
        self.connection.execute("PRAGMA synchronous=OFF")
        self.connection.execute("PRAGMA foreign_keys=OFF")
        self.connection.execute("PRAGMA cache_size=-262144")  # 256 MiB

    def insert(self, table: Table, names: list[str], records: list[tuple[Any, ...]]) -> None:
        statement = (
            f"INSERT INTO {table.name} ({', '.join(names)}) "
            f"VALUES ({', '.join('?' for _ in names)})"
        )
        with self.connection:
            self.connection.executemany(statement, records)

    def drop_indexes(self, table: Table) -> list[str]:
        """Drop the table's own indexes (not those of its constraints) for the load; how to
        build them again (one sort each instead of an insertion per row)."""
        found = self.connection.execute(
            "SELECT name, sql FROM sqlite_master"
            " WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
            (table.name,),
        ).fetchall()
        for name, _ in found:
            self.connection.execute(f'DROP INDEX "{name}"')
        return [sql for _, sql in found]

    def build(self, definitions: list[str]) -> None:
        for definition in definitions:
            self.connection.execute(definition)

    def close(self) -> None:
        self.connection.close()


async def _copy(
    db: Database, table: Table, names: list[str], records: list[tuple[Any, ...]]
) -> None:
    """PostgreSQL's COPY through asyncpg (its own transaction), without waiting for the WAL's
    flush and without the foreign keys' per-row triggers: the benchmark's own, consistent rows
    (the generator numbers every reference itself)."""
    async with db.engine.connect() as connection:
        raw = await connection.get_raw_connection()
        driver: Any = raw.driver_connection
        await driver.execute("SET synchronous_commit TO off")
        await driver.execute("SET session_replication_role TO replica")
        try:
            await driver.copy_records_to_table(table.name, records=records, columns=names)
        finally:
            await driver.execute("RESET session_replication_role; RESET synchronous_commit")


async def fill_clients(db: Database, start: int, end: int, *, now: datetime) -> int:
    """Clients `start..end` (0-based) with plan, parts, appointments and tasks; rows written."""
    written = 0
    for table, rows in (
        (_client, _clients(start, end, now)),
        (_plan, _plans(start, end, now)),
        (_part, _parts(start, end, now)),
        (_appointment, _appointments(start, end, now)),
        (_task, _tasks(start, end, now)),
    ):
        written += await _insert(db, table, rows)
    await after_bulk(db)
    return written


async def fill_reminders(
    db: Database, *, first_id: int, count: int, due: int, clients: int, now: datetime
) -> int:
    written = await _insert(db, _reminder, _reminders(first_id, count, due, clients, now))
    await after_bulk(db)
    return written


async def after_bulk(db: Database, tables: Sequence[Table] = FILLED) -> None:
    """Move PostgreSQL's id sequences past the explicit ids; refresh planner statistics."""
    async with db.transaction() as session:
        connection = await session.connection()
        if db.is_postgres:
            for table in tables:
                top = (await connection.execute(select(func.max(table.c.id)))).scalar() or 0
                if top:
                    await connection.execute(
                        text("SELECT setval(pg_get_serial_sequence(:t, 'id'), :v)"),
                        {"t": table.name, "v": top},
                    )
    async with db.engine.connect() as connection:
        conn = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("ANALYZE"))
