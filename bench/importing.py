"""The importer at scale: a generated import file of N clients (like bench/generate.py: a plan
of three parts, eight appointments over a year, six tasks), imported into an empty store, then
imported again.

    python -m bench import                       # 1,000 and 100,000 clients on SQLite
    python -m bench import --clients 1000 5000 --postgres-url postgresql://...

Each import runs in a child process (`python -m bench.importing run ...`), so that its peak
resident memory is its own: it must not grow with N. Figures per run: seconds for the first
import, seconds for the second (which must change nothing), file size, rows written, peak RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.generate import APPOINTMENT_KINDS, LOCALES, MUNICIPALITIES, PART_KINDS

APPOINTMENTS = 8
TASKS = 6
OPEN_TASKS = 4
CARE_WORKERS = 20


def _organisations() -> list[dict[str, Any]]:
    return [
        {
            "key": "rit-bench",
            "name": "Regional integration team (bench)",
            "kind": "regional_team",
            "municipalities": list(MUNICIPALITIES),
            "phone": "0229 252 200",
            "email": "inburgering@bench.example",
        }
    ]


def _staff() -> list[dict[str, Any]]:
    return [
        {"key": f"cw-{n:02d}", "name": f"Caseworker {n}", "organisation": "rit-bench"}
        for n in range(CARE_WORKERS)
    ]


def _client(i: int, now: datetime) -> dict[str, Any]:
    first = now.replace(minute=0, second=0, microsecond=0) - timedelta(days=180)
    appointments = []
    for k in range(APPOINTMENTS):
        starts = first + timedelta(days=46 * k + i % 40, hours=i % 7)
        appointments.append(
            {
                "external_id": f"a{k}",
                "kind": APPOINTMENT_KINDS[(i + k) % len(APPOINTMENT_KINDS)],
                "start": starts.isoformat(),
                "end": (starts + timedelta(hours=1)).isoformat(),
                "staff": f"cw-{i % CARE_WORKERS:02d}",
                "place_name": "Gemeentehuis",
                "address": "Nieuwe Steen 1, 1625 HV Hoorn",
                "status": "done" if starts < now else "planned",
            }
        )
    today = now.date()
    return {
        "ref": f"G-{i:08d}",
        "first_name": "Client",
        "municipality": MUNICIPALITIES[i % len(MUNICIPALITIES)],
        "caseworker": f"cw-{i % CARE_WORKERS:02d}",
        "locale": LOCALES[i % len(LOCALES)],
        "integration_start": "2025-03-01",
        "integration_end": "2028-03-01",
        "plan": {
            "decision_date": "2025-02-28",
            "period_start": "2025-03-01",
            "period_end": "2028-03-01",
            "learning_route": "b1",
            "monitoring": "Progress meeting (voortgangsgesprek) every three months.",
            "summary": "You follow the B1-route: Dutch lessons, the B1 exams, KNM, MAP and PVT.",
            "parts": [
                {
                    "external_id": f"p{k}",
                    "kind": kind,
                    "title": f"Part {k + 1}",
                    "planned_hours": 100,
                    "done_hours": 20 * k,
                    "status": "in_progress",
                    "target_date": "2027-03-31",
                    "provider": "Taalcentrum",
                }
                for k, kind in enumerate(PART_KINDS)
            ],
        },
        "appointments": appointments,
        "tasks": [
            {
                "external_id": f"t{k}",
                "title": f"Bring document {k + 1} to the desk",
                "due_date": (today + timedelta(days=7 * (k + 1))).isoformat(),
                **({"status": "done"} if k >= OPEN_TASKS else {}),
            }
            for k in range(TASKS)
        ],
    }


def document_chunks(clients: int, now: datetime) -> Iterator[str]:
    """The import document of `clients` clients, as text, a client at a time."""
    head = {"format_version": 1, "organisations": _organisations(), "staff": _staff()}
    yield json.dumps(head)[:-1] + ', "clients": [\n'
    for i in range(clients):
        yield ("" if i == 0 else ",\n") + json.dumps(_client(i, now), separators=(",", ":"))
    yield "\n]}\n"


def write_document(path: Path, clients: int, now: datetime) -> int:
    """Write the document to `path`; its size in bytes."""
    with path.open("w", encoding="utf-8") as stream:
        for chunk in document_chunks(clients, now):
            stream.write(chunk)
    return path.stat().st_size


@dataclass
class ImportRun:
    backend: str
    clients: int
    file_mb: float
    first_seconds: float
    second_seconds: float
    second_over_first: float
    first_cpu_seconds: float
    second_cpu_seconds: float
    second_changed: bool
    rows: int
    peak_rss_mib: float


async def _run(database_url: str, path: Path, now: datetime, limit: int) -> dict[str, Any]:
    """In the child: migrate an empty store, import twice, count rows."""
    from sqlalchemy import func, select

    from casework.importer import import_file
    from casework.planning import PlanningRules
    from storage.db import Database
    from storage.imports import APPOINTMENT, CLIENT, PART, PLAN, REMINDER, TASK

    db = Database(database_url)
    try:
        rules = PlanningRules()
        started, cpu = time.perf_counter(), time.process_time()
        await import_file(db, path, rules=rules, now=now, limit=limit)
        first, first_cpu = time.perf_counter() - started, time.process_time() - cpu
        started, cpu = time.perf_counter(), time.process_time()
        again = await import_file(db, path, rules=rules, now=now, limit=limit)
        second, second_cpu = time.perf_counter() - started, time.process_time() - cpu
        rows = 0
        async with db.reading() as session:
            for table in (CLIENT, PLAN, PART, APPOINTMENT, TASK, REMINDER):
                rows += (
                    await session.execute(select(func.count()).select_from(table))
                ).scalar_one()
        return {
            "backend": db.engine.dialect.name,
            "first_seconds": round(first, 2),
            "second_seconds": round(second, 2),
            "first_cpu_seconds": round(first_cpu, 2),
            "second_cpu_seconds": round(second_cpu, 2),
            "second_changed": again.changed,
            "rows": rows,
            "peak_rss_mib": _own_peak_rss_mib(),
        }
    finally:
        await db.dispose()


def _own_peak_rss_mib() -> float:
    """This process's own peak resident memory since it started (VmHWM of its address space).

    Not `ru_maxrss`: Linux carries that over an exec from the process that started the child, so
    a child of a large benchmark process reported the parent's size (567.7 MiB at 1,000 and at
    10,000 clients in a full `make bench`, which made the "flat" check unable to fail)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def measure(database_url: str, clients: int, *, now: datetime, workdir: Path) -> ImportRun:
    """Generate the file, empty the store, import twice in a child process."""
    path = workdir / f"import-{clients}.json"
    size = write_document(path, clients, now)
    _empty(database_url)
    command = [
        sys.executable,
        "-m",
        "bench.importing",
        "run",
        "--database-url",
        database_url,
        "--file",
        str(path),
        "--now",
        now.isoformat(),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=3600, check=False)
    path.unlink(missing_ok=True)
    if done.returncode != 0:
        raise RuntimeError(f"import run failed: {done.stderr[-2000:]}")
    child = json.loads(done.stdout.strip().splitlines()[-1])
    first, second = child["first_seconds"], child["second_seconds"]
    return ImportRun(
        backend=child["backend"],
        clients=clients,
        file_mb=round(size / 1024 / 1024, 1),
        first_seconds=first,
        second_seconds=second,
        second_over_first=round(second / first, 3) if first else 0.0,
        first_cpu_seconds=child["first_cpu_seconds"],
        second_cpu_seconds=child["second_cpu_seconds"],
        second_changed=child["second_changed"],
        rows=child["rows"],
        peak_rss_mib=child["peak_rss_mib"],
    )


