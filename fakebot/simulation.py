"""Simulated humans: private-chat users, supergroup members and their button presses."""

# ruff: noqa: ASYNC109  (a `timeout=` argument is this test API's documented contract)

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .files import media_object
from .formatting import detect_entities
from .models import CallbackQueryRecord, ChatState, JSONDict, StoredMessage, Topic
from .state import DEFAULT_TOPIC_COLOR, EmulatorState, now

# Tiny but well-formed-looking payloads so bots that sniff magic bytes are not surprised.
SAMPLE_JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32 + b"\xff\xd9"
SAMPLE_PDF = b"%PDF-1.4\n% emulator sample\n%%EOF\n"
SAMPLE_OGG = b"OggS\x00\x02" + b"\x00" * 32
SAMPLE_WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8 " + b"\x00" * 16


class _Reader:
    """Hands out a chat's bot messages one by one, each at most once."""

    def __init__(self, state: EmulatorState, chat: ChatState) -> None:
        self._state = state
        self._chat = chat
        self._cursor = 0
        self._taken: set[int] = set()

    def _take(self, thread_id: int | None) -> StoredMessage | None:
        """Return the oldest unread visible bot message (of a thread), marking it read."""
        log = self._chat.bot_log
        for index in range(self._cursor, len(log)):
            message = log[index]
            if message.deleted or message.message_id in self._taken:
                continue
            if thread_id is None or message.thread_id == thread_id:
                self._taken.add(message.message_id)
                self._advance()
                return message
        return None

    def _advance(self) -> None:
        """Move the cursor past messages that can never be returned again."""
        log = self._chat.bot_log
        while self._cursor < len(log) and (
            log[self._cursor].deleted or log[self._cursor].message_id in self._taken
        ):
            self._cursor += 1

    async def next(self, max_wait: float, thread_id: int | None) -> StoredMessage:
        """Wait for the next unread bot message; raise TimeoutError when none arrives."""
        found: list[StoredMessage] = []

        def arrived() -> bool:
            message = self._take(thread_id)
            if message is not None:
                found.append(message)
            return bool(found)

        try:
            await self._state.messages_changed.wait_until(arrived, max_wait)
        except TimeoutError:
            where = f" in thread {thread_id}" if thread_id is not None else ""
            raise TimeoutError(
                f"no new bot message in chat {self._chat.id}{where} within {max_wait}s"
            ) from None
        return found[0]


@dataclass
class CallbackPress:
    """A button press: the callback_query update and, later, the bot's answer."""

    state: EmulatorState
    record: CallbackQueryRecord
    update: JSONDict

    @property
    def query_id(self) -> str:
        """Return the callback query id."""
        return self.record.id

    @property
    def answered(self) -> bool:
        """Return whether the bot called answerCallbackQuery for this press."""
        return self.record.answered

    @property
    def answer_params(self) -> JSONDict | None:
        """Return the answer (text, show_alert, url) once given."""
        return self.record.answer

    async def answer(self, timeout: float = 5.0) -> JSONDict:
        """Wait until the bot answered this press and return the answer."""
        try:
            await self.state.callbacks_changed.wait_until(lambda: self.record.answered, timeout)
        except TimeoutError:
            raise TimeoutError(
                f"callback query {self.query_id} was not answered within {timeout}s"
            ) from None
        assert self.record.answer is not None
        return self.record.answer


