"""The Notificaties API: the bot's abonnement (subscription) on the channels it cares about.

`subscribe` makes one abonnement: the back-office's callback URL, the `auth` value the
Notificaties API must send back in the `Authorization` header of every notification (a secret of
the bot's own, not the ZGW credentials), and the channels with their filters. It looks first
(`GET /abonnement`) and keeps an abonnement that already has this callback URL, so running it
twice makes one. ZGW authentication (a JWT, as for the Zaken API).
"""

from __future__ import annotations

import logging
from typing import Any

import httpx

from commonground.schemas import problems
from commonground.zaken import zgw_token

log = logging.getLogger(__name__)

TIMEOUT = httpx.Timeout(10.0, connect=5.0)


class NotificatiesApi:
    def __init__(
        self,
        base_url: str,
        client_id: str,
        secret: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._client_id = client_id
        self._secret = secret
        self._transport = transport

    async def subscribe(
        self, *, callback_url: str, auth: str, kanalen: list[dict[str, Any]]
    ) -> tuple[str, bool]:
        """The abonnement's URL, and whether it was made now (False: it existed).

        Raises `RuntimeError` with a one-line reason when it cannot be made."""
        body = {"callbackUrl": callback_url, "auth": auth, "kanalen": kanalen}
        if problems("Abonnement.request", body):
            raise RuntimeError("the abonnement does not fit the schema (check the callback URL)")
        token = zgw_token(self._client_id, self._secret)
        async with httpx.AsyncClient(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=TIMEOUT,
            transport=self._transport,
        ) as http:
            listed = await http.get("/abonnement")
            existing = _read(listed, 200, "AbonnementList")
            for abonnement in existing:
                if abonnement["callbackUrl"] == callback_url:
                    return str(abonnement["url"]), False
            made = _read(await http.post("/abonnement", json=body), 201, "Abonnement.response")
        return str(made["url"]), True


def _read(response: httpx.Response, expected: int, schema: str) -> Any:
    if response.status_code != expected:
        raise RuntimeError(f"the Notificaties API answered {response.status_code}")
    try:
        document = response.json()
    except ValueError:
        raise RuntimeError("the Notificaties API answered something that is not JSON") from None
    if problems(schema, document):
        raise RuntimeError(f"the Notificaties API answered outside the schema ({schema})")
    return document
