"""Contact moments reach Open Klant: the outbox, the adapter and the fake server together.

The fake (commonground/fakes/openklant.py) validates every request it receives and every answer
it sends against our copies of the published schemas (commonground/schemas.py); each test ends
by asserting it found no violation.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest

from bot.metrics import Metrics
from casework import questions
from casework.clock import FixedClock
from casework.contacts import ContactQueue, backlog_alert, send_due
from casework.events import Answered, Asked
from commonground.fakes.openklant import FakeOpenKlant
from commonground.openklant import OpenKlant
from storage import contacts as rows
from storage import questions as question_rows
from storage.db import Database
from storage.enums import ContactStatus, MessageKind
from storage.ids import pk
from storage.models import CaseContact, Client
from storage.retention import erase_message_contents
from tests import factories

PARTY = "6f0e3f5a-3f4c-4bb1-9d54-0f3bde1f6a11"
ZAAK = "0b7a2c1e-55b9-4c0e-8d0e-1c2b3a4d5e6f"
ACTOR = "3a6e8a53-7f1d-4d43-9c39-4e7f0f2f6b21"


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenKlant]:
    server = FakeOpenKlant(partijen={PARTY})
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
        assert server.violations == []


@dataclass
class World:
    db: Database
    clock: FixedClock
    queue: ContactQueue
    client: Client
    staff_id: int


@pytest.fixture
async def world(db: Database) -> World:
    clock = FixedClock(factories.NOW)
    async with db.transaction() as session:
        org = await factories.organisation(session)
        member = await factories.staff(session, organisation=org)
        person = await factories.client(
            session, locale="ar", party_uuid=PARTY, zaak_uuid=ZAAK, caseworker_id=member.id
        )
    return World(db, clock, ContactQueue(db, clock), person, pk(member))


async def ask(world: World, text: str) -> tuple[int, int]:
    async with world.db.transaction() as session:
        asked = await questions.ask(
            session, client=world.client, kind=MessageKind.TEXT, text=text, now=world.clock.now()
        )
    question_id, message_id = pk(asked.question), pk(asked.message)
    event = Asked(client=world.client, question_id=question_id, by="Amina", message_id=message_id)
    await world.queue.publish(event)
    return question_id, message_id


async def answer(world: World, question_id: int, text: str) -> int:
    async with world.db.transaction() as session:
        question = await question_rows.by_id(session, question_id=question_id)
        assert question is not None
        message = await questions.answer(
            session,
            question=question,
            staff_id=world.staff_id,
            kind=MessageKind.TEXT,
            text=text,
            now=world.clock.now(),
        )
        questions.mark_delivered(message, now=world.clock.now())
        session.add(message)
    event = Answered(
        client=world.client,
        question_id=question_id,
        by="Caseworker",
        message_id=pk(message),
        text=text,
        outcome="delivered",
    )
    await world.queue.publish(event)
    return pk(message)


async def row_of(world: World, message_id: int) -> CaseContact:
    async with world.db.reading() as session:
        row = await rows.by_message(session, message_id=message_id)
    assert row is not None
    return row


def adapter(fake: FakeOpenKlant, token: str = "test-token", actor: str | None = None) -> OpenKlant:
    return OpenKlant(fake.base_url, token, actor_uuid=actor)


async def test_question_and_answer_become_linked_klantcontacten(
    world: World, fake: FakeOpenKlant
) -> None:
    question_id, asked_id = await ask(world, "Wanneer is mijn examen? Mijn BSN is 111222333")
    answered_id = await answer(world, question_id, "Op 12 december, <b>om 10 uur</b>.")

    done = await send_due(world.db, adapter(fake, actor=ACTOR), now=world.clock.now())

    assert len(done.sent) == 2 and not done.retried and not done.failed
    question_row, answer_row = await row_of(world, asked_id), await row_of(world, answered_id)
    assert question_row.status == answer_row.status == ContactStatus.SENT
    question_kc = fake.klantcontacten[question_row.remote_uuid or ""]
    answer_kc = fake.klantcontacten[answer_row.remote_uuid or ""]
    assert question_kc["kanaal"] == answer_kc["kanaal"] == "telegram"
    assert question_kc["taal"] == "ara"
    assert question_kc["vertrouwelijk"] is True
    assert question_kc["onderwerp"] == "Vraag via Telegram"
    assert (
        "111222333" not in question_kc["inhoud"]
        and "Wanneer is mijn examen?" in question_kc["inhoud"]
    )
    assert question_kc["referentienummer"] == question_row.key
    assert answer_kc["inhoud"] == "Op 12 december, <b>om 10 uur</b>."
    assert answer_kc["indicatieContactGelukt"] is True
    # The client's party is the betrokkene: the initiator of the question, not of the answer.
    by_contact = {b["hadKlantcontact"]["uuid"]: b for b in fake.betrokkenen.values()}
    assert by_contact[question_kc["uuid"]]["wasPartij"]["uuid"] == PARTY
    assert by_contact[question_kc["uuid"]]["initiator"] is True
    assert by_contact[answer_kc["uuid"]]["initiator"] is False
    # The question is about the zaak; the answer is about the question's klantcontact.
    about = {o["klantcontact"]["uuid"]: o for o in fake.onderwerpobjecten.values()}
    assert about[question_kc["uuid"]]["onderwerpobjectidentificator"]["objectId"] == ZAAK
    assert about[question_kc["uuid"]]["onderwerpobjectidentificator"]["codeObjecttype"] == "zaak"
    assert about[answer_kc["uuid"]]["wasKlantcontact"]["uuid"] == question_kc["uuid"]
    # The caseworker's task, for the question only.
    [task] = fake.internetaken.values()
    assert task["aanleidinggevendKlantcontact"]["uuid"] == question_kc["uuid"]
    assert task["toegewezenAanActoren"][0]["uuid"] == ACTOR
    assert question_row.task_uuid == task["uuid"] and answer_row.task_uuid is None
    # Nothing is due any more.
    assert await send_due(world.db, adapter(fake), now=world.clock.now() + timedelta(days=1)) == (
        type(done)()
    )


async def test_the_same_message_is_queued_once(world: World, fake: FakeOpenKlant) -> None:
    question_id, message_id = await ask(world, "Hallo")
    event = Asked(client=world.client, question_id=question_id, by="Amina", message_id=message_id)
    await world.queue.publish(event)
    await world.queue.publish(event)
    done = await send_due(world.db, adapter(fake), now=world.clock.now())
    assert len(done.sent) == 1 and len(fake.klantcontacten) == 1


async def test_open_klant_down_loses_nothing_and_alerts(
    world: World, fake: FakeOpenKlant, caplog: pytest.LogCaptureFixture
) -> None:
    question_id, asked_id = await ask(world, "Is er iemand?")
    await answer(world, question_id, "Ja.")
    fake.outage = True

    first = await send_due(world.db, adapter(fake), now=world.clock.now())

    assert first.retried == [pk(await row_of(world, asked_id))]
    assert len(first.waiting) == 1  # the answer waits for its question's klantcontact
    row = await row_of(world, asked_id)
    assert row.status == ContactStatus.PENDING and row.last_error == "http_503"
    assert row.next_attempt_at == world.clock.now() + timedelta(seconds=30)
    # Not due yet: nothing is tried before the backoff has passed.
    assert await send_due(world.db, adapter(fake), now=world.clock.now()) == type(first)()
    # Down for long: the backlog raises the alert.
    assert await backlog_alert(world.db, now=world.clock.now(), after=timedelta(minutes=15)) is None
    world.clock.advance(timedelta(minutes=20))
    with caplog.at_level(logging.ERROR):
        waited = await backlog_alert(world.db, now=world.clock.now(), after=timedelta(minutes=15))
    assert waited == timedelta(minutes=20)
    assert "case system has not taken contact moments" in caplog.text
    assert "Is er iemand" not in caplog.text

    fake.outage = False
    second = await send_due(world.db, adapter(fake), now=world.clock.now())
    assert len(second.sent) == 2  # the question first, then its answer, linked to it
    assert len(fake.klantcontacten) == 2
    [link] = [o for o in fake.onderwerpobjecten.values() if o["wasKlantcontact"]]
    assert link["wasKlantcontact"]["uuid"] == (await row_of(world, asked_id)).remote_uuid
    assert await backlog_alert(world.db, now=world.clock.now(), after=timedelta(minutes=15)) is None


async def test_unreachable_open_klant_is_tried_again(world: World, fake: FakeOpenKlant) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}/klantinteracties/api/v1"
    _, asked_id = await ask(world, "Hallo?")
    done = await send_due(world.db, OpenKlant(closed, "test-token"), now=world.clock.now())
    assert len(done.retried) == 1
    row = await row_of(world, asked_id)
    assert row.status == ContactStatus.PENDING and (row.last_error or "").startswith("unreachable")
    world.clock.advance(timedelta(minutes=1))
    done = await send_due(world.db, adapter(fake), now=world.clock.now())
    assert len(done.sent) == 1 and len(fake.klantcontacten) == 1


async def test_a_lost_answer_is_not_sent_twice(world: World, fake: FakeOpenKlant) -> None:
    """Open Klant made the klantcontact but its answer was lost: the retry finds it."""
    _, asked_id = await ask(world, "Hoe laat?")
    fake.lose_answers = 1
    done = await send_due(world.db, adapter(fake, actor=ACTOR), now=world.clock.now())
    assert len(done.retried) == 1 and len(fake.klantcontacten) == 1
    world.clock.advance(timedelta(minutes=1))
    done = await send_due(world.db, adapter(fake, actor=ACTOR), now=world.clock.now())
    assert len(done.sent) == 1
    assert len(fake.klantcontacten) == 1 and len(fake.internetaken) == 1
    row = await row_of(world, asked_id)
    assert row.remote_uuid in fake.klantcontacten and row.attempts == 2
    assert ("GET", "/klantcontacten", 200) in fake.calls


async def test_a_lost_task_answer_makes_no_second_task(world: World, fake: FakeOpenKlant) -> None:
    await ask(world, "Hoe laat?")
    fake.lose_answers = 2  # the klantcontact's answer and the internetaak's answer
    await send_due(world.db, adapter(fake, actor=ACTOR), now=world.clock.now())
    world.clock.advance(timedelta(minutes=1))
    await send_due(world.db, adapter(fake, actor=ACTOR), now=world.clock.now())
    world.clock.advance(timedelta(minutes=2))
    done = await send_due(world.db, adapter(fake, actor=ACTOR), now=world.clock.now())
    assert len(done.sent) == 1
    assert len(fake.klantcontacten) == 1 and len(fake.internetaken) == 1


async def test_validation_errors_are_kept_alerted_and_not_retried(
    world: World, fake: FakeOpenKlant, caplog: pytest.LogCaptureFixture
) -> None:
    fake.partijen.clear()  # Open Klant does not know the client's party
    _, asked_id = await ask(world, "Geheime vraag")
    with caplog.at_level(logging.ERROR):
        done = await send_due(world.db, adapter(fake), now=world.clock.now())
    assert done.failed == [pk(await row_of(world, asked_id))]
    row = await row_of(world, asked_id)
    assert row.status == ContactStatus.FAILED and row.next_attempt_at is None
    assert row.last_error == "http_400:betrokkene.wasPartij.uuid"
    assert "case system refused a contact moment" in caplog.text
    assert "Geheime vraag" not in caplog.text and PARTY not in caplog.text
    world.clock.advance(timedelta(days=2))
    assert await send_due(world.db, adapter(fake), now=world.clock.now()) == type(done)()
    assert fake.klantcontacten == {}


async def test_a_client_without_a_party_is_not_sent(world: World, fake: FakeOpenKlant) -> None:
    async with world.db.transaction() as session:
        person = await factories.client(session, party_uuid=None)
    world.client = person
    _, asked_id = await ask(world, "Hallo")
    done = await send_due(world.db, adapter(fake), now=world.clock.now())
    assert len(done.failed) == 1 and fake.calls == []
    assert (await row_of(world, asked_id)).last_error == "no_party"


async def test_a_rotated_key_is_alerted_and_the_moment_kept(
    world: World, fake: FakeOpenKlant, caplog: pytest.LogCaptureFixture
) -> None:
    fake.tokens = {"new-key"}  # the municipality rotated the key; we still send the old one
    _, asked_id = await ask(world, "Hallo")
    with caplog.at_level(logging.ERROR):
        done = await send_due(world.db, adapter(fake, token="old-key"), now=world.clock.now())
    assert len(done.retried) == 1
    assert "case system refused our key" in caplog.text and "old-key" not in caplog.text
    row = await row_of(world, asked_id)
    assert row.status == ContactStatus.PENDING and row.last_error == "http_401"
    world.clock.advance(timedelta(minutes=1))
    done = await send_due(world.db, adapter(fake, token="new-key"), now=world.clock.now())
    assert len(done.sent) == 1 and len(fake.klantcontacten) == 1


async def test_backoff_grows_and_stops_at_an_hour(world: World, fake: FakeOpenKlant) -> None:
    fake.outage = True
    _, asked_id = await ask(world, "Hallo")
    waits = []
    for _ in range(9):
        await send_due(world.db, adapter(fake), now=world.clock.now())
        row = await row_of(world, asked_id)
        assert row.next_attempt_at is not None
        waits.append(row.next_attempt_at - world.clock.now())
        world.clock.set(row.next_attempt_at)
    assert waits[:4] == [timedelta(seconds=s) for s in (30, 60, 120, 240)]
    assert waits[-1] == timedelta(hours=1)
    assert (await row_of(world, asked_id)).status == ContactStatus.PENDING


async def test_two_senders_never_send_one_row_twice(world: World, fake: FakeOpenKlant) -> None:
    await ask(world, "Hallo")
    results = await asyncio.gather(
        send_due(world.db, adapter(fake), now=world.clock.now()),
        send_due(world.db, adapter(fake), now=world.clock.now()),
    )
    assert sum(len(result.sent) for result in results) == 1
    assert len(fake.klantcontacten) == 1


async def test_photo_and_location_say_what_they_were(world: World, fake: FakeOpenKlant) -> None:
    async with world.db.transaction() as session:
        photo = await questions.ask(
            session,
            client=world.client,
            kind=MessageKind.PHOTO,
            text="mijn brief",
            file_id="file-1",
            now=world.clock.now(),
        )
        where = await questions.ask(
            session,
            client=world.client,
            kind=MessageKind.LOCATION,
            text="52.000000,4.000000",
            now=world.clock.now(),
        )
    for asked in (photo, where):
        await world.queue.publish(
            Asked(
                client=world.client,
                question_id=pk(asked.question),
                by="Amina",
                message_id=pk(asked.message),
            )
        )
    await send_due(world.db, adapter(fake), now=world.clock.now())
    contents = sorted(kc["inhoud"] for kc in fake.klantcontacten.values())
    assert contents == ["[foto] mijn brief", "[locatie]"]


async def test_the_fake_refuses_what_the_schema_refuses(fake: FakeOpenKlant) -> None:
    headers = {"Authorization": "Token test-token"}
    async with httpx.AsyncClient(base_url=fake.base_url, headers=headers) as http:
        wrong = await http.post(
            "/maak-klantcontact",
            json={"klantcontact": {"kanaal": "telegram", "onderwerp": "x", "taal": "arabic"}},
        )
        anonymous = await http.get("/klantcontacten", headers={"Authorization": ""})
    assert wrong.status_code == 400
    names = {param["name"] for param in wrong.json()["invalidParams"]}
    assert names == {"klantcontact", "klantcontact.taal"}  # vertrouwelijk missing; taal too long
    assert anonymous.status_code == 401


async def test_the_page_lists_klantcontacten_escaped(world: World, fake: FakeOpenKlant) -> None:
    await ask(world, "<script>alert(1)</script> vraag")
    await send_due(world.db, adapter(fake), now=world.clock.now())
    async with httpx.AsyncClient() as http:
        page = await http.get(fake.root + "/")
    assert page.status_code == 200
    assert "Klantcontacten (1)" in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; vraag" in page.text
    assert "<script>" not in page.text
    assert "zaak " + ZAAK[:8] in page.text


async def test_the_outbox_is_measured_for_monitoring(world: World, fake: FakeOpenKlant) -> None:
    fake.partijen.clear()
    await ask(world, "Hallo")
    await send_due(world.db, adapter(fake), now=world.clock.now())  # refused: unknown party
    fake.outage = True
    await ask(world, "Nog een vraag")
    await send_due(world.db, adapter(fake), now=world.clock.now())  # down: kept for later
    world.clock.advance(timedelta(minutes=10))
    metrics = Metrics()
    await metrics.refresh(world.db, now=world.clock.now())
    body = metrics.render().decode()
    assert 'inburgerbot_contact_moments{status="pending"} 1.0' in body
    assert 'inburgerbot_contact_moments{status="failed"} 1.0' in body
    assert 'inburgerbot_contact_moments{status="sent"} 0.0' in body
    assert "inburgerbot_contact_moments_oldest_pending_seconds 600.0" in body
    assert "Hallo" not in body and PARTY not in body


async def test_a_message_erased_before_it_went_is_not_sent(
    world: World, fake: FakeOpenKlant
) -> None:
    fake.outage = True
    _, asked_id = await ask(world, "Oude vraag")
    await send_due(world.db, adapter(fake), now=world.clock.now())
    async with world.db.transaction() as session:
        erased = await erase_message_contents(
            session, before=world.clock.now() + timedelta(seconds=1), now=world.clock.now()
        )
    assert erased == 1
    fake.outage = False
    world.clock.advance(timedelta(minutes=1))
    done = await send_due(world.db, adapter(fake), now=world.clock.now())
    assert len(done.failed) == 1 and fake.klantcontacten == {}
    assert (await row_of(world, asked_id)).last_error == "message_erased"
