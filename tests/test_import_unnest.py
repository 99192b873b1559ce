"""storage/imports.py's set-based writes: on PostgreSQL (asyncpg) one `INSERT ... SELECT * FROM
unnest($1::t1[], ...)` per batch, on SQLite pages of VALUES; both give the same rows back."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.exc import DBAPIError
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import imports
from storage.db import Database
from tests import factories

STAMP = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
COLUMNS = factories.IMPORT_CLIENT_COLUMNS


async def test_upsert_and_fetch_many_rows_match_by_key(db: Database) -> None:
    count = imports.MAX_PARAMETERS // len(COLUMNS) + 7  # more than one page of VALUES
    async with AsyncSession(db.engine) as session:
        dialect = await imports.dialect_of(session)

        async def upsert(name: str, **options: Any) -> dict[str, int]:
            rows = factories.import_client_rows(dialect, count, name)
            written = await imports.upsert(
                session,
                imports.CLIENT,
                COLUMNS,
                rows,
                keys=("ref",),
                returning=("ref", "id"),
                **options,
            )
            return dict(written)

        ids = await upsert("Ann")
        assert len(ids) == count
        again = await upsert("Bo", insert_only=(*factories.IMPORT_CLIENT_DEFAULTS, "created_at"))
        assert again == ids  # updated in place, same ids
        found = await imports.fetch(
            session,
            imports.CLIENT,
            ("id", "ref", "first_name"),
            where="id",
            values=list(ids.values()),
        )
        assert sorted((row[1], row[0], row[2]) for row in found) == sorted(
            (ref, client_id, "Bo") for ref, client_id in ids.items()
        )
        await imports.insert_rows(
            session,
            imports.AUDIT,
            ("actor_kind", "action", "subject_kind", "detail", "at", "created_at", "updated_at"),
            [("system", "x", "client", "", *[imports.native(dialect, STAMP)] * 3)] * 3,
        )
        stored = await imports.fetch(
            session, imports.AUDIT, ("action",), where="action", values=["x"]
        )
        assert len(stored) == 3


async def test_postgresql_refuses_a_value_too_long_instead_of_cutting_it(db: Database) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite does not check a VARCHAR's length")
    async with AsyncSession(db.engine) as session:
        # first_name is VARCHAR(100)
        rows = factories.import_client_rows("postgresql", 1, "A" * 101)
        with pytest.raises(DBAPIError, match="too long"):
            await imports.upsert(session, imports.CLIENT, COLUMNS, rows, keys=("ref",))


def test_array_types_drop_lengths() -> None:
    from sqlalchemy.dialects import postgresql

    dialect = postgresql.asyncpg.dialect()  # type: ignore[attr-defined]
    assert imports.array_type(imports.CLIENT, "ref", dialect) == "VARCHAR[]"
    assert imports.array_type(imports.CLIENT, "created_at", dialect) == (
        "TIMESTAMP WITH TIME ZONE[]"
    )
    assert imports.array_type(imports.CLIENT, "remind_tasks", dialect) == "BOOLEAN[]"
    assert imports.array_type(imports.CLIENT, "integration_start", dialect) == "DATE[]"


def _postgresql() -> Any:
    from sqlalchemy.dialects import postgresql

    return postgresql.asyncpg.dialect()  # type: ignore[attr-defined]


def test_a_column_with_one_value_in_every_row_is_sent_once() -> None:
    rows = [(1, "task", None, STAMP), (2, "task", None, STAMP), (3, "task", None, STAMP)]
    columns = ("client_id", "kind", "event_at", "created_at")
    sql, args = imports._array_statement(imports.REMINDER, columns, rows, _postgresql())
    assert args == ([1, 2, 3], "task", None, STAMP)
    assert "unnest($1::INTEGER[]) AS u(c1)" in sql
    assert "SELECT u.c1, $2::VARCHAR, $3::TIMESTAMP WITH TIME ZONE, $4::TIMESTAMP" in sql


def test_one_row_and_rows_all_alike_still_give_unnest_an_array() -> None:
    columns = ("client_id", "kind")
    one_sql, one = imports._array_statement(imports.REMINDER, columns, [(7, "task")], _postgresql())
    assert one == ([7], ["task"])
    assert "$2::VARCHAR[]" in one_sql
    alike_sql, alike = imports._array_statement(
        imports.REMINDER, columns, [(7, "task")] * 3, _postgresql()
    )
    assert alike == ([7, 7, 7], "task")  # the count of rows comes from the one array
    assert "unnest($1::INTEGER[])" in alike_sql


async def test_rows_with_shared_values_are_stored_as_given(db: Database) -> None:
    """Constant and varying columns side by side, a shared NULL, a shared False."""
    async with AsyncSession(db.engine) as session:
        dialect = await imports.dialect_of(session)
        rows = factories.import_client_rows(dialect, 5, "Ann")
        ref, ann = COLUMNS.index("ref"), COLUMNS.index("first_name")
        rows[2] = (*rows[2][:ann], "Bo", *rows[2][ann + 1 :])  # one name differs
        written = await imports.upsert(
            session, imports.CLIENT, COLUMNS, rows, keys=("ref",), returning=("ref", "id")
        )
        assert len(written) == 5
        stored = await imports.fetch(
            session, imports.CLIENT, COLUMNS, where="ref", values=[row[ref] for row in rows]
        )
        assert sorted(tuple(row) for row in stored) == sorted(rows)


async def test_a_shared_value_too_long_is_refused_not_cut(db: Database) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite does not check a VARCHAR's length")
    async with AsyncSession(db.engine) as session:
        rows = factories.import_client_rows("postgresql", 3, "A" * 101)  # the same in each row
        with pytest.raises(DBAPIError, match="too long"):
            await imports.upsert(session, imports.CLIENT, COLUMNS, rows, keys=("ref",))
