"""📅 Appointments end to end: list, venue, confirm, cannot come, calendar file, forged buttons."""

from __future__ import annotations

import html
from datetime import timedelta
from typing import Any

import icalendar
import pytest

from casework.case import cancel_appointment
from casework.settings import planning_rules
from fakebot import SimUser, StoredMessage
from storage import appointments, audit, questions
from storage.enums import AppointmentStatus, ClientResponse
from storage.ids import pk
from storage.models import Appointment, Client
from tests import factories
from tests.e2e.conftest import Harness
from tests.e2e.eventually import eventually
from texts import bidi
from texts.render import lists

NOW = factories.NOW
HOORN = {"latitude": 52.642613, "longitude": 5.059713}


@pytest.fixture(autouse=True)
def offer_english_and_arabic(harness: Harness) -> None:
    """Whether or not their catalogues are compiled yet, these tests read English and Arabic."""
    services = harness.app.bot_data.services
    assert services is not None
    services.shipped_locales = tuple(dict.fromkeys((*services.shipped_locales, "en", "ar")))


async def setup(harness: Harness, locale: str = "en", **fields: Any) -> tuple[Client, Appointment]:
    """A client with a caseworker and one planned appointment in three days."""
    async with harness.db.transaction() as session:
        org = await factories.organisation(session)
        member = await factories.staff(session, organisation=org, name="Fatima de Vries")
        client = await factories.client(session, locale=locale, caseworker_id=member.id)
        row = await factories.appointment(session, client=client, staff_id=member.id, **fields)
    return client, row


async def stored(harness: Harness, row: Appointment) -> Appointment:
    async with harness.db.reading() as session:
        fresh = await appointments.by_id(session, appointment_id=pk(row))
    assert fresh is not None
    return fresh


async def card_of(harness: Harness, user: SimUser) -> StoredMessage:
    await user.send_command("/appointments")
    return await user.next_message()


async def client_questions(harness: Harness, client: Client) -> list[tuple[Any, list[str]]]:
    async with harness.db.reading() as session:
        found = await questions.for_client(session, client_id=pk(client))
        return [
            (q, [m.text or "" for m in await questions.messages(session, question_id=pk(q))])
            for q in found
        ]


def sent_since(harness: Harness, since: int, method: str) -> list[Any]:
    """The bot's calls of a method since a cursor (`harness.fake.call_count`)."""
    return [call for call in harness.fake.calls[since:] if call.method == method]


