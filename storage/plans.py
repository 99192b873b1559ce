"""Queries about plans (PIP), their parts and exams."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.enums import PlanStatus
from storage.models import Client, ExamAttempt, Plan, PlanPart, Staff

IN_FORCE = (PlanStatus.ESTABLISHED, PlanStatus.REVISED)


@dataclass(frozen=True)
class PlanView:
    """A plan with its parts, in display order."""

    plan: Plan
    parts: Sequence[PlanPart]


@dataclass(frozen=True)
class PlanScreen:
    """What the client's plan screen shows: the plan in force, its parts, their people."""

    plan: Plan
    parts: Sequence[PlanPart]
    caseworker: Staff | None
    social_guide: Staff | None


# Built once: a statement rebuilt per call (aliases, a scalar subquery) cost more CPU than the
# query itself (about 8 ms a call; docs/performance.md "Statements built once").
_NEWEST = aliased(Plan, name="newest")
_CASEWORKER = aliased(Staff, name="caseworker")
_GUIDE = aliased(Staff, name="guide")
_IN_FORCE = (
    select(_NEWEST.id)
    .where(_NEWEST.client_id == bindparam("client_id"), col(_NEWEST.status).in_(IN_FORCE))
    .order_by(col(_NEWEST.version).desc())
    .limit(1)
    .scalar_subquery()
)
_SCREEN = (
    select(Plan, PlanPart, _CASEWORKER, _GUIDE)
    .select_from(Client)
    .join(Plan, col(Plan.id) == _IN_FORCE)
    .outerjoin(PlanPart, col(PlanPart.plan_id) == Plan.id)
    .outerjoin(_CASEWORKER, col(_CASEWORKER.id) == Client.caseworker_id)
    .outerjoin(_GUIDE, col(_GUIDE.id) == Client.social_guide_id)
    .where(Client.id == bindparam("client_id"))
    .order_by(col(PlanPart.position), col(PlanPart.id))
)


async def screen(session: AsyncSession, *, client_id: int) -> PlanScreen | None:
    """The newest plan in force with its parts, the client's caseworker and social guide, in
    one query (a row per part; the plan and the people repeat on each)."""
    rows = (await session.exec(_SCREEN, params={"client_id": client_id})).all()
    if not rows:
        return None
    plan, _, worker, social_guide = rows[0]
    parts = [part for _, part, _, _ in rows if part is not None]
    return PlanScreen(plan=plan, parts=parts, caseworker=worker, social_guide=social_guide)


async def current(session: AsyncSession, *, client_id: int) -> PlanView | None:
    """The newest plan that is in force (established or revised), with its parts."""
    query = (
        select(Plan)
        .where(Plan.client_id == client_id, col(Plan.status).in_(IN_FORCE))
        .order_by(col(Plan.version).desc())
        .limit(1)
    )
    plan = (await session.exec(query)).first()
    if plan is None:
        return None
    parts = await session.exec(
        select(PlanPart)
        .where(PlanPart.plan_id == plan.id)
        .order_by(col(PlanPart.position), col(PlanPart.id))
    )
    return PlanView(plan=plan, parts=parts.all())


async def all_plans(session: AsyncSession, *, client_id: int) -> Sequence[Plan]:
    query = select(Plan).where(Plan.client_id == client_id).order_by(col(Plan.version))
    return (await session.exec(query)).all()


async def parts(session: AsyncSession, *, plan_id: int) -> Sequence[PlanPart]:
    query = select(PlanPart).where(PlanPart.plan_id == plan_id).order_by(col(PlanPart.position))
    return (await session.exec(query)).all()


async def exams(session: AsyncSession, *, client_id: int) -> Sequence[ExamAttempt]:
    query = (
        select(ExamAttempt)
        .where(ExamAttempt.client_id == client_id)
        .order_by(col(ExamAttempt.exam_date))
    )
    return (await session.exec(query)).all()