class ChatParticipant:
    """A human acting in one chat: sends messages and presses buttons like a Telegram client."""

    def __init__(self, state: EmulatorState, user: JSONDict, chat: ChatState) -> None:
        self.state = state
        self.user = user
        self.chat = chat
        self._reader = _Reader(state, chat)

    @property
    def id(self) -> int:
        """Return the user id."""
        return int(self.user["id"])

    @property
    def chat_id(self) -> int:
        """Return the id of the chat this participant acts in."""
        return self.chat.id

    @property
    def inbox(self) -> list[StoredMessage]:
        """Return the bot's visible messages in this chat, reflecting edits and deletions."""
        return self.chat.bot_messages()

    @property
    def last_message(self) -> StoredMessage | None:
        """Return the bot's newest visible message in this chat."""
        messages = self.chat.bot_messages()
        return messages[-1] if messages else None

    async def next_message(
        self,
        timeout: float = 5.0,
        thread_id: int | None = None,
    ) -> StoredMessage:
        """Return the next bot message this participant has not read yet, waiting for it."""
        return await self._reader.next(timeout, thread_id)

    # -- sending ------------------------------------------------------------------------------

    def _post(
        self,
        content: JSONDict,
        thread_id: int | None = None,
        reply_to: StoredMessage | None = None,
        file: Any = None,
    ) -> StoredMessage:
        """Store a message from this user and queue the 'message' update."""
        if reply_to is not None and thread_id is None:
            thread_id = reply_to.thread_id
        self.state.require_thread(self.chat, thread_id, self.id)
        message = self.state.add_message(
            self.chat,
            self.user,
            content,
            from_bot=False,
            thread_id=thread_id,
            reply_to=reply_to,
            file=file,
        )
        self._deliver("message", message.data)
        return message

    def _deliver(self, update_type: str, payload: JSONDict) -> JSONDict:
        """Queue an update for the bot and publish it to observers."""
        update = self.state.updates.push(update_type, payload)
        self.state.events.publish("update", chat_id=self.chat.id, update=update)
        return update

    async def send_text(
        self,
        text: str,
        *,
        thread_id: int | None = None,
        reply_to: StoredMessage | None = None,
        entities: list[JSONDict] | None = None,
    ) -> StoredMessage:
        """Send a text message; commands, URLs and mentions get entities like in Telegram."""
        content: JSONDict = {"text": text}
        found = entities if entities is not None else detect_entities(text)
        if found:
            content["entities"] = found
        return self._post(content, thread_id, reply_to)

    async def send_command(
        self,
        command: str,
        arg: str | None = None,
        *,
        thread_id: int | None = None,
        reply_to: StoredMessage | None = None,
    ) -> StoredMessage:
        """Send '/command [arg]' with a bot_command entity (as a deep link /start ARG would)."""
        command = command if command.startswith("/") else f"/{command}"
        text = f"{command} {arg}" if arg else command
        entity = {"type": "bot_command", "offset": 0, "length": len(command)}
        rest = [e for e in detect_entities(text) if e["offset"] > 0]
        return await self.send_text(
            text, thread_id=thread_id, reply_to=reply_to, entities=[entity, *rest]
        )

    async def reply_to(self, message: StoredMessage, text: str) -> StoredMessage:
        """Reply to a message (in its thread)."""
        return await self.send_text(text, reply_to=message)

    async def send_photo(
        self,
        caption: str | None = None,
        data: bytes = SAMPLE_JPEG,
        *,
        thread_id: int | None = None,
        media_group_id: str | None = None,
    ) -> StoredMessage:
        """Send a photo (stored so the bot can download it)."""
        stored = self.state.files.add("photo", data, mime_type="image/jpeg")
        content: JSONDict = {"photo": media_object("photo", stored)}
        content.update(_caption(caption))
        if media_group_id:
            content["media_group_id"] = media_group_id
        return self._post(content, thread_id, file=stored)

    async def send_document(
        self,
        data: bytes = SAMPLE_PDF,
        file_name: str = "document.pdf",
        mime_type: str | None = None,
        caption: str | None = None,
        *,
        thread_id: int | None = None,
    ) -> StoredMessage:
        """Send a file as a document."""
        stored = self.state.files.add("document", data, file_name, mime_type)
        content: JSONDict = {"document": media_object("document", stored)}
        content.update(_caption(caption))
        return self._post(content, thread_id, file=stored)

    async def send_voice(
        self, data: bytes = SAMPLE_OGG, duration: int = 1, *, thread_id: int | None = None
    ) -> StoredMessage:
        """Send a voice note."""
        stored = self.state.files.add("voice", data, mime_type="audio/ogg")
        content: JSONDict = {"voice": media_object("voice", stored, duration=duration)}
        return self._post(content, thread_id, file=stored)

    async def send_location(
        self, latitude: float, longitude: float, *, thread_id: int | None = None
    ) -> StoredMessage:
        """Share a location."""
        return self._post({"location": {"latitude": latitude, "longitude": longitude}}, thread_id)

    async def send_contact(
        self, phone_number: str, first_name: str | None = None, *, thread_id: int | None = None
    ) -> StoredMessage:
        """Share a contact (by default one's own, as the 'share phone' button does)."""
        contact = {
            "phone_number": phone_number,
            "first_name": first_name or self.user["first_name"],
            "user_id": self.id,
        }
        return self._post({"contact": contact}, thread_id)

    async def send_sticker(
        self, emoji: str = "👍", *, thread_id: int | None = None
    ) -> StoredMessage:
        """Send a sticker."""
        stored = self.state.files.add("sticker", SAMPLE_WEBP, mime_type="image/webp")
        return self._post(
            {"sticker": media_object("sticker", stored, emoji=emoji)}, thread_id, file=stored
        )

    async def send_media_group(
        self, count: int = 2, caption: str | None = None, *, thread_id: int | None = None
    ) -> list[StoredMessage]:
        """Send an album: several photo messages sharing one media_group_id."""
        group_id = self.state.next_media_group_id()
        return [
            await self.send_photo(
                caption if index == 0 else None, thread_id=thread_id, media_group_id=group_id
            )
            for index in range(count)
        ]

    # -- acting on messages -------------------------------------------------------------------

    async def edit_text(self, message: StoredMessage | int, new_text: str) -> StoredMessage:
        """Edit one of this user's own text messages (an 'edited_message' update)."""
        stored = self.chat.messages[message if isinstance(message, int) else message.message_id]
        if stored.from_bot or stored.data["from"]["id"] != self.id:
            raise ValueError("users can only edit their own messages")
        stored.data["text"] = new_text
        stored.data.pop("entities", None)
        found = detect_entities(new_text)
        if found:
            stored.data["entities"] = found
        stored.data["edit_date"] = now()
        stored.edit_count += 1
        self._deliver("edited_message", dict(stored.data))
        return stored

    async def press(
        self,
        message: StoredMessage,
        callback_data: str | None = None,
        *,
        button_text: str | None = None,
        strict: bool = True,
    ) -> CallbackPress:
        """Press an inline button of a bot message (by callback_data or by label)."""
        if button_text is not None:
            callback_data = message.button(button_text).get("callback_data")
        if strict and callback_data not in message.callback_data:
            raise ValueError(
                f"message {message.message_id} has no button with data {callback_data!r}; "
                f"it has {message.callback_data}"
            )
        if strict and message.deleted:
            raise ValueError(f"message {message.message_id} was deleted")
        record = self.state.create_callback_query(self.user, message, callback_data)
        payload: JSONDict = {
            "id": record.id,
            "from": self.user,
            "message": message.data,
            "chat_instance": str(abs(hash((self.chat.id, self.state.bot_user["id"])))),
        }
        if callback_data is not None:
            payload["data"] = callback_data
        return CallbackPress(self.state, record, self._deliver("callback_query", payload))