def _empty(database_url: str) -> None:
    """A fresh schema: SQLite file removed, PostgreSQL schema dropped; then migrated."""
    from storage import migrate

    if database_url.startswith("sqlite"):
        file = database_url.split(":///", 1)[1]
        for suffix in ("", "-wal", "-shm"):
            Path(file + suffix).unlink(missing_ok=True)
    else:
        import asyncio as _asyncio

        from sqlalchemy import text

        from storage.db import Database, ensure_database

        async def drop() -> None:
            await ensure_database(database_url)
            db = Database(database_url)
            try:
                async with db.engine.begin() as connection:
                    await connection.execute(text("DROP SCHEMA public CASCADE"))
                    await connection.execute(text("CREATE SCHEMA public"))
            finally:
                await db.dispose()

        _asyncio.run(drop())
    migrate.upgrade(database_url)


def measure_all(
    database_urls: Sequence[str], sizes: Sequence[int], *, now: datetime
) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="inburgerbot-import-") as work:
        return [
            asdict(measure(url, clients, now=now, workdir=Path(work)))
            for url in database_urls
            for clients in sizes
        ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench import", description=__doc__)
    parser.add_argument("--clients", type=int, nargs="+", default=[1_000, 100_000])
    parser.add_argument("--sqlite-file", type=Path, help="default: a temporary file")
    parser.add_argument("--postgres-url", help="a PostgreSQL database to use (emptied first)")
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args(argv)
    now = datetime.now(UTC).replace(microsecond=0)
    with tempfile.TemporaryDirectory(prefix="inburgerbot-import-db-") as work:
        urls = []
        if not args.no_sqlite:
            sqlite_file = args.sqlite_file or Path(work) / "import.db"
            urls.append(f"sqlite+aiosqlite:///{sqlite_file}")
        if args.postgres_url:
            urls.append(args.postgres_url)
        results = measure_all(urls, args.clients, now=now)
    for row in results:
        print(json.dumps(row))
    return 0


def _child(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.importing run")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--file", type=Path, required=True)
    parser.add_argument("--now", required=True)
    args = parser.parse_args(argv)
    limit = args.file.stat().st_size + 1
    result = asyncio.run(
        _run(args.database_url, args.file, datetime.fromisoformat(args.now), limit)
    )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["run"]:
        raise SystemExit(_child(sys.argv[2:]))
    os.environ.setdefault("PYTHONHASHSEED", "0")
    raise SystemExit(main(sys.argv[1:]))
