"""Configuration from INBURGERBOT_* environment variables and a .env file."""

from __future__ import annotations

import re
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from casework.planning import PlanningRules
from casework.timewindows import OfficeHours, QuietHours, ReminderOffset, parse_offsets

DEFAULT_TELEGRAM_API_URL = "https://api.telegram.org/bot"


JOB_SESSIONS = 4  # the periodic jobs' sessions beside the updates' (reminders, relay, ...)


def normalise_database_url(url: str) -> str:
    """Give plain sqlite:// and postgresql:// URLs their async driver."""
    if url.startswith("sqlite://"):
        return "sqlite+aiosqlite://" + url.removeprefix("sqlite://")
    for prefix in ("postgresql://", "postgres://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url.removeprefix(prefix)
    return url


class Settings(BaseSettings):
    """Everything an operator can set; built once in the entry point and passed down."""

    model_config = SettingsConfigDict(
        env_prefix="INBURGERBOT_", env_file=".env", extra="ignore", frozen=True
    )

    telegram_token: SecretStr | None = None
    bot_username: str = "inburgerbot"
    telegram_api_url: str = DEFAULT_TELEGRAM_API_URL
    telegram_file_url: str | None = None
    database_url: str = "sqlite+aiosqlite:///./inburgerbot.sqlite3"
    staff_chat_id: int | None = None
    default_locale: str = "nl"
    timezone: str = "Europe/Amsterdam"
    dispatch_interval_seconds: float = Field(default=10.0, gt=0, le=3600)
    dispatch_batch_size: int = Field(default=50, gt=0, le=1000)
    reminder_lease_seconds: float = Field(default=120.0, gt=0)
    appointment_reminder_offsets: Annotated[str, NoDecode] = "1d@18:00,2h"
    quiet_hours: str = "21:00-08:00"
    office_hours: str = "mon-fri 09:00-17:00"
    answer_deadline_hours: float = Field(default=8.0, gt=0)
    retention_days: int = Field(default=365, ge=1)
    invite_valid_days: int = Field(default=14, ge=1, le=90)
    log_level: str = "INFO"
    log_format: str = "auto"
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_path: str = "/telegram"
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    health_port: int | None = Field(default=None, ge=1, le=65535)
    # Production (docs/deploying.md): health and metrics, the webhook server, the database pool.
    health_listen: str = "127.0.0.1"
    metrics_enabled: bool = True
    # /metrics on the public webhook port answers only with `Authorization: Bearer <token>`.
    metrics_token: SecretStr | None = None
    webhook_max_connections: int = Field(default=40, ge=1, le=100)
    webhook_answer_seconds: float = Field(default=20.0, gt=0, le=55)
    # Connections kept open per process; unset: the updates handled at once plus JOB_SESSIONS
    # (`pool_size`). A session beyond the pool's size opens a connection and closes it after.
    db_pool_size: int | None = Field(default=None, ge=1, le=100)
    db_max_overflow: int = Field(default=5, ge=0, le=100)
    db_pool_timeout: float = Field(default=30.0, gt=0, le=600)
    db_pool_recycle: int = Field(default=1800, ge=-1)
    # Updates handled at once (different chats; each chat in order): bot/ordering.py.
    update_concurrency: int = Field(default=16, ge=1, le=1024)
    # 🔊 Listen (docs/audio.md): the recordings' folder, the computer voice and its time-out.
    audio_dir: Path = Path("audio")
    computer_voice: bool = True
    audio_timeout_seconds: float = Field(default=20.0, gt=0, le=120)
    team_phone: str = ""
    team_email: str = ""
    # The caseworkers' web back-office (backoffice/).
    backoffice_host: str = "127.0.0.1"
    backoffice_port: int = Field(default=8090, ge=1, le=65535)
    # No longer used (sessions live in the database); kept so that existing .env files load.
    backoffice_secret_key: SecretStr | None = None
    backoffice_public_url: str | None = None
    session_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    oidc_scopes: str = "openid email profile"
    oidc_login_claim: str = "email"
    # The municipal portal's API (docs/portal.md): calls per key per minute, and how far a
    # signed request's timestamp may be from the back-office's clock.
    portal_requests_per_minute: int = Field(default=60, ge=1, le=10_000)
    portal_replay_window_seconds: int = Field(default=300, ge=30, le=900)
    # Machine translation of free text (docs/translation.md): none, a LibreTranslate server the
    # municipality runs, or CTranslate2 model folders on this machine. No other host is asked.
    translation: Literal["none", "libretranslate", "ctranslate2"] = "none"
    libretranslate_url: str | None = None
    libretranslate_api_key: SecretStr | None = None
    ctranslate2_models: Path | None = None
    ctranslate2_threads: int = Field(default=2, ge=1, le=64)
    translation_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    translation_interval_seconds: float = Field(default=15.0, gt=0, le=3600)
    # Common Ground (docs/common-ground.md): Open Klant's klantinteracties API (its root, up to
    # and including /api/v1) and its token. Without both, no contact moments are kept.
    open_klant_url: str | None = None
    open_klant_token: SecretStr | None = None
    # The actor (the team, a UUID in Open Klant) that gets an internetaak for every question;
    # unset: no internetaken (the team answers in Telegram or the back-office only).
    open_klant_actor_uuid: str | None = None
    open_klant_confidential: bool = True
    # The Zaken API (Open Zaak): its root up to and including /api/v1, and the ZGW client id and
    # secret the JWT is signed with. The plan view then shows the client's zaak.
    zaken_api_url: str | None = None
    zaken_client_id: str | None = None
    zaken_secret: SecretStr | None = None
    # The Objects API: its root (up to and including /api/v2), its token, the URL of the "taak"
    # objecttype, and the identification type that names the party's UUID in a taak's data.
    objects_api_url: str | None = None
    objects_token: SecretStr | None = None
    objects_type_url: str | None = None
    objects_identification_type: str = "partij_uuid"
    # The Notificaties API: its root (up to and including /api/v1) and the ZGW client id and
    # secret (`inburgerbot common-ground subscribe` makes the abonnement), and the secret the
    # Notificaties API sends back on every callback to the back-office (/notificaties/callback).
    notificaties_url: str | None = None
    notificaties_client_id: str | None = None
    notificaties_secret: SecretStr | None = None
    notifications_callback_secret: SecretStr | None = None
    # How often every client's tasks are read anew (the fallback for missed notifications).
    objects_poll_minutes: float = Field(default=60.0, gt=0)
    contacts_interval_seconds: float = Field(default=15.0, gt=0, le=3600)
    contacts_alert_minutes: float = Field(default=15.0, gt=0)

    def pool_size(self, concurrent_updates: int | None = None) -> int:
        """The database connections a process keeps open: DB_POOL_SIZE, or by default one per
        update handled at once (`concurrent_updates`, by default UPDATE_CONCURRENCY) and
        JOB_SESSIONS for the periodic jobs, at most 100. With fewer, the sessions beyond the
        pool each open a connection of their own and close it after (docs/performance.md,
        "A pool as large as the updates in hand")."""
        if self.db_pool_size is not None:
            return self.db_pool_size
        return min((concurrent_updates or self.update_concurrency) + JOB_SESSIONS, 100)

    @property
    def open_klant_enabled(self) -> bool:
        return bool(self.open_klant_url and self.open_klant_token)

    @property
    def zaken_enabled(self) -> bool:
        return bool(self.zaken_api_url and self.zaken_client_id and self.zaken_secret)

    @field_validator("open_klant_actor_uuid")
    @classmethod
    def _actor_uuid(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[0-9a-fA-F-]{36}", value):
            raise ValueError("must be a UUID (the actor's uuid in Open Klant)")
        return value

    @field_validator("webhook_secret", "metrics_token", "notifications_callback_secret")
    @classmethod
    def _strong_secret(cls, value: SecretStr | None) -> SecretStr | None:
        """At least 32 characters of Telegram's secret-token alphabet (A-Z, a-z, 0-9, _ -)."""
        if value is not None and not re.fullmatch(
            r"[A-Za-z0-9_-]{32,256}", value.get_secret_value()
        ):
            raise ValueError(
                "needs 32 to 256 letters, digits, _ or - (for example: python -c "
                '"import secrets; print(secrets.token_urlsafe(32))")'
            )
        return value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        return normalise_database_url(value)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    @field_validator("default_locale")
    @classmethod
    def _locale_shape(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z]{2,3}(_[A-Z]{2})?", value):
            raise ValueError("must look like nl, en or fa_AF")
        return value

    @field_validator("appointment_reminder_offsets")
    @classmethod
    def _offsets(cls, value: str) -> str:
        parse_offsets(value)
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _quiet(cls, value: str) -> str:
        QuietHours.parse(value)
        return value

    @field_validator("office_hours")
    @classmethod
    def _office(cls, value: str) -> str:
        OfficeHours.parse(value)
        return value

    @model_validator(mode="before")
    @classmethod
    def _empty_is_unset(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {key: value for key, value in data.items() if value != ""}
        return data

    @model_validator(mode="after")
    def _translation_configured(self) -> Settings:
        if self.translation == "libretranslate" and not self.libretranslate_url:
            raise ValueError("translation=libretranslate needs INBURGERBOT_LIBRETRANSLATE_URL")
        if self.translation == "ctranslate2" and self.ctranslate2_models is None:
            raise ValueError("translation=ctranslate2 needs INBURGERBOT_CTRANSLATE2_MODELS")
        return self

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @cached_property
    def reminder_offsets(self) -> tuple[ReminderOffset, ...]:
        return parse_offsets(self.appointment_reminder_offsets)

    @cached_property
    def default_quiet_hours(self) -> QuietHours:
        return QuietHours.parse(self.quiet_hours)

    @cached_property
    def office(self) -> OfficeHours:
        return OfficeHours.parse(self.office_hours)

    @property
    def answer_deadline(self) -> timedelta:
        return timedelta(hours=self.answer_deadline_hours)

    @property
    def file_url(self) -> str:
        if self.telegram_file_url:
            return self.telegram_file_url
        base = self.telegram_api_url.rstrip("/")
        head, _, tail = base.rpartition("/")
        return f"{head}/file/{tail}"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def planning_rules(settings: Settings) -> PlanningRules:
    """The rules on values (casework/planning.py) as this instance configures them."""
    return PlanningRules(
        zone=settings.zone,
        appointment_offsets=settings.reminder_offsets,
        default_quiet=settings.default_quiet_hours,
    )


__all__ = ["Settings", "normalise_database_url", "planning_rules"]
