"""The composition root: `build_application` assembles the bot; nothing happens at import."""

from __future__ import annotations

import logging
import socket
from typing import TYPE_CHECKING, Any

from telegram import BotCommand, BotCommandScopeAllPrivateChats
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes
from telegram.request import BaseRequest

from bot.audio import audio_for
from bot.channels.staff import TelegramRelay
from bot.context import BotContext, BotData, Services
from bot.handlers import register
from bot.metrics import CountingRequest, MeteredApplication
from bot.ordering import ChatOrderedProcessor
from bot.request import RetryingRequest
from bot.services.translating import Translating, engine_for
from casework.clock import Clock, SystemClock
from casework.contacts import ContactQueue
from casework.settings import Settings, planning_rules
from storage.db import Database
from texts.i18n import BY_CODE, available_locales, require_catalogues, translator

if TYPE_CHECKING:
    from casework.ports import CaseSystem

log = logging.getLogger(__name__)
BotApplication = Application[Any, BotContext, Any, Any, BotData, Any]


def build_application(
    settings: Settings,
    *,
    db: Database | None = None,
    clock: Clock | None = None,
    rate_limit: bool = True,
    request: BaseRequest | None = None,
    concurrent_updates: int | None = None,
    case_system: CaseSystem | None = None,
) -> BotApplication:
    """Assemble the bot: services, handlers in order and the error handler (the periodic jobs
    are the composition root's, console/compose.py `schedule`).

    `request` carries the Bot API calls (not getUpdates); by default it retries time-outs and
    5xx while an update is handled (bot/request.py). Updates of different chats are handled
    concurrently, up to `concurrent_updates` (default INBURGERBOT_UPDATE_CONCURRENCY) at once,
    each chat's in order (bot/ordering.py). With a `case_system` (Common Ground, built by the
    console), every question and answer is queued as a contact moment and a job sends them.
    """
    if settings.telegram_token is None:
        raise ValueError("INBURGERBOT_TELEGRAM_TOKEN is not set")
    require_catalogues()
    services = Services(
        settings=settings,
        db=db
        or Database(
            settings.database_url,
            pool_size=settings.pool_size(concurrent_updates),
            max_overflow=settings.db_max_overflow,
            pool_timeout=settings.db_pool_timeout,
            pool_recycle=settings.db_pool_recycle,
        ),
        clock=clock or SystemClock(),
        rules=planning_rules(settings),
        shipped_locales=available_locales(),
        instance=f"{socket.gethostname()}:{id(settings):x}",
    )
    services.audio = audio_for(settings)  # 🔊 Listen (docs/audio.md)
    if settings.staff_chat_id is not None:
        services.relay = TelegramRelay(services)  # the optional Telegram staff chat
    engine = engine_for(settings)
    if engine is not None:  # machine translation (docs/translation.md)
        services.translating = Translating(services, engine)
    if case_system is not None:
        services.case_system = case_system
        if settings.open_klant_enabled:
            services.contacts = ContactQueue(services.db, services.clock)
    builder = (
        ApplicationBuilder()
        .token(settings.telegram_token.get_secret_value())
        .base_url(settings.telegram_api_url)
        .base_file_url(settings.file_url)
        .application_class(MeteredApplication)  # counts and times updates (bot/metrics.py)
        .context_types(ContextTypes(context=BotContext, bot_data=BotData))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .request(CountingRequest(request or RetryingRequest(), services.metrics))
        .concurrent_updates(ChatOrderedProcessor(concurrent_updates or settings.update_concurrency))
    )
    if rate_limit:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=3))  # type: ignore[arg-type]
    application: BotApplication = builder.build()
    application.bot_data.services = services
    register(application)
    return application


def command_list(locale: str) -> list[BotCommand]:
    t = translator(locale)
    return [
        BotCommand("start", t("Start and main menu")),
        BotCommand("plan", t("My plan (PIP)")),
        BotCommand("appointments", t("My appointments")),
        BotCommand("tasks", t("My tasks")),
        BotCommand("question", t("Ask my caseworker a question")),
        BotCommand("settings", t("Language and reminders")),
        BotCommand("words", t("Dutch words explained")),
        BotCommand("privacy", t("What the bot keeps about me")),
        BotCommand("help", t("Help")),
    ]


async def _post_init(application: BotApplication) -> None:
    """Tell Telegram the command list in every shipped language that Telegram can name."""
    services = application.bot_data.services
    assert services is not None
    scope = BotCommandScopeAllPrivateChats()
    await application.bot.set_my_commands(
        command_list(services.settings.default_locale), scope=scope
    )
    for code in services.shipped_locales:
        if len(code) == 2 and code in BY_CODE:  # Telegram takes two-letter codes only
            await application.bot.set_my_commands(
                command_list(code), scope=scope, language_code=code
            )


async def _post_shutdown(application: BotApplication) -> None:
    services = application.bot_data.services
    if services is not None:
        if services.translating is not None:
            await services.translating.close()
        await services.db.dispose()
