"""HMAC-signed requests from a municipal portal: what is signed, and the checks on arrival.

A request carries four headers: the key id, a Unix timestamp, a fresh nonce and the signature,
the hex HMAC-SHA256 with the key's secret over

    METHOD \\n PATH \\n TIMESTAMP \\n NONCE \\n SHA256-HEX(BODY)

(PATH as sent in the request line, without the query). A request is refused when a header is
missing, the key is unknown or revoked, the timestamp is more than the replay window away from
the back-office's clock, the signature does not match, the key used the nonce before (kept in the
database, so every process sees it), or the key made too many calls in the last minute.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from storage import portal as portal_store

KEY_HEADER = "x-portal-key"
TIMESTAMP_HEADER = "x-portal-timestamp"
NONCE_HEADER = "x-portal-nonce"
SIGNATURE_HEADER = "x-portal-signature"
NONCE = re.compile(r"[A-Za-z0-9_-]{16,64}")
KEY_ID = re.compile(r"[a-z0-9_]{4,40}")
SIGNATURE = re.compile(r"[0-9a-f]{64}")
TIMESTAMP = re.compile(r"[0-9]{1,12}")
RATE_PERIOD = timedelta(minutes=1)


def string_to_sign(method: str, path: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    digest = hashlib.sha256(body).hexdigest()
    return "\n".join([method.upper(), path, timestamp, nonce, digest]).encode()


def sign(secret: str, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    message = string_to_sign(method, path, timestamp, nonce, body)
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Caller:
    """A portal whose request passed every check."""

    key_id: str
    organisation_id: int


@dataclass(frozen=True)
class Refusal:
    status: int
    code: str
    message: str
    retry_after: int | None = None


def _unauthorised(code: str, message: str) -> Refusal:
    return Refusal(401, code, message)


MISSING = _unauthorised(
    "missing_signature",
    "Sign the request: X-Portal-Key, X-Portal-Timestamp, X-Portal-Nonce and X-Portal-Signature.",
)
UNKNOWN_KEY = _unauthorised("unknown_key", "This key is unknown or revoked.")
STALE = _unauthorised(
    "stale_timestamp", "The timestamp is too far from the server's clock; check the portal's clock."
)
BAD_SIGNATURE = _unauthorised("bad_signature", "The signature does not match the request.")
REPLAYED = _unauthorised("replayed_request", "This nonce was used before; sign every call anew.")


def parse_headers(headers: dict[str, str]) -> tuple[str, str, str, str] | None:
    """The four headers, if each is present and well formed."""
    key_id = headers.get(KEY_HEADER, "")
    timestamp = headers.get(TIMESTAMP_HEADER, "")
    nonce = headers.get(NONCE_HEADER, "")
    signature = headers.get(SIGNATURE_HEADER, "").lower()
    if not (
        KEY_ID.fullmatch(key_id)
        and TIMESTAMP.fullmatch(timestamp)
        and NONCE.fullmatch(nonce)
        and SIGNATURE.fullmatch(signature)
    ):
        return None
    return key_id, timestamp, nonce, signature


async def check(
    session: AsyncSession,
    *,
    method: str,
    path: str,
    headers: dict[str, str],
    body: bytes,
    now: datetime,
    window_seconds: int,
    per_minute: int,
) -> Caller | Refusal:
    """Every check of a signed request, in order; remembers the nonce of a valid one."""
    parsed = parse_headers(headers)
    if parsed is None:
        return MISSING
    key_id, timestamp, nonce, signature = parsed
    key = await portal_store.live_key(session, key_id=key_id)
    if key is None:
        return UNKNOWN_KEY
    if abs(now.timestamp() - int(timestamp)) > window_seconds:
        return STALE
    expected = sign(key.secret, method, path, timestamp, nonce, body)
    if not hmac.compare_digest(expected, signature):
        return BAD_SIGNATURE
    # A nonce must outlive every timestamp that could still be accepted: twice the window.
    await portal_store.forget_nonces(session, before=now - timedelta(seconds=2 * window_seconds))
    if not await portal_store.remember_nonce(session, key_id=key_id, nonce=nonce, now=now):
        return REPLAYED
    count, first = await portal_store.recent_requests(
        session, key_id=key_id, since=now - RATE_PERIOD
    )
    if count > per_minute and first is not None:
        wait = math.ceil((first + RATE_PERIOD - now).total_seconds())
        return Refusal(429, "rate_limited", "Too many calls with this key.", max(wait, 1))
    key.last_used_at = now
    session.add(key)
    return Caller(key_id=key_id, organisation_id=key.organisation_id)
