"""Webhook delivery: POSTs with the secret header, retries, and a PTB webhook Application."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from telegram import Bot, Update
from telegram.ext import ContextTypes, MessageHandler, filters

from fakebot import FakeTelegram

from .helpers import build_app, free_port

pytestmark = pytest.mark.asyncio


class Receiver:
    """A loopback webhook endpoint that fails the first `failures` deliveries."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.received: list[tuple[dict[str, Any], str | None]] = []
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        """Record the delivery, or fail it on purpose."""
        if self.failures > 0:
            self.failures -= 1
            return web.Response(status=500)
        secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
        self.received.append((await request.json(), secret))
        return web.Response(text="ok")


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[Receiver]:
    """Yield a running webhook receiver that fails its first delivery."""
    hook = Receiver(failures=1)
    app = web.Application()
    app.router.add_post("/hook", hook.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    hook.url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    yield hook
    await runner.cleanup()


async def test_updates_are_posted_with_secret_and_retried(
    fake: FakeTelegram, receiver: Receiver
) -> None:
    user = fake.user(6001, "Olga")
    async with Bot(fake.token, base_url=fake.api_url) as bot:
        assert await bot.set_webhook(receiver.url, secret_token="geheim-123")
        await user.send_text("via webhook")
        await user.send_text("tweede")
        await fake.drain(timeout=5)
        info = await bot.get_webhook_info()

    assert [(u["message"]["text"], secret) for u, secret in receiver.received] == [
        ("via webhook", "geheim-123"),
        ("tweede", "geheim-123"),
    ]
    assert info.url == receiver.url and info.pending_update_count == 0
    assert info.last_error_message is not None and "500" in info.last_error_message
    assert fake.state.webhook.delivery_attempts == 3


async def test_unreachable_webhook_keeps_updates_pending(fake: FakeTelegram) -> None:
    async with aiohttp.ClientSession() as session:
        url = f"{fake.api_url}{fake.token}/setWebhook"
        params = {"url": f"http://127.0.0.1:{free_port()}/nobody"}
        async with session.post(url, json=params) as response:
            assert (await response.json())["result"] is True
    await fake.user(6002, "Piet").send_text("blijft liggen")
    with pytest.raises(TimeoutError, match="1 pending updates"):
        await fake.drain(timeout=0.3)
    assert fake.webhook_info()["pending_update_count"] == 1
    assert "Connection error" in fake.webhook_info()["last_error_message"]


async def test_ptb_application_in_webhook_mode(fake: FakeTelegram) -> None:
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(f"echo: {update.effective_message.text}")

    app = build_app(fake, [MessageHandler(filters.TEXT, echo)])
    port = free_port()
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_webhook(
        listen="127.0.0.1",
        port=port,
        url_path="tg",
        webhook_url=f"http://127.0.0.1:{port}/tg",
        secret_token="s3cret",
    )
    try:
        user = fake.user(6003, "Quinn")
        await user.send_text("hallo webhook")
        reply = await user.next_message(timeout=5)
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
    assert reply.text == "echo: hallo webhook"
    set_call = fake.calls_for("setWebhook")[0]
    assert set_call.params["secret_token"] == "s3cret"
    assert json.dumps(fake.webhook_info())
