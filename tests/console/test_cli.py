"""The console command, through click's CliRunner against the test database: every command
does its job, and bad input is one line on stderr, exit code 1, and nothing written."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection
from sqlmodel import select

from casework.clock import FixedClock
from casework.importer import import_file
from casework.planning import PlanningRules
from console.database import reminder_status_lines
from console.main import CliState, main
from storage import invites
from storage.db import Database, make_engine
from storage.enums import (
    AppointmentStatus,
    ClientStatus,
    ReminderStatus,
    TaskStatus,
)
from storage.ids import pk
from storage.models import Appointment, AuditEvent, Client, Invite, Reminder, Task
from tests import factories
from tests.conftest import forget_schema
from tests.test_import import snapshot

ROOT = Path(__file__).resolve().parents[2]
REGION = ROOT / "examples" / "region.json"
NOW = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)  # 08:00 in Amsterdam

Cli = Callable[..., Awaitable[Result]]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The command's working directory: default QR files land here; no stray .env is read."""
    directory = tmp_path / "work"
    directory.mkdir()
    monkeypatch.chdir(directory)
    return directory


@pytest.fixture
def cli(database_url: str, workdir: Path) -> Cli:
    """Run `inburgerbot ARGS` in a thread (it has its own event loop) with a fixed clock."""

    async def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
        environment = {
            "INBURGERBOT_DATABASE_URL": database_url,
            "INBURGERBOT_BOT_USERNAME": "westfriesland_bot",
            **(env or {}),
        }
        state = CliState(clock=FixedClock(NOW))
        runner = CliRunner()
        return await asyncio.to_thread(
            runner.invoke, main, list(args), obj=state, env=environment, catch_exceptions=False
        )

    return invoke


async def rows(db: Database, model: Any, *conditions: Any) -> list[Any]:
    async with db.reading() as session:
        return list((await session.exec(select(model).where(*conditions))).all())


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    return result.stdout


def refused(result: Result, message: str) -> None:
    assert result.exit_code == 1, result.stdout
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert message in lines[0], lines[0]


@dataclass
class World:
    """A small seeded case load: ids for the commands to refer to."""

    appointment: int
    cancelled_appointment: int
    task: int
    done_task: int


@pytest.fixture
async def world(db: Database) -> World:
    async with db.transaction() as session:
        team = await factories.organisation(session, key="rit", municipalities=("Hoorn",))
        other = await factories.organisation(session, key="drecht", municipalities=("Dordrecht",))
        sanne = await factories.staff(session, organisation=team, key="sanne")
        await factories.staff(session, organisation=team, key="retired", active=False)
        await factories.staff(session, organisation=other, key="far-away")
        amina = await factories.client(session, ref="HRN-1", caseworker_id=sanne.id)
        await factories.client(session, ref="HRN-9", status=ClientStatus.CLOSED)
        await factories.plan(session, client=amina)
        meeting = await factories.appointment(session, client=amina, external_id="vg-1")
        gone = await factories.appointment(
            session, client=amina, external_id="vg-0", status=AppointmentStatus.CANCELLED
        )
        task = await factories.task(session, client=amina, external_id="t-1")
        done = await factories.task(
            session, client=amina, external_id="t-0", status=TaskStatus.DONE, done_at=NOW
        )
    return World(pk(meeting), pk(gone), pk(task), pk(done))


ADD = ("appointment", "add", "HRN-1", "--kind", "intake", "--start", "2026-12-10 10:00")
MOVE = ("appointment", "move", "{appointment}", "--start", "2026-12-10 10:00")
TASK = ("task", "add", "HRN-1", "--title", "Bring your diploma")

