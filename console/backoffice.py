"""Console commands of the back-office: `inburgerbot backoffice` serves it; `inburgerbot staff
set-password` and `staff reset-2fa` are for administrators."""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import Any

import click
import uvicorn

from backoffice.app import build_backoffice
from backoffice.security import Passwords, password_hasher, password_problem
from bot.channels import make_bot, process_channels
from bot.logs import setup_logging
from casework.clock import Clock
from casework.settings import Settings
from console.common import state_of
from console.compose import case_system_for, running
from storage import audit
from storage import backoffice as queries
from storage import staff as staff_queries
from storage.db import Database
from storage.enums import ActorKind
from storage.models import Staff

log = logging.getLogger(__name__)


def _settings_and_clock(ctx: click.Context) -> tuple[Settings, Clock]:
    """The console group's settings and clock."""
    state = state_of(ctx)
    return state.config, state.clock


@click.command("backoffice")
@click.option("--host", default=None, help="Address to listen on (INBURGERBOT_BACKOFFICE_HOST).")
@click.option("--port", type=int, default=None, help="Port (INBURGERBOT_BACKOFFICE_PORT).")
@click.option(
    "--forwarded-allow-ips",
    default="127.0.0.1",
    show_default=True,
    help="Reverse proxies whose X-Forwarded-Proto/For headers are trusted.",
)
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None, forwarded_allow_ips: str) -> None:
    """Serve the caseworkers' web back-office."""
    settings, clock = _settings_and_clock(ctx)
    setup_logging(settings.log_level, settings.log_format)
    if settings.telegram_token is None:
        log.warning("no INBURGERBOT_TELEGRAM_TOKEN: answers are stored but not sent to clients")

    async def main() -> None:
        async with running(settings, clock=clock) as started:
            channels = process_channels(
                settings, db=started.db, clock=clock, bot=make_bot(settings)
            )
            app = build_backoffice(
                settings,
                db=started.db,
                clock=clock,
                channels=channels,
                case_system=case_system_for(settings),
            )
            config = uvicorn.Config(
                app,
                host=host or settings.backoffice_host,
                port=port or settings.backoffice_port,
                proxy_headers=True,
                forwarded_allow_ips=forwarded_allow_ips,
                log_config=None,
                access_log=False,
                server_header=False,
            )
            await uvicorn.Server(config).serve()

    log.info("back-office starting", extra={"port": port or settings.backoffice_port})
    asyncio.run(main())


@click.group("staff")
def staff() -> None:
    """Back-office accounts: passwords and the second factor."""


async def _find(session: Any, who: str) -> Staff:
    member = await staff_queries.by_key(session, key=who)
    if member is None:
        member = await staff_queries.by_login(session, login=who)
    if member is None:
        raise click.ClickException(f"no staff member with key or login {who!r}")
    return member


def _run(settings: Settings, work: Any) -> Any:
    async def with_database() -> Any:
        async with running(settings, pool_size=1) as app:
            return await work(app.db)

    return asyncio.run(with_database())


@staff.command("set-password")
@click.argument("who", metavar="KEY_OR_LOGIN")
@click.option("--login", "new_login", help="Also set the back-office login name.")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from standard input (scripts)."
)
@click.pass_context
def set_password(ctx: click.Context, who: str, new_login: str | None, password_stdin: bool) -> None:
    """Set a staff member's back-office password (asked twice, not shown)."""
    settings, clock = _settings_and_clock(ctx)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    problem = password_problem(password)
    if problem:
        raise click.ClickException(problem)
    hashed = Passwords(password_hasher()).hash(password)

    async def work(database: Database) -> str:
        async with database.transaction() as session:
            member = await _find(session, who)
            if new_login is not None:
                login = new_login.strip().lower()
                if await queries.login_taken(session, login=login, except_id=member.id):
                    raise click.ClickException(f"the login {login!r} is taken")
                member.login = login
            if not member.login:
                raise click.ClickException(
                    f"staff member {member.key!r} has no login; give one with --login"
                )
            member.password_hash = hashed
            member.failed_logins, member.locked_until = 0, None
            session.add(member)
            _audit(session, member, "staff.set_password", clock)
            return f"password set for {member.key} (login {member.login}); " + (
                "second factor set up" if member.totp_secret else "second factor at first login"
            )

    click.echo(_run(settings, work))


@staff.command("reset-2fa")
@click.argument("who", metavar="KEY_OR_LOGIN")
@click.pass_context
def reset_second_factor(ctx: click.Context, who: str) -> None:
    """Forget a staff member's second factor; they set it up again (QR code) at next login."""
    settings, clock = _settings_and_clock(ctx)

    async def work(database: Database) -> str:
        async with database.transaction() as session:
            member = await _find(session, who)
            member.totp_secret, member.totp_last_step = None, None
            member.failed_logins, member.locked_until = 0, None
            session.add(member)
            _audit(session, member, "staff.reset_second_factor", clock)
            return f"second factor reset for {member.key}; set up again at next login"

    click.echo(_run(settings, work))


def _audit(session: Any, member: Staff, action: str, clock: Clock) -> None:
    audit.record(
        session,
        actor_kind=ActorKind.SYSTEM,
        actor_id=None,
        action=action,
        subject_kind="staff",
        subject_id=member.id,
        at=clock.now(),
    )
