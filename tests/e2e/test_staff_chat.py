"""The Telegram staff chat: topics per client, answers, notes, commands, rights and failures."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from bot.channels.staff import TelegramRelay
from casework import questions as question_service
from console.compose import scheduler_services
from fakebot import ChatParticipant, SimGroup, SimUser, StoredMessage
from scheduler.waiting import flag_waiting_questions, retry_undelivered
from storage import questions
from storage.enums import ClientStatus, Direction, MessageKind, QuestionStatus, StaffRole
from storage.ids import pk
from storage.models import Client, Message, Organisation, Question, Staff, StaffTopic
from tests import factories
from tests.e2e.conftest import STAFF_CHAT_ID, Harness
from tests.e2e.eventually import eventually
from texts.i18n import translator
from texts.ready_answers import READY_ANSWERS

NL = translator("nl")
AR = translator("ar")
CASEWORKER_ID = 8101


@dataclass
class World:
    client: Client
    user: SimUser
    caseworker: Staff
    group: SimGroup
    worker: ChatParticipant


async def make_world(
    harness: Harness, *, locale: str = "ar", user_id: int = 6101, forum: bool = True
) -> World:
    group = harness.fake.supergroup(STAFF_CHAT_ID, title="Team inburgering", is_forum=forum)
    async with harness.db.transaction() as session:
        org = await factories.organisation(session, municipalities=("Hoorn",))
        caseworker = await factories.staff(
            session,
            organisation=org,
            name="Fatima de Vries",
            telegram_user_id=CASEWORKER_ID,
            telegram_username="fatima",
        )
        client = await factories.client(
            session, first_name="Amina", locale=locale, caseworker_id=caseworker.id
        )
    user = await harness.linked_user(client, user_id=user_id, language_code=locale)
    return World(client, user, caseworker, group, group.member(CASEWORKER_ID))


async def topic_row(harness: Harness, client: Client) -> StaffTopic:
    async with harness.db.reading() as session:
        row = await questions.topic_of_client(session, chat_id=STAFF_CHAT_ID, client_id=pk(client))
    assert row is not None and row.topic_id is not None
    return row


async def stored_when(
    harness: Harness, client: Client, ready: Callable[[list[Message]], bool]
) -> list[Message]:
    """The client's stored messages once `ready` holds for them."""
    found: list[Message] = []

    async def check() -> bool:
        found[:] = await stored_messages(harness, client)
        return bool(found) and ready(found)

    await eventually(check)
    return found


def last_delivered(messages: list[Message]) -> bool:
    return messages[-1].delivered_at is not None


async def stored_messages(harness: Harness, client: Client) -> list[Message]:
    async with harness.db.reading() as session:
        return list(await questions.messages_of_client(session, client_id=pk(client)))


async def latest_question(harness: Harness, client: Client) -> Question:
    async with harness.db.reading() as session:
        question = await questions.latest(session, client_id=pk(client))
    assert question is not None
    return question


async def ask(world: World, text: str) -> None:
    """The client writes; wait for the acknowledgement (sent after the relay), and mark what
    the bot posted in the staff chat as read."""
    await world.user.send_text(text)
    await world.user.next_message()
    await catch_up(world.group)


async def catch_up(group: SimGroup) -> None:
    """Mark every bot message in the staff chat as read (next_message returns newer ones)."""
    for _ in group.messages():
        try:
            await group.next_message(timeout=0.01)
        except TimeoutError:
            return


def acknowledged(message: StoredMessage) -> bool:
    return AR("Thank you. Your caseworker gets your message. 📨") in (message.text or "")


# -- the main way: a question in Arabic, an answer from the topic ------------------------------


