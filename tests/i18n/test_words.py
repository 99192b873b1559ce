"""/words end to end: the glossary, a word, all words, "Also show Dutch", stale buttons."""

from __future__ import annotations

from bot import glossary
from fakebot import SimUser
from storage.models import Client
from tests import factories
from tests.e2e.conftest import Harness
from texts import bidi
from texts.i18n import translator


async def linked(
    harness: Harness, locale: str = "en", user_id: int = 8100
) -> tuple[Client, SimUser]:
    async with harness.db.transaction() as session:
        client = await factories.client(session, first_name="Yonas", locale=locale)
    user = await harness.linked_user(client, user_id=user_id, language_code=locale)
    return client, user


async def test_words_lists_a_button_per_dutch_word(harness: Harness) -> None:
    _client, user = await linked(harness)
    await user.send_command("/words")
    message = await user.next_message()
    assert "Dutch words" in (message.text or "")
    assert "Nederlandse woorden" in (message.text or "")
    data = message.callback_data
    assert [f"words:v1:show:{term.key}" for term in glossary.TERMS] == data[: len(glossary.TERMS)]
    assert "words:v1:all:" in data and "words:v1:dutch:on" in data
    assert "KNM" in message.button_texts


async def test_a_word_button_explains_the_word(harness: Harness) -> None:
    _client, user = await linked(harness)
    await user.send_command("/words")
    menu = await user.next_message()
    press = await user.press(menu, "words:v1:show:knm")
    await press.answer()
    entry = await user.next_message()
    assert "KNM" in (entry.text or "")
    assert "Kennis van de Nederlandse Maatschappij" in (entry.text or "")
    assert "Knowledge of Dutch society" in (entry.text or "")


async def test_all_words_come_in_messages_under_the_limit(harness: Harness) -> None:
    _client, user = await linked(harness)
    await user.send_command("/words")
    menu = await user.next_message()
    await (await user.press(menu, "words:v1:all:")).answer()
    shown = ""
    while not all(term.dutch in shown for term in glossary.TERMS):
        message = await user.next_message()
        assert len(message.text or "") <= 4096
        shown += message.text or ""
    assert "maatschappelijke begeleiding" in shown


async def test_words_with_a_word_shows_it_and_an_unknown_word_says_so(harness: Harness) -> None:
    _client, user = await linked(harness)
    await user.send_command("/words", "b1-Route")
    assert "You learn Dutch up to level B1." in ((await user.next_message()).text or "")
    await user.send_command("/words", "fiets")
    unknown = await user.next_message()
    assert "I do not know this word." in (unknown.text or "")
    assert "words:v1:show:pip" in unknown.callback_data


async def test_forged_word_buttons_are_refused(harness: Harness) -> None:
    client, user = await linked(harness)
    await user.send_command("/words")
    menu = await user.next_message()
    for data in ("words:v1:show:nope", "words:v1:dutch:maybe", "words:v1:drop:knm"):
        answer = await (await user.press(menu, data, strict=False)).answer()
        assert answer["show_alert"] is True
        assert "no longer valid" in answer["text"]
    assert (await harness.reload(client)).show_dutch is False


async def test_also_show_dutch_is_stored_and_adds_simple_dutch(harness: Harness) -> None:
    client, user = await linked(harness)
    await user.send_command("/words")
    menu = await user.next_message()
    await (await user.press(menu, "words:v1:dutch:on")).answer()
    confirmation = await user.next_message()
    assert (await harness.reload(client)).show_dutch is True
    text = confirmation.text or ""
    assert "simple Dutch" in text
    assert "🇳🇱 Nederlands" in text
    assert translator("nl")("From now on you see messages only in your own language.") not in text
    await user.send_command("/words")
    again = await user.next_message()
    assert "words:v1:dutch:off" in again.callback_data
    assert "Nederlandse woorden" in (again.text or "")
    await (await user.press(again, "words:v1:dutch:off")).answer()
    off = await user.next_message()
    assert "only in your own language" in (off.text or "")
    assert "🇳🇱 Nederlands" not in (off.text or "")
    assert (await harness.reload(client)).show_dutch is False


async def test_arabic_glossary_keeps_dutch_words_whole(harness: Harness) -> None:
    _client, user = await linked(harness, locale="ar", user_id=8101)
    await user.send_command("/words", "KNM")
    entry = (await user.next_message()).text or ""
    assert bidi.LRI in entry and bidi.balanced(entry)
    assert "KNM" in entry


async def test_words_is_for_linked_clients_only(harness: Harness) -> None:
    stranger = harness.fake.user(8199, "Stranger", "en")
    await stranger.send_command("/words")
    reply = (await stranger.next_message()).text or ""
    assert "I do not know you yet" in reply
