"""Whatever a user sends or presses, the bot answers kindly or stays silent, changes nothing it
should not, and never shows another client's data."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import select

from fakebot import SimUser, StoredMessage
from storage.enums import ClientResponse, TaskStatus
from storage.models import Appointment, Client, Message, Task
from tests import factories
from tests.e2e.conftest import Harness

UNSUPPORTED = "Sorry, I cannot use this kind of message."
EDITED = "You changed a message."
UNKNOWN_COMMAND = "I do not know this command."
STALE = "This button is no longer valid."
NOT_LINKED = "I do not know you yet."
THANKS = "Thank you. Your caseworker gets your message."

POLL = {
    "id": "5001",
    "question": "Which day?",
    "options": [
        {"text": "Monday", "voter_count": 0, "persistent_id": "o1"},
        {"text": "Friday", "voter_count": 0, "persistent_id": "o2"},
    ],
    "total_voter_count": 0,
    "is_closed": False,
    "is_anonymous": True,
    "type": "regular",
    "allows_multiple_answers": False,
    "allows_revoting": False,
    "members_only": False,
}
VIDEO_NOTE = {
    "file_id": "DQACAgQAAxkBvideonote",
    "file_unique_id": "vn1",
    "length": 240,
    "duration": 3,
}
VIDEO = {
    "file_id": "BAACAgQAAxkBvideo",
    "file_unique_id": "v1",
    "width": 640,
    "height": 360,
    "duration": 4,
}
AUDIO = {"file_id": "CQACAgQAAxkBaudio", "file_unique_id": "a1", "duration": 30}
VENUE = {
    "location": {"latitude": 52.64, "longitude": 5.06},
    "title": "Bibliotheek Hoorn",
    "address": "Wisselstraat 8",
}


async def two_clients(harness: Harness) -> tuple[Client, SimUser, Client, Appointment, Task]:
    """Amina (linked, with an appointment and a task) and Zainab, whose rows must stay hers."""
    async with harness.db.transaction() as session:
        amina = await factories.client(session, first_name="Amina", locale="en")
        zainab = await factories.client(session, first_name="Zainab", locale="en")
        await factories.appointment(session, client=amina)
        await factories.task(session, client=amina)
        theirs = await factories.appointment(
            session, client=zainab, title="Zainab bij de huisarts", place_name="Huisarts Zuid"
        )
        their_task = await factories.task(session, client=zainab, title="Zainab: bring passport")
    user = await harness.linked_user(amina, language_code="en")
    return amina, user, zainab, theirs, their_task


async def linked(harness: Harness) -> tuple[Client, SimUser]:
    async with harness.db.transaction() as session:
        client = await factories.client(session, first_name="Amina", locale="en")
    return client, await harness.linked_user(client, language_code="en")


async def stored_messages(harness: Harness) -> list[Message]:
    async with harness.db.reading() as session:
        return list((await session.exec(select(Message))).all())


async def reply_text(user: SimUser) -> str:
    return (await user.next_message()).text or ""


async def press(user: SimUser, message: StoredMessage, data: str | None) -> dict[str, Any]:
    return await (await user.press(message, data, strict=False)).answer()


# -- unsupported messages ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        {"poll": POLL},
        {"dice": {"emoji": "🎲", "value": 4}},
        {"video_note": VIDEO_NOTE},
        {"video": VIDEO},
        {"audio": AUDIO},
        {"venue": VENUE, "location": VENUE["location"]},
    ],
    ids=["poll", "dice", "video_note", "video", "audio", "venue"],
)
async def test_unsupported_kinds_of_message_get_a_kind_answer(
    harness: Harness, content: dict[str, Any]
) -> None:
    _, user = await linked(harness)
    user._post(content)
    reply = await reply_text(user)
    if "venue" in content:  # a venue carries a location, which a caseworker can use
        assert THANKS in reply
    else:
        assert UNSUPPORTED in reply
        assert await stored_messages(harness) == []


async def test_stickers_and_contacts_get_a_kind_answer(harness: Harness) -> None:
    _, user = await linked(harness)
    await user.send_sticker("👍")
    assert UNSUPPORTED in await reply_text(user)
    await user.send_contact("+31 6 12345678")
    assert UNSUPPORTED in await reply_text(user)
    assert await stored_messages(harness) == []


async def test_before_linking_any_message_asks_for_the_code(harness: Harness) -> None:
    user = harness.fake.user(7601, "Stranger", "en")
    await user.send_sticker()
    assert NOT_LINKED in await reply_text(user)
    await user.send_contact("+31 6 12345678")
    assert NOT_LINKED in await reply_text(user)


# -- long texts and edits ----------------------------------------------------------------------


async def test_a_text_of_4096_characters_is_stored_and_acknowledged(harness: Harness) -> None:
    _, user = await linked(harness)
    text = ("سؤال عن الموعد " * 300)[:4000] + "x" * 96
    assert len(text) == 4096
    await user.send_text(text)
    assert THANKS in await reply_text(user)
    [stored] = await stored_messages(harness)
    assert stored.text == text
    assert not harness.fake.calls_for("sendMessage", ok=False)


async def test_html_in_a_question_is_stored_as_written(harness: Harness) -> None:
    _, user = await linked(harness)
    text = "<b>urgent</b> & <script>alert(1)</script> &amp; </i>"
    await user.send_text(text)
    assert THANKS in await reply_text(user)
    [stored] = await stored_messages(harness)
    assert stored.text == text


async def test_an_edited_message_gets_a_kind_answer_and_is_not_asked_again(
    harness: Harness,
) -> None:
    _, user = await linked(harness)
    sent = await user.send_text("When is my KNM exam?")
    assert THANKS in await reply_text(user)
    await user.edit_text(sent, "When is my KNM exam? And where?")
    assert EDITED in await reply_text(user)
    [stored] = await stored_messages(harness)
    assert stored.text == "When is my KNM exam?"


async def test_an_edit_before_linking_is_ignored(harness: Harness) -> None:
    user = harness.fake.user(7602, "Stranger", "en")
    sent = await user.send_text("hello")
    assert NOT_LINKED in await reply_text(user)
    await user.edit_text(sent, "hello again")
    await user.send_command("/help")  # updates are handled in order: the edit is done by now
    assert "Help" in await reply_text(user)
    assert len(user.inbox) == 2


# -- other chats and unknown commands -----------------------------------------------------------


async def test_groups_other_than_the_staff_chat_get_no_answer_at_all(harness: Harness) -> None:
    client, user = await linked(harness)
    group = harness.fake.supergroup(-1009876543210, "Buurtgroep Hoorn", is_forum=False)
    member = user.in_group(group)
    stranger = harness.fake.user(7603, "Stranger", "en").in_group(group)
    await member.send_text("Hello everyone")
    await member.send_command("/settings")
    await stranger.send_command("/start")
    await stranger.send_command("/privacy")
    await stranger.send_text("ABCDE-FGHJK")
    await user.send_command("/help")  # handled after everything in the group
    assert "Help" in await reply_text(user)
    assert group.messages() == []
    sent_to = {call.params.get("chat_id") for call in harness.fake.calls}
    assert group.id not in sent_to
    assert await stored_messages(harness) == []
    assert (await harness.reload(client)).status == "active"


async def test_unknown_commands_get_a_kind_answer(harness: Harness) -> None:
    _, user = await linked(harness)
    await user.send_command("/doesnotexist")
    assert UNKNOWN_COMMAND in await reply_text(user)
    await user.send_command("/settings@someotherbot")
    reply = await reply_text(user)
    assert reply  # answered, whatever Telegram routed to us
    assert await stored_messages(harness) == []


# -- buttons: malformed, old and forged ---------------------------------------------------------


async def test_malformed_and_old_buttons_are_no_longer_valid(harness: Harness) -> None:
    amina, user, _, _, _ = await two_clients(harness)
    await user.send_command("/settings")
    message = await user.next_message()
    async with harness.db.reading() as session:
        own = (
            await session.exec(select(Appointment).where(Appointment.client_id == amina.id))
        ).one()
    for data in (
        None,
        "",
        "garbage",
        "a" * 64,
        ":::",
        "appt:v1:confirm:",
        "appt:v1:confirm:abc",
        "appt:v1:confirm:-1",
        "appt:v1:confirm:99999999999999",
        "appt:v1:explode:1",
        f"appt:v0:confirm:{own.id}",  # an old version of a real button
        f"appt:v2:confirm:{own.id}",
        "task:v1:done:0",
        "lang:v1:set:xx",
        "lang:v1:set:",
        "priv:v1:forget9:",
        "zzz:v1:a:b",
    ):
        answer = await press(user, message, data)
        assert answer.get("text") == STALE, data
    async with harness.db.reading() as session:
        fresh = await session.get(Appointment, own.id)
    assert fresh is not None and fresh.client_response == ClientResponse.NONE
    assert (await harness.reload(amina)).locale == "en"


async def test_forged_buttons_for_another_clients_rows_change_nothing(harness: Harness) -> None:
    amina, user, zainab, theirs, their_task = await two_clients(harness)
    await user.send_command("/settings")
    message = await user.next_message()
    for data in (
        f"appt:v1:confirm:{theirs.id}",
        f"appt:v1:cannot:{theirs.id}",
        f"appt:v1:ics:{theirs.id}",
        f"appt:v1:r_other:{theirs.id}",
        f"task:v1:done:{their_task.id}",
        f"task:v1:undo:{their_task.id}",
        f"task:v1:ask:{their_task.id}",
    ):
        answer = await press(user, message, data)
        assert answer.get("text") == STALE, data
    async with harness.db.reading() as session:
        appointment = await session.get(Appointment, theirs.id)
        task = await session.get(Task, their_task.id)
    assert appointment is not None and appointment.client_response == ClientResponse.NONE
    assert task is not None and task.status == TaskStatus.OPEN
    assert (await harness.reload(amina)).awaiting is None
    for seen in user.inbox:
        assert "Zainab" not in (seen.text or "")
        assert "Huisarts" not in (seen.text or "")
    assert not harness.fake.calls_for("sendDocument")
    assert (await harness.reload(zainab)).telegram_chat_id is None
