"""Fill a store fast with linked clients, plans, a year of appointments, tasks and reminders.

Bulk inserts (SQLAlchemy core, executemany) with explicit ids, so that a step can add clients
`start..end` next to those already there. Not the importer: that one is measured on its own.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Table, func, insert, select, text

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
CHUNK = 5_000

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


async def _insert(db: Database, table: Table, rows: Iterator[dict[str, Any]]) -> int:
    total = 0
    for batch in _chunks(rows):
        async with db.transaction() as session:
            await (await session.connection()).execute(insert(table), batch)
        total += len(batch)
    return total


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
