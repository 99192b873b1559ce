"""`inburgerbot client list|show` and `inburgerbot plan show`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

import click
from sqlmodel.ext.asyncio.session import AsyncSession

from console.common import (
    CliState,
    audit_read,
    client_by_ref,
    echo_lines,
    local,
    pass_state,
    run,
)
from storage import appointments as appointment_queries
from storage import overview
from storage import plans as plan_queries
from storage import staff as staff_queries
from storage import tasks as task_queries
from storage.db import Database
from storage.enums import ClientStatus, TaskStatus
from storage.ids import pk


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
        view = await plan_queries.current(session, client_id=pk(row))
        upcoming = await appointment_queries.upcoming(session, client_id=pk(row), now=now)
        open_tasks = await task_queries.with_status(
            session, client_id=pk(row), status=TaskStatus.OPEN
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
        view = await plan_queries.current(session, client_id=pk(person))
        exams = await plan_queries.exams(session, client_id=pk(person))
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
