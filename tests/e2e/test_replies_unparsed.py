"""Replies and edits whose answer the bot does not need are sent without PTB building a `Message`
of Telegram's answer (bot/replies.py `post`), and still fail the way PTB's methods fail."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.error import BadRequest, Forbidden

from bot import replies
from tests import factories
from tests.e2e.conftest import Harness


class BotMessagesParsed:
    """Counts PTB building a Message sent by the bot (Telegram's answer to a send or an edit; a
    press's update also carries the pressed message, which is the bot's too)."""

    def __init__(self) -> None:
        self.count = 0


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> Iterator[BotMessagesParsed]:
    counter = BotMessagesParsed()
    original = Message.de_json.__func__  # type: ignore[attr-defined]

    def de_json(cls: type[Message], data: Any, bot: Any = None) -> Message:
        if isinstance(data, dict) and (data.get("from") or {}).get("is_bot"):
            counter.count += 1
        return original(cls, data, bot)  # type: ignore[no-any-return]

    monkeypatch.setattr(Message, "de_json", classmethod(de_json))
    yield counter


async def test_a_screen_and_a_done_press_build_no_message_of_telegrams_answer(
    harness: Harness, parsed: BotMessagesParsed
) -> None:
    async with harness.db.transaction() as session:
        client = await factories.client(session, locale="en")
        await factories.task(session, client=client, title="Bring your passport")
    user = await harness.linked_user(client, language_code="en")
    await harness.fake.drain()
    parsed.count = 0

    await user.send_command("/tasks")
    card = await user.next_message()
    await harness.fake.drain()

    assert "Bring your passport" in (card.text or "")
    done = [data for data in card.callback_data if ":done:" in data]
    assert done, card.callback_data  # the keyboard arrived with the reply
    assert parsed.count == 0  # the reply's answer was not made into a Message

    press = await user.press(card, done[0])
    await press.answer()
    await harness.fake.drain()

    assert card.edit_count == 1
    assert "✅" in (card.text or "")
    # only the pressed message inside the update itself; not the edit's answer
    assert parsed.count == 1


async def test_a_refused_reply_raises_as_ptb_raises_it(harness: Harness) -> None:
    with pytest.raises(BadRequest, match=r"[Cc]hat not found"):
        await replies.post(harness.app.bot, "sendMessage", {"chat_id": 987654321, "text": "hi"})


async def test_a_reply_to_a_user_who_blocked_the_bot_raises_forbidden(harness: Harness) -> None:
    async with harness.db.transaction() as session:
        client = await factories.client(session, locale="en")
    user = await harness.linked_user(client, language_code="en")
    await user.block_bot()

    with pytest.raises(Forbidden, match="blocked"):
        await replies.post(
            harness.app.bot, "sendMessage", {"chat_id": user.chat_id, "text": "still there?"}
        )


async def test_a_reply_sends_the_keyboard_and_leaves_out_what_is_none(harness: Harness) -> None:
    async with harness.db.transaction() as session:
        client = await factories.client(session, locale="en")
    user = await harness.linked_user(client, language_code="en")
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("A & <b>", callback_data="x:1")]])
    calls = len(harness.fake.calls)

    await replies.post(
        harness.app.bot,
        "sendMessage",
        {
            "chat_id": user.chat_id,
            "text": "<b>1 &lt; 2</b>",
            "parse_mode": "HTML",
            "reply_markup": markup,
            "message_thread_id": None,
        },
    )
    message = await user.next_message()

    assert message.text == "1 < 2"
    assert message.callback_data == ["x:1"]
    sent = [c for c in harness.fake.calls[calls:] if c.method == "sendMessage"]
    assert len(sent) == 1 and "message_thread_id" not in sent[0].params
