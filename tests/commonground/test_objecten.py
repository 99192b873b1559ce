"""Tasks from the Objects API: read, synced into the task list, marked done here, written back."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import date, timedelta

import pytest

from casework.case import Actor, set_task_status
from casework.clock import FixedClock
from casework.planning import PlanningRules
from casework.ports import RemoteTask
from casework.remote_tasks import push_due, refresh, sync
from commonground.fakes.objecten import TAAK_TYPE, FakeObjects
from commonground.objecten import ObjectsApi
from commonground.system import CommonGround
from storage import tasks as task_rows
from storage.db import Database
from storage.enums import ActorKind, TaskStatus
from storage.ids import pk
from storage.models import Client, Task
from tests import factories

PARTY = "6f0e3f5a-3f4c-4bb1-9d54-0f3bde1f6a11"
OTHER = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"
RULES = PlanningRules()
CLIENT = Actor(ActorKind.CLIENT)


@pytest.fixture
async def fake() -> AsyncIterator[FakeObjects]:
    server = FakeObjects()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
        assert server.violations == []


def api(fake: FakeObjects, token: str = "objects-token") -> ObjectsApi:
    return ObjectsApi(fake.base_url, token, type_url=TAAK_TYPE)


def system(fake: FakeObjects, token: str = "objects-token") -> CommonGround:
    return CommonGround(open_klant=None, zaken=None, objects=api(fake, token))


async def a_client(db: Database, party: str | None = PARTY) -> Client:
    async with db.transaction() as session:
        return await factories.client(session, locale="en", party_uuid=party)


async def tasks_of(db: Database, client: Client) -> dict[str, Task]:
    async with db.reading() as session:
        rows = await task_rows.for_client(session, client_id=pk(client))
    return {row.title: row for row in rows}


async def test_the_partys_tasks_are_read_and_nobody_elses(fake: FakeObjects) -> None:
    first = fake.add_task(
        party=PARTY,
        title="Upload je diploma",
        due=date(2026, 12, 1),
        link="https://mijn.example/t/1",
    )
    fake.add_task(party=PARTY, title="Formulier DUO", done=True)
    fake.add_task(party=OTHER, title="Not mine")
    fake.add_task(party=PARTY, title="Wrong id type", id_type="bsn")
    found = await api(fake).tasks(PARTY)
    assert found is not None
    assert sorted((t.title, t.done, t.due, t.link) for t in found) == [
        ("Formulier DUO", True, None, ""),
        ("Upload je diploma", False, date(2026, 12, 1), "https://mijn.example/t/1"),
    ]
    assert first in {t.remote_id for t in found}


async def test_an_outage_or_a_wrong_token_reads_nothing(fake: FakeObjects) -> None:
    fake.add_task(party=PARTY, title="Upload je diploma")
    assert await api(fake, token="old").tasks(PARTY) is None
    fake.down = True
    assert await api(fake).tasks(PARTY) is None


async def test_writing_back_patches_only_the_status(fake: FakeObjects) -> None:
    key = fake.add_task(party=PARTY, title="Upload je diploma", link="https://mijn.example/t/1")
    assert await api(fake).set_task_done(key, True)
    record = fake.objects[key]["record"]
    assert record["data"]["status"] == "afgerond" and record["index"] == 2
    assert record["data"]["titel"] == "Upload je diploma"
    assert record["data"]["url"] == "https://mijn.example/t/1"
    assert await api(fake).set_task_done(key, False) and fake.status_of(key) == "open"
    assert ("PATCH", f"/objects/{key}", 200) in fake.calls
    assert not await api(fake).set_task_done("11111111-2222-4333-8444-555555555555", True)


async def test_sync_adds_updates_completes_and_cancels(db: Database) -> None:
    client = await a_client(db)
    now = factories.NOW
    one = RemoteTask("a1", "Upload je diploma", False, date(2026, 12, 1), "https://x.example/1")
    two = RemoteTask("a2", "Formulier DUO", False, None, "javascript:alert(1)")
    async with db.transaction() as session:
        await sync(session, client=client, remote=[one, two], rules=RULES, now=now)
    rows = await tasks_of(db, client)
    assert rows["Upload je diploma"].external_id == "objects:a1"
    assert rows["Upload je diploma"].link == "https://x.example/1"
    assert rows["Formulier DUO"].link == ""  # only web links
    renamed = RemoteTask("a1", "Upload uw diploma", True, date(2026, 12, 2), "https://x.example/1")
    async with db.transaction() as session:
        await sync(session, client=client, remote=[renamed], rules=RULES, now=now)
    rows = await tasks_of(db, client)
    assert rows["Upload uw diploma"].status == TaskStatus.DONE
    assert rows["Upload uw diploma"].due_date == date(2026, 12, 2)
    assert rows["Upload uw diploma"].remote_due_at is None  # the case system's own change
    assert rows["Formulier DUO"].status == TaskStatus.CANCELLED  # gone there


async def test_a_change_here_is_written_back_and_survives_an_outage(
    db: Database, fake: FakeObjects, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FixedClock(factories.NOW)
    client = await a_client(db)
    key = fake.add_task(party=PARTY, title="Upload je diploma")
    assert await refresh(db, system(fake), client=client, rules=RULES, now=clock.now())
    task = (await tasks_of(db, client))["Upload je diploma"]
    async with db.transaction() as session:
        row = await session.get(Task, task.id)
        assert row is not None
        await set_task_status(
            session,
            client=client,
            task=row,
            status=TaskStatus.DONE,
            rules=RULES,
            now=clock.now(),
            actor=CLIENT,
        )
    fake.down = True
    with caplog.at_level(logging.WARNING):
        assert await push_due(db, system(fake), now=clock.now()) == []
    assert "task status not written back" in caplog.text and "Upload" not in caplog.text
    # Meanwhile a look at the tasks keeps the change made here.
    fake.down = False
    assert await refresh(db, system(fake), client=client, rules=RULES, now=clock.now())
    row = (await tasks_of(db, client))["Upload je diploma"]
    assert row.status == TaskStatus.DONE
    assert row.remote_due_at == clock.now() + timedelta(seconds=30)
    clock.advance(timedelta(seconds=30))
    assert await push_due(db, system(fake), now=clock.now()) == [task.id]
    assert fake.status_of(key) == "afgerond"
    assert (await tasks_of(db, client))["Upload je diploma"].remote_due_at is None
    assert await push_due(db, system(fake), now=clock.now() + timedelta(hours=1)) == []


async def test_imported_tasks_are_never_written_back(db: Database) -> None:
    client = await a_client(db)
    async with db.transaction() as session:
        task = await factories.task(session, client=client, title="Imported")
        await set_task_status(
            session,
            client=client,
            task=task,
            status=TaskStatus.DONE,
            rules=RULES,
            now=factories.NOW,
            actor=CLIENT,
        )
    assert (await tasks_of(db, client))["Imported"].remote_due_at is None


async def test_a_client_without_a_party_is_not_looked_up(db: Database, fake: FakeObjects) -> None:
    client = await a_client(db, party=None)
    assert not await refresh(db, system(fake), client=client, rules=RULES, now=factories.NOW)
    assert fake.calls == []
