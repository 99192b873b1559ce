"""`inburgerbot invite client|staff`: single-use invitation codes, with a QR code."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import click
import segno

from console.common import (
    CliState,
    client_by_ref,
    echo_lines,
    fail,
    local,
    pass_state,
    run,
    staff_by_key,
)
from storage import audit, invites
from storage.db import Database
from storage.enums import ActorKind, ClientStatus
from storage.models import Client, Staff


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
            target: dict[str, int | None] = {"client_id": person.id}
        else:
            person = await staff_by_key(session, staff_key or "")
            if not person.active:
                fail(f"staff member {staff_key!r} is not active")
            target = {"staff_id": person.id}
        valid_for = timedelta(days=settings.invite_valid_days)
        code = await invites.create(
            session,
            now=now,
            valid_for=valid_for,
            client_id=target.get("client_id"),
            staff_id=target.get("staff_id"),
        )
        link = invites.deep_link(settings.bot_username, code)
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
