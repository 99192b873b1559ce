"""The dispatch benchmark's quick run: it works, and with the limit on it stays under 30/s."""

from __future__ import annotations

from bench.dispatch import busiest_second, run


def test_busiest_second_counts_a_sliding_window() -> None:
    assert busiest_second([0.0, 0.5, 0.99, 1.0, 1.5, 3.0]) == 3  # e.g. 0.5, 0.99, 1.0
    assert busiest_second([]) == 0


async def test_quick_benchmark() -> None:
    unlimited, limited, shared = await run(quick=True, database_url=None)
    assert unlimited.sent == unlimited.reminders and unlimited.too_many_requests == 0
    assert limited.sent == limited.reminders
    assert limited.busiest_second <= 30 and limited.per_second <= 30
    # Paced at 25/s there is no 429 on a quiet machine; on a loaded one requests can bunch up
    # on their way to the fake, and the one that gets a 429 simply goes a second later.
    assert limited.too_many_requests <= 2
    # Three dispatcher processes on one pace through the database: together under 30/s.
    assert shared.processes == 3 and shared.sent == shared.reminders
    assert shared.busiest_second <= 30 and shared.too_many_requests <= 2
