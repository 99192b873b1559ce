"""🔊 in the sandbox: under Amina's appointment (Arabic), a press plays a voice message."""

from __future__ import annotations

import shutil

import aiohttp
import pytest

from bot import ogg
from sandbox import Sandbox
from tests.e2e.eventually import eventually
from tests.sandbox.conftest import linked_phone

pytestmark = pytest.mark.skipif(
    shutil.which("espeak-ng") is None or shutil.which("opusenc") is None,
    reason="make install puts espeak-ng and opus-tools on the machine (docs/audio.md)",
)


async def test_listen_under_an_appointment_plays_a_voice_message_in_the_page(
    http: aiohttp.ClientSession, sandbox: Sandbox
) -> None:
    phone = await linked_phone(sandbox, "Amina")
    await phone.send_command("/appointments")
    card = await phone.next_message()  # Amina's appointments in one message
    opened = {"message_id": card.message_id, "data": card.callback_data[0]}
    async with http.post(f"/api/chats/{phone.chat_id}/press", json=opened) as pressed:
        assert pressed.status == 200

    async def opened_in_place() -> bool:  # the first one's card, in the same message
        return any(data.startswith("say:v1:appt:") for data in card.callback_data)

    await eventually(opened_in_place)
    listen = next(data for data in card.callback_data if data.startswith("say:v1:appt:"))
    body = {"message_id": card.message_id, "data": listen}
    async with http.post(f"/api/chats/{phone.chat_id}/press", json=body) as pressed:
        assert pressed.status == 200
    voice = await phone.next_message(timeout=30)  # the venue comes first
    while voice.media_kind != "voice":
        voice = await phone.next_message(timeout=30)
    async with http.get(f"/api/chats/{phone.chat_id}") as response:
        views = {m["id"]: m for m in (await response.json())["messages"]}
    media = views[voice.message_id]["media"]
    assert media["kind"] == "voice"
    assert views[voice.message_id]["text"] == "🤖 صوت حاسوبي، وليس شخصًا."
    async with http.get(media["url"]) as played:
        assert played.headers["Content-Type"].startswith("audio/ogg")
        assert played.headers["Content-Disposition"].startswith("inline")
        assert ogg.read(await played.read()).seconds > 3
