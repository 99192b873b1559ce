"""`inburgerbot run` (long polling; without a token, the sandbox) and `inburgerbot webhook`."""

from __future__ import annotations

import asyncio
import logging

import click

from bot.app import build_application
from bot.logs import setup_logging
from bot.serve import WebhookOptions, serve_polling, serve_webhook
from casework.settings import Settings
from console.common import state_of
from console.compose import case_system_for, schedule
from sandbox.cli import sandbox

log = logging.getLogger(__name__)

NO_TOKEN = (
    "The bot needs a Telegram token to talk to Telegram. Ask @BotFather in Telegram for a bot "
    "token and set it as INBURGERBOT_TELEGRAM_TOKEN (in the environment or in a .env file in "
    "this folder), together with INBURGERBOT_BOT_USERNAME (the bot's @name, used in invitation "
    "links). To try the bot without Telegram, run `inburgerbot sandbox` instead."
)

SANDBOX_INSTEAD = (
    "INBURGERBOT_TELEGRAM_TOKEN is not set, so this starts the sandbox: the bot with a fake "
    "Telegram in your browser. To run the real bot, set INBURGERBOT_TELEGRAM_TOKEN (a token from "
    "@BotFather) in the environment or in a .env file."
)


def _settings(ctx: click.Context) -> Settings:
    return state_of(ctx).config


@click.command("run")
@click.pass_context
def run(ctx: click.Context) -> None:
    """Run the bot with long polling (without a token: the sandbox)."""
    settings = _settings(ctx)
    if settings.telegram_token is None:
        click.echo(SANDBOX_INSTEAD, err=True)
        with sandbox.make_context("sandbox", [], parent=ctx) as sandbox_ctx:  # reads its env vars
            sandbox.invoke(sandbox_ctx)
        return
    setup_logging(settings.log_level, settings.log_format)
    application = build_application(settings, case_system=case_system_for(settings))
    schedule(application)  # the periodic jobs and the reminder dispatcher
    log.info("bot starting (long polling)")
    health = (settings.health_listen, settings.health_port) if settings.health_port else None
    asyncio.run(serve_polling(application, health=health))


@click.command("webhook")
@click.option("--listen", default=None, help="Address to listen on (INBURGERBOT_WEBHOOK_LISTEN).")
@click.option("--port", type=int, default=None, help="Port (INBURGERBOT_WEBHOOK_PORT).")
@click.option("--path", "url_path", default=None, help="URL path (INBURGERBOT_WEBHOOK_PATH).")
@click.option("--url", default=None, help="Public base URL (INBURGERBOT_WEBHOOK_URL).")
@click.option(
    "--set-webhook/--no-set-webhook",
    default=True,
    help="Register the webhook with Telegram (exactly one process should).",
)
@click.pass_context
def webhook(
    ctx: click.Context,
    listen: str | None,
    port: int | None,
    url_path: str | None,
    url: str | None,
    set_webhook: bool,
) -> None:
    """Run the bot in webhook mode behind a reverse proxy."""
    settings = _settings(ctx)
    if settings.telegram_token is None:
        click.echo(NO_TOKEN, err=True)
        raise SystemExit(1)
    public = url or settings.webhook_url
    if set_webhook and not public:
        click.echo("error: set INBURGERBOT_WEBHOOK_URL (the public https address)", err=True)
        raise SystemExit(1)
    if settings.webhook_secret is None:
        click.echo("error: set INBURGERBOT_WEBHOOK_SECRET (checked on every request)", err=True)
        raise SystemExit(1)
    setup_logging(settings.log_level, settings.log_format)
    path = (url_path or settings.webhook_path).strip("/")
    application = build_application(settings, case_system=case_system_for(settings))
    schedule(application)  # the periodic jobs and the reminder dispatcher
    log.info("bot starting (webhook)", extra={"path": path, "sets_webhook": set_webhook})
    options = WebhookOptions(
        listen=listen or settings.webhook_listen,
        port=port or settings.webhook_port,
        path=path,
        secret=settings.webhook_secret.get_secret_value(),
        public_url=public if set_webhook else None,
        max_connections=settings.webhook_max_connections,
        answer_within=settings.webhook_answer_seconds,
    )
    asyncio.run(serve_webhook(application, options))
