"""Reminder planning: which reminder rows an appointment, task or plan deadline should have.

Every write to such a row calls one of the `replan_*` functions in the same transaction. Planning
is idempotent: rows are keyed by a unique dedup key (`kind:row:offset`); planning twice changes
nothing, a moved event moves its pending reminders (and re-arms sent ones), a cancelled or
finished one cancels them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.timewindows import QuietHours, ReminderOffset, local_at, parse_offsets
from storage.enums import AppointmentStatus, ReminderKind, ReminderStatus, TaskStatus
from storage.models import Appointment, Client, Plan, Reminder, Task

MORNING = time(9, 0)
DEADLINE_MONTHS = (6, 3, 1)
ACTIVE_STATES = (ReminderStatus.PENDING, ReminderStatus.CLAIMED)


@dataclass(frozen=True)
class PlanningRules:
    """The settings planning depends on."""

    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Amsterdam"))
    appointment_offsets: tuple[ReminderOffset, ...] = parse_offsets("1d@18:00,2h")
    default_quiet: QuietHours = QuietHours.parse("21:00-08:00")

    def quiet_for(self, client: Client) -> QuietHours:
        if client.quiet_hours:
            try:
                return QuietHours.parse(client.quiet_hours)
            except ValueError:
                return self.default_quiet
        return self.default_quiet


@dataclass(frozen=True)
class Wanted:
    """A reminder row that should exist."""

    key: str
    due_at: datetime
    event_at: datetime | None
    subject_id: int


def outside_quiet(
    due: datetime, *, event_at: datetime | None, quiet: QuietHours, zone: ZoneInfo
) -> datetime | None:
    """Move a moment out of quiet hours; None when that would land after the event."""
    moved = quiet.end_after(due, zone)
    if event_at is not None and moved >= event_at:
        return None
    return moved


def appointment_reminders(
    appointment: Appointment, *, rules: PlanningRules, quiet: QuietHours
) -> list[Wanted]:
    """The reminders a planned appointment should have."""
    if appointment.status != AppointmentStatus.PLANNED or appointment.id is None:
        return []
    wanted = []
    for offset in rules.appointment_offsets:
        due = outside_quiet(
            offset.moment(appointment.starts_at, rules.zone),
            event_at=appointment.starts_at,
            quiet=quiet,
            zone=rules.zone,
        )
        if due is not None:
            key = f"{ReminderKind.APPOINTMENT}:{appointment.id}:{offset.key}"
            wanted.append(Wanted(key, due, appointment.starts_at, appointment.id))
    return _distinct_moments(wanted)


def task_reminders(task: Task, *, rules: PlanningRules, quiet: QuietHours) -> list[Wanted]:
    """The morning before the due date, and the morning after it if still open."""
    if task.status != TaskStatus.OPEN or task.due_date is None or task.id is None:
        return []
    end_of_due_day = local_at(task.due_date + timedelta(days=1), time(0, 0), rules.zone)
    before = quiet.end_after(
        local_at(task.due_date - timedelta(days=1), MORNING, rules.zone), rules.zone
    )
    after = quiet.end_after(
        local_at(task.due_date + timedelta(days=1), MORNING, rules.zone), rules.zone
    )
    return [
        Wanted(f"{ReminderKind.TASK}:{task.id}:before", before, end_of_due_day, task.id),
        Wanted(f"{ReminderKind.TASK}:{task.id}:after", after, None, task.id),
    ]


def months_before(day: date, months: int) -> date:
    """The same day of the month `months` earlier (clamped to the month's end)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    for candidate_day in (day.day, 30, 29, 28):
        try:
            return date(year, month, candidate_day)
        except ValueError:
            continue
    raise AssertionError("every month has a 28th")


def deadline_reminders(plan: Plan, *, rules: PlanningRules, quiet: QuietHours) -> list[Wanted]:
    """The end of the integration period: six, three and one month ahead."""
    if plan.id is None or plan.status not in ("established", "revised"):
        return []
    end = plan.extended_until or plan.period_end
    event_at = local_at(end + timedelta(days=1), time(0, 0), rules.zone)
    return [
        Wanted(
            f"{ReminderKind.DEADLINE}:{plan.id}:{months}m",
            quiet.end_after(local_at(months_before(end, months), MORNING, rules.zone), rules.zone),
            event_at,
            plan.id,
        )
        for months in DEADLINE_MONTHS
    ]


def _distinct_moments(wanted: list[Wanted]) -> list[Wanted]:
    """Two offsets moved to the same moment by quiet hours make one reminder, not two."""
    seen: set[datetime] = set()
    kept = []
    for item in sorted(wanted, key=lambda w: w.due_at):
        if item.due_at not in seen:
            seen.add(item.due_at)
            kept.append(item)
    return kept


async def _apply(
    session: AsyncSession,
    *,
    client_id: int,
    kind: ReminderKind,
    prefix: str,
    wanted: Iterable[Wanted],
    now: datetime,
) -> None:
    """Make the stored rows under `prefix` match `wanted`."""
    existing = {
        row.dedup_key: row
        for row in (
            await session.exec(select(Reminder).where(col(Reminder.dedup_key).startswith(prefix)))
        ).all()
    }
    wanted_keys = set()
    for item in wanted:
        wanted_keys.add(item.key)
        row = existing.get(item.key)
        if row is None:
            if item.due_at > now:  # a moment already passed at planning time is not planned
                session.add(_new_row(client_id, kind, item))
            continue
        _update_row(row, item, now=now)
        session.add(row)
    for key, row in existing.items():
        if key not in wanted_keys and row.status in ACTIVE_STATES:
            row.status = ReminderStatus.CANCELLED
            row.lease_until = None
            session.add(row)
    await session.flush()


def _new_row(client_id: int, kind: ReminderKind, item: Wanted) -> Reminder:
    return Reminder(
        client_id=client_id,
        kind=kind,
        subject_id=item.subject_id,
        dedup_key=item.key,
        due_at=item.due_at,
        available_at=item.due_at,
        event_at=item.event_at,
    )


def _update_row(row: Reminder, item: Wanted, *, now: datetime) -> None:
    """Follow a moved event; re-arm a reminder that already went out for the old time."""
    moved = row.due_at != item.due_at or row.event_at != item.event_at
    if not moved and row.status != ReminderStatus.CANCELLED:
        return
    row.due_at = item.due_at
    row.event_at = item.event_at
    row.available_at = item.due_at
    if item.due_at <= now and item.event_at is not None and row.status != ReminderStatus.PENDING:
        row.status = ReminderStatus.CANCELLED
        return
    row.status = ReminderStatus.PENDING
    row.lease_until = None
    row.claimed_by = None
    row.attempts = 0
    row.last_error = None
    row.sent_at = None
    row.telegram_message_id = None


async def replan_appointment(
    session: AsyncSession,
    *,
    appointment: Appointment,
    client: Client,
    rules: PlanningRules,
    now: datetime,
) -> None:
    await session.flush()
    wanted = appointment_reminders(appointment, rules=rules, quiet=rules.quiet_for(client))
    await _apply(
        session,
        client_id=client.id or 0,
        kind=ReminderKind.APPOINTMENT,
        prefix=f"{ReminderKind.APPOINTMENT}:{appointment.id}:",
        wanted=wanted,
        now=now,
    )


async def replan_task(
    session: AsyncSession, *, task: Task, client: Client, rules: PlanningRules, now: datetime
) -> None:
    await session.flush()
    wanted = task_reminders(task, rules=rules, quiet=rules.quiet_for(client))
    await _apply(
        session,
        client_id=client.id or 0,
        kind=ReminderKind.TASK,
        prefix=f"{ReminderKind.TASK}:{task.id}:",
        wanted=wanted,
        now=now,
    )


async def replan_deadlines(
    session: AsyncSession, *, plan: Plan, client: Client, rules: PlanningRules, now: datetime
) -> None:
    await session.flush()
    wanted = deadline_reminders(plan, rules=rules, quiet=rules.quiet_for(client))
    await _apply(
        session,
        client_id=client.id or 0,
        kind=ReminderKind.DEADLINE,
        prefix=f"{ReminderKind.DEADLINE}:{plan.id}:",
        wanted=wanted,
        now=now,
    )


async def replan_client(
    session: AsyncSession, *, client: Client, rules: PlanningRules, now: datetime
) -> None:
    """Re-plan everything of a client (after their quiet hours changed, or an import)."""
    for appointment in (
        await session.exec(select(Appointment).where(Appointment.client_id == client.id))
    ).all():
        await replan_appointment(
            session, appointment=appointment, client=client, rules=rules, now=now
        )
    for task in (await session.exec(select(Task).where(Task.client_id == client.id))).all():
        await replan_task(session, task=task, client=client, rules=rules, now=now)
    for plan in (await session.exec(select(Plan).where(Plan.client_id == client.id))).all():
        await replan_deadlines(session, plan=plan, client=client, rules=rules, now=now)


async def cancel_pending_for_client(session: AsyncSession, *, client_id: int) -> int:
    """Cancel every pending or claimed reminder of a client; returns how many."""
    rows = (
        await session.exec(
            select(Reminder).where(
                Reminder.client_id == client_id, col(Reminder.status).in_(ACTIVE_STATES)
            )
        )
    ).all()
    for row in rows:
        row.status = ReminderStatus.CANCELLED
        row.lease_until = None
        session.add(row)
    await session.flush()
    return len(rows)
