"""The sandbox with `--fake-translation`: an Arabic question reaches the staff chat with a Dutch
translation beside it, and the answer returns to the phone in both languages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from casework.settings import Settings
from sandbox import Sandbox, SandboxOptions
from sandbox.server import STAFF_CHAT_ID
from storage.db import Database
from tests.e2e.eventually import eventually
from tests.sandbox.conftest import linked_phone
from texts import bidi


@pytest.fixture
async def translating_sandbox(db: Database, region: Path) -> AsyncIterator[Sandbox]:
    running = Sandbox(
        SandboxOptions(port=0, region=region, fake_translation=True),
        settings=Settings(_env_file=None),
        db=db,
    )
    await running.start()
    try:
        yield running
    finally:
        await running.stop()
    assert running.translation is None  # the fake server stopped with the sandbox


async def test_an_arabic_question_and_its_answer_in_both_languages(
    translating_sandbox: Sandbox,
) -> None:
    sandbox = translating_sandbox
    phone = await linked_phone(sandbox, "Amina")
    await phone.send_text("لدي رسالة من البلدية")
    await phone.next_message()  # the acknowledgement
    group = sandbox.group
    assert group is not None

    def staff_texts() -> list[str]:
        return [m.text or "" for m in group.all_messages()]

    dutch = "🌐 Machinevertaling (LibreTranslate) uit het Arabisch:\n[ar→nl] لدي رسالة من البلدية"

    async def translated() -> bool:
        return dutch in staff_texts()

    await eventually(translated)
    assert "لدي رسالة من البلدية" in staff_texts()  # the original beside it

    [topic_id] = list(group.topics)
    caseworker = sandbox.world.staff[0]
    body = {"text": "Kom morgen naar het loket.", "user_id": caseworker.user_id}
    url = f"/api/chats/{STAFF_CHAT_ID}/messages"
    async with (
        aiohttp.ClientSession(base_url=sandbox.url, headers={"X-Sandbox": "1"}) as http,
        http.post(url, json={**body, "thread_id": topic_id}) as response,
    ):
        assert response.status == 200
    answer = await phone.next_message()
    assert answer.text == "Kom morgen naar het loket."
    translation = await phone.next_message()
    assert bidi.strip_isolates(translation.text or "") == (
        "🌐 ترجمة آلية (LibreTranslate):\n[nl→ar] Kom morgen naar het loket."
    )
