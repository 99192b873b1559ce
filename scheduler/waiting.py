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
from typing import TYPE_CHECKING, Any

from telegram import Bot
from telegram.error import TelegramError
from telegram.ext import CallbackContext

from bot.services.relay import (
    Outcome,
    TelegramRelay,
    deliver_to_client,
    error_name,
    for_staff,
    send_html,
)
from casework import questions as question_service
from storage import clients, questions
from storage.enums import Direction
from storage.ids import pk
from storage.models import Client, Question, Staff
from texts.html import escape
from texts.render import questions as texts

if TYPE_CHECKING:
    from bot.context import Services

log = logging.getLogger(__name__)

WAITING_EVERY = timedelta(minutes=5)
RETRY_EVERY = timedelta(minutes=1)
DELIVERY_LEASE = timedelta(minutes=2)
RETRY_BATCH = 50


def mention(member: Staff) -> str:
    """How the staff chat names a team lead: @username, a user link, or the name."""
    if member.telegram_username:
        return "@" + escape(member.telegram_username)
    if member.telegram_user_id:
        return f'<a href="tg://user?id={member.telegram_user_id}">{escape(member.name)}</a>'
    return escape(member.name)


async def flag_waiting_questions(bot: Bot, services: Services, now: datetime | None = None) -> int:
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
        await _report(bot, services, question, client, leads)
    return len(flagged)


async def _report(
    bot: Bot, services: Services, question: Question, client: Client, leads: Sequence[Staff]
) -> None:
    """Tell the team leads privately where they can; mention the others in the topic."""
    relay = services.relay if isinstance(services.relay, TelegramRelay) else None
    hours = services.settings.answer_deadline_hours
    link = relay.link(question.topic_id) if relay is not None else None
    unreached = []
    for lead in leads:
        if lead.telegram_user_id is None:
            unreached.append(lead)
            continue
        body = for_staff(services, texts.overdue_lead_text(client, hours, link), lead.locale)
        try:
            await send_html(bot, lead.telegram_user_id, body)
        except TelegramError as exc:
            log.warning(
                "team lead not reached", extra={"staff_id": lead.id, "error": error_name(exc)}
            )
            unreached.append(lead)
    if relay is not None:
        mentions = [mention(lead) for lead in unreached]
        await relay.post_note(bot, pk(client), texts.overdue_topic_text(hours, mentions))


async def retry_undelivered(bot: Bot, services: Services, now: datetime | None = None) -> int:
    """Send again the messages whose delivery failed; returns how many arrived now."""
    now = now or services.clock.now()
    relay = services.relay if isinstance(services.relay, TelegramRelay) else None
    async with services.db.reading() as session:
        due = await questions.due_for_delivery(
            session,
            now=now,
            since=now - question_service.RETRY_WINDOW,
            include_client_messages=relay is not None,
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
            assert relay is not None
            arrived += await relay.relay_client_message(bot, pk(message))
            continue
        delivery = await deliver_to_client(bot, services, pk(message))
        arrived += delivery.delivered
        if relay is not None and delivery.outcome not in (Outcome.DELIVERED, Outcome.RETRY):
            client_id = await _client_of(services, message.question_id)
            await relay.report_delivery(bot, client_id, delivery)
    return arrived


async def _client_of(services: Services, question_id: int) -> int:
    async with services.db.reading() as session:
        question = await questions.by_id(session, question_id=question_id)
    return question.client_id if question else 0


# -- the JobQueue ticks (registered in scheduler/jobs.py) ---------------------------------------


async def waiting_tick(context: CallbackContext[Any, Any, Any, Any]) -> None:
    services = context.application.bot_data.services
    await flag_waiting_questions(context.bot, services)


async def retry_tick(context: CallbackContext[Any, Any, Any, Any]) -> None:
    services = context.application.bot_data.services
    await retry_undelivered(context.bot, services)
