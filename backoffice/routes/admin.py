"""Team leads' audit page (with filters) and administrators' staff management."""

from __future__ import annotations

import re
import secrets

from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import Request
from starlette.responses import Response

from backoffice.i18n import N_
from backoffice.rules import FormProblem, local_day_bounds, parse_day
from backoffice.security import SESSION_LIFETIME, new_password
from backoffice.web import (
    NOT_FOUND,
    Refused,
    audit_read,
    backoffice,
    form_of,
    int_param,
    page,
    redirect,
    render,
    session_of,
    staff_of,
    text_field,
)
from storage import audit
from storage import backoffice as queries
from storage import sessions as session_store
from storage import staff as staff_queries
from storage.backoffice import AuditFilter
from storage.enums import ActorKind, StaffRole
from storage.models import Staff

PAGE_SIZE = 100
ROLES = [role.value for role in StaffRole]


def _audit_filter(request: Request) -> tuple[AuditFilter, dict[str, str]]:
    params = request.query_params
    zone = backoffice(request).settings.zone
    raw = {
        key: (params.get(key) or "").strip()[:100]
        for key in ("actor", "action", "client", "from", "to", "page")
    }
    since = until = None
    try:
        start_day, end_day = parse_day(raw["from"]), parse_day(raw["to"])
    except FormProblem:
        start_day = end_day = None
        raw["error"] = "Give a date like 2026-12-01."
    if start_day is not None:
        since = local_day_bounds(start_day, zone)[0]
    if end_day is not None:
        until = local_day_bounds(end_day, zone)[1]
    page_number = max(int_param(raw["page"]) or 1, 1)
    return (
        AuditFilter(
            actor_id=int_param(raw["actor"]),
            action=raw["action"] or None,
            client_ref=raw["client"] or None,
            since=since,
            until=until,
            limit=PAGE_SIZE + 1,
            offset=(page_number - 1) * PAGE_SIZE,
        ),
        raw,
    )


@page(StaffRole.TEAM_LEAD, StaffRole.ADMIN)
async def audit_page(request: Request) -> Response:
    bo, staff = backoffice(request), staff_of(request)
    wanted, raw = _audit_filter(request)
    async with bo.db.transaction() as session:
        rows = await queries.audit_page(session, viewer=staff, wanted=wanted)
        team = await queries.staff_of_organisation(session, organisation_id=staff.organisation_id)
        actions = await queries.audit_actions(session)
        audit_read(session, request, "audit.view", subject_kind="", subject_id=None, client_id=None)
    page_number = wanted.offset // PAGE_SIZE + 1
    return render(
        request,
        "audit.html",
        {
            "rows": rows[:PAGE_SIZE],
            "more": len(rows) > PAGE_SIZE,
            "page_number": page_number,
            "team": team,
            "actions": sorted({a.split(".")[0] for a in actions} | set(actions)),
            "raw": raw,
        },
    )


# -- staff management ---------------------------------------------------------------------------

LOGIN_SHAPE = re.compile(r"^[a-z0-9._@+-]{3,200}$")


@page(StaffRole.ADMIN)
async def staff_list(request: Request) -> Response:
    bo, admin = backoffice(request), staff_of(request)
    async with bo.db.reading() as session:
        team = await queries.staff_of_organisation(session, organisation_id=admin.organisation_id)
    return render(request, "staff.html", {"team": team, "roles": ROLES})


async def _member(session: AsyncSession, request: Request, *, not_self: bool = False) -> Staff:
    """A staff member of the administrator's own organisation, else 404."""
    member = await staff_queries.by_id(
        session, staff_id=int_param(request.path_params["staff_id"]) or 0
    )
    if member is None or member.organisation_id != staff_of(request).organisation_id:
        raise Refused(404, NOT_FOUND)
    if not_self and member.id == staff_of(request).id:
        raise Refused(409, N_("For your own account, use 'My password'."))
    return member


def _record(session: AsyncSession, request: Request, action: str, member: Staff) -> None:
    audit.record(
        session,
        actor_kind=ActorKind.STAFF,
        actor_id=staff_of(request).id,
        action=action,
        subject_kind="staff",
        subject_id=member.id,
        at=backoffice(request).clock.now(),
    )


def _password_shown(request: Request, member: Staff, password: str) -> Response:
    return render(request, "staff_password.html", {"member": member, "password": password})


