"""Loading organisations, staff, clients and their plans, exams, appointments and tasks from a
JSON document (docs/import.md, docs/import.schema.json).

The file is read as a stream (casework/import_stream.py): one record at a time is parsed,
checked against the models below, against the caps and for a BSN, so memory holds a chunk and a
batch of records, never the whole file. Clients are written in batches of BATCH, with one query
per table to find what is stored and one `INSERT ... ON CONFLICT DO UPDATE` per table for what
is new or changed (storage/imports.py); unchanged rows are not written, so importing the same
file twice changes nothing. Reminders of the appointments, tasks and plans that changed are
re-planned in bulk with the rules of casework/planning.py. Everything happens in one
transaction: a problem anywhere, found while reading or while writing, writes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
import sys
from array import array
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import cache
from operator import attrgetter
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

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
from sqlalchemy import Table
from sqlalchemy.exc import DBAPIError
from sqlmodel.ext.asyncio.session import AsyncSession

from casework.collector import frozen_heap
from casework.import_stream import Scanner, Source, StreamError, TooLarge, find_repeated
from casework.planning import (
    PlanningRules,
    Wanted,
    appointment_reminders,
    deadline_reminders,
    reconcile,
    task_reminders,
)
from storage import audit, imports
from storage.bsn import contains_bsn
from storage.enums import (
    ActorKind,
    AppointmentKind,
    AppointmentStatus,
    ClientResponse,
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
    ReminderKind,
    ReminderStatus,
    StaffRole,
    TargetGroup,
    TaskStatus,
)
from storage.ids import pk
from storage.models import Organisation, Staff
from storage.types import utcnow

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
MEGABYTE = 1024 * 1024
# The caps (docs/import.md): each is checked while reading, before memory grows past it.
MAX_IMPORT_BYTES = 50 * MEGABYTE  # the whole file, unless the operator allows more
MAX_RECORD_BYTES = MEGABYTE  # one organisation, staff member or client with all it holds
MAX_ORGANISATIONS = 1_000
MAX_STAFF = 50_000
MAX_CLIENTS = 1_000_000
MAX_MUNICIPALITIES = 500
MAX_PARTS = 100
MAX_EXAMS = 100
MAX_APPOINTMENTS = 1_000
MAX_TASKS = 1_000
MAX_SCALAR_BYTES = 4_096  # `$schema`, `format_version` and anything unknown at the top
BATCH = 500  # clients written together

KEY_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"
REFERENCE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._/-]*$"

Key = Annotated[str, StringConstraints(pattern=KEY_PATTERN, min_length=1, max_length=64)]
Reference = Annotated[
    str, StringConstraints(pattern=REFERENCE_PATTERN, min_length=1, max_length=64)
]
Locale = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(_[A-Z]{2})?$", max_length=10)]
# An identifier of fixed shape, not words: the BSN scan leaves it out (a UUID's last group of
# twelve hex digits may hold nine decimal ones that pass the eleven-test by chance).
IDENTIFIER = object()
# A UUID in its canonical text form, lower case (Common Ground identifiers, docs/common-ground.md).
Uuid = Annotated[
    str,
    StringConstraints(
        pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", max_length=36
    ),
    IDENTIFIER,
]
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

    model_config = ConfigDict(extra="forbid", populate_by_name=True, use_enum_values=True)


class OrganisationRecord(Record):
    """A municipality, a regional team or a partner, and the municipalities it serves."""

    key: Key = Field(description="Stable key, e.g. rit-westfriesland; the upsert key.")
    name: Name
    kind: OrganisationKind
    municipalities: list[Municipality] = Field(
        default_factory=list,
        max_length=MAX_MUNICIPALITIES,
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
    parts: list[PlanPartRecord] = Field(default_factory=list, max_length=MAX_PARTS)

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
    party_uuid: Uuid | None = Field(
        default=None,
        description="The client's party (partij) in Open Klant: contact moments are recorded "
        "for it (docs/common-ground.md). Never a BSN.",
    )
    zaak_uuid: Uuid | None = Field(
        default=None,
        description="The client's inburgering zaak in the Zaken API: contact moments are about it.",
    )
    status: ClientStatus | None = Field(
        default=None, description="Usually left out: paused or closed come from the case system."
    )
    plan: PlanRecord | None = None
    exams: list[ExamRecord] = Field(default_factory=list, max_length=MAX_EXAMS)
    appointments: list[AppointmentRecord] = Field(default_factory=list, max_length=MAX_APPOINTMENTS)
    tasks: list[TaskRecord] = Field(default_factory=list, max_length=MAX_TASKS)

    @field_validator("integration_end")
    @classmethod
    def _end_after_start(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        start = info.data.get("integration_start")
        if value is not None and start is not None and value < start:
            raise ValueError("the integration period cannot end before it starts")
        return value


class ImportDocument(Record):
    """The whole import file."""

    schema_: Text500 | None = Field(default=None, alias="$schema", description="Ignored.")
    format_version: Literal[1] = 1
    organisations: list[OrganisationRecord] = Field(
        default_factory=list, max_length=MAX_ORGANISATIONS
    )
    staff: list[StaffRecord] = Field(default_factory=list, max_length=MAX_STAFF)
    clients: list[ClientRecord] = Field(default_factory=list, max_length=MAX_CLIENTS)


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
    """A document that cannot be imported; `path` points at the first problem.

    The message names a field and a position, never a value: values may be personal data.
    """

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}" if path else reason)
        self.path = path
        self.reason = reason


_FIELD_NAME = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]{0,63}$")


def _name(part: str) -> str:
    """A key as it may appear in a message: a plain name, or a stand-in for anything else."""
    return part if _FIELD_NAME.match(part) and not contains_bsn(part) else "(a field)"


def json_path(loc: Iterable[int | str]) -> str:
    """('clients', 3, 'appointments', 0, 'start') -> 'clients[3].appointments[0].start'."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{_name(part)}" if path else _name(part)
    return path


# -- reading ------------------------------------------------------------------------------------


LISTS: dict[str, tuple[type[Record], int]] = {
    "organisations": (OrganisationRecord, MAX_ORGANISATIONS),
    "staff": (StaffRecord, MAX_STAFF),
    "clients": (ClientRecord, MAX_CLIENTS),
}


@dataclass(frozen=True)
class Item:
    """One record of one of the document's lists, with its position there."""

    kind: str  # "organisations", "staff" or "clients"
    index: int
    record: Any
    # A client's record as the file spells it (see _record_digest); None when the record was
    # not read from a file.
    text: str | None = None


def read_document(path: Path, *, limit: int = MAX_IMPORT_BYTES) -> ImportDocument:
    """Read and check a whole import file into memory (small files: the sandbox, tests)."""
    return _document(_items_of_file(path, limit=limit))