async def test_arabic_question_with_text_and_photo_is_answered_in_its_topic(
    harness: Harness,
) -> None:
    world = await make_world(harness)
    await world.user.send_text("لدي رسالة من البلدية")
    assert acknowledged(await world.user.next_message())
    await world.user.send_photo(caption="الرسالة")
    assert acknowledged(await world.user.next_message())

    row = await topic_row(harness, world.client)
    topic = world.group.topics[row.topic_id or 0]
    assert topic.name == f"🟢 {world.client.ref} Amina (ar)"
    assert len(harness.fake.calls_for("createForumTopic")) == 1
    header, text_copy, photo_copy = world.group.messages(row.topic_id)
    assert world.client.ref in (header.text or "") and "Hoorn" in (header.text or "")
    assert "Fatima de Vries" in (header.text or "")
    assert header.callback_data == [
        f"staff:v1:plan:{world.client.id}",
        f"staff:v1:appts:{world.client.id}",
        f"staff:v1:tasks:{world.client.id}",
    ]
    assert text_copy.text == "لدي رسالة من البلدية"
    assert photo_copy.media_kind == "photo" and photo_copy.text == "الرسالة"
    # copyMessage, so the client's account stays hidden (no forward origin)
    assert "forward_origin" not in photo_copy.data
    assert {c.params["message_thread_id"] for c in harness.fake.calls_for("copyMessage")} == {
        row.topic_id
    }

    await world.worker.send_text("Neem de brief mee naar uw afspraak.", thread_id=row.topic_id)
    answer = await world.user.next_message()
    assert answer.text == "Neem de brief mee naar uw afspraak."

    stored = await stored_when(harness, world.client, last_delivered)
    assert [m.direction for m in stored] == [Direction.FROM_CLIENT] * 2 + [Direction.FROM_STAFF]
    assert all(m.delivered_at is not None for m in stored)
    assert [m.kind for m in stored] == [MessageKind.TEXT, MessageKind.PHOTO, MessageKind.TEXT]
    assert stored[0].staff_chat_id == STAFF_CHAT_ID and stored[0].staff_message_id
    assert stored[1].client_message_id and stored[1].file_id
    assert stored[2].staff_message_id and stored[2].client_message_id == answer.message_id
    assert stored[2].staff_id == world.caseworker.id
    question = await latest_question(harness, world.client)
    assert question.status == QuestionStatus.ANSWERED
    assert question.waiting_since is None
    await eventually(topic_named(world, row, "💬 "))  # the title is edited after the delivery


async def test_staff_photo_document_and_voice_reach_the_client(harness: Harness) -> None:
    world = await make_world(harness)
    await ask(world, "سؤال")
    topic_id = (await topic_row(harness, world.client)).topic_id
    await world.worker.send_photo(caption="Dit formulier", thread_id=topic_id)
    assert (await world.user.next_message()).media_kind == "photo"
    await world.worker.send_document(file_name="uitleg.pdf", thread_id=topic_id)
    assert (await world.user.next_message()).media_kind == "document"
    await world.worker.send_voice(thread_id=topic_id)
    assert (await world.user.next_message()).media_kind == "voice"
    kinds = [m.kind for m in await stored_messages(harness, world.client)]
    assert kinds == ["text", "photo", "document", "voice"]


async def test_a_sticker_from_staff_is_refused_and_stored_nowhere(harness: Harness) -> None:
    world = await make_world(harness)
    await ask(world, "سؤال")
    topic_id = (await topic_row(harness, world.client)).topic_id
    await world.worker.send_sticker(thread_id=topic_id)
    refused = await world.group.next_message(thread_id=topic_id)
    assert refused.text == NL(
        "This kind of message cannot go to the client. Please send text, a photo, "
        "a document or a voice message."
    )
    assert len(await stored_messages(harness, world.client)) == 1


async def test_a_ready_made_answer_arrives_in_the_clients_language(harness: Harness) -> None:
    world = await make_world(harness)
    await ask(world, "أين أجد أوراقي؟")
    topic_id = (await topic_row(harness, world.client)).topic_id
    await world.worker.send_command("/answer", "documents", thread_id=topic_id)
    received = await world.user.next_message()
    assert received.text == AR(READY_ANSWERS["documents"])
    notes = [m.text or "" for m in world.group.messages(topic_id)]
    assert any(NL(READY_ANSWERS["documents"]) in note for note in notes)
    stored = (await stored_when(harness, world.client, last_delivered))[-1]
    assert stored.text == AR(READY_ANSWERS["documents"]) and stored.delivered_at is not None