async def test_list_soonest_first_in_one_message_and_a_venue_for_coordinates(
    harness: Harness,
) -> None:
    client, soon = await setup(
        harness, interpreter_needed=True, interpreter_language="ar", bring="Your passport"
    )
    async with harness.db.transaction() as session:
        later = await factories.appointment(
            session,
            client=client,
            kind="exam",
            starts_at=NOW + timedelta(days=10),
            ends_at=None,
            place_name="DUO examenlocatie",
            address="Stationsplein 1, Hoorn",
            **HOORN,
        )
        await factories.appointment(session, client=client, starts_at=NOW - timedelta(days=1))
        await factories.appointment(
            session,
            client=client,
            starts_at=NOW + timedelta(days=1),
            status=AppointmentStatus.CANCELLED,
        )
    user = await harness.linked_user(client, language_code="en")
    before = len(user.inbox)
    since = harness.fake.call_count
    await user.send_text("📅 Appointments")
    listing = await user.next_message()
    await harness.fake.drain()
    # One message for the whole list: no message per appointment, no venue yet.
    assert len(user.inbox) == before + 1  # the past and the cancelled one are not shown
    assert len(sent_since(harness, since, "sendMessage")) == 1
    assert sent_since(harness, since, "sendVenue") == []
    text = listing.text or ""
    assert text.startswith("📅 Your appointments")
    first, second = text.index("1️⃣ Progress meeting (voortgangsgesprek)"), text.index("2️⃣ Exam")
    assert first < second
    assert "Thursday, 26 November 2026, 11:00 to 12:00 (in 3 days)" in text[first:second]
    assert "📍 Gemeentehuis Hoorn" in text[first:second]
    assert "📍 DUO examenlocatie" in text[second:]
    assert "Nieuwe Steen" not in text  # the short block: the place, not every detail
    assert "Tap a number" in text
    assert listing.callback_data == [f"appt:v1:open:{soon.id}", f"appt:v1:open:{later.id}"]
    assert listing.button_texts == [
        "1️⃣ Thu 26 Nov · Progress meeting",
        "2️⃣ Thu 3 Dec · Exam",
    ]

    # The first button opens its card in the same message, with today's buttons and a way back.
    since = harness.fake.call_count
    await (await user.press(listing, f"appt:v1:open:{soon.id}")).answer()
    await harness.fake.drain()
    assert len(user.inbox) == before + 1
    assert sent_since(harness, since, "sendMessage") == []
    assert sent_since(harness, since, "sendVenue") == []  # no coordinates
    text = listing.text or ""
    assert text.startswith("📅 Progress meeting (voortgangsgesprek)")
    assert "Thursday" in text and "26 November 2026" in text and "11:00 to 12:00" in text
    assert "(in 3 days)" in text
    assert "Gemeentehuis Hoorn" in text and "Nieuwe Steen 1, 1625 HV Hoorn" in text
    assert "With: Fatima de Vries" in text
    assert "for Arabic will be there" in text
    assert "Please bring: Your passport" in text
    assert "Please tell us if you can come." in text
    assert listing.callback_data == [
        f"appt:v1:confirm:{soon.id}",
        f"appt:v1:cannot:{soon.id}",
        f"appt:v1:ics:{soon.id}",
        "appt:v1:list:",
    ]
    assert listing.button_texts[-1] == "‹ All appointments"
    map_link = next(e["url"] for e in listing.entities if e["type"] == "text_link")
    assert map_link.startswith("https://www.openstreetmap.org/search?query=Nieuwe+Steen")

    # Back to the list, then the second: its venue comes with its card.
    await (await user.press(listing, "appt:v1:list:")).answer()
    assert (listing.text or "").startswith("📅 Your appointments")
    assert listing.callback_data == [f"appt:v1:open:{soon.id}", f"appt:v1:open:{later.id}"]
    await (await user.press(listing, f"appt:v1:open:{later.id}")).answer()
    venue = await user.next_message()
    assert (listing.text or "").startswith("📅 Exam (examen)")
    assert listing.callback_data[0] == f"appt:v1:confirm:{later.id}"
    # Telegram decodes &amp; in href; the emulator keeps attribute values as written.
    link = html.unescape(next(e["url"] for e in listing.entities if e["type"] == "text_link"))
    assert link.startswith("https://www.openstreetmap.org/?mlat=52.642613&mlon=5.059713")
    assert venue.data["venue"]["title"] == "DUO examenlocatie"
    assert venue.data["venue"]["address"] == "Stationsplein 1, Hoorn"
    assert venue.data["location"] == {"latitude": 52.642613, "longitude": 5.059713}
    assert len(harness.fake.calls_for("sendVenue")) == 1


async def test_one_appointment_is_shown_as_its_card_at_once(harness: Harness) -> None:
    client, row = await setup(harness, **HOORN)
    user = await harness.linked_user(client, language_code="en")
    since = harness.fake.call_count
    card = await card_of(harness, user)
    venue = await user.next_message()
    await harness.fake.drain()
    assert (card.text or "").startswith("📅 Progress meeting (voortgangsgesprek)")
    assert card.callback_data == [
        f"appt:v1:confirm:{row.id}",
        f"appt:v1:cannot:{row.id}",
        f"appt:v1:ics:{row.id}",
    ]  # nothing to go back to
    assert venue.data["venue"]["title"] == "Gemeentehuis Hoorn"
    assert len(sent_since(harness, since, "sendMessage")) == 1


async def test_answering_on_a_card_from_the_list_keeps_the_way_back(harness: Harness) -> None:
    client, row = await setup(harness)
    async with harness.db.transaction() as session:
        await factories.appointment(
            session, client=client, starts_at=NOW + timedelta(days=5), ends_at=None
        )
    user = await harness.linked_user(client, language_code="en")
    listing = await card_of(harness, user)
    await (await user.press(listing, f"appt:v1:open:{row.id}")).answer()
    await (await user.press(listing, f"appt:v1:cannot:{row.id}")).answer()
    assert f"appt:v1:r_sick:{row.id}" in listing.callback_data
    assert listing.callback_data[-1] == "appt:v1:list:"
    await (await user.press(listing, f"appt:v1:r_work:{row.id}")).answer()
    await user.next_message()  # the caseworker gets the message
    assert (await stored(harness, row)).client_response == ClientResponse.CANNOT_COME
    assert "You said you cannot come." in (listing.text or "")
    assert listing.callback_data[-1] == "appt:v1:list:"
    await (await user.press(listing, f"appt:v1:confirm:{row.id}")).answer()
    assert listing.callback_data[-1] == "appt:v1:list:"
    await (await user.press(listing, "appt:v1:list:")).answer()
    assert (listing.text or "").startswith("📅 Your appointments")


