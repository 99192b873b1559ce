"""🔊 Listen: a message as a voice message, from a human recording or else a computer voice.

Sources, in order (docs/audio.md):
1. a recording the municipality made, `<audio dir>/<lang>/<message-id>__<values-hash>.ogg`
   (OGG/Opus, checked by bot/ogg.py before it is used);
2. espeak-ng, where `espeak-ng --voices` lists a voice for the language, its WAV encoded by
   opusenc (opus-tools) to OGG/Opus; the caption says it is a computer voice.
Where neither exists the button is not shown. Both programs run as asyncio subprocesses under
one time-out, so the bot's loop never waits on them.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import re
import signal
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from bot import ogg
from bot.speech import speech_text
from casework.settings import Settings
from texts.i18n import LANGUAGES
from texts.speakable import Speakable, values_hash

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
# espeak-ng's name of the voice for our language code, where it is not the code itself.
ESPEAK_NAMES = {"en": "en-gb", "fr": "fr-fr", "fa_AF": "fa-af"}
WORDS_PER_MINUTE = 145  # a little slower than espeak-ng's 175: clients are learning to listen
RECORDING_NAME = re.compile(r"^(?P<message>[a-z0-9_]{1,40})__(?P<values>[0-9a-f]{12})\.ogg$")


class AudioFailed(RuntimeError):
    """The computer voice could not make the clip (missing program, error or time-out)."""


@dataclass(frozen=True)
class Source:
    """Where the clip for one message in one language comes from, and its cache key."""

    key: str
    message_id: str
    values_hash: str
    locale: str
    voice: str  # "espeak-ng:<voice>" or "recording:<lang>/<file>"
    computer_voice: bool
    spoken: str = ""  # the text for the computer voice
    recording: Path | None = None


def espeak_name(locale: str) -> str:
    return ESPEAK_NAMES.get(locale, locale.lower().replace("_", "-"))


def parse_voices(listing: str) -> set[str]:
    """The language codes `espeak-ng --voices` offers with its own voices (not MBROLA's)."""
    codes: set[str] = set()
    for line in listing.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 5 or fields[4].startswith("mb/"):
            continue
        codes.add(fields[1].lower())
        codes.update(code.lower() for code in re.findall(r"\(([\w-]+) \d+\)", line))
    return codes


def recording_name(message_id: str, values: str) -> str:
    return f"{message_id}__{values}.ogg"


def manifest_messages(root: Path) -> dict[str, str]:
    """The message ids a municipality can record, with what each one is (audio/manifest.json)."""
    try:
        data = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    messages = data.get("messages") if isinstance(data, dict) else None
    return {str(k): str(v) for k, v in messages.items()} if isinstance(messages, dict) else {}


def _key(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


class Audio:
    """Finds or makes the voice message of a text; knows which languages have a voice."""

    def __init__(
        self,
        root: Path,
        zone: ZoneInfo,
        *,
        timeout: float = 20.0,
        computer_voice: bool = True,
        espeak: str = "espeak-ng",
        opusenc: str = "opusenc",
    ) -> None:
        self.root = root
        self.zone = zone
        self.timeout = timeout
        self.computer_voice = computer_voice
        self.espeak = espeak
        self.opusenc = opusenc
        self._voices: Mapping[str, str] | None = None
        self._lock = asyncio.Lock()

    # -- which languages have a voice -----------------------------------------------------------

    async def voices(self, locales: tuple[str, ...]) -> Mapping[str, str]:
        """Our language code → espeak-ng voice, for the languages espeak-ng can speak (once)."""
        async with self._lock:
            if self._voices is None:
                self._voices = await self._discover(locales) if self.computer_voice else {}
        return self._voices

    async def _discover(self, locales: tuple[str, ...]) -> dict[str, str]:
        try:
            listing = await self._run([self.espeak, "--voices"], b"")
        except AudioFailed as error:
            log.warning("no computer voice: %s", error)
            return {}
        offered = parse_voices(listing.decode(errors="replace"))
        return {code: espeak_name(code) for code in locales if espeak_name(code) in offered}

    async def voice_for(self, locale: str) -> str | None:
        return (await self.voices(_all_locales())).get(locale)

    # -- choosing the source -------------------------------------------------------------------

    def recording(self, locale: str, message_id: str, values: str) -> Path | None:
        """The municipality's recording of this message, if there is a valid one."""
        path = self.root / locale / recording_name(message_id, values)
        if not path.is_file():
            return None
        try:
            ogg.read(path.read_bytes())
        except (OSError, ogg.NotOggOpus) as error:
            log.warning("recording %s is not usable: %s", path.name, error)
            return None
        return path

    async def source(self, locale: str, speakable: Speakable) -> Source | None:
        """A recording first, else the computer voice; None when the language has neither."""
        values = values_hash(speakable.values)
        recorded = self.recording(locale, speakable.message_id, values)
        if recorded is not None:
            digest = hashlib.sha256(recorded.read_bytes()).hexdigest()
            voice = f"recording:{locale}/{recorded.name}"
            return Source(
                key=_key(locale, voice, digest),
                message_id=speakable.message_id,
                values_hash=values,
                locale=locale,
                voice=voice,
                computer_voice=False,
                recording=recorded,
            )
        name = await self.voice_for(locale)
        if name is None:
            return None
        spoken = speech_text(speakable.text, locale, self.zone)
        voice = f"espeak-ng:{name}"
        return Source(
            key=_key(locale, voice, str(WORDS_PER_MINUTE), spoken),
            message_id=speakable.message_id,
            values_hash=values,
            locale=locale,
            voice=voice,
            computer_voice=True,
            spoken=spoken,
        )

    async def available(self, locale: str, speakable: Speakable) -> bool:
        """Whether a 🔊 Listen button belongs under this message."""
        if await self.voice_for(locale) is not None:
            return True
        values = values_hash(speakable.values)
        return self.recording(locale, speakable.message_id, values) is not None

    # -- making the clip -----------------------------------------------------------------------

    async def make(self, source: Source) -> bytes:
        """The OGG/Opus bytes of the source: the recording's file, or speech made now."""
        if source.recording is not None:
            return source.recording.read_bytes()
        name = source.voice.removeprefix("espeak-ng:")
        try:
            async with asyncio.timeout(self.timeout):
                wav = await self._run(
                    [self.espeak, "-v", name, "-s", str(WORDS_PER_MINUTE), "--stdout"],
                    source.spoken.encode(),
                )
                # Complexity 3: about a third of the default's time; speech at 24 kbit/s sounds
                # the same, and the machine is shared with the bot's other work.
                data = await self._run(
                    [
                        self.opusenc,
                        "--quiet",
                        "--speech",
                        "--bitrate",
                        "24",
                        "--comp",
                        "3",
                        "-",
                        "-",
                    ],
                    wav,
                )
        except TimeoutError as error:
            raise AudioFailed(f"the computer voice took longer than {self.timeout} s") from error
        try:
            ogg.read(data)
        except ogg.NotOggOpus as error:
            raise AudioFailed(f"opusenc wrote no OGG/Opus: {error}") from error
        return data

    async def _run(self, command: list[str], stdin: bytes) -> bytes:
        """Run one program, feed it stdin, return its stdout; killed when cancelled."""
        try:
            process = await asyncio.create_subprocess_exec(
                *command,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                start_new_session=True,  # its own process group: a time-out ends all of it
            )
        except OSError as error:
            raise AudioFailed(f"{command[0]} cannot be started: {error.strerror}") from error
        try:
            out, _err = await process.communicate(stdin)
        except asyncio.CancelledError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
            raise
        if process.returncode != 0:
            # Not its stderr: a program may quote the text it was given, and texts stay out of logs.
            raise AudioFailed(f"{command[0]} exited with {process.returncode}")
        return out


def _all_locales() -> tuple[str, ...]:
    return tuple(language.code for language in LANGUAGES)


def audio_for(settings: Settings) -> Audio:
    """The Listen service as the operator configured it (INBURGERBOT_AUDIO_DIR and friends)."""
    return Audio(
        settings.audio_dir,
        settings.zone,
        timeout=settings.audio_timeout_seconds,
        computer_voice=settings.computer_voice,
    )
