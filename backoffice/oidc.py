"""Optional login through the municipality's identity provider (OpenID Connect, code flow with
PKCE), for teams that have one. Configured with INBURGERBOT_OIDC_ISSUER, _CLIENT_ID and
_CLIENT_SECRET; the claim named by INBURGERBOT_OIDC_LOGIN_CLAIM (default `email`) must equal a
staff member's back-office login.

The ID token's signature is checked against the issuer's own keys (discovery names the JWKS;
an asymmetric algorithm only, never `none` or a shared-secret one), and so are issuer,
audience, expiry (by the injectable clock) and nonce. Where the login claim is an e-mail
address, the provider must vouch for it (`email_verified` true). The return address is always
INBURGERBOT_BACKOFFICE_PUBLIC_URL (never the request's Host header); only the sandbox may do
without. The provider is trusted for the second factor: a team enables this only when its
identity provider enforces multi-factor login.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode, urlparse

import httpx
import jwt

from casework.settings import Settings

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
# Asymmetric algorithms only: a token signed with `none` or HS256 (the client secret as key)
# proves nothing about the issuer.
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")


class OidcError(Exception):
    """The provider's answer cannot be used (the reason is for the logs, not the screen)."""


@dataclass(frozen=True)
class OidcConfig:
    issuer: str
    client_id: str
    client_secret: str
    scopes: str
    login_claim: str
    public_url: str | None = None  # None only in the sandbox


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


def verified_claims(token: str, *, keys: dict[str, Any], config: OidcConfig) -> dict[str, Any]:
    """The claims of an ID token whose signature one of the issuer's keys (a JWKS) confirms,
    for our client id and from our issuer (expiry and nonce: `check_claims`)."""
    try:
        header = jwt.get_unverified_header(token)
        key_set = jwt.PyJWKSet.from_dict(keys)
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise OidcError(f"unusable ID token or keys: {type(exc).__name__}") from exc
    algorithm = header.get("alg")
    if algorithm not in ALGORITHMS:
        raise OidcError("the ID token's algorithm is not allowed")
    kid = header.get("kid")
    candidates = [k for k in key_set.keys if kid is None or k.key_id == kid]
    if not candidates:
        raise OidcError("no key of the issuer matches the ID token")
    for candidate in candidates:
        try:
            claims = jwt.decode(
                token,
                candidate.key,
                algorithms=[algorithm],
                audience=config.client_id,
                issuer=[config.issuer, config.issuer + "/"],
                options={"verify_exp": False, "require": ["iss", "aud", "exp"]},
            )
        except jwt.InvalidSignatureError:
            continue
        except jwt.PyJWTError as exc:
            raise OidcError(f"the ID token is refused: {type(exc).__name__}") from exc
        if not isinstance(claims, dict):
            raise OidcError("the ID token has no claims")
        return claims
    raise OidcError("the ID token's signature is wrong")


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
    login = claims.get(config.login_claim)
    if isinstance(login, str) and "@" in login and claims.get("email_verified") is not True:
        raise OidcError("the e-mail address is not verified by the provider")


class OidcClient:
    """Talks to one provider; the HTTP client is injectable (tests use a fake provider)."""

    def __init__(self, config: OidcConfig, *, http: httpx.AsyncClient | None = None) -> None:
        self.config = config
        self._http = http
        self._metadata: dict[str, Any] | None = None
        self._keys: dict[str, Any] | None = None

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
            for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
                if not isinstance(found.get(key), str):
                    raise OidcError(f"discovery has no {key}")
            if str(found.get("issuer", "")).rstrip("/") != self.config.issuer:
                raise OidcError("discovery names another issuer")
            self._metadata = found
        return self._metadata

    async def keys(self, *, refresh: bool = False) -> dict[str, Any]:
        """The issuer's signing keys (JWKS), fetched again when a token names an unknown one."""
        if self._keys is None or refresh:
            metadata = await self.metadata()
            try:
                response = await self._client().get(metadata["jwks_uri"])
                response.raise_for_status()
                found = response.json()
            except (httpx.HTTPError, ValueError) as exc:
                raise OidcError(f"fetching the keys failed: {type(exc).__name__}") from exc
            if not isinstance(found, dict) or not isinstance(found.get("keys"), list):
                raise OidcError("the JWKS has no keys")
            self._keys = found
        return self._keys

    async def claims_of(self, token: str) -> dict[str, Any]:
        try:
            return verified_claims(token, keys=await self.keys(), config=self.config)
        except OidcError as first:
            if "no key" not in str(first):
                raise
            # The provider may have rotated its keys since we fetched them.
            return verified_claims(token, keys=await self.keys(refresh=True), config=self.config)

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
        claims = await self.claims_of(token)
        check_claims(claims, config=self.config, nonce=attempt.nonce, now=now)
        login = claims.get(self.config.login_claim)
        if not isinstance(login, str) or not login:
            raise OidcError("the login claim is missing")
        return login.lower()


def from_settings(
    settings: Settings, *, http: httpx.AsyncClient | None = None, sandbox: bool = False
) -> OidcClient | None:
    """An OIDC client when issuer, client id and secret are all set; refuses plain http to
    anything but loopback (a test provider), and a missing public URL outside the sandbox."""
    if not (settings.oidc_issuer and settings.oidc_client_id and settings.oidc_client_secret):
        return None
    issuer = settings.oidc_issuer.rstrip("/")
    parsed = urlparse(issuer)
    if parsed.scheme != "https" and parsed.hostname not in LOOPBACK:
        raise ValueError("INBURGERBOT_OIDC_ISSUER must be an https URL")
    public_url = (settings.backoffice_public_url or "").rstrip("/") or None
    if public_url is None and not sandbox:
        raise ValueError(
            "set INBURGERBOT_BACKOFFICE_PUBLIC_URL: the identity provider's return address is "
            "never taken from the request"
        )
    config = OidcConfig(
        issuer=issuer,
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret.get_secret_value(),
        scopes=settings.oidc_scopes,
        login_claim=settings.oidc_login_claim,
        public_url=public_url,
    )
    return OidcClient(config, http=http)
