"""Print the faketime offset that moves this moment to 02:30 Europe/Amsterdam (the night run).

`make test-night` runs the suite under Debian's faketime with this offset, so every process the
tests start (bots, dispatchers, the sandbox) lives in the middle of the default quiet hours.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

ZONE = ZoneInfo("Europe/Amsterdam")
NIGHT = time(2, 30)


def offset_to_night(now: datetime) -> timedelta:
    """How far to move `now` to reach 02:30 in Amsterdam, on the nearest such night."""
    local = now.astimezone(ZONE)
    candidates = [
        datetime.combine(local.date() + timedelta(days=days), NIGHT, ZONE) for days in (-1, 0, 1)
    ]
    target = min(candidates, key=lambda moment: abs(moment - local))
    return target - local


if __name__ == "__main__":
    seconds = int(offset_to_night(datetime.now(ZONE)).total_seconds())
    print(f"{seconds:+d}s")
