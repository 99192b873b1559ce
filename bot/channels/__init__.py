"""The Telegram implementations of the core's two ports (casework/ports.py), and how a process
gets them.

- bot/channels/client.py `TelegramClientChannel`: the person's private chat with the bot (notices
  in their language, stored answers, reminders, files they sent);
- bot/channels/staff.py `TelegramStaffChannel` over `TelegramRelay`: the client's topic in the
  staff chat (a note per act, the status in the title);
- bot/channels/sending.py: sending HTML and stored content, a text for one reader.

The composition root builds them (`channels_of` for the bot's own process, `process_channels`
for another process such as the back-office) and hands them to whoever acts.
"""

from __future__ import annotations

import socket
from typing import Any

from telegram import Bot
from telegram.ext import Application

from bot.audio import audio_for
from bot.channels.client import TelegramClientChannel
from bot.channels.staff import TelegramRelay, TelegramStaffChannel
from bot.context import Services
from casework.clock import Clock
from casework.contacts import ContactQueue
from casework.ports import Channels
from casework.settings import Settings, planning_rules
from storage.db import Database
from texts.i18n import available_locales


def telegram_channels(bot: Bot, services: Services) -> Channels:
    """The client's chat always, and the staff chat's topics where the team uses them."""
    staff = (
        TelegramStaffChannel(bot, services.relay)
        if isinstance(services.relay, TelegramRelay)
        else None
    )
    return Channels(
        client=TelegramClientChannel(bot, services),
        staff=staff,
        others=(services.contacts,) if services.contacts is not None else (),
    )


def channels_of(application: Application[Any, Any, Any, Any, Any, Any]) -> Channels:
    """The channels of the bot's own process, on its application's bot."""
    services = application.bot_data.services
    assert isinstance(services, Services), "build_application sets the services"
    return telegram_channels(application.bot, services)


def make_bot(settings: Settings) -> Bot | None:
    """A Bot API client of its own for a process that is not the bot (None without a token)."""
    if settings.telegram_token is None:
        return None
    return Bot(
        settings.telegram_token.get_secret_value(),
        base_url=settings.telegram_api_url,
        base_file_url=settings.file_url,
    )


def process_channels(
    settings: Settings, *, db: Database, clock: Clock, bot: Bot | None, instance: str = ""
) -> Channels | None:
    """The Telegram channels of another process (the back-office): its own `bot`, the same staff
    chat; None without a bot (answers are stored, not sent)."""
    if bot is None:
        return None
    services = Services(
        settings=settings,
        db=db,
        clock=clock,
        rules=planning_rules(settings),
        shipped_locales=available_locales(),
        instance=instance or f"backoffice:{socket.gethostname()}",
    )
    services.audio = audio_for(settings)  # 🔊 Listen under its notices (docs/audio.md)
    if settings.staff_chat_id is not None:
        services.relay = TelegramRelay(services)  # acts there show in the staff chat's topics
    if settings.open_klant_enabled:
        services.contacts = ContactQueue(db, clock)  # answers there become contact moments too
    return telegram_channels(bot, services)
