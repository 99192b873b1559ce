"""A real python-telegram-bot Application talking to the emulator over loopback HTTP."""

from __future__ import annotations

import io
import time

import pytest
from telegram import (
    ChatFullInfo,
    ChatMemberAdministrator,
    ChatMemberMember,
    ChatMemberRestricted,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    Update,
)
from telegram.constants import ParseMode
from telegram.ext import (
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from fakebot import FakeTelegram

from .helpers import polling_bot

pytestmark = pytest.mark.asyncio

Context = ContextTypes.DEFAULT_TYPE


async def echo(update: Update, context: Context) -> None:
    """Reply with the same text."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(update.effective_message.text or "")


async def menu(update: Update, context: Context) -> None:
    """Offer two inline buttons."""
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Ja", callback_data="yes"),
                InlineKeyboardButton("Nee", callback_data="no"),
            ]
        ]
    )
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        "<b>Klaar?</b>", parse_mode=ParseMode.HTML, reply_markup=keyboard
    )


async def on_button(update: Update, context: Context) -> None:
    """Answer the press and edit the message."""
    query = update.callback_query
    assert query is not None
    await query.answer(text=f"Gekozen: {query.data}")
    await query.edit_message_text(f"Antwoord: {query.data}")


async def send_report(update: Update, context: Context) -> None:
    """Send a generated document."""
    assert update.effective_chat is not None
    payload = InputFile(io.BytesIO(b"%PDF-1.4 rapport"), filename="rapport.pdf")
    await context.bot.send_document(update.effective_chat.id, payload, caption="Uw rapport")


async def start(update: Update, context: Context) -> None:
    """Greet, echoing the deep-link argument."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(f"Welkom {' '.join(context.args or [])}".strip())


async def test_echo_round_trip_records_calls(fake: FakeTelegram) -> None:
    user = fake.user(1001, "Anna")
    async with polling_bot(fake, MessageHandler(filters.TEXT & ~filters.COMMAND, echo)):
        await user.send_text("Goedemorgen")
        reply = await user.next_message(timeout=5)
        await fake.drain()

    assert reply.text == "Goedemorgen"
    assert reply.data["from"]["id"] == fake.bot_user["id"]
    sends = fake.calls_for("sendMessage")
    assert len(sends) == 1 and sends[0].ok
    assert sends[0].params["chat_id"] == 1001
    assert [c.method for c in fake.calls[:2]] == ["getMe", "deleteWebhook"]


async def test_command_with_deep_link_argument(fake: FakeTelegram) -> None:
    user = fake.user(1002, "Bram")
    async with polling_bot(fake, CommandHandler("start", start)):
        await user.send_command("/start", "utm42")
        assert (await user.next_message()).text == "Welkom utm42"


async def test_inline_button_press_answer_and_edit(fake: FakeTelegram) -> None:
    user = fake.user(1003, "Chen")
    async with polling_bot(fake, CommandHandler("menu", menu), CallbackQueryHandler(on_button)):
        await user.send_command("menu")
        question = await user.next_message()
        assert question.text == "Klaar?"
        assert question.entities[0]["type"] == "bold"
        assert question.callback_data == ["yes", "no"]

        press = await user.press(question, button_text="Nee")
        answer = await press.answer(timeout=5)
        await fake.drain()

    assert answer == {"show_alert": False, "text": "Gekozen: no"}
    assert fake.callback_answers[press.query_id]["text"] == "Gekozen: no"
    assert user.inbox[0].text == "Antwoord: no"
    assert user.inbox[0].buttons == []  # editMessageText without markup removes the keyboard
    assert user.inbox[0].edit_count == 1


async def test_document_upload_is_stored_and_downloadable(fake: FakeTelegram) -> None:
    user = fake.user(1004, "Daan")
    async with polling_bot(fake, CommandHandler("rapport", send_report)) as app:
        await user.send_command("rapport")
        message = await user.next_message()
        assert message.media_kind == "document"
        assert message.text == "Uw rapport"
        assert message.data["document"]["file_name"] == "rapport.pdf"
        assert message.file_id is not None
        assert fake.file_bytes(message.file_id) == b"%PDF-1.4 rapport"
        assert fake.documents[0].data == b"%PDF-1.4 rapport"

        telegram_file = await app.bot.get_file(message.file_id)
        downloaded = await telegram_file.download_as_bytearray()
    assert bytes(downloaded) == b"%PDF-1.4 rapport"
    upload = fake.calls_for("sendDocument")[0]
    assert upload.files["document"].filename == "rapport.pdf"


async def test_bot_downloads_a_photo_the_user_sent(fake: FakeTelegram) -> None:
    received: list[bytes] = []

    async def keep_photo(update: Update, context: Context) -> None:
        assert update.effective_message is not None
        photo = await update.effective_message.photo[-1].get_file()
        received.append(bytes(await photo.download_as_bytearray()))
        await update.effective_message.reply_text("Foto ontvangen")

    user = fake.user(1005, "Eva")
    async with polling_bot(fake, MessageHandler(filters.PHOTO, keep_photo)):
        await user.send_photo(caption="Mijn paspoort", data=b"\xff\xd8jpeg-bytes\xff\xd9")
        assert (await user.next_message()).text == "Foto ontvangen"
    assert received == [b"\xff\xd8jpeg-bytes\xff\xd9"]


async def test_forum_topic_and_copy_message_into_thread(fake: FakeTelegram) -> None:
    group = fake.supergroup(-1001234, "Begeleiders", is_forum=True)
    client = fake.user(1006, "Fatima")

    async def forward_to_topic(update: Update, context: Context) -> None:
        message = update.effective_message
        assert message is not None
        topic = await context.bot.create_forum_topic(group.id, f"Client {client.id}")
        await context.bot.copy_message(
            group.id, message.chat_id, message.message_id, message_thread_id=topic.message_thread_id
        )

    async with polling_bot(
        fake, MessageHandler(filters.ChatType.PRIVATE & filters.TEXT, forward_to_topic)
    ):
        await client.send_text("Ik heb een vraag over het examen")
        copied = await group.next_message()
        await fake.drain()

    topic = group.topic("Client 1006")
    assert copied.thread_id == topic.thread_id
    assert copied.data["is_topic_message"] is True
    assert copied.text == "Ik heb een vraag over het examen"
    assert "forward_origin" not in copied.data
    assert group.messages(thread_id=topic.thread_id) == [copied]
    result = fake.calls_for("copyMessage")[0].result
    assert result == {"message_id": copied.message_id}
    created = fake.calls_for("createForumTopic")[0].result
    assert created["name"] == "Client 1006" and created["icon_color"] == 7322096


async def test_member_writes_in_topic_and_bot_replies_there(fake: FakeTelegram) -> None:
    group = fake.supergroup(-1005555, "Team")
    coach = group.member(fake.user(2001, "Coach"))
    seen: list[Message] = []

    async def reply_in_thread(update: Update, context: Context) -> None:
        assert update.effective_message is not None
        seen.append(update.effective_message)
        await update.effective_message.reply_text("Genoteerd")

    async with polling_bot(
        fake, MessageHandler(filters.ChatType.SUPERGROUP & filters.TEXT, reply_in_thread)
    ):
        topic = await group.create_topic("Intake", by=coach)
        await coach.send_text("Notitie", thread_id=topic.thread_id)
        reply = await group.next_message(thread_id=topic.thread_id)
        await coach.send_command("/status", thread_id=topic.thread_id)
        await group.next_message(thread_id=topic.thread_id)

    assert seen[0].message_thread_id == topic.thread_id and seen[0].is_topic_message
    assert seen[1].text == "/status" and seen[1].entities[0].type == "bot_command"
    assert reply.thread_id == topic.thread_id
    assert reply.data["reply_to_message"]["text"] == "Notitie"


async def test_user_edit_produces_edited_message_update(fake: FakeTelegram) -> None:
    edits: list[str] = []

    async def on_edit(update: Update, context: Context) -> None:
        assert update.edited_message is not None
        edits.append(update.edited_message.text or "")

    user = fake.user(1007, "Gert")
    async with polling_bot(fake, MessageHandler(filters.UpdateType.EDITED_MESSAGE, on_edit)):
        original = await user.send_text("Ik woon in Utrecht")
        await user.edit_text(original, "Ik woon in Amersfoort")
        await fake.drain()
    assert edits == ["Ik woon in Amersfoort"]


async def test_blocking_the_bot_gives_update_and_forbidden(fake: FakeTelegram) -> None:
    statuses: list[str] = []

    async def on_member(update: Update, context: Context) -> None:
        assert update.my_chat_member is not None
        statuses.append(update.my_chat_member.new_chat_member.status)

    user = fake.user(1008, "Hanna")
    async with polling_bot(fake, ChatMemberHandler(on_member, ChatMemberHandler.MY_CHAT_MEMBER)):
        await user.block_bot()
        await fake.drain()
        await user.unblock_bot()
        await fake.drain()
    assert statuses == ["kicked", "member"]


async def test_objects_parse_as_ptb_types(fake: FakeTelegram) -> None:
    group = fake.supergroup(-1007777, "Forum")
    group.member(fake.user(3001, "Admin"), status="administrator")
    group.member(fake.user(3002, "Muted"), status="restricted")
    fake.user(3003, "Lid")
    async with polling_bot(fake) as app:
        chat = await app.bot.get_chat(group.id)
        assert isinstance(chat, ChatFullInfo) and chat.is_forum and chat.title == "Forum"
        assert isinstance(await app.bot.get_chat_member(group.id, 3001), ChatMemberAdministrator)
        assert isinstance(await app.bot.get_chat_member(group.id, 3002), ChatMemberRestricted)
        assert isinstance(await app.bot.get_chat_member(3003, 3003), ChatMemberMember)
        me = await app.bot.get_me()
        assert me.username == "inburgerbot_test_bot" and me.can_join_groups

        venue = await app.bot.send_venue(3003, 52.09, 5.12, "Gemeente", "Stadsplateau 1")
        assert venue.venue is not None and venue.location is not None
        location = await app.bot.send_location(3003, 52.0, 5.0)
        assert location.location is not None and location.location.latitude == 52.0
        voice = await app.bot.send_voice(3003, InputFile(io.BytesIO(b"OggS"), filename="v.ogg"))
        assert voice.voice is not None and voice.voice.mime_type == "audio/ogg"
        photo = await app.bot.send_photo(3003, InputFile(io.BytesIO(b"\xff\xd8"), filename="p.jpg"))
        assert photo.photo and photo.photo[-1].file_id
        assert await app.bot.send_chat_action(3003, "typing")
        forwarded = await app.bot.forward_message(group.id, 3003, venue.message_id)
        assert forwarded.forward_origin is not None
        assert await app.bot.delete_message(3003, location.message_id)
        assert location.message_id not in [m.message_id for m in fake.user(3003).inbox]


async def test_commands_per_scope_and_language(fake: FakeTelegram) -> None:
    from telegram import BotCommand, BotCommandScopeAllPrivateChats

    async with polling_bot(fake) as app:
        await app.bot.set_my_commands([BotCommand("start", "Begin")], language_code="nl")
        await app.bot.set_my_commands(
            [BotCommand("start", "Start")],
            scope=BotCommandScopeAllPrivateChats(),
            language_code="en",
        )
        dutch = await app.bot.get_my_commands(language_code="nl")
        english_private = await app.bot.get_my_commands(
            scope=BotCommandScopeAllPrivateChats(), language_code="en"
        )
        assert await app.bot.get_my_commands() == ()
        await app.bot.delete_my_commands(language_code="nl")
        assert await app.bot.get_my_commands(language_code="nl") == ()
    assert [c.description for c in dutch] == ["Begin"]
    assert [c.description for c in english_private] == ["Start"]
    assert fake.commands({"type": "all_private_chats"}, "en") == [
        {"command": "start", "description": "Start"}
    ]


async def test_long_poll_wakes_up_immediately(fake: FakeTelegram) -> None:
    user = fake.user(1009, "Ivo")
    async with polling_bot(fake, MessageHandler(filters.TEXT, echo)):
        await fake.wait_in_flight("getUpdates")
        started = time.monotonic()
        await user.send_text("snel?")
        await user.next_message(timeout=5)
        elapsed = time.monotonic() - started
    assert elapsed < 0.5
