"""The sandbox in headless Chromium: one client's journey, step by step, as a person clicks it.

Hevin (Medemblik, Kurmanji) links from the invitation, picks Arabic and sees the menu right to
left; opens the plan; confirms an appointment and downloads its calendar file; asks a question
that appears in the staff chat's topic and gets the caseworker's answer; then the clock moves and
a task reminder arrives. The steps share one sandbox and one page and run in file order; after a
failed step the later ones are skipped. Screenshots go to test-artifacts/sandbox/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest

from casework.settings import Settings
from sandbox import Sandbox, SandboxOptions
from storage import appointments, clients, questions
from tests.sandbox.beside import letter_png
from tests.sandbox.browser import (
    CHROMIUM_ARGS,
    SandboxThread,
    chromium_path,
    missing_browser,
    screenshot,
)

pytestmark = pytest.mark.browser
JOURNEY = True  # tests/sandbox/conftest.py skips later steps after a failed one

_why_not = missing_browser()
if _why_not is not None:
    pytest.skip(f"browser tests skipped: {_why_not}", allow_module_level=True)

from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright  # noqa: E402

CLIENT_REF = "MDB-2026-0002"  # Hevin
QUESTION = "Where do I hand in my bank account number?"
ANSWER = "You can bring it to the desk in Hoorn, or send a photo here."
WAIT_MS = 20_000


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxThread]:
    options = SandboxOptions(port=0, database=tmp_path_factory.mktemp("sandbox") / "s.sqlite3")
    thread = SandboxThread(options, Settings(_env_file=None))
    thread.start()
    try:
        yield thread
    finally:
        thread.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def page(browser: Browser, running: SandboxThread) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
    expect.set_options(timeout=WAIT_MS)
    tab = context.new_page()
    problems: list[str] = []
    tab.on("pageerror", lambda error: problems.append(str(error)))
    assert running.sandbox is not None
    tab.goto(running.sandbox.url)
    expect(tab.locator("body")).to_have_attribute("data-ready", "true")
    expect(tab.locator("body")).to_have_attribute("data-live", "true")
    yield tab
    context.close()
    assert problems == [], f"script errors on the page: {problems}"


def sandbox_of(running: SandboxThread) -> Sandbox:
    assert running.sandbox is not None
    return running.sandbox


def hevin(running: SandboxThread) -> Any:
    return next(c for c in sandbox_of(running).world.clients if c.ref == CLIENT_REF)


def bot_messages(page: Page) -> Locator:
    return page.locator("#phone-messages li.msg.from-bot")


def inline_button(scope: Page | Locator, starts_with: str) -> Locator:
    pattern = re.compile("^" + re.escape(starts_with))
    return scope.locator(".inline-button").filter(has_text=pattern)


def key(page: Page, icon: str) -> Locator:
    return page.locator("#phone-keyboard .key").filter(has_text=re.compile("^" + icon))


def is_rtl(locator: Locator) -> bool:
    return bool(locator.evaluate("element => element.matches(':dir(rtl)')"))


def stored_client(running: SandboxThread) -> Any:
    async def read(sandbox: Sandbox) -> Any:
        assert sandbox.db is not None
        async with sandbox.db.reading() as session:
            return await clients.by_ref(session, ref=CLIENT_REF)

    return running.call(read)


# -- the journey ----------------------------------------------------------------------------------


def test_a_client_links_picks_arabic_and_sees_the_menu_right_to_left(
    page: Page, running: SandboxThread
) -> None:
    page.select_option("#client-select", str(hevin(running).user_id))
    expect(page.locator("#phone-start")).to_be_visible()
    screenshot(page, "01-before-start")
    page.get_by_role("button", name="Start", exact=True).click()
    expect(bot_messages(page).last).to_contain_text("Hevin")
    expect(page.locator("#phone-messages li.msg.out").first).to_contain_text("/start")

    inline_button(page, "🌐").last.click()
    page.locator("#phone-messages .inline-button", has_text="العربية").last.click()
    expect(page.locator("#phone-messages")).to_have_attribute("dir", "rtl")
    expect(page.locator("#phone-device")).to_have_attribute("data-locale", "ar")
    assert not is_rtl(page.locator("#phone-composer"))  # the page's own labels stay put
    inline_button(page, "👍").last.click()

    keys = page.locator("#phone-keyboard .key")
    expect(keys).to_have_count(6)
    assert [text[0] for text in keys.all_inner_texts()] == ["📋", "📅", "✅", "❓", "⚙", "ℹ"]
    assert is_rtl(page.locator("#phone-keyboard"))
    # Each label takes the direction of its first strong letter outside isolates (Telegram's
    # rule), the phone's when there is none: "📋 ⁦My plan⁩" (not yet translated) is right to
    # left too; only a label starting with a left-to-right letter such as ℹ would not be.
    arabic = re.compile(r"[\u0600-\u06ff]")
    labelled = [
        one for one in keys.all() if arabic.search(one.inner_text()) or "\u2066" in one.inner_text()
    ]
    assert labelled and all(is_rtl(one) for one in labelled if one.inner_text()[0] != "ℹ")
    assert is_rtl(bot_messages(page).last.locator(".bubble"))
    first_key, second_key = keys.nth(0).bounding_box(), keys.nth(1).bounding_box()
    assert first_key is not None and second_key is not None
    assert first_key["x"] > second_key["x"]  # the first button is on the right
    screenshot(page, "02-menu-in-arabic")
    client = stored_client(running)
    assert client.locale == "ar" and client.consent_at is not None
    assert client.telegram_chat_id == hevin(running).user_id


def test_the_plan_opens(page: Page, running: SandboxThread) -> None:
    key(page, "📋").click()
    expect(page.locator("#phone-messages")).to_contain_text("You have just started")
    screenshot(page, "03-plan")


def test_an_appointment_is_confirmed_and_its_calendar_file_downloads(
    page: Page, running: SandboxThread, tmp_path: Path
) -> None:
    key(page, "📅").click()
    listing = bot_messages(page).filter(has_text="Language test at the school").last
    expect(inline_button(listing, "1️⃣")).to_have_count(1)  # the appointments in one message
    screenshot(page, "04-appointment-list")
    inline_button(listing, "1️⃣").click()  # opens the first one's card in the same message
    back = inline_button(listing, "‹")  # drawn mirrored, pointing right, in Arabic
    expect(back).to_have_count(1)

    def card() -> Locator:
        return bot_messages(page).filter(has_text="Language test at the school").last

    inline_button(card(), "👍").click()
    expect(inline_button(card(), "✓")).to_have_count(1)  # the bot edited the buttons

    async def response(sandbox: Sandbox) -> str:
        assert sandbox.db is not None
        async with sandbox.db.reading() as session:
            rows = await appointments.for_client(session, client_id=hevin(running).id)
        return next(a.client_response for a in rows if a.title.startswith("Language test"))

    assert running.call(response) == "confirmed"

    inline_button(card(), "🗓").click()
    calendar = page.locator("#phone-messages a.file").filter(has_text=".ics").last
    expect(calendar).to_be_visible()
    with page.expect_download() as download:
        calendar.click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.suffix == ".ics"
    body = saved.read_text(encoding="utf-8")
    assert body.startswith("BEGIN:VCALENDAR") and "Language test at the school" in body
    screenshot(page, "04-appointment-confirmed")

    # Back to the list; the home visit's card comes with its place on the map.
    back.click()
    expect(inline_button(listing, "2️⃣")).to_have_count(1)
    inline_button(listing, "2️⃣").click()
    venue = page.locator("#phone-messages .venue").last
    expect(venue.locator("a.map-link")).to_have_attribute(
        "href", re.compile(r"^https://www\.openstreetmap\.org/\?mlat=52\.7702&mlon=5\.1041")
    )


def test_a_question_reaches_the_staff_topic_and_the_answer_reaches_the_phone(
    page: Page, running: SandboxThread
) -> None:
    before = bot_messages(page).count()
    key(page, "❓").click()
    expect(bot_messages(page)).to_have_count(before + 1)  # "write your question"
    page.fill("#phone-text", QUESTION)
    page.press("#phone-text", "Enter")
    expect(page.locator("#phone-messages li.msg.out").last).to_contain_text(QUESTION)
    expect(bot_messages(page)).to_have_count(before + 2)  # the acknowledgement

    async def asked(sandbox: Sandbox) -> list[str]:
        assert sandbox.db is not None
        async with sandbox.db.reading() as session:
            return [
                m.text or ""
                for m in await questions.messages_of_client(session, client_id=hevin(running).id)
            ]

    assert QUESTION in running.call(asked)
    if not page.evaluate("document.getElementById('relay-note').hidden"):
        pytest.skip("the Telegram staff-chat relay is not wired into build_application yet")

    topic = page.locator("#topic-list .topic", has_text=CLIENT_REF)
    expect(topic).to_have_count(1)
    sanne = next(s for s in sandbox_of(running).world.staff if s.name == "Sanne Jonker")
    page.select_option("#staff-select", str(sanne.user_id))
    topic.click()
    expect(page.locator("#staff-messages")).to_contain_text(QUESTION)
    screenshot(page, "05-question-in-topic")
    page.fill("#staff-text", ANSWER)
    page.press("#staff-text", "Enter")
    expect(page.locator("#staff-messages li.msg.out").last).to_contain_text(ANSWER)
    expect(bot_messages(page).last).to_contain_text(ANSWER)

    async def status(sandbox: Sandbox) -> str:
        assert sandbox.db is not None
        async with sandbox.db.reading() as session:
            rows = await questions.for_client(session, client_id=hevin(running).id)
        return rows[-1].status

    assert running.call(status) == "answered"
    screenshot(page, "06-answer-on-the-phone")


def test_a_photo_of_a_letter_goes_from_the_phone_to_the_topic(
    page: Page, running: SandboxThread, tmp_path: Path
) -> None:
    letter = tmp_path / "letter.png"
    letter.write_bytes(letter_png())
    page.set_input_files("#phone-file", str(letter))
    photo = page.locator("#phone-messages li.msg.out img.photo").last
    expect(photo).to_be_visible()
    assert photo.evaluate("image => image.complete && image.naturalWidth") == 160
    if not page.evaluate("document.getElementById('relay-note').hidden"):
        pytest.skip("the Telegram staff-chat relay is not wired into build_application yet")
    expect(page.locator("#staff-messages img.photo")).to_have_count(1)


def test_moving_the_clock_fires_a_reminder(page: Page, running: SandboxThread) -> None:
    clock = page.locator("#clock-now")
    expect(clock).to_contain_text("Mon 23 Nov 2026")
    for day in ("Tue 24", "Wed 25", "Thu 26", "Fri 27"):
        page.get_by_role("button", name="+1 day").click()
        expect(clock).to_contain_text(f"{day} Nov 2026")
    assert sandbox_of(running).clock.now().astimezone(UTC).day == 27
    expect(bot_messages(page).last).to_contain_text("Open a bank account")
    expect(page.locator("#phone-messages li.day").last).to_have_text("Fri 27 Nov 2026")
    if page.locator("#toast").is_visible():
        page.locator("#toast").click()  # a tap dismisses the last button's toast
    screenshot(page, "07-reminder")


def test_on_a_phone_sized_screen_the_panes_stack(page: Page, running: SandboxThread) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    phone_box = page.locator("#phone").bounding_box()
    staff_box = page.locator("#staff").bounding_box()
    assert phone_box is not None and staff_box is not None
    assert staff_box["y"] >= phone_box["y"] + phone_box["height"]
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
    expect(page.locator("#phone-keyboard .key").first).to_be_visible()
    page.reload()  # the guide folds when the page opens on a phone-sized screen
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    expect(page.locator("#guide-steps")).to_be_hidden()
    expect(page.locator("#guide-count")).to_be_visible()
    guide_box = page.locator("#guide").bounding_box()
    assert guide_box is not None and guide_box["height"] < 80
    screenshot(page, "08-phone-sized")
    page.set_viewport_size({"width": 1280, "height": 800})
