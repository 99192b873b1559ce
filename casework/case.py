"""Writes to a client's case data (appointments, tasks), each re-planning its reminders in the
same transaction. The CLI, the import, the bot and the back-office all write through here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from casework.planning import PlanningRules, replan_appointment, replan_task
from storage import audit
from storage.enums import ActorKind, AppointmentStatus, ClientResponse, TaskStatus
from storage.ids import pk
from storage.models import Appointment, Client, Task


class CaseError(ValueError):
    """A write that the case rules do not allow; the message is for operators, not clients."""


@dataclass(frozen=True)
class Actor:
    """Who does something, for the audit trail."""

    kind: ActorKind
    id: int | None = None


SYSTEM = Actor(ActorKind.SYSTEM)
REMOTE_TASK_PREFIX = "objects:"  # tasks of the case system's Objects API (casework/remote_tasks.py)


@dataclass
class AppointmentDraft:
    """The fields of a new appointment."""

    kind: str
    starts_at: datetime
    external_id: str
    ends_at: datetime | None = None
    title: str = ""
    staff_id: int | None = None
    place_name: str = ""
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None
    phone: str = ""
    video_url: str = ""
    bring: str = ""
    interpreter_needed: bool = False
    interpreter_language: str | None = None
    extra: dict[str, object] = field(default_factory=dict)


async def add_appointment(
    session: AsyncSession,
    *,
    client: Client,
    draft: AppointmentDraft,
    rules: PlanningRules,
    now: datetime,
    actor: Actor = SYSTEM,
) -> Appointment:
    if draft.ends_at is not None and draft.ends_at < draft.starts_at:
        raise CaseError("an appointment cannot end before it starts")
    appointment = Appointment(
        client_id=pk(client),
        external_id=draft.external_id,
        kind=draft.kind,
        title=draft.title,
        starts_at=draft.starts_at,
        ends_at=draft.ends_at,
        staff_id=draft.staff_id,
        place_name=draft.place_name,
        address=draft.address,
        latitude=draft.latitude,
        longitude=draft.longitude,
        phone=draft.phone,
        video_url=draft.video_url,
        bring=draft.bring,
        interpreter_needed=draft.interpreter_needed,
        interpreter_language=draft.interpreter_language,
    )
    session.add(appointment)
    await session.flush()
    await replan_appointment(session, appointment=appointment, client=client, rules=rules, now=now)
    _audit(session, actor, "appointment.create", "appointment", appointment.id, client, now)
    return appointment


async def move_appointment(
    session: AsyncSession,
    *,
    client: Client,
    appointment: Appointment,
    starts_at: datetime,
    ends_at: datetime | None,
    rules: PlanningRules,
    now: datetime,
    actor: Actor = SYSTEM,
) -> Appointment:
    """Move an appointment; the client's earlier answer no longer holds for the new time."""
    if appointment.status != AppointmentStatus.PLANNED:
        raise CaseError("only a planned appointment can be moved")
    if ends_at is not None and ends_at < starts_at:
        raise CaseError("an appointment cannot end before it starts")
    if ends_at is None and appointment.ends_at is not None:
        ends_at = starts_at + (appointment.ends_at - appointment.starts_at)
    appointment.starts_at = starts_at
    appointment.ends_at = ends_at
    appointment.client_response = ClientResponse.NONE
    appointment.response_reason = ""
    appointment.responded_at = None
    session.add(appointment)
    await replan_appointment(session, appointment=appointment, client=client, rules=rules, now=now)
    _audit(session, actor, "appointment.move", "appointment", appointment.id, client, now)
    return appointment


async def cancel_appointment(
    session: AsyncSession,
    *,
    client: Client,
    appointment: Appointment,
    rules: PlanningRules,
    now: datetime,
    actor: Actor = SYSTEM,
) -> Appointment:
    if appointment.status == AppointmentStatus.CANCELLED:
        raise CaseError("the appointment is already cancelled")
    appointment.status = AppointmentStatus.CANCELLED
    session.add(appointment)
    await replan_appointment(session, appointment=appointment, client=client, rules=rules, now=now)
    _audit(session, actor, "appointment.cancel", "appointment", appointment.id, client, now)
    return appointment


async def respond_to_appointment(
    session: AsyncSession,
    *,
    client: Client,
    appointment: Appointment,
    response: ClientResponse,
    reason: str,
    now: datetime,
) -> Appointment:
    """The client confirms or says they cannot come; only for a future, planned appointment."""
    if appointment.status != AppointmentStatus.PLANNED or appointment.starts_at <= now:
        raise CaseError("only a future planned appointment can be answered")
    appointment.client_response = response
    appointment.response_reason = reason[:500]
    appointment.responded_at = now
    session.add(appointment)
    _audit(
        session,
        Actor(ActorKind.CLIENT, client.id),
        f"appointment.{response}",
        "appointment",
        appointment.id,
        client,
        now,
    )
    return appointment


async def add_task(
    session: AsyncSession,
    *,
    client: Client,
    external_id: str,
    title: str,
    description: str = "",
    due_date: date | None = None,
    set_by_id: int | None = None,
    rules: PlanningRules,
    now: datetime,
    actor: Actor = SYSTEM,
) -> Task:
    task = Task(
        client_id=pk(client),
        external_id=external_id,
        title=title,
        description=description,
        due_date=due_date,
        set_by_id=set_by_id,
    )
    session.add(task)
    await session.flush()
    await replan_task(session, task=task, client=client, rules=rules, now=now)
    _audit(session, actor, "task.create", "task", task.id, client, now)
    return task


async def set_task_status(
    session: AsyncSession,
    *,
    client: Client,
    task: Task,
    status: TaskStatus,
    rules: PlanningRules,
    now: datetime,
    actor: Actor = SYSTEM,
) -> Task:
    """Mark a task done, open again (undo) or cancelled, and re-plan its reminders."""
    task.status = status
    if status == TaskStatus.DONE:
        task.done_at = now
        task.done_by = actor.kind
        task.done_by_staff_id = actor.id if actor.kind == ActorKind.STAFF else None
    else:
        task.done_at = None
        task.done_by = None
        task.done_by_staff_id = None
    remote = task.external_id.startswith(REMOTE_TASK_PREFIX)
    if remote and actor.kind != ActorKind.SYSTEM and status != TaskStatus.CANCELLED:
        # The case system's own task: written back by casework.remote_tasks.push_due (this row
        # is its outbox, in this same transaction).
        task.remote_due_at, task.remote_attempts = now, 0
    session.add(task)
    await replan_task(session, task=task, client=client, rules=rules, now=now)
    _audit(session, actor, f"task.{status}", "task", task.id, client, now)
    return task


def _audit(
    session: AsyncSession,
    actor: Actor,
    action: str,
    subject_kind: str,
    subject_id: int | None,
    client: Client,
    now: datetime,
) -> None:
    audit.record(
        session,
        actor_kind=actor.kind,
        actor_id=actor.id,
        action=action,
        subject_kind=subject_kind,
        subject_id=subject_id,
        client_id=client.id,
        at=now,
    )
