"""Invitation codes: random, single use, expiring, stored only as a hash."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete, func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.enums import InviteOrigin
from storage.models import Invite, LinkFailure

# No 0/O, 1/I: codes are read aloud and typed from paper.
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10  # 10 symbols of 5 bits: 50 bits
MAX_FAILURES_PER_HOUR = 5
_SEPARATORS = re.compile(r"[\s\-_.]+")


class InviteState(StrEnum):
    OK = "ok"
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise(text: str) -> str:
    """Tolerate spaces, dashes and lower case in a typed or pasted code."""
    return _SEPARATORS.sub("", text).upper()


def looks_like_code(text: str) -> bool:
    code = normalise(text)
    return len(code) == CODE_LENGTH and all(ch in ALPHABET for ch in code)


def pretty(code: str) -> str:
    """A code split in two halves for reading aloud."""
    return f"{code[:5]}-{code[5:]}"


def deep_link(bot_username: str, code: str) -> str:
    """The t.me link that opens the bot with the code (Telegram sends it as /start CODE)."""
    return f"https://t.me/{bot_username.removeprefix('@')}?start={code}"


def hash_code(code: str) -> str:
    return hashlib.sha256(normalise(code).encode()).hexdigest()


async def create(
    session: AsyncSession,
    *,
    now: datetime,
    valid_for: timedelta,
    client_id: int | None = None,
    staff_id: int | None = None,
    created_by_id: int | None = None,
    origin: InviteOrigin = InviteOrigin.CASEWORKER,
) -> str:
    """Make a new invitation and return its code (the only time the code is known)."""
    if (client_id is None) == (staff_id is None):
        raise ValueError("an invitation is for a client or for a staff member")
    code = new_code()
    session.add(
        Invite(
            code_hash=hash_code(code),
            client_id=client_id,
            staff_id=staff_id,
            created_by_id=created_by_id,
            expires_at=now + valid_for,
            origin=origin,
        )
    )
    await session.flush()
    return code


async def find(
    session: AsyncSession, *, code: str, now: datetime
) -> tuple[InviteState, Invite | None]:
    """Look a code up and say whether it may be used."""
    invite = (await session.exec(select(Invite).where(Invite.code_hash == hash_code(code)))).first()
    if invite is None:
        return InviteState.UNKNOWN, None
    if invite.used_at is not None:
        return InviteState.USED, invite
    if invite.expires_at <= now:
        return InviteState.EXPIRED, invite
    return InviteState.OK, invite


async def consume(session: AsyncSession, *, invite: Invite, now: datetime) -> bool:
    """Mark a code used; False when another chat used it first (a conditional update, so two
    processes cannot both link with one code)."""
    result = await session.exec(
        update(Invite)
        .where(col(Invite.id) == invite.id, col(Invite.used_at).is_(None))
        .values(used_at=now, updated_at=now)
    )
    if result.rowcount != 1:
        return False
    invite.used_at = now
    return True


async def last_used(session: AsyncSession, *, client_id: int) -> Invite | None:
    """The invitation with which the client linked most recently."""
    query = (
        select(Invite)
        .where(Invite.client_id == client_id, col(Invite.used_at).is_not(None))
        .order_by(col(Invite.used_at).desc(), col(Invite.id).desc())
    )
    return (await session.exec(query)).first()


async def withdraw_unused(
    session: AsyncSession, *, client_id: int, origin: InviteOrigin, now: datetime
) -> None:
    """Let a client's unused invitations of one origin expire now."""
    await session.exec(
        update(Invite)
        .where(
            col(Invite.client_id) == client_id,
            col(Invite.origin) == origin,
            col(Invite.used_at).is_(None),
            col(Invite.expires_at) > now,
        )
        .values(expires_at=now, updated_at=now)
    )


async def record_failure(session: AsyncSession, *, chat_id: int, now: datetime) -> None:
    session.add(LinkFailure(chat_id=chat_id, created_at=now, updated_at=now))
    await session.flush()


async def recent_failures(session: AsyncSession, *, chat_id: int, now: datetime) -> int:
    """Wrong codes typed in this chat during the last hour."""
    query = (
        select(func.count())
        .select_from(LinkFailure)
        .where(LinkFailure.chat_id == chat_id, LinkFailure.created_at > now - timedelta(hours=1))
    )
    return (await session.exec(query)).one()


async def purge_failures(session: AsyncSession, *, before: datetime) -> None:
    await session.exec(delete(LinkFailure).where(col(LinkFailure.created_at) < before))
