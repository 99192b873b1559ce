"""`inburgerbot common-ground subscribe`: the abonnement on the Notificaties API."""

from __future__ import annotations

import asyncio

import click
import httpx

from casework.settings import Settings
from commonground.notificaties import NotificatiesApi
from console.common import CliState, pass_state

CALLBACK_PATH = "/notificaties/callback"


def kanalen(settings: Settings) -> list[dict[str, object]]:
    """The channels the bot listens to: the taak objects of its objecttype."""
    found: list[dict[str, object]] = []
    if settings.objects_type_url:
        found.append({"naam": "objecten", "filters": {"object_type": settings.objects_type_url}})
    return found


async def subscribe(settings: Settings) -> tuple[str, bool]:
    missing = [
        name
        for name, value in (
            ("INBURGERBOT_NOTIFICATIES_URL", settings.notificaties_url),
            ("INBURGERBOT_NOTIFICATIES_CLIENT_ID", settings.notificaties_client_id),
            ("INBURGERBOT_NOTIFICATIES_SECRET", settings.notificaties_secret),
            ("INBURGERBOT_NOTIFICATIONS_CALLBACK_SECRET", settings.notifications_callback_secret),
            ("INBURGERBOT_BACKOFFICE_PUBLIC_URL", settings.backoffice_public_url),
            ("INBURGERBOT_OBJECTS_TYPE_URL", settings.objects_type_url),
        )
        if not value
    ]
    if missing:
        raise click.ClickException("set " + ", ".join(missing))
    assert settings.notificaties_url and settings.notificaties_client_id
    assert settings.notificaties_secret and settings.notifications_callback_secret
    assert settings.backoffice_public_url
    api = NotificatiesApi(
        settings.notificaties_url,
        settings.notificaties_client_id,
        settings.notificaties_secret.get_secret_value(),
    )
    try:
        return await api.subscribe(
            callback_url=settings.backoffice_public_url.rstrip("/") + CALLBACK_PATH,
            auth="Token " + settings.notifications_callback_secret.get_secret_value(),
            kanalen=kanalen(settings),
        )
    except (RuntimeError, httpx.HTTPError) as exc:
        raise click.ClickException(f"no abonnement: {exc}") from exc


@click.group("common-ground")
def common_ground() -> None:
    """Common Ground (docs/common-ground.md)."""


@common_ground.command("subscribe")
@pass_state
def subscribe_command(state: CliState) -> None:
    """Subscribe the back-office's callback to the Notificaties API (once; again is harmless)."""
    url, made = asyncio.run(subscribe(state.config))
    click.echo(("made " if made else "already there: ") + url)
