"""Reminder planning: which reminder rows an appointment, task, plan deadline or client should have.

Every write to such a row calls one of the `replan_*` functions in the same transaction. Planning
is idempotent: rows are keyed by a unique dedup key (`kind:row:offset`); planning twice changes
nothing, a moved event moves its reminders (and re-arms ones that already went out for the old
time), a cancelled or finished one cancels them.

The rules, all in local time (Europe/Amsterdam by default):
- appointments: the offsets of INBURGERBOT_APPOINTMENT_REMINDER_OFFSETS (default the day before
  at 18:00 and two hours before);
- tasks: the morning (09:00) of the day before the due date, and the morning after it if the
  task is still open then;
- the end of the integration period (of the plan in force): six, three and one month ahead;
- the weekly digest (opt-in): Monday morning.
A moment inside the client's quiet hours moves to their end, unless that is at or after the
event; a moment that has already passed when planning is not planned (never sent late).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from casework.timewindows import QuietHours, ReminderOffset, local_at, parse_offsets
from storage import appointments as appointment_rows
from storage import plans as plan_rows
from storage import reminders as reminder_rows
from storage import tasks as task_rows
from storage.enums import AppointmentStatus, ReminderKind, ReminderStatus, TaskStatus
from storage.ids import pk
from storage.models import Appointment, Client, Plan, Reminder, Task

MORNING = time(9, 0)
DEADLINE_MONTHS = (6, 3, 1)
ACTIVE_STATES = (ReminderStatus.PENDING, ReminderStatus.CLAIMED)
MONDAY = 0
# Reasons stored on cancelled rows. Rows cancelled by planning (or because the client blocked
# the bot) come back when they are wanted again; a support cancel stays.
REPLANNED = "replanned"
MOMENT_PASSED = "moment_passed"
BLOCKED_BOT = "blocked_bot"
REARMABLE = (REPLANNED, BLOCKED_BOT)


class HasQuietHours(Protocol):
    """A client as far as planning needs it."""

    @property
    def quiet_hours(self) -> str | None: ...


class PlannedAppointment(Protocol):
    """An appointment as far as planning needs it (a stored row or the importer's view)."""

    @property
    def id(self) -> int | None: ...
    @property
    def status(self) -> str: ...
    @property
    def starts_at(self) -> datetime: ...


class PlannedTask(Protocol):
    """A task as far as planning needs it."""

    @property
    def id(self) -> int | None: ...
    @property
    def status(self) -> str: ...
    @property
    def due_date(self) -> date | None: ...


class PlannedPlan(Protocol):
    """A plan as far as planning needs it."""

    @property
    def id(self) -> int | None: ...
    @property
    def status(self) -> str: ...
    @property
    def period_end(self) -> date: ...
    @property
    def extended_until(self) -> date | None: ...


@dataclass(frozen=True)
class PlanningRules:
    """The settings planning depends on."""

    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Amsterdam"))
    appointment_offsets: tuple[ReminderOffset, ...] = parse_offsets("1d@18:00,2h")
    default_quiet: QuietHours = QuietHours.parse("21:00-08:00")

    def quiet_for(self, client: HasQuietHours) -> QuietHours:
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
    event_at: datetime | None  # the reminder is pointless from this moment on
    subject_id: int


def outside_quiet(
    due: datetime, *, event_at: datetime | None, quiet: QuietHours, zone: ZoneInfo
) -> datetime | None:
    """Move a moment out of quiet hours; None when it would be at or after the event."""
    moved = quiet.end_after(due, zone)
    if event_at is not None and moved >= event_at:
        return None
    return moved


def _wanted(
    key: str,
    due: datetime,
    *,
    event_at: datetime | None,
    subject_id: int,
    rules: PlanningRules,
    quiet: QuietHours,
) -> list[Wanted]:
    moved = outside_quiet(due, event_at=event_at, quiet=quiet, zone=rules.zone)
    return [] if moved is None else [Wanted(key, moved, event_at, subject_id)]


def appointment_reminders(
    appointment: PlannedAppointment, *, rules: PlanningRules, quiet: QuietHours
) -> list[Wanted]:
    """The reminders a planned appointment should have."""
    if appointment.status != AppointmentStatus.PLANNED or appointment.id is None:
        return []
    wanted = []
    for offset in rules.appointment_offsets:
        wanted += _wanted(
            f"{ReminderKind.APPOINTMENT}:{appointment.id}:{offset.key}",
            offset.moment(appointment.starts_at, rules.zone),
            event_at=appointment.starts_at,
            subject_id=appointment.id,
            rules=rules,
            quiet=quiet,
        )
    return _distinct_moments(wanted)


def task_reminders(task: PlannedTask, *, rules: PlanningRules, quiet: QuietHours) -> list[Wanted]:
    """The morning before the due date, and the morning after it if still open.

    The first is pointless once the due day is over, the second once its own day is over.
    """
    if task.status != TaskStatus.OPEN or task.due_date is None or task.id is None:
        return []
    zone = rules.zone
    day_after = task.due_date + timedelta(days=1)
    return [
        *_wanted(
            f"{ReminderKind.TASK}:{task.id}:before",
            local_at(task.due_date - timedelta(days=1), MORNING, zone),
            event_at=local_at(day_after, time(0, 0), zone),
            subject_id=task.id,
            rules=rules,
            quiet=quiet,
        ),
        *_wanted(
            f"{ReminderKind.TASK}:{task.id}:after",
            local_at(day_after, MORNING, zone),
            event_at=local_at(day_after + timedelta(days=1), time(0, 0), zone),
            subject_id=task.id,
            rules=rules,
            quiet=quiet,
        ),
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


def deadline_reminders(
    plan: PlannedPlan, *, rules: PlanningRules, quiet: QuietHours
) -> list[Wanted]:
    """The end of the integration period: six, three and one month ahead."""
    if plan.id is None or plan.status not in ("established", "revised"):
        return []
    end = plan.extended_until or plan.period_end
    event_at = local_at(end + timedelta(days=1), time(0, 0), rules.zone)
    wanted = []
    for months in DEADLINE_MONTHS:
        wanted += _wanted(
            f"{ReminderKind.DEADLINE}:{plan.id}:{months}m",
            local_at(months_before(end, months), MORNING, rules.zone),
            event_at=event_at,
            subject_id=plan.id,
            rules=rules,
            quiet=quiet,
        )
    return wanted


def digest_reminder(
    client: Client, *, rules: PlanningRules, quiet: QuietHours, now: datetime
) -> Wanted | None:
    """The next weekly digest: the first Monday morning after `now` (keyed by ISO week)."""
    if client.id is None:
        return None
    local = now.astimezone(rules.zone)
    monday = local.date() + timedelta(days=(MONDAY - local.weekday()) % 7)
    if local_at(monday, MORNING, rules.zone) <= now:
        monday += timedelta(days=7)
    year, week, _ = monday.isocalendar()
    found = _wanted(
        f"{ReminderKind.DIGEST}:{client.id}:{year}-W{week:02d}",
        local_at(monday, MORNING, rules.zone),
        event_at=local_at(monday + timedelta(days=1), time(0, 0), rules.zone),
        subject_id=client.id,
        rules=rules,
        quiet=quiet,
    )
    return found[0] if found else None


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
    subject_id: int | None,
    wanted: Iterable[Wanted],
    now: datetime,
) -> None:
    """Make the stored rows of one subject match `wanted`."""
    if subject_id is None:
        return
    existing = await reminder_rows.of_subject(session, kind=kind, subject_id=subject_id)
    create, changed = reconcile(existing, wanted, now=now)
    await reminder_rows.save(session, [*(_new_row(client_id, kind, i) for i in create), *changed])


def reconcile(
    existing: Iterable[Reminder], wanted: Iterable[Wanted], *, now: datetime
) -> tuple[list[Wanted], list[Reminder]]:
    """Match one subject's stored rows to `wanted`: the rows to create, and the stored rows
    changed in place (moved, re-armed or cancelled). The caller writes both."""
    by_key = {row.dedup_key: row for row in existing}
    create: list[Wanted] = []
    changed: list[Reminder] = []
    wanted_keys = set()
    for item in wanted:
        wanted_keys.add(item.key)
        row = by_key.get(item.key)
        if row is None:
            if item.due_at > now:  # a moment already passed at planning time is not planned
                create.append(item)
            continue
        if _update_row(row, item, now=now):
            changed.append(row)
    for key, row in by_key.items():
        if key not in wanted_keys and row.status in ACTIVE_STATES:
            _cancel(row, REPLANNED)
            changed.append(row)
    return create, changed


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


def _cancel(row: Reminder, reason: str) -> None:
    row.status = ReminderStatus.CANCELLED
    row.lease_until = None
    row.reason = reason


def _update_row(row: Reminder, item: Wanted, *, now: datetime) -> bool:
    """Follow a moved event, or re-arm a row that was cancelled by planning; True if changed.

    A row that is still wanted at the same moment stays as it is (sent stays sent). A moved row
    starts over as pending at its new moment, unless that moment has passed already.
    """
    moved = row.due_at != item.due_at or row.event_at != item.event_at
    rearm = row.status == ReminderStatus.CANCELLED and row.reason in REARMABLE
    if not moved and not rearm:
        return False
    if item.due_at <= now:
        if row.status in ACTIVE_STATES or rearm:
            row.due_at, row.event_at, row.available_at = item.due_at, item.event_at, item.due_at
            _cancel(row, MOMENT_PASSED)
            return True
        return False  # a finished row keeps its history
    row.due_at = item.due_at
    row.event_at = item.event_at
    row.available_at = item.due_at
    row.status = ReminderStatus.PENDING
    row.lease_until = None
    row.claimed_by = None
    row.attempts = 0
    row.last_error = None
    row.reason = None
    row.sent_at = None
    row.telegram_message_id = None
    return True


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
        client_id=pk(client),
        kind=ReminderKind.APPOINTMENT,
        subject_id=appointment.id,
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
        client_id=pk(client),
        kind=ReminderKind.TASK,
        subject_id=task.id,
        wanted=wanted,
        now=now,
    )


