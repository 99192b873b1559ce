"""The LibreTranslate engine against a fake LibreTranslate server on loopback."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest

from casework.libretranslate import LibreTranslate
from casework.translation import (
    Capabilities,
    NoPair,
    OtherLanguage,
    Pair,
    Problem,
    TranslationFailed,
    TranslationStatus,
    request,
    translate,
)
from sandbox.fake_libretranslate import FakeLibreTranslate
from storage.enums import Direction, MessageKind
from storage.models import Message
from tests.factories import NOW


@pytest.fixture
async def server() -> AsyncIterator[FakeLibreTranslate]:
    fake = FakeLibreTranslate()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


@pytest.fixture
async def engine(server: FakeLibreTranslate) -> AsyncIterator[LibreTranslate]:
    engine = LibreTranslate(server.url, api_key="test-key", timeout_seconds=5)
    try:
        yield engine
    finally:
        await engine.close()


def client_message(text: str, locale: str = "ar") -> Message:
    message = Message(
        id=1, question_id=1, direction=Direction.FROM_CLIENT, kind=MessageKind.TEXT, text=text
    )
    assert request(message, client_locale=locale, now=NOW)
    return message


async def test_the_capabilities_are_the_pairs_the_server_lists(engine: LibreTranslate) -> None:
    capabilities = await engine.capabilities()
    assert capabilities.has("ar", "nl") and capabilities.has("nl", "ar")
    assert not capabilities.has("ti", "nl") and not capabilities.has("nl", "ti")
    assert not capabilities.has("fa_AF", "nl")  # Dari is not Persian
    assert capabilities.table()["so"] == (True, True)
    assert capabilities.table()["om"] == (False, False)


async def test_a_text_is_translated_with_the_api_key(
    engine: LibreTranslate, server: FakeLibreTranslate
) -> None:
    result = await engine.translate("مرحبا\nكيف حالك", Pair("ar", "nl"))
    assert result.text == "[ar→nl] مرحبا\nكيف حالك"
    assert result.model == "127.0.0.1 ar-nl"
    [body] = server.calls("/translate")
    assert body == {
        "q": "مرحبا\nكيف حالك",
        "source": "ar",
        "target": "nl",
        "format": "text",
        "api_key": "test-key",
    }


@pytest.mark.parametrize(
    ("status", "problem", "retry"),
    [
        (400, Problem.REFUSED, False),
        (429, Problem.BUSY, True),
        (500, Problem.UNAVAILABLE, True),
        (503, Problem.UNAVAILABLE, True),
    ],
)
async def test_a_refusal_says_whether_to_try_again(
    engine: LibreTranslate, server: FakeLibreTranslate, status: int, problem: Problem, retry: bool
) -> None:
    server.fail_next(status)
    with pytest.raises(TranslationFailed) as failure:
        await engine.translate("hallo", Pair("nl", "ar"))
    assert failure.value.problem == problem and failure.value.retry is retry
    assert (await engine.translate("hallo", Pair("nl", "ar"))).text == "[nl→ar] hallo"


async def test_a_wrong_api_key_is_not_a_translation(server: FakeLibreTranslate) -> None:
    engine = LibreTranslate(server.url, api_key="wrong", timeout_seconds=5)
    try:
        with pytest.raises(TranslationFailed) as failure:
            await engine.translate("hallo", Pair("nl", "ar"))
    finally:
        await engine.close()
    assert failure.value.problem == Problem.UNAVAILABLE  # 403: the operator must fix the key


async def test_a_server_that_does_not_answer_times_out(server: FakeLibreTranslate) -> None:
    server.hang = True  # it never answers: the time-out fires, whatever the machine's speed
    engine = LibreTranslate(server.url, api_key="test-key", timeout_seconds=0.2)
    try:
        with pytest.raises(TranslationFailed) as failure:
            await engine.translate("hallo", Pair("nl", "ar"))
    finally:
        await engine.close()
    assert failure.value.problem == Problem.TIMEOUT and failure.value.retry


async def test_a_missing_pair_never_reaches_the_server(
    engine: LibreTranslate, server: FakeLibreTranslate
) -> None:
    capabilities = await engine.capabilities()
    with pytest.raises(NoPair):
        await translate(engine, capabilities, client_message("ሰላም ከመይ ኣለኹም", "ti"))
    with pytest.raises(NoPair):  # Dari is never sent as Persian
        await translate(engine, capabilities, client_message("سلام، چطور هستید؟", "fa_AF"))
    assert server.calls("/translate") == []


async def test_a_text_surely_in_another_language_is_not_translated(
    engine: LibreTranslate, server: FakeLibreTranslate
) -> None:
    capabilities = await engine.capabilities()
    server.detected = [{"language": "en", "confidence": 95.0}, {"language": "ar", "confidence": 3}]
    with pytest.raises(OtherLanguage):
        await translate(engine, capabilities, client_message("I have a letter from the town"))
    assert server.calls("/translate") == []
    server.detected = [{"language": "en", "confidence": 60.0}]  # not sure: translated as Arabic
    result = await translate(engine, capabilities, client_message("I have a letter from the town"))
    assert result.text == "[ar→nl] I have a letter from the town"
    server.requests.clear()
    short = await translate(engine, capabilities, client_message("ok"))  # too short to check
    assert short.text == "[ar→nl] ok" and server.calls("/detect") == []
    server.detect_status = 404  # a server without detection: the chosen language stands
    unchecked = await translate(engine, capabilities, client_message("I have a letter, again"))
    assert unchecked.text == "[ar→nl] I have a letter, again"


async def test_a_redirect_to_another_host_is_not_followed(server: FakeLibreTranslate) -> None:
    elsewhere = FakeLibreTranslate()
    await elsewhere.start()
    server.redirect_to = elsewhere.url
    engine = LibreTranslate(server.url, api_key="test-key", timeout_seconds=5)
    try:
        with pytest.raises(TranslationFailed) as failure:
            await engine.translate("hallo", Pair("nl", "ar"))
    finally:
        await engine.close()
        await elsewhere.stop()
    assert failure.value.problem == Problem.UNAVAILABLE
    assert elsewhere.requests == []  # only the configured host was asked


async def test_an_unreachable_server_is_unavailable() -> None:
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    engine = LibreTranslate(f"http://127.0.0.1:{port}", api_key=None, timeout_seconds=5)
    try:
        with pytest.raises(TranslationFailed) as failure:
            await engine.capabilities()
    finally:
        await engine.close()
    assert failure.value.problem == Problem.UNAVAILABLE


async def test_a_garbled_language_list_is_unavailable(server: FakeLibreTranslate) -> None:
    server.languages = {"ar": "nl"}  # type: ignore[dict-item]  # targets not a list: skipped
    engine = LibreTranslate(server.url, api_key="test-key", timeout_seconds=5)
    try:
        assert (await engine.capabilities()).pairs == frozenset()
    finally:
        await engine.close()


def test_only_http_urls_with_a_host_are_taken() -> None:
    for url in ("ftp://translate.example", "translate.example", "http://"):
        with pytest.raises(ValueError):
            LibreTranslate(url, api_key=None, timeout_seconds=1)


def test_a_message_waits_for_its_translation_only_where_one_is_wanted() -> None:
    message = client_message("مرحبا")
    assert message.translation_status == TranslationStatus.PENDING
    assert (message.translation_source, message.translation_target) == ("ar", "nl")
    dutch = Message(question_id=1, direction=Direction.FROM_CLIENT, kind=MessageKind.TEXT, text="x")
    assert not request(dutch, client_locale="nl", now=NOW)
    where = Message(
        question_id=1, direction=Direction.FROM_CLIENT, kind=MessageKind.LOCATION, text="52.1,4.5"
    )
    assert not request(where, client_locale="ar", now=NOW)
    answer = Message(
        question_id=1, direction=Direction.FROM_STAFF, kind=MessageKind.TEXT, text="Ja"
    )
    assert request(answer, client_locale="so", now=NOW)
    assert (answer.translation_source, answer.translation_target) == ("nl", "so")
    note = Message(
        question_id=1,
        direction=Direction.FROM_STAFF,
        kind=MessageKind.TEXT,
        text="x",
        internal=True,
    )
    assert not request(note, client_locale="so", now=NOW)
    assert Capabilities().table()["ti"] == (False, False)
