"""Notifications: the abonnement, the back-office callback with its own secret, each notification
a hint (the object is read anew), unknown objects ignored, and the poll as the fallback."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from backoffice.app import build_backoffice
from casework.clock import FixedClock
from casework.notifications import poll
from casework.planning import PlanningRules
from casework.settings import Settings
from commonground.fakes.notificaties import FakeNotificaties
from commonground.fakes.objecten import TAAK_TYPE, FakeObjects
from commonground.notificaties import NotificatiesApi
from commonground.objecten import ObjectsApi
from commonground.system import CommonGround
from console.common import CliState
from console.main import main
from storage import tasks as task_rows
from storage.db import Database
from storage.enums import TaskStatus
from storage.ids import pk
from storage.models import Client
from tests import factories

PARTY = "6f0e3f5a-3f4c-4bb1-9d54-0f3bde1f6a11"
CALLBACK_SECRET = "callback-secret-of-at-least-32-characters"
ZGW_SECRET = "a-zgw-secret-of-at-least-32-bytes!"
CALLBACK = "http://backoffice.test/notificaties/callback"


@dataclass
class World:
    db: Database
    objects: FakeObjects
    notificaties: FakeNotificaties
    backoffice: httpx.ASGITransport
    client: Client


def settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


@pytest.fixture
async def world(db: Database) -> AsyncIterator[World]:
    objects, notificaties = FakeObjects(), FakeNotificaties()
    await objects.start()
    await notificaties.start()
    system = CommonGround(
        open_klant=None,
        zaken=None,
        objects=ObjectsApi(objects.base_url, "objects-token", type_url=TAAK_TYPE),
    )
    app = build_backoffice(
        settings(notifications_callback_secret=CALLBACK_SECRET),
        db=db,
        clock=FixedClock(factories.NOW),
        case_system=system,
    )
    async with db.transaction() as session:
        client = await factories.client(session, locale="en", party_uuid=PARTY)
    api = NotificatiesApi(notificaties.base_url, "inburgerbot", ZGW_SECRET)
    await api.subscribe(
        callback_url=CALLBACK,
        auth=f"Token {CALLBACK_SECRET}",
        kanalen=[{"naam": "objecten", "filters": {"object_type": TAAK_TYPE}}],
    )
    try:
        yield World(db, objects, notificaties, httpx.ASGITransport(app=app), client)
    finally:
        await objects.stop()
        await notificaties.stop()
        assert objects.violations == [] and notificaties.violations == []


async def titles(world: World) -> dict[str, str]:
    async with world.db.reading() as session:
        rows = await task_rows.for_client(session, client_id=pk(world.client))
    return {row.title: row.status for row in rows}


async def notify(world: World, key: str, actie: str = "update") -> list[int]:
    return await world.notificaties.notify(
        kanaal="objecten",
        resource_url=f"{world.objects.base_url}/objects/{key}",
        actie=actie,
        kenmerken={"object_type": TAAK_TYPE},
        transport=world.backoffice,
    )


async def test_subscribing_twice_makes_one_abonnement(world: World) -> None:
    api = NotificatiesApi(world.notificaties.base_url, "inburgerbot", ZGW_SECRET)
    url, made = await api.subscribe(
        callback_url=CALLBACK, auth=f"Token {CALLBACK_SECRET}", kanalen=[{"naam": "objecten"}]
    )
    assert not made and url == world.notificaties.abonnementen[0]["url"]
    assert len(world.notificaties.abonnementen) == 1
    wrong = NotificatiesApi(world.notificaties.base_url, "inburgerbot", "x" * 40)
    with pytest.raises(RuntimeError, match="answered 403"):
        await wrong.subscribe(callback_url=CALLBACK, auth="Token y", kanalen=[])


def test_the_subscribe_command(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Settings] = []

    async def fake_subscribe(given: Settings) -> tuple[str, bool]:
        seen.append(given)
        return "http://nrc.example/api/v1/abonnement/1", True

    monkeypatch.setattr("console.commonground.subscribe", fake_subscribe)
    state = CliState(settings=settings())
    result = CliRunner().invoke(main, ["common-ground", "subscribe"], obj=state)
    assert result.exit_code == 0, result.output
    assert result.output == "made http://nrc.example/api/v1/abonnement/1\n"


async def test_the_subscribe_command_names_what_is_missing() -> None:
    from console.commonground import subscribe

    with pytest.raises(Exception, match="INBURGERBOT_NOTIFICATIES_URL"):
        await subscribe(settings())


async def test_a_notification_is_a_hint_the_task_is_read_anew(world: World) -> None:
    key = world.objects.add_task(party=PARTY, title="Upload je diploma")
    assert await notify(world, key, actie="create") == [200]
    assert await titles(world) == {"Upload je diploma": TaskStatus.OPEN}
    world.objects.objects[key]["record"]["data"]["status"] = "afgerond"
    assert await notify(world, key) == [200]
    assert await titles(world) == {"Upload je diploma": TaskStatus.DONE}
    other = world.objects.add_task(party=PARTY, title="Formulier DUO")
    assert await notify(world, other, actie="create") == [200]
    del world.objects.objects[other]  # deleted there: the hint leads to our task, now cancelled
    assert await notify(world, other, actie="destroy") == [200]
    assert await titles(world) == {
        "Upload je diploma": TaskStatus.DONE,  # a done task stays done when deleted there
        "Formulier DUO": TaskStatus.CANCELLED,
    }


async def test_a_notification_for_an_unknown_object_is_ignored(world: World) -> None:
    other = world.objects.add_task(party="9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a", title="Not ours")
    async with httpx.AsyncClient(
        transport=world.backoffice, base_url="http://backoffice.test"
    ) as http:
        for target in (str(uuid.uuid4()), other):
            body = {
                "kanaal": "objecten",
                "hoofdObject": f"{world.objects.base_url}/objects/{target}",
                "resource": "object",
                "resourceUrl": f"{world.objects.base_url}/objects/{target}",
                "actie": "update",
                "aanmaakdatum": "2026-11-23T10:00:00+00:00",
            }
            response = await http.post(
                "/notificaties/callback",
                json=body,
                headers={"Authorization": f"Token {CALLBACK_SECRET}"},
            )
            assert response.status_code == 200
            assert response.json() == {"outcome": "ignored_unknown"}
    assert await titles(world) == {}


async def test_the_callback_needs_its_own_secret_and_a_notification(world: World) -> None:
    good = {"Authorization": f"Token {CALLBACK_SECRET}"}
    async with httpx.AsyncClient(
        transport=world.backoffice, base_url="http://backoffice.test"
    ) as http:
        for headers in ({}, {"Authorization": "Token wrong"}, {"Authorization": CALLBACK_SECRET}):
            response = await http.post("/notificaties/callback", json={}, headers=headers)
            assert response.status_code == 403
        assert (
            await http.post("/notificaties/callback", content=b"{", headers=good)
        ).status_code == 400
        not_one = {"kanaal": "objecten", "resourceUrl": "javascript:alert(1)"}
        assert (
            await http.post("/notificaties/callback", json=not_one, headers=good)
        ).status_code == 400
        zaak = {
            "kanaal": "zaken",
            "hoofdObject": "http://zaken.example/zaken/1",
            "resource": "status",
            "resourceUrl": "http://zaken.example/statussen/1",
            "actie": "create",
            "aanmaakdatum": "2026-11-23T10:00:00Z",
        }
        response = await http.post("/notificaties/callback", json=zaak, headers=good)
        assert response.json() == {"outcome": "read_live"}  # the plan view reads the zaak anew


async def test_without_a_callback_secret_there_is_no_callback(db: Database) -> None:
    app = build_backoffice(settings(), db=db, clock=FixedClock(factories.NOW))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://backoffice.test"
    ) as http:
        response = await http.post("/notificaties/callback", json={})
    assert response.status_code == 404


async def test_the_poll_reads_every_clients_tasks(world: World) -> None:
    async with world.db.transaction() as session:
        await factories.client(session, party_uuid=None)  # nothing to read for this one
    world.objects.add_task(party=PARTY, title="Upload je diploma")
    system = CommonGround(
        open_klant=None,
        zaken=None,
        objects=ObjectsApi(world.objects.base_url, "objects-token", type_url=TAAK_TYPE),
    )
    async with world.db.transaction() as session:
        row = await session.get(Client, world.client.id)
        assert row is not None
        row.status = "active"
        session.add(row)
    read = await poll(world.db, system, rules=PlanningRules(), now=factories.NOW)
    assert read == (1, 0)
    assert await titles(world) == {"Upload je diploma": TaskStatus.OPEN}
    world.objects.down = True
    assert await poll(world.db, system, rules=PlanningRules(), now=factories.NOW) == (0, 1)
