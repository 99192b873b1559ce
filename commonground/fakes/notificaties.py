"""A fake Notificaties API (1.0) on loopback: abonnementen, and notifications sent to them.

`POST` and `GET /abonnement` with the ZGW authentication (as the fake Zaken API), the body
validated against our schema (see commonground/schemas.py on where it comes from); `notify`
sends a notification, validated too, to every abonnement on its channel whose filters match, with
the abonnement's `auth` as the Authorization header, as the real API does.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import jwt
from aiohttp import web

from commonground.fakes import serve
from commonground.schemas import problems

API = "/api/v1"


@dataclass
class FakeNotificaties:
    clients: dict[str, str] = field(
        default_factory=lambda: {"inburgerbot": "a-zgw-secret-of-at-least-32-bytes!"}
    )
    abonnementen: list[dict[str, Any]] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    host: str = "127.0.0.1"
    port: int = 0
    _runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}{API}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get(f"{API}/abonnement", self.list_abonnementen)
        app.router.add_post(f"{API}/abonnement", self.create_abonnement)
        self._runner, self.port = await serve(app, self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def _authorised(self, request: web.Request) -> bool:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        try:
            claims = jwt.decode(token, options={"verify_signature": False})
            secret = self.clients.get(str(claims.get("client_id")))
            if secret is None:
                return False
            jwt.decode(token, secret, algorithms=["HS256"])
        except jwt.PyJWTError:
            return False
        return True

    def _answer(self, schema: str, document: Any, status: int) -> web.Response:
        wrong = problems(schema, document)
        if wrong:
            self.violations.append(f"{schema}: {wrong}")
            return web.Response(status=500, text="the fake broke its own contract")
        return web.json_response(document, status=status)

    async def list_abonnementen(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"detail": "Niet geautoriseerd"}, status=403)
        return self._answer("AbonnementList", self.abonnementen, 200)

    async def create_abonnement(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"detail": "Niet geautoriseerd"}, status=403)
        body = await request.json()
        wrong = problems("Abonnement.request", body)
        if wrong:
            return web.json_response({name: [reason] for name, reason in wrong}, status=400)
        made = {**body, "url": f"{self.base_url}/abonnement/{uuid.uuid4()}"}
        self.abonnementen.append(made)
        return self._answer("Abonnement.response", made, 201)

    async def notify(
        self,
        *,
        kanaal: str,
        resource_url: str,
        actie: str = "update",
        kenmerken: dict[str, str] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> list[int]:
        """Send one notification to every matching abonnement; the callbacks' status codes."""
        marks = kenmerken or {}
        message: dict[str, Any] = {
            "kanaal": kanaal,
            "hoofdObject": resource_url,
            "resource": "object" if kanaal == "objecten" else kanaal.rstrip("n"),
            "resourceUrl": resource_url,
            "actie": actie,
            "aanmaakdatum": datetime.now(UTC).isoformat(),
            "kenmerken": marks,
        }
        wrong = problems("Notificatie", message)
        if wrong:
            self.violations.append(f"Notificatie: {wrong}")
            return []
        statuses = []
        async with httpx.AsyncClient(transport=transport, timeout=10.0) as http:
            for abonnement in self.abonnementen:
                for channel in abonnement["kanalen"]:
                    filters = channel.get("filters") or {}
                    wanted = all(marks.get(k) == v for k, v in filters.items())
                    if channel["naam"] == kanaal and wanted:
                        response = await http.post(
                            abonnement["callbackUrl"],
                            json=message,
                            headers={"Authorization": abonnement["auth"]},
                        )
                        statuses.append(response.status_code)
        return statuses
