"""The back-office's composition root: `build_backoffice` assembles the Starlette app.

Nothing happens at import time. The back-office is its own process (or, in tests and the
sandbox, its own task): it shares the database with the bot and talks to the clients through a
`telegram.Bot` of its own (built once at start-up) in the client's language.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from telegram import Bot

from backoffice import oidc as oidc_module
from backoffice.routes import routes
from backoffice.security import AddressThrottle, Passwords, password_hasher
from backoffice.web import (
    Refused,
    SessionMiddleware,
    on_http_error,
    on_refused,
    on_server_error,
    pager,
)
from bot.app import planning_rules
from bot.context import Services
from bot.services.relay import TelegramRelay
from casework.clock import Clock, SystemClock
from casework.planning import PlanningRules
from casework.settings import Settings
from storage.db import Database
from texts.i18n import available_locales

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent


@dataclass
class Backoffice:
    """What every route uses, assembled once (the back-office's `Services`)."""

    settings: Settings
    db: Database
    clock: Clock
    bot: Bot | None
    rules: PlanningRules
    templates: Jinja2Templates
    passwords: Passwords
    services: Services  # what the question store's delivery (bot/services/relay.py) needs
    oidc: oidc_module.OidcClient | None = None
    throttle: AddressThrottle = field(default_factory=AddressThrottle)

    @property
    def idle(self) -> timedelta:
        return timedelta(minutes=self.settings.session_idle_minutes)


@cache
def template_environment() -> Environment:
    """The templates, compiled once per process (every app built in a test shares them)."""
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html"], default_for_string=True),
        auto_reload=False,
    )
    env.filters["pager"] = pager
    return env


def make_bot(settings: Settings) -> Bot | None:
    """The Bot API client the back-office sends with (None without a token)."""
    if settings.telegram_token is None:
        return None
    return Bot(
        settings.telegram_token.get_secret_value(),
        base_url=settings.telegram_api_url,
        base_file_url=settings.file_url,
    )


def build_backoffice(
    settings: Settings,
    *,
    db: Database,
    clock: Clock | None = None,
    bot: Bot | None = None,
    hasher: PasswordHasher | None = None,
    sandbox: bool = False,
) -> Starlette:
    """Assemble the back-office: state, session middleware, routes, static files."""
    templates = Jinja2Templates(env=template_environment())
    clock = clock or SystemClock()
    rules = planning_rules(settings)
    services = Services(
        settings=settings,
        db=db,
        clock=clock,
        rules=rules,
        shipped_locales=available_locales(),
        instance=f"backoffice:{socket.gethostname()}",
    )
    if settings.staff_chat_id is not None and bot is not None:
        services.relay = TelegramRelay(services)  # acts here show in the staff chat's topics
    bo = Backoffice(
        settings=settings,
        db=db,
        clock=clock,
        bot=bot,
        rules=rules,
        templates=templates,
        passwords=Passwords(hasher or password_hasher()),
        services=services,
        oidc=oidc_module.from_settings(settings, sandbox=sandbox),
    )

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        if bo.bot is not None:
            await bo.bot.initialize()
        try:
            yield
        finally:
            if bo.bot is not None:
                await bo.bot.shutdown()

    app = Starlette(
        routes=[*routes(), Mount("/static", StaticFiles(directory=HERE / "static"), name="static")],
        middleware=[Middleware(SessionMiddleware, bo=bo)],
        exception_handlers={
            Refused: on_refused,
            HTTPException: on_http_error,
            500: on_server_error,
        },
        lifespan=lifespan,
    )
    app.state.backoffice = bo
    return app
