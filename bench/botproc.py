"""A bot process for the benchmarks: the real bot or the echo bot, polling a given Bot API.

    python -m bench.botproc real|echo API_URL [DATABASE_URL]

Prints "ready" once polling, serves until SIGTERM. The parent reads its peak memory from
/proc/<pid>/status (VmHWM) before stopping it. With INBURGERBOT_BENCH_PROFILE_DIR set, SIGUSR1
starts cProfile on the event loop's thread (its CPU time) and SIGUSR2 stops it and writes
`<dir>/<n>.prof` (bench/profile.py).
"""

from __future__ import annotations

import asyncio
import cProfile
import logging
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

from bench.echo_bot import build_echo
from bot.app import build_application
from bot.serve import settle_application
from casework.clock import SystemClock
from casework.settings import Settings

TOKEN = "123456:BENCH-TOKEN"


def real_settings(api_url: str, database_url: str) -> Settings:
    values: dict[str, Any] = {
        "telegram_token": TOKEN,
        "telegram_api_url": api_url,
        "database_url": database_url,
        "log_level": "WARNING",
        # The benchmark may run at any hour: no quiet hours, or at night nothing would be sent.
        "quiet_hours": "00:00-00:00",
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


async def serve(kind: str, api_url: str, database_url: str | None) -> None:
    if kind == "echo":
        app: Any = build_echo(TOKEN, api_url)
    else:
        assert database_url is not None
        if os.environ.get("INBURGERBOT_BENCH_PROFILE_DIR"):
            _time_the_gate()
        settings = real_settings(api_url, database_url)
        app = build_application(settings, clock=SystemClock(), rate_limit=False)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    profile_dir = os.environ.get("INBURGERBOT_BENCH_PROFILE_DIR")
    if profile_dir:
        _profile_on_signals(Path(profile_dir))
    await app.initialize()
    if kind != "echo":
        settle_application(app)  # as bot/serve.py does after start
    await app.start()
    await app.updater.start_polling(poll_interval=0, timeout=5)
    print("ready", flush=True)
    await stop.wait()
    await app.updater.stop()
    await app.stop()
    await app.shutdown()


GATE_SECONDS = [0.0]  # CPU time of this thread inside the gate while profiling


def _time_the_gate() -> None:
    """Wrap the group -1 gate to add up this thread's CPU time inside it (one update at a time).

    cProfile's inclusive times do not add up for coroutines, which it sees once per resume.
    """
    from bot.handlers import gate as module

    inner = module.gate

    async def timed(update: Any, context: Any) -> None:
        started = time.thread_time()
        try:
            await inner(update, context)
        finally:
            GATE_SECONDS[0] += time.thread_time() - started

    module.gate = timed  # type: ignore[assignment]


def _profile_on_signals(directory: Path) -> None:
    """SIGUSR1: start profiling (CPU time of this thread); SIGUSR2: stop and write n.prof."""
    loop = asyncio.get_running_loop()
    state: dict[str, Any] = {"profiler": None, "n": 0}

    def start() -> None:
        profiler = cProfile.Profile(time.thread_time)
        state["profiler"] = profiler
        GATE_SECONDS[0] = 0.0
        profiler.enable()
        (directory / f"{state['n']}.started").touch()

    def stop() -> None:
        profiler = state["profiler"]
        if profiler is None:
            return
        profiler.disable()
        state["profiler"] = None
        (directory / f"{state['n']}.gate").write_text(repr(GATE_SECONDS[0]))
        profiler.dump_stats(directory / f"{state['n']}.part")
        (directory / f"{state['n']}.part").rename(directory / f"{state['n']}.prof")
        state["n"] += 1

    loop.add_signal_handler(signal.SIGUSR1, start)
    loop.add_signal_handler(signal.SIGUSR2, stop)


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.WARNING)
    kind, api_url, *rest = argv
    asyncio.run(serve(kind, api_url, rest[0] if rest else None))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
