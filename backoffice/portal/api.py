"""The portal's three calls and the OpenAPI document that describes them (docs/portal.md).

Every call is signed (backoffice/portal/signing.py) and reaches only the clients of the
municipalities that the key's organisation serves: another organisation's reference is answered
like an unknown one. A reference that is a BSN is refused without repeating it.
"""

from __future__ import annotations

import base64
import io
import json
import logging
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import segno
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from backoffice.portal import signing
from backoffice.web import backoffice
from casework.events import UnlinkReason
from casework.linking import invite_from_portal, link_origin, unlink
from casework.ports import publish
from storage import invites
from storage import portal as portal_store
from storage.bsn import contains_bsn
from storage.enums import ActorKind
from storage.ids import pk
from storage.models import Client

log = logging.getLogger(__name__)
OPENAPI_PATH = Path(__file__).resolve().parent / "openapi.json"
MAX_BODY = 4096
MAX_REFERENCE = 64


@cache
def openapi_document() -> dict[str, Any]:
    return json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


async def openapi(_request: Request) -> Response:
    return JSONResponse(openapi_document())


def error(status: int, code: str, message: str, *, retry_after: int | None = None) -> Response:
    headers = {"retry-after": str(retry_after)} if retry_after is not None else None
    return JSONResponse({"error": code, "message": message}, status_code=status, headers=headers)


NOT_FOUND = (404, "unknown_reference", "No client with this reference for this organisation.")
BSN = (
    422,
    "reference_is_bsn",
    "This looks like a BSN. Send the municipal client reference, never a BSN.",
)


def _refused(refusal: signing.Refusal) -> Response:
    return error(refusal.status, refusal.code, refusal.message, retry_after=refusal.retry_after)


async def _authenticate(request: Request, body: bytes) -> signing.Caller | Response:
    bo = backoffice(request)
    raw_path = request.scope.get("raw_path") or request.url.path.encode()
    path = raw_path.decode("latin-1").split("?", 1)[0]
    async with bo.db.transaction() as session:
        result = await signing.check(
            session,
            method=request.method,
            path=path,
            headers={name.lower(): value for name, value in request.headers.items()},
            body=body,
            now=bo.clock.now(),
            window_seconds=bo.settings.portal_replay_window_seconds,
            per_minute=bo.settings.portal_requests_per_minute,
        )
    if isinstance(result, signing.Refusal):
        log.info("portal call refused", extra={"code": result.code})
        return _refused(result)
    return result


def _reference_problem(reference: object) -> Response | None:
    if not isinstance(reference, str) or not 1 <= len(reference) <= MAX_REFERENCE:
        return error(400, "invalid_request", "Send a JSON object with a reference (1-64 chars).")
    if contains_bsn(reference):
        return error(*BSN)
    return None


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment is not None else None


async def create_invitation(request: Request) -> Response:
    """POST /api/v1/link-invitations: a 15-minute invitation with its deep link and QR codes."""
    body = await request.body()
    if len(body) > MAX_BODY:
        return error(413, "too_large", "The request body is too large.")
    caller = await _authenticate(request, body)
    if isinstance(caller, Response):
        return caller
    try:
        document = json.loads(body)
    except ValueError:
        return error(400, "invalid_request", "The body is not JSON.")
    if not isinstance(document, dict) or set(document) != {"reference"}:
        return error(400, "invalid_request", "Send a JSON object with a reference only.")
    reference = document["reference"]
    problem = _reference_problem(reference)
    if problem is not None:
        return problem
    bo = backoffice(request)
    now = bo.clock.now()
    async with bo.db.transaction() as session:
        client = await portal_store.client_of_organisation(
            session, organisation_id=caller.organisation_id, ref=reference
        )
        if client is None:
            return error(*NOT_FOUND)
        invitation = await invite_from_portal(session, client=client, key_id=caller.key_id, now=now)
    if invitation is None:
        return error(409, "client_closed", "This client's case is closed; no invitation is made.")
    link = invites.deep_link(bo.settings.bot_username, invitation.code)
    qr = segno.make(link, error="m")
    log.info("portal invitation", extra={"client_id": client.id, "key_id": caller.key_id})
    return JSONResponse(
        {
            "reference": reference,
            "code": invitation.code,
            "deep_link": link,
            "expires_at": _iso(invitation.expires_at),
            "origin": "portal",
            "qr_png_base64": _png_base64(qr),
            "qr_svg": qr.svg_inline(scale=6, dark="#000", light="#fff"),
        },
        status_code=201,
    )


def _png_base64(qr: segno.QRCode) -> str:
    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=6, border=4)
    return base64.b64encode(buffer.getvalue()).decode()


async def _client_for(request: Request) -> tuple[signing.Caller, Client] | Response:
    """The signed caller and the client its path names, or the refusal."""
    body = await request.body()
    if len(body) > MAX_BODY:
        return error(413, "too_large", "The request body is too large.")
    caller = await _authenticate(request, body)
    if isinstance(caller, Response):
        return caller
    reference = request.path_params["reference"]
    problem = _reference_problem(reference)
    if problem is not None:
        return problem
    bo = backoffice(request)
    async with bo.db.reading() as session:
        client = await portal_store.client_of_organisation(
            session, organisation_id=caller.organisation_id, ref=reference
        )
    if client is None:
        return error(*NOT_FOUND)
    return caller, client


async def _telegram_first_name(request: Request, client: Client) -> str | None:
    """Asked from Telegram when needed, never stored (only the municipal first name is)."""
    channels = backoffice(request).channels
    if channels is None or client.telegram_chat_id is None:
        return None
    name = await channels.client.first_name(client.telegram_chat_id)
    if name is None:
        log.warning("telegram name unavailable", extra={"client_id": client.id})
    return name


async def _status(request: Request, client: Client) -> dict[str, Any]:
    async with backoffice(request).db.reading() as session:
        origin = await link_origin(session, client=client)
    linked = client.telegram_chat_id is not None
    return {
        "reference": client.ref,
        "linked": linked,
        "linked_at": _iso(client.linked_at) if linked else None,
        "origin": origin.value if origin is not None else None,
        "telegram_first_name": await _telegram_first_name(request, client) if linked else None,
    }


async def link_status(request: Request) -> Response:
    """GET /api/v1/clients/{reference}/link: linked or not, since when, the Telegram name."""
    found = await _client_for(request)
    if isinstance(found, Response):
        return found
    _caller, client = found
    return JSONResponse(await _status(request, client))


async def unlink_client(request: Request) -> Response:
    """DELETE /api/v1/clients/{reference}/link: unlink the chat (the case stays)."""
    found = await _client_for(request)
    if isinstance(found, Response):
        return found
    caller, client = found
    bo = backoffice(request)
    async with bo.db.transaction() as session:
        fresh = await session.get(Client, pk(client))
        assert fresh is not None
        event = await unlink(
            session,
            client=fresh,
            reason=UnlinkReason.PORTAL,
            actor_kind=ActorKind.SYSTEM,
            actor_id=None,
            now=bo.clock.now(),
            detail=f"key={caller.key_id}",
        )
    if event is not None and bo.channels is not None:
        await publish(bo.channels.all, event)
    return JSONResponse(await _status(request, fresh))