def check_file(
    path: Path, *, limit: int = MAX_IMPORT_BYTES, progress: Callable[[int], None] | None = None
) -> dict[str, int]:
    """Check a whole file without keeping it or writing anything; records per list."""
    counts = dict.fromkeys(LISTS, 0)
    for item in _items_of_file(path, limit=limit, progress=progress):
        counts[item.kind] += 1
    return counts


def parse_document(data: bytes | str) -> ImportDocument:
    """Check a document completely; raise ImportRejected naming the first problem."""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    return _document(_items(Source.of_bytes(data)))


def _document(items: Iterable[Item]) -> ImportDocument:
    lists: dict[str, list[Any]] = {kind: [] for kind in LISTS}
    for item in items:
        lists[item.kind].append(item.record)
    return ImportDocument.model_construct(
        organisations=lists["organisations"], staff=lists["staff"], clients=lists["clients"]
    )


def _items_of_file(
    path: Path, *, limit: int, progress: Callable[[int], None] | None = None
) -> Iterator[Item]:
    try:
        size = path.stat().st_size
        if size > limit:
            raise _too_large(size, limit)
        source = Source.of_file(path, progress=progress)
        yield from _items(source, limit=limit)
    except OSError as exc:
        raise ImportRejected("", f"cannot read the file: {exc.strerror or exc}") from None


def _too_large(size: int, limit: int) -> ImportRejected:
    return ImportRejected(
        "", f"the file is {size / MEGABYTE:.1f} MB; the limit is {limit / MEGABYTE:.0f} MB"
    )


def _items(source: Source, *, limit: int = MAX_IMPORT_BYTES) -> Iterator[Item]:
    """Every record of the document, organisations and staff before clients, each checked.

    Clients usually come last in a file; when they come before the organisations or the
    staff (or one of those is left out), they are checked on a first pass and read again.
    """
    try:
        reader = _Reader(source, limit=limit)
        yield from reader.items()
        if reader.clients_later:
            yield from _Reader(source.quiet(), limit=limit).items(only_clients=True)
    except StreamError as exc:
        raise ImportRejected(exc.path, exc.reason) from None


class _Reader:
    """One pass over the document's top-level object."""

    def __init__(self, source: Source, *, limit: int) -> None:
        self.scanner = Scanner(source)
        self.source = source
        self.limit = limit
        self.clients_later = False

    def items(self, *, only_clients: bool = False) -> Iterator[Item]:
        scanner = self.scanner
        first = scanner.peek()
        if first == "":
            raise scanner.error("EOF while parsing a value", at_end=True)
        if first != "{":
            raise self._not_an_object()
        scanner.take()
        seen: list[str] = []
        checks = _Checks()
        while True:
            char = scanner.peek()
            if char == "":
                raise scanner.error("EOF while parsing an object", at_end=True)
            if char == "}" and not seen:
                scanner.take()
                break
            if char != '"':
                raise scanner.error("key must be a string")
            _, key = scanner.value(limit=MAX_SCALAR_BYTES)
            if key in seen:
                raise StreamError(_name(key), "this key appears twice in the same object")
            seen.append(key)
            char = scanner.peek()
            if char == "":
                raise scanner.error("EOF while parsing an object", at_end=True)
            if char != ":":
                raise scanner.error("expected `:`")
            scanner.take()
            if scanner.peek() == "":
                raise scanner.error("EOF while parsing a value", at_end=True)
            if key in LISTS and scanner.peek() == "[":
                if only_clients:
                    wanted = key == "clients"
                else:
                    wanted = key != "clients" or {"organisations", "staff"} <= set(seen)
                    self.clients_later |= key == "clients" and not wanted
                for item in self._list(key, checks):
                    if wanted:
                        yield item
                if only_clients and key == "clients":
                    return
            else:
                self._scalar(key)
            char = scanner.peek()
            if char == "":
                raise scanner.error("EOF while parsing an object", at_end=True)
            scanner.take()
            if char == "}":
                break
            if char != ",":
                scanner.position -= 1
                raise scanner.error("expected `,` or `}`")
            if scanner.peek() == "}":
                raise scanner.error("trailing comma")
        if scanner.peek() != "":
            raise scanner.error("trailing characters")
        if not only_clients:
            checks.finish(self.source)

    def _not_an_object(self) -> StreamError:
        """Not an object: say what pydantic says of a small one; a large one is not parsed."""
        if self.source.size <= MEGABYTE:
            text = "".join(self.source.quiet().chunks())
            try:
                ImportDocument.model_validate_json(text, strict=True)
            except ValidationError as exc:
                problem = _first_problem(exc)
                return StreamError(problem.path, problem.reason)
        if self.scanner.peek() in '["-0123456789tfn':
            return StreamError("document", "Input should be an object")
        return self.scanner.error("expected value")

    def _scalar(self, key: str) -> None:
        """`$schema`, `format_version`, or a key the format does not know, checked by the
        model on its own (a list field whose value is not a list lands here too)."""
        try:
            text, _ = self.scanner.value(limit=MAX_SCALAR_BYTES)
        except TooLarge:
            raise StreamError(_name(key), "the value is too large") from None
        try:
            ImportDocument.model_validate_json(f"{{{json.dumps(key)}: {text}}}", strict=True)
        except ValidationError as exc:
            problem = _first_problem(exc)
            raise StreamError(problem.path, problem.reason) from None
        if key == "$schema" and contains_bsn(json.loads(text) or ""):
            raise StreamError("$schema", BSN_REFUSED)

    def _list(self, key: str, checks: _Checks) -> Iterator[Item]:
        scanner = self.scanner
        model, cap = LISTS[key]
        scanner.take()  # [
        index = 0
        char = scanner.peek()
        if char == "]":
            scanner.take()
            return
        while True:
            if char == "":
                raise scanner.error("EOF while parsing a list", at_end=True)
            path = f"{key}[{index}]"
            if index >= cap:
                raise StreamError(key, f"the list has more than {cap:,} items (the limit)")
            try:
                text, parsed = scanner.value(limit=MAX_RECORD_BYTES)
            except TooLarge:
                raise StreamError(
                    path, f"the record is larger than {MAX_RECORD_BYTES // MEGABYTE} MB (the limit)"
                ) from None
            record = _record(model, path, text, parsed, scanner)
            checks.add(key, index, record)
            yield Item(key, index, record, text if key == "clients" else None)
            index += 1
            char = scanner.peek()
            if char == "":
                raise scanner.error("EOF while parsing a list", at_end=True)
            scanner.take()
            if char == "]":
                return
            if char != ",":
                scanner.position -= 1
                raise scanner.error("expected `,` or `]`")
            char = scanner.peek()
            if char == "]":
                raise scanner.error("trailing comma")


