"""🔒 /privacy, /mydata and /forget, end to end."""

from __future__ import annotations

import json
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot.handlers.privacy import Contact, confirmation_is_fresh, privacy_text
from casework import questions as question_service
from casework.planning import PlanningRules, replan_appointment
from fakebot import SimUser, StoredMessage
from storage import audit
from storage.enums import MessageKind, ReminderStatus
from storage.models import Appointment, Client, Message, Plan, Reminder, Task
from tests import factories
from tests.e2e.conftest import Harness
from texts import bidi
from texts.fmt import Formatter
from texts.i18n import review_note, translator

STALE = "This button is no longer valid."


async def setup(harness: Harness) -> tuple[Client, SimUser]:
    """A linked client of a team with a phone, e-mail and desk, with a case and a question."""
    async with harness.db.transaction() as session:
        org = await factories.organisation(
            session, phone="0229 252 200", email="rit@werksaam.example", desk="Maelsonstraat 3"
        )
        caseworker = await factories.staff(session, organisation=org, name="Petra de Vries")
        client = await factories.client(
            session, first_name="Amina", locale="en", caseworker_id=caseworker.id
        )
        await factories.plan(session, client=client)
        meeting = await factories.appointment(session, client=client)
        await factories.task(session, client=client)
        await replan_appointment(
            session,
            appointment=meeting,
            client=client,
            rules=PlanningRules(),
            now=harness.clock.now(),
        )
        await question_service.ask(
            session,
            client=client,
            kind=MessageKind.TEXT,
            text="Where is the school?",
            now=harness.clock.now(),
        )
    user = await harness.linked_user(client, language_code="en")
    return client, user


async def start_forget(user: SimUser) -> StoredMessage:
    await user.send_command("/forget")
    return await user.next_message()


async def test_privacy_before_linking_speaks_in_general(harness: Harness) -> None:
    user = harness.fake.user(7401, "Stranger", "en")
    await user.send_command("/privacy")
    text = (await user.next_message()).text or ""
    assert "When you link your account, the bot keeps:" in text
    assert "your messages with your caseworker (klantregisseur)" in text
    assert "the number of your Telegram chat" in text
    assert "we delete them after 365 days" in text
    assert "as long as your municipality keeps your case file" in text
    assert "Only you and the caseworkers of your municipality's team." in text
    assert "not end-to-end encrypted" in text
    assert "Telegram also keeps its own data about you" in text
    assert "Bring them to the desk." in text
    assert "Call or visit your municipality." in text
    assert "/mydata" not in text


async def test_privacy_of_a_linked_client_names_their_team(harness: Harness) -> None:
    _, user = await setup(harness)
    await user.send_command("/privacy")
    text = (await user.next_message()).text or ""
    assert "What the bot keeps about you:" in text
    assert "integration programme (inburgering)" in text
    for contact in ("0229 252 200", "rit@werksaam.example", "Maelsonstraat 3"):
        assert contact in text
    assert "/mydata" in text and "/forget" in text


async def test_mydata_sends_a_json_file_and_leaves_an_audit_event(harness: Harness) -> None:
    client, user = await setup(harness)
    await user.send_command("/mydata")
    document = await user.next_message()
    assert document.media_kind == "document"
    assert document.data["document"]["file_name"] == "mydata-2026-11-23.json"
    assert "everything the bot keeps about you" in (document.text or "")
    data = json.loads(harness.fake.file_bytes(document.file_id or ""))
    assert data["client"]["first_name"] == "Amina"
    assert data["client"]["caseworker"] == "Petra de Vries"
    assert data["client"]["telegram_chat_id"] == user.chat_id
    assert len(data["appointments"]) == 1 and len(data["tasks"]) == 1
    assert [m["text"] for m in data["messages"]] == ["Where is the school?"]
    assert {e["action"] for e in data["audit_events"]} >= {"client.link", "client.consent"}
    async with harness.db.reading() as session:
        events = await audit.events(session, client_id=client.id, action="client.export")
    assert [e.actor_id for e in events] == [client.id]


