"""The one classifier of Telegram errors: what an error means, whichever place saw it.

The reminder dispatcher, the delivery of answers and notices, and the error handler all ask
`kind_of`; the channels turn an error into a `casework.ports.ChannelError` with `failure_of`, so
the scheduler and the back-office read the same kinds without knowing Telegram.
"""

from __future__ import annotations

from datetime import timedelta

from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from casework.ports import ChannelError, ErrorKind


def kind_of(error: TelegramError) -> ErrorKind:
    """403 blocked, 429 rate limited, 400 (and a migrated chat) refused, 5xx, time-outs and
    dropped connections transient, anything else unexpected. BadRequest is a NetworkError in
    PTB, so it is sorted before the transient ones."""
    if isinstance(error, Forbidden):
        return ErrorKind.BLOCKED
    if isinstance(error, RetryAfter):
        return ErrorKind.RATE_LIMITED
    if isinstance(error, BadRequest | ChatMigrated):
        return ErrorKind.REFUSED
    if isinstance(error, NetworkError):  # TimedOut is one
        return ErrorKind.TRANSIENT
    return ErrorKind.UNEXPECTED


def retry_after_of(error: RetryAfter) -> timedelta:
    value = getattr(error, "_retry_after", None)
    if isinstance(value, timedelta):
        return value
    return timedelta(seconds=float(value or 1))


def error_name(error: BaseException) -> str:
    """Stored and logged instead of the description, which may quote user data."""
    return type(error).__name__


def error_text(error: BaseException) -> str:
    """The error class and Telegram's description (never the message we tried to send)."""
    detail = error.message if isinstance(error, TelegramError) else ""
    return f"{type(error).__name__}: {detail}".rstrip(": ")[:500]


def failure_of(error: TelegramError) -> ChannelError:
    """The error as the channel port reports it."""
    retry_after = retry_after_of(error) if isinstance(error, RetryAfter) else None
    return ChannelError(kind_of(error), error_text(error), retry_after)
