"""Periodic jobs on PTB's JobQueue (APScheduler). Every job takes its time from services.clock.

The composition root (console/compose.py, sandbox/server.py) calls `schedule_jobs` with the
scheduler's services (scheduler/services.py), whose channels it built; each job finds them in
its `data`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram.ext import CallbackContext, JobQueue

from casework.contacts import backlog_alert, send_due
from casework.notifications import poll
from casework.planning import plan_digests
from casework.remote_tasks import push_due
from scheduler import retention
from scheduler.dispatch import Dispatcher, for_services
from scheduler.services import SchedulerServices, services_of
from scheduler.waiting import RETRY_EVERY, WAITING_EVERY, retry_tick, waiting_tick

log = logging.getLogger(__name__)

RETENTION_EVERY = timedelta(hours=6)
RETENTION_FIRST = timedelta(minutes=5)
DIGEST_PLANNING_EVERY = timedelta(hours=1)
DIGEST_PLANNING_FIRST = timedelta(minutes=1)


@dataclass(frozen=True)
class Dispatching:
    """The dispatch job's data: the dispatcher and the channel it sends through."""

    dispatcher: Dispatcher
    services: SchedulerServices


def schedule_jobs(
    job_queue: JobQueue[Any], services: SchedulerServices, *, rate_limited: bool
) -> Dispatcher:
    """Register the periodic jobs (dispatch, retention, waiting questions, digest); returns the
    dispatcher (a process that must wait for its drain can watch it)."""
    interval = services.settings.dispatch_interval_seconds
    dispatcher = for_services(services, rate_limited=rate_limited)
    job_queue.run_repeating(
        dispatch_tick,
        interval=interval,
        first=interval,
        name="dispatch",
        data=Dispatching(dispatcher, services),
    )
    job_queue.run_repeating(
        retention_tick,
        interval=RETENTION_EVERY,
        first=RETENTION_FIRST,
        name="retention",
        data=services,
    )
    job_queue.run_repeating(
        digest_tick,
        interval=DIGEST_PLANNING_EVERY,
        first=DIGEST_PLANNING_FIRST,
        name="digest",
        data=services,
    )
    job_queue.run_repeating(
        waiting_tick,
        interval=WAITING_EVERY,
        first=WAITING_EVERY,
        name="questions_waiting",
        data=services,
    )
    job_queue.run_repeating(
        retry_tick, interval=RETRY_EVERY, first=RETRY_EVERY, name="questions_retry", data=services
    )
    every = services.settings.contacts_interval_seconds
    if services.contacts and services.case_system is not None:
        job_queue.run_repeating(
            contacts_tick, interval=every, first=every, name="contacts", data=services
        )
    if services.case_system is not None:
        job_queue.run_repeating(
            task_status_tick, interval=every, first=every, name="task_status", data=services
        )
        poll_every = timedelta(minutes=services.settings.objects_poll_minutes)
        job_queue.run_repeating(
            tasks_poll_tick, interval=poll_every, first=poll_every, name="tasks_poll", data=services
        )
    return dispatcher


async def dispatch_tick(context: CallbackContext[Any, Any, Any, Any]) -> None:
    """Start draining the outbox, unless a drain is still running.

    The drain runs as an application task, so the job itself returns at once and a long
    backlog never makes APScheduler skip ticks; Application.stop() waits for it, and it stops
    after the batch in flight.
    """
    assert context.job is not None
    data = context.job.data
    if not isinstance(data, Dispatching) or data.dispatcher.busy:
        return
    application = context.application
    application.create_task(
        data.dispatcher.drain(
            data.services.channels.client, should_stop=lambda: not application.running
        ),
        name="dispatch",
    )


async def retention_tick(context: CallbackContext[Any, Any, Any, Any]) -> None:
    services = services_of(context)
    await retention.purge(
        services.db, now=services.clock.now(), days=services.settings.retention_days
    )


async def digest_tick(context: CallbackContext[Any, Any, Any, Any]) -> None:
    services = services_of(context)
    async with services.db.transaction() as session:
        planned = await plan_digests(session, rules=services.rules, now=services.clock.now())
    if planned:
        log.info("planned %d weekly digests", planned)


async def contacts_tick(context: CallbackContext[Any, Any, Any, Any]) -> None:
    """Send the due contact moments to the case system; alert when they wait too long."""
    services = services_of(context)
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
    services = services_of(context)
    if services.case_system is not None:
        await push_due(services.db, services.case_system, now=services.clock.now())


async def tasks_poll_tick(context: CallbackContext[Any, Any, Any, Any]) -> None:
    """Read every client's tasks anew: the fallback for notifications that never came."""
    services = services_of(context)
    if services.case_system is not None:
        read, failed = await poll(
            services.db, services.case_system, rules=services.rules, now=services.clock.now()
        )
        log.info("tasks polled", extra={"read": read, "not_read": failed})
