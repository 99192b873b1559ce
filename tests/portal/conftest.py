"""The portal API end to end: the real bot on the fake Telegram, the back-office served over
loopback HTTP beside it, and a fake portal that signs its calls (tests/portal/fake_portal.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from casework.clock import FixedClock
from sandbox.backoffice import BackofficeBeside
from storage import portal as portal_store
from storage.ids import pk
from storage.models import Client, PortalKey
from tests import factories
from tests.e2e.conftest import Harness, harness, settings_overrides  # noqa: F401  (fixtures)
from tests.portal.fake_portal import FakePortal, OpenApiCheck


@dataclass
class PortalWorld:
    harness: Harness
    portal: FakePortal  # signs with our organisation's key
    key: PortalKey
    ours: Client  # a client in Hoorn, served by our organisation
    theirs: Client  # a client in Dordrecht, served by another organisation
    their_key: PortalKey
    url: str

    @property
    def clock(self) -> FixedClock:
        return self.harness.clock


@pytest.fixture
async def world(harness: Harness) -> AsyncIterator[PortalWorld]:  # noqa: F811
    now = harness.clock.now()
    async with harness.db.transaction() as session:
        ours = await factories.organisation(session, municipalities=("Hoorn",))
        theirs = await factories.organisation(session, municipalities=("Dordrecht",))
        own_client = await factories.client(session, first_name="Amina", locale="en")
        their_client = await factories.client(
            session, first_name="Elif", municipality="Dordrecht", locale="en"
        )
        key = await portal_store.create_key(
            session, organisation_id=pk(ours), label="Open Inwoner", now=now
        )
        their_key = await portal_store.create_key(
            session, organisation_id=pk(theirs), label="", now=now
        )
    beside = BackofficeBeside(harness.settings, db=harness.db, clock=harness.clock)
    await beside.start()
    try:
        async with httpx.AsyncClient(base_url=beside.url, timeout=10.0) as http:
            document = (await http.get("/api/v1/openapi.json")).json()
            portal = FakePortal(http, harness.clock, key.key_id, key.secret, OpenApiCheck(document))
            yield PortalWorld(harness, portal, key, own_client, their_client, their_key, beside.url)
    finally:
        await beside.stop()
