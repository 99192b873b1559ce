"""The VNG Zaken API (Open Zaak): read a client's inburgering zaak, its statuses and deadlines.

Two reads per look: `GET /zaken/{uuid}` and `GET /statussen?zaak=<the zaak's url>`, with the
ZGW authentication (a JWT signed with HS256 by the application's client id and secret, sent as
`Authorization: Bearer`). Every answer is checked against our copy of the published schema
(commonground/schemas.py) before it is believed. Whatever goes wrong (down, time-out, 403, a zaak
the API does not know, an answer outside the schema) gives None and a log line without personal
data: the bot then shows the plan from the JSON import alone.

Only these cross the wire to the bot: the zaak's identificatie, startdatum, einddatum,
einddatumGepland, uiterlijkeEinddatumAfdoening, and per status datumStatusGezet and
statustoelichting. The bot sends only the zaak's UUID (in the path) and its URL (as a filter).
"""

from __future__ import annotations

import logging
import time
from datetime import date, datetime
from typing import Any

import httpx
import jwt

from casework.ports import ZaakState, ZaakStep
from commonground.schemas import problems

log = logging.getLogger(__name__)

TIMEOUT = httpx.Timeout(3.0, connect=2.0)  # the client waits for the plan meanwhile
MAX_STEPS = 10


class _Unreadable(Exception):
    pass


def zgw_token(client_id: str, secret: str, *, now: float | None = None) -> str:
    """The ZGW JWT: HS256, the client id as issuer, the application as the user."""
    claims = {
        "iss": client_id,
        "iat": int(time.time() if now is None else now),
        "client_id": client_id,
        "user_id": client_id,
        "user_representation": "inburgerbot",
    }
    return jwt.encode(claims, secret, algorithm="HS256")


class ZakenApi:
    """Reads zaken (the zaak half of `casework.ports.CaseSystem`)."""

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

    async def zaak(self, zaak_id: str) -> ZaakState | None:
        token = zgw_token(self._client_id, self._secret)
        try:
            async with httpx.AsyncClient(
                base_url=self.base_url,
                headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
                timeout=TIMEOUT,
                transport=self._transport,
            ) as http:
                found = await self._get(http, f"/zaken/{zaak_id}", {}, "Zaak")
                page = await self._get(
                    http, "/statussen", {"zaak": str(found["url"])}, "PaginatedStatusList"
                )
        except _Unreadable:
            return None
        except httpx.HTTPError as exc:
            log.warning("zaken api unreachable", extra={"error": type(exc).__name__})
            return None
        return _state(found, page["results"])

    async def _get(
        self, http: httpx.AsyncClient, path: str, params: dict[str, str], schema: str
    ) -> dict[str, Any]:
        response = await http.get(path, params=params)
        if response.status_code != 200:
            level = logging.ERROR if response.status_code in (401, 403) else logging.WARNING
            log.log(level, "zaken api refused a read", extra={"status": response.status_code})
            raise _Unreadable
        try:
            document = response.json()
        except ValueError:
            document = None
        wrong = problems(schema, document)
        if wrong or not isinstance(document, dict):
            log.warning(
                "zaken api answered outside its schema",
                extra={"schema": schema, "fields": [field for field, _ in wrong][:10]},
            )
            raise _Unreadable
        return document


def _state(found: dict[str, Any], statuses: list[dict[str, Any]]) -> ZaakState:
    steps = sorted(
        (
            ZaakStep(
                at=datetime.fromisoformat(status["datumStatusGezet"].replace("Z", "+00:00")),
                note=str(status.get("statustoelichting") or ""),
            )
            for status in statuses
            if status["zaak"] == found["url"]
        ),
        key=lambda step: step.at,
        reverse=True,
    )
    return ZaakState(
        reference=str(found.get("identificatie") or ""),
        started=date.fromisoformat(found["startdatum"]),
        planned_end=_date(found.get("einddatumGepland")),
        latest_end=_date(found.get("uiterlijkeEinddatumAfdoening")),
        closed=_date(found.get("einddatum")),
        steps=tuple(steps[:MAX_STEPS]),
    )


def _date(value: object) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else None
