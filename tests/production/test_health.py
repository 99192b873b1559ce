"""The webhook server in-process: the secret, bad bodies, slow updates, stopping, /healthz,
/readyz, /metrics and log ids; and polling mode with its side port."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import text

from bot.app import build_application
from bot.health import Readiness
from bot.logs import THIRD_PARTY, setup_logging
from bot.serve import serve_polling
from fakebot import FakeTelegram
from storage import migrate
from storage.db import Database
from storage.enums import QuestionStatus, ReminderKind, ReminderStatus
from storage.ids import pk
from storage.models import Question, Reminder
from tests import factories
from tests.production.conftest import Served, backend_in_use, bot_settings, serving
from tests.production.support import TOKEN, free_port, fresh_database, metric, parse_metrics


async def make_client(served: Served, first_name: str = "Yonas") -> factories.Client:
    async with served.db.transaction() as session:
        return await factories.client(session, first_name=first_name, ref="HRN-7788")


# -- the secret token and the body -------------------------------------------------------------


async def test_a_wrong_or_missing_secret_is_refused_and_nothing_is_handled(
    migrated_url: str,
) -> None:
    async with serving(migrated_url) as served:
        update = json.dumps({"update_id": 900, "message": {"message_id": 1}}).encode()
        assert (await served.post(update, secret="raden"))[0] == 403
        assert (await served.post(update, secret=None))[0] == 403
        assert (await served.post(update, secret=""))[0] == 403
        samples = parse_metrics((await served.get("/metrics"))[1])
    assert metric(samples, "inburgerbot_webhook_requests_total", outcome="bad_secret") == 3
    assert not [n for (n, _), v in samples.items() if n == "inburgerbot_updates_total" and v]
    assert not served.fake.calls_for("sendMessage")


async def test_a_body_that_is_not_an_update_is_refused(migrated_url: str) -> None:
    async with serving(migrated_url) as served:
        for body in (b"not json", b"[]", b'{"no": "update_id"}', b"\xff\xfe"):
            assert (await served.post(body))[0] == 400, body
        samples = parse_metrics((await served.get("/metrics"))[1])
    assert metric(samples, "inburgerbot_webhook_requests_total", outcome="bad_update") == 4


async def test_an_update_is_answered_after_it_was_handled(migrated_url: str) -> None:
    async with serving(migrated_url) as served:
        user = served.fake.user(4101, "Yonas", "nl")
        await user.send_command("/help")
        reply = await user.next_message()
        assert reply.text
        await served.fake.drain()
        delivered = served.fake.state.webhook.delivery_attempts
        samples = parse_metrics((await served.get("/metrics"))[1])
    assert delivered == 1  # one POST, answered 200 once the reply was sent
    assert metric(samples, "inburgerbot_webhook_requests_total", outcome="handled") == 1


async def test_a_slow_update_is_answered_in_time_and_still_handled(migrated_url: str) -> None:
    async with serving(migrated_url, webhook_answer_seconds=0.3) as served:
        served.fake.inject("sendMessage", latency=1.5)
        user = served.fake.user(4102, "Yonas", "nl")
        await user.send_command("/help")
        await served.fake.wait_in_flight("sendMessage")
        # Telegram got its 200 while the reply is still on its way: it will not send it again.
        await served.fake.state.updates.signal.wait_until(
            lambda: served.fake.pending_updates == 0, 1.0
        )
        assert (await user.next_message(timeout=5)).text
        samples = parse_metrics((await served.get("/metrics"))[1])
    assert metric(samples, "inburgerbot_webhook_requests_total", outcome="answered_early") == 1
    assert metric(samples, "inburgerbot_updates_total", kind="message") == 1


async def test_stopping_finishes_the_update_in_hand_and_refuses_new_ones(
    migrated_url: str,
) -> None:
    async with serving(migrated_url) as served:
        served.fake.inject("sendMessage", latency=1.0)
        user = served.fake.user(4103, "Yonas", "nl")
        await user.send_command("/help")
        await served.fake.wait_in_flight("sendMessage")
        served.stop.set()
        await asyncio.sleep(0)  # the server starts draining
        later = json.dumps({"update_id": 999_999}).encode()
        status, headers = await served.post(later)
        assert (status, headers.get("Retry-After")) == (503, "1")
        await asyncio.wait_for(served.task, timeout=10)
        assert served.task.exception() is None
        assert (await user.next_message(timeout=5)).text  # the update in hand was finished


# -- /healthz and /readyz ----------------------------------------------------------------------


async def test_healthz_and_readyz_when_all_is_well(migrated_url: str) -> None:
    async with serving(migrated_url) as served:
        assert await served.get("/healthz") == (200, '{"status": "ok"}')
        status, body = await served.get("/readyz")
    assert status == 200
    assert json.loads(body) == {
        "status": "ready",
        "checks": {"database": "ok", "migrations": "ok", "telegram": "ok"},
    }


async def test_readyz_is_503_and_names_the_bot_api_when_telegram_fails(migrated_url: str) -> None:
    async with serving(migrated_url) as served:
        served.fake.inject("getMe", status=502, times=None)
        status, body = await served.get("/readyz")
    assert status == 503
    assert json.loads(body)["checks"] == {
        "database": "ok",
        "migrations": "ok",
        "telegram": "unreachable (NetworkError)",
    }


async def unmigrated_checks(fake: FakeTelegram, url: str) -> dict[str, str]:
    app = build_application(bot_settings(fake, url), rate_limit=False)
    await app.initialize()
    try:
        checks = await Readiness(app, timeout=2.0).checks()
    finally:
        await app.shutdown()
        await app.bot_data.services.db.dispose()
    return {name: check.as_text() for name, check in checks.items()}


async def test_readyz_names_a_database_that_is_not_migrated_behind_or_unreachable(
    tmp_path: Path,
) -> None:
    head = migrate.head_revision()
    async with FakeTelegram(TOKEN) as fake:
        empty = f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite3'}"
        assert (await unmigrated_checks(fake, empty))["migrations"] == f"not migrated (head {head})"

        behind = f"sqlite+aiosqlite:///{tmp_path / 'behind.sqlite3'}"
        await migrate.upgrade_async(behind)
        db = Database(behind)
        async with db.transaction() as session:
            await session.exec(text("UPDATE alembic_version SET version_num = 'a0b1c2d3'"))  # type: ignore[call-overload]
        await db.dispose()
        assert (await unmigrated_checks(fake, behind))["migrations"] == (
            f"at a0b1c2d3, head is {head}"
        )

        nowhere = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/nothing"
        checks = await unmigrated_checks(fake, nowhere)
    assert checks["database"].startswith("unreachable (")
    assert checks["migrations"] == "unknown (database unreachable)"
    assert checks["telegram"] == "ok"


async def test_readiness_keeps_the_bot_api_answer_a_while(migrated_url: str) -> None:
    now = [1000.0]
    async with serving(migrated_url) as served:
        readiness = Readiness(served.app, monotonic=lambda: now[0])
        before = len(served.fake.calls_for("getMe"))
        assert (await readiness.telegram()).ok
        now[0] += 29
        assert (await readiness.telegram()).ok
        assert len(served.fake.calls_for("getMe")) == before + 1  # kept for 30 s
        served.fake.inject("getMe", status=500, times=None)
        now[0] += 2
        assert not (await readiness.telegram()).ok
        served.fake.clear_faults()
        now[0] += 4
        assert not (await readiness.telegram()).ok  # a failure is kept for 5 s
        now[0] += 2
        assert (await readiness.telegram()).ok
        assert len(served.fake.calls_for("getMe")) == before + 3


# -- /metrics ----------------------------------------------------------------------------------


async def test_metrics_count_updates_by_kind_and_time_them_without_personal_data(
    migrated_url: str,
) -> None:
    async with serving(migrated_url) as served:
        client = await make_client(served, "Yonas")
        user = await served.linked_user(client, 4104)  # two messages and a button
        await user.send_text("Mijn adres is Geheimstraat 12")
        await user.next_message()
        await served.fake.drain()
        status, body = await served.get("/metrics")
    assert status == 200
    samples = parse_metrics(body)
    assert metric(samples, "inburgerbot_updates_total", kind="message") == 2
    assert metric(samples, "inburgerbot_updates_total", kind="callback_query") == 1
    assert metric(samples, "inburgerbot_update_handling_seconds_count", kind="message") == 2
    assert metric(samples, "inburgerbot_update_handling_seconds_sum", kind="message") > 0
    assert metric(samples, "inburgerbot_database_up") == 1
    for secret in ("Yonas", "HRN-7788", "Geheimstraat", TOKEN):
        assert secret not in body
    # The chat id as a number of its own: its digits may also occur inside a timing such as
    # 0.004104977 (a run failed on that), which is no chat id.
    assert not re.search(rf"(?<![\d.]){user.chat_id}(?![\d.])", body)


async def test_telegram_errors_are_counted_by_code_and_method(migrated_url: str) -> None:
    async with serving(migrated_url) as served:
        served.fake.inject("sendMessage", status=400, description="Bad Request: chat not found")
        user = served.fake.user(4105, "Yonas", "nl")
        await user.send_command("/help")
        await user.next_message()  # the apology, sent after the failed reply
        served.fake.inject("sendMessage", status=403, description="Forbidden: bot was blocked")
        await user.send_command("/help")
        await served.fake.drain()
        samples = parse_metrics((await served.get("/metrics"))[1])
    assert metric(samples, "inburgerbot_telegram_errors_total", code="400", method="sendMessage")
    assert metric(samples, "inburgerbot_telegram_errors_total", code="403", method="sendMessage")


async def test_the_outbox_and_waiting_questions_are_measured_from_the_database(
    tmp_path: Path,
) -> None:
    async with fresh_database(backend_in_use(), tmp_path) as url:
        await migrate.upgrade_async(url)
        body = await outbox_metrics(url)
    samples = parse_metrics(body)
    assert metric(samples, "inburgerbot_reminders", status="pending") == 2
    assert metric(samples, "inburgerbot_reminders", status="sent") == 1
    assert metric(samples, "inburgerbot_reminders", status="failed") == 1
    assert metric(samples, "inburgerbot_reminders", status="claimed") == 0
    assert 590 < metric(samples, "inburgerbot_reminders_oldest_overdue_seconds") < 700
    assert metric(samples, "inburgerbot_questions_waiting") == 1
    waited = metric(samples, "inburgerbot_questions_waiting_oldest_seconds")
    assert 3 * 3600 - 5 < waited < 3 * 3600 + 60
    assert "Semhar" not in body and "HRN-5511" not in body


async def outbox_metrics(url: str) -> str:
    """Four reminders, an answered and a waiting question; then one scrape."""
    async with serving(url) as served:
        now = served.app.bot_data.services.clock.now()
        async with served.db.transaction() as session:
            client = await factories.client(session, first_name="Semhar", ref="HRN-5511")
            rows = [
                (ReminderStatus.PENDING, now - timedelta(minutes=10)),
                (ReminderStatus.PENDING, now + timedelta(hours=1)),
                (ReminderStatus.SENT, now - timedelta(hours=1)),
                (ReminderStatus.FAILED, now - timedelta(hours=2)),
            ]
            for n, (status, due) in enumerate(rows):
                session.add(
                    Reminder(
                        client_id=pk(client),
                        kind=ReminderKind.TASK,
                        subject_id=n + 1,
                        dedup_key=f"task:{n + 1}:1d",
                        due_at=due,
                        available_at=due,
                        status=status,
                    )
                )
            session.add(
                Question(
                    client_id=pk(client),
                    status=QuestionStatus.OPEN,
                    waiting_since=now - timedelta(hours=3),
                )
            )
            session.add(Question(client_id=pk(client), status=QuestionStatus.ANSWERED))
        status, body = await served.get("/metrics")
    assert status == 200
    return body


async def test_metrics_on_the_webhook_port_need_the_token(migrated_url: str) -> None:
    async with serving(migrated_url) as served:
        assert (await served.get("/metrics", auth=False))[0] == 404
        async with (
            aiohttp.ClientSession() as session,
            session.get(
                f"{served.base_url}/metrics", headers={"Authorization": "Bearer wrong"}
            ) as response,
        ):
            assert response.status == 404
        assert (await served.get("/metrics"))[0] == 200
        assert (await served.get("/healthz", auth=False))[0] == 200
    async with serving(migrated_url, metrics_token=None) as served:
        assert (await served.get("/metrics"))[0] == 404  # no token set: never on this port


def test_weak_secrets_are_refused_by_the_settings() -> None:
    from pydantic import ValidationError

    from casework.settings import Settings

    for weak in ("a", "x" * 31, "has spaces in it and is long enough!!"):
        with pytest.raises(ValidationError, match="32 to 256"):
            Settings(_env_file=None, webhook_secret=weak)  # type: ignore[call-arg]
        with pytest.raises(ValidationError, match="32 to 256"):
            Settings(_env_file=None, metrics_token=weak)  # type: ignore[call-arg]
    strong = Settings(_env_file=None, webhook_secret="A" * 32)  # type: ignore[call-arg]
    assert strong.webhook_secret is not None


async def test_metrics_can_be_switched_off(migrated_url: str) -> None:
    async with serving(migrated_url, metrics_enabled=False) as served:
        assert (await served.get("/metrics"))[0] == 404
        assert (await served.get("/healthz"))[0] == 200


# -- logs ----------------------------------------------------------------------------------------


@contextmanager
def production_logging() -> Iterator[None]:
    """`setup_logging` as the processes call it, at DEBUG, JSON; the test's own set-up after."""
    root = logging.getLogger()
    names = ("httpx", "apscheduler", *THIRD_PARTY)
    handlers, level = list(root.handlers), root.level
    levels = {name: logging.getLogger(name).level for name in names}
    setup_logging("DEBUG", "json")
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        for name, was in levels.items():
            logging.getLogger(name).setLevel(was)


