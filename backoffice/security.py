"""Passwords (Argon2, off the event loop), the TOTP second factor, the per-address throttle and
the session (its data lives in the database; the cookie holds only a random id).

Plain functions and small classes without Starlette, so the rules are tested on their own.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import re
import secrets
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
import segno
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from backoffice.i18n import N_
from storage.models import Staff

MAX_FAILED_LOGINS = 5
LOCK_FOR = timedelta(minutes=15)
# One address may fail this often per window, over all accounts, before it is refused: locking
# out many people then needs many addresses (docs/security.md, V2.2.1).
ADDRESS_FAILURES = 10
ADDRESS_WINDOW = timedelta(minutes=15)
ARGON2_AT_ONCE = 4  # hashes at the same time (each takes 64 MiB with the default parameters)
PASSWORD_STAGE_LIFETIME = timedelta(minutes=5)  # between the password and the second factor
SESSION_LIFETIME = timedelta(hours=12)  # however active, log in again after this
MIN_PASSWORD_LENGTH = 12
TOTP_ISSUER = "inburgerbot"
TOTP_VALID_WINDOW = 1  # accept the previous and next 30-second code too (clock drift)


# -- passwords ----------------------------------------------------------------------------------


def password_hasher(*, fast: bool = False) -> PasswordHasher:
    """Argon2id with the library's defaults; `fast` only for tests."""
    if fast:
        return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return PasswordHasher()


