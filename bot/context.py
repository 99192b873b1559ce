"""The typed context every handler receives: settings, database, clock, translator, user."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.metrics import Metrics
from casework.clock import Clock, SystemClock
from casework.planning import PlanningRules
from texts.fmt import Formatter, formatter
from texts.i18n import Translator, translator
from texts.readers import Readers

if TYPE_CHECKING:
    from bot.audio import Audio
    from bot.channels.staff import Relay
    from bot.services.translating import Translating
    from casework.ports import CaseSystem, Channel
    from casework.settings import Settings
    from storage.db import Database
    from storage.models import Client, Staff


@dataclass
class Services:
    """What the composition root assembles once and every handler uses."""

    settings: Settings
    db: Database
    clock: Clock = field(default_factory=SystemClock)
    rules: PlanningRules = field(default_factory=PlanningRules)
    shipped_locales: tuple[str, ...] = ("nl",)
    instance: str = "bot"
    relay: Relay | None = None  # the Telegram staff chat, when a team uses one
    metrics: Metrics = field(default_factory=Metrics)  # this process's own registry
    translating: Translating | None = None  # machine translation, where it is switched on
    audio: Audio | None = None  # 🔊 Listen: recordings and the computer voice (bot/audio.py)
    # Common Ground: the queue of contact moments (a channel that hears every question and
    # answer) and the case system that the scheduler's job sends them to (docs/common-ground.md).
    contacts: Channel | None = None
    case_system: CaseSystem | None = None

    @property
    def readers(self) -> Readers:
        """How a text reads for a client or the team (languages, default, time zone)."""
        return Readers(self.settings.default_locale, self.shipped_locales, self.settings.zone)


class BotData:
    """`context.bot_data`: holds the services (PTB builds it without arguments)."""

    services: Services | None = None


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    """Per-update context; the gate handler (group -1) fills in the user and their locale."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        self.client: Client | None = None
        self.staff: Staff | None = None
        self.locale: str = "nl"

    @property
    def services(self) -> Services:
        services = self.bot_data.services
        if services is None:
            raise RuntimeError("build_application did not set the services")
        return services

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def db(self) -> Database:
        return self.services.db

    @property
    def clock(self) -> Clock:
        return self.services.clock

    @property
    def rules(self) -> PlanningRules:
        return self.services.rules

    @property
    def t(self) -> Translator:
        return translator(self.locale)  # cached per locale (texts/i18n.py)

    @property
    def fmt(self) -> Formatter:
        return formatter(self.locale, self.settings.zone)  # built once per locale

    def use_locale(self, locale: str) -> None:
        self.locale = locale
