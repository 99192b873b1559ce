"""The importer's own CPU time on one fixed file, and where it goes (a rerunnable figure).

    python -m bench.import_cpu --clients 5000                 # CPU seconds, first and second import
    python -m bench.import_cpu --clients 5000 --profile 30    # the same under cProfile, top 30
    python -m bench.import_cpu --postgres-url postgresql+asyncpg://postgres@127.0.0.1:5432/cpu

The file is generated like `python -m bench import` does (bench/importing.py) for a fixed
moment (3 December 2026, 09:00 UTC), so every run imports the same bytes; it is imported into a
fresh SQLite file (or the emptied PostgreSQL database of `--postgres-url`) twice, in this
process. The figures are `time.process_time()` (the process's
CPU time, aiosqlite's thread included), which a loaded machine disturbs far less than wall
time. Under `--profile` cProfile's own overhead inflates them; read its table as shares and
call counts.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import pstats
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.importing import _empty, write_document

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


async def _import_twice(database_url: str, path: Path, size: int) -> dict[str, Any]:
    from casework.importer import import_file
    from casework.planning import PlanningRules
    from storage.db import Database

    db = Database(database_url)
    limit = size + 1
    try:
        rules = PlanningRules()
        cpu = time.process_time()
        first = await import_file(db, path, rules=rules, now=NOW, limit=limit)
        first_cpu = time.process_time() - cpu
        cpu = time.process_time()
        again = await import_file(db, path, rules=rules, now=NOW, limit=limit)
        second_cpu = time.process_time() - cpu
        return {
            "first_cpu_seconds": round(first_cpu, 2),
            "second_cpu_seconds": round(second_cpu, 2),
            "first_changed": first.changed,
            "second_changed": again.changed,
        }
    finally:
        await db.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.import_cpu", description=__doc__)
    parser.add_argument("--clients", type=int, default=5_000)
    parser.add_argument("--profile", type=int, metavar="TOP", help="run under cProfile")
    parser.add_argument("--postgres-url", help="PostgreSQL database to use (emptied first)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="inburgerbot-import-cpu-") as work:
        path = Path(work) / f"import-{args.clients}.json"
        size = write_document(path, args.clients, NOW)
        url = args.postgres_url or f"sqlite+aiosqlite:///{Path(work) / 'import.db'}"
        _empty(url)
        profiler = cProfile.Profile() if args.profile else None
        if profiler is not None:
            profiler.enable()
        result = asyncio.run(_import_twice(url, path, size))
        if profiler is not None:
            profiler.disable()
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            stats.sort_stats("tottime").print_stats(args.profile)
            print(out.getvalue())
    result = {"clients": args.clients, "file_mb": round(size / 1e6, 1), **result}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
