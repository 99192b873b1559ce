"""Linking a Telegram account with an invitation code, and unlinking it: the rules, without
Telegram.

An invitation comes from a caseworker (printed or read out, valid for days) or from the
municipal portal after a DigiD login (valid for minutes); both are the same single-use, hashed
codes, marked with their origin, and the link's audit event says which one was used.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlmodel.ext.asyncio.session import AsyncSession

from casework.events import Unlinked, UnlinkReason
from storage import audit, clients, invites, staff, visitors
from storage.enums import ActorKind, ClientStatus, InviteOrigin
from storage.models import Client, Staff

PORTAL_INVITE_VALID_FOR = timedelta(minutes=15)


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
    origin: InviteOrigin = InviteOrigin.CASEWORKER


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
    origin = InviteOrigin(invite.origin)
    return await _link_client(session, invite.client_id, chat_id, user_id, locale, now, origin)


async def _link_client(
    session: AsyncSession,
    client_id: int,
    chat_id: int,
    user_id: int,
    locale: str,
    now: datetime,
    origin: InviteOrigin,
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
        detail=f"origin={origin}",
        at=now,
    )
    return LinkResult(
        LinkOutcome.LINKED_CLIENT, client=client, previous_chat_id=previous, origin=origin
    )


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


@dataclass(frozen=True)
class PortalInvitation:
    code: str
    expires_at: datetime


async def invite_from_portal(
    session: AsyncSession, *, client: Client, key_id: str, now: datetime
) -> PortalInvitation | None:
    """A short-lived invitation the portal hands to the resident after DigiD; None for a closed
    case (a caseworker reopens it first, as for a printed code)."""
    if client.status == ClientStatus.CLOSED:
        return None
    code = await invites.create(
        session,
        now=now,
        valid_for=PORTAL_INVITE_VALID_FOR,
        client_id=client.id,
        origin=InviteOrigin.PORTAL,
    )
    audit.record(
        session,
        actor_kind=ActorKind.SYSTEM,
        actor_id=None,
        action="invite.create",
        subject_kind="client",
        subject_id=client.id,
        client_id=client.id,
        detail=f"origin=portal key={key_id}",
        at=now,
    )
    return PortalInvitation(code=code, expires_at=now + PORTAL_INVITE_VALID_FOR)


async def link_origin(session: AsyncSession, *, client: Client) -> InviteOrigin | None:
    """How a linked client linked: with a caseworker's code or through the portal."""
    if client.telegram_chat_id is None or client.id is None:
        return None
    invite = await invites.last_used(session, client_id=client.id)
    return InviteOrigin(invite.origin) if invite is not None else None


async def unlink(
    session: AsyncSession,
    *,
    client: Client,
    reason: UnlinkReason,
    actor_kind: ActorKind,
    actor_id: int | None,
    now: datetime,
    detail: str = "",
) -> Unlinked | None:
    """Forget the client's Telegram chat (the case stays); the event to publish after the
    commit, or None when no chat was linked. Unused portal links of the client stop working too:
    the resident stopped, or a link reached someone else."""
    chat_id = client.telegram_chat_id
    if chat_id is None or client.id is None:
        return None
    await invites.withdraw_unused(session, client_id=client.id, origin=InviteOrigin.PORTAL, now=now)
    clients.unlink(client)
    session.add(client)
    audit.record(
        session,
        actor_kind=actor_kind,
        actor_id=actor_id,
        action="client.unlink",
        subject_kind="client",
        subject_id=client.id,
        client_id=client.id,
        detail=" ".join(part for part in (f"reason={reason}", detail) if part),
        at=now,
    )
    return Unlinked(client=client, chat_id=chat_id, reason=reason)


async def not_me(
    session: AsyncSession, *, client_id: int, chat_id: int, now: datetime
) -> Unlinked | None:
    """“Not you?” under a portal link: unlink, if this chat is still the client's and was linked
    through the portal; None (nothing changes) for a stale or forged button."""
    client = await clients.by_id(session, client_id=client_id)
    if client is None or client.telegram_chat_id != chat_id:
        return None
    if await link_origin(session, client=client) != InviteOrigin.PORTAL:
        return None
    return await unlink(
        session,
        client=client,
        reason=UnlinkReason.NOT_ME,
        actor_kind=ActorKind.CLIENT,
        actor_id=client.id,
        now=now,
    )
