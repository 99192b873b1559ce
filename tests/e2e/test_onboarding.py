"""A client's first minute: link with the code, agree, see the menu."""

from __future__ import annotations

from datetime import timedelta

from bot.keyboards import MENU_ICONS
from tests import factories
from tests.e2e.conftest import Harness


async def test_link_with_deep_link_code_then_consent_then_menu(harness: Harness) -> None:
    async with harness.db.transaction() as session:
        client = await factories.client(session, first_name="Amina", locale="en")
    user = harness.fake.user(7001, "Amina", "ar")
    await user.send_command("/start", await harness.invite(client))
    consent = await user.next_message()
    assert "Welcome, Amina" in (consent.text or "")
    assert "privacy" in (consent.text or "").lower()
    press = await user.press(consent, "priv:v1:agree:")
    await press.answer()
    menu = await user.next_message()
    assert [label[0] for label in menu.keyboard_texts] == list(MENU_ICONS)
    stored = await harness.reload(client)
    assert stored.telegram_chat_id == user.chat_id
    assert stored.consent_at == harness.clock.now()
    assert stored.status == "active"


async def test_typed_code_with_spaces_and_lower_case_links(harness: Harness) -> None:
    async with harness.db.transaction() as session:
        client = await factories.client(session, first_name="Yonas", locale="en")
    code = await harness.invite(client)
    user = harness.fake.user(7002, "Yonas", "en")
    await user.send_text(f" {code[:5].lower()} - {code[5:].lower()} ")
    consent = await user.next_message()
    assert "Welcome, Yonas" in (consent.text or "")


async def test_wrong_codes_count_down_and_then_lock_the_chat(harness: Harness) -> None:
    user = harness.fake.user(7003, "Mallory", "en")
    replies = []
    for _ in range(6):
        await user.send_text("ABCDE-FGHJK")
        replies.append((await user.next_message()).text or "")
    assert "4 more times" in replies[0]
    assert "1 more time." in replies[3]
    assert "Too many wrong codes" in replies[4]
    assert "Too many wrong codes" in replies[5]


async def test_locked_chat_is_refused_even_with_the_right_code(harness: Harness) -> None:
    async with harness.db.transaction() as session:
        client = await factories.client(session, locale="en")
    user = harness.fake.user(7004, "Mallory", "en")
    for _ in range(5):
        await user.send_text("ABCDE-FGHJK")
        await user.next_message()
    await user.send_command("/start", await harness.invite(client))
    assert "Too many wrong codes" in ((await user.next_message()).text or "")
    assert (await harness.reload(client)).telegram_chat_id is None


async def test_expired_and_used_codes_say_to_ask_for_a_new_one(harness: Harness) -> None:
    async with harness.db.transaction() as session:
        client = await factories.client(session, locale="en")
    code = await harness.invite(client)
    first = harness.fake.user(7005, "Amina", "en")
    await first.send_command("/start", code)
    assert "Welcome" in ((await first.next_message()).text or "")
    other = harness.fake.user(7006, "Other", "en")
    await other.send_command("/start", code)
    assert "cannot be used anymore" in ((await other.next_message()).text or "")
    harness.clock.advance(timedelta(days=15))
    expired = await harness.invite(client)
    harness.clock.advance(timedelta(days=15))
    await other.send_command("/start", expired)
    assert "cannot be used anymore" in ((await other.next_message()).text or "")


async def test_before_linking_nothing_else_answers(harness: Harness) -> None:
    user = harness.fake.user(7007, "Stranger", "en")
    await user.send_command("/plan")
    reply = (await user.next_message()).text or ""
    assert "I do not know you yet" in reply
    await user.send_text("What is my appointment?")
    assert "I do not know you yet" in ((await user.next_message()).text or "")


async def test_linking_again_moves_the_account_and_tells_the_old_chat(harness: Harness) -> None:
    async with harness.db.transaction() as session:
        client = await factories.client(session, locale="en")
    old = await harness.linked_user(client, user_id=7008, language_code="en")
    new = harness.fake.user(7009, "Amina", "en")
    await new.send_command("/start", await harness.invite(client))
    await new.next_message()
    told = await old.next_message()
    assert "linked to another Telegram chat" in (told.text or "")
    assert (await harness.reload(client)).telegram_chat_id == new.chat_id
