"""Run every benchmark on SQLite and PostgreSQL and collect the figures as plain JSON data."""

from __future__ import annotations

import asyncio
import os
import platform
import secrets
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import telegram
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bench import dispatch, importing, scale, throughput
from bench.dispatch import reset
from casework.clock import SystemClock
from casework.settings import normalise_database_url
from storage.db import Database, ensure_database

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


@dataclass(frozen=True)
class Profile:
    """How big each benchmark is."""

    name: str
    updates: int  # per throughput run (burst and paced)
    rounds: int  # echo/real alternations of bursts
    rate: float  # paced updates per second
    steps: tuple[int, ...]  # clients at each scale step (SQLite)
    pg_steps: tuple[int, ...]  # clients at each scale step (PostgreSQL)
    reminders_per_client: int
    due: int
    import_sizes: tuple[int, ...]  # clients in each generated import file
    open_samples: int
    bot_updates: int
    dispatch_sizes: tuple[int, int]  # unlimited, limited to 30/s
    shared_pace_reminders: int  # three dispatcher processes limited to 30/s (0: not run)

    @classmethod
    def quick(cls) -> Profile:
        # The three-process dispatch run is left out: tests/test_bench_dispatch.py runs it.
        return cls(
            "quick", 15, 1, 100.0, (100, 400), (100, 400), 10, 50, (100, 400), 20, 10, (200, 30), 0
        )

    @classmethod
    def full(cls) -> Profile:
        return cls(
            "full",
            300,
            8,  # rounds: the CPU ratio is their median (two gave 3.4 and 3.8 an hour apart)
            100.0,
            (1_000, 10_000, 100_000),
            (1_000, 10_000, 100_000),
            10,
            1_000,
            (1_000, 10_000),
            200,
            100,
            (3_000, 300),  # the 3-process run below is the stronger check of the pace
            600,
        )

    def limited(self, max_clients: int | None, pg_max_clients: int | None) -> Profile:
        def cut(steps: tuple[int, ...], top: int | None) -> tuple[int, ...]:
            if top is None:
                return steps
            return (*(s for s in steps if s < top), top)

        return replace(
            self, steps=cut(self.steps, max_clients), pg_steps=cut(self.pg_steps, pg_max_clients)
        )


def machine() -> dict[str, Any]:
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    memory = ""
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "memory": memory,
        "python": platform.python_version(),
        "python_telegram_bot": telegram.__version__,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


@asynccontextmanager
async def postgres_database(url: str | None) -> AsyncIterator[str | None]:
    """The given database, or a fresh one on the test server (dropped after); None if none."""
    if url is not None:
        given = normalise_database_url(url)
        await ensure_database(given)  # emptied by the run anyway
        yield given
        return
    base = make_url(
        normalise_database_url(os.environ.get("INBURGERBOT_TEST_DATABASE_URL") or DEFAULT_POSTGRES)
    ).set(database="postgres")
    name = f"bench_{secrets.token_hex(4)}"
    admin = create_async_engine(base, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f"CREATE DATABASE {name}"))
    except (OSError, Exception):  # no server here: SQLite only
        await admin.dispose()
        yield None
        return
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        await admin.dispose()


async def on_backend(url: str, profile: Profile, steps: tuple[int, ...]) -> dict[str, Any]:
    """Throughput, scale and dispatch on one database."""
    figures: dict[str, Any] = {}
    started = time.perf_counter()
    db = Database(url)
    try:
        await reset(db)
        tp = await throughput.measure(
            db, url, updates=profile.updates, rounds=profile.rounds, rate=profile.rate
        )
        figures["throughput"] = tp.as_dict()
        figures["throughput_seconds"] = round(time.perf_counter() - started, 1)
        mark = time.perf_counter()
        await reset(db)
        sc = await scale.measure(
            db,
            url,
            steps=steps,
            reminders_per_client=profile.reminders_per_client,
            due=profile.due,
            open_samples=profile.open_samples,
            bot_updates=profile.bot_updates,
        )
        figures["scale"] = sc.as_dict()
        figures["scale_seconds"] = round(time.perf_counter() - mark, 1)
    finally:
        await db.dispose()
    mark = time.perf_counter()
    dispatch_url = None if url.startswith("sqlite") else url
    runs = await dispatch.run(
        quick=profile.name == "quick",
        database_url=dispatch_url,
        sizes=profile.dispatch_sizes,
        shared=profile.shared_pace_reminders,
    )
    figures["dispatch"] = [asdict(r) for r in runs]
    figures["dispatch_seconds"] = round(time.perf_counter() - mark, 1)
    return figures


async def on_import(url: str, profile: Profile) -> list[dict[str, Any]]:
    """The importer on generated files of each size (bench/importing.py), in child processes."""
    now = SystemClock().now().replace(microsecond=0)
    return await asyncio.to_thread(importing.measure_all, [url], profile.import_sizes, now=now)


async def with_import(url: str, import_url: str, profile: Profile, steps: tuple[int, ...]) -> Any:
    """Everything on one backend, then its importer; the wall time of each part is kept."""
    figures = await on_backend(url, profile, steps)
    mark = time.perf_counter()
    figures["import"] = await on_import(import_url, profile)
    figures["import_seconds"] = round(time.perf_counter() - mark, 1)
    return figures


def timings(figures: dict[str, Any]) -> dict[str, Any]:
    """The wall seconds of each part on one backend (printed under the table)."""
    parts = {
        part: figures.get(f"{part}_seconds")
        for part in ("throughput", "scale", "dispatch", "import")
    }
    steps = figures.get("scale", {}).get("steps", [])
    parts["scale_steps"] = {
        step["clients"]: {"fill": step.get("fill_seconds"), "measure": step.get("measure_seconds")}
        for step in steps
    }
    return parts


async def run_all(
    profile: Profile, *, postgres_url: str | None = None, postgres: bool = True
) -> dict[str, Any]:
    started = time.perf_counter()
    results: dict[str, Any] = {
        "at": SystemClock().now().isoformat(timespec="seconds"),
        "profile": asdict(profile),
        "machine": machine(),
        "backends": {},
        "notes": [],
    }
    with tempfile.TemporaryDirectory() as tmp:
        sqlite_url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}"
        results["backends"]["sqlite"] = await with_import(
            sqlite_url,
            f"sqlite+aiosqlite:///{Path(tmp) / 'import.sqlite3'}",
            profile,
            profile.steps,
        )
    if postgres:
        async with postgres_database(postgres_url) as pg_url:
            if pg_url is None:
                results["notes"].append("PostgreSQL was not reachable: SQLite only.")
            else:
                results["backends"]["postgresql"] = await with_import(
                    pg_url, pg_url, profile, profile.pg_steps
                )
    results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    results["seconds"] = round(time.perf_counter() - started, 1)
    results["timings"] = {name: timings(f) for name, f in results["backends"].items()}
    return results
