"""Periodic jobs on PTB's JobQueue (APScheduler). Every job takes its time from services.clock."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from telegram.ext import Application, CallbackContext

from casework.contacts import backlog_alert, send_due
from casework.notifications import poll
from casework.planning import plan_digests
from casework.remote_tasks import push_due
from scheduler import retention
from scheduler.dispatch import Dispatcher, for_services
from scheduler.waiting import RETRY_EVERY, WAITING_EVERY, retry_tick, waiting_tick

log = logging.getLogger(__name__)

RETENTION_EVERY = timedelta(hours=6)
RETENTION_FIRST = timedelta(minutes=5)
DIGEST_PLANNING_EVERY = timedelta(hours=1)
DIGEST_PLANNING_FIRST = timedelta(minutes=1)


def schedule_jobs(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Register the periodic jobs (dispatch, retention, waiting questions, digest)."""
    services = application.bot_data.services
    job_queue = application.job_queue
    assert services is not None and job_queue is not None
    interval = services.settings.dispatch_interval_seconds
    dispatcher = for_services(services, rate_limited=application.bot.rate_limiter is not None)
    job_queue.run_repeating(
        dispatch_tick, interval=interval, first=interval, name="dispatch", data=dispatcher
    )
    job_queue.run_repeating(
        retention_tick, interval=RETENTION_EVERY, first=RETENTION_FIRST, name="retention"
    )
    job_queue.run_repeating(
        digest_tick, interval=DIGEST_PLANNING_EVERY, first=DIGEST_PLANNING_FIRST, name="digest"
    )
    job_queue.run_repeating(
        waiting_tick, interval=WAITING_EVERY, first=WAITING_EVERY, name="questions_waiting"
    )
    job_queue.run_repeating(
        retry_tick, interval=RETRY_EVERY, first=RETRY_EVERY, name="questions_retry"
    )
    if services.translating is not None:
        every = services.settings.translation_interval_seconds
        job_queue.run_repeating(translation_tick, interval=every, first=every, name="translation")
    every = services.settings.contacts_interval_seconds
    if services.contacts is not None and services.case_system is not None:
        job_queue.run_repeating(contacts_tick, interval=every, first=every, name="contacts")
    if services.case_system is not None:
        job_queue.run_repeating(task_status_tick, interval=every, first=every, name="task_status")
        poll = timedelta(minutes=services.settings.objects_poll_minutes)
        job_queue.run_repeating(tasks_poll_tick, interval=poll, first=poll, name="tasks_poll")


async def dispatch_tick(context: CallbackContext[Any, Any, Any, Any]) -> None:
    """Start draining the outbox, unless a drain is still running.

    The drain runs as an application task, so the job itself returns at once and a long
    backlog never makes APScheduler skip ticks; Application.stop() waits for it, and it stops
    after the batch in flight.
    """
    assert context.job is not None
    dispatcher = context.job.data
    if not isinstance(dispatcher, Dispatcher) or dispatcher.busy:
        return
    application = context.application
    application.create_task(
        dispatcher.drain(context.bot, should_stop=lambda: not application.running),
        name="dispatch",
    )


async def translation_tick(context: CallbackContext[Any, Any, Any, Any]) -> None:
    """Translate waiting messages and show translations (bot/services/translating.py)."""
    translating = context.application.bot_data.services.translating
    if translating is not None:
        translating.soon(context.application)


async def retention_tick(context: CallbackContext[Any, Any, Any, Any]) -> None:
    services = context.application.bot_data.services
    await retention.purge(
        services.db, now=services.clock.now(), days=services.settings.retention_days
    )


async def digest_tick(context: CallbackContext[Any, Any, Any, Any]) -> None:
    services = context.application.bot_data.services
    async with services.db.transaction() as session:
        planned = await plan_digests(session, rules=services.rules, now=services.clock.now())
    if planned:
        log.info("planned %d weekly digests", planned)


async def contacts_tick(context: CallbackContext[Any, Any, Any, Any]) -> None:
    """Send the due contact moments to the case system; alert when they wait too long."""
    services = context.application.bot_data.services
    if services.case_system is None:
        return
    settings = services.settings
    now = services.clock.now()
    await send_due(
        services.db, services.case_system, now=now, confidential=settings.open_klant_confidential
    )
    await backlog_alert(
        services.db, now=now, after=timedelta(minutes=settings.contacts_alert_minutes)
    )


async def task_status_tick(context: CallbackContext[Any, Any, Any, Any]) -> None:
    """Write the task statuses changed here back to the case system (Objects API)."""
    services = context.application.bot_data.services
    if services.case_system is not None:
        await push_due(services.db, services.case_system, now=services.clock.now())


async def tasks_poll_tick(context: CallbackContext[Any, Any, Any, Any]) -> None:
    """Read every client's tasks anew: the fallback for notifications that never came."""
    services = context.application.bot_data.services
    if services.case_system is not None:
        read, failed = await poll(
            services.db, services.case_system, rules=services.rules, now=services.clock.now()
        )
        log.info("tasks polled", extra={"read": read, "not_read": failed})
