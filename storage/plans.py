"""Queries about plans (PIP), their parts and exams."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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


async def screen(session: AsyncSession, *, client_id: int) -> PlanScreen | None:
    """The newest plan in force with its parts, the client's caseworker and social guide, in
    one query (a row per part; the plan and the people repeat on each)."""
    newest = aliased(Plan)
    in_force = (
        select(newest.id)
        .where(newest.client_id == client_id, col(newest.status).in_(IN_FORCE))
        .order_by(col(newest.version).desc())
        .limit(1)
        .scalar_subquery()
    )
    caseworker = aliased(Staff)
    guide = aliased(Staff)
    query = (
        select(Plan, PlanPart, caseworker, guide)
        .select_from(Client)
        .join(Plan, col(Plan.id) == in_force)
        .outerjoin(PlanPart, col(PlanPart.plan_id) == Plan.id)
        .outerjoin(caseworker, col(caseworker.id) == Client.caseworker_id)
        .outerjoin(guide, col(guide.id) == Client.social_guide_id)
        .where(Client.id == client_id)
        .order_by(col(PlanPart.position), col(PlanPart.id))
    )
    rows = (await session.exec(query)).all()
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
