"""Queries the caseworkers' back-office needs: the inbox, the audit page, login failures.

Every list here is already limited to what the staff member may reach (`access.reachable_by`);
the routes still check single rows with `access.can_reach`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, case, false, func, or_, update
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.access import reachable_by
from storage.enums import QuestionStatus
from storage.models import AuditEvent, Client, Message, Question, Reminder, Staff

# -- the inbox ----------------------------------------------------------------------------------


class InboxScope(StrEnum):
    """Whose questions the inbox shows."""

    ALL = "all"  # mine, my team's and unassigned ones (the default)
    MINE = "mine"
    TEAM = "team"  # assigned to a colleague of my organisation
    UNASSIGNED = "unassigned"


class InboxStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    CLOSED = "closed"
    UNCLOSED = "unclosed"  # open and answered


@dataclass(frozen=True)
class InboxFilter:
    scope: InboxScope = InboxScope.ALL
    status: InboxStatus = InboxStatus.OPEN
    locale: str | None = None
    search: str | None = None
    limit: int = 200


@dataclass(frozen=True)
class InboxRow:
    """One question in the inbox, with what the list shows about it."""

    question: Question
    client: Client
    assigned_name: str | None
    messages: int


def _message_count() -> ColumnElement[int]:
    counted = aliased(Message)
    return (
        select(func.count(col(counted.id)))
        .where(counted.question_id == Question.id, col(counted.internal).is_(False))
        .correlate(Question)
        .scalar_subquery()
    )


def _scope(staff: Staff, scope: InboxScope) -> ColumnElement[bool]:
    team = select(Staff.id).where(Staff.organisation_id == staff.organisation_id)
    assigned = col(Question.assigned_staff_id)
    unassigned = assigned.is_(None)
    if scope == InboxScope.MINE:
        return or_(assigned == staff.id, and_(unassigned, col(Client.caseworker_id) == staff.id))
    if scope == InboxScope.TEAM:
        return and_(assigned.in_(team), assigned != staff.id)
    if scope == InboxScope.UNASSIGNED:
        return unassigned
    return or_(unassigned, assigned.in_(team))


def _status(status: InboxStatus) -> ColumnElement[bool]:
    if status == InboxStatus.UNCLOSED:
        return col(Question.status).in_([QuestionStatus.OPEN, QuestionStatus.ANSWERED])
    return col(Question.status) == str(status)


async def inbox(
    session: AsyncSession, *, staff: Staff, wanted: InboxFilter | None = None
) -> list[InboxRow]:
    """Questions the staff member may reach, newest activity first."""
    wanted = wanted or InboxFilter()
    assigned = aliased(Staff)
    count = _message_count().label("messages")
    query = (
        select(Question, Client, assigned.name, count)
        .join(Client, col(Client.id) == col(Question.client_id))
        .outerjoin(assigned, col(assigned.id) == col(Question.assigned_staff_id))
        .where(reachable_by(staff), _scope(staff, wanted.scope), _status(wanted.status))
    )
    if not staff.active:
        query = query.where(false())
    if wanted.locale:
        query = query.where(Client.locale == wanted.locale)
    if wanted.search:
        pattern = f"%{wanted.search.strip().lower()}%"
        query = query.where(
            func.lower(Client.ref).like(pattern) | func.lower(Client.first_name).like(pattern)
        )
    query = query.order_by(
        col(Question.last_activity_at).desc().nulls_last(), col(Question.id).desc()
    ).limit(wanted.limit)
    rows = (await session.exec(query)).all()  # type: ignore[call-overload]
    return [
        InboxRow(question=question, client=client, assigned_name=name, messages=int(messages))
        for question, client, name, messages in rows
    ]


async def inbox_locales(session: AsyncSession, *, staff: Staff) -> list[str]:
    """The languages of the reachable clients that have questions (for the filter)."""
    query = (
        select(Client.locale)
        .join(Question, col(Question.client_id) == col(Client.id))
        .where(reachable_by(staff), col(Client.locale).is_not(None))
        .distinct()
    )
    return sorted(locale for locale in (await session.exec(query)).all() if locale)


async def question_with_client(
    session: AsyncSession, *, question_id: int
) -> tuple[Question, Client] | None:
    query = (
        select(Question, Client)
        .join(Client, col(Client.id) == col(Question.client_id))
        .where(Question.id == question_id)
    )
    found = (await session.exec(query)).first()
    return (found[0], found[1]) if found else None


async def message_of_question(
    session: AsyncSession, *, question_id: int, message_id: int
) -> Message | None:
    """A message only if it belongs to this question (ids in URLs are never trusted)."""
    query = select(Message).where(Message.id == message_id, Message.question_id == question_id)
    return (await session.exec(query)).first()


async def staff_names(session: AsyncSession, *, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await session.exec(select(Staff.id, Staff.name).where(col(Staff.id).in_(ids)))
    return {staff_id: name for staff_id, name in rows.all() if staff_id is not None}


# -- a client's page ----------------------------------------------------------------------------


async def reminders_of_client(
    session: AsyncSession, *, client_id: int, limit: int = 50
) -> Sequence[Reminder]:
    """The client's reminder history, latest due first."""
    query = (
        select(Reminder)
        .where(Reminder.client_id == client_id)
        .order_by(col(Reminder.due_at).desc(), col(Reminder.id).desc())
        .limit(limit)
    )
    return (await session.exec(query)).all()


