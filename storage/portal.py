"""The municipal portal's signing keys and the nonces its requests used (docs/portal.md)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Client, OrganisationMunicipality, PortalKey, PortalNonce

KEY_ID_PREFIX = "pk_"


def new_key_id() -> str:
    return KEY_ID_PREFIX + secrets.token_hex(8)


def new_secret() -> str:
    """256 random bits, base64url: printable, so `openssl dgst -hmac` takes it as it is."""
    return secrets.token_urlsafe(32)


async def create_key(
    session: AsyncSession, *, organisation_id: int, label: str, now: datetime
) -> PortalKey:
    key = PortalKey(
        key_id=new_key_id(),
        organisation_id=organisation_id,
        secret=new_secret(),
        label=label,
        created_at=now,
        updated_at=now,
    )
    session.add(key)
    await session.flush()
    return key


async def keys(session: AsyncSession, *, organisation_id: int | None = None) -> Sequence[PortalKey]:
    query = select(PortalKey)
    if organisation_id is not None:
        query = query.where(PortalKey.organisation_id == organisation_id)
    return (await session.exec(query.order_by(col(PortalKey.id)))).all()


async def by_key_id(session: AsyncSession, *, key_id: str) -> PortalKey | None:
    return (await session.exec(select(PortalKey).where(PortalKey.key_id == key_id))).first()


async def live_key(session: AsyncSession, *, key_id: str) -> PortalKey | None:
    """The key, unless it is unknown or revoked."""
    key = await by_key_id(session, key_id=key_id)
    return key if key is not None and key.revoked_at is None else None


def revoke(session: AsyncSession, *, key: PortalKey, now: datetime) -> None:
    key.revoked_at = now
    key.updated_at = now
    session.add(key)


async def remember_nonce(session: AsyncSession, *, key_id: str, nonce: str, now: datetime) -> bool:
    """Keep a nonce; False when this key used it before (in any process: a unique index)."""
    try:
        async with session.begin_nested():
            session.add(
                PortalNonce(key_id=key_id, nonce=nonce, seen_at=now, created_at=now, updated_at=now)
            )
    except IntegrityError:
        return False
    return True


async def recent_requests(
    session: AsyncSession, *, key_id: str, since: datetime
) -> tuple[int, datetime | None]:
    """How many requests a key made since a moment, and when the first of them came."""
    query = select(func.count(), func.min(PortalNonce.seen_at)).where(
        PortalNonce.key_id == key_id, PortalNonce.seen_at > since
    )
    count, first = (await session.exec(query)).one()
    return count, first


async def forget_nonces(session: AsyncSession, *, before: datetime) -> None:
    """Nonces older than the replay window can never be accepted again anyway."""
    await session.exec(delete(PortalNonce).where(col(PortalNonce.seen_at) < before))


async def client_of_organisation(
    session: AsyncSession, *, organisation_id: int, ref: str
) -> Client | None:
    """The client with this reference, if the organisation serves their municipality."""
    query = select(Client).where(
        Client.ref == ref,
        select(col(OrganisationMunicipality.id))
        .where(
            OrganisationMunicipality.organisation_id == organisation_id,
            OrganisationMunicipality.municipality == Client.municipality,
        )
        .exists(),
    )
    return (await session.exec(query)).first()
