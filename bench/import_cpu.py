"""The importer's own CPU time on one fixed file, and where it goes (a rerunnable figure).

    python -m bench.import_cpu --clients 5000                 # CPU seconds, first and second import
    python -m bench.import_cpu --clients 5000 --profile 30    # the same under cProfile, top 30
    python -m bench.import_cpu --postgres-url postgresql+asyncpg://postgres@127.0.0.1:5432/cpu
    python -m bench.import_cpu --unfrozen                     # without the importer's frozen heap
    python -m bench.import_cpu --postgres-url ... --statements  # the server's time per statement

The file is generated like `python -m bench import` does (bench/importing.py) for a fixed
moment (3 December 2026, 09:00 UTC), so every run imports the same bytes; it is imported into a
fresh SQLite file (or the emptied PostgreSQL database of `--postgres-url`) twice, in this
process. The figures are `time.process_time()` (the process's
CPU time, aiosqlite's thread included), which a loaded machine disturbs far less than wall
time. Under `--profile` cProfile's own overhead inflates them; read its table as shares and
call counts.

Each import also reports the garbage collector's collections per generation: how many, and the
seconds they took (`gc.callbacks`). `--unfrozen` runs the importer without freezing the heap it
starts with (casework/collector.py), to see what that saves. `--statements` (PostgreSQL) adds,
per kind of statement ("INSERT reminder", "ANALYZE client"), how many were sent and the seconds
from sending each to its answer: the server's work plus the round trip, whether the importer
waited for it or not (docs/performance.md, "The importer: its heap, values sent once, a
smaller sample").
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import gc
import io
import json
import pstats
import re
import tempfile
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.importing import _empty, write_document

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


Tally = dict[str, list[float]]  # what -> [how many, seconds]


def _add(tally: Tally, what: str, seconds: float) -> None:
    entry = tally.setdefault(what, [0, 0.0])
    entry[0] += 1
    entry[1] += seconds


def _rounded(tally: Tally) -> dict[str, list[float]]:
    return {what: [int(n), round(s, 3)] for what, (n, s) in sorted(tally.items())}


@contextlib.contextmanager
def collected(tally: Tally) -> Iterator[None]:
    """The garbage collector's collections while inside, per generation ("gen2": [n, s])."""
    started: list[float] = []

    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[:] = [time.perf_counter()]
        elif started:
            _add(tally, f"gen{info['generation']}", time.perf_counter() - started[0])

    gc.callbacks.append(callback)
    try:
        yield
    finally:
        gc.callbacks.remove(callback)


_KIND = re.compile(r'\s*(INSERT INTO|SELECT .*? FROM|UPDATE|ANALYZE|DELETE FROM)\s+"?(\w+)', re.S)


def statement_kind(sql: str) -> str:
    """ "INSERT reminder", "SELECT client", "ANALYZE client"; else the SQL's first word."""
    found = _KIND.match(sql)
    if found is None:
        return sql.split(maxsplit=1)[0].upper() if sql.strip() else "?"
    return f"{found[1].split()[0]} {found[2]}"


@contextlib.contextmanager
def statements(tally: Tally) -> Iterator[None]:
    """asyncpg's statements while inside: per kind, how many and the seconds from sending each
    to its answer (the importer's own writes and SQLAlchemy's prepared statements alike)."""
    import asyncpg
    from asyncpg.prepared_stmt import PreparedStatement

    def timed(real: Any, sql_of: Any) -> Any:
        async def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await real(self, *args, **kwargs)
            finally:
                _add(tally, statement_kind(sql_of(self, args)), time.perf_counter() - started)

        return wrapper

    patched = [
        (asyncpg.connection.Connection, "execute", lambda self, args: args[0]),
        (PreparedStatement, "fetch", lambda self, args: self.get_query()),
        (PreparedStatement, "executemany", lambda self, args: self.get_query()),
    ]
    saved = [(owner, name, getattr(owner, name)) for owner, name, _ in patched]
    for owner, name, sql_of in patched:
        setattr(owner, name, timed(getattr(owner, name), sql_of))
    try:
        yield
    finally:
        for owner, name, real in saved:
            setattr(owner, name, real)


async def _import_twice(
    database_url: str, path: Path, size: int, *, unfrozen: bool = False, timed: bool = False
) -> dict[str, Any]:
    from casework import importer
    from casework.planning import PlanningRules
    from storage.db import Database

    db = Database(database_url)
    limit = size + 1
    figures: dict[str, Any] = {}
    real_freeze = importer.frozen_heap
    if unfrozen:
        importer.frozen_heap = contextlib.nullcontext  # type: ignore[assignment]
    try:
        rules = PlanningRules()
        for which in ("first", "second"):
            gcs: Tally = {}
            sent: Tally = {}
            with collected(gcs), statements(sent) if timed else contextlib.nullcontext():
                cpu = time.process_time()
                summary = await importer.import_file(db, path, rules=rules, now=NOW, limit=limit)
                figures[f"{which}_cpu_seconds"] = round(time.process_time() - cpu, 2)
            figures[f"{which}_changed"] = summary.changed
            figures[f"{which}_collections"] = _rounded(gcs)
            if timed:
                figures[f"{which}_statements"] = _rounded(sent)
        return figures
    finally:
        importer.frozen_heap = real_freeze  # type: ignore[assignment]
        await db.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.import_cpu", description=__doc__)
    parser.add_argument("--clients", type=int, default=5_000)
    parser.add_argument("--profile", type=int, metavar="TOP", help="run under cProfile")
    parser.add_argument("--postgres-url", help="PostgreSQL database to use (emptied first)")
    parser.add_argument("--unfrozen", action="store_true", help="without the frozen heap")
    parser.add_argument(
        "--statements", action="store_true", help="PostgreSQL: the time of each kind of statement"
    )
    args = parser.parse_args(argv)
    if args.statements and not args.postgres_url:
        parser.error("--statements needs --postgres-url (it times asyncpg's statements)")
    with tempfile.TemporaryDirectory(prefix="inburgerbot-import-cpu-") as work:
        path = Path(work) / f"import-{args.clients}.json"
        size = write_document(path, args.clients, NOW)
        url = args.postgres_url or f"sqlite+aiosqlite:///{Path(work) / 'import.db'}"
        _empty(url)
        profiler = cProfile.Profile() if args.profile else None
        if profiler is not None:
            profiler.enable()
        result = asyncio.run(
            _import_twice(url, path, size, unfrozen=args.unfrozen, timed=args.statements)
        )
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
