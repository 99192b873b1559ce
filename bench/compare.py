"""`python -m bench compare REV`: the bot's CPU per update, this checkout against git revision REV,
in runs taken turn about.

    python -m bench compare HEAD~1                   # SQLite, 16 rounds of 300 updates
    python -m bench compare 470644a --rounds 24 --postgres   # PostgreSQL (a fresh database each)
    python -m bench compare aa01336 --this 4e74996   # one commit's step, both from git

This machine's speed moves by 30 to 60% between hours for the same code (docs/performance.md),
and within minutes by 10 to 20%, so two `make bench` runs cannot show a change of 5%. Here both
versions run at once: REV is checked out into a temporary git worktree (its catalogues compiled
there), each version's bot is its own process (bench/botproc.py) with its own fake Bot API and
its own database filled alike, and each round sends the same burst (the throughput benchmark's
mix: 📋, 📅, ✅, a Done press, a question) to one and then the other, in alternating order. The
figure is the median over rounds of this checkout's CPU per update divided by REV's in the same
round: below 1 means this checkout costs less. The CPU is each bot process's own
(/proc/<pid>/stat), as in `make bench`.

Both versions run with this checkout's virtual environment and on a store made with this
checkout's tables: compare revisions with the same dependencies and the same schema (across a
migration the older bot would meet tables it does not know).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from pathlib import Path

from bench.botproc_client import ROOT
from bench.runner import postgres_database
from bench.throughput import Side, filled_store


@contextmanager
def worktree(revision: str) -> Iterator[Path]:
    """REV checked out beside this checkout, its catalogues compiled; removed afterwards."""
    # A run killed before its clean-up leaves git's record of a worktree whose folder is gone.
    subprocess.run(["git", "-C", str(ROOT), "worktree", "prune"], check=False)
    with tempfile.TemporaryDirectory(prefix="bench-compare-") as tmp:
        path = Path(tmp) / "rev"
        try:
            add = ["worktree", "add", "--detach", "--quiet", str(path), revision]
            subprocess.run(["git", "-C", str(ROOT), *add], check=True)
            subprocess.run(
                [sys.executable, "-m", "bot.i18n_tools", "compile", "--quiet"],
                cwd=path,
                check=True,
            )
            yield path
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(path)], check=False
            )
            subprocess.run(["git", "-C", str(ROOT), "worktree", "prune"], check=False)


@asynccontextmanager
async def store(postgres: bool, name: str, clients: int) -> AsyncIterator[str]:
    """A store of its own for one side with `clients` generated clients: a SQLite file, or a
    fresh database on the server of INBURGERBOT_TEST_DATABASE_URL (dropped afterwards)."""
    async with AsyncExitStack() as stack:
        if not postgres:
            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix=f"bench-{name}-"))
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}"
        else:
            found = await stack.enter_async_context(postgres_database(None))
            if found is None:
                raise SystemExit("no PostgreSQL server reachable")
            url = found
        await filled_store(url, clients)
        yield url


async def compare(
    revision: str, *, rounds: int, updates: int, postgres: bool, this: str | None = None
) -> dict[str, list[float]]:
    """CPU ms per update of each side, round by round: "this" (this checkout, or the revision
    `this`) and "rev"."""
    figures: dict[str, list[float]] = {"this": [], "rev": []}
    async with AsyncExitStack() as stack:
        rev_root = stack.enter_context(worktree(revision))
        this_root = ROOT if this is None else stack.enter_context(worktree(this))
        sides: dict[str, Side] = {}
        for name, root in (("this", this_root), ("rev", rev_root)):
            url = await stack.enter_async_context(store(postgres, name, updates))
            side = Side("real", range(updates))
            sides[name] = side
            stack.push_async_callback(side.stop)
            await side.start(url, root=root)
            await side.prepare(lambda i: "")
        for n in range(rounds):
            order = ("this", "rev") if n % 2 == 0 else ("rev", "this")
            for name in order:
                run = await sides[name].run(updates, None)
                figures[name].append(run.cpu_ms_per_update)
    return figures


def report(
    revision: str, figures: dict[str, list[float]], backend: str, this: str = "this checkout"
) -> str:
    ratios = [a / b for a, b in zip(figures["this"], figures["rev"], strict=True) if b]
    lines = [
        f"CPU ms per update ({backend}, {len(ratios)} rounds, bursts alternated):",
        f"  {this}: median {statistics.median(figures['this']):.2f}"
        f" (min {min(figures['this']):.2f}, max {max(figures['this']):.2f})",
        f"  {revision}: median {statistics.median(figures['rev']):.2f}"
        f" (min {min(figures['rev']):.2f}, max {max(figures['rev']):.2f})",
        f"  {this} ÷ {revision}, same round: median {statistics.median(ratios):.3f}"
        f" (quartiles {statistics.quantiles(ratios, n=4)[0]:.3f}"
        f" to {statistics.quantiles(ratios, n=4)[2]:.3f})",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench compare", description=__doc__)
    parser.add_argument("revision", help="the git revision to compare with (HEAD~1, a hash)")
    parser.add_argument(
        "--this", help="a revision for the other side too, instead of this checkout (one step)"
    )
    parser.add_argument("--rounds", type=int, default=16)
    parser.add_argument("--updates", type=int, default=300, help="per burst (as make bench)")
    parser.add_argument(
        "--postgres", action="store_true", help="on PostgreSQL (a fresh database per side)"
    )
    args = parser.parse_args(argv)
    if args.rounds < 2:
        parser.error("--rounds must be 2 or more")
    logging.basicConfig(level=logging.CRITICAL)  # the bots' shutdown noise
    figures = asyncio.run(
        compare(
            args.revision,
            rounds=args.rounds,
            updates=args.updates,
            postgres=args.postgres,
            this=args.this,
        )
    )
    backend = "PostgreSQL" if args.postgres else "SQLite"
    print(report(args.revision, figures, backend, args.this or "this checkout"))
    return 0
