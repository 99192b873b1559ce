"""The question store's rules: ask, answer, close, reopen, assign, mark seen, substitutes, waiting.

Channel-neutral: the bot, the Telegram staff chat, the back-office and the scheduler all call
these functions, so a question is stored the same way whoever answers it and wherever. Nothing
here talks to Telegram; the channels send what these functions say is due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from casework import translation
from casework.timewindows import OfficeHours
from storage import access, audit, questions
from storage.enums import ActorKind, Direction, MessageKind, QuestionStatus
from storage.ids import pk
from storage.models import Client, Message, Question, Staff

# A message not delivered this long after it was stored is sent again by the retry job (the
# handler that stored it normally delivers it within a second).
RELAY_GRACE = timedelta(minutes=2)
MAX_DELIVERY_ATTEMPTS = 8
RETRY_WINDOW = timedelta(days=7)  # older undelivered messages are left to the back-office
SUBSTITUTE_HOPS = 4
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


class QuestionError(ValueError):
    """A change the question rules refuse; `reason` is a stable code the channels translate."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Asked:
    question: Question
    message: Message
    new_question: bool
    # False for the second and later photos of an album: one acknowledgement per album.
    acknowledge: bool = True


def _record(
    session: AsyncSession,
    question: Question,
    staff_id: int | None,
    action: str,
    now: datetime,
    detail: str = "",
) -> None:
    audit.record(
        session,
        actor_kind=ActorKind.STAFF if staff_id else ActorKind.SYSTEM,
        actor_id=staff_id,
        action=action,
        subject_kind="question",
        subject_id=question.id,
        client_id=question.client_id,
        detail=detail,
        at=now,
    )


# -- asking -------------------------------------------------------------------------------------


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
    media_group_id: str | None = None,
    translate_for: str | None = None,
) -> Asked:
    """Store a client's message: it continues their open question or starts a new one.

    A message about a specific appointment or task starts its own question, linked to it. The
    photos of one album stay together in one question. `translate_for` (the client's language,
    where machine translation is on) marks the text as waiting for its translation.
    """
    question = None
    earlier = None
    if media_group_id is not None:
        earlier = await questions.album_message(
            session, client_id=pk(client), media_group_id=media_group_id
        )
        if earlier is not None:
            question = await questions.by_id(session, question_id=earlier.question_id)
    if question is None and appointment_id is None and task_id is None:
        question = await questions.latest_unclosed(session, client_id=pk(client))
    new_question = question is None
    if question is None:
        question = Question(
            client_id=pk(client),
            appointment_id=appointment_id,
            task_id=task_id,
            first_client_message_at=now,
            assigned_staff_id=await assignee_for(session, client=client, now=now),
        )
    if new_question or question.status != QuestionStatus.OPEN:
        question.waiting_since = now  # waiting starts (again, after an answer)
        question.overdue_flagged_at = None
    question.status = QuestionStatus.OPEN
    question.closed_at = None
    question.last_activity_at = now
    question.seen_at = None
    session.add(question)
    await session.flush()
    message = Message(
        question_id=pk(question),
        direction=Direction.FROM_CLIENT,
        kind=kind,
        text=text.replace("\x00", "") if text else text,  # PostgreSQL text cannot hold NUL
        file_id=file_id,
        client_message_id=client_message_id,
        media_group_id=media_group_id,
        sent_at=now,
        next_attempt_at=now + RELAY_GRACE,
    )
    if translate_for is not None:
        translation.request(message, client_locale=translate_for, now=now)
    session.add(message)
    await session.flush()
    return Asked(question, message, new_question, acknowledge=earlier is None)


# -- answering ----------------------------------------------------------------------------------


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
    correction_of_id: int | None = None,
    retry_at: datetime | None = None,
    translate_for: str | None = None,
) -> Message:
    """Store a staff message; a message that reaches the client marks the question answered.

    Internal notes are stored and never sent. Anything else stays due for delivery until a
    channel marks it delivered (`retry_at`, by default a short grace, is when the retry job
    takes over). `translate_for` (the client's language, where machine translation is on)
    marks the text as waiting for its translation into that language.
    """
    message = Message(
        question_id=pk(question),
        direction=Direction.FROM_STAFF,
        kind=kind,
        text=text,
        file_id=file_id,
        staff_id=staff_id,
        internal=internal,
        staff_chat_id=staff_chat_id,
        staff_message_id=staff_message_id,
        correction_of_id=correction_of_id,
        sent_at=now,
        next_attempt_at=None if internal else (retry_at or now + RELAY_GRACE),
    )
    if translate_for is not None:
        translation.request(message, client_locale=translate_for, now=now)
    session.add(message)
    if not internal:
        question.status = QuestionStatus.ANSWERED
        question.closed_at = None
        question.waiting_since = None
        question.first_answer_at = question.first_answer_at or now
        question.seen_at = question.seen_at or now
        if question.assigned_staff_id is None:
            question.assigned_staff_id = staff_id
    question.last_activity_at = now
    session.add(question)
    _record(session, question, staff_id, "question.note" if internal else "question.answer", now)
    await session.flush()
    return message


