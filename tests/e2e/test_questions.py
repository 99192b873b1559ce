"""The client's side of questions: acknowledgements, what is relayed, albums, linked questions,
and a team without a Telegram staff chat (questions wait for the back-office)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from console.compose import scheduler_services
from fakebot import SimGroup, SimUser
from scheduler.waiting import retry_undelivered
from storage import questions
from storage.enums import Direction, MessageKind, QuestionStatus
from storage.ids import pk
from storage.models import Client, Message, Question
from tests import factories
from tests.e2e.conftest import STAFF_CHAT_ID, Harness
from tests.e2e.eventually import eventually
from texts.i18n import translator

EN = translator("en")
NL = translator("nl")
THANKS = "Thank you. Your caseworker gets your message. 📨"


async def linked(
    harness: Harness, *, locale: str = "en", user_id: int = 6201
) -> tuple[Client, SimUser, SimGroup]:
    group = harness.fake.supergroup(STAFF_CHAT_ID, title="Team inburgering")
    async with harness.db.transaction() as session:
        org = await factories.organisation(session, municipalities=("Hoorn",))
        caseworker = await factories.staff(session, organisation=org, telegram_user_id=8401)
        client = await factories.client(
            session, first_name="Yonas", locale=locale, caseworker_id=caseworker.id
        )
    user = await harness.linked_user(client, user_id=user_id, language_code=locale)
    return client, user, group


async def stored(harness: Harness, client: Client) -> list[Message]:
    async with harness.db.reading() as session:
        return list(await questions.messages_of_client(session, client_id=pk(client)))


async def asked(harness: Harness, client: Client) -> list[Question]:
    async with harness.db.reading() as session:
        return list(await questions.for_client(session, client_id=pk(client)))


async def topic_of(harness: Harness, client: Client) -> int:
    async with harness.db.reading() as session:
        row = await questions.topic_of_client(session, chat_id=STAFF_CHAT_ID, client_id=pk(client))
    assert row is not None and row.topic_id is not None
    return row.topic_id


# -- acknowledgements ---------------------------------------------------------------------------


async def test_during_office_hours_the_answer_comes_within_a_working_day(
    harness: Harness,
) -> None:
    _client, user, _group = await linked(harness)
    await user.send_text("When is my next lesson?")
    ack = (await user.next_message()).text or ""
    assert EN(THANKS) in ack
    assert EN("You will usually get an answer within one working day.") in ack


async def test_outside_office_hours_the_acknowledgement_says_when_the_team_is_back(
    harness: Harness,
) -> None:
    harness.clock.set(datetime(2026, 11, 28, 12, 0, tzinfo=UTC))  # a Saturday
    _client, user, _group = await linked(harness)
    await user.send_text("Is the office open?")
    ack = (await user.next_message()).text or ""
    assert "The team is not at work now." in ack
    assert "Monday" in ack and "09:00" in ack


# -- what is relayed ----------------------------------------------------------------------------


async def test_voice_document_and_location_are_relayed_and_stored(harness: Harness) -> None:
    client, user, group = await linked(harness)
    await user.send_voice()
    await user.next_message()
    await user.send_document(file_name="brief.pdf", caption="The letter")
    await user.next_message()
    await user.send_location(52.6424, 5.0602)
    await user.next_message()
    topic_id = await topic_of(harness, client)
    copies = group.messages(topic_id)[1:]
    assert [m.media_kind for m in copies[:2]] == ["voice", "document"]
    assert copies[2].data["location"] == {"latitude": 52.6424, "longitude": 5.0602}
    messages = await stored(harness, client)
    assert [m.kind for m in messages] == [
        MessageKind.VOICE,
        MessageKind.DOCUMENT,
        MessageKind.LOCATION,
    ]
    assert messages[2].text == "52.642400,5.060200"
    assert all(m.client_message_id and m.staff_message_id for m in messages)


async def test_a_sticker_gets_a_kind_answer_and_is_not_relayed(harness: Harness) -> None:
    client, user, group = await linked(harness)
    await user.send_sticker()
    reply = (await user.next_message()).text or ""
    assert reply.startswith("Sorry, I cannot use this kind of message.")
    assert await stored(harness, client) == []
    assert group.messages() == []


async def test_an_album_is_one_relay_with_one_header_and_one_acknowledgement(
    harness: Harness,
) -> None:
    client, user, group = await linked(harness)
    await user.send_media_group(3, caption="All pages of the letter")
    await user.send_text("Can you read it?")
    first = await user.next_message()
    second = await user.next_message()
    assert EN(THANKS) in (first.text or "") and EN(THANKS) in (second.text or "")
    topic_id = await topic_of(harness, client)
    posted = group.messages(topic_id)
    assert len([m for m in posted if m.callback_data]) == 1
    assert [m.media_kind for m in posted[1:]] == ["photo", "photo", "photo", None]
    messages = await stored(harness, client)
    assert len({m.question_id for m in messages}) == 1
    assert len({m.media_group_id for m in messages[:3]}) == 1 and messages[0].media_group_id


async def test_the_question_button_explains_what_can_be_sent(harness: Harness) -> None:
    client, user, _group = await linked(harness)
    await user.send_text("❓ Ask a question")
    prompt = (await user.next_message()).text or ""
    assert EN("Write your question in your own language. 💬") in prompt
    assert await stored(harness, client) == []


async def test_writing_again_after_an_answer_opens_the_question_again(harness: Harness) -> None:
    client, user, group = await linked(harness)
    await user.send_text("Where is the language school?")
    await user.next_message()
    topic_id = await topic_of(harness, client)
    worker = group.member(8401)
    await worker.send_text("Aan de Wisselstraat 5.", thread_id=topic_id)
    await user.next_message()

    async def answered() -> bool:
        return (await asked(harness, client))[0].status == QuestionStatus.ANSWERED

    await eventually(answered)
    harness.clock.advance(timedelta(hours=1))
    await user.send_text("Thank you! And when?")
    await user.next_message()
    [question] = await asked(harness, client)
    assert question.status == QuestionStatus.OPEN
    assert question.waiting_since == harness.clock.now()

    async def topic_open_again() -> bool:  # the title is edited after the client's reply
        return group.topics[topic_id].name.startswith("🟢 ")

    await eventually(topic_open_again)
    assert [m.direction for m in await stored(harness, client)] == [
        Direction.FROM_CLIENT,
        Direction.FROM_STAFF,
        Direction.FROM_CLIENT,
    ]


async def test_a_late_title_edit_shows_the_stored_status_not_its_callers(
    harness: Harness,
) -> None:
    """An answer (staff chat) and the client's reply (their own chat) are handled at the same
    time; the answer's title edit may come last. It must not put 🟡 on an open question."""
    client, user, _ = await linked(harness)
    await user.send_text("Where is the language school?")
    await user.next_message()
    topic_id = await topic_of(harness, client)
    group = harness.fake.supergroup(STAFF_CHAT_ID)
    assert group.topics[topic_id].name.startswith("🟢 ")
    services = harness.app.bot_data.services
    relay = services.relay
    assert relay is not None
    # The edit of an answer that is already out of date: the stored question is open.
    await relay.refresh_title(harness.app.bot, client, QuestionStatus.ANSWERED)
    assert group.topics[topic_id].name.startswith("🟢 ")
    [question] = await asked(harness, client)
    assert question.status == QuestionStatus.OPEN


