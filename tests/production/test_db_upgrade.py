"""`inburgerbot db upgrade` from several processes at once (every replica runs it at start)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from sqlalchemy import inspect
from sqlmodel import SQLModel

from storage import migrate
from storage.db import Database
from tests.production.support import ROOT, fresh_database, needs_postgres, run_cli

PROCESSES = 3


@needs_postgres
async def test_three_processes_upgrade_one_database_at_once(tmp_path: Path) -> None:
    head = migrate.head_revision()
    async with fresh_database("postgresql", tmp_path) as url:
        env = {"INBURGERBOT_DATABASE_URL": url}
        results = await asyncio.gather(
            *(run_cli("db", "upgrade", env=_env(env), cwd=tmp_path) for _ in range(PROCESSES))
        )
        assert [code for code, _ in results] == [0] * PROCESSES, results
        assert all(out.strip().endswith(f"database at revision {head}") for _, out in results)
        assert await migrate.current_revision(url) == head
        db = Database(url)
        async with db.engine.connect() as conn:
            tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
        await db.dispose()
        assert set(SQLModel.metadata.tables) | {"alembic_version"} == tables


def _env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INBURGERBOT_")}
    return {**env, **extra, "PYTHONPATH": str(ROOT)}
