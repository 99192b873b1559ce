"""Quiet hours, office hours and reminder offsets: parsing and plain time arithmetic."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def parse_clock(text: str) -> time:
    """Parse HH:MM into a time, or raise ValueError."""
    match = _CLOCK.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a time like 08:30")
    return time(int(match.group(1)), int(match.group(2)))


# Zone conversions are the costly part of planning reminders (an import plans hundreds of
# thousands), and the same few days, clock times and moments recur: both are cached. The keys
# are exact: moments are turned to UTC first (equal UTC moments are the same instant; aware
# local times equal across a DST fold are not), and a clock time with fold=1 is not cached.


def local_at(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a local wall-clock time, the earlier one when ambiguous."""
    if clock.fold:
        return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)
    return _local_at(day, clock, zone)


@lru_cache(maxsize=8192)
def _local_at(day: date, clock: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)


def in_zone(moment: datetime, zone: ZoneInfo) -> datetime:
    """An aware moment as the local time of `zone`."""
    return _utc_in_zone(moment if moment.tzinfo is UTC else moment.astimezone(UTC), zone)


@lru_cache(maxsize=8192)
def _utc_in_zone(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.astimezone(zone)


@dataclass(frozen=True)
class QuietHours:
    """A daily window in local time (may cross midnight) in which no reminder is sent."""

    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> QuietHours:
        parts = text.split("-")
        if len(parts) != 2:
            raise ValueError(f"{text!r} is not a window like 21:00-08:00")
        return cls(parse_clock(parts[0]), parse_clock(parts[1]))

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    def contains(self, moment: datetime, zone: ZoneInfo) -> bool:
        """Whether a moment falls inside the window, in local time."""
        clock = in_zone(moment, zone).time()
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= clock < self.end
        return clock >= self.start or clock < self.end

    def end_after(self, moment: datetime, zone: ZoneInfo) -> datetime:
        """The first moment at or after `moment` outside the window (UTC)."""
        if not self.contains(moment, zone):
            return moment
        local = in_zone(moment, zone)
        day = local.date()
        if self.start > self.end and local.time() >= self.start:
            day += timedelta(days=1)
        return local_at(day, self.end, zone)


@dataclass(frozen=True)
class OfficeHours:
    """Weekly opening hours of the team: per weekday a list of (open, close) windows."""

    windows: dict[int, tuple[tuple[time, time], ...]]

    @classmethod
    def parse(cls, text: str) -> OfficeHours:
        windows: dict[int, list[tuple[time, time]]] = {}
        for chunk in filter(None, (c.strip() for c in text.split(";"))):
            match = re.fullmatch(r"([a-z]{3})(?:-([a-z]{3}))?\s+(\S+)-(\S+)", chunk.lower())
            if not match or match.group(1) not in WEEKDAYS:
                raise ValueError(f"{chunk!r} is not like 'mon-fri 09:00-17:00'")
            first = WEEKDAYS.index(match.group(1))
            last_name = match.group(2) or match.group(1)
            if last_name not in WEEKDAYS:
                raise ValueError(f"{last_name!r} is not a weekday")
            opens, closes = parse_clock(match.group(3)), parse_clock(match.group(4))
            if closes <= opens:
                raise ValueError(f"{chunk!r} closes before it opens")
            for weekday in range(first, WEEKDAYS.index(last_name) + 1):
                windows.setdefault(weekday, []).append((opens, closes))
        if not windows:
            raise ValueError("office hours are empty")
        return cls({day: tuple(sorted(spans)) for day, spans in windows.items()})

    def is_open(self, moment: datetime, zone: ZoneInfo) -> bool:
        local = moment.astimezone(zone)
        return any(o <= local.time() < c for o, c in self.windows.get(local.weekday(), ()))

    def next_opening(self, moment: datetime, zone: ZoneInfo) -> datetime:
        """The moment itself when open, else the next opening time (UTC)."""
        if self.is_open(moment, zone):
            return moment
        local = moment.astimezone(zone)
        for days_ahead in range(8):
            day = local.date() + timedelta(days=days_ahead)
            for opens, _ in self.windows.get(day.weekday(), ()):
                candidate = local_at(day, opens, zone)
                if candidate > moment:
                    return candidate
        raise AssertionError("office hours have at least one window a week")

    def open_time_between(self, start: datetime, end: datetime, zone: ZoneInfo) -> timedelta:
        """How much office time lies between two moments."""
        if end <= start:
            return timedelta(0)
        total = timedelta(0)
        day = start.astimezone(zone).date()
        last = end.astimezone(zone).date()
        while day <= last:
            for opens, closes in self.windows.get(day.weekday(), ()):
                lo = max(start, local_at(day, opens, zone))
                hi = min(end, local_at(day, closes, zone))
                if hi > lo:
                    total += hi - lo
            day += timedelta(days=1)
        return total

    def add_open_time(self, start: datetime, amount: timedelta, zone: ZoneInfo) -> datetime:
        """The moment when `amount` of office time has passed since `start`."""
        remaining = amount
        day = start.astimezone(zone).date()
        for _ in range(3660):
            for opens, closes in self.windows.get(day.weekday(), ()):
                lo = max(start, local_at(day, opens, zone))
                hi = local_at(day, closes, zone)
                if hi <= lo:
                    continue
                if hi - lo >= remaining:
                    return lo + remaining
                remaining -= hi - lo
            day += timedelta(days=1)
        raise ValueError("office time to add is too large")


@dataclass(frozen=True)
class ReminderOffset:
    """When to remind before an event: a fixed lead time, or N days before at a clock time."""

    lead: timedelta | None = None
    days_before: int = 0
    at: time | None = None

    @property
    def key(self) -> str:
        if self.at is not None:
            return f"{self.days_before}d@{self.at:%H%M}"
        assert self.lead is not None
        return f"{int(self.lead.total_seconds() // 60)}m"

    def moment(self, event: datetime, zone: ZoneInfo) -> datetime:
        """The UTC moment to remind for an event starting at `event`."""
        if self.at is not None:
            day = in_zone(event, zone).date() - timedelta(days=self.days_before)
            return local_at(day, self.at, zone)
        assert self.lead is not None
        return event - self.lead


_OFFSET = re.compile(r"^(\d+)\s*(m|h|d)(?:@(\d{1,2}:\d{2}))?$")


def parse_offsets(text: str) -> tuple[ReminderOffset, ...]:
    """Parse '1d@18:00,2h' into reminder offsets."""
    offsets = []
    for chunk in filter(None, (c.strip().lower() for c in text.split(","))):
        match = _OFFSET.match(chunk)
        if not match:
            raise ValueError(f"{chunk!r} is not like 2h, 30m or 1d@18:00")
        amount, unit, clock = int(match.group(1)), match.group(2), match.group(3)
        if clock is not None:
            if unit != "d":
                raise ValueError(f"{chunk!r}: a clock time goes with days, like 1d@18:00")
            offsets.append(ReminderOffset(days_before=amount, at=parse_clock(clock)))
        else:
            minutes = amount * {"m": 1, "h": 60, "d": 1440}[unit]
            if minutes <= 0:
                raise ValueError(f"{chunk!r} must be ahead of the event")
            offsets.append(ReminderOffset(lead=timedelta(minutes=minutes)))
    if not offsets:
        raise ValueError("at least one reminder offset is needed")
    return tuple(offsets)
