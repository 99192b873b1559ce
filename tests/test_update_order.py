"""Updates of different chats run at the same time; each chat's replies keep their order.

A real PTB Application with `ChatOrderedProcessor` polls the fake Bot API (and, for webhook mode,
the webhook server hands it updates), 1,000 updates from 50 chats pushed at once in a shuffled
order. Each handler waits a varying moment before it answers, so without the per-chat line a
chat's later update would overtake an earlier one.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters

from bot.ordering import ChatOrderedProcessor, order_key
from bot.serve import WebhookOptions, WebhookServer
from fakebot import FakeTelegram

TOKEN = "123456:ORDER-TOKEN"
CHATS = 50
UPDATES = 1_000


class Counter:
    """How many handlers run at once, and the most seen."""

    def __init__(self) -> None:
        self.now = 0
        self.most = 0
        self.chats_at_once = 0
        self.chats: dict[int, int] = {}


def build(
    fake: FakeTelegram, counter: Counter, seed: int
) -> Application[Any, Any, Any, Any, Any, Any]:
    delays = random.Random(seed)

    async def reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None and message.text is not None
        chat = message.chat_id
        counter.now += 1
        counter.chats[chat] = counter.chats.get(chat, 0) + 1
        counter.most = max(counter.most, counter.now)
        counter.chats_at_once = max(counter.chats_at_once, len(counter.chats))
        assert counter.chats[chat] == 1, "two updates of one chat at the same time"
        try:
            # Some updates take longer than others: a later one would finish first if it could.
            for _ in range(delays.randrange(4)):
                await asyncio.sleep(0)
            await message.reply_text(message.text)
        finally:
            counter.now -= 1
            counter.chats[chat] -= 1
            if not counter.chats[chat]:
                del counter.chats[chat]

    app = (
        ApplicationBuilder()
        .token(fake.token)
        .base_url(fake.api_url)
        .concurrent_updates(ChatOrderedProcessor(32))
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, reply))
    return app


def schedule(seed: int) -> list[int]:
    """Which user sends each of the 1,000 updates, shuffled: chats interleave at random."""
    senders = [i % CHATS for i in range(UPDATES)]
    random.Random(seed).shuffle(senders)
    return senders


async def test_1000_updates_of_50_chats_overlap_and_each_chat_stays_in_order() -> None:
    async with FakeTelegram(TOKEN) as fake:
        users = [fake.user(7000 + i, f"User{i}") for i in range(CHATS)]
        counter = Counter()
        app = build(fake, counter, seed=15)
        sent: dict[int, list[str]] = {user.chat_id: [] for user in users}
        for k, who in enumerate(schedule(seed=15)):
            text = f"{who}:{len(sent[users[who].chat_id])}:{k}"
            sent[users[who].chat_id].append(text)
            await users[who].send_text(text)
        since = len(fake.calls)
        await app.initialize()
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0)
        try:
            replies = 0

            def counted(call: Any) -> bool:
                nonlocal replies
                if call.method == "sendMessage" and call.ok:
                    replies += 1
                return replies >= UPDATES

            await fake.wait_for(counted, timeout=120, since=since)
        finally:
            await app.updater.stop()
            await app.stop()
            await app.shutdown()
        for user in users:
            received = [m.data["text"] for m in user.inbox if m.from_bot]
            assert received == sent[user.chat_id]
        assert counter.most > 1 and counter.chats_at_once > 1  # chats really overlapped
        processor = app.update_processor
        assert isinstance(processor, ChatOrderedProcessor)
        assert processor.overlapped > 0
        assert processor.waiting_chats == 0  # nothing left behind


async def test_webhook_server_hands_updates_to_the_same_ordered_processor() -> None:
    async with FakeTelegram(TOKEN) as fake:
        users = [fake.user(8000 + i, f"User{i}") for i in range(CHATS)]
        counter = Counter()
        app = build(fake, counter, seed=19)
        server = WebhookServer(
            app, WebhookOptions(listen="127.0.0.1", port=0, path="telegram", secret="s" * 32)
        )
        await app.initialize()
        await app.start()
        sent: dict[int, list[str]] = {user.chat_id: [] for user in users}
        handled: list[Awaitable[None]] = []
        try:
            for k, who in enumerate(schedule(seed=19)[:500]):
                user = users[who]
                text = f"{who}:{len(sent[user.chat_id])}:{k}"
                sent[user.chat_id].append(text)
                payload = await user.send_text(text)
                update = Update.de_json({"update_id": k + 1, "message": payload.data}, app.bot)
                handled.append(asyncio.ensure_future(server._handle(update)))
            await asyncio.wait_for(asyncio.gather(*handled), timeout=120)
        finally:
            await app.stop()
            await app.shutdown()
        for user in users:
            assert [m.data["text"] for m in user.inbox if m.from_bot] == sent[user.chat_id]
        assert counter.most > 1


def test_order_key_is_the_chat_else_the_user_else_none() -> None:
    private = Update.de_json(
        {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": 42, "type": "private"},
                "from": {"id": 42, "is_bot": False, "first_name": "A"},
                "text": "hi",
            },
        },
        None,
    )
    inline = Update.de_json(
        {
            "update_id": 2,
            "inline_query": {
                "id": "q",
                "from": {"id": 7, "is_bot": False, "first_name": "B"},
                "query": "",
                "offset": "",
            },
        },
        None,
    )
    assert order_key(private) == ("chat", 42)
    assert order_key(inline) == ("user", 7)
    assert order_key(object()) is None
