"""Queries about plans (PIP), their parts and exams."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.enums import PlanStatus
from storage.models import ExamAttempt, Plan, PlanPart


@dataclass(frozen=True)
class PlanView:
    """A plan with its parts, in display order."""

    plan: Plan
    parts: Sequence[PlanPart]


async def current(session: AsyncSession, *, client_id: int) -> PlanView | None:
    """The newest plan that is in force (established or revised), with its parts."""
    query = (
        select(Plan)
        .where(
            Plan.client_id == client_id,
            col(Plan.status).in_([PlanStatus.ESTABLISHED, PlanStatus.REVISED]),
        )
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