BAD_INPUT = [
    (("frobnicate",), "No such command 'frobnicate'"),
    (("client", "list", "--bogus"), "No such option '--bogus'"),
    (("client", "list", "--status", "asleep"), "Invalid value for '--status'"),
    (("client", "show"), "Missing argument 'REF'"),
    (("client", "show", "NOPE-1"), "no client with reference 'NOPE-1'"),
    (("plan", "show", "NOPE-1"), "no client with reference 'NOPE-1'"),
    (("export", "--client", "NOPE-1"), "no client with reference 'NOPE-1'"),
    (("export", "--output", "missing-dir/x.json"), "cannot write missing-dir/x.json"),
    (("import", "absent.json"), "does not exist"),
    (("invite", "client", "NOPE-1"), "no client with reference 'NOPE-1'"),
    (("invite", "client", "HRN-9"), "client 'HRN-9' is closed"),
    (("invite", "staff", "nobody"), "no staff member with key 'nobody'"),
    (("invite", "staff", "retired"), "staff member 'retired' is not active"),
    (("invite", "client", "HRN-1", "--qr", "missing-dir/qr.png"), "cannot write the QR code"),
    (("invite", "client", "HRN-1", "--qr", "qr.unknown"), "cannot write the QR code"),
    (("appointment", "add", "NOPE-1", *ADD[3:]), "no client with reference 'NOPE-1'"),
    ((*ADD[:4], "party", *ADD[5:]), "Invalid value for '--kind'"),
    (ADD[:5], "Missing option '--start'"),
    ((*ADD[:6], "10-12-2026 10:00"), "is not a date and time like 2026-12-01 10:00"),
    ((*ADD[:6], "2026-12-32 10:00"), "Invalid value for '--start'"),
    ((*ADD[:6], "2027-03-28 02:30"), "2027-03-28 02:30 does not exist in Europe/Amsterdam"),
    ((*ADD, "--end", "2026-12-10 09:00"), "--end: an appointment cannot end before it starts"),
    ((*ADD, "--external-id", "vg-1"), "already has an appointment with external id 'vg-1'"),
    ((*ADD, "--external-id", "has space"), "--external-id: String should match pattern"),
    ((*ADD, "--staff", "nobody"), "no staff member with key 'nobody'"),
    ((*ADD, "--staff", "far-away"), "staff member 'far-away' cannot reach client 'HRN-1'"),
    ((*ADD, "--place", "x" * 201), "--place: String should have at most 200 characters"),
    ((*ADD, "--colour", "red"), "No such option '--colour'"),
    (("appointment", "move", "999999", *MOVE[3:]), "no appointment with id 999999"),
    (("appointment", "move", "abc", *MOVE[3:]), "'abc' is not a valid integer"),
    (("appointment", "move", "{cancelled_appointment}", *MOVE[3:]), "only a planned appointment"),
    ((*MOVE, "--end", "2026-12-10 09:00"), "an appointment cannot end before it starts"),
    (("appointment", "cancel", "{cancelled_appointment}"), "the appointment is already cancelled"),
    (("appointment", "cancel", "999999"), "no appointment with id 999999"),
    (("task", "add", "NOPE-1", *TASK[3:]), "no client with reference 'NOPE-1'"),
    (TASK[:3], "Missing option '--title'"),
    ((*TASK[:4], ""), "--title: String should have at least 1 character"),
    ((*TASK, "--due", "2026-02-30"), "Invalid value for '--due'"),
    ((*TASK, "--external-id", "t-1"), "already has a task with external id 't-1'"),
    (("task", "done", "{done_task}"), "task {done_task} is already done"),
    (("task", "done", "999999"), "no task with id 999999"),
]


def files_in(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir())


async def test_bad_input_is_one_line_exit_1_and_writes_nothing(
    cli: Cli, db: Database, world: World, workdir: Path, subtests: pytest.Subtests
) -> None:
    """One seeded database serves every case: none of them may change it."""
    ids = vars(world)
    before = await snapshot(db)
    for args, message in BAD_INPUT:
        command = [arg.format(**ids) for arg in args]
        with subtests.test(" ".join(command)[:70]):
            refused(await cli(*command), message.format(**ids))
            assert await snapshot(db) == before
            assert files_in(workdir) == []


async def test_a_bad_setting_names_its_variable(cli: Cli, db: Database) -> None:
    refused(
        await cli("status", env={"INBURGERBOT_TIMEZONE": "Mars/Olympus"}),
        "INBURGERBOT_TIMEZONE: unknown time zone 'Mars/Olympus'",
    )
    refused(
        await cli("status", env={"INBURGERBOT_INVITE_VALID_DAYS": "many"}),
        "INBURGERBOT_INVITE_VALID_DAYS: Input should be a valid integer",
    )


async def test_an_unreachable_database_is_one_line(cli: Cli) -> None:
    result = await cli(
        "client", "list", env={"INBURGERBOT_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/x"}
    )
    refused(result, "database")


async def test_help_lists_the_commands(cli: Cli) -> None:
    text = ok(await cli("--help"))
    for name in ("db", "status", "import", "export", "client", "invite", "appointment", "task"):
        assert f"  {name}" in text
    assert "Usage: " in ok(await cli())
    assert "upgrade" in ok(await cli("db"))


def drop_every_table(conn: Connection) -> None:
    found = MetaData()
    found.reflect(conn)
    found.drop_all(conn)


