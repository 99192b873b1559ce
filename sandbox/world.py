"""The sandbox's demo world: a fresh SQLite file, the example region, invitations, staff accounts.

Every demo client gets a simulated phone (a Telegram user id derived from the client's id) and
an invitation code, so the phone's first tap on Start links it. Every active staff member gets a
Telegram account linked to their staff row, so they can answer in the staff chat.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from casework import importer
from casework.planning import PlanningRules
from storage import clients, invites, migrate
from storage import staff as staff_rows
from storage.db import Database
from storage.enums import ClientStatus

log = logging.getLogger(__name__)

# Simulated Telegram user ids: far from the bot's id and from each other.
CLIENT_USER_BASE = 1_000_000
STAFF_USER_BASE = 2_000_000
# Long enough that moving the sandbox clock never expires a demo invitation.
INVITE_VALID_FOR = timedelta(days=3 * 365)


@dataclass(frozen=True)
class DemoClient:
    """A client from the example region with their simulated phone."""

    id: int
    ref: str
    first_name: str
    municipality: str
    locale: str | None
    status: str
    user_id: int
    code: str


@dataclass(frozen=True)
class DemoStaff:
    """A staff member with a Telegram account in the staff chat."""

    id: int
    key: str
    name: str
    role: str
    user_id: int
    username: str


@dataclass(frozen=True)
class DemoWorld:
    clients: tuple[DemoClient, ...]
    staff: tuple[DemoStaff, ...]

    def client_by_user(self, user_id: int) -> DemoClient | None:
        return next((c for c in self.clients if c.user_id == user_id), None)

    def staff_by_user(self, user_id: int) -> DemoStaff | None:
        return next((s for s in self.staff if s.user_id == user_id), None)


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path.resolve()}"


async def fresh_database(path: Path) -> str:
    """Delete the sandbox's SQLite file (and its WAL files), migrate a new one, return its URL."""
    for leftover in (path, *(path.with_name(path.name + s) for s in ("-wal", "-shm", "-journal"))):
        leftover.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    url = sqlite_url(path)
    await migrate.upgrade_async(url)
    return url


def username_for(key: str, telegram_username: str | None) -> str:
    """The staff member's Telegram @name: the imported one, else one made from their key."""
    return (telegram_username or key.replace("-", "_")).lower()


async def prepare(db: Database, *, region: Path, rules: PlanningRules, now: datetime) -> DemoWorld:
    """Import the region, make an invitation for every client, link every active staff member."""
    document = importer.read_document(region)
    await importer.import_file(db, region, rules=rules, now=now)
    demo_clients: list[DemoClient] = []
    demo_staff: list[DemoStaff] = []
    async with db.transaction() as session:
        for record in document.clients:
            client = await clients.by_ref(session, ref=record.ref)
            if client is None or client.id is None or client.status == ClientStatus.CLOSED:
                continue
            code = await invites.create(
                session, now=now, valid_for=INVITE_VALID_FOR, client_id=client.id
            )
            demo_clients.append(
                DemoClient(
                    id=client.id,
                    ref=client.ref,
                    first_name=client.first_name,
                    municipality=client.municipality,
                    locale=client.locale,
                    status=client.status,
                    user_id=CLIENT_USER_BASE + client.id,
                    code=code,
                )
            )
        for member in document.staff:
            row = await staff_rows.by_key(session, key=member.key)
            if row is None or row.id is None or not row.active:
                continue
            username = username_for(row.key, row.telegram_username)
            user_id = STAFF_USER_BASE + row.id
            await staff_rows.link_telegram(session, staff=row, user_id=user_id, username=username)
            demo_staff.append(
                DemoStaff(
                    id=row.id,
                    key=row.key,
                    name=row.name,
                    role=row.role,
                    user_id=user_id,
                    username=username,
                )
            )
    log.info("sandbox world ready", extra={"clients": len(demo_clients), "staff": len(demo_staff)})
    return DemoWorld(tuple(demo_clients), tuple(demo_staff))
