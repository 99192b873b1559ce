"""The back-office in a real browser (Playwright on Debian's chromium), with the client on the
fake Telegram server and the real bot polling it:

- a caseworker logs in with password and TOTP, answers an Arabic client's question with a
  ready-made answer, and the client receives it in Arabic;
- the caseworker moves an appointment: the client is told, and the reminders are re-planned;
- keyboard only: skip link first, visible focus, log in and open a question without a mouse;
- axe-core (vendored from the npm registry, run inside the page) finds no serious or critical
  violation on any page.

Screenshots go to test-artifacts/ (ignored by git).
"""

from __future__ import annotations

import asyncio
import shutil
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pyotp
import pytest
import uvicorn
from sqlmodel import col, select
from telegram import Bot

from backoffice.app import build_backoffice
from bot.app import BotApplication, build_application
from bot.channels import process_channels
from casework.clock import FixedClock
from casework.planning import replan_appointment
from casework.settings import Settings
from fakebot import FakeTelegram, SimUser
from storage.db import Database
from storage.enums import ReminderStatus, StaffRole
from storage.ids import pk
from storage.models import Appointment, Client, Question, Reminder, Staff
from tests import factories
from tests.backoffice.conftest import HASHER, PASSWORD, TOKEN
from tests.e2e.conftest import Harness, harness_settings
from texts.bidi import strip_isolates
from texts.i18n import translator
from texts.ready_answers import READY_ANSWERS

playwright_api = pytest.importorskip(
    "playwright.async_api", reason="playwright is not installed (pip install -e '.[test]')"
)
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason="no chromium: apt-get install -y chromium (Debian's package)",
    ),
]
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
AR = translator("ar")


@dataclass
class Live:
    """The back-office served on a loopback port, the bot, the fake Telegram and the people."""

    url: str
    fake: FakeTelegram
    db: Database
    clock: FixedClock
    harness: Harness
    caseworker: Staff
    lead: Staff
    admin: Staff
    newcomer: Staff  # has a password but no second factor yet
    client: Client
    user: SimUser
    secrets: dict[int, str]

    def code(self, member: Staff) -> str:
        return pyotp.TOTP(self.secrets[pk(member)]).at(self.clock.now())


