"""Queries about questions (threads), their messages, and the clients' staff-chat topics."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.enums import ClientStatus, Direction, QuestionStatus, StaffRole
from storage.ids import pk
from storage.models import (
    Client,
    Message,
    OrganisationMunicipality,
    Question,
    Staff,
    StaffTopic,
)


async def by_id(session: AsyncSession, *, question_id: int) -> Question | None:
    return await session.get(Question, question_id)


# Built once with a bind parameter: building a statement costs about as much CPU as running it.
_LATEST_UNCLOSED = (
    select(Question)
    .where(
        Question.client_id == bindparam("client_id"),
        col(Question.status).in_([QuestionStatus.OPEN, QuestionStatus.ANSWERED]),
    )
    .order_by(col(Question.id).desc())
    .limit(1)
)


async def latest_unclosed(session: AsyncSession, *, client_id: int) -> Question | None:
    """The client's open or answered question, which a new message continues."""
    return (await session.exec(_LATEST_UNCLOSED, params={"client_id": client_id})).first()


async def latest(session: AsyncSession, *, client_id: int) -> Question | None:
    """The client's newest question in any status (what a staff message in their topic is about)."""
    query = (
        select(Question)
        .where(Question.client_id == client_id)
        .order_by(col(Question.id).desc())
        .limit(1)
    )
    return (await session.exec(query)).first()


