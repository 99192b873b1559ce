"""Machine translation end to end: the real bot, the fake Telegram and a fake LibreTranslate.

A question written in Arabic reaches the staff chat at once, with "a machine translation
follows" under it, edited into the Dutch translation; the Dutch answer reaches the client with
its translation under it. Where the engine has no pair, the team is told to use an interpreter.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.handlers.privacy import Contact, privacy_text
from casework.translation import TranslationStatus
from fakebot import StoredMessage
from sandbox.fake_libretranslate import FakeLibreTranslate
from storage.enums import Direction
from tests.e2e.conftest import Harness
from tests.e2e.eventually import eventually
from tests.e2e.test_staff_chat import catch_up, make_world, stored_messages, topic_row
from texts import bidi
from texts.fmt import Formatter
from texts.i18n import translator

NL = translator("nl")
AR = translator("ar")


@pytest.fixture
async def libretranslate() -> AsyncIterator[FakeLibreTranslate]:
    fake = FakeLibreTranslate()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


@pytest.fixture
def settings_overrides(libretranslate: FakeLibreTranslate) -> dict[str, Any]:
    return {
        "translation": "libretranslate",
        "libretranslate_url": libretranslate.url,
        "libretranslate_api_key": "test-key",
    }


def replies_to(message: StoredMessage) -> int | None:
    return (message.data.get("reply_to_message") or {}).get("message_id")


async def test_an_arabic_question_gets_a_dutch_translation_and_the_answer_comes_back_in_both(
    harness: Harness, libretranslate: FakeLibreTranslate
) -> None:
    world = await make_world(harness)
    await world.user.send_text("لدي رسالة من البلدية")
    await world.user.next_message()
    await world.user.send_photo(caption="الرسالة")
    await world.user.next_message()
    row = await topic_row(harness, world.client)

    def in_topic() -> list[StoredMessage]:
        return world.group.messages(row.topic_id)

    label = NL("Machine translation ({engine}) from {language}:").format(
        engine="LibreTranslate", language="Arabisch"
    )

    async def translated() -> bool:
        return sum(label in (m.text or "") for m in in_topic()) == 2

    await eventually(translated)
    _header, text_copy, text_note, photo_copy, photo_note = in_topic()
    assert text_copy.text == "لدي رسالة من البلدية"  # the original, copied as it was
    assert text_note.text == f"🌐 {label}\n[ar→nl] لدي رسالة من البلدية"
    assert replies_to(text_note) == text_copy.message_id
    assert text_note.edit_count == 1  # "a machine translation follows", edited
    assert photo_copy.media_kind == "photo" and photo_copy.text == "الرسالة"
    assert photo_note.text == f"🌐 {label}\n[ar→nl] الرسالة"
    assert replies_to(photo_note) == photo_copy.message_id
    stored = await stored_messages(harness, world.client)
    assert [m.text for m in stored] == ["لدي رسالة من البلدية", "الرسالة"]  # originals kept
    assert [m.translation for m in stored] == ["[ar→nl] لدي رسالة من البلدية", "[ar→nl] الرسالة"]
    assert {(m.translation_engine, m.translation_model) for m in stored} == {
        ("LibreTranslate", "127.0.0.1 ar-nl")
    }
    assert {m.translation_status for m in stored} == {TranslationStatus.DONE}

    await catch_up(world.group)
    await world.worker.send_text("Neem de brief mee naar uw afspraak.", thread_id=row.topic_id)
    answer = await world.user.next_message()
    assert answer.text == "Neem de brief mee naar uw afspraak."  # the Dutch answer first
    translation = await world.user.next_message()
    client_label = AR("Machine translation ({engine}):").format(engine="LibreTranslate")
    # (the translation is isolated in the right-to-left text: its direction is the reader's)
    assert bidi.strip_isolates(translation.text or "") == (
        f"🌐 {client_label}\n[nl→ar] Neem de brief mee naar uw afspraak."
    )
    assert replies_to(translation) == answer.message_id
    copy_label = NL(
        "The client also got this machine translation ({engine}) into {language}:"
    ).format(engine="LibreTranslate", language="Arabisch")
    note = await world.group.next_message(thread_id=row.topic_id)
    while copy_label not in (note.text or ""):
        note = await world.group.next_message(thread_id=row.topic_id)
    assert note.text == f"🌐 {copy_label}\n[nl→ar] Neem de brief mee naar uw afspraak."
    stored = await stored_messages(harness, world.client)

    async def shown() -> bool:
        stored[:] = await stored_messages(harness, world.client)
        return stored[-1].translation_shown_at is not None

    await eventually(shown)
    assert stored[-1].direction == Direction.FROM_STAFF
    assert stored[-1].text == "Neem de brief mee naar uw afspraak."
    assert stored[-1].translation == "[nl→ar] Neem de brief mee naar uw afspraak."


async def test_without_a_pair_the_team_is_told_to_use_an_interpreter_once(
    harness: Harness, libretranslate: FakeLibreTranslate
) -> None:
    world = await make_world(harness, locale="ti", user_id=6102)
    await world.user.send_text("ሰላም፡ ደብዳበ ካብ ምምሕዳር ከተማ ኣለኒ")
    await world.user.next_message()
    row = await topic_row(harness, world.client)
    warning = "⚠️ " + NL("No machine translation for {language}: use an interpreter.").format(
        language="Tigrinya"
    )
    assert warning == "⚠️ Geen machinevertaling voor Tigrinya: gebruik een tolk."

    async def warned() -> bool:
        return [m.text for m in world.group.messages(row.topic_id)][-1] == warning

    await eventually(warned)
    await world.user.send_text("ተወሳኺ ሕቶ ኣለኒ")
    await world.user.next_message()

    async def second_done() -> bool:
        stored = await stored_messages(harness, world.client)
        return all(m.translation_shown_at is not None for m in stored) and len(stored) == 2

    await eventually(second_done)
    texts = [m.text for m in world.group.messages(row.topic_id)]
    assert texts.count(warning) == 1  # once per question, not under every message
    assert libretranslate.calls("/translate") == []  # never sent through another language
    stored = await stored_messages(harness, world.client)
    assert {m.translation_status for m in stored} == {TranslationStatus.NO_PAIR}
    assert {m.translation for m in stored} == {None}

    await catch_up(world.group)
    await world.worker.send_text("Kom morgen naar het loket.", thread_id=row.topic_id)
    assert (await world.user.next_message()).text == "Kom morgen naar het loket."

    async def answer_done() -> bool:
        stored = await stored_messages(harness, world.client)
        return len(stored) == 3 and stored[-1].translation_shown_at is not None

    await eventually(answer_done)
    assert world.user.inbox[-1].text == "Kom morgen naar het loket."  # nothing guessed after it


async def test_a_question_is_never_held_back_while_the_engine_is_down(
    harness: Harness, libretranslate: FakeLibreTranslate
) -> None:
    libretranslate.fail_next(503)
    world = await make_world(harness, user_id=6103)
    await world.user.send_text("متى موعدي القادم؟")
    await world.user.next_message()
    row = await topic_row(harness, world.client)
    follows = "🌐 " + NL("A machine translation follows.")

    async def tried_once() -> bool:
        stored = await stored_messages(harness, world.client)
        return stored[0].translation_attempts == 1

    await eventually(tried_once)
    _header, copy, note = world.group.messages(row.topic_id)
    assert copy.text == "متى موعدي القادم؟" and note.text == follows  # there, and marked so
    [message] = await stored_messages(harness, world.client)
    assert message.translation_status == TranslationStatus.PENDING
    assert message.translation_next_at == harness.clock.now() + timedelta(seconds=30)

    translating = harness.app.bot_data.services.translating
    assert translating is not None
    assert harness.app.job_queue is not None  # the scheduler tries again on its own as well
    assert len(harness.app.job_queue.get_jobs_by_name("translation")) == 1
    assert await translating.run_due(harness.app.bot) == 0  # not due yet
    harness.clock.advance(timedelta(seconds=30))
    assert await translating.run_due(harness.app.bot) == 1
    assert note.text is not None and "[ar→nl] متى موعدي القادم؟" in note.text
    assert note.edit_count == 1


async def test_a_refused_text_and_a_text_in_another_language_say_so_in_the_topic(
    harness: Harness, libretranslate: FakeLibreTranslate
) -> None:
    libretranslate.fail_next(400)
    world = await make_world(harness, user_id=6104)
    await world.user.send_text("عندي سؤال عن المدرسة")
    await world.user.next_message()
    row = await topic_row(harness, world.client)
    failed = "⚠️ " + NL(
        "The machine translation did not work. Read the original, or use an interpreter."
    )

    async def noted(text: str) -> bool:
        return text in [m.text for m in world.group.messages(row.topic_id)]

    await eventually(lambda: noted(failed))
    libretranslate.detected = [{"language": "en", "confidence": 98.0}]
    await world.user.send_text("Hello, I have a question about my language school")
    await world.user.next_message()
    elsewhere = "⚠️ " + NL(
        "Not machine-translated: this text does not seem to be in {language}."
    ).format(language="Arabisch")
    await eventually(lambda: noted(elsewhere))
    assert len(libretranslate.calls("/translate")) == 1  # only the refused one was sent
    stored = await stored_messages(harness, world.client)
    assert [m.translation_status for m in stored] == [
        TranslationStatus.FAILED,
        TranslationStatus.OTHER_LANGUAGE,
    ]


def test_the_privacy_text_says_what_machine_translation_does_only_when_it_is_on() -> None:
    t, f = translator("so"), Formatter("so", ZoneInfo("Europe/Amsterdam"))
    heading = t("Machine translation")
    on = privacy_text(t, f, days=365, contact=Contact(), linked=True, translated=True)
    off = privacy_text(t, f, days=365, contact=Contact(), linked=True)
    assert heading == "Turjumaad mashiin" and heading in on and heading not in off
    assert "shirkad kale" in on  # nothing is sent to another company