async def reminders_about(
    session: AsyncSession, *, kind: str, subject_id: int
) -> Sequence[Reminder]:
    query = (
        select(Reminder)
        .where(Reminder.kind == kind, Reminder.subject_id == subject_id)
        .order_by(col(Reminder.due_at))
    )
    return (await session.exec(query)).all()


# -- the audit page -----------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilter:
    actor_id: int | None = None
    action: str | None = None  # a prefix: "question" matches question.answer, question.view
    client_ref: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 100
    offset: int = 0


@dataclass(frozen=True)
class AuditRow:
    event: AuditEvent
    actor_name: str | None
    client_ref: str | None


async def audit_page(
    session: AsyncSession, *, viewer: Staff, wanted: AuditFilter | None = None
) -> list[AuditRow]:
    """Audit events a team lead may see: by their organisation's staff, or about clients they
    reach (so also what partners and the system did to those clients)."""
    wanted = wanted or AuditFilter()
    actor = aliased(Staff)
    about = aliased(Client)
    own_staff = select(Staff.id).where(Staff.organisation_id == viewer.organisation_id)
    reachable_clients = select(Client.id).where(reachable_by(viewer))
    query = (
        select(AuditEvent, actor.name, about.ref)
        .outerjoin(
            actor,
            and_(col(actor.id) == col(AuditEvent.actor_id), col(AuditEvent.actor_kind) == "staff"),
        )
        .outerjoin(about, col(about.id) == col(AuditEvent.client_id))
        .where(
            or_(
                and_(
                    col(AuditEvent.actor_kind) == "staff", col(AuditEvent.actor_id).in_(own_staff)
                ),
                col(AuditEvent.client_id).in_(reachable_clients),
            )
        )
    )
    if wanted.actor_id is not None:
        query = query.where(
            AuditEvent.actor_kind == "staff", AuditEvent.actor_id == wanted.actor_id
        )
    if wanted.action:
        query = query.where(col(AuditEvent.action).startswith(wanted.action))
    if wanted.client_ref:
        query = query.where(func.lower(about.ref) == wanted.client_ref.strip().lower())
    if wanted.since is not None:
        query = query.where(AuditEvent.at >= wanted.since)
    if wanted.until is not None:
        query = query.where(AuditEvent.at < wanted.until)
    query = (
        query.order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
        .limit(wanted.limit)
        .offset(wanted.offset)
    )
    return [
        AuditRow(event=event, actor_name=name, client_ref=ref)
        for event, name, ref in (await session.exec(query)).all()
    ]


