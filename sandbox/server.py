"""The sandbox: the fake Telegram, the real bot polling it, the demo world and the page's server.

Everything runs in one event loop: FakeTelegram serves the Bot API on a loopback port, the real
`Application` (handlers, JobQueue, reminder dispatcher) polls it, an aiohttp app (sandbox/web.py)
serves the page, its JSON actions and a server-sent event stream, and the caseworkers'
back-office (sandbox/backoffice.py) runs beside it on its own port, on the same database, fake
Telegram and clock. Time comes from one `ShiftedClock`; moving it runs the periodic jobs at once,
as if that much time had passed, and the back-office's waiting times and deadlines move with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web
from telegram import Update

from bot.app import BotApplication, build_application
from bot.channels.sending import client_locale
from casework.clock import ShiftedClock
from casework.ports import CaseSystem
from casework.settings import Settings
from commonground.fakes.objecten import TAAK_TYPE, FakeObjects
from commonground.fakes.openklant import FakeOpenKlant
from commonground.fakes.zaken import FakeZaken
from commonground.objecten import ObjectsApi
from commonground.openklant import OpenKlant
from commonground.system import CommonGround
from commonground.zaken import ZakenApi
from console.compose import schedule
from fakebot import ChatParticipant, FakeTelegram, SimGroup, SimUser, StoredMessage
from sandbox import tour, views, world
from sandbox.backoffice import BackofficeBeside
from sandbox.errors import BackofficePortUnavailable, NotFound, PortUnavailable, SandboxError
from sandbox.fake_libretranslate import FakeLibreTranslate
from sandbox.hub import Hub
from sandbox.web import make_app
from scheduler.jobs import Dispatching
from storage import clients, visitors
from storage.db import Database
from texts import ready_answers
from texts.i18n import is_rtl, translator
from texts.locales import choose_locale

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_REGION = REPO_ROOT / "examples" / "region.json"
# The Monday the example region describes, 09:00 in Amsterdam: its appointments lie ahead.
DEMO_START = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
TOKEN = "7000001:SANDBOX-NOT-A-REAL-TOKEN"
BOT_USERNAME = "inburgerbot_sandbox_bot"
STAFF_CHAT_ID = -1001000000001
STAFF_CHAT_TITLE = "Inburgering team (staff chat)"
MAX_ADVANCE = timedelta(days=366)
# How long moving the clock may wait for the reminders it made due (a sandbox has a few dozen).
DRAIN_TIMEOUT = 60
MAX_TEXT = 4096
# Where "share my location" puts a phone: Hoorn's Roode Steen.
PHONE_LOCATION = (52.6405, 5.0597)
PHONE_NUMBER = "+31 6 00000000"
OPEN_KLANT_TOKEN = "sandbox-open-klant"
OPEN_KLANT_ACTOR = "5a1d3c2b-7e4f-4a6b-9c8d-0e1f2a3b4c5d"  # the team, in the fake Open Klant
PARTY_NAMESPACE = uuid.UUID("0c7c1e55-4a8e-4f0e-9a57-2b8c3d4e5f60")
ZAAK_NAMESPACE = uuid.UUID("5e2d8f1a-9b3c-4e7d-8a6f-1c0b2d3e4f50")
OBJECTS_TOKEN = "sandbox-objects"
ZGW_CLIENT = "inburgerbot-sandbox"
ZGW_SECRET = "sandbox-zgw-secret-of-32-bytes-or-more"
CONTACTS_EVERY = 2.0  # seconds: a question shows on the fake's page while you look
SAFE_IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})


@dataclass(frozen=True)
class SandboxOptions:
    host: str = "127.0.0.1"
    port: int = 8080
    database: Path = Path("sandbox.sqlite3")
    region: Path = DEFAULT_REGION
    start: datetime | None = DEMO_START  # None: the real time
    # The back-office beside the phone (0: any free port); None leaves it out.
    backoffice_port: int | None = None
    fake_translation: bool = False  # machine translation by a fake LibreTranslate on loopback
    # The Common Ground fakes beside the bot (docs/common-ground.md): questions and answers
    # become klantcontacten in a fake Open Klant whose page the sandbox links to.
    common_ground: bool = False


@dataclass
class _Cursor:
    """How far the page has been told about a chat."""

    last_id: int = 0
    locale: tuple[str, bool] | None = None
    keyboard: Any = field(default=None)


def sandbox_settings(
    base: Settings,
    *,
    fake: FakeTelegram,
    database_url: str,
    translation: FakeLibreTranslate | None = None,
) -> Settings:
    """The operator's settings (quiet hours, office hours, ...) pointed at the fake Telegram
    (and at the fake LibreTranslate, where asked)."""
    values = base.model_dump()
    values.update(
        telegram_token=fake.token,
        telegram_api_url=fake.api_url,
        telegram_file_url=fake.file_url,
        database_url=database_url,
        staff_chat_id=STAFF_CHAT_ID,
        bot_username=BOT_USERNAME,
    )
    if translation is not None:
        values.update(
            translation="libretranslate",
            libretranslate_url=translation.url,
            libretranslate_api_key=translation.api_key,
        )
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def phone_language(locale: str | None) -> str:
    """The language code a phone set to this locale reports to Telegram (fa_AF -> fa-af)."""
    return (locale or "nl").replace("_", "-").lower()


class Sandbox:
    """Start, drive and stop the whole sandbox."""

    def __init__(
        self,
        options: SandboxOptions | None = None,
        *,
        settings: Settings | None = None,
        db: Database | None = None,
    ) -> None:
        self.options = options or SandboxOptions()
        self._base_settings = settings
        self._given_db = db
        start = self.options.start
        self.clock = ShiftedClock(start - datetime.now(UTC) if start else timedelta(0))
        self.fake = FakeTelegram(
            token=TOKEN, bot_username=BOT_USERNAME, bot_first_name="Inburgerbot"
        )
        # Real Telegram lets a private chat take short bursts; the bot's own AIORateLimiter
        # keeps it within the real limits anyway.
        self.fake.rate_limit = None
        self.fake.chat_rate_limit = None
        self.hub = Hub()
        self.world = world.DemoWorld((), ())
        self.app: BotApplication | None = None
        self.translation: FakeLibreTranslate | None = None
        self.db: Database | None = None
        self.settings: Settings | None = None
        self.group: SimGroup | None = None
        self.backoffice: BackofficeBeside | None = None
        self.port = 0
        self.ready = False
        self._moved_from: datetime | None = None  # sandbox time before the clock first moved
        self._tour_done: set[str] = set()
        self._runner: web.AppRunner | None = None
        self._pump: asyncio.Task[None] | None = None
        self._cursors: dict[int, _Cursor] = {}
        self._stamps: dict[tuple[int, int], datetime] = {}
        self._started_chats: set[int] = set()
        self.open_klant: FakeOpenKlant | None = None
        self.zaken: FakeZaken | None = None
        self.objects: FakeObjects | None = None

    # -- lifecycle ----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        host = self.options.host
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{self.port}/"

    @property
    def zone(self) -> Any:
        assert self.settings is not None
        return self.settings.zone

    async def start(self) -> None:
        """The page's port first (a busy port fails at once), then the fake Telegram, database
        and demo world, and the bot (polling, jobs)."""
        try:
            self._runner = web.AppRunner(
                make_app(self), access_log=None, handler_cancellation=True, shutdown_timeout=1.0
            )
            await self._runner.setup()
            site = web.TCPSite(self._runner, self.options.host, self.options.port)
            try:
                await site.start()
            except OSError as exc:
                raise PortUnavailable(exc.errno, exc.strerror) from exc
            self.port = int(self._runner.addresses[0][1])
            await self.fake.start()
            if self._given_db is not None:
                self.db = self._given_db
            else:
                url = await world.fresh_database(self.options.database)
                self.db = Database(url)
            if self.options.fake_translation:
                self.translation = FakeLibreTranslate()
                await self.translation.start()
            self.settings = sandbox_settings(
                self._base_settings or Settings(),
                fake=self.fake,
                database_url=self.db.url,
                translation=self.translation,
            )
            case_system = None
            if self.options.common_ground:
                case_system = await self._start_common_ground()
            self.app = app = build_application(
                self.settings, db=self.db, clock=self.clock, case_system=case_system
            )
            schedule(app)
            services = app.bot_data.services
            assert services is not None
            self.world = await world.prepare(
                self.db, region=self.options.region, rules=services.rules, now=self.clock.now()
            )
            if self.open_klant is not None:
                await self._give_parties()
            self._people()
            subscription = self.fake.subscribe(maxsize=10_000)
            self._pump = asyncio.create_task(self._pump_events(subscription), name="sandbox-pump")
            await app.initialize()
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(
                poll_interval=0, timeout=10, allowed_updates=Update.ALL_TYPES
            )
            await self._start_backoffice()
        except BaseException:
            await self.stop()
            raise
        self.ready = True
        log.info("sandbox started", extra={"port": self.port})

    async def _start_backoffice(self) -> None:
        """The back-office on its own port, on this sandbox's database, fake Telegram and clock,
        with one-click demo sign-ins; the page may show it in a frame."""
        port = self.options.backoffice_port
        if port is None:
            return
        assert self.settings is not None and self.db is not None
        beside = BackofficeBeside(
            self.settings,
            db=self.db,
            clock=self.clock,
            host=self.options.host,
            port=port,
            frame_from=self.port,
        )
        try:
            await beside.start()
        except OSError as exc:
            raise BackofficePortUnavailable(exc.errno, exc.strerror) from exc
        self.backoffice = beside

    async def _start_common_ground(self) -> CaseSystem:
        """The fake Open Klant, Zaken API and Objects API on loopback, and the settings that
        use them."""
        assert self.settings is not None
        self.open_klant = FakeOpenKlant(tokens={OPEN_KLANT_TOKEN}, host=self.options.host)
        await self.open_klant.start()
        self.zaken = FakeZaken(clients={ZGW_CLIENT: ZGW_SECRET}, host=self.options.host)
        await self.zaken.start()
        self.objects = FakeObjects(tokens={OBJECTS_TOKEN}, host=self.options.host)
        await self.objects.start()
        values = self.settings.model_dump()
        values.update(
            open_klant_url=self.open_klant.base_url,
            open_klant_token=OPEN_KLANT_TOKEN,
            open_klant_actor_uuid=OPEN_KLANT_ACTOR,
            contacts_interval_seconds=CONTACTS_EVERY,
            zaken_api_url=self.zaken.base_url,
            zaken_client_id=ZGW_CLIENT,
            zaken_secret=ZGW_SECRET,
            objects_api_url=self.objects.base_url,
            objects_token=OBJECTS_TOKEN,
            objects_type_url=TAAK_TYPE,
        )
        self.settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
        open_klant = OpenKlant(
            self.open_klant.base_url, OPEN_KLANT_TOKEN, actor_uuid=OPEN_KLANT_ACTOR
        )
        zaken = ZakenApi(self.zaken.base_url, ZGW_CLIENT, ZGW_SECRET)
        objects = ObjectsApi(self.objects.base_url, OBJECTS_TOKEN, type_url=TAAK_TYPE)
        return CommonGround(open_klant=open_klant, zaken=zaken, objects=objects)

    async def _give_parties(self) -> None:
        """Every demo client a party in the fake Open Klant and an inburgering zaak in the fake
        Zaken API (UUIDs made from their reference, as a municipality would deliver them with
        the client record); the zaak's first step is the intake; each has a portal task."""
        assert self.db is not None and self.open_klant is not None and self.zaken is not None
        today = self.clock.now().astimezone(self.zone).date()
        async with self.db.transaction() as session:
            for demo in self.world.clients:
                party = str(uuid.uuid5(PARTY_NAMESPACE, demo.ref))
                zaak = str(uuid.uuid5(ZAAK_NAMESPACE, demo.ref))
                client = await clients.by_id(session, client_id=demo.id)
                if client is None:
                    continue
                client.party_uuid, client.zaak_uuid = party, zaak
                session.add(client)
                self.open_klant.partijen.add(party)
                started = client.integration_start or today
                self.zaken.add_zaak(
                    zaak,
                    reference=f"ZAAK-{demo.ref}"[:40],
                    started=started,
                    planned_end=client.integration_end,
                )
                intake = datetime.combine(started, time(10, 0), tzinfo=self.zone)
                self.zaken.add_status(zaak, intake, "Intake gedaan")
                assert self.objects is not None
                self.objects.add_task(
                    party=party,
                    title="Upload uw diploma in Mijn Gemeente",
                    due=today + timedelta(days=14),
                    link="https://mijn.gemeente.example/taken/diploma",
                )

    @property
    def open_klant_page(self) -> str | None:
        return self.open_klant.root + "/" if self.open_klant is not None else None

    async def stop(self) -> None:
        """Stop the page, the back-office, the bot and the fake Telegram, in that order; safe
        to call twice."""
        self.hub.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self.ready = False
        beside, self.backoffice = self.backoffice, None
        if beside is not None:
            await beside.stop()
        app, self.app = self.app, None
        if app is not None:
            if app.updater is not None and app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
            await app.shutdown()
            translating = app.bot_data.services.translating  # type: ignore[union-attr]
            if translating is not None:
                await translating.close()
        translation, self.translation = self.translation, None
        if translation is not None:
            await translation.stop()
        if self.db is not None and self._given_db is None:
            await self.db.dispose()  # again after the bot's own dispose: harmless
        if self._pump is not None:
            self._pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump
            self._pump = None
        await self.fake.stop()
        if self.open_klant is not None:
            await self.open_klant.stop()
        if self.zaken is not None:
            await self.zaken.stop()
        if self.objects is not None:
            await self.objects.stop()

    def _people(self) -> None:
        """The demo clients' phones, and the staff chat with every linked staff member in it."""
        for client in self.world.clients:
            self.fake.user(client.user_id, client.first_name, phone_language(client.locale))
        self.group = self.fake.supergroup(STAFF_CHAT_ID, STAFF_CHAT_TITLE, is_forum=True)
        for member in self.world.staff:
            first, _, last = member.name.partition(" ")
            self.fake.user(member.user_id, first, "nl", username=member.username, last_name=last)
            self.group.member(member.user_id, "member")

    # -- time ---------------------------------------------------------------------------------

    def clock_view(self) -> dict[str, Any]:
        return views.clock_view(self.clock.now(), self.zone)

    async def advance(self, amount: timedelta) -> datetime:
        """Move sandbox time forward and run the periodic jobs now (reminders go out)."""
        if amount <= timedelta(0) or amount > MAX_ADVANCE:
            raise SandboxError("the clock moves forward by up to a year at a time")
        if self._moved_from is None:
            self._moved_from = self.clock.now()
        self.clock.advance(amount)
        now = self.clock.now()
        log.info("sandbox clock moved", extra={"seconds": int(amount.total_seconds())})
        self.hub.publish({"type": "clock", **self.clock_view()})
        app = self.app
        if app is not None and app.job_queue is not None:
            await self._run_jobs_now(app)
        return now

    async def _run_jobs_now(self, app: BotApplication) -> None:
        """Run every periodic job once, the outbox last and to the end.

        The dispatch job only starts a drain in the background (and skips if one is running),
        so the outbox is drained here directly, after any drain already in flight: when the
        clock call returns, every reminder due by the new time has been sent and marked.
        """
        assert app.job_queue is not None
        dispatchers = []
        for job in app.job_queue.jobs():
            if isinstance(job.data, Dispatching):
                dispatchers.append(job.data)
            else:
                await job.run(app)
        for dispatching in dispatchers:
            async with asyncio.timeout(DRAIN_TIMEOUT):
                await dispatching.dispatcher.idle.wait()
                await dispatching.dispatcher.drain(dispatching.services.channels.client)

    # -- who is who ---------------------------------------------------------------------------

    def is_phone(self, chat_id: int) -> bool:
        return self.world.client_by_user(chat_id) is not None

    def phone(self, chat_id: int) -> SimUser:
        if not self.is_phone(chat_id):
            raise NotFound(f"no demo phone {chat_id}")
        return self.fake.user(chat_id)

    def participant(self, chat_id: int, user_id: int | None) -> ChatParticipant:
        """Who acts: the phone's owner in a phone chat, a linked staff member in the staff chat."""
        if chat_id == STAFF_CHAT_ID:
            assert self.group is not None
            if user_id is None or self.world.staff_by_user(user_id) is None:
                raise SandboxError("choose a staff member to write as")
            return self.group.member(user_id)
        phone = self.phone(chat_id)
        if user_id not in (None, chat_id):
            raise SandboxError("only the phone's owner writes in a phone chat")
        return phone

    # -- actions from the page ----------------------------------------------------------------

    async def tap_start(self, chat_id: int) -> StoredMessage:
        """The Start button of an empty chat: /start with the invitation code the first time."""
        phone = self.phone(chat_id)
        client = self.world.client_by_user(chat_id)
        assert client is not None
        if chat_id in self._started_chats:
            return await phone.send_command("/start")
        self._started_chats.add(chat_id)
        return await phone.send_command("/start", client.code)

    async def send_text(
        self, chat_id: int, text: str, *, user_id: int | None = None, thread_id: int | None = None
    ) -> StoredMessage:
        text = text.strip()
        if not text:
            raise SandboxError("the message is empty")
        if len(text) > MAX_TEXT:
            raise SandboxError(f"a message has at most {MAX_TEXT} characters")
        who = self.participant(chat_id, user_id)
        self._check_thread(chat_id, thread_id)
        return await who.send_text(text, thread_id=thread_id)

    async def send_file(
        self,
        chat_id: int,
        *,
        data: bytes,
        file_name: str,
        mime_type: str | None,
        caption: str | None = None,
        user_id: int | None = None,
        thread_id: int | None = None,
    ) -> StoredMessage:
        """A photo when it is an image, else a document (as Telegram's attach menu does)."""
        if not data:
            raise SandboxError("the file is empty")
        who = self.participant(chat_id, user_id)
        self._check_thread(chat_id, thread_id)
        caption = (caption or "").strip() or None
        if mime_type in SAFE_IMAGE_TYPES:
            return await who.send_photo(caption, data, thread_id=thread_id)
        return await who.send_document(
            data, file_name or "file", mime_type, caption, thread_id=thread_id
        )

    async def press(
        self, chat_id: int, message_id: int, data: str, *, user_id: int | None = None
    ) -> None:
        """Press an inline button of a bot message."""
        who = self.participant(chat_id, user_id)
        message = self.fake.chat(chat_id).messages.get(message_id)
        if message is None or message.deleted or not message.from_bot:
            raise SandboxError("that message is gone")
        try:
            await who.press(message, data)
        except ValueError as exc:
            raise SandboxError("that button is not on the message") from exc

    async def share(self, chat_id: int, what: str) -> StoredMessage:
        """A reply-keyboard button that shares the phone's location or contact."""
        phone = self.phone(chat_id)
        if what == "location":
            return await phone.send_location(*PHONE_LOCATION)
        if what == "contact":
            return await phone.send_contact(PHONE_NUMBER)
        raise SandboxError("a phone shares its location or its contact")

    def _check_thread(self, chat_id: int, thread_id: int | None) -> None:
        if thread_id is None:
            return
        if chat_id != STAFF_CHAT_ID:
            raise SandboxError("only the staff chat has topics")
        topic = self.fake.chat(chat_id).topics.get(thread_id)
        if topic is None or topic.deleted:
            raise SandboxError("that topic is gone")

    # -- what the page shows ------------------------------------------------------------------

    def state_view(self) -> dict[str, Any]:
        """Everything the page needs once: the clock, the phones and the staff."""
        return {
            "clock": self.clock_view(),
            "bot": {"name": self.fake.bot_user["first_name"], "username": BOT_USERNAME},
            "clients": [
                {
                    "user_id": c.user_id,
                    "ref": c.ref,
                    "first_name": c.first_name,
                    "municipality": c.municipality,
                    "locale": c.locale,
                    "status": c.status,
                }
                for c in self.world.clients
            ],
            "staff": [
                {"user_id": s.user_id, "name": s.name, "role": s.role, "username": s.username}
                for s in self.world.staff
            ],
            "staff_chat": {"chat_id": STAFF_CHAT_ID, "title": STAFF_CHAT_TITLE},
            "relay": self._relay_on(),
            "backoffice": self._backoffice_view(),
            "guide": self._guide_view(),
            "open_klant": self.open_klant_page,
        }

    def _backoffice_view(self) -> dict[str, Any] | None:
        """Where the back-office runs: the page links to it on its own host name and this port
        (so the back-office's cookie stays on the same site as the page)."""
        beside = self.backoffice
        if beside is None:
            return None
        return {
            "port": beside.port,
            "url": beside.url,
            "accounts": [
                {"staff_id": a.staff_id, "name": a.name, "role": a.role} for a in beside.accounts
            ],
        }

    # -- the guided path ----------------------------------------------------------------------

    def guide_client(self) -> world.DemoClient | None:
        """The client the guided path follows: the first who reads right to left (Amina)."""
        return next(
            (c for c in self.world.clients if c.locale == tour.GUIDE_LOCALE),
            self.world.clients[0] if self.world.clients else None,
        )

    def _guide_view(self) -> dict[str, Any] | None:
        client = self.guide_client()
        if client is None:
            return None
        return {"user_id": client.user_id, "first_name": client.first_name, "ref": client.ref}

    async def tour_view(self) -> dict[str, Any]:
        """The guided path's steps, each done or not, read from what was stored (sandbox/tour.py).
        A step once done stays done."""
        guide = self.guide_client()
        assert self.db is not None and self.app is not None
        services = self.app.bot_data.services
        assert services is not None
        if guide is not None and len(self._tour_done) < len(tour.STEPS):
            phone = await self.phone_view(guide.user_id)
            async with self.db.reading() as session:
                client = await clients.by_id(session, client_id=guide.id)
                ready_texts: frozenset[str] = frozenset()
                if client is not None:
                    t = translator(client_locale(services, client))
                    ready_texts = frozenset(
                        t(text) for text in ready_answers.READY_ANSWERS.values()
                    )
                facts = tour.Facts(
                    client=client,
                    phone_locale=phone["locale"],
                    phone_rtl=phone["rtl"],
                    chat=self.fake.state.chats.get(guide.user_id),
                    ready_texts=ready_texts,
                    moved_from=self._moved_from,
                )
                self._tour_done |= await tour.done_steps(session, facts)
        return {
            "client": self._guide_view(),
            "steps": [{"key": key, "done": key in self._tour_done} for key in tour.STEPS],
        }

    def _relay_on(self) -> bool:
        services = self.app.bot_data.services if self.app is not None else None
        return services is not None and services.relay is not None

    def _stamp(self, message: StoredMessage) -> datetime:
        key = (message.chat_id, message.message_id)
        if key not in self._stamps:
            self._stamps[key] = self.clock.now()
        return self._stamps[key]

    def message_view(self, message: StoredMessage) -> dict[str, Any]:
        return views.message_view(message, stamp=self._stamp(message), zone=self.zone)

    async def chat_view(self, chat_id: int) -> dict[str, Any]:
        """A chat as it is now: messages, and the keyboard and language (phone) or topics."""
        if chat_id != STAFF_CHAT_ID and not self.is_phone(chat_id):
            raise NotFound(f"no chat {chat_id}")
        chat = self.fake.chat(chat_id)
        view: dict[str, Any] = {
            "chat_id": chat_id,
            "messages": [self.message_view(m) for m in chat.live_messages()],
        }
        if chat_id == STAFF_CHAT_ID:
            view["topics"] = views.topics_view(chat)
        else:
            view["keyboard"] = views.reply_keyboard(chat)
            view["phone"] = await self.phone_view(chat_id)
        return view

    async def phone_view(self, chat_id: int) -> dict[str, Any]:
        """The language the bot speaks to this phone, and whether the phone is linked."""
        assert self.db is not None and self.settings is not None and self.app is not None
        services = self.app.bot_data.services
        assert services is not None
        async with self.db.reading() as session:
            client = await clients.by_chat(session, chat_id=chat_id)
            stored = client.locale if client else await visitors.locale_of(session, chat_id=chat_id)
        user = self.fake.state.users.get(chat_id, {})
        locale = choose_locale(
            stored=stored,
            telegram_code=user.get("language_code"),
            default=self.settings.default_locale,
            shipped=services.shipped_locales,
        )
        return {"locale": locale, "rtl": is_rtl(locale), "linked": client is not None}

    def file(self, file_id: str) -> tuple[bytes, str, str | None, bool]:
        """A file's bytes, type, name, and whether the browser may show it inline."""
        stored = self.fake.state.files.get(file_id)
        if stored is None:
            raise NotFound("no such file")
        mime = stored.mime_type or "application/octet-stream"
        inline = mime in SAFE_IMAGE_TYPES or mime.startswith("audio/")
        return stored.data, mime, stored.file_name, inline

    # -- live events --------------------------------------------------------------------------

    async def _pump_events(self, subscription: Any) -> None:
        """Turn the fake's events into the page's: new and changed messages, keyboards, topics."""
        async for event in subscription:
            try:
                await self._forward(event)
            except Exception:
                log.exception("sandbox event not forwarded", extra={"event": event.get("type")})

    async def _forward(self, event: dict[str, Any]) -> None:
        kind = event["type"]
        chat_id = event.get("chat_id")
        if kind == "callback_answer":
            record = self.fake.state.callback_queries.get(event["callback_query_id"])
            if record is not None and event.get("text"):
                self.hub.publish(
                    {
                        "type": "toast",
                        "chat_id": record.message.chat_id,
                        "user_id": record.user_id,
                        "text": event["text"],
                        "alert": bool(event.get("show_alert")),
                    }
                )
            return
        if chat_id is None or chat_id not in self.fake.state.chats:
            return
        if kind == "delete":
            self.hub.publish(
                {"type": "delete", "chat_id": chat_id, "message_id": event["message_id"]}
            )
            return
        if kind == "edit" or (kind == "update" and "edited_message" in event["update"]):
            changed = event.get("message") or event["update"]["edited_message"]
            stored = self.fake.chat(chat_id).messages.get(changed["message_id"])
            if stored is not None and not stored.deleted:
                self.hub.publish(
                    {"type": "message", "chat_id": chat_id, "message": self.message_view(stored)}
                )
        if kind == "topic":
            chat = self.fake.chat(chat_id)
            self.hub.publish(
                {"type": "topics", "chat_id": chat_id, "topics": views.topics_view(chat)}
            )
        await self._catch_up(chat_id)

    async def _catch_up(self, chat_id: int) -> None:
        """Send the page every message of the chat it has not seen, then what they changed."""
        chat = self.fake.chat(chat_id)
        cursor = self._cursors.setdefault(chat_id, _Cursor())
        fresh = [m for m in chat.live_messages() if m.message_id > cursor.last_id]
        if chat.messages:
            cursor.last_id = max(cursor.last_id, max(chat.messages))
        for message in fresh:
            self.hub.publish(
                {"type": "message", "chat_id": chat_id, "message": self.message_view(message)}
            )
        if chat_id == STAFF_CHAT_ID or not self.is_phone(chat_id):
            return
        keyboard = views.reply_keyboard(chat)
        if keyboard != cursor.keyboard:
            cursor.keyboard = keyboard
            self.hub.publish({"type": "keyboard", "chat_id": chat_id, "keyboard": keyboard})
        if any(m.from_bot for m in fresh) and self.app is not None:
            phone = await self.phone_view(chat_id)
            seen = (phone["locale"], phone["linked"])
            if seen != cursor.locale:
                cursor.locale = seen
                self.hub.publish({"type": "phone", "chat_id": chat_id, **phone})