async def test_the_ready_made_answers_are_listed_and_an_unknown_key_is_explained(
    harness: Harness,
) -> None:
    world = await make_world(harness)
    await ask(world, "سؤال")
    topic_id = (await topic_row(harness, world.client)).topic_id
    await world.worker.send_command("/answers", thread_id=topic_id)
    listing = (await world.group.next_message(thread_id=topic_id)).text or ""
    assert all(f"/answer {key}" in listing for key in READY_ANSWERS)
    await world.worker.send_command("/answer", "nonsense", thread_id=topic_id)
    unknown = await world.group.next_message(thread_id=topic_id)
    assert "nonsense" in (unknown.text or "") and "/answers" in (unknown.text or "")
    assert len(await stored_messages(harness, world.client)) == 1


async def test_notes_with_two_slashes_never_reach_the_client(harness: Harness) -> None:
    world = await make_world(harness)
    await ask(world, "سؤال")
    topic_id = (await topic_row(harness, world.client)).topic_id
    await world.worker.send_text(
        "// bel haar morgen, ze spreekt weinig Nederlands", thread_id=topic_id
    )
    notice = await world.user.next_message()
    assert notice.text == AR(
        "👀 Your caseworker has seen your question. You will get an answer soon."
    )
    await world.worker.send_text("Ik bel u morgen om 10 uur.", thread_id=topic_id)
    assert (await world.user.next_message()).text == "Ik bel u morgen om 10 uur."
    assert not any("bel haar" in (m.text or "") for m in world.user.inbox)
    note = [m for m in await stored_messages(harness, world.client) if m.internal]
    assert len(note) == 1 and note[0].delivered_at is None and note[0].next_attempt_at is None
    # a second note does not repeat the seen notice
    await world.worker.send_text("// gebeld", thread_id=topic_id)
    await world.worker.send_text("Tot morgen.", thread_id=topic_id)
    assert (await world.user.next_message()).text == "Tot morgen."


async def test_an_edited_answer_is_sent_again_as_a_correction(harness: Harness) -> None:
    world = await make_world(harness)
    await ask(world, "سؤال")
    topic_id = (await topic_row(harness, world.client)).topic_id
    sent = await world.worker.send_text("De afspraak is om 10 uur.", thread_id=topic_id)
    first = await world.user.next_message()
    await world.worker.edit_text(sent, "De afspraak is om 11 uur.")
    correction = await world.user.next_message()
    assert AR("Correction:") in (correction.text or "")
    assert "11 uur" in (correction.text or "")
    assert correction.data["reply_to_message"]["message_id"] == first.message_id
    stored = await stored_when(harness, world.client, last_delivered)
    assert stored[-1].correction_of_id == stored[-2].id and stored[-1].delivered_at is not None


# -- who may relay ------------------------------------------------------------------------------


async def test_a_stranger_in_the_staff_chat_cannot_relay(harness: Harness) -> None:
    world = await make_world(harness)
    await ask(world, "سؤال")
    topic_id = (await topic_row(harness, world.client)).topic_id
    stranger = world.group.member(9901)
    await stranger.send_text("Hallo, ik ben nieuw hier", thread_id=topic_id)
    told = await world.group.next_message(thread_id=topic_id)
    assert told.text == NL(
        "You are not registered as staff of this bot, so nothing was sent to the client."
    )
    assert told.data["reply_to_message"]["from"]["id"] == 9901
    await stranger.send_command("/close", thread_id=topic_id)
    await world.group.next_message(thread_id=topic_id)
    assert len(world.user.inbox) == 3  # consent, menu, acknowledgement: nothing since
    assert len(await stored_messages(harness, world.client)) == 1
    assert (await latest_question(harness, world.client)).status == QuestionStatus.OPEN
    # chatter outside client topics is ignored (the reply to /answers shows it was handled)
    calls = harness.fake.call_count
    await stranger.send_text("Goedemorgen allemaal")
    await world.worker.send_command("/answers")
    await world.group.next_message()
    sent = [c for c in harness.fake.calls[calls:] if c.method == "sendMessage"]
    assert len(sent) == 1 and "/answer received" in sent[0].params["text"]


