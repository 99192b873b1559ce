"""The inbox: whose questions, filters, waiting time in office hours, the deadline badge, and the
fragment htmx swaps in every half minute."""

from __future__ import annotations

from datetime import timedelta

from casework.clock import FixedClock
from storage.db import Database
from storage.enums import QuestionStatus
from storage.models import Question
from tests.backoffice.conftest import BackofficeClient, World, audit_actions


def row_order(page: str, *refs: str) -> list[str]:
    return sorted(refs, key=page.index)


async def set_question(db: Database, question_id: int | None, **fields: object) -> None:
    async with db.transaction() as session:
        question = await session.get(Question, question_id)
        assert question is not None
        for name, value in fields.items():
            setattr(question, name, value)


async def test_inbox_shows_mine_and_my_teams_questions_only(
    bo: BackofficeClient, world: World, db: Database
):
    await bo.login(world.me)
    page = await bo.get("/inbox")
    assert world.own.client.ref in page.text and world.team.client.ref in page.text
    assert world.other.client.ref not in page.text
    assert "Amina" in page.text and "العربية" in page.text
    assert f'href="/questions/{world.own.question.id}"' in page.text
    assert "inbox.view" in await audit_actions(db)


async def test_newest_activity_first(
    bo: BackofficeClient, world: World, db: Database, clock: FixedClock
):
    await set_question(db, world.own.question.id, last_activity_at=clock.now() - timedelta(days=2))
    await bo.login(world.me)
    page = (await bo.get("/inbox")).text
    assert row_order(page, world.own.client.ref, world.team.client.ref) == [
        world.team.client.ref,
        world.own.client.ref,
    ]


async def test_waiting_time_counts_office_hours_and_flags_the_deadline(
    bo: BackofficeClient, world: World, clock: FixedClock
):
    await bo.login(world.me)
    page = (await bo.get("/inbox")).text
    # Asked Monday 09:00 (Amsterdam), now 11:00: two office hours, within the 8-hour deadline.
    assert "2 u 0 min" in page and "Over de termijn" not in page
    clock.advance(timedelta(days=1))
    await bo.login(world.me)  # a day later: the idle session has ended
    later = (await bo.get("/inbox")).text
    assert "10 u 0 min" in later  # Monday 09-17 and Tuesday 09-11
    assert later.count("Over de termijn") == 2
    assert 'aria-hidden="true">⚠</span> Over de termijn' in later  # not by colour alone


async def test_weekend_does_not_count(
    bo: BackofficeClient, world: World, db: Database, clock: FixedClock
):
    friday_four_pm = clock.now() - timedelta(days=3) + timedelta(hours=5)  # Fri 16:00 local
    await set_question(db, world.own.question.id, waiting_since=friday_four_pm)
    await bo.login(world.me)
    page = (await bo.get("/inbox?scope=mine")).text
    assert "3 u 0 min" in page  # Friday 16-17 and Monday 09-11


async def test_filters(bo: BackofficeClient, world: World, db: Database):
    await set_question(db, world.team.question.id, assigned_staff_id=None)
    await bo.login(world.me)
    mine = (await bo.get("/inbox?scope=mine")).text
    assert world.own.client.ref in mine and world.team.client.ref not in mine
    unassigned = (await bo.get("/inbox?scope=unassigned")).text
    assert world.team.client.ref in unassigned and world.own.client.ref not in unassigned
    arabic = (await bo.get("/inbox?lang=ar")).text
    assert world.own.client.ref in arabic and world.team.client.ref not in arabic
    search = (await bo.get("/inbox?q=yon")).text
    assert world.team.client.ref in search and world.own.client.ref not in search
    nonsense = await bo.get("/inbox?scope=everything&status=whatever")
    assert nonsense.status_code == 200 and world.own.client.ref in nonsense.text


async def test_team_filter_shows_colleagues_questions(bo: BackofficeClient, world: World):
    await bo.login(world.me)
    team = (await bo.get("/inbox?scope=team")).text
    assert world.team.client.ref in team and world.own.client.ref not in team


async def test_status_and_overdue_filters(
    bo: BackofficeClient, world: World, db: Database, clock: FixedClock
):
    await set_question(db, world.team.question.id, status=QuestionStatus.ANSWERED)
    await bo.login(world.me)
    open_only = (await bo.get("/inbox")).text
    assert world.team.client.ref not in open_only
    answered = (await bo.get("/inbox?status=answered")).text
    assert world.team.client.ref in answered and world.own.client.ref not in answered
    assert world.team.client.ref in (await bo.get("/inbox?status=unclosed")).text
    assert world.own.client.ref not in (await bo.get("/inbox?overdue=1")).text
    clock.advance(timedelta(days=1))
    await bo.login(world.me)
    assert world.own.client.ref in (await bo.get("/inbox?overdue=1")).text


async def test_rows_fragment_for_htmx_is_not_a_full_page_and_not_audited(
    bo: BackofficeClient, world: World, db: Database
):
    await bo.login(world.me)
    before = (await audit_actions(db)).count("inbox.view")
    rows = await bo.get("/inbox/rows?scope=mine", headers={"HX-Request": "true"})
    assert rows.status_code == 200
    assert "<html" not in rows.text and "<tr" in rows.text
    assert world.own.client.ref in rows.text and world.team.client.ref not in rows.text
    assert (await audit_actions(db)).count("inbox.view") == before


async def test_page_polls_the_rows_with_its_filters(bo: BackofficeClient, world: World):
    await bo.login(world.me)
    page = (await bo.get("/inbox?scope=mine&lang=ar")).text
    assert 'hx-get="/inbox/rows?scope=mine&amp;lang=ar"' in page
    assert 'hx-trigger="every 30s"' in page


async def test_a_caseworker_of_another_region_sees_only_their_own(
    bo: BackofficeClient, world: World
):
    await bo.login(world.stranger)
    page = (await bo.get("/inbox")).text
    assert world.other.client.ref in page
    assert world.own.client.ref not in page and world.team.client.ref not in page


async def test_empty_inbox_says_so(bo: BackofficeClient, world: World):
    await bo.login(world.me)
    page = (await bo.get("/inbox?q=nobody-like-this")).text
    assert "Geen vragen met deze filters." in page