def _record(model: type[Record], path: str, text: str, parsed: Any, scanner: Scanner) -> Any:
    """Validate one record: its repeated keys, the model, the BSN rule."""
    if scanner.repeated:
        scanner.repeated = False
        found = find_repeated(parsed)
        if found is not None:
            inside, key = found
            raise StreamError(
                _join(path, json_path((*inside, key))), "this key appears twice in the same object"
            )
    try:
        record = model.model_validate_json(text, strict=True)
    except ValidationError as exc:
        problem = _first_problem(exc)
        raise StreamError(_join(path, problem.path), problem.reason) from None
    holder = _bsn_field(record)
    if holder is not None:
        raise StreamError(_join(path, json_path(holder)), BSN_REFUSED)
    return record


def _join(path: str, inner: str) -> str:
    if inner in ("", "document"):
        return path
    return path + inner if inner.startswith("[") else f"{path}.{inner}"


BSN_REFUSED = (
    "holds a number that passes the BSN eleven-test; a BSN is never imported "
    "(remove it from this field)"
)


@cache
def _text_fields(model: type[BaseModel]) -> tuple[tuple[str, str], ...]:
    """(field, kind) of a model's fields that hold text: 'text' for a string, 'texts' for a
    list of strings, 'one' or 'many' for records (enums, dates and numbers cannot hold one)."""
    found = []
    for name, info in model.model_fields.items():
        kind = _kind(info.annotation)
        if kind is not None:
            found.append((name, kind))
    return tuple(found)


def _kind(annotation: Any) -> str | None:
    if get_origin(annotation) in (Union, UnionType):
        inner = [arg for arg in get_args(annotation) if arg is not type(None)]
        return _kind(inner[0]) if len(inner) == 1 else None
    if get_origin(annotation) is list:
        item = _kind(get_args(annotation)[0])
        return {"text": "texts", "one": "many"}.get(item or "")
    if get_origin(annotation) is Annotated:
        if IDENTIFIER in get_args(annotation)[1:]:
            return None
        return _kind(get_args(annotation)[0])
    if annotation is str:
        return "text"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "one"
    return None


def _bsn_field(record: BaseModel) -> tuple[str | int, ...] | None:
    """The path of the first text field holding a BSN, or None (one regex pass when none)."""
    if not contains_bsn("\n".join(_texts(record))):
        return None
    return _bsn_path(record)


def _texts(record: BaseModel, found: list[str] | None = None) -> list[str]:
    """Every text value of a record and the records inside it (empty ones may be left out)."""
    found = [] if found is None else found
    plain, lists, inner = _text_getters(type(record))
    if plain is not None:
        found.extend(filter(None, plain(record)))
    for name in lists:
        found.extend(getattr(record, name) or ())
    for name, many in inner:
        value = getattr(record, name)
        if value is None:
            continue
        for item in value if many else (value,):
            _texts(item, found)
    return found


@cache
def _text_getters(
    model: type[BaseModel],
) -> tuple[Callable[[Any], tuple[Any, ...]] | None, tuple[str, ...], tuple[tuple[str, bool], ...]]:
    """For _texts: one getter of a model's text fields (a tuple of their values), the names of
    its lists of texts, and its records inside (name, whether a list)."""
    fields = _text_fields(model)
    plain = [name for name, kind in fields if kind == "text"]
    getter = None
    if plain:
        names = (*plain, plain[0]) if len(plain) == 1 else tuple(plain)  # always a tuple back
        getter = attrgetter(*names)
    lists = tuple(name for name, kind in fields if kind == "texts")
    inner = tuple((name, kind == "many") for name, kind in fields if kind in ("one", "many"))
    return getter, lists, inner


def _bsn_path(record: BaseModel) -> tuple[str | int, ...] | None:
    for name, kind in _text_fields(type(record)):
        value = getattr(record, name)
        if value is None:
            continue
        if kind == "text" and contains_bsn(value):
            return (name,)
        if kind == "one":
            inner = _bsn_path(value)
            if inner is not None:
                return (name, *inner)
        for index, item in enumerate(value if kind in ("many", "texts") else ()):
            if kind == "texts" and contains_bsn(item):
                return (name, index)
            if kind == "many":
                inner = _bsn_path(item)
                if inner is not None:
                    return (name, index, *inner)
    return None


def _first_problem(exc: ValidationError) -> ImportRejected:
    """The first validation error, without the offending value (it may be personal data)."""
    error = exc.errors(include_url=False, include_input=False)[0]
    if error["type"] == "json_invalid":
        return ImportRejected("", f"invalid JSON: {error['ctx']['error']}")
    message = error["msg"].removeprefix("Value error, ")
    return ImportRejected(json_path(error["loc"]) or "document", message)


class _Checks:
    """Keys that identify rows must not repeat within the document.

    Organisations and staff are few and kept by key; clients are many, so only a 64-bit
    digest of each ref is kept (8 bytes a client), and a repeat is confirmed by reading
    the two refs again.
    """

    def __init__(self) -> None:
        self.keys: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
        self.refs = array("q")

    def add(self, kind: str, index: int, record: Any) -> None:
        if kind == "organisations":
            self._unique(kind, "key", index, record.key)
        elif kind == "staff":
            self._unique(kind, "key", index, record.key)
            if record.login:
                self._unique(kind, "login", index, record.login.lower())
        else:
            self.refs.append(_digest(record.ref))
            _unique_within(f"clients[{index}]", record)

    def _unique(self, kind: str, name: str, index: int, value: str) -> None:
        seen = self.keys[(kind, name)]
        if value in seen:
            raise StreamError(
                f"{kind}[{index}].{name}",
                f"the same {name} is already used at {kind}[{seen[value]}]",
            )
        seen[value] = index

    def finish(self, source: Source) -> None:
        """A repeated client ref: the first repeat in the file, confirmed."""
        if len(set(self.refs)) == len(self.refs):
            return
        first: dict[int, int] = {}
        for index, digest in enumerate(self.refs):
            if digest in first:
                earlier = first[digest]
                refs = _refs_at(source, (earlier, index))
                if refs[earlier] == refs[index]:
                    raise StreamError(
                        f"clients[{index}].ref",
                        f"the same ref is already used at clients[{earlier}]",
                    )
            else:
                first[digest] = index


def _digest(text: str) -> int:
    return int.from_bytes(
        hashlib.blake2b(text.encode(), digest_size=8).digest(), "big", signed=True
    )


def _refs_at(source: Source, indexes: tuple[int, int]) -> dict[int, str]:
    found: dict[int, str] = {}
    for item in _Reader(source.quiet(), limit=sys.maxsize).items(only_clients=True):
        if item.index in indexes:
            found[item.index] = item.record.ref
        if len(found) == len(indexes):
            break
    return found


def _unique_within(base: str, client: ClientRecord) -> None:
    if client.plan is not None:
        _unique(f"{base}.plan.parts", "external_id", (p.external_id for p in client.plan.parts))
    _unique(f"{base}.exams", "external_id", (e.external_id for e in client.exams))
    _unique(f"{base}.appointments", "external_id", (a.external_id for a in client.appointments))
    _unique(f"{base}.tasks", "external_id", (t.external_id for t in client.tasks))


