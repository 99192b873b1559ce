"""Request plumbing shared by the routes: the session cookie, security headers, who is logged
in, CSRF-checked forms, access refusals and rendering."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from starlette.datastructures import FormData, MutableHeaders
from starlette.requests import HTTPConnection, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backoffice.i18n import (
    DEFAULT_UI_LOCALE,
    N_,
    UI_LOCALES,
    UiTranslator,
    ui_translator,
    value_label,
)
from backoffice.security import SESSION_TOKEN, Session, Stage, new_session_token
from storage import audit
from storage import sessions as session_store
from storage import staff as staff_queries
from storage.bsn import contains_bsn
from storage.enums import ActorKind, StaffRole
from storage.models import Staff
from texts.fmt import Formatter
from texts.render.appointments import KINDS

if TYPE_CHECKING:
    from backoffice.app import Backoffice

log = logging.getLogger(__name__)

SESSION_COOKIE = "inburgerbot_bo"
# Over https the name carries the __Host- prefix: the browser then keeps it only when it is
# Secure, has Path=/ and no Domain, so no other host can set or shadow it (ASVS 3.4.4).
SECURE_SESSION_COOKIE = "__Host-inburgerbot_bo"
BACKGROUND_HEADER = "x-background"  # the inbox's polling: does not count as activity
CSP = (
    "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; style-src 'self'; "
    "script-src 'self'; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
    "cross-origin-opener-policy": "same-origin",
}
HSTS = "max-age=31536000; includeSubDomains"  # only on responses that came over TLS
MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL; anything larger exists nowhere
Endpoint = Callable[[Request], Awaitable[Response]]


def backoffice(request: HTTPConnection) -> Backoffice:
    return request.app.state.backoffice  # type: ignore[no-any-return]


def session_of(request: HTTPConnection) -> Session:
    found = request.scope.get("state", {}).get("session")
    if not isinstance(found, Session):
        raise RuntimeError("the session middleware did not run")
    return found


class SessionMiddleware:
    """Loads the session the cookie's random id names (from the database), drops idle logins,
    stores the session back when it changed (under a new id at login and logout, revoking the
    old one), and adds the security headers to every response."""

    def __init__(self, app: ASGIApp, *, bo: Backoffice) -> None:
        self.app = app
        self.bo = bo

    async def _load(self, token: str | None) -> Session:
        if token is None or not SESSION_TOKEN.fullmatch(token):
            return Session()
        async with self.bo.db.reading() as db_session:
            row = await session_store.live(db_session, token=token)
        if row is None:
            return Session()
        return Session(data=dict(row.data), token=token)

    async def _store(self, session: Session, *, address: str) -> str | None:
        """Write the session; returns a new cookie value when the id changed."""
        now = self.bo.clock.now()
        staff_id, stage = session.staff_id, session.stage
        async with self.bo.db.transaction() as db_session:
            if session.token is not None and not session.renew:
                await session_store.save(
                    db_session,
                    token=session.token,
                    staff_id=staff_id,
                    stage=stage,
                    data=session.data,
                    now=now,
                )
                return None
            if session.token is not None:
                await session_store.revoke(db_session, token=session.token, now=now)
            if not session.data:
                session.token = None
                return ""
            session.token = new_session_token()
            await session_store.create(
                db_session,
                token=session.token,
                staff_id=staff_id,
                stage=stage,
                data=session.data,
                address=address,
                now=now,
            )
            return session.token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        secure = connection.url.scheme == "https"
        cookie_name = SECURE_SESSION_COOKIE if secure else SESSION_COOKIE
        session = await self._load(connection.cookies.get(cookie_name))
        now = self.bo.clock.now()
        session.check_age(now, idle=self.bo.idle)
        if session.stage != Stage.ANONYMOUS and BACKGROUND_HEADER not in connection.headers:
            session.touch(now)
        scope.setdefault("state", {})["session"] = session
        static = scope["path"].startswith("/static/")
        address = connection.client.host if connection.client else ""

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if secure:
                    headers.setdefault("strict-transport-security", HSTS)
                if not static:
                    headers.setdefault("cache-control", "no-store")
                if session.changed:
                    cookie = await self._store(session, address=address)
                    if cookie is not None:
                        headers.append(
                            "set-cookie", self._cookie(cookie_name, cookie, secure=secure)
                        )
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    @staticmethod
    def _cookie(name: str, value: str, *, secure: bool) -> str:
        parts = [f"{name}={value}", "Path=/", "HttpOnly", "SameSite=Lax"]
        if not value:
            parts.append("Max-Age=0")
        if secure:
            parts.append("Secure")
        return "; ".join(parts)


# -- refusals -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Denied:
    """An access refusal to write to the audit trail (in its own transaction)."""

    subject_kind: str
    subject_id: int | None
    client_id: int | None = None


class Refused(Exception):
    """Stop a request with an error page (English message id, translated when shown)."""

    def __init__(self, status: int, message: str, *, denied: Denied | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.denied = denied


NOT_FOUND = N_("This page does not exist, or you have no access to it.")
FORBIDDEN = N_("You have no access to this page.")
CSRF_FAILED = N_("This form has expired. Go back, reload the page and try again.")


async def on_refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Refused)
    bo = backoffice(request)
    staff = request.scope.get("state", {}).get("staff")
    if exc.denied is not None and isinstance(staff, Staff):
        async with bo.db.transaction() as session:
            audit.record(
                session,
                actor_kind=ActorKind.STAFF,
                actor_id=staff.id,
                action="access.denied",
                subject_kind=exc.denied.subject_kind,
                subject_id=exc.denied.subject_id,
                client_id=exc.denied.client_id,
                at=bo.clock.now(),
            )
        log.warning(
            "access denied",
            extra={
                "staff_id": staff.id,
                "subject": exc.denied.subject_kind,
                "subject_id": exc.denied.subject_id,
            },
        )
    values = {"field": translator_for(request)(exc.field)} if isinstance(exc, FieldRefused) else {}
    return render(
        request, "error.html", {"message": exc.message, "values": values}, status=exc.status
    )


async def on_http_error(request: Request, exc: Exception) -> Response:
    """Unknown pages and wrong methods get the back-office's own page, in its language."""
    status = getattr(exc, "status_code", 404)
    message = NOT_FOUND if status == 404 else N_("This action is not possible here.")
    return render(request, "error.html", {"message": message}, status=status)


