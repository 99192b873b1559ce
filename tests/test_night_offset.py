"""The night run's offset lands at 02:30 in Amsterdam, summer or winter, from any hour."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from tests.night_offset import ZONE, offset_to_night


@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 12, 3, 7, 15, tzinfo=UTC),
        datetime(2026, 12, 3, 23, 59, tzinfo=UTC),
        datetime(2026, 7, 1, 12, 0, tzinfo=UTC),
        datetime(2026, 1, 1, 0, 0, tzinfo=UTC),
    ],
)
def test_the_offset_moves_any_moment_to_half_past_two_at_night(now: datetime) -> None:
    offset = offset_to_night(now)
    assert (now + offset).astimezone(ZONE).time() == time(2, 30)
    assert abs(offset) <= timedelta(hours=13)
