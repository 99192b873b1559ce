"""Run the fake Bot API standalone: python -m fakebot --port 8081."""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from .server import FakeTelegram


def parse_args() -> argparse.Namespace:
    """Return the command line options."""
    parser = argparse.ArgumentParser(description="Fake Telegram Bot API server (loopback only).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default="123456:TEST-TOKEN")
    parser.add_argument("--bot-username", default="inburgerbot_test_bot")
    parser.add_argument(
        "--auto-create-chats", action="store_true", help="accept sends to unknown chat ids"
    )
    return parser.parse_args()


async def serve(args: argparse.Namespace) -> None:
    """Serve until cancelled."""
    fake = FakeTelegram(args.token, args.bot_username, auto_create_chats=args.auto_create_chats)
    await fake.start(args.host, args.port)
    print(  # noqa: T201  (the standalone entry point reports where it listens)
        f"Fake Bot API listening: base_url={fake.api_url} "
        f"base_file_url={fake.file_url} token={fake.token}",
        flush=True,
    )
    try:
        await asyncio.Event().wait()
    finally:
        await fake.stop()


def main() -> None:
    """Entry point."""
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(parse_args()))


if __name__ == "__main__":
    main()
