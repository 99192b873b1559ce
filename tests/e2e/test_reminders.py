"""Reminders end to end: the real application's dispatch job sends through the fake Telegram."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from casework import case
from storage.models import Reminder
from tests import factories
from tests.e2e.conftest import Harness


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"dispatch_interval_seconds": 0.2}


async def test_an_appointment_two_hours_ahead_is_reminded_in_the_clients_language(
    harness: Harness,
) -> None:
    async with harness.db.transaction() as session:
        client = await factories.client(session, first_name="Ayşe", locale="tr")
    user = await harness.linked_user(client, user_id=8101, language_code="tr")
    services = harness.app.bot_data.services
    assert services is not None
    async with harness.db.transaction() as session:
        appointment = await case.add_appointment(
            session,
            client=await harness.reload(client),
            draft=case.AppointmentDraft(
                kind="progress_meeting",
                starts_at=harness.clock.now() + timedelta(hours=2, seconds=5),
                external_id="e2e-1",
                place_name="Gemeentehuis Hoorn",
                address="Nieuwe Steen 1, 1625 HV Hoorn",
            ),
            rules=services.rules,
            now=harness.clock.now(),
        )
    harness.clock.advance(timedelta(seconds=6))  # the two-hour reminder is due now
    reminder = await user.next_message(timeout=10)
    text = reminder.text or ""
    assert "Kasım" in text and "13:00" in text  # Babel, Turkish, Amsterdam time
    assert "voortgangsgesprek" in text  # the Dutch term stays next to the translation
    assert "Nieuwe Steen 1" in text
    assert f"appt:v1:confirm:{appointment.id}" in reminder.callback_data
    assert f"appt:v1:cannot:{appointment.id}" in reminder.callback_data
    row = await settled(harness, f"appointment:{appointment.id}:120m")
    assert (row.status, row.telegram_message_id) == ("sent", reminder.message_id)


async def settled(harness: Harness, key: str, within: float = 5.0) -> Reminder:
    """The row once the dispatcher has marked it (the mark follows the send by milliseconds)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        async with harness.db.reading() as session:
            row = (await session.exec(select(Reminder).where(Reminder.dedup_key == key))).one()
        if row.status != "claimed" or loop.time() > deadline:
            return row
        await asyncio.sleep(0.02)
