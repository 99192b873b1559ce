"""The portal API's rate limit: per key, counted in the database over the last minute."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.portal.conftest import PortalWorld


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"portal_requests_per_minute": 3}


async def test_the_rate_limit_answers_429_with_retry_after_per_key(world: PortalWorld) -> None:
    for _ in range(3):
        assert (await world.portal.status(world.ours.ref)).status_code == 200
    world.clock.advance(timedelta(seconds=20))
    limited = await world.portal.status(world.ours.ref)
    assert limited.status_code == 429 and limited.json()["error"] == "rate_limited"
    assert limited.headers["retry-after"] == "40"
    other = await world.portal.status(
        world.theirs.ref, key_id=world.their_key.key_id, secret=world.their_key.secret
    )
    assert other.status_code == 200  # the limit is per key
    world.clock.advance(timedelta(seconds=41))
    assert (await world.portal.status(world.ours.ref)).status_code == 200
