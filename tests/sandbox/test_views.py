"""The JSON the page draws from: messages, keyboards, venues, topics (pure functions)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fakebot import ChatState, StoredFile, StoredMessage, Topic
from sandbox import views

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
BOT = {"id": 7000001, "is_bot": True, "first_name": "Inburgerbot"}


def message(
    content: dict[str, Any],
    *,
    message_id: int = 1,
    from_bot: bool = True,
    markup: dict[str, Any] | None = None,
    file: StoredFile | None = None,
) -> StoredMessage:
    data = {"message_id": message_id, "chat": {"id": 5, "type": "private"}, "date": 0}
    data["from"] = BOT if from_bot else {"id": 5, "is_bot": False, "first_name": "Amina"}
    data.update(content)
    stored = StoredMessage(data, from_bot=from_bot, file=file)
    stored.sent_markup = markup
    return stored


def test_a_message_carries_text_entities_and_the_local_time() -> None:
    entities = [{"type": "bold", "offset": 0, "length": 4}]
    stamp = datetime(2026, 11, 23, 8, 5, tzinfo=UTC)
    view = views.message_view(
        message({"text": "Plan <b>", "entities": entities}), stamp=stamp, zone=AMSTERDAM
    )
    assert view["text"] == "Plan <b>"  # sent as text: the page never parses it as HTML
    assert view["entities"] == entities
    assert view["time"] == "09:05"
    assert view["day"] == "Mon 23 Nov 2026"
    assert view["sender"] == {"id": 7000001, "name": "Inburgerbot", "is_bot": True}
    assert not view["edited"] and not view["deleted"]


def test_inline_buttons_say_what_pressing_them_does() -> None:
    markup = {
        "inline_keyboard": [
            [
                {"text": "I will come", "callback_data": "appt:v1:confirm:4"},
                {"text": "Website", "url": "https://duo.nl"},
            ],
            [{"text": "Copy", "copy_text": {"text": "ABCDE"}}, {"text": "Game", "pay": True}],
        ]
    }
    view = views.inline_keyboard_view(message({"text": "x", "reply_markup": markup}))
    assert view == [
        [
            {"text": "I will come", "action": "callback", "data": "appt:v1:confirm:4"},
            {"text": "Website", "action": "url", "url": "https://duo.nl"},
        ],
        [
            {"text": "Copy", "action": "copy", "copy": "ABCDE"},
            {"text": "Game", "action": "none"},
        ],
    ]


def test_the_keyboard_is_the_newest_one_until_one_removes_it() -> None:
    chat = ChatState(id=5, type="private")
    menu = {"keyboard": [["📋 Plan", {"text": "📍 Here", "request_location": True}]]}
    first = message({"text": "menu"}, message_id=1, markup=menu)
    chat.bot_log.append(first)
    assert views.reply_keyboard(chat) == {
        "rows": [
            [{"text": "📋 Plan", "request": None}, {"text": "📍 Here", "request": "location"}]
        ],
        "placeholder": "",
    }
    first.deleted = True  # deleting the message does not take the keyboard away
    chat.bot_log.append(message({"text": "no markup"}, message_id=2))
    assert views.reply_keyboard(chat) is not None
    chat.bot_log.append(message({"text": "bye"}, message_id=3, markup={"remove_keyboard": True}))
    assert views.reply_keyboard(chat) is None


def test_a_venue_has_a_map_link_and_a_location_too() -> None:
    point = {"latitude": 52.6408, "longitude": 5.0583}
    venue = {"location": point, "title": "Stadhuis Hoorn", "address": "Nieuwe Steen 1"}
    places = views.place_views({"venue": venue, "location": point})
    assert places == {
        "venue": {
            "title": "Stadhuis Hoorn",
            "address": "Nieuwe Steen 1",
            "map_url": "https://www.openstreetmap.org/?mlat=52.6408&mlon=5.0583"
            "#map=17/52.6408/5.0583",
        }
    }
    bare = views.place_views({"location": point})
    assert bare["location"]["map_url"] == places["venue"]["map_url"]
    contact = views.place_views({"contact": {"phone_number": "+31 6", "first_name": "Amina"}})
    assert contact == {"contact": {"name": "Amina", "phone": "+31 6"}}


def test_a_document_links_to_its_download() -> None:
    stored = StoredFile("BQAC01", "AQAD1", "document", b"BEGIN:VCALENDAR", "documents/file_1.ics")
    document = {
        "file_id": "BQAC01",
        "file_unique_id": "AQAD1",
        "file_size": 15,
        "file_name": "afspraak.ics",
        "mime_type": "text/calendar",
    }
    view = views.media_view(message({"document": document}, file=stored))
    assert view == {
        "kind": "document",
        "url": "/api/files/BQAC01",
        "name": "afspraak.ics",
        "mime": "text/calendar",
        "size": 15,
        "emoji": None,
    }
    assert views.media_view(message({"text": "no file"})) is None


def test_topic_service_messages_and_the_topic_list() -> None:
    assert views.service_view({"forum_topic_created": {"name": "HRN-1 Amina"}}) == {
        "kind": "topic_created",
        "name": "HRN-1 Amina",
    }
    assert views.service_view({"forum_topic_closed": {}}) == {"kind": "topic_closed", "name": None}
    assert views.service_view({"text": "hi"}) is None
    chat = ChatState(id=-100, type="supergroup", is_forum=True)
    chat.topics = {
        3: Topic(3, "HRN-1 Amina", 7322096),
        9: Topic(9, "HRN-2 Grace", 16766590, closed=True),
        12: Topic(12, "gone", 7322096, deleted=True),
    }
    assert views.topics_view(chat) == [
        {"thread_id": 9, "name": "HRN-2 Grace", "color": "#ffd67e", "closed": True},
        {"thread_id": 3, "name": "HRN-1 Amina", "color": "#6fb9f0", "closed": False},
    ]


def test_a_reply_quotes_its_message_but_not_the_topic_marker() -> None:
    assert views.reply_quote({"reply_to_message": {"message_id": 4, "text": "x" * 100}}) == {
        "id": 4,
        "text": "x" * 80,
    }
    topic_marker = {"message_id": 3, "forum_topic_created": {"name": "HRN-1"}}
    assert views.reply_quote({"reply_to_message": topic_marker}) is None


def test_the_clock_in_words_and_in_utc() -> None:
    view = views.clock_view(datetime(2026, 12, 1, 17, 30, tzinfo=UTC), AMSTERDAM)
    assert view == {
        "now": "2026-12-01T17:30:00+00:00",
        "label": "Tue 01 Dec 2026, 18:30",
        "zone": "Europe/Amsterdam",
    }