@pytest.fixture
async def empty_database(database_url: str) -> AsyncIterator[str]:
    """No tables at all; the shared fixtures rebuild their schema afterwards."""
    engine = make_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(drop_every_table)
        yield database_url
        async with engine.begin() as conn:
            await conn.run_sync(drop_every_table)
    finally:
        await engine.dispose()
        forget_schema()


async def test_db_upgrade_and_current(cli: Cli, empty_database: str) -> None:
    assert "not migrated" in ok(await cli("db", "current"))
    assert "tables: missing" in ok(await cli("status"))
    upgraded = ok(await cli("db", "upgrade"))
    assert upgraded.startswith("database at revision ")
    revision = upgraded.split()[-1]
    assert ok(await cli("db", "current")) == f"schema: revision {revision} (head)\n"
    assert ok(await cli("db", "upgrade")) == upgraded
    status = ok(await cli("status"))
    assert f"schema: revision {revision} (head)" in status
    assert "clients: 0\n" in status


@pytest.fixture
async def region(db: Database) -> Database:
    await import_file(db, REGION, rules=PlanningRules(), now=NOW)
    return db


async def test_status_counts_what_is_stored(cli: Cli, region: Database) -> None:
    text = ok(await cli("status"))
    pending = await rows(region, Reminder, Reminder.status == ReminderStatus.PENDING)
    assert "organisations: 4\n" in text
    assert "staff: 6 active, 1 inactive\n" in text
    assert "clients: 14 (12 invited, 1 paused, 1 closed)\n" in text
    assert f"reminders: {len(pending)} pending, 0 being sent, 0 failed\n" in text
    assert "oldest reminder due and not sent yet: none\n" in text
    assert "password" not in text


async def test_reminder_status_lines_count_failures_and_the_oldest_overdue(
    region: Database,
) -> None:
    async with region.transaction() as session:
        first, second = (await session.exec(select(Reminder).order_by(Reminder.id).limit(2))).all()
        first.status = ReminderStatus.FAILED
        second.available_at = NOW - timedelta(minutes=90)  # waiting since 06:30 in Amsterdam
        session.add_all([first, second])
    async with region.reading() as session:
        lines = await reminder_status_lines(session, zone=PlanningRules().zone, now=NOW)
        in_utc = await reminder_status_lines(session, now=NOW)
    assert lines[0].endswith(" pending, 0 being sent, 1 failed")
    assert lines[1] == "oldest reminder due and not sent yet: 2026-12-01 06:30 Europe/Amsterdam"
    assert in_utc[1] == "oldest reminder due and not sent yet: 2026-12-01 05:30 UTC"


async def test_import_prints_its_summary_and_twice_changes_nothing(cli: Cli, db: Database) -> None:
    first = ok(await cli("import", str(REGION)))
    assert "clients" in first and "14 created" in first
    before = await snapshot(db)
    second = ok(await cli("import", str(REGION)))
    assert "0 created      0 updated     14 unchanged" in second
    assert await snapshot(db) == before


async def test_import_dry_run_writes_nothing(cli: Cli, db: Database) -> None:
    text = ok(await cli("import", "--dry-run", str(REGION)))
    assert "14 created" in text and "dry run: nothing was written" in text
    assert all(found == [] for found in (await snapshot(db)).values())


async def test_a_broken_import_file_is_one_line_with_its_path(
    cli: Cli, db: Database, tmp_path: Path
) -> None:
    document = json.loads(REGION.read_text(encoding="utf-8"))
    document["clients"][-1]["appointments"] = [{"external_id": "x", "kind": "intake"}]
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(document), encoding="utf-8")
    refused(await cli("import", str(broken)), "clients[13].appointments[0].start: Field required")
    (tmp_path / "junk.json").write_bytes(b"\xff\xfe junk")
    refused(await cli("import", str(tmp_path / "junk.json")), "not UTF-8")
    assert all(found == [] for found in (await snapshot(db)).values())


