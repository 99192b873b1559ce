"""The Bot API HTTP contract, exercised with a plain HTTP client."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from fakebot import ApiError, FakeTelegram

pytestmark = pytest.mark.asyncio

CHAT = 5001


class Api:
    """A minimal Bot API client returning (status, body)."""

    def __init__(self, session: aiohttp.ClientSession, fake: FakeTelegram) -> None:
        self.session = session
        self.fake = fake

    async def call(
        self, method: str, token: str | None = None, **params: Any
    ) -> tuple[int, dict[str, Any]]:
        """POST params as JSON."""
        url = f"{self.fake.api_url}{token or self.fake.token}/{method}"
        async with self.session.post(url, json=params) as response:
            return response.status, await response.json()

    async def ok(self, method: str, **params: Any) -> Any:
        """Call a method that must succeed and return its result."""
        status, body = await self.call(method, **params)
        assert status == 200 and body["ok"], body
        return body["result"]

    async def error(self, method: str, **params: Any) -> tuple[int, str]:
        """Call a method that must fail and return (error_code, description)."""
        status, body = await self.call(method, **params)
        assert body["ok"] is False and body["error_code"] == status, body
        return status, body["description"]


@pytest_asyncio.fixture
async def api(fake: FakeTelegram) -> AsyncIterator[Api]:
    """Yield a raw client with one known private chat."""
    fake.user(CHAT, "Lotte")
    async with aiohttp.ClientSession() as session:
        yield Api(session, fake)


async def test_form_json_and_query_encodings(fake: FakeTelegram, api: Api) -> None:
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    form = {"chat_id": str(CHAT), "text": "123", "reply_markup": json.dumps(markup)}
    async with api.session.post(f"{fake.api_url}{fake.token}/sendMessage", data=form) as response:
        sent = (await response.json())["result"]
    assert sent["text"] == "123" and sent["reply_markup"] == markup
    assert fake.calls[-1].params == {"chat_id": CHAT, "text": "123", "reply_markup": markup}

    url = f"{fake.api_url}{fake.token}/SENDMESSAGE?chat_id={CHAT}&text=via+query"
    async with api.session.get(url) as response:
        assert (await response.json())["result"]["text"] == "via query"
    assert fake.calls[-1].method == "sendMessage"
    assert (await api.ok("sendMessage", chat_id=CHAT, text="json"))["chat"]["type"] == "private"


async def test_message_ids_increase_per_chat(api: Api, fake: FakeTelegram) -> None:
    fake.user(5002, "Mo")
    first = await api.ok("sendMessage", chat_id=CHAT, text="a")
    second = await api.ok("sendMessage", chat_id=CHAT, text="b")
    other = await api.ok("sendMessage", chat_id=5002, text="c")
    assert second["message_id"] == first["message_id"] + 1
    assert other["message_id"] == 1
    assert isinstance(first["date"], int) and first["from"]["is_bot"] is True


async def test_unknown_method_and_wrong_token(api: Api) -> None:
    assert await api.call("sendTelepathy", chat_id=CHAT) == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found"},
    )
    status, body = await api.call("getMe", token="999:WRONG")
    assert status == 401 and body["description"] == "Unauthorized"


async def test_missing_parameters_and_limits(api: Api) -> None:
    assert await api.error("sendMessage", chat_id=CHAT) == (
        400,
        "Bad Request: message text is empty",
    )
    assert await api.error("sendMessage", chat_id=CHAT, text="   ") == (
        400,
        "Bad Request: message text is empty",
    )
    assert await api.error("sendMessage", text="hoi") == (400, "Bad Request: chat_id is empty")
    assert await api.error("sendMessage", chat_id=999, text="hoi") == (
        400,
        "Bad Request: chat not found",
    )
    assert await api.error("sendMessage", chat_id=CHAT, text="x" * 4097) == (
        400,
        "Bad Request: message is too long",
    )
    assert (await api.ok("sendMessage", chat_id=CHAT, text="x" * 4096))["text"] == "x" * 4096
    assert await api.error("sendDocument", chat_id=CHAT) == (
        400,
        "Bad Request: there is no document in the request",
    )
    assert await api.error("getFile", file_id="nope") == (400, "Bad Request: invalid file_id")


async def test_html_parse_mode(api: Api) -> None:
    sent = await api.ok(
        "sendMessage",
        chat_id=CHAT,
        text="<b>Vet</b> &amp; <a href='https://x.nl'>link</a> 😀 <i>ok</i>",
        parse_mode="HTML",
    )
    assert sent["text"] == "Vet & link 😀 ok"
    assert sent["entities"] == [
        {"type": "bold", "offset": 0, "length": 3},
        {"type": "text_link", "url": "https://x.nl", "offset": 6, "length": 4},
        {"type": "italic", "offset": 14, "length": 2},  # the emoji counts as two UTF-16 units
    ]
    failures = {
        "regel<br>regel": 'Unsupported start tag "br" at byte offset 5',
        "<b>open": 'Can\'t find end tag corresponding to start tag "b"',
        "<b><i>x</b></i>": 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"',
        "1 < 2": 'Unsupported start tag "" at byte offset 2',
    }
    for text, detail in failures.items():
        assert await api.error("sendMessage", chat_id=CHAT, text=text, parse_mode="HTML") == (
            400,
            f"Bad Request: can't parse entities: {detail}",
        )
    supported = (
        '<s>a</s><u>b</u><tg-spoiler>c</tg-spoiler><span class="tg-spoiler">d</span>'
        '<code>e</code><pre>f</pre><blockquote>g</blockquote><tg-emoji emoji-id="1">h</tg-emoji>'
    )
    sent = await api.ok("sendMessage", chat_id=CHAT, text=supported, parse_mode="HTML")
    assert sent["text"] == "abcdefgh" and len(sent["entities"]) == 8


async def test_markdown_v2_requires_escaping(api: Api) -> None:
    _, description = await api.error(
        "sendMessage", chat_id=CHAT, text="Klaar.", parse_mode="MarkdownV2"
    )
    assert description == (
        "Bad Request: can't parse entities: "
        "Character '.' is reserved and must be escaped with the preceding '\\'"
    )
    sent = await api.ok("sendMessage", chat_id=CHAT, text="*Klaar*\\.", parse_mode="MarkdownV2")
    assert sent["text"] == "Klaar." and sent["entities"] == [
        {"type": "bold", "offset": 0, "length": 5}
    ]


async def test_multipart_upload_round_trip(fake: FakeTelegram, api: Api) -> None:
    payload = bytes(range(256)) * 40
    form = aiohttp.FormData()
    form.add_field("chat_id", str(CHAT))
    form.add_field("caption", "<i>bijlage</i>")
    form.add_field("parse_mode", "HTML")
    form.add_field("document", "attach://brief")
    form.add_field("brief", payload, filename="brief.bin", content_type="application/octet-stream")
    async with api.session.post(f"{fake.api_url}{fake.token}/sendDocument", data=form) as response:
        message = (await response.json())["result"]
    assert message["caption"] == "bijlage"
    assert message["caption_entities"] == [{"type": "italic", "offset": 0, "length": 7}]
    document = message["document"]
    assert document["file_name"] == "brief.bin" and document["file_size"] == len(payload)

    file = await api.ok("getFile", file_id=document["file_id"])
    async with api.session.get(f"{fake.file_url}{fake.token}/{file['file_path']}") as response:
        assert response.status == 200 and await response.read() == payload
    assert fake.file_bytes(document["file_id"]) == payload
    resent = await api.ok("sendDocument", chat_id=CHAT, document=document["file_id"])
    assert resent["document"]["file_id"] == document["file_id"]


async def test_get_updates_offset_and_limit(fake: FakeTelegram, api: Api) -> None:
    user = fake.user(CHAT)
    for text in ("een", "twee", "drie"):
        await user.send_text(text)
    first_two = await api.ok("getUpdates", limit=2)
    assert [u["message"]["text"] for u in first_two] == ["een", "twee"]
    assert await api.ok("getUpdates", limit=2) == first_two  # not confirmed yet
    rest = await api.ok("getUpdates", offset=first_two[-1]["update_id"] + 1)
    assert [u["message"]["text"] for u in rest] == ["drie"]
    assert fake.pending_updates == 1
    assert await api.ok("getUpdates", offset=rest[-1]["update_id"] + 1) == []
    assert fake.pending_updates == 0


async def test_long_poll_wakes_on_new_update(fake: FakeTelegram, api: Api) -> None:
    poll = asyncio.create_task(api.ok("getUpdates", timeout=10))
    await fake.wait_in_flight("getUpdates")
    started = time.monotonic()
    await fake.user(CHAT).send_text("nu!")
    updates = await asyncio.wait_for(poll, 5)
    assert time.monotonic() - started < 0.5
    assert updates[0]["message"]["text"] == "nu!"


async def test_newer_long_poll_terminates_older_with_conflict(fake: FakeTelegram, api: Api) -> None:
    older = asyncio.create_task(api.call("getUpdates", timeout=10))
    await fake.wait_in_flight("getUpdates")
    newer = asyncio.create_task(api.call("getUpdates", timeout=10))
    status, body = await asyncio.wait_for(older, 5)
    assert status == 409 and "terminated by other getUpdates request" in body["description"]
    await fake.user(CHAT).send_text("voor de nieuwe")
    status, body = await asyncio.wait_for(newer, 5)
    assert status == 200 and body["result"][0]["message"]["text"] == "voor de nieuwe"


async def test_forum_topic_lifecycle(fake: FakeTelegram, api: Api) -> None:
    group = fake.supergroup(-100999, "Forum")
    topic = await api.ok("createForumTopic", chat_id=group.id, name="Vragen", icon_color=16766590)
    thread = topic["message_thread_id"]
    sent = await api.ok("sendMessage", chat_id=group.id, message_thread_id=thread, text="in topic")
    assert sent["message_thread_id"] == thread and sent["is_topic_message"] is True
    assert sent["reply_to_message"]["forum_topic_created"]["name"] == "Vragen"
    assert await api.ok("editForumTopic", chat_id=group.id, message_thread_id=thread, name="FAQ")
    assert await api.error(
        "editForumTopic", chat_id=group.id, message_thread_id=thread, name="FAQ"
    ) == (400, "Bad Request: TOPIC_NOT_MODIFIED")
    assert await api.ok("closeForumTopic", chat_id=group.id, message_thread_id=thread)
    member = group.member(fake.user(5003, "Nina"))
    with pytest.raises(ApiError, match="TOPIC_CLOSED"):
        await member.send_text("mag niet", thread_id=thread)
    assert await api.ok("reopenForumTopic", chat_id=group.id, message_thread_id=thread)
    assert await api.ok("deleteForumTopic", chat_id=group.id, message_thread_id=thread)
    assert group.messages(thread_id=thread) == []
    assert await api.error(
        "sendMessage", chat_id=group.id, message_thread_id=thread, text="weg"
    ) == (400, "Bad Request: message thread not found")
    assert await api.error("createForumTopic", chat_id=CHAT, name="x") == (
        400,
        "Bad Request: the chat is not a forum",
    )


async def test_edit_delete_and_callback_errors(fake: FakeTelegram, api: Api) -> None:
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    sent = await api.ok("sendMessage", chat_id=CHAT, text="vraag", reply_markup=markup)
    ids = {"chat_id": CHAT, "message_id": sent["message_id"]}
    assert await api.error("editMessageText", text="vraag", reply_markup=markup, **ids) == (
        400,
        "Bad Request: message is not modified: specified new message content and reply markup "
        "are exactly the same as a current content and reply markup of the message",
    )
    new_markup = {"inline_keyboard": [[{"text": "B", "callback_data": "b"}]]}
    edited = await api.ok("editMessageReplyMarkup", reply_markup=new_markup, **ids)
    assert edited["reply_markup"] == new_markup and "edit_date" in edited

    press = await fake.user(CHAT).press(fake.user(CHAT).inbox[0], "b")
    assert await api.ok("answerCallbackQuery", callback_query_id=press.query_id, text="ok")
    assert (await api.error("answerCallbackQuery", callback_query_id=press.query_id))[0] == 400

    assert await api.ok("deleteMessage", **ids) is True
    assert await api.error("deleteMessage", **ids) == (
        400,
        "Bad Request: message to delete not found",
    )
    assert await api.error("editMessageText", text="x", **ids) == (
        400,
        "Bad Request: message to edit not found",
    )
    assert fake.user(CHAT).inbox == []


async def test_copy_forward_and_service_messages(fake: FakeTelegram, api: Api) -> None:
    group = fake.supergroup(-100888, "Forum")
    user = fake.user(CHAT)
    photo = await user.send_photo(caption="origineel")
    copy = await api.ok(
        "copyMessage",
        chat_id=group.id,
        from_chat_id=CHAT,
        message_id=photo.message_id,
        caption="nieuw",
    )
    copied = group.chat.messages[copy["message_id"]]
    assert copied.data["photo"] == photo.data["photo"] and copied.text == "nieuw"
    forwarded = await api.ok(
        "forwardMessage", chat_id=group.id, from_chat_id=CHAT, message_id=photo.message_id
    )
    assert forwarded["forward_origin"]["sender_user"]["id"] == CHAT
    topic = await api.ok("createForumTopic", chat_id=group.id, name="T")
    assert await api.error(
        "copyMessage", chat_id=CHAT, from_chat_id=group.id, message_id=topic["message_thread_id"]
    ) == (400, "Bad Request: message can't be copied")


async def test_chat_member_menu_button_and_webhook_conflict(fake: FakeTelegram, api: Api) -> None:
    assert (await api.ok("getChatMember", chat_id=CHAT, user_id=CHAT))["status"] == "member"
    assert await api.ok("setChatMenuButton", chat_id=CHAT, menu_button={"type": "commands"})
    assert await api.ok("getChatMenuButton", chat_id=CHAT) == {"type": "commands"}
    assert await api.ok("setWebhook", url="http://127.0.0.1:9/hook")
    status, description = await api.error("getUpdates")
    assert status == 409 and "webhook is active" in description
    assert await api.ok("deleteWebhook")
    assert await api.ok("getUpdates") == []


async def test_events_are_json_serialisable(fake: FakeTelegram, api: Api) -> None:
    async with fake.subscribe() as events:
        sent = await api.ok(
            "sendMessage",
            chat_id=CHAT,
            text="a",
            reply_markup={"inline_keyboard": [[{"text": "x", "callback_data": "x"}]]},
        )
        await api.ok("editMessageText", chat_id=CHAT, message_id=sent["message_id"], text="b")
        press = await fake.user(CHAT).press(fake.user(CHAT).inbox[0], "x", strict=False)
        await api.ok("answerCallbackQuery", callback_query_id=press.query_id, text="!")
        await api.ok("deleteMessage", chat_id=CHAT, message_id=sent["message_id"])
        received = [await events.get(timeout=1) for _ in range(5)]
    assert [e["type"] for e in received] == [
        "message",
        "edit",
        "update",
        "callback_answer",
        "delete",
    ]
    json.dumps(received)