def _unique(where: str, name: str, values: Iterable[str]) -> None:
    seen: dict[str, int] = {}
    for i, value in enumerate(values):
        if value in seen:
            raise StreamError(
                f"{where}[{i}].{name}", f"the same {name} is already used at {where}[{seen[value]}]"
            )
        seen[value] = i


def check_unique(document: ImportDocument) -> None:
    """Keys that identify rows must not repeat (for documents built in memory)."""
    checks = _Checks()
    try:
        for kind in LISTS:
            for index, record in enumerate(getattr(document, kind)):
                checks.add(kind, index, record)
        if len(set(checks.refs)) != len(checks.refs):
            _unique("clients", "ref", (c.ref for c in document.clients))
    except StreamError as exc:
        raise ImportRejected(exc.path, exc.reason) from None


# -- counting -----------------------------------------------------------------------------------


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


def differs(row: Any, values: Mapping[str, Any]) -> bool:
    """Whether a stored row differs from `values` in any of their columns."""
    return any(getattr(row, name) != value for name, value in values.items())


# -- importing ----------------------------------------------------------------------------------


Progress = Callable[[int], None]  # told the bytes read so far


async def import_file(
    db: Any,
    path: Path,
    *,
    rules: PlanningRules,
    now: dt.datetime,
    dry_run: bool = False,
    limit: int = MAX_IMPORT_BYTES,
    progress: Progress | None = None,
) -> ImportSummary:
    """Read, check and import a file in one transaction (rolled back when `dry_run`)."""
    items = _items_of_file(path, limit=limit, progress=progress)
    try:
        async with db.transaction() as session:
            summary = await import_items(session, items, rules=rules, now=now)
            if dry_run:
                raise _DryRun(summary)
    except _DryRun as rehearsal:
        return rehearsal.summary
    return summary


def _refusal(exc: Exception) -> str:
    """The kind of a database's refusal, the same however the statement was sent: the
    driver's own error under SQLAlchemy's wrapper ("UniqueViolationError" on PostgreSQL,
    "IntegrityError" on SQLite)."""
    orig = exc.orig if isinstance(exc, DBAPIError) else None
    return type(orig if orig is not None else exc).__name__


class _DryRun(Exception):
    def __init__(self, summary: ImportSummary) -> None:
        super().__init__("dry run")
        self.summary = summary


async def import_document(
    session: AsyncSession, document: ImportDocument, *, rules: PlanningRules, now: dt.datetime
) -> ImportSummary:
    """Write a checked document into the session's transaction; the caller commits."""
    items: list[Item] = [
        Item(kind, index, record)
        for kind in LISTS
        for index, record in enumerate(getattr(document, kind))
    ]
    return await import_items(session, items, rules=rules, now=now)


async def import_items(
    session: AsyncSession, items: Iterable[Item], *, rules: PlanningRules, now: dt.datetime
) -> ImportSummary:
    """Write records (organisations and staff first) into the session's transaction."""
    with frozen_heap():
        return await _import_items(session, items, rules=rules, now=now)


async def _import_items(
    session: AsyncSession, items: Iterable[Item], *, rules: PlanningRules, now: dt.datetime
) -> ImportSummary:
    writer = _Writer(session, rules=rules, now=now)
    await imports.begin_import(session)  # this import's own writes are no changes to note
    await writer.load()
    batch: list[Item] = []
    try:
        for item in items:
            if item.kind == "organisations":
                async with writer.at(f"organisations[{item.index}]") as path:
                    await writer.organisation(path, item.record)
            elif item.kind == "staff":
                async with writer.at(f"staff[{item.index}]") as path:
                    await writer.staff(path, item.record)
            else:
                batch.append(item)
                if len(batch) >= BATCH:
                    await writer.clients(batch)
                    batch = []
        if batch:
            await writer.clients(batch)
    except Exception:
        await writer.settle()  # a queued write refused earlier is the first problem
        raise
    except BaseException:  # cancelled: the rollback needs the connection free
        await writer.queued.drain()
        raise
    await writer.settle()
    await imports.end_import(session)
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


@dataclass
class _Subjects:
    """Rows of one kind whose reminders are to be planned, for one batch."""

    kind: ReminderKind
    fresh: list[tuple[int, list[Wanted]]] = field(default_factory=list)  # new: nothing stored
    stored: dict[int, tuple[int, list[Wanted]]] = field(default_factory=dict)  # id: client, wanted


@dataclass(frozen=True)
class _AppointmentView:
    id: int | None
    status: str
    starts_at: dt.datetime


@dataclass(frozen=True)
class _TaskView:
    id: int | None
    status: str
    due_date: dt.date | None


