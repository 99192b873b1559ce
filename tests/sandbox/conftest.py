"""Fixtures for the sandbox: a small region, a running sandbox on a free port, an HTTP client."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from casework.settings import Settings
from fakebot import SimUser
from sandbox import Sandbox, SandboxOptions
from storage.db import Database

# Sandbox time starts on Monday 23 November 2026, 09:00 in Amsterdam (the sandbox's default).
SMALL_REGION: dict[str, Any] = {
    "format_version": 1,
    "organisations": [
        {
            "key": "team-hoorn",
            "name": "Inburgeringsteam Hoorn",
            "kind": "municipality",
            "municipalities": ["Hoorn"],
            "phone": "0229 000 200",
        }
    ],
    "staff": [
        {"key": "team-sanne", "name": "Sanne Jonker", "organisation": "team-hoorn"},
        {
            "key": "team-pieter",
            "name": "Pieter Kok",
            "organisation": "team-hoorn",
            "active": False,
        },
    ],
    "clients": [
        {
            "ref": "HRN-1",
            "first_name": "Amina",
            "municipality": "Hoorn",
            "caseworker": "team-sanne",
            "locale": "ar",
            "appointments": [
                {
                    "external_id": "hrn1-meeting",
                    "kind": "progress_meeting",
                    "title": "Progress meeting (voortgangsgesprek)",
                    "start": "2026-12-08T10:00:00+01:00",
                    "end": "2026-12-08T10:45:00+01:00",
                    "staff": "team-sanne",
                    "place_name": "Stadhuis Hoorn",
                    "address": "Nieuwe Steen 1, 1625 HV Hoorn",
                    "latitude": 52.6408,
                    "longitude": 5.0583,
                }
            ],
            "tasks": [
                {
                    "external_id": "hrn1-bank",
                    "title": "Open a bank account",
                    "due_date": "2026-11-27",
                }
            ],
        },
        {"ref": "HRN-2", "first_name": "Grace", "municipality": "Hoorn", "locale": "en"},
        {"ref": "HRN-3", "first_name": "Dawit", "municipality": "Hoorn", "status": "closed"},
    ],
}


@pytest.fixture
def region(tmp_path: Path) -> Path:
    path = tmp_path / "region.json"
    path.write_text(json.dumps(SMALL_REGION), encoding="utf-8")
    return path


@pytest.fixture
async def sandbox(db: Database, region: Path) -> AsyncIterator[Sandbox]:
    running = Sandbox(
        SandboxOptions(port=0, region=region), settings=Settings(_env_file=None), db=db
    )
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


@pytest.fixture
async def http(sandbox: Sandbox) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(base_url=sandbox.url, headers={"X-Sandbox": "1"}) as session:
        yield session


def phone_of(sandbox: Sandbox, first_name: str) -> SimUser:
    client = next(c for c in sandbox.world.clients if c.first_name == first_name)
    return sandbox.phone(client.user_id)


async def linked_phone(sandbox: Sandbox, first_name: str) -> SimUser:
    """Tap Start, agree to the privacy notice, and read up to the menu."""
    phone = phone_of(sandbox, first_name)
    await sandbox.tap_start(phone.chat_id)
    consent = await phone.next_message()
    await sandbox.press(phone.chat_id, consent.message_id, "priv:v1:agree:")
    await phone.next_message()  # the menu
    return phone


# -- browser journeys: steps of one scenario in one module (tests/sandbox/test_browser.py) ------

_failed_step: dict[str, str] = {}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    module = getattr(item, "module", None)
    if getattr(module, "JOURNEY", False) and report.failed:
        _failed_step.setdefault(module.__name__, item.name)  # type: ignore[union-attr]
    return report


@pytest.fixture(autouse=True)
def _skip_after_a_failed_step(request: pytest.FixtureRequest) -> None:
    module = request.module
    if getattr(module, "JOURNEY", False) and module.__name__ in _failed_step:
        pytest.skip(f"an earlier step failed: {_failed_step[module.__name__]}")