async def replan_deadlines(
    session: AsyncSession, *, plan: Plan, client: Client, rules: PlanningRules, now: datetime
) -> None:
    """Deadline reminders follow the client's plan in force; older versions lose theirs."""
    await session.flush()
    current = await plan_rows.current(session, client_id=pk(client))
    current_id = current.plan.id if current is not None else None
    quiet = rules.quiet_for(client)
    others = await plan_rows.all_plans(session, client_id=pk(client))
    for each in {p.id: p for p in (*others, plan)}.values():
        wanted = deadline_reminders(each, rules=rules, quiet=quiet) if each.id == current_id else []
        await _apply(
            session,
            client_id=pk(client),
            kind=ReminderKind.DEADLINE,
            subject_id=each.id,
            wanted=wanted,
            now=now,
        )


async def replan_digest(
    session: AsyncSession, *, client: Client, rules: PlanningRules, now: datetime
) -> None:
    """Plan the next weekly digest of a client who asked for it (one row per ISO week)."""
    wanted = digest_reminder(client, rules=rules, quiet=rules.quiet_for(client), now=now)
    if wanted is None or not client.weekly_digest:
        return
    if await reminder_rows.existing_keys(session, keys=[wanted.key]):
        return
    if wanted.due_at > now:
        await reminder_rows.save(session, [_new_row(pk(client), ReminderKind.DIGEST, wanted)])


