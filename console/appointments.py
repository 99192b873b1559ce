"""`inburgerbot appointment add|move|cancel`."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

import click

from casework import case, importer
from console.common import (
    LOCAL_TIME,
    CliState,
    appointment_with_client,
    client_by_ref,
    echo_lines,
    fail,
    local,
    pass_state,
    record_fields,
    run,
    staff_by_key,
    to_utc,
)
from storage import access
from storage import appointments as appointment_queries
from storage.db import Database
from storage.enums import AppointmentKind
from storage.ids import pk


@click.group()
def appointment() -> None:
    """Add, move and cancel appointments (reminders follow)."""


@appointment.command("add")
@click.argument("ref")
@click.option("--kind", required=True, type=click.Choice([k.value for k in AppointmentKind]))
@click.option("--start", required=True, type=LOCAL_TIME, help="Local time, 2026-12-01 10:00.")
@click.option("--end", type=LOCAL_TIME, help="Local time.")
@click.option("--title", default="")
@click.option("--place", default="", help="Name of the place.")
@click.option("--address", default="")
@click.option("--bring", default="", help="What to bring.")
@click.option("--staff", "staff_key", metavar="KEY", help="The staff member it is with.")
@click.option("--external-id", help="Id in the case system (default: a generated one).")
@pass_state
def appointment_add(state: CliState, ref: str, **options: Any) -> None:
    """Add an appointment for a client."""
    zone = state.config.zone
    record = record_fields(
        importer.AppointmentRecord,
        external_id=options["external_id"] or f"cli-{secrets.token_hex(6)}",
        kind=options["kind"],
        start=to_utc(options["start"], zone),
        end=to_utc(options["end"], zone) if options["end"] else None,
        title=options["title"],
        place_name=options["place"],
        address=options["address"],
        bring=options["bring"],
        staff=options["staff_key"],
    )
    echo_lines(run(state, lambda database: add_appointment(database, state, ref, record)))


async def add_appointment(
    database: Database, state: CliState, ref: str, record: importer.AppointmentRecord
) -> list[str]:
    async with database.transaction() as session:
        person = await client_by_ref(session, ref)
        existing = await appointment_queries.by_external_id(
            session, client_id=pk(person), external_id=record.external_id
        )
        if existing is not None:
            fail(
                f"client {ref!r} already has an appointment with external id {record.external_id!r}"
            )
        staff_id = None
        if record.staff is not None:
            member = await staff_by_key(session, record.staff)
            if not await access.can_reach(session, staff=member, client=person):
                fail(f"staff member {record.staff!r} cannot reach client {ref!r}")
            staff_id = member.id
        draft = case.AppointmentDraft(
            kind=record.kind,
            starts_at=record.start,
            ends_at=record.end,
            external_id=record.external_id,
            title=record.title,
            staff_id=staff_id,
            place_name=record.place_name,
            address=record.address,
            bring=record.bring,
        )
        row = await case.add_appointment(
            session, client=person, draft=draft, rules=state.rules, now=state.now()
        )
    return [
        f"appointment {row.id} added for {ref}: {row.kind} at "
        f"{local(row.starts_at, state.config.zone)} (external id {row.external_id})"
    ]


@appointment.command("move")
@click.argument("appointment_id", metavar="ID", type=int)
@click.option("--start", required=True, type=LOCAL_TIME, help="Local time, 2026-12-01 10:00.")
@click.option("--end", type=LOCAL_TIME, help="Local time (default: keep the duration).")
@pass_state
def appointment_move(
    state: CliState, appointment_id: int, start: datetime, end: datetime | None
) -> None:
    """Move an appointment to a new time."""
    zone = state.config.zone
    starts_at, ends_at = to_utc(start, zone), to_utc(end, zone) if end else None
    echo_lines(
        run(
            state,
            lambda database: move_appointment(database, state, appointment_id, starts_at, ends_at),
        )
    )


async def move_appointment(
    database: Database,
    state: CliState,
    appointment_id: int,
    starts_at: datetime,
    ends_at: datetime | None,
) -> list[str]:
    async with database.transaction() as session:
        row, person = await appointment_with_client(session, appointment_id)
        await case.move_appointment(
            session,
            client=person,
            appointment=row,
            starts_at=starts_at,
            ends_at=ends_at,
            rules=state.rules,
            now=state.now(),
        )
    return [f"appointment {row.id} moved to {local(row.starts_at, state.config.zone)}"]


@appointment.command("cancel")
@click.argument("appointment_id", metavar="ID", type=int)
@pass_state
def appointment_cancel(state: CliState, appointment_id: int) -> None:
    """Cancel an appointment (its reminders are cancelled too)."""
    echo_lines(run(state, lambda database: cancel_appointment(database, state, appointment_id)))


async def cancel_appointment(database: Database, state: CliState, appointment_id: int) -> list[str]:
    async with database.transaction() as session:
        row, person = await appointment_with_client(session, appointment_id)
        await case.cancel_appointment(
            session, client=person, appointment=row, rules=state.rules, now=state.now()
        )
    return [f"appointment {row.id} cancelled"]
