"""storage.db.ensure_database: a PostgreSQL database that is missing is created (the benchmarks'
`--postgres-url` and the test workers' databases); one that exists is left as it is."""

from __future__ import annotations

import secrets

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from storage.db import Database, ensure_database


async def test_a_missing_database_is_created_once(db: Database) -> None:
    if not db.is_postgres:
        assert await ensure_database(db.url) is False  # SQLite makes its file itself
        return
    name = f"ensure_{secrets.token_hex(4)}"
    url = make_url(db.url).set(database=name).render_as_string(hide_password=False)
    admin = create_async_engine(
        make_url(db.url).set(database="postgres").render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
    )
    try:
        assert await ensure_database(url) is True
        assert await ensure_database(url) is False
        fresh = create_async_engine(url)
        try:
            async with fresh.connect() as conn:
                assert await conn.scalar(text("SELECT current_database()")) == name
        finally:
            await fresh.dispose()
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()
