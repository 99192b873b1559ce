"""One classifier of Telegram errors (bot/telegram_errors.py), read the same way by the delivery
of answers and notices (bot/channels/client.py), the reminder dispatcher (scheduler/dispatch.py)
and the error handler (bot/handlers/errors.py)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.channels.client import outcome_of
from bot.handlers.errors import on_error
from bot.telegram_errors import error_name, error_text, failure_of, kind_of
from casework.ports import ChannelError, ErrorKind, Outcome
from scheduler.dispatch import MAX_ATTEMPTS, Blocked, Fail, Retry, after_error

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)

# Every kind, with the errors that fall into it.
CASES: list[tuple[TelegramError, ErrorKind]] = [
    (Forbidden("Forbidden: bot was blocked by the user"), ErrorKind.BLOCKED),
    (Forbidden("Forbidden: user is deactivated"), ErrorKind.BLOCKED),
    (RetryAfter(7), ErrorKind.RATE_LIMITED),
    (BadRequest("Chat not found"), ErrorKind.REFUSED),
    (ChatMigrated(-1001234), ErrorKind.REFUSED),
    (TimedOut(), ErrorKind.TRANSIENT),
    (NetworkError("Bad Gateway"), ErrorKind.TRANSIENT),
    (InvalidToken(), ErrorKind.UNEXPECTED),
    (Conflict("terminated by other getUpdates request"), ErrorKind.UNEXPECTED),
]


@pytest.mark.parametrize(("error", "kind"), CASES, ids=[type(e).__name__ for e, _ in CASES])
def test_every_telegram_error_has_one_kind(error: TelegramError, kind: ErrorKind) -> None:
    assert kind_of(error) == kind
    failure = failure_of(error)
    assert isinstance(failure, ChannelError)
    assert failure.kind == kind
    assert failure.error == error_text(error)


def test_every_kind_is_reached_by_some_error() -> None:
    assert {kind for _, kind in CASES} == set(ErrorKind)


def test_a_rate_limit_carries_its_wait_and_only_it_does() -> None:
    assert failure_of(RetryAfter(7)).retry_after == timedelta(seconds=7)
    assert failure_of(RetryAfter(timedelta(minutes=2))).retry_after == timedelta(minutes=2)
    assert failure_of(TimedOut()).retry_after is None


def test_what_is_kept_of_an_error_is_its_class_and_telegrams_words() -> None:
    assert error_text(BadRequest("Chat not found")) == "BadRequest: Chat not found"
    assert error_text(ValueError("a user's words")) == "ValueError"
    assert error_name(Forbidden("Forbidden: bot was blocked by the user")) == "Forbidden"
    assert len(error_text(BadRequest("x" * 2000))) == 500


def test_a_delivery_reads_the_kinds() -> None:
    expected = {
        ErrorKind.BLOCKED: Outcome.BLOCKED,
        ErrorKind.REFUSED: Outcome.FAILED,
        ErrorKind.RATE_LIMITED: Outcome.RETRY,
        ErrorKind.TRANSIENT: Outcome.RETRY,
        ErrorKind.UNEXPECTED: Outcome.RETRY,
    }
    for error, kind in CASES:
        assert outcome_of(error) == expected[kind], error


def test_the_dispatcher_reads_the_kinds() -> None:
    for error, kind in CASES:
        outcome = after_error(failure_of(error), attempts=1, now=NOW)
        if kind == ErrorKind.BLOCKED:
            assert isinstance(outcome, Blocked) and outcome.attempts == 2
        elif kind == ErrorKind.REFUSED:
            assert isinstance(outcome, Fail) and outcome.attempts == 2
        elif kind == ErrorKind.RATE_LIMITED:  # waits as told, not counted as an attempt
            assert outcome == Retry(NOW + timedelta(seconds=7), 1, error_text(error))
        else:  # transient or unexpected: backs off and counts
            assert outcome == Retry(NOW + timedelta(seconds=60), 2, error_text(error))
    # an error no channel sorted (a bug of ours) backs off like a transient one, then gives up
    assert after_error(ValueError("x"), attempts=0, now=NOW) == Retry(
        NOW + timedelta(seconds=30), 1, "ValueError"
    )
    assert after_error(ValueError("x"), attempts=MAX_ATTEMPTS - 1, now=NOW) == Fail(
        MAX_ATTEMPTS, "ValueError"
    )


@pytest.mark.parametrize(("error", "kind"), CASES, ids=[type(e).__name__ for e, _ in CASES])
async def test_the_error_handler_reads_the_kinds(
    error: TelegramError, kind: ErrorKind, caplog: pytest.LogCaptureFixture
) -> None:
    """Blocked: noted (and the client blocked when the update names one); rate limited or
    transient: a warning; refused or unexpected: an error with its traceback."""
    caplog.set_level(logging.INFO, logger="bot.handlers.errors")
    await on_error(None, SimpleNamespace(error=error))  # type: ignore[arg-type]
    levels = {r.levelno for r in caplog.records if r.name == "bot.handlers.errors"}
    if kind == ErrorKind.BLOCKED:
        assert levels == {logging.INFO}
    elif kind in (ErrorKind.RATE_LIMITED, ErrorKind.TRANSIENT):
        assert levels == {logging.WARNING}
    else:
        assert levels == {logging.ERROR}
