"""How the cost grows with the number of clients: fill, open a plan, claim reminders, memory.

At each step the store grows to N clients (each with a plan of three parts, eight appointments
over a year and six tasks) and 10 × N reminder rows of which 1,000 (or fewer in --quick) are due:

- fill: bulk-insert time per 1,000 clients (the importer is measured in bench/importing.py);
- open: a client's plan, appointment list and open tasks with the handlers' repository calls,
  for random clients (must stay flat: indexes, no full scans; the query plans are kept);
- claim: the dispatcher's claim of a batch of 100 due reminders (must stay flat);
- memory: the real bot as its own process against the filled store, driven by updates from
  random clients; its peak resident memory (must not grow with N).
"""

from __future__ import annotations

import json
import random
import re
import statistics
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event

from bench.dispatch import reset
from bench.generate import fill_clients, fill_reminders
from bench.throughput import Side
from casework.clock import SystemClock
from storage import appointments, plans, tasks
from storage import reminders as reminder_rows
from storage.db import Database

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "region.json"
BIG_TABLES = ("client", "plan", "plan_part", "appointment", "task", "reminder")
CLAIM_BATCH = 100


@dataclass
class Step:
    clients: int
    reminders: int
    due: int
    fill_seconds_per_1000: float
    open_p50_ms: float
    open_p99_ms: float
    claim_batch_p50_ms: float
    claim_batch_max_ms: float
    claimed: int
    bot_peak_rss_mib: float
    bot_updates: int
    fill_seconds: float = 0.0  # wall time of this step's fill (clients and reminders)
    measure_seconds: float = 0.0  # wall time of the rest of the step


@dataclass
class Scale:
    backend: str
    steps: list[Step] = field(default_factory=list)
    query_plans: dict[str, list[str]] = field(default_factory=dict)
    full_scans: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def import_document_of(clients: int) -> str:
    """examples/region.json with its clients repeated until there are `clients` of them."""
    region = json.loads(EXAMPLE.read_text())
    originals = region["clients"]
    copies = []
    for n in range(clients):
        copy = json.loads(json.dumps(originals[n % len(originals)]))
        copy["ref"] = f"IMP-{n:07d}"
        copies.append(_suffix_ids(copy, f"-{n}"))
    region["clients"] = copies
    return json.dumps(region)


def _suffix_ids(value: Any, suffix: str) -> Any:
    if isinstance(value, dict):
        return {
            k: (v + suffix if k == "external_id" else _suffix_ids(v, suffix))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_suffix_ids(v, suffix) for v in value]
    return value


async def open_client(db: Database, client_id: int, now: datetime) -> None:
    """What 📋 and 📅 and ✅ read (the handlers' own one query each): the plan in force with
    its parts and people, upcoming appointments with their staff, open tasks."""
    async with db.reading() as session:
        await plans.screen(session, client_id=client_id)
        await appointments.upcoming_with_staff(session, client_id=client_id, now=now)
        await tasks.screen(session, client_id=client_id)


async def time_open(db: Database, clients: int, samples: int, now: datetime) -> list[float]:
    rng = random.Random(clients)
    ids = [rng.randrange(clients) + 1 for _ in range(samples)]
    await open_client(db, ids[0], now)  # a warm pool
    timings = []
    for client_id in ids:
        started = time.perf_counter()
        await open_client(db, client_id, now)
        timings.append(1000 * (time.perf_counter() - started))
    return timings


async def time_claims(db: Database, due: int, now: datetime) -> tuple[list[float], int]:
    """Claim batches until the due rows are gone; each batch's time (its transaction)."""
    timings, claimed = [], 0
    while True:
        started = time.perf_counter()
        async with db.transaction() as session:
            rows = await reminder_rows.claim(
                session,
                now=now,
                lease_until=now + timedelta(hours=1),
                claimer="bench",
                limit=CLAIM_BATCH,
            )
        if not rows:
            break
        timings.append(1000 * (time.perf_counter() - started))
        claimed += len(rows)
        if claimed > due:
            break
    return timings, claimed


