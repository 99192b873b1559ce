"""Ports: what the core and the front ends need from a channel, and nothing of how it works.

- a client channel reaches a person in their private chat with the bot (Telegram in
  bot/channels/client.py): notices, stored answers, reminders, and a file they sent; it says how a
  delivery went, and records a client who blocked the bot;
- a staff channel shows the team what happened, an act on a question or a chat unlinked (the
  Telegram staff chat with one topic per client, bot/channels/staff.py; a team without one has no
  staff channel at all);
- a case system (Common Ground, commonground/) keeps the municipality's records of a client.

The composition root (console/compose.py, sandbox/) builds the Telegram implementations and hands
them to the back-office and the scheduler, which import nothing of the bot.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from casework.events import ClientEvent
from storage.models import Client
from texts.readers import TextFn
from texts.speakable import Speakable

log = logging.getLogger(__name__)

# Buttons under a message, as the channel's renderers make them (texts/render/).
Buttons = Any


class Outcome(StrEnum):
    """How a delivery to a client went."""

    DELIVERED = "delivered"
    NOT_LINKED = "not_linked"  # the client has no chat with the bot (now)
    BLOCKED = "blocked"  # the client blocked the bot: sent when they are back
    RETRY = "retry"  # 429, 5xx, time-out: the retry job sends it again
    FAILED = "failed"  # refused for good, or too many attempts


@dataclass(frozen=True)
class Delivery:
    outcome: Outcome
    message_id: int | None = None

    @property
    def delivered(self) -> bool:
        return self.outcome == Outcome.DELIVERED


class ErrorKind(StrEnum):
    """What a channel's error means, whichever place saw it (bot/telegram_errors.py sorts)."""

    BLOCKED = "blocked"  # the person blocked the bot or left the chat (403)
    RATE_LIMITED = "rate_limited"  # too many requests: wait `retry_after` (429)
    REFUSED = "refused"  # the same request would fail again (400, a migrated chat)
    TRANSIENT = "transient"  # 5xx, time-outs, dropped connections: maybe better in a while
    UNEXPECTED = "unexpected"  # anything else (a bad token, a conflict): logged for a person


class ChannelError(Exception):
    """A channel could not do what it was asked; `error` is safe to store and log (the error
    class and the service's description, never the message text)."""

    def __init__(self, kind: ErrorKind, error: str, retry_after: timedelta | None = None) -> None:
        super().__init__(error)
        self.kind = kind
        self.error = error
        self.retry_after = retry_after


@dataclass(frozen=True)
class Listen:
    """A hint to a client channel: offer 🔊 Listen under this message where audio exists in the
    reader's language (`what` and `row_id` name the message again when the button is pressed:
    plan, appt, task or rem, texts/speakable.py)."""

    what: str
    row_id: int
    speakable: Speakable


class Channel(Protocol):
    async def publish(self, event: ClientEvent) -> None:
        """Show the event to this channel's people; never raise for a delivery problem."""


class ClientChannel(Channel, Protocol):
    async def deliver(self, message_id: int) -> Delivery:
        """Send a stored answer to its client and record how it went."""

    async def notify(
        self, client: Client, text: TextFn, *, buttons: Buttons = None, listen: Listen | None = None
    ) -> Delivery:
        """A notice in the client's language (not stored); a blocked client is recorded."""

    async def send(
        self,
        chat_id: int,
        html: str,
        *,
        buttons: Buttons = None,
        send_timeout: float | None = None,
        listen: Listen | None = None,
        locale: str | None = None,
    ) -> int:
        """Send one rendered message now, without retrying; its id. Raises ChannelError. With
        `listen`, the reader's `locale` decides whether audio exists."""

    async def file(self, file_id: str) -> tuple[bytes, str | None]:
        """A file a client sent (its bytes and path). Raises ChannelError."""

    async def first_name(self, chat_id: int) -> str | None:
        """The first name the person shows in the chat, asked now and never stored; None when
        it cannot be asked."""

    async def open(self) -> None:
        """Get ready (a process of its own, such as the back-office, calls this once)."""

    async def close(self) -> None:
        """Let go of what `open` took."""


class StaffChannel(Channel, Protocol):
    async def note(self, client_id: int, text: TextFn) -> None:
        """A line from the bot where the team follows this client; never raises."""

    async def relay_message(self, message_id: int) -> bool:
        """Show a stored client message to the team; False when it stays due."""

    async def report_delivery(self, client_id: int, delivery: Delivery) -> None:
        """Tell the team when an answer did not reach the client."""

    def link(self, place: int | None) -> str | None:
        """A link to a place (a topic) in the staff channel, where there is one."""


