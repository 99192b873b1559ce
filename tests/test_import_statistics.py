"""PostgreSQL's statistics during an import (storage/imports.py, analyze).

Without statistics PostgreSQL takes `ref = ANY(500 refs)` to match most of a table and reads
all of it, once per batch of 500 clients: the 100,000-client import spent most of its time in
such scans. The importer therefore analyses the tables it reads by key when it starts and each
time it has more than doubled the clients stored; ANALYZE inside the import's transaction sees
the rows that transaction wrote.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from bench.importing import write_document
from casework import importer
from casework.importer import import_file
from casework.planning import PlanningRules
from storage import imports
from storage.db import Database
from tests import factories

NOW = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)


async def _plan(session: AsyncSession, refs: list[str]) -> str:
    """PostgreSQL's plan of the importer's read of a batch of clients by ref."""
    connection = await session.connection()
    result = await connection.exec_driver_sql(
        "EXPLAIN (FORMAT JSON) SELECT id FROM client WHERE ref = ANY($1::VARCHAR[])", (refs,)
    )
    return json.dumps(result.scalar_one())


async def _clients(session: AsyncSession, count: int) -> None:
    """`count` clients written in the session's transaction, refs r00000000 and on."""
    await imports.upsert(
        session,
        imports.CLIENT,
        factories.IMPORT_CLIENT_COLUMNS,
        factories.import_client_rows(await imports.dialect_of(session), count, "Ann"),
        keys=("ref",),
    )


async def test_after_analyze_a_batch_is_read_by_index_not_by_scanning_the_table(
    db: Database,
) -> None:
    if db.is_sqlite:
        pytest.skip("PostgreSQL's planner; SQLite's uses the index without statistics")
    async with db.transaction() as session:
        await _clients(session, 20_000)
        batch = [f"r{n:08d}" for n in range(0, 20_000, 40)]  # 500 refs
        # Without statistics of the rows written in this transaction: the whole table is read.
        assert "Seq Scan" in await _plan(session, batch)
        assert await imports.analyze(session) == 20_000
        plan = await _plan(session, batch)
        assert "Seq Scan" not in plan and "Index" in plan


async def test_analyze_is_nothing_on_sqlite(db: Database) -> None:
    if not db.is_sqlite:
        pytest.skip("SQLite only")
    async with db.transaction() as session:
        assert await imports.analyze(session) is None


async def test_the_importer_analyzes_at_the_start_and_when_the_clients_have_doubled(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer, "BATCH", 5)
    taken: list[int | None] = []
    real = imports.analyze

    async def counted(session: AsyncSession) -> Any:
        found = await real(session)
        taken.append(found)
        return found

    monkeypatch.setattr(imports, "analyze", counted)
    path = tmp_path / "forty.json"
    size = write_document(path, 40, NOW)
    summary = await import_file(db, path, rules=PlanningRules(), now=NOW, limit=size + 1)
    assert summary["clients"].created == 40
    if db.is_sqlite:
        assert taken == [None]  # asked once, and nothing more done
    else:
        # Clients stored when each was taken: at the start, then before batches 2, 4 and 8.
        assert taken == [0, 5, 15, 35]
    taken.clear()
    again = await import_file(db, path, rules=PlanningRules(), now=NOW, limit=size + 1)
    assert not again.changed
    assert taken == ([None] if db.is_sqlite else [40])  # nothing created: no doubling


async def test_the_statistics_are_a_small_sample_and_the_setting_ends_with_the_import(
    db: Database,
) -> None:
    """A sample of 3,000 rows a table (statistics target 10) tells the planner what it needs
    for lookups by key, in about a fifth of the time the default 30,000 take (docs/performance.md,
    "A smaller sample for the import's statistics")."""
    if db.is_sqlite:
        pytest.skip("PostgreSQL's statistics")
    async with db.transaction() as session:
        await _clients(session, 5_000)
        await imports.analyze(session)
        connection = await session.connection()
        bounds = await connection.exec_driver_sql(
            "SELECT array_length(histogram_bounds::text::text[], 1) FROM pg_stats"
            " WHERE tablename = 'client' AND attname = 'ref'"
        )
        assert bounds.scalar_one() == imports.STATISTICS_TARGET + 1
    async with db.reading() as session:
        connection = await session.connection()
        setting = await connection.exec_driver_sql("SHOW default_statistics_target")
        assert setting.scalar_one() == "100"
