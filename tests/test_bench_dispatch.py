"""The dispatch benchmark's quick run: it works, and with the limit on it stays under 30/s."""

from __future__ import annotations

from bench.dispatch import busiest_second, run


def test_busiest_second_counts_a_sliding_window() -> None:
    assert busiest_second([0.0, 0.5, 0.99, 1.0, 1.5, 3.0]) == 3  # e.g. 0.5, 0.99, 1.0
    assert busiest_second([]) == 0


async def test_quick_benchmark() -> None:
    unlimited, limited = await run(quick=True, database_url=None)
    assert unlimited.sent == unlimited.reminders and unlimited.too_many_requests == 0
    assert limited.sent == limited.reminders
    assert limited.too_many_requests == 0 and limited.busiest_second <= 30
    assert limited.per_second <= 30
