"""Logging in with a password and a TOTP code, lockout, sessions, logout, own password."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pyotp
import pytest
from sqlmodel import select

from casework.clock import FixedClock
from storage.db import Database
from storage.models import Staff
from tests.backoffice.conftest import PASSWORD, BackofficeClient, World, audit_actions, reload

GENERIC = "De inlognaam of het wachtwoord klopt niet."


async def test_password_and_code_log_in_and_open_the_inbox(bo: BackofficeClient, world: World):
    await bo.get("/login")
    first = await bo.post("/login", {"login": "ME@example.nl", "password": PASSWORD})
    assert first.status_code == 303 and first.headers["location"] == "/login/code"
    page = await bo.get("/login/code")
    assert "Code uit uw app" in page.text
    second = await bo.post("/login/code", {"code": bo.code(world.me)})
    assert second.status_code == 303 and second.headers["location"] == "/inbox"
    inbox = await bo.get("/inbox")
    assert inbox.status_code == 200
    assert "Me Jansen" in inbox.text


async def test_session_cookie_is_signed_http_only_and_same_site(bo: BackofficeClient, world: World):
    response = await bo.get("/login")
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain http in tests; behind the https proxy it is Secure
    bo.http.cookies.set("inburgerbot_bo", "tampered." + cookie.split("=", 1)[1].split(";")[0])
    assert (await bo.get("/inbox")).status_code == 303


async def test_security_headers_on_every_page(bo: BackofficeClient, world: World):
    response = await bo.get("/login")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"


async def test_login_remembers_where_you_wanted_to_go(bo: BackofficeClient, world: World):
    target = f"/clients/{world.own.client.id}"
    away = await bo.get(target)
    assert away.status_code == 303
    assert away.headers["location"] == f"/login?next=%2Fclients%2F{world.own.client.id}"
    await bo.get(away.headers["location"])
    await bo.post("/login", {"login": "me@example.nl", "password": PASSWORD, "next": target})
    await bo.get("/login/code")
    done = await bo.post("/login/code", {"code": bo.code(world.me)})
    assert done.headers["location"] == target


async def test_next_never_leaves_the_site(bo: BackofficeClient, world: World):
    await bo.get("/login")
    await bo.post(
        "/login", {"login": "me@example.nl", "password": PASSWORD, "next": "//evil.example/x"}
    )
    await bo.get("/login/code")
    done = await bo.post("/login/code", {"code": bo.code(world.me)})
    assert done.headers["location"] == "/inbox"


async def test_wrong_password_and_unknown_login_get_the_same_answer(
    bo: BackofficeClient, world: World, db: Database
):
    wrong = await bo.post("/login", {"login": "me@example.nl", "password": "not it"})
    unknown = await bo.post("/login", {"login": "nobody@example.nl", "password": "not it"})
    assert wrong.status_code == unknown.status_code == 400
    assert GENERIC in wrong.text and GENERIC in unknown.text
    assert (await reload(db, Staff, world.me.id)).failed_logins == 1
    assert "login.failed" in await audit_actions(db)


async def test_five_failures_lock_the_account_for_fifteen_minutes(
    bo: BackofficeClient, world: World, db: Database, clock: FixedClock
):
    for _ in range(5):
        await bo.post("/login", {"login": "me@example.nl", "password": "wrong"})
    locked = await reload(db, Staff, world.me.id)
    assert locked.locked_until == clock.now() + timedelta(minutes=15)
    refused = await bo.post("/login", {"login": "me@example.nl", "password": PASSWORD})
    assert refused.status_code == 400 and GENERIC in refused.text
    assert "login.locked" in await audit_actions(db)
    clock.advance(timedelta(minutes=15, seconds=1))
    await bo.login(world.me)
    assert (await bo.get("/inbox")).status_code == 200
    assert (await reload(db, Staff, world.me.id)).failed_logins == 0


async def test_wrong_second_factor_gives_no_access_and_counts_as_a_failure(
    bo: BackofficeClient, world: World, db: Database
):
    await bo.password_step(world.me)
    await bo.get("/login/code")
    wrong = await bo.post("/login/code", {"code": "000000"})
    assert wrong.status_code == 400 and "Deze code klopt niet" in wrong.text
    assert (await bo.get("/inbox")).status_code == 303
    assert (await bo.get(f"/clients/{world.own.client.id}")).status_code == 303
    assert (await reload(db, Staff, world.me.id)).failed_logins == 1
    assert "login.code_failed" in await audit_actions(db)


async def test_five_wrong_codes_lock_the_account_and_end_the_login(
    bo: BackofficeClient, world: World, db: Database
):
    await bo.password_step(world.me)
    await bo.get("/login/code")
    for _ in range(4):
        await bo.post("/login/code", {"code": "000000"})
    last = await bo.post("/login/code", {"code": "000000"})
    assert "Te veel mislukte pogingen" in last.text
    assert (await bo.get("/login/code")).headers["location"] == "/login"
    again = await bo.post("/login", {"login": "me@example.nl", "password": PASSWORD})
    assert again.status_code == 400


async def test_the_same_code_does_not_log_in_twice(
    bo: BackofficeClient, world: World, db: Database
):
    await bo.login(world.me)
    assert (await reload(db, Staff, world.me.id)).totp_last_step is not None
    await bo.logout()
    await bo.password_step(world.me)
    await bo.get("/login/code")
    replayed = await bo.post("/login/code", {"code": bo.code(world.me)})
    assert replayed.status_code == 400 and "Deze code klopt niet" in replayed.text
    bo.clock.advance(timedelta(seconds=30))
    fresh = await bo.post("/login/code", {"code": bo.code(world.me)})
    assert fresh.headers["location"] == "/inbox"


async def test_the_code_step_expires_after_five_minutes(
    bo: BackofficeClient, world: World, clock: FixedClock
):
    await bo.password_step(world.me)
    await bo.get("/login/code")
    clock.advance(timedelta(minutes=6))
    late = await bo.post("/login/code", {"code": bo.code(world.me)})
    assert late.headers["location"] == "/login"


async def test_idle_session_expires(bo: BackofficeClient, world: World, clock: FixedClock):
    await bo.login(world.me)
    clock.advance(timedelta(minutes=29))
    assert (await bo.get("/inbox")).status_code == 200  # activity keeps it alive
    clock.advance(timedelta(minutes=31))
    expired = await bo.get("/inbox")
    assert expired.status_code == 303
    page = await bo.get(expired.headers["location"])
    assert "Uw sessie is verlopen" in page.text


async def test_inbox_refreshes_do_not_keep_a_session_alive(
    bo: BackofficeClient, world: World, clock: FixedClock
):
    await bo.login(world.me)
    for _ in range(4):
        clock.advance(timedelta(minutes=10))
        rows = await bo.get("/inbox/rows", headers={"HX-Request": "true", "X-Background": "1"})
    assert rows.status_code == 401 and rows.headers["hx-redirect"] == "/login"


async def test_first_login_sets_up_the_second_factor_with_a_qr_code(
    bo: BackofficeClient, world: World, db: Database
):
    async with db.transaction() as session:
        member = await session.get(Staff, world.colleague.id)
        assert member is not None
        member.totp_secret = None
    first = await bo.password_step(world.colleague)
    assert first.headers["location"] == "/login/setup"
    page = await bo.get("/login/setup")
    assert "<svg" in page.text and "QR-code" in page.text
    secret = page.text.split('class="secret">')[1].split("<")[0].replace(" ", "")
    wrong = await bo.post("/login/setup", {"code": "123456"})
    assert wrong.status_code == 400
    assert (await reload(db, Staff, world.colleague.id)).totp_secret is None
    right = await bo.post("/login/setup", {"code": pyotp.TOTP(secret).at(bo.clock.now())})
    assert right.headers["location"] == "/inbox"
    assert (await reload(db, Staff, world.colleague.id)).totp_secret == secret
    assert "login.second_factor_set_up" in await audit_actions(db)


async def test_login_form_needs_its_csrf_token(bo: BackofficeClient, world: World):
    await bo.get("/login")
    response = await bo.post("/login", {"login": "me@example.nl", "password": PASSWORD}, csrf=False)
    assert response.status_code == 403
    assert "Dit formulier is verlopen" in response.text


async def test_logout_ends_the_session(bo: BackofficeClient, world: World, db: Database):
    await bo.login(world.me)
    out = await bo.post("/logout")
    assert out.headers["location"] == "/login"
    assert "U bent uitgelogd" in (await bo.get("/login")).text
    assert (await bo.get("/inbox")).status_code == 303
    assert "logout" in await audit_actions(db)


async def test_switched_off_account_loses_its_session_and_cannot_log_in(
    bo: BackofficeClient, world: World, db: Database
):
    await bo.login(world.me)
    async with db.transaction() as session:
        member = await session.get(Staff, world.me.id)
        assert member is not None
        member.active = False
    assert (await bo.get("/inbox")).status_code == 303
    await bo.get("/login")
    refused = await bo.post("/login", {"login": "me@example.nl", "password": PASSWORD})
    assert refused.status_code == 400


async def test_new_password_ends_other_sessions(bo: BackofficeClient, world: World, db: Database):
    await bo.login(world.me)
    async with db.transaction() as session:
        member = (await session.exec(select(Staff).where(Staff.id == world.me.id))).one()
        member.password_hash = "changed elsewhere"
    assert (await bo.get("/inbox")).status_code == 303


async def test_change_own_password(bo: BackofficeClient, world: World, db: Database):
    await bo.login(world.me)
    await bo.get("/account/password")
    wrong = await bo.post(
        "/account/password", {"current": "nope", "new": "x" * 12, "repeat": "x" * 12}
    )
    assert wrong.status_code == 400 and "huidige wachtwoord klopt niet" in wrong.text
    short = await bo.post(
        "/account/password", {"current": PASSWORD, "new": "short", "repeat": "short"}
    )
    assert "minstens 12 tekens" in short.text
    differ = await bo.post(
        "/account/password",
        {"current": PASSWORD, "new": "a new long passphrase", "repeat": "another one entirely"},
    )
    assert "niet gelijk" in differ.text
    done = await bo.post(
        "/account/password",
        {"current": PASSWORD, "new": "a new long passphrase", "repeat": "a new long passphrase"},
    )
    assert done.status_code == 303
    assert (await bo.get("/inbox")).status_code == 200  # this session goes on
    await bo.logout()
    assert (await bo.password_step(world.me, "a new long passphrase")).status_code == 303


async def test_interface_language_switches_to_english_and_is_kept(
    bo: BackofficeClient, world: World, db: Database
):
    await bo.login(world.me)
    switched = await bo.post("/language", {"lang": "en", "next": "/inbox"})
    assert switched.headers["location"] == "/inbox"
    page = await bo.get("/inbox")
    assert '<html lang="en">' in page.text and "<h1>Inbox</h1>" in page.text
    assert (await reload(db, Staff, world.me.id)).locale == "en"
    await bo.post("/language", {"lang": "xx", "next": "https://evil.example"})
    assert "<h1>Inbox</h1>" in (await bo.get("/inbox")).text


async def test_unknown_page_and_wrong_method_get_the_own_error_page(
    bo: BackofficeClient, world: World
):
    missing = await bo.get("/nothing-here")
    assert missing.status_code == 404 and "Deze pagina bestaat niet" in missing.text
    assert '<html lang="nl">' in missing.text
    wrong = await bo.get("/logout")
    assert wrong.status_code == 405 and "Deze handeling kan hier niet." in wrong.text


async def test_a_crash_shows_a_plain_page_without_details(
    app: Any, world: World, monkeypatch: pytest.MonkeyPatch
):
    from storage import backoffice as queries

    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("database on fire: Amina C-00001")

    monkeypatch.setattr(queries, "inbox", broken)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        client = BackofficeClient(http, bo_clock(app), world)
        await client.login(world.me)
        crashed = await http.get("/inbox")
    assert crashed.status_code == 500
    assert "Er ging iets mis" in crashed.text and "Amina" not in crashed.text
    assert "default-src 'self'" in crashed.headers["content-security-policy"]


def bo_clock(app: Any) -> FixedClock:
    clock = app.state.backoffice.clock
    assert isinstance(clock, FixedClock)
    return clock
