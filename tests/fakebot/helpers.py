"""Helpers for driving a real python-telegram-bot Application against the emulator."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import AsyncIterator
from typing import Any

from telegram.ext import Application, ApplicationBuilder, BaseHandler

from fakebot import FakeTelegram

TOKEN = "123456:TEST-TOKEN"
AnyApp = Application[Any, Any, Any, Any, Any, Any]


def build_app(fake: FakeTelegram, handlers: list[BaseHandler[Any, Any, Any]]) -> AnyApp:
    """Return a real PTB Application pointed at the emulator."""
    app = (
        ApplicationBuilder()
        .token(fake.token)
        .base_url(fake.api_url)
        .base_file_url(fake.file_url)
        .build()
    )
    for handler in handlers:
        app.add_handler(handler)
    return app


@contextlib.asynccontextmanager
async def polling_bot(
    fake: FakeTelegram, *handlers: BaseHandler[Any, Any, Any]
) -> AsyncIterator[AnyApp]:
    """Run a PTB Application with long polling against the emulator, stopping it cleanly."""
    app = build_app(fake, list(handlers))
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0)
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


def free_port() -> int:
    """Return a loopback port that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
