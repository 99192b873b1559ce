"""Calendar files: RFC 5545 shape, line folding, and times across the daylight-saving switch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
from hypothesis import given
from hypothesis import strategies as st

from texts import ics

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
STAMP = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def event(starts_at: datetime, ends_at: datetime | None = None, **fields: object) -> ics.Event:
    values: dict[str, object] = {
        "uid": "appointment-42@inburgerbot",
        "starts_at": starts_at,
        "ends_at": ends_at or starts_at + timedelta(hours=1),
        "stamp": STAMP,
        "summary": "Progress meeting (voortgangsgesprek)",
        "location": "Gemeentehuis Hoorn, Nieuwe Steen 1, 1625 HV Hoorn",
        "description": "Please bring: passport; letter from DUO\nWith: Fatima",
        "alarm_text": "Tomorrow: Progress meeting (voortgangsgesprek)",
    }
    values.update(fields)
    return ics.Event(**values)  # type: ignore[arg-type]


def parse(data: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(data)


def only_event(calendar: icalendar.Calendar) -> icalendar.Event:
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return events[0]


def test_one_event_with_stable_uid_and_the_fields_a_calendar_needs() -> None:
    data = ics.calendar(event(datetime(2026, 11, 26, 10, 0, tzinfo=UTC)), AMSTERDAM)
    calendar = parse(data)
    assert calendar["VERSION"] == "2.0"
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Europe/Amsterdam"
    vevent = only_event(calendar)
    assert vevent["UID"] == "appointment-42@inburgerbot"
    assert vevent.decoded("DTSTAMP") == STAMP
    assert str(vevent["SUMMARY"]) == "Progress meeting (voortgangsgesprek)"
    assert str(vevent["LOCATION"]) == "Gemeentehuis Hoorn, Nieuwe Steen 1, 1625 HV Hoorn"
    assert str(vevent["DESCRIPTION"]) == "Please bring: passport; letter from DUO\nWith: Fatima"
    assert str(vevent["STATUS"]) == "CONFIRMED"
    alarm = vevent.walk("VALARM")[0]
    assert alarm.decoded("TRIGGER") == timedelta(days=-1)
    assert str(alarm["ACTION"]) == "DISPLAY"


def test_times_are_dutch_wall_clock_with_tzid() -> None:
    data = ics.calendar(event(datetime(2026, 11, 26, 10, 0, tzinfo=UTC)), AMSTERDAM)
    assert b"DTSTART;TZID=Europe/Amsterdam:20261126T110000\r\n" in data
    assert b"DTEND;TZID=Europe/Amsterdam:20261126T120000\r\n" in data


def test_summer_time_starts_on_28_march_2027() -> None:
    # 10:00 in Hoorn on the day clocks go forward is 08:00 UTC (CEST, +2).
    starts = datetime(2027, 3, 28, 8, 0, tzinfo=UTC)
    vevent = only_event(parse(ics.calendar(event(starts), AMSTERDAM)))
    assert vevent.decoded("DTSTART") == starts
    assert vevent.decoded("DTSTART").astimezone(AMSTERDAM).hour == 10
    assert b"DTSTART;TZID=Europe/Amsterdam:20270328T100000" in ics.calendar(
        event(starts), AMSTERDAM
    )


def test_summer_time_ends_on_25_october_2026() -> None:
    # 10:00 in Hoorn on the day clocks go back is 09:00 UTC (CET, +1).
    starts = datetime(2026, 10, 25, 9, 0, tzinfo=UTC)
    vevent = only_event(parse(ics.calendar(event(starts), AMSTERDAM)))
    assert vevent.decoded("DTSTART") == starts
    assert vevent.decoded("DTSTART").astimezone(AMSTERDAM).hour == 10


def test_an_event_across_the_switch_keeps_its_real_length() -> None:
    # 01:30 CEST to 03:30 CET on 25 October 2026: three hours, not two.
    starts = datetime(2026, 10, 24, 23, 30, tzinfo=UTC)
    ends = datetime(2026, 10, 25, 2, 30, tzinfo=UTC)
    vevent = only_event(parse(ics.calendar(event(starts, ends), AMSTERDAM)))
    assert vevent.decoded("DTSTART") == starts
    assert vevent.decoded("DTEND") == ends
    # 01:30 CET to 04:00 CEST on 28 March 2027: one and a half hours.
    starts = datetime(2027, 3, 28, 0, 30, tzinfo=UTC)
    ends = datetime(2027, 3, 28, 2, 0, tzinfo=UTC)
    vevent = only_event(parse(ics.calendar(event(starts, ends), AMSTERDAM)))
    length = vevent.decoded("DTEND").astimezone(UTC) - vevent.decoded("DTSTART").astimezone(UTC)
    assert length == timedelta(minutes=90)


def test_other_zones_are_written_in_utc_without_a_timezone_block() -> None:
    starts = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
    data = ics.calendar(event(starts), ZoneInfo("Europe/Brussels"))
    assert b"VTIMEZONE" not in data
    assert b"DTSTART:20261126T100000Z" in data
    assert only_event(parse(data)).decoded("DTSTART") == starts


def test_cancelled_event_says_so() -> None:
    data = ics.calendar(event(STAMP, cancelled=True), AMSTERDAM)
    assert str(only_event(parse(data))["STATUS"]) == "CANCELLED"


def test_crlf_line_endings_only_and_folded_at_75_octets() -> None:
    long = "تقرير " * 40 + "🗓" * 30 + " Kan niet komen, want; ziek\\"
    data = ics.calendar(event(STAMP, description=long, summary="x" * 200), AMSTERDAM)
    assert data.endswith(b"\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")
    for line in data.split(b"\r\n"):
        assert len(line) <= 75
        line.decode()  # never split inside a UTF-8 character
    vevent = only_event(parse(data))
    assert str(vevent["DESCRIPTION"]) == long
    assert str(vevent["SUMMARY"]) == "x" * 200


def test_text_values_are_escaped() -> None:
    assert ics.escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


@given(st.text(min_size=0, max_size=400))
def test_folding_round_trips_any_text(text: str) -> None:
    line = "DESCRIPTION:" + ics.escape_text(text)
    folded = ics.fold(line)
    assert all(len(piece.encode()) <= 75 for piece in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == line


def test_an_appointment_without_end_lasts_an_hour_in_the_calendar() -> None:
    assert ics.default_end(STAMP, None) == STAMP + timedelta(hours=1)
    assert ics.default_end(STAMP, STAMP + timedelta(hours=2)) == STAMP + timedelta(hours=2)
