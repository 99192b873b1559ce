"""`make audio-report`: voices, usable and unusable recordings, and what clients still miss."""

from __future__ import annotations

import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot import audio_tools
from bot.audio import Audio, Source, recording_name
from bot.handlers.listen import MESSAGE_IDS
from casework.settings import Settings
from storage.db import Database
from storage.enums import ClientStatus
from tests import factories
from texts.render.reminders import SPEAKABLE
from texts.speakable import appointment_values, values_hash

NOW = factories.NOW
REPO_AUDIO = Path(__file__).resolve().parents[2] / "audio"


def test_the_manifest_names_every_message_the_bot_can_speak() -> None:
    known = set(audio_tools.manifest_messages(REPO_AUDIO))
    assert known == {*MESSAGE_IDS.values(), *SPEAKABLE.values()}


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is installed by make")
async def test_the_report_lists_what_a_tigrinya_client_would_hear_and_what_cannot_be_used(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    root = tmp_path / "audio"
    (root / "ti").mkdir(parents=True)
    shutil.copy(REPO_AUDIO / "manifest.json", root / "manifest.json")
    async with db.transaction() as session:
        client = await factories.client(
            session, locale="ti", status=ClientStatus.ACTIVE, telegram_chat_id=7001
        )
        await factories.client(session, locale="ti", status=ClientStatus.INVITED)  # not linked
        appointment = await factories.appointment(session, client=client)
    recorded = recording_name("appointment", values_hash(appointment_values(appointment, None)))
    voice = Audio(root, ZoneInfo("Europe/Amsterdam"))
    source = Source("k", "appointment", "0" * 12, "en", "espeak-ng:en-gb", True, spoken="Hello.")
    (root / "ti" / recorded).write_bytes(await voice.make(source))
    (root / "ti" / "appointment__0123456789ab.ogg").write_bytes(b"not audio")
    (root / "ti" / "greeting__0123456789ab.ogg").write_bytes(b"")
    (root / "ti" / "hello.mp3").write_bytes(b"")
    settings = Settings(_env_file=None, database_url=database_url, audio_dir=root)  # type: ignore[call-arg]

    report = await audio_tools.build(settings, now=NOW, with_text=True)
    text = audio_tools.render(report, root)

    assert report.voices["ar"] == "ar" and "ti" not in report.voices
    assert report.recordings["ti"] == [recorded]
    assert [line.split(":")[0] for line in report.unusable] == [
        "ti/appointment__0123456789ab.ogg",
        "ti/greeting__0123456789ab.ogg",
        "ti/hello.mp3",
    ]
    missing = {name for locale, name in report.missing if locale == "ti"}
    # The appointment is recorded (its staff member is unknown to the factory: no name);
    # its reminder is not, and neither is anything else the client has.
    assert recorded not in missing
    assert any(name.startswith("reminder_appointment__") for name in missing)
    assert "ti        none                            1" in text
    assert "ሰዓት" in text  # the words to read, in Tigrinya, clock times in words


async def test_without_a_migrated_database_the_report_still_shows_voices_and_files(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite3'}"  # never migrated: no tables
    settings = Settings(_env_file=None, database_url=url, audio_dir=tmp_path, computer_voice=False)  # type: ignore[call-arg]
    report = await audio_tools.build(settings, now=NOW, with_text=False)
    assert report.database.startswith("not read")
    assert report.voices == {}
    assert "ti        none                            0        0  never" in audio_tools.render(
        report, tmp_path
    )
