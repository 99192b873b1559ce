"""Calendar files (RFC 5545): one appointment as a VCALENDAR with one VEVENT.

Times are written as Dutch wall-clock time with TZID=Europe/Amsterdam and the matching
VTIMEZONE, so calendar apps keep the meeting at 10:00 across the daylight-saving switch. Lines
end in CRLF and are folded at 75 octets, never inside a UTF-8 character.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

CRLF = "\r\n"
MAX_OCTETS = 75
PRODID = "-//inburgerbot//afspraken//NL"
AMSTERDAM = "Europe/Amsterdam"

# The rules in force since 1996 (EU summer time): last Sunday of March and of October.
VTIMEZONE_AMSTERDAM = (
    "BEGIN:VTIMEZONE",
    f"TZID:{AMSTERDAM}",
    f"X-LIC-LOCATION:{AMSTERDAM}",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",
    "TZNAME:CEST",
    "DTSTART:19700329T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "TZNAME:CET",
    "DTSTART:19701025T030000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
)


@dataclass(frozen=True)
class Event:
    """What goes into the calendar file; texts are plain (no HTML), already translated."""

    uid: str
    starts_at: datetime
    ends_at: datetime
    stamp: datetime
    summary: str
    location: str = ""
    description: str = ""
    alarm_text: str = ""
    cancelled: bool = False


def escape_text(value: str) -> str:
    """Escape a TEXT value: backslash, semicolon, comma and newlines."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """Fold a content line into pieces of at most 75 octets joined by CRLF and a space."""
    pieces: list[str] = []
    current = ""
    size = 0
    limit = MAX_OCTETS
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            pieces.append(current)
            current, size, limit = "", 0, MAX_OCTETS - 1  # the leading space counts
        current += char
        size += width
    pieces.append(current)
    return (CRLF + " ").join(pieces)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _when(name: str, moment: datetime, zone: ZoneInfo) -> str:
    if zone.key == AMSTERDAM:
        return f"{name};TZID={AMSTERDAM}:{moment.astimezone(zone).strftime('%Y%m%dT%H%M%S')}"
    return f"{name}:{_utc(moment)}"  # no VTIMEZONE of our own for other zones: use UTC


def calendar(event: Event, zone: ZoneInfo) -> bytes:
    """The .ics file for one event, UTF-8 with CRLF line endings."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ]
    if zone.key == AMSTERDAM:
        lines += VTIMEZONE_AMSTERDAM
    lines += [
        "BEGIN:VEVENT",
        f"UID:{event.uid}",
        f"DTSTAMP:{_utc(event.stamp)}",
        _when("DTSTART", event.starts_at, zone),
        _when("DTEND", max(event.ends_at, event.starts_at), zone),
        f"SUMMARY:{escape_text(event.summary)}",
    ]
    if event.location:
        lines.append(f"LOCATION:{escape_text(event.location)}")
    if event.description:
        lines.append(f"DESCRIPTION:{escape_text(event.description)}")
    lines += [
        f"STATUS:{'CANCELLED' if event.cancelled else 'CONFIRMED'}",
        "TRANSP:OPAQUE",
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        f"DESCRIPTION:{escape_text(event.alarm_text or event.summary)}",
        "TRIGGER:-P1D",
        "END:VALARM",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(fold(line) + CRLF for line in lines).encode()


def default_end(starts_at: datetime, ends_at: datetime | None) -> datetime:
    """Calendar apps need an end: one hour when the case system gave none."""
    return ends_at if ends_at is not None else starts_at + timedelta(hours=1)
