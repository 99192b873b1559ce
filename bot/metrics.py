"""Prometheus metrics of one bot process, in a registry of its own (held by `Services.metrics`).

What is measured: updates handled by kind and the time their handling took; failed Bot API calls
by error code and method; webhook requests by outcome; and, read from the database when scraped,
the reminder outbox by status with the age of the oldest overdue row, the questions waiting
for an answer with the age of the oldest, and the case system's contact moments by status with
the age of the oldest unsent one. Labels are kinds, status codes and Bot API method names
only: never a name, a chat id, a text or a file path.

Every process of a deployment reports the database-derived gauges alike (they describe the
shared database); per-process counters add up across processes.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from datetime import datetime
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from sqlalchemy.exc import SQLAlchemyError
from telegram import Update
from telegram.error import NetworkError, TimedOut
from telegram.ext import Application
from telegram.request import BaseRequest, RequestData

from bot.logs import log_ids
from bot.request import WrappingRequest
from storage import contacts as contact_rows
from storage import monitoring
from storage import reminders as reminder_rows
from storage.db import Database
from storage.enums import ContactStatus, ReminderStatus

log = logging.getLogger(__name__)

CONTENT_TYPE = (
    "text/plain; version=0.0.4; charset=utf-8"  # classic names: every Prometheus reads it
)
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
REFRESH_EVERY = 5.0  # seconds between database reads for the gauges, however often scraped
REFRESH_TIMEOUT = 3.0
_METHOD = re.compile(r"[A-Za-z]{2,40}")


def update_kind(update: object) -> str:
    """The kind of an update: the name of its one filled field (message, callback_query, ...)."""
    if not isinstance(update, Update):
        return "other"
    for kind in Update.ALL_TYPES:
        if getattr(update, kind, None) is not None:
            return kind
    return "other"


def update_ids(update: object) -> dict[str, object]:
    """The ids a log line about an update may carry."""
    if not isinstance(update, Update):
        return {}
    chat = update.effective_chat
    return {"update_id": update.update_id, "chat_id": chat.id if chat else None}


def method_of(url: str) -> str:
    """The Bot API method of a request URL; downloads of files count as `file`."""
    last = url.rstrip("/").rsplit("/", 1)[-1]
    return last if _METHOD.fullmatch(last) else "file"


class Metrics:
    """The metrics of one application; a fresh registry each, so tests and processes never mix."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        ProcessCollector(registry=r)
        PlatformCollector(registry=r)
        self.updates = Counter(
            "inburgerbot_updates", "Updates handled, by kind.", ["kind"], registry=r
        )
        self.update_seconds = Histogram(
            "inburgerbot_update_handling_seconds",
            "Seconds spent handling one update (all handlers and the error handler), by kind.",
            ["kind"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.telegram_errors = Counter(
            "inburgerbot_telegram_errors",
            "Failed Bot API calls, by error code (HTTP status, timeout or network) and method.",
            ["code", "method"],
            registry=r,
        )
        self.webhook_requests = Counter(
            "inburgerbot_webhook_requests",
            "Webhook requests, by outcome (handled, answered_early, bad_secret, bad_update, "
            "draining).",
            ["outcome"],
            registry=r,
        )
        self.reminders = Gauge(
            "inburgerbot_reminders",
            "Rows in the reminder outbox, by status (the shared database).",
            ["status"],
            registry=r,
        )
        self.reminders_overdue = Gauge(
            "inburgerbot_reminders_oldest_overdue_seconds",
            "Age of the oldest reminder that is due and not yet sent (0 when none).",
            registry=r,
        )
        self.questions_waiting = Gauge(
            "inburgerbot_questions_waiting",
            "Questions whose client waits for an answer (the shared database).",
            registry=r,
        )
        self.questions_waiting_oldest = Gauge(
            "inburgerbot_questions_waiting_oldest_seconds",
            "How long the longest-waiting question has waited (0 when none).",
            registry=r,
        )
        self.contacts = Gauge(
            "inburgerbot_contact_moments",
            "Contact moments for the case system (Open Klant), by status: failed ones were "
            "refused and wait for someone to look (docs/common-ground.md).",
            ["status"],
            registry=r,
        )
        self.contacts_oldest = Gauge(
            "inburgerbot_contact_moments_oldest_pending_seconds",
            "How long the oldest unsent contact moment has waited (0 when none): Open Klant down.",
            registry=r,
        )
        self.database_up = Gauge(
            "inburgerbot_database_up",
            "1 when the last read of the gauges above reached the database, else 0.",
            registry=r,
        )
        self._refreshed = -REFRESH_EVERY
        self._refresh_lock = asyncio.Lock()

    def observe_update(self, kind: str, seconds: float) -> None:
        self.updates.labels(kind=kind).inc()
        self.update_seconds.labels(kind=kind).observe(seconds)

    def telegram_error(self, code: int | str, method: str) -> None:
        self.telegram_errors.labels(code=str(code), method=method).inc()

    async def refresh(self, db: Database, *, now: datetime) -> None:
        """Read the outbox and the waiting questions (at most every few seconds)."""
        async with self._refresh_lock:
            if time.monotonic() - self._refreshed < REFRESH_EVERY:
                return
            try:
                async with asyncio.timeout(REFRESH_TIMEOUT), db.reading() as session:
                    outbox = await reminder_rows.outbox_status(session, now=now)
                    waiting = await monitoring.questions_waiting(session)
                    moments = await contact_rows.outbox_status(session)
            except (SQLAlchemyError, OSError, TimeoutError) as exc:
                log.warning("metrics: database unreachable: %s", type(exc).__name__)
                self.database_up.set(0)
                return
            self._refreshed = time.monotonic()
        self.database_up.set(1)
        for status in ReminderStatus:
            self.reminders.labels(status=str(status)).set(outbox.counts.get(str(status), 0))
        self.reminders_overdue.set(_age(outbox.oldest_due, now))
        self.questions_waiting.set(waiting.count)
        self.questions_waiting_oldest.set(_age(waiting.oldest, now))
        for state in ContactStatus:
            self.contacts.labels(status=str(state)).set(moments.counts.get(str(state), 0))
        self.contacts_oldest.set(_age(moments.oldest_pending, now))

    def render(self) -> bytes:
        """The text exposition format."""
        return generate_latest(self.registry)


def _age(moment: datetime | None, now: datetime) -> float:
    return max(0.0, (now - moment).total_seconds()) if moment is not None else 0.0


def _metrics_of(application: Application[Any, Any, Any, Any, Any, Any]) -> Metrics | None:
    services = getattr(application.bot_data, "services", None)
    metrics = getattr(services, "metrics", None)
    return metrics if isinstance(metrics, Metrics) else None


class MeteredApplication(Application[Any, Any, Any, Any, Any, Any]):
    """An Application that counts and times every update, and tags its log lines with its ids.

    Both polling and the webhook server (bot/serve.py) hand updates to `process_update`; the
    handlers and the error handler run inside it, so the time covers all of them.
    """

    async def process_update(self, update: object) -> None:
        metrics = _metrics_of(self)
        kind = update_kind(update)
        started = time.perf_counter()
        with log_ids(**update_ids(update)):
            try:
                await super().process_update(update)
            finally:
                seconds = time.perf_counter() - started
                if metrics is not None:
                    metrics.observe_update(kind, seconds)
                log.debug("update handled", extra={"kind": kind, "ms": round(seconds * 1000, 1)})


class CountingRequest(WrappingRequest):
    """Counts the Bot API calls that fail, by error code, around another BaseRequest."""

    def __init__(self, inner: BaseRequest, metrics: Metrics) -> None:
        self.inner = inner
        self.metrics = metrics

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        try:
            code, payload = await self.inner.do_request(
                url=url,
                method=method,
                request_data=request_data,
                read_timeout=read_timeout,
                write_timeout=write_timeout,
                connect_timeout=connect_timeout,
                pool_timeout=pool_timeout,
            )
        except TimedOut:
            self.metrics.telegram_error("timeout", method_of(url))
            raise
        except NetworkError:
            self.metrics.telegram_error("network", method_of(url))
            raise
        if code >= 400:
            self.metrics.telegram_error(code, method_of(url))
        return code, payload
