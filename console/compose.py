"""The one composition root of every process: settings, database, clock and, where asked, the bot.

    async with running(settings) as app:                     # the database only
        ...
    async with running(settings, bot=True) as app:           # and the bot, initialised
        await app.application.bot.send_message(...)
    async with running(settings, bot=True, polling=True) as app:  # and taking updates

Leaving the block stops what it started, in reverse order, also after an error. A database that
the caller hands in stays open (the caller owns it); one opened here is disposed of here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

from telegram.request import BaseRequest

from bot.app import BotApplication, build_application
from bot.channels import channels_of
from casework.clock import Clock, SystemClock
from casework.settings import Settings
from scheduler.dispatch import Dispatcher
from scheduler.jobs import schedule_jobs
from scheduler.services import SchedulerServices
from storage.db import Database


@dataclass(frozen=True)
class Running:
    """What a started process holds: its settings, database, clock and (if asked) the bot."""

    settings: Settings
    db: Database
    clock: Clock
    bot_application: BotApplication | None = None

    @property
    def application(self) -> BotApplication:
        if self.bot_application is None:
            raise RuntimeError("started without the bot: pass bot=True to running()")
        return self.bot_application


def database_for(settings: Settings, *, pool_size: int | None = None) -> Database:
    """The configured database; a console command asks for a pool of one."""
    if pool_size is not None:
        return Database(settings.database_url, pool_size=pool_size)
    return Database(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
        pool_recycle=settings.db_pool_recycle,
    )


def scheduler_services(application: BotApplication) -> SchedulerServices:
    """The scheduler's services on a built bot: the same settings, database and clock, and the
    bot's Telegram channels."""
    services = application.bot_data.services
    assert services is not None, "build_application sets the services"
    return SchedulerServices(
        settings=services.settings,
        db=services.db,
        clock=services.clock,
        rules=services.rules,
        channels=channels_of(application),
        instance=services.instance,
        shipped_locales=services.shipped_locales,
    )


def schedule(application: BotApplication) -> Dispatcher:
    """Register the periodic jobs (scheduler/jobs.py) on the bot's JobQueue."""
    assert application.job_queue is not None
    rate_limited = application.bot.rate_limiter is not None
    return schedule_jobs(
        application.job_queue, scheduler_services(application), rate_limited=rate_limited
    )


@asynccontextmanager
async def running(
    settings: Settings,
    *,
    clock: Clock | None = None,
    db: Database | None = None,
    pool_size: int | None = None,
    bot: bool = False,
    rate_limit: bool = True,
    with_jobs: bool = False,
    polling: bool = False,
    request: BaseRequest | None = None,
) -> AsyncIterator[Running]:
    """Open the database (unless given), build and initialise the bot (if asked), and stop
    everything again on the way out."""
    async with AsyncExitStack() as stack:
        if db is None:
            db = database_for(settings, pool_size=pool_size)
            stack.push_async_callback(db.dispose)
        clock = clock or SystemClock()
        application = None
        if bot or polling:
            application = build_application(
                settings,
                db=db,
                clock=clock,
                rate_limit=rate_limit,
                request=request,
            )
            if with_jobs:
                schedule(application)
            await application.initialize()
            stack.push_async_callback(application.shutdown)
            if polling:
                await application.start()
                stack.push_async_callback(application.stop)
                assert application.updater is not None
                await application.updater.start_polling(poll_interval=0, timeout=1)
                stack.push_async_callback(application.updater.stop)
        yield Running(settings=settings, db=db, clock=clock, bot_application=application)
