"""`inburgerbot dispatch`: send due reminders from the outbox in a process of its own."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

import click

from bot.channels import channels_of
from casework.settings import Settings
from console.common import CliState, pass_state
from console.compose import running
from scheduler.dispatch import SEND_CONCURRENCY, Tally, for_services


async def serve(settings: Settings, *, once: bool, rate_limited: bool, concurrency: int) -> Tally:
    """Dispatch with the bot built by the composition root, until done or SIGTERM/SIGINT."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    total = Tally()
    async with running(settings, bot=True, rate_limit=rate_limited) as app:
        services = app.application.bot_data.services
        assert services is not None
        dispatcher = for_services(services, rate_limited=rate_limited)
        dispatcher.concurrency = concurrency
        while not stop.is_set():
            channel = channels_of(app.application).client
            total.add(await dispatcher.drain(channel, should_stop=stop.is_set))
            if once:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=settings.dispatch_interval_seconds)
    return total


@click.command("dispatch")
@click.option("--once", "mode", flag_value="once", help="Drain what is due now, then exit.")
@click.option("--loop", "mode", flag_value="loop", default=True, help="Keep dispatching (default).")
@click.option(
    "--no-rate-limit",
    is_flag=True,
    help="No AIORateLimiter and no pacing (for tests and benchmarks against the fake).",
)
@click.option("--concurrency", type=int, default=SEND_CONCURRENCY, show_default=True)
@pass_state
def dispatch(state: CliState, mode: str, no_rate_limit: bool, concurrency: int) -> None:
    """Send due reminders from the outbox (settings from INBURGERBOT_*)."""
    settings = state.config
    logging.basicConfig(level=settings.log_level, format="%(levelname)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    asyncio.run(
        serve(
            settings,
            once=mode == "once",
            rate_limited=not no_rate_limit,
            concurrency=concurrency,
        )
    )