SERVER_ERROR_PAGE = """<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><title>Er ging iets mis</title></head>
<body><main><h1>Er ging iets mis</h1>
<p>Probeer het over een paar minuten opnieuw. Blijft het misgaan, bel dan de beheerder.</p>
<p lang="en">Something went wrong. Please try again in a few minutes.</p>
<p><a href="/inbox">Postvak</a></p></main></body></html>"""


async def on_server_error(_request: Request, exc: Exception) -> Response:
    """Outside the session middleware: a plain page, and a log line with the error type only."""
    log.error("back-office error", extra={"error": type(exc).__name__}, exc_info=exc)
    return HTMLResponse(SERVER_ERROR_PAGE, status_code=500, headers=SECURITY_HEADERS)


# -- rendering ----------------------------------------------------------------------------------


def ui_locale(request: HTTPConnection) -> str:
    staff = request.scope.get("state", {}).get("staff")
    if isinstance(staff, Staff) and staff.locale in UI_LOCALES:
        return staff.locale
    lang = session_of(request).lang
    return lang if lang in UI_LOCALES else DEFAULT_UI_LOCALE


def translator_for(request: HTTPConnection) -> UiTranslator:
    return ui_translator(ui_locale(request))


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, *, status: int = 200
) -> Response:
    bo = backoffice(request)
    session = session_of(request)
    lang = ui_locale(request)
    t = ui_translator(lang)
    values: dict[str, Any] = {
        "_": t,
        "label": lambda value: value_label(t, value),
        "kind_label": lambda kind: appointment_kind_label(lang, kind),
        "lang": lang,
        "ui_locales": UI_LOCALES,
        "staff": request.scope.get("state", {}).get("staff"),
        "csrf": session.csrf,
        "flashes": session.take_flashes(),
        "fmt": Formatter(lang, bo.settings.zone),
        "now": bo.clock.now(),
        "path": request.url.path,
        "oidc": bo.oidc is not None,
        # Only the sandbox sets this (sandbox/backoffice.py): the band and the demo sign-ins.
        "sandbox_demo": getattr(request.app.state, "sandbox_demo", None),
    }
    values.update(context or {})
    return bo.templates.TemplateResponse(request, template, values, status_code=status)


def appointment_kind_label(lang: str, kind: str) -> str:
    """'voortgangsgesprek' in Dutch; 'Progress meeting (voortgangsgesprek)' in English."""
    dutch, english = KINDS.get(kind, KINDS["other"])
    return dutch if lang == "nl" else f"{english} ({dutch})"


def pager(params: Any, page_number: int) -> str:
    """The current query string with another page number."""
    values = [(key, value) for key, value in params.multi_items() if key != "page"]
    return urlencode([*values, ("page", str(page_number))])


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path
    if request.method == "GET" and request.url.query:
        target += f"?{request.url.query}"
    if request.method != "GET" or target == "/":
        return redirect("/login")
    return redirect(f"/login?next={quote(target, safe='')}")