async def audit_actions(session: AsyncSession) -> list[str]:
    """The distinct actions in the trail (for the filter)."""
    rows = await session.exec(select(AuditEvent.action).distinct())
    return sorted(rows.all())


# -- staff and logins ---------------------------------------------------------------------------


async def staff_of_organisation(session: AsyncSession, *, organisation_id: int) -> Sequence[Staff]:
    """Everyone of an organisation, active or not (the administrators' list)."""
    query = (
        select(Staff)
        .where(Staff.organisation_id == organisation_id)
        .order_by(col(Staff.active).desc(), col(Staff.name))
    )
    return (await session.exec(query)).all()


async def login_taken(session: AsyncSession, *, login: str, except_id: int | None = None) -> bool:
    query = select(Staff.id).where(Staff.login == login.lower())
    if except_id is not None:
        query = query.where(Staff.id != except_id)
    return (await session.exec(query)).first() is not None


@dataclass(frozen=True)
class Attempt:
    """A login try counted before it was checked: its number and whether it locked the account."""

    number: int
    limit: int

    @property
    def locked(self) -> bool:
        return self.number >= self.limit


async def reserve_attempt(
    session: AsyncSession, *, staff_id: int, now: datetime, limit: int, lock_for: timedelta
) -> Attempt | None:
    """Count one password or code try *before* it is checked, in one atomic UPDATE; None when
    the account is locked (then nothing may be checked). The try that reaches `limit` sets the
    lock, so of any number of tries sent at once at most `limit` are checked. An expired lock
    starts the count again."""
    lock_expired = and_(col(Staff.locked_until).is_not(None), col(Staff.locked_until) <= now)
    number = case((lock_expired, 1), else_=col(Staff.failed_logins) + 1)
    statement = (
        update(Staff)
        .where(
            col(Staff.id) == staff_id,
            or_(col(Staff.locked_until).is_(None), col(Staff.locked_until) <= now),
        )
        .values(
            failed_logins=number,
            locked_until=case((number >= limit, now + lock_for), else_=None),
        )
        .returning(col(Staff.failed_logins))
    )
    found = (await session.exec(statement)).first()  # type: ignore[call-overload]
    return None if found is None else Attempt(number=int(found[0]), limit=limit)


async def refund_attempt(session: AsyncSession, *, staff_id: int, attempt: Attempt) -> None:
    """The password was right: its try does not count (the lock it set, if any, is lifted)."""
    failed = col(Staff.failed_logins)
    values: dict[str, object] = {"failed_logins": case((failed > 0, failed - 1), else_=0)}
    if attempt.locked:
        values = {"failed_logins": attempt.limit - 1, "locked_until": None}
    await session.exec(update(Staff).where(col(Staff.id) == staff_id).values(**values))  # type: ignore[call-overload]


async def consume_totp_step(
    session: AsyncSession, *, staff_id: int, step: int, new_secret: str | None = None
) -> bool:
    """Take a code's 30-second step with a compare-and-set: True for exactly one request, even
    when two bring the same code at once (RFC 6238 5.2). With `new_secret` the second factor is
    set up in the same statement, only if none was set meanwhile."""
    statement = update(Staff).where(
        col(Staff.id) == staff_id,
        or_(col(Staff.totp_last_step).is_(None), col(Staff.totp_last_step) < step),
    )
    values: dict[str, object] = {"totp_last_step": step}
    if new_secret is not None:
        statement = statement.where(col(Staff.totp_secret).is_(None))
        values["totp_secret"] = new_secret
    result = await session.exec(statement.values(**values))  # type: ignore[call-overload]
    return bool(result.rowcount)


async def login_succeeded(session: AsyncSession, *, staff_id: int) -> None:
    await session.exec(  # type: ignore[call-overload]
        update(Staff).where(col(Staff.id) == staff_id).values(failed_logins=0, locked_until=None)
    )


def is_locked(staff: Staff, *, now: datetime) -> bool:
    return staff.locked_until is not None and staff.locked_until > now