async def test_more_appointments_later_is_said_in_the_list(harness: Harness) -> None:
    client, _row = await setup(harness)
    async with harness.db.transaction() as session:
        for day in range(4, 15):
            await factories.appointment(
                session, client=client, starts_at=NOW + timedelta(days=day), ends_at=None
            )
    user = await harness.linked_user(client, language_code="en")
    since = harness.fake.call_count
    listing = await card_of(harness, user)
    await harness.fake.drain()
    assert len(sent_since(harness, since, "sendMessage")) == 1
    assert len(listing.callback_data) == 10
    assert listing.button_texts[-1].startswith("🔟 ")
    assert "You have more appointments later." in (listing.text or "")


async def test_a_name_with_markup_is_shown_as_typed_in_the_list_and_the_buttons(
    harness: Harness,
) -> None:
    client, row = await setup(harness, place_name="<b>Zaal & Co</b>", title="Bring <ID>")
    async with harness.db.transaction() as session:
        await factories.appointment(
            session, client=client, starts_at=NOW + timedelta(days=5), ends_at=None
        )
    user = await harness.linked_user(client, language_code="en")
    listing = await card_of(harness, user)
    await harness.fake.drain()
    assert harness.fake.calls_for("sendMessage", ok=False) == []
    assert "📍 <b>Zaal & Co</b>" in (listing.text or "")
    assert not any(e["type"] == "bold" and "Zaal" in e.get("text", "") for e in listing.entities)
    await (await user.press(listing, f"appt:v1:open:{row.id}")).answer()
    assert "Bring <ID>" in (listing.text or "")
    assert harness.fake.calls_for("editMessageText", ok=False) == []


async def test_a_list_button_of_another_client_or_of_no_appointment_is_stale(
    harness: Harness,
) -> None:
    client, row = await setup(harness)
    async with harness.db.transaction() as session:
        await factories.appointment(
            session, client=client, starts_at=NOW + timedelta(days=5), ends_at=None
        )
        other = await factories.client(session, locale="en")
        theirs = await factories.appointment(session, client=other)
    user = await harness.linked_user(client, language_code="en")
    listing = await card_of(harness, user)
    before = listing.text
    since = harness.fake.call_count
    for data in (
        f"appt:v1:open:{theirs.id}",
        "appt:v1:open:999999",
        "appt:v1:open:",
        "appt:v1:list:1",
        "appt:v2:open:1",
    ):
        answer = await (await user.press(listing, data, strict=False)).answer()
        assert answer["text"] == "This button is no longer valid.", data
    await harness.fake.drain()
    assert listing.text == before
    assert listing.callback_data[0] == f"appt:v1:open:{row.id}"
    assert sent_since(harness, since, "editMessageText") == []
    assert sent_since(harness, since, "sendVenue") == []


async def test_no_appointments_gets_a_kind_message(harness: Harness) -> None:
    async with harness.db.transaction() as session:
        client = await factories.client(session, locale="en")
    user = await harness.linked_user(client, language_code="en")
    await user.send_command("/appointments")
    reply = await user.next_message()
    assert "You have no appointments planned now." in (reply.text or "")
    assert reply.callback_data == []


async def test_confirm_stores_the_answer_and_updates_the_buttons(harness: Harness) -> None:
    client, row = await setup(harness)
    user = await harness.linked_user(client, language_code="en")
    card = await card_of(harness, user)
    press = await user.press(card, f"appt:v1:confirm:{row.id}")
    assert "We have saved that you will come" in (await press.answer())["text"]
    saved = await stored(harness, row)
    assert saved.client_response == ClientResponse.CONFIRMED
    assert saved.responded_at == NOW
    assert "You said you will come." in (card.text or "")
    assert [b["text"] for b in card.buttons][:2] == ["✓ I will come", "👎 I cannot come"]
    async with harness.db.reading() as session:
        events = await audit.events(session, client_id=pk(client))
    assert "appointment.confirmed" in [e.action for e in events]


