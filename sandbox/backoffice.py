"""The back-office beside the sandbox's phone: served in the sandbox's own event loop, on the
sandbox's fake Telegram, database and clock, with demo sign-ins that need no second factor.

Only the sandbox composes this. The demo sign-in route (`POST /login/demo`) and the "sandbox"
band are added here, to the app `build_backoffice` returns. Only the sandbox's server
(`inburgerbot sandbox`, or `inburgerbot run` without a token) starts it; `inburgerbot backoffice`
and the real bot never call this module, and no setting or environment variable reaches it.
Demo accounts also get a known password and a fresh TOTP secret (the tests log in that way too).

    beside = BackofficeBeside(settings, db=db, clock=clock, port=8091, frame_from=8080)
    logins = await beside.start()          # DemoLogin per staff member with a login
    beside.url                             # http://127.0.0.1:8091
    beside.accounts                        # the caseworker, team lead and administrator
    logins[0].code(clock.now())            # the six digits to type now
    await beside.stop()
"""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass
from datetime import datetime

import pyotp
import uvicorn
from sqlmodel import col, select
from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from telegram import Bot

from backoffice.app import build_backoffice
from backoffice.i18n import N_
from backoffice.security import Stage, password_hasher
from backoffice.web import Refused, backoffice, checked_form, int_param, redirect, session_of
from bot.channels import make_bot, process_channels
from casework.clock import Clock
from casework.settings import Settings
from storage import audit
from storage import staff as staff_queries
from storage.db import Database
from storage.enums import ActorKind, StaffRole
from storage.ids import pk
from storage.models import Staff

# The demo accounts the login page offers, one per role, in this order.
DEMO_ROLES = (StaffRole.CASEWORKER, StaffRole.TEAM_LEAD, StaffRole.ADMIN)
NOT_A_DEMO_ACCOUNT = N_("This is not one of the demo accounts of the sandbox.")

DEMO_PASSWORD = "sandbox-demo-password"  # the sandbox is a demo on loopback, never a real team


@dataclass(frozen=True)
class DemoLogin:
    staff_id: int
    name: str
    role: str
    login: str
    password: str
    totp_secret: str

    def code(self, now: datetime) -> str:
        """The second-factor code at the sandbox clock's `now`."""
        return pyotp.TOTP(self.totp_secret).at(now)


async def prepare_demo_logins(db: Database) -> list[DemoLogin]:
    """Give every active staff member with a login the demo password and a new TOTP secret."""
    hashed = password_hasher(fast=True).hash(DEMO_PASSWORD)
    logins = []
    async with db.transaction() as session:
        query = (
            select(Staff)
            .where(col(Staff.login).is_not(None), col(Staff.active).is_(True))
            .order_by(col(Staff.id))
        )
        for member in (await session.exec(query)).all():
            secret = pyotp.random_base32()
            member.password_hash, member.totp_secret = hashed, secret
            member.failed_logins, member.locked_until = 0, None
            session.add(member)
            logins.append(
                DemoLogin(
                    staff_id=pk(member),
                    name=member.name,
                    role=member.role,
                    login=member.login or "",
                    password=DEMO_PASSWORD,
                    totp_secret=secret,
                )
            )
    return logins


@dataclass(frozen=True)
class DemoAccount:
    """A staff member the sandbox's login page signs in with one click."""

    staff_id: int
    name: str
    role: str


@dataclass(frozen=True)
class SandboxDemo:
    """What the back-office's templates show in the sandbox (`app.state.sandbox_demo`): the band
    on every page, and the demo accounts on the login page."""

    accounts: tuple[DemoAccount, ...]

    def account(self, staff_id: int | None) -> DemoAccount | None:
        return next((a for a in self.accounts if a.staff_id == staff_id), None)


def demo_accounts(logins: list[DemoLogin]) -> tuple[DemoAccount, ...]:
    """The first active staff member with a login of each demo role (a role nobody has is left
    out)."""
    chosen = []
    for role in DEMO_ROLES:
        login = next((one for one in logins if one.role == role), None)
        if login is not None:
            chosen.append(DemoAccount(staff_id=login.staff_id, name=login.name, role=login.role))
    return tuple(chosen)


def _demo_of(request: Request) -> SandboxDemo:
    demo = getattr(request.app.state, "sandbox_demo", None)
    if not isinstance(demo, SandboxDemo):  # never: the route exists only beside the demo
        raise Refused(404, N_("This page does not exist, or you have no access to it."))
    return demo


