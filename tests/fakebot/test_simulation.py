"""What simulated users send looks like Telegram updates and parses in PTB."""

from __future__ import annotations

import json

import pytest
from telegram import Bot, Update

from fakebot import FakeTelegram

pytestmark = pytest.mark.asyncio


async def fetch_updates(fake: FakeTelegram) -> list[Update]:
    """Return and confirm all pending updates, parsed by PTB."""
    async with Bot(fake.token, base_url=fake.api_url) as bot:
        updates = await bot.get_updates()
        if updates:
            await bot.get_updates(offset=updates[-1].update_id + 1)
    return list(updates)


async def test_media_and_service_updates_parse(fake: FakeTelegram) -> None:
    user = fake.user(7001, "Rik", username="rik_nl")
    await user.send_media_group(3, caption="Album")
    await user.send_document(b"%PDF", "diploma.pdf", caption="Diploma")
    await user.send_voice(duration=4)
    await user.send_location(52.37, 4.89)
    await user.send_sticker("🎉")
    await user.send_contact("+31612345678")
    updates = await fetch_updates(fake)

    messages = [u.message for u in updates]
    assert all(m is not None for m in messages)
    album = messages[:3]
    assert (
        len({m.media_group_id for m in album if m}) == 1
        and album[0]
        and album[0].caption == "Album"
    )
    document, voice, location, sticker, contact = messages[3:]
    assert document and document.document and document.document.file_name == "diploma.pdf"
    assert voice and voice.voice and voice.voice.to_dict()["duration"] == 4
    assert location and location.location and location.location.latitude == 52.37
    assert sticker and sticker.sticker and sticker.sticker.emoji == "🎉"
    assert contact and contact.contact and contact.contact.user_id == 7001
    assert fake.pending_updates == 0
    assert fake.file_bytes(document.document.file_id) == b"%PDF"


async def test_reply_in_group_and_pressing_unknown_button(fake: FakeTelegram) -> None:
    group = fake.supergroup(-100321, "Klas", is_forum=False)
    member = group.member(fake.user(7002, "Sanne"))
    question = await member.send_text("Wie weet het?")
    reply = await group.member(fake.user(7003, "Tom")).reply_to(question, "Ik!")
    assert reply.data["reply_to_message"]["message_id"] == question.message_id
    assert [m.text for m in group.all_messages()] == ["Wie weet het?", "Ik!"]
    with pytest.raises(ValueError, match="no button"):
        await member.press(question, "missing")
    updates = await fetch_updates(fake)
    assert updates[1].message and updates[1].message.reply_to_message
    assert updates[1].message.reply_to_message.text == "Wie weet het?"


async def test_subscription_sees_user_updates(fake: FakeTelegram) -> None:
    async with fake.subscribe() as events:
        await fake.user(7004, "Umar").send_command("start", "abc")
        event = await events.get(timeout=1)
    assert event["type"] == "update"
    assert event["update"]["message"]["text"] == "/start abc"
    assert event["update"]["message"]["entities"] == [
        {"type": "bot_command", "offset": 0, "length": 6}
    ]
    json.dumps(event)
