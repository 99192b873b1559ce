"""Plain data records of the emulated Telegram world: files, messages, topics, chats, calls."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .params import UploadedFile

if TYPE_CHECKING:
    from .faults import Fault

JSONDict = dict[str, Any]

MEDIA_KINDS = ("document", "photo", "voice", "audio", "video", "animation", "sticker", "video_note")


@dataclass
class StoredFile:
    """A file known to the emulator, uploaded by the bot or sent by a simulated user."""

    file_id: str
    file_unique_id: str
    kind: str
    data: bytes
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None
    source_url: str | None = None

    @property
    def size(self) -> int:
        """Return the size in bytes."""
        return len(self.data)

    def to_file(self) -> JSONDict:
        """Return the Bot API File object (what getFile answers)."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
            "file_path": self.file_path,
        }


@dataclass
class StoredMessage:
    """A message in a chat; data is the Bot API Message object as Telegram would send it."""

    data: JSONDict
    from_bot: bool
    file: StoredFile | None = None
    deleted: bool = False
    edit_count: int = 0
    # Telegram echoes only inline keyboards in Message objects; reply keyboards are kept here.
    sent_markup: JSONDict | None = None

    @property
    def message_id(self) -> int:
        """Return the per-chat message id."""
        return int(self.data["message_id"])

    @property
    def chat_id(self) -> int:
        """Return the id of the chat the message lives in."""
        return int(self.data["chat"]["id"])

    @property
    def thread_id(self) -> int | None:
        """Return the forum topic (message thread) id, if any."""
        return self.data.get("message_thread_id")

    @property
    def text(self) -> str | None:
        """Return the text, or the caption of a media message."""
        return self.data.get("text", self.data.get("caption"))

    @property
    def entities(self) -> list[JSONDict]:
        """Return the text or caption entities."""
        return list(self.data.get("entities") or self.data.get("caption_entities") or [])

    @property
    def reply_markup(self) -> JSONDict | None:
        """Return the reply markup as sent by the bot (inline or reply keyboard)."""
        return self.sent_markup if self.sent_markup is not None else self.data.get("reply_markup")

    @property
    def inline_keyboard(self) -> list[list[JSONDict]]:
        """Return the rows of inline buttons ([] when there is no inline keyboard)."""
        markup = self.reply_markup or {}
        return list(markup.get("inline_keyboard", []))

    @property
    def buttons(self) -> list[JSONDict]:
        """Return all inline buttons, row by row."""
        return [button for row in self.inline_keyboard for button in row]

    @property
    def button_texts(self) -> list[str]:
        """Return the labels of all inline buttons."""
        return [button["text"] for button in self.buttons]

    @property
    def callback_data(self) -> list[str]:
        """Return the callback_data of all inline buttons that have one."""
        return [b["callback_data"] for b in self.buttons if "callback_data" in b]

    @property
    def keyboard_texts(self) -> list[str]:
        """Return the labels of a reply (custom) keyboard."""
        rows = (self.reply_markup or {}).get("keyboard", [])
        return [b if isinstance(b, str) else b["text"] for row in rows for b in row]

    @property
    def media_kind(self) -> str | None:
        """Return document/photo/voice/... for media messages, else None."""
        return next((kind for kind in MEDIA_KINDS if kind in self.data), None)

    @property
    def file_id(self) -> str | None:
        """Return the file_id of the attached media (largest photo size)."""
        kind = self.media_kind
        if kind is None:
            return None
        media = self.data[kind]
        return str(media[-1]["file_id"] if isinstance(media, list) else media["file_id"])

    def button(self, text: str) -> JSONDict:
        """Return the inline button with this label."""
        for candidate in self.buttons:
            if candidate["text"] == text:
                return candidate
        raise LookupError(f"no inline button {text!r}; buttons are {self.button_texts}")

    def to_dict(self) -> JSONDict:
        """Return a copy of the Message object."""
        return dict(self.data)


@dataclass
class Topic:
    """A forum topic in a supergroup."""

    thread_id: int
    name: str
    icon_color: int
    icon_custom_emoji_id: str | None = None
    closed: bool = False
    deleted: bool = False
    created_by_bot: bool = False
    creation_message: JSONDict = field(default_factory=dict)

    def to_forum_topic(self) -> JSONDict:
        """Return the Bot API ForumTopic object."""
        topic: JSONDict = {
            "message_thread_id": self.thread_id,
            "name": self.name,
            "icon_color": self.icon_color,
        }
        if self.icon_custom_emoji_id:
            topic["icon_custom_emoji_id"] = self.icon_custom_emoji_id
        return topic


@dataclass
class ChatState:
    """Everything the emulator knows about one chat."""

    id: int
    type: str
    title: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    username: str | None = None
    is_forum: bool = False
    blocked: bool = False
    next_message_id: int = 1
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    bot_log: list[StoredMessage] = field(default_factory=list)
    topics: dict[int, Topic] = field(default_factory=dict)
    member_status: dict[int, str] = field(default_factory=dict)
    menu_button: JSONDict | None = None

    def allocate_message_id(self) -> int:
        """Return the next message id of this chat."""
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id

    def to_chat(self) -> JSONDict:
        """Return the short Bot API Chat object embedded in messages."""
        chat: JSONDict = {"id": self.id, "type": self.type}
        optional = {
            "title": self.title,
            "username": self.username,
            "first_name": self.first_name,
            "last_name": self.last_name,
        }
        chat.update({key: value for key, value in optional.items() if value})
        if self.is_forum:
            chat["is_forum"] = True
        return chat

    def to_full_info(self) -> JSONDict:
        """Return the Bot API ChatFullInfo object (what getChat answers)."""
        info = self.to_chat()
        info.update(
            accent_color_id=0,
            max_reaction_count=11,
            accepted_gift_types={
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        )
        return info

    def bot_messages(self, thread_id: int | None = None) -> list[StoredMessage]:
        """Return the bot's visible messages, optionally only those in one thread."""
        return [
            message
            for message in self.bot_log
            if not message.deleted and (thread_id is None or message.thread_id == thread_id)
        ]

    def live_messages(self) -> Iterator[StoredMessage]:
        """Yield all visible messages (user and bot) in id order."""
        return (message for message in self.messages.values() if not message.deleted)


@dataclass
class CallbackQueryRecord:
    """A callback query a simulated user created by pressing an inline button."""

    id: str
    user_id: int
    message: StoredMessage
    data: str | None
    answer: JSONDict | None = None
    answered: bool = False


@dataclass
class Call:
    """One HTTP request the bot made to the emulator."""

    method: str
    params: JSONDict
    files: dict[str, UploadedFile] = field(default_factory=dict)
    monotonic: float = field(default_factory=time.monotonic)
    wall_time: float = field(default_factory=time.time)
    status: int | None = None
    result: Any = None
    description: str | None = None
    finished_monotonic: float | None = None
    fault: Fault | None = None

    @property
    def ok(self) -> bool:
        """Return whether the call succeeded."""
        return self.status == 200

    @property
    def in_flight(self) -> bool:
        """Return whether the response has not been produced yet."""
        return self.finished_monotonic is None

    @property
    def duration(self) -> float | None:
        """Return how long the emulator took to answer, in seconds."""
        if self.finished_monotonic is None:
            return None
        return self.finished_monotonic - self.monotonic

    def to_dict(self) -> JSONDict:
        """Return a JSON-serialisable summary (uploaded bytes are left out)."""
        return {
            "method": self.method,
            "params": self.params,
            "files": {name: part.filename for name, part in self.files.items()},
            "time": self.wall_time,
            "status": self.status,
            "description": self.description,
            "duration": self.duration,
        }
