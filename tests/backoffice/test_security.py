"""The back-office's rules without a browser: passwords, TOTP, sessions, lockout, form values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pyotp
import pytest

from backoffice import rules
from backoffice.security import (
    AddressThrottle,
    Passwords,
    Session,
    Stage,
    fingerprint,
    new_session_token,
    password_hasher,
    password_problem,
    totp_qr_svg,
    totp_uri,
    verify_totp,
)
from backoffice.web import safe_next
from storage import backoffice as queries
from storage.models import Staff

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
ZONE = ZoneInfo("Europe/Amsterdam")


def staff(**fields: object) -> Staff:
    values: dict[str, object] = {
        "id": 7,
        "key": "k",
        "name": "N",
        "organisation_id": 1,
        "password_hash": "h",
        "totp_secret": "S",
    }
    values.update(fields)
    return Staff(**values)


def test_passwords_hash_with_argon2id_and_verify():
    passwords = Passwords(password_hasher(fast=True))
    hashed = passwords.hash("correct horse battery staple")
    assert hashed.startswith("$argon2id$")
    assert passwords.verify(hashed, "correct horse battery staple")
    assert not passwords.verify(hashed, "wrong")
    assert not passwords.verify(None, "anything")
    assert not passwords.verify("not a hash", "anything")


def test_the_default_hasher_is_the_strong_one():
    assert password_hasher().memory_cost >= 65536
    assert Passwords(password_hasher(fast=True)).needs_rehash(
        password_hasher().hash("x")
    )  # a stronger or weaker setting is noticed and rehashed at login


@pytest.mark.parametrize(
    ("password", "ok"),
    [("short", False), ("aaaaaaaaaaaaaaaa", False), ("correct horse battery", True)],
)
def test_password_rules(password: str, ok: bool):
    assert (password_problem(password) is None) == ok


def test_totp_accepts_the_current_and_neighbouring_codes_only():
    secret = pyotp.random_base32()
    totp = pyotp.TOTP(secret)
    step = totp.timecode(NOW)
    assert verify_totp(secret, totp.at(NOW), now=NOW) == step
    assert verify_totp(secret, totp.at(NOW - timedelta(seconds=30)), now=NOW) == step - 1
    assert verify_totp(secret, totp.at(NOW - timedelta(minutes=5)), now=NOW) is None
    assert verify_totp(secret, " ".join([totp.at(NOW)[:3], totp.at(NOW)[3:]]), now=NOW) == step
    assert verify_totp(secret, "12345", now=NOW) is None
    assert verify_totp(None, totp.at(NOW), now=NOW) is None


def test_a_totp_code_is_never_accepted_twice():
    secret = pyotp.random_base32()
    totp = pyotp.TOTP(secret)
    step = verify_totp(secret, totp.at(NOW), now=NOW)
    assert step is not None
    assert verify_totp(secret, totp.at(NOW), now=NOW, last_step=step) is None
    earlier = totp.at(NOW - timedelta(seconds=30))
    assert verify_totp(secret, earlier, now=NOW, last_step=step) is None
    later = NOW + timedelta(seconds=30)
    assert verify_totp(secret, totp.at(later), now=later, last_step=step) == step + 1


def test_totp_set_up_uri_and_qr_code():
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    uri = totp_uri(secret, account="anna@example.nl")
    assert uri.startswith(f"otpauth://totp/inburgerbot:anna%40example.nl?secret={secret}")
    assert totp_qr_svg(uri).startswith("<svg")


def test_a_session_id_is_random_and_a_login_or_logout_renews_it():
    tokens = {new_session_token() for _ in range(100)}
    assert len(tokens) == 100 and all(len(token) == 43 for token in tokens)
    session = Session(data={"csrf": "x"}, token="old")
    session.start(staff(), stage=Stage.FULL, now=NOW)
    assert session.renew and session.staff_id == 7
    ended = Session(data={"staff": 7, "lang": "en"}, token="old")
    ended.end()
    assert ended.renew and ended.data == {"lang": "en"}


def test_start_gives_a_fresh_csrf_token_and_keeps_the_language():
    session = Session()
    session.set("lang", "en")
    before = session.csrf
    session.start(staff(), stage=Stage.PASSWORD, now=NOW)
    assert session.csrf != before and session.lang == "en"
    assert session.csrf_ok(session.csrf) and not session.csrf_ok("x") and not session.csrf_ok(None)


def test_idle_password_stage_and_lifetime_limits():
    idle = timedelta(minutes=30)
    full = Session()
    full.start(staff(), stage=Stage.FULL, now=NOW)
    full.check_age(NOW + timedelta(minutes=30), idle=idle)
    assert full.stage == Stage.FULL
    full.check_age(NOW + timedelta(minutes=31), idle=idle)
    assert full.stage == Stage.ANONYMOUS and full.expired
    halfway = Session()
    halfway.start(staff(), stage=Stage.PASSWORD, now=NOW)
    halfway.check_age(NOW + timedelta(minutes=6), idle=idle)
    assert halfway.stage == Stage.ANONYMOUS
    busy = Session()
    busy.start(staff(), stage=Stage.FULL, now=NOW)
    for hour in range(1, 14):
        busy.touch(NOW + timedelta(hours=hour))
        busy.check_age(NOW + timedelta(hours=hour), idle=idle)
    assert busy.stage == Stage.ANONYMOUS  # twelve hours is the most, however active


def test_fingerprint_changes_with_password_second_factor_and_active():
    member = staff()
    print_before = fingerprint(member)
    assert fingerprint(staff(password_hash="other")) != print_before
    assert fingerprint(staff(totp_secret=None)) != print_before
    assert fingerprint(staff(active=False)) != print_before
    session = Session()
    session.start(member, stage=Stage.FULL, now=NOW)
    assert session.matches(member) and not session.matches(staff(password_hash="other"))


def test_flashes_are_shown_once():
    session = Session()
    session.flash("One")
    session.flash("Two", kind="error")
    assert session.take_flashes() == [("info", "One"), ("error", "Two")]
    assert session.take_flashes() == []


async def test_lockout_after_five_tries_for_fifteen_minutes(db):
    from tests import factories

    async with db.transaction() as session:
        organisation = await factories.organisation(session)
        member = await factories.staff(session, organisation=organisation, login="x@y.nl")
    lock = {"limit": 5, "lock_for": timedelta(minutes=15)}
    numbers = []
    for _ in range(6):
        async with db.transaction() as session:
            attempt = await queries.reserve_attempt(session, staff_id=member.id, now=NOW, **lock)
            numbers.append(attempt and attempt.number)
    assert numbers == [1, 2, 3, 4, 5, None]
    async with db.transaction() as session:
        later = NOW + timedelta(minutes=14)
        assert await queries.reserve_attempt(session, staff_id=member.id, now=later, **lock) is None
        expired = NOW + timedelta(minutes=15)
        again = await queries.reserve_attempt(session, staff_id=member.id, now=expired, **lock)
        assert again is not None and again.number == 1
        await queries.login_succeeded(session, staff_id=member.id)
    async with db.reading() as session:
        stored = await session.get(Staff, member.id)
        assert stored.failed_logins == 0 and stored.locked_until is None


def test_address_throttle_counts_failures_per_address_in_a_window():
    throttle = AddressThrottle(limit=3, window=timedelta(minutes=15), capacity=2)
    for minute in range(3):
        assert not throttle.blocked("a", now=NOW + timedelta(minutes=minute))
        throttle.failed("a", now=NOW + timedelta(minutes=minute))
    assert throttle.blocked("a", now=NOW + timedelta(minutes=3))
    assert not throttle.blocked("b", now=NOW + timedelta(minutes=3))
    assert not throttle.blocked("a", now=NOW + timedelta(minutes=16))  # the window moved on
    for address in ("c", "d", "e"):
        throttle.failed(address, now=NOW)
    assert len(throttle._failures) <= 2  # bounded memory


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/clients/3", "/clients/3"),
        ("//evil.example", "/inbox"),
        ("https://evil.example", "/inbox"),
        ("/\\evil", "/inbox"),
        (None, "/inbox"),
    ],
)
def test_safe_next(target: str | None, expected: str):
    assert safe_next(target) == expected


def test_local_times_from_forms():
    assert rules.parse_local("2026-12-01", "14:30", ZONE) == datetime(
        2026, 12, 1, 13, 30, tzinfo=UTC
    )
    assert rules.parse_local("2026-07-01", "14:30", ZONE) == datetime(
        2026, 7, 1, 12, 30, tzinfo=UTC
    )
    with pytest.raises(rules.FormProblem, match="clocks go forward"):
        rules.parse_local("2027-03-28", "02:30", ZONE)
    with pytest.raises(rules.FormProblem):
        rules.parse_local("tomorrow", "14:30", ZONE)
    with pytest.raises(rules.FormProblem):
        rules.parse_local("2026-12-01", "25:00", ZONE)
    assert rules.parse_day("") is None
    start, end = rules.local_day_bounds(datetime(2026, 11, 23).date(), ZONE)
    assert start == datetime(2026, 11, 22, 23, 0, tzinfo=UTC)
    assert end - start == timedelta(hours=24)


def test_roles():
    assert rules.may_see_audit(staff(role="team_lead")) and rules.may_see_audit(staff(role="admin"))
    assert not rules.may_see_audit(staff(role="caseworker"))
    assert rules.may_manage_staff(staff(role="admin"))
    assert not rules.may_manage_staff(staff(role="team_lead"))
