"""`make audio-report`: per language, the computer voice, the recordings, and what is missing.

    python -m bot.audio_tools report           # the table and the files still to record
    python -m bot.audio_tools report --text    # ... with the words to read for each file

"Missing" comes from the database (INBURGERBOT_DATABASE_URL): for every linked client, the
current plan, the upcoming appointments and the open tasks (and their reminders) in the client's
language, named as docs/audio.md says. A file that is there but cannot be used (a wrong name, a
message id the manifest does not know, not OGG/Opus) is listed too.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import ogg
from bot.audio import RECORDING_NAME, Audio, manifest_messages, recording_name
from bot.handlers import listen
from bot.speech import speech_text
from casework.settings import Settings
from storage import appointments, clients, tasks
from storage.db import Database
from storage.enums import ClientStatus, ReminderKind, TaskStatus
from storage.ids import pk
from storage.reminders import Claimed
from texts.i18n import LANGUAGES
from texts.render.reminders import Contact, Subject, speakable
from texts.speakable import Speakable, values_hash

CODES = tuple(language.code for language in LANGUAGES)


@dataclass
class Report:
    voices: dict[str, str]
    recordings: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    unusable: list[str] = field(default_factory=list)
    # (language, file name) → how many clients would hear it, and the words to read
    missing: Counter[tuple[str, str]] = field(default_factory=Counter)
    words: dict[tuple[str, str], str] = field(default_factory=dict)
    database: str = ""


def scan(root: Path, known: set[str]) -> tuple[dict[str, list[str]], list[str]]:
    """The usable recordings per language, and the files that cannot be used (with why)."""
    usable: dict[str, list[str]] = defaultdict(list)
    unusable: list[str] = []
    for code in CODES:
        folder = root / code
        for path in sorted(folder.glob("*")) if folder.is_dir() else ():
            name = f"{code}/{path.name}"
            match = RECORDING_NAME.match(path.name)
            if match is None:
                unusable.append(f"{name}: not named <message-id>__<values-hash>.ogg")
            elif match["message"] not in known:
                unusable.append(f"{name}: {match['message']} is not in manifest.json")
            else:
                try:
                    ogg.read(path.read_bytes())
                except ogg.NotOggOpus as error:
                    unusable.append(f"{name}: not OGG/Opus ({error})")
                else:
                    usable[code].append(path.name)
    return usable, unusable


async def wanted(
    session: AsyncSession, now: datetime, settings: Settings
) -> list[tuple[str, Speakable]]:
    """What linked clients can listen to now, each with the client's language."""
    zone = settings.zone
    contact = Contact(settings.team_phone, settings.team_email)
    found: list[tuple[str, Speakable]] = []
    for client in await clients.all_clients(session, limit=100_000):
        if client.status != ClientStatus.ACTIVE or client.telegram_chat_id is None:
            continue
        locale = client.locale or settings.default_locale
        page = await listen.plan_page(session, client, now, zone)
        if page is not None:
            found.append((locale, listen.plan_speakable(page)))
        for appointment in await appointments.upcoming(session, client_id=pk(client), now=now):
            card = await listen.card_of(session, appointment, now)
            found.append((locale, listen.appointment_speakable(card)))
            subject = Subject(
                _claimed(client.id, ReminderKind.APPOINTMENT),
                client,
                appointment=appointment,
                staff_name=card.staff_name,
            )
            reminder = speakable(subject, now, contact)
            if reminder is not None:
                found.append((locale, reminder))
        for task in await tasks.with_status(session, client_id=pk(client), status=TaskStatus.OPEN):
            found.append((locale, listen.task_speakable(task, now, zone)))
            if task.due_date is not None:
                subject = Subject(_claimed(client.id, ReminderKind.TASK), client, task=task)
                reminder = speakable(subject, now, contact)
                if reminder is not None:
                    found.append((locale, reminder))
    return found


def _claimed(client_id: int | None, kind: str) -> Claimed:
    """A stand-in reminder row: the reminder texts only read its kind."""
    moment = datetime.min
    return Claimed(0, client_id or 0, kind, None, 0, moment, None, None)


async def build(settings: Settings, *, now: datetime, with_text: bool) -> Report:
    root = settings.audio_dir
    audio = Audio(root, settings.zone, computer_voice=settings.computer_voice)
    report = Report(voices=dict(await audio.voices(CODES)))
    report.recordings, report.unusable = scan(root, set(manifest_messages(root)))
    db = Database(settings.database_url)
    try:
        async with db.reading() as session:
            found = await wanted(session, now, settings)
    except Exception as error:  # no database yet, or not migrated: the rest still helps
        report.database = f"not read ({type(error).__name__})"
        return report
    finally:
        await db.dispose()
    report.database = f"{len(found)} messages clients can listen to now"
    for locale, spoken in found:
        name = recording_name(spoken.message_id, values_hash(spoken.values))
        if name in report.recordings.get(locale, ()):
            continue
        report.missing[(locale, name)] += 1
        if with_text:
            report.words[(locale, name)] = speech_text(spoken.text, locale, settings.zone)
    return report


def render(report: Report, root: Path) -> str:
    lines = [f"🔊 Listen: audio per language (recordings in {root}/, docs/audio.md)", ""]
    lines.append(f"{'language':10}{'computer voice':22}{'recordings':>11}{'missing':>9}  button")
    missing_by_language = Counter(locale for locale, _ in report.missing)
    for code in CODES:
        voice = report.voices.get(code)
        recorded = len(report.recordings.get(code, ()))
        button = "always" if voice else ("recorded texts" if recorded else "never")
        lines.append(
            f"{code:10}{('espeak-ng ' + voice) if voice else 'none':22}{recorded:>11}"
            f"{missing_by_language[code]:>9}  {button}"
        )
    lines += ["", f"database: {report.database}"]
    if report.missing:
        lines += ["", "Still to record (file, clients who would hear it):"]
        for (locale, name), count in sorted(report.missing.items()):
            note = "" if locale not in report.voices else "  (computer voice meanwhile)"
            lines.append(f"  {locale}/{name}  {count}{note}")
            if (locale, name) in report.words:
                lines += [f"      {line}" for line in report.words[(locale, name)].splitlines()]
    if report.unusable:
        lines += ["", "Not used:"] + [f"  {line}" for line in report.unusable]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.audio_tools", description=__doc__)
    parser.add_argument("command", choices=["report"])
    parser.add_argument("--text", action="store_true", help="print the words to read")
    options = parser.parse_args(argv)
    settings = Settings()
    report = asyncio.run(build(settings, now=datetime.now(UTC), with_text=options.text))
    sys.stdout.write(render(report, settings.audio_dir) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
