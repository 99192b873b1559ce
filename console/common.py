"""Shared by the console's command groups.

What every command group shares: the state handed down by the `main` group, one-line refusals,
local times, and lookups that refuse unknown references.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NoReturn, TypeVar
from zoneinfo import ZoneInfo

import click
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlmodel.ext.asyncio.session import AsyncSession

from casework import case, exporter, importer
from casework.clock import Clock, SystemClock
from casework.planning import PlanningRules
from casework.settings import Settings
from console.compose import running
from storage import appointments as appointment_queries
from storage import audit
from storage import clients as client_queries
from storage import staff as staff_queries
from storage import tasks as task_queries
from storage.db import Database
from storage.enums import ActorKind
from storage.models import Appointment, Client, Staff, Task
from texts.i18n import CatalogueError

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


def state_of(ctx: click.Context) -> CliState:
    """The `main` group's state; a command invoked on its own builds one from the environment."""
    state = ctx.find_root().obj
    if not isinstance(state, CliState):
        state = CliState()
    if state.settings is None:
        state.settings = load_settings()
    return state


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
        except CatalogueError as exc:
            click.echo(f"error: cannot start: {exc}", err=True)
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
        async with running(state.config, clock=state.clock, pool_size=1) as app:
            return await work(app.db)

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
