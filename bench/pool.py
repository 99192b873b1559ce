"""What a connection pool smaller than the updates in hand costs: `python -m bench.pool`.

    python -m bench.pool                              # SQLite
    python -m bench.pool --postgres-url postgresql+asyncpg://postgres@127.0.0.1:5432/pool

The bot handles up to UPDATE_CONCURRENCY (16) updates at once, and each holds a database
session while it reads. SQLAlchemy's queue pool keeps `pool_size` connections and closes every
connection beyond them when its session ends, so with more sessions at once than the pool holds,
most sessions open a connection and close it again: on SQLite a thread and four pragmas, on
PostgreSQL a login and the driver's set-up. Here each "update" is the gate's read of the client
and the ✅ screen's read, each in its own read session as the bot does (against the store of
`bench/queries.py`), run 1 or 16 at a time, with a pool of 5 (SQLAlchemy's default for SQLite
and this project's default before 4 December) and of 20 (UPDATE_CONCURRENCY + 4, the default
since). Figures: the process's CPU time per update (`time.process_time`, aiosqlite's threads
included), wall time per update, and the connections opened.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlmodel import SQLModel

from bench import queries
from storage import clients, tasks
from storage.db import Database, ensure_database
from storage.ids import pk

POOLS = (5, 20)
AT_ONCE = (1, 16)


async def _run(url: str, pool_size: int, updates: int) -> list[dict[str, Any]]:
    db = Database(url, pool_size=pool_size, max_overflow=5)
    try:
        async with db.engine.begin() as connection:
            await connection.run_sync(SQLModel.metadata.drop_all)
            await connection.run_sync(SQLModel.metadata.create_all)
        await queries._fill(db)
        async with db.reading() as session:
            client = await clients.by_chat(session, chat_id=queries.CHAT_ID)
        assert client is not None
        opened: list[int] = []
        event.listen(db.engine.sync_engine, "connect", lambda *_: opened.append(1))

        async def update() -> None:
            async with db.reading() as session:
                await clients.by_chat(session, chat_id=queries.CHAT_ID)
            await asyncio.sleep(0)  # the handler's turn to wait: other updates run
            async with db.reading() as session:
                await tasks.screen(session, client_id=pk(client))

        rows = []
        for at_once in AT_ONCE:
            for _ in range(4):  # warm: the pool filled, the statements compiled
                await asyncio.gather(*(update() for _ in range(at_once)))
            opened.clear()
            cpu, wall = time.process_time(), time.perf_counter()
            for _ in range(updates // at_once):
                await asyncio.gather(*(update() for _ in range(at_once)))
            done = at_once * (updates // at_once)
            rows.append(
                {
                    "pool": pool_size,
                    "at_once": at_once,
                    "cpu_ms": 1000 * (time.process_time() - cpu) / done,
                    "wall_ms": 1000 * (time.perf_counter() - wall) / done,
                    "opened": len(opened),
                    "updates": done,
                }
            )
        return rows
    finally:
        await db.dispose()


async def measure(url: str | None, updates: int) -> list[dict[str, Any]]:
    rows = []
    if url is not None:
        await ensure_database(url)
    with tempfile.TemporaryDirectory() as folder:
        for pool_size in POOLS:
            target = url or f"sqlite+aiosqlite:///{Path(folder) / f'pool{pool_size}.db'}"
            rows += await _run(target, pool_size, updates)
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pool", description=__doc__)
    parser.add_argument("--updates", type=int, default=3200, help="updates per row (3200)")
    parser.add_argument("--postgres-url", help="PostgreSQL database to use (emptied first)")
    args = parser.parse_args(argv)
    rows = asyncio.run(measure(args.postgres_url, args.updates))
    print("| pool | at once | CPU ms per update | wall ms per update | connections opened |")
    print("|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['pool']} | {row['at_once']} | {row['cpu_ms']:.2f} | {row['wall_ms']:.2f} "
            f"| {row['opened']} of {row['updates']} updates |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
