"""Two `inburgerbot webhook` processes behind a round-robin proxy, on one database.

The fake Telegram runs in the test process and delivers webhooks (retrying what got no 200) to
the proxy, which hands them to the two processes in turn. One process sets the webhook
(--set-webhook), the other does not. Both dispatch reminders from the same outbox.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from fakebot import FakeTelegram, SimUser
from storage import invites, migrate, questions
from storage.db import Database
from storage.enums import Direction, QuestionStatus
from storage.ids import pk
from storage.models import Client, Message, Question, Reminder
from tests import factories
from tests.production.support import (
    BACKENDS,
    STAFF_CHAT_ID,
    TOKEN,
    BotProcess,
    RoundRobin,
    bot_env,
    free_port,
    fresh_database,
    metric,
    seed_reminders,
    sends_per_chat,
    wait_until,
)
from texts.i18n import translator

CASEWORKER_ID = 9301
NL = translator("nl")
# The kill test's claims last 5 s (the survivor takes over after that), in batches of 20 that
# take under a second to send; elsewhere the default lease of two minutes.
SHORT_LEASE = {"reminder_lease_seconds": 5.0, "dispatch_batch_size": 20}
# What the clients write: none of it may appear in a log line or a metric.
QUESTION = "Mijn huurtoeslag-brief van vrijdag"
ANSWER = "Neem de brief mee naar het spreekuur."


@dataclass
class Cluster:
    fake: FakeTelegram
    proxy: RoundRobin
    db: Database
    processes: list[BotProcess]
    workdir: Path

    async def link(self, client: Client, user_id: int) -> SimUser:
        """A user links with an invitation code and agrees: three updates."""
        async with self.db.transaction() as session:
            code = await invites.create(
                session,
                now=datetime.now(UTC),
                valid_for=timedelta(days=1),
                client_id=client.id,
            )
        user = self.fake.user(user_id, client.first_name, "nl")
        await user.send_command("/start", code)
        consent = await user.next_message(timeout=20)
        press = await user.press(consent, "priv:v1:agree:")
        await press.answer(timeout=20)
        await user.next_message(timeout=20)  # the main menu
        return user

    async def settled(self) -> None:
        """Every update delivered and answered, the bot idle."""
        await self.fake.drain(timeout=60, settle=0.3)


@asynccontextmanager
async def cluster(database_url: str, workdir: Path, **settings: object) -> AsyncIterator[Cluster]:
    fake = FakeTelegram(TOKEN, auto_create_chats=True)
    await fake.start()
    proxy: RoundRobin | None = None
    processes: list[BotProcess] = []
    db = Database(database_url)
    try:
        fake.supergroup(STAFF_CHAT_ID, title="Team inburgering", is_forum=True)
        ports = [free_port(), free_port()]
        proxy = RoundRobin([f"http://127.0.0.1:{port}" for port in ports])
        await proxy.start()
        env = bot_env(
            database_url,
            fake,
            staff_chat_id=STAFF_CHAT_ID,
            webhook_url=proxy.url,
            **settings,
        )
        await migrate.upgrade_async(database_url)  # `inburgerbot db upgrade` (tested below)
        first = ("webhook", "--set-webhook", "--port", str(ports[0]))
        second = ("webhook", "--no-set-webhook", "--port", str(ports[1]))
        processes += await asyncio.gather(
            BotProcess.start("bot-a", *first, env=env, workdir=workdir, port=ports[0]),
            BotProcess.start("bot-b", *second, env=env, workdir=workdir, port=ports[1]),
        )
        await fake.wait_for(lambda call: call.method == "setWebhook", timeout=30, since=0)
        yield Cluster(fake, proxy, db, processes, workdir)
    finally:
        for process in processes:
            await process.kill()
        if proxy is not None:
            await proxy.stop()
        await fake.stop()
        await db.dispose()


async def seed_team(db: Database, clients: int) -> list[Client]:
    """A regional team with a caseworker in the staff chat, and clients not yet linked."""
    async with db.transaction() as session:
        org = await factories.organisation(session, municipalities=("Hoorn",))
        caseworker = await factories.staff(
            session, organisation=org, name="Fatima de Vries", telegram_user_id=CASEWORKER_ID
        )
        return [
            await factories.client(
                session, first_name=f"Amina{n}", ref=f"HRN-{n:04d}", caseworker_id=caseworker.id
            )
            for n in range(clients)
        ]


def assert_no_personal_data(text: str, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in text, f"{secret!r} leaked"


@pytest.mark.parametrize("backend", BACKENDS)
async def test_two_processes_handle_every_update_and_reminder_once(
    backend: str, tmp_path: Path
) -> None:
    async with fresh_database(backend, tmp_path) as url, cluster(url, tmp_path) as c:
        a, b = c.processes
        people = await seed_team(c.db, 3)
        users = [await c.link(person, 7100 + n) for n, person in enumerate(people)]

        # A question relayed by one process and answered through the other.
        group = c.fake.supergroup(STAFF_CHAT_ID)
        worker = group.member(CASEWORKER_ID)
        await users[0].send_text(QUESTION)
        ack = await users[0].next_message(timeout=20)
        assert "📨" in (ack.text or "")
        asked = c.fake.state.updates.last_update_id
        topic = await wait_for_topic(c, people[0])
        await c.settled()
        if c.proxy.next_backend == c.proxy.backend_of(asked):
            await users[1].send_command("/help")  # one update in between: the turn passes on
            await users[1].next_message(timeout=20)
            await c.settled()
        await worker.send_text(ANSWER, thread_id=topic)
        answer = await users[0].next_message(timeout=20)
        assert answer.text == ANSWER
        answered = c.fake.state.updates.last_update_id
        await c.settled()
        assert c.proxy.backend_of(asked) != c.proxy.backend_of(answered)
        await wait_until(lambda: question_answered(c.db, people[0]), within=10)

        # Reminders from one outbox, sent by both processes, each once.
        chats = await seed_reminders(c.db, 60, now=datetime.now(UTC), chat_base=880_000)
        await wait_until(lambda: outbox_done(c.db), within=60)
        per_chat = sends_per_chat(c.fake, chats)
        assert set(per_chat) == set(chats) and max(per_chat.values()) == 1

        # Every update was answered 200 exactly once, and both processes took a share.
        await c.settled()
        total = c.fake.state.updates.last_update_id
        assert c.proxy.accepted() == {update_id: 1 for update_id in range(1, total + 1)}
        assert {d.backend for d in c.proxy.deliveries} == {0, 1}
        handled = [await p.metrics() for p in (a, b)]
        counted = [
            sum(v for (name, _), v in samples.items() if name == "inburgerbot_updates_total")
            for samples in handled
        ]
        assert sum(counted) == total and min(counted) > 0
        for samples in handled:
            assert metric(samples, "inburgerbot_reminders", status="sent") == 60
            assert metric(samples, "inburgerbot_reminders", status="pending") == 0
            assert metric(samples, "inburgerbot_database_up") == 1

        # Health of both, and nothing personal in their metrics or logs.
        for process in (a, b):
            assert await process.get("/healthz") == (200, '{"status": "ok"}')
            status, body = await process.get("/readyz")
            assert status == 200, body
            assert json.loads(body)["checks"] == {
                "database": "ok",
                "migrations": "ok",
                "telegram": "ok",
            }
            _, exposition = await process.get("/metrics")
            # A chat id is a number, and numbers are what metrics are made of: look for it as
            # a label value, where personal data would sit, not inside sample values.
            assert_no_personal_data(exposition, "Amina", "HRN-", QUESTION, f'"{users[0].chat_id}"')
        for process in (a, b):
            assert await process.stop() == 0
        records = a.log_records() + b.log_records()
        assert_no_personal_data(json.dumps(records), "Amina", QUESTION, ANSWER, "Fatima")
        linking = [r for r in records if r["message"] == "link attempt"]
        assert len(linking) == 3 and all(isinstance(r.get("update_id"), int) for r in linking)
        assert all(r.get("request_id") for r in linking)


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_killed_process_loses_no_update_and_no_reminder(
    backend: str, tmp_path: Path
) -> None:
    async with (
        fresh_database(backend, tmp_path) as url,
        cluster(url, tmp_path, **SHORT_LEASE) as c,
    ):
        a, b = c.processes
        people = await seed_team(c.db, 2)
        users = [await c.link(person, 7200 + n) for n, person in enumerate(people)]
        chats = await seed_reminders(c.db, 150, now=datetime.now(UTC), chat_base=990_000)

        # Kill whichever process is handling this update while its reply is on its way.
        before = len(users[0].inbox)
        slow = c.fake.inject(
            "sendMessage",
            latency=3.0,
            match=lambda params: str(params.get("chat_id")) == str(users[0].chat_id),
        )
        await users[0].send_command("/help")
        update_id = c.fake.state.updates.last_update_id
        await wait_until(lambda: replying_to(c.fake, users[0]), within=20, every=0.01)
        assert update_id in c.proxy.in_hand
        victim = c.processes[c.proxy.in_hand[update_id]]
        survivor = b if victim is a else a
        await victim.kill()
        assert slow.hits == 1

        # The update is sent again, to the survivor: the user gets their answer (the reply
        # the victim had on its way may arrive too: at most one duplicate).
        await c.settled()
        replies = users[0].inbox[before:]
        assert 1 <= len(replies) <= 2 and all(reply.text for reply in replies)
        for user in users:
            count = len(user.inbox)
            await user.send_command("/help")
            await c.settled()
            assert len(user.inbox) == count + 1

        # The survivor takes over the reminders the victim had claimed, after their lease.
        await wait_until(lambda: outbox_done(c.db), within=90)
        per_chat = sends_per_chat(c.fake, chats)
        assert set(per_chat) == set(chats), "a reminder was lost"
        duplicates = sum(per_chat.values()) - len(chats)
        assert duplicates <= SHORT_LEASE["dispatch_batch_size"], "more than the batch in flight"

        # Nothing lost: every update got a 200 in the end (the victim's one, from the survivor).
        total = c.fake.state.updates.last_update_id
        accepted = c.proxy.accepted()
        assert set(accepted) == set(range(1, total + 1))
        assert accepted[update_id] == 1
        assert c.proxy.backend_of(update_id) == c.processes.index(survivor)
        status, body = await survivor.get("/readyz")
        assert status == 200, body
        assert await survivor.stop() == 0


async def replying_to(fake: FakeTelegram, user: SimUser) -> bool:
    """A reply to this user is on its way (the bot waits for Telegram's answer)."""
    return any(
        call.method == "sendMessage" and str(call.params.get("chat_id")) == str(user.chat_id)
        for call in fake.in_flight
    )


async def wait_for_topic(c: Cluster, client: Client) -> int:
    found: list[int] = []

    async def created() -> bool:
        async with c.db.reading() as session:
            row = await questions.topic_of_client(
                session, chat_id=STAFF_CHAT_ID, client_id=pk(client)
            )
        if row is not None and row.topic_id is not None:
            found.append(row.topic_id)
            return True
        return False

    await wait_until(created, within=20)
    return found[0]


async def question_answered(db: Database, client: Client) -> bool:
    async with db.reading() as session:
        question = (
            await session.exec(select(Question).where(Question.client_id == client.id))
        ).first()
        messages = list(
            (await session.exec(select(Message).where(Message.question_id == question.id))).all()
            if question
            else []
        )
    return (
        question is not None
        and question.status == QuestionStatus.ANSWERED
        and [m.direction for m in messages] == [Direction.FROM_CLIENT, Direction.FROM_STAFF]
        and all(m.delivered_at is not None for m in messages)
    )


async def outbox_done(db: Database) -> bool:
    async with db.reading() as session:
        rows = (await session.exec(select(Reminder))).all()
    return bool(rows) and all(r.status == "sent" for r in rows)
