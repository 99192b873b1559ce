"""Contact moments for the case system: queue every relayed question and answer, send them on.

`ContactQueue` is a channel (casework/ports.py): it hears the desk's events (`Asked` from the bot,
`Answered` from the staff chat and the back-office) and queues one CaseContact row per message.
`send_due` takes due rows and hands each to the `CaseSystem` (Open Klant in commonground/):

- recorded: the row is `sent`, with the case system's ids;
- unavailable (down, time-out, 5xx): tried again with backoff (30 s, 1, 2, 4 ... minutes, at
  most an hour), without end: nothing is lost; `backlog_alert` says when the oldest row has
  waited too long;
- unauthorized (401/403, e.g. a rotated key): tried again the same way, alerted at once;
- refused (400, or a client without a party): the row is `failed` and kept, alerted, never
  tried again by itself.

Every attempt after the first is marked as such, so the adapter first asks whether the earlier
attempt arrived after all (the row's `key` travels as the klantcontact's referentienummer): a
retry never makes a second klantcontact. What goes out is read from the message when it is
sent, BSN-masked; the row itself holds no text.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from casework.clock import Clock
from casework.events import Answered, Asked, ClientEvent
from casework.ports import (
    CaseSystem,
    ContactMoment,
    ContactOutcome,
    Recorded,
    Refused,
    Unauthorized,
    Unavailable,
)
from storage import contacts as rows
from storage.bsn import mask_bsn
from storage.db import Database
from storage.enums import ContactKind, ContactStatus, Direction, MessageKind
from storage.ids import pk
from storage.models import CaseContact, Client, Message

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)  # one attempt's hold on a row (a crashed process lets go after it)
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)
WAIT_FOR_QUESTION = timedelta(seconds=30)  # an answer waits for its question's klantcontact
BATCH = 20
CONTENT_LIMIT = 1000  # klantcontact.inhoud
KEY_PREFIX = "TG"

# ISO 639-2 (the terminology codes, as Open Klant's examples: "nld") of the bot's languages. Dari
# (fa_AF) is Persian and Sorani (ckb) Kurdish in ISO 639-2, which has no codes of their own.
ISO_639_2 = {
    "nl": "nld",
    "en": "eng",
    "ar": "ara",
    "ti": "tir",
    "so": "som",
    "fa": "fas",
    "fa_AF": "fas",
    "ps": "pus",
    "tr": "tur",
    "fr": "fra",
    "ku": "kur",
    "ckb": "kur",
    "am": "amh",
    "om": "orm",
}
# Subjects are Dutch: the case system is the municipality's. A message without words says
# what it was.
SUBJECTS = {ContactKind.QUESTION: "Vraag via Telegram", ContactKind.ANSWER: "Antwoord via Telegram"}
WITHOUT_WORDS = {
    MessageKind.PHOTO: "[foto]",
    MessageKind.DOCUMENT: "[document]",
    MessageKind.VOICE: "[spraakbericht]",
    MessageKind.LOCATION: "[locatie]",
}


def language_code(locale: str | None) -> str:
    return ISO_639_2.get(locale or "nl", "nld")


def new_key() -> str:
    """A referentienummer (at most 10 characters) that no other moment of ours has."""
    return KEY_PREFIX + secrets.token_hex(4).upper()


def backoff(attempts: int) -> timedelta:
    return min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_CAP)


def content_of(message: Message) -> str:
    """What the klantcontact says: the words (BSN-masked), or what kind of message it was."""
    words = mask_bsn(message.text or "")
    if message.kind == MessageKind.LOCATION:
        words = ""  # coordinates of where the client is stay in the bot
    label = WITHOUT_WORDS.get(MessageKind(message.kind))
    text = f"{label} {words}".strip() if label else words
    if len(text) > CONTENT_LIMIT:
        text = text[: CONTENT_LIMIT - 1] + "…"
    return text or "-"


class ContactQueue:
    """The channel that queues contact moments for the case system (one row per message)."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def publish(self, event: ClientEvent) -> None:
        if isinstance(event, Asked):
            await self.queue(
                event.client, event.question_id, event.message_id, ContactKind.QUESTION
            )
        elif isinstance(event, Answered):
            await self.queue(event.client, event.question_id, event.message_id, ContactKind.ANSWER)

    async def queue(
        self, client: Client, question_id: int, message_id: int, kind: ContactKind
    ) -> None:
        for _ in range(3):  # a key already taken (1 in 4 billion) is drawn again
            async with self.db.transaction() as session:
                if await rows.by_message(session, message_id=message_id) is not None:
                    return
                if await rows.add(
                    session,
                    client_id=pk(client),
                    question_id=question_id,
                    message_id=message_id,
                    kind=kind,
                    key=new_key(),
                    now=self.clock.now(),
                ):
                    return
        log.error("contact moment not queued", extra={"message_id": message_id})


@dataclass
class Round:
    """What one `send_due` did, by row id."""

    sent: list[int] = field(default_factory=list)
    retried: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    waiting: list[int] = field(default_factory=list)


async def send_due(
    db: Database, system: CaseSystem, *, now: datetime, confidential: bool = True
) -> Round:
    """Send every due row once (claimed first, so two processes never send the same row)."""
    done = Round()
    async with db.transaction() as session:
        candidates = await rows.due(session, now=now, limit=BATCH)
        claimed = [
            pk(row)
            for row in candidates
            if await rows.claim(session, contact=row, lease_until=now + LEASE)
        ]
    for contact_id in claimed:
        await _send_one(db, system, contact_id, now=now, confidential=confidential, done=done)
    return done


