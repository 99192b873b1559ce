"""The import: the example region loads, loading twice changes nothing, export round-trips,
changes re-plan reminders, and every broken file is refused with the path of its first problem
while the database stays untouched."""

from __future__ import annotations

import copy
import json
import os
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from sqlmodel import SQLModel, col, select

from casework import case, exporter
from casework.importer import (
    MAX_IMPORT_BYTES,
    ImportRejected,
    ImportSummary,
    import_document,
    import_file,
    import_json_schema,
    parse_document,
    read_document,
)
from casework.planning import PlanningRules, appointment_reminders
from storage.db import Database
from storage.enums import (
    ActorKind,
    AppointmentStatus,
    ClientResponse,
    ReminderStatus,
    TaskStatus,
)
from storage.models import (
    Appointment,
    AuditEvent,
    Client,
    Organisation,
    OrganisationMunicipality,
    Plan,
    PlanPart,
    Reminder,
    Staff,
    Task,
)
from tests.conftest import reset_schema

ROOT = Path(__file__).resolve().parent.parent
REGION = ROOT / "examples" / "region.json"
SCHEMA = ROOT / "docs" / "import.schema.json"
NOW = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
RULES = PlanningRules()


@pytest.fixture(scope="module")
def region() -> dict[str, Any]:
    return json.loads(REGION.read_text(encoding="utf-8"))


async def load(
    db: Database, data: dict[str, Any] | str | bytes, now: datetime = NOW
) -> ImportSummary:
    text = json.dumps(data) if isinstance(data, dict) else data
    document = parse_document(text)
    async with db.transaction() as session:
        return await import_document(session, document, rules=RULES, now=now)


