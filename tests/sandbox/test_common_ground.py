"""`inburgerbot sandbox --common-ground`: a question asked on the phone and its answer from the
staff chat show up as klantcontacten on the fake Open Klant's page, linked from the sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest

from casework.settings import Settings
from sandbox import Sandbox, SandboxOptions
from sandbox.server import STAFF_CHAT_ID
from storage import contacts, questions
from storage.db import Database
from tests.e2e.eventually import eventually
from tests.sandbox.conftest import linked_phone


@pytest.fixture
async def sandbox(db: Database, region: Path) -> AsyncIterator[Sandbox]:
    options = SandboxOptions(port=0, region=region, common_ground=True)
    running = Sandbox(options, settings=Settings(_env_file=None), db=db)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()
        assert running.open_klant is not None and running.open_klant.violations == []


async def page_of(url: str) -> str:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        assert response.status == 200
        return await response.text()


async def test_a_question_on_the_phone_shows_up_as_a_klantcontact(sandbox: Sandbox) -> None:
    async with (
        aiohttp.ClientSession(base_url=sandbox.url, headers={"X-Sandbox": "1"}) as http,
        http.get("/api/state") as response,
    ):
        state = await response.json()
    fake_page = state["open_klant"]
    assert fake_page == sandbox.open_klant_page and fake_page.startswith("http://127.0.0.1:")
    assert "Klantcontacten (0)" in await page_of(fake_page)

    phone = await linked_phone(sandbox, "Amina")
    await sandbox.send_text(phone.chat_id, "Wanneer is mijn les? <script>")
    await phone.next_message()  # the acknowledgement
    await sandbox.advance(timedelta(minutes=1))  # runs the periodic jobs now, the sending too

    page = await page_of(fake_page)
    assert "Klantcontacten (1)" in page
    assert "Wanneer is mijn les? &lt;script&gt;" in page and "<td>ara</td>" in page

    assert sandbox.db is not None
    client = next(c for c in sandbox.world.clients if c.first_name == "Amina")
    async with sandbox.db.reading() as session:
        topic = await questions.topic_of_client(session, chat_id=STAFF_CHAT_ID, client_id=client.id)
    assert topic is not None and topic.topic_id is not None
    caseworker = next(s for s in sandbox.world.staff if s.name == "Sanne Jonker")
    await sandbox.send_text(
        STAFF_CHAT_ID, "Dinsdag om 10 uur.", user_id=caseworker.user_id, thread_id=topic.topic_id
    )
    await phone.next_message()  # the answer reaches the phone

    async def answer_queued() -> bool:
        assert sandbox.db is not None
        async with sandbox.db.reading() as session:
            return len(await contacts.recent(session)) == 2

    await eventually(answer_queued)  # queued right after the delivery
    await sandbox.advance(timedelta(minutes=1))

    page = await page_of(fake_page)
    assert "Klantcontacten (2)" in page and "Dinsdag om 10 uur." in page
    assert page.count("antwoord op ") == 1
    fake = sandbox.open_klant
    assert fake is not None and len(fake.internetaken) == 1  # the team's task for the question


async def test_the_plan_view_shows_the_zaak_from_the_fake_zaken_api(sandbox: Sandbox) -> None:
    phone = await linked_phone(sandbox, "Grace")  # English
    await phone.send_command("/plan")
    text = (await phone.next_message()).text or ""
    assert "Your case at the municipality (zaak ZAAK-HRN-2)" in text
    assert "Intake gedaan" in text
    assert sandbox.zaken is not None and sandbox.zaken.violations == []


async def test_the_task_list_has_the_portal_task_from_the_fake_objects_api(
    sandbox: Sandbox,
) -> None:
    phone = await linked_phone(sandbox, "Grace")
    await phone.send_command("/tasks")
    text = (await phone.next_message()).text or ""  # the open tasks in one message
    assert "Upload uw diploma in Mijn Gemeente" in text
    assert sandbox.objects is not None and sandbox.objects.violations == []


async def test_without_the_flag_there_is_no_open_klant(db: Database, region: Path) -> None:
    running = Sandbox(
        SandboxOptions(port=0, region=region), settings=Settings(_env_file=None), db=db
    )
    await running.start()
    try:
        assert running.open_klant is None and running.state_view()["open_klant"] is None
        assert running.zaken is None and running.objects is None
        assert running.app is not None
        services = running.app.bot_data.services
        assert services is not None and services.case_system is None
    finally:
        await running.stop()