async def query_plans(db: Database, client_id: int, now: datetime) -> dict[str, list[str]]:
    """EXPLAIN (QUERY PLAN) of every statement the open and a claim run, with their parameters."""
    seen: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "UPDATE", "WITH")):
            seen.append((statement, parameters))

    engine = db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", capture)
    try:
        await open_client(db, client_id, now)
        async with db.transaction() as session:
            await reminder_rows.claim(
                session, now=now, lease_until=now, claimer="explain", limit=CLAIM_BATCH
            )
            await session.rollback()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    explain = "EXPLAIN QUERY PLAN " if db.is_sqlite else "EXPLAIN "
    result: dict[str, list[str]] = {}
    async with db.engine.connect() as connection:
        for statement, parameters in seen:
            rows = (await connection.exec_driver_sql(explain + statement, parameters)).all()
            lines = [str(row[-1]) for row in rows]
            result[" ".join(statement.split())] = lines
        await connection.rollback()
    return result


def full_scans(plans_by_statement: dict[str, list[str]]) -> list[str]:
    """Plan lines that read a whole big table."""
    tables = "|".join(BIG_TABLES)
    bad = re.compile(rf"^\s*(?:SCAN ({tables})\b(?!.*USING)|.*Seq Scan on ({tables})\b)")
    return [line for lines in plans_by_statement.values() for line in lines if bad.search(line)]


async def bot_memory(db_url: str, clients: int, updates: int) -> tuple[float, int]:
    """Peak memory of the real bot process after `updates` updates from random clients."""
    rng = random.Random(7 + clients)
    side = Side("real", rng.sample(range(clients), updates))
    try:
        await side.start(db_url)
        await side.prepare(lambda i: "")
        await side.run(updates, None)
        assert side.process is not None
        return side.process.peak_rss_mib(), updates
    finally:
        await side.stop()


async def measure(
    db: Database,
    database_url: str,
    *,
    steps: tuple[int, ...],
    reminders_per_client: int,
    due: int,
    open_samples: int,
    bot_updates: int,
) -> Scale:
    """The store grows step by step to each N in `steps`; measure at each."""
    now = SystemClock().now()
    await reset(db)  # the generator numbers its own clients from 1
    scale = Scale(db.engine.dialect.name)
    have_clients = have_reminders = 0
    for clients in steps:
        started = time.perf_counter()
        await fill_clients(db, have_clients, clients, now=now)
        fill = (time.perf_counter() - started) * 1000 / (clients - have_clients)
        target = clients * reminders_per_client
        await fill_reminders(
            db,
            first_id=have_reminders + 1,
            count=target - have_reminders,
            due=due,
            clients=clients,
            now=now,
        )
        have_clients, have_reminders = clients, target
        filled = time.perf_counter()
        opened = await time_open(db, clients, open_samples, now)
        claims, claimed = await time_claims(db, due, now)
        peak, driven = await bot_memory(database_url, clients, bot_updates)
        scale.steps.append(
            Step(
                clients=clients,
                reminders=target,
                due=due,
                fill_seconds_per_1000=round(fill, 2),
                open_p50_ms=round(statistics.median(opened), 2),
                open_p99_ms=round(sorted(opened)[int(0.99 * (len(opened) - 1))], 2),
                claim_batch_p50_ms=round(statistics.median(claims), 2) if claims else 0.0,
                claim_batch_max_ms=round(max(claims), 2) if claims else 0.0,
                claimed=claimed,
                bot_peak_rss_mib=peak,
                bot_updates=driven,
                fill_seconds=round(filled - started, 1),
                measure_seconds=round(time.perf_counter() - filled, 1),
            )
        )
    scale.query_plans = await query_plans(db, have_clients // 2, now)
    scale.full_scans = full_scans(scale.query_plans)
    return scale
