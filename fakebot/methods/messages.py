"""Sending, editing, deleting, copying and forwarding messages."""

from __future__ import annotations

from typing import Any

from ..errors import MESSAGE_NOT_MODIFIED, bad_request
from ..files import media_object
from ..formatting import (
    MAX_CAPTION_LENGTH,
    MAX_TEXT_LENGTH,
    EntityParseError,
    format_text,
    utf16_len,
)
from ..models import MEDIA_KINDS, ChatState, JSONDict, StoredFile, StoredMessage
from ..params import Params
from ..state import EmulatorState
from .registry import api_method

MAX_CALLBACK_DATA_BYTES = 64
REPLY_MARKUP_KINDS = ("inline_keyboard", "keyboard", "remove_keyboard", "force_reply")
INLINE_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
# Message fields that copyMessage/forwardMessage carry over to the new message.
COPYABLE_FIELDS = (
    "text",
    "entities",
    "link_preview_options",
    "caption",
    "caption_entities",
    "show_caption_above_media",
    "has_media_spoiler",
    "location",
    "venue",
    "contact",
    *MEDIA_KINDS,
)


# -- shared building blocks --------------------------------------------------------------------


def formatted(text: str, parse_mode: str | None, entities: Any) -> tuple[str, list[JSONDict]]:
    """Parse text in its parse_mode, turning parse errors into Telegram's 400."""
    try:
        return format_text(text, parse_mode, entities if isinstance(entities, list) else None)
    except EntityParseError as exc:
        raise bad_request(f"can't parse entities: {exc}") from exc


def text_content(params: Params) -> JSONDict:
    """Return the text and entities of sendMessage/editMessageText."""
    raw = params.optional_str("text")
    if raw is None or not raw.strip():
        raise bad_request("message text is empty")
    text, entities = formatted(raw, params.optional_str("parse_mode"), params.json("entities"))
    if not text.strip():
        raise bad_request("message text is empty")
    if utf16_len(text) > MAX_TEXT_LENGTH:
        raise bad_request("message is too long")
    content: JSONDict = {"text": text}
    if entities:
        content["entities"] = entities
    link_preview = params.json("link_preview_options")
    if isinstance(link_preview, dict):
        content["link_preview_options"] = link_preview
    return content


def caption_content(params: Params) -> JSONDict:
    """Return the caption and caption entities of a media message ({} without caption)."""
    raw = params.optional_str("caption")
    if raw is None:
        return {}
    caption, entities = formatted(
        raw, params.optional_str("parse_mode"), params.json("caption_entities")
    )
    if utf16_len(caption) > MAX_CAPTION_LENGTH:
        raise bad_request("message caption is too long")
    content: JSONDict = {"caption": caption} if caption else {}
    if entities:
        content["caption_entities"] = entities
    return content


def reply_markup(params: Params) -> JSONDict | None:
    """Return the validated reply_markup parameter."""
    markup = params.json("reply_markup")
    if markup is None:
        return None
    if not isinstance(markup, dict) or not any(kind in markup for kind in REPLY_MARKUP_KINDS):
        raise bad_request("can't parse reply keyboard markup JSON object")
    for row in markup.get("inline_keyboard", []):
        for button in row:
            _validate_inline_button(button)
    return markup


def _validate_inline_button(button: Any) -> None:
    """Reject inline buttons Telegram would reject."""
    if not isinstance(button, dict) or not button.get("text"):
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if not any(action in button for action in INLINE_BUTTON_ACTIONS):
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    data = button.get("callback_data")
    if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA_BYTES:
        raise bad_request("BUTTON_DATA_INVALID")


def markup_fields(markup: JSONDict | None) -> JSONDict:
    """Return the reply_markup a Message object shows: Telegram echoes inline keyboards only."""
    if markup is not None and "inline_keyboard" in markup:
        return {"reply_markup": markup}
    return {}


def reply_target(state: EmulatorState, chat: ChatState, params: Params) -> StoredMessage | None:
    """Return the message being replied to (reply_parameters or legacy reply_to_message_id)."""
    reply = params.json("reply_parameters") or {}
    message_id = reply.get("message_id") or params.optional_int("reply_to_message_id")
    if not message_id:
        return None
    target_chat = state.get_chat(reply["chat_id"]) if reply.get("chat_id") else chat
    message = target_chat.messages.get(int(message_id))
    if message is None or message.deleted:
        if reply.get("allow_sending_without_reply") or params.flag("allow_sending_without_reply"):
            return None
        raise bad_request("message to be replied not found")
    return message


def destination(state: EmulatorState, params: Params) -> tuple[ChatState, int | None]:
    """Return the chat and thread a send* call targets, checking Telegram's preconditions."""
    chat = state.writable_chat(params.get("chat_id"))
    thread_id = params.optional_int("message_thread_id")
    state.require_thread(chat, thread_id)
    return chat, thread_id


