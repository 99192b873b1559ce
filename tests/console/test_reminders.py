"""`inburgerbot reminders list|show|retry|cancel` and the outbox line of `inburgerbot status`."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from casework.clock import FixedClock
from console.main import CliState, main
from storage.db import Database
from storage.enums import ReminderKind
from storage.ids import pk
from storage.models import Reminder
from tests import factories

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # 10:00 in Amsterdam
Cli = Callable[..., Awaitable[Result]]


@pytest.fixture
def cli(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.chdir(tmp_path)

    async def invoke(*args: str) -> Result:
        runner = CliRunner()
        return await asyncio.to_thread(
            runner.invoke,
            main,
            list(args),
            obj=CliState(clock=FixedClock(NOW)),
            env={"INBURGERBOT_DATABASE_URL": database_url},
            catch_exceptions=False,
        )

    return invoke


@pytest.fixture
async def outbox(db: Database) -> dict[str, int]:
    """One reminder in each interesting state, by name."""
    async with db.transaction() as session:
        client = await factories.client(session, ref="HRN-0042", first_name="Secretname")
        other = await factories.client(session, ref="HRN-0043")
        rows = {
            "pending": Reminder(status="pending", due_at=NOW - timedelta(minutes=5)),
            "failed": Reminder(
                status="failed",
                attempts=5,
                last_error="NetworkError: Bad Gateway",
                due_at=NOW - timedelta(hours=1),
            ),
            "sent": Reminder(
                status="sent", sent_at=NOW, telegram_message_id=77, due_at=NOW - timedelta(hours=2)
            ),
            "skipped": Reminder(
                status="skipped", reason="event_passed", due_at=NOW - timedelta(hours=3)
            ),
        }
        for n, row in enumerate(rows.values()):
            row.client_id = pk(client)
            row.kind = ReminderKind.APPOINTMENT
            row.subject_id = n + 1
            row.dedup_key = f"appointment:{n + 1}:120m"
            row.available_at = row.due_at
            session.add(row)
        session.add(
            Reminder(
                client_id=pk(other),
                kind="task",
                subject_id=9,
                dedup_key="task:9:before",
                due_at=NOW + timedelta(days=1),
                available_at=NOW + timedelta(days=1),
            )
        )
        await session.flush()
        return {name: pk(row) for name, row in rows.items()}


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.stderr
    return result.stdout


def refused(result: Result, message: str) -> None:
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ") and message in result.stderr, result.stderr


async def test_list_shows_ids_kinds_and_times_but_no_names(
    cli: Cli, outbox: dict[str, int]
) -> None:
    out = ok(await cli("reminders", "list"))
    lines = out.splitlines()
    assert len(lines) == 5
    assert "Secretname" not in out
    failed = next(line for line in lines if line.lstrip().startswith(str(outbox["failed"])))
    assert "appointment" in failed and "failed" in failed and "NetworkError" in failed
    assert "due 2026-12-01 09:00:00" in failed  # local time


async def test_list_filters_by_status_and_client(cli: Cli, outbox: dict[str, int]) -> None:
    out = ok(await cli("reminders", "list", "--status", "failed"))
    assert [line.split()[0] for line in out.splitlines()] == [str(outbox["failed"])]
    out = ok(await cli("reminders", "list", "--client", "HRN-0043"))
    assert len(out.splitlines()) == 1 and "task" in out
    assert ok(await cli("reminders", "list", "--status", "claimed")) == "no reminders\n"
    refused(await cli("reminders", "list", "--client", "NOPE"), "no client with reference")


async def test_show_has_the_error_and_the_message_id(cli: Cli, outbox: dict[str, int]) -> None:
    out = ok(await cli("reminders", "show", str(outbox["failed"])))
    assert "last error: NetworkError: Bad Gateway" in out and "attempts: 5" in out
    assert "(message 77)" in ok(await cli("reminders", "show", str(outbox["sent"])))
    refused(await cli("reminders", "show", "999999"), "no reminder with id 999999")


async def test_retry_rearms_a_failed_one_and_refuses_a_sent_one(
    cli: Cli, outbox: dict[str, int], db: Database
) -> None:
    out = ok(await cli("reminders", "retry", str(outbox["failed"])))
    assert "pending again" in out
    async with db.reading() as session:
        row = await session.get(Reminder, outbox["failed"])
    assert row is not None
    assert (row.status, row.attempts, row.available_at, row.last_error) == ("pending", 0, NOW, None)
    refused(await cli("reminders", "retry", str(outbox["sent"])), "is sent")


async def test_cancel_stops_a_pending_one_and_refuses_a_finished_one(
    cli: Cli, outbox: dict[str, int], db: Database
) -> None:
    ok(await cli("reminders", "cancel", str(outbox["pending"])))
    async with db.reading() as session:
        row = await session.get(Reminder, outbox["pending"])
    assert row is not None and (row.status, row.reason) == ("cancelled", "cancelled_by_support")
    refused(await cli("reminders", "cancel", str(outbox["skipped"])), "already")


async def test_status_tells_how_the_outbox_stands(cli: Cli, outbox: dict[str, int]) -> None:
    out = ok(await cli("status"))
    assert "reminders: 2 pending, 0 being sent, 1 failed" in out
    assert "2026-12-01 09:55" in out  # the oldest pending one due, in local time