class _Writer:
    """The upserts of one import, with lookups of what is already stored."""

    def __init__(self, session: AsyncSession, *, rules: PlanningRules, now: dt.datetime) -> None:
        self.session = session
        self.rules = rules
        self.now = now
        self.summary = ImportSummary()
        self.organisations: dict[str, Organisation] = {}
        self.staff_by_key: dict[str, Staff] = {}
        self.staff_by_login: dict[str, str] = {}  # login: staff key
        self.served: dict[int, set[str]] = {}
        self.queued = imports.Queued()
        self.moments: dict[dt.datetime, Any] = {}  # see _moment
        # PostgreSQL's statistics (imports.analyze): clients stored when they were last taken,
        # and how many this import had created then; None on SQLite.
        self.analyzed: int | None = None
        self.created_then = 0

    async def settle(self, *, wait: bool = True) -> None:
        """Raise the first refusal of a queued write (imports.Queued), if any."""
        refused = await self.queued.settle(wait=wait)
        if refused is not None:
            path, exc = refused
            raise ImportRejected(path, f"the database refused it ({_refusal(exc)})")

    async def load(self) -> None:
        """Organisations and staff are few: keep them all at hand."""
        self.analyzed = await imports.analyze(self.session)
        for org in await imports.organisations(self.session):
            self.organisations[org.key] = org
            self.served.setdefault(pk(org), set())
        for link in await imports.served_municipalities(self.session):
            self.served.setdefault(link.organisation_id, set()).add(link.municipality)
        for member in await imports.staff_members(self.session):
            self.staff_by_key[member.key] = member
            if member.login:
                self.staff_by_login[member.login] = member.key

    @asynccontextmanager
    async def at(self, path: str) -> AsyncIterator[str]:
        """Report a database refusal against the record (or batch) being written.

        Only the kind of refusal is told: a database's own words may quote a value.
        """
        try:
            yield path
        except DBAPIError as exc:
            raise ImportRejected(path, f"the database refused it ({_refusal(exc)})") from None

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
            changed = True
        else:
            changed = assign(row, values)
        if changed:
            await imports.save(self.session, row)
        self.organisations[record.key] = row
        self.summary["organisations"].count(created=created, changed=changed)
        org_id = pk(row)
        added, removed, kept = await imports.set_municipalities(
            self.session, organisation_id=org_id, wanted=record.municipalities
        )
        tally = self.summary["municipalities"]
        tally.created += added
        tally.updated += removed
        tally.unchanged += kept
        self.served[org_id] = set(record.municipalities)

    async def staff(self, path: str, record: StaffRecord) -> None:
        org = self.organisations.get(record.organisation)
        if org is None:
            raise ImportRejected(f"{path}.organisation", "unknown organisation")
        login = record.login.lower() if record.login else None
        if login is not None:
            holder = self.staff_by_login.get(login)
            if holder is not None and holder != record.key:
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
            changed = True
        else:
            if row.login and self.staff_by_login.get(row.login) == record.key:
                del self.staff_by_login[row.login]  # the login may change below
            changed = assign(row, values)
        if changed:
            await imports.save(self.session, row)
        self.staff_by_key[record.key] = row
        if row.login:
            self.staff_by_login[row.login] = record.key
        self.summary["staff"].count(created=created, changed=changed)

    def _staff_id(self, path: str, key: str | None, municipality: str) -> int | None:
        """A staff member by key, who must be able to reach the client's municipality."""
        if key is None:
            return None
        member = self.staff_by_key.get(key)
        if member is None:
            raise ImportRejected(path, "unknown staff member")
        if municipality not in self.served.get(member.organisation_id, set()):
            raise ImportRejected(
                path, "the staff member is not in an organisation that serves this municipality"
            )
        return member.id

    # clients, in batches

    async def clients(self, batch: Sequence[Item]) -> None:
        await self.settle(wait=False)
        staff_ids = [self._references(item) for item in batch]
        self.queued.path = f"clients[{batch[0].index}]"
        async with self.at(self.queued.path):
            await self._statistics()
            self.dialect = await imports.dialect_of(self.session)
            digests = [
                _record_digest(item, staff) for item, staff in zip(batch, staff_ids, strict=True)
            ]
            ids, quiet, stored_digests = await self._client_rows(batch, staff_ids, digests)
            # Changes to the stored clients' rows by other paths since (storage/import_digest.py)
            notes = await imports.fetch(
                self.session,
                imports.CHANGE,
                ("id", "client_id"),
                where="client_id",
                values=[ids[ref] for ref in stored_digests],
            )
            changed = {client_id for _, client_id in notes}
            todo, staff_todo, later = [], [], []
            for item, staff, digest in zip(batch, staff_ids, digests, strict=True):
                ref = item.record.ref
                stored = ref in stored_digests  # a new client's digest went in with its row
                if stored and stored_digests[ref] == digest and ids[ref] not in changed:
                    self._as_imported(item.record)
                    continue
                todo.append(item)
                staff_todo.append(staff)
                if stored and stored_digests[ref] != digest:
                    later.append((ids[ref], digest))
            await self._plans(todo, ids, quiet)
            await self._exams(todo, ids)
            await self._appointments(todo, ids, quiet, staff_todo)
            await self._tasks(todo, ids, quiet)
            await imports.set_digests(self.session, later, queued=self.queued)
            # The notes read above, now compared; one written since stays for the next import.
            await imports.forget_changes(
                self.session, [note_id for note_id, _ in notes], queued=self.queued
            )

    def _as_imported(self, record: ClientRecord) -> None:
        """Count the rows of a client whose digest says they are as this record would write
        them (storage/import_digest.py): all unchanged, as comparing them would find."""
        if record.plan is not None:
            self.summary["plans"].unchanged += 1
            self.summary["plan_parts"].unchanged += len(record.plan.parts)
        self.summary["exams"].unchanged += len(record.exams)
        self.summary["appointments"].unchanged += len(record.appointments)
        self.summary["tasks"].unchanged += len(record.tasks)

    async def _statistics(self) -> None:
        """New statistics each time this import has more than doubled the clients stored since
        the last ones (a handful of ANALYZEs for a whole country, each a sample of the rows)."""
        created = self.summary["clients"].created
        if self.analyzed is not None and created - self.created_then > self.analyzed:
            self.analyzed = await imports.analyze(self.session)
            self.created_then = created

    def _native(self, values: Iterable[Any]) -> tuple[Any, ...]:
        dialect, native, plain = self.dialect, imports.native, _PLAIN
        return tuple([v if type(v) in plain else native(dialect, v) for v in values])

    def _references(self, item: Item) -> dict[str, int | None]:
        """Check what a client refers to; the staff ids by field."""
        path, record = f"clients[{item.index}]", item.record
        if not any(record.municipality in served for served in self.served.values()):
            raise ImportRejected(f"{path}.municipality", "no organisation serves this municipality")
        found = {
            "caseworker": self._staff_id(
                f"{path}.caseworker", record.caseworker, record.municipality
            ),
            "social_guide": self._staff_id(
                f"{path}.social_guide", record.social_guide, record.municipality
            ),
        }
        for i, appointment in enumerate(record.appointments):
            found[f"appointment:{i}"] = self._staff_id(
                f"{path}.appointments[{i}].staff", appointment.staff, record.municipality
            )
        return found

    async def _client_rows(
        self,
        batch: Sequence[Item],
        staff_ids: Sequence[dict[str, int | None]],
        digests: Sequence[str],
    ) -> tuple[dict[str, int], dict[int, Any], dict[str, str | None]]:
        """Upsert the clients (a new one with its import digest); their ids by ref, per stored
        client its quiet hours, and the stored clients' import digests by ref."""
        stored = {
            row[3]: row
            for row in await imports.fetch(
                self.session,
                imports.CLIENT,
                ("id", "quiet_hours", "import_digest", *CLIENT_COLUMNS),
                where="ref",
                values=[item.record.ref for item in batch],
            )
        }
        stamp = self._native((utcnow(),))
        writes: list[tuple[Any, ...]] = []
        tally = self.summary["clients"]
        for item, staff, digest in zip(batch, staff_ids, digests, strict=True):
            record: ClientRecord = item.record
            row = stored.get(record.ref)
            status = record.status or (row[-1] if row else ClientStatus.INVITED)
            values = self._native(
                (
                    record.ref,
                    record.first_name,
                    record.municipality,
                    staff["caseworker"],
                    staff["social_guide"],
                    record.target_group,
                    record.locale,
                    record.literacy_support,
                    record.integration_start,
                    record.integration_end,
                    record.party_uuid,
                    record.zaak_uuid,
                    status,
                )
            )
            changed = row is None or row[3:] != values
            tally.count(created=row is None, changed=changed)
            if changed:
                writes.append((*values, *self.client_defaults, digest, *stamp, *stamp))
        written = await imports.upsert(
            self.session,
            imports.CLIENT,
            (*CLIENT_COLUMNS, *CLIENT_DEFAULTS, "import_digest", "created_at", "updated_at"),
            writes,
            keys=("ref",),
            returning=("ref", "id"),
            insert_only=(*CLIENT_DEFAULTS, "import_digest", "created_at"),
        )
        ids = {ref: row[0] for ref, row in stored.items()}
        ids.update({ref: client_id for ref, client_id in written})
        quiet = {row[0]: self.rules.quiet_for(_Quiet(row[1])) for row in stored.values()}
        return ids, quiet, {ref: row[2] for ref, row in stored.items()}

    @property
    def client_defaults(self) -> tuple[Any, ...]:
        return self._native(CLIENT_DEFAULTS.values())

    def _quiet(self, quiet: Mapping[int, Any], client_id: int) -> Any:
        return quiet.get(client_id, self.rules.default_quiet)

    async def _plans(
        self, batch: Sequence[Item], ids: Mapping[str, int], quiet: Mapping[int, Any]
    ) -> None:
        with_plan = [(ids[i.record.ref], i.record.plan) for i in batch if i.record.plan]
        if not with_plan:
            return
        lookup = [client_id for client_id, _ in with_plan if client_id in quiet]
        stored = {
            (row[1], row[2]): row
            for row in await imports.fetch(
                self.session,
                imports.PLAN,
                ("id", "client_id", "version", *PLAN_COLUMNS),
                where="client_id",
                values=lookup,
            )
        }
        stamp = self._native((utcnow(),))
        writes: list[tuple[Any, ...]] = []
        moved: set[int] = set()  # clients whose deadline reminders are re-planned
        tally = self.summary["plans"]
        terms = [PLAN_COLUMNS.index(name) for name in ("status", "period_end", "extended_until")]
        for client_id, record in with_plan:
            values = self._native(getattr(record, name) for name in PLAN_COLUMNS)
            row = stored.get((client_id, record.version))
            changed = row is None or row[3:] != values
            tally.count(created=row is None, changed=changed)
            if changed:
                writes.append((client_id, record.version, *values, *stamp, *stamp))
                if row is None or any(row[3 + i] != values[i] for i in terms):
                    moved.add(client_id)
        written = await imports.upsert(
            self.session,
            imports.PLAN,
            ("client_id", "version", *PLAN_COLUMNS, "created_at", "updated_at"),
            writes,
            keys=("client_id", "version"),
            returning=("client_id", "version", "id"),
        )
        plan_ids = {key: row[0] for key, row in stored.items()}
        plan_ids.update({(client_id, version): plan_id for client_id, version, plan_id in written})
        await self._parts(with_plan, plan_ids, {row[0] for row in stored.values()})
        if moved:
            await self._deadlines(sorted(moved), quiet)

    async def _parts(
        self,
        with_plan: Sequence[tuple[int, PlanRecord]],
        plan_ids: Mapping[tuple[int, int], int],
        stored_plans: set[int],
    ) -> None:
        wanted = [(plan_ids[(c, plan.version)], plan) for c, plan in with_plan]
        stored = {
            (row[0], row[1]): row
            for row in await imports.fetch(
                self.session,
                imports.PART,
                ("plan_id", "external_id", *PART_COLUMNS),
                where="plan_id",
                values=[plan_id for plan_id, _ in wanted if plan_id in stored_plans],
            )
        }
        stamp = self._native((utcnow(),))
        writes: list[tuple[Any, ...]] = []
        tally = self.summary["plan_parts"]
        for plan_id, plan in wanted:
            for position, record in enumerate(plan.parts):
                values = self._native(
                    (*(getattr(record, name) for name in PART_COLUMNS[:-1]), position)
                )
                row = stored.get((plan_id, record.external_id))
                changed = row is None or row[2:] != values
                tally.count(created=row is None, changed=changed)
                if changed:
                    writes.append((plan_id, record.external_id, *values, *stamp, *stamp))
        await imports.upsert(
            self.session,
            imports.PART,
            ("plan_id", "external_id", *PART_COLUMNS, "created_at", "updated_at"),
            writes,
            keys=("plan_id", "external_id"),
            queued=self.queued,
        )

    async def _deadlines(self, client_ids: Sequence[int], quiet: Mapping[int, Any]) -> None:
        """Deadline reminders follow each client's plan in force; older versions lose theirs."""
        plans = await imports.plan_terms(self.session, client_ids)
        current = imports.in_force(plans)
        subjects = _Subjects(ReminderKind.DEADLINE)
        for plan in plans:
            wanted = []
            if current.get(plan.client_id) == plan.id:
                wanted = deadline_reminders(
                    plan, rules=self.rules, quiet=self._quiet(quiet, plan.client_id)
                )
            subjects.stored[plan.id] = (plan.client_id, wanted)
        await self._plan_reminders(subjects)

    async def _exams(self, batch: Sequence[Item], ids: Mapping[str, int]) -> None:
        with_exams = [(ids[i.record.ref], i.record.exams) for i in batch if i.record.exams]
        if not with_exams:
            return
        stored = {
            (row[0], row[1]): row
            for row in await imports.fetch(
                self.session,
                imports.EXAM,
                ("client_id", "external_id", *EXAM_COLUMNS),
                where="client_id",
                values=[client_id for client_id, _ in with_exams],
            )
        }
        stamp = self._native((utcnow(),))
        writes: list[tuple[Any, ...]] = []
        tally = self.summary["exams"]
        for client_id, records in with_exams:
            for record in records:
                values = self._native(
                    (record.component, record.level, record.date, record.place, record.result)
                )
                row = stored.get((client_id, record.external_id))
                changed = row is None or row[2:] != values
                tally.count(created=row is None, changed=changed)
                if changed:
                    writes.append((client_id, record.external_id, *values, *stamp, *stamp))
        await imports.upsert(
            self.session,
            imports.EXAM,
            ("client_id", "external_id", *EXAM_COLUMNS, "created_at", "updated_at"),
            writes,
            keys=("client_id", "external_id"),
            queued=self.queued,
        )

    async def _appointments(
        self,
        batch: Sequence[Item],
        ids: Mapping[str, int],
        quiet: Mapping[int, Any],
        staff_ids: Sequence[dict[str, int | None]],
    ) -> None:
        """New ones are planned; a stored one is updated, moved (its client's answer cleared)
        or given its new status; the reminders of all of those are re-planned."""
        with_some = [
            (ids[item.record.ref], item.record, staff)
            for item, staff in zip(batch, staff_ids, strict=True)
            if item.record.appointments
        ]
        if not with_some:
            return
        stored = {
            (row[1], row[2]): row
            for row in await imports.fetch(
                self.session,
                imports.APPOINTMENT,
                ("id", "client_id", "external_id", *APPOINTMENT_COLUMNS),
                where="client_id",
                values=[client_id for client_id, _, _ in with_some if client_id in quiet],
            )
        }
        stamp = self._native((utcnow(),))
        now = self._native((self.now,))[0]
        writes: list[tuple[Any, ...]] = []
        replan: dict[tuple[int, str], tuple[int, str, dt.datetime]] = {}
        events: list[tuple[Any, ...]] = []
        tally = self.summary["appointments"]
        for client_id, record, staff in with_some:
            for i, item in enumerate(record.appointments):
                key = (client_id, item.external_id)
                row = stored.get(key)
                details = self._native((staff[f"appointment:{i}"], *_appointment_details(item)))
                starts_at = item.start.astimezone(dt.UTC)  # planning and _moment work in UTC
                start = self._moment(starts_at)
                end = None if item.end is None else self._moment(item.end.astimezone(dt.UTC))
                if row is None:
                    status = str(item.status or AppointmentStatus.PLANNED)
                    state = (start, end, status, str(ClientResponse.NONE), "", None)
                    tally.created += 1
                    replan[key] = (client_id, status, starts_at)
                else:
                    state, action = _appointment_change(row[3 + DETAILS :], start, end, item)
                    changed = row[3:] != (*details, *state)
                    tally.count(created=False, changed=changed)
                    if not changed:
                        continue
                    if action is not None:
                        starts_at = imports.moment(self.dialect, state[0])
                        replan[key] = (client_id, state[2], starts_at)
                        if action != "status":
                            events.append(
                                self._event(action, "appointment", row[0], client_id, now)
                            )
                writes.append((client_id, item.external_id, *details, *state, *stamp, *stamp))
        await self._upsert_and_plan(
            imports.APPOINTMENT,
            APPOINTMENT_COLUMNS,
            writes,
            stored=stored,
            replan=replan,
            events=events,
            kind=ReminderKind.APPOINTMENT,
            wanted=lambda row_id, status, starts_at, quiet_hours: appointment_reminders(
                _AppointmentView(row_id, status, starts_at), rules=self.rules, quiet=quiet_hours
            ),
            quiet=quiet,
        )

    async def _tasks(
        self, batch: Sequence[Item], ids: Mapping[str, int], quiet: Mapping[int, Any]
    ) -> None:
        with_some = [(ids[i.record.ref], i.record.tasks) for i in batch if i.record.tasks]
        if not with_some:
            return
        stored = {
            (row[1], row[2]): row
            for row in await imports.fetch(
                self.session,
                imports.TASK,
                ("id", "client_id", "external_id", *TASK_COLUMNS),
                where="client_id",
                values=[client_id for client_id, _ in with_some if client_id in quiet],
            )
        }
        stamp = self._native((utcnow(),))
        now = self._native((self.now,))[0]
        writes: list[tuple[Any, ...]] = []
        replan: dict[tuple[int, str], tuple[int, str, dt.date | None]] = {}  # status as text
        events: list[tuple[Any, ...]] = []
        tally = self.summary["tasks"]
        for client_id, records in with_some:
            for item in records:
                key = (client_id, item.external_id)
                row = stored.get(key)
                text = self._native((item.title, item.description, item.due_date))
                if row is None:
                    state = self._native(
                        _task_status(TaskStatus(item.status or TaskStatus.OPEN), self.now)
                    )
                    tally.created += 1
                    replan[key] = (client_id, state[0], item.due_date)
                else:
                    state = row[6:10]
                    target = item.status
                    if target == TaskStatus.OPEN and row[8] == ActorKind.CLIENT:
                        target = None  # what the client marked done in the bot stays done
                    status_changed = target is not None and row[6] != target
                    if status_changed:
                        state = self._native(_task_status(TaskStatus(target), self.now))
                    changed = row[3:] != (*text, *state)
                    tally.count(created=False, changed=changed)
                    if not changed:
                        continue
                    if status_changed:
                        events.append(self._event(f"task.{target}", "task", row[0], client_id, now))
                    if status_changed or row[5] != text[2]:
                        replan[key] = (client_id, state[0], item.due_date)
                defaults = self._native(TASK_DEFAULTS.values())
                writes.append(
                    (client_id, item.external_id, *text, *state, *defaults, *stamp, *stamp)
                )
        await self._upsert_and_plan(
            imports.TASK,
            (*TASK_COLUMNS, *TASK_DEFAULTS),
            writes,
            insert_only=tuple(TASK_DEFAULTS),
            stored=stored,
            replan=replan,
            events=events,
            kind=ReminderKind.TASK,
            wanted=lambda row_id, status, due, quiet_hours: task_reminders(
                _TaskView(row_id, status, due), rules=self.rules, quiet=quiet_hours
            ),
            quiet=quiet,
        )

    async def _upsert_and_plan(
        self,
        table: Table,
        columns: Sequence[str],
        writes: Sequence[tuple[Any, ...]],
        *,
        stored: Mapping[tuple[int, str], Any],
        replan: Mapping[tuple[int, str], tuple[int, str, Any]],
        events: Sequence[tuple[Any, ...]],
        kind: ReminderKind,
        wanted: Callable[[int, str, Any, Any], list[Wanted]],
        quiet: Mapping[int, Any],
        insert_only: Sequence[str] = (),
    ) -> None:
        """Write a batch's appointment or task rows (one upsert on client and external id;
        `insert_only` columns are set on new rows only),
        plan the reminders of those to re-plan (`replan`: key to client, status, and the start
        or due date), and add their audit rows."""
        written = await imports.upsert(
            self.session,
            table,
            ("client_id", "external_id", *columns, "created_at", "updated_at"),
            writes,
            keys=("client_id", "external_id"),
            insert_only=(*insert_only, "created_at"),
            returning=("client_id", "external_id", "id") if replan else (),
            queued=self.queued,
        )
        new_ids = {(client_id, external_id): row_id for client_id, external_id, row_id in written}
        subjects = _Subjects(kind)
        for key, (client_id, status, moment) in replan.items():
            row_id = new_ids[key]
            found = wanted(row_id, status, moment, self._quiet(quiet, client_id))
            if key in stored:
                subjects.stored[row_id] = (client_id, found)
            else:
                subjects.fresh.append((client_id, found))
        await self._plan_reminders(subjects)
        await imports.insert_rows(
            self.session, imports.AUDIT, AUDIT_COLUMNS, events, queued=self.queued
        )

    def _event(
        self, action: str, kind: str, subject_id: int, client_id: int, now: Any
    ) -> tuple[Any, ...]:
        stamp = self._native((utcnow(),))[0]
        system = str(ActorKind.SYSTEM)
        return (system, None, action, kind, subject_id, client_id, "", now, stamp, stamp)

    def _moment(self, value: dt.datetime | None) -> Any:
        """A moment in the driver's form; a batch's reminders repeat their events' moments.
        Only UTC ones are kept: in a local zone the two 02:30s of a DST night compare equal."""
        if value is None or value.tzinfo is not dt.UTC:
            return imports.native(self.dialect, value)
        found = self.moments.get(value)
        if found is None:
            if len(self.moments) >= 4096:
                self.moments.clear()
            found = self.moments[value] = imports.native(self.dialect, value)
        return found

    async def _plan_reminders(self, subjects: _Subjects) -> None:
        """Reminder rows for new subjects; stored subjects' rows reconciled (planning's rules)."""
        stamp = self._native((utcnow(),))[0]
        rows: list[tuple[Any, ...]] = []
        for client_id, wanted in subjects.fresh:
            for item in wanted:
                if item.due_at > self.now:  # a moment already passed is not planned
                    rows.append(self._reminder(client_id, subjects.kind, item, stamp))
        if subjects.stored:
            existing = defaultdict(list)
            for reminder in await imports.reminders_of(
                self.session, kind=subjects.kind, subject_ids=subjects.stored
            ):
                existing[reminder.subject_id].append(reminder)
            changed = []
            for subject_id, (client_id, wanted) in subjects.stored.items():
                create, moved = reconcile(existing[subject_id], wanted, now=self.now)
                rows += [self._reminder(client_id, subjects.kind, item, stamp) for item in create]
                changed += moved
            await imports.save_reminders(self.session, changed)
        await imports.insert_rows(
            self.session, imports.REMINDER, REMINDER_COLUMNS, rows, queued=self.queued
        )

    def _reminder(
        self, client_id: int, kind: ReminderKind, item: Wanted, stamp: Any
    ) -> tuple[Any, ...]:
        due = self._moment(item.due_at)
        event = self._moment(item.event_at)
        return (
            client_id,
            str(kind),
            item.subject_id,
            item.key,
            due,
            due,
            event,
            *REMINDER_DEFAULTS,
            stamp,
            stamp,
        )