def mark_delivered(
    message: Message,
    *,
    now: datetime,
    client_message_id: int | None = None,
    staff_chat_id: int | None = None,
    staff_message_id: int | None = None,
) -> None:
    """A channel delivered the message: keep the message id on the other side."""
    message.delivered_at = now
    message.next_attempt_at = None
    message.delivery_error = None
    if client_message_id is not None:
        message.client_message_id = client_message_id
    if staff_chat_id is not None:
        message.staff_chat_id = staff_chat_id
    if staff_message_id is not None:
        message.staff_message_id = staff_message_id


def retry_delay(attempts: int) -> timedelta:
    """Back off: 1, 2, 4 ... minutes, at most an hour."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), timedelta(hours=1))


def delivery_failed(message: Message, *, now: datetime, error: str, retry: bool = True) -> bool:
    """Note a failed attempt; True when the message will be tried again."""
    message.delivery_error = error[:60]
    attempts = max(message.delivery_attempts, 1)
    message.delivery_attempts = attempts
    if retry and attempts < MAX_DELIVERY_ATTEMPTS:
        message.next_attempt_at = now + retry_delay(attempts)
        return True
    message.next_attempt_at = None
    return False


# -- seen, close, reopen, assign ----------------------------------------------------------------


async def mark_seen(
    session: AsyncSession, *, question: Question, staff_id: int, now: datetime
) -> bool:
    """A staff member read the question. True when the client should now get the one
    "your caseworker has seen your question" notice of this question (the channel sends it)."""
    if question.seen_at is None:
        question.seen_at = now
        _record(session, question, staff_id, "question.seen", now)
    due = question.status == QuestionStatus.OPEN and question.seen_notified_at is None
    if due:
        question.seen_notified_at = now
    session.add(question)
    await session.flush()
    return due


async def close(
    session: AsyncSession, *, question: Question, staff_id: int | None, now: datetime
) -> bool:
    """Close the question; False when it was closed already."""
    if question.status == QuestionStatus.CLOSED:
        return False
    question.status = QuestionStatus.CLOSED
    question.closed_at = now
    question.waiting_since = None
    question.last_activity_at = now
    session.add(question)
    _record(session, question, staff_id, "question.close", now)
    await session.flush()
    return True


async def reopen(
    session: AsyncSession, *, question: Question, staff_id: int | None, now: datetime
) -> bool:
    """Open a closed question again (it waits for an answer again); False when not closed."""
    if question.status != QuestionStatus.CLOSED:
        return False
    question.status = QuestionStatus.OPEN
    question.closed_at = None
    question.waiting_since = now
    question.overdue_flagged_at = None
    question.last_activity_at = now
    session.add(question)
    _record(session, question, staff_id, "question.reopen", now)
    await session.flush()
    return True


async def can_relay(session: AsyncSession, *, staff: Staff | None, client: Client) -> bool:
    """Whether a staff member may read and answer this client's questions."""
    return staff is not None and await access.can_reach(session, staff=staff, client=client)


async def assign(
    session: AsyncSession, *, question: Question, staff_id: int, assignee_id: int, now: datetime
) -> None:
    """Give the question to a staff member (check `can_relay` for the assignee first)."""
    question.assigned_staff_id = assignee_id
    session.add(question)
    _record(session, question, staff_id, "question.assign", now, detail=f"to:{assignee_id}")
    await session.flush()


