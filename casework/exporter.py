"""Writing what is stored back out in the import format, so that import -> export -> import
changes nothing (docs/import.md)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from casework.importer import (
    AppointmentRecord,
    ClientRecord,
    ExamRecord,
    ImportDocument,
    OrganisationRecord,
    PlanPartRecord,
    PlanRecord,
    StaffRecord,
    TaskRecord,
)
from storage import exports
from storage import plans as plan_queries
from storage.enums import ClientStatus
from storage.ids import pk
from storage.models import (
    Appointment,
    Client,
    ExamAttempt,
    Organisation,
    Plan,
    PlanPart,
    Staff,
    Task,
)

# Invited, active and blocked follow the Telegram link, not the case system: not exported.
CASE_STATUSES = (ClientStatus.PAUSED, ClientStatus.CLOSED)


class UnknownClient(LookupError):
    """The client reference asked for is not stored."""


async def export_document(
    session: AsyncSession,
    *,
    zone: ZoneInfo,
    client_ref: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportDocument:
    """Everything stored, or one client with the staff and organisations it needs.

    `progress` is told (clients done, clients in all) as the clients are read.
    """
    clients = await exports.clients(session, ref=client_ref)
    if client_ref is not None and not clients:
        raise UnknownClient(f"no client with reference {client_ref!r}")
    staff = await exports.staff(session)
    organisations = await exports.organisations(session)
    served = await exports.served(session)
    staff_keys = {member.id: member.key for member in staff}
    records = []
    for done, client in enumerate(clients, start=1):
        records.append(await _client(session, client, staff_keys=staff_keys, zone=zone))
        if progress is not None:
            progress(done, len(clients))
    if client_ref is not None:
        staff, organisations = _needed_by(records, staff, organisations, served)
    org_keys = {org.id: org.key for org in organisations}
    return ImportDocument(
        organisations=[_organisation(org, served.get(pk(org), [])) for org in organisations],
        staff=[_staff(member, org_keys) for member in staff],
        clients=records,
    )


def to_json(document: ImportDocument) -> str:
    """The document as indented UTF-8 JSON, defaults left out."""
    body = document.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    return json.dumps({"format_version": 1, **body}, indent=2, ensure_ascii=False) + "\n"


def _needed_by(
    records: Sequence[ClientRecord],
    staff: Sequence[Staff],
    organisations: Sequence[Organisation],
    served: dict[int, list[str]],
) -> tuple[list[Staff], list[Organisation]]:
    """The staff the clients refer to, their organisations and those serving the clients."""
    used: set[str] = set()
    for record in records:
        used.update(key for key in (record.caseworker, record.social_guide) if key)
        used.update(a.staff for a in record.appointments if a.staff)
    kept_staff = [member for member in staff if member.key in used]
    municipalities = {record.municipality for record in records}
    org_ids = {member.organisation_id for member in kept_staff} | {
        org.id for org in organisations if municipalities & set(served.get(pk(org), []))
    }
    return kept_staff, [org for org in organisations if org.id in org_ids]


def _organisation(org: Organisation, municipalities: list[str]) -> OrganisationRecord:
    return OrganisationRecord(
        key=org.key,
        name=org.name,
        kind=org.kind,
        municipalities=sorted(municipalities),
        phone=org.phone,
        email=org.email,
        desk=org.desk,
        default_locale=org.default_locale,
    )


def _staff(member: Staff, org_keys: dict[int | None, str]) -> StaffRecord:
    return StaffRecord(
        key=member.key,
        name=member.name,
        organisation=org_keys[member.organisation_id],
        role=member.role,
        login=member.login,
        telegram_username=member.telegram_username,
        active=member.active,
    )


async def _client(
    session: AsyncSession, client: Client, *, staff_keys: dict[int | None, str], zone: ZoneInfo
) -> ClientRecord:
    plan = await exports.newest_plan(session, client_id=pk(client))
    return ClientRecord(
        ref=client.ref,
        first_name=client.first_name,
        municipality=client.municipality,
        caseworker=staff_keys.get(client.caseworker_id),
        social_guide=staff_keys.get(client.social_guide_id),
        target_group=client.target_group,
        locale=client.locale,
        literacy_support=client.literacy_support,
        integration_start=client.integration_start,
        integration_end=client.integration_end,
        party_uuid=client.party_uuid,
        zaak_uuid=client.zaak_uuid,
        status=client.status if client.status in CASE_STATUSES else None,
        plan=await _plan(session, plan) if plan else None,
        exams=[_exam(exam) for exam in await plan_queries.exams(session, client_id=pk(client))],
        appointments=[
            _appointment(row, staff_keys=staff_keys, zone=zone)
            for row in await exports.appointments(session, client_id=pk(client))
        ],
        tasks=[_task(row) for row in await exports.tasks(session, client_id=pk(client))],
    )


async def _plan(session: AsyncSession, plan: Plan) -> PlanRecord:
    parts = await exports.parts(session, plan_id=pk(plan))
    fields: dict[str, Any] = {
        name: getattr(plan, name) for name in PlanRecord.model_fields if name != "parts"
    }
    return PlanRecord(**fields, parts=[_part(part) for part in parts])


def _part(part: PlanPart) -> PlanPartRecord:
    fields = {name: getattr(part, name) for name in PlanPartRecord.model_fields}
    return PlanPartRecord(**fields)


def _exam(exam: ExamAttempt) -> ExamRecord:
    return ExamRecord(
        external_id=exam.external_id,
        component=exam.component,
        level=exam.level,
        date=exam.exam_date,
        place=exam.place,
        result=exam.result,
    )


def _appointment(
    row: Appointment, *, staff_keys: dict[int | None, str], zone: ZoneInfo
) -> AppointmentRecord:
    return AppointmentRecord(
        external_id=row.external_id,
        kind=row.kind,
        title=row.title,
        start=row.starts_at.astimezone(zone),
        end=row.ends_at.astimezone(zone) if row.ends_at else None,
        staff=staff_keys.get(row.staff_id) if row.staff_id else None,
        place_name=row.place_name,
        address=row.address,
        latitude=row.latitude,
        longitude=row.longitude,
        phone=row.phone,
        video_url=row.video_url,
        bring=row.bring,
        interpreter_needed=row.interpreter_needed,
        interpreter_language=row.interpreter_language,
        status=row.status,
    )


def _task(row: Task) -> TaskRecord:
    return TaskRecord(
        external_id=row.external_id,
        title=row.title,
        description=row.description,
        due_date=row.due_date,
        status=row.status,
    )
