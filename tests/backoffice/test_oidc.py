"""Logging in through an OpenID Connect provider: a small fake issuer served over HTTP on
loopback, with discovery, a JWKS and a token endpoint that signs real RS256 ID tokens."""

from __future__ import annotations

import asyncio
import secrets
import socket
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import jwt
import pytest
import uvicorn
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from backoffice import oidc
from casework.clock import FixedClock
from casework.settings import Settings
from storage.db import Database
from tests.backoffice.conftest import BackofficeClient, World, audit_actions

CLIENT_ID = "inburgerbot-backoffice"
CLIENT_SECRET = "client-secret-of-the-backoffice-0123456789"
PUBLIC_URL = "https://backoffice.gemeente.example"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


PORT = free_port()
ISSUER = f"http://127.0.0.1:{PORT}/realms/gemeente"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class FakeProvider:
    """Discovery, the keys and a token endpoint; the test plays the user's browser at the
    login page. `signing_key`, `algorithm` and `claims_override` let a test forge tokens."""

    def __init__(self, clock: FixedClock) -> None:
        self.clock = clock
        self.key = new_key()
        self.signing_key: Any = self.key
        self.algorithm = "RS256"
        self.codes: dict[str, dict[str, Any]] = {}
        self.claims_override: dict[str, Any] = {}
        self.token_requests: list[dict[str, Any]] = []
        self.app = Starlette(
            routes=[
                Route("/realms/gemeente/.well-known/openid-configuration", self.discovery),
                Route("/realms/gemeente/certs", self.certs),
                Route("/realms/gemeente/token", self.token, methods=["POST"]),
            ]
        )

    async def discovery(self, _request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "issuer": ISSUER,
                "authorization_endpoint": f"{ISSUER}/auth",
                "token_endpoint": f"{ISSUER}/token",
                "jwks_uri": f"{ISSUER}/certs",
            }
        )

    async def certs(self, _request: Request) -> JSONResponse:
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return JSONResponse({"keys": [{**public, "kid": "key-1", "use": "sig", "alg": "RS256"}]})

    def log_in(self, authorize_url: str, email: str) -> tuple[str, str]:
        """The user logs in at the provider: returns the code and state for the callback."""
        query = parse_qs(urlparse(authorize_url).query)
        assert query["code_challenge_method"] == ["S256"] and query["client_id"] == [CLIENT_ID]
        code = secrets.token_urlsafe(8)
        self.codes[code] = {"nonce": query["nonce"][0], "email": email}
        return code, query["state"][0]

    async def token(self, request: Request) -> JSONResponse:
        form = await request.form()
        self.token_requests.append({**form, "auth": request.headers.get("authorization")})
        grant = self.codes.pop(str(form.get("code")), None)
        if grant is None or not form.get("code_verifier"):
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        claims = {
            "iss": ISSUER,
            "aud": CLIENT_ID,
            "sub": "user-1",
            "exp": int(self.clock.now().timestamp()) + 300,
            "nonce": grant["nonce"],
            "email": grant["email"],
            "email_verified": True,
            **self.claims_override,
        }
        claims = {key: value for key, value in claims.items() if value is not None}
        token = jwt.encode(
            claims, self.signing_key, algorithm=self.algorithm, headers={"kid": "key-1"}
        )
        return JSONResponse({"id_token": token, "access_token": "x", "token_type": "Bearer"})


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {
        "oidc_issuer": ISSUER,
        "oidc_client_id": CLIENT_ID,
        "oidc_client_secret": CLIENT_SECRET,
        "backoffice_public_url": PUBLIC_URL,
    }


@pytest.fixture
async def provider(clock: FixedClock) -> AsyncIterator[FakeProvider]:
    """The fake issuer, served by uvicorn on 127.0.0.1 for the test's length."""
    fake = FakeProvider(clock)
    server = uvicorn.Server(
        uvicorn.Config(fake.app, host="127.0.0.1", port=PORT, log_level="warning", lifespan="off")
    )
    # A listening socket first: connections wait in its backlog until uvicorn takes them.
    listening = socket.socket()
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listening.bind(("127.0.0.1", PORT))
    listening.listen(16)
    task = asyncio.create_task(server.serve(sockets=[listening]))
    try:
        yield fake
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=20)
        listening.close()


async def start(bo: BackofficeClient) -> str:
    page = await bo.get("/login")
    assert "Inloggen met het account van uw organisatie" in page.text
    response = await bo.post("/login/oidc")
    assert response.status_code == 303
    return response.headers["location"]


