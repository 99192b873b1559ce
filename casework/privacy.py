"""What the bot keeps about a client: the export (/mydata) and the erasure (/forget).

Export: everything stored about the client, as JSON. Ids of other people (staff) and staff-side
internals (staff chat message ids, leases, password or second-factor data, which clients never
have anyway) are left out; the names of the client's own caseworkers are in, because the client
sees them in the chat too. Internal notes of caseworkers are not in the file: they are the
team's working notes, part of the municipality's case file.

Erase: the chat is unlinked, the contents of every message in the client's questions are
blanked (like the retention purge does), the preferences go back to their defaults and waiting
reminders are cancelled. The plan, exams, appointments and tasks stay: they belong to the
municipality's case file, not to the chat.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from casework.planning import cancel_pending_for_client
from storage import appointments, audit, clients, plans, questions, staff, tasks, visitors
from storage import reminders as reminder_rows
from storage.enums import ActorKind
from storage.ids import pk
from storage.models import (
    Appointment,
    AuditEvent,
    Client,
    ExamAttempt,
    Message,
    Plan,
    PlanPart,
    Question,
    Reminder,
    Staff,
    Task,
)

EXPORT_FORMAT = 1
FORGOTTEN = "forgotten"  # the reason on reminders cancelled by /forget (never re-armed)
ALL_ROWS = 100_000
NOTES_LEFT_OUT = (
    "Internal notes of caseworkers are not in this file. Ask your municipality for your full "
    "case file."
)

# Ids of other people and staff-side internals never leave in an export.
CLIENT_FIELDS = (
    "ref",
    "first_name",
    "municipality",
    "target_group",
    "locale",
    "literacy_support",
    "status",
    "telegram_chat_id",
    "telegram_user_id",
    "consent_at",
    "linked_at",
    "remind_appointments",
    "remind_tasks",
    "remind_deadlines",
    "weekly_digest",
    "show_dutch",
    "quiet_hours",
    "integration_start",
    "integration_end",
    "awaiting",
    "created_at",
    "updated_at",
)
PLAN_LEFT_OUT = frozenset({"client_id"})
PART_LEFT_OUT = frozenset({"plan_id"})
EXAM_LEFT_OUT = frozenset({"client_id"})
APPOINTMENT_LEFT_OUT = frozenset({"client_id", "staff_id"})
TASK_LEFT_OUT = frozenset({"client_id", "set_by_id", "done_by_staff_id"})
QUESTION_FIELDS = (
    "id",
    "status",
    "appointment_id",
    "task_id",
    "first_client_message_at",
    "first_answer_at",
    "last_activity_at",
    "closed_at",
    "created_at",
)
MESSAGE_FIELDS = (
    "id",
    "question_id",
    "direction",
    "kind",
    "text",
    "file_id",
    "client_message_id",
    "sent_at",
    "delivered_at",
    "erased_at",
    "translation",
    "translation_engine",
    "translation_model",
)
REMINDER_FIELDS = ("kind", "subject_id", "due_at", "event_at", "status", "reason", "sent_at")


@dataclass(frozen=True)
class ClientRecords:
    """Everything stored about one client, loaded in one session."""

    client: Client
    caseworker: Staff | None
    social_guide: Staff | None
    plans: Sequence[tuple[Plan, Sequence[PlanPart]]]
    exams: Sequence[ExamAttempt]
    appointments: Sequence[Appointment]
    staff_names: Mapping[int, str]
    tasks: Sequence[Task]
    questions: Sequence[Question]
    messages: Sequence[Message]
    reminders: Sequence[Reminder]
    audit_events: Sequence[AuditEvent]


async def gather(session: AsyncSession, *, client: Client) -> ClientRecords:
    """Load everything stored about a client."""
    client_id = pk(client)
    plan_rows = await plans.all_plans(session, client_id=client_id)
    appointment_rows = await appointments.for_client(session, client_id=client_id)
    staff_ids = {row.staff_id for row in appointment_rows if row.staff_id is not None}
    staff_ids |= {i for i in (client.caseworker_id, client.social_guide_id) if i is not None}
    members = {i: await staff.by_id(session, staff_id=i) for i in sorted(staff_ids)}
    return ClientRecords(
        client=client,
        caseworker=members.get(client.caseworker_id) if client.caseworker_id else None,
        social_guide=members.get(client.social_guide_id) if client.social_guide_id else None,
        plans=[(plan, await plans.parts(session, plan_id=pk(plan))) for plan in plan_rows],
        exams=await plans.exams(session, client_id=client_id),
        appointments=appointment_rows,
        staff_names={i: m.name for i, m in members.items() if m is not None},
        tasks=await tasks.for_client(session, client_id=client_id),
        questions=await questions.for_client(session, client_id=client_id),
        messages=await questions.messages_of_client(session, client_id=client_id),
        reminders=await reminder_rows.listing(session, client_id=client_id, limit=ALL_ROWS),
        audit_events=await audit.events(session, client_id=client_id, limit=ALL_ROWS),
    )


def _value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _row(
    row: Any, *, fields: Sequence[str] | None = None, left_out: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """A table row as a JSON-ready dict: the named fields, or all but the left-out ones."""
    names = (
        fields if fields is not None else [n for n in type(row).model_fields if n not in left_out]
    )
    return {name: _value(getattr(row, name)) for name in names}


def _audit_event(event: AuditEvent) -> dict[str, Any]:
    """An audit event without the ids of staff members."""
    own = event.actor_kind == ActorKind.CLIENT
    return {
        "at": _value(event.at),
        "actor": event.actor_kind,
        "actor_id": event.actor_id if own else None,
        "action": event.action,
        "subject_kind": event.subject_kind,
        "subject_id": event.subject_id if event.subject_kind != "staff" else None,
        "detail": event.detail,
    }


def export(records: ClientRecords, *, now: datetime) -> dict[str, Any]:
    """The export document: pure, so what leaves the database is tested without Telegram."""
    client = records.client
    appointment_list = []
    for row in records.appointments:
        item = _row(row, left_out=APPOINTMENT_LEFT_OUT)
        item["with"] = records.staff_names.get(row.staff_id) if row.staff_id else None
        appointment_list.append(item)
    return {
        "format": EXPORT_FORMAT,
        "exported_at": _value(now),
        "client": {
            **_row(client, fields=CLIENT_FIELDS),
            "caseworker": records.caseworker.name if records.caseworker else None,
            "social_guide": records.social_guide.name if records.social_guide else None,
        },
        "plans": [
            {
                **_row(plan, left_out=PLAN_LEFT_OUT),
                "parts": [_row(part, left_out=PART_LEFT_OUT) for part in parts],
            }
            for plan, parts in records.plans
        ],
        "exams": [_row(exam, left_out=EXAM_LEFT_OUT) for exam in records.exams],
        "appointments": appointment_list,
        "tasks": [_row(task, left_out=TASK_LEFT_OUT) for task in records.tasks],
        "questions": [_row(q, fields=QUESTION_FIELDS) for q in records.questions],
        "messages": [_row(m, fields=MESSAGE_FIELDS) for m in records.messages if not m.internal],
        "reminders": [_row(r, fields=REMINDER_FIELDS) for r in records.reminders],
        "audit_events": [_audit_event(event) for event in records.audit_events],
        "not_included": NOTES_LEFT_OUT,
    }


def export_json(records: ClientRecords, *, now: datetime) -> bytes:
    """The export as UTF-8 JSON (readable in any text editor; non-Latin names kept as they are)."""
    document = export(records, now=now)
    return json.dumps(document, ensure_ascii=False, indent=2).encode()


def export_file_name(now: datetime, zone: ZoneInfo) -> str:
    """'mydata-2026-11-23.json' (the Dutch calendar day)."""
    return f"mydata-{now.astimezone(zone).date().isoformat()}.json"


def record_export(session: AsyncSession, *, client: Client, now: datetime) -> None:
    audit.record(
        session,
        actor_kind=ActorKind.CLIENT,
        actor_id=client.id,
        action="client.export",
        subject_kind="client",
        subject_id=client.id,
        client_id=client.id,
        at=now,
    )


DEFAULT_PREFERENCES: dict[str, Any] = {
    "locale": None,
    "quiet_hours": None,
    "remind_appointments": True,
    "remind_tasks": True,
    "remind_deadlines": True,
    "show_dutch": False,
    "weekly_digest": False,
    "awaiting": None,
}


def reset_preferences(client: Client) -> None:
    """Language, quiet hours, reminder choices, Dutch and digest back to their defaults."""
    for name, value in DEFAULT_PREFERENCES.items():
        setattr(client, name, value)


def erase_message(message: Message, *, now: datetime) -> bool:
    """Blank a message's contents and its machine translation (the thread and its times stay);
    False if already erased."""
    if (
        message.erased_at is not None
        and message.text is None
        and message.file_id is None
        and message.translation is None
    ):
        return False
    message.text = None
    message.file_id = None
    message.translation = None
    message.translation_next_at = None
    message.erased_at = message.erased_at or now
    return True


@dataclass(frozen=True)
class Forgotten:
    messages: int
    reminders: int


async def forget(session: AsyncSession, *, client: Client, now: datetime) -> Forgotten:
    """Unlink the chat and erase messages and preferences; the case file stays (one transaction)."""
    chat_id = client.telegram_chat_id
    erased = 0
    for message in await questions.messages_of_client(session, client_id=pk(client)):
        if erase_message(message, now=now):
            session.add(message)
            erased += 1
    reset_preferences(client)
    clients.unlink(client)
    session.add(client)
    if chat_id is not None:
        await visitors.forget(session, chat_id=chat_id)
    cancelled = await cancel_pending_for_client(session, client_id=pk(client), reason=FORGOTTEN)
    audit.record(
        session,
        actor_kind=ActorKind.CLIENT,
        actor_id=client.id,
        action="client.forget",
        subject_kind="client",
        subject_id=client.id,
        client_id=client.id,
        detail=f"messages={erased} reminders={cancelled}",
        at=now,
    )
    await session.flush()
    return Forgotten(erased, cancelled)