_PLAIN = frozenset((str, int, float, type(None)))  # stored as they are by every driver


@dataclass(frozen=True)
class _Quiet:
    quiet_hours: str | None


CLIENT_COLUMNS = (
    "ref",
    "first_name",
    "municipality",
    "caseworker_id",
    "social_guide_id",
    "target_group",
    "locale",
    "literacy_support",
    "integration_start",
    "integration_end",
    "party_uuid",
    "zaak_uuid",
    "status",
)
CLIENT_DEFAULTS = imports.column_defaults(
    imports.CLIENT, (*CLIENT_COLUMNS, "import_digest", "created_at", "updated_at")
)
PLAN_COLUMNS = tuple(name for name in PlanRecord.model_fields if name not in ("version", "parts"))
PART_COLUMNS = (
    *(name for name in PlanPartRecord.model_fields if name != "external_id"),
    "position",
)
EXAM_COLUMNS = ("component", "level", "exam_date", "place", "result")
DETAILS_COLUMNS = (
    "staff_id",
    "kind",
    "title",
    "place_name",
    "address",
    "latitude",
    "longitude",
    "phone",
    "video_url",
    "bring",
    "interpreter_needed",
    "interpreter_language",
)
DETAILS = len(DETAILS_COLUMNS)
APPOINTMENT_COLUMNS = (
    *DETAILS_COLUMNS,
    "starts_at",
    "ends_at",
    "status",
    "client_response",
    "response_reason",
    "responded_at",
)
TASK_COLUMNS = (
    "title",
    "description",
    "due_date",
    "status",
    "done_at",
    "done_by",
    "done_by_staff_id",
)
# Columns the import never sets (a task's link and write-back state belong to the Objects API's
# tasks): their model defaults, on new rows only.
TASK_DEFAULTS = imports.column_defaults(
    imports.TASK, ("client_id", "external_id", *TASK_COLUMNS, "created_at", "updated_at")
)
AUDIT_COLUMNS = (
    "actor_kind",
    "actor_id",
    "action",
    "subject_kind",
    "subject_id",
    "client_id",
    "detail",
    "at",
    "created_at",
    "updated_at",
)
REMINDER_COLUMNS = (
    "client_id",
    "kind",
    "subject_id",
    "dedup_key",
    "due_at",
    "available_at",
    "event_at",
    "status",
    "attempts",
    "created_at",
    "updated_at",
)
REMINDER_DEFAULTS = (str(ReminderStatus.PENDING), 0)