async def substitute(
    session: AsyncSession, *, question: Question, staff_id: int, now: datetime
) -> Staff | None:
    """Hand the question to the active substitute of the staff member it is assigned to."""
    if question.assigned_staff_id is None:
        return None
    assigned = await session.get(Staff, question.assigned_staff_id)
    if assigned is None or assigned.substitute_id is None:
        return None
    replacement = await session.get(Staff, assigned.substitute_id)
    if replacement is None or not replacement.active or replacement.id == assigned.id:
        return None
    question.assigned_staff_id = replacement.id
    session.add(question)
    _record(session, question, staff_id, "question.substitute", now, detail=f"to:{replacement.id}")
    await session.flush()
    return replacement


# -- away and substitutes -----------------------------------------------------------------------


def is_away(staff: Staff, today: date) -> bool:
    return staff.away_until is not None and staff.away_until >= today


async def set_away(
    session: AsyncSession, *, staff: Staff, substitute: Staff, until: date, now: datetime
) -> None:
    """While away (up to and including `until`), new questions go to the substitute."""
    today = now.astimezone(AMSTERDAM).date()
    if substitute.id == staff.id:
        raise QuestionError("substitute_is_self")
    if not substitute.active or substitute.organisation_id != staff.organisation_id:
        raise QuestionError("substitute_not_colleague")
    if until < today:
        raise QuestionError("until_in_past")
    staff.substitute_id = substitute.id
    staff.away_until = until
    session.add(staff)
    audit.record(
        session,
        actor_kind=ActorKind.STAFF,
        actor_id=staff.id,
        action="staff.away",
        subject_kind="staff",
        subject_id=staff.id,
        detail=f"substitute:{substitute.id} until:{until.isoformat()}",
        at=now,
    )
    await session.flush()


async def clear_away(session: AsyncSession, *, staff: Staff, now: datetime) -> None:
    staff.away_until = None
    session.add(staff)
    audit.record(
        session,
        actor_kind=ActorKind.STAFF,
        actor_id=staff.id,
        action="staff.back",
        subject_kind="staff",
        subject_id=staff.id,
        at=now,
    )
    await session.flush()


async def assignee_for(session: AsyncSession, *, client: Client, now: datetime) -> int | None:
    """Who a new question of this client goes to: their caseworker, or the caseworker's active
    substitute while the caseworker is away (following a chain of substitutes, never a loop)."""
    if client.caseworker_id is None:
        return None
    today = now.astimezone(AMSTERDAM).date()
    current = await session.get(Staff, client.caseworker_id)
    seen: set[int] = set()
    for _ in range(SUBSTITUTE_HOPS):
        if current is None or current.id in seen:
            break
        seen.add(pk(current))
        if not is_away(current, today) or current.substitute_id is None:
            return current.id
        replacement = await session.get(Staff, current.substitute_id)
        if replacement is None or not replacement.active or replacement.id in seen:
            return current.id
        current = replacement
    return current.id if current is not None else client.caseworker_id


# -- waiting too long ---------------------------------------------------------------------------


def office_time_waited(
    question: Question, *, now: datetime, office: OfficeHours, zone: ZoneInfo
) -> timedelta:
    """Office time since the client started waiting (zero when they do not wait)."""
    if question.status != QuestionStatus.OPEN or question.waiting_since is None:
        return timedelta(0)
    return office.open_time_between(question.waiting_since, now, zone)


def is_overdue(
    question: Question,
    *,
    now: datetime,
    office: OfficeHours,
    zone: ZoneInfo,
    deadline: timedelta,
) -> bool:
    """Open, not flagged yet, and waiting at least `deadline` of office time."""
    if question.overdue_flagged_at is not None:
        return False
    waited = office_time_waited(question, now=now, office=office, zone=zone)
    return question.waiting_since is not None and waited >= deadline


async def overdue_questions(
    session: AsyncSession,
    *,
    now: datetime,
    office: OfficeHours,
    zone: ZoneInfo,
    deadline: timedelta,
) -> list[Question]:
    """Questions to flag now (office time never exceeds wall time, so the query narrows first)."""
    candidates = await questions.waiting_since_before(session, moment=now - deadline)
    return [
        question
        for question in candidates
        if is_overdue(question, now=now, office=office, zone=zone, deadline=deadline)
    ]


async def flag_overdue(session: AsyncSession, *, question: Question, now: datetime) -> bool:
    """Mark a question as flagged; False when another process flagged it first."""
    flagged = await questions.claim_overdue_flag(session, question_id=pk(question), now=now)
    if flagged:
        question.overdue_flagged_at = now
        _record(session, question, None, "question.overdue", now)
        await session.flush()
    return flagged
