"""A fake Zaken API (VNG 1.5.1, as Open Zaak serves it) on loopback: zaken and their statuses.

Written from the published OpenAPI document for the two reads the bot makes (`GET /zaken/{uuid}`,
`GET /statussen?zaak=`), with the ZGW authentication (a JWT signed with HS256 by a known client
id and secret; anything else is a 403 as Open Zaak answers). Every answer is validated against
our schema copy before it leaves; one that does not fit is noted in `violations` and sent as a
500. Tests and the sandbox add zaken and statuses, close a zaak (`close`, as when the case is
closed in the municipality's own system) or take it `down` (503).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import jwt
from aiohttp import web

from commonground.fakes import serve
from commonground.schemas import problems

API = "/zaken/api/v1"
ZAAKTYPE = "http://catalogi.example/catalogi/api/v1/zaaktypen/4f1a0c2e-0b3c-4d8e-9a1b-inburgering"


@dataclass
class FakeZaken:
    clients: dict[str, str] = field(
        default_factory=lambda: {"inburgerbot": "a-zgw-secret-of-at-least-32-bytes!"}
    )
    down: bool = False
    zaken: dict[str, dict[str, Any]] = field(default_factory=dict)
    statussen: list[dict[str, Any]] = field(default_factory=list)
    calls: list[tuple[str, int]] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    host: str = "127.0.0.1"
    port: int = 0
    _runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}{API}"

    async def start(self) -> None:
        app = web.Application(middlewares=[self._middleware])
        app.router.add_get(f"{API}/zaken/{{uuid}}", self.get_zaak)
        app.router.add_get(f"{API}/statussen", self.list_statussen)
        self._runner, self.port = await serve(app, self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- what tests and the sandbox do --------------------------------------------------------

    def add_zaak(
        self,
        key: str,
        *,
        reference: str,
        started: date,
        planned_end: date | None = None,
        latest_end: date | None = None,
    ) -> None:
        self.zaken[key] = {
            "url": f"{self.base_url}/zaken/{key}",
            "uuid": key,
            "identificatie": reference,
            "bronorganisatie": "001234567",
            "omschrijving": "Inburgering",
            "zaaktype": ZAAKTYPE,
            "verantwoordelijkeOrganisatie": "001234567",
            "startdatum": started.isoformat(),
            "einddatum": None,
            "einddatumGepland": planned_end.isoformat() if planned_end else None,
            "uiterlijkeEinddatumAfdoening": latest_end.isoformat() if latest_end else None,
            "betalingsindicatieWeergave": "",
            "deelzaken": [],
            "eigenschappen": [],
            "rollen": [],
            "status": None,
            "zaakinformatieobjecten": [],
            "zaakobjecten": [],
            "resultaat": None,
        }

    def add_status(self, key: str, at: datetime, note: str) -> None:
        zaak = self.zaken[key]
        made = str(uuid.uuid4())
        url = f"{self.base_url}/statussen/{made}"
        for status in self.statussen:
            if status["zaak"] == zaak["url"]:
                status["indicatieLaatstGezetteStatus"] = False
        self.statussen.append(
            {
                "url": url,
                "uuid": made,
                "zaak": zaak["url"],
                "statustype": f"{ZAAKTYPE}/statustypen/{len(self.statussen) + 1}",
                "datumStatusGezet": at.isoformat(),
                "statustoelichting": note,
                "indicatieLaatstGezetteStatus": True,
                "zaakinformatieobjecten": [],
            }
        )
        zaak["status"] = url

    def close(self, key: str, on: date, at: datetime, note: str) -> None:
        """Closed elsewhere: the end status is set and the zaak gets its end date."""
        self.add_status(key, at, note)
        self.zaken[key]["einddatum"] = on.isoformat()
        self.zaken[key]["resultaat"] = f"{self.base_url}/resultaten/{uuid.uuid4()}"

    # -- plumbing -----------------------------------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        response = await self._checked(request, handler)
        self.calls.append((request.path.removeprefix(API), response.status))
        return response

    async def _checked(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if self.down:
            return web.Response(status=503, text="down")
        if not self._authorised(request.headers.get("Authorization", "")):
            return web.json_response(
                {"code": "not_authenticated", "title": "Niet geautoriseerd", "status": 403},
                status=403,
            )
        return await handler(request)

    def _authorised(self, header: str) -> bool:
        if not header.startswith("Bearer "):
            return False
        token = header.removeprefix("Bearer ")
        try:
            claims = jwt.decode(token, options={"verify_signature": False})
            secret = self.clients.get(str(claims.get("client_id")))
            if secret is None:
                return False
            jwt.decode(token, secret, algorithms=["HS256"])
        except jwt.PyJWTError:
            return False
        return True

    def _answer(self, schema: str, document: dict[str, Any]) -> web.Response:
        wrong = problems(schema, document)
        if wrong:
            self.violations.append(f"{schema}: {wrong}")
            return web.Response(status=500, text="the fake broke its own contract")
        return web.json_response(document, headers={"API-version": "1.5.1"})

    # -- the API ------------------------------------------------------------------------------

    async def get_zaak(self, request: web.Request) -> web.Response:
        zaak = self.zaken.get(request.match_info["uuid"])
        if zaak is None:
            return web.json_response(
                {"code": "not_found", "title": "Niet gevonden.", "status": 404}, status=404
            )
        return self._answer("Zaak", zaak)

    async def list_statussen(self, request: web.Request) -> web.Response:
        wanted = request.query.get("zaak")
        found = [s for s in self.statussen if wanted is None or s["zaak"] == wanted]
        page = {"count": len(found), "next": None, "previous": None, "results": found}
        return self._answer("PaginatedStatusList", page)
