"""Random texts and random button data through the real handlers, over HTTP.

Every update must be answered (or, where that is the rule, ignored) without the error handler
firing, and no message may ever show another client's data. Bounded, so it runs with the suite.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fakebot import SimUser
from storage.enums import ClientResponse, TaskStatus
from storage.ids import pk
from storage.models import Appointment, Client, Task
from tests import factories
from tests.e2e.conftest import Harness
from tests.e2e.eventually import all_handled

OTHER_NAME = "Zainab"
OTHER_TITLE = "Huisarts Zuid"
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Texts: anything a phone can send (no lone surrogates: Telegram only carries valid UTF-16),
# and the kinds of text that break bots: right-to-left, bidi controls, emoji, HTML-like markup,
# entities, control characters, Telegram's own menu icons, commands and very long texts.
TRICKY = [
    "مرحبا، متى موعدي؟",
    "سلام، وقت ملاقات من کی است؟",
    "\u202egnp.exe",
    "\u2066ABCDE-FGHJK\u2069",
    "👨‍👩‍👧‍👦🇳🇱🏳️‍🌈",
    "<b>bold",
    "</b></i><a href='x'>",
    "<script>alert(1)</script>",
    "&",
    "&amp;&lt;&#x1F600;&bogus;",
    "a\tb\rc\x0bd\x1be\x7f",
    "⚙️",
    "📅 appointments?",
    "✅",
    "❓ <b>",
    "ℹ️",
    "/start",
    "/settings",
    "/privacy",
    "/nonsense arg",
    "/start ABCDE-FGHJK",
    "ABCDE-FGHJK",
    "{name} {n} %s %(x)s",
    "ب" * 4096,
    "😀" * 2048,
    "x\n" * 2048,
    "before\x00after",
]
# NUL is included on purpose: PostgreSQL cannot store it, so the question store strips it.
characters = st.characters(blacklist_categories=("Cs",))


def fits_telegram(text: str) -> bool:
    """Telegram delivers 1 to 4096 UTF-16 code units, not only whitespace."""
    return bool(text.strip()) and len(text.encode("utf-16-le")) // 2 <= 4096


texts = st.one_of(
    st.sampled_from(TRICKY),
    st.text(characters, min_size=1, max_size=200),
    st.builds(lambda a, b: a + b, st.sampled_from(TRICKY), st.text(characters, max_size=50)),
).filter(fits_telegram)

PREFIXES = ["appt", "task", "set", "priv", "lang", "words", "zzz", ""]
VERSIONS = ["v1", "v1", "v1", "v0", "v2", ""]
ACTIONS = [
    "confirm",
    "cannot",
    "ics",
    "r_other",
    "r_sick",
    "done",
    "undo",
    "ask",
    "done_list",
    "appt",
    "task",
    "deadline",
    "dutch",
    "digest",
    "quiet",
    "pick",
    "set",
    "agree",
    "forget1",
    "forget2",
    "keep",
    "show",
    "",
]


@dataclass
class World:
    harness: Harness
    user: SimUser
    bystander: SimUser
    own_ids: list[int]
    other_ids: list[int]
    other: Client


def button_data(world: World) -> st.SearchStrategy[str | None]:
    args = st.one_of(
        st.sampled_from([str(i) for i in world.own_ids + world.other_ids]),
        st.sampled_from(["", "on", "off", "2200_0700", "off", "nl", "ar", "xx", "-1", "0"]),
        st.integers(min_value=0, max_value=10**15).map(str),
        st.text(characters, max_size=20),
    )
    structured = st.builds(
        lambda p, v, a, arg: f"{p}:{v}:{a}:{arg}",
        st.sampled_from(PREFIXES),
        st.sampled_from(VERSIONS),
        st.sampled_from(ACTIONS),
        args,
    )
    raw = st.text(characters, max_size=64).filter(lambda d: len(d.encode()) <= 64)
    return st.one_of(structured, raw, st.none())


@pytest.fixture
def errors() -> Iterator[list[logging.LogRecord]]:
    """What the one error handler logs at ERROR (it fires for any unhandled exception)."""
    found: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.ERROR:
                found.append(record)

    handler = Collect()
    logger = logging.getLogger("bot.handlers.errors")
    logger.addHandler(handler)
    try:
        yield found
    finally:
        logger.removeHandler(handler)


@pytest.fixture
async def world(harness: Harness) -> World:
    async with harness.db.transaction() as session:
        amina = await factories.client(session, first_name="Amina", locale="en")
        other = await factories.client(session, first_name=OTHER_NAME, locale="en")
        own = [
            await factories.appointment(session, client=amina),
            await factories.task(session, client=amina),
        ]
        theirs = [
            await factories.appointment(session, client=other, place_name=OTHER_TITLE),
            await factories.task(session, client=other, title=f"{OTHER_NAME}: bring passport"),
        ]
    user = await harness.linked_user(amina, language_code="en")
    await harness.linked_user(other, language_code="en")
    bystander = harness.fake.user(7999, "Bystander", "en")
    await user.send_command("/settings")  # a message with buttons to press
    await user.next_message()
    return World(
        harness,
        user,
        bystander,
        [pk(row) for row in own],
        [pk(row) for row in theirs],
        other,
    )


async def handled(world: World) -> None:
    """Wait until everything sent so far was handled, in every chat."""
    await all_handled(world.harness.app, world.harness.fake)


def assert_nothing_leaked(world: World) -> None:
    for message in world.user.inbox:
        text = message.text or ""
        assert OTHER_NAME not in text and world.other.ref not in text and OTHER_TITLE not in text
        assert not any(OTHER_NAME in label for label in message.button_texts)


async def assert_their_rows_unchanged(world: World) -> None:
    async with world.harness.db.reading() as session:
        appointment = await session.get(Appointment, world.other_ids[0])
        task = await session.get(Task, world.other_ids[1])
        other = await session.get(Client, world.other.id)
    assert appointment is not None and appointment.client_response == ClientResponse.NONE
    assert task is not None and task.status == TaskStatus.OPEN
    assert other is not None and other.telegram_chat_id is not None


@FUZZ
@given(text=texts)
async def test_random_texts_are_answered_without_errors(
    world: World, errors: list[logging.LogRecord], text: str
) -> None:
    before = len(world.user.inbox)
    await world.user.send_text(text)
    await handled(world)
    assert not errors, errors[0].exc_info
    assert len(world.user.inbox) > before  # a linked client always gets an answer
    assert_nothing_leaked(world)
    await assert_their_rows_unchanged(world)


@FUZZ
@given(data=st.data())
async def test_random_button_data_is_answered_without_errors(
    world: World, errors: list[logging.LogRecord], data: st.DataObject
) -> None:
    callback_data = data.draw(button_data(world))
    message = world.user.last_message
    assert message is not None
    press = await world.user.press(message, callback_data, strict=False)
    await handled(world)
    assert not errors, errors[0].exc_info
    assert press.answered  # every press gets an answer, if only "no longer valid"
    assert_nothing_leaked(world)
    await assert_their_rows_unchanged(world)


@FUZZ
@given(text=texts, data=st.data())
async def test_a_stranger_gets_nothing_but_the_request_for_a_code(
    world: World, errors: list[logging.LogRecord], text: str, data: st.DataObject
) -> None:
    stranger = world.harness.fake.user(7998, "Stranger", "en")
    await stranger.send_text(text)
    await handled(world)
    last = stranger.last_message
    assert last is not None
    press = await stranger.press(last, data.draw(button_data(world)), strict=False)
    await handled(world)
    assert not errors, errors[0].exc_info
    assert press.answered
    for message in stranger.inbox:
        assert "Amina" not in (message.text or "") and OTHER_NAME not in (message.text or "")
