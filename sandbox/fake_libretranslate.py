"""A fake LibreTranslate server on loopback: its /languages, /translate and /detect, with faults.

For the tests and `inburgerbot sandbox --fake-translation`. Its "translation" is
`[<source>→<target>] <text>`, so a test (or a person trying the sandbox) sees exactly which
text went through which pair. Faults are queued per call (`fail_next`) or hang until it stops.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

# ar, fa, so, tr, fr, ... with Dutch both ways; no Tigrinya, Oromo, Sorani, Dari or Kurmanji.
DEFAULT_LANGUAGES = {
    "nl": ["ar", "en", "fa", "so", "tr", "fr", "ps", "am"],
    "en": ["nl", "ar"],
    "ar": ["nl", "en"],
    "fa": ["nl"],
    "so": ["nl"],
    "tr": ["nl"],
    "fr": ["nl"],
    "ps": ["nl"],
    "am": ["nl"],
}


def fake_translation(text: str, source: str, target: str) -> str:
    return f"[{source}→{target}] {text}"


@dataclass
class FakeLibreTranslate:
    api_key: str | None = "test-key"
    languages: dict[str, list[str]] = field(default_factory=lambda: dict(DEFAULT_LANGUAGES))
    detected: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    redirect_to: str | None = None  # answer /translate with a redirect to another server
    hang: bool = False  # never answer /translate (a time-out)
    detect_status: int = 200  # another status: /detect fails (a server without detection)
    _faults: list[int] = field(default_factory=list)
    _runner: web.AppRunner | None = None
    _release: asyncio.Event = field(default_factory=asyncio.Event)
    url: str = ""

    def fail_next(self, *statuses: int) -> None:
        """Answer the next /translate calls with these HTTP statuses."""
        self._faults.extend(statuses)

    def calls(self, path: str) -> list[dict[str, Any]]:
        return [body for called, body in self.requests if called == path]

    async def start(self) -> str:
        app = web.Application()
        app.router.add_get("/languages", self._languages)
        app.router.add_post("/translate", self._translate)
        app.router.add_post("/detect", self._detect)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        self._release.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _languages(self, request: web.Request) -> web.Response:
        self.requests.append(("/languages", {}))
        return web.json_response(
            [
                {"code": code, "name": code, "targets": targets}
                for code, targets in self.languages.items()
            ]
        )

    async def _body(self, request: web.Request, path: str) -> dict[str, Any]:
        body = await request.json()
        self.requests.append((path, body))
        return body

    def _refused(self, body: dict[str, Any]) -> web.Response | None:
        if self.api_key is not None and body.get("api_key") != self.api_key:
            return web.json_response({"error": "Invalid API key"}, status=403)
        return None

    async def _translate(self, request: web.Request) -> web.StreamResponse:
        body = await self._body(request, "/translate")
        refused = self._refused(body)
        if refused is not None:
            return refused
        if self.redirect_to is not None:
            raise web.HTTPTemporaryRedirect(self.redirect_to + "/translate")
        if self.hang:
            await self._release.wait()
        if self._faults:
            status = self._faults.pop(0)
            return web.json_response({"error": f"fault {status}"}, status=status)
        source, target = str(body.get("source")), str(body.get("target"))
        if target not in self.languages.get(source, []):
            return web.json_response({"error": f"{source} → {target} not available"}, status=400)
        words = fake_translation(body["q"], source, target)
        return web.json_response({"translatedText": words})

    async def _detect(self, request: web.Request) -> web.Response:
        body = await self._body(request, "/detect")
        refused = self._refused(body)
        if refused is not None:
            return refused
        if self.detect_status != 200:
            return web.json_response({"error": "detection off"}, status=self.detect_status)
        return web.json_response(self.detected)
