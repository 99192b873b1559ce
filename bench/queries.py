"""CPU per call of the bot's hot queries, in one process: `python -m bench.queries`.

Each repository call the screens and the gate make (storage.clients.by_chat, plans.screen,
appointments.upcoming_with_staff, tasks.screen, tasks.of_client) runs `--calls` times against a
fresh SQLite file holding one client with a plan of five parts, four appointments with a staff
member and four tasks, each call in its own read-only session, as the bot does. The figure is
`time.process_time()` per call (the process's CPU, aiosqlite's thread included), so a busy
machine disturbs it much less than wall time. It is the evidence for building statements once
(docs/performance.md, "Statements built once").

Two more rows show what any read costs, whatever its statement: a read-only session running
`SELECT 1`, and the calls each session hands to aiosqlite's thread (counted by wrapping
aiosqlite's `Connection._execute`, through which every call goes; each is a hop to that thread
and back to the event loop). A read session hands none: its SELECT runs in the event loop's
thread (storage/sqlite_driver.py).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiosqlite.core
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import appointments, clients, plans, tasks
from storage.db import Database
from storage.ids import pk
from tests import factories

CHAT_ID = 4242

Call = Callable[[AsyncSession], Awaitable[Any]]


async def _fill(db: Database) -> dict[str, Call]:
    async with db.transaction() as session:
        org = await factories.organisation(session)
        worker = await factories.staff(session, organisation=org)
        client = await factories.client(
            session, caseworker_id=worker.id, social_guide_id=worker.id, telegram_chat_id=CHAT_ID
        )
        await factories.plan(session, client=client, parts=5)
        made = []
        for day in range(1, 5):
            starts = factories.NOW + timedelta(days=day)
            await factories.appointment(
                session,
                client=client,
                starts_at=starts,
                ends_at=starts + timedelta(hours=1),
                staff_id=worker.id,
            )
            made.append(await factories.task(session, client=client))
    client_id, task_id = pk(client), pk(made[0])
    now = factories.NOW
    return {
        "clients.by_chat (the gate)": lambda s: clients.by_chat(s, chat_id=CHAT_ID),
        "plans.screen (📋)": lambda s: plans.screen(s, client_id=client_id),
        "appointments.upcoming_with_staff (📅)": lambda s: appointments.upcoming_with_staff(
            s, client_id=client_id, now=now
        ),
        "tasks.screen (✅)": lambda s: tasks.screen(s, client_id=client_id),
        "tasks.of_client (a task button)": lambda s: tasks.of_client(
            s, client_id=client_id, task_id=task_id
        ),
    }


async def _select_one(session: AsyncSession) -> None:
    connection = await session.connection()
    await connection.exec_driver_sql("SELECT 1")


@asynccontextmanager
async def _store() -> AsyncIterator[tuple[Database, dict[str, Call]]]:
    """A fresh SQLite file with the one client, and each call to measure."""
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite+aiosqlite:///{Path(folder) / 'queries.db'}")
        try:
            async with db.engine.begin() as conn:
                await conn.run_sync(SQLModel.metadata.create_all)
            calls = await _fill(db)
            yield db, {**calls, "a read session running SELECT 1": _select_one}
        finally:
            await db.dispose()


async def measure(calls: int) -> dict[str, float]:
    async with _store() as (db, measured):
        figures: dict[str, float] = {}
        for name, call in measured.items():
            async with db.reading() as session:
                await call(session)  # compiled and cached once, as in a running bot
            started = time.process_time()
            for _ in range(calls):
                async with db.reading() as session:
                    await call(session)
            figures[name] = 1000 * (time.process_time() - started) / calls
        return figures


@contextmanager
def counting() -> Iterator[list[str]]:
    """The names of the calls handed to aiosqlite's thread while inside (every call goes through
    aiosqlite's `Connection._execute`, wrapped here and put back after)."""
    handed: list[str] = []
    real = aiosqlite.core.Connection._execute

    async def counted(self: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
        handed.append(getattr(fn, "__name__", type(fn).__name__))
        return await real(self, fn, *args, **kwargs)

    aiosqlite.core.Connection._execute = counted  # type: ignore[method-assign]
    try:
        yield handed
    finally:
        aiosqlite.core.Connection._execute = real  # type: ignore[method-assign]


async def hops(*, write: bool = False) -> list[str]:
    """The calls one read session (the gate's `clients.by_chat`) hands to aiosqlite's thread;
    with `write`, those of a transaction that reads the client and changes its language."""

    async def writing(db: Database) -> None:
        async with db.transaction() as session:
            client = await clients.by_chat(session, chat_id=CHAT_ID)
            assert client is not None
            client.locale = "ar" if client.locale != "ar" else "nl"
            session.add(client)

    async with _store() as (db, calls):
        gate = calls["clients.by_chat (the gate)"]

        async def reading(db: Database) -> None:
            async with db.reading() as session:
                await gate(session)

        unit = writing if write else reading
        await unit(db)  # the pool's connection made and the statements compiled
        with counting() as handed:
            await unit(db)
        return handed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.queries", description=__doc__)
    parser.add_argument("--calls", type=int, default=500, help="calls per query (500)")
    args = parser.parse_args(argv)
    figures = asyncio.run(measure(args.calls))
    print("| query | CPU ms per call |\n|---|---|")
    for name, ms in figures.items():
        print(f"| {name} | {ms:.2f} |")
    handed = asyncio.run(hops())
    print(
        "\nCalls one read session hands to aiosqlite's thread:",
        f"{len(handed)} ({', '.join(handed) or 'its SELECT runs in the event loop'})",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