async def test_a_question_about_a_task_is_linked_and_its_header_says_so(harness: Harness) -> None:
    client, user, group = await linked(harness)
    async with harness.db.transaction() as session:
        task = await factories.task(session, client=client, title="Bring your diploma")
    await user.send_command("/tasks")
    card = await user.next_message()
    while f"task:v1:ask:{task.id}" not in card.callback_data:
        card = await user.next_message()
    await (await user.press(card, f"task:v1:ask:{task.id}")).answer()
    prompt = await user.next_message()
    while not (prompt.text or "").startswith("❓"):  # the task list ends with a summary
        prompt = await user.next_message()
    await user.send_text("Which diploma do you mean?")
    await user.next_message()
    [question] = await asked(harness, client)
    assert question.task_id == task.id
    header = group.messages(await topic_of(harness, client))[0]
    assert "Bring your diploma" in (header.text or "")
    assert NL("About the task: {title}", title="Bring your diploma") in (header.text or "")


# -- a team without the Telegram staff chat -----------------------------------------------------


class TestWithoutStaffChat:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"staff_chat_id": None}

    async def test_questions_are_stored_and_acknowledged(self, harness: Harness) -> None:
        async with harness.db.transaction() as session:
            client = await factories.client(session, first_name="Sara", locale="en")
        user = await harness.linked_user(client, user_id=6301, language_code="en")
        await user.send_text("I got a letter from DUO.")
        assert EN(THANKS) in ((await user.next_message()).text or "")
        await user.send_photo(caption="The letter")
        assert EN(THANKS) in ((await user.next_message()).text or "")
        messages = await stored(harness, client)
        assert [m.kind for m in messages] == [MessageKind.TEXT, MessageKind.PHOTO]
        assert messages[0].text == "I got a letter from DUO." and messages[1].file_id
        assert all(m.delivered_at is None for m in messages)
        [question] = await asked(harness, client)
        assert question.status == QuestionStatus.OPEN
        assert question.waiting_since == harness.clock.now()
        for method in ("getChat", "createForumTopic", "copyMessage"):
            assert harness.fake.calls_for(method) == []
        # they wait for the back-office: the retry job leaves them alone
        services = harness.app.bot_data.services
        assert services is not None and services.relay is None
        harness.clock.advance(timedelta(hours=1))
        assert await retry_undelivered(scheduler_services(harness.app)) == 0
        assert harness.fake.calls_for("copyMessage") == []