async def demo_sign_in(request: Request) -> Response:
    """One click on the sandbox's login page: a full session for a demo account, no password
    and no second factor. The form carries the session's CSRF token like every other."""
    form = await checked_form(request)
    demo = _demo_of(request)
    account = demo.account(int_param(form.get("staff_id")))
    if account is None:
        raise Refused(400, NOT_A_DEMO_ACCOUNT)
    bo = backoffice(request)
    now = bo.clock.now()
    async with bo.db.transaction() as db_session:
        staff = await staff_queries.by_id(db_session, staff_id=account.staff_id)
        if staff is None or not staff.active:
            raise Refused(400, NOT_A_DEMO_ACCOUNT)
        audit.record(
            db_session,
            actor_kind=ActorKind.STAFF,
            actor_id=staff.id,
            action="login.sandbox_demo",
            subject_kind="staff",
            subject_id=staff.id,
            at=now,
        )
    session_of(request).start(staff, stage=Stage.FULL, now=now)
    return redirect("/inbox")


def add_sandbox_demo(app: Starlette, accounts: tuple[DemoAccount, ...]) -> None:
    """Give a back-office app the sandbox's demo sign-in and band (only the sandbox calls this)."""
    app.state.sandbox_demo = SandboxDemo(accounts)
    app.router.routes.insert(0, Route("/login/demo", demo_sign_in, methods=["POST"]))


LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
ANY_ADDRESS = ("0.0.0.0", "::", "")


def origins_on(host: str, port: int) -> str:
    """The origins a page on `host:port` may be opened at, as a CSP source list: the loopback
    names and the configured host; any host when it listens on every address (0.0.0.0)."""
    if host in ANY_ADDRESS:
        return f"http://*:{port}"
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    names = dict.fromkeys((*LOOPBACK_NAMES, shown))
    return " ".join(f"http://{name}:{port}" for name in names)


class FramedBy:
    """Let the sandbox page (on `host:port`) show the back-office in a frame: the back-office
    forbids every frame (`frame-ancestors 'none'`, X-Frame-Options DENY)."""

    def __init__(self, app: ASGIApp, *, host: str, port: int) -> None:
        self.app = app
        self.ancestors = f"frame-ancestors {origins_on(host, port)}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_framed(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                policy = headers.get("content-security-policy")
                if policy is not None:
                    headers["content-security-policy"] = policy.replace(
                        "frame-ancestors 'none'", self.ancestors
                    )
                if "x-frame-options" in headers:
                    del headers["x-frame-options"]
            await send(message)

        await self.app(scope, receive, send_framed)


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = asyncio.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        self.ready.set()


class BackofficeBeside:
    """The back-office as a task in a running event loop (the sandbox's)."""

    def __init__(
        self,
        settings: Settings,
        *,
        db: Database,
        clock: Clock,
        host: str = "127.0.0.1",
        port: int = 0,
        bot: Bot | None = None,
        frame_from: int | None = None,
    ) -> None:
        self.settings = settings
        self.db = db
        self.clock = clock
        self.host = host
        self.port = port
        self.bot = bot
        self.frame_from = frame_from  # the sandbox page's port, which may show it in a frame
        self.accounts: tuple[DemoAccount, ...] = ()
        self._server: _Server | None = None
        self._task: asyncio.Task[None] | None = None
        self._socket: socket.socket | None = None

    @property
    def url(self) -> str:
        shown = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{shown}:{self.port}"

    async def start(self) -> list[DemoLogin]:
        logins = await prepare_demo_logins(self.db)
        app = build_backoffice(
            self.settings,
            db=self.db,
            clock=self.clock,
            channels=process_channels(
                self.settings,
                db=self.db,
                clock=self.clock,
                bot=self.bot or make_bot(self.settings),
            ),
            hasher=password_hasher(fast=True),
            sandbox=True,
        )
        self.accounts = demo_accounts(logins)
        add_sandbox_demo(app, self.accounts)
        served: ASGIApp = (
            app if self.frame_from is None else FramedBy(app, host=self.host, port=self.frame_from)
        )
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        self._socket = socket.socket(family, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self._socket.bind((self.host, self.port))
        except OSError:
            self._socket.close()
            self._socket = None
            raise
        self.port = self._socket.getsockname()[1]
        self._server = _Server(
            uvicorn.Config(served, log_config=None, access_log=False, lifespan="on")
        )
        self._task = asyncio.create_task(self._server.serve(sockets=[self._socket]))
        ready = asyncio.create_task(self._server.ready.wait())
        await asyncio.wait({ready, self._task}, return_when=asyncio.FIRST_COMPLETED)
        if not self._server.ready.is_set():
            ready.cancel()
            await self.stop()
            raise RuntimeError("the back-office did not start")
        return logins

    async def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._task is not None:
            await self._task
            self._task = None
        if self._socket is not None:
            self._socket.close()
            self._socket = None
