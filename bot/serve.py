"""The long-running bot process: a webhook server or long polling, each with health and metrics.

Webhook mode (`inburgerbot webhook`) runs its own aiohttp server behind a reverse proxy: POST
<path> takes Telegram's updates, GET /healthz, /readyz and /metrics answer the operator
(bot/health.py). Several processes may run behind one proxy; the database is their only state.

How an update is taken:
1. the `X-Telegram-Bot-Api-Secret-Token` header must equal INBURGERBOT_WEBHOOK_SECRET
   (constant-time compare), else 403 and nothing is read;
2. the body must be an Update, else 400;
3. the update is handled (all handlers, through the application's update processor, which keeps
   each chat in order: bot/ordering.py) and only then answered
   with 200. Telegram sends a chat's next update only after the previous one was answered, so
   one chat's updates are handled one after the other, in order, whichever process gets them;
   and an update whose process dies before answering is sent again, to a process that lives.
   Should handling take longer than INBURGERBOT_WEBHOOK_ANSWER_SECONDS, the update is answered
   anyway (Telegram would time out and send it again) and handling goes on;
4. on SIGTERM the process answers new updates with 503 and `Retry-After` (Telegram sends them
   again, the proxy to another process), finishes the ones in hand, then stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import re
import secrets
import signal
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot import heap
from bot.health import add_routes, start_side_server
from bot.logs import log_ids

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
REQUEST_ID_HEADER = "X-Request-Id"
MAX_BODY = 1024 * 1024  # an update is a few kilobytes; Telegram sends no files inline
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
AnyApplication = Application[Any, Any, Any, Any, Any, Any]


@dataclass(frozen=True)
class WebhookOptions:
    """Where to listen and what to tell Telegram."""

    listen: str
    port: int
    path: str  # without slashes, e.g. "telegram"
    secret: str
    public_url: str | None = None  # set the webhook to <public_url>/<path> (one process only)
    max_connections: int = 40
    answer_within: float = 20.0

    @property
    def webhook_url(self) -> str | None:
        return f"{self.public_url.rstrip('/')}/{self.path}" if self.public_url else None


def request_id(request: web.Request) -> str:
    """The proxy's request id (nginx `$request_id`) when it looks like one, else a new one."""
    given = request.headers.get(REQUEST_ID_HEADER, "")
    return given if _REQUEST_ID.fullmatch(given) else secrets.token_hex(8)


class WebhookServer:
    """Takes updates over HTTP and hands them to the application, one task each."""

    def __init__(self, application: AnyApplication, options: WebhookOptions) -> None:
        self.application = application
        self.options = options
        self.draining = False
        self.tasks: set[asyncio.Task[None]] = set()
        self.app = web.Application(client_max_size=MAX_BODY)
        self.app.router.add_post(f"/{options.path}", self.take_update)
        add_routes(self.app, application, public=True)

    @property
    def metrics(self) -> Any:
        return self.application.bot_data.services.metrics

    async def take_update(self, request: web.Request) -> web.Response:
        if self.draining:
            self.metrics.webhook_requests.labels(outcome="draining").inc()
            return web.Response(status=503, headers={"Retry-After": "1"}, text="stopping")
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self.options.secret.encode()):
            self.metrics.webhook_requests.labels(outcome="bad_secret").inc()
            log.warning("webhook request with a wrong secret token refused")
            return web.Response(status=403, text="forbidden")
        with log_ids(request_id=request_id(request)):
            update = await self._read(request)
            if update is None:
                self.metrics.webhook_requests.labels(outcome="bad_update").inc()
                return web.Response(status=400, text="not an update")
            task = asyncio.create_task(self._handle(update), name=f"update-{update.update_id}")
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
            done, _ = await asyncio.wait({task}, timeout=self.options.answer_within)
            if not done:
                self.metrics.webhook_requests.labels(outcome="answered_early").inc()
                log.warning(
                    "update still being handled; answered so Telegram does not send it again",
                    extra={"update_id": update.update_id},
                )
                return web.Response(text="ok")
        self.metrics.webhook_requests.labels(outcome="handled").inc()
        return web.Response(text="ok")

    async def _read(self, request: web.Request) -> Update | None:
        try:
            data = await request.json(loads=json.loads)
            update = Update.de_json(data, self.application.bot) if isinstance(data, dict) else None
        except (ValueError, TypeError, KeyError, web.HTTPException):
            update = None
        if update is None:
            log.warning("webhook request without an update refused")
        return update

    async def _handle(self, update: Update) -> None:
        # process_update never raises for a handler's error (the error handler gets it).
        # Through the application's update processor, as polling does: each chat in order,
        # different chats at the same time (bot/ordering.py).
        application = self.application
        try:
            await application.update_processor.process_update(
                update, application.process_update(update)
            )
        except Exception:
            log.exception("update could not be handled", extra={"update_id": update.update_id})

    async def drain(self, within: float) -> None:
        """Refuse new updates (503) and wait for the ones in hand."""
        self.draining = True
        if self.tasks:
            log.info("finishing %d updates before stopping", len(self.tasks))
            await asyncio.wait(set(self.tasks), timeout=within)


