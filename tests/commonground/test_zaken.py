"""The Zaken API adapter against the fake Zaken API (both check the schema copies)."""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import httpx
import jwt
import pytest

from commonground.fakes.zaken import FakeZaken
from commonground.zaken import ZakenApi, zgw_token

ZAAK = "0b7a2c1e-55b9-4c0e-8d0e-1c2b3a4d5e6f"
SECRET = "a-zgw-secret-of-at-least-32-bytes!"


@pytest.fixture
async def fake() -> AsyncIterator[FakeZaken]:
    server = FakeZaken(clients={"inburgerbot": SECRET})
    await server.start()
    server.add_zaak(
        ZAAK,
        reference="ZAAK-2025-0012",
        started=date(2025, 3, 15),
        planned_end=date(2028, 3, 15),
        latest_end=date(2028, 9, 15),
    )
    server.add_status(ZAAK, datetime(2025, 3, 15, 9, 0, tzinfo=UTC), "Intake gedaan")
    server.add_status(ZAAK, datetime(2025, 5, 1, 9, 0, tzinfo=UTC), "Plan (PIP) vastgesteld")
    try:
        yield server
    finally:
        await server.stop()
        assert server.violations == []


def adapter(fake: FakeZaken, secret: str = SECRET) -> ZakenApi:
    return ZakenApi(fake.base_url, "inburgerbot", secret)


async def test_the_zaak_with_its_steps_newest_first_and_deadlines(fake: FakeZaken) -> None:
    state = await adapter(fake).zaak(ZAAK)
    assert state is not None
    assert state.reference == "ZAAK-2025-0012" and state.started == date(2025, 3, 15)
    assert (state.planned_end, state.latest_end, state.closed) == (
        date(2028, 3, 15),
        date(2028, 9, 15),
        None,
    )
    assert [step.note for step in state.steps] == ["Plan (PIP) vastgesteld", "Intake gedaan"]
    assert fake.calls == [(f"/zaken/{ZAAK}", 200), ("/statussen", 200)]


async def test_a_zaak_closed_elsewhere_reads_as_closed(fake: FakeZaken) -> None:
    fake.close(ZAAK, date(2026, 11, 20), datetime(2026, 11, 20, 14, 0, tzinfo=UTC), "Afgerond")
    state = await adapter(fake).zaak(ZAAK)
    assert state is not None and state.closed == date(2026, 11, 20)
    assert state.steps[0].note == "Afgerond"


async def test_an_unknown_zaak_and_an_outage_give_none(
    fake: FakeZaken, caplog: pytest.LogCaptureFixture
) -> None:
    assert await adapter(fake).zaak("11111111-2222-4333-8444-555555555555") is None
    fake.down = True
    assert await adapter(fake).zaak(ZAAK) is None
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}/zaken/api/v1"
    with caplog.at_level(logging.WARNING):
        assert await ZakenApi(closed, "inburgerbot", SECRET).zaak(ZAAK) is None
    assert "zaken api unreachable" in caplog.text


async def test_a_wrong_secret_is_refused_and_alerted(
    fake: FakeZaken, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        assert await adapter(fake, secret="rotated-away-and-also-32-bytes-long").zaak(ZAAK) is None
    assert (
        "zaken api refused a read" in caplog.text
        and "rotated-away-and-also-32-bytes-long" not in caplog.text
    )
    assert fake.calls == [(f"/zaken/{ZAAK}", 403)]


async def test_an_answer_outside_the_schema_is_not_believed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"uuid": ZAAK, "startdatum": "15-03-2025"})

    api = ZakenApi(
        "http://zaken.test/api/v1", "inburgerbot", SECRET, transport=httpx.MockTransport(handler)
    )
    with caplog.at_level(logging.WARNING):
        assert await api.zaak(ZAAK) is None
    assert "zaken api answered outside its schema" in caplog.text


async def test_the_fake_does_not_send_what_the_schema_refuses(fake: FakeZaken) -> None:
    fake.zaken[ZAAK]["startdatum"] = "15-03-2025"
    assert await adapter(fake).zaak(ZAAK) is None
    assert fake.violations == ["Zaak: [('startdatum', \"'15-03-2025' is not a 'date'\")]"]
    assert fake.calls == [(f"/zaken/{ZAAK}", 500)]
    fake.violations.clear()


def test_the_token_is_a_zgw_jwt() -> None:
    token = zgw_token("inburgerbot", SECRET, now=1_700_000_000)
    claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert claims == {
        "iss": "inburgerbot",
        "iat": 1_700_000_000,
        "client_id": "inburgerbot",
        "user_id": "inburgerbot",
        "user_representation": "inburgerbot",
    }
