"""Every page and action against the access matrix: own client, team client, other region's
client, not logged in, wrong second factor, expired session, missing CSRF token."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import col, func, select

from casework.clock import FixedClock
from storage.db import Database
from storage.models import AuditEvent, Invite, Message, Question, Reminder, Task
from tests.backoffice.conftest import BackofficeClient, Party, World, audit_actions


@dataclass(frozen=True)
class Action:
    method: str
    path: str  # with {client} {question} {appointment} {task} {message}
    data: dict[str, str] | None = None
    ok: int = 303  # what the own and the team client get

    def url(self, party: Party) -> str:
        return self.path.format(
            client=party.client.id,
            question=party.question.id,
            appointment=party.appointment.id,
            task=party.task.id,
            message=party.photo.id,
        )


FUTURE = {"date": "2026-12-10", "start": "10:00", "end": "11:00"}
CLIENT_ACTIONS = [
    Action("GET", "/clients/{client}", ok=200),
    Action("GET", "/questions/{question}", ok=200),
    Action("GET", "/questions/{question}/preview?ready=received", ok=200),
    Action("GET", "/questions/{question}/files/{message}", ok=200),
    Action("POST", "/questions/{question}/answer", {"text": "Kom morgen langs."}),
    Action("POST", "/questions/{question}/answer", {"ready": "received"}),
    Action("POST", "/questions/{question}/note", {"text": "Brief van de Belastingdienst."}),
    Action("POST", "/questions/{question}/close"),
    Action("POST", "/questions/{question}/reopen"),
    Action("POST", "/questions/{question}/substitute"),
    Action("POST", "/clients/{client}/appointments", {"kind": "progress_meeting", **FUTURE}),
    Action("POST", "/clients/{client}/appointments/{appointment}/move", FUTURE),
    Action("POST", "/clients/{client}/appointments/{appointment}/cancel"),
    Action(
        "POST", "/clients/{client}/tasks", {"title": "Neem je diploma mee", "due": "2026-12-20"}
    ),
    Action("POST", "/clients/{client}/tasks/{task}/done"),
    Action("POST", "/clients/{client}/invite", ok=200),
]
PAGES = ["/inbox", "/inbox/rows", "/clients", "/account/password", "/audit", "/staff"]


async def send(bo: BackofficeClient, action: Action, party: Party, **kwargs: Any):
    if action.method == "GET":
        return await bo.get(action.url(party))
    return await bo.post(action.url(party), action.data, **kwargs)


async def counts(db: Database) -> dict[str, int]:
    """How many rows the actions could have written (nothing may change on a refusal)."""
    async with db.reading() as session:
        found = {}
        for model in (Message, Invite, Reminder, Task):
            found[model.__name__] = (
                await session.exec(select(func.count()).select_from(model))
            ).one()
        closed = await session.exec(
            select(func.count()).select_from(Question).where(col(Question.closed_at).is_not(None))
        )
        found["closed"] = closed.one()
    return found


# Each scenario runs every action in one test (the database and the fake Telegram server are
# set up once per test); failures are collected so that one broken route does not hide others.
# The order of CLIENT_ACTIONS lets them all succeed one after the other (move before cancel).


async def run_all(
    bo: BackofficeClient,
    party: Party,
    expect: Any,
    actions: list[Action] = CLIENT_ACTIONS,
    **kwargs: Any,
) -> list[str]:
    wrong = []
    for action in actions:
        response = await send(bo, action, party, **kwargs)
        problem = expect(action, response)
        if problem:
            wrong.append(f"{action.method} {action.url(party)}: {problem}")
    return wrong


def succeeds(action: Action, response: Any) -> str | None:
    if response.status_code != action.ok:
        return f"status {response.status_code}"
    return None


def to_login(_action: Action, response: Any) -> str | None:
    if response.status_code != 303 or not response.headers["location"].startswith("/login"):
        return f"status {response.status_code}"
    return None


async def test_own_client(bo: BackofficeClient, world: World):
    await bo.login(world.me)
    assert await run_all(bo, world.own, succeeds) == []


async def test_team_client(bo: BackofficeClient, world: World):
    await bo.login(world.me)
    assert await run_all(bo, world.team, succeeds) == []


async def test_other_regions_client_is_not_found_and_audited(
    bo: BackofficeClient, world: World, db: Database
):
    await bo.login(world.me)
    before = await counts(db)

    def not_found(_action: Action, response: Any) -> str | None:
        if response.status_code != 404 or "Deze pagina bestaat niet" not in response.text:
            return f"status {response.status_code}"
        if world.other.client.first_name in response.text:
            return "shows the client's name"
        return None

    assert await run_all(bo, world.other, not_found) == []
    assert await counts(db) == before
    denied = (await audit_actions(db, client_id=world.other.client.id)).count("access.denied")
    assert denied == len(CLIENT_ACTIONS)
    assert world.other.user is not None and world.other.user.last_message is None


async def test_not_logged_in_goes_to_the_login_page(
    bo: BackofficeClient, world: World, db: Database
):
    before = await counts(db)
    assert await run_all(bo, world.own, to_login) == []
    assert await counts(db) == before


async def test_wrong_second_factor_gives_nothing(bo: BackofficeClient, world: World, db: Database):
    await bo.password_step(world.me)
    await bo.get("/login/code")
    await bo.post("/login/code", {"code": "999999"})
    before = await counts(db)
    assert await run_all(bo, world.own, to_login) == []
    assert await counts(db) == before


async def test_expired_session_goes_to_the_login_page(
    bo: BackofficeClient, world: World, db: Database, clock: FixedClock
):
    wrong = []
    before = await counts(db)
    for action in CLIENT_ACTIONS:
        await bo.login(world.me)
        clock.advance(timedelta(minutes=31))
        wrong += await run_all(bo, world.own, to_login, [action])
    assert wrong == []
    assert await counts(db) == before


POSTS = [a for a in CLIENT_ACTIONS if a.method == "POST"]


async def test_missing_or_wrong_csrf_token_is_refused(
    bo: BackofficeClient, world: World, db: Database
):
    await bo.login(world.me)
    before = await counts(db)

    def refused(_action: Action, response: Any) -> str | None:
        if response.status_code != 403 or "Dit formulier is verlopen" not in response.text:
            return f"status {response.status_code}"
        return None

    assert await run_all(bo, world.own, refused, POSTS, csrf=False) == []
    for action in POSTS:
        forged = await bo.http.post(
            action.url(world.own), data={**(action.data or {}), "csrf": "forged"}
        )
        assert forged.status_code == 403, action
    assert await counts(db) == before


async def test_every_post_route_checks_csrf(app: Any, bo: BackofficeClient, world: World):
    """No POST route of the app escapes the CSRF check (new routes included)."""
    from starlette.routing import Route

    await bo.login(world.me)
    for route in app.routes:
        if isinstance(route, Route) and route.methods and "POST" in route.methods:
            path = route.path.replace("{question_id:int}", str(world.own.question.id))
            path = path.replace("{client_id:int}", str(world.own.client.id))
            path = path.replace("{appointment_id:int}", str(world.own.appointment.id))
            path = path.replace("{task_id:int}", str(world.own.task.id))
            path = path.replace("{staff_id:int}", str(world.colleague.id))
            response = await bo.http.post(path, data={})
            if path.startswith("/api/"):
                # The portal's API takes no cookie: a signed call or nothing (docs/portal.md).
                assert response.status_code == 401, path
                continue
            if path == "/notificaties/callback":
                # The Notificaties API's callback takes its own secret, never a cookie; switched
                # off (no secret configured) it is not there at all.
                assert response.status_code in (401, 403, 404), path
                continue
            assert response.status_code in (403, 303), path
            if response.status_code == 303:  # only logout-like routes may redirect: to login
                assert path in ("/logout",) or response.headers["location"] == "/login"


@pytest.mark.parametrize("page", PAGES)
async def test_pages_need_a_login(bo: BackofficeClient, world: World, page: str):
    response = await bo.get(page)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


@pytest.mark.parametrize(
    ("who", "page", "status"),
    [
        ("me", "/inbox", 200),
        ("me", "/clients", 200),
        ("me", "/account/password", 200),
        ("me", "/audit", 403),
        ("me", "/staff", 403),
        ("lead", "/audit", 200),
        ("lead", "/staff", 403),
        ("admin", "/audit", 200),
        ("admin", "/staff", 200),
    ],
)
async def test_roles(bo: BackofficeClient, world: World, who: str, page: str, status: int):
    await bo.login(getattr(world, who))
    response = await bo.get(page)
    assert response.status_code == status
    if status == 403:
        assert "U hebt geen toegang tot deze pagina" in response.text


async def test_another_regions_caseworker_cannot_reach_our_clients(
    bo: BackofficeClient, world: World, db: Database
):
    await bo.login(world.stranger)
    assert (await bo.get(f"/clients/{world.own.client.id}")).status_code == 404
    assert (await bo.get(f"/clients/{world.other.client.id}")).status_code == 200
    listing = await bo.get("/clients")
    assert world.other.client.ref in listing.text and world.own.client.ref not in listing.text


async def test_a_message_of_another_question_is_not_served(bo: BackofficeClient, world: World):
    await bo.login(world.me)
    mixed = f"/questions/{world.own.question.id}/files/{world.team.photo.id}"
    assert (await bo.get(mixed)).status_code == 404


async def test_an_appointment_of_another_client_is_not_touched(
    bo: BackofficeClient, world: World, db: Database
):
    await bo.login(world.me)
    url = f"/clients/{world.own.client.id}/appointments/{world.team.appointment.id}/cancel"
    assert (await bo.post(url)).status_code == 404
    async with db.reading() as session:
        events = (await session.exec(select(AuditEvent.action))).all()
    assert "appointment.cancel" not in events
