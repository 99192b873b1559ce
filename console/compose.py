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
from casework.clock import Clock, SystemClock
from casework.settings import Settings
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
                with_jobs=with_jobs,
                request=request,
            )
            await application.initialize()
            stack.push_async_callback(application.shutdown)
            if polling:
                await application.start()
                stack.push_async_callback(application.stop)
                assert application.updater is not None
                await application.updater.start_polling(poll_interval=0, timeout=1)
                stack.push_async_callback(application.updater.stop)
        yield Running(settings=settings, db=db, clock=clock, bot_application=application)