class Passwords:
    """Hash and check passwords; unknown logins cost the same time as known ones. The async
    methods run Argon2 in a thread (a few at a time), so the event loop keeps serving."""

    def __init__(self, hasher: PasswordHasher) -> None:
        self.hasher = hasher
        self._dummy = hasher.hash(secrets.token_urlsafe(16))
        self._slots: asyncio.Semaphore | None = None

    def _pool(self) -> asyncio.Semaphore:
        if self._slots is None:
            self._slots = asyncio.Semaphore(ARGON2_AT_ONCE)
        return self._slots

    async def check(self, stored: str | None, password: str) -> bool:
        async with self._pool():
            return await asyncio.to_thread(self.verify, stored, password)

    async def make(self, password: str) -> str:
        async with self._pool():
            return await asyncio.to_thread(self.hash, password)

    def hash(self, password: str) -> str:
        return self.hasher.hash(password)

    def verify(self, stored: str | None, password: str) -> bool:
        if not stored:
            self._burn(password)
            return False
        try:
            return self.hasher.verify(stored, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        return self.hasher.check_needs_rehash(stored)

    def _burn(self, password: str) -> None:
        with contextlib.suppress(VerifyMismatchError, VerificationError, InvalidHashError):
            self.hasher.verify(self._dummy, password)


def password_problem(password: str) -> str | None:
    """Why a new password is refused (an English message id), or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return N_("A password needs at least 12 characters.")
    if len(set(password)) < 5:
        return N_("This password is too easy to guess.")
    return None


class AddressThrottle:
    """Failed logins per client address in a sliding window, in this process's memory (bounded:
    the oldest addresses are forgotten first). Beside the per-account lock: a blocked address
    is refused before any account is tried, so its guesses do not lock anyone out."""

    def __init__(
        self,
        *,
        limit: int = ADDRESS_FAILURES,
        window: timedelta = ADDRESS_WINDOW,
        capacity: int = 10_000,
    ) -> None:
        self.limit = limit
        self.window = window
        self.capacity = capacity
        self._failures: OrderedDict[str, list[datetime]] = OrderedDict()

    def _recent(self, address: str, now: datetime) -> list[datetime]:
        kept = [at for at in self._failures.get(address, []) if now - at < self.window]
        if kept:
            self._failures[address] = kept
        else:
            self._failures.pop(address, None)
        return kept

    def blocked(self, address: str, *, now: datetime) -> bool:
        return len(self._recent(address, now)) >= self.limit

    def failed(self, address: str, *, now: datetime) -> None:
        recent = self._recent(address, now)
        recent.append(now)
        self._failures[address] = recent[-self.limit :]
        self._failures.move_to_end(address)
        while len(self._failures) > self.capacity:
            self._failures.popitem(last=False)


def new_password() -> str:
    """A random first password an administrator hands over (changed at first login)."""
    return secrets.token_urlsafe(12)


# -- the second factor --------------------------------------------------------------------------


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, *, account: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=TOTP_ISSUER)


def totp_qr_svg(uri: str) -> str:
    """The set-up QR code as inline SVG (no external request, works with a strict CSP)."""
    return segno.make(uri, error="m").svg_inline(scale=5, dark="#000", light="#fff")


def verify_totp(
    secret: str | None, code: str, *, now: datetime, last_step: int | None = None
) -> int | None:
    """The 30-second step a six-digit code belongs to at `now` (the injectable clock's time),
    or None. A step at or before `last_step` is refused: no code works twice (RFC 6238 5.2)."""
    if not secret:
        return None
    digits = "".join(ch for ch in code if ch.isdigit())
    if len(digits) != 6:
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current - TOTP_VALID_WINDOW, current + TOTP_VALID_WINDOW + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), digits):
            return step
    return None


# -- sessions -----------------------------------------------------------------------------------


class Stage:
    """How far a visitor got: nothing, the password, or the password and the second factor."""

    ANONYMOUS = "anonymous"
    PASSWORD = "password"
    FULL = "full"


SESSION_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


def new_session_token() -> str:
    """A session id: 256 random bits, URL-safe (the only thing the cookie holds)."""
    return secrets.token_urlsafe(32)


def fingerprint(staff: Staff) -> str:
    """Changes when the password, the second factor or the active flag changes: a new
    password or a reset second factor ends every open session of that person."""
    material = f"{staff.id}|{staff.password_hash}|{staff.totp_secret}|{staff.active}"
    return hashlib.sha256(material.encode()).hexdigest()[:24]


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def _moment(value: Any) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if isinstance(value, int | float) else None


@dataclass
class Session:
    """A session's data (kept in the database under `token`, the cookie's random id);
    `changed` tells the middleware to write it back, `renew` to store it under a new id and
    revoke the old one (at login, at each step of it, and at logout)."""

    data: dict[str, Any] = field(default_factory=dict)
    token: str | None = None
    changed: bool = False
    renew: bool = False
    expired: bool = False  # an idle or too old session was dropped in this request

    @property
    def csrf(self) -> str:
        token = self.data.get("csrf")
        if not isinstance(token, str):
            token = secrets.token_urlsafe(24)
            self.data["csrf"] = token
            self.changed = True
        return token

    def csrf_ok(self, sent: str | None) -> bool:
        token = self.data.get("csrf")
        return bool(sent and isinstance(token, str) and hmac.compare_digest(sent, token))

    @property
    def stage(self) -> str:
        return str(self.data.get("stage", Stage.ANONYMOUS))

    @property
    def staff_id(self) -> int | None:
        value = self.data.get("staff")
        return value if isinstance(value, int) else None

    @property
    def lang(self) -> str | None:
        value = self.data.get("lang")
        return value if isinstance(value, str) else None

    def set(self, key: str, value: Any) -> None:
        if self.data.get(key) != value:
            self.data[key] = value
            self.changed = True

    def pop(self, key: str) -> Any:
        if key in self.data:
            self.changed = True
            return self.data.pop(key)
        return None

    def start(self, staff: Staff, *, stage: str, now: datetime) -> None:
        """Begin (or step up) a login: a fresh CSRF token against session fixation."""
        lang = self.lang
        self.data = {
            "staff": staff.id,
            "stage": stage,
            "fp": fingerprint(staff),
            "since": _epoch(now),
            "seen": _epoch(now),
            "csrf": secrets.token_urlsafe(24),
        }
        if lang:
            self.data["lang"] = lang
        self.changed = self.renew = True

    def end(self) -> None:
        """Log out: a new, anonymous session that keeps only the chosen language."""
        lang = self.lang
        self.data = {"lang": lang} if lang else {}
        self.changed = self.renew = True

    def matches(self, staff: Staff) -> bool:
        return staff.active and self.data.get("fp") == fingerprint(staff)

    def touch(self, now: datetime) -> None:
        self.set("seen", _epoch(now))

    def check_age(self, now: datetime, *, idle: timedelta) -> None:
        """Drop a login that was idle too long, is too old, or stopped between the factors."""
        if self.stage == Stage.ANONYMOUS:
            return
        seen, since = _moment(self.data.get("seen")), _moment(self.data.get("since"))
        limit = PASSWORD_STAGE_LIFETIME if self.stage == Stage.PASSWORD else idle
        if seen is None or since is None or now - seen > limit or now - since > SESSION_LIFETIME:
            self.end()
            self.expired = True

    def flash(self, message: str, *, kind: str = "info") -> None:
        """A message (English id, translated when shown) for the next page."""
        messages = list(self.data.get("flash", []))
        messages.append([kind, message])
        self.set("flash", messages)

    def take_flashes(self) -> list[tuple[str, str]]:
        messages = self.pop("flash") or []
        return [(str(kind), str(text)) for kind, text in messages]
