"""Logging in through an OpenID Connect provider (a small fake one, in-process)."""

from __future__ import annotations

import base64
import json
import secrets
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from backoffice import oidc
from bot.settings import Settings
from casework.clock import FixedClock
from storage.db import Database
from tests.backoffice.conftest import BackofficeClient, World, audit_actions

ISSUER = "http://127.0.0.1:9999/realms/gemeente"
CLIENT_ID = "inburgerbot-backoffice"


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


class FakeProvider:
    """Discovery and a token endpoint; the test plays the user's browser at the login page."""

    def __init__(self, clock: FixedClock) -> None:
        self.clock = clock
        self.codes: dict[str, dict[str, Any]] = {}
        self.claims_override: dict[str, Any] = {}
        self.token_requests: list[dict[str, Any]] = []
        self.app = Starlette(
            routes=[
                Route("/realms/gemeente/.well-known/openid-configuration", self.discovery),
                Route("/realms/gemeente/token", self.token, methods=["POST"]),
            ]
        )

    async def discovery(self, _request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "issuer": ISSUER,
                "authorization_endpoint": f"{ISSUER}/auth",
                "token_endpoint": f"{ISSUER}/token",
            }
        )

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
            "exp": int(self.clock.now().timestamp()) + 300,
            "nonce": grant["nonce"],
            "email": grant["email"],
            **self.claims_override,
        }
        token = f"{b64({'alg': 'RS256'})}.{b64(claims)}.signature"
        return JSONResponse({"id_token": token, "access_token": "x", "token_type": "Bearer"})


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"oidc_issuer": ISSUER, "oidc_client_id": CLIENT_ID, "oidc_client_secret": "s3cret"}


@pytest.fixture
async def provider(app: Starlette, clock: FixedClock) -> FakeProvider:
    fake = FakeProvider(clock)
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=fake.app))
    client = app.state.backoffice.oidc
    assert client is not None
    app.state.backoffice.oidc = oidc.OidcClient(client.config, http=http)
    return fake


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
    assert provider.token_requests[0]["redirect_uri"] == "http://testserver/login/oidc/callback"
    assert "login.oidc" in await audit_actions(db)


async def test_wrong_state_is_refused(bo: BackofficeClient, world: World, provider: FakeProvider):
    code, _state = provider.log_in(await start(bo), "me@example.nl")
    refused = await bo.get(f"/login/oidc/callback?code={code}&state=forged")
    assert refused.status_code == 400
    assert "Inloggen met het account van uw organisatie is niet gelukt" in refused.text
    assert (await bo.get("/inbox")).status_code == 303


@pytest.mark.parametrize(
    "override",
    [{"nonce": "replayed"}, {"aud": "someone-else"}, {"iss": "https://evil.example"}, {"exp": 1}],
)
async def test_id_token_claims_are_checked(
    bo: BackofficeClient, world: World, provider: FakeProvider, override: dict[str, Any]
):
    provider.claims_override = override
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
    configured = oidc.from_settings(
        Settings(  # type: ignore[call-arg]
            _env_file=None,
            **base,
            oidc_issuer="https://idp.example/",
            oidc_client_id="x",
            oidc_client_secret="y",
        )
    )
    assert configured is not None and configured.config.issuer == "https://idp.example"
