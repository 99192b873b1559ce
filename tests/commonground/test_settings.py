"""The Common Ground settings: both URL and token switch it on; an actor must be a UUID."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from casework.settings import Settings
from commonground.openklant import OpenKlant
from commonground.system import CommonGround
from commonground.zaken import ZakenApi
from console.compose import case_system_for


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_open_klant_needs_both_url_and_token() -> None:
    assert case_system_for(settings()) is None
    assert case_system_for(settings(open_klant_url="http://127.0.0.1:1/api/v1")) is None
    assert not settings(open_klant_token="k").open_klant_enabled
    both = settings(open_klant_url="http://127.0.0.1:1/api/v1/", open_klant_token="k")
    system = case_system_for(both)
    assert isinstance(system, CommonGround) and isinstance(system.open_klant, OpenKlant)
    assert system.open_klant.base_url == "http://127.0.0.1:1/api/v1" and system.zaken is None


def test_the_actor_must_be_a_uuid() -> None:
    with pytest.raises(ValidationError, match="the actor's uuid in Open Klant"):
        settings(open_klant_actor_uuid="team inburgering")
    ok = settings(open_klant_actor_uuid="3a6e8a53-7f1d-4d43-9c39-4e7f0f2f6b21")
    assert ok.open_klant_actor_uuid == "3a6e8a53-7f1d-4d43-9c39-4e7f0f2f6b21"


def test_the_zaken_api_needs_url_client_and_secret() -> None:
    partial = settings(zaken_api_url="http://127.0.0.1:1/zaken/api/v1", zaken_client_id="bot")
    assert not partial.zaken_enabled and case_system_for(partial) is None
    full = settings(
        zaken_api_url="http://127.0.0.1:1/zaken/api/v1",
        zaken_client_id="bot",
        zaken_secret="a-zgw-secret-of-at-least-32-bytes!",
    )
    system = case_system_for(full)
    assert isinstance(system, CommonGround)
    assert system.open_klant is None and isinstance(system.zaken, ZakenApi)
