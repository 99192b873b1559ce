"""Telegram errors, each handled in its own way: 429 waits, 403 blocks, time-outs and 5xx are
retried with backoff and then given up, and a crash gets a kind apology and an id-only log."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlmodel import select
from telegram.error import TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData

from bot.app import build_application
from bot.request import RetryingRequest, RetryPolicy, retrying
from casework import questions as question_service
from casework.clock import FixedClock
from casework.planning import replan_appointment
from casework.settings import planning_rules
from fakebot import FakeTelegram, SimUser
from storage.db import Database
from storage.enums import ClientStatus, ReminderStatus
from storage.models import Client, Message, Reminder
from tests import factories
from tests.e2e.conftest import TOKEN, Harness, harness_settings
from tests.e2e.eventually import all_handled

APOLOGY = "Sorry, something went wrong on our side."
SECRET = "My secret question about the rent"


class Sleeps:
    """An injectable sleep that records the backoff instead of waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


@asynccontextmanager
async def running(
    db: Database, database_url: str, *, rate_limit: bool = False, request: Any = None
) -> AsyncIterator[Harness]:
    """Like the `harness` fixture, with the rate limiter or a request of the test's choice."""
    fake = FakeTelegram(token=TOKEN)
    await fake.start()
    settings = harness_settings(fake, database_url)
    clock = FixedClock(factories.NOW)
    app = build_application(settings, db=db, clock=clock, rate_limit=rate_limit, request=request)
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    try:
        yield Harness(fake, app, db, clock, settings)
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        await fake.stop()


async def linked_client(harness: Harness, user_id: int = 7501) -> tuple[Client, SimUser]:
    """A linked client with an appointment whose reminders are planned."""
    async with harness.db.transaction() as session:
        client = await factories.client(session, first_name="Amina", locale="en")
        meeting = await factories.appointment(session, client=client)
        await replan_appointment(
            session,
            appointment=meeting,
            client=client,
            rules=planning_rules(harness.settings),
            now=harness.clock.now(),
        )
    user = await harness.linked_user(client, user_id=user_id, language_code="en")
    return client, user


async def settle(harness: Harness) -> None:
    """Wait until every earlier update was handled, in every chat.

    An update that only writes to the database makes no Bot API call for drain() to wait for.
    """
    await all_handled(harness.app, harness.fake)


def to_chat(user: SimUser) -> Any:
    return lambda params: params.get("chat_id") == user.chat_id


def error_records(caplog: pytest.LogCaptureFixture, logger: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == logger and r.levelno >= logging.ERROR]


OURS = ("bot", "texts", "scheduler", "storage", "backoffice")


def everything_logged(caplog: pytest.LogCaptureFixture) -> str:
    """What the log keeps at INFO and above, and everything our own modules log at any level,
    as it would be written: message, extra fields and traceback.

    (At DEBUG, python-telegram-bot itself logs whole updates; production runs at INFO.)
    """
    formatter = logging.Formatter()
    kept = [
        record
        for record in caplog.records
        if record.levelno >= logging.INFO or record.name.split(".")[0] in OURS
    ]
    return "\n".join(
        formatter.format(record) + " " + repr(sorted(map(str, record.__dict__.values())))
        for record in kept
    )


async def reminder_states(harness: Harness, client: Client) -> set[tuple[str, str | None]]:
    async with harness.db.reading() as session:
        rows = (await session.exec(select(Reminder).where(Reminder.client_id == client.id))).all()
    return {(row.status, row.reason) for row in rows}


# -- 429: the rate limiter waits retry_after -------------------------------------------------------


async def test_retry_after_in_a_reply_waits_and_then_sends(db: Database, database_url: str) -> None:
    async with running(db, database_url, rate_limit=True) as harness:
        _, user = await linked_client(harness)
        harness.fake.inject("sendMessage", status=429, retry_after=1, match=to_chat(user))
        await user.send_command("/help")
        reply = await user.next_message(timeout=10)
        assert "Help" in (reply.text or "")
        [refused] = harness.fake.calls_for("sendMessage", ok=False)
        assert refused.status == 429
        sent = harness.fake.last_call("sendMessage")
        assert sent is not None and sent.ok
        assert refused.finished_monotonic is not None
        assert sent.monotonic - refused.finished_monotonic >= 0.9  # it waited retry_after


# -- 403: the client blocked the bot ---------------------------------------------------------------