async def test_confirming_twice_is_quiet(harness: Harness) -> None:
    client, row = await setup(harness)
    user = await harness.linked_user(client, language_code="en")
    card = await card_of(harness, user)
    await (await user.press(card, f"appt:v1:confirm:{row.id}")).answer()
    again = await (await user.press(card, f"appt:v1:confirm:{row.id}")).answer()
    assert "We already have this answer" in again["text"]
    await harness.fake.drain()
    # Telegram said "message is not modified"; the client sees no apology.
    [refused] = harness.fake.calls_for("editMessageText", ok=False)
    assert "message is not modified" in (refused.description or "")
    assert all("Sorry" not in (m.text or "") for m in user.inbox)


async def test_cannot_come_with_a_one_tap_reason_tells_the_caseworker(harness: Harness) -> None:
    client, row = await setup(harness)
    user = await harness.linked_user(client, language_code="en")
    card = await card_of(harness, user)
    press = await user.press(card, f"appt:v1:cannot:{row.id}")
    assert "Tap a reason" in (await press.answer())["text"]
    assert f"appt:v1:r_sick:{row.id}" in card.callback_data
    assert (await stored(harness, row)).client_response == ClientResponse.NONE
    press = await user.press(card, f"appt:v1:r_sick:{row.id}")
    assert "We have told your caseworker" in (await press.answer())["text"]
    thanks = await user.next_message()
    assert "Your caseworker gets your message" in (thanks.text or "")
    saved = await stored(harness, row)
    assert saved.client_response == ClientResponse.CANNOT_COME
    assert saved.response_reason == "ziek"
    assert "You said you cannot come." in (card.text or "")
    assert "Your reason: I am sick" in (card.text or "")
    assert card.callback_data[0] == f"appt:v1:confirm:{row.id}"
    [(question, texts)] = await client_questions(harness, client)
    assert question.appointment_id == row.id
    assert texts == ["Kan niet komen: ziek"]


async def test_cannot_come_with_own_words(harness: Harness) -> None:
    client, row = await setup(harness)
    user = await harness.linked_user(client, language_code="en")
    card = await card_of(harness, user)
    await (await user.press(card, f"appt:v1:cannot:{row.id}")).answer()
    await (await user.press(card, f"appt:v1:r_other:{row.id}")).answer()
    prompt = await user.next_message()
    assert "Please write in one sentence why you cannot come." in (prompt.text or "")
    assert (await harness.reload(client)).awaiting == f"appt_reason:{row.id}"
    assert card.callback_data[0] == f"appt:v1:confirm:{row.id}"  # the reasons are gone
    await user.send_text("My son has a fever")
    saved_text = await user.next_message()
    assert "We have saved that you cannot come" in (saved_text.text or "")
    assert "Your caseworker gets your message" in ((await user.next_message()).text or "")
    saved = await stored(harness, row)
    assert saved.client_response == ClientResponse.CANNOT_COME
    assert saved.response_reason == "My son has a fever"
    assert (await harness.reload(client)).awaiting is None
    [(question, texts)] = await client_questions(harness, client)
    assert question.appointment_id == row.id
    assert texts == ["Kan niet komen: My son has a fever"]


async def test_a_command_or_menu_button_ends_the_wait_for_a_reason(harness: Harness) -> None:
    client, row = await setup(harness)

    async def wait_ended() -> bool:
        # The wait is cleared by a group-1 handler after the reply: poll the store for it.
        return (await harness.reload(client)).awaiting is None

    user = await harness.linked_user(client, language_code="en")
    card = await card_of(harness, user)
    await (await user.press(card, f"appt:v1:cannot:{row.id}")).answer()
    await (await user.press(card, f"appt:v1:r_other:{row.id}")).answer()
    await user.next_message()
    await user.send_text("📅 Appointments")
    await user.next_message()
    await eventually(wait_ended)
    await user.send_text("Where do I park?")
    assert "Your caseworker gets your message" in ((await user.next_message()).text or "")
    assert (await stored(harness, row)).client_response == ClientResponse.NONE
    [(question, texts)] = await client_questions(harness, client)
    assert question.appointment_id is None
    assert texts == ["Where do I park?"]
    # A /command ends the wait too.
    await (await user.press(card, f"appt:v1:cannot:{row.id}")).answer()
    await (await user.press(card, f"appt:v1:r_other:{row.id}")).answer()
    await user.next_message()
    await user.send_command("/help")
    await user.next_message()
    await eventually(wait_ended)


