"""The importer's queries and writes (casework/importer.py decides, this module writes).

Everything here works on sets of rows: one SELECT per table for a batch of clients, and one
`INSERT ... ON CONFLICT (key) DO UPDATE` per table for the rows that are new or changed
(SQLite and PostgreSQL both have it, through SQLAlchemy's dialect inserts). Unchanged rows are
never sent, so their `updated_at` stays as it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Row, Table, bindparam, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col
from sqlmodel import select as orm_select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.enums import PlanStatus
from storage.models import (
    Appointment,
    AuditEvent,
    Client,
    ExamAttempt,
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


async def _rows(session: AsyncSession, query: Any) -> list[Row[Any]]:
    connection = await session.connection()
    return list((await connection.execute(query)).all())


async def clients_by_ref(session: AsyncSession, refs: Sequence[str]) -> list[Row[Any]]:
    return await _rows(session, select(CLIENT).where(CLIENT.c.ref.in_(refs)))


async def plans_of(session: AsyncSession, client_ids: Sequence[int]) -> list[Row[Any]]:
    return await _rows(session, select(PLAN).where(PLAN.c.client_id.in_(client_ids)))


async def parts_of(session: AsyncSession, plan_ids: Sequence[int]) -> list[Row[Any]]:
    return await _rows(session, select(PART).where(PART.c.plan_id.in_(plan_ids)))


async def exams_of(session: AsyncSession, client_ids: Sequence[int]) -> list[Row[Any]]:
    return await _rows(session, select(EXAM).where(EXAM.c.client_id.in_(client_ids)))


async def appointments_of(session: AsyncSession, client_ids: Sequence[int]) -> list[Row[Any]]:
    return await _rows(session, select(APPOINTMENT).where(APPOINTMENT.c.client_id.in_(client_ids)))


async def tasks_of(session: AsyncSession, client_ids: Sequence[int]) -> list[Row[Any]]:
    return await _rows(session, select(TASK).where(TASK.c.client_id.in_(client_ids)))


async def plans_in_force(session: AsyncSession, client_ids: Sequence[int]) -> dict[int, int]:
    """Per client, the id of the plan in force: the newest version established or revised
    (the rule of storage.plans.current, for many clients at once)."""
    query = (
        select(PLAN.c.client_id, PLAN.c.id)
        .where(PLAN.c.client_id.in_(client_ids), PLAN.c.status.in_(IN_FORCE))
        .order_by(PLAN.c.client_id, PLAN.c.version)
    )
    return {row.client_id: row.id for row in await _rows(session, query)}


async def upsert(
    session: AsyncSession,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    keys: Sequence[str],
    returning: Sequence[str] = (),
) -> list[Row[Any]]:
    """INSERT ... ON CONFLICT (keys) DO UPDATE for rows that are new or changed.

    Every row carries the same columns; on a conflict all of them but the keys and
    `created_at` are set. Returns the `returning` columns of every row written.
    """
    if not rows:
        return []
    connection = await session.connection()
    dialect = connection.dialect.name
    insert = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    columns = [name for name in rows[0] if name not in keys and name != "created_at"]
    statement = insert.on_conflict_do_update(
        index_elements=[table.c[name] for name in keys],
        set_={name: insert.excluded[name] for name in columns},
    )
    if not returning:
        await connection.execute(statement, list(rows))
        return []
    statement_returning = statement.returning(*(table.c[name] for name in returning))
    result = await connection.execute(statement_returning, list(rows))
    return list(result.all())


async def insert_rows(
    session: AsyncSession, table: Table, rows: Sequence[Mapping[str, Any]]
) -> None:
    """A plain bulk insert (reminders of new subjects, audit events)."""
    if rows:
        connection = await session.connection()
        await connection.execute(table.insert(), list(rows))


async def reminders_of(
    session: AsyncSession, *, kind: str, subject_ids: Iterable[int]
) -> Sequence[Reminder]:
    """Every reminder row (any status) about these subjects of one kind."""
    ids = list(subject_ids)
    if not ids:
        return []
    query = orm_select(Reminder).where(Reminder.kind == kind, col(Reminder.subject_id).in_(ids))
    return (await session.exec(query)).all()


async def save_reminders(session: AsyncSession, rows: Iterable[Reminder]) -> None:
    """Write reminder rows changed in place by planning."""
    session.add_all(list(rows))
    await session.flush()


async def update_by_id(
    session: AsyncSession, table: Table, rows: Sequence[Mapping[str, Any]]
) -> None:
    """UPDATE ... WHERE id = :id for rows with the same columns (an executemany)."""
    if not rows:
        return
    names = [name for name in rows[0] if name != "id"]
    statement = (
        update(table)
        .where(table.c.id == bindparam("row_id"))
        .values({name: bindparam(f"v_{name}") for name in names})
    )
    params = [{"row_id": row["id"], **{f"v_{n}": row[n] for n in names}} for row in rows]
    connection = await session.connection()
    await connection.execute(statement, params)


def key_pairs(column_a: Any, column_b: Any, pairs: Sequence[tuple[Any, Any]]) -> Any:
    """(a, b) IN ((..), ..) for composite keys."""
    return tuple_(column_a, column_b).in_(pairs)