async def _send_one(
    db: Database,
    system: CaseSystem,
    contact_id: int,
    *,
    now: datetime,
    confidential: bool,
    done: Round,
) -> None:
    async with db.reading() as session:
        contact = await rows.get(session, contact_id=contact_id)
        if contact is None:
            return
        subject = await rows.subject(session, contact=contact)
        asked = None
        if contact.kind == ContactKind.ANSWER:
            asked = await rows.asked_before(
                session, question_id=contact.question_id, message_id=contact.message_id
            )
    if subject is None or subject[1].erased_at is not None:
        # Erased (retention, or the client's data) before it went: nothing left to record.
        await _finish(db, contact_id, failed="message_erased", now=now)
        done.failed.append(contact_id)
        return
    client, message = subject
    if asked is not None and asked.status == ContactStatus.PENDING:
        await _wait(db, contact_id, until=now + WAIT_FOR_QUESTION)
        done.waiting.append(contact_id)
        return
    if not client.party_uuid:
        outcome: ContactOutcome = Refused("no_party")
    else:
        moment = _moment(
            contact,
            client,
            message,
            answers=asked.remote_uuid if asked is not None else None,
            confidential=confidential,
        )
        try:
            outcome = await system.record_contact(moment)
        except Exception:  # the port promises not to raise; a bug must not stop the outbox
            log.exception("case system adapter raised", extra={"contact_id": contact_id})
            outcome = Unavailable("adapter_error")
    await _mark(db, contact, outcome, now=now, done=done)


def _moment(
    contact: CaseContact,
    client: Client,
    message: Message,
    *,
    answers: str | None,
    confidential: bool,
) -> ContactMoment:
    kind = ContactKind(contact.kind)
    reached = None
    if message.direction == Direction.FROM_STAFF and message.delivered_at is not None:
        reached = True
    assert client.party_uuid is not None
    return ContactMoment(
        key=contact.key,
        kind=kind.value,
        subject=SUBJECTS[kind],
        content=content_of(message),
        language=language_code(client.locale),
        confidential=confidential,
        party=client.party_uuid,
        occurred_at=message.sent_at,
        zaak=client.zaak_uuid,
        answers=answers,
        reached=reached,
        first_attempt=contact.attempts <= 1,
    )


async def _mark(
    db: Database, contact: CaseContact, outcome: ContactOutcome, *, now: datetime, done: Round
) -> None:
    contact_id = pk(contact)
    ids = {"contact_id": contact_id, "key": contact.key, "attempts": contact.attempts}
    if isinstance(outcome, Recorded):
        async with db.transaction() as session:
            row = await rows.get(session, contact_id=contact_id)
            if row is None:
                return
            row.status = ContactStatus.SENT
            row.remote_uuid = outcome.remote_id
            row.task_uuid = outcome.task_id
            row.sent_at = now
            row.next_attempt_at = None
            row.last_error = None
            session.add(row)
        done.sent.append(contact_id)
        return
    if isinstance(outcome, Refused):
        fields = ",".join(outcome.fields)
        reason = f"{outcome.reason}:{fields}" if fields else outcome.reason
        # The alert: kept, never sent again by itself; the back-office and the metrics show it.
        log.error("case system refused a contact moment", extra={**ids, "reason": reason})
        await _finish(db, contact_id, failed=reason, now=now)
        done.failed.append(contact_id)
        return
    if isinstance(outcome, Unauthorized):
        log.error("case system refused our key", extra={**ids, "reason": outcome.reason})
    else:
        log.warning("case system unavailable", extra={**ids, "reason": outcome.reason})
    async with db.transaction() as session:
        row = await rows.get(session, contact_id=contact_id)
        if row is None:
            return
        row.last_error = outcome.reason[:200]
        row.next_attempt_at = now + backoff(row.attempts)
        session.add(row)
    done.retried.append(contact_id)


async def _finish(db: Database, contact_id: int, *, failed: str, now: datetime) -> None:
    async with db.transaction() as session:
        row = await rows.get(session, contact_id=contact_id)
        if row is None:
            return
        row.status = ContactStatus.FAILED
        row.last_error = failed[:200]
        row.next_attempt_at = None
        session.add(row)


async def _wait(db: Database, contact_id: int, *, until: datetime) -> None:
    """Not an attempt: the answer waits until its question's klantcontact exists."""
    async with db.transaction() as session:
        row = await rows.get(session, contact_id=contact_id)
        if row is None:
            return
        row.attempts = max(row.attempts - 1, 0)
        row.next_attempt_at = until
        session.add(row)


async def backlog_alert(db: Database, *, now: datetime, after: timedelta) -> timedelta | None:
    """How long the oldest unsent moment waits, when longer than `after` (logged as an alert)."""
    async with db.reading() as session:
        status = await rows.outbox_status(session)
    if status.oldest_pending is None or now - status.oldest_pending < after:
        return None
    waited = now - status.oldest_pending
    log.error(
        "case system has not taken contact moments",
        extra={
            "waiting": status.counts.get(ContactStatus.PENDING, 0),
            "oldest_seconds": int(waited.total_seconds()),
        },
    )
    return waited
