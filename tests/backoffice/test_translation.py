"""Machine translation on the question page: beside the original, labelled, or why it is not."""

from __future__ import annotations

from typing import Any

import pytest

from casework.translation import TranslationStatus
from storage.db import Database
from storage.enums import Direction
from storage.models import Message
from tests.backoffice.conftest import BackofficeClient, World, messages_of


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    # The back-office never asks the engine itself (the bot's translation job does).
    return {"translation": "libretranslate", "libretranslate_url": "http://127.0.0.1:9"}


async def mark(db: Database, message_id: int | None, **fields: Any) -> None:
    async with db.transaction() as session:
        message = await session.get(Message, message_id)
        assert message is not None
        for name, value in fields.items():
            setattr(message, name, value)
        session.add(message)


async def test_the_page_shows_the_translation_beside_the_original_or_why_not(
    bo: BackofficeClient, world: World, db: Database
) -> None:
    first, *_ = [
        m for m in await messages_of(db, world.own.question.id) if m.text and not m.file_id
    ]
    await mark(
        db,
        first.id,
        translation="Ik heb een <brief> gekregen.",
        translation_status=TranslationStatus.DONE,
        translation_source="ar",
        translation_target="nl",
        translation_engine="LibreTranslate",
        translation_model="lt.gemeente.example ar-nl",
    )
    await bo.login(world.me)
    page = (await bo.get(f"/questions/{world.own.question.id}")).text
    assert "Ik heb een brief gekregen. Wat moet ik doen?" in page  # the original stays
    assert "Machinevertaling (LibreTranslate)" in page
    assert "model: lt.gemeente.example ar-nl" in page
    assert 'lang="nl">Ik heb een &lt;brief&gt; gekregen.</p>' in page  # escaped

    for status, shown in [
        (TranslationStatus.PENDING, "Nog niet vertaald: de machinevertaling volgt."),
        (TranslationStatus.NO_PAIR, "Geen machinevertaling voor Arabisch: gebruik een tolk."),
        (
            TranslationStatus.OTHER_LANGUAGE,
            "Niet machinaal vertaald: deze tekst lijkt niet in het Arabisch te zijn.",
        ),
        (
            TranslationStatus.FAILED,
            "De machinevertaling is mislukt. Lees het origineel, of gebruik een tolk.",
        ),
    ]:
        await mark(db, first.id, translation=None, translation_status=status)
        page = (await bo.get(f"/questions/{world.own.question.id}")).text
        assert shown in page and "Machinevertaling (LibreTranslate)" not in page


async def test_an_own_answer_waits_for_its_translation_and_a_ready_one_does_not(
    bo: BackofficeClient, world: World, db: Database
) -> None:
    await bo.login(world.me)
    url = f"/questions/{world.own.question.id}"
    await bo.get(url)
    await bo.post(url + "/answer", {"text": "Kom morgen om 10 uur."})
    await bo.post(url + "/answer", {"ready": "received"})
    own, ready = (await messages_of(db, world.own.question.id))[-2:]
    assert own.direction == Direction.FROM_STAFF and own.text == "Kom morgen om 10 uur."
    assert own.translation_status == TranslationStatus.PENDING
    assert (own.translation_source, own.translation_target) == ("nl", "ar")
    assert own.translation_next_at is not None
    assert ready.translation_status is None  # already in the client's language
