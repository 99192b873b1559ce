"""The audit trail: every staff read of client data and every privacy action."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.enums import ActorKind
from storage.models import AuditEvent
from storage.types import utcnow


def record(
    session: AsyncSession,
    *,
    actor_kind: ActorKind,
    actor_id: int | None,
    action: str,
    subject_kind: str = "",
    subject_id: int | None = None,
    client_id: int | None = None,
    detail: str = "",
    at: datetime | None = None,
) -> AuditEvent:
    """Add an audit event to the current transaction (ids only, never personal data)."""
    event = AuditEvent(
        actor_kind=actor_kind,
        actor_id=actor_id,
        action=action,
        subject_kind=subject_kind,
        subject_id=subject_id,
        client_id=client_id,
        detail=detail,
        at=at or utcnow(),
    )
    session.add(event)
    return event


async def events(
    session: AsyncSession,
    *,
    client_id: int | None = None,
    actor_kind: ActorKind | None = None,
    actor_id: int | None = None,
    action: str | None = None,
    since: datetime | None = None,
    limit: int = 200,
) -> Sequence[AuditEvent]:
    query = select(AuditEvent)
    if client_id is not None:
        query = query.where(AuditEvent.client_id == client_id)
    if actor_kind is not None:
        query = query.where(AuditEvent.actor_kind == actor_kind)
    if actor_id is not None:
        query = query.where(AuditEvent.actor_id == actor_id)
    if action:
        query = query.where(AuditEvent.action == action)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    return (await session.exec(query.order_by(col(AuditEvent.at).desc()).limit(limit))).all()