def stop_on_signals() -> asyncio.Event:
    """An event set by SIGTERM or SIGINT."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    return stop


async def _started(application: AnyApplication) -> None:
    """initialize and post_init, as run_polling/run_webhook do; then the heap settled."""
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    settle_application(application)


def settle_application(application: AnyApplication) -> None:
    """Every shipped language loaded and the heap frozen for the garbage collector
    (bot/heap.py): a full collection no longer holds every update up for 0.1 s."""
    services = application.bot_data.services
    if services is None:
        return
    frozen = heap.settle(services.shipped_locales, services.settings.zone)
    log.info("heap settled", extra={"frozen_objects": frozen})


async def _stopped(application: AnyApplication) -> None:
    if application.running:
        await application.stop()
        if application.post_stop is not None:
            await application.post_stop(application)
    await application.shutdown()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)


async def serve_webhook(
    application: AnyApplication, options: WebhookOptions, *, stop: asyncio.Event | None = None
) -> None:
    """Run the webhook server until `stop` (default: SIGTERM or SIGINT) is set."""
    stop = stop or stop_on_signals()
    server = WebhookServer(application, options)
    runner = web.AppRunner(server.app, access_log=None, shutdown_timeout=1.0)
    await _started(application)
    try:
        await application.start()
        await runner.setup()
        await web.TCPSite(runner, options.listen, options.port).start()
        if options.webhook_url is not None:
            await application.bot.set_webhook(
                options.webhook_url,
                secret_token=options.secret,
                allowed_updates=Update.ALL_TYPES,
                max_connections=options.max_connections,
                drop_pending_updates=False,
            )
            log.info("webhook set", extra={"max_connections": options.max_connections})
        log.info("webhook server listening", extra={"port": options.port, "path": options.path})
        await stop.wait()
        log.info("stopping: finishing the updates in hand")
        started = time.monotonic()
        await server.drain(options.answer_within)
        log.info("updates finished", extra={"seconds": round(time.monotonic() - started, 3)})
    finally:
        await runner.cleanup()
        await _stopped(application)


async def serve_polling(
    application: AnyApplication,
    *,
    health: tuple[str, int] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Long polling until `stop`; health and metrics on a side port when `health` is given."""
    stop = stop or stop_on_signals()
    side: web.AppRunner | None = None
    await _started(application)
    try:
        assert application.updater is not None
        await application.updater.start_polling(
            allowed_updates=Update.ALL_TYPES, drop_pending_updates=False
        )
        await application.start()
        if health is not None:
            side = await start_side_server(application, *health)
        log.info("bot running (long polling)")
        await stop.wait()
    finally:
        if side is not None:
            await side.cleanup()
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        await _stopped(application)