def post(
    state: EmulatorState,
    params: Params,
    content: JSONDict,
    chat: ChatState,
    thread_id: int | None,
    file: StoredFile | None = None,
) -> StoredMessage:
    """Store a message from the bot with markup, reply and protection fields applied."""
    markup = reply_markup(params)
    content.update(markup_fields(markup))
    if params.flag("protect_content"):
        content["has_protected_content"] = True
    message = state.add_message(
        chat,
        state.bot_user,
        content,
        from_bot=True,
        thread_id=thread_id,
        reply_to=reply_target(state, chat, params),
        file=file,
    )
    message.sent_markup = markup
    return message


def editable_message(state: EmulatorState, params: Params, missing: str) -> StoredMessage:
    """Return the bot message an edit* call targets."""
    if "inline_message_id" in params:
        raise bad_request("MESSAGE_ID_INVALID")
    chat = state.writable_chat(params.get("chat_id"))
    message_id = params.integer("message_id", "message identifier is not specified")
    message = state.find_message(chat, message_id, missing)
    if not message.from_bot:
        raise bad_request("message can't be edited")
    return message


def apply_edit(
    state: EmulatorState, message: StoredMessage, changes: JSONDict, markup: JSONDict | None
) -> JSONDict:
    """Apply an edit unless it changes nothing; a missing markup removes the keyboard."""
    changes.update(markup_fields(markup))
    current = {key: message.data.get(key) for key in changes}
    optional_keys = ("entities", "caption", "caption_entities", "reply_markup")
    removed = tuple(key for key in optional_keys if key in message.data and key not in changes)
    if current == changes and not removed:
        raise bad_request(MESSAGE_NOT_MODIFIED)
    state.edit_message(message, changes, removed)
    message.sent_markup = markup
    return message.data


# -- sending -----------------------------------------------------------------------------------


@api_method("sendMessage")
async def send_message(state: EmulatorState, params: Params) -> JSONDict:
    """Send a text message."""
    chat, thread_id = destination(state, params)
    return post(state, params, text_content(params), chat, thread_id).data


async def _send_media(state: EmulatorState, params: Params, kind: str, **extra: Any) -> JSONDict:
    """Send a document/photo/voice/... uploaded or referenced by file_id."""
    chat, thread_id = destination(state, params)
    stored = state.files.resolve(params.file(kind), kind, f"there is no {kind} in the request")
    content: JSONDict = {kind: media_object(kind, stored, **extra)}
    content.update(caption_content(params))
    if params.flag("has_spoiler"):
        content["has_media_spoiler"] = True
    return post(state, params, content, chat, thread_id, file=stored).data


@api_method("sendDocument")
async def send_document(state: EmulatorState, params: Params) -> JSONDict:
    """Send a general file."""
    return await _send_media(state, params, "document")


@api_method("sendPhoto")
async def send_photo(state: EmulatorState, params: Params) -> JSONDict:
    """Send a photo."""
    return await _send_media(state, params, "photo")


@api_method("sendVoice")
async def send_voice(state: EmulatorState, params: Params) -> JSONDict:
    """Send a voice note."""
    return await _send_media(state, params, "voice", duration=params.optional_int("duration"))


@api_method("sendAudio")
async def send_audio(state: EmulatorState, params: Params) -> JSONDict:
    """Send an audio file."""
    extra = {"duration": params.optional_int("duration"), "title": params.optional_str("title")}
    return await _send_media(state, params, "audio", **extra)


@api_method("sendVideo")
async def send_video(state: EmulatorState, params: Params) -> JSONDict:
    """Send a video."""
    return await _send_media(state, params, "video", duration=params.optional_int("duration"))


@api_method("sendAnimation")
async def send_animation(state: EmulatorState, params: Params) -> JSONDict:
    """Send an animation."""
    return await _send_media(state, params, "animation")


@api_method("sendSticker")
async def send_sticker(state: EmulatorState, params: Params) -> JSONDict:
    """Send a sticker."""
    return await _send_media(state, params, "sticker", emoji=params.optional_str("emoji"))


def location_object(params: Params) -> JSONDict:
    """Return the Location object of sendLocation/sendVenue."""
    latitude, longitude = params.number("latitude"), params.number("longitude")
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise bad_request("wrong coordinates")
    return {"latitude": latitude, "longitude": longitude}


@api_method("sendLocation")
async def send_location(state: EmulatorState, params: Params) -> JSONDict:
    """Send a point on the map."""
    chat, thread_id = destination(state, params)
    return post(state, params, {"location": location_object(params)}, chat, thread_id).data


