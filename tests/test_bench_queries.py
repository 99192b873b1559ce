"""`python -m bench.queries` runs: every hot query and the empty read get a CPU figure, and the
calls one read session hands to aiosqlite's thread are counted (docs/performance.md)."""

from __future__ import annotations

from bench import queries


async def test_every_query_and_the_empty_read_are_measured() -> None:
    figures = await queries.measure(3)
    assert set(figures) == {
        "clients.by_chat (the gate)",
        "plans.screen (📋)",
        "appointments.upcoming_with_staff (📅)",
        "tasks.screen (✅)",
        "tasks.of_client (a task button)",
        "the gate's read as plain SQL (a row, no Client object)",
        "a read session running SELECT 1",
    }
    assert all(ms > 0 for ms in figures.values())


async def test_the_hops_of_a_read_and_of_a_write_are_counted_and_the_wrapper_removed() -> None:
    real = queries.aiosqlite.core.Connection._execute
    assert await queries.hops() == []  # the read ran in the event loop's thread
    assert queries.aiosqlite.core.Connection._execute is real
    # the read before the write still runs here; the UPDATE and the commit go to the thread
    assert await queries.hops(write=True) == ["statement", "commit"]
    assert queries.aiosqlite.core.Connection._execute is real


async def test_the_write_transactions_and_a_done_press_hops_are_measured() -> None:
    figures = await queries.measure_writes(3)
    assert set(figures) == {
        queries.DONE_PRESS,
        "the same Done press as plain SQL statements (no ORM objects)",
        "a message on the client's open question",
    }
    assert all(ms > 0 for ms in figures.values())
    # the task, the reminders' SELECT after it, the reminders, the audit row, the commit
    assert await queries.write_hops() == ["statement"] * 4 + ["commit"]