class ServerWithReady(uvicorn.Server):
    """uvicorn, telling when it listens (after the app's start-up)."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = asyncio.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        self.ready.set()


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


async def _people(db: Database) -> tuple[dict[str, Staff], dict[int, str]]:
    people: dict[str, Staff] = {}
    secrets: dict[int, str] = {}
    async with db.transaction() as session:
        org = await factories.organisation(session, municipalities=("Hoorn",))
        for name, role, with_secret in (
            ("fatima", StaffRole.CASEWORKER, True),
            ("lotte", StaffRole.TEAM_LEAD, True),
            ("admin", StaffRole.ADMIN, True),
            ("nieuw", StaffRole.CASEWORKER, False),
        ):
            secret = pyotp.random_base32()
            people[name] = await factories.staff(
                session,
                organisation=org,
                name=f"{name.title()} de Vries",
                role=role,
                login=f"{name}@hoorn.example",
                password_hash=HASHER.hash(PASSWORD),
                totp_secret=secret if with_secret else None,
            )
            secrets[people[name].id or 0] = secret
    return people, secrets


@pytest.fixture
async def live(db: Database, database_url: str) -> AsyncIterator[Live]:
    fake = FakeTelegram(token=TOKEN)
    await fake.start()
    settings: Settings = harness_settings(
        fake, database_url, staff_chat_id=None, backoffice_secret_key="browser-test-key"
    )
    clock = FixedClock(factories.NOW)
    app: BotApplication = build_application(settings, db=db, clock=clock, rate_limit=False)
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    harness = Harness(fake, app, db, clock, settings)
    people, secrets = await _people(db)
    async with db.transaction() as session:
        client = await factories.client(
            session, first_name="Amina", locale="ar", caseworker_id=people["fatima"].id
        )
        appointment = await factories.appointment(
            session, client=client, staff_id=people["fatima"].id
        )
        await replan_appointment(
            session,
            appointment=appointment,
            client=client,
            rules=app.bot_data.services.rules,  # type: ignore[union-attr]
            now=clock.now(),
        )
    user = await harness.linked_user(client, user_id=7201, language_code="ar")
    await user.send_text("وصلتني رسالة من البلدية. ماذا أفعل؟")
    await user.next_message()  # the bot's acknowledgement
    bot = Bot(TOKEN, base_url=settings.telegram_api_url, base_file_url=settings.file_url)
    channels = process_channels(settings, db=db, clock=clock, bot=bot)
    backoffice = build_backoffice(settings, db=db, clock=clock, channels=channels, hasher=HASHER)
    sock = free_socket()
    port = sock.getsockname()[1]
    server = ServerWithReady(
        uvicorn.Config(backoffice, log_level="warning", lifespan="on", access_log=False)
    )
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    await asyncio.wait_for(server.ready.wait(), timeout=30)
    try:
        yield Live(
            url=f"http://127.0.0.1:{port}",
            fake=fake,
            db=db,
            clock=clock,
            harness=harness,
            caseworker=people["fatima"],
            lead=people["lotte"],
            admin=people["admin"],
            newcomer=people["nieuw"],
            client=await harness.reload(client),
            user=user,
            secrets=secrets,
        )
    finally:
        server.should_exit = True
        await serving
        sock.close()
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        await fake.stop()


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    async with playwright_api.async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


async def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"backoffice-{name}.png"), full_page=True)


async def log_in(page: Any, live: Live, member: Staff) -> None:
    await page.goto(f"{live.url}/login")
    await page.get_by_label("Inlognaam").fill(member.login or "")
    await page.get_by_label("Wachtwoord").fill(PASSWORD)
    await page.get_by_role("button", name="Verder").click()
    await page.get_by_label("Code van zes cijfers").fill(live.code(member))
    await page.get_by_role("button", name="Inloggen").click()
    await page.wait_for_url(f"{live.url}/inbox")


async def question_id(live: Live) -> int:
    async with live.db.reading() as session:
        question = (
            await session.exec(select(Question).where(Question.client_id == live.client.id))
        ).one()
    return pk(question)


async def test_caseworker_answers_an_arabic_client_with_a_ready_made_answer(
    live: Live, browser: Any
):
    page = await browser.new_page()
    await log_in(page, live, live.caseworker)
    await shot(page, "inbox")
    row = page.get_by_role("link", name=f"{live.client.ref} · Amina")
    await row.click()
    await page.wait_for_url(f"{live.url}/questions/{await question_id(live)}")
    assert await page.get_by_text("وصلتني رسالة من البلدية").is_visible()
    seen = await live.user.next_message()
    assert strip_isolates(seen.text or "") == strip_isolates(
        AR("👀 Your caseworker has seen your question. You will get an answer soon.")
    )
    await page.get_by_label("Kies een standaardantwoord").select_option("send_photo")
    arabic = AR(READY_ANSWERS["send_photo"])
    preview = page.locator("#ready-preview blockquote")
    await preview.wait_for()
    assert await preview.get_attribute("dir") == "rtl"
    assert (await preview.inner_text()).strip() == arabic
    await shot(page, "question-preview")
    await page.get_by_role("button", name="Standaardantwoord versturen").click()
    await page.get_by_text("Het antwoord is naar de cliënt gestuurd.").wait_for()
    await shot(page, "question-answered")
    received = await live.user.next_message()
    assert arabic in (received.text or "")
    assert arabic != READY_ANSWERS["send_photo"]


async def test_caseworker_moves_an_appointment_and_the_client_is_told_and_re_reminded(
    live: Live, browser: Any
):
    async with live.db.reading() as session:
        appointment = (
            await session.exec(select(Appointment).where(Appointment.client_id == live.client.id))
        ).one()
        before = {
            r.dedup_key: r.due_at
            for r in (
                await session.exec(
                    select(Reminder).where(
                        col(Reminder.dedup_key).startswith(f"appointment:{appointment.id}:")
                    )
                )
            ).all()
        }
    assert before
    page = await browser.new_page()
    await log_in(page, live, live.caseworker)
    await page.goto(f"{live.url}/clients/{live.client.id}")
    row = page.locator(f"#appointment-{appointment.id}")
    await row.locator("summary").click()
    await row.get_by_label("Nieuwe datum").fill("2026-12-03")
    await row.get_by_label("Nieuwe begintijd").fill("13:15")
    await shot(page, "client-move")
    await row.get_by_role("button", name="Afspraak verzetten").click()
    await page.get_by_text("De cliënt heeft een bericht gekregen").wait_for()
    await shot(page, "client-moved")
    told = await live.user.next_message()
    assert strip_isolates(AR("Your appointment (afspraak) has moved to a new time.")) in (
        strip_isolates(told.text or "")
    )
    assert f"appt:v1:confirm:{appointment.id}" in told.callback_data
    async with live.db.reading() as session:
        moved = await session.get(Appointment, appointment.id)
        after = {
            r.dedup_key: r
            for r in (
                await session.exec(
                    select(Reminder).where(
                        col(Reminder.dedup_key).startswith(f"appointment:{appointment.id}:")
                    )
                )
            ).all()
        }
    assert moved is not None
    assert moved.starts_at.astimezone(live.harness.settings.zone).strftime("%Y-%m-%d %H:%M") == (
        "2026-12-03 13:15"
    )
    assert set(after) == set(before)
    assert all(after[key].due_at != before[key] for key in before)
    assert all(r.status == ReminderStatus.PENDING for r in after.values())
    assert all(r.event_at == moved.starts_at for r in after.values())


async def test_keyboard_only_use_with_visible_focus(live: Live, browser: Any):
    page = await browser.new_page()
    await page.goto(f"{live.url}/login")
    await page.keyboard.press("Tab")
    focused = await page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Naar de inhoud"
    ring = await page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, s.boxShadow]; })()"
    )
    assert ring[0] != "none" and ring[1] != "none"
    order = []
    for _ in range(5):
        await page.keyboard.press("Tab")
        order.append(
            await page.evaluate(
                "document.activeElement.id || document.activeElement.textContent.trim()"
            )
        )
    assert order == ["inburgerbot backoffice", "English", "login", "password", "Verder"]
    await page.focus("#login")
    await page.keyboard.type(live.caseworker.login or "")
    await page.keyboard.press("Tab")
    await page.keyboard.type(PASSWORD)
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{live.url}/login/code")
    for _ in range(4):  # skip link, home link, language, the code field
        await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.id") == "code"
    await page.keyboard.type(live.code(live.caseworker))
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{live.url}/inbox")
    target = f"/questions/{await question_id(live)}"
    for _ in range(40):
        await page.keyboard.press("Tab")
        if await page.evaluate("document.activeElement.getAttribute('href')") == target:
            break
    else:
        pytest.fail("the question link cannot be reached with the keyboard")
    await shot(page, "keyboard-focus")
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{live.url}{target}")


async def axe_problems(page: Any) -> list[str]:
    """Serious and critical WCAG 2.1 A/AA violations axe-core finds in the page."""
    await page.evaluate(AXE.read_text())
    violations = await page.evaluate(
        """axe.run(document, {runOnly: {type: 'tag',
               values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})
           .then(r => r.violations.map(v => ({id: v.id, impact: v.impact,
               nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3)})))"""
    )
    return [
        f"{v['id']} ({v['impact']}): {v['nodes']}"
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]


async def check(page: Any, name: str, found: dict[str, list[str]]) -> None:
    await shot(page, f"axe-{name}")
    problems = await axe_problems(page)
    if problems:
        found[name] = problems


async def test_no_serious_or_critical_accessibility_violation_on_any_page(live: Live, browser: Any):
    found: dict[str, list[str]] = {}
    qid = await question_id(live)
    page = await browser.new_page()
    await page.goto(f"{live.url}/login")
    await check(page, "login", found)
    await page.get_by_role("button", name="Verder").click()
    await check(page, "login-error", found)
    await page.get_by_label("Inlognaam").fill(live.caseworker.login or "")
    await page.get_by_label("Wachtwoord").fill(PASSWORD)
    await page.get_by_role("button", name="Verder").click()
    await check(page, "code", found)
    await page.get_by_label("Code van zes cijfers").fill(live.code(live.caseworker))
    await page.get_by_role("button", name="Inloggen").click()
    await page.wait_for_url(f"{live.url}/inbox")
    for name, path in (
        ("inbox", "/inbox"),
        ("question", f"/questions/{qid}?ready=received"),
        ("clients", "/clients"),
        ("client", f"/clients/{live.client.id}"),
        ("password", "/account/password"),
        ("not-found", "/clients/999999"),
        ("forbidden", "/audit"),
    ):
        await page.goto(f"{live.url}{path}")
        await check(page, name, found)
    await page.goto(f"{live.url}/clients/{live.client.id}")
    await page.get_by_role("button", name="Nieuwe uitnodigingscode maken").click()
    await page.get_by_text("Uitnodiging voor inburgerbot").wait_for()
    await check(page, "invite", found)
    await page.goto(f"{live.url}/language")  # a GET to a POST-only route: 405
    english = await browser.new_page()
    await log_in(english, live, live.lead)
    await english.get_by_role("button", name="English").click()
    await english.goto(f"{live.url}/audit")
    await check(english, "audit-english", found)
    admin = await browser.new_page()
    await log_in(admin, live, live.admin)
    await admin.goto(f"{live.url}/staff")
    await check(admin, "staff", found)
    newcomer = await browser.new_page()
    await newcomer.goto(f"{live.url}/login")
    await newcomer.get_by_label("Inlognaam").fill(live.newcomer.login or "")
    await newcomer.get_by_label("Wachtwoord").fill(PASSWORD)
    await newcomer.get_by_role("button", name="Verder").click()
    await newcomer.wait_for_url(f"{live.url}/login/setup")
    await check(newcomer, "setup", found)
    assert found == {}, "\n".join(f"{page}: {problems}" for page, problems in found.items())


async def test_the_second_factor_is_set_up_by_scanning_the_qr_code(live: Live, browser: Any):
    page = await browser.new_page()
    await page.goto(f"{live.url}/login")
    await page.get_by_label("Inlognaam").fill(live.newcomer.login or "")
    await page.get_by_label("Wachtwoord").fill(PASSWORD)
    await page.get_by_role("button", name="Verder").click()
    await page.wait_for_url(f"{live.url}/login/setup")
    assert await page.locator(".qr svg").is_visible()
    secret = (await page.locator(".secret").inner_text()).replace(" ", "")
    await page.get_by_label("Code van zes cijfers").fill(pyotp.TOTP(secret).at(live.clock.now()))
    await page.get_by_role("button", name="Bevestigen en inloggen").click()
    await page.wait_for_url(f"{live.url}/inbox")
    async with live.db.reading() as session:
        stored = await session.get(Staff, live.newcomer.id)
    assert stored is not None and stored.totp_secret == secret
    live.clock.advance(timedelta(minutes=31))
    await page.goto(f"{live.url}/inbox")
    assert page.url.startswith(f"{live.url}/login")
    assert await page.get_by_text("Uw sessie is verlopen").is_visible()
