"""The appointment message, its buttons and its calendar event: pure functions, no Telegram."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from storage.enums import AppointmentStatus, ClientResponse
from storage.models import Appointment
from texts import bidi, callbacks
from texts.fmt import Formatter
from texts.i18n import translator
from texts.render import appointments as view
from texts.render.appointments import AppointmentCard, State

ZONE = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday
EN = translator("en")
AR = translator("ar")
F_EN = Formatter("en", ZONE)
F_AR = Formatter("ar", ZONE)


def appointment(**fields: Any) -> Appointment:
    values: dict[str, Any] = {
        "id": 42,
        "client_id": 1,
        "external_id": "a-42",
        "kind": "progress_meeting",
        "starts_at": NOW + timedelta(days=3),  # Thursday 26 November, 11:00 in Hoorn
        "ends_at": NOW + timedelta(days=3, hours=1),
        "place_name": "Gemeentehuis Hoorn",
        "address": "Nieuwe Steen 1, 1625 HV Hoorn",
    }
    values.update(fields)
    return Appointment(**values)


def text(row: Appointment, *, staff: str | None = "Fatima de Vries", locale: str = "en") -> str:
    t, f = (EN, F_EN) if locale == "en" else (AR, F_AR)
    return view.appointment_text(t, f, AppointmentCard(row, staff, NOW))


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("progress_meeting", "Progress meeting (voortgangsgesprek)"),
        ("exam", "Exam (examen)"),
        ("intake", "Intake (brede intake)"),
        ("learnability_test", "Learnability test (leerbaarheidstoets)"),
        ("pip_meeting", "PIP meeting (PIP-gesprek)"),
        ("map_final_interview", "MAP final interview (MAP-eindgesprek)"),
        ("pvt_meeting", "PVT meeting (PVT-bijeenkomst)"),
        ("lesson", "Lesson (les)"),
        ("home_visit", "Home visit (huisbezoek)"),
        ("other", "Appointment (afspraak)"),
        ("something_new", "Appointment (afspraak)"),
    ],
)
def test_every_kind_in_plain_words_with_the_dutch_term(kind: str, words: str) -> None:
    assert view.kind_plain(EN, kind) == words
    translated, dutch = words.removesuffix(")").split(" (")
    assert f"<b>{translated}</b> (<i>{dutch}</i>)" in text(appointment(kind=kind))


def test_when_is_local_weekday_date_time_and_relative() -> None:
    shown = text(appointment())
    assert "Thursday" in shown
    assert "26 November 2026" in shown
    assert "11:00 to 12:00" in shown
    assert "(in 3 days)" in shown


def test_without_end_time_only_the_start_is_said() -> None:
    assert "at 11:00" in text(appointment(ends_at=None))


def test_where_with_coordinates_links_the_map_at_the_point() -> None:
    row = appointment(latitude=52.642613, longitude=5.059713)
    shown = text(row)
    assert "📍 Gemeentehuis Hoorn" in shown
    assert "Nieuwe Steen 1, 1625 HV Hoorn" in shown
    assert (
        '<a href="https://www.openstreetmap.org/?mlat=52.642613&amp;mlon=5.059713'
        '#map=17/52.642613/5.059713">Open the map</a>'
    ) in shown
    assert view.has_coordinates(row)
    assert view.venue(EN, row) == ("Gemeentehuis Hoorn", "Nieuwe Steen 1, 1625 HV Hoorn")


def test_where_without_coordinates_searches_the_address() -> None:
    row = appointment()
    assert view.map_url(row) == (
        "https://www.openstreetmap.org/search?query=Nieuwe+Steen+1%2C+1625+HV+Hoorn"
    )
    assert not view.has_coordinates(row)
    assert view.map_url(appointment(address="", place_name="")) is None


def test_venue_needs_a_title_and_an_address_even_when_the_case_system_gave_one() -> None:
    row = appointment(place_name="", address="Nieuwe Steen 1", latitude=52.6, longitude=5.0)
    assert view.venue(EN, row) == ("Progress meeting (voortgangsgesprek)", "Nieuwe Steen 1")
    row = appointment(place_name="Bibliotheek", address="", latitude=52.6, longitude=5.0)
    assert view.venue(EN, row) == ("Bibliotheek", "Bibliotheek")


def test_phone_and_video_appointments() -> None:
    shown = text(appointment(place_name="", address="", phone="0229 123 456"))
    assert "📞 By phone: 0229 123 456" in shown
    assert "openstreetmap" not in shown
    video = text(
        appointment(place_name="", address="", video_url="https://meet.example.nl/x?a=1&b=2")
    )
    assert '<a href="https://meet.example.nl/x?a=1&amp;b=2">' in video
    # Only https links are made clickable.
    odd = text(appointment(place_name="", address="", video_url="javascript:alert(1)"))
    assert "<a href" not in odd
    assert "javascript:alert(1)" in odd


def test_with_whom_interpreter_and_what_to_bring() -> None:
    shown = text(
        appointment(interpreter_needed=True, interpreter_language="ti", bring="Passport & letter")
    )
    assert "👤 With: Fatima de Vries" in shown
    assert "An interpreter (<i>tolk</i>) for Tigrinya will be there." in shown
    assert "🎒 Please bring: Passport &amp; letter" in shown
    unknown = text(appointment(interpreter_needed=True, interpreter_language=None), staff=None)
    assert "An interpreter (<i>tolk</i>) will be there." in unknown
    assert "With:" not in unknown


def test_data_from_the_case_system_is_escaped() -> None:
    shown = text(appointment(place_name="<b>x</b>", title="Les & <i>KNM</i>"), staff="<Eve>")
    assert "&lt;b&gt;x&lt;/b&gt;" in shown
    assert "Les &amp; &lt;i&gt;KNM&lt;/i&gt;" in shown
    assert "&lt;Eve&gt;" in shown


@pytest.mark.parametrize(
    ("fields", "line"),
    [
        ({}, "Please tell us if you can come."),
        ({"client_response": ClientResponse.CONFIRMED}, "You said you will come."),
        ({"client_response": ClientResponse.CANNOT_COME}, "You said you cannot come."),
        ({"status": AppointmentStatus.CANCELLED}, "This appointment is cancelled."),
        ({"status": AppointmentStatus.DONE}, "This appointment is over."),
        ({"starts_at": NOW - timedelta(minutes=10)}, "This appointment has started."),
        (
            {"starts_at": NOW - timedelta(hours=3), "ends_at": NOW - timedelta(hours=2)},
            "This appointment is over.",
        ),
    ],
)
def test_the_answer_and_state_are_shown(fields: dict[str, Any], line: str) -> None:
    assert line in text(appointment(**fields))


def test_a_one_tap_reason_is_shown_back_in_the_clients_language() -> None:
    row = appointment(client_response=ClientResponse.CANNOT_COME, response_reason="ziek")
    assert "Your reason: I am sick" in text(row)
    own = appointment(client_response=ClientResponse.CANNOT_COME, response_reason="Bus <late>")
    assert "Your reason: Bus &lt;late&gt;" in text(own)


def test_state_and_who_may_answer() -> None:
    assert view.state(appointment(), NOW) == State.OPEN
    assert view.can_answer(appointment(), NOW)
    assert view.state(appointment(starts_at=NOW), NOW) == State.STARTED
    assert not view.can_answer(appointment(starts_at=NOW), NOW)
    assert view.state(appointment(status=AppointmentStatus.NO_SHOW), NOW) == State.OVER
    assert view.state(appointment(status=AppointmentStatus.CANCELLED), NOW) == State.CANCELLED


def _data(markup: Any) -> list[str]:
    return [b.callback_data for row in markup.inline_keyboard for b in row]


def _labels(markup: Any) -> list[str]:
    return [b.text for row in markup.inline_keyboard for b in row]


def test_buttons_of_an_open_appointment() -> None:
    markup = view.appointment_buttons(EN, appointment(), NOW)
    assert _data(markup) == ["appt:v1:confirm:42", "appt:v1:cannot:42", "appt:v1:ics:42"]
    assert _labels(markup) == ["👍 I will come", "👎 I cannot come", "🗓 Add to my calendar"]
    for data in _data(markup):
        assert callbacks.parse(data) is not None


def test_buttons_mark_the_chosen_answer() -> None:
    confirmed = view.appointment_buttons(
        EN, appointment(client_response=ClientResponse.CONFIRMED), NOW
    )
    assert _labels(confirmed)[:2] == ["✓ I will come", "👎 I cannot come"]
    declined = view.appointment_buttons(
        EN, appointment(client_response=ClientResponse.CANNOT_COME), NOW
    )
    assert _labels(declined)[:2] == ["👍 I will come", "✓ I cannot come"]


def test_no_buttons_once_started_cancelled_or_unsaved() -> None:
    assert _data(view.appointment_buttons(EN, appointment(starts_at=NOW), NOW)) == []
    cancelled = appointment(status=AppointmentStatus.CANCELLED)
    assert _data(view.appointment_buttons(EN, cancelled, NOW)) == []
    assert _data(view.appointment_buttons(EN, appointment(id=None), NOW)) == []


def test_reason_buttons() -> None:
    markup = view.reason_buttons(EN, 42)
    assert _data(markup) == [
        "appt:v1:r_sick:42",
        "appt:v1:r_work:42",
        "appt:v1:r_child:42",
        "appt:v1:r_transport:42",
        "appt:v1:r_other:42",
        "appt:v1:confirm:42",
    ]
    assert view.cannot_come_note("r_sick") == "Kan niet komen: ziek"
    assert view.cannot_come_note("r_transport") == "Kan niet komen: geen vervoer"


def test_arabic_isolates_dutch_terms_addresses_and_times() -> None:
    row = appointment(latitude=52.6, longitude=5.06, bring="جواز السفر", phone="0229 123 456")
    shown = text(row, locale="ar")
    assert bidi.balanced(shown)
    assert f"{bidi.LRI}<i>voortgangsgesprek</i>{bidi.PDI}" in shown
    assert f"{bidi.LRI}Nieuwe Steen 1, 1625 HV Hoorn{bidi.PDI}" in shown
    assert f"{bidi.LRI}0229 123 456{bidi.PDI}" in shown
    assert f"{bidi.FSI}Fatima de Vries{bidi.PDI}" in shown
    assert f"{bidi.FSI}جواز السفر{bidi.PDI}" in shown
    assert _data(view.appointment_buttons(AR, row, NOW))[0] == "appt:v1:confirm:42"


def test_calendar_event_in_the_clients_language_without_isolates() -> None:
    row = appointment(interpreter_needed=True, interpreter_language="ar", bring="Passport")
    event = view.calendar_event(AR, F_AR, AppointmentCard(row, "Fatima", NOW))
    assert event.uid == "appointment-42@inburgerbot"
    assert event.summary.endswith("(voortgangsgesprek)")
    for value in (event.summary, event.location, event.description, event.alarm_text):
        assert not any(mark in value for mark in bidi.ISOLATES)
    assert event.location == "Gemeentehuis Hoorn, Nieuwe Steen 1, 1625 HV Hoorn"
    assert "Passport" in event.description
    assert "Fatima" in event.description
    assert event.ends_at == row.ends_at
    assert event.stamp == NOW


def test_calendar_event_of_a_phone_call_without_end() -> None:
    row = appointment(place_name="", address="", phone="0229", ends_at=None)
    event = view.calendar_event(EN, F_EN, AppointmentCard(row, None, NOW))
    assert event.location == "By phone: 0229"
    assert event.ends_at == row.starts_at + timedelta(hours=1)


def test_calendar_file_name_uses_the_local_date() -> None:
    late = appointment(starts_at=datetime(2026, 11, 26, 23, 30, tzinfo=UTC))
    assert view.calendar_filename(late, ZONE) == "afspraak-2026-11-27.ics"


def test_reason_saved_and_prompts() -> None:
    card = AppointmentCard(appointment(), None, NOW)
    saved = view.reason_saved_text(EN, F_EN, card)
    assert "cannot come" in saved
    assert "voortgangsgesprek" in saved
    assert "one sentence" in view.reason_prompt(EN, F_EN)
    assert "cancelled" in view.closed_text(EN, F_EN, State.CANCELLED)
    assert "cannot answer it any more" in view.closed_text(EN, F_EN, State.OVER)
    assert "no appointments" in view.no_appointments_text(EN, F_EN)


def test_the_list_is_what_when_and_where_per_appointment_with_a_button_each() -> None:
    first = appointment(id=1, title="Bring <ID>")
    second = appointment(
        id=2, kind="exam", starts_at=NOW + timedelta(days=10), ends_at=None, place_name=""
    )
    cards = [AppointmentCard(first, "Sanne", NOW), AppointmentCard(second, None, NOW)]
    text = view.appointment_list_text(EN, F_EN, cards, more_later=True)
    one, two = text.index("1️⃣ <b>Progress meeting</b>"), text.index("2️⃣ <b>Exam</b>")
    assert one < two
    assert "Bring &lt;ID&gt;" in text[one:two]
    assert "Sanne" not in text  # with whom is on the card
    assert text.rstrip().endswith("You will see them here when they come closer.")
    markup = view.appointment_list_buttons(EN, F_EN, cards)
    assert [row[0].callback_data for row in markup.inline_keyboard] == [
        "appt:v1:open:1",
        "appt:v1:open:2",
    ]
    assert markup.inline_keyboard[1][0].text.startswith("2️⃣ ")
    assert markup.inline_keyboard[1][0].text.endswith(" · Exam")