async def test_a_caseworker_of_another_region_cannot_see_or_answer_the_client(
    harness: Harness,
) -> None:
    world = await make_world(harness)
    async with harness.db.transaction() as session:
        elsewhere = await factories.organisation(session, municipalities=("Dordrecht",))
        await factories.staff(session, organisation=elsewhere, telegram_user_id=8202)
        await factories.plan(session, client=world.client)
    await ask(world, "سؤال")
    row = await topic_row(harness, world.client)
    header = world.group.messages(row.topic_id)[0]
    other = world.group.member(8202)
    await other.send_text("Ik help wel even", thread_id=row.topic_id)
    refused = await world.group.next_message(thread_id=row.topic_id)
    assert refused.text == NL(
        "You cannot reach this client (not a client of your organisation). Nothing was sent."
    )
    press = await other.press(header, f"staff:v1:plan:{world.client.id}")
    alert = await press.answer()
    assert alert["show_alert"] is True
    assert alert["text"] == NL(
        "You cannot reach this client (not a client of your organisation). Nothing was sent."
    )
    assert len(world.group.messages(row.topic_id)) == 3  # header, copy, the refusal
    assert len(await stored_messages(harness, world.client)) == 1
    # their own caseworker sees the plan in the topic
    press = await world.worker.press(header, f"staff:v1:plan:{world.client.id}")
    await press.answer()
    plan = await world.group.next_message(thread_id=row.topic_id)
    assert world.client.ref in (plan.text or "") and "B1-route" in (plan.text or "")


async def test_appointments_and_tasks_buttons_show_the_clients_data(harness: Harness) -> None:
    world = await make_world(harness)
    async with harness.db.transaction() as session:
        await factories.appointment(
            session, client=world.client, starts_at=harness.clock.now() + timedelta(days=2)
        )
        await factories.task(session, client=world.client, title="Diploma naar de taalschool")
    await ask(world, "سؤال")
    row = await topic_row(harness, world.client)
    header = world.group.messages(row.topic_id)[0]
    await (await world.worker.press(header, f"staff:v1:appts:{world.client.id}")).answer()
    listing = await world.group.next_message(thread_id=row.topic_id)
    assert "Gemeentehuis Hoorn" in (listing.text or "")
    await (await world.worker.press(header, f"staff:v1:tasks:{world.client.id}")).answer()
    listing = await world.group.next_message(thread_id=row.topic_id)
    assert "Diploma naar de taalschool" in (listing.text or "")


# -- commands -----------------------------------------------------------------------------------


def topic_named(world: World, row: StaffTopic, start: str) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return world.group.topics[row.topic_id or 0].name.startswith(start)

    return check


async def test_close_and_reopen_tell_the_client_in_their_language(harness: Harness) -> None:
    world = await make_world(harness)
    await ask(world, "سؤال")
    row = await topic_row(harness, world.client)
    await world.worker.send_command("/close", thread_id=row.topic_id)
    told = await world.user.next_message()
    assert told.text == AR(
        "✅ Your caseworker closed your question. Do you need more help? Just write again."
    )
    assert (await latest_question(harness, world.client)).status == QuestionStatus.CLOSED
    await eventually(topic_named(world, row, "✅ "))

    await world.worker.send_command("/close", thread_id=row.topic_id)
    again = await world.group.next_message(thread_id=row.topic_id)
    while again.text != NL("This question is closed already."):
        again = await world.group.next_message(thread_id=row.topic_id)

    await world.worker.send_command("/reopen", thread_id=row.topic_id)
    told = await world.user.next_message()
    assert told.text == AR(
        "Your caseworker opened your question again. You will get an answer soon."
    )
    question = await latest_question(harness, world.client)
    assert question.status == QuestionStatus.OPEN and question.waiting_since is not None
    await eventually(topic_named(world, row, "🟢 "))


