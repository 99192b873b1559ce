"""With Open Klant configured, a back-office answer is queued as a contact moment."""

from __future__ import annotations

from typing import Any

import pytest

from storage import contacts
from storage.db import Database
from storage.enums import ContactKind, ContactStatus
from tests.backoffice.conftest import BackofficeClient, World, messages_of
from tests.backoffice.test_questions import question_url


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    # Queuing needs no connection: the bot process's job sends (tests/commonground).
    return {"open_klant_url": "http://127.0.0.1:9/klantinteracties/api/v1", "open_klant_token": "k"}


async def test_an_answer_in_the_backoffice_is_queued_for_open_klant(
    bo: BackofficeClient, world: World, db: Database
) -> None:
    await bo.login(world.me)
    await bo.post(question_url(world, "team") + "/answer", {"text": "Kom morgen om 10 uur."})
    answer = (await messages_of(db, world.team.question.id))[-1]
    async with db.reading() as session:
        row = await contacts.by_message(session, message_id=answer.id or 0)
    assert row is not None
    assert row.kind == ContactKind.ANSWER and row.status == ContactStatus.PENDING
    assert row.question_id == world.team.question.id and len(row.key) == 10
