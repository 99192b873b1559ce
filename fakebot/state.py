"""The emulated Telegram world: users, chats, messages, topics, files and pending updates."""

from __future__ import annotations

import time
from typing import Any

from .errors import CHAT_NOT_FOUND, bad_request, forbidden
from .events import EventBus
from .files import FileStore
from .models import CallbackQueryRecord, ChatState, JSONDict, StoredFile, StoredMessage, Topic
from .signals import ChangeSignal
from .updates import UpdateQueue
from .webhook import WebhookDispatcher

DEFAULT_TOPIC_COLOR = 7322096
TOPIC_COLORS = frozenset({7322096, 16766590, 13338331, 9367192, 16749490, 16478047})


def now() -> int:
    """Return the current unix time as Telegram dates are."""
    return int(time.time())


class EmulatorState:
    """All mutable state of the fake Bot API, independent of HTTP."""

    def __init__(
        self,
        token: str,
        bot_username: str = "inburgerbot_test_bot",
        bot_first_name: str = "Inburgerbot",
        auto_create_chats: bool = False,
    ) -> None:
        self.token = token
        bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 1
        self.bot_user: JSONDict = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.auto_create_chats = auto_create_chats
        self.users: dict[int, JSONDict] = {}
        self.chats: dict[int, ChatState] = {}
        self.files = FileStore()
        self.updates = UpdateQueue()
        self.events = EventBus()
        self.webhook = WebhookDispatcher(self.updates, self.events)
        self.commands: dict[tuple[str, str], list[JSONDict]] = {}
        self.default_menu_button: JSONDict = {"type": "commands"}
        self.callback_queries: dict[str, CallbackQueryRecord] = {}
        self.sent_messages: list[StoredMessage] = []
        self.messages_changed = ChangeSignal()
        self.callbacks_changed = ChangeSignal()
        self._callback_counter = 0
        self._media_group_counter = 0

    # -- users and chats --------------------------------------------------------------------

    def bot_profile(self) -> JSONDict:
        """Return the bot's User object with the capability flags getMe reports."""
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def add_user(
        self,
        user_id: int,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> JSONDict:
        """Register a human user and return its User object."""
        user: JSONDict = {"id": user_id, "is_bot": False, "first_name": first_name}
        optional = {"last_name": last_name, "username": username, "language_code": language_code}
        user.update({key: value for key, value in optional.items() if value})
        self.users[user_id] = user
        return user

    def add_private_chat(self, user: JSONDict) -> ChatState:
        """Return the private chat between the bot and a user, creating it if needed."""
        chat = self.chats.get(user["id"])
        if chat is None:
            chat = ChatState(
                id=user["id"],
                type="private",
                first_name=user["first_name"],
                last_name=user.get("last_name"),
                username=user.get("username"),
            )
            self.chats[chat.id] = chat
        return chat

    def add_supergroup(
        self, chat_id: int, title: str, is_forum: bool = True, username: str | None = None
    ) -> ChatState:
        """Return a supergroup the bot is in, creating it if needed."""
        chat = self.chats.get(chat_id)
        if chat is None:
            chat = ChatState(
                id=chat_id, type="supergroup", title=title, is_forum=is_forum, username=username
            )
            chat.member_status[self.bot_user["id"]] = "administrator"
            self.chats[chat_id] = chat
        return chat

    def get_chat(self, chat_id: Any) -> ChatState:
        """Return a chat by id or @username, or fail with 'chat not found'."""
        if chat_id in (None, ""):
            raise bad_request("chat_id is empty")
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            return self._chat_by_username(chat_id[1:])
        try:
            numeric_id = int(chat_id)
        except (TypeError, ValueError) as exc:
            raise bad_request(CHAT_NOT_FOUND) from exc
        chat = self.chats.get(numeric_id)
        if chat is None:
            chat = self._auto_create_chat(numeric_id)
        return chat

    def _chat_by_username(self, username: str) -> ChatState:
        """Return the chat with this public username."""
        for chat in self.chats.values():
            if chat.username and chat.username.lower() == username.lower():
                return chat
        raise bad_request(CHAT_NOT_FOUND)

    def _auto_create_chat(self, chat_id: int) -> ChatState:
        """Create unknown chats on first use when configured to (handy for benchmarks)."""
        if not self.auto_create_chats:
            raise bad_request(CHAT_NOT_FOUND)
        if chat_id > 0:
            return self.add_private_chat(self.add_user(chat_id, f"User {chat_id}"))
        return self.add_supergroup(chat_id, f"Group {chat_id}", is_forum=False)

    def writable_chat(self, chat_id: Any) -> ChatState:
        """Return a chat the bot may send to, or fail like Telegram does."""
        chat = self.get_chat(chat_id)
        if chat.blocked:
            raise forbidden("bot was blocked by the user")
        return chat

    def find_message(self, chat: ChatState, message_id: int, missing: str) -> StoredMessage:
        """Return a visible message of a chat or fail with the given detail."""
        message = chat.messages.get(message_id)
        if message is None or message.deleted:
            raise bad_request(missing)
        return message

    def require_thread(
        self, chat: ChatState, thread_id: int | None, sender_id: int | None = None
    ) -> Topic | None:
        """Return the topic a message goes to, failing for deleted topics and closed ones."""
        if thread_id is None or not chat.is_forum:
            return None
        topic = chat.topics.get(thread_id)
        if topic is None or topic.deleted:
            raise bad_request("message thread not found")
        sender_id = self.bot_user["id"] if sender_id is None else sender_id
        # Only admins (the bot is one in its supergroups) may keep posting in closed topics.
        if topic.closed and chat.member_status.get(sender_id) not in ("creator", "administrator"):
            raise bad_request("TOPIC_CLOSED")
        return topic

    # -- messages ---------------------------------------------------------------------------

    def add_message(
        self,
        chat: ChatState,
        sender: JSONDict,
        content: JSONDict,
        *,
        from_bot: bool,
        thread_id: int | None = None,
        reply_to: StoredMessage | None = None,
        file: StoredFile | None = None,
    ) -> StoredMessage:
        """Store a new message in a chat and return it."""
        data: JSONDict = {
            "message_id": chat.allocate_message_id(),
            "from": sender,
            "chat": chat.to_chat(),
            "date": now(),
        }
        self._place_in_thread(chat, data, thread_id, reply_to)
        data.update(content)
        message = StoredMessage(data, from_bot=from_bot, file=file)
        chat.messages[message.message_id] = message
        if from_bot:
            chat.bot_log.append(message)
            self.sent_messages.append(message)
            self.events.publish("message", chat_id=chat.id, message=data)
            self.messages_changed.notify()
        return message

    def _place_in_thread(
        self, chat: ChatState, data: JSONDict, thread_id: int | None, reply_to: StoredMessage | None
    ) -> None:
        """Add thread and reply fields the way Telegram fills them."""
        topic = chat.topics.get(thread_id) if thread_id is not None else None
        if thread_id is not None and (topic is not None or not chat.is_forum):
            data["message_thread_id"] = thread_id
        if topic is not None:
            data["is_topic_message"] = True
        if reply_to is not None:
            data["reply_to_message"] = _without_nested_reply(reply_to.data)
        elif topic is not None and topic.creation_message:
            # Telegram marks topic messages as replies to the topic's creation message.
            data["reply_to_message"] = topic.creation_message

    def edit_message(
        self, message: StoredMessage, changes: JSONDict, removed: tuple[str, ...] = ()
    ) -> StoredMessage:
        """Apply an edit by the bot and publish it."""
        for key in removed:
            message.data.pop(key, None)
        message.data.update(changes)
        message.data["edit_date"] = now()
        message.edit_count += 1
        self.events.publish("edit", chat_id=message.chat_id, message=message.data)
        self.messages_changed.notify()
        return message

    def delete_message(self, message: StoredMessage) -> None:
        """Mark a message deleted and publish it."""
        message.deleted = True
        self.events.publish("delete", chat_id=message.chat_id, message_id=message.message_id)
        self.messages_changed.notify()

    def next_media_group_id(self) -> str:
        """Return a fresh media_group_id."""
        self._media_group_counter += 1
        return f"{13000000000000000 + self._media_group_counter}"

    # -- forum topics -----------------------------------------------------------------------

    def create_topic(
        self,
        chat: ChatState,
        name: str,
        icon_color: int,
        creator: JSONDict,
        icon_custom_emoji_id: str | None = None,
    ) -> Topic:
        """Create a forum topic; its id is the id of the service message announcing it."""
        created: JSONDict = {"name": name, "icon_color": icon_color}
        if icon_custom_emoji_id:
            created["icon_custom_emoji_id"] = icon_custom_emoji_id
        from_bot = creator["id"] == self.bot_user["id"]
        message = self.add_message(chat, creator, {"forum_topic_created": created}, from_bot=False)
        thread_id = message.message_id
        message.data.update(message_thread_id=thread_id, is_topic_message=True)
        topic = Topic(
            thread_id=thread_id,
            name=name,
            icon_color=icon_color,
            icon_custom_emoji_id=icon_custom_emoji_id,
            created_by_bot=from_bot,
            creation_message=dict(message.data),
        )
        chat.topics[thread_id] = topic
        self.events.publish(
            "topic", action="created", chat_id=chat.id, topic=topic.to_forum_topic()
        )
        return topic

    def delete_topic(self, chat: ChatState, topic: Topic) -> None:
        """Delete a topic together with all of its messages."""
        topic.deleted = True
        for message in list(chat.live_messages()):
            if message.thread_id == topic.thread_id:
                self.delete_message(message)
        self.events.publish(
            "topic", action="deleted", chat_id=chat.id, topic=topic.to_forum_topic()
        )

    # -- callback queries -------------------------------------------------------------------

    def create_callback_query(
        self, user: JSONDict, message: StoredMessage, data: str | None
    ) -> CallbackQueryRecord:
        """Register a button press; the caller queues the update."""
        self._callback_counter += 1
        query_id = f"{user['id']}{self._callback_counter:08d}"
        record = CallbackQueryRecord(id=query_id, user_id=user["id"], message=message, data=data)
        self.callback_queries[query_id] = record
        return record

    def answer_callback_query(self, query_id: str, answer: JSONDict) -> None:
        """Store the bot's answer to a callback query, once."""
        record = self.callback_queries.get(query_id)
        if record is None or record.answered:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        record.answered = True
        record.answer = answer
        self.events.publish("callback_answer", callback_query_id=query_id, **answer)
        self.callbacks_changed.notify()


def _without_nested_reply(data: JSONDict) -> JSONDict:
    """Telegram embeds replied-to messages only one level deep."""
    return {key: value for key, value in data.items() if key != "reply_to_message"}
