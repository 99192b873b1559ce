"""The store keeps what it is given: UTC datetimes, checked values, unique keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import IntegrityError, StatementError
from sqlmodel import select

from storage.db import Database
from storage.models import Appointment, Client
from tests import factories


async def test_datetimes_come_back_aware_in_utc(db: Database) -> None:
    amsterdam_summer = timezone(timedelta(hours=2))
    async with db.transaction() as session:
        person = await factories.client(session)
        await factories.appointment(
            session,
            client=person,
            starts_at=datetime(2026, 7, 1, 10, 0, tzinfo=amsterdam_summer),
            ends_at=None,
        )
    async with db.reading() as session:
        stored = (await session.exec(select(Appointment))).one()
    assert stored.starts_at == datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    assert stored.starts_at.tzinfo is not None and stored.starts_at.utcoffset() == timedelta(0)
    assert stored.created_at.tzinfo is not None


async def test_naive_datetime_is_refused(db: Database) -> None:
    with pytest.raises(StatementError):
        async with db.transaction() as session:
            person = await factories.client(session)
            await factories.appointment(session, client=person, starts_at=datetime(2026, 7, 1, 10))


async def test_unknown_status_is_refused_by_the_database(db: Database) -> None:
    with pytest.raises(IntegrityError):
        async with db.transaction() as session:
            await factories.client(session, status="sleeping")


async def test_client_reference_is_unique(db: Database) -> None:
    with pytest.raises(IntegrityError):
        async with db.transaction() as session:
            await factories.client(session, ref="HRN-1")
            await factories.client(session, ref="HRN-1")


async def test_failed_transaction_leaves_nothing(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            await factories.client(session, ref="HRN-2")
            raise RuntimeError("boom")
    async with db.reading() as session:
        assert (await session.exec(select(Client))).all() == []


async def test_foreign_keys_are_enforced(db: Database) -> None:
    with pytest.raises(IntegrityError):
        async with db.transaction() as session:
            session.add(
                Appointment(
                    client_id=9999,
                    external_id="x",
                    kind="intake",
                    starts_at=datetime(2026, 1, 1, tzinfo=UTC),
                )
            )
