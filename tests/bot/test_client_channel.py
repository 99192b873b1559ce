"""The client channel's port methods that the back-office and the scheduler use without the bot:
the 🔊 Listen hint (ClientChannel.notify / send with `listen=`) and a chat's first name."""

from __future__ import annotations

import json
import logging
from types import SimpleNamespace
from typing import Any

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, TimedOut

from bot.channels.client import TelegramClientChannel, markup_json
from casework.ports import Listen
from texts.speakable import LISTEN, REMINDER, Speakable

SPOKEN = Speakable("reminder_task", lambda _t, _f: "Hand in the form", {"title": "form"})
HINT = Listen(REMINDER, 7, SPOKEN)
DONE = InlineKeyboardMarkup([[InlineKeyboardButton("Done", callback_data="task:v1:done:3")]])


class FakeAudio:
    def __init__(self, answer: bool | Exception) -> None:
        self.answer = answer
        self.asked: list[tuple[str, Speakable]] = []

    async def available(self, locale: str, speakable: Speakable) -> bool:
        self.asked.append((locale, speakable))
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


class FakeBot:
    rate_limiter = None

    def __init__(self, chat: Any = None, error: Exception | None = None) -> None:
        self.chat = chat
        self.error = error

    async def get_chat(self, chat_id: int) -> Any:
        if self.error is not None:
            raise self.error
        return self.chat


def channel(audio: FakeAudio | None, bot: FakeBot | None = None) -> TelegramClientChannel:
    services = SimpleNamespace(audio=audio)
    return TelegramClientChannel(bot or FakeBot(), services)  # type: ignore[arg-type]


async def test_the_listen_row_comes_under_the_buttons_where_audio_exists() -> None:
    audio = FakeAudio(True)
    markup = await channel(audio).with_listen(DONE, HINT, "ar")
    assert audio.asked == [("ar", SPOKEN)]
    rows = markup.inline_keyboard
    assert rows[0] == DONE.inline_keyboard[0]
    (listen,) = rows[1]
    assert listen.text.startswith("🔊 ")
    assert listen.callback_data == f"{LISTEN}:v1:{REMINDER}:7"


async def test_a_message_without_buttons_gets_the_listen_row_alone() -> None:
    markup = await channel(FakeAudio(True)).with_listen(None, HINT, "nl")
    assert [[b.callback_data for b in row] for row in markup.inline_keyboard] == [
        [f"{LISTEN}:v1:{REMINDER}:7"]
    ]


@pytest.mark.parametrize("audio", [None, FakeAudio(False)], ids=["no audio", "not this text"])
async def test_no_audio_leaves_the_buttons_as_they_are(audio: FakeAudio | None) -> None:
    assert await channel(audio).with_listen(DONE, HINT, "ti") is DONE
    assert await channel(audio).with_listen(None, HINT, "ti") is None


async def test_a_failing_audio_check_sends_the_message_without_the_button(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR, logger="bot.channels.client"):
        markup = await channel(FakeAudio(OSError("disk gone"))).with_listen(DONE, HINT, "so")
    assert markup is DONE
    assert "could not tell whether audio exists" in caplog.text


async def test_the_first_name_is_asked_from_the_chat() -> None:
    bot = FakeBot(chat=SimpleNamespace(first_name="Amina <b>"))
    assert await channel(None, bot).first_name(42) == "Amina <b>"


@pytest.mark.parametrize("error", [BadRequest("Chat not found"), TimedOut()], ids=str)
async def test_a_first_name_that_cannot_be_asked_is_none(error: Exception) -> None:
    assert await channel(None, FakeBot(error=error)).first_name(42) is None


@pytest.mark.parametrize(
    "markup",
    [
        DONE,
        InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton("✅ Ik kom", callback_data="appt:v1:yes:9"),
                    InlineKeyboardButton("Route", url="https://maps.example/?q=a b&c=ü"),
                ],
                [InlineKeyboardButton("🔊 Luister", callback_data="listen:v1:reminder:7")],
            ]
        ),
        InlineKeyboardMarkup([[InlineKeyboardButton("Ask", switch_inline_query="x")]]),
    ],
    ids=["one button", "callbacks and a link", "another kind of button"],
)
def test_the_keyboard_is_serialised_as_ptb_does(markup: InlineKeyboardMarkup) -> None:
    assert json.loads(markup_json(markup)) == json.loads(markup.to_json())
