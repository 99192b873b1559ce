"""Where a bot update's CPU time goes, per action: `python -m bench profile`.

    python -m bench profile                      # SQLite, 100 updates per action
    python -m bench profile --updates 200 --postgres-url postgresql://postgres@127.0.0.1/bench
    python -m bench profile --top 25             # also the 25 most expensive functions
    python -m bench profile --keep /tmp/prof    # also each action's statistics (python -m pstats)

The real bot runs as its own process (bench/botproc.py) against a fake Bot API, as in the
throughput benchmark. For each action of the mix (📋 plan, 📅 appointments, ✅ tasks, a Done press,
a question) the benchmark turns cProfile on in the bot process (SIGUSR1), pushes that many updates
of the one action from different clients, waits for every reply, and turns it off (SIGUSR2).
cProfile measures the CPU time of the event loop's thread (`time.thread_time`), so a busy
machine hardly changes the figures; the process's CPU time beyond that thread is the database
driver's worker thread (aiosqlite runs SQLite there) and is counted as queries.

Each function's own time goes to one part, by the file it is in; the time of a built-in function
(str.format, json encoding, a socket send) goes to the part of the function that called it:

| part | files |
|---|---|
| queries | sqlalchemy, sqlmodel, aiosqlite, asyncpg, sqlite3, storage/ and the driver's thread |
| gettext | gettext, texts/i18n.py |
| Babel | babel/ |
| bidi | texts/bidi.py |
| rendering | texts/render/, texts/fmt.py, bot/keyboards.py, bot/replies.py, html, string |
| handlers | bot/handlers/, bot/channels/, bot/ (the rest), scheduler/ |
| JSON | json |
| HTTP | httpx, httpcore, h11, anyio, aiohttp, multidict, yarl, ssl, socket, http, urllib, email |
| PTB | telegram/ (objects, handlers, the Application) |
| asyncio and the rest | asyncio, selectors, logging, everything else |

Each action's updates are pushed twice: once without the profiler, for the true CPU time per
update ("unprofiled"), then profiled; cProfile's own cost roughly triples the time of code that
makes many small Python calls, so read the parts as shares of the profiled total. The bot
handles one update at a time while profiled (INBURGERBOT_UPDATE_CONCURRENCY=1), so each
update's time is its own. "gate" is separate: the loop thread's CPU time spent inside the group -1
gate (bot/handlers/gate.py), timed around it, which is part of the rows above.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import pstats
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.throughput import MIX, Side, filled_store
from fakebot import Call

PARTS = (
    "queries",
    "gettext",
    "Babel",
    "bidi",
    "rendering",
    "handlers",
    "JSON",
    "HTTP",
    "PTB",
    "asyncio and the rest",
)
_BY_PATH: tuple[tuple[str, str], ...] = (
    ("/sqlalchemy/", "queries"),
    ("/sqlmodel/", "queries"),
    ("/aiosqlite/", "queries"),
    ("/asyncpg/", "queries"),
    ("/sqlite3/", "queries"),
    ("/storage/", "queries"),
    ("/gettext.py", "gettext"),
    ("/texts/i18n.py", "gettext"),
    ("/babel/", "Babel"),
    ("/texts/bidi.py", "bidi"),
    ("/texts/render/", "rendering"),
    ("/texts/fmt.py", "rendering"),
    ("/bot/keyboards.py", "rendering"),
    ("/bot/replies.py", "rendering"),
    ("/html/", "rendering"),
    ("/string.py", "rendering"),
    ("/json/", "JSON"),
    ("/httpx/", "HTTP"),
    ("/aiohttp/", "HTTP"),
    ("/multidict/", "HTTP"),
    ("/yarl/", "HTTP"),
    ("/httpcore/", "HTTP"),
    ("/h11/", "HTTP"),
    ("/anyio/", "HTTP"),
    ("/ssl.py", "HTTP"),
    ("/socket.py", "HTTP"),
    ("/http/", "HTTP"),
    ("/urllib/", "HTTP"),
    ("/email/", "HTTP"),
    ("/telegram/", "PTB"),
    ("/bot/", "handlers"),
    ("/scheduler/", "handlers"),
)
_BUILTIN_HINTS: tuple[tuple[str, str], ...] = (
    ("_json", "JSON"),
    ("sqlite3", "queries"),
    ("asyncpg", "queries"),
    ("socket", "HTTP"),
    ("ssl", "HTTP"),
)

Func = tuple[str, int, str]


def part_of(func: Func) -> str | None:
    """The part a function's own time belongs to; None for a built-in (its caller decides)."""
    filename, _line, name = func
    if filename == "~":
        for hint, part in _BUILTIN_HINTS:
            if hint in name:
                return part
        return None
    path = filename.replace("\\", "/")
    for marker, part in _BY_PATH:
        if marker in path:
            return part
    return "asyncio and the rest"


def split(stats: pstats.Stats) -> tuple[dict[str, float], float]:
    """Seconds per part and the thread's total."""
    parts: dict[str, float] = defaultdict(float)
    raw: dict[Func, Any] = stats.stats  # type: ignore[attr-defined]
    total = 0.0
    for func, (_cc, _nc, own, _inclusive, callers) in raw.items():
        total += own
        part = part_of(func)
        if part is not None:
            parts[part] += own
            continue
        # A built-in: its time goes to its callers' parts, in proportion to their calls.
        spread = sum(entry[2] for entry in callers.values()) or 0.0
        if not callers or spread <= 0:
            parts["asyncio and the rest"] += own
            continue
        for caller, entry in callers.items():
            parts[part_of(caller) or "asyncio and the rest"] += own * entry[2] / spread
    return dict(parts), total


