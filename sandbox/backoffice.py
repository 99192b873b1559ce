"""The back-office beside the sandbox's phone: served in the sandbox's own event loop, on the
sandbox's fake Telegram and database, with demo logins whose codes the sandbox page can show.

Only for the sandbox: demo accounts get a known password and a fresh TOTP secret.

    beside = BackofficeBeside(settings, db=db, clock=clock, port=8091)
    logins = await beside.start()          # DemoLogin per staff member with a login
    beside.url                             # http://127.0.0.1:8091
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
from telegram import Bot

from backoffice.app import build_backoffice
from backoffice.security import password_hasher
from bot.channels import make_bot, process_channels
from casework.clock import Clock
from casework.settings import Settings
from storage.db import Database
from storage.ids import pk
from storage.models import Staff

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
    ) -> None:
        self.settings = settings
        self.db = db
        self.clock = clock
        self.host = host
        self.port = port
        self.bot = bot
        self._server: _Server | None = None
        self._task: asyncio.Task[None] | None = None
        self._socket: socket.socket | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

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
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((self.host, self.port))
        self.port = self._socket.getsockname()[1]
        self._server = _Server(
            uvicorn.Config(app, log_config=None, access_log=False, lifespan="on")
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