async def test_a_new_message_after_close_is_a_new_question_in_the_same_topic(
    harness: Harness,
) -> None:
    world = await make_world(harness)
    await ask(world, "سؤال")
    row = await topic_row(harness, world.client)
    await world.worker.send_command("/close", thread_id=row.topic_id)
    await world.user.next_message()
    await ask(world, "سؤال آخر")
    async with harness.db.reading() as session:
        asked = await questions.for_client(session, client_id=pk(world.client))
    assert [q.status for q in asked] == [QuestionStatus.CLOSED, QuestionStatus.OPEN]
    assert (await topic_row(harness, world.client)).topic_id == row.topic_id
    assert len(harness.fake.calls_for("createForumTopic")) == 1
    headers = [m for m in world.group.messages(row.topic_id) if m.callback_data]
    assert len(headers) == 2  # one header card per question


async def test_assign_me_and_a_colleague(harness: Harness) -> None:
    world = await make_world(harness)
    async with harness.db.transaction() as session:
        org_id = world.caseworker.organisation_id
        org = await session.get(Organisation, org_id)
        assert org is not None
        await factories.staff(session, organisation=org, name="Joost", telegram_username="joost")
    await ask(world, "سؤال")
    row = await topic_row(harness, world.client)
    await world.worker.send_command("/assign", "@joost", thread_id=row.topic_id)
    note = await world.group.next_message(thread_id=row.topic_id)
    while "Joost" not in (note.text or ""):
        note = await world.group.next_message(thread_id=row.topic_id)
    question = await latest_question(harness, world.client)
    async with harness.db.reading() as session:
        joost = await session.get(Staff, question.assigned_staff_id)
    assert joost is not None and joost.name == "Joost"
    await world.worker.send_command("/assign", "@nobody", thread_id=row.topic_id)
    unknown = await world.group.next_message(thread_id=row.topic_id)
    while "@nobody" not in (unknown.text or ""):
        unknown = await world.group.next_message(thread_id=row.topic_id)
    await world.worker.send_command("/assign", "me", thread_id=row.topic_id)

    async def mine() -> bool:
        question = await latest_question(harness, world.client)
        return question.assigned_staff_id == world.caseworker.id

    await eventually(mine)


async def test_away_sends_new_questions_to_the_substitute(harness: Harness) -> None:
    world = await make_world(harness)
    async with harness.db.transaction() as session:
        org = await session.get(Organisation, world.caseworker.organisation_id)
        assert org is not None
        substitute = await factories.staff(
            session, organisation=org, name="Joost", telegram_username="joost"
        )
    await world.worker.send_command("/away", "@joost until 2026-12-04")
    confirmed = await world.group.next_message()
    assert "Joost" in (confirmed.text or "")
    await ask(world, "سؤال")
    question = await latest_question(harness, world.client)
    assert question.assigned_staff_id == substitute.id
    header = world.group.messages((await topic_row(harness, world.client)).topic_id)[0]
    assert "Joost" in (header.text or "")
    await world.worker.send_command("/away", "@joost until 2020-01-01")
    refused = await world.group.next_message()
    assert refused.text == NL("This date has passed. Choose a date from today on.")
    await world.worker.send_command("/away", "off")
    assert (await world.group.next_message()).text == NL(
        "👋 Welcome back. New questions of your clients come to you again."
    )


# -- context: a question about an appointment ---------------------------------------------------


