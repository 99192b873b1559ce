"""The parts without a server: metric labels, the counting request, pool settings, log ids."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, text
from telegram import CallbackQuery, Chat, Message, Update, User
from telegram.error import BadRequest, NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.app import build_application
from bot.logs import LogIds, log_ids
from bot.metrics import CountingRequest, MeteredApplication, Metrics, method_of, update_kind
from casework.settings import Settings
from storage.db import make_engine
from tests.production.support import TOKEN, metric, parse_metrics

PG_URL = "postgresql+asyncpg://bot@127.0.0.1:1/nothing"  # never connected to


def message_update(update_id: int = 1) -> Update:
    user = User(5, "Amina", False)
    chat = Chat(5, Chat.PRIVATE)
    return Update(update_id, message=Message(1, datetime.now(UTC), chat, from_user=user, text="x"))


def test_update_kinds_are_the_names_of_update_fields() -> None:
    user = User(5, "Amina", False)
    query = CallbackQuery("q1", user, "instance", data="appt:v1:confirm:4")
    assert update_kind(message_update()) == "message"
    assert update_kind(Update(2, callback_query=query)) == "callback_query"
    assert update_kind(Update(3)) == "other"
    assert update_kind("not an update") == "other"


@pytest.mark.parametrize(
    ("url", "method"),
    [
        ("https://api.telegram.org/bot123:ABC/sendMessage", "sendMessage"),
        ("http://127.0.0.1:8081/bot123:ABC/getMe/", "getMe"),
        ("https://api.telegram.org/file/bot123:ABC/photos/file_12.jpg", "file"),
        ("https://api.telegram.org/file/bot123:ABC/documents/Amina_brief.pdf", "file"),
    ],
)
def test_the_method_label_is_a_bot_api_method_or_file(url: str, method: str) -> None:
    assert method_of(url) == method


class Scripted(BaseRequest):
    """A request that answers from a list: (status, body) pairs or exceptions."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


async def test_failed_bot_api_calls_are_counted_by_code() -> None:
    metrics = Metrics()
    request = CountingRequest(
        Scripted(
            (200, b'{"ok": true, "result": true}'),
            (400, b'{"ok": false, "error_code": 400, "description": "Bad Request: x"}'),
            (429, b'{"ok": false, "error_code": 429, "parameters": {"retry_after": 3}}'),
            TimedOut(),
            NetworkError("connection reset"),
        ),
        metrics,
    )
    url = "https://api.telegram.org/bot123:ABC/sendMessage"
    assert (await request.do_request(url, "POST"))[0] == 200
    assert (await request.do_request(url, "POST"))[0] == 400
    assert (await request.do_request(url, "POST"))[0] == 429
    with pytest.raises(TimedOut):
        await request.do_request(url, "POST")
    with pytest.raises(NetworkError):
        await request.do_request(url, "POST")
    samples = parse_metrics(metrics.render().decode())
    for code in ("400", "429", "timeout", "network"):
        assert metric(samples, "inburgerbot_telegram_errors_total", code=code, method="sendMessage")
    assert not metric(
        samples, "inburgerbot_telegram_errors_total", code="200", method="sendMessage"
    )
    assert request.read_timeout == 5.0


async def test_a_bad_request_through_the_bot_is_counted_once() -> None:
    settings = Settings(_env_file=None, telegram_token=TOKEN, database_url="sqlite+aiosqlite://")  # type: ignore[call-arg]
    inner = Scripted((400, b'{"ok": false, "error_code": 400, "description": "Bad Request: x"}'))
    app = build_application(settings, rate_limit=False, request=inner)
    assert isinstance(app, MeteredApplication)
    with pytest.raises(BadRequest):
        await app.bot.send_message(5, "hallo")
    samples = parse_metrics(app.bot_data.services.metrics.render().decode())
    assert metric(samples, "inburgerbot_telegram_errors_total", code="400", method="sendMessage")
    await app.bot_data.services.db.dispose()


def test_every_application_has_its_own_registry() -> None:
    first, second = Metrics(), Metrics()
    first.observe_update("message", 0.1)
    samples = parse_metrics(second.render().decode())
    assert not metric(samples, "inburgerbot_updates_total", kind="message")


def test_the_postgresql_pool_follows_the_settings() -> None:
    engine = make_engine(PG_URL, pool_size=3, max_overflow=2, pool_timeout=7.0, pool_recycle=60)
    pool: Any = engine.pool
    assert (pool.size(), pool._max_overflow, pool._timeout, pool._recycle) == (3, 2, 7.0, 60)
    # Not SQLAlchemy's ping of every checkout: a connection idle for a while is pinged
    # (storage/db.py ping_when_idle; tests/storage/test_ping_when_idle.py).
    assert not pool._pre_ping
    assert len(pool.dispatch.checkout) == 1 and len(pool.dispatch.checkin) == 1


