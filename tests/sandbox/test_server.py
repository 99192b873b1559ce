"""The sandbox server: its JSON actions, its event stream, its clock, and every refusal."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import aiohttp
from aiohttp.test_utils import TestClient, TestServer
from sqlmodel import select

from sandbox import Sandbox
from sandbox.server import STAFF_CHAT_ID
from sandbox.web import make_app
from storage import clients, staff
from storage.enums import ReminderStatus
from storage.models import Reminder
from tests.sandbox.conftest import linked_phone, phone_of

Event = dict[str, Any]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


async def next_event(
    queue: asyncio.Queue[Event | None], predicate: Callable[[Event], bool], within: float = 5
) -> Event:
    async with asyncio.timeout(within):
        while True:
            event = await queue.get()
            assert event is not None, "the stream ended"
            if predicate(event):
                return event


async def stream_event(
    response: aiohttp.ClientResponse, predicate: Callable[[Event], bool], within: float = 5
) -> Event:
    async with asyncio.timeout(within):
        async for line in response.content:
            if line.startswith(b"data: "):
                event = json.loads(line[6:])
                if predicate(event):
                    return event
    raise AssertionError("the stream ended")


async def error_of(response: aiohttp.ClientResponse) -> tuple[int, str]:
    return response.status, (await response.json())["error"]


# -- what the page loads -------------------------------------------------------------------------


async def test_state_lists_phones_of_open_clients_active_staff_and_the_clock(
    http: aiohttp.ClientSession, sandbox: Sandbox
) -> None:
    async with http.get("/api/state") as response:
        state = await response.json()
    assert [c["first_name"] for c in state["clients"]] == ["Amina", "Grace"]  # not closed Dawit
    assert [s["name"] for s in state["staff"]] == ["Sanne Jonker"]  # not inactive Pieter
    assert state["staff"][0]["username"] == "team_sanne"
    assert state["clock"]["label"] == "Mon 23 Nov 2026, 09:00"
    assert state["staff_chat"]["chat_id"] == STAFF_CHAT_ID
    assert state["relay"] == (sandbox.app.bot_data.services.relay is not None)  # type: ignore[union-attr]


async def test_page_and_static_files_load_only_from_this_server(
    http: aiohttp.ClientSession,
) -> None:
    async with http.get("/") as page:
        html = await page.text()
        assert page.status == 200
        assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert '<script src="/static/sandbox.js" defer></script>' in html
    for name in ("sandbox.js", "sandbox.css"):
        async with http.get(f"/static/{name}") as static:
            assert static.status == 200
            assert "http://" not in await static.text()  # nothing fetched from elsewhere


async def test_staff_accounts_are_linked_so_caseworkers_can_answer(sandbox: Sandbox) -> None:
    member = sandbox.world.staff[0]
    assert sandbox.db is not None
    async with sandbox.db.reading() as session:
        row = await staff.by_telegram_user(session, user_id=member.user_id)
    assert row is not None and row.name == "Sanne Jonker"
    assert sandbox.fake.chat(STAFF_CHAT_ID).member_status[member.user_id] == "member"


# -- the phone ------------------------------------------------------------------------------------


async def test_start_links_the_phone_with_its_invitation_and_shows_the_consent(
    http: aiohttp.ClientSession, sandbox: Sandbox
) -> None:
    phone = phone_of(sandbox, "Grace")
    async with http.post(f"/api/chats/{phone.chat_id}/start") as response:
        assert response.status == 200
    consent = await phone.next_message()
    assert "Welcome, Grace" in (consent.text or "")
    assert sandbox.db is not None
    async with sandbox.db.reading() as session:
        client = await clients.by_chat(session, chat_id=phone.chat_id)
    assert client is not None and client.first_name == "Grace"
    async with http.post(f"/api/chats/{phone.chat_id}/start") as again:
        assert again.status == 200
    sent = [m.text for m in sandbox.fake.chat(phone.chat_id).live_messages() if not m.from_bot]
    assert sent[0] is not None and sent[0].startswith("/start ")  # with the code, once
    assert sent[1] == "/start"


async def test_chat_view_has_the_menu_keyboard_and_the_phone_language(
    http: aiohttp.ClientSession, sandbox: Sandbox
) -> None:
    phone = await linked_phone(sandbox, "Amina")
    async with http.get(f"/api/chats/{phone.chat_id}") as response:
        view = await response.json()
    assert view["phone"] == {"locale": "ar", "rtl": True, "linked": True}
    icons = [button["text"][0] for row in view["keyboard"]["rows"] for button in row]
    assert icons == ["📋", "📅", "✅", "❓", "⚙", "ℹ"]
    texts = [m["text"] for m in view["messages"]]
    assert texts[0].startswith("/start ")
    assert view["messages"][1]["inline_keyboard"][0][0]["action"] == "callback"


async def test_typing_pressing_and_the_bot_answering_reach_the_event_stream(
    http: aiohttp.ClientSession, sandbox: Sandbox
) -> None:
    phone = phone_of(sandbox, "Grace")
    async with http.get("/api/events") as stream:
        assert stream.headers["Content-Type"] == "text/event-stream"
        hello = await stream_event(stream, lambda e: True)
        assert hello["type"] == "hello" and hello["label"] == "Mon 23 Nov 2026, 09:00"
        async with http.post(f"/api/chats/{phone.chat_id}/start"):
            pass
        own = await stream_event(stream, lambda e: e["type"] == "message")
        assert own["message"]["text"].startswith("/start") and not own["message"]["from_bot"]
        consent = await stream_event(
            stream, lambda e: e["type"] == "message" and e["message"]["from_bot"]
        )
        assert "Welcome, Grace" in consent["message"]["text"]
        assert consent["message"]["time"] == "09:00"
        language = await stream_event(stream, lambda e: e["type"] == "phone")
        assert language == {
            "type": "phone",
            "chat_id": phone.chat_id,
            "locale": "en",
            "rtl": False,
            "linked": True,
        }
        body = {"message_id": consent["message"]["id"], "data": "priv:v1:agree:"}
        async with http.post(f"/api/chats/{phone.chat_id}/press", json=body) as pressed:
            assert pressed.status == 200
        thanks = await stream_event(stream, lambda e: e["type"] == "toast")
        assert thanks["text"] == "Thank you!" and thanks["chat_id"] == phone.chat_id
        keyboard = await stream_event(stream, lambda e: e["type"] == "keyboard")
        assert keyboard["keyboard"]["rows"][0][0]["text"].startswith("📋")
        async with http.post(f"/api/chats/{phone.chat_id}/messages", json={"text": "/plan"}):
            pass
        plan = await stream_event(
            stream, lambda e: e["type"] == "message" and e["message"]["from_bot"]
        )
        assert plan["chat_id"] == phone.chat_id


async def test_a_photo_and_a_document_from_the_phone_can_be_downloaded_again(
    http: aiohttp.ClientSession, sandbox: Sandbox
) -> None:
    phone = await linked_phone(sandbox, "Grace")
    form = aiohttp.FormData()
    form.add_field("file", PNG, filename="letter.png", content_type="image/png")
    form.add_field("caption", "A letter from DUO")
    async with http.post(f"/api/chats/{phone.chat_id}/files", data=form) as response:
        photo_id = (await response.json())["message_id"]
    form = aiohttp.FormData()
    form.add_field("file", b"%PDF-1.4 demo", filename="brief.pdf", content_type="application/pdf")
    async with http.post(f"/api/chats/{phone.chat_id}/files", data=form) as response:
        document_id = (await response.json())["message_id"]
    chat = sandbox.fake.chat(phone.chat_id)
    photo, document = chat.messages[photo_id], chat.messages[document_id]
    assert photo.media_kind == "photo" and photo.text == "A letter from DUO"
    assert document.media_kind == "document"
    async with http.get(f"/api/chats/{phone.chat_id}") as response:
        views = {m["id"]: m for m in (await response.json())["messages"]}
    async with http.get(views[photo_id]["media"]["url"]) as image:
        assert await image.read() == PNG
        assert image.headers["Content-Disposition"] == "inline"
    async with http.get(views[document_id]["media"]["url"]) as download:
        assert await download.read() == b"%PDF-1.4 demo"
        assert download.headers["Content-Disposition"] == "attachment; filename*=UTF-8''brief.pdf"


async def test_a_shared_location_from_the_keyboard_reaches_the_bot(
    http: aiohttp.ClientSession, sandbox: Sandbox
) -> None:
    phone = await linked_phone(sandbox, "Grace")
    async with http.post(f"/api/chats/{phone.chat_id}/share", json={"what": "location"}) as r:
        message_id = (await r.json())["message_id"]
    assert "location" in sandbox.fake.chat(phone.chat_id).messages[message_id].data


# -- the staff chat -------------------------------------------------------------------------------


async def test_a_caseworker_writes_in_the_staff_chat_and_topics_are_listed(
    http: aiohttp.ClientSession, sandbox: Sandbox
) -> None:
    app = sandbox.app
    assert app is not None
    queue = sandbox.hub.subscribe()
    topic = await app.bot.create_forum_topic(STAFF_CHAT_ID, "HRN-1 Amina (ar)")
    topics = await next_event(queue, lambda e: e["type"] == "topics")
    assert topics["topics"][0]["name"] == "HRN-1 Amina (ar)"
    member = sandbox.world.staff[0]
    body = {"text": "Hello team", "user_id": member.user_id, "thread_id": topic.message_thread_id}
    async with http.post(f"/api/chats/{STAFF_CHAT_ID}/messages", json=body) as response:
        assert response.status == 200
    written = await next_event(
        queue, lambda e: e["type"] == "message" and e["message"]["text"] == "Hello team"
    )
    assert written["message"]["sender"]["name"] == "Sanne Jonker"
    assert written["message"]["thread_id"] == topic.message_thread_id
    async with http.get(f"/api/chats/{STAFF_CHAT_ID}") as response:
        view = await response.json()
    assert [t["name"] for t in view["topics"]] == ["HRN-1 Amina (ar)"]
    services = [m["service"] for m in view["messages"] if m["service"]]
    assert services == [{"kind": "topic_created", "name": "HRN-1 Amina (ar)"}]


async def test_edits_and_deletions_by_the_bot_reach_the_page(sandbox: Sandbox) -> None:
    phone = await linked_phone(sandbox, "Grace")
    app = sandbox.app
    assert app is not None
    queue = sandbox.hub.subscribe()
    sent = await app.bot.send_message(phone.chat_id, "<b>First</b> words", parse_mode="HTML")
    first = await next_event(queue, lambda e: e["type"] == "message" and e["message"]["from_bot"])
    assert first["message"]["entities"] == [{"type": "bold", "offset": 0, "length": 5}]
    await app.bot.edit_message_text("Second words", phone.chat_id, sent.message_id)
    edited = await next_event(queue, lambda e: e["type"] == "message")
    assert edited["message"]["text"] == "Second words" and edited["message"]["edited"]
    await app.bot.delete_message(phone.chat_id, sent.message_id)
    gone = await next_event(queue, lambda e: e["type"] == "delete")
    assert gone == {"type": "delete", "chat_id": phone.chat_id, "message_id": sent.message_id}


async def test_a_venue_comes_with_a_map_link(sandbox: Sandbox) -> None:
    phone = await linked_phone(sandbox, "Grace")
    app = sandbox.app
    assert app is not None
    await app.bot.send_venue(phone.chat_id, 52.6408, 5.0583, "Stadhuis Hoorn", "Nieuwe Steen 1")
    view = await sandbox.chat_view(phone.chat_id)
    venue = view["messages"][-1]["venue"]
    assert venue["title"] == "Stadhuis Hoorn"
    assert venue["map_url"].startswith("https://www.openstreetmap.org/?mlat=52.6408&mlon=5.0583")


# -- the clock ------------------------------------------------------------------------------------


async def test_moving_the_clock_runs_the_jobs_and_a_due_reminder_goes_out(
    http: aiohttp.ClientSession, sandbox: Sandbox
) -> None:
    phone = await linked_phone(sandbox, "Amina")
    before = sandbox.clock.now()
    async with http.post("/api/clock", json={"seconds": 3 * 86400}) as response:
        clock = await response.json()
    assert clock["label"].startswith("Thu 26 Nov 2026, 09:0")
    assert sandbox.clock.now() - before >= timedelta(days=3)
    reminder = await phone.next_message(timeout=10)
    assert "Open a bank account" in (reminder.text or "")
    assert sandbox.db is not None
    async with sandbox.db.reading() as session:
        rows = [r for r in (await session.exec(select(Reminder))).all() if r.kind == "task"]
    assert any(r.status == ReminderStatus.SENT for r in rows)


async def test_the_clock_only_moves_forward_and_by_at_most_a_year(
    http: aiohttp.ClientSession, sandbox: Sandbox
) -> None:
    before = sandbox.clock.offset
    for seconds in (0, -3600, 400 * 86400):
        async with http.post("/api/clock", json={"seconds": seconds}) as response:
            assert await error_of(response) == (
                400,
                "the clock moves forward by up to a year at a time",
            )
    async with http.post("/api/clock", json={"seconds": "soon"}) as response:
        assert await error_of(response) == (400, "seconds is a number")
    assert sandbox.clock.offset == before


# -- refusals -------------------------------------------------------------------------------------


async def test_posts_without_the_sandbox_header_are_refused(sandbox: Sandbox) -> None:
    async with aiohttp.ClientSession(base_url=sandbox.url) as bare:
        async with bare.post("/api/clock", json={"seconds": 3600}) as response:
            assert await error_of(response) == (403, "missing the X-Sandbox header")
        phone = phone_of(sandbox, "Grace")
        async with bare.post(f"/api/chats/{phone.chat_id}/start") as response:
            assert response.status == 403
    assert sandbox.fake.chat(phone.chat_id).messages == {}


async def test_unknown_chats_files_and_malformed_requests_are_refused(
    http: aiohttp.ClientSession, sandbox: Sandbox
) -> None:
    phone = phone_of(sandbox, "Grace")
    chat = f"/api/chats/{phone.chat_id}"
    async with http.get("/api/chats/42") as response:
        assert await error_of(response) == (404, "no chat 42")
    async with http.get("/api/chats/abc") as response:
        assert await error_of(response) == (400, "a chat id is a number")
    async with http.post("/api/chats/42/start") as response:
        assert await error_of(response) == (404, "no demo phone 42")
    async with http.get("/api/files/BQAC-unknown") as response:
        assert await error_of(response) == (404, "no such file")
    async with http.post(f"{chat}/messages", data=b"not json") as response:
        assert await error_of(response) == (400, "the body is not JSON")
    async with http.post(f"{chat}/messages", json=["a list"]) as response:
        assert await error_of(response) == (400, "the body is a JSON object")
    async with http.post(f"{chat}/messages", json={"text": 5}) as response:
        assert await error_of(response) == (400, "text is a string")
    async with http.post(f"{chat}/messages", json={"text": "   "}) as response:
        assert await error_of(response) == (400, "the message is empty")
    async with http.post(f"{chat}/messages", json={"text": "x" * 4097}) as response:
        assert await error_of(response) == (400, "a message has at most 4096 characters")
    async with http.post(f"{chat}/share", json={"what": "selfie"}) as response:
        assert await error_of(response) == (400, "a phone shares its location or its contact")
    no_file = aiohttp.FormData({"caption": "no file"}, default_to_multipart=True)
    async with http.post(f"{chat}/files", data=no_file) as response:
        assert await error_of(response) == (400, "the form has no file")
    async with http.post(f"{chat}/files", json={"file": "x"}) as response:
        assert await error_of(response) == (400, "send the file as multipart/form-data")
    assert sandbox.fake.chat(phone.chat_id).messages == {}


async def test_nobody_writes_or_presses_in_someone_elses_name(
    http: aiohttp.ClientSession, sandbox: Sandbox
) -> None:
    amina = await linked_phone(sandbox, "Amina")
    grace = phone_of(sandbox, "Grace")
    menu = amina.last_message
    assert menu is not None
    own = f"/api/chats/{amina.chat_id}"
    async with http.post(f"{own}/messages", json={"text": "hi", "user_id": grace.id}) as r:
        assert await error_of(r) == (400, "only the phone's owner writes in a phone chat")
    async with http.post(f"{own}/messages", json={"text": "hi", "thread_id": 7}) as r:
        assert await error_of(r) == (400, "only the staff chat has topics")
    async with http.post(f"{own}/press", json={"message_id": 999, "data": "x"}) as r:
        assert await error_of(r) == (400, "that message is gone")
    async with http.post(f"{own}/press", json={"message_id": 1, "data": "x"}) as r:
        assert await error_of(r) == (400, "that message is gone")  # the phone's own /start
    body = {"message_id": menu.message_id, "data": "appt:v1:confirm:1"}
    async with http.post(f"{own}/press", json=body) as r:
        assert await error_of(r) == (400, "that button is not on the message")
    async with http.post(f"{own}/press", json={"data": "x"}) as r:
        assert await error_of(r) == (400, "message_id is a number")
    staff = f"/api/chats/{STAFF_CHAT_ID}"
    async with http.post(f"{staff}/messages", json={"text": "hi"}) as r:
        assert await error_of(r) == (400, "choose a staff member to write as")
    async with http.post(f"{staff}/messages", json={"text": "hi", "user_id": grace.id}) as r:
        assert await error_of(r) == (400, "choose a staff member to write as")
    member = sandbox.world.staff[0].user_id
    body = {"text": "hi", "user_id": member, "thread_id": 12345}
    async with http.post(f"{staff}/messages", json=body) as r:
        assert await error_of(r) == (400, "that topic is gone")
    assert [m for m in sandbox.fake.chat(STAFF_CHAT_ID).messages.values()] == []


async def test_a_closed_topic_refuses_staff_messages_like_telegram(
    http: aiohttp.ClientSession, sandbox: Sandbox
) -> None:
    app = sandbox.app
    assert app is not None
    topic = await app.bot.create_forum_topic(STAFF_CHAT_ID, "HRN-2 Grace (en)")
    await app.bot.close_forum_topic(STAFF_CHAT_ID, topic.message_thread_id)
    member = sandbox.world.staff[0].user_id
    body = {"text": "hi", "user_id": member, "thread_id": topic.message_thread_id}
    async with http.post(f"/api/chats/{STAFF_CHAT_ID}/messages", json=body) as r:
        assert await error_of(r) == (400, "Bad Request: TOPIC_CLOSED")


async def test_while_starting_the_actions_wait_and_say_so() -> None:
    starting = Sandbox()
    async with TestClient(TestServer(make_app(starting))) as client:
        response = await client.get("/api/state")
        assert await error_of(response) == (503, "the sandbox is starting; try again in a moment")
        page = await client.get("/")
        assert page.status == 200
