"""Loading organisations, staff, clients and their plans, exams, appointments and tasks from a
JSON document (docs/import.md, docs/import.schema.json).

The document is validated completely before anything is written, then written in one
transaction. Rows are matched by their keys (organisation key, staff key, client ref, plan
version, external ids), and only fields that differ are assigned, so importing the same file
twice changes nothing. Appointments and tasks are written through bot.services.case, which
re-plans their reminders.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from sqlalchemy.exc import DBAPIError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import case
from scheduler.planning import (
    PlanningRules,
    replan_appointment,
    replan_deadlines,
    replan_task,
)
from storage import audit
from storage.enums import (
    ActorKind,
    AppointmentKind,
    AppointmentStatus,
    ClientStatus,
    ExamComponent,
    ExamResult,
    Intensity,
    LearningRoute,
    Level,
    LiteracySupport,
    OrganisationKind,
    PartStatus,
    PlanPartKind,
    PlanStatus,
    StaffRole,
    TargetGroup,
    TaskStatus,
)
from storage.models import (
    Appointment,
    Client,
    ExamAttempt,
    Organisation,
    OrganisationMunicipality,
    Plan,
    PlanPart,
    Staff,
    Task,
)

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
MEGABYTE = 1024 * 1024
MAX_IMPORT_BYTES = 50 * MEGABYTE

KEY_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"
REFERENCE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._/-]*$"

Key = Annotated[str, StringConstraints(pattern=KEY_PATTERN, min_length=1, max_length=64)]
Reference = Annotated[
    str, StringConstraints(pattern=REFERENCE_PATTERN, min_length=1, max_length=64)
]
Locale = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(_[A-Z]{2})?$", max_length=10)]
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
Email = Annotated[str, StringConstraints(pattern=EMAIL_PATTERN, max_length=200)]
EmailOrEmpty = Annotated[
    str, StringConstraints(pattern=r"^([^@\s]+@[^@\s]+\.[^@\s]+)?$", max_length=200)
]
VideoUrl = Annotated[str, StringConstraints(pattern=r"^(https://\S+)?$", max_length=500)]
TelegramUsername = Annotated[str, StringConstraints(pattern=r"^@?[A-Za-z0-9_]{5,32}$")]
Municipality = Annotated[
    str, StringConstraints(pattern=r"^\S(.*\S)?$", min_length=1, max_length=100)
]
Hours = Annotated[int, Field(ge=0, le=10_000)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
FirstName = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Text40 = Annotated[str, StringConstraints(max_length=40)]
Text200 = Annotated[str, StringConstraints(max_length=200)]
Text300 = Annotated[str, StringConstraints(max_length=300)]
Text500 = Annotated[str, StringConstraints(max_length=500)]
Text1000 = Annotated[str, StringConstraints(max_length=1000)]
Text2000 = Annotated[str, StringConstraints(max_length=2000)]


class Record(BaseModel):
    """Every object in the document: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class OrganisationRecord(Record):
    """A municipality, a regional team or a partner, and the municipalities it serves."""

    key: Key = Field(description="Stable key, e.g. rit-westfriesland; the upsert key.")
    name: Name
    kind: OrganisationKind
    municipalities: list[Municipality] = Field(
        default_factory=list,
        description="Municipalities served; staff reach the clients of these municipalities.",
        json_schema_extra={"uniqueItems": True},
    )
    phone: Text40 = ""
    email: EmailOrEmpty = ""
    desk: Text300 = Field(default="", description="Where to go in person.")
    default_locale: Locale = "nl"

    @field_validator("municipalities")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("a municipality is listed twice")
        return value


class StaffRecord(Record):
    """A caseworker, social guide, team lead or administrator."""

    key: Key = Field(description="Stable key; the upsert key.")
    name: Name
    organisation: Key = Field(description="Key of the staff member's organisation.")
    role: StaffRole = StaffRole.CASEWORKER
    login: Email | None = Field(default=None, description="Back-office login (e-mail address).")
    telegram_username: TelegramUsername | None = None
    active: bool = True


class PlanPartRecord(Record):
    """A module or component of the plan."""

    external_id: Reference = Field(description="Id in the case system; unique within the plan.")
    kind: PlanPartKind
    title: Name
    required: bool = True
    planned_hours: Hours | None = None
    done_hours: Hours | None = None
    status: PartStatus = PartStatus.PLANNED
    target_date: dt.date | None = None
    provider: Text200 = ""
    note: Text500 = ""