async def test_forget_asks_twice_then_erases_and_unlinks(harness: Harness) -> None:
    client, user = await setup(harness)
    message = await start_forget(user)
    assert "Your plan (PIP), appointments and tasks stay" in (message.text or "")
    assert message.callback_data == ["priv:v1:forget1:", "priv:v1:keep:"]
    assert (await harness.reload(client)).telegram_chat_id == user.chat_id  # nothing yet
    await (await user.press(message, "priv:v1:forget1:")).answer()
    minute = int(harness.clock.now().timestamp() // 60)
    assert message.callback_data == [f"priv:v1:forget2:{minute}", "priv:v1:keep:"]
    assert "This cannot be undone." in (message.text or "")
    assert (await harness.reload(client)).telegram_chat_id == user.chat_id  # still nothing
    await (await user.press(message, f"priv:v1:forget2:{minute}")).answer()
    done = await user.next_message()
    assert "this chat is unlinked" in (done.text or "")
    assert "ask your caseworker (klantregisseur) for a new code" in (done.text or "")
    assert done.reply_markup == {"remove_keyboard": True}
    assert message.callback_data == []  # the old buttons are gone
    stored = await harness.reload(client)
    assert (stored.telegram_chat_id, stored.consent_at, stored.locale) == (None, None, None)
    async with harness.db.reading() as session:
        messages = (await session.exec(select(Message))).all()
        assert messages and all(m.text is None and m.erased_at is not None for m in messages)
        reminders = (await session.exec(select(Reminder))).all()
        assert reminders and {r.status for r in reminders} == {ReminderStatus.CANCELLED}
        assert len((await session.exec(select(Plan))).all()) == 1
        assert len((await session.exec(select(Appointment))).all()) == 1
        assert len((await session.exec(select(Task))).all()) == 1
        assert await audit.events(session, client_id=client.id, action="client.forget")
    await user.send_command("/start")
    assert "Please send me the code" in ((await user.next_message()).text or "")
    await user.send_command("/plan")
    assert "I do not know you yet" in ((await user.next_message()).text or "")


async def test_cancel_keeps_everything(harness: Harness) -> None:
    client, user = await setup(harness)
    message = await start_forget(user)
    await (await user.press(message, "priv:v1:forget1:")).answer()
    await (await user.press(message, "priv:v1:keep:")).answer()
    assert "Nothing was erased." in (message.text or "")
    assert message.callback_data == []
    stored = await harness.reload(client)
    assert stored.telegram_chat_id == user.chat_id and stored.locale == "en"
    async with harness.db.reading() as session:
        [question] = (await session.exec(select(Message))).all()
    assert question.text == "Where is the school?"


async def test_an_old_or_forged_second_button_erases_nothing(harness: Harness) -> None:
    client, user = await setup(harness)
    message = await start_forget(user)
    await (await user.press(message, "priv:v1:forget1:")).answer()
    minute = int(harness.clock.now().timestamp() // 60)
    harness.clock.advance(timedelta(minutes=16))
    for data in (
        f"priv:v1:forget2:{minute}",  # too old
        f"priv:v1:forget2:{minute + 60}",  # from the future
        "priv:v1:forget2:",
        "priv:v1:forget2:abc",
        "priv:v0:forget2:1",
    ):
        answer = await (await user.press(message, data, strict=False)).answer()
        assert answer.get("text") == STALE, data
    assert (await harness.reload(client)).telegram_chat_id == user.chat_id


async def test_after_forgetting_the_old_buttons_do_nothing(harness: Harness) -> None:
    client, user = await setup(harness)
    message = await start_forget(user)
    await (await user.press(message, "priv:v1:forget1:")).answer()
    minute = int(harness.clock.now().timestamp() // 60)
    await (await user.press(message, f"priv:v1:forget2:{minute}")).answer()
    await user.next_message()
    again = await user.press(message, f"priv:v1:forget2:{minute}", strict=False)
    assert "I do not know you yet" in str((await again.answer()).get("text"))
    async with harness.db.reading() as session:
        events = await audit.events(session, client_id=client.id, action="client.forget")
    assert len(events) == 1


async def test_mydata_and_forget_need_a_linked_account(harness: Harness) -> None:
    user = harness.fake.user(7402, "Stranger", "en")
    for command in ("/mydata", "/forget"):
        await user.send_command(command)
        assert "I do not know you yet" in ((await user.next_message()).text or "")
    assert not harness.fake.calls_for("sendDocument")


async def test_a_client_who_did_not_agree_yet_can_still_forget(harness: Harness) -> None:
    async with harness.db.transaction() as session:
        client = await factories.client(session, first_name="Yonas", locale="en")
    user = harness.fake.user(7403, "Yonas", "en")
    await user.send_command("/start", await harness.invite(client))
    await user.next_message()  # the privacy notice with "I agree"
    await user.send_command("/privacy")
    assert "When you link your account" in ((await user.next_message()).text or "")
    message = await start_forget(user)
    await (await user.press(message, "priv:v1:forget1:")).answer()
    minute = int(harness.clock.now().timestamp() // 60)
    await (await user.press(message, f"priv:v1:forget2:{minute}")).answer()
    await user.next_message()
    assert (await harness.reload(client)).telegram_chat_id is None


# -- the rules and texts, without Telegram --------------------------------------------------------


def test_the_second_button_is_fresh_for_fifteen_minutes() -> None:
    assert confirmation_is_fresh("1000", now_minute=1000)
    assert confirmation_is_fresh("1000", now_minute=1015)
    assert not confirmation_is_fresh("1000", now_minute=1016)
    assert not confirmation_is_fresh("1001", now_minute=1000)
    assert not confirmation_is_fresh("", now_minute=1000)
    assert not confirmation_is_fresh("9" * 13, now_minute=1000)


def test_the_team_contact_from_the_settings_is_used_before_linking() -> None:
    contact = Contact.of(None, phone="14 0229", email="info@gemeente.example")
    t = translator("en")
    text = privacy_text(
        t, Formatter("en", ZoneInfo("Europe/Amsterdam")), days=1, contact=contact, linked=False
    )
    assert "📞 14 0229" in text and "✉️ info@gemeente.example" in text
    assert "after 1 day." in text
    assert "Call or visit" not in text


def test_right_to_left_privacy_isolates_the_contact_details() -> None:
    contact = Contact(phone="0229 252 200", email="rit@werksaam.example", desk="Maelsonstraat 3")
    f = Formatter("fa", ZoneInfo("Europe/Amsterdam"))
    text = privacy_text(translator("fa"), f, days=365, contact=contact, linked=True)
    assert f"{bidi.LRI}0229 252 200{bidi.PDI}" in text
    assert f"{bidi.LRI}rit@werksaam.example{bidi.PDI}" in text
    assert bidi.balanced(text)


def test_contact_details_are_escaped() -> None:
    contact = Contact(desk="<b>Desk</b> & co")
    text = privacy_text(
        translator("en"),
        Formatter("en", ZoneInfo("Europe/Amsterdam")),
        days=30,
        contact=contact,
        linked=True,
    )
    assert "&lt;b&gt;Desk&lt;/b&gt; &amp; co" in text


def test_privacy_says_when_a_translation_was_not_checked_by_a_native_speaker() -> None:
    contact = Contact(phone="0229 252 200")
    zone = ZoneInfo("Europe/Amsterdam")
    tigrinya = translator("ti")
    unreviewed = privacy_text(
        tigrinya, Formatter("ti", zone), days=30, contact=contact, linked=True
    )
    note = review_note(tigrinya)
    assert note and note in unreviewed
    english = privacy_text(
        translator("en"), Formatter("en", zone), days=30, contact=contact, linked=True
    )
    assert "native speaker" not in english
