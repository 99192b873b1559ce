"""🔊 Listen end to end: the button only where audio exists, the voice message, its reuse."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from bot import ogg
from bot.audio import WORDS_PER_MINUTE, Audio, Source, recording_name
from bot.handlers import listen
from casework import case
from fakebot import SimUser, StoredMessage
from storage import appointments
from storage.models import AudioClip, Reminder
from tests import factories
from tests.e2e.conftest import Harness
from tests.e2e.eventually import all_handled
from texts.fmt import Formatter
from texts.i18n import translator
from texts.render.appointments import AppointmentCard
from texts.speakable import values_hash

pytestmark = pytest.mark.skipif(
    shutil.which("espeak-ng") is None or shutil.which("opusenc") is None,
    reason="make install puts espeak-ng and opus-tools on the machine (docs/audio.md)",
)


@pytest.fixture
def settings_overrides(tmp_path: Path) -> dict[str, Any]:
    return {
        "computer_voice": True,
        "audio_dir": tmp_path / "audio",
        "dispatch_interval_seconds": 0.2,
    }


@pytest.fixture(autouse=True)
def offer_languages(harness: Harness) -> None:
    services = harness.app.bot_data.services
    assert services is not None
    services.shipped_locales = tuple(dict.fromkeys((*services.shipped_locales, "en", "ar", "ti")))


def audio_of(harness: Harness) -> Audio:
    services = harness.app.bot_data.services
    assert services is not None and services.audio is not None
    return services.audio


async def first_task(user: SimUser) -> StoredMessage:
    await user.send_command("/tasks")
    return await user.next_message()  # one open task: its card, with the count


async def clips(harness: Harness) -> list[AudioClip]:
    """The audio cache once the bot handled every update so far (it writes after sending)."""
    await all_handled(harness.app, harness.fake)
    async with harness.db.reading() as session:
        return list((await session.exec(select(AudioClip))).all())


def voice_bytes(harness: Harness, message: StoredMessage) -> bytes:
    assert message.media_kind == "voice", message.data
    assert message.file is not None
    return message.file.data


async def test_a_task_is_read_aloud_once_and_the_file_id_is_sent_again(harness: Harness) -> None:
    async with harness.db.transaction() as session:
        client = await factories.client(session, locale="en")
        task = await factories.task(
            session, client=client, title="Send the form to DUO", due_date=date(2026, 12, 10)
        )
    user = await harness.linked_user(client, language_code="en")
    message = await first_task(user)
    assert message.callback_data[-1] == f"say:v1:task:{task.id}"
    assert message.button_texts[-1] == "🔊 Listen"
    files_before = len(harness.fake.state.files)

    await user.press(message, f"say:v1:task:{task.id}")
    voice = await user.next_message()
    assert voice.data["caption"] == "🤖 Computer voice, not a person."
    info = ogg.read(voice_bytes(harness, voice))
    assert info.channels == 1
    words = len((message.text or "").split())
    expected = words / (WORDS_PER_MINUTE / 60)
    assert expected / 2 < info.seconds < expected * 2, (words, info.seconds)
    assert voice.data["voice"]["duration"] >= int(info.seconds)
    assert len(harness.fake.state.files) == files_before + 1
    [clip] = await clips(harness)
    assert clip.file_id == voice.file_id and clip.computer_voice and clip.locale == "en"
    assert clip.voice == "espeak-ng:en-gb" and clip.message_id == "task" and clip.uses == 1

    await user.press(message, f"say:v1:task:{task.id}")
    again = await user.next_message()
    assert again.file_id == voice.file_id  # sent by file id: nothing uploaded again
    assert len(harness.fake.state.files) == files_before + 1
    [clip] = await clips(harness)
    assert clip.uses == 2


async def test_a_forgotten_file_id_is_uploaded_again(harness: Harness) -> None:
    async with harness.db.transaction() as session:
        client = await factories.client(session, locale="en")
        task = await factories.task(session, client=client, title="Call the school")
    user = await harness.linked_user(client, language_code="en")
    message = await first_task(user)
    await user.press(message, f"say:v1:task:{task.id}")
    await user.next_message()
    await clips(harness)
    async with harness.db.transaction() as session:
        clip = (await session.exec(select(AudioClip))).one()
        clip.file_id = "AwACunknown"
        session.add(clip)
    await user.press(message, f"say:v1:task:{task.id}")
    again = await user.next_message()
    assert again.media_kind == "voice"
    [clip] = await clips(harness)
    assert clip.file_id == again.file_id != "AwACunknown"


async def test_an_appointment_in_arabic_is_spoken_by_the_arabic_voice(harness: Harness) -> None:
    async with harness.db.transaction() as session:
        client = await factories.client(session, locale="ar")
        appointment = await factories.appointment(session, client=client)
    user = await harness.linked_user(client, language_code="ar")
    await user.send_command("/appointments")
    message = await user.next_message()
    assert message.callback_data[-1] == f"say:v1:appt:{appointment.id}"
    await user.press(message, f"say:v1:appt:{appointment.id}")
    voice = await user.next_message()
    assert voice.data["caption"] == "🤖 صوت حاسوبي، وليس شخصًا."
    assert ogg.read(voice_bytes(harness, voice)).seconds > 3
    [clip] = await clips(harness)
    assert clip.voice == "espeak-ng:ar" and clip.message_id == "appointment"


async def test_the_plan_has_a_listen_button(harness: Harness) -> None:
    async with harness.db.transaction() as session:
        client = await factories.client(session, locale="en")
        plan = await factories.plan(session, client=client, parts=2)
    user = await harness.linked_user(client, language_code="en")
    await user.send_command("/plan")
    message = await user.next_message()
    assert message.callback_data == [f"say:v1:plan:{plan.id}"]
    await user.press(message, f"say:v1:plan:{plan.id}")
    assert (await user.next_message()).media_kind == "voice"


async def test_an_appointment_reminder_is_read_aloud_as_it_reads_now(harness: Harness) -> None:
    async with harness.db.transaction() as session:
        client = await factories.client(session, locale="tr")
    user = await harness.linked_user(client, language_code="tr")
    services = harness.app.bot_data.services
    assert services is not None
    async with harness.db.transaction() as session:
        appointment = await case.add_appointment(
            session,
            client=await harness.reload(client),
            draft=case.AppointmentDraft(
                kind="progress_meeting",
                starts_at=harness.clock.now() + timedelta(hours=2, seconds=5),
                external_id="listen-1",
                place_name="Gemeentehuis Hoorn",
            ),
            rules=services.rules,
            now=harness.clock.now(),
        )
    harness.clock.advance(timedelta(seconds=6))  # the two-hour reminder is due now
    reminder = await user.next_message(timeout=10)
    async with harness.db.reading() as session:
        row = (
            await session.exec(
                select(Reminder).where(Reminder.dedup_key == f"appointment:{appointment.id}:120m")
            )
        ).one()
    assert reminder.callback_data[-1] == f"say:v1:rem:{row.id}"
    assert reminder.button_texts[-1] == "🔊 Dinle"
    await user.press(reminder, f"say:v1:rem:{row.id}")
    voice = await user.next_message()
    assert voice.data["caption"] == "🤖 Bilgisayar sesi, gerçek bir kişi değil."
    assert ogg.read(voice_bytes(harness, voice)).seconds > 2
    [clip] = await clips(harness)
    assert (clip.message_id, clip.voice) == ("reminder_appointment", "espeak-ng:tr")


async def test_no_voice_and_no_recording_means_no_button(harness: Harness) -> None:
    async with harness.db.transaction() as session:
        client = await factories.client(session, locale="ti")
        task = await factories.task(session, client=client, title="Send the form to DUO")
    user = await harness.linked_user(client, language_code="ti")
    message = await first_task(user)
    assert not any(data.startswith("say:") for data in message.callback_data)
    # A forged press gets a kind answer in Tigrinya, and no voice message.
    answer = await (await user.press(message, f"say:v1:task:{task.id}", strict=False)).answer()
    assert answer["text"] == listen.no_audio_text(translator("ti"), harness_fmt(harness, "ti"))
    assert await clips(harness) == []


async def test_a_recording_is_used_where_there_is_no_computer_voice(
    harness: Harness, tmp_path: Path
) -> None:
    async with harness.db.transaction() as session:
        client = await factories.client(session, locale="ti")
        appointment = await factories.appointment(session, client=client)
    card = await _card(harness, appointment.id)
    hashed = values_hash(listen.appointment_speakable(card).values)
    recorded = await _recording(harness, "Recorded by the municipality of Hoorn.")
    folder = tmp_path / "audio" / "ti"
    folder.mkdir(parents=True)
    (folder / recording_name("appointment", hashed)).write_bytes(recorded)

    user = await harness.linked_user(client, language_code="ti")
    await user.send_command("/appointments")
    message = await user.next_message()
    assert message.callback_data[-1] == f"say:v1:appt:{appointment.id}"
    await user.press(message, f"say:v1:appt:{appointment.id}")
    voice = await user.next_message()
    assert voice_bytes(harness, voice) == recorded
    assert "caption" not in voice.data  # a person's voice: no computer-voice label
    [clip] = await clips(harness)
    assert not clip.computer_voice and clip.voice.startswith("recording:ti/appointment__")


async def test_a_recording_that_is_not_ogg_opus_is_not_used(
    harness: Harness, tmp_path: Path
) -> None:
    async with harness.db.transaction() as session:
        client = await factories.client(session, locale="ti")
        appointment = await factories.appointment(session, client=client)
    card = await _card(harness, appointment.id)
    hashed = values_hash(listen.appointment_speakable(card).values)
    folder = tmp_path / "audio" / "ti"
    folder.mkdir(parents=True)
    (folder / recording_name("appointment", hashed)).write_bytes(b"ID3 an mp3, not opus")
    user = await harness.linked_user(client, language_code="ti")
    await user.send_command("/appointments")
    message = await user.next_message()
    assert not any(data.startswith("say:") for data in message.callback_data)


async def test_another_clients_task_is_a_stale_button(harness: Harness) -> None:
    async with harness.db.transaction() as session:
        client = await factories.client(session, locale="en")
        other = await factories.client(session, locale="en")
        theirs = await factories.task(session, client=other, title="Not yours")
        await factories.task(session, client=client, title="Yours")
    user = await harness.linked_user(client, language_code="en")
    message = await first_task(user)
    for data in (
        f"say:v1:task:{theirs.id}",
        "say:v1:task:999999",
        "say:v1:nope:1",
        "say:v1:plan:1",
    ):
        answer = await (await user.press(message, data, strict=False)).answer()
        assert answer["text"] == "This button is no longer valid.", data
    assert await clips(harness) == []


@pytest.mark.parametrize(
    ("script", "seconds"), [("#!/bin/sh\nsleep 30\n", 0.3), ("#!/bin/sh\nexit 3\n", 5.0)]
)
async def test_a_voice_that_fails_or_hangs_gives_a_kind_message(
    harness: Harness, tmp_path: Path, script: str, seconds: float
) -> None:
    async with harness.db.transaction() as session:
        client = await factories.client(session, locale="en")
        task = await factories.task(session, client=client, title="Call the school")
    user = await harness.linked_user(client, language_code="en")
    message = await first_task(user)  # the voices are known now; then the program breaks
    broken = tmp_path / "espeak-ng"
    broken.write_text(script)
    broken.chmod(0o755)
    audio = audio_of(harness)
    audio.espeak, audio.timeout = str(broken), seconds
    await user.press(message, f"say:v1:task:{task.id}")
    sorry = await user.next_message()
    assert sorry.text == (
        "Sorry, I could not make the voice message just now. Please try again later, "
        "or read the message."
    )
    assert await clips(harness) == []


# -- helpers ----------------------------------------------------------------------------------


def harness_fmt(harness: Harness, locale: str) -> Formatter:
    return Formatter(locale, harness.settings.zone)


async def _card(harness: Harness, appointment_id: int | None) -> AppointmentCard:
    assert appointment_id is not None
    async with harness.db.reading() as session:
        row = await appointments.by_id(session, appointment_id=appointment_id)
        assert row is not None
        return await listen.card_of(session, row, harness.clock.now())


async def _recording(harness: Harness, words: str) -> bytes:
    """A stand-in for a person's recording: any valid OGG/Opus file (made with espeak-ng)."""
    source = Source("k", "appointment", "0" * 12, "en", "espeak-ng:en-gb", True, spoken=words)
    return await audio_of(harness).make(source)


