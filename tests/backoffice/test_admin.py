"""Team leads' audit page and administrators' staff management."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from casework.clock import FixedClock
from storage import audit
from storage.db import Database
from storage.enums import ActorKind
from storage.models import Staff
from tests.backoffice.conftest import BackofficeClient, World, audit_actions, reload


async def test_audit_page_shows_team_actions_and_views_of_clients(
    bo: BackofficeClient, world: World, db: Database
):
    await bo.login(world.me)
    await bo.get(f"/clients/{world.own.client.id}")
    await bo.logout()
    await bo.login(world.lead)
    page = await bo.get("/audit")
    assert page.status_code == 200
    assert "client.view" in page.text and "Me Jansen" in page.text
    assert f'href="/clients/{world.own.client.id}">{world.own.client.ref}' in page.text
    assert "audit.view" in await audit_actions(db)


async def test_audit_page_hides_other_regions(bo: BackofficeClient, world: World, db: Database):
    await bo.login(world.stranger)
    await bo.get(f"/clients/{world.other.client.id}")
    await bo.logout()
    await bo.login(world.lead)
    page = await bo.get("/audit")
    assert world.other.client.ref not in page.text and "Stranger Jansen" not in page.text


async def test_audit_filters(bo: BackofficeClient, world: World, db: Database, clock: FixedClock):
    async with db.transaction() as session:
        audit.record(
            session,
            actor_kind=ActorKind.STAFF,
            actor_id=world.colleague.id,
            action="client.view",
            subject_kind="client",
            subject_id=world.team.client.id,
            client_id=world.team.client.id,
            at=clock.now() - timedelta(days=10),
        )
        audit.record(
            session,
            actor_kind=ActorKind.STAFF,
            actor_id=world.me.id,
            action="question.answer",
            subject_kind="question",
            subject_id=world.own.question.id,
            client_id=world.own.client.id,
            at=clock.now() - timedelta(days=1),
        )
    await bo.login(world.lead)
    by_actor = (await bo.get(f"/audit?actor={world.colleague.id}")).text
    assert "Colleague Jansen" in by_actor.split("<tbody>")[1]
    assert "Me Jansen" not in by_actor.split("<tbody>")[1]
    by_action = (await bo.get("/audit?action=question")).text.split("<tbody>")[1]
    assert "question.answer" in by_action and "client.view" not in by_action
    by_client = (await bo.get(f"/audit?client={world.team.client.ref.lower()}")).text
    assert (
        world.team.client.ref in by_client
        and world.own.client.ref not in by_client.split("<tbody>")[1]
    )
    recent = (await bo.get("/audit?from=2026-11-20&to=2026-11-22")).text.split("<tbody>")[1]
    assert "question.answer" in recent and "client.view" not in recent
    bad = await bo.get("/audit?from=yesterday")
    assert bad.status_code == 200 and "Geef een datum als" in bad.text


async def test_audit_pages_through_older_events(
    bo: BackofficeClient, world: World, db: Database, clock: FixedClock
):
    async with db.transaction() as session:
        for minutes in range(105):
            audit.record(
                session,
                actor_kind=ActorKind.STAFF,
                actor_id=world.me.id,
                action="client.view",
                client_id=world.own.client.id,
                at=clock.now() - timedelta(minutes=minutes + 60),
            )
    await bo.login(world.lead)
    first = (await bo.get("/audit")).text
    assert "page=2" in first and "Ouder" in first
    second = (await bo.get("/audit?page=2")).text
    assert "Nieuwer" in second and "page=1" in second


async def test_admin_adds_a_colleague_who_then_sets_up_the_second_factor(
    bo: BackofficeClient, world: World, db: Database
):
    await bo.login(world.admin)
    await bo.get("/staff")
    shown = await bo.post(
        "/staff", {"name": "Nieuwe Collega", "login": "Nieuw@Example.nl", "role": "caseworker"}
    )
    assert shown.status_code == 200 and "U ziet het alleen nu" in shown.text
    password = shown.text.split('<p class="code"><code>')[1].split("<")[0]
    async with db.reading() as session:
        member = (await session.exec(select(Staff).where(Staff.login == "nieuw@example.nl"))).one()
    assert member.organisation_id == world.admin.organisation_id and member.totp_secret is None
    assert password not in (member.password_hash or "")
    assert "staff.create" in await audit_actions(db)
    await bo.logout()
    await bo.get("/login")
    first = await bo.post("/login", {"login": "nieuw@example.nl", "password": password})
    assert first.headers["location"] == "/login/setup"


async def test_admin_form_errors(bo: BackofficeClient, world: World):
    await bo.login(world.admin)
    for form, message in (
        ({"name": "", "login": "a@b.nl", "role": "caseworker"}, "Geef een naam."),
        ({"name": "X", "login": "a b", "role": "caseworker"}, "Een inlognaam heeft"),
        ({"name": "X", "login": "x@b.nl", "role": "king"}, "Kies een rol."),
        ({"name": "X", "login": "me@example.nl", "role": "caseworker"}, "al in gebruik"),
    ):
        await bo.get("/staff")
        response = await bo.post("/staff", form)
        page = await bo.get(response.headers["location"])
        assert message in page.text


async def test_admin_changes_role_switches_off_and_resets(
    bo: BackofficeClient, world: World, db: Database
):
    await bo.login(world.admin)
    await bo.get("/staff")
    await bo.post(f"/staff/{world.colleague.id}", {"role": "team_lead", "active": "1"})
    assert (await reload(db, Staff, world.colleague.id)).role == "team_lead"
    await bo.get("/staff")
    await bo.post(f"/staff/{world.colleague.id}", {"role": "team_lead"})
    assert not (await reload(db, Staff, world.colleague.id)).active
    await bo.get("/staff")
    await bo.post(f"/staff/{world.me.id}/reset-second-factor")
    assert (await reload(db, Staff, world.me.id)).totp_secret is None
    await bo.get("/staff")
    shown = await bo.post(f"/staff/{world.me.id}/reset-password")
    assert "Wachtwoord voor Me Jansen" in shown.text
    actions = await audit_actions(db)
    for action in ("staff.update", "staff.reset_second_factor", "staff.reset_password"):
        assert action in actions


async def test_admin_cannot_lock_themselves_out_or_touch_other_organisations(
    bo: BackofficeClient, world: World, db: Database
):
    await bo.login(world.admin)
    await bo.get("/staff")
    own = await bo.post(f"/staff/{world.admin.id}", {"role": "caseworker"})
    assert own.status_code == 409
    assert (await reload(db, Staff, world.admin.id)).role == "admin"
    await bo.get("/staff")
    for action in ("reset-password", "reset-second-factor"):
        self_reset = await bo.post(f"/staff/{world.admin.id}/{action}")
        assert self_reset.status_code == 409 and "Mijn wachtwoord" in self_reset.text
    await bo.get("/staff")
    other = await bo.post(f"/staff/{world.stranger.id}/reset-second-factor")
    assert other.status_code == 404
    assert (await reload(db, Staff, world.stranger.id)).totp_secret is not None
    listing = (await bo.get("/staff")).text
    assert "Stranger Jansen" not in listing


async def test_only_administrators_change_accounts(
    bo: BackofficeClient, world: World, db: Database
):
    for member in (world.me, world.lead):
        await bo.login(member)
        await bo.get("/inbox")
        for url, data in (
            ("/staff", {"name": "X", "login": "x@example.nl", "role": "admin"}),
            (f"/staff/{world.colleague.id}", {"role": "admin", "active": "1"}),
            (f"/staff/{world.colleague.id}/reset-password", {}),
            (f"/staff/{world.colleague.id}/reset-second-factor", {}),
        ):
            response = await bo.post(url, data)
            assert response.status_code == 403, (member.name, url)
        await bo.logout()
    colleague = await reload(db, Staff, world.colleague.id)
    assert colleague.role == "caseworker" and colleague.totp_secret is not None
    async with db.reading() as session:
        assert (
            await session.exec(select(Staff).where(Staff.login == "x@example.nl"))
        ).first() is None