async def test_reason_typed_after_the_appointment_started_still_reaches_the_caseworker(
    harness: Harness,
) -> None:
    client, row = await setup(harness)
    user = await harness.linked_user(client, language_code="en")
    card = await card_of(harness, user)
    await (await user.press(card, f"appt:v1:cannot:{row.id}")).answer()
    await (await user.press(card, f"appt:v1:r_other:{row.id}")).answer()
    await user.next_message()
    harness.clock.advance(timedelta(days=3, minutes=5))
    await user.send_text("Sorry, the train was late")
    assert "cannot be answered any more" in ((await user.next_message()).text or "")
    assert "Your caseworker gets your message" in ((await user.next_message()).text or "")
    assert (await stored(harness, row)).client_response == ClientResponse.NONE
    [(question, texts)] = await client_questions(harness, client)
    assert question.appointment_id == row.id
    assert texts == ["Sorry, the train was late"]


async def test_a_past_appointment_cannot_be_confirmed(harness: Harness) -> None:
    client, row = await setup(harness)
    user = await harness.linked_user(client, language_code="en")
    card = await card_of(harness, user)
    harness.clock.advance(timedelta(days=3, minutes=1))
    for action in ("confirm", "cannot", "r_work", "r_other"):
        answer = await (await user.press(card, f"appt:v1:{action}:{row.id}", strict=False)).answer()
        assert answer["show_alert"] is True
        assert "cannot answer it any more" in answer["text"]
    saved = await stored(harness, row)
    assert saved.client_response == ClientResponse.NONE
    assert (await harness.reload(client)).awaiting is None
    assert card.callback_data == []
    assert "This appointment has started." in (card.text or "")


async def test_a_cancelled_appointment_cannot_be_confirmed(harness: Harness) -> None:
    client, row = await setup(harness)
    user = await harness.linked_user(client, language_code="en")
    card = await card_of(harness, user)
    async with harness.db.transaction() as session:
        fresh = await appointments.by_id(session, appointment_id=pk(row))
        assert fresh is not None
        await cancel_appointment(
            session,
            client=client,
            appointment=fresh,
            rules=planning_rules(harness.settings),
            now=NOW,
        )
    answer = await (await user.press(card, f"appt:v1:confirm:{row.id}")).answer()
    assert "This appointment is cancelled" in answer["text"]
    ics_answer = await (await user.press(card, f"appt:v1:ics:{row.id}", strict=False)).answer()
    assert "cancelled" in ics_answer["text"]
    assert harness.fake.documents == []
    assert (await stored(harness, row)).client_response == ClientResponse.NONE
    assert card.callback_data == []


async def test_forged_or_stale_ids_change_nothing(harness: Harness) -> None:
    client, row = await setup(harness)
    async with harness.db.transaction() as session:
        other = await factories.client(session, locale="en")
        theirs = await factories.appointment(session, client=other)
    user = await harness.linked_user(client, language_code="en")
    card = await card_of(harness, user)
    forged = [
        f"appt:v1:confirm:{theirs.id}",
        f"appt:v1:r_sick:{theirs.id}",
        f"appt:v1:r_other:{theirs.id}",
        f"appt:v1:ics:{theirs.id}",
        "appt:v1:confirm:999999",
        "appt:v1:confirm:abc",
        "appt:v1:explode:1",
        "appt:v2:confirm:1",
    ]
    for data in forged:
        answer = await (await user.press(card, data, strict=False)).answer()
        assert answer["text"] == "This button is no longer valid.", data
    assert (await stored(harness, theirs)).client_response == ClientResponse.NONE
    assert (await stored(harness, row)).client_response == ClientResponse.NONE
    assert (await harness.reload(client)).awaiting is None
    assert await client_questions(harness, client) == []
    assert await client_questions(harness, other) == []
    assert harness.fake.documents == []
    async with harness.db.reading() as session:
        assert await audit.events(session, client_id=pk(other)) == []


async def test_add_to_calendar_sends_an_ics_file(harness: Harness) -> None:
    client, row = await setup(harness, bring="Passport")
    user = await harness.linked_user(client, language_code="en")
    card = await card_of(harness, user)
    await (await user.press(card, f"appt:v1:ics:{row.id}")).answer()
    document = await user.next_message()
    assert document.data["document"]["file_name"] == "afspraak-2026-11-26.ics"
    assert "add the appointment to your calendar" in (document.text or "")
    data = harness.fake.file_bytes(document.file_id or "")
    [event] = icalendar.Calendar.from_ical(data).walk("VEVENT")
    assert event["UID"] == f"appointment-{row.id}@inburgerbot"
    assert event.decoded("DTSTART") == row.starts_at
    assert str(event["SUMMARY"]) == "Progress meeting (voortgangsgesprek)"
    assert "Passport" in str(event["DESCRIPTION"])
    assert "With: Fatima de Vries" in str(event["DESCRIPTION"])


