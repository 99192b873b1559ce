"""Escaping by construction (issue 19): hostile values in every client, staff, plan,
appointment, task and organisation field, through every client screen, in every language.

Every HTML message the bot sends must be accepted by the fake Bot API, pass Telegram's
documented rule (no bare <, > or & outside tags and entities: `check_strict_html`), carry no
link the values tried to smuggle in, and show the values as typed.
"""

from __future__ import annotations

from typing import Any

import pytest

from fakebot.formatting import check_strict_html
from storage.models import Appointment, Client, Plan, PlanPart, Task
from tests import factories
from tests.e2e.conftest import Harness
from texts.i18n import available_locales

EVIL_URL = "https://evil.example/x"
# <, &, <a href>, <script> and a lone >, in a few characters (fields have length limits).
HOSTILE = f'<a href="{EVIL_URL}">A</a> & <script>1</script> <b> 2 > 1'
SHORT = '<a href="https://evil.example/x">R</a>&>'  # the reference: at most 64 characters


def hostile(field: str) -> str:
    return f"{field}: {HOSTILE}"


async def hostile_world(harness: Harness) -> Client:
    async with harness.db.transaction() as session:
        org = await factories.organisation(
            session,
            municipalities=("Hoorn",),
            phone="<0229> & 1",
            email="<a@b.nl>&",
            desk=hostile("desk"),
        )
        caseworker = await factories.staff(
            session, organisation=org, name=hostile("staff"), telegram_user_id=None
        )
        guide = await factories.staff(session, organisation=org, name=hostile("guide"))
        client = await factories.client(
            session,
            ref=SHORT,
            first_name=hostile("name")[:100],
            caseworker_id=caseworker.id,
            social_guide_id=guide.id,
        )
        plan: Plan = await factories.plan(session, client=client, summary=hostile("summary"))
        session.add(
            PlanPart(
                plan_id=plan.id or 0,
                external_id="hostile-part",
                kind="knm",
                title=hostile("part"),
                provider=hostile("provider"),
                note=hostile("note"),
                position=9,
            )
        )
        appointment: Appointment = await factories.appointment(
            session,
            client=client,
            staff_id=caseworker.id,
            title=hostile("title"),
            place_name=hostile("place"),
            address=hostile("address"),
            phone="<06> & 1",
            video_url=hostile("video"),
            bring=hostile("bring"),
            interpreter_language="<ar&>",
        )
        task: Task = await factories.task(
            session, client=client, title=hostile("task"), description=hostile("description")
        )
        assert appointment.id and task.id
    return client


def html_calls(harness: Harness) -> list[Any]:
    return [
        call
        for call in harness.fake.calls
        if str(call.params.get("parse_mode", "")).lower() == "html"
    ]


@pytest.mark.parametrize("locale", available_locales())
async def test_hostile_values_are_shown_as_typed_on_every_screen(
    harness: Harness, locale: str
) -> None:
    client = await hostile_world(harness)
    user = await harness.linked_user(client, user_id=7700, language_code=locale)
    async with harness.db.transaction() as session:
        stored = await session.get(Client, client.id)
        assert stored is not None
        stored.locale = locale
    screens: list[Any] = []
    for command in ("/start", "/plan", "/appointments", "/tasks", "/help", "/mydata", "/settings"):
        await user.send_command(command)
        screens.append(await user.next_message(timeout=10))
    await harness.fake.drain()
    calls = html_calls(harness)
    assert calls, "no HTML message was sent"
    failed = [(c.method, c.description) for c in calls if not c.ok]
    assert failed == []
    for call in calls:
        text = call.params.get("text") or call.params.get("caption") or ""
        check_strict_html(str(text))
    everything = "\n".join(message.text or "" for message in user.inbox)
    for message in user.inbox:
        links = [e.get("url", "") for e in message.entities if e.get("type") == "text_link"]
        assert not any(link.startswith("https://evil.example") for link in links), links
    for field in ("name", "summary", "part", "title", "task", "staff", "desk"):
        assert hostile(field) in everything, field
