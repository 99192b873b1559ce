"""On SQLite the importer queues its writes that return nothing on aiosqlite's thread without
waiting for them (storage/imports.py, Queued): a refusal of one is still reported against the
batch that queued it, and nothing of the import is written."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from casework.importer import ImportRejected, import_file
from casework.planning import PlanningRules
from storage.db import Database

REGION = Path(__file__).resolve().parent.parent / "examples" / "region.json"
NOW = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)


async def test_a_refused_queued_write_is_reported_and_nothing_is_written(db: Database) -> None:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("writes are queued on SQLite only")
    async with db.engine.begin() as conn:
        await conn.exec_driver_sql(
            "CREATE TRIGGER refuse_reminders BEFORE INSERT ON reminder"
            " BEGIN SELECT RAISE(ABORT, 'refused'); END"
        )
    with pytest.raises(
        ImportRejected, match=r"^clients\[0\]: the database refused it \(IntegrityError\)$"
    ):
        await import_file(db, REGION, rules=PlanningRules(), now=NOW)
    async with db.engine.connect() as conn:
        for table in ("client", "plan", "appointment", "task", "reminder", "audit_event"):
            count = (await conn.exec_driver_sql(f"SELECT count(*) FROM {table}")).scalar()
            assert count == 0, table
