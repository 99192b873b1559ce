"""A bot process for the benchmarks: the real bot or the echo bot, polling a given Bot API.

    python -m bench.botproc real|echo API_URL [DATABASE_URL]

Prints "ready" once polling, serves until SIGTERM. The parent reads its peak memory from
/proc/<pid>/status (VmHWM) before stopping it.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from typing import Any

from bench.echo_bot import build_echo
from bot.app import build_application
from bot.settings import Settings
from casework.clock import SystemClock

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
        settings = real_settings(api_url, database_url)
        app = build_application(settings, clock=SystemClock(), rate_limit=False, with_jobs=False)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await app.initialize()
    await app.start()
    await app.updater.start_polling(poll_interval=0, timeout=5)
    print("ready", flush=True)
    await stop.wait()
    await app.updater.stop()
    await app.stop()
    await app.shutdown()


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.WARNING)
    kind, api_url, *rest = argv
    asyncio.run(serve(kind, api_url, rest[0] if rest else None))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
