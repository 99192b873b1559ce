"""Logging in through the organisation's identity provider (see backoffice/oidc.py)."""

from __future__ import annotations

import dataclasses
import hmac
import logging

from starlette.requests import Request
from starlette.responses import Response

from backoffice.i18n import N_
from backoffice.oidc import Attempt, OidcError
from backoffice.security import Stage
from backoffice.web import Refused, backoffice, checked_form, redirect, session_of
from storage import audit
from storage import backoffice as queries
from storage import staff as staff_queries
from storage.enums import ActorKind

log = logging.getLogger(__name__)
OIDC_FAILED = N_(
    "Logging in with your organisation's account did not work. Try again or use your password."
)


def _redirect_uri(request: Request) -> str:
    """The configured public URL; the request's own address only in the sandbox (where the
    OIDC client was built without one)."""
    client = backoffice(request).oidc
    public = client.config.public_url if client is not None else None
    base = public or str(request.base_url).rstrip("/")
    return f"{base}/login/oidc/callback"


async def start(request: Request) -> Response:
    await checked_form(request)
    client = backoffice(request).oidc
    if client is None:
        raise Refused(404, N_("This page does not exist, or you have no access to it."))
    try:
        url, attempt = await client.begin(_redirect_uri(request))
    except OidcError as exc:
        log.warning("oidc start failed", extra={"reason": str(exc)})
        raise Refused(502, OIDC_FAILED) from exc
    session_of(request).set("oidc", dataclasses.asdict(attempt))
    return redirect(url)


async def callback(request: Request) -> Response:
    bo = backoffice(request)
    session = session_of(request)
    stored = session.pop("oidc")
    if bo.oidc is None:
        raise Refused(404, N_("This page does not exist, or you have no access to it."))
    state = request.query_params.get("state", "")
    code = request.query_params.get("code", "")
    if (
        not isinstance(stored, dict)
        or not code
        or not hmac.compare_digest(state, str(stored.get("state", "")))
    ):
        raise Refused(400, OIDC_FAILED)
    now = bo.clock.now()
    try:
        login = await bo.oidc.finish(code=code, attempt=Attempt(**stored), now=now)
    except (OidcError, TypeError) as exc:
        log.warning("oidc login failed", extra={"reason": str(exc)})
        raise Refused(400, OIDC_FAILED) from exc
    async with bo.db.transaction() as db_session:
        staff = await staff_queries.by_login(db_session, login=login)
        if staff is None or not staff.active or queries.is_locked(staff, now=now):
            log.info("oidc login without an active account")
            raise Refused(403, OIDC_FAILED)
        await queries.login_succeeded(db_session, staff_id=staff.id or 0)
        audit.record(
            db_session,
            actor_kind=ActorKind.STAFF,
            actor_id=staff.id,
            action="login.oidc",
            subject_kind="staff",
            subject_id=staff.id,
            at=now,
        )
    session.start(staff, stage=Stage.FULL, now=now)
    return redirect("/inbox")
