"""Linking a Telegram account with an invitation code: the rules, without Telegram."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlmodel.ext.asyncio.session import AsyncSession

from storage import audit, clients, invites, staff, visitors
from storage.enums import ActorKind
from storage.models import Client, Staff


class LinkOutcome(StrEnum):
    LINKED_CLIENT = "linked_client"
    LINKED_STAFF = "linked_staff"
    WRONG = "wrong"
    EXPIRED = "expired"
    USED = "used"
    TOO_MANY_TRIES = "too_many_tries"


@dataclass(frozen=True)
class LinkResult:
    outcome: LinkOutcome
    client: Client | None = None
    staff: Staff | None = None
    previous_chat_id: int | None = None
    tries_left: int = 0


async def link(
    session: AsyncSession,
    *,
    code: str,
    chat_id: int,
    user_id: int,
    username: str | None,
    locale: str,
    now: datetime,
) -> LinkResult:
    """Use an invitation code in a private chat.

    After five wrong codes in an hour the chat is refused without looking at the code, so a
    guesser learns nothing; an expired or used code is named as such so the client knows to ask
    for a new one.
    """
    failures = await invites.recent_failures(session, chat_id=chat_id, now=now)
    if failures >= invites.MAX_FAILURES_PER_HOUR:
        return LinkResult(LinkOutcome.TOO_MANY_TRIES)
    state, invite = await invites.find(session, code=code, now=now)
    if state == invites.InviteState.UNKNOWN or invite is None:
        await invites.record_failure(session, chat_id=chat_id, now=now)
        left = invites.MAX_FAILURES_PER_HOUR - failures - 1
        outcome = LinkOutcome.WRONG if left > 0 else LinkOutcome.TOO_MANY_TRIES
        return LinkResult(outcome, tries_left=left)
    if state == invites.InviteState.EXPIRED:
        return LinkResult(LinkOutcome.EXPIRED)
    if state == invites.InviteState.USED:
        return LinkResult(LinkOutcome.USED)
    if not await invites.consume(session, invite=invite, now=now):
        return LinkResult(LinkOutcome.USED)
    if invite.staff_id is not None:
        return await _link_staff(session, invite.staff_id, user_id, username, now)
    assert invite.client_id is not None
    return await _link_client(session, invite.client_id, chat_id, user_id, locale, now)


async def _link_client(
    session: AsyncSession, client_id: int, chat_id: int, user_id: int, locale: str, now: datetime
) -> LinkResult:
    client = await clients.by_id(session, client_id=client_id)
    assert client is not None
    previous = await clients.link_chat(
        session, client=client, chat_id=chat_id, user_id=user_id, now=now
    )
    if not client.locale:
        client.locale = locale
    session.add(client)
    await visitors.forget(session, chat_id=chat_id)
    audit.record(
        session,
        actor_kind=ActorKind.CLIENT,
        actor_id=client.id,
        action="client.link",
        subject_kind="client",
        subject_id=client.id,
        client_id=client.id,
        at=now,
    )
    return LinkResult(LinkOutcome.LINKED_CLIENT, client=client, previous_chat_id=previous)


async def _link_staff(
    session: AsyncSession, staff_id: int, user_id: int, username: str | None, now: datetime
) -> LinkResult:
    member = await staff.by_id(session, staff_id=staff_id)
    assert member is not None
    await staff.link_telegram(session, staff=member, user_id=user_id, username=username)
    audit.record(
        session,
        actor_kind=ActorKind.STAFF,
        actor_id=member.id,
        action="staff.link",
        subject_kind="staff",
        subject_id=member.id,
        at=now,
    )
    return LinkResult(LinkOutcome.LINKED_STAFF, staff=member)


async def give_consent(session: AsyncSession, *, client: Client, now: datetime) -> None:
    client.consent_at = now
    session.add(client)
    audit.record(
        session,
        actor_kind=ActorKind.CLIENT,
        actor_id=client.id,
        action="client.consent",
        subject_kind="client",
        subject_id=client.id,
        client_id=client.id,
        at=now,
    )