async def test_import_takes_a_larger_size_cap_when_asked(
    cli: Cli, db: Database, tmp_path: Path
) -> None:
    padded = tmp_path / "padded.json"
    padded.write_text(REGION.read_text(encoding="utf-8") + " " * (3 * 1024 * 1024 // 2))
    refused(await cli("import", "--max-size", "1", str(padded)), "; the limit is 1 MB")
    assert all(found == [] for found in (await snapshot(db)).values())
    assert "14 created" in ok(await cli("import", "--max-size", "2", str(padded)))


async def test_export_round_trips(cli: Cli, region: Database, workdir: Path) -> None:
    ok(await cli("export", "--output", "everything.json"))
    written = (workdir / "everything.json").read_text(encoding="utf-8")
    assert json.loads(written)["format_version"] == 1
    before = await snapshot(region, digests=False)  # the export's records are digested anew
    assert "0 created      0 updated     14 unchanged" in ok(await cli("import", "everything.json"))
    assert await snapshot(region, digests=False) == before
    assert ok(await cli("export")) == written
    one = json.loads(ok(await cli("export", "--client", "HRN-2025-0031")))
    assert [c["ref"] for c in one["clients"]] == ["HRN-2025-0031"]
    exports = await rows(region, AuditEvent, AuditEvent.action == "cli.export")
    assert len(exports) == 3 and exports[-1].client_id is not None


async def test_client_list_filters(cli: Cli, region: Database) -> None:
    everyone = ok(await cli("client", "list")).splitlines()
    assert everyone[0].split() == [
        "REF",
        "FIRST",
        "NAME",
        "MUNICIPALITY",
        "STATUS",
        "CASEWORKER",
        "LINKED",
    ]
    assert everyone[-1] == "14 clients"
    hoorn = ok(await cli("client", "list", "--municipality", "hoorn")).splitlines()
    assert hoorn[-1] == "5 clients" and all("Hoorn" in line for line in hoorn[1:-1])
    paused = ok(await cli("client", "list", "--status", "paused")).splitlines()
    assert paused[-1] == "1 client" and paused[1].startswith("ENK-2026-0003")


async def test_client_show_says_linked_but_never_the_telegram_ids(
    cli: Cli, region: Database
) -> None:
    async with region.transaction() as session:
        amina = (await session.exec(select(Client).where(Client.ref == "HRN-2025-0012"))).one()
        amina.telegram_chat_id, amina.telegram_user_id = 987654321, 123456789
        amina.status = ClientStatus.ACTIVE
        session.add(amina)
    text = ok(await cli("client", "show", "HRN-2025-0012"))
    assert "first name: Amina" in text and "telegram linked: yes" in text
    assert "caseworker: rit-sanne" in text
    assert "open tasks: 3 (2 overdue)" in text
    assert "upcoming appointments: 4 (next 2026-12-08 10:00 progress_meeting)" in text
    assert "987654321" not in text and "123456789" not in text
    assert "telegram linked: no" in ok(await cli("client", "show", "HRN-2025-0031"))
    views = await rows(region, AuditEvent, AuditEvent.action == "cli.view_client")
    assert views[0].client_id == amina.id


async def test_plan_show(cli: Cli, region: Database, db: Database) -> None:
    text = ok(await cli("plan", "show", "ENK-2025-0015"))
    assert "plan v1 (established), route z" in text
    assert "z_language_hours: Dutch lessons, Z-route (taal) in_progress 150/600 h" in text
    assert "literacy: " in text
    async with db.transaction() as session:
        await factories.client(session, ref="HRN-NEW")
    assert ok(await cli("plan", "show", "HRN-NEW")) == "HRN-NEW: no plan in force\n"


async def test_invite_a_client(cli: Cli, region: Database, workdir: Path) -> None:
    text = ok(
        await cli("invite", "client", "HRN-2025-0012", env={"INBURGERBOT_INVITE_VALID_DAYS": "3"})
    )
    lines = dict(line.split(": ", 1) for line in text.splitlines()[1:])
    code = invites.normalise(lines["code"])
    assert invites.looks_like_code(lines["code"]) and lines["code"] == invites.pretty(code)
    assert lines["link"] == f"https://t.me/westfriesland_bot?start={code}"
    qr = workdir / "invite-HRN-2025-0012.png"
    assert lines["qr code"] == "invite-HRN-2025-0012.png"
    assert qr.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert "valid until 2026-12-04 08:00 Europe/Amsterdam" in text
    (stored,) = await rows(region, Invite)
    assert stored.code_hash == invites.hash_code(code) and code not in str(stored.model_dump())
    assert stored.expires_at == NOW + timedelta(days=3)
    async with region.reading() as session:
        state, found = await invites.find(session, code=lines["code"].lower(), now=NOW)
    assert state == invites.InviteState.OK and found is not None and found.client_id is not None


async def test_invite_a_staff_member_with_a_chosen_qr_file(
    cli: Cli, region: Database, workdir: Path
) -> None:
    text = ok(await cli("invite", "staff", "rit-mehmet", "--qr", "mehmet.svg"))
    assert text.startswith("invitation for staff member rit-mehmet, valid until 2026-12-15 08:00")
    assert (workdir / "mehmet.svg").read_text().lstrip().startswith("<?xml")
    (stored,) = await rows(region, Invite)
    assert stored.staff_id is not None and stored.client_id is None


async def test_add_move_and_cancel_an_appointment(cli: Cli, region: Database) -> None:
    text = ok(
        await cli(
            "appointment",
            "add",
            "HRN-2025-0012",
            "--kind",
            "progress_meeting",
            "--start",
            "2026-12-10 10:00",
            "--end",
            "2026-12-10 10:45",
            "--place",
            "Stadhuis Hoorn",
            "--address",
            "Nieuwe Steen 1, 1625 HV Hoorn",
            "--bring",
            "Your residence permit",
            "--staff",
            "rit-sanne",
            "--title",
            "Check-in",
        )
    )
    assert text.startswith("appointment ") and "at 2026-12-10 10:00" in text
    appointment_id = int(text.split()[1])
    (row,) = await rows(region, Appointment, Appointment.id == appointment_id)
    assert row.starts_at == datetime(2026, 12, 10, 9, 0, tzinfo=UTC)
    assert row.ends_at == datetime(2026, 12, 10, 9, 45, tzinfo=UTC)
    assert (row.place_name, row.bring, row.title) == (
        "Stadhuis Hoorn",
        "Your residence permit",
        "Check-in",
    )
    assert row.external_id.startswith("cli-")
    planned = await rows(
        region, Reminder, Reminder.subject_id == row.id, Reminder.kind == "appointment"
    )
    assert {r.due_at for r in planned} == {
        datetime(2026, 12, 9, 17, 0, tzinfo=UTC),  # the evening before, 18:00
        datetime(2026, 12, 10, 7, 0, tzinfo=UTC),  # two hours ahead
    }

    moved = ok(await cli("appointment", "move", str(appointment_id), "--start", "2026-12-11 14:00"))
    assert moved == f"appointment {appointment_id} moved to 2026-12-11 14:00\n"
    (row,) = await rows(region, Appointment, Appointment.id == appointment_id)
    assert row.starts_at == datetime(2026, 12, 11, 13, 0, tzinfo=UTC)
    assert row.ends_at == datetime(2026, 12, 11, 13, 45, tzinfo=UTC)  # the duration is kept
    planned = await rows(
        region, Reminder, Reminder.subject_id == row.id, Reminder.kind == "appointment"
    )
    assert {r.event_at for r in planned} == {row.starts_at}

    assert ok(await cli("appointment", "cancel", str(appointment_id))) == (
        f"appointment {appointment_id} cancelled\n"
    )
    planned = await rows(
        region, Reminder, Reminder.subject_id == row.id, Reminder.kind == "appointment"
    )
    assert {r.status for r in planned} == {ReminderStatus.CANCELLED}


async def test_an_appointment_with_a_chosen_external_id_is_found_by_the_import(
    cli: Cli, region: Database
) -> None:
    add = ("appointment", "add", "HRN-2025-0012", "--kind", "exam", "--start", "2027-05-04 09:00")
    ok(await cli(*add, "--external-id", "duo-123"))
    (row,) = await rows(region, Appointment, Appointment.external_id == "duo-123")
    assert row.kind == "exam" and row.starts_at == datetime(2027, 5, 4, 7, 0, tzinfo=UTC)  # summer


async def test_add_and_finish_a_task(cli: Cli, region: Database) -> None:
    add = ("task", "add", "HRN-2025-0031", "--title", "Bring your passport", "--due", "2026-12-20")
    text = ok(await cli(*add, "--description", "To the desk at the town hall."))
    task_id = int(text.split()[1])
    assert "due 2026-12-20" in text
    (row,) = await rows(region, Task, Task.id == task_id)
    assert (row.title, row.due_date, row.status) == (
        "Bring your passport",
        date(2026, 12, 20),
        "open",
    )
    planned = await rows(region, Reminder, Reminder.kind == "task", Reminder.subject_id == task_id)
    assert len(planned) == 2 and {r.status for r in planned} == {ReminderStatus.PENDING}
    assert ok(await cli("task", "done", str(task_id))) == f"task {task_id} done\n"
    (row,) = await rows(region, Task, Task.id == task_id)
    assert row.status == TaskStatus.DONE and row.done_at == NOW
    planned = await rows(region, Reminder, Reminder.kind == "task", Reminder.subject_id == task_id)
    assert {r.status for r in planned} == {ReminderStatus.CANCELLED}
