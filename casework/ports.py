"""Ports: what the core needs from a channel, and nothing of how the channel works.

- a client channel delivers to a client (Telegram in bot/channels.py) and says whether the client
  blocked it;
- a staff channel shows the team what happened, an act on a question or a chat unlinked (the
  Telegram staff chat with one topic per client, bot/channels.py; a team without one has no
  staff channel at all).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from casework.events import ClientEvent

log = logging.getLogger(__name__)


class Channel(Protocol):
    async def publish(self, event: ClientEvent) -> None:
        """Show the event to this channel's people; never raise for a delivery problem."""


class ClientChannel(Channel, Protocol):
    async def deliver(self, message_id: int) -> str:
        """Send a stored answer to its client; the outcome (`delivered`, `blocked`, ...)."""


class StaffChannel(Channel, Protocol):
    pass


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
