"""The sandbox page's HTTP side: static files, JSON actions and a server-sent event stream.

Every POST must carry the header `X-Sandbox: 1`: a web page elsewhere cannot add it without the
browser asking first (CORS), so other sites cannot drive a sandbox running on this machine.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from aiohttp import web

from fakebot import ApiError
from sandbox.backoffice import origins_on
from sandbox.errors import NotFound, SandboxError

if TYPE_CHECKING:
    from sandbox.server import Sandbox

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
KEEPALIVE_SECONDS = 15.0
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
SANDBOX_KEY: web.AppKey[Sandbox] = web.AppKey("sandbox")
SECURITY_HEADERS = {
    # Only this server: nothing is ever loaded from the internet.
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
        "style-src 'self'; script-src 'self'; connect-src 'self'; object-src 'none'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class BadInput(ValueError):
    """A request the page would never send (missing field, wrong type)."""


def make_app(sandbox: Sandbox) -> web.Application:
    app = web.Application(client_max_size=MAX_UPLOAD_BYTES, middlewares=[_errors, _headers])
    app[SANDBOX_KEY] = sandbox
    app.router.add_get("/", index)
    app.router.add_static("/static/", STATIC, append_version=False)
    app.router.add_get("/api/state", state)
    app.router.add_get("/api/tour", tour)
    app.router.add_get("/api/events", events)
    app.router.add_get("/api/chats/{chat_id}", chat)
    app.router.add_post("/api/chats/{chat_id}/start", start)
    app.router.add_post("/api/chats/{chat_id}/messages", send_message)
    app.router.add_post("/api/chats/{chat_id}/files", send_file)
    app.router.add_post("/api/chats/{chat_id}/press", press)
    app.router.add_post("/api/chats/{chat_id}/share", share)
    app.router.add_post("/api/clock", clock)
    app.router.add_get("/api/files/{file_id}", download)
    return app


def _json(body: Any, status: int = 200) -> web.Response:
    return web.json_response(body, status=status, dumps=lambda v: json.dumps(v, ensure_ascii=False))


@web.middleware
async def _errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refusals as JSON: 400 for what cannot be done, 404 for what does not exist."""
    if request.method == "POST" and request.headers.get("X-Sandbox") != "1":
        return _json({"error": "missing the X-Sandbox header"}, 403)
    if request.path.startswith("/api/") and not _sandbox(request).ready:
        return _json({"error": "the sandbox is starting; try again in a moment"}, 503)
    try:
        return await handler(request)
    except (SandboxError, BadInput) as exc:
        return _json({"error": str(exc)}, 400)
    except ApiError as exc:
        return _json({"error": exc.description}, 400)
    except NotFound as exc:
        return _json({"error": str(exc.args[0]) if exc.args else "not found"}, 404)


@web.middleware
async def _headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    if not response.prepared:
        response.headers.update(SECURITY_HEADERS)
        response.headers["Content-Security-Policy"] = content_policy(_sandbox(request))
        response.headers.setdefault("Cache-Control", "no-cache")
    return response


def content_policy(sandbox: Sandbox) -> str:
    """The page's policy; with the back-office beside it, that one origin may fill the frame
    (on whatever name the page was opened: 127.0.0.1, localhost)."""
    policy = SECURITY_HEADERS["Content-Security-Policy"]
    beside = sandbox.backoffice
    if beside is None:
        return policy
    return f"{policy}; frame-src {origins_on(beside.host, beside.port)}"


def _sandbox(request: web.Request) -> Sandbox:
    return request.app[SANDBOX_KEY]


def _chat_id(request: web.Request) -> int:
    try:
        return int(request.match_info["chat_id"])
    except ValueError as exc:
        raise BadInput("a chat id is a number") from exc


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadInput("the body is not JSON") from exc
    if not isinstance(body, dict):
        raise BadInput("the body is a JSON object")
    return body


def _optional_int(body: Any, name: str) -> int | None:
    value = body.get(name)
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise BadInput(f"{name} is a number")
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise BadInput(f"{name} is a number") from exc


def _string(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str):
        raise BadInput(f"{name} is a string")
    return value


# -- pages and reads ---------------------------------------------------------------------------


