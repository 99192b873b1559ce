"""What the desks did: one event per act, fanned out to every configured channel.

A channel (casework/ports.py) turns an event into what its people see: the client a notice in
their language, the staff chat a note in the client's topic and a new topic title. Front ends
raise the same events for the same acts, so a close in the back-office and `/close` in the
staff chat look the same everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from storage.models import Client, Staff


@dataclass(frozen=True, kw_only=True)
class ClientEvent:
    """An act about one client."""

    client: Client


@dataclass(frozen=True, kw_only=True)
class QuestionEvent(ClientEvent):
    """An act on a client's question by a staff member (`by`, their name as the team knows it)."""

    question_id: int
    by: str


class UnlinkReason(StrEnum):
    # The person who opened a portal link tapped "Not you?": the link was not theirs.
    NOT_ME = "not_me"
    # The municipal portal asked for it (the resident stopped using Telegram there).
    PORTAL = "portal"


@dataclass(frozen=True, kw_only=True)
class Unlinked(ClientEvent):
    """A client's Telegram chat was unlinked; `chat_id` is the chat that was linked."""

    chat_id: int
    reason: UnlinkReason


@dataclass(frozen=True, kw_only=True)
class Asked(QuestionEvent):
    """The client sent a message that was stored in their question (`by`: their first name)."""

    message_id: int


@dataclass(frozen=True, kw_only=True)
class Seen(QuestionEvent):
    """A staff member opened the question for the first time: the client hears it was seen."""


@dataclass(frozen=True, kw_only=True)
class Escalated(QuestionEvent):
    """The question waited `hours` of office time unanswered; the team leads were told.

    `unreached` are the leads no private message reached (the staff chat names them); `by` is
    empty: the office clock raised it, not a person.
    """

    hours: float
    unreached: tuple[Staff, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Closed(QuestionEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class Reopened(QuestionEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class Assigned(QuestionEvent):
    assignee: str


@dataclass(frozen=True, kw_only=True)
class Answered(QuestionEvent):
    """An answer was stored and offered to the client; `outcome` says how its delivery went.

    `ready_key` names a ready-made answer; `text` is what the client got (in their language);
    `in_staff_chat` is true when the answer was written in the client's topic (the team sees it
    there already).
    """

    message_id: int
    text: str
    outcome: str
    ready_key: str | None = None
    in_staff_chat: bool = False