async def snapshot(db: Database, *, digests: bool = True) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, updated_at included; without `digests`, the clients' import
    digests left out (storage/import_digest.py)."""
    async with db.engine.connect() as conn:
        found = {}
        for table in SQLModel.metadata.sorted_tables:
            columns = [c for c in table.c if digests or c.name != "import_digest"]
            query = table.select().with_only_columns(*columns).order_by(*table.primary_key.columns)
            found[table.name] = [tuple(row) for row in await conn.execute(query)]
        return found


async def export_text(db: Database, client_ref: str | None = None) -> str:
    async with db.reading() as session:
        document = await exporter.export_document(session, zone=RULES.zone, client_ref=client_ref)
    return exporter.to_json(document)


async def one(db: Database, model: Any, *conditions: Any) -> Any:
    async with db.reading() as session:
        return (await session.exec(select(model).where(*conditions))).one()


async def all_rows(db: Database, model: Any, *conditions: Any) -> list[Any]:
    async with db.reading() as session:
        return list((await session.exec(select(model).where(*conditions))).all())


def test_the_example_is_valid_against_the_json_schema(region: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    assert [error.message for error in validator.iter_errors(region)] == []


def test_the_schema_file_matches_the_validation_models() -> None:
    committed = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert committed == import_json_schema(), "run: python -m casework.importer > " + str(SCHEMA)


def test_the_schema_refuses_what_the_importer_refuses(region: dict[str, Any]) -> None:
    broken = copy.deepcopy(region)
    broken["clients"][0]["bsn"] = "123456782"
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert not jsonschema.Draft202012Validator(schema).is_valid(broken)


def test_the_example_is_a_realistic_region(region: dict[str, Any]) -> None:
    clients = region["clients"]
    assert len(clients) >= 12
    assert {c["plan"]["learning_route"] for c in clients} == {"b1", "education", "z"}
    assert len({c["locale"] for c in clients}) >= 8
    kinds = {o["kind"] for o in region["organisations"]}
    assert kinds == {"regional_team", "municipality", "partner"}
    appointments = [a for c in clients for a in c.get("appointments", [])]
    assert any(a.get("video_url") for a in appointments)
    assert any(a.get("interpreter_needed") for a in appointments)
    assert any("latitude" in a for a in appointments)
    tasks = [t for c in clients for t in c.get("tasks", [])]
    assert any(t.get("status") == "done" for t in tasks)
    assert any(
        t.get("status") is None and date.fromisoformat(t["due_date"]) < date(2026, 12, 1)
        for t in tasks
    )
    assert all(" " not in c["first_name"] for c in clients)


async def test_the_example_region_imports(db: Database, region: dict[str, Any]) -> None:
    summary = await import_file(db, REGION, rules=RULES, now=NOW)
    assert summary["organisations"].created == 4
    assert summary["staff"].created == len(region["staff"])
    assert summary["clients"].created == len(region["clients"])
    assert summary["plans"].created == len(region["clients"])
    assert summary["appointments"].created == sum(
        len(c.get("appointments", [])) for c in region["clients"]
    )
    amina = await one(db, Client, Client.ref == "HRN-2025-0012")
    caseworker = await one(db, Staff, Staff.key == "rit-sanne")
    assert (amina.first_name, amina.caseworker_id, amina.locale) == ("Amina", caseworker.id, "ar")
    meeting = await one(db, Appointment, Appointment.external_id == "hrn12-vg-2026-12")
    assert meeting.starts_at == datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
    reminders = await all_rows(
        db, Reminder, Reminder.subject_id == meeting.id, Reminder.kind == "appointment"
    )
    assert len(reminders) == 2 and all(r.status == ReminderStatus.PENDING for r in reminders)
    plan = await one(db, Plan, Plan.client_id == amina.id)
    parts = await all_rows(db, PlanPart, PlanPart.plan_id == plan.id)
    assert [p.kind for p in sorted(parts, key=lambda p: p.position)] == [
        "reading",
        "listening",
        "writing",
        "speaking",
        "knm",
        "map",
        "pvt",
    ]
    deadlines = await all_rows(
        db, Reminder, Reminder.kind == "deadline", Reminder.subject_id == plan.id
    )
    assert len(deadlines) == 3
    served = await all_rows(db, OrganisationMunicipality)
    assert len(served) == sum(len(o["municipalities"]) for o in region["organisations"])


async def test_importing_twice_changes_nothing(db: Database, region: dict[str, Any]) -> None:
    await load(db, region)
    before, exported = await snapshot(db), await export_text(db)
    summary = await load(db, region, now=datetime(2026, 12, 2, 7, 0, tzinfo=UTC))
    assert not summary.changed
    assert summary["appointments"].unchanged == sum(
        len(c.get("appointments", [])) for c in region["clients"]
    )
    assert await snapshot(db) == before  # updated_at included
    assert await export_text(db) == exported


async def test_import_export_import_changes_nothing(db: Database, region: dict[str, Any]) -> None:
    await load(db, region)
    before, exported = await snapshot(db, digests=False), await export_text(db)
    digests = await client_digests(db)
    summary = await load(db, exported)
    assert not summary.changed
    assert await snapshot(db, digests=False) == before
    assert await export_text(db) == exported
    # The export spells out what the file left to the importer (a task's status "open"), which
    # could write otherwise: those clients were compared again and given the export's digest.
    after = await client_digests(db)
    assert after.keys() == digests.keys() and None not in after.values()
    assert after != digests


async def client_digests(db: Database) -> dict[str, str | None]:
    return {c.ref: c.import_digest for c in await all_rows(db, Client)}


async def test_an_export_of_everything_rebuilds_an_empty_database(
    db: Database, region: dict[str, Any]
) -> None:
    await load(db, region)
    exported = await export_text(db)
    await reset_schema(db)
    await load(db, exported)
    assert await export_text(db) == exported


async def test_an_export_of_one_client_imports_on_its_own(
    db: Database, region: dict[str, Any]
) -> None:
    await load(db, region)
    exported = await export_text(db, client_ref="MDB-2026-0002")
    document = json.loads(exported)
    assert [c["ref"] for c in document["clients"]] == ["MDB-2026-0002"]
    assert {s["key"] for s in document["staff"]} == {"rit-sanne", "welkom-youssef"}
    await reset_schema(db)
    await load(db, exported)
    assert await export_text(db) == exported


async def test_exporting_an_unknown_client_is_refused(db: Database) -> None:
    with pytest.raises(exporter.UnknownClient):
        await export_text(db, client_ref="NOPE-1")


def appointment_in(document: dict[str, Any], external_id: str) -> dict[str, Any]:
    for client in document["clients"]:
        for appointment in client.get("appointments", []):
            if appointment["external_id"] == external_id:
                return appointment
    raise KeyError(external_id)


async def test_a_moved_appointment_is_moved_and_its_reminders_follow(
    db: Database, region: dict[str, Any]
) -> None:
    await load(db, region)
    meeting = await one(db, Appointment, Appointment.external_id == "hrn12-vg-2026-12")
    async with db.transaction() as session:
        amina = await session.get(Client, meeting.client_id)
        row = await session.get(Appointment, meeting.id)
        assert amina is not None and row is not None
        await case.respond_to_appointment(
            session,
            client=amina,
            appointment=row,
            response=ClientResponse.CONFIRMED,
            reason="",
            now=NOW,
        )
    moved = copy.deepcopy(region)
    appointment_in(moved, "hrn12-vg-2026-12").update(
        start="2026-12-09T14:00:00+01:00", end="2026-12-09T14:45:00+01:00"
    )
    summary = await load(db, moved)
    assert summary["appointments"].updated == 1
    assert summary["clients"].updated == 0
    after = await one(db, Appointment, Appointment.id == meeting.id)
    assert after.starts_at == datetime(2026, 12, 9, 13, 0, tzinfo=UTC)
    assert after.ends_at == datetime(2026, 12, 9, 13, 45, tzinfo=UTC)
    assert after.client_response == ClientResponse.NONE
    pending = await all_rows(
        db,
        Reminder,
        Reminder.subject_id == meeting.id,
        Reminder.kind == "appointment",
        Reminder.status == ReminderStatus.PENDING,
    )
    wanted = appointment_reminders(after, rules=RULES, quiet=RULES.default_quiet)
    assert sorted(r.due_at for r in pending) == sorted(w.due_at for w in wanted)
    assert all(r.event_at == after.starts_at for r in pending)
    moves = await all_rows(db, AuditEvent, AuditEvent.action == "appointment.move")
    assert [m.subject_id for m in moves] == [meeting.id]


async def test_a_cancelled_appointment_cancels_its_reminders(
    db: Database, region: dict[str, Any]
) -> None:
    await load(db, region)
    cancelled = copy.deepcopy(region)
    appointment_in(cancelled, "kgl01-les-start")["status"] = "cancelled"
    summary = await load(db, cancelled)
    assert summary["appointments"].updated == 1
    lesson = await one(db, Appointment, Appointment.external_id == "kgl01-les-start")
    assert lesson.status == AppointmentStatus.CANCELLED
    reminders = await all_rows(
        db, Reminder, Reminder.subject_id == lesson.id, Reminder.kind == "appointment"
    )
    assert reminders and {r.status for r in reminders} == {ReminderStatus.CANCELLED}
    assert not (await load(db, cancelled)).changed


async def test_detail_changes_update_without_moving(db: Database, region: dict[str, Any]) -> None:
    await load(db, region)
    changed = copy.deepcopy(region)
    appointment_in(changed, "hrn12-vg-2026-12")["bring"] = "Your residence permit"
    before = await one(db, Appointment, Appointment.external_id == "hrn12-vg-2026-12")
    reminders_before = await all_rows(db, Reminder, Reminder.subject_id == before.id)
    summary = await load(db, changed)
    assert summary["appointments"].updated == 1
    after = await one(db, Appointment, Appointment.id == before.id)
    assert after.bring == "Your residence permit" and after.updated_at > before.updated_at
    assert await all_rows(db, Reminder, Reminder.subject_id == before.id) == reminders_before


async def press_done(db: Database, external_id: str) -> Task:
    """The task's client marks it done, as the bot's Done button does."""
    task = await one(db, Task, Task.external_id == external_id)
    async with db.transaction() as session:
        row = await session.get(Task, task.id)
        client = await session.get(Client, task.client_id)
        assert row is not None and client is not None
        await case.set_task_status(
            session,
            client=client,
            task=row,
            status=TaskStatus.DONE,
            rules=RULES,
            now=NOW,
            actor=case.Actor(ActorKind.CLIENT, client.id),
        )
    return task  # type: ignore[no-any-return]


async def test_a_task_the_client_marked_done_is_not_reopened(
    db: Database, region: dict[str, Any]
) -> None:
    await load(db, region)
    task = await press_done(db, "hrn12-t-knm")
    reopened = copy.deepcopy(region)
    for client in reopened["clients"]:
        for item in client.get("tasks", []):
            if item["external_id"] == "hrn12-t-knm":
                item["status"] = "open"
    assert not (await load(db, reopened)).changed
    assert (await one(db, Task, Task.id == task.id)).status == TaskStatus.DONE


async def test_a_task_cancelled_in_the_case_system_is_cancelled(
    db: Database, region: dict[str, Any]
) -> None:
    await load(db, region)
    changed = copy.deepcopy(region)
    changed["clients"][0]["tasks"][1]["status"] = "cancelled"
    summary = await load(db, changed)
    assert summary["tasks"].updated == 1
    task = await one(db, Task, Task.external_id == changed["clients"][0]["tasks"][1]["external_id"])
    assert task.status == TaskStatus.CANCELLED
    reminders = await all_rows(
        db, Reminder, Reminder.kind == "task", Reminder.subject_id == task.id
    )
    assert {r.status for r in reminders} <= {ReminderStatus.CANCELLED}


async def test_an_extended_period_moves_the_deadline_reminders(
    db: Database, region: dict[str, Any]
) -> None:
    await load(db, region)
    changed = copy.deepcopy(region)
    changed["clients"][0]["plan"]["extended_until"] = "2028-09-15"
    summary = await load(db, changed)
    assert summary["plans"].updated == 1
    plan = await one(db, Plan, Plan.extended_until == date(2028, 9, 15))
    deadlines = await all_rows(
        db, Reminder, Reminder.kind == "deadline", Reminder.subject_id == plan.id
    )
    assert {r.event_at for r in deadlines} == {datetime(2028, 9, 15, 22, 0, tzinfo=UTC)}


async def test_an_organisations_municipalities_are_its_whole_list(
    db: Database, region: dict[str, Any]
) -> None:
    await load(db, region)
    changed = copy.deepcopy(region)
    partner = next(o for o in changed["organisations"] if o["kind"] == "partner")
    partner["municipalities"] = ["Hoorn", "Enkhuizen"]
    # Hevin and Abdirahman (Medemblik) keep their social guide only if the partner serves them.
    for client in changed["clients"]:
        if client["municipality"] == "Medemblik":
            client.pop("social_guide", None)
            for appointment in client.get("appointments", []):
                appointment.pop("staff", None) if appointment.get(
                    "staff"
                ) == "welkom-youssef" else None
    summary = await load(db, changed)
    assert (summary["municipalities"].created, summary["municipalities"].updated) == (1, 1)
    org = await one(db, Organisation, Organisation.key == partner["key"])
    links = await all_rows(
        db, OrganisationMunicipality, OrganisationMunicipality.organisation_id == org.id
    )
    assert sorted(link.municipality for link in links) == ["Enkhuizen", "Hoorn"]


def broken(region: dict[str, Any], change: Any) -> str:
    document = copy.deepcopy(region)
    change(document)
    return json.dumps(document)


def set_path(*path: Any, value: Any) -> Any:
    def change(document: Any) -> None:
        target = document
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value

    return change


def drop(*path: Any) -> Any:
    def change(document: Any) -> None:
        target = document
        for step in path[:-1]:
            target = target[step]
        del target[path[-1]]

    return change


def case_of(change: Any, message: str) -> Any:
    return pytest.param(change, message, id=message.split(":")[0])


PARSE_ERRORS = [
    case_of(
        set_path("clients", 3, "first_name", value=["Secretname"]),
        "clients[3].first_name: Input should be a valid string",
    ),
    case_of(drop("clients", 2, "municipality"), "clients[2].municipality: Field required"),
    case_of(
        set_path("clients", 3, "appointments", 0, "start", value="2026-12-01T10:00:00"),
        "clients[3].appointments[0].start: Input should have timezone info",
    ),
    case_of(
        set_path("clients", 2, "appointments", 0, "start", value="next tuesday"),
        "clients[2].appointments[0].start: Input should be a valid datetime",
    ),
    case_of(
        set_path("clients", 0, "bsn", value="123456782"),
        "clients[0].bsn: Extra inputs are not permitted",
    ),
    case_of(
        set_path("clients", 1, "plan", "learning_route", value="c1"),
        "clients[1].plan.learning_route: Input should be 'b1', 'education' or 'z'",
    ),
    case_of(
        set_path("clients", 1, "plan", "parts", 2, "planned_hours", value="40"),
        "clients[1].plan.parts[2].planned_hours: Input should be a valid integer",
    ),
    case_of(
        set_path("clients", 1, "literacy_support", value=True),
        "clients[1].literacy_support: Input should be",
    ),
    case_of(
        set_path("clients", 0, "appointments", 0, "end", value="2026-12-08T09:00:00+01:00"),
        "clients[0].appointments[0].end: an appointment cannot end before it starts",
    ),
    case_of(
        set_path("clients", 0, "appointments", 0, "longitude", value=None),
        "clients[0].appointments[0]: latitude and longitude go together",
    ),
    case_of(
        set_path("clients", 5, "ref", value="HRN-2025-0012"),
        "clients[5].ref: the same ref is already used at clients[0]",
    ),
    case_of(
        set_path("clients", 0, "appointments", 1, "external_id", value="hrn12-vg-2026-12"),
        "clients[0].appointments[1].external_id: the same external_id is already used",
    ),
    case_of(
        set_path("staff", 1, "login", value="S.Jonker@werksaam.example"),
        "staff[1].login: the same login is already used at staff[0]",
    ),
    case_of(
        set_path("organisations", 0, "municipalities", value=["Hoorn", "Hoorn"]),
        "organisations[0].municipalities: a municipality is listed twice",
    ),
    case_of(
        set_path("clients", 0, "locale", value="Arabic"),
        "clients[0].locale: String should match pattern",
    ),
    case_of(set_path("format_version", value=2), "format_version: Input should be 1"),
    case_of(set_path("clients", value={}), "clients: Input should be a valid array"),
]

REFERENCE_ERRORS = [
    case_of(
        set_path("clients", 3, "caseworker", value="nobody"),
        "clients[3].caseworker: unknown staff member",
    ),
    case_of(
        set_path("staff", 1, "organisation", value="gemeente-nergens"),
        "staff[1].organisation: unknown organisation",
    ),
    case_of(
        set_path("clients", 4, "municipality", value="Amsterdam"),
        "clients[4].municipality: no organisation serves this municipality",
    ),
    case_of(
        set_path("clients", 3, "caseworker", value="hoorn-femke"),
        "clients[3].caseworker: the staff member is not in an organisation that serves",
    ),
    case_of(
        set_path(
            "clients",
            13,
            "appointments",
            value=[
                {
                    "external_id": "x",
                    "kind": "intake",
                    "start": "2027-01-01T10:00:00+01:00",
                    "staff": "nobody",
                }
            ],
        ),
        "clients[13].appointments[0].staff: unknown staff member",
    ),
]


@pytest.mark.parametrize(("change", "message"), PARSE_ERRORS)
def test_a_broken_record_is_refused_with_its_path(
    region: dict[str, Any], change: Any, message: str
) -> None:
    """Caught while validating, before any database work."""
    with pytest.raises(ImportRejected) as refused:
        parse_document(broken(region, change))
    assert str(refused.value).startswith(message)
    assert "Secretname" not in str(refused.value)


@pytest.mark.parametrize(("change", "message"), REFERENCE_ERRORS)
async def test_a_broken_reference_is_refused_with_its_path_and_writes_nothing(
    db: Database, region: dict[str, Any], change: Any, message: str
) -> None:
    before = await snapshot(db)
    with pytest.raises(ImportRejected) as refused:
        await load(db, broken(region, change))
    assert str(refused.value).startswith(message)
    assert await snapshot(db) == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"clients": [', "invalid JSON: EOF while parsing a list at line 1 column 13"),
        (b'{"clients": []}}', "invalid JSON: trailing characters at line 1 column 16"),
        (b"", "invalid JSON: EOF while parsing a value at line 1 column 0"),
        (b"[]", "document: Input should be an object"),
        (
            b'{"clients": [{"ref": "A-1", "first_name": "Caf\xe9"}]}',
            "the file is not UTF-8 text (byte 46)",
        ),
        (b"[" * 100_000 + b"]" * 100_000, "invalid JSON: recursion limit exceeded"),
    ],
)
def test_a_broken_file_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(ImportRejected) as refused:
        parse_document(data)
    assert str(refused.value).startswith(message)


def test_a_byte_order_mark_is_fine() -> None:
    assert parse_document(b"\xef\xbb\xbf{}").clients == []


def test_twenty_megabytes_of_junk_are_refused_quickly(tmp_path: Path) -> None:
    text_junk = tmp_path / "junk.txt"
    text_junk.write_bytes(b"x" * (20 * 1024 * 1024))
    with pytest.raises(ImportRejected, match=r"^invalid JSON: expected value at line 1 column 1"):
        read_document(text_junk)
    binary_junk = tmp_path / "junk.bin"
    binary_junk.write_bytes(b"\x00\xff" + os.urandom(20 * 1024 * 1024))
    with pytest.raises(ImportRejected, match=r"^the file is not UTF-8 text \(byte 1\)"):
        read_document(binary_junk)


def test_a_file_over_the_limit_is_refused_before_reading(tmp_path: Path) -> None:
    huge = tmp_path / "huge.json"
    with huge.open("wb") as stream:
        stream.truncate(MAX_IMPORT_BYTES + 1)  # sparse: nothing is written or read
    with pytest.raises(ImportRejected, match=r"^the file is 50\.0 MB; the limit is 50 MB"):
        read_document(huge)


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ImportRejected, match=r"^cannot read the file"):
        read_document(tmp_path / "absent.json")


async def test_a_file_whose_last_client_is_broken_writes_nothing(
    db: Database, region: dict[str, Any], tmp_path: Path
) -> None:
    last = len(region["clients"]) - 1
    path = tmp_path / "region.json"
    path.write_text(broken(region, set_path("clients", last, "caseworker", value="nobody")))
    with pytest.raises(ImportRejected, match=rf"^clients\[{last}\]\.caseworker"):
        await import_file(db, path, rules=RULES, now=NOW)
    assert all(rows == [] for rows in (await snapshot(db)).values())


async def test_a_refused_update_leaves_the_stored_data_as_it_was(
    db: Database, region: dict[str, Any]
) -> None:
    await load(db, region)
    before = await snapshot(db)

    def change(document: Any) -> None:
        document["clients"][0]["first_name"] = "Amna"
        appointment_in(document, "hrn12-vg-2026-12")["start"] = "2026-12-09T14:00:00+01:00"
        document["clients"][-1]["tasks"].append({"external_id": "new", "title": "New task"})
        document["clients"][-1]["caseworker"] = "rit-pieter-x"

    with pytest.raises(ImportRejected):
        await load(db, broken(region, change))
    assert await snapshot(db) == before


async def test_a_dry_run_counts_and_writes_nothing(db: Database) -> None:
    summary = await import_file(db, REGION, rules=RULES, now=NOW, dry_run=True)
    assert summary["clients"].created == 14
    assert all(rows == [] for rows in (await snapshot(db)).values())


async def test_staff_details_are_kept_tidy(db: Database, region: dict[str, Any]) -> None:
    changed = copy.deepcopy(region)
    changed["staff"][1]["telegram_username"] = "@Mehmet_RIT_WF"
    changed["staff"][1]["login"] = "M.Aydin@WerkSaam.example"
    await load(db, changed)
    member = await one(db, Staff, Staff.key == changed["staff"][1]["key"])
    assert (member.telegram_username, member.login) == ("mehmet_rit_wf", "m.aydin@werksaam.example")
    assert not (await load(db, changed)).changed


async def test_the_import_leaves_one_audit_event_without_personal_data(
    db: Database, region: dict[str, Any]
) -> None:
    await load(db, region)
    events = await all_rows(db, AuditEvent, AuditEvent.action == "import")
    assert len(events) == 1 and "clients=14+0" in events[0].detail
    names = [c["first_name"] for c in region["clients"]]
    details = " ".join(e.detail for e in await all_rows(db, AuditEvent))
    assert not any(name in details for name in names)


async def test_the_import_logs_no_personal_data(
    db: Database, region: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    await load(db, region)
    ours = [
        r
        for r in caplog.records
        if r.name.split(".")[0] in {"casework", "storage", "bot", "scheduler"}
    ]
    logged = " ".join(r.getMessage() for r in ours)
    assert "import finished" in logged
    for client in region["clients"]:
        assert client["first_name"] not in logged and client["ref"] not in logged


async def test_clients_of_other_sources_are_left_alone(
    db: Database, region: dict[str, Any]
) -> None:
    await load(db, region)
    smaller = copy.deepcopy(region)
    smaller["clients"] = smaller["clients"][:2]
    summary = await load(db, smaller)
    assert not summary.changed
    refs = [c.ref for c in await all_rows(db, Client, col(Client.id) > 0)]
    assert len(refs) == len(region["clients"])