async def index(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(STATIC / "index.html", headers={"Content-Type": "text/html"})


async def state(request: web.Request) -> web.StreamResponse:
    return _json(_sandbox(request).state_view())


async def tour(request: web.Request) -> web.StreamResponse:
    """The guided path's steps, each ticked off when it happened (sandbox/tour.py)."""
    return _json(await _sandbox(request).tour_view())


async def chat(request: web.Request) -> web.StreamResponse:
    return _json(await _sandbox(request).chat_view(_chat_id(request)))


async def download(request: web.Request) -> web.StreamResponse:
    """A file the bot or a person sent: images and audio inline, everything else downloaded."""
    data, mime, name, inline = _sandbox(request).file(request.match_info["file_id"])
    disposition = "inline" if inline else "attachment"
    if name:
        disposition += f"; filename*=UTF-8''{quote(name)}"
    return web.Response(
        body=data, headers={"Content-Type": mime, "Content-Disposition": disposition}
    )


async def events(request: web.Request) -> web.StreamResponse:
    """Server-sent events: one JSON object per event, a comment line now and then to keep alive."""
    sandbox = _sandbox(request)
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
        }
    )
    response.headers.update(SECURITY_HEADERS)
    await response.prepare(request)
    queue = sandbox.hub.subscribe()
    try:
        await _send_event(response, {"type": "hello", **sandbox.clock_view()})
        while True:
            try:
                event = await asyncio.wait_for(queue.get(), KEEPALIVE_SECONDS)
            except TimeoutError:
                await response.write(b": keepalive\n\n")
                continue
            if event is None:
                break
            await _send_event(response, event)
    except (ConnectionResetError, ConnectionError):
        pass
    finally:
        sandbox.hub.unsubscribe(queue)
    return response


async def _send_event(response: web.StreamResponse, event: dict[str, Any]) -> None:
    payload = json.dumps(event, ensure_ascii=False)
    await response.write(f"data: {payload}\n\n".encode())


# -- actions -----------------------------------------------------------------------------------


async def start(request: web.Request) -> web.StreamResponse:
    message = await _sandbox(request).tap_start(_chat_id(request))
    return _json({"message_id": message.message_id})


async def send_message(request: web.Request) -> web.StreamResponse:
    body = await _body(request)
    message = await _sandbox(request).send_text(
        _chat_id(request),
        _string(body, "text"),
        user_id=_optional_int(body, "user_id"),
        thread_id=_optional_int(body, "thread_id"),
    )
    return _json({"message_id": message.message_id})


async def send_file(request: web.Request) -> web.StreamResponse:
    """A multipart upload: `file`, and optionally `caption`, `user_id`, `thread_id`."""
    if not request.content_type.startswith("multipart/"):
        raise BadInput("send the file as multipart/form-data")
    form = await request.post()
    upload = form.get("file")
    if not isinstance(upload, web.FileField):
        raise BadInput("the form has no file")
    caption = form.get("caption")
    message = await _sandbox(request).send_file(
        _chat_id(request),
        data=upload.file.read(),
        file_name=upload.filename,
        mime_type=upload.content_type,
        caption=caption if isinstance(caption, str) else None,
        user_id=_optional_int(form, "user_id"),
        thread_id=_optional_int(form, "thread_id"),
    )
    return _json({"message_id": message.message_id})


async def press(request: web.Request) -> web.StreamResponse:
    body = await _body(request)
    message_id = _optional_int(body, "message_id")
    if message_id is None:
        raise BadInput("message_id is a number")
    await _sandbox(request).press(
        _chat_id(request),
        message_id,
        _string(body, "data"),
        user_id=_optional_int(body, "user_id"),
    )
    return _json({"ok": True})


async def share(request: web.Request) -> web.StreamResponse:
    body = await _body(request)
    message = await _sandbox(request).share(_chat_id(request), _string(body, "what"))
    return _json({"message_id": message.message_id})


async def clock(request: web.Request) -> web.StreamResponse:
    body = await _body(request)
    seconds = _optional_int(body, "seconds")
    if seconds is None:
        raise BadInput("seconds is a number")
    sandbox = _sandbox(request)
    await sandbox.advance(timedelta(seconds=seconds))
    return _json(sandbox.clock_view())
