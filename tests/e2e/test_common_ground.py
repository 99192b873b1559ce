"""End to end with Common Ground on: the bot with Open Klant configured (a fake on loopback).

A client asks on their phone and a caseworker answers in the staff chat's topic: both become
klantcontacten, the answer linked to the question, through the outbox that the scheduler's job
sends (called here directly, at the test clock's time).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

from casework.contacts import send_due
from casework.remote_tasks import push_due
from commonground.fakes.objecten import TAAK_TYPE, FakeObjects
from commonground.fakes.openklant import FakeOpenKlant
from commonground.fakes.zaken import FakeZaken
from commonground.system import CommonGround
from fakebot import SimUser
from storage import contacts as contact_rows
from storage.enums import ContactStatus
from storage.models import CaseContact
from tests import factories
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
ZAAK = "0b7a2c1e-55b9-4c0e-8d0e-1c2b3a4d5e6f"
ZGW_SECRET = "a-zgw-secret-of-at-least-32-bytes!"


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
async def zaken() -> AsyncIterator[FakeZaken]:
    fake = FakeZaken(clients={"inburgerbot": ZGW_SECRET})
    await fake.start()
    fake.add_zaak(
        ZAAK,
        reference="ZAAK-2025-0012",
        started=date(2025, 3, 15),
        planned_end=date(2028, 3, 15),
        latest_end=date(2028, 9, 15),
    )
    fake.add_status(ZAAK, datetime(2025, 3, 15, 9, 0, tzinfo=UTC), "Intake gedaan")
    fake.add_status(ZAAK, datetime(2025, 5, 1, 9, 0, tzinfo=UTC), "Plan <PIP> vastgesteld")
    try:
        yield fake
    finally:
        await fake.stop()
        assert fake.violations == []


@pytest.fixture
async def objects() -> AsyncIterator[FakeObjects]:
    fake = FakeObjects()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()
        assert fake.violations == []


@pytest.fixture
def settings_overrides(
    request: pytest.FixtureRequest,
    open_klant: FakeOpenKlant,
    zaken: FakeZaken,
    objects: FakeObjects,
) -> dict[str, Any]:
    if request.node.get_closest_marker("without_open_klant"):
        return {}
    return {
        "open_klant_url": open_klant.base_url,
        "open_klant_token": "test-token",
        "zaken_api_url": zaken.base_url,
        "zaken_client_id": "inburgerbot",
        "zaken_secret": ZGW_SECRET,
        "objects_api_url": objects.base_url,
        "objects_token": "objects-token",
        "objects_type_url": TAAK_TYPE,
    }


async def queued(harness: Harness) -> list[CaseContact]:
    async with harness.db.reading() as session:
        return list(await contact_rows.recent(session))


async def test_a_phone_question_and_its_answer_become_klantcontacten(
    harness: Harness, open_klant: FakeOpenKlant
) -> None:
    services = harness.app.bot_data.services
    assert services is not None and isinstance(services.case_system, CommonGround)
    assert harness.app.job_queue is not None
    names = {job.name for job in harness.app.job_queue.jobs()}
    assert {"contacts", "task_status", "tasks_poll"} <= names
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
    names = {job.name for job in harness.app.job_queue.jobs()}
    assert not names & {"contacts", "task_status", "tasks_poll"}


async def plan_client(harness: Harness, *, plan: bool = True) -> SimUser:
    async with harness.db.transaction() as session:
        client = await factories.client(session, locale="en", zaak_uuid=ZAAK)
        if plan:
            await factories.plan(session, client=client)
    return await harness.linked_user(client, language_code="en")


async def plan_text(user: SimUser) -> str:
    await user.send_command("/plan")
    return (await user.next_message()).text or ""


async def test_the_plan_view_shows_the_zaak_its_steps_and_deadlines(
    harness: Harness, zaken: FakeZaken
) -> None:
    user = await plan_client(harness)
    text = await plan_text(user)
    assert "Your plan" in text  # the import's plan, then the zaak
    assert "Your case at the municipality (zaak ZAAK-2025-0012)" in text
    assert "Latest step, on 1 May 2025:\nPlan <PIP> vastgesteld" in text
    assert "Earlier steps:\n• 15 March 2025 — Intake gedaan" in text
    assert "Planned to be finished by 15 March 2028." in text
    assert "To be finished at the latest by 15 September 2028." in text
    assert "closed this case" not in text


async def test_a_zaak_closed_elsewhere_shows_as_closed(harness: Harness, zaken: FakeZaken) -> None:
    user = await plan_client(harness)
    assert "closed this case" not in await plan_text(user)
    zaken.close(ZAAK, date(2026, 11, 20), datetime(2026, 11, 20, 14, 0, tzinfo=UTC), "Afgerond")
    text = await plan_text(user)  # read again: the zaak as it is now
    assert "Your municipality closed this case on 20 November 2026." in text
    assert "Latest step, on 20 November 2026:\nAfgerond" in text
    assert "Planned to be finished" not in text


async def test_without_the_zaken_api_the_imported_plan_stays(
    harness: Harness, zaken: FakeZaken
) -> None:
    user = await plan_client(harness)
    zaken.down = True
    text = await plan_text(user)
    assert "Your plan" in text and "Your case at the municipality" not in text


async def test_a_zaak_without_an_imported_plan(harness: Harness, zaken: FakeZaken) -> None:
    user = await plan_client(harness, plan=False)
    text = await plan_text(user)
    assert text.startswith("There is no plan (PIP) here yet.")
    assert "Your case at the municipality" in text
    zaken.zaken.clear()  # a zaak the Zaken API does not know (any more)
    assert (await plan_text(user)).startswith("There is no plan (PIP) here yet.")
    assert "Your case" not in await plan_text(user)


async def test_a_portal_task_is_shown_with_its_link_and_done_is_written_back(
    harness: Harness, objects: FakeObjects
) -> None:
    key = objects.add_task(
        party=PARTY,
        title="Upload <je> diploma",
        due=date(2026, 12, 1),
        link="https://mijn.example/t/1",
    )
    async with harness.db.transaction() as session:
        client = await factories.client(session, locale="en", party_uuid=PARTY)
    user = await harness.linked_user(client, language_code="en")
    await user.send_command("/tasks")
    shown = await user.next_message()  # one open task: its card, with the count
    assert (shown.text or "").startswith("📝 Upload <je> diploma")
    links = [e for e in shown.entities if e["type"] == "text_link"]
    assert links and links[0]["url"] == "https://mijn.example/t/1"
    done_button = shown.callback_data[0]
    answer = await (await user.press(shown, done_button)).answer()
    assert answer["text"] == "Well done! ✅"
    services = harness.app.bot_data.services
    assert services is not None and services.case_system is not None

    async def written() -> bool:
        assert services.case_system is not None
        await push_due(harness.db, services.case_system, now=harness.clock.now())
        return objects.status_of(key) == "afgerond"

    await eventually(written)