def test_build_application_passes_the_pool_settings_on() -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        telegram_token=TOKEN,
        database_url="postgresql://bot@127.0.0.1:1/nothing",
        db_pool_size=4,
        db_max_overflow=1,
        db_pool_timeout=9,
        db_pool_recycle=120,
    )
    app = build_application(settings, rate_limit=False)
    pool: Any = app.bot_data.services.db.engine.pool
    assert (pool.size(), pool._max_overflow, pool._timeout, pool._recycle) == (4, 1, 9.0, 120)


@pytest.fixture
def pool_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings without the pool's and the concurrency's variables of this environment."""
    for name in ("DB_POOL_SIZE", "DB_MAX_OVERFLOW", "UPDATE_CONCURRENCY"):
        monkeypatch.delenv(f"INBURGERBOT_{name}", raising=False)


@pytest.mark.usefixtures("pool_defaults")
@pytest.mark.parametrize("concurrent_updates", [None, 6])
def test_the_pool_holds_a_connection_per_update_in_hand_by_default(
    concurrent_updates: int | None, tmp_path: Any
) -> None:
    """Unset, DB_POOL_SIZE is the updates handled at once plus four for the jobs, on
    PostgreSQL and on a SQLite file alike (SQLAlchemy's own SQLite default was 5)."""
    expected = (concurrent_updates or 16) + 4
    for url in ("postgresql://bot@127.0.0.1:1/nothing", f"sqlite:///{tmp_path / 'bot.db'}"):
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None, telegram_token=TOKEN, database_url=url
        )
        assert settings.pool_size(concurrent_updates) == expected
        app = build_application(settings, rate_limit=False, concurrent_updates=concurrent_updates)
        pool: Any = app.bot_data.services.db.engine.pool
        assert (pool.size(), pool._max_overflow) == (expected, 5), url
        assert pool._pool.use_lifo, url  # the connection used last first (storage/db.py)
    big = Settings(_env_file=None, update_concurrency=500)  # type: ignore[call-arg]
    assert big.pool_size() == 100  # at most DB_POOL_SIZE's own limit
    assert Settings(_env_file=None, db_pool_size=3).pool_size(40) == 3  # type: ignore[call-arg]


@pytest.mark.usefixtures("pool_defaults")
async def test_updates_in_hand_reuse_the_pools_connections(tmp_path: Any) -> None:
    """Sixteen sessions at once (the default UPDATE_CONCURRENCY) open no connection once the
    pool is warm: with a pool of five, eleven of them opened and closed one every time."""
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, telegram_token=TOKEN, database_url=f"sqlite:///{tmp_path / 'bot.db'}"
    )
    db = build_application(settings, rate_limit=False).bot_data.services.db
    opened: list[object] = []
    event.listen(db.engine.sync_engine, "connect", lambda *_: opened.append(1))

    async def one_update() -> None:
        async with db.reading() as session:
            await (await session.connection()).execute(text("SELECT 1"))
            await asyncio.sleep(0.01)  # all sixteen hold their connection at once

    try:
        await asyncio.gather(*(one_update() for _ in range(16)))
        warm = len(opened)
        for _ in range(3):
            await asyncio.gather(*(one_update() for _ in range(16)))
        assert len(opened) - warm == 0, "sessions opened (and closed) connections of their own"
        assert warm == 16
        # One at a time, the connection used last comes back each time (most recent first):
        # in a quiet hour the others stay unused instead of each idling into a ping.
        used = []
        for _ in range(6):
            async with db.reading() as session:
                raw = await (await session.connection()).get_raw_connection()
                used.append(id(raw.dbapi_connection))
        assert len(set(used)) == 1, used
    finally:
        await db.dispose()


def test_pool_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="db_pool_size"):
        Settings(_env_file=None, db_pool_size=0)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="webhook_answer_seconds"):
        Settings(_env_file=None, webhook_answer_seconds=90)  # type: ignore[call-arg]


def test_log_ids_are_added_inside_the_block_only_and_explicit_ones_win() -> None:
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    logger = logging.getLogger("tests.production.ids")
    handler = Keep()
    handler.addFilter(LogIds())
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        with log_ids(request_id="r1"), log_ids(update_id=7, chat_id=None):
            logger.info("inside")
            logger.info("explicit", extra={"update_id": 8})
        logger.info("outside")
    finally:
        logger.removeHandler(handler)
    inside, explicit, outside = records
    assert (inside.request_id, inside.update_id) == ("r1", 7)  # type: ignore[attr-defined]
    assert not hasattr(inside, "chat_id")  # None is left out
    assert explicit.update_id == 8  # type: ignore[attr-defined]
    assert not hasattr(outside, "update_id") and not hasattr(outside, "request_id")
