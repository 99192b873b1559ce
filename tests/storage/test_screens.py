"""The one-query reads behind the client's screens agree with the reads they replace."""

from __future__ import annotations

from datetime import date, timedelta

from storage import appointments, plans, tasks
from storage.db import Database
from storage.enums import AppointmentStatus, PlanStatus, TaskStatus
from storage.ids import pk
from tests import factories

NOW = factories.NOW


async def test_plan_screen_takes_the_newest_plan_in_force_with_its_parts_and_people(
    db: Database,
) -> None:
    async with db.transaction() as session:
        org = await factories.organisation(session)
        worker = await factories.staff(session, organisation=org, name="Fatima")
        client = await factories.client(session, caseworker_id=worker.id)
        await factories.plan(session, client=client, version=1, parts=2)
        revised = await factories.plan(
            session, client=client, version=2, parts=4, status=PlanStatus.REVISED
        )
        await factories.plan(session, client=client, version=3, parts=1, status=PlanStatus.DRAFT)
        other = await factories.client(session)
        await factories.plan(session, client=other, version=9, parts=3)
    async with db.reading() as session:
        view = await plans.screen(session, client_id=pk(client))
        old = await plans.current(session, client_id=pk(client))
    assert view is not None and old is not None
    assert view.plan.id == revised.id == old.plan.id
    assert [p.id for p in view.parts] == [p.id for p in old.parts]
    assert len(view.parts) == 4
    assert view.caseworker is not None and view.caseworker.name == "Fatima"
    assert view.social_guide is None


async def test_plan_screen_of_a_plan_without_parts_and_of_no_plan(db: Database) -> None:
    async with db.transaction() as session:
        bare = await factories.client(session)
        plan = await factories.plan(session, client=bare, parts=0)
        draft_only = await factories.client(session)
        await factories.plan(session, client=draft_only, status=PlanStatus.DRAFT)
    async with db.reading() as session:
        view = await plans.screen(session, client_id=pk(bare))
        assert view is not None and view.plan.id == plan.id and list(view.parts) == []
        assert await plans.screen(session, client_id=pk(draft_only)) is None
        assert await plans.screen(session, client_id=10**9) is None


async def test_task_screen_open_tasks_and_whether_one_is_done(db: Database) -> None:
    async with db.transaction() as session:
        none_done = await factories.client(session)
        for day in (5, 1, 3):
            await factories.task(session, client=none_done, due_date=date(2026, 12, day))
        await factories.task(session, client=none_done, status=TaskStatus.CANCELLED)
        only_done = await factories.client(session)
        for _ in range(2):
            await factories.task(session, client=only_done, status=TaskStatus.DONE, done_at=NOW)
        many = await factories.client(session)
        for n in range(7):
            await factories.task(session, client=many, due_date=date(2026, 12, 1 + n))
        await factories.task(session, client=many, status=TaskStatus.DONE, done_at=NOW)
    async with db.reading() as session:
        first = await tasks.screen(session, client_id=pk(none_done))
        expected = await tasks.with_status(session, client_id=pk(none_done), status=TaskStatus.OPEN)
        assert [t.id for t in first.open] == [t.id for t in expected]
        assert not first.any_done
        second = await tasks.screen(session, client_id=pk(only_done))
        assert list(second.open) == [] and second.any_done
        third = await tasks.screen(session, client_id=pk(many), limit=5)
        assert third.any_done
        assert [t.due_date for t in third.open] == [date(2026, 12, 1 + n) for n in range(5)]
        fourth = await tasks.screen(session, client_id=pk(none_done), limit=2)
        assert len(fourth.open) == 2 and not fourth.any_done


async def test_upcoming_with_staff_matches_upcoming_and_names_the_staff(db: Database) -> None:
    async with db.transaction() as session:
        org = await factories.organisation(session)
        member = await factories.staff(session, organisation=org, name="Jan <b>")
        client = await factories.client(session)
        with_member = await factories.appointment(session, client=client, staff_id=member.id)
        without = await factories.appointment(
            session,
            client=client,
            starts_at=NOW + timedelta(days=1),
            ends_at=NOW + timedelta(days=1, hours=1),
        )
        await factories.appointment(
            session, client=client, starts_at=NOW - timedelta(days=2), ends_at=None
        )
        await factories.appointment(
            session, client=client, status=AppointmentStatus.CANCELLED, staff_id=member.id
        )
    async with db.reading() as session:
        joined = await appointments.upcoming_with_staff(session, client_id=pk(client), now=NOW)
        plain = await appointments.upcoming(session, client_id=pk(client), now=NOW)
    assert [a.id for a, _ in joined] == [a.id for a in plain] == [without.id, with_member.id]
    assert [name for _, name in joined] == [None, "Jan <b>"]