class SimUser(ChatParticipant):
    """A simulated human with a private chat with the bot."""

    @property
    def first_name(self) -> str:
        """Return the user's first name."""
        return str(self.user["first_name"])

    @property
    def language_code(self) -> str | None:
        """Return the user's client language."""
        return self.user.get("language_code")

    @property
    def blocked(self) -> bool:
        """Return whether the user has blocked the bot."""
        return self.chat.blocked

    async def block_bot(self) -> JSONDict:
        """Block the bot: sends become 403 and the bot gets a my_chat_member update."""
        self.chat.blocked = True
        return self._deliver("my_chat_member", self._membership_change("member", "kicked"))

    async def unblock_bot(self) -> JSONDict:
        """Unblock the bot (as pressing 'Restart' does)."""
        self.chat.blocked = False
        return self._deliver("my_chat_member", self._membership_change("kicked", "member"))

    def _membership_change(self, old: str, new: str) -> JSONDict:
        """Return the ChatMemberUpdated describing the bot's status change."""
        bot = self.state.bot_user
        old_member: JSONDict = {"status": old, "user": bot}
        new_member: JSONDict = {"status": new, "user": bot}
        for member in (old_member, new_member):
            if member["status"] == "kicked":
                member["until_date"] = 0
        return {
            "chat": self.chat.to_chat(),
            "from": self.user,
            "date": now(),
            "old_chat_member": old_member,
            "new_chat_member": new_member,
        }

    def in_group(self, group: SimGroup, status: str = "member") -> ChatParticipant:
        """Return this user acting as a member of a supergroup."""
        return group.member(self, status)


