"""The import carries the client's Common Ground identifiers (party and zaak UUIDs), never a BSN."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from casework import exporter
from casework.importer import ImportRejected, parse_document
from storage.bsn import contains_bsn
from storage.db import Database
from storage.models import Client
from tests.test_import import NOW, REGION, RULES, load, one

# The last group holds 111222333, which passes the eleven-test: still a UUID, not a BSN.
PARTY = "6f0e3f5a-3f4c-4bb1-9d54-a111222333bc"
ZAAK = "0b7a2c1e-55b9-4c0e-8d0e-1c2b3a4d5e6f"


def with_ids(**fields: Any) -> dict[str, Any]:
    document = copy.deepcopy(json.loads(REGION.read_text(encoding="utf-8")))
    document["clients"][0].update(fields)
    return document


async def test_party_and_zaak_are_stored_and_exported(db: Database) -> None:
    assert contains_bsn(PARTY)  # the reason the BSN scan leaves identifiers out
    document = with_ids(party_uuid=PARTY, zaak_uuid=ZAAK)
    await load(db, document)
    ref = document["clients"][0]["ref"]
    client = await one(db, Client, Client.ref == ref)
    assert (client.party_uuid, client.zaak_uuid) == (PARTY, ZAAK)
    async with db.reading() as session:
        exported = await exporter.export_document(session, zone=RULES.zone, client_ref=ref)
    assert exported.clients[0].party_uuid == PARTY
    # Left out on a later import: cleared, like every field of the record (the case system owns it).
    await load(db, with_ids(zaak_uuid=ZAAK), now=NOW)
    client = await one(db, Client, Client.ref == ref)
    assert client.party_uuid is None and client.zaak_uuid == ZAAK


@pytest.mark.parametrize(
    "value", ["111222333", "6F0E3F5A-3F4C-4BB1-9D54-0F3BDE1F6A11", "not-a-uuid", ""]
)
def test_a_party_that_is_no_uuid_is_refused(value: str) -> None:
    with pytest.raises(ImportRejected) as refused:
        parse_document(json.dumps(with_ids(party_uuid=value)))
    assert "party_uuid" in str(refused.value)
    assert "111222333" not in str(refused.value)
