"""Structured logs: JSON lines in production, readable key=value lines on a terminal.

Log records carry ids (chat_id, client_id, update_id, question_id, reminder_id), never names or
message texts; the `extra` fields of a record are printed as they are.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}
# The ids of the update (or webhook request) being handled; every log line made meanwhile
# carries them. Set by bot/metrics.py MeteredApplication and the webhook server (bot/serve.py).
_LOG_IDS: ContextVar[dict[str, object] | None] = ContextVar("inburgerbot_log_ids", default=None)


@contextmanager
def log_ids(**ids: object) -> Iterator[None]:
    """Add ids (update_id, chat_id, request_id) to the log lines made inside this block."""
    current = _LOG_IDS.get() or {}
    token = _LOG_IDS.set({**current, **{k: v for k, v in ids.items() if v is not None}})
    try:
        yield
    finally:
        _LOG_IDS.reset(token)


class LogIds(logging.Filter):
    """Copies the ids of the update being handled onto each record (explicit extras win)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in (_LOG_IDS.get() or {}).items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {
        k: v for k, v in record.__dict__.items() if k not in _STANDARD and not k.startswith("_")
    }


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **_extras(record),
        }
        if record.exc_info:
            payload["traceback"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str, ensure_ascii=False)


class ConsoleFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        stamp = datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
        extras = " ".join(f"{k}={v}" for k, v in _extras(record).items())
        line = f"{stamp} {record.levelname:<7} {record.name}: {record.getMessage()}"
        if extras:
            line += f"  {extras}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


# The least level of libraries that log what they send and store when asked for more (Bot API
# parameters with names and texts; SQLAlchemy echoes SQL with its values from INFO on).
THIRD_PARTY = {
    "telegram": logging.INFO,
    "alembic": logging.WARNING,  # every /readyz reads the revision
    "sqlalchemy": logging.WARNING,
    "aiosqlite": logging.WARNING,
    "asyncpg": logging.WARNING,
    "aiohttp": logging.WARNING,
    "httpcore": logging.WARNING,
}


def setup_logging(level: str = "INFO", fmt: str = "auto") -> None:
    """Configure the root logger once: JSON when not on a terminal (or when asked)."""
    use_json = fmt == "json" or (fmt == "auto" and not sys.stderr.isatty())
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if use_json else ConsoleFormatter())
    handler.addFilter(LogIds())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL, and the URL carries the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    for library, least in THIRD_PARTY.items():
        logging.getLogger(library).setLevel(max(root.level, least))