async def test_a_card_opened_from_a_list_has_its_listen_button_above_the_way_back(
    harness: Harness,
) -> None:
    async with harness.db.transaction() as session:
        client = await factories.client(session, locale="en")
        first = await factories.task(session, client=client, title="Call the school")
        await factories.task(session, client=client, title="Send the form")
        meeting = await factories.appointment(session, client=client)
        await factories.appointment(
            session, client=client, starts_at=harness.clock.now() + timedelta(days=5), ends_at=None
        )
    user = await harness.linked_user(client, language_code="en")
    await user.send_command("/tasks")
    tasks_list = await user.next_message()
    assert not any(data.startswith("say:") for data in tasks_list.callback_data)
    await (await user.press(tasks_list, f"task:v1:open:{first.id}")).answer()
    assert tasks_list.callback_data[-2:] == [f"say:v1:task:{first.id}", "task:v1:list:"]
    await user.send_command("/appointments")
    appointment_list = await user.next_message()
    await (await user.press(appointment_list, f"appt:v1:open:{meeting.id}")).answer()
    assert appointment_list.callback_data[-2:] == [f"say:v1:appt:{meeting.id}", "appt:v1:list:"]
    await user.press(appointment_list, f"say:v1:appt:{meeting.id}")
    assert (await user.next_message()).media_kind == "voice"