async def test_login_through_the_identity_provider(
    bo: BackofficeClient, world: World, provider: FakeProvider, db: Database
):
    code, state = provider.log_in(await start(bo), "ME@example.nl")
    done = await bo.get(f"/login/oidc/callback?code={code}&state={state}")
    assert done.headers["location"] == "/inbox"
    assert (await bo.get("/inbox")).status_code == 200
    assert provider.token_requests[0]["auth"].startswith("Basic ")
    assert provider.token_requests[0]["redirect_uri"] == f"{PUBLIC_URL}/login/oidc/callback"
    assert "login.oidc" in await audit_actions(db)


async def test_wrong_state_is_refused(bo: BackofficeClient, world: World, provider: FakeProvider):
    code, _state = provider.log_in(await start(bo), "me@example.nl")
    refused = await bo.get(f"/login/oidc/callback?code={code}&state=forged")
    assert refused.status_code == 400
    assert "Inloggen met het account van uw organisatie is niet gelukt" in refused.text
    assert (await bo.get("/inbox")).status_code == 303


@pytest.mark.parametrize(
    "override",
    [
        {"nonce": "replayed"},
        {"aud": "someone-else"},
        {"iss": "https://evil.example"},
        {"exp": 1},
        {"email_verified": False},
        {"email_verified": None},
        {"email_verified": "true"},
    ],
)
async def test_id_token_claims_are_checked(
    bo: BackofficeClient, world: World, provider: FakeProvider, override: dict[str, Any]
):
    provider.claims_override = override
    code, state = provider.log_in(await start(bo), "me@example.nl")
    refused = await bo.get(f"/login/oidc/callback?code={code}&state={state}")
    assert refused.status_code == 400
    assert (await bo.get("/inbox")).status_code == 303


async def test_an_expired_token_is_refused(
    bo: BackofficeClient, world: World, provider: FakeProvider, clock: FixedClock
):
    provider.claims_override = {"exp": int(clock.now().timestamp()) - 1}
    code, state = provider.log_in(await start(bo), "me@example.nl")
    assert (await bo.get(f"/login/oidc/callback?code={code}&state={state}")).status_code == 400
    assert (await bo.get("/inbox")).status_code == 303


@pytest.mark.parametrize("forgery", ["other key", "none", "client secret"])
async def test_a_token_not_signed_by_the_issuer_is_refused(
    bo: BackofficeClient, world: World, provider: FakeProvider, forgery: str
):
    if forgery == "other key":
        provider.signing_key = new_key()
    elif forgery == "none":
        provider.signing_key, provider.algorithm = None, "none"
    else:
        provider.signing_key, provider.algorithm = CLIENT_SECRET, "HS256"
    code, state = provider.log_in(await start(bo), "me@example.nl")
    refused = await bo.get(f"/login/oidc/callback?code={code}&state={state}")
    assert refused.status_code == 400
    assert (await bo.get("/inbox")).status_code == 303


async def test_unknown_or_switched_off_account_is_refused(
    bo: BackofficeClient, world: World, provider: FakeProvider
):
    code, state = provider.log_in(await start(bo), "nobody@example.nl")
    refused = await bo.get(f"/login/oidc/callback?code={code}&state={state}")
    assert refused.status_code == 403
    assert (await bo.get("/inbox")).status_code == 303


async def test_a_callback_without_a_started_login_is_refused(bo: BackofficeClient, world: World):
    refused = await bo.get("/login/oidc/callback?code=x&state=y")
    assert refused.status_code == 400


def test_configuration():
    base: dict[str, Any] = {"telegram_token": None, "database_url": "sqlite://"}
    assert oidc.from_settings(Settings(_env_file=None, **base)) is None  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="https"):
        oidc.from_settings(
            Settings(  # type: ignore[call-arg]
                _env_file=None,
                **base,
                oidc_issuer="http://idp.example",
                oidc_client_id="x",
                oidc_client_secret="y",
            )
        )
    without_public_url = Settings(  # type: ignore[call-arg]
        _env_file=None,
        **base,
        oidc_issuer="https://idp.example/",
        oidc_client_id="x",
        oidc_client_secret="y",
    )
    with pytest.raises(ValueError, match="BACKOFFICE_PUBLIC_URL"):
        oidc.from_settings(without_public_url)
    sandboxed = oidc.from_settings(without_public_url, sandbox=True)
    assert sandboxed is not None and sandboxed.config.public_url is None
    configured = oidc.from_settings(
        Settings(  # type: ignore[call-arg]
            _env_file=None,
            **base,
            oidc_issuer="https://idp.example/",
            oidc_client_id="x",
            oidc_client_secret="y",
            backoffice_public_url="https://bo.example/",
        )
    )
    assert configured is not None and configured.config.issuer == "https://idp.example"
    assert configured.config.public_url == "https://bo.example"
