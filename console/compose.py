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
from bot.services.translating import translation_tick
from casework.clock import Clock, SystemClock
from casework.ports import CaseSystem
from casework.settings import Settings
from commonground.objecten import ObjectsApi
from commonground.openklant import OpenKlant
from commonground.system import CommonGround
from commonground.zaken import ZakenApi
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


def case_system_for(settings: Settings) -> CaseSystem | None:
    """Common Ground (Open Klant, the Zaken API, the Objects API) as far as configured
    (docs/common-ground.md); none at all: the JSON import is the only case system."""
    open_klant = zaken = None
    if settings.open_klant_url and settings.open_klant_token is not None:
        open_klant = OpenKlant(
            settings.open_klant_url,
            settings.open_klant_token.get_secret_value(),
            actor_uuid=settings.open_klant_actor_uuid,
        )
    if settings.zaken_api_url and settings.zaken_client_id and settings.zaken_secret is not None:
        zaken = ZakenApi(
            settings.zaken_api_url,
            settings.zaken_client_id,
            settings.zaken_secret.get_secret_value(),
        )
    objects = None
    if settings.objects_api_url and settings.objects_token and settings.objects_type_url:
        objects = ObjectsApi(
            settings.objects_api_url,
            settings.objects_token.get_secret_value(),
            type_url=settings.objects_type_url,
            identification_type=settings.objects_identification_type,
        )
    if open_klant is None and zaken is None and objects is None:
        return None
    return CommonGround(open_klant=open_klant, zaken=zaken, objects=objects)


def database_for(settings: Settings, *, pool_size: int | None = None) -> Database:
    """The configured database; a console command asks for a pool of one."""
    if pool_size is not None:
        return Database(settings.database_url, pool_size=pool_size)
    return Database(
        settings.database_url,
        pool_size=settings.pool_size(),
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
        case_system=services.case_system,
        contacts=services.contacts is not None,
    )


def schedule(application: BotApplication) -> Dispatcher:
    """Register the periodic jobs (scheduler/jobs.py) on the bot's JobQueue, and the bot's own
    translation job where machine translation is on (bot/services/translating.py)."""
    assert application.job_queue is not None
    rate_limited = application.bot.rate_limiter is not None
    dispatcher = schedule_jobs(
        application.job_queue, scheduler_services(application), rate_limited=rate_limited
    )
    services = application.bot_data.services
    if services is not None and services.translating is not None:
        every = services.settings.translation_interval_seconds
        application.job_queue.run_repeating(
            translation_tick, interval=every, first=every, name="translation"
        )
    return dispatcher


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
                case_system=case_system_for(settings),
            )
            translating = application.bot_data.services.translating  # type: ignore[union-attr]
            if translating is not None:  # its connections and worker process, after the bot
                stack.push_async_callback(translating.close)
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