@dataclass(frozen=True)
class Channels:
    """Every channel of a process: the client's always, the team's where it uses one."""

    client: ClientChannel
    staff: StaffChannel | None = None
    # Further channels that hear every event: the case system's contact moments (Open Klant).
    others: tuple[Channel, ...] = ()

    @property
    def all(self) -> list[Channel]:
        """Where an event goes: the client first, then the team, then the others."""
        staff: list[Channel] = [] if self.staff is None else [self.staff]
        return [self.client, *staff, *self.others]


async def publish(channels: Sequence[Channel], event: ClientEvent) -> None:
    """Hand the event to every channel in turn; one failing channel does not stop the others."""
    for channel in channels:
        try:
            await channel.publish(event)
        except Exception:
            log.exception(
                "a channel did not take an event",
                extra={
                    "channel": type(channel).__name__,
                    "event": type(event).__name__,
                    "client_id": event.client.id,
                },
            )


# -- the case system ------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ContactMoment:
    """One contact moment as the case system records it (Open Klant: a klantcontact).

    `key` is unique per moment and stays the same on every attempt, so that a case system can be
    asked whether an earlier attempt arrived after all (`first_attempt` False). `party` is the
    client's party identifier as the municipality's configuration names it (never a BSN);
    `zaak` the inburgering zaak where known; `answers` the case system's id of the client's
    contact that this answer answers.
    """

    key: str
    kind: str  # "question" (from the client) or "answer" (from the team)
    subject: str
    content: str
    language: str  # ISO 639-2, e.g. "nld", "ara"
    confidential: bool
    party: str
    occurred_at: datetime
    zaak: str | None = None
    answers: str | None = None
    reached: bool | None = None  # an answer: whether it reached the client (None: not known)
    first_attempt: bool = True


@dataclass(frozen=True)
class Recorded:
    """The case system holds the moment (`remote_id`), and the caseworker's task if one was made."""

    remote_id: str
    task_id: str | None = None


@dataclass(frozen=True)
class Unavailable:
    """Not reached, or it failed on its side (time-out, 5xx, 429): try again later."""

    reason: str


@dataclass(frozen=True)
class Unauthorized:
    """Our key was refused (401/403), e.g. after a rotation: try again, and alert at once."""

    reason: str


@dataclass(frozen=True)
class Refused:
    """The case system refused the moment itself (400): trying again will not help."""

    reason: str
    fields: tuple[str, ...] = ()


ContactOutcome = Recorded | Unavailable | Unauthorized | Refused


@dataclass(frozen=True)
class ZaakStep:
    """One status the zaak reached: when, and the municipality's own words about it (Dutch)."""

    at: datetime
    note: str


@dataclass(frozen=True)
class ZaakState:
    """The client's inburgering zaak as the case system holds it now.

    `steps` newest first; `closed` is the zaak's end date (closed, wherever that was done);
    `planned_end` and `latest_end` are its deadlines (einddatumGepland and
    uiterlijkeEinddatumAfdoening in the Zaken API).
    """

    reference: str
    started: date
    planned_end: date | None
    latest_end: date | None
    closed: date | None
    steps: tuple[ZaakStep, ...]


@dataclass(frozen=True)
class RemoteTask:
    """A task the case system keeps for the client (a "taak" object in the Objects API)."""

    remote_id: str
    title: str
    done: bool
    due: date | None
    link: str


class CaseSystem(Protocol):
    """Where the municipality keeps its case work (docs/common-ground.md).

    The JSON import (casework/importer.py) brings plans, appointments and tasks in and has no
    place for contact moments; it stays the fallback whenever there is no case system or it
    cannot be read. Common Ground (commonground/) records every relayed question and answer as a
    klantcontact in Open Klant and reads the client's zaak from the Zaken API.
    """

    async def record_contact(self, moment: ContactMoment) -> ContactOutcome:
        """Record one moment; never raise for a problem of the case system or the network."""

    async def zaak(self, zaak_id: str) -> ZaakState | None:
        """The zaak as it is now; None when it cannot be read (the JSON import's plan stays)."""

    async def tasks(self, party: str) -> list[RemoteTask] | None:
        """The party's tasks as they are now; None when they cannot be read (kept as they were)."""

    async def set_task_done(self, remote_id: str, done: bool) -> bool:
        """Write a task's status back; False when it did not get there (tried again later)."""

    async def task_owner(self, remote_id: str) -> str | None:
        """The party a task belongs to, read anew; None: no such task of ours (or unreadable)."""