async def _wait_for(path: Path, within: float) -> None:
    deadline = time.monotonic() + within
    while not await asyncio.to_thread(path.exists):
        if time.monotonic() > deadline:
            raise TimeoutError(f"the bot process did not write {path.name}")
        await asyncio.sleep(0.02)


async def profile_actions(
    database_url: str, *, updates: int, top: int = 0, keep: Path | None = None
) -> list[dict[str, Any]]:
    """Per action: CPU ms per update by part, and the most expensive functions.

    `keep`: a directory where each action's cProfile statistics are also written
    (`<action>.prof`, for `python -m pstats` or snakeviz).
    """
    users = updates * len(MIX)
    await filled_store(database_url, users)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        side = Side("real", range(users))
        try:
            env = {"INBURGERBOT_BENCH_PROFILE_DIR": tmp, "INBURGERBOT_UPDATE_CONCURRENCY": "1"}
            await side.start(database_url, env=env)
            await side.prepare(lambda i: "")
            process = side.process
            assert process is not None
            for n, action in enumerate(MIX):
                indexes = [i for i in range(users) if MIX[i % len(MIX)] == action]
                plain_before = process.cpu_seconds()
                await _push_all(side, indexes)  # once without the profiler, for the true cost
                plain = process.cpu_seconds() - plain_before
                side.presses += 1  # the Done presses of the profiled pass go to other tasks
                cpu_before = process.cpu_seconds()
                process.process.send_signal(10)  # SIGUSR1: start profiling
                await _wait_for(directory / f"{n}.started", 30)
                await _push_all(side, indexes)
                process.process.send_signal(12)  # SIGUSR2: stop and write
                await _wait_for(directory / f"{n}.prof", 60)
                cpu = process.cpu_seconds() - cpu_before
                stats = pstats.Stats(str(directory / f"{n}.prof"))
                if keep is not None:
                    stats.dump_stats(keep / f"{action}.prof")
                gate = float((directory / f"{n}.gate").read_text())
                row = _row(action, stats, cpu, gate, len(indexes), top)
                row["plain_cpu_ms"] = round(1000 * plain / len(indexes), 2)
                rows.append(row)
        finally:
            await side.stop()
    return rows


async def _push_all(side: Side, indexes: Sequence[int]) -> None:
    """Push one update from each of `indexes` at once; wait until the bot is idle again."""
    fake = side.fake
    since = len(fake.calls)
    expected: set[str] = set()
    answered: set[str] = set()

    def seen(call: Call) -> bool:
        if call.method != "getUpdates":
            key = call.params.get("callback_query_id") or call.params.get("chat_id")
            if str(key) in expected:
                answered.add(str(key))
        return len(answered) >= len(indexes)

    waiting = asyncio.create_task(fake.wait_for(seen, timeout=300, since=since))
    for index in indexes:
        chat, query = await side.push(index)
        expected.add(query or chat)
    await waiting
    await fake.drain(timeout=120, settle=0.2)


def _row(
    action: str, stats: pstats.Stats, cpu: float, gate: float, updates: int, top: int
) -> dict[str, Any]:
    parts, thread = split(stats)
    worker = max(0.0, cpu - thread)  # the database driver's thread, and other threads
    parts["queries"] = parts.get("queries", 0.0) + worker

    def ms(seconds: float) -> float:
        return round(1000 * seconds / updates, 2)

    row: dict[str, Any] = {
        "action": action,
        "updates": updates,
        "cpu_ms": ms(cpu),
        "loop_thread_ms": ms(thread),
        "other_threads_ms": ms(worker),
        "gate_ms": ms(gate),
        "parts_ms": {part: ms(parts.get(part, 0.0)) for part in PARTS},
    }
    if top:
        raw: dict[Func, Any] = stats.stats  # type: ignore[attr-defined]
        ranked = sorted(raw.items(), key=lambda item: item[1][2], reverse=True)[:top]
        row["top"] = [
            {"function": f"{Path(f[0]).name}:{f[1]}:{f[2]}", "own_ms": ms(v[2])} for f, v in ranked
        ]
    return row


def markdown(rows: list[dict[str, Any]]) -> str:
    """The table for docs/performance.md: CPU ms per update, by part."""
    head = ["action", "CPU ms/update unprofiled", "profiled", "gate", *PARTS]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        cells = [
            row["action"],
            f"{row.get('plain_cpu_ms', 0.0):.2f}",
            f"{row['cpu_ms']:.2f}",
            f"{row['gate_ms']:.2f}",
        ]
        cells += [f"{row['parts_ms'][part]:.2f}" for part in PARTS]
        lines.append("| " + " | ".join(cells) + " |")
    for row in rows:
        for entry in row.get("top", []):
            lines.append(f"    {row['action']}: {entry['own_ms']:.3f} ms  {entry['function']}")
    return "\n".join(lines)


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench profile", description=__doc__)
    parser.add_argument("--updates", type=int, default=100, help="updates per action")
    parser.add_argument("--postgres-url", help="PostgreSQL database to use (emptied first)")
    parser.add_argument("--top", type=int, default=0, help="list the N most expensive functions")
    parser.add_argument("--output", type=Path, help="also write the figures as JSON here")
    parser.add_argument("--keep", type=Path, help="also write each action's statistics here")
    args = parser.parse_args(argv)
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
    from casework.settings import normalise_database_url

    with tempfile.TemporaryDirectory() as tmp:
        url = (
            normalise_database_url(args.postgres_url)
            if args.postgres_url
            else f"sqlite+aiosqlite:///{Path(tmp) / 'profile.sqlite3'}"
        )
        rows = asyncio.run(profile_actions(url, updates=args.updates, top=args.top, keep=args.keep))
    print(markdown(rows))
    if args.output is not None:
        args.output.write_text(json.dumps(rows, indent=2) + "\n")
    return 0