async def latest_closed(session: AsyncSession, *, client_id: int) -> Question | None:
    query = (
        select(Question)
        .where(Question.client_id == client_id, Question.status == QuestionStatus.CLOSED)
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


async def message_by_id(session: AsyncSession, *, message_id: int) -> Message | None:
    return await session.get(Message, message_id)


async def album_message(
    session: AsyncSession, *, client_id: int, media_group_id: str
) -> Message | None:
    """An earlier message of the same album (media_group_id) from this client."""
    query = (
        select(Message)
        .join(Question, col(Question.id) == col(Message.question_id))
        .where(
            Question.client_id == client_id,
            Message.media_group_id == media_group_id,
            Message.direction == Direction.FROM_CLIENT,
        )
        .order_by(col(Message.id))
        .limit(1)
    )
    return (await session.exec(query)).first()


async def by_staff_message(
    session: AsyncSession, *, chat_id: int, message_id: int
) -> Message | None:
    """The stored message (the original, not a correction) behind a message in the staff chat."""
    query = (
        select(Message)
        .where(
            Message.staff_chat_id == chat_id,
            Message.staff_message_id == message_id,
            col(Message.correction_of_id).is_(None),
        )
        .order_by(col(Message.id))
        .limit(1)
    )
    return (await session.exec(query)).first()


async def question_of_staff_message(
    session: AsyncSession, *, chat_id: int, message_id: int
) -> Question | None:
    """The question a staff-chat message belongs to: its header card or a relayed message."""
    header = await session.exec(
        select(Question).where(
            Question.staff_chat_id == chat_id, Question.staff_header_message_id == message_id
        )
    )
    question = header.first()
    if question is not None:
        return question
    message = await by_staff_message(session, chat_id=chat_id, message_id=message_id)
    return await session.get(Question, message.question_id) if message else None


# -- delivery retries ---------------------------------------------------------------------------


async def due_for_delivery(
    session: AsyncSession,
    *,
    now: datetime,
    since: datetime,
    include_client_messages: bool = True,
    limit: int = 50,
) -> Sequence[Message]:
    """Undelivered messages whose next attempt is due, oldest first.

    Client messages are due only where a staff chat relays them (`include_client_messages`).
    Staff messages wait while their client has blocked the bot or has no chat; they go out
    once the client is back.
    """
    reachable_client = (col(Client.status) != ClientStatus.BLOCKED_BOT) & col(
        Client.telegram_chat_id
    ).is_not(None)
    from_staff = (col(Message.direction) == Direction.FROM_STAFF) & reachable_client
    from_client = col(Message.direction) == Direction.FROM_CLIENT
    whose = or_(from_client, from_staff) if include_client_messages else from_staff
    query = (
        select(Message)
        .join(Question, col(Question.id) == col(Message.question_id))
        .join(Client, col(Client.id) == col(Question.client_id))
        .where(
            col(Message.delivered_at).is_(None),
            col(Message.erased_at).is_(None),
            col(Message.internal).is_(False),
            col(Message.next_attempt_at).is_not(None),
            col(Message.next_attempt_at) <= now,
            col(Message.sent_at) >= since,
            whose,
        )
        .order_by(col(Message.id))
        .limit(limit)
    )
    return (await session.exec(query)).all()


async def claim_delivery(
    session: AsyncSession, *, message_id: int, now: datetime, lease_until: datetime
) -> bool:
    """Take a due message for one delivery attempt; False when someone else has it."""
    result = await session.exec(
        update(Message)  # type: ignore[call-overload]
        .where(
            col(Message.id) == message_id,
            col(Message.delivered_at).is_(None),
            col(Message.next_attempt_at) <= now,
        )
        .values(next_attempt_at=lease_until, delivery_attempts=Message.delivery_attempts + 1)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0) == 1


# -- machine translation (casework/translation.py) ----------------------------------------------


async def translations_due(
    session: AsyncSession, *, now: datetime, limit: int = 20
) -> Sequence[int]:
    """Ids of messages whose translation (or showing it) is due, oldest first."""
    query = (
        select(Message.id)
        .where(
            col(Message.translation_next_at).is_not(None),
            col(Message.translation_next_at) <= now,
            col(Message.erased_at).is_(None),
        )
        .order_by(col(Message.id))
        .limit(limit)
    )
    return [message_id for message_id in (await session.exec(query)).all() if message_id]


async def claim_translation(
    session: AsyncSession, *, message_id: int, now: datetime, lease_until: datetime
) -> bool:
    """Take a due message for one translation step; False when another process has it."""
    result = await session.exec(
        update(Message)  # type: ignore[call-overload]
        .where(
            col(Message.id) == message_id,
            col(Message.erased_at).is_(None),
            col(Message.translation_next_at) <= now,
        )
        .values(translation_next_at=lease_until)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0) == 1


async def no_pair_shown_before(session: AsyncSession, *, message: Message) -> bool:
    """Whether the team was already told in this question that there is no translation."""
    query = select(Message.id).where(
        col(Message.question_id) == message.question_id,
        col(Message.id) < pk(message),
        col(Message.direction) == message.direction,
        col(Message.translation_status) == "no_pair",
        col(Message.translation_shown_at).is_not(None),
    )
    return (await session.exec(query.limit(1))).first() is not None


# -- waiting too long ---------------------------------------------------------------------------


async def waiting_since_before(
    session: AsyncSession, *, moment: datetime, limit: int = 200
) -> Sequence[Question]:
    """Open, not yet flagged questions that have waited since before a moment."""
    query = (
        select(Question)
        .where(
            Question.status == QuestionStatus.OPEN,
            col(Question.overdue_flagged_at).is_(None),
            col(Question.waiting_since).is_not(None),
            col(Question.waiting_since) <= moment,
        )
        .order_by(col(Question.waiting_since))
        .limit(limit)
    )
    return (await session.exec(query)).all()


async def claim_overdue_flag(session: AsyncSession, *, question_id: int, now: datetime) -> bool:
    """Set overdue_flagged_at once; False when it was flagged already (by another process)."""
    result = await session.exec(
        update(Question)  # type: ignore[call-overload]
        .where(
            col(Question.id) == question_id,
            col(Question.overdue_flagged_at).is_(None),
            col(Question.status) == QuestionStatus.OPEN,
        )
        .values(overdue_flagged_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0) == 1


async def team_leads_for(session: AsyncSession, *, municipality: str) -> Sequence[Staff]:
    """Active team leads of the organisations that serve a municipality."""
    query = (
        select(Staff)
        .join(
            OrganisationMunicipality,
            col(OrganisationMunicipality.organisation_id) == col(Staff.organisation_id),
        )
        .where(
            OrganisationMunicipality.municipality == municipality,
            Staff.role == StaffRole.TEAM_LEAD,
            col(Staff.active).is_(True),
        )
        .order_by(col(Staff.id))
    )
    return (await session.exec(query)).all()


# -- the clients' topics in the staff chat ------------------------------------------------------


# The title kept for a topic that was deleted in Telegram, so the new one can say so.
DELETED_TITLE = "(deleted)"


@dataclass(frozen=True)
class TopicClaim:
    """The state of a client's topic row: ready, ours to create, or being created elsewhere."""

    row_id: int
    topic_id: int | None
    title: str
    mine: bool

    @property
    def recreate(self) -> bool:
        """Whether the topic to create replaces one that was deleted."""
        return self.topic_id is None and self.title == DELETED_TITLE


async def topic_of_client(
    session: AsyncSession, *, chat_id: int, client_id: int
) -> StaffTopic | None:
    query = select(StaffTopic).where(
        StaffTopic.chat_id == chat_id, StaffTopic.client_id == client_id
    )
    return (await session.exec(query)).first()


async def client_of_topic(session: AsyncSession, *, chat_id: int, topic_id: int) -> Client | None:
    query = (
        select(Client)
        .join(StaffTopic, col(StaffTopic.client_id) == col(Client.id))
        .where(StaffTopic.chat_id == chat_id, StaffTopic.topic_id == topic_id)
    )
    return (await session.exec(query)).first()


async def claim_topic(
    session: AsyncSession,
    *,
    chat_id: int,
    client_id: int,
    owner: str,
    now: datetime,
    until: datetime,
) -> TopicClaim | None:
    """Read the client's topic row, claiming it when there is no topic yet.

    The first caller inserts the row, claimed. The unique (chat, client) pair refuses a second
    row: the loser gets None (its transaction is rolled back) and reads again. A claim lapses
    at `until`, so a process that died while creating the topic does not block it for ever.
    """
    row = await topic_of_client(session, chat_id=chat_id, client_id=client_id)
    if row is None:
        row = StaffTopic(chat_id=chat_id, client_id=client_id, claimed_by=owner, claim_until=until)
        session.add(row)
        try:
            await session.flush()
        except IntegrityError:
            await session.rollback()
            return None
        return TopicClaim(pk(row), None, "", mine=True)
    if row.topic_id is not None:
        return TopicClaim(pk(row), row.topic_id, row.title, mine=False)
    mine = await take_topic_claim(session, row_id=pk(row), owner=owner, now=now, until=until)
    return TopicClaim(pk(row), None, row.title, mine=mine)


async def take_topic_claim(
    session: AsyncSession, *, row_id: int, owner: str, now: datetime, until: datetime
) -> bool:
    """Claim a row without a topic whose earlier claim lapsed (or was released)."""
    result = await session.exec(
        update(StaffTopic)  # type: ignore[call-overload]
        .where(
            col(StaffTopic.id) == row_id,
            col(StaffTopic.topic_id).is_(None),
            or_(col(StaffTopic.claim_until).is_(None), col(StaffTopic.claim_until) < now),
        )
        .values(claimed_by=owner, claim_until=until)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0) == 1


async def set_topic(
    session: AsyncSession, *, row_id: int, owner: str, topic_id: int, title: str
) -> bool:
    """Store the topic a claim created; False when the claim was lost meanwhile."""
    result = await session.exec(
        update(StaffTopic)  # type: ignore[call-overload]
        .where(col(StaffTopic.id) == row_id, col(StaffTopic.claimed_by) == owner)
        .values(topic_id=topic_id, title=title, claimed_by=None, claim_until=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0) == 1


async def release_topic_claim(session: AsyncSession, *, row_id: int, owner: str) -> None:
    await session.exec(
        update(StaffTopic)  # type: ignore[call-overload]
        .where(col(StaffTopic.id) == row_id, col(StaffTopic.claimed_by) == owner)
        .values(claimed_by=None, claim_until=None)
        .execution_options(synchronize_session=False)
    )


async def forget_topic(session: AsyncSession, *, row_id: int, topic_id: int) -> bool:
    """The topic was deleted in Telegram: clear it (once, whoever notices first)."""
    result = await session.exec(
        update(StaffTopic)  # type: ignore[call-overload]
        .where(col(StaffTopic.id) == row_id, col(StaffTopic.topic_id) == topic_id)
        .values(topic_id=None, title=DELETED_TITLE, claimed_by=None, claim_until=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0) == 1


async def set_topic_title(session: AsyncSession, *, row_id: int, title: str) -> None:
    await session.exec(
        update(StaffTopic)  # type: ignore[call-overload]
        .where(col(StaffTopic.id) == row_id)
        .values(title=title)
        .execution_options(synchronize_session=False)
    )


async def delete_topic_row(session: AsyncSession, *, chat_id: int, client_id: int) -> None:
    row = await topic_of_client(session, chat_id=chat_id, client_id=client_id)
    if row is not None:
        await session.delete(row)