async def test_log_lines_of_an_update_carry_its_ids_and_no_text(
    migrated_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    async with serving(migrated_url) as served:
        user = served.fake.user(4106, "Mallory", "nl")
        with production_logging():
            await user.send_text("KLMNP-QRSTV")  # a wrong invitation code
            reply = await user.next_message()
            await served.fake.drain()
        update_id = served.fake.state.updates.last_update_id
    written = capsys.readouterr().err
    records = [json.loads(line) for line in written.splitlines() if line.startswith("{")]
    mine = [r for r in records if r.get("update_id") == update_id]
    assert {"link attempt", "update handled"} <= {r["message"] for r in mine}
    assert all(r["chat_id"] == user.chat_id and r.get("request_id") for r in mine)
    handled = next(r for r in mine if r["message"] == "update handled")
    assert handled["kind"] == "message" and handled["ms"] > 0
    for secret in ("KLMNP", "Mallory", (reply.text or "")[:20]):
        assert secret not in written


# -- polling mode: the same endpoints on a side port -------------------------------------------


async def test_polling_serves_health_and_metrics_on_the_side_port(migrated_url: str) -> None:
    async with FakeTelegram(TOKEN) as fake:
        port = free_port()
        settings = bot_settings(fake, migrated_url, health_port=port)
        app = build_application(settings, rate_limit=False)
        stop = asyncio.Event()
        gc.unfreeze()
        task = asyncio.create_task(serve_polling(app, health=("127.0.0.1", port), stop=stop))
        try:
            user = fake.user(4107, "Yonas", "nl")
            await user.send_command("/help")
            assert (await user.next_message(timeout=10)).text
            assert gc.get_freeze_count() > 0  # the heap was settled at start (bot/heap.py)
            async with aiohttp.ClientSession() as session:
                base = f"http://127.0.0.1:{port}"
                async with session.get(f"{base}/healthz") as response:
                    assert response.status == 200
                async with session.get(f"{base}/readyz") as response:
                    assert response.status == 200, await response.text()
                async with session.get(f"{base}/metrics") as response:
                    samples = parse_metrics(await response.text())
        finally:
            stop.set()
            await asyncio.wait_for(task, timeout=20)
            gc.unfreeze()
    assert metric(samples, "inburgerbot_updates_total", kind="message") == 1
