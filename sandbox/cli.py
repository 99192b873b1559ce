"""`inburgerbot sandbox`: the whole bot in a browser, with a fake Telegram; Ctrl-C stops it."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from bot.logs import setup_logging
from casework.settings import Settings
from sandbox.errors import BackofficePortUnavailable, PortUnavailable
from sandbox.server import (
    DEFAULT_REGION,
    DEMO_START,
    Sandbox,
    SandboxOptions,
)

START_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d")


def parse_start(value: str, zone: ZoneInfo) -> datetime | None:
    """The sandbox time at start: 'now' (None: the real time) or a local date and time."""
    text = value.strip()
    if text.lower() == "now":
        return None
    for fmt in START_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=zone)
        except ValueError:
            continue
    raise click.BadParameter(
        "give 'now' or a local time like 2026-11-23 09:00", param_hint="--start"
    )


async def serve(
    options: SandboxOptions,
    *,
    settings: Settings,
    announce: Callable[[str], None],
    stop: asyncio.Event | None = None,
) -> None:
    """Run the sandbox until Ctrl-C (SIGINT), SIGTERM or `stop` is set, then stop it cleanly."""
    sandbox = Sandbox(options, settings=settings)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM)
    for number in signals:  # before starting, so Ctrl-C while starting also stops cleanly
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(number, stop.set)
    try:
        try:
            await sandbox.start()
        except BackofficePortUnavailable as exc:
            raise click.ClickException(
                f"cannot listen on {options.host}:{options.backoffice_port} for the back-office "
                f"({exc.strerror or exc}); choose another port with --backoffice-port, or leave "
                "it out with --no-backoffice"
            ) from exc
        except PortUnavailable as exc:
            raise click.ClickException(
                f"cannot listen on {options.host}:{options.port} ({exc.strerror or exc}); "
                "choose another port with --port"
            ) from exc
        except OSError as exc:
            raise click.ClickException(
                f"cannot make the sandbox database {options.database} ({exc.strerror or exc})"
            ) from exc
        if not stop.is_set():
            label = sandbox.clock_view()["label"]
            announce(f"The sandbox runs at {sandbox.url}  (sandbox time {label})")
            if sandbox.backoffice is not None:
                announce(
                    f"The caseworkers' back-office runs beside it at {sandbox.backoffice.url}/  "
                    "(demo accounts, one click, sandbox only)"
                )
            if sandbox.open_klant_page is not None:
                announce(f"Klantcontacten in the fake Open Klant: {sandbox.open_klant_page}")
            announce("Open it in your browser. Ctrl-C stops it.")
        await stop.wait()
        await sandbox.stop()
        announce("The sandbox stopped.")
    finally:
        for number in signals:
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(number)
        await sandbox.stop()


def _settings(ctx: click.Context) -> Settings:
    settings = getattr(ctx.obj, "settings", None) if ctx.obj is not None else None
    return settings if isinstance(settings, Settings) else Settings()


@click.command("sandbox")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    envvar="INBURGERBOT_SANDBOX_HOST",
    help="Address of the page (INBURGERBOT_SANDBOX_HOST).",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8080,
    show_default=True,
    envvar="INBURGERBOT_SANDBOX_PORT",
    help="Port of the page (INBURGERBOT_SANDBOX_PORT).",
)
@click.option(
    "--backoffice-port",
    type=click.IntRange(0, 65535),
    default=8081,
    show_default=True,
    envvar="INBURGERBOT_SANDBOX_BACKOFFICE_PORT",
    help="Port of the caseworkers' back-office beside the sandbox "
    "(INBURGERBOT_SANDBOX_BACKOFFICE_PORT).",
)
@click.option(
    "--no-backoffice",
    is_flag=True,
    help="Leave the back-office out: only the phone and the staff chat.",
)
@click.option(
    "--database",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("sandbox.sqlite3"),
    show_default=True,
    help="The sandbox's own SQLite file, made anew at every start.",
)
@click.option(
    "--region",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=DEFAULT_REGION,
    help="The import file with the demo region.",
)
@click.option(
    "--start",
    "start_at",
    default=f"{DEMO_START.astimezone(ZoneInfo('Europe/Amsterdam')):%Y-%m-%d %H:%M}",
    show_default=True,
    help="Sandbox time at start (local time), or 'now'.",
)
@click.option(
    "--fake-translation",
    is_flag=True,
    help="Machine translation by a fake LibreTranslate on loopback (docs/translation.md).",
)
@click.option(
    "--common-ground/--no-common-ground",
    default=False,
    envvar="INBURGERBOT_SANDBOX_COMMON_GROUND",
    help="Start the Common Ground fakes beside it: questions and answers become klantcontacten "
    "in a fake Open Klant, linked from the page (INBURGERBOT_SANDBOX_COMMON_GROUND=1).",
)
@click.pass_context
def sandbox(
    ctx: click.Context,
    host: str,
    port: int,
    backoffice_port: int,
    no_backoffice: bool,
    database: Path,
    region: Path,
    start_at: str,
    fake_translation: bool,
    common_ground: bool,
) -> None:
    """Try the bot in a browser: a fake Telegram, the real bot, a phone, the staff chat and the
    caseworkers' back-office (with one-click demo accounts)."""
    settings = _settings(ctx)
    options = SandboxOptions(
        host=host,
        port=port,
        backoffice_port=None if no_backoffice else backoffice_port,
        database=database,
        region=region,
        start=parse_start(start_at, settings.zone),
        fake_translation=fake_translation,
        common_ground=common_ground,
    )
    setup_logging(settings.log_level, settings.log_format)
    asyncio.run(serve(options, settings=settings, announce=click.echo))
