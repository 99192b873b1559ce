"""Chats, members, chat actions, menu buttons and forum topics."""

from __future__ import annotations

from ..errors import bad_request
from ..models import ChatState, JSONDict, Topic
from ..params import Params
from ..state import DEFAULT_TOPIC_COLOR, TOPIC_COLORS, EmulatorState
from .registry import api_method

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
MAX_TOPIC_NAME_LENGTH = 128
ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_manage_topics",
)
RESTRICTED_PERMISSIONS = (
    "can_send_messages",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_manage_topics",
    "can_edit_tag",
    "can_react_to_messages",
)


def chat_member(user: JSONDict, status: str) -> JSONDict:
    """Return a ChatMember object of the given status with all fields PTB requires."""
    member: JSONDict = {"status": status, "user": user}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member.update(
            can_be_edited=False,
            is_anonymous=False,
            can_promote_members=False,
            can_post_stories=False,
            can_edit_stories=False,
            can_delete_stories=False,
        )
        member.update(dict.fromkeys(ADMIN_RIGHTS, True))
    elif status == "restricted":
        member.update(is_member=True, until_date=0)
        member.update(dict.fromkeys(RESTRICTED_PERMISSIONS, False))
    elif status == "kicked":
        member["until_date"] = 0
    return member


@api_method("getChat")
async def get_chat(state: EmulatorState, params: Params) -> JSONDict:
    """Return full information about a chat."""
    return state.get_chat(params.get("chat_id")).to_full_info()


@api_method("getChatMember")
async def get_chat_member(state: EmulatorState, params: Params) -> JSONDict:
    """Return a user's membership in a chat (configured status, default 'member')."""
    chat = state.get_chat(params.get("chat_id"))
    user_id = params.integer("user_id", "user not found")
    user = state.bot_user if user_id == state.bot_user["id"] else state.users.get(user_id)
    if user is None:
        raise bad_request("user not found")
    default = (
        "left"
        if chat.type == "private" and user_id not in (chat.id, state.bot_user["id"])
        else "member"
    )
    return chat_member(user, chat.member_status.get(user_id, default))


@api_method("sendChatAction")
async def send_chat_action(state: EmulatorState, params: Params) -> bool:
    """Show 'typing…' and friends; only validated and published."""
    chat = state.writable_chat(params.get("chat_id"))
    action = params.string("action", "action is empty")
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    thread_id = params.optional_int("message_thread_id")
    state.require_thread(chat, thread_id)
    state.events.publish("chat_action", chat_id=chat.id, action=action, message_thread_id=thread_id)
    return True


@api_method("setChatMenuButton")
async def set_chat_menu_button(state: EmulatorState, params: Params) -> bool:
    """Set the menu button of one private chat, or the default one."""
    button = params.json("menu_button") or {"type": "default"}
    if "chat_id" in params:
        state.get_chat(params.get("chat_id")).menu_button = button
    else:
        state.default_menu_button = button
    return True


@api_method("getChatMenuButton")
async def get_chat_menu_button(state: EmulatorState, params: Params) -> JSONDict:
    """Return the menu button of a private chat, or the default one."""
    if "chat_id" in params:
        button = state.get_chat(params.get("chat_id")).menu_button
        if button is not None and button.get("type") != "default":
            return button
    return state.default_menu_button


# -- forum topics ------------------------------------------------------------------------------


def forum_chat(state: EmulatorState, params: Params) -> ChatState:
    """Return the forum supergroup a topic method targets."""
    chat = state.get_chat(params.get("chat_id"))
    if not chat.is_forum:
        raise bad_request("the chat is not a forum")
    return chat


def existing_topic(chat: ChatState, params: Params) -> Topic:
    """Return the topic named by message_thread_id."""
    thread_id = params.integer("message_thread_id", "message thread not found")
    topic = chat.topics.get(thread_id)
    if topic is None or topic.deleted:
        raise bad_request("message thread not found")
    return topic


def topic_name(params: Params, required: bool) -> str | None:
    """Return a validated topic name."""
    name = params.optional_str("name")
    if name is None and not required:
        return None
    if not name or not name.strip():
        raise bad_request("TOPIC_TITLE_EMPTY")
    if len(name) > MAX_TOPIC_NAME_LENGTH:
        raise bad_request("TOPIC_TITLE_TOO_LONG")
    return name


def post_topic_service_message(
    state: EmulatorState, chat: ChatState, topic: Topic, content: JSONDict
) -> None:
    """Add the service message Telegram posts into a topic when it changes."""
    message = state.add_message(
        chat, state.bot_user, content, from_bot=False, thread_id=topic.thread_id
    )
    message.data.pop("reply_to_message", None)


@api_method("createForumTopic")
async def create_forum_topic(state: EmulatorState, params: Params) -> JSONDict:
    """Create a topic in a forum supergroup."""
    chat = forum_chat(state, params)
    name = topic_name(params, required=True)
    assert name is not None
    icon_color = params.optional_int("icon_color") or DEFAULT_TOPIC_COLOR
    if icon_color not in TOPIC_COLORS:
        raise bad_request("TOPIC_ICON_COLOR_INVALID")
    emoji_id = params.optional_str("icon_custom_emoji_id")
    return state.create_topic(chat, name, icon_color, state.bot_user, emoji_id).to_forum_topic()


@api_method("editForumTopic")
async def edit_forum_topic(state: EmulatorState, params: Params) -> bool:
    """Rename a topic or change its icon."""
    chat = forum_chat(state, params)
    topic = existing_topic(chat, params)
    name = topic_name(params, required=False)
    emoji_id = params.optional_str("icon_custom_emoji_id")
    changes: JSONDict = {}
    if name is not None and name != topic.name:
        changes["name"] = topic.name = name
    if emoji_id is not None and emoji_id != (topic.icon_custom_emoji_id or ""):
        changes["icon_custom_emoji_id"] = emoji_id
        topic.icon_custom_emoji_id = emoji_id or None
    if not changes:
        raise bad_request("TOPIC_NOT_MODIFIED")
    post_topic_service_message(state, chat, topic, {"forum_topic_edited": changes})
    state.events.publish("topic", action="edited", chat_id=chat.id, topic=topic.to_forum_topic())
    return True


async def _set_topic_closed(state: EmulatorState, params: Params, closed: bool) -> bool:
    """Close or reopen a topic."""
    chat = forum_chat(state, params)
    topic = existing_topic(chat, params)
    if topic.closed == closed:
        raise bad_request("TOPIC_NOT_MODIFIED")
    topic.closed = closed
    service = "forum_topic_closed" if closed else "forum_topic_reopened"
    post_topic_service_message(state, chat, topic, {service: {}})
    action = "closed" if closed else "reopened"
    state.events.publish("topic", action=action, chat_id=chat.id, topic=topic.to_forum_topic())
    return True


@api_method("closeForumTopic")
async def close_forum_topic(state: EmulatorState, params: Params) -> bool:
    """Close a topic: members can no longer post in it."""
    return await _set_topic_closed(state, params, closed=True)


@api_method("reopenForumTopic")
async def reopen_forum_topic(state: EmulatorState, params: Params) -> bool:
    """Reopen a closed topic."""
    return await _set_topic_closed(state, params, closed=False)


@api_method("deleteForumTopic")
async def delete_forum_topic(state: EmulatorState, params: Params) -> bool:
    """Delete a topic and all of its messages."""
    chat = forum_chat(state, params)
    state.delete_topic(chat, existing_topic(chat, params))
    return True
