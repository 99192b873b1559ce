"""Logging in: password, then the TOTP second factor (set up by QR code the first time);
lockout after repeated failures; logging out; the interface language; changing one's password."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import Request
from starlette.responses import Response

from backoffice.i18n import N_, UI_LOCALES
from backoffice.security import (
    LOCK_FOR,
    MAX_FAILED_LOGINS,
    Stage,
    new_totp_secret,
    password_problem,
    totp_qr_svg,
    totp_uri,
    verify_totp,
)
from backoffice.web import (
    PASSWORD_PAGE,
    backoffice,
    checked_form,
    form_of,
    logged_in_staff,
    page,
    redirect,
    render,
    safe_next,
    session_of,
    staff_of,
    text_field,
)
from storage import audit
from storage import backoffice as queries
from storage import sessions as session_store
from storage import staff as staff_queries
from storage.enums import ActorKind
from storage.models import Staff

log = logging.getLogger(__name__)

LOGIN_FAILED = N_(
    "The login name or the password is not right. After 5 failed attempts an account is "
    "locked for 15 minutes."
)
CODE_FAILED = N_(
    "This code is not right. Use the newest code from your authenticator app. After 5 failed "
    "attempts the account is locked for 15 minutes."
)
LOCKED = N_("Too many failed attempts. The account is locked for 15 minutes.")
ADDRESS_BLOCKED = N_(
    "Too many failed attempts from this address. Please wait 15 minutes and try again."
)


def _login_page(request: Request, *, error: str | None = None, status: int = 200) -> Response:
    context = {"error": error, "next": request.query_params.get("next", "")}
    return render(request, "login.html", context, status=status)


async def login_form(request: Request) -> Response:
    if await logged_in_staff(request) is not None:
        return redirect("/inbox")
    session = session_of(request)
    if session.expired:
        session.flash(N_("Your session has ended. Please log in again."))
    return _login_page(request)


def _record(db_session: AsyncSession, staff: Staff | None, action: str, now: datetime) -> None:
    audit.record(
        db_session,
        actor_kind=ActorKind.STAFF,
        actor_id=staff.id if staff else None,
        action=action,
        subject_kind="staff",
        subject_id=staff.id if staff else None,
        at=now,
    )


def _address(request: Request) -> str:
    return request.client.host if request.client else ""


async def login(request: Request) -> Response:
    """The first factor. Every failure gives the same answer, known login or not.

    A blocked address is refused before anything else. Each try at an account is counted in
    the database *before* the password is checked (one atomic UPDATE), so guesses sent at once
    cannot get past the limit: at most 5 are ever checked before the lock.
    """
    form = await checked_form(request)
    bo = backoffice(request)
    name, password = text_field(form, "login", limit=200), str(form.get("password") or "")
    now, address = bo.clock.now(), _address(request)
    if bo.throttle.blocked(address, now=now):
        log.info("login refused: address throttled")
        return _login_page(request, error=ADDRESS_BLOCKED, status=429)
    async with bo.db.transaction() as db_session:
        staff = await staff_queries.by_login(db_session, login=name) if name else None
        attempt = (
            await queries.reserve_attempt(
                db_session,
                staff_id=staff.id or 0,
                now=now,
                limit=MAX_FAILED_LOGINS,
                lock_for=LOCK_FOR,
            )
            if staff is not None and staff.active
            else None
        )
        if staff is not None and attempt is None:
            _record(db_session, staff, "login.refused", now)
    if staff is None or attempt is None:
        await bo.passwords.check(None, password)
        bo.throttle.failed(address, now=now)
        log.info("login refused", extra={"staff_id": staff.id if staff else None})
        return _login_page(request, error=LOGIN_FAILED, status=400)
    if not await bo.passwords.check(staff.password_hash, password):
        bo.throttle.failed(address, now=now)
        locked = attempt.locked
        async with bo.db.transaction() as db_session:
            _record(db_session, staff, "login.locked" if locked else "login.failed", now)
        log.info("login failed", extra={"staff_id": staff.id, "locked": locked})
        return _login_page(request, error=LOGIN_FAILED, status=400)
    rehashed = (
        await bo.passwords.make(password)
        if staff.password_hash and bo.passwords.needs_rehash(staff.password_hash)
        else None
    )
    async with bo.db.transaction() as db_session:
        # The right password: this try does not count against the second factor's tries.
        await queries.refund_attempt(db_session, staff_id=staff.id or 0, attempt=attempt)
        if rehashed is not None:
            fresh = await staff_queries.by_id(db_session, staff_id=staff.id or 0)
            if fresh is not None:
                fresh.password_hash = rehashed
                db_session.add(fresh)
    session = session_of(request)
    session.start(staff, stage=Stage.PASSWORD, now=now)
    session.set("next", safe_next(text_field(form, "next", limit=500)))
    return redirect("/login/code" if staff.totp_secret else "/login/setup")


async def _password_stage_staff(request: Request) -> Staff | None:
    """The staff member who passed the password step of this session, if still valid."""
    session = session_of(request)
    if session.stage != Stage.PASSWORD or session.staff_id is None:
        return None
    async with backoffice(request).db.reading() as db_session:
        staff = await staff_queries.by_id(db_session, staff_id=session.staff_id)
    if staff is None or not session.matches(staff):
        session.end()
        return None
    return staff


async def code_form(request: Request) -> Response:
    staff = await _password_stage_staff(request)
    if staff is None:
        return redirect("/login")
    if not staff.totp_secret:
        return redirect("/login/setup")
    return render(request, "login_code.html", {})


async def _reserve_code_try(request: Request, staff: Staff) -> queries.Attempt | None:
    """Count a second-factor try before it is checked (None: the account is locked)."""
    bo = backoffice(request)
    async with bo.db.transaction() as db_session:
        return await queries.reserve_attempt(
            db_session,
            staff_id=staff.id or 0,
            now=bo.clock.now(),
            limit=MAX_FAILED_LOGINS,
            lock_for=LOCK_FOR,
        )


def _locked_out(request: Request) -> Response:
    session_of(request).end()
    return _login_page(request, error=LOCKED, status=400)


async def _second_factor_failed(
    request: Request, staff: Staff, attempt: queries.Attempt, template: str, **extra: object
) -> Response:
    bo = backoffice(request)
    now = bo.clock.now()
    async with bo.db.transaction() as db_session:
        _record(db_session, staff, "login.locked" if attempt.locked else "login.code_failed", now)
    log.info("second factor failed", extra={"staff_id": staff.id, "locked": attempt.locked})
    if attempt.locked:
        return _locked_out(request)
    return render(request, template, {"error": CODE_FAILED, **extra}, status=400)


async def _complete(
    request: Request, staff_id: int, *, totp_step: int, totp_secret: str | None = None
) -> bool:
    """Both factors passed: a full session (under a new id, with a fresh CSRF token).

    The code's time step is taken with a compare-and-set, so one code logs in once even when
    two requests bring it at the same moment; False when another request was first."""
    bo = backoffice(request)
    now = bo.clock.now()
    async with bo.db.transaction() as db_session:
        taken = await queries.consume_totp_step(
            db_session, staff_id=staff_id, step=totp_step, new_secret=totp_secret
        )
        if not taken:
            return False
        staff = await staff_queries.by_id(db_session, staff_id=staff_id)
        assert staff is not None
        await db_session.refresh(staff)
        if totp_secret is not None:
            # A new second factor: every other session of this person ends.
            await session_store.revoke_all_of(db_session, staff_id=staff_id, now=now)
            _record(db_session, staff, "login.second_factor_set_up", now)
        await queries.login_succeeded(db_session, staff_id=staff_id)
        _record(db_session, staff, "login.ok", now)
    session = session_of(request)
    target = safe_next(session.data.get("next"))
    session.start(staff, stage=Stage.FULL, now=now)
    session.set("next", PASSWORD_PAGE if staff.must_change_password else target)
    log.info("logged in", extra={"staff_id": staff.id})
    return True


def _after_login(request: Request) -> Response:
    return redirect(safe_next(session_of(request).pop("next")))


def _back_to_login(request: Request) -> Response:
    session = session_of(request)
    if session.expired:
        session.flash(N_("Your session has ended. Please log in again."))
    return redirect("/login")


async def verify_code(request: Request) -> Response:
    staff = await _password_stage_staff(request)
    if staff is None:
        return _back_to_login(request)
    form = await checked_form(request)
    if not staff.totp_secret:
        return redirect("/login/setup")
    now = backoffice(request).clock.now()
    attempt = await _reserve_code_try(request, staff)
    if attempt is None:
        return _locked_out(request)
    step = verify_totp(
        staff.totp_secret,
        text_field(form, "code", limit=20),
        now=now,
        last_step=staff.totp_last_step,
    )
    if step is None or not await _complete(request, staff.id or 0, totp_step=step):
        return await _second_factor_failed(request, staff, attempt, "login_code.html")
    return _after_login(request)


def _setup_context(request: Request, staff: Staff) -> dict[str, object]:
    session = session_of(request)
    secret = session.data.get("totp_pending")
    if not isinstance(secret, str):
        secret = new_totp_secret()
        session.set("totp_pending", secret)
    uri = totp_uri(secret, account=staff.login or staff.key)
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return {"qr_svg": totp_qr_svg(uri), "secret": grouped}


async def setup_form(request: Request) -> Response:
    staff = await _password_stage_staff(request)
    if staff is None:
        return redirect("/login")
    if staff.totp_secret:
        return redirect("/login/code")
    return render(request, "login_setup.html", _setup_context(request, staff))


async def confirm_setup(request: Request) -> Response:
    staff = await _password_stage_staff(request)
    if staff is None:
        return _back_to_login(request)
    form = await checked_form(request)
    if staff.totp_secret:
        return redirect("/login/code")
    secret = session_of(request).data.get("totp_pending")
    now = backoffice(request).clock.now()
    attempt = await _reserve_code_try(request, staff)
    if attempt is None:
        return _locked_out(request)
    step = (
        verify_totp(secret, text_field(form, "code", limit=20), now=now)
        if isinstance(secret, str)
        else None
    )
    if (
        step is None
        or not isinstance(secret, str)
        or not await _complete(request, staff.id or 0, totp_secret=secret, totp_step=step)
    ):
        return await _second_factor_failed(
            request, staff, attempt, "login_setup.html", **_setup_context(request, staff)
        )
    return _after_login(request)


async def logout(request: Request) -> Response:
    await checked_form(request)
    staff = await logged_in_staff(request)
    if staff is not None:
        bo = backoffice(request)
        async with bo.db.transaction() as db_session:
            _record(db_session, staff, "logout", bo.clock.now())
    session = session_of(request)
    session.end()
    session.flash(N_("You are logged out."))
    return redirect("/login")


async def language(request: Request) -> Response:
    """Switch the interface between Dutch and English (kept with the account when logged in)."""
    form = await checked_form(request)
    chosen = text_field(form, "lang", limit=5)
    if chosen in UI_LOCALES:
        session_of(request).set("lang", chosen)
        staff = await logged_in_staff(request)
        if staff is not None:
            async with backoffice(request).db.transaction() as db_session:
                fresh = await staff_queries.by_id(db_session, staff_id=staff.id or 0)
                if fresh is not None:
                    fresh.locale = chosen
                    db_session.add(fresh)
    return redirect(safe_next(text_field(form, "next", limit=500)))


@page()
async def password_form(request: Request) -> Response:
    return render(
        request, "account_password.html", {"forced": staff_of(request).must_change_password}
    )


@page()
async def change_password(request: Request) -> Response:
    form, staff, bo = form_of(request), staff_of(request), backoffice(request)
    current, new = str(form.get("current") or ""), str(form.get("new") or "")
    error: str | None
    if not await bo.passwords.check(staff.password_hash, current):
        error = N_("Your current password is not right.")
    elif new != str(form.get("repeat") or ""):
        error = N_("The two new passwords are not the same.")
    elif new == current:
        error = N_("Choose a new password that differs from the current one.")
    else:
        error = password_problem(new)
    if error:
        context = {"error": error, "forced": staff.must_change_password}
        return render(request, "account_password.html", context, status=400)
    now = bo.clock.now()
    hashed = await bo.passwords.make(new)
    async with bo.db.transaction() as db_session:
        fresh = await staff_queries.by_id(db_session, staff_id=staff.id or 0)
        assert fresh is not None
        fresh.password_hash = hashed
        fresh.must_change_password = False
        db_session.add(fresh)
        # Every session of this person ends; this one goes on under a new id.
        await session_store.revoke_all_of(db_session, staff_id=fresh.id or 0, now=now)
        _record(db_session, fresh, "account.password_changed", now)
    session_of(request).start(fresh, stage=Stage.FULL, now=now)
    session_of(request).flash(N_("Your password is changed."))
    return redirect("/inbox")
