"""Periodic care for questions: flag those that wait too long, and send what did not arrive.

`flag_waiting_questions` flags an open question once it has waited INBURGERBOT_ANSWER_DEADLINE_HOURS
of office time: a note in the client's topic, and a message to the team lead(s) of the
organisations serving the client (privately when they linked Telegram, else mentioned in the
staff chat). `retry_undelivered` sends again what a failed relay or delivery left behind.
Both take the time from the injected clock and are safe with several bot processes.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from telegram.ext import CallbackContext

from casework import questions as question_service
from casework.events import Escalated
from casework.ports import ChannelError, Outcome, publish
from scheduler.services import SchedulerServices, services_of
from storage import clients, questions
from storage.enums import Direction
from storage.ids import pk
from storage.models import Client, Question, Staff
from texts.render import questions as texts

log = logging.getLogger(__name__)

WAITING_EVERY = timedelta(minutes=5)
RETRY_EVERY = timedelta(minutes=1)
DELIVERY_LEASE = timedelta(minutes=2)
RETRY_BATCH = 50


async def flag_waiting_questions(services: SchedulerServices, now: datetime | None = None) -> int:
    """Flag the questions that now wait too long; returns how many were flagged."""
    now = now or services.clock.now()
    settings = services.settings
    flagged: list[tuple[Question, Client, Sequence[Staff]]] = []
    async with services.db.transaction() as session:
        due = await question_service.overdue_questions(
            session,
            now=now,
            office=settings.office,
            zone=settings.zone,
            deadline=settings.answer_deadline,
        )
        for question in due:
            if not await question_service.flag_overdue(session, question=question, now=now):
                continue  # another process flagged it
            client = await clients.by_id(session, client_id=question.client_id)
            if client is not None:
                leads = await questions.team_leads_for(session, municipality=client.municipality)
                flagged.append((question, client, leads))
    for question, client, leads in flagged:
        log.info("question waits too long", extra={"question_id": question.id})
        await _report(services, question, client, leads)
    return len(flagged)


async def _report(
    services: SchedulerServices, question: Question, client: Client, leads: Sequence[Staff]
) -> None:
    """Tell the team leads privately where they can; every channel hears of the escalation
    (the staff chat names the leads no private message reached)."""
    channels = services.channels
    hours = services.settings.answer_deadline_hours
    link = channels.staff.link(question.topic_id) if channels.staff is not None else None
    unreached = []
    for lead in leads:
        if lead.telegram_user_id is None:
            unreached.append(lead)
            continue
        text = texts.overdue_lead_text(client, hours, link)
        body = services.readers.for_staff(text, lead.locale)
        try:
            await channels.client.send(lead.telegram_user_id, body)
        except ChannelError as exc:
            log.warning("team lead not reached", extra={"staff_id": lead.id, "error": exc.kind})
            unreached.append(lead)
    event = Escalated(
        client=client, question_id=pk(question), by="", hours=hours, unreached=tuple(unreached)
    )
    await publish(channels.all, event)


async def retry_undelivered(services: SchedulerServices, now: datetime | None = None) -> int:
    """Send again the messages whose delivery failed; returns how many arrived now."""
    now = now or services.clock.now()
    staff = services.channels.staff
    async with services.db.reading() as session:
        due = await questions.due_for_delivery(
            session,
            now=now,
            since=now - question_service.RETRY_WINDOW,
            include_client_messages=staff is not None,
            limit=RETRY_BATCH,
        )
    arrived = 0
    for message in due:
        async with services.db.transaction() as session:
            claimed = await questions.claim_delivery(
                session, message_id=pk(message), now=now, lease_until=now + DELIVERY_LEASE
            )
        if not claimed:
            continue
        if message.direction == Direction.FROM_CLIENT:
            assert staff is not None
            arrived += await staff.relay_message(pk(message))
            continue
        delivery = await services.channels.client.deliver(pk(message))
        arrived += delivery.delivered
        if staff is not None and delivery.outcome not in (Outcome.DELIVERED, Outcome.RETRY):
            client_id = await _client_of(services, message.question_id)
            await staff.report_delivery(client_id, delivery)
    return arrived


async def _client_of(services: SchedulerServices, question_id: int) -> int:
    async with services.db.reading() as session:
        question = await questions.by_id(session, question_id=question_id)
    return question.client_id if question else 0


# -- the JobQueue ticks (registered in scheduler/jobs.py) ---------------------------------------


async def waiting_tick(context: CallbackContext[Any, Any, Any, Any]) -> None:
    await flag_waiting_questions(services_of(context))


async def retry_tick(context: CallbackContext[Any, Any, Any, Any]) -> None:
    await retry_undelivered(services_of(context))
