"""The sandbox's guided path in headless Chromium, with the back-office beside the phone.

On the example region, as `make run` shows it on a wide screen: the phone, the staff chat and
the caseworkers' back-office in a third panel. Amina links, reads her plan in Arabic, asks a
question with a photo; Sanne signs in to the back-office with one click and sends a ready-made
answer, which reaches the phone in Arabic; the clock moves a day and a task reminder arrives.
Each step of the guide is ticked off by the page only when the sandbox has stored it. The steps
share one sandbox and one page and run in file order; after a failed step the later ones are
skipped. Screenshots go to test-artifacts/sandbox/; `make readme-screenshot` copies the one of
the phone and the back-office side by side to docs/sandbox.png.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from casework.settings import Settings
from sandbox import Sandbox, SandboxOptions
from tests.sandbox.beside import letter_png
from tests.sandbox.browser import (
    CHROMIUM_ARGS,
    SandboxThread,
    chromium_path,
    missing_browser,
    screenshot,
)
from texts.i18n import translator
from texts.ready_answers import READY_ANSWERS

pytestmark = pytest.mark.browser
JOURNEY = True  # tests/sandbox/conftest.py skips later steps after a failed one

_why_not = missing_browser()
if _why_not is not None:
    pytest.skip(f"browser tests skipped: {_why_not}", allow_module_level=True)

from playwright.sync_api import (  # noqa: E402
    Browser,
    FrameLocator,
    Locator,
    Page,
    expect,
    sync_playwright,
)

QUESTION = "Which papers do I bring to the progress meeting?"
WAIT_MS = 20_000
WIDE = {"width": 1680, "height": 1000}
ARABIC_READY = translator("ar")(READY_ANSWERS["received"])


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxThread]:
    options = SandboxOptions(
        port=0, database=tmp_path_factory.mktemp("guide") / "s.sqlite3", backoffice_port=0
    )
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
    context = browser.new_context(viewport=WIDE)
    expect.set_options(timeout=WAIT_MS)
    tab = context.new_page()
    problems: list[str] = []
    tab.on("pageerror", lambda error: problems.append(str(error)))
    tab.goto(sandbox_of(running).url)
    expect(tab.locator("body")).to_have_attribute("data-ready", "true")
    expect(tab.locator("body")).to_have_attribute("data-live", "true")
    yield tab
    context.close()
    assert problems == [], f"script errors on the page: {problems}"


def sandbox_of(running: SandboxThread) -> Sandbox:
    assert running.sandbox is not None
    return running.sandbox


def amina(running: SandboxThread) -> Any:
    return next(c for c in sandbox_of(running).world.clients if c.first_name == "Amina")


def step(page: Page, key: str) -> Locator:
    return page.locator(f'#guide-steps [data-step="{key}"]')


def office(page: Page) -> FrameLocator:
    return page.frame_locator("#backoffice-frame")


def bot_messages(page: Page) -> Locator:
    return page.locator("#phone-messages li.msg.from-bot")


def key(page: Page, icon: str) -> Locator:
    return page.locator("#phone-keyboard .key").filter(has_text=re.compile("^" + icon))


def direction(locator: Locator) -> str:
    return str(locator.evaluate("element => getComputedStyle(element).direction"))


def not_done_yet(page: Page, *keys: str) -> None:
    for name in keys:
        expect(step(page, name)).to_have_attribute("data-done", "false")


# -- the path -------------------------------------------------------------------------------------


def test_the_page_shows_the_guide_and_the_backoffice_beside_the_phone(
    page: Page, running: SandboxThread
) -> None:
    expect(page.locator("#guide")).to_be_visible()
    expect(page.locator("#guide-steps li")).to_have_count(5)
    expect(page.locator("#guide-steps .guide-name").first).to_have_text("Amina")
    not_done_yet(page, "link", "plan", "photo", "answer", "reminder")
    expect(page.locator("#guide-count")).to_have_text("0 of 5 done")
    beside = sandbox_of(running).backoffice
    assert beside is not None
    link = page.get_by_role("link", name="Caseworker's back-office ↗")
    expect(link).to_be_visible()
    expect(link).to_have_attribute("href", f"http://127.0.0.1:{beside.port}/")
    expect(link).to_have_attribute("target", "_blank")
    frame_box = page.locator("#backoffice-frame").bounding_box()
    phone_box = page.locator("#phone-device").bounding_box()
    assert frame_box is not None and phone_box is not None
    assert frame_box["x"] > phone_box["x"] + phone_box["width"]  # a third panel, to the right
    expect(office(page).locator("#sandbox-band")).to_be_visible()
    demo = office(page).locator(".demo-list button")
    expect(demo).to_have_count(3)
    assert [one.get_attribute("data-role") for one in demo.all()] == [
        "caseworker",
        "team_lead",
        "admin",
    ]


def test_the_page_texts_keep_their_own_direction_beside_an_arabic_phone(
    page: Page, running: SandboxThread
) -> None:
    page.select_option("#client-select", str(amina(running).user_id))
    expect(page.locator("#phone-device")).to_have_attribute("data-locale", "ar")
    expect(page.locator("#phone-messages")).to_have_attribute("dir", "rtl")
    hint = page.locator("#phone-start p")
    expect(hint).to_be_visible()
    assert direction(hint) == "ltr"  # "…got from their caseworker.", not ".their caseworker"
    assert direction(page.locator("#guide")) == "ltr"
    assert direction(page.locator("#phone-messages")) == "rtl"
    screenshot(page, "guide-01-amina-before-start")


def test_step_1_amina_links_her_phone(page: Page, running: SandboxThread) -> None:
    page.get_by_role("button", name="Start", exact=True).click()
    expect(bot_messages(page).last).to_contain_text("Amina")
    not_done_yet(page, "link")  # the welcome alone is not linking: she has not agreed yet
    page.locator("#phone-messages .inline-button").filter(has_text=re.compile("^👍")).last.click()
    expect(step(page, "link")).to_have_attribute("data-done", "true")
    expect(page.locator("#phone-keyboard .key")).to_have_count(6)
    not_done_yet(page, "plan", "photo", "answer", "reminder")


def test_step_2_she_reads_her_plan_in_arabic(page: Page, running: SandboxThread) -> None:
    before = bot_messages(page).count()
    key(page, "📋").click()
    expect(bot_messages(page)).to_have_count(before + 1)
    assert direction(bot_messages(page).last.locator(".bubble")) == "rtl"
    expect(step(page, "plan")).to_have_attribute("data-done", "true")
    screenshot(page, "guide-02-plan")


def test_step_3_she_asks_a_question_with_a_photo(
    page: Page, running: SandboxThread, tmp_path: Path
) -> None:
    before = bot_messages(page).count()
    key(page, "❓").click()
    expect(bot_messages(page)).to_have_count(before + 1)
    page.fill("#phone-text", QUESTION)
    page.press("#phone-text", "Enter")
    expect(bot_messages(page)).to_have_count(before + 2)  # the acknowledgement
    not_done_yet(page, "photo")  # a question without a photo is not the step yet
    letter = tmp_path / "letter.png"
    letter.write_bytes(letter_png())
    page.set_input_files("#phone-file", str(letter))
    expect(page.locator("#phone-messages li.msg.out img.photo")).to_have_count(1)
    expect(step(page, "photo")).to_have_attribute("data-done", "true")
    topic = page.locator("#topic-list .topic", has_text=amina(running).ref)
    expect(topic).to_have_count(1)
    topic.click()
    expect(page.locator("#staff-messages")).to_contain_text(QUESTION)
    expect(page.locator("#staff-messages img.photo")).to_have_count(1)


def test_step_4_the_caseworker_answers_in_the_backoffice_with_a_ready_made_answer(
    page: Page, running: SandboxThread
) -> None:
    frame = office(page)
    frame.get_by_role("button", name=re.compile("Sanne Jonker")).click()
    row = frame.locator("a", has_text=amina(running).ref)
    expect(row).to_be_visible()
    expect(frame.locator("#sandbox-band")).to_be_visible()
    row.click()
    expect(frame.locator("main")).to_contain_text(QUESTION)
    frame.locator("select#ready").select_option("received")
    expect(frame.locator("#ready-preview")).to_contain_text(ARABIC_READY)
    frame.get_by_role("button", name="Standaardantwoord versturen").click()
    expect(frame.locator(".flash-success")).to_be_visible()
    expect(bot_messages(page).last).to_contain_text(ARABIC_READY)
    expect(page.locator("#staff-messages")).to_contain_text("“received”")  # the team's note
    expect(step(page, "answer")).to_have_attribute("data-done", "true")
    page.evaluate("window.scrollTo(0, 0)")
    assert page.evaluate("document.scrollingElement.scrollHeight") <= WIDE["height"] + 1
    screenshot(page, "readme")  # `make readme-screenshot`: docs/sandbox.png


def test_step_5_the_clock_moves_and_a_reminder_arrives(page: Page, running: SandboxThread) -> None:
    not_done_yet(page, "reminder")
    page.get_by_role("button", name="+1 day").click()
    expect(page.locator("#clock-now")).to_contain_text("Tue 24 Nov 2026")
    expect(bot_messages(page).last).to_contain_text("participation statement")
    expect(step(page, "reminder")).to_have_attribute("data-done", "true")
    expect(page.locator("#guide")).to_have_attribute("data-done", "5")
    expect(page.locator("#guide-count")).to_have_text("5 of 5 done")
    screenshot(page, "guide-05-all-done")


def test_on_a_narrower_screen_the_backoffice_is_a_link(page: Page, running: SandboxThread) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    expect(page.locator("#backoffice-frame")).to_be_hidden()
    expect(page.get_by_role("link", name="Caseworker's back-office ↗")).to_be_visible()
    staff_box = page.locator("#staff").bounding_box()
    assert staff_box is not None and staff_box["x"] + staff_box["width"] <= 1280
    page.set_viewport_size(WIDE)
