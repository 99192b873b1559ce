"""Factories for test data: realistic defaults, every field overridable."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from storage import imports
from storage.enums import LearningRoute, OrganisationKind, StaffRole
from storage.ids import pk
from storage.models import (
    Appointment,
    Client,
    Organisation,
    OrganisationMunicipality,
    Plan,
    PlanPart,
    Staff,
    Task,
)

_seq = itertools.count(1)
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


async def organisation(
    session: AsyncSession, *, municipalities: tuple[str, ...] = ("Hoorn",), **fields: Any
) -> Organisation:
    n = next(_seq)
    values: dict[str, Any] = {
        "key": f"org-{n}",
        "name": f"Regionaal Inburgeringsteam {n}",
        "kind": OrganisationKind.REGIONAL_TEAM,
        "phone": "0229 123 456",
        "email": "inburgering@example.nl",
    }
    values.update(fields)
    org = Organisation(**values)
    session.add(org)
    await session.flush()
    for name in municipalities:
        session.add(OrganisationMunicipality(organisation_id=pk(org), municipality=name))
    await session.flush()
    return org


async def staff(session: AsyncSession, *, organisation: Organisation, **fields: Any) -> Staff:
    n = next(_seq)
    values: dict[str, Any] = {
        "key": f"staff-{n}",
        "name": f"Caseworker {n}",
        "organisation_id": organisation.id,
        "role": StaffRole.CASEWORKER,
    }
    values.update(fields)
    member = Staff(**values)
    session.add(member)
    await session.flush()
    return member


async def client(session: AsyncSession, **fields: Any) -> Client:
    n = next(_seq)
    values: dict[str, Any] = {
        "ref": f"C-{n:05d}",
        "first_name": "Amina",
        "municipality": "Hoorn",
        "locale": "nl",
    }
    values.update(fields)
    person = Client(**values)
    session.add(person)
    await session.flush()
    return person


async def plan(session: AsyncSession, *, client: Client, parts: int = 3, **fields: Any) -> Plan:
    decision = date(2025, 3, 1)
    values: dict[str, Any] = {
        "client_id": client.id,
        "decision_date": decision,
        "period_start": decision + timedelta(days=1),
        "period_end": decision + timedelta(days=1 + 3 * 365),
        "learning_route": LearningRoute.B1,
        "summary": "Dutch lessons four mornings a week, then KNM and MAP.",
    }
    values.update(fields)
    row = Plan(**values)
    session.add(row)
    await session.flush()
    kinds = ["reading", "listening", "writing", "speaking", "knm", "map", "pvt"]
    for i in range(parts):
        session.add(
            PlanPart(
                plan_id=pk(row),
                external_id=f"part-{i}",
                kind=kinds[i % len(kinds)],
                title=f"Part {i}",
                position=i,
                target_date=decision + timedelta(days=300 + 30 * i),
            )
        )
    await session.flush()
    return row


async def appointment(session: AsyncSession, *, client: Client, **fields: Any) -> Appointment:
    n = next(_seq)
    values: dict[str, Any] = {
        "client_id": client.id,
        "external_id": f"appt-{n}",
        "kind": "progress_meeting",
        "starts_at": NOW + timedelta(days=3),
        "ends_at": NOW + timedelta(days=3, hours=1),
        "place_name": "Gemeentehuis Hoorn",
        "address": "Nieuwe Steen 1, 1625 HV Hoorn",
    }
    values.update(fields)
    row = Appointment(**values)
    session.add(row)
    await session.flush()
    return row


async def task(session: AsyncSession, *, client: Client, **fields: Any) -> Task:
    n = next(_seq)
    values: dict[str, Any] = {
        "client_id": client.id,
        "external_id": f"task-{n}",
        "title": "Bring your diploma to the language school",
        "due_date": date(2026, 12, 1),
    }
    values.update(fields)
    row = Task(**values)
    session.add(row)
    await session.flush()
    return row


# Client rows as storage/imports.py writes them (values in the driver's form), for tests of its
# set-based statements: `import_client_rows(dialect, 3, "Ann")` gives refs r00000000, r00000001,
# r00000002 (in the order they are written, as a file's refs usually are: PostgreSQL's planner
# weighs that order when it chooses an index).
_IMPORT_GIVEN = ("ref", "first_name", "municipality", "integration_start", "status")
IMPORT_CLIENT_DEFAULTS = imports.column_defaults(imports.CLIENT, _IMPORT_GIVEN)
IMPORT_CLIENT_COLUMNS = (*_IMPORT_GIVEN, *IMPORT_CLIENT_DEFAULTS, "created_at", "updated_at")


def import_client_rows(dialect: str, count: int, name: str) -> list[tuple[object, ...]]:
    fixed = [imports.native(dialect, value) for value in IMPORT_CLIENT_DEFAULTS.values()]
    stamp = imports.native(dialect, datetime(2026, 12, 1, 7, 0, tzinfo=UTC))
    start = imports.native(dialect, date(2026, 1, 2))
    return [
        (f"r{n:08d}", name, "Hoorn", start, "invited", *fixed, stamp, stamp) for n in range(count)
    ]
