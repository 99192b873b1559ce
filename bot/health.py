"""/healthz, /readyz and /metrics, on the webhook server or on INBURGERBOT_HEALTH_PORT.

- `/healthz`: the process is up and its event loop answers (200, no checks).
- `/readyz`: the database answers, its schema is at the newest migration, and the Bot API answers
  getMe (with a short time-out; the answer is kept a while so a busy prober does not flood
  Telegram). 200 when all hold, else 503; the body names each check, never any data.
- `/metrics`: Prometheus text format (bot/metrics.py), 404 when INBURGERBOT_METRICS_ENABLED=false.

Keep `/metrics` and `/readyz` off the public internet: the nginx example passes only the
webhook path (deploy/nginx.conf).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError
from telegram.error import TelegramError
from telegram.ext import Application

from bot.metrics import CONTENT_TYPE
from storage import migrate, monitoring

log = logging.getLogger(__name__)

CHECK_TIMEOUT = 3.0
TELEGRAM_OK_FOR = 30.0  # seconds a successful getMe counts
TELEGRAM_FAILED_FOR = 5.0  # seconds a failed one counts before asking again
AnyApplication = Application[Any, Any, Any, Any, Any, Any]


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: str

    def as_text(self) -> str:
        return "ok" if self.ok else self.detail


class Readiness:
    """The readiness checks of one process."""

    def __init__(
        self,
        application: AnyApplication,
        *,
        timeout: float = CHECK_TIMEOUT,
        telegram_ok_for: float = TELEGRAM_OK_FOR,
        telegram_failed_for: float = TELEGRAM_FAILED_FOR,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.application = application
        self.timeout = timeout
        self.telegram_ok_for = telegram_ok_for
        self.telegram_failed_for = telegram_failed_for
        self.monotonic = monotonic
        self._head: str | None = None
        self._telegram: tuple[Check, float] | None = None
        self._telegram_lock = asyncio.Lock()

    @property
    def services(self) -> Any:
        return self.application.bot_data.services

    async def checks(self) -> dict[str, Check]:
        (database, migrations), telegram = await asyncio.gather(self.schema(), self.telegram())
        return {"database": database, "migrations": migrations, "telegram": telegram}

    async def schema(self) -> tuple[Check, Check]:
        """The database answers, and its revision is the newest one in the scripts."""
        if self._head is None:
            self._head = await asyncio.to_thread(migrate.head_revision)
        try:
            async with asyncio.timeout(self.timeout):
                current = await monitoring.schema_revision(self.services.db)
        except (SQLAlchemyError, OSError, TimeoutError) as exc:
            down = Check(False, f"unreachable ({type(exc).__name__})")
            return down, Check(False, "unknown (database unreachable)")
        if current is None:
            return Check(True, "ok"), Check(False, f"not migrated (head {self._head})")
        if current != self._head:
            return Check(True, "ok"), Check(False, f"at {current}, head is {self._head}")
        return Check(True, "ok"), Check(True, "ok")

    async def telegram(self) -> Check:
        """getMe answers; a result is kept for a while (longer when it was good)."""
        async with self._telegram_lock:
            now = self.monotonic()
            if self._telegram is not None and now < self._telegram[1]:
                return self._telegram[0]
            try:
                async with asyncio.timeout(self.timeout):
                    await self.application.bot.get_me(
                        read_timeout=self.timeout, connect_timeout=self.timeout
                    )
                check, keep = Check(True, "ok"), self.telegram_ok_for
            except (TelegramError, OSError, TimeoutError) as exc:
                check = Check(False, f"unreachable ({type(exc).__name__})")
                keep = self.telegram_failed_for
            self._telegram = (check, self.monotonic() + keep)
            return check


def metrics_allowed(request: web.Request, token: str | None, *, public: bool) -> bool:
    """On the side port (its own address, loopback by default) anyone who reaches it may read
    the metrics; on the public webhook port only with `Authorization: Bearer <METRICS_TOKEN>`
    (compared in constant time), and never when no token is set."""
    if not public:
        return True
    if token is None:
        return False
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").encode()
    return hmac.compare_digest(given, token.encode())


def add_routes(
    app: web.Application, application: AnyApplication, *, public: bool = False
) -> Readiness:
    """Add /healthz, /readyz and /metrics to an aiohttp application (`public`: the webhook
    server, where /metrics needs the metrics token)."""
    readiness = Readiness(application)

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def readyz(_request: web.Request) -> web.Response:
        checks = await readiness.checks()
        ready = all(check.ok for check in checks.values())
        if not ready:
            log.warning(
                "not ready", extra={name: c.as_text() for name, c in checks.items() if not c.ok}
            )
        return web.json_response(
            {
                "status": "ready" if ready else "not ready",
                "checks": {name: check.as_text() for name, check in checks.items()},
            },
            status=200 if ready else 503,
        )

    async def metrics(request: web.Request) -> web.Response:
        services = application.bot_data.services
        if not services.settings.metrics_enabled:
            raise web.HTTPNotFound()
        token = services.settings.metrics_token
        if not metrics_allowed(request, token.get_secret_value() if token else None, public=public):
            raise web.HTTPNotFound()
        await services.metrics.refresh(services.db, now=services.clock.now())
        return web.Response(
            body=services.metrics.render(),
            headers={"Content-Type": CONTENT_TYPE},
        )

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    return readiness


async def start_side_server(application: AnyApplication, host: str, port: int) -> web.AppRunner:
    """Serve the three endpoints on their own port (polling mode); stop with `cleanup()`."""
    app = web.Application()
    add_routes(app, application)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    log.info("health and metrics listening", extra={"port": port})
    return runner
