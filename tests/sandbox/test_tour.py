"""The guided path's steps (GET /api/tour) are ticked off from what happened, step by step."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import aiohttp
import httpx
import pytest

from sandbox import Sandbox
from storage import clients
from storage.db import Database
from tests.sandbox.beside import (
    ask,
    csrf_of,
    letter_png,
    question_id,
    running_beside,
    sign_in,
    staff_id_of,
)


@pytest.fixture
async def sandbox(db: Database, tmp_path: Path) -> AsyncIterator[Sandbox]:
    async with running_beside(db, tmp_path) as running:
        yield running


async def done(sandbox: Sandbox) -> list[str]:
    async with (
        aiohttp.ClientSession(base_url=sandbox.url) as http,
        http.get("/api/tour") as response,
    ):
        assert response.status == 200
        view = await response.json()
    assert [step["key"] for step in view["steps"]] == [
        "link",
        "plan",
        "photo",
        "answer",
        "reminder",
    ]
    assert view["client"]["first_name"] == "Amina"  # the first client who reads right to left
    return [step["key"] for step in view["steps"] if step["done"]]


async def answer_in_backoffice(sandbox: Sandbox, **form: str) -> None:
    assert sandbox.backoffice is not None
    async with httpx.AsyncClient(base_url=sandbox.backoffice.url, timeout=30) as office:
        await sign_in(office, staff_id_of(sandbox, "Sanne Jonker"))
        number = await question_id(sandbox)
        page = await office.get(f"/questions/{number}")
        sent = await office.post(
            f"/questions/{number}/answer", data={"csrf": csrf_of(page.text), **form}
        )
        assert sent.status_code == 303


async def test_each_step_is_ticked_off_when_it_has_happened(sandbox: Sandbox) -> None:
    assert await done(sandbox) == []
    phone = await ask(sandbox)  # links Amina, then asks a question (no photo yet)
    assert await done(sandbox) == ["link"]
    await phone.send_text("📋")
    await phone.next_message()
    assert await done(sandbox) == ["link", "plan"]
    await phone.send_photo("my letter", letter_png())
    await phone.next_message()  # the acknowledgement
    assert await done(sandbox) == ["link", "plan", "photo"]
    await answer_in_backoffice(sandbox, ready="received")
    assert await done(sandbox) == ["link", "plan", "photo", "answer"]
    await sandbox.advance(timedelta(days=3))
    assert await done(sandbox) == ["link", "plan", "photo", "answer", "reminder"]


async def test_own_words_a_document_and_reminders_before_the_clock_moved_do_not_count(
    sandbox: Sandbox,
) -> None:
    phone = await ask(sandbox)
    await phone.send_document(b"%PDF-1.4", "letter.pdf", "application/pdf", None)
    await phone.next_message()
    await answer_in_backoffice(sandbox, text="Bring it on Monday, please.")
    await phone.next_message()  # "your caseworker has seen your question"
    assert "Monday" in ((await phone.next_message()).text or "")
    await phone.send_text("/plan")  # the plan in Arabic by command counts
    await phone.next_message()
    assert await done(sandbox) == ["link", "plan"]


async def test_a_step_once_done_stays_done(sandbox: Sandbox) -> None:
    phone = await ask(sandbox)
    await phone.send_text("📋")
    await phone.next_message()
    assert await done(sandbox) == ["link", "plan"]
    assert sandbox.db is not None
    amina = next(c for c in sandbox.world.clients if c.first_name == "Amina")
    async with sandbox.db.transaction() as session:
        row = await clients.by_id(session, client_id=amina.id)
        assert row is not None
        row.locale = "en"  # she switched to English afterwards
        session.add(row)
    assert await done(sandbox) == ["link", "plan"]
