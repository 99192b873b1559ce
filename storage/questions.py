"""Queries about questions (threads) and their messages."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.enums import QuestionStatus
from storage.models import Message, Question


async def by_id(session: AsyncSession, *, question_id: int) -> Question | None:
    return await session.get(Question, question_id)


async def latest_unclosed(session: AsyncSession, *, client_id: int) -> Question | None:
    """The client's open or answered question, which a new message continues."""
    query = (
        select(Question)
        .where(
            Question.client_id == client_id,
            col(Question.status).in_([QuestionStatus.OPEN, QuestionStatus.ANSWERED]),
        )
        .order_by(col(Question.id).desc())
        .limit(1)
    )
    return (await session.exec(query)).first()


async def for_client(session: AsyncSession, *, client_id: int) -> Sequence[Question]:
    query = select(Question).where(Question.client_id == client_id).order_by(col(Question.id))
    return (await session.exec(query)).all()


async def messages(session: AsyncSession, *, question_id: int) -> Sequence[Message]:
    query = select(Message).where(Message.question_id == question_id).order_by(col(Message.id))
    return (await session.exec(query)).all()


async def messages_of_client(session: AsyncSession, *, client_id: int) -> Sequence[Message]:
    query = (
        select(Message)
        .join(Question, col(Question.id) == col(Message.question_id))
        .where(Question.client_id == client_id)
        .order_by(col(Message.id))
    )
    return (await session.exec(query)).all()
