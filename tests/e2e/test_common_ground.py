"""End to end with Common Ground on: the bot with Open Klant configured (a fake on loopback).

A client asks on their phone and a caseworker answers in the staff chat's topic: both become
klantcontacten, the answer linked to the question, through the outbox that the scheduler's job
sends (called here directly, at the test clock's time).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from casework.contacts import send_due
from commonground.fakes.openklant import FakeOpenKlant
from commonground.openklant import OpenKlant
from storage import contacts as contact_rows
from storage.enums import ContactStatus
from storage.models import CaseContact
from tests.e2e.conftest import Harness
from tests.e2e.eventually import eventually
from tests.e2e.test_staff_chat import (
    acknowledged,
    catch_up,
    last_delivered,
    make_world,
    stored_when,
    topic_row,
)

PARTY = "6f0e3f5a-3f4c-4bb1-9d54-0f3bde1f6a11"


@pytest.fixture
async def open_klant() -> AsyncIterator[FakeOpenKlant]:
    fake = FakeOpenKlant(partijen={PARTY})
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()
        assert fake.violations == []


@pytest.fixture
def settings_overrides(request: pytest.FixtureRequest, open_klant: FakeOpenKlant) -> dict[str, Any]:
    if request.node.get_closest_marker("without_open_klant"):
        return {}
    return {"open_klant_url": open_klant.base_url, "open_klant_token": "test-token"}


async def queued(harness: Harness) -> list[CaseContact]:
    async with harness.db.reading() as session:
        return list(await contact_rows.recent(session))


async def test_a_phone_question_and_its_answer_become_klantcontacten(
    harness: Harness, open_klant: FakeOpenKlant
) -> None:
    services = harness.app.bot_data.services
    assert services is not None and isinstance(services.case_system, OpenKlant)
    world = await make_world(harness)
    async with harness.db.transaction() as session:
        client = await session.get(type(world.client), world.client.id)
        assert client is not None
        client.party_uuid = PARTY
        session.add(client)

    await world.user.send_text("متى موعدي؟ <b>")
    assert acknowledged(await world.user.next_message())
    await catch_up(world.group)
    row = await topic_row(harness, world.client)
    await world.worker.send_text("Dinsdag om 10 uur.", thread_id=row.topic_id)
    await stored_when(harness, world.client, last_delivered)

    async def both_queued() -> bool:
        return len(await queued(harness)) == 2

    await eventually(both_queued)
    assert services.case_system is not None
    done = await send_due(harness.db, services.case_system, now=harness.clock.now())

    assert len(done.sent) == 2
    answer_row, question_row = await queued(harness)
    assert question_row.status == answer_row.status == ContactStatus.SENT
    question = open_klant.klantcontacten[question_row.remote_uuid or ""]
    answer = open_klant.klantcontacten[answer_row.remote_uuid or ""]
    assert question["inhoud"] == "متى موعدي؟ <b>" and question["taal"] == "ara"
    assert answer["inhoud"] == "Dinsdag om 10 uur." and answer["indicatieContactGelukt"] is True
    [link] = [o for o in open_klant.onderwerpobjecten.values() if o["wasKlantcontact"]]
    assert link["klantcontact"]["uuid"] == answer["uuid"]
    assert link["wasKlantcontact"]["uuid"] == question["uuid"]
    # Nothing of Telegram crosses: no chat id, user id or name in what Open Klant holds.
    held = repr(open_klant.klantcontacten) + repr(open_klant.betrokkenen)
    assert "Amina" not in held and str(world.user.user["id"]) not in held


@pytest.mark.without_open_klant
async def test_without_open_klant_nothing_is_queued(harness: Harness) -> None:
    """The default: no Common Ground settings, no contact rows (and no job)."""
    services = harness.app.bot_data.services
    assert services is not None and services.case_system is None and services.contacts is None
    world = await make_world(harness)
    await world.user.send_text("Hallo")
    assert acknowledged(await world.user.next_message())
    assert await queued(harness) == []
    assert harness.app.job_queue is not None
    assert not harness.app.job_queue.get_jobs_by_name("contacts")
