"""The console command `inburgerbot`.

`main` builds the settings once and hands a `CliState` (settings and clock) down through the
click context. Every command is one `asyncio.run` and one transaction; bad input prints one line
on stderr (`error: ...`), exits with code 1 and writes nothing. Commands from other modules are
added in `register_commands` at the bottom of this file.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import sys
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn, TypeVar
from zoneinfo import ZoneInfo

import click
import segno
from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock, SystemClock
from bot.progress import Progress
from bot.services import case
from bot.settings import Settings
from casework import exporter, importer
from scheduler.planning import PlanningRules
from storage import access, audit, invites, migrate, overview
from storage import appointments as appointment_queries
from storage import clients as client_queries
from storage import plans as plan_queries
from storage import reminders as reminder_queries
from storage import staff as staff_queries
from storage import tasks as task_queries
from storage.db import Database
from storage.enums import ActorKind, AppointmentKind, ClientStatus, ReminderStatus, TaskStatus
from storage.models import Appointment, Client, Staff, Task

T = TypeVar("T")
LOCAL_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M")
OPTION_NAMES = {"place_name": "place", "due_date": "due", "staff": "staff"}


@dataclass
class CliState:
    """What every command gets from the group: the settings and a clock (tests inject one)."""

    settings: Settings | None = None
    clock: Clock = field(default_factory=SystemClock)

    @property
    def config(self) -> Settings:
        if self.settings is None:
            raise RuntimeError("the settings are built by the `main` group")
        return self.settings

    @property
    def rules(self) -> PlanningRules:
        return PlanningRules(
            zone=self.config.zone,
            appointment_offsets=self.config.reminder_offsets,
            default_quiet=self.config.default_quiet_hours,
        )

    def now(self) -> datetime:
        return self.clock.now()


pass_state = click.make_pass_decorator(CliState)


def fail(message: str) -> NoReturn:
    """Refuse bad input: one line on stderr, exit code 1 (the transaction rolls back)."""
    raise click.ClickException(message)


class CommandGroup(click.Group):
    """A group whose every error is one line on stderr (`error: ...`) and exit code 1."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
            code = result if isinstance(result, int) else 0
        except click.exceptions.NoArgsIsHelpError as exc:
            click.echo(exc.format_message())
            code = 0
        except click.ClickException as exc:
            click.echo(f"error: {' '.join(exc.format_message().split())}", err=True)
            code = 1
        except click.Abort:
            click.echo("error: aborted", err=True)
            code = 1
        if standalone_mode:
            sys.exit(code)
        return code


def load_settings() -> Settings:
    """The settings from the environment; a bad value names its variable."""
    try:
        return Settings()
    except ValidationError as exc:
        error = exc.errors(include_url=False, include_input=False)[0]
        name = f"INBURGERBOT_{str(error['loc'][0]).upper()}" if error["loc"] else "settings"
        fail(f"{name}: {error['msg'].removeprefix('Value error, ')}")


@contextmanager
def refusals() -> Iterator[None]:
    """Turn the refusals of the layers below into one-line errors."""
    try:
        yield
    except (importer.ImportRejected, case.CaseError, exporter.UnknownClient) as exc:
        fail(str(exc))
    except DBAPIError as exc:
        detail = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        fail(f"database: {detail}")
    except SQLAlchemyError as exc:
        fail(f"database: {type(exc).__name__}")
    except OSError as exc:
        fail(f"cannot reach the database: {exc.strerror or exc}")


def run(state: CliState, work: Callable[[Database], Awaitable[T]]) -> T:
    """Run one command's database work in its own event loop."""

    async def with_database() -> T:
        database = Database(state.config.database_url, pool_size=1)
        try:
            return await work(database)
        finally:
            await database.dispose()

    with refusals():
        return asyncio.run(with_database())


def echo_lines(lines: Iterable[str]) -> None:
    for line in lines:
        click.echo(line)


