"""bot/audio.py: which of our languages espeak-ng can speak, and the clips it makes."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot import ogg
from bot.audio import WORDS_PER_MINUTE, Audio, AudioFailed, Source, parse_voices, recording_name
from storage.models import Task
from texts.fmt import Formatter
from texts.i18n import LANGUAGES, Translator
from texts.speakable import Speakable, task_values, values_hash

ZONE = ZoneInfo("Europe/Amsterdam")
LISTING = """\
Pty Language       Age/Gender VoiceName          File                 Other Languages
 5  am              --/M      Amharic            sem/am
 1  ar              --/M      arabic-mbrola-1    mb/mb-ar1
 5  fr-fr           --/M      French_(France)    roa/fr               (fr 5)
 2  en-gb           --/M      English_(Great_Britain) gmw/en               (en 2)
 5  nl              --/F      dutch-mbrola-3     mb/mb-nl3
"""
needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None or shutil.which("opusenc") is None,
    reason="make install puts espeak-ng and opus-tools on the machine",
)


def test_the_listing_gives_espeak_voices_and_leaves_out_mbrola() -> None:
    assert parse_voices(LISTING) == {"am", "fr-fr", "fr", "en-gb", "en"}


@needs_espeak
async def test_our_languages_with_a_computer_voice_on_this_machine(tmp_path: Path) -> None:
    """Debian's espeak-ng 1.51: nine of our fourteen languages (docs/audio.md has the table)."""
    audio = Audio(tmp_path, ZONE)
    voices = await audio.voices(tuple(language.code for language in LANGUAGES))
    assert dict(voices) == {
        "nl": "nl",
        "en": "en-gb",
        "ar": "ar",
        "fa": "fa",
        "tr": "tr",
        "fr": "fr-fr",
        "ku": "ku",
        "am": "am",
        "om": "om",
    }


async def test_without_espeak_there_is_no_computer_voice(tmp_path: Path) -> None:
    audio = Audio(tmp_path, ZONE, espeak=str(tmp_path / "no-such-program"))
    assert await audio.voices(("nl", "en")) == {}
    with pytest.raises(AudioFailed, match="cannot be started"):
        await audio.make(Source("k", "task", "0" * 12, "nl", "espeak-ng:nl", True, spoken="Hoi."))


async def test_the_computer_voice_can_be_switched_off(tmp_path: Path) -> None:
    assert await Audio(tmp_path, ZONE, computer_voice=False).voices(("nl",)) == {}


@needs_espeak
@pytest.mark.parametrize(
    ("locale", "voice", "words"),
    [
        ("nl", "nl", "Uw afspraak is op donderdag 3 december 2026, om 10 uur 30."),
        ("ar", "ar", "موعدك يوم الخميس 3 ديسمبر 2026، الساعة 10 و30 دقيقة."),
        ("am", "am", "ቀጠሮዎ ሐሙስ 3 ዲሴምበር 2026 ሰዓት 10 ከ30 ደቂቃ ነው።"),
    ],
)
async def test_a_clip_is_ogg_opus_and_as_long_as_its_words(
    tmp_path: Path, locale: str, voice: str, words: str
) -> None:
    audio = Audio(tmp_path, ZONE)
    source = Source("k", "task", "0" * 12, locale, f"espeak-ng:{voice}", True, spoken=words)
    info = ogg.read(await audio.make(source))
    expected = len(words.split()) / (WORDS_PER_MINUTE / 60)
    assert info.channels == 1
    assert expected / 2.5 < info.seconds < expected * 2.5, info.seconds


def test_the_values_hash_names_the_values_not_the_day_it_is_read() -> None:
    task = Task(
        id=7,
        client_id=1,
        external_id="t-7",
        title="Stuur het formulier naar DUO",
        due_date=date(2026, 12, 10),
    )
    first = values_hash(task_values(task))
    assert len(first) == 12 and first == values_hash(task_values(task))
    assert (
        values_hash(task_values(task.model_copy(update={"due_date": date(2026, 12, 11)}))) != first
    )
    assert values_hash(task_values(task.model_copy(update={"title": "Bel de school"}))) != first
    assert values_hash(task_values(task.model_copy(update={"id": 8}))) == first  # same words


def _task_speakable() -> Speakable:
    task = Task(
        id=7, client_id=1, external_id="t-7", title="Bel de school", due_date=date(2026, 12, 10)
    )

    def text(t: Translator, f: Formatter) -> str:
        return task.title

    return Speakable("task", text, task_values(task))


@needs_espeak
async def test_a_recording_comes_before_the_computer_voice(tmp_path: Path) -> None:
    audio = Audio(tmp_path, ZONE)
    spoken = _task_speakable()
    computer = await audio.source("ar", spoken)
    assert computer is not None and computer.computer_voice and computer.spoken == "Bel de school."
    (tmp_path / "ar").mkdir()
    clip = await audio.make(computer)
    (tmp_path / "ar" / recording_name("task", values_hash(spoken.values))).write_bytes(clip)
    recorded = await audio.source("ar", spoken)
    assert recorded is not None and not recorded.computer_voice
    assert recorded.voice == f"recording:ar/task__{values_hash(spoken.values)}.ogg"
    assert recorded.key != computer.key
    assert await audio.make(recorded) == clip


async def test_without_a_voice_only_a_recorded_message_is_available(tmp_path: Path) -> None:
    audio = Audio(tmp_path, ZONE, computer_voice=False)
    spoken = _task_speakable()
    assert not await audio.available("so", spoken) and await audio.source("so", spoken) is None
    (tmp_path / "so").mkdir()
    name = recording_name("task", values_hash(spoken.values))
    (tmp_path / "so" / name).write_bytes(b"OggS but not really")
    assert not await audio.available("so", spoken)  # not OGG/Opus: never sent