class PlanRecord(Record):
    """The PIP (Persoonlijk Plan Inburgering en Participatie), one version of it."""

    version: int = Field(default=1, ge=1, le=1000)
    status: PlanStatus = PlanStatus.ESTABLISHED
    decision_date: dt.date = Field(description="Date of the decision (dagtekening).")
    period_start: dt.date
    period_end: dt.date
    extended_until: dt.date | None = None
    learning_route: LearningRoute
    target_level: Level = Level.B1
    lowered_to_a2: bool = False
    lowered_at: dt.date | None = None
    route_switch_deadline: dt.date | None = None
    map_applies: bool = True
    map_intensity: Intensity = Intensity.REGULAR
    pvt_intensity: Intensity = Intensity.REGULAR
    ontzorgen_applies: bool = False
    ontzorgen_until: dt.date | None = None
    childcare_arranged: bool = False
    travel_costs_covered: bool = False
    monitoring: Text1000 = ""
    summary: Text2000 = Field(default="", description="Plain-language summary for the client.")
    parts: list[PlanPartRecord] = Field(default_factory=list)

    @field_validator("period_end")
    @classmethod
    def _end_after_start(cls, value: dt.date, info: ValidationInfo) -> dt.date:
        start = info.data.get("period_start")
        if start is not None and value < start:
            raise ValueError("the period cannot end before it starts")
        return value

    @field_validator("extended_until")
    @classmethod
    def _extension_after_end(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        end = info.data.get("period_end")
        if value is not None and end is not None and value < end:
            raise ValueError("an extension cannot end before the period does")
        return value


class ExamRecord(Record):
    """An exam attempt (lezen, luisteren, schrijven, spreken, KNM)."""

    external_id: Reference
    component: ExamComponent
    level: Level = Level.B1
    date: dt.date
    place: Text200 = ""
    result: ExamResult = ExamResult.PLANNED


class AppointmentRecord(Record):
    """An appointment; times are ISO 8601 with an offset."""

    external_id: Reference = Field(description="Id in the case system; unique per client.")
    kind: AppointmentKind
    title: Text200 = ""
    start: AwareDatetime
    end: AwareDatetime | None = None
    staff: Key | None = Field(default=None, description="Key of the staff member.")
    place_name: Text200 = ""
    address: Text300 = ""
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    phone: Text40 = ""
    video_url: VideoUrl = ""
    bring: Text500 = ""
    interpreter_needed: bool = False
    interpreter_language: Locale | None = None
    status: AppointmentStatus | None = Field(
        default=None, description="Left out: new ones are planned, existing ones keep theirs."
    )

    @field_validator("end")
    @classmethod
    def _end_after_start(cls, value: dt.datetime | None, info: ValidationInfo) -> Any:
        start = info.data.get("start")
        if value is not None and start is not None and value < start:
            raise ValueError("an appointment cannot end before it starts")
        return value

    @model_validator(mode="after")
    def _both_coordinates(self) -> AppointmentRecord:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("latitude and longitude go together")
        return self


class TaskRecord(Record):
    """Something the client has to do."""

    external_id: Reference = Field(description="Id in the case system; unique per client.")
    title: Name
    description: Text1000 = ""
    due_date: dt.date | None = None
    status: TaskStatus | None = Field(
        default=None, description="Left out: new ones are open, existing ones keep theirs."
    )


class ClientRecord(Record):
    """An inburgeraar: a reference and a first name only, never a BSN."""

    ref: Reference = Field(description="The municipality's reference; the upsert key.")
    first_name: FirstName
    municipality: Municipality
    caseworker: Key | None = None
    social_guide: Key | None = None
    target_group: TargetGroup = TargetGroup.ASYLUM_PERMIT_HOLDER
    locale: Locale | None = None
    literacy_support: LiteracySupport = LiteracySupport.TEXT
    integration_start: dt.date | None = None
    integration_end: dt.date | None = None
    status: ClientStatus | None = Field(
        default=None, description="Usually left out: paused or closed come from the case system."
    )
    plan: PlanRecord | None = None
    exams: list[ExamRecord] = Field(default_factory=list)
    appointments: list[AppointmentRecord] = Field(default_factory=list)
    tasks: list[TaskRecord] = Field(default_factory=list)

    @field_validator("integration_end")
    @classmethod
    def _end_after_start(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        start = info.data.get("integration_start")
        if value is not None and start is not None and value < start:
            raise ValueError("the integration period cannot end before it starts")
        return value


class ImportDocument(Record):
    """The whole import file."""

    schema_: str | None = Field(default=None, alias="$schema", description="Ignored.")
    format_version: Literal[1] = 1
    organisations: list[OrganisationRecord] = Field(default_factory=list)
    staff: list[StaffRecord] = Field(default_factory=list)
    clients: list[ClientRecord] = Field(default_factory=list)


def import_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the import format, as kept in docs/import.schema.json."""
    schema = ImportDocument.model_json_schema(by_alias=True)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **schema,
        "title": "inburgerbot import",
        "description": (
            "Organisations, staff, clients and their plans, exams, appointments and tasks. "
            "See docs/import.md."
        ),
    }


class ImportRejected(ValueError):
    """A document that cannot be imported; `path` points at the first problem."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}" if path else reason)
        self.path = path
        self.reason = reason


def json_path(loc: Iterable[int | str]) -> str:
    """('clients', 3, 'appointments', 0, 'start') -> 'clients[3].appointments[0].start'."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def read_document(path: Path, *, limit: int = MAX_IMPORT_BYTES) -> ImportDocument:
    """Read and validate an import file, refusing one larger than `limit` before parsing."""
    try:
        size = path.stat().st_size
        if size > limit:
            raise _too_large(size, limit)
        with path.open("rb") as stream:
            data = stream.read(limit + 1)
    except OSError as exc:
        raise ImportRejected("", f"cannot read the file: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise _too_large(len(data), limit)
    return parse_document(data)


def _too_large(size: int, limit: int) -> ImportRejected:
    return ImportRejected(
        "", f"the file is {size / MEGABYTE:.1f} MB; the limit is {limit / MEGABYTE:.0f} MB"
    )


def parse_document(data: bytes | str) -> ImportDocument:
    """Validate a document completely; raise ImportRejected naming the first problem."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportRejected("", f"the file is not UTF-8 text (byte {exc.start})") from None
    try:
        document = ImportDocument.model_validate_json(data, strict=True)
    except ValidationError as exc:
        raise _first_problem(exc) from None
    check_unique(document)
    return document


def _first_problem(exc: ValidationError) -> ImportRejected:
    """The first validation error, without the offending value (it may be personal data)."""
    error = exc.errors(include_url=False, include_input=False)[0]
    if error["type"] == "json_invalid":
        return ImportRejected("", f"invalid JSON: {error['ctx']['error']}")
    message = error["msg"].removeprefix("Value error, ")
    return ImportRejected(json_path(error["loc"]) or "document", message)


def check_unique(document: ImportDocument) -> None:
    """Keys that identify rows must not repeat within the document."""
    _unique("organisations", "key", (o.key for o in document.organisations))
    _unique("staff", "key", (s.key for s in document.staff))
    _unique("staff", "login", (s.login.lower() if s.login else None for s in document.staff))
    _unique("clients", "ref", (c.ref for c in document.clients))
    for i, client in enumerate(document.clients):
        base = f"clients[{i}]"
        if client.plan is not None:
            ids = (p.external_id for p in client.plan.parts)
            _unique(f"{base}.plan.parts", "external_id", ids)
        _unique(f"{base}.exams", "external_id", (e.external_id for e in client.exams))
        ids = (a.external_id for a in client.appointments)
        _unique(f"{base}.appointments", "external_id", ids)
        _unique(f"{base}.tasks", "external_id", (t.external_id for t in client.tasks))


def _unique(where: str, name: str, values: Iterable[str | None]) -> None:
    seen: dict[str, int] = {}
    for i, value in enumerate(values):
        if value is None:
            continue
        if value in seen:
            raise ImportRejected(
                f"{where}[{i}].{name}", f"{value!r} is already used at {where}[{seen[value]}]"
            )
        seen[value] = i


KINDS = (
    "organisations",
    "municipalities",
    "staff",
    "clients",
    "plans",
    "plan_parts",
    "exams",
    "appointments",
    "tasks",
)


@dataclass
class Tally:
    """How many rows of one kind were created, updated or left unchanged."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def count(self, *, created: bool, changed: bool) -> None:
        if created:
            self.created += 1
        elif changed:
            self.updated += 1
        else:
            self.unchanged += 1


@dataclass
class ImportSummary:
    """Per kind of row: created, updated and unchanged counts."""

    tallies: dict[str, Tally] = field(default_factory=lambda: {kind: Tally() for kind in KINDS})

    def __getitem__(self, kind: str) -> Tally:
        return self.tallies[kind]

    @property
    def changed(self) -> bool:
        return any(t.created or t.updated for t in self.tallies.values())

    def lines(self) -> list[str]:
        width = max(len(kind) for kind in self.tallies)
        return [
            f"{kind.replace('_', ' '):<{width}}  {t.created:>5} created  {t.updated:>5} updated"
            f"  {t.unchanged:>5} unchanged"
            for kind, t in self.tallies.items()
        ]

    def as_counts(self) -> dict[str, dict[str, int]]:
        return {
            kind: {"created": t.created, "updated": t.updated, "unchanged": t.unchanged}
            for kind, t in self.tallies.items()
        }


def assign(row: Any, values: Mapping[str, Any]) -> bool:
    """Set only the attributes that differ (no needless UPDATE); say whether any did."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


async def import_file(
    db: Any, path: Path, *, rules: PlanningRules, now: dt.datetime, dry_run: bool = False
) -> ImportSummary:
    """Read, validate and import a file in one transaction (rolled back when `dry_run`)."""
    document = read_document(path)
    try:
        async with db.transaction() as session:
            summary = await import_document(session, document, rules=rules, now=now)
            if dry_run:
                raise _DryRun(summary)
    except _DryRun as rehearsal:
        return rehearsal.summary
    return summary


class _DryRun(Exception):
    def __init__(self, summary: ImportSummary) -> None:
        super().__init__("dry run")
        self.summary = summary


async def import_document(
    session: AsyncSession, document: ImportDocument, *, rules: PlanningRules, now: dt.datetime
) -> ImportSummary:
    """Write a validated document into the session's transaction; the caller commits."""
    writer = _Writer(session, rules=rules, now=now)
    await writer.load()
    for i, organisation in enumerate(document.organisations):
        with writer.at(f"organisations[{i}]") as path:
            await writer.organisation(path, organisation)
    for i, member in enumerate(document.staff):
        with writer.at(f"staff[{i}]") as path:
            await writer.staff(path, member)
    for i, client in enumerate(document.clients):
        with writer.at(f"clients[{i}]") as path:
            await writer.client(path, client)
    if writer.summary.changed:
        audit.record(
            session,
            actor_kind=ActorKind.SYSTEM,
            actor_id=None,
            action="import",
            detail=_counts_detail(writer.summary),
            at=now,
        )
    logger.info("import finished: %s", writer.summary.as_counts())
    return writer.summary


def _counts_detail(summary: ImportSummary) -> str:
    return " ".join(
        f"{kind}={t.created}+{t.updated}"
        for kind, t in summary.tallies.items()
        if t.created or t.updated
    )[:500]


class _Writer:
    """The upserts of one import, with lookups of what is already stored."""

    def __init__(self, session: AsyncSession, *, rules: PlanningRules, now: dt.datetime) -> None:
        self.session = session
        self.rules = rules
        self.now = now
        self.summary = ImportSummary()
        self.organisations: dict[str, Organisation] = {}
        self.staff_by_key: dict[str, Staff] = {}
        self.served: dict[int, set[str]] = {}

    async def load(self) -> None:
        """Organisations and staff are few: keep them all at hand."""
        for org in (await self.session.exec(select(Organisation))).all():
            self.organisations[org.key] = org
            self.served.setdefault(org.id or 0, set())
        for link in (await self.session.exec(select(OrganisationMunicipality))).all():
            self.served.setdefault(link.organisation_id, set()).add(link.municipality)
        for member in (await self.session.exec(select(Staff))).all():
            self.staff_by_key[member.key] = member

    @contextmanager
    def at(self, path: str) -> Iterator[str]:
        """Report a database or case-rule refusal against the record being written."""
        try:
            yield path
        except case.CaseError as exc:
            raise ImportRejected(path, str(exc)) from None
        except DBAPIError as exc:
            detail = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
            raise ImportRejected(path, f"the database refused it: {detail}") from None

    # organisations and staff

    async def organisation(self, path: str, record: OrganisationRecord) -> None:
        values: dict[str, Any] = {
            "name": record.name,
            "kind": str(record.kind),
            "default_locale": record.default_locale,
            "phone": record.phone,
            "email": record.email,
            "desk": record.desk,
        }
        row = self.organisations.get(record.key)
        created = row is None
        if row is None:
            row = Organisation(key=record.key, **values)
            self.session.add(row)
            changed = True
        else:
            changed = assign(row, values)
            if changed:
                self.session.add(row)
        await self.session.flush()
        self.organisations[record.key] = row
        self.summary["organisations"].count(created=created, changed=changed)
        await self._municipalities(row, record.municipalities)

    async def _municipalities(self, org: Organisation, wanted: Sequence[str]) -> None:
        """The file's list is the organisation's whole list: add the new, drop the missing."""
        org_id = org.id or 0
        links = (
            await self.session.exec(
                select(OrganisationMunicipality).where(
                    OrganisationMunicipality.organisation_id == org_id
                )
            )
        ).all()
        tally = self.summary["municipalities"]
        for link in links:
            if link.municipality in wanted:
                tally.unchanged += 1
            else:
                await self.session.delete(link)
                tally.updated += 1
        have = {link.municipality for link in links}
        for name in wanted:
            if name not in have:
                self.session.add(
                    OrganisationMunicipality(organisation_id=org_id, municipality=name)
                )
                tally.created += 1
        await self.session.flush()
        self.served[org_id] = set(wanted)

    async def staff(self, path: str, record: StaffRecord) -> None:
        org = self.organisations.get(record.organisation)
        if org is None:
            raise ImportRejected(
                f"{path}.organisation", f"unknown organisation {record.organisation!r}"
            )
        login = record.login.lower() if record.login else None
        if login is not None:
            holder = next((s for s in self.staff_by_key.values() if s.login == login), None)
            if holder is not None and holder.key != record.key:
                raise ImportRejected(f"{path}.login", "this login belongs to another staff member")
        username = record.telegram_username
        values: dict[str, Any] = {
            "name": record.name,
            "organisation_id": org.id,
            "role": str(record.role),
            "login": login,
            "telegram_username": username.removeprefix("@").lower() if username else None,
            "active": record.active,
        }
        row = self.staff_by_key.get(record.key)
        created = row is None
        if row is None:
            row = Staff(key=record.key, **values)
            self.session.add(row)
            changed = True
        else:
            changed = assign(row, values)
            if changed:
                self.session.add(row)
        await self.session.flush()
        self.staff_by_key[record.key] = row
        self.summary["staff"].count(created=created, changed=changed)

    def _staff(self, path: str, key: str | None, municipality: str) -> Staff | None:
        """A staff member by key, who must be able to reach the client's municipality."""
        if key is None:
            return None
        member = self.staff_by_key.get(key)
        if member is None:
            raise ImportRejected(path, f"unknown staff member {key!r}")
        if municipality not in self.served.get(member.organisation_id, set()):
            raise ImportRejected(
                path, f"staff member {key!r} is not in an organisation that serves {municipality}"
            )
        return member

    # clients

    async def client(self, path: str, record: ClientRecord) -> None:
        if not any(record.municipality in served for served in self.served.values()):
            raise ImportRejected(
                f"{path}.municipality", f"no organisation serves {record.municipality}"
            )
        caseworker = self._staff(f"{path}.caseworker", record.caseworker, record.municipality)
        guide = self._staff(f"{path}.social_guide", record.social_guide, record.municipality)
        values: dict[str, Any] = {
            "first_name": record.first_name,
            "municipality": record.municipality,
            "caseworker_id": caseworker.id if caseworker else None,
            "social_guide_id": guide.id if guide else None,
            "target_group": str(record.target_group),
            "locale": record.locale,
            "literacy_support": str(record.literacy_support),
            "integration_start": record.integration_start,
            "integration_end": record.integration_end,
        }
        if record.status is not None:
            values["status"] = str(record.status)
        row = (await self.session.exec(select(Client).where(Client.ref == record.ref))).first()
        created = row is None
        if row is None:
            row = Client(ref=record.ref, **values)
            self.session.add(row)
            changed = True
        else:
            changed = assign(row, values)
            if changed:
                self.session.add(row)
        await self.session.flush()
        self.summary["clients"].count(created=created, changed=changed)
        if record.plan is not None:
            await self.plan(f"{path}.plan", row, record.plan)
        await self.exams(f"{path}.exams", row, record.exams)
        await self.appointments(f"{path}.appointments", row, record)
        await self.tasks(f"{path}.tasks", row, record.tasks)

    async def plan(self, path: str, client: Client, record: PlanRecord) -> None:
        values = record.model_dump(exclude={"version", "parts"})
        values = {name: _plain(value) for name, value in values.items()}
        row = (
            await self.session.exec(
                select(Plan).where(Plan.client_id == client.id, Plan.version == record.version)
            )
        ).first()
        created = row is None
        if row is None:
            row = Plan(client_id=client.id or 0, version=record.version, **values)
            self.session.add(row)
            changed = True
            deadlines_moved = True
        else:
            before = (row.status, row.period_end, row.extended_until)
            changed = assign(row, values)
            deadlines_moved = before != (row.status, row.period_end, row.extended_until)
            if changed:
                self.session.add(row)
        await self.session.flush()
        self.summary["plans"].count(created=created, changed=changed)
        if deadlines_moved:
            await replan_deadlines(
                self.session, plan=row, client=client, rules=self.rules, now=self.now
            )
        await self.parts(row, record.parts)

    async def parts(self, plan: Plan, records: Sequence[PlanPartRecord]) -> None:
        existing = {
            part.external_id: part
            for part in (
                await self.session.exec(select(PlanPart).where(PlanPart.plan_id == plan.id))
            ).all()
        }
        for position, record in enumerate(records):
            values = {
                name: _plain(v) for name, v in record.model_dump(exclude={"external_id"}).items()
            }
            values["position"] = position
            row = existing.get(record.external_id)
            if row is None:
                self.session.add(
                    PlanPart(plan_id=plan.id or 0, external_id=record.external_id, **values)
                )
                self.summary["plan_parts"].created += 1
                continue
            changed = assign(row, values)
            if changed:
                self.session.add(row)
            self.summary["plan_parts"].count(created=False, changed=changed)
        await self.session.flush()

    async def exams(self, path: str, client: Client, records: Sequence[ExamRecord]) -> None:
        existing = {
            exam.external_id: exam
            for exam in (
                await self.session.exec(
                    select(ExamAttempt).where(ExamAttempt.client_id == client.id)
                )
            ).all()
        }
        for record in records:
            values: dict[str, Any] = {
                "component": str(record.component),
                "level": str(record.level),
                "exam_date": record.date,
                "place": record.place,
                "result": str(record.result),
            }
            row = existing.get(record.external_id)
            if row is None:
                self.session.add(
                    ExamAttempt(client_id=client.id or 0, external_id=record.external_id, **values)
                )
                self.summary["exams"].created += 1
                continue
            changed = assign(row, values)
            if changed:
                self.session.add(row)
            self.summary["exams"].count(created=False, changed=changed)
        await self.session.flush()

    async def appointments(self, path: str, client: Client, record: ClientRecord) -> None:
        existing = {
            row.external_id: row
            for row in (
                await self.session.exec(
                    select(Appointment).where(Appointment.client_id == client.id)
                )
            ).all()
        }
        for i, item in enumerate(record.appointments):
            with self.at(f"{path}[{i}]") as item_path:
                staff = self._staff(f"{item_path}.staff", item.staff, client.municipality)
                row = existing.get(item.external_id)
                if row is None:
                    await self._new_appointment(client, item, staff)
                    self.summary["appointments"].created += 1
                else:
                    changed = await self._update_appointment(client, row, item, staff)
                    self.summary["appointments"].count(created=False, changed=changed)
                await self.session.flush()

    async def _new_appointment(
        self, client: Client, item: AppointmentRecord, staff: Staff | None
    ) -> None:
        draft = case.AppointmentDraft(
            external_id=item.external_id,
            starts_at=item.start,
            ends_at=item.end,
            staff_id=staff.id if staff else None,
            **_appointment_details(item),
        )
        row = await case.add_appointment(
            self.session, client=client, draft=draft, rules=self.rules, now=self.now
        )
        if item.status is not None and item.status != AppointmentStatus.PLANNED:
            await self._appointment_status(client, row, item.status)

    async def _update_appointment(
        self, client: Client, row: Appointment, item: AppointmentRecord, staff: Staff | None
    ) -> bool:
        """Details are assigned; a new time goes through case.move_appointment (re-plans)."""
        values = {"staff_id": staff.id if staff else None, **_appointment_details(item)}
        changed = assign(row, values)
        target = item.status or AppointmentStatus(row.status)
        if row.starts_at != item.start or row.ends_at != item.end:
            changed = True
            if target == AppointmentStatus.PLANNED:
                row.status = AppointmentStatus.PLANNED
                await case.move_appointment(
                    self.session,
                    client=client,
                    appointment=row,
                    starts_at=item.start,
                    ends_at=item.end,
                    rules=self.rules,
                    now=self.now,
                )
                row.ends_at = item.end  # the move keeps the old duration; the file decides
            else:
                row.starts_at, row.ends_at = item.start, item.end
        if row.status != target:
            changed = True
            await self._appointment_status(client, row, target)
        if changed:
            self.session.add(row)
        return changed

    async def _appointment_status(
        self, client: Client, row: Appointment, status: AppointmentStatus
    ) -> None:
        if status == AppointmentStatus.CANCELLED:
            await case.cancel_appointment(
                self.session, client=client, appointment=row, rules=self.rules, now=self.now
            )
            return
        row.status = status
        self.session.add(row)
        await replan_appointment(
            self.session, appointment=row, client=client, rules=self.rules, now=self.now
        )

    async def tasks(self, path: str, client: Client, records: Sequence[TaskRecord]) -> None:
        existing = {
            row.external_id: row
            for row in (
                await self.session.exec(select(Task).where(Task.client_id == client.id))
            ).all()
        }
        for i, item in enumerate(records):
            with self.at(f"{path}[{i}]"):
                row = existing.get(item.external_id)
                if row is None:
                    row = await case.add_task(
                        self.session,
                        client=client,
                        external_id=item.external_id,
                        title=item.title,
                        description=item.description,
                        due_date=item.due_date,
                        rules=self.rules,
                        now=self.now,
                    )
                    if item.status not in (None, TaskStatus.OPEN):
                        await self._task_status(client, row, TaskStatus(item.status))
                    self.summary["tasks"].created += 1
                    continue
                changed = await self._update_task(client, row, item)
                self.summary["tasks"].count(created=False, changed=changed)
                await self.session.flush()

    async def _update_task(self, client: Client, row: Task, item: TaskRecord) -> bool:
        due_moved = row.due_date != item.due_date
        changed = assign(
            row, {"title": item.title, "description": item.description, "due_date": item.due_date}
        )
        target = item.status
        if target == TaskStatus.OPEN and row.done_by == ActorKind.CLIENT:
            target = None  # what the client marked done in the bot stays done
        if target is not None and row.status != target:
            await self._task_status(client, row, target)
            return True
        if due_moved:
            await replan_task(self.session, task=row, client=client, rules=self.rules, now=self.now)
        if changed:
            self.session.add(row)
        return changed

    async def _task_status(self, client: Client, row: Task, status: TaskStatus) -> None:
        await case.set_task_status(
            self.session, client=client, task=row, status=status, rules=self.rules, now=self.now
        )


def _appointment_details(item: AppointmentRecord) -> dict[str, Any]:
    return {
        "kind": str(item.kind),
        "title": item.title,
        "place_name": item.place_name,
        "address": item.address,
        "latitude": item.latitude,
        "longitude": item.longitude,
        "phone": item.phone,
        "video_url": item.video_url,
        "bring": item.bring,
        "interpreter_needed": item.interpreter_needed,
        "interpreter_language": item.interpreter_language,
    }


def _plain(value: Any) -> Any:
    """Enum members as their string values, the way the columns hold them."""
    return str(value) if isinstance(value, str) else value


if __name__ == "__main__":  # python -m storage.importer > docs/import.schema.json
    sys.stdout.write(json.dumps(import_json_schema(), indent=2, ensure_ascii=False) + "\n")