def local(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else "-"


def to_utc(wall_clock: datetime, zone: ZoneInfo) -> datetime:
    """A local wall-clock time as a UTC instant; refuses a time skipped by the clock change."""
    aware = wall_clock.replace(tzinfo=zone)
    instant = aware.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != wall_clock:
        fail(f"{wall_clock:%Y-%m-%d %H:%M} does not exist in {zone.key} (the clocks go forward)")
    return instant


class LocalTime(click.ParamType):
    """A date and time like 2026-12-01 10:00, in the configured time zone."""

    name = "YYYY-MM-DD HH:MM"

    def convert(self, value: Any, param: Any, ctx: Any) -> datetime:
        if isinstance(value, datetime):
            return value
        for pattern in LOCAL_FORMATS:
            try:
                return datetime.strptime(str(value).strip(), pattern)
            except ValueError:
                continue
        self.fail(f"{value!r} is not a date and time like 2026-12-01 10:00", param, ctx)


LOCAL_TIME = LocalTime()
DAY = click.DateTime(formats=["%Y-%m-%d"])


def record_fields(model: type[Any], **fields: Any) -> Any:
    """Check command-line values with the import format's rules (one source of truth)."""
    try:
        return model(**fields)
    except ValidationError as exc:
        error = exc.errors(include_url=False, include_input=False)[0]
        name = str(error["loc"][0]) if error["loc"] else "value"
        option = OPTION_NAMES.get(name, name).replace("_", "-")
        fail(f"--{option}: {error['msg'].removeprefix('Value error, ')}")


# Lookups that refuse unknown references.


async def client_by_ref(session: AsyncSession, ref: str) -> Client:
    client = await client_queries.by_ref(session, ref=ref)
    if client is None:
        fail(f"no client with reference {ref!r}")
    return client


async def staff_by_key(session: AsyncSession, key: str) -> Staff:
    member = await staff_queries.by_key(session, key=key)
    if member is None:
        fail(f"no staff member with key {key!r}")
    return member


async def appointment_with_client(
    session: AsyncSession, appointment_id: int
) -> tuple[Appointment, Client]:
    appointment = await appointment_queries.by_id(session, appointment_id=appointment_id)
    if appointment is None:
        fail(f"no appointment with id {appointment_id}")
    client = await client_queries.by_id(session, client_id=appointment.client_id)
    assert client is not None  # a foreign key guarantees it
    return appointment, client


async def task_with_client(session: AsyncSession, task_id: int) -> tuple[Task, Client]:
    task = await task_queries.by_id(session, task_id=task_id)
    if task is None:
        fail(f"no task with id {task_id}")
    client = await client_queries.by_id(session, client_id=task.client_id)
    assert client is not None
    return task, client


def audit_read(session: AsyncSession, action: str, client: Client | None, now: datetime) -> None:
    """Operators' reads of client data leave a trace, like staff reads do."""
    audit.record(
        session,
        actor_kind=ActorKind.SYSTEM,
        actor_id=None,
        action=action,
        subject_kind="client" if client else "",
        subject_id=client.id if client else None,
        client_id=client.id if client else None,
        at=now,
    )


@click.group(cls=CommandGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def main(ctx: click.Context) -> None:
    """inburgerbot: the inburgeraar's companion on Telegram, and its administration."""
    state = ctx.ensure_object(CliState)
    if state.settings is None:
        state.settings = load_settings()


# db


@click.group()
def db() -> None:
    """The database schema (Alembic migrations)."""


@db.command("upgrade")
@pass_state
def db_upgrade(state: CliState) -> None:
    """Migrate the database to the newest schema."""
    url = state.config.database_url
    with refusals():
        migrate.upgrade(url)
        revision = asyncio.run(migrate.current_revision(url))
    click.echo(f"database at revision {revision}")


@db.command("current")
@pass_state
def db_current(state: CliState) -> None:
    """Show the database's schema revision and the newest one."""
    with refusals():
        revision = asyncio.run(migrate.current_revision(state.config.database_url))
    click.echo(schema_line(revision, migrate.head_revision()))


def schema_line(current: str | None, head: str | None) -> str:
    if current is None:
        return f"schema: not migrated (head {head}); run `inburgerbot db upgrade`"
    if current == head:
        return f"schema: revision {current} (head)"
    return f"schema: revision {current}, head is {head}; run `inburgerbot db upgrade`"


# status


@click.command()
@pass_state
def status(state: CliState) -> None:
    """The schema revision, what is stored and how the reminder outbox stands."""
    echo_lines(run(state, lambda database: status_lines(database, state)))


async def status_lines(database: Database, state: CliState) -> list[str]:
    url = state.config.database_url
    lines = [f"database: {make_url(url).render_as_string(hide_password=True)}"]
    lines.append(schema_line(await migrate.current_revision(url), migrate.head_revision()))
    try:
        async with database.reading() as session:
            lines += await count_lines(session)
            lines += await reminder_status_lines(session, zone=state.config.zone, now=state.now())
    except DBAPIError:
        lines.append("tables: missing; run `inburgerbot db upgrade`")
    return lines


async def count_lines(session: AsyncSession) -> list[str]:
    staff = await overview.staff_counts(session)
    clients = await overview.client_counts(session)
    by_status = ", ".join(f"{clients[s]} {s}" for s in ClientStatus if clients.get(s))
    return [
        f"organisations: {await overview.organisation_count(session)}",
        f"staff: {staff.get(True, 0)} active, {staff.get(False, 0)} inactive",
        f"clients: {sum(clients.values())}" + (f" ({by_status})" if by_status else ""),
    ]


async def reminder_status_lines(
    session: AsyncSession, *, zone: ZoneInfo | None = None, now: datetime | None = None
) -> list[str]:
    """The reminder outbox: pending, being sent and failed rows, and the oldest one overdue."""
    zone = zone or ZoneInfo("UTC")
    outbox = await reminder_queries.outbox_status(session, now=now or datetime.now(UTC))
    counts = outbox.counts
    overdue = f"{local(outbox.oldest_due, zone)} {zone.key}" if outbox.oldest_due else "none"
    return [
        f"reminders: {counts.get(ReminderStatus.PENDING, 0)} pending, "
        f"{counts.get(ReminderStatus.CLAIMED, 0)} being sent, "
        f"{counts.get(ReminderStatus.FAILED, 0)} failed",
        f"oldest reminder due and not sent yet: {overdue}",
    ]


# import and export


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check and count, then write nothing.")
@click.option(
    "--max-size",
    type=click.IntRange(1, 4096),
    default=importer.MAX_IMPORT_BYTES // importer.MEGABYTE,
    show_default=True,
    help="Largest file accepted, in MB.",
)
@pass_state
def import_command(state: CliState, file: Path, dry_run: bool, max_size: int) -> None:
    """Import organisations, staff, clients, plans, appointments and tasks (docs/import.md)."""
    with Progress("import", total=file.stat().st_size) as progress:
        summary = run(
            state,
            lambda database: importer.import_file(
                database,
                file,
                rules=state.rules,
                now=state.now(),
                dry_run=dry_run,
                limit=max_size * importer.MEGABYTE,
                progress=progress.update,
            ),
        )
    echo_lines(summary.lines())
    if dry_run:
        click.echo("dry run: nothing was written")


@click.command("export")
@click.option("--client", "client_ref", metavar="REF", help="Only this client.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="Default: stdout.")
@pass_state
def export_command(state: CliState, client_ref: str | None, output: Path | None) -> None:
    """Export in the import format (importing the export changes nothing)."""
    text = run(state, lambda database: export_text(database, state, client_ref, output))
    if output is None:
        click.echo(text, nl=False)


async def export_text(
    database: Database, state: CliState, client_ref: str | None, output: Path | None
) -> str:
    async with database.transaction() as session:
        with Progress("export", total=1, unit="clients") as progress:

            def told(done: int, total: int) -> None:
                progress.set_total(total)
                progress.update(done)

            document = await exporter.export_document(
                session, zone=state.config.zone, client_ref=client_ref, progress=told
            )
        text = exporter.to_json(document)
        client = await client_queries.by_ref(session, ref=client_ref) if client_ref else None
        audit_read(session, "cli.export", client, state.now())
        if output is not None:
            write_file(output, text.encode())
    return text


def write_file(path: Path, data: bytes) -> None:
    """Write through a temporary file, so a failed write leaves no half file."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_bytes(data)
        partial.replace(path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        fail(f"cannot write {path}: {exc.strerror or exc}")


# clients


@click.group()
def client() -> None:
    """Look clients up."""


@client.command("list")
@click.option("--municipality", help="Only clients of this municipality.")
@click.option("--status", type=click.Choice([s.value for s in ClientStatus]))
@pass_state
def client_list(state: CliState, municipality: str | None, status: str | None) -> None:
    """Clients by reference."""
    echo_lines(
        run(state, lambda database: client_list_lines(database, state, municipality, status))
    )


async def client_list_lines(
    database: Database, state: CliState, municipality: str | None, status: str | None
) -> list[str]:
    async with database.transaction() as session:
        rows = await overview.list_clients(session, municipality=municipality, status=status)
        keys = await staff_keys(session, {row.caseworker_id for row in rows})
        table = [("REF", "FIRST NAME", "MUNICIPALITY", "STATUS", "CASEWORKER", "LINKED")]
        for row in rows:
            linked = "yes" if row.telegram_chat_id else "no"
            caseworker = keys.get(row.caseworker_id, "-")
            table.append(
                (row.ref, row.first_name, row.municipality, row.status, caseworker, linked)
            )
        audit_read(session, "cli.list_clients", None, state.now())
    return [*columns(table), f"{len(rows)} client{'s' if len(rows) != 1 else ''}"]


async def staff_keys(session: AsyncSession, ids: Iterable[int | None]) -> dict[int | None, str]:
    keys: dict[int | None, str] = {}
    for staff_id in ids:
        if staff_id is not None:
            member = await staff_queries.by_id(session, staff_id=staff_id)
            keys[staff_id] = member.key if member else "?"
    return keys


def columns(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


@client.command("show")
@click.argument("ref")
@pass_state
def client_show(state: CliState, ref: str) -> None:
    """One client: case data, link state (never Telegram ids), plan, appointments, tasks."""
    echo_lines(run(state, lambda database: client_show_lines(database, state, ref)))


async def client_show_lines(database: Database, state: CliState, ref: str) -> list[str]:
    zone, now = state.config.zone, state.now()
    async with database.transaction() as session:
        row = await client_by_ref(session, ref)
        keys = await staff_keys(session, (row.caseworker_id, row.social_guide_id))
        view = await plan_queries.current(session, client_id=row.id or 0)
        upcoming = await appointment_queries.upcoming(session, client_id=row.id or 0, now=now)
        open_tasks = await task_queries.with_status(
            session, client_id=row.id or 0, status=TaskStatus.OPEN
        )
        audit_read(session, "cli.view_client", row, now)
    today = now.astimezone(zone).date()
    overdue = sum(1 for t in open_tasks if t.due_date and t.due_date < today)
    plan = (
        f"v{view.plan.version} {view.plan.status}, route {view.plan.learning_route}"
        if view
        else "none in force"
    )
    following = (
        f" (next {local(upcoming[0].starts_at, zone)} {upcoming[0].kind})" if upcoming else ""
    )
    return [
        f"ref: {row.ref}",
        f"first name: {row.first_name}",
        f"municipality: {row.municipality}",
        f"status: {row.status}",
        f"target group: {row.target_group}",
        f"locale: {row.locale or '-'}",
        f"literacy support: {row.literacy_support}",
        f"caseworker: {keys.get(row.caseworker_id, '-')}",
        f"social guide: {keys.get(row.social_guide_id, '-')}",
        f"telegram linked: {'yes' if row.telegram_chat_id else 'no'}",
        f"integration period: {row.integration_start or '-'} to {row.integration_end or '-'}",
        f"plan: {plan}",
        f"upcoming appointments: {len(upcoming)}{following}",
        f"open tasks: {len(open_tasks)} ({overdue} overdue)",
    ]


# invitations


@click.group()
def invite() -> None:
    """Make single-use invitation codes, with a deep link and a QR code."""


def qr_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--qr",
        "qr_path",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Where to write the QR code (default: invite-<ref-or-key>.png here).",
    )(command)


@invite.command("client")
@click.argument("ref")
@qr_option
@pass_state
def invite_client(state: CliState, ref: str, qr_path: Path | None) -> None:
    """An invitation for a client to link their Telegram account."""
    qr = qr_path or default_qr_path(ref)
    echo_lines(run(state, lambda database: make_invite(database, state, qr, client_ref=ref)))


@invite.command("staff")
@click.argument("key")
@qr_option
@pass_state
def invite_staff(state: CliState, key: str, qr_path: Path | None) -> None:
    """An invitation for a staff member to link their Telegram account."""
    qr = qr_path or default_qr_path(key)
    echo_lines(run(state, lambda database: make_invite(database, state, qr, staff_key=key)))


def default_qr_path(name: str) -> Path:
    return Path(f"invite-{re.sub(r'[^A-Za-z0-9._-]', '_', name)}.png")


def deep_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username.removeprefix('@')}?start={code}"


async def make_invite(
    database: Database,
    state: CliState,
    qr_path: Path,
    *,
    client_ref: str | None = None,
    staff_key: str | None = None,
) -> list[str]:
    settings, now = state.config, state.now()
    async with database.transaction() as session:
        person: Client | Staff
        if client_ref is not None:
            person = await client_by_ref(session, client_ref)
            if person.status == ClientStatus.CLOSED:
                fail(f"client {client_ref!r} is closed; reopen the case before inviting")
            target = {"client_id": person.id}
        else:
            person = await staff_by_key(session, staff_key or "")
            if not person.active:
                fail(f"staff member {staff_key!r} is not active")
            target = {"staff_id": person.id}
        valid_for = timedelta(days=settings.invite_valid_days)
        code = await invites.create(session, now=now, valid_for=valid_for, **target)
        link = deep_link(settings.bot_username, code)
        write_qr(link, qr_path)
        audit.record(
            session,
            actor_kind=ActorKind.SYSTEM,
            actor_id=None,
            action="invite.create",
            subject_kind="client" if client_ref is not None else "staff",
            subject_id=person.id,
            client_id=person.id if client_ref is not None else None,
            at=now,
        )
    who = f"client {client_ref}" if client_ref is not None else f"staff member {staff_key}"
    return [
        f"invitation for {who}, valid until {local(now + valid_for, settings.zone)} "
        f"{settings.zone.key}",
        f"code: {invites.pretty(code)}",
        f"link: {link}",
        f"qr code: {qr_path}",
    ]


def write_qr(link: str, path: Path) -> None:
    try:
        segno.make(link, error="m").save(str(path), scale=8, border=4)
    except (OSError, ValueError) as exc:
        fail(f"cannot write the QR code to {path}: {getattr(exc, 'strerror', None) or exc}")


# appointments


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
            session, client_id=person.id or 0, external_id=record.external_id
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


# tasks


@click.group()
def task() -> None:
    """Add tasks and mark them done (reminders follow)."""


@task.command("add")
@click.argument("ref")
@click.option("--title", required=True)
@click.option("--due", type=DAY, help="Due date, YYYY-MM-DD.")
@click.option("--description", default="")
@click.option("--external-id", help="Id in the case system (default: a generated one).")
@pass_state
def task_add(
    state: CliState,
    ref: str,
    title: str,
    due: datetime | None,
    description: str,
    external_id: str | None,
) -> None:
    """Add a task for a client."""
    record = record_fields(
        importer.TaskRecord,
        external_id=external_id or f"cli-{secrets.token_hex(6)}",
        title=title,
        description=description,
        due_date=due.date() if due else None,
    )
    echo_lines(run(state, lambda database: add_task(database, state, ref, record)))


async def add_task(
    database: Database, state: CliState, ref: str, record: importer.TaskRecord
) -> list[str]:
    async with database.transaction() as session:
        person = await client_by_ref(session, ref)
        existing = await task_queries.by_external_id(
            session, client_id=person.id or 0, external_id=record.external_id
        )
        if existing is not None:
            fail(f"client {ref!r} already has a task with external id {record.external_id!r}")
        row = await case.add_task(
            session,
            client=person,
            external_id=record.external_id,
            title=record.title,
            description=record.description,
            due_date=record.due_date,
            rules=state.rules,
            now=state.now(),
        )
    due = f", due {row.due_date}" if row.due_date else ""
    return [f"task {row.id} added for {ref}{due} (external id {row.external_id})"]


@task.command("done")
@click.argument("task_id", metavar="ID", type=int)
@pass_state
def task_done(state: CliState, task_id: int) -> None:
    """Mark a task done."""
    echo_lines(run(state, lambda database: finish_task(database, state, task_id)))


async def finish_task(database: Database, state: CliState, task_id: int) -> list[str]:
    async with database.transaction() as session:
        row, person = await task_with_client(session, task_id)
        if row.status != TaskStatus.OPEN:
            fail(f"task {task_id} is already {row.status}")
        await case.set_task_status(
            session,
            client=person,
            task=row,
            status=TaskStatus.DONE,
            rules=state.rules,
            now=state.now(),
        )
    return [f"task {task_id} done"]


# plans


@click.group()
def plan() -> None:
    """Read plans (PIP); they come from the case system through the import."""


@plan.command("show")
@click.argument("ref")
@pass_state
def plan_show(state: CliState, ref: str) -> None:
    """The plan in force for a client, with its parts and exams."""
    echo_lines(run(state, lambda database: plan_lines(database, state, ref)))


async def plan_lines(database: Database, state: CliState, ref: str) -> list[str]:
    async with database.transaction() as session:
        person = await client_by_ref(session, ref)
        view = await plan_queries.current(session, client_id=person.id or 0)
        exams = await plan_queries.exams(session, client_id=person.id or 0)
        audit_read(session, "cli.view_plan", person, state.now())
    if view is None:
        return [f"{ref}: no plan in force"]
    p = view.plan
    lines = [
        f"{ref}: plan v{p.version} ({p.status}), route {p.learning_route}, target {p.target_level}"
        + (f" (lowered to A2 on {p.lowered_at or '?'})" if p.lowered_to_a2 else ""),
        f"decision {p.decision_date}; period {p.period_start} to {p.period_end}"
        + (f", extended until {p.extended_until}" if p.extended_until else ""),
        f"route switch allowed until: {p.route_switch_deadline or '-'}",
        f"MAP: {p.map_intensity if p.map_applies else 'does not apply'}; PVT: {p.pvt_intensity}",
        f"ontzorgen: {optional_until(p.ontzorgen_applies, p.ontzorgen_until)}; childcare "
        f"arranged: {yes_no(p.childcare_arranged)}; travel costs covered: "
        f"{yes_no(p.travel_costs_covered)}",
        f"monitoring: {p.monitoring or '-'}",
        f"summary: {p.summary or '-'}",
        "parts:",
    ]
    lines += [f"  {part_line(part)}" for part in view.parts] or ["  (none)"]
    lines.append("exams:")
    lines += [
        f"  {e.component} {e.level} {e.exam_date} {e.result}"
        + (f" at {e.place}" if e.place else "")
        for e in exams
    ] or ["  (none)"]
    return lines


def part_line(part: Any) -> str:
    hours = ""
    if part.planned_hours is not None:
        hours = f" {part.done_hours or 0}/{part.planned_hours} h"
    target = f" by {part.target_date}" if part.target_date else ""
    optional = "" if part.required else " (optional)"
    provider = f" at {part.provider}" if part.provider else ""
    return f"{part.kind}: {part.title}{optional} {part.status}{hours}{target}{provider}"


def yes_no(value: bool) -> str:
    return "yes" if value else "no"


def optional_until(applies: bool, until: date | None) -> str:
    if not applies:
        return "no"
    return f"yes, until {until}" if until else "yes"


def register_commands(group: click.Group) -> None:
    """The commands of the console, in help order; other modules' commands are added here."""
    from backoffice.cli import serve as backoffice
    from backoffice.cli import staff
    from bot.runner import run, webhook
    from bot.sandbox.cli import sandbox
    from scheduler.cli import reminders

    for command in (
        run,
        webhook,
        sandbox,
        backoffice,
        staff,
        db,
        status,
        import_command,
        export_command,
        client,
        invite,
        appointment,
        task,
        plan,
        reminders,
    ):
        group.add_command(command)


register_commands(main)