async def test_forbidden_marks_the_client_blocked_until_they_write_again(harness: Harness) -> None:
    client, user = await linked_client(harness)
    assert await reminder_states(harness, client) == {(ReminderStatus.PENDING, None)}
    harness.fake.inject("sendMessage", status=403, match=to_chat(user))
    await user.send_command("/help")
    await settle(harness)
    assert (await harness.reload(client)).status == ClientStatus.BLOCKED_BOT
    assert await reminder_states(harness, client) == {(ReminderStatus.CANCELLED, "blocked_bot")}
    assert len(harness.fake.calls_for("sendMessage", ok=False)) == 1  # no apology into a wall
    await user.send_command("/help")
    assert "Help" in ((await user.next_message()).text or "")
    assert (await harness.reload(client)).status == ClientStatus.ACTIVE
    assert await reminder_states(harness, client) == {(ReminderStatus.PENDING, None)}


async def test_blocking_and_unblocking_the_bot_pauses_the_reminders(harness: Harness) -> None:
    client, user = await linked_client(harness)
    await user.block_bot()
    await settle(harness)
    assert (await harness.reload(client)).status == ClientStatus.BLOCKED_BOT
    assert await reminder_states(harness, client) == {(ReminderStatus.CANCELLED, "blocked_bot")}
    await user.unblock_bot()
    await settle(harness)
    assert (await harness.reload(client)).status == ClientStatus.ACTIVE
    assert await reminder_states(harness, client) == {(ReminderStatus.PENDING, None)}


# -- time-outs and 5xx: retried with backoff, then given up ----------------------------------------


async def test_a_time_out_is_retried(db: Database, database_url: str) -> None:
    sleeps = Sleeps()
    request = RetryingRequest(HTTPXRequest(read_timeout=1.0), sleep=sleeps)
    async with running(db, database_url, request=request) as harness:
        _, user = await linked_client(harness)
        harness.fake.inject("sendMessage", latency=1.5, match=to_chat(user))
        await user.send_command("/help")
        assert "Help" in ((await user.next_message(timeout=10)).text or "")
        assert sleeps.delays == [0.5]


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors_are_retried_with_exponential_backoff(
    db: Database, database_url: str, status: int
) -> None:
    sleeps = Sleeps()
    async with running(db, database_url, request=RetryingRequest(sleep=sleeps)) as harness:
        _, user = await linked_client(harness)
        harness.fake.inject("sendMessage", status=status, times=2, match=to_chat(user))
        await user.send_command("/help")
        assert "Help" in ((await user.next_message()).text or "")
        assert sleeps.delays == [0.5, 1.0]
        assert len(harness.fake.calls_for("sendMessage", ok=False)) == 2


async def test_a_dropped_connection_is_retried(db: Database, database_url: str) -> None:
    sleeps = Sleeps()
    async with running(db, database_url, request=RetryingRequest(sleep=sleeps)) as harness:
        _, user = await linked_client(harness)
        harness.fake.inject("sendMessage", drop_connection=True, match=to_chat(user))
        await user.send_command("/help")
        assert "Help" in ((await user.next_message()).text or "")
        assert sleeps.delays == [0.5]


