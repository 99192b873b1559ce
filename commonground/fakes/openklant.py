"""A fake Open Klant (klantinteracties API v1) on loopback, for tests and the sandbox.

Written from the published OpenAPI document: the calls the bot makes (`POST /maak-klantcontact`,
`GET /klantcontacten`, `POST` and `GET /internetaken`), token authentication (`Authorization:
Token <key>`, several keys live at once so that a rotation can be played), the checks Open Klant
makes on what it is sent (the schema; a party or klantcontact that does not exist is a 400 with
`invalidParams`, as Open Klant answers). Every request body is validated against our schema copy
(commonground/schemas.py) and so is every answer before it leaves: an answer of the fake that
does not fit is noted in `violations` (tests assert there are none) and sent as a 500.

For tests it can be down (`outage`: 503), lose the answer to a call it carried out
(`lose_answers`: it does the work, then answers 504, as a proxy timing out would), and it
serves a page listing the klantcontacten at `/` (the sandbox links to it).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from typing import Any

from aiohttp import web

from commonground.fakes import serve
from commonground.schemas import problems

API = "/klantinteracties/api/v1"
VERSION = "0.9.0"


@dataclass
class FakeOpenKlant:
    """The fake's state; `start()` serves it on 127.0.0.1 (`base_url` is the API's root)."""

    tokens: set[str] = field(default_factory=lambda: {"test-token"})
    partijen: set[str] = field(default_factory=set)
    outage: bool = False
    lose_answers: int = 0
    klantcontacten: dict[str, dict[str, Any]] = field(default_factory=dict)
    betrokkenen: dict[str, dict[str, Any]] = field(default_factory=dict)
    onderwerpobjecten: dict[str, dict[str, Any]] = field(default_factory=dict)
    internetaken: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[tuple[str, str, int]] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    host: str = "127.0.0.1"
    port: int = 0
    _runner: web.AppRunner | None = None

    @property
    def root(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        return self.root + API

    async def start(self) -> None:
        app = web.Application(middlewares=[self._middleware])
        app.router.add_get("/", self.page)
        app.router.add_post(f"{API}/maak-klantcontact", self.maak_klantcontact)
        app.router.add_get(f"{API}/klantcontacten", self.list_klantcontacten)
        app.router.add_post(f"{API}/internetaken", self.create_internetaak)
        app.router.add_get(f"{API}/internetaken", self.list_internetaken)
        self._runner, self.port = await serve(app, self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- plumbing ---------------------------------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if not request.path.startswith(API):
            return await handler(request)  # the page: no token, it is the sandbox's view
        response = await self._api(request, handler)
        self.calls.append((request.method, request.path.removeprefix(API), response.status))
        return response

    async def _api(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if self.outage:
            return web.json_response(
                _fout(503, "service_unavailable", "Open Klant is down"), status=503
            )
        header = request.headers.get("Authorization", "")
        if not header.startswith("Token ") or header.removeprefix("Token ") not in self.tokens:
            return self._answer(
                "ValidatieFout", _fout(401, "not_authenticated", "Ongeldige token."), 401
            )
        response = await handler(request)
        if self.lose_answers > 0 and request.method == "POST":
            self.lose_answers -= 1
            return web.Response(status=504, text="gateway timeout")
        return response

    def _answer(self, schema: str, document: dict[str, Any], status: int) -> web.Response:
        wrong = problems(schema, document)
        if wrong:
            self.violations.append(f"{schema}: {wrong}")
            return web.Response(status=500, text="the fake broke its own contract")
        return web.json_response(document, status=status, headers={"API-version": VERSION})

    async def _body(self, request: web.Request, schema: str) -> dict[str, Any] | web.Response:
        try:
            body = await request.json()
        except json.JSONDecodeError:
            return self._invalid([("nonFieldErrors", "JSON parse error")])
        wrong = problems(schema, body)
        if wrong:
            return self._invalid(wrong)
        assert isinstance(body, dict)
        return body

    def _invalid(self, wrong: list[tuple[str, str]]) -> web.Response:
        params = [{"name": name, "code": "invalid", "reason": reason} for name, reason in wrong]
        document = _fout(400, "invalid", "Invalid input.") | {"invalidParams": params}
        return self._answer("ValidatieFout", document, 400)

    def _url(self, kind: str, key: str) -> str:
        return f"{self.base_url}/{kind}/{key}"

    def _fk(self, kind: str, key: str) -> dict[str, str]:
        return {"uuid": key, "url": self._url(kind, key)}

    # -- the API ----------------------------------------------------------------------------

    async def maak_klantcontact(self, request: web.Request) -> web.Response:
        body = await self._body(request, "MaakKlantcontact.request")
        if isinstance(body, web.Response):
            return body
        betrokkene = body.get("betrokkene")
        onderwerp = body.get("onderwerpobject")
        wrong = []
        party = (betrokkene or {}).get("wasPartij")
        if party is not None and party["uuid"] not in self.partijen:
            wrong.append(("betrokkene.wasPartij.uuid", "Partij bestaat niet."))
        earlier = (onderwerp or {}).get("wasKlantcontact")
        if earlier is not None and earlier["uuid"] not in self.klantcontacten:
            wrong.append(("onderwerpobject.wasKlantcontact.uuid", "Klantcontact bestaat niet."))
        if wrong:
            return self._invalid(wrong)
        key = str(uuid.uuid4())
        contact: dict[str, Any] = {
            **body["klantcontact"],
            "uuid": key,
            "url": self._url("klantcontacten", key),
            "gingOverOnderwerpobjecten": [],
            "hadBetrokkenActoren": [],
            "omvatteBijlagen": [],
            "hadBetrokkenen": [],
            "leiddeTotInterneTaken": [],
        }
        self.klantcontacten[key] = contact
        answer: dict[str, Any] = {"klantcontact": contact}
        if betrokkene is not None:
            made = str(uuid.uuid4())
            self.betrokkenen[made] = answer["betrokkene"] = {
                **betrokkene,
                "uuid": made,
                "url": self._url("betrokkenen", made),
                "wasPartij": self._fk("partijen", party["uuid"]) if party else None,
                "hadKlantcontact": self._fk("klantcontacten", key),
                "digitaleAdressen": [],
                "volledigeNaam": "",
            }
            contact["hadBetrokkenen"].append(self._fk("betrokkenen", made))
        if onderwerp is not None:
            made = str(uuid.uuid4())
            self.onderwerpobjecten[made] = answer["onderwerpobject"] = {
                "uuid": made,
                "url": self._url("onderwerpobjecten", made),
                "klantcontact": self._fk("klantcontacten", key),
                "wasKlantcontact": self._fk("klantcontacten", earlier["uuid"]) if earlier else None,
                "onderwerpobjectidentificator": onderwerp.get("onderwerpobjectidentificator"),
            }
            contact["gingOverOnderwerpobjecten"].append(self._fk("onderwerpobjecten", made))
        return self._answer("MaakKlantcontact.response", answer, 201)

    async def list_klantcontacten(self, request: web.Request) -> web.Response:
        wanted = request.query.get("referentienummer")
        found = [
            contact
            for contact in self.klantcontacten.values()
            if wanted is None or contact.get("referentienummer") == wanted
        ]
        return self._answer("PaginatedKlantcontactList", _page(found), 200)

    async def create_internetaak(self, request: web.Request) -> web.Response:
        body = await self._body(request, "InterneTaak.request")
        if isinstance(body, web.Response):
            return body
        cause = body["aanleidinggevendKlantcontact"]["uuid"]
        if cause not in self.klantcontacten:
            return self._invalid([("aanleidinggevendKlantcontact.uuid", "Bestaat niet.")])
        key = str(uuid.uuid4())
        task = {
            **body,
            "uuid": key,
            "url": self._url("internetaken", key),
            "aanleidinggevendKlantcontact": self._fk("klantcontacten", cause),
            "toegewezenAanActoren": [
                self._fk("actoren", actor["uuid"]) for actor in body.get("toegewezenAanActoren", [])
            ],
            "toegewezenOp": datetime.now(UTC).isoformat(),
        }
        self.internetaken[key] = task
        self.klantcontacten[cause]["leiddeTotInterneTaken"].append(self._fk("internetaken", key))
        return self._answer("InterneTaak.response", task, 201)

    async def list_internetaken(self, request: web.Request) -> web.Response:
        wanted = request.query.get("aanleidinggevendKlantcontact__uuid")
        found = [
            task
            for task in self.internetaken.values()
            if wanted is None or task["aanleidinggevendKlantcontact"]["uuid"] == wanted
        ]
        return self._answer("PaginatedInterneTaakList", _page(found), 200)

    # -- the page ---------------------------------------------------------------------------

    async def page(self, _request: web.Request) -> web.Response:
        rows = []
        for contact in reversed(list(self.klantcontacten.values())):
            link = next(
                (
                    self.onderwerpobjecten[item["uuid"]]
                    for item in contact["gingOverOnderwerpobjecten"]
                    if item["uuid"] in self.onderwerpobjecten
                ),
                None,
            )
            about = ""
            if link is not None and link.get("wasKlantcontact"):
                about = "antwoord op " + link["wasKlantcontact"]["uuid"][:8]
            elif link is not None and link.get("onderwerpobjectidentificator"):
                about = "zaak " + str(link["onderwerpobjectidentificator"].get("objectId", ""))[:8]
            rows.append(
                "<tr>"
                + "".join(
                    f"<td>{escape(str(value))}</td>"
                    for value in (
                        contact["uuid"][:8],
                        contact.get("plaatsgevondenOp", ""),
                        contact["onderwerp"],
                        contact.get("inhoud", ""),
                        contact["taal"],
                        "ja" if contact["vertrouwelijk"] else "nee",
                        about,
                        len(contact["leiddeTotInterneTaken"]),
                    )
                )
                + "</tr>"
            )
        html = PAGE.format(count=len(self.klantcontacten), rows="\n".join(rows))
        return web.Response(text=html, content_type="text/html")


PAGE = """<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><title>Nep-Open Klant: klantcontacten</title>
<style>body{{font-family:sans-serif;margin:2em}}td,th{{border:1px solid #ccc;padding:4px}}
table{{border-collapse:collapse}}</style></head>
<body><h1>Klantcontacten ({count})</h1>
<p>Een nagemaakte Open Klant (klantinteracties API) voor de sandbox en de tests.</p>
<table><thead><tr><th>uuid</th><th>plaatsgevonden op</th><th>onderwerp</th><th>inhoud</th>
<th>taal</th><th>vertrouwelijk</th><th>onderwerpobject</th><th>interne taken</th></tr></thead>
<tbody>
{rows}
</tbody></table></body></html>
"""


def _fout(status: int, code: str, title: str) -> dict[str, Any]:
    return {
        "type": f"https://open-klant.example/fouten/{code}",
        "code": code,
        "title": title,
        "status": status,
        "detail": title,
        "instance": f"urn:uuid:{uuid.uuid4()}",
        "invalidParams": [],
    }


def _page(results: list[dict[str, Any]]) -> dict[str, Any]:
    return {"count": len(results), "next": None, "previous": None, "results": results}