def safe_next(target: str | None) -> str:
    """Only local paths after login (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/inbox"


# -- who is logged in ---------------------------------------------------------------------------


async def logged_in_staff(request: HTTPConnection) -> Staff | None:
    """The staff member of a session that passed both factors and is still valid."""
    session = session_of(request)
    if session.stage != Stage.FULL or session.staff_id is None:
        return None
    bo = backoffice(request)
    async with bo.db.reading() as db_session:
        staff = await staff_queries.by_id(db_session, staff_id=session.staff_id)
    if staff is None or not session.matches(staff):
        session.end()
        session.expired = True
        return None
    return staff


# The label of each form field, to name it when it is refused (message ids of the interface).
FIELD_LABELS = {
    "title": N_("Title"),
    "description": N_("Description"),
    "place_name": N_("Place"),
    "address": N_("Address"),
    "phone": N_("Phone number (for a call)"),
    "video_url": N_("Video link"),
    "bring": N_("What to bring"),
    "text": N_("Text"),
    "name": N_("Name"),
    "login": N_("Login name"),
    "reason": N_("Reason"),
}
# Secrets, and values parsed strictly as dates, times, choices or ids (a date such as
# 2026-12-02 passes the eleven-test, and such a field cannot hold a BSN once parsed).
NOT_CHECKED_FOR_BSN = frozenset(
    {
        "csrf",
        "password",
        "current",
        "new",
        "repeat",
        "code",
        "date",
        "start",
        "end",
        "due",
        "kind",
        "role",
        "lang",
        "active",
        "staff_id",
        "session",
    }
)
BSN_REFUSED = N_(
    "The field “{field}” holds a number that looks like a BSN (citizen service number). "
    "A BSN is never stored here: remove it and try again."
)


class FieldRefused(Refused):
    """A form field's value is refused; the message names the field, never the value."""

    def __init__(self, status: int, message: str, *, field: str) -> None:
        super().__init__(status, message)
        self.field = field


def refuse_bsn(form: FormData) -> None:
    """No BSN enters through any back-office form (DESIGN section 7)."""
    for name, value in form.multi_items():
        if name in NOT_CHECKED_FOR_BSN or not isinstance(value, str):
            continue
        if contains_bsn(value):
            log.info("form field refused: looks like a BSN", extra={"field": name})
            raise FieldRefused(400, BSN_REFUSED, field=FIELD_LABELS.get(name, name))


async def checked_form(request: Request) -> FormData:
    """The posted form, refused when its CSRF token is missing or wrong, or when any field
    holds a BSN."""
    form = await request.form()
    sent = form.get("csrf") or request.headers.get("x-csrf-token")
    if not session_of(request).csrf_ok(sent if isinstance(sent, str) else None):
        raise Refused(403, CSRF_FAILED)
    refuse_bsn(form)
    return form


def staff_of(request: Request) -> Staff:
    staff = request.scope.get("state", {}).get("staff")
    if not isinstance(staff, Staff):
        raise RuntimeError("route not behind @page")
    return staff


PASSWORD_PAGE = "/account/password"


def page(*roles: StaffRole) -> Callable[[Endpoint], Endpoint]:
    """Guard a route: logged in with both factors, one of `roles` if given; for POST the form's
    CSRF token is checked before anything else happens (`request.state.form`)."""

    def decorate(endpoint: Endpoint) -> Endpoint:
        @wraps(endpoint)
        async def guarded(request: Request) -> Response:
            staff = await logged_in_staff(request)
            if staff is None:
                if session_of(request).expired:
                    session_of(request).flash(
                        N_("Your session has ended. Please log in again."), kind="info"
                    )
                if request.headers.get("hx-request"):
                    return Response(status_code=401, headers={"HX-Redirect": "/login"})
                return login_redirect(request)
            request.scope.setdefault("state", {})["staff"] = staff
            if staff.must_change_password and request.url.path != PASSWORD_PAGE:
                return redirect(PASSWORD_PAGE)
            if roles and staff.role not in roles:
                raise Refused(403, FORBIDDEN)
            if any(
                isinstance(value, int) and not 0 <= value <= MAX_ID
                for value in request.path_params.values()
            ):
                raise Refused(404, NOT_FOUND)
            if request.method == "POST":
                request.state.form = await checked_form(request)
            return await endpoint(request)

        return guarded

    return decorate


def form_of(request: Request) -> FormData:
    form = getattr(request.state, "form", None)
    if not isinstance(form, FormData):
        raise RuntimeError("no checked form on this request")
    return form


def text_field(form: FormData, name: str, *, limit: int = 4000) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def int_param(value: Any) -> int | None:
    """An id from a URL or form; None when it is no number or larger than any id can be."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 <= number <= MAX_ID else None


def audit_read(
    db_session: Any,
    request: Request,
    action: str,
    *,
    subject_kind: str,
    subject_id: int | None,
    client_id: int | None,
    detail: str = "",
) -> None:
    """Every view of a client's data leaves an audit event (ids only)."""
    audit.record(
        db_session,
        actor_kind=ActorKind.STAFF,
        actor_id=staff_of(request).id,
        action=action,
        subject_kind=subject_kind,
        subject_id=subject_id,
        client_id=client_id,
        detail=detail,
        at=backoffice(request).clock.now(),
    )
