"""`python -m bench` (make bench): every benchmark, one Markdown table, bench/results/latest.json.

    python -m bench                     # full: SQLite and PostgreSQL (when reachable)
    python -m bench --quick             # seconds: the smoke run that make test runs
    python -m bench --postgres-url postgresql://postgres@127.0.0.1:5432/bench   (emptied first)
    python -m bench --no-postgres
    python -m bench profile             # where an update's CPU time goes, per action
    python -m bench import [--clients 1000 100000] [--postgres-url ...]   # the importer only
    python -m bench throughput [--no-postgres]   # throughput and latency only (a minute each)
    python -m bench compare HEAD~1 [--postgres]  # CPU per update against a revision, turn about

Without --postgres-url, PostgreSQL is the server of INBURGERBOT_TEST_DATABASE_URL (or
postgres@127.0.0.1:5432) with a fresh database created for the run and dropped after it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from bench.runner import Profile, run_all
from bench.table import markdown

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def main(argv: Sequence[str] | None = None) -> int:
    args_given = list(sys.argv[1:] if argv is None else argv)
    if args_given[:1] == ["profile"]:
        from bench.profile import main as profile_main

        return profile_main(args_given[1:])
    if args_given[:1] == ["throughput"]:
        from bench import throughput_only

        return throughput_only.main(args_given[1:])
    if args_given[:1] == ["compare"]:
        from bench import compare

        return compare.main(args_given[1:])
    if args_given[:1] == ["import"]:
        from bench import importing

        return importing.main(args_given[1:])
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a smoke run of a few seconds")
    parser.add_argument("--postgres-url", help="PostgreSQL database to use (emptied first)")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--max-clients", type=int, help="largest N on SQLite (100,000)")
    parser.add_argument("--pg-max-clients", type=int, help="largest N on PostgreSQL")
    parser.add_argument("--output", type=Path, default=RESULTS / "latest.json")
    args = parser.parse_args(args_given)
    logging.basicConfig(level=logging.WARNING)
    profile = Profile.quick() if args.quick else Profile.full()
    profile = profile.limited(args.max_clients, args.pg_max_clients)
    results = asyncio.run(
        run_all(profile, postgres_url=args.postgres_url, postgres=not args.no_postgres)
    )
    print(markdown(results))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"\n(written to {args.output})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