async def test_after_three_retries_the_bot_gives_up_with_an_id_only_log(
    db: Database, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    sleeps = Sleeps()
    async with running(db, database_url, request=RetryingRequest(sleep=sleeps)) as harness:
        client, user = await linked_client(harness)
        harness.fake.inject("sendMessage", status=500, times=None, match=to_chat(user))
        await user.send_text(SECRET)
        await settle(harness)
        assert sleeps.delays == [0.5, 1.0, 2.0]
        assert len(harness.fake.calls_for("sendMessage", ok=False)) == 4
        [gave_up] = error_records(caplog, "bot.request")
        assert gave_up.__dict__["method"] == "sendMessage"
        assert gave_up.__dict__["chat_id"] == user.chat_id
        assert not error_records(caplog, "bot.handlers.errors")  # unavailable, not a bug
        assert SECRET not in everything_logged(caplog)
        async with harness.db.reading() as session:  # the question itself was kept
            assert [m.text for m in (await session.exec(select(Message))).all()] == [SECRET]
        harness.fake.clear_faults()
        await user.send_command("/help")
        assert "Help" in ((await user.next_message()).text or "")
        assert (await harness.reload(client)).status == ClientStatus.ACTIVE


async def test_a_bad_request_is_not_retried_and_gets_the_apology(
    db: Database, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    sleeps = Sleeps()
    async with running(db, database_url, request=RetryingRequest(sleep=sleeps)) as harness:
        _, user = await linked_client(harness)
        harness.fake.inject(
            "sendMessage",
            status=400,
            description="Bad Request: chat not found",
            match=to_chat(user),
        )
        await user.send_command("/help")
        assert APOLOGY in ((await user.next_message()).text or "")
        assert sleeps.delays == []
        assert len(error_records(caplog, "bot.handlers.errors")) == 1


# -- a crash: the apology, and a log with ids and a traceback only --------------------------------


async def test_a_crash_gets_the_apology_and_the_log_has_no_text_or_name(
    harness: Harness, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.DEBUG)
    client, user = await linked_client(harness)

    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the store is broken")

    monkeypatch.setattr(question_service, "ask", broken)
    await user.send_text(SECRET)
    assert APOLOGY in ((await user.next_message()).text or "")
    [record] = error_records(caplog, "bot.handlers.errors")
    assert record.exc_info is not None and record.exc_info[0] is RuntimeError
    assert record.__dict__["chat_id"] == user.chat_id
    assert isinstance(record.__dict__["update_id"], int)
    logged = everything_logged(caplog)
    assert "Traceback" in logged
    for private in (SECRET, "secret question", client.first_name, client.ref):
        assert private not in logged


# -- the retrying request on its own ---------------------------------------------------------------


class Scripted(BaseRequest):
    """A request that answers from a script: (status, payload) pairs or exceptions."""

    def __init__(self, *script: tuple[int, bytes] | Exception) -> None:
        self.script = list(script)
        self.calls = 0

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(self, *_args: Any, **_kwargs: Any) -> tuple[int, bytes]:
        self.calls += 1
        step = self.script.pop(0)
        if isinstance(step, Exception):
            raise step
        return step


OK = (200, b'{"ok": true, "result": true}')
DOWN = (502, b'{"ok": false, "error_code": 502, "description": "Bad Gateway"}')
REFUSED = (403, b'{"ok": false, "error_code": 403, "description": "Forbidden: blocked"}')
DATA = RequestData()


async def test_outside_an_update_nothing_is_retried() -> None:
    """The reminder outbox has its own backoff, so a job's call fails at once."""
    sleeps = Sleeps()
    inner = Scripted(DOWN, OK)
    request = RetryingRequest(inner, sleep=sleeps)
    assert await request.do_request("https://x/bot1/sendMessage", "POST", DATA) == DOWN
    assert inner.calls == 1 and sleeps.delays == []


async def test_inside_an_update_time_outs_and_5xx_are_retried() -> None:
    sleeps = Sleeps()
    inner = Scripted(TimedOut(), DOWN, OK)
    request = RetryingRequest(inner, sleep=sleeps)
    with retrying():
        assert await request.do_request("https://x/bot1/sendMessage", "POST", DATA) == OK
    assert inner.calls == 3 and sleeps.delays == [0.5, 1.0]


async def test_4xx_answers_are_final() -> None:
    inner = Scripted(REFUSED, OK)
    request = RetryingRequest(inner, sleep=Sleeps())
    with retrying():
        assert await request.do_request("https://x/bot1/sendMessage", "POST", DATA) == REFUSED
    assert inner.calls == 1


async def test_the_last_time_out_is_raised_after_the_retries() -> None:
    sleeps = Sleeps()
    inner = Scripted(TimedOut(), TimedOut(), TimedOut(), TimedOut())
    request = RetryingRequest(inner, sleep=sleeps)
    with retrying(), pytest.raises(TimedOut):
        await request.do_request("https://x/bot1/sendMessage", "POST", DATA)
    assert sleeps.delays == [0.5, 1.0, 2.0]


async def test_the_policy_is_injectable() -> None:
    assert RetryPolicy.exponential(retries=4, first=0.25).delays == (0.25, 0.5, 1.0, 2.0)
    inner = Scripted(DOWN, DOWN)
    request = RetryingRequest(inner, policy=RetryPolicy((0.1,)), sleep=Sleeps())
    with retrying():
        assert await request.do_request("https://x/bot1/getMe", "POST") == DOWN
    with retrying(False):
        assert request.read_timeout == 5.0
