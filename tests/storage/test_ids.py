"""`pk()`: a stored row's id, and a loud error where a row has none (never a lookup of row 0)."""

from __future__ import annotations

import pytest

from storage.db import Database
from storage.ids import MissingId, pk
from storage.models import Organisation
from tests import factories


async def test_a_stored_row_gives_its_id(db: Database):
    async with db.transaction() as session:
        org = await factories.organisation(session)
        assert pk(org) == org.id and pk(org) > 0


def test_a_row_without_an_id_raises():
    with pytest.raises(MissingId, match="Organisation has no id"):
        pk(Organisation(name="Nog niet opgeslagen", key="new"))