# What an import writes for a client besides the client row: a record digested with these gives
# another digest when the importer comes to write other columns, so no client is skipped on
# the strength of a digest of the old mapping. DIGEST_VERSION is for a change in how the same
# columns are filled.
DIGEST_VERSION = 1
_DIGEST_BASIS = hashlib.blake2b(
    repr(
        (
            DIGEST_VERSION,
            PLAN_COLUMNS,
            PART_COLUMNS,
            EXAM_COLUMNS,
            APPOINTMENT_COLUMNS,
            TASK_COLUMNS,
            tuple(TASK_DEFAULTS),
        )
    ).encode(),
    digest_size=16,
)


def _record_digest(item: Item, staff: Mapping[str, int | None]) -> str:
    """The digest of what an import writes for a client's plan, exams, appointments and tasks
    (storage/import_digest.py): the record (as the file spelled it, or as JSON when it was not
    read from a file) and the ids of the staff it names. The same record spelled otherwise gives
    another digest: its client is compared once more, which finds what it finds."""
    found = _DIGEST_BASIS.copy()
    source = item.text if item.text is not None else item.record.model_dump_json()
    found.update(source.encode("utf-8", "surrogatepass"))
    found.update(repr(tuple(staff.items())).encode())
    return found.hexdigest()


def _appointment_change(
    state: Sequence[Any], start: Any, end: Any, item: AppointmentRecord
) -> tuple[tuple[Any, ...], str | None]:
    """A stored appointment's new (starts_at, ends_at, status, client_response,
    response_reason, responded_at), in the driver's form, and what happened to it:
    'appointment.move', 'appointment.cancel', 'status' (another status), or None."""
    starts_at, ends_at, status, response, reason, responded_at = state
    target = str(item.status or status)
    action = None
    if (starts_at, ends_at) != (start, end):
        starts_at, ends_at = start, end
        if target == AppointmentStatus.PLANNED:
            # A new time: the client's earlier answer was about the old one.
            status, response, reason, responded_at = target, str(ClientResponse.NONE), "", None
            action = "appointment.move"
    if status != target:
        status = target
        action = "appointment.cancel" if target == AppointmentStatus.CANCELLED else "status"
    return (starts_at, ends_at, status, response, reason, responded_at), action


def _task_status(status: TaskStatus, now: dt.datetime) -> tuple[Any, ...]:
    """A task's (status, done_at, done_by, done_by_staff_id); the import acts as the system."""
    done = status == TaskStatus.DONE
    return (str(status), now if done else None, str(ActorKind.SYSTEM) if done else None, None)


def _appointment_details(item: AppointmentRecord) -> tuple[Any, ...]:
    return (
        item.kind,
        item.title,
        item.place_name,
        item.address,
        item.latitude,
        item.longitude,
        item.phone,
        item.video_url,
        item.bring,
        item.interpreter_needed,
        item.interpreter_language,
    )


if __name__ == "__main__":  # python -m casework.importer > docs/import.schema.json
    sys.stdout.write(json.dumps(import_json_schema(), indent=2, ensure_ascii=False) + "\n")
