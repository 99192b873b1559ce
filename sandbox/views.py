"""What the sandbox page is sent: JSON views of the fake Telegram's chats, messages and topics.

Pure functions of the emulator's records. Text goes out as Telegram sends it (plain text plus
entities with UTF-16 offsets), never as HTML: the page builds its DOM from the entities.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fakebot import ChatState, StoredMessage, Topic

JSONDict = dict[str, Any]

SERVICE_KINDS = (
    "forum_topic_created",
    "forum_topic_edited",
    "forum_topic_closed",
    "forum_topic_reopened",
)
# Where a text of a replied-to message is cut in the small quote above a reply.
QUOTE_LENGTH = 80


def map_url(latitude: float, longitude: float) -> str:
    """A link to the point on OpenStreetMap (opened only when the user follows it)."""
    return f"https://www.openstreetmap.org/?mlat={latitude}&mlon={longitude}#map=17/{latitude}/{longitude}"


def file_url(file_id: str) -> str:
    return f"/api/files/{quote(file_id)}"


def clock_view(now: datetime, zone: ZoneInfo) -> JSONDict:
    """The sandbox time, in UTC for machines and in local words for people."""
    local = now.astimezone(zone)
    return {
        "now": now.isoformat(),
        "label": f"{local:%a %d %b %Y, %H:%M}",
        "zone": str(zone),
    }


def sender_view(message: StoredMessage) -> JSONDict:
    sender = message.data.get("from") or {}
    name = " ".join(part for part in (sender.get("first_name"), sender.get("last_name")) if part)
    return {"id": sender.get("id"), "name": name, "is_bot": bool(sender.get("is_bot"))}


def inline_keyboard_view(message: StoredMessage) -> list[list[JSONDict]]:
    """Inline buttons with what pressing them does: a callback, a link, a copy, or nothing here."""
    rows = []
    for row in message.inline_keyboard:
        buttons = []
        for button in row:
            view: JSONDict = {"text": button.get("text", "")}
            if "callback_data" in button:
                view.update(action="callback", data=button["callback_data"])
            elif "url" in button:
                view.update(action="url", url=button["url"])
            elif "copy_text" in button:
                view.update(action="copy", copy=button["copy_text"].get("text", ""))
            else:
                view["action"] = "none"
            buttons.append(view)
        rows.append(buttons)
    return rows


def media_view(message: StoredMessage) -> JSONDict | None:
    kind = message.media_kind
    file_id = message.file_id
    if kind is None or file_id is None:
        return None
    media = message.data[kind]
    details = media[-1] if isinstance(media, list) else media
    stored = message.file
    return {
        "kind": kind,
        "url": file_url(file_id),
        "name": details.get("file_name") or (stored.file_name if stored else None),
        "mime": details.get("mime_type") or (stored.mime_type if stored else None),
        "size": details.get("file_size", stored.size if stored else 0),
        "emoji": details.get("emoji"),
    }


def service_view(data: JSONDict) -> JSONDict | None:
    """Topic service messages (created, renamed, closed, reopened)."""
    for kind in SERVICE_KINDS:
        if kind in data:
            details = data[kind] or {}
            return {"kind": kind.removeprefix("forum_"), "name": details.get("name")}
    return None


def place_views(data: JSONDict) -> JSONDict:
    """A venue (title, address, map link), else a bare location, else a contact."""
    views: JSONDict = {}
    venue = data.get("venue")
    location = data.get("location")
    if venue:
        point = venue["location"]
        views["venue"] = {
            "title": venue.get("title", ""),
            "address": venue.get("address", ""),
            "map_url": map_url(point["latitude"], point["longitude"]),
        }
    elif location:
        views["location"] = {
            "latitude": location["latitude"],
            "longitude": location["longitude"],
            "map_url": map_url(location["latitude"], location["longitude"]),
        }
    contact = data.get("contact")
    if contact:
        name = " ".join(p for p in (contact.get("first_name"), contact.get("last_name")) if p)
        views["contact"] = {"name": name, "phone": contact.get("phone_number", "")}
    return views


def reply_quote(data: JSONDict) -> JSONDict | None:
    """The replied-to message, unless it is only the topic's creation (Telegram's topic marker)."""
    replied = data.get("reply_to_message")
    if not replied or "forum_topic_created" in replied:
        return None
    text = replied.get("text") or replied.get("caption") or ""
    return {"id": replied.get("message_id"), "text": text[:QUOTE_LENGTH]}


def message_view(message: StoredMessage, *, stamp: datetime | None, zone: ZoneInfo) -> JSONDict:
    """One message as the page draws it."""
    data = message.data
    view: JSONDict = {
        "id": message.message_id,
        "chat_id": message.chat_id,
        "thread_id": message.thread_id,
        "from_bot": message.from_bot,
        "sender": sender_view(message),
        "deleted": message.deleted,
        "edited": message.edit_count > 0 or "edit_date" in data,
        "time": f"{stamp.astimezone(zone):%H:%M}" if stamp else "",
        "day": f"{stamp.astimezone(zone):%a %d %b %Y}" if stamp else "",
        "text": message.text or "",
        "entities": message.entities,
        "media": media_view(message),
        "service": service_view(data),
        "reply_to": reply_quote(data),
        "inline_keyboard": inline_keyboard_view(message),
        "forwarded": "forward_origin" in data,
    }
    view.update(place_views(data))
    return view


def reply_keyboard(chat: ChatState) -> JSONDict | None:
    """The reply keyboard the chat shows now: the newest one the bot sent, until one removes it.

    Deleting the message that brought a keyboard does not take the keyboard away in Telegram,
    so deleted messages count too.
    """
    for message in reversed(chat.bot_log):
        markup = message.sent_markup or {}
        if "remove_keyboard" in markup:
            return None
        if "keyboard" in markup:
            rows = [[_reply_button(button) for button in row] for row in markup.get("keyboard", [])]
            return {"rows": rows, "placeholder": markup.get("input_field_placeholder") or ""}
    return None


def _reply_button(button: Any) -> JSONDict:
    if isinstance(button, str):
        return {"text": button, "request": None}
    request = None
    if button.get("request_location"):
        request = "location"
    elif button.get("request_contact"):
        request = "contact"
    return {"text": button.get("text", ""), "request": request}


def topic_view(topic: Topic) -> JSONDict:
    return {
        "thread_id": topic.thread_id,
        "name": topic.name,
        "color": f"#{topic.icon_color:06x}",
        "closed": topic.closed,
    }


def topics_view(chat: ChatState) -> list[JSONDict]:
    """The topics of a forum, newest first (as Telegram lists them by activity)."""
    live = [topic for topic in chat.topics.values() if not topic.deleted]
    return [topic_view(topic) for topic in sorted(live, key=lambda t: -t.thread_id)]
