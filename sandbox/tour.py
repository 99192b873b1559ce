"""The guided path on the sandbox page: five steps, each ticked off when it has really happened.

Nothing here counts clicks on the page: every step is read from what the bot, the back-office
and the fake Telegram stored (the client row, the question's messages, the reminder outbox and
the phone's chat), so a step done another way (a command typed on the phone, an answer from a
script) is ticked off too.

1. link    the guide's client is linked to their phone and agreed to the privacy notice;
2. plan    the phone asked for the plan (📋 or /plan) and the bot answered, in the client's
           right-to-left language;
3. photo   a photo from the client is stored with one of their questions;
4. answer  a ready-made answer from the back-office reached the client;
5. reminder after the clock was moved, a reminder was sent to the client.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.keyboards import ICON_PLAN
from fakebot import ChatState
from storage import questions, reminders
from storage.enums import Direction, MessageKind, ReminderStatus
from storage.models import Client, Message

STEPS = ("link", "plan", "photo", "answer", "reminder")
# The guide follows the first demo client who speaks this language (Amina in the example region).
GUIDE_LOCALE = "ar"
# More reminders than one demo client is ever sent in a sandbox's year.
MAX_REMINDERS = 1000


@dataclass(frozen=True)
class Facts:
    """What the steps are read from, gathered once per look."""

    client: Client | None
    phone_locale: str
    phone_rtl: bool
    chat: ChatState | None
    ready_texts: frozenset[str]  # the ready-made answers as the client reads them
    moved_from: datetime | None  # the sandbox time before the clock was first moved


def asked_for_plan(chat: ChatState | None) -> bool:
    """The phone asked for the plan and the bot wrote back after it."""
    if chat is None:
        return False
    asked: int | None = None
    for message in chat.live_messages():
        text = (message.text or "").strip()
        if not message.from_bot and (text.startswith(ICON_PLAN) or text.split(" ")[0] == "/plan"):
            asked = message.message_id if asked is None else asked
        elif message.from_bot and asked is not None and message.message_id > asked:
            return True
    return False


async def done_steps(session: AsyncSession, facts: Facts) -> set[str]:
    """The steps that have happened (each read from stored state)."""
    client = facts.client
    if client is None or client.id is None:
        return set()
    done: set[str] = set()
    if client.telegram_chat_id is not None and client.consent_at is not None:
        done.add("link")
    if facts.phone_rtl and facts.phone_locale == client.locale and asked_for_plan(facts.chat):
        done.add("plan")
    messages = await questions.messages_of_client(session, client_id=client.id)
    if any(m.direction == Direction.FROM_CLIENT and m.kind == MessageKind.PHOTO for m in messages):
        done.add("photo")
    if any(_ready_answer_delivered(m, facts.ready_texts) for m in messages):
        done.add("answer")
    if facts.moved_from is not None and await _reminded_since(
        session, client_id=client.id, since=facts.moved_from
    ):
        done.add("reminder")
    return done


def _ready_answer_delivered(message: Message, ready_texts: frozenset[str]) -> bool:
    return (
        message.direction == Direction.FROM_STAFF
        and not message.internal
        and message.delivered_at is not None
        and message.text in ready_texts
    )


async def _reminded_since(session: AsyncSession, *, client_id: int, since: datetime) -> bool:
    sent = await reminders.listing(
        session, status=ReminderStatus.SENT, client_id=client_id, limit=MAX_REMINDERS
    )
    return any(row.sent_at is not None and row.sent_at > since for row in sent)
