"""The back-office beside the sandbox: one world with the phone and the staff chat.

The sandbox starts the back-office on its own port, on the sandbox's database, fake Telegram and
clock. Its login page offers the demo accounts (one click, no second factor) under a "sandbox"
band; a question from the phone shows in the staff-chat topic and in the inbox; an answer from
either side reaches the phone and shows on the other; moving the clock moves the waiting times.
"""

from __future__ import annotations

import json
import re
import socket
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from casework.settings import Settings
from sandbox import Sandbox, SandboxOptions
from sandbox.backoffice import origins_on
from sandbox.errors import BackofficePortUnavailable
from sandbox.server import STAFF_CHAT_ID
from storage import staff as staff_rows
from storage.db import Database
from tests.sandbox.beside import (
    QUESTION,
    REGION,
    STAFF_ANSWER,
    ask,
    csrf_of,
    question_id,
    running_beside,
    sign_in,
    staff_id_of,
    topic_texts,
)
from texts.i18n import translator
from texts.ready_answers import READY_ANSWERS


@pytest.fixture
async def sandbox(db: Database, tmp_path: Path) -> AsyncIterator[Sandbox]:
    async with running_beside(db, tmp_path) as running:
        yield running


@pytest.fixture
async def office(sandbox: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    assert sandbox.backoffice is not None
    async with httpx.AsyncClient(base_url=sandbox.backoffice.url, timeout=30) as client:
        yield client


# -- the login page: the band and the demo accounts ------------------------------------------------


async def test_the_login_page_offers_one_demo_account_per_role_under_the_sandbox_band(
    sandbox: Sandbox, office: httpx.AsyncClient
) -> None:
    page = await office.get("/login")
    assert page.status_code == 200
    assert 'class="sandbox-band"' in page.text
    offered = re.findall(r'name="staff_id" value="(\d+)"', page.text)
    assert [int(one) for one in offered] == [
        staff_id_of(sandbox, "Sanne Jonker"),
        staff_id_of(sandbox, "Anneke <i>Schouten</i>"),
        staff_id_of(sandbox, "Joost Visser"),
    ]
    assert "Inloggen als Anneke &lt;i&gt;Schouten&lt;/i&gt;" in page.text
    assert "<i>Schouten" not in page.text
    assert "Mo <b>" not in page.text  # not offered, and never unescaped anywhere
    state = sandbox.state_view()["backoffice"]
    assert [a["role"] for a in state["accounts"]] == ["caseworker", "team_lead", "admin"]


async def test_a_demo_account_signs_in_with_one_click_and_every_page_has_the_band(
    sandbox: Sandbox, office: httpx.AsyncClient
) -> None:
    signed = await sign_in(office, staff_id_of(sandbox, "Joost Visser"))
    assert (signed.status_code, signed.headers["location"]) == (303, "/inbox")
    for path in ("/inbox", "/clients", "/staff", "/audit"):
        page = await office.get(path)
        assert page.status_code == 200, path
        assert 'class="sandbox-band"' in page.text, path
        assert "Joost Visser" in page.text, path
    missing = await office.get("/no-such-page")
    assert missing.status_code == 404 and 'class="sandbox-band"' in missing.text
    audit = await office.get("/audit")
    assert "login.sandbox_demo" in audit.text


async def test_a_demo_sign_in_needs_the_csrf_token_and_a_demo_account(
    sandbox: Sandbox, office: httpx.AsyncClient
) -> None:
    await office.get("/login")
    no_token = await office.post("/login/demo", data={"staff_id": "1"})
    assert no_token.status_code == 403
    for who in (
        staff_id_of(sandbox, "Mo <b>Bakker</b>"),  # a login, but not a demo account
        999_999,
        "Sanne",
        "",
    ):
        login = await office.get("/login")
        refused = await office.post(
            "/login/demo", data={"csrf": csrf_of(login.text), "staff_id": str(who)}
        )
        assert refused.status_code == 400, who
        assert "Dit is geen van de demo-accounts van de sandbox." in refused.text
    assert (await office.get("/inbox")).headers["location"].startswith("/login")


async def test_a_demo_account_made_inactive_meanwhile_cannot_sign_in(
    sandbox: Sandbox, office: httpx.AsyncClient
) -> None:
    sanne = staff_id_of(sandbox, "Sanne Jonker")
    assert sandbox.db is not None
    async with sandbox.db.transaction() as session:
        row = await staff_rows.by_id(session, staff_id=sanne)
        assert row is not None
        row.active = False
        session.add(row)
    refused = await sign_in(office, sanne)
    assert refused.status_code == 400


async def test_the_sandbox_page_may_frame_the_backoffice_and_nothing_else_may(
    sandbox: Sandbox, office: httpx.AsyncClient
) -> None:
    page = await office.get("/login")
    policy = page.headers["content-security-policy"]
    port = sandbox.port
    assert policy.endswith(
        f"frame-ancestors http://127.0.0.1:{port} http://localhost:{port} http://[::1]:{port}"
    )
    assert "frame-ancestors 'none'" not in policy and "*" not in policy
    assert "x-frame-options" not in page.headers
    assert sandbox.backoffice is not None
    async with httpx.AsyncClient(base_url=sandbox.url) as http:
        index = await http.get("/")
    bo_port = sandbox.backoffice.port
    assert index.headers["Content-Security-Policy"].endswith(
        f"frame-src http://127.0.0.1:{bo_port} http://localhost:{bo_port} http://[::1]:{bo_port}"
    )


def test_the_frame_origins_are_the_loopback_names_and_the_configured_host() -> None:
    assert origins_on("127.0.0.1", 8080) == (
        "http://127.0.0.1:8080 http://localhost:8080 http://[::1]:8080"
    )
    assert origins_on("192.168.1.20", 8080).endswith(" http://192.168.1.20:8080")
    assert origins_on("fe80::1", 8080).endswith(" http://[fe80::1]:8080")
    assert origins_on("::1", 8080).count("[::1]") == 1
    assert origins_on("0.0.0.0", 8080) == "http://*:8080"  # opened by any of its addresses


# -- one world ------------------------------------------------------------------------------------


async def test_a_question_from_the_phone_shows_in_the_topic_and_the_inbox_and_a_ready_answer_from_the_backoffice_reaches_the_phone(  # noqa: E501
    sandbox: Sandbox, office: httpx.AsyncClient
) -> None:
    phone = await ask(sandbox)
    assert any(QUESTION in text for text in topic_texts(sandbox))
    await sign_in(office, staff_id_of(sandbox, "Sanne Jonker"))
    inbox = await office.get("/inbox")
    number = await question_id(sandbox)
    assert f'href="/questions/{number}"' in inbox.text and "HRN-1" in inbox.text
    page = await office.get(f"/questions/{number}")
    assert QUESTION in page.text
    sent = await office.post(
        f"/questions/{number}/answer", data={"csrf": csrf_of(page.text), "ready": "received"}
    )
    assert sent.status_code == 303
    arabic = translator("ar")(READY_ANSWERS["received"])
    seen = await phone.next_message(timeout=10)  # "your caseworker has seen your question"
    assert "👀" in (seen.text or "")
    answer = await phone.next_message(timeout=10)
    assert arabic in (answer.text or "")
    # The team sees in the client's topic which ready-made answer went out.
    notes = [text for text in topic_texts(sandbox) if "“received”" in text]
    assert len(notes) == 1


async def test_an_answer_in_the_staff_topic_reaches_the_phone_and_shows_in_the_backoffice(
    sandbox: Sandbox, office: httpx.AsyncClient
) -> None:
    phone = await ask(sandbox)
    chat = sandbox.fake.chat(STAFF_CHAT_ID)
    thread = next(m.thread_id for m in chat.live_messages() if QUESTION in (m.text or ""))
    sanne = next(s for s in sandbox.world.staff if s.name == "Sanne Jonker")
    await sandbox.send_text(STAFF_CHAT_ID, STAFF_ANSWER, user_id=sanne.user_id, thread_id=thread)
    answer = await phone.next_message(timeout=10)
    assert STAFF_ANSWER in (answer.text or "")
    await sign_in(office, sanne.id)
    page = await office.get(f"/questions/{await question_id(sandbox)}")
    assert STAFF_ANSWER in page.text


async def test_moving_the_sandbox_clock_moves_the_waiting_time_in_the_inbox(
    sandbox: Sandbox, office: httpx.AsyncClient
) -> None:
    await ask(sandbox)
    await sign_in(office, staff_id_of(sandbox, "Sanne Jonker"))

    def waiting(html: str) -> tuple[int, int]:
        found = re.search(r"(\d+) u (\d+) min", html)
        assert found is not None, html
        return int(found.group(1)), int(found.group(2))

    first = (await office.get("/inbox")).text
    before = waiting(first)
    assert before == (0, 0)
    assert "Over de termijn" not in first  # "Past the deadline"
    await sandbox.advance(timedelta(days=1))
    # A day without a click ends the session, as it would for real: sign in again.
    assert (await office.get("/inbox")).headers["location"].startswith("/login")
    await sign_in(office, staff_id_of(sandbox, "Sanne Jonker"))
    later = (await office.get("/inbox")).text
    after = waiting(later)
    assert after > before
    assert after[0] >= 8  # a working day of office hours has passed: the 8-hour deadline too
    assert "Over de termijn" in later


# -- the ports -------------------------------------------------------------------------------------


async def test_a_busy_backoffice_port_stops_the_start_and_names_itself(
    db: Database, tmp_path: Path
) -> None:
    region = tmp_path / "region.json"
    region.write_text(json.dumps(REGION), encoding="utf-8")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        options = SandboxOptions(port=0, region=region, backoffice_port=port)
        sandbox = Sandbox(options, settings=Settings(_env_file=None), db=db)
        with pytest.raises(BackofficePortUnavailable):
            await sandbox.start()
    assert sandbox.backoffice is None and not sandbox.ready


async def test_without_a_backoffice_port_the_page_has_no_backoffice(
    db: Database, tmp_path: Path
) -> None:
    region = tmp_path / "region.json"
    region.write_text(json.dumps(REGION), encoding="utf-8")
    sandbox = Sandbox(
        SandboxOptions(port=0, region=region), settings=Settings(_env_file=None), db=db
    )
    await sandbox.start()
    try:
        assert sandbox.backoffice is None
        assert sandbox.state_view()["backoffice"] is None
        async with httpx.AsyncClient(base_url=sandbox.url) as http:
            index = await http.get("/")
        assert "frame-src" not in index.headers["Content-Security-Policy"]
    finally:
        await sandbox.stop()
