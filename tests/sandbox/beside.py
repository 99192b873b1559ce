"""Helpers for the tests of the back-office beside the sandbox: a region with back-office
logins, a running sandbox with the back-office, the demo sign-in and Amina's question."""

from __future__ import annotations

import copy
import json
import re
import struct
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx

from casework.settings import Settings
from fakebot import SimUser
from sandbox import Sandbox, SandboxOptions
from sandbox.server import STAFF_CHAT_ID
from storage import questions
from storage.db import Database
from tests.sandbox.conftest import SMALL_REGION, linked_phone

# The small region with back-office logins: a caseworker, a team lead (with markup in her name),
# an administrator, a second caseworker (not offered: one account per role) and an inactive one.
REGION: dict[str, Any] = copy.deepcopy(SMALL_REGION)
REGION["staff"] = [
    {"key": "team-sanne", "name": "Sanne Jonker", "organisation": "team-hoorn",
     "login": "sanne@hoorn.example"},
    {"key": "team-mo", "name": "Mo <b>Bakker</b>", "organisation": "team-hoorn",
     "login": "mo@hoorn.example"},
    {"key": "team-lead", "name": "Anneke <i>Schouten</i>", "organisation": "team-hoorn",
     "role": "team_lead", "login": "anneke@hoorn.example"},
    {"key": "team-admin", "name": "Joost Visser", "organisation": "team-hoorn",
     "role": "admin", "login": "joost@hoorn.example"},
    {"key": "team-pieter", "name": "Pieter Kok", "organisation": "team-hoorn",
     "login": "pieter@hoorn.example", "active": False},
]  # fmt: skip
QUESTION = "Where do I hand in my bank account number?"
STAFF_ANSWER = "At the desk in the town hall, any morning."


@asynccontextmanager
async def running_beside(db: Database, folder: Path) -> AsyncIterator[Sandbox]:
    """The sandbox on REGION with the back-office beside it, both on free ports."""
    region = folder / "region.json"
    region.write_text(json.dumps(REGION), encoding="utf-8")
    options = SandboxOptions(port=0, region=region, backoffice_port=0)
    running = Sandbox(options, settings=Settings(_env_file=None), db=db)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def staff_id_of(sandbox: Sandbox, name: str) -> int:
    return next(s.id for s in sandbox.world.staff if s.name == name)


async def sign_in(office: httpx.AsyncClient, staff_id: int) -> httpx.Response:
    login = await office.get("/login")
    return await office.post(
        "/login/demo", data={"csrf": csrf_of(login.text), "staff_id": str(staff_id)}
    )


async def ask(sandbox: Sandbox, text: str = QUESTION) -> SimUser:
    """Amina links her phone and asks a question (❓ then her text); returns her phone."""
    phone = await linked_phone(sandbox, "Amina")
    await phone.send_text("❓")
    await phone.next_message()  # "write your question"
    await phone.send_text(text)
    await phone.next_message()  # the acknowledgement
    return phone


async def question_id(sandbox: Sandbox) -> int:
    amina = next(c for c in sandbox.world.clients if c.first_name == "Amina")
    assert sandbox.db is not None
    async with sandbox.db.reading() as session:
        rows = await questions.for_client(session, client_id=amina.id)
    assert rows and rows[-1].id is not None
    return rows[-1].id


def topic_texts(sandbox: Sandbox) -> list[str]:
    chat = sandbox.fake.chat(STAFF_CHAT_ID)
    return [m.text or "" for m in chat.live_messages() if m.thread_id is not None]


def letter_png(width: int = 160, height: int = 100) -> bytes:
    """A valid PNG of a lined sheet of paper, made here so the tests need no image file."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    def row(y: int) -> bytes:
        shade = 170 if y % 12 == 11 and 10 < y < height - 10 else 250
        return b"\x00" + bytes([shade, shade, shade]) * width

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"".join(row(y) for y in range(height)))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )
