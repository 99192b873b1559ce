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
from functools import partial
from pathlib import Path
from typing import Any

import aiosqlite.core
from sqlalchemy import bindparam, insert, select, update
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from casework import case, questions
from casework.planning import PlanningRules
from storage import appointments, clients, plans, tasks
from storage.db import Database
from storage.enums import ActorKind, MessageKind, ReminderKind, ReminderStatus, TaskStatus
from storage.ids import pk
from storage.models import AuditEvent, Client, Reminder, Task
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
        "the gate's read as plain SQL (a row, no Client object)": _gate_sql,
    }


_CLIENT = Client.__table__  # type: ignore[attr-defined]
_SQL_GATE = select(_CLIENT).where(_CLIENT.c.telegram_chat_id == bindparam("chat_id"))


async def _gate_sql(session: AsyncSession) -> Any:
    """The gate's statement without the ORM: what its Client object costs beside the SQL."""
    connection = await session.connection()
    return (await connection.execute(_SQL_GATE, {"chat_id": CHAT_ID})).first()


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


async def _cpu_ms(run: Callable[[int], Awaitable[object]], calls: int, *, warm: int) -> float:
    """CPU ms per call of `run(n)` for n in range(calls), after `warm` calls that compile and
    cache its statements once, as in a running bot."""
    for n in range(warm):
        await run(n)
    started = time.process_time()
    for n in range(calls):
        await run(n)
    return 1000 * (time.process_time() - started) / calls


async def measure(calls: int) -> dict[str, float]:
    async with _store() as (db, measured):

        def in_a_read_session(call: Call) -> Callable[[int], Awaitable[object]]:
            async def run(_n: int) -> object:
                async with db.reading() as session:
                    return await call(session)

            return run

        return {
            name: await _cpu_ms(in_a_read_session(call), calls, warm=1)
            for name, call in measured.items()
        }


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


Write = Callable[[Database, int], Awaitable[None]]
DONE_PRESS = "a Done press's transaction (task, 2 reminders, audit row)"

_TASK = Task.__table__
_REMINDER = Reminder.__table__
_SQL_TASK = select(_TASK).where(
    _TASK.c.id == bindparam("task_id"), _TASK.c.client_id == bindparam("client_id")
)
_SQL_REMINDERS = select(_REMINDER).where(
    _REMINDER.c.kind == bindparam("kind"), _REMINDER.c.subject_id == bindparam("task_id")
)
_SQL_SET_TASK = (
    update(_TASK)
    .where(_TASK.c.id == bindparam("task_id"))
    .values(
        status=bindparam("status"),
        done_at=bindparam("done_at"),
        done_by=bindparam("done_by"),
        updated_at=bindparam("stamp"),
    )
)
_SQL_SET_REMINDER = (
    update(_REMINDER)
    .where(_REMINDER.c.id == bindparam("row_id"))
    .values(
        status=bindparam("row_status"), reason=bindparam("reason"), updated_at=bindparam("stamp")
    )
)
_SQL_AUDIT = insert(AuditEvent.__table__)


async def _writes(db: Database) -> dict[str, Write]:
    """The bot's two hot write transactions, and a Done press's as plain SQL for comparison."""
    async with db.reading() as session:
        client = await clients.by_chat(session, chat_id=CHAT_ID)
        assert client is not None
        task_id = pk((await tasks.screen(session, client_id=pk(client))).open[0])
    rules, now = PlanningRules(), factories.NOW
    actor = case.Actor(ActorKind.CLIENT, client.id)

    async def done_press(db: Database, n: int) -> None:  # as bot/handlers/tasks.py `_change`
        status = TaskStatus.DONE if n % 2 == 0 else TaskStatus.OPEN
        async with db.transaction() as session:
            task = await tasks.of_client(session, client_id=pk(client), task_id=task_id)
            assert task is not None
            await case.set_task_status(
                session, client=client, task=task, status=status, rules=rules, now=now, actor=actor
            )

    async def done_press_sql(db: Database, n: int) -> None:
        done = n % 2 == 0
        keys = {"task_id": task_id, "client_id": pk(client), "kind": ReminderKind.TASK}
        async with db.engine.begin() as connection:
            (await connection.execute(_SQL_TASK, keys)).one()
            rows = (await connection.execute(_SQL_REMINDERS, keys)).all()
            await connection.execute(
                _SQL_SET_TASK,
                {
                    "task_id": task_id,
                    "status": TaskStatus.DONE if done else TaskStatus.OPEN,
                    "done_at": now if done else None,
                    "done_by": ActorKind.CLIENT if done else None,
                    "stamp": now,
                },
            )
            changes = [
                {
                    "row_id": row.id,
                    "row_status": ReminderStatus.CANCELLED if done else ReminderStatus.PENDING,
                    "reason": "replanned" if done else None,
                    "stamp": now,
                }
                for row in rows
            ]
            if changes:
                await connection.execute(_SQL_SET_REMINDER, changes)
            await connection.execute(
                _SQL_AUDIT,
                {
                    "actor_kind": ActorKind.CLIENT,
                    "actor_id": pk(client),
                    "action": "task.done" if done else "task.open",
                    "subject_kind": "task",
                    "subject_id": task_id,
                    "client_id": pk(client),
                    "detail": "",
                    "at": now,
                    "created_at": now,
                    "updated_at": now,
                },
            )

    async def message(db: Database, n: int) -> None:  # a question's next message
        async with db.transaction() as session:
            await questions.ask(
                session, client=client, kind=MessageKind.TEXT, text=f"Question {n}", now=now
            )

    return {
        DONE_PRESS: done_press,
        "the same Done press as plain SQL statements (no ORM objects)": done_press_sql,
        "a message on the client's open question": message,
    }


async def measure_writes(calls: int) -> dict[str, float]:
    """CPU ms per write transaction, each alternately marking the task done and open again
    (the rows it cancels and arms again are there from the warm-up)."""
    async with _store() as (db, _):
        units = await _writes(db)
        # four warm-up calls: the reminders are planned, done and undone once before the timing
        return {
            name: await _cpu_ms(partial(unit, db), calls, warm=4) for name, unit in units.items()
        }


async def write_hops() -> list[str]:
    """The calls a Done press's transaction hands to aiosqlite's thread (after a warm-up)."""
    async with _store() as (db, _):
        done_press = (await _writes(db))[DONE_PRESS]
        for n in range(4):
            await done_press(db, n)
        with counting() as handed:
            await done_press(db, 4)
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
    writes = asyncio.run(measure_writes(args.calls))
    print("\n| write transaction | CPU ms per transaction |\n|---|---|")
    for name, ms in writes.items():
        print(f"| {name} | {ms:.2f} |")
    handed = asyncio.run(write_hops())
    print("\nCalls a Done press's transaction hands to aiosqlite's thread:", ", ".join(handed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
