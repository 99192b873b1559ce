"""The question store's rules: ask, answer, close, reopen, assign, mark seen.

Channel-neutral: the bot, the Telegram staff chat, the back-office and the scheduler all call
these functions, so a question is stored the same way whoever answers it and wherever.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from storage import audit, questions
from storage.enums import ActorKind, Direction, MessageKind, QuestionStatus
from storage.models import Client, Message, Question


@dataclass(frozen=True)
class Asked:
    question: Question
    message: Message
    new_question: bool


async def ask(
    session: AsyncSession,
    *,
    client: Client,
    kind: MessageKind,
    now: datetime,
    text: str | None = None,
    file_id: str | None = None,
    client_message_id: int | None = None,
    appointment_id: int | None = None,
    task_id: int | None = None,
) -> Asked:
    """Store a client's message: it continues their open question or starts a new one.

    A message about a specific appointment or task starts its own question, linked to it.
    """
    question = None
    if appointment_id is None and task_id is None:
        question = await questions.latest_unclosed(session, client_id=client.id or 0)
    new_question = question is None
    if question is None:
        question = Question(
            client_id=client.id or 0,
            appointment_id=appointment_id,
            task_id=task_id,
            first_client_message_at=now,
        )
    question.status = QuestionStatus.OPEN
    question.last_activity_at = now
    question.seen_at = None
    question.overdue_flagged_at = None if new_question else question.overdue_flagged_at
    session.add(question)
    await session.flush()
    message = Message(
        question_id=question.id or 0,
        direction=Direction.FROM_CLIENT,
        kind=kind,
        text=text,
        file_id=file_id,
        client_message_id=client_message_id,
        sent_at=now,
    )
    session.add(message)
    await session.flush()
    return Asked(question, message, new_question)


async def answer(
    session: AsyncSession,
    *,
    question: Question,
    staff_id: int,
    kind: MessageKind,
    now: datetime,
    text: str | None = None,
    file_id: str | None = None,
    internal: bool = False,
    staff_chat_id: int | None = None,
    staff_message_id: int | None = None,
) -> Message:
    """Store a staff message; a message that reaches the client marks the question answered."""
    message = Message(
        question_id=question.id or 0,
        direction=Direction.FROM_STAFF,
        kind=kind,
        text=text,
        file_id=file_id,
        staff_id=staff_id,
        internal=internal,
        staff_chat_id=staff_chat_id,
        staff_message_id=staff_message_id,
        sent_at=now,
    )
    session.add(message)
    if not internal:
        question.status = QuestionStatus.ANSWERED
        question.first_answer_at = question.first_answer_at or now
        question.seen_at = question.seen_at or now
        if question.assigned_staff_id is None:
            question.assigned_staff_id = staff_id
    question.last_activity_at = now
    session.add(question)
    audit.record(
        session,
        actor_kind=ActorKind.STAFF,
        actor_id=staff_id,
        action="question.note" if internal else "question.answer",
        subject_kind="question",
        subject_id=question.id,
        client_id=question.client_id,
        at=now,
    )
    await session.flush()
    return message


def mark_delivered(
    message: Message, *, now: datetime, client_message_id: int | None = None
) -> None:
    message.delivered_at = now
    if client_message_id is not None:
        message.client_message_id = client_message_id
