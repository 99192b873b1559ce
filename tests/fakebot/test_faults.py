"""Injected faults surface in python-telegram-bot as the exceptions real Telegram causes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from fakebot import FakeTelegram

pytestmark = [
    pytest.mark.asyncio,
    # str(RetryAfter) reads the int-valued retry_after that PTB 22 deprecates; not our concern.
    pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning"),
]

CHAT = 4001


@pytest_asyncio.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    """Yield an initialised PTB Bot talking to the emulator, with one known user."""
    fake.user(CHAT, "Karin")
    async with Bot(fake.token, base_url=fake.api_url, base_file_url=fake.file_url) as client:
        yield client


async def test_server_error_n_times_then_success(fake: FakeTelegram, bot: Bot) -> None:
    fault = fake.inject("sendMessage", status=500, times=2)
    for _ in range(2):
        with pytest.raises(NetworkError, match="Internal Server Error"):
            await bot.send_message(CHAT, "hallo")
    sent = await bot.send_message(CHAT, "hallo")

    assert sent.text == "hallo"
    assert fault.hits == 2 and fault.exhausted
    assert [c.status for c in fake.calls_for("sendMessage")] == [500, 500, 200]
    assert len(fake.user(CHAT).inbox) == 1  # failed attempts had no effect


async def test_flood_wait_is_raised_as_retry_after(fake: FakeTelegram, bot: Bot) -> None:
    fake.inject("sendMessage", status=429, retry_after=3)
    with pytest.raises(RetryAfter, match="Retry in 3 seconds"):
        await bot.send_message(CHAT, "te snel")
    call = fake.last_call("sendMessage")
    assert call is not None and call.status == 429
    assert call.description == "Too Many Requests: retry after 3"


async def test_blocked_user_gives_forbidden(fake: FakeTelegram, bot: Bot) -> None:
    await fake.user(CHAT).block_bot()
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(CHAT, "hallo?")
    with pytest.raises(Forbidden):
        await bot.send_chat_action(CHAT, "typing")
    await fake.user(CHAT).unblock_bot()
    assert (await bot.send_message(CHAT, "weer terug")).text == "weer terug"


async def test_injected_forbidden_uses_telegram_wording(fake: FakeTelegram, bot: Bot) -> None:
    fake.inject("sendDocument", status=403, description="Forbidden: user is deactivated")
    with pytest.raises(Forbidden, match="user is deactivated"):
        await bot.send_document(CHAT, b"data")


async def test_dropped_connection_is_a_network_error(fake: FakeTelegram, bot: Bot) -> None:
    fake.inject("sendMessage", drop_connection=True)
    with pytest.raises(NetworkError):
        await bot.send_message(CHAT, "verloren")
    assert fake.calls_for("sendMessage")[0].status == 0
    assert fake.user(CHAT).inbox == []
    assert (await bot.send_message(CHAT, "opnieuw")).text == "opnieuw"


async def test_drop_after_effect_delivers_but_client_sees_an_error(
    fake: FakeTelegram, bot: Bot
) -> None:
    fake.inject("sendMessage", drop_connection=True, after_effect=True)
    with pytest.raises(NetworkError):
        await bot.send_message(CHAT, "dubbel?")
    assert [m.text for m in fake.user(CHAT).inbox] == ["dubbel?"]


async def test_latency_beyond_read_timeout_is_timed_out(fake: FakeTelegram, bot: Bot) -> None:
    fake.inject("sendMessage", latency=1.0)
    with pytest.raises(TimedOut):
        await bot.send_message(CHAT, "traag", read_timeout=0.1)


async def test_match_and_forever_faults(fake: FakeTelegram, bot: Bot) -> None:
    fake.inject(
        "sendMessage",
        status=400,
        description="Bad Request: nope",
        times=None,
        match=lambda p: p["text"] == "x",
    )
    for _ in range(3):
        with pytest.raises(BadRequest, match="Nope"):
            await bot.send_message(CHAT, "x")
    assert (await bot.send_message(CHAT, "y")).text == "y"
    fake.clear_faults()
    assert (await bot.send_message(CHAT, "x")).text == "x"


async def test_fault_for_any_method(fake: FakeTelegram, bot: Bot) -> None:
    fake.inject(None, status=502, times=1)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.get_me()
    assert (await bot.get_me()).is_bot


async def test_message_is_not_modified(fake: FakeTelegram, bot: Bot) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("OK", callback_data="ok")]])
    sent = await bot.send_message(CHAT, "Status: klaar", reply_markup=keyboard)
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("Status: klaar", CHAT, sent.message_id, reply_markup=keyboard)
    edited = await bot.edit_message_text("Status: klaar", CHAT, sent.message_id)
    assert isinstance(edited, object) and fake.user(CHAT).inbox[0].buttons == []
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(CHAT, sent.message_id, reply_markup=None)


async def test_global_and_per_chat_rate_limits(fake: FakeTelegram, bot: Bot) -> None:
    fake.clock = lambda: 1_000.0  # every send in the same second, however slow the machine
    fake.rate_limit = 5
    for index in range(5):
        await bot.send_message(CHAT, f"bericht {index}")
    with pytest.raises(RetryAfter):
        await bot.send_message(CHAT, "een te veel")
    fake.rate_limit = None
    fake.chat_rate_limit = 1
    fake.user(4002, "Lars")
    await bot.send_message(CHAT, "een")
    await bot.send_message(4002, "andere chat mag wel")
    with pytest.raises(RetryAfter):
        await bot.send_message(CHAT, "twee")