@page(StaffRole.ADMIN)
async def create_staff(request: Request) -> Response:
    bo, admin, form = backoffice(request), staff_of(request), form_of(request)
    name = text_field(form, "name", limit=200)
    login = text_field(form, "login", limit=200).lower()
    role = text_field(form, "role", limit=20)
    try:
        if not name:
            raise FormProblem(N_("Give a name."))
        if not LOGIN_SHAPE.match(login):
            raise FormProblem(N_("A login name has 3 or more letters, digits or . _ @ + -"))
        if role not in ROLES:
            raise FormProblem(N_("Choose a role."))
        password = new_password()
        hashed = await bo.passwords.make(password)
        async with bo.db.transaction() as session:
            if await queries.login_taken(session, login=login):
                raise FormProblem(N_("This login name is taken."))
            member = Staff(
                key=f"bo-{secrets.token_hex(5)}",
                name=name,
                organisation_id=admin.organisation_id,
                role=role,
                login=login,
                password_hash=hashed,
                must_change_password=True,
                locale=admin.locale,
            )
            session.add(member)
            await session.flush()
            _record(session, request, "staff.create", member)
    except FormProblem as problem:
        session_of(request).flash(str(problem), kind="error")
        return redirect("/staff")
    return _password_shown(request, member, password)


@page(StaffRole.ADMIN)
async def update_staff(request: Request) -> Response:
    """Change a colleague's role or switch their account on or off (never one's own)."""
    bo, admin, form = backoffice(request), staff_of(request), form_of(request)
    role = text_field(form, "role", limit=20)
    active = form.get("active") == "1"
    async with bo.db.transaction() as session:
        member = await _member(session, request)
        if member.id == admin.id:
            raise Refused(
                409, N_("You cannot change your own role or switch off your own account.")
            )
        if role not in ROLES:
            raise Refused(400, N_("Choose a role."))
        if member.active and not active:
            # Switched off: every session ends now, and switching on again does not revive one.
            now = bo.clock.now()
            await session_store.revoke_all_of(session, staff_id=member.id or 0, now=now)
        member.role, member.active = role, active
        session.add(member)
        _record(session, request, "staff.update", member)
    session_of(request).flash(N_("The account is changed."), kind="success")
    return redirect("/staff")


@page(StaffRole.ADMIN)
async def reset_second_factor(request: Request) -> Response:
    bo = backoffice(request)
    async with bo.db.transaction() as session:
        member = await _member(session, request, not_self=True)
        member.totp_secret, member.totp_last_step = None, None
        session.add(member)
        await session_store.revoke_all_of(session, staff_id=member.id or 0, now=bo.clock.now())
        _record(session, request, "staff.reset_second_factor", member)
    session_of(request).flash(
        N_("The second factor is reset. It is set up again at the next login."), kind="success"
    )
    return redirect("/staff")


@page(StaffRole.ADMIN)
async def reset_password(request: Request) -> Response:
    bo = backoffice(request)
    password = new_password()
    hashed = await bo.passwords.make(password)
    async with bo.db.transaction() as session:
        member = await _member(session, request, not_self=True)
        member.password_hash = hashed
        member.must_change_password = True
        member.failed_logins, member.locked_until = 0, None
        session.add(member)
        await session_store.revoke_all_of(session, staff_id=member.id or 0, now=bo.clock.now())
        _record(session, request, "staff.reset_password", member)
    return _password_shown(request, member, password)


# -- a colleague's sessions ---------------------------------------------------------------------


@page(StaffRole.ADMIN)
async def sessions_page(request: Request) -> Response:
    """Where and since when a colleague is logged in (sessions that have not ended)."""
    bo = backoffice(request)
    now = bo.clock.now()
    async with bo.db.transaction() as session:
        member = await _member(session, request)
        rows = [
            row
            for row in await session_store.live_of(session, staff_id=member.id or 0)
            if now - row.seen_at <= bo.idle and now - row.started_at <= SESSION_LIFETIME
        ]
        _record(session, request, "staff.view_sessions", member)
    return render(request, "staff_sessions.html", {"member": member, "rows": rows})


@page(StaffRole.ADMIN)
async def end_sessions(request: Request) -> Response:
    """End one session of a colleague (`session` in the form) or all of them."""
    bo = backoffice(request)
    chosen = form_of(request).get("session")
    only = int_param(chosen) if chosen else None
    if chosen and only is None:
        raise Refused(404, NOT_FOUND)
    async with bo.db.transaction() as session:
        member = await _member(session, request, not_self=True)
        ended = await session_store.revoke_all_of(
            session, staff_id=member.id or 0, now=bo.clock.now(), session_id=only
        )
        _record(session, request, "staff.end_sessions", member)
    session_of(request).flash(
        N_("The sessions are ended.") if ended else N_("There was no session to end."),
        kind="success",
    )
    return redirect(f"/staff/{member.id}/sessions")
