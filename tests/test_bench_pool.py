"""`python -m bench.pool` runs, and shows what it is for: sixteen sessions at once through a
pool of five open connections of their own; through a pool of twenty they open none."""

from __future__ import annotations

from bench import pool


async def test_a_pool_smaller_than_the_sessions_at_once_opens_connections() -> None:
    rows = await pool.measure(None, 64)
    opened = {(row["pool"], row["at_once"]): row["opened"] for row in rows}
    assert set(opened) == {(5, 1), (5, 16), (20, 1), (20, 16)}
    assert opened[(5, 16)] > 0
    assert opened[(20, 16)] == 0 and opened[(5, 1)] == 0 and opened[(20, 1)] == 0
    assert all(row["cpu_ms"] > 0 and row["updates"] == 64 for row in rows)