class SimGroup:
    """A simulated supergroup (by default a forum with topics)."""

    def __init__(self, state: EmulatorState, chat: ChatState) -> None:
        self.state = state
        self.chat = chat
        self._members: dict[int, ChatParticipant] = {}
        self._reader = _Reader(state, chat)

    @property
    def id(self) -> int:
        """Return the chat id."""
        return self.chat.id

    @property
    def topics(self) -> dict[int, Topic]:
        """Return all topics by thread id (including deleted ones, flagged)."""
        return self.chat.topics

    def topic(self, name: str) -> Topic:
        """Return the live topic with this name."""
        for topic in self.chat.topics.values():
            if topic.name == name and not topic.deleted:
                return topic
        raise LookupError(f"no topic named {name!r} in chat {self.id}")

    def member(self, user: ChatParticipant | int, status: str = "member") -> ChatParticipant:
        """Return a user acting in this group, adding them with a membership status."""
        user_id = user if isinstance(user, int) else user.id
        if user_id not in self.state.users:
            self.state.add_user(user_id, f"User {user_id}")
        self.chat.member_status.setdefault(user_id, status)
        if user_id not in self._members:
            self._members[user_id] = ChatParticipant(
                self.state, self.state.users[user_id], self.chat
            )
        return self._members[user_id]

    def set_member_status(self, user_id: int, status: str) -> None:
        """Set what getChatMember reports: creator/administrator/member/restricted/left/kicked."""
        self.chat.member_status[user_id] = status

    def messages(self, thread_id: int | None = None) -> list[StoredMessage]:
        """Return the bot's visible messages, optionally only those in one topic."""
        return self.chat.bot_messages(thread_id)

    def all_messages(self, thread_id: int | None = None) -> list[StoredMessage]:
        """Return every visible message (users' and the bot's), optionally of one topic."""
        return [
            m for m in self.chat.live_messages() if thread_id is None or m.thread_id == thread_id
        ]

    async def next_message(
        self,
        timeout: float = 5.0,
        thread_id: int | None = None,
    ) -> StoredMessage:
        """Return the next bot message in the group not yet read through the group."""
        return await self._reader.next(timeout, thread_id)

    async def create_topic(
        self, name: str, by: ChatParticipant, icon_color: int = DEFAULT_TOPIC_COLOR
    ) -> Topic:
        """Let a member create a topic; the bot receives the forum_topic_created message."""
        topic = self.state.create_topic(self.chat, name, icon_color, by.user)
        update = self.state.updates.push("message", topic.creation_message)
        self.state.events.publish("update", chat_id=self.id, update=update)
        return topic


def _caption(caption: str | None) -> JSONDict:
    """Return caption fields with detected entities."""
    if not caption:
        return {}
    content: JSONDict = {"caption": caption}
    found = detect_entities(caption)
    if found:
        content["caption_entities"] = found
    return content
