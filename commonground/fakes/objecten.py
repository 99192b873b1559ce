"""A fake Objects API (v2) on loopback: "taak" objects, read with data_attr filters, patched.

Written from the published OpenAPI document for the calls the bot makes (`GET /objects` with
`type` and `data_attr` filters, `GET /objects/{uuid}`, `PATCH /objects/{uuid}`), with token
authentication and the Crs headers the API requires. Every request body is validated against
our schema copy (400 otherwise) and every answer before it leaves (`violations`, a 500).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from aiohttp import web

from commonground.fakes import serve
from commonground.schemas import problems

API = "/api/v2"
TAAK_TYPE = "http://objecttypes.example/api/v2/objecttypes/8a4d9e0c-6f1b-4c2a-9e3d-7b5a1c0d2e3f"


@dataclass
class FakeObjects:
    tokens: set[str] = field(default_factory=lambda: {"objects-token"})
    down: bool = False
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[tuple[str, str, int]] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    host: str = "127.0.0.1"
    port: int = 0
    _runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}{API}"

    async def start(self) -> None:
        app = web.Application(middlewares=[self._middleware])
        app.router.add_get(f"{API}/objects", self.list_objects)
        app.router.add_get(f"{API}/objects/{{uuid}}", self.get_object)
        app.router.add_patch(f"{API}/objects/{{uuid}}", self.patch_object)
        self._runner, self.port = await serve(app, self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def add_task(
        self,
        *,
        party: str,
        title: str,
        due: date | None = None,
        link: str = "",
        done: bool = False,
        id_type: str = "partij_uuid",
    ) -> str:
        key = str(uuid.uuid4())
        data: dict[str, Any] = {
            "titel": title,
            "status": "afgerond" if done else "open",
            "verloopdatum": due.isoformat() if due else None,
            "identificatie": {"type": id_type, "value": party},
        }
        if link:
            data["url"] = link
        self.objects[key] = {
            "url": f"{self.base_url}/objects/{key}",
            "uuid": key,
            "type": TAAK_TYPE,
            "record": {
                "index": 1,
                "typeVersion": 1,
                "data": data,
                "startAt": "2026-11-01",
                "endAt": None,
                "registrationAt": "2026-11-01",
                "correctionFor": None,
                "correctedBy": None,
            },
        }
        return key

    def status_of(self, key: str) -> str:
        return str(self.objects[key]["record"]["data"]["status"])

    # -- plumbing -----------------------------------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        response = await self._checked(request, handler)
        self.calls.append((request.method, request.path.removeprefix(API), response.status))
        return response

    async def _checked(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if self.down:
            return web.Response(status=503, text="down")
        header = request.headers.get("Authorization", "")
        if header.removeprefix("Token ") not in self.tokens or not header.startswith("Token "):
            return web.json_response({"detail": "Ongeldige token."}, status=403)
        if request.headers.get("Accept-Crs") != "EPSG:4326":
            return web.json_response({"detail": "Accept-Crs header ontbreekt"}, status=412)
        if request.method == "PATCH" and request.headers.get("Content-Crs") != "EPSG:4326":
            return web.json_response({"detail": "Content-Crs header ontbreekt"}, status=412)
        return await handler(request)

    def _answer(self, schema: str, document: dict[str, Any]) -> web.Response:
        wrong = problems(schema, document)
        if wrong:
            self.violations.append(f"{schema}: {wrong}")
            return web.Response(status=500, text="the fake broke its own contract")
        return web.json_response(document, headers={"Content-Crs": "EPSG:4326"})

    # -- the API ------------------------------------------------------------------------------

    async def list_objects(self, request: web.Request) -> web.Response:
        kind = request.query.get("type")
        filters = [_attr(expression) for expression in request.query.getall("data_attr", [])]
        found = [
            item
            for item in self.objects.values()
            if (kind is None or item["type"] == kind)
            and all(_value(item["record"]["data"], path) == wanted for path, wanted in filters)
        ]
        page = {"count": len(found), "next": None, "previous": None, "results": found}
        return self._answer("PaginatedObjectList", page)

    async def get_object(self, request: web.Request) -> web.Response:
        item = self.objects.get(request.match_info["uuid"])
        if item is None:
            return web.json_response({"detail": "Niet gevonden."}, status=404)
        return self._answer("Object", item)

    async def patch_object(self, request: web.Request) -> web.Response:
        item = self.objects.get(request.match_info["uuid"])
        if item is None:
            return web.json_response({"detail": "Niet gevonden."}, status=404)
        try:
            body = await request.json()
        except json.JSONDecodeError:
            return web.json_response({"detail": "JSON parse error"}, status=400)
        wrong = problems("PatchedObject.request", body)
        if wrong:
            return web.json_response({name: [reason] for name, reason in wrong}, status=400)
        record = body.get("record")
        if record is not None:
            item["record"] = {
                **item["record"],
                **record,
                "index": item["record"]["index"] + 1,
                "registrationAt": record["startAt"],
            }
        return self._answer("Object", item)


def _attr(expression: str) -> tuple[list[str], str]:
    """`a__b__exact__value` (only `exact` is needed here)."""
    *path, operator, value = expression.split("__")
    if operator != "exact":
        raise web.HTTPBadRequest(text="only exact is faked")
    return path, value


def _value(data: dict[str, Any], path: list[str]) -> object:
    current: object = data
    for key in path:
        if not isinstance(current, dict):
            return None
        current = current.get(key)
    return current