async def test_a_question_about_an_appointment_shows_the_link_in_its_header(
    harness: Harness,
) -> None:
    world = await make_world(harness)
    async with harness.db.transaction() as session:
        appointment = await factories.appointment(
            session, client=world.client, starts_at=harness.clock.now() + timedelta(days=2)
        )
    await world.user.send_command("/appointments")
    card = await world.user.next_message()
    while f"appt:v1:cannot:{appointment.id}" not in card.callback_data:
        card = await world.user.next_message()
    await (await world.user.press(card, f"appt:v1:cannot:{appointment.id}")).answer()
    since = harness.fake.call_count
    await (await world.user.press(card, f"appt:v1:r_sick:{appointment.id}")).answer()
    relayed = await harness.fake.wait_for(
        lambda call: (
            call.params.get("chat_id") == STAFF_CHAT_ID
            and str(call.params.get("text", "")).startswith("💬")
        ),
        since=since,
    )
    row = await topic_row(harness, world.client)
    header, note = world.group.messages(row.topic_id)
    assert note.message_id == relayed.result["message_id"]
    assert NL("About the appointment: {what} on {when}").split(":")[0] in (header.text or "")
    assert "voortgangsgesprek" in (header.text or "")
    question = await latest_question(harness, world.client)
    assert question.appointment_id == appointment.id


# -- failures lose nothing ----------------------------------------------------------------------


def services_of(harness: Harness):  # type: ignore[no-untyped-def]
    services = harness.app.bot_data.services
    assert services is not None
    return services


def client_status(
    harness: Harness, client: Client, status: ClientStatus
) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return (await harness.reload(client)).status == status

    return check


async def test_a_blocked_client_is_reported_and_gets_the_answer_when_back(
    harness: Harness,
) -> None:
    world = await make_world(harness)
    await ask(world, "سؤال")
    topic_id = (await topic_row(harness, world.client)).topic_id
    blocked = NL(
        "⛔ The client has blocked the bot. Messages do not reach them now. "
        "Please reach them by phone, e-mail or letter."
    )
    await world.user.block_bot()
    assert (await world.group.next_message(thread_id=topic_id)).text == blocked
    await eventually(client_status(harness, world.client, ClientStatus.BLOCKED_BOT))

    await world.worker.send_text("Bent u er nog?", thread_id=topic_id)
    assert (await world.group.next_message(thread_id=topic_id)).text == blocked
    answer = (await stored_messages(harness, world.client))[-1]
    assert answer.text == "Bent u er nog?" and answer.delivered_at is None
    assert answer.next_attempt_at is not None
    assert len(world.user.inbox) == 3  # consent, menu, acknowledgement

    await world.user.unblock_bot()
    back = await world.group.next_message(thread_id=topic_id)
    assert back.text == NL("✅ The client can receive messages from the bot again.")
    await eventually(client_status(harness, world.client, ClientStatus.ACTIVE))
    harness.clock.advance(timedelta(minutes=5))
    assert await retry_undelivered(scheduler_services(harness.app)) == 1
    assert world.user.inbox[-1].text == "Bent u er nog?"


async def test_a_forbidden_delivery_marks_the_client_blocked_and_says_so(harness: Harness) -> None:
    world = await make_world(harness)
    await ask(world, "سؤال")
    topic_id = (await topic_row(harness, world.client)).topic_id
    harness.fake.inject("copyMessage", 403, match=lambda p: p.get("chat_id") == world.user.chat_id)
    await world.worker.send_text("Hallo?", thread_id=topic_id)
    note = await world.group.next_message(thread_id=topic_id)
    while not (note.text or "").startswith("⛔"):
        note = await world.group.next_message(thread_id=topic_id)
    await eventually(client_status(harness, world.client, ClientStatus.BLOCKED_BOT))
    stored = (await stored_messages(harness, world.client))[-1]
    assert stored.delivered_at is None and stored.delivery_error == "Forbidden"


async def test_a_deleted_topic_is_recreated_and_the_message_still_arrives(
    harness: Harness,
) -> None:
    world = await make_world(harness)
    await ask(world, "سؤال")
    old = (await topic_row(harness, world.client)).topic_id
    await harness.app.bot.delete_forum_topic(STAFF_CHAT_ID, old or 0)
    await ask(world, "هل من أخبار؟")
    new = (await topic_row(harness, world.client)).topic_id
    assert new != old and not world.group.topics[new or 0].deleted
    recreated, header, copy = world.group.messages(new)
    assert recreated.text == NL(
        "♻️ The earlier topic of this client was deleted, so this is a new one. "
        "Earlier messages are in the back-office."
    )
    assert header.callback_data and copy.text == "هل من أخبار؟"
    assert all(m.delivered_at for m in await stored_messages(harness, world.client))
    assert world.group.topics[new or 0].name == f"🟢 {world.client.ref} Amina (ar)"