@api_method("sendVenue")
async def send_venue(state: EmulatorState, params: Params) -> JSONDict:
    """Send a venue: a titled location with an address."""
    chat, thread_id = destination(state, params)
    location = location_object(params)
    venue: JSONDict = {
        "location": location,
        "title": params.string("title"),
        "address": params.string("address"),
    }
    for key in ("foursquare_id", "foursquare_type", "google_place_id", "google_place_type"):
        if key in params:
            venue[key] = params.string(key)
    return post(state, params, {"venue": venue, "location": location}, chat, thread_id).data


@api_method("sendContact")
async def send_contact(state: EmulatorState, params: Params) -> JSONDict:
    """Send a phone contact."""
    chat, thread_id = destination(state, params)
    contact = {
        "phone_number": params.string("phone_number"),
        "first_name": params.string("first_name"),
    }
    if "last_name" in params:
        contact["last_name"] = params.string("last_name")
    return post(state, params, {"contact": contact}, chat, thread_id).data


# -- editing and deleting ----------------------------------------------------------------------


@api_method("editMessageText")
async def edit_message_text(state: EmulatorState, params: Params) -> JSONDict:
    """Replace the text (and keyboard) of a bot message."""
    message = editable_message(state, params, "message to edit not found")
    if "text" not in message.data:
        raise bad_request("there is no text in the message to edit")
    changes = text_content(params)
    return apply_edit(state, message, changes, reply_markup(params))


@api_method("editMessageCaption")
async def edit_message_caption(state: EmulatorState, params: Params) -> JSONDict:
    """Replace the caption (and keyboard) of a bot media message."""
    message = editable_message(state, params, "message to edit not found")
    if message.media_kind is None:
        raise bad_request("there is no caption in the message to edit")
    return apply_edit(state, message, caption_content(params), reply_markup(params))


@api_method("editMessageReplyMarkup")
async def edit_message_reply_markup(state: EmulatorState, params: Params) -> JSONDict:
    """Replace or remove the inline keyboard of a bot message."""
    message = editable_message(state, params, "message to edit not found")
    markup = reply_markup(params)
    changes = markup_fields(markup)
    if changes == markup_fields(message.data.get("reply_markup")):
        raise bad_request(MESSAGE_NOT_MODIFIED)
    removed = () if changes else ("reply_markup",)
    state.edit_message(message, changes, removed)
    message.sent_markup = markup
    return message.data


@api_method("deleteMessage")
async def delete_message(state: EmulatorState, params: Params) -> bool:
    """Delete a message."""
    chat = state.get_chat(params.get("chat_id"))
    message_id = params.integer("message_id", "message identifier is not specified")
    state.delete_message(state.find_message(chat, message_id, "message to delete not found"))
    return True


@api_method("deleteMessages")
async def delete_messages(state: EmulatorState, params: Params) -> bool:
    """Delete several messages, skipping those that are already gone."""
    chat = state.get_chat(params.get("chat_id"))
    for message_id in params.json("message_ids") or []:
        message = chat.messages.get(int(message_id))
        if message is not None and not message.deleted:
            state.delete_message(message)
    return True


# -- copying and forwarding --------------------------------------------------------------------


def source_message(state: EmulatorState, params: Params, missing: str) -> StoredMessage:
    """Return the message copyMessage/forwardMessage reads from."""
    chat = state.get_chat(params.get("from_chat_id"))
    message_id = params.integer("message_id", "message identifier is not specified")
    message = state.find_message(chat, message_id, missing)
    if not any(key in message.data for key in COPYABLE_FIELDS):
        raise bad_request("message can't be copied")
    return message


def copyable_content(message: StoredMessage) -> JSONDict:
    """Return the content fields of a message, without sender, chat or thread."""
    return {key: message.data[key] for key in COPYABLE_FIELDS if key in message.data}


@api_method("copyMessage")
async def copy_message(state: EmulatorState, params: Params) -> JSONDict:
    """Copy a message's content into another chat/thread; answers only the new message id."""
    source = source_message(state, params, "message to copy not found")
    chat, thread_id = destination(state, params)
    content = copyable_content(source)
    if source.media_kind and ("caption" in params.values or params.flag("remove_caption")):
        content.pop("caption", None)
        content.pop("caption_entities", None)
        if not params.flag("remove_caption"):
            content.update(caption_content(params))
    message = post(state, params, content, chat, thread_id, file=source.file)
    return {"message_id": message.message_id}


@api_method("forwardMessage")
async def forward_message(state: EmulatorState, params: Params) -> JSONDict:
    """Forward a message, keeping a link to its original sender."""
    source = source_message(state, params, "message to forward not found")
    chat, thread_id = destination(state, params)
    content = copyable_content(source)
    content["forward_origin"] = source.data.get("forward_origin") or {
        "type": "user",
        "sender_user": source.data["from"],
        "date": source.data["date"],
    }
    return post(state, params, content, chat, thread_id, file=source.file).data
