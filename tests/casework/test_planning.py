"""Reminder planning: the rules as plain functions, then planning against a real database."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event
from sqlmodel import col, select

from casework import case
from casework.planning import (
    PlanningRules,
    appointment_reminders,
    deadline_reminders,
    digest_reminder,
    months_before,
    outside_quiet,
    plan_digests,
    replan_client,
    replan_deadlines,
    task_reminders,
)
from casework.timewindows import QuietHours, local_at, parse_offsets
from storage.db import Database
from storage.enums import ReminderStatus, TaskStatus
from storage.models import Appointment, Client, Plan, Reminder, Task
from tests import factories

AMS = ZoneInfo("Europe/Amsterdam")
RULES = PlanningRules()
NIGHT = QuietHours.parse("21:00-08:00")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=AMS).astimezone(UTC)


def appointment(starts_at: datetime, **fields: object) -> Appointment:
    return Appointment(
        id=7, client_id=1, external_id="a", kind="intake", starts_at=starts_at, **fields
    )


def dues(wanted: list) -> list[datetime]:
    return [item.due_at for item in wanted]


# -- appointments ------------------------------------------------------------------------------


def test_appointment_gets_the_evening_before_and_two_hours_before() -> None:
    wanted = appointment_reminders(
        appointment(local(2026, 11, 25, 14, 0)), rules=RULES, quiet=NIGHT
    )
    assert dues(wanted) == [local(2026, 11, 24, 18, 0), local(2026, 11, 25, 12, 0)]
    assert [w.key for w in wanted] == ["appointment:7:1d@1800", "appointment:7:120m"]
    assert all(w.event_at == local(2026, 11, 25, 14, 0) for w in wanted)


def test_a_reminder_in_the_night_moves_to_the_end_of_quiet_hours() -> None:
    wanted = appointment_reminders(
        appointment(local(2026, 11, 25, 9, 30)), rules=RULES, quiet=NIGHT
    )
    assert dues(wanted) == [local(2026, 11, 24, 18, 0), local(2026, 11, 25, 8, 0)]


def test_a_reminder_that_quiet_hours_would_push_past_the_event_is_dropped() -> None:
    wanted = appointment_reminders(appointment(local(2026, 11, 25, 8, 0)), rules=RULES, quiet=NIGHT)
    assert dues(wanted) == [local(2026, 11, 24, 18, 0)]


def test_a_clients_own_quiet_hours_across_midnight() -> None:
    quiet = QuietHours.parse("17:00-09:00")
    wanted = appointment_reminders(
        appointment(local(2026, 11, 25, 14, 0)), rules=RULES, quiet=quiet
    )
    assert dues(wanted) == [local(2026, 11, 25, 9, 0), local(2026, 11, 25, 12, 0)]


def test_two_offsets_pushed_to_the_same_moment_make_one_reminder() -> None:
    quiet = QuietHours.parse("17:00-11:00")
    wanted = appointment_reminders(
        appointment(local(2026, 11, 25, 12, 0)), rules=RULES, quiet=quiet
    )
    assert dues(wanted) == [local(2026, 11, 25, 11, 0)]


def test_quiet_hours_within_one_day() -> None:
    quiet = QuietHours.parse("12:00-14:00")
    wanted = appointment_reminders(
        appointment(local(2026, 11, 25, 15, 0)), rules=RULES, quiet=quiet
    )
    assert dues(wanted) == [local(2026, 11, 24, 18, 0), local(2026, 11, 25, 14, 0)]


def test_an_offset_at_or_after_the_event_is_not_planned() -> None:
    rules = PlanningRules(appointment_offsets=parse_offsets("0d@18:00,30m"))
    wanted = appointment_reminders(
        appointment(local(2026, 11, 25, 10, 0)), rules=rules, quiet=NIGHT
    )
    assert dues(wanted) == [local(2026, 11, 25, 9, 30)]


def test_cancelled_or_unsaved_appointments_get_none() -> None:
    assert (
        appointment_reminders(
            appointment(local(2026, 11, 25, 14, 0), status="cancelled"), rules=RULES, quiet=NIGHT
        )
        == []
    )
    unsaved = appointment(local(2026, 11, 25, 14, 0))
    unsaved.id = None
    assert appointment_reminders(unsaved, rules=RULES, quiet=NIGHT) == []


# -- daylight saving time in Europe/Amsterdam --------------------------------------------------


def test_spring_forward_2026_the_evening_before_is_local_18_00_on_both_sides() -> None:
    # Sunday 29 March 2026: 02:00 CET becomes 03:00 CEST.
    on_the_day = appointment_reminders(
        appointment(local(2026, 3, 29, 10, 0)), rules=RULES, quiet=NIGHT
    )
    assert dues(on_the_day) == [utc(2026, 3, 28, 17, 0), utc(2026, 3, 29, 6, 0)]
    day_after = appointment_reminders(
        appointment(local(2026, 3, 30, 10, 0)), rules=RULES, quiet=NIGHT
    )
    assert dues(day_after)[0] == utc(2026, 3, 29, 16, 0)  # 18:00 CEST


def test_two_hours_before_is_two_real_hours_across_the_switch() -> None:
    # 04:00 CEST on 29 March is 02:00 UTC; two real hours earlier is 01:00 CET, in the night.
    wanted = appointment_reminders(
        appointment(local(2026, 3, 29, 4, 0)), rules=RULES, quiet=QuietHours.parse("00:00-00:00")
    )
    assert dues(wanted)[-1] == utc(2026, 3, 29, 0, 0)
    assert wanted[-1].event_at - wanted[-1].due_at == timedelta(hours=2)


def test_fall_back_2026_quiet_night_is_a_hour_longer() -> None:
    # Sunday 25 October 2026: 03:00 CEST becomes 02:00 CET. 07:00 CET is quiet; 08:00 CET ends it.
    wanted = appointment_reminders(appointment(local(2026, 10, 25, 9, 0)), rules=RULES, quiet=NIGHT)
    assert dues(wanted) == [utc(2026, 10, 24, 16, 0), utc(2026, 10, 25, 7, 0)]


def test_spring_forward_2027() -> None:
    # Sunday 28 March 2027: 07:30 CEST is quiet; the reminder moves to 08:00 CEST (06:00 UTC).
    wanted = appointment_reminders(appointment(local(2027, 3, 28, 9, 30)), rules=RULES, quiet=NIGHT)
    assert dues(wanted) == [utc(2027, 3, 27, 17, 0), utc(2027, 3, 28, 6, 0)]


def test_quiet_hours_ending_in_the_missing_hour_and_in_the_repeated_hour() -> None:
    gap = QuietHours.parse("23:00-02:30")  # 02:30 does not exist on 29 March 2026
    moved = gap.end_after(utc(2026, 3, 29, 0, 0), AMS)
    assert moved == utc(2026, 3, 29, 1, 30)  # read with the offset before the switch
    assert not gap.contains(moved, AMS)
    twice = QuietHours.parse("23:00-02:30")  # 02:30 happens twice on 25 October 2026
    assert twice.end_after(utc(2026, 10, 24, 22, 0), AMS) == utc(2026, 10, 25, 0, 30)


def test_outside_quiet_keeps_daytime_moments() -> None:
    moment = local(2026, 11, 25, 12, 0)
    assert outside_quiet(moment, event_at=None, quiet=NIGHT, zone=AMS) == moment
    assert (
        outside_quiet(
            local(2026, 11, 25, 6, 0), event_at=local(2026, 11, 25, 7, 0), quiet=NIGHT, zone=AMS
        )
        is None
    )


# -- tasks, deadlines, digest ------------------------------------------------------------------


def test_task_morning_before_and_morning_after() -> None:
    task = Task(id=3, client_id=1, external_id="t", title="x", due_date=date(2026, 12, 1))
    wanted = task_reminders(task, rules=RULES, quiet=NIGHT)
    assert [(w.key, w.due_at, w.event_at) for w in wanted] == [
        ("task:3:before", local(2026, 11, 30, 9, 0), local(2026, 12, 2, 0, 0)),
        ("task:3:after", local(2026, 12, 2, 9, 0), local(2026, 12, 3, 0, 0)),
    ]


def test_task_reminders_respect_late_quiet_hours() -> None:
    task = Task(id=3, client_id=1, external_id="t", title="x", due_date=date(2026, 12, 1))
    wanted = task_reminders(task, rules=RULES, quiet=QuietHours.parse("22:00-10:30"))
    assert dues(wanted) == [local(2026, 11, 30, 10, 30), local(2026, 12, 2, 10, 30)]


def test_done_or_undated_tasks_get_none() -> None:
    done = Task(
        id=3,
        client_id=1,
        external_id="t",
        title="x",
        due_date=date(2026, 12, 1),
        status=TaskStatus.DONE,
    )
    undated = Task(id=4, client_id=1, external_id="u", title="x")
    assert task_reminders(done, rules=RULES, quiet=NIGHT) == []
    assert task_reminders(undated, rules=RULES, quiet=NIGHT) == []


@pytest.mark.parametrize(
    ("end", "months", "expected"),
    [
        (date(2028, 3, 2), 6, date(2027, 9, 2)),
        (date(2027, 8, 31), 6, date(2027, 2, 28)),
        (date(2027, 8, 31), 3, date(2027, 5, 31)),
        (date(2028, 5, 31), 3, date(2028, 2, 29)),
        (date(2028, 1, 15), 1, date(2027, 12, 15)),
    ],
)
def test_months_before_clamps_to_the_end_of_the_month(
    end: date, months: int, expected: date
) -> None:
    assert months_before(end, months) == expected


def test_deadline_six_three_and_one_month_ahead_of_the_extension() -> None:
    plan = Plan(
        id=5,
        client_id=1,
        decision_date=date(2025, 3, 1),
        period_start=date(2025, 3, 2),
        period_end=date(2028, 3, 2),
        extended_until=date(2028, 9, 2),
        learning_route="b1",
    )
    wanted = deadline_reminders(plan, rules=RULES, quiet=NIGHT)
    assert [(w.key, w.due_at) for w in wanted] == [
        ("deadline:5:6m", local(2028, 3, 2, 9, 0)),
        ("deadline:5:3m", local(2028, 6, 2, 9, 0)),
        ("deadline:5:1m", local(2028, 8, 2, 9, 0)),
    ]
    assert all(w.event_at == local(2028, 9, 3, 0, 0) for w in wanted)


@pytest.mark.parametrize(
    ("now", "due", "key"),
    [
        (utc(2026, 11, 23, 10, 0), local(2026, 11, 30, 9, 0), "digest:1:2026-W49"),  # Monday late
        (utc(2026, 11, 23, 6, 0), local(2026, 11, 23, 9, 0), "digest:1:2026-W48"),  # Monday early
        (utc(2026, 11, 22, 12, 0), local(2026, 11, 23, 9, 0), "digest:1:2026-W48"),  # Sunday
        (utc(2027, 3, 24, 12, 0), local(2027, 3, 29, 9, 0), "digest:1:2027-W13"),  # over DST
    ],
)
def test_digest_is_the_next_monday_morning(now: datetime, due: datetime, key: str) -> None:
    client = Client(id=1, ref="r", first_name="A", municipality="Hoorn", weekly_digest=True)
    wanted = digest_reminder(client, rules=RULES, quiet=NIGHT, now=now)
    assert wanted is not None
    assert (wanted.due_at, wanted.key) == (due, key)


def test_quiet_for_falls_back_on_a_broken_client_setting() -> None:
    client = Client(id=1, ref="r", first_name="A", municipality="Hoorn", quiet_hours="late")
    assert RULES.quiet_for(client) == RULES.default_quiet
    client.quiet_hours = "22:00-07:00"
    assert RULES.quiet_for(client) == QuietHours.parse("22:00-07:00")


# -- against the database ----------------------------------------------------------------------

NOW = factories.NOW  # Monday 23 November 2026, 11:00 in Amsterdam


async def rows(db: Database, prefix: str = "") -> dict[str, Reminder]:
    async with db.reading() as session:
        found = (
            await session.exec(select(Reminder).where(col(Reminder.dedup_key).startswith(prefix)))
        ).all()
    return {row.dedup_key: row for row in found}


async def new_appointment(db: Database, starts_at: datetime) -> tuple[Client, Appointment]:
    async with db.transaction() as session:
        client = await factories.client(session)
        made = await case.add_appointment(
            session,
            client=client,
            draft=case.AppointmentDraft(kind="intake", starts_at=starts_at, external_id="a1"),
            rules=RULES,
            now=NOW,
        )
    return client, made


async def test_adding_an_appointment_plans_its_rows_and_planning_twice_changes_nothing(
    db: Database,
) -> None:
    client, made = await new_appointment(db, local(2026, 11, 25, 14, 0))
    first = await rows(db)
    assert {k: (r.due_at, r.status) for k, r in first.items()} == {
        f"appointment:{made.id}:1d@1800": (local(2026, 11, 24, 18, 0), "pending"),
        f"appointment:{made.id}:120m": (local(2026, 11, 25, 12, 0), "pending"),
    }
    async with db.transaction() as session:
        await replan_client(session, client=client, rules=RULES, now=NOW)
        await replan_client(session, client=client, rules=RULES, now=NOW)
    again = await rows(db)
    assert {k: (r.id, r.due_at, r.status, r.updated_at) for k, r in again.items()} == {
        k: (r.id, r.due_at, r.status, r.updated_at) for k, r in first.items()
    }


async def test_moving_an_appointment_moves_pending_rows_and_rearms_sent_ones(db: Database) -> None:
    client, made = await new_appointment(db, local(2026, 11, 25, 14, 0))
    async with db.transaction() as session:
        evening = (
            await session.exec(
                select(Reminder).where(Reminder.dedup_key == f"appointment:{made.id}:1d@1800")
            )
        ).one()
        evening.status, evening.sent_at, evening.telegram_message_id = "sent", NOW, 99
        session.add(evening)
    async with db.transaction() as session:
        fresh = await session.get(Appointment, made.id)
        assert fresh is not None
        await case.move_appointment(
            session,
            client=client,
            appointment=fresh,
            starts_at=local(2026, 11, 27, 10, 0),
            ends_at=None,
            rules=RULES,
            now=NOW,
        )
    moved = await rows(db)
    assert {k: (r.due_at, r.status, r.telegram_message_id) for k, r in moved.items()} == {
        f"appointment:{made.id}:1d@1800": (local(2026, 11, 26, 18, 0), "pending", None),
        f"appointment:{made.id}:120m": (local(2026, 11, 27, 8, 0), "pending", None),
    }


async def test_moving_to_a_moment_that_has_passed_cancels_the_waiting_row(db: Database) -> None:
    client, made = await new_appointment(db, local(2026, 11, 25, 14, 0))
    async with db.transaction() as session:
        fresh = await session.get(Appointment, made.id)
        assert fresh is not None
        await case.move_appointment(
            session,
            client=client,
            appointment=fresh,
            starts_at=NOW + timedelta(hours=1),
            ends_at=None,
            rules=RULES,
            now=NOW,
        )
    moved = await rows(db)
    assert {r.status for r in moved.values()} == {"cancelled"}
    assert {r.reason for r in moved.values()} == {"moment_passed"}


async def test_cancelling_an_appointment_cancels_its_reminders(db: Database) -> None:
    client, made = await new_appointment(db, local(2026, 11, 25, 14, 0))
    async with db.transaction() as session:
        fresh = await session.get(Appointment, made.id)
        assert fresh is not None
        await case.cancel_appointment(
            session, client=client, appointment=fresh, rules=RULES, now=NOW
        )
    assert {(r.status, r.reason) for r in (await rows(db)).values()} == {("cancelled", "replanned")}


async def test_an_appointment_made_at_the_last_minute_gets_no_late_reminders(db: Database) -> None:
    await new_appointment(db, NOW + timedelta(minutes=90))
    assert await rows(db) == {}


async def _task_with_reminders(db: Database) -> tuple[Client, Task]:
    async with db.transaction() as session:
        client = await factories.client(session)
        task = await case.add_task(
            session,
            client=client,
            external_id="t1",
            title="Diploma",
            due_date=date(2026, 12, 1),
            rules=RULES,
            now=NOW,
        )
    return client, task


async def test_a_task_done_cancels_and_undone_rearms(db: Database) -> None:
    client, task = await _task_with_reminders(db)
    async with db.transaction() as session:
        fresh = await session.get(Task, task.id)
        assert fresh is not None
        await case.set_task_status(
            session, client=client, task=fresh, status=TaskStatus.DONE, rules=RULES, now=NOW
        )
    assert {r.status for r in (await rows(db)).values()} == {"cancelled"}
    async with db.transaction() as session:
        fresh = await session.get(Task, task.id)
        assert fresh is not None
        await case.set_task_status(
            session, client=client, task=fresh, status=TaskStatus.OPEN, rules=RULES, now=NOW
        )
    again = await rows(db)
    assert {k: r.status for k, r in again.items()} == {
        f"task:{task.id}:before": "pending",
        f"task:{task.id}:after": "pending",
    }


async def test_a_done_press_re_plans_the_reminders_another_writer_committed_meanwhile(
    db: Database,
) -> None:
    """Another transaction holds the task (PostgreSQL: its row; SQLite: the write lock) and
    marks the task's reminders sent while a Done press waits behind it: the press re-plans the
    rows as that transaction left them, so a sent reminder stays sent (a press that read them
    before its first write would cancel them, and Undo would send them again)."""
    client, task = await _task_with_reminders(db)
    assert len(await rows(db)) == 2
    other = Database(db.url)
    writing = asyncio.Event()

    def first_write(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if statement.split()[0] in ("INSERT", "UPDATE"):
            writing.set()  # the press is about to write: what it read before is read

    async def press() -> None:
        async with db.transaction() as session:
            fresh = await session.get(Task, task.id)
            assert fresh is not None
            await case.set_task_status(
                session, client=client, task=fresh, status=TaskStatus.DONE, rules=RULES, now=NOW
            )

    reminder = Reminder.__table__  # type: ignore[attr-defined]
    try:
        async with other.engine.begin() as holder:
            table = Task.__table__  # type: ignore[attr-defined]
            await holder.execute(
                table.update().where(table.c.id == task.id).values(title=table.c.title)
            )
            event.listen(db.engine.sync_engine, "before_cursor_execute", first_write)
            pressing = asyncio.create_task(press())
            async with asyncio.timeout(10):
                await writing.wait()
            await holder.execute(
                reminder.update()
                .where(reminder.c.subject_id == task.id)
                .values(status=ReminderStatus.SENT, sent_at=NOW)
            )
        async with asyncio.timeout(20):
            await pressing
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", first_write)
        await other.dispose()
    assert {r.status for r in (await rows(db)).values()} == {"sent"}
    async with db.reading() as session:
        done = await session.get(Task, task.id)
    assert done is not None and done.status == TaskStatus.DONE


async def test_a_support_cancel_stays_when_nothing_moved(db: Database) -> None:
    client, _ = await new_appointment(db, local(2026, 11, 25, 14, 0))
    async with db.transaction() as session:
        for row in (await session.exec(select(Reminder))).all():
            row.status, row.reason = ReminderStatus.CANCELLED, "cancelled_by_support"
            session.add(row)
    async with db.transaction() as session:
        await replan_client(session, client=client, rules=RULES, now=NOW)
    assert {r.status for r in (await rows(db)).values()} == {"cancelled"}


async def test_a_clients_quiet_hours_move_their_reminders(db: Database) -> None:
    client, _ = await new_appointment(db, local(2026, 11, 25, 14, 0))
    async with db.transaction() as session:
        fresh = await session.get(Client, client.id)
        assert fresh is not None
        fresh.quiet_hours = "17:00-09:00"
        session.add(fresh)
        await replan_client(session, client=fresh, rules=RULES, now=NOW)
    assert sorted(r.due_at for r in (await rows(db)).values()) == [
        local(2026, 11, 25, 9, 0),
        local(2026, 11, 25, 12, 0),
    ]


async def test_deadlines_follow_the_plan_in_force(db: Database) -> None:
    async with db.transaction() as session:
        client = await factories.client(session)
        first = await factories.plan(session, client=client, version=1, period_end=date(2028, 3, 2))
        await replan_deadlines(session, plan=first, client=client, rules=RULES, now=NOW)
    assert {k for k, r in (await rows(db)).items() if r.status == "pending"} == {
        f"deadline:{first.id}:6m",
        f"deadline:{first.id}:3m",
        f"deadline:{first.id}:1m",
    }
    async with db.transaction() as session:
        second = await factories.plan(
            session, client=client, version=2, status="revised", period_end=date(2028, 9, 2)
        )
        await replan_deadlines(session, plan=second, client=client, rules=RULES, now=NOW)
    pending = {k for k, r in (await rows(db)).items() if r.status == "pending"}
    assert pending == {
        f"deadline:{second.id}:6m",
        f"deadline:{second.id}:3m",
        f"deadline:{second.id}:1m",
    }
    async with db.transaction() as session:
        withdrawn = await session.get(Plan, second.id)
        assert withdrawn is not None
        withdrawn.status = "withdrawn"
        session.add(withdrawn)
        await replan_deadlines(session, plan=withdrawn, client=client, rules=RULES, now=NOW)
    pending = {k for k, r in (await rows(db)).items() if r.status == "pending"}
    assert pending == {
        f"deadline:{first.id}:6m",
        f"deadline:{first.id}:3m",
        f"deadline:{first.id}:1m",
    }


async def test_digests_are_planned_once_a_week_for_who_asked(db: Database) -> None:
    async with db.transaction() as session:
        wants = await factories.client(
            session, weekly_digest=True, status="active", telegram_chat_id=1001, consent_at=NOW
        )
        await factories.client(
            session, weekly_digest=False, status="active", telegram_chat_id=1002, consent_at=NOW
        )
        await factories.client(session, weekly_digest=True, status="invited")
    for _ in range(2):
        async with db.transaction() as session:
            await plan_digests(session, rules=RULES, now=NOW)
    assert {k: r.due_at for k, r in (await rows(db, "digest")).items()} == {
        f"digest:{wants.id}:2026-W49": local_at(date(2026, 11, 30), RULES_MORNING, AMS)
    }


RULES_MORNING = datetime(2026, 1, 1, 9, 0).time()


def test_cached_zone_conversions_are_exact_across_a_dst_fold() -> None:
    """The zone caches key on UTC instants: the two 02:30s of the autumn night stay apart."""
    from datetime import time

    from casework.timewindows import in_zone, local_at

    amsterdam = ZoneInfo("Europe/Amsterdam")
    first = datetime(2026, 10, 25, 2, 30, tzinfo=amsterdam)
    second = first.replace(fold=1)
    assert in_zone(first, UTC).hour == 0 and in_zone(second, UTC).hour == 1
    assert in_zone(second, UTC).hour == 1  # cached now, still the later instant
    day = date(2026, 10, 25)
    assert local_at(day, time(2, 30), amsterdam) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert local_at(day, time(2, 30, fold=1), amsterdam) == datetime(
        2026, 10, 25, 1, 30, tzinfo=UTC
    )
    assert local_at(day, time(2, 30), amsterdam) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
