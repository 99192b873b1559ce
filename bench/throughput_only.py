"""`python -m bench throughput`: the throughput and latency part of `make bench` alone.

    python -m bench throughput                    # SQLite and PostgreSQL (when reachable)
    python -m bench throughput --no-postgres --updates 300

The same runs as in `make bench` (bench/throughput.py: echo and inburgerbot bursts alternated,
a paced run of each at 100 updates a second, then the search for the highest rate with a reply
p99 under 50 ms), without the scale steps, the dispatcher and the importer, so a quiet moment of
about a minute per database is enough. Prints the throughput rows of the table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from bench import throughput
from bench.runner import Profile, machine, postgres_database, reset
from bench.table import markdown
from storage.db import Database


async def _on(url: str, profile: Profile) -> dict[str, Any]:
    db = Database(url)
    try:
        await reset(db)
        measured = await throughput.measure(
            db, url, updates=profile.updates, rounds=profile.rounds, rate=profile.rate
        )
        return {"throughput": measured.as_dict()}
    finally:
        await db.dispose()


async def run(profile: Profile, *, postgres_url: str | None, postgres: bool) -> dict[str, Any]:
    started = time.perf_counter()
    results: dict[str, Any] = {
        "profile": {**asdict(profile), "name": "throughput only"},
        "machine": machine(),
        "backends": {},
        "notes": [],
    }
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'throughput.sqlite3'}"
        results["backends"]["sqlite"] = await _on(url, profile)
    if postgres:
        async with postgres_database(postgres_url) as pg_url:
            if pg_url is not None:
                results["backends"]["postgresql"] = await _on(pg_url, profile)
    results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    results["seconds"] = round(time.perf_counter() - started, 1)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench throughput", description=__doc__)
    parser.add_argument("--updates", type=int, help="updates per run (as make bench: 300)")
    parser.add_argument("--postgres-url", help="PostgreSQL database to use (emptied first)")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--output", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    profile = Profile.full()
    if args.updates:
        profile = replace(profile, updates=args.updates)
    results = asyncio.run(
        run(profile, postgres_url=args.postgres_url, postgres=not args.no_postgres)
    )
    if args.output:
        args.output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    # Only the rows this part measures (the others have no figure on either database).
    print("\n".join(row for row in markdown(results).splitlines() if "| — | — |" not in row))
    return 0