async def test_arabic_client_gets_isolated_text_and_the_same_buttons(harness: Harness) -> None:
    client, row = await setup(harness, locale="ar", **HOORN)
    user = await harness.linked_user(client, language_code="ar")
    card = await card_of(harness, user)
    venue = await user.next_message()
    assert venue.data["venue"]["title"] == "Gemeentehuis Hoorn"
    text = card.text or ""
    assert bidi.balanced(text)
    assert f"{bidi.LRI}voortgangsgesprek{bidi.PDI}" in text
    assert f"{bidi.LRI}Nieuwe Steen 1, 1625 HV Hoorn{bidi.PDI}" in text
    assert card.callback_data == [
        f"appt:v1:confirm:{row.id}",
        f"appt:v1:cannot:{row.id}",
        f"appt:v1:ics:{row.id}",
    ]
    await (await user.press(card, f"appt:v1:cannot:{row.id}")).answer()
    await (await user.press(card, f"appt:v1:r_transport:{row.id}")).answer()
    await user.next_message()
    saved = await stored(harness, row)
    assert saved.client_response == ClientResponse.CANNOT_COME
    assert saved.response_reason == "geen vervoer"
    [(_question, texts)] = await client_questions(harness, client)
    assert texts == ["Kan niet komen: geen vervoer"]
    assert bidi.balanced(card.text or "")
    await (await user.press(card, f"appt:v1:ics:{row.id}")).answer()
    document = await user.next_message()
    [event] = icalendar.Calendar.from_ical(harness.fake.file_bytes(document.file_id or "")).walk(
        "VEVENT"
    )
    assert "voortgangsgesprek" in str(event["SUMMARY"])
    assert not any(mark in str(event["SUMMARY"]) for mark in bidi.ISOLATES)


async def test_an_arabic_list_is_isolated_and_its_buttons_read_right_to_left(
    harness: Harness,
) -> None:
    client, row = await setup(harness, locale="ar")
    async with harness.db.transaction() as session:
        later = await factories.appointment(
            session,
            client=client,
            kind="exam",
            starts_at=NOW + timedelta(days=5),
            ends_at=None,
            **HOORN,
        )
    user = await harness.linked_user(client, language_code="ar")
    listing = await card_of(harness, user)
    text = listing.text or ""
    assert bidi.balanced(text)
    assert text.startswith("📅 ")
    assert f"{bidi.LRI}voortgangsgesprek{bidi.PDI}" in text
    assert f"{bidi.FSI}Gemeentehuis Hoorn{bidi.PDI}" in text
    assert listing.callback_data == [f"appt:v1:open:{row.id}", f"appt:v1:open:{later.id}"]
    for n, label in enumerate(listing.button_texts, 1):
        assert label.startswith(f"{lists.number(n)} {bidi.RLM}"), label
    await (await user.press(listing, f"appt:v1:open:{later.id}")).answer()
    venue = await user.next_message()
    assert venue.data["venue"]["title"] == "Gemeentehuis Hoorn"
    assert bidi.balanced(listing.text or "")
    assert f"{bidi.LRI}examen{bidi.PDI}" in (listing.text or "")
    assert listing.callback_data[-1] == "appt:v1:list:"
    assert listing.button_texts[-1].startswith("‹ " + bidi.RLM)
    await (await user.press(listing, "appt:v1:list:")).answer()
    assert bidi.balanced(listing.text or "")
    assert listing.callback_data[0] == f"appt:v1:open:{row.id}"


async def test_when_the_text_cannot_be_edited_the_buttons_still_are(harness: Harness) -> None:
    client, row = await setup(harness)
    user = await harness.linked_user(client, language_code="en")
    card = await card_of(harness, user)
    harness.fake.inject(
        "editMessageText", status=400, description="Bad Request: there is no text in the message"
    )
    await (await user.press(card, f"appt:v1:confirm:{row.id}")).answer()
    assert (await stored(harness, row)).client_response == ClientResponse.CONFIRMED
    assert len(harness.fake.calls_for("editMessageReplyMarkup", ok=True)) == 1
    assert card.buttons[0]["text"] == "✓ I will come"
    assert "Please tell us if you can come." in (card.text or "")
