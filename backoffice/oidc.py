"""Optional login through the municipality's identity provider (OpenID Connect, code flow with
PKCE), for teams that have one. Configured with INBURGERBOT_OIDC_ISSUER, _CLIENT_ID and
_CLIENT_SECRET; the claim named by INBURGERBOT_OIDC_LOGIN_CLAIM (default `email`) must equal a
staff member's back-office login.

The ID token comes straight from the provider's token endpoint over TLS, as the answer to our
own authenticated request, so (OpenID Connect Core 3.1.3.7) the TLS connection vouches for the
issuer and its signature is not checked again here; issuer, audience, expiry and nonce are.
The provider is trusted for the second factor: a team enables this only when its identity
provider enforces multi-factor login.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode, urlparse

import httpx

from bot.settings import Settings

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class OidcError(Exception):
    """The provider's answer cannot be used (the reason is for the logs, not the screen)."""


@dataclass(frozen=True)
class OidcConfig:
    issuer: str
    client_id: str
    client_secret: str
    scopes: str
    login_claim: str


@dataclass(frozen=True)
class Attempt:
    """What the session keeps between sending the browser out and its return."""

    state: str
    nonce: str
    verifier: str
    redirect_uri: str


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def code_challenge(verifier: str) -> str:
    return _b64url(hashlib.sha256(verifier.encode()).digest())


def jwt_claims(token: str) -> dict[str, Any]:
    """The payload of a JWT (see the module docstring for why the signature is not checked)."""
    try:
        payload = token.split(".")[1]
        padded = payload + "=" * (-len(payload) % 4)
        claims = json.loads(base64.urlsafe_b64decode(padded))
    except (IndexError, ValueError) as exc:
        raise OidcError("the ID token is not a JWT") from exc
    if not isinstance(claims, dict):
        raise OidcError("the ID token has no claims")
    return claims


def check_claims(claims: dict[str, Any], *, config: OidcConfig, nonce: str, now: datetime) -> None:
    if str(claims.get("iss", "")).rstrip("/") != config.issuer:
        raise OidcError("wrong issuer")
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if config.client_id not in audiences:
        raise OidcError("wrong audience")
    expires = claims.get("exp")
    if not isinstance(expires, int | float) or expires <= now.timestamp():
        raise OidcError("the ID token has expired")
    if claims.get("nonce") != nonce:
        raise OidcError("wrong nonce")


class OidcClient:
    """Talks to one provider; the HTTP client is injectable (tests use a fake provider)."""

    def __init__(self, config: OidcConfig, *, http: httpx.AsyncClient | None = None) -> None:
        self.config = config
        self._http = http
        self._metadata: dict[str, Any] | None = None

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=10.0)
        return self._http

    async def metadata(self) -> dict[str, Any]:
        if self._metadata is None:
            url = self.config.issuer.rstrip("/") + "/.well-known/openid-configuration"
            try:
                response = await self._client().get(url)
                response.raise_for_status()
                found = response.json()
            except (httpx.HTTPError, ValueError) as exc:
                raise OidcError(f"discovery failed: {type(exc).__name__}") from exc
            for key in ("authorization_endpoint", "token_endpoint"):
                if not isinstance(found.get(key), str):
                    raise OidcError(f"discovery has no {key}")
            self._metadata = found
        return self._metadata

    async def begin(self, redirect_uri: str) -> tuple[str, Attempt]:
        """The provider's login URL to send the browser to, and what to remember."""
        metadata = await self.metadata()
        attempt = Attempt(
            state=secrets.token_urlsafe(24),
            nonce=secrets.token_urlsafe(24),
            verifier=secrets.token_urlsafe(48),
            redirect_uri=redirect_uri,
        )
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.config.client_id,
                "redirect_uri": redirect_uri,
                "scope": self.config.scopes,
                "state": attempt.state,
                "nonce": attempt.nonce,
                "code_challenge": code_challenge(attempt.verifier),
                "code_challenge_method": "S256",
            }
        )
        return f"{metadata['authorization_endpoint']}?{query}", attempt

    async def finish(self, *, code: str, attempt: Attempt, now: datetime) -> str:
        """Exchange the code; returns the value of the login claim."""
        metadata = await self.metadata()
        try:
            response = await self._client().post(
                metadata["token_endpoint"],
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": attempt.redirect_uri,
                    "code_verifier": attempt.verifier,
                },
                auth=(self.config.client_id, self.config.client_secret),
            )
            response.raise_for_status()
            token = response.json().get("id_token")
        except (httpx.HTTPError, ValueError, AttributeError) as exc:
            raise OidcError(f"token exchange failed: {type(exc).__name__}") from exc
        if not isinstance(token, str):
            raise OidcError("no ID token")
        claims = jwt_claims(token)
        check_claims(claims, config=self.config, nonce=attempt.nonce, now=now)
        login = claims.get(self.config.login_claim)
        if not isinstance(login, str) or not login:
            raise OidcError("the login claim is missing")
        return login.lower()


def from_settings(
    settings: Settings, *, http: httpx.AsyncClient | None = None
) -> OidcClient | None:
    """An OIDC client when issuer, client id and secret are all set; refuses plain http to
    anything but loopback (a test provider)."""
    if not (settings.oidc_issuer and settings.oidc_client_id and settings.oidc_client_secret):
        return None
    issuer = settings.oidc_issuer.rstrip("/")
    parsed = urlparse(issuer)
    if parsed.scheme != "https" and parsed.hostname not in LOOPBACK:
        raise ValueError("INBURGERBOT_OIDC_ISSUER must be an https URL")
    config = OidcConfig(
        issuer=issuer,
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret.get_secret_value(),
        scopes=settings.oidc_scopes,
        login_claim=settings.oidc_login_claim,
    )
    return OidcClient(config, http=http)
