"""Translations stored beside the original: the job's queue, retries, /forget and retention."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from casework import privacy, translation
from casework import questions as question_service
from casework.settings import Settings
from casework.translation import Problem, Translated, TranslationFailed, TranslationStatus
from scheduler import retention
from storage import questions
from storage.db import Database
from storage.enums import MessageKind
from storage.models import Client, Message
from tests import factories

NOW = factories.NOW


async def asked(db: Database, text: str = "لدي رسالة من البلدية") -> tuple[Client, Message]:
    async with db.transaction() as session:
        client = await factories.client(session, locale="ar")
        done = await question_service.ask(
            session, client=client, kind=MessageKind.TEXT, text=text, now=NOW, translate_for="ar"
        )
    return client, done.message


async def test_a_waiting_message_is_taken_by_one_worker_at_a_time(db: Database) -> None:
    _client, message = await asked(db)
    assert message.translation_status == TranslationStatus.PENDING
    async with db.transaction() as session:
        assert await questions.translations_due(session, now=NOW) == [message.id]
        taken = await questions.claim_translation(
            session, message_id=message.id or 0, now=NOW, lease_until=NOW + timedelta(minutes=5)
        )
        again = await questions.claim_translation(
            session, message_id=message.id or 0, now=NOW, lease_until=NOW + timedelta(minutes=5)
        )
        assert taken and not again
        assert await questions.translations_due(session, now=NOW) == []
    async with db.transaction() as session:  # after the lease, it is due again
        later = NOW + timedelta(minutes=5)
        assert await questions.translations_due(session, now=later) == [message.id]


def test_a_failed_try_backs_off_and_gives_up_after_the_last() -> None:
    message = Message(question_id=1, direction="from_client", text="x", translation_attempts=0)
    message.translation_status = TranslationStatus.PENDING
    busy = TranslationFailed(Problem.BUSY)
    waits = []
    for _ in range(translation.MAX_ATTEMPTS - 1):
        assert translation.failed(message, busy, engine="LibreTranslate", now=NOW)
        assert message.translation_next_at is not None
        waits.append(message.translation_next_at - NOW)
    assert waits == [timedelta(seconds=30 * 2**n) for n in range(translation.MAX_ATTEMPTS - 1)]
    assert not translation.failed(message, busy, engine="LibreTranslate", now=NOW)
    assert message.translation_status == TranslationStatus.FAILED
    refused = Message(question_id=1, direction="from_client", text="x", translation_attempts=0)
    refused.translation_status = TranslationStatus.PENDING
    assert not translation.failed(
        refused, TranslationFailed(Problem.REFUSED), engine="LibreTranslate", now=NOW
    )
    assert refused.translation_status == TranslationStatus.FAILED  # the same text fails again


async def test_forget_erases_the_translation_with_the_original(db: Database) -> None:
    client, message = await asked(db)
    async with db.transaction() as session:
        stored = await questions.message_by_id(session, message_id=message.id or 0)
        assert stored is not None
        translation.translated(
            stored, Translated("Ik heb een brief", "ar-nl"), engine="CTranslate2", now=NOW
        )
        session.add(stored)
    records_before = await gathered(db, client)
    [exported] = privacy.export(records_before, now=NOW)["messages"]
    assert (exported["translation"], exported["translation_engine"]) == (
        "Ik heb een brief",
        "CTranslate2",
    )
    async with db.transaction() as session:
        fresh = await session.get(Client, client.id)
        assert fresh is not None
        result = await privacy.forget(session, client=fresh, now=NOW)
    assert result.messages == 1
    async with db.reading() as session:
        gone = await questions.message_by_id(session, message_id=message.id or 0)
    assert gone is not None and gone.text is None and gone.translation is None


async def gathered(db: Database, client: Client) -> privacy.ClientRecords:
    async with db.reading() as session:
        fresh = await session.get(Client, client.id)
        assert fresh is not None
        return await privacy.gather(session, client=fresh)


async def test_retention_erases_translations_and_stops_waiting_ones(db: Database) -> None:
    _client, message = await asked(db)
    async with db.transaction() as session:
        stored = await questions.message_by_id(session, message_id=message.id or 0)
        assert stored is not None
        stored.translation = "Ik heb een brief"
        session.add(stored)
    _other, waiting = await asked(db, "سؤال آخر")
    await retention.purge(db, now=NOW + timedelta(days=366), days=365)
    async with db.reading() as session:
        for message_id in (message.id, waiting.id):
            erased = await questions.message_by_id(session, message_id=message_id or 0)
            assert erased is not None and erased.erased_at is not None
            assert erased.text is None and erased.translation is None
            assert erased.translation_next_at is None
        assert await questions.translations_due(session, now=NOW + timedelta(days=400)) == []


def test_the_settings_name_what_the_engine_needs() -> None:
    assert Settings(_env_file=None).translation == "none"  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="INBURGERBOT_LIBRETRANSLATE_URL"):
        Settings(_env_file=None, translation="libretranslate")  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="INBURGERBOT_CTRANSLATE2_MODELS"):
        Settings(_env_file=None, translation="ctranslate2")  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        Settings(_env_file=None, translation="google")  # type: ignore[call-arg]