async def test_a_429_during_the_relay_loses_nothing(harness: Harness) -> None:
    world = await make_world(harness)
    harness.fake.inject("copyMessage", 429, retry_after=30)
    await world.user.send_text("سؤال مهم")
    assert acknowledged(await world.user.next_message())
    waiting = (await stored_messages(harness, world.client))[0]
    assert waiting.delivered_at is None and waiting.delivery_error == "RetryAfter"
    assert await retry_undelivered(scheduler_services(harness.app)) == 0  # not due yet
    harness.clock.advance(timedelta(minutes=3))
    assert await retry_undelivered(scheduler_services(harness.app)) == 1
    topic_id = (await topic_row(harness, world.client)).topic_id
    header, copy = world.group.messages(topic_id)
    assert header.callback_data and copy.text == "سؤال مهم"
    assert (await stored_messages(harness, world.client))[0].delivered_at is not None


async def test_a_500_while_answering_loses_nothing(harness: Harness) -> None:
    world = await make_world(harness)
    await ask(world, "سؤال")
    topic_id = (await topic_row(harness, world.client)).topic_id
    harness.fake.inject(
        "copyMessage", 500, times=None, match=lambda p: p.get("chat_id") == world.user.chat_id
    )
    await world.worker.send_text("Uw afspraak is verzet.", thread_id=topic_id)
    note = await world.group.next_message(thread_id=topic_id, timeout=15)
    assert note.text == NL(
        "⏳ Telegram did not take the message now. It is saved and the bot sends it again soon."
    )
    answer = (await stored_messages(harness, world.client))[-1]
    assert answer.delivered_at is None and answer.delivery_error == "NetworkError"
    harness.fake.clear_faults()
    harness.clock.advance(timedelta(minutes=3))
    assert await retry_undelivered(scheduler_services(harness.app)) == 1
    assert world.user.inbox[-1].text == "Uw afspraak is verzet."


# -- topics: one per client, even when two messages arrive at once ------------------------------


async def test_two_quick_first_messages_create_one_topic(harness: Harness) -> None:
    world = await make_world(harness)
    await world.user.send_text("سؤال أول")
    await world.user.send_text("وسؤال ثان")
    await world.user.next_message()
    await world.user.next_message()
    assert len(harness.fake.calls_for("createForumTopic")) == 1
    topic_id = (await topic_row(harness, world.client)).topic_id
    assert [m.text for m in world.group.messages(topic_id)][1:] == ["سؤال أول", "وسؤال ثان"]


async def test_two_processes_relaying_at_once_create_one_topic(harness: Harness) -> None:
    world = await make_world(harness)
    services = services_of(harness)
    chat = harness.fake.chat(world.user.chat_id)
    stored = []
    async with harness.db.transaction() as session:
        for words in ("أولا", "ثانيا", "ثالثا"):
            sent = harness.fake.state.add_message(
                chat, world.user.user, {"text": words}, from_bot=False
            )
            asked = await question_service.ask(
                session,
                client=world.client,
                kind=MessageKind.TEXT,
                text=words,
                client_message_id=sent.message_id,
                now=harness.clock.now(),
            )
            stored.append(pk(asked.message))
    first = TelegramRelay(services)
    second = TelegramRelay(dataclasses.replace(services, instance="other-process"))
    harness.fake.inject("createForumTopic", latency=0.3)
    delivered = await asyncio.gather(
        first.relay_client_message(harness.app.bot, stored[0]),
        second.relay_client_message(harness.app.bot, stored[1]),
        first.relay_client_message(harness.app.bot, stored[2]),
    )
    assert all(delivered)
    assert len(harness.fake.calls_for("createForumTopic")) == 1
    topic_id = (await topic_row(harness, world.client)).topic_id
    copies = [m.text for m in world.group.messages(topic_id) if not m.callback_data]
    assert sorted(copies) == sorted(["أولا", "ثانيا", "ثالثا"])  # each once