async def replan_client(
    session: AsyncSession, *, client: Client, rules: PlanningRules, now: datetime
) -> None:
    """Re-plan everything of a client (after their quiet hours changed, or an import)."""
    client_id = pk(client)
    for appointment in await appointment_rows.for_client(session, client_id=client_id):
        await replan_appointment(
            session, appointment=appointment, client=client, rules=rules, now=now
        )
    for task in await task_rows.for_client(session, client_id=client_id):
        await replan_task(session, task=task, client=client, rules=rules, now=now)
    plans = await plan_rows.all_plans(session, client_id=client_id)
    if plans:
        await replan_deadlines(session, plan=plans[-1], client=client, rules=rules, now=now)
    await replan_digest(session, client=client, rules=rules, now=now)


async def cancel_pending_for_client(
    session: AsyncSession, *, client_id: int, reason: str = BLOCKED_BOT
) -> int:
    """Cancel every pending or claimed reminder of a client; returns how many."""
    return await reminder_rows.cancel_active_for_client(session, client_id=client_id, reason=reason)


async def plan_digests(session: AsyncSession, *, rules: PlanningRules, now: datetime) -> int:
    """Plan the next weekly digest of every client who asked for one; returns how many rows."""
    rows = []
    for client in await reminder_rows.digest_clients(session):
        wanted = digest_reminder(client, rules=rules, quiet=rules.quiet_for(client), now=now)
        if wanted is None or wanted.due_at <= now:
            continue
        if await reminder_rows.existing_keys(session, keys=[wanted.key]):
            continue
        rows.append(_new_row(pk(client), ReminderKind.DIGEST, wanted))
    await reminder_rows.save(session, rows)
    return len(rows)
