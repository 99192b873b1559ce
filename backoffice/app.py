"""The back-office's composition root: `build_backoffice` assembles the Starlette app.

Nothing happens at import time. The back-office is its own process (or, in tests and the
sandbox, its own task): it shares the database with the bot and talks to the clients through the
channels the composition root hands it (console/backoffice.py, sandbox/backoffice.py: Telegram
with a `telegram.Bot` of its own), in the client's language. It imports nothing of the bot.
"""

from __future__ import annotations

import logging
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
from casework.clock import Clock, SystemClock
from casework.planning import PlanningRules
from casework.ports import CaseSystem, Channels
from casework.settings import Settings, planning_rules
from storage.db import Database
from texts.i18n import available_locales
from texts.readers import Readers

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent


@dataclass
class Backoffice:
    """What every route uses, assembled once (the back-office's `Services`)."""

    settings: Settings
    db: Database
    clock: Clock
    channels: Channels | None  # None: answers are stored, not sent (no Telegram configured)
    rules: PlanningRules
    templates: Jinja2Templates
    passwords: Passwords
    readers: Readers  # the client's language and how a text reads for them
    oidc: oidc_module.OidcClient | None = None
    # The case system (Common Ground, built by the composition root): the Notificaties
    # callback reads a changed object anew from it (docs/common-ground.md).
    case_system: CaseSystem | None = None
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


def build_backoffice(
    settings: Settings,
    *,
    db: Database,
    clock: Clock | None = None,
    channels: Channels | None = None,
    hasher: PasswordHasher | None = None,
    sandbox: bool = False,
    case_system: CaseSystem | None = None,
) -> Starlette:
    """Assemble the back-office: state, session middleware, routes, static files."""
    templates = Jinja2Templates(env=template_environment())
    clock = clock or SystemClock()
    rules = planning_rules(settings)
    readers = Readers(settings.default_locale, available_locales(), settings.zone)
    bo = Backoffice(
        settings=settings,
        db=db,
        clock=clock,
        channels=channels,
        rules=rules,
        templates=templates,
        passwords=Passwords(hasher or password_hasher()),
        readers=readers,
        oidc=oidc_module.from_settings(settings, sandbox=sandbox),
        case_system=case_system,
    )

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        if bo.channels is not None:
            await bo.channels.client.open()
        try:
            yield
        finally:
            if bo.channels is not None:
                await bo.channels.client.close()

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