# -- without topics: replies map back -----------------------------------------------------------


async def test_without_topics_staff_answer_by_replying(harness: Harness) -> None:
    world = await make_world(harness, forum=False)
    await ask(world, "سؤال بدون مواضيع")
    header, copy = world.group.messages()
    assert header.callback_data and copy.text == "سؤال بدون مواضيع"
    assert copy.data["reply_to_message"]["message_id"] == header.message_id
    await world.worker.reply_to(copy, "Antwoord via een reply.")
    assert (await world.user.next_message()).text == "Antwoord via een reply."
    await world.worker.send_text("Zonder reply weet de bot niet voor wie dit is.")
    await world.worker.reply_to(world.group.messages()[0], "Een reply op de kop werkt ook.")
    assert (await world.user.next_message()).text == "Een reply op de kop werkt ook."
    assert not any("Zonder reply" in (m.text or "") for m in world.user.inbox)
    assert not harness.fake.calls_for("createForumTopic", ok=True)


# -- waiting too long ---------------------------------------------------------------------------


async def test_a_question_waiting_too_long_is_flagged_once_to_the_team_leads(
    harness: Harness,
) -> None:
    world = await make_world(harness)
    async with harness.db.transaction() as session:
        org = await session.get(Organisation, world.caseworker.organisation_id)
        assert org is not None
        await factories.staff(
            session,
            organisation=org,
            name="Lead Telegram",
            role=StaffRole.TEAM_LEAD,
            telegram_user_id=8301,
        )
        await factories.staff(
            session, organisation=org, name="Lead Zonder", role=StaffRole.TEAM_LEAD
        )
    lead = harness.fake.user(8301, "Lead", "nl")
    await ask(world, "سؤال")  # Monday 11:00 in Amsterdam; 8 office hours: Tuesday 11:00
    services = scheduler_services(harness.app)
    harness.clock.advance(timedelta(hours=23, minutes=59))
    assert await flag_waiting_questions(services) == 0
    harness.clock.advance(timedelta(minutes=1))
    assert await flag_waiting_questions(services) == 1
    assert await flag_waiting_questions(services) == 0
    private = await lead.next_message()
    assert world.client.ref in (private.text or "")
    topic_id = (await topic_row(harness, world.client)).topic_id
    flag = world.group.messages(topic_id)[-1]
    assert (flag.text or "").startswith("⏰") and "Lead Zonder" in (flag.text or "")
    assert "Lead Telegram" not in (flag.text or "")
    question = await latest_question(harness, world.client)
    assert question.overdue_flagged_at == harness.clock.now()


# -- privacy: /forget takes the copies in the staff chat with it -------------------------------


async def test_forget_deletes_the_clients_topic_in_the_staff_chat(harness: Harness) -> None:
    world = await make_world(harness, locale="en", user_id=6199)
    await ask(world, "Can I bring my child to the lesson?")
    topic_id = (await topic_row(harness, world.client)).topic_id
    assert topic_id is not None and not world.group.topics[topic_id].deleted
    await world.user.send_command("/forget")
    first = await world.user.next_message()
    await (await world.user.press(first, first.callback_data[0])).answer()
    second = world.user.last_message  # the first question is edited into the second one
    assert second is not None
    erase = next(data for data in second.callback_data if data.startswith("priv:v1:forget2:"))
    await (await world.user.press(second, erase)).answer()
    await world.user.next_message()
    assert world.group.topics[topic_id].deleted
    async with harness.db.reading() as session:
        row = await questions.topic_of_client(
            session, chat_id=STAFF_CHAT_ID, client_id=pk(world.client)
        )
    assert row is None
