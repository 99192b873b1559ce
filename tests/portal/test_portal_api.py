"""The portal API end to end: a fake portal signs its calls over loopback HTTP, a resident taps
the deep link in the fake Telegram (the real PTB Application answers), and every request and
answer is checked against the served OpenAPI document (tests/portal/fake_portal.py)."""

from __future__ import annotations

import asyncio
import base64
import json
import re
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import col, select

from casework.linking import PORTAL_INVITE_VALID_FOR
from fakebot import SimUser
from sandbox.backoffice import BackofficeBeside
from storage.enums import ClientStatus, InviteOrigin
from storage.ids import pk
from storage.models import AuditEvent, Client, Invite, Organisation
from tests import factories
from tests.e2e.conftest import STAFF_CHAT_ID
from tests.portal.cli import invoke
from tests.portal.conftest import PortalWorld
from tests.portal.fake_portal import FakePortal
from texts.i18n import translator

EN = translator("en")
NL = translator("nl")
BSN = "111222333"  # passes the eleven-test


async def audit_of(world: PortalWorld, client: Client, action: str) -> list[str]:
    async with world.harness.db.reading() as session:
        query = (
            select(AuditEvent)
            .where(AuditEvent.client_id == client.id, AuditEvent.action == action)
            .order_by(col(AuditEvent.id))
        )
        return [event.detail for event in (await session.exec(query)).all()]


async def portal_link(world: PortalWorld, user_id: int = 8101) -> tuple[SimUser, Any]:
    """The portal makes an invitation; the resident taps its link; the first message."""
    made = await world.portal.invite(world.ours.ref)
    assert made.status_code == 201, made.text
    user = world.harness.fake.user(user_id, "Ami", "en")
    await user.send_command("/start", made.json()["code"])
    return user, await user.next_message()


async def test_portal_invitation_deep_link_and_status_end_to_end(world: PortalWorld) -> None:
    before = await world.portal.status(world.ours.ref)
    assert before.json() == {
        "reference": world.ours.ref,
        "linked": False,
        "linked_at": None,
        "origin": None,
        "telegram_first_name": None,
    }
    made = await world.portal.invite(world.ours.ref)
    assert made.status_code == 201
    body = made.json()
    assert body["origin"] == "portal"
    assert body["deep_link"] == f"https://t.me/inburgerbot_test_bot?start={body['code']}"
    expires = world.clock.now() + PORTAL_INVITE_VALID_FOR
    assert body["expires_at"] == expires.isoformat().replace("+00:00", "Z")
    assert base64.b64decode(body["qr_png_base64"]).startswith(b"\x89PNG\r\n\x1a\n")
    assert body["qr_svg"].startswith("<svg")
    async with world.harness.db.reading() as session:
        invite = (await session.exec(select(Invite).where(Invite.client_id == world.ours.id))).one()
    assert invite.origin == InviteOrigin.PORTAL
    assert invite.code_hash != body["code"] and body["code"] not in invite.code_hash
    assert invite.expires_at == expires

    user = world.harness.fake.user(8101, "Ami", "en")
    await user.send_command("/start", body["code"])
    first = await user.next_message()
    assert "Welcome, Amina" in (first.text or "")
    assert "website of your municipality" in (first.text or "")
    assert f"link:v1:notme:{pk(world.ours)}" in first.callback_data
    press = await user.press(first, "priv:v1:agree:")
    await press.answer()
    await user.next_message()  # the main menu

    after = await world.portal.status(world.ours.ref)
    assert after.json() == {
        "reference": world.ours.ref,
        "linked": True,
        "linked_at": world.clock.now().isoformat().replace("+00:00", "Z"),
        "origin": "portal",
        "telegram_first_name": "Ami",
    }
    assert await audit_of(world, world.ours, "client.link") == ["origin=portal"]
    assert await audit_of(world, world.ours, "invite.create") == [
        f"origin=portal key={world.key.key_id}"
    ]


async def test_a_caseworkers_code_shows_no_portal_text_and_status_says_caseworker(
    world: PortalWorld,
) -> None:
    user = await world.harness.linked_user(world.ours, user_id=8102, language_code="en")
    assert user is not None
    status = (await world.portal.status(world.ours.ref)).json()
    assert status["linked"] is True and status["origin"] == "caseworker"
    assert await audit_of(world, world.ours, "client.link") == ["origin=caseworker"]


async def test_an_expired_portal_link_does_not_link(world: PortalWorld) -> None:
    made = await world.portal.invite(world.ours.ref)
    world.clock.advance(PORTAL_INVITE_VALID_FOR + timedelta(seconds=1))
    user = world.harness.fake.user(8103, "Ami", "en")
    await user.send_command("/start", made.json()["code"])
    reply = await user.next_message()
    assert (reply.text or "") == EN(
        "This code cannot be used anymore. Please ask your caseworker for a new code."
    )
    assert (await world.portal.status(world.ours.ref)).json()["linked"] is False


async def test_a_replayed_request_is_refused_here_and_by_another_process(
    world: PortalWorld,
) -> None:
    first = await world.portal.invite(world.ours.ref)
    assert first.status_code == 201
    replay = world.portal.sent[-1]
    again = await world.portal.call(
        "POST", "/api/v1/link-invitations", {"reference": world.ours.ref}, headers=replay
    )
    assert again.status_code == 401 and again.json()["error"] == "replayed_request"
    # A second back-office process on the same database knows the nonce too.
    other = BackofficeBeside(world.harness.settings, db=world.harness.db, clock=world.clock)
    await other.start()
    try:
        async with httpx.AsyncClient(base_url=other.url) as http:
            portal = FakePortal(http, world.clock, world.key.key_id, world.key.secret,
                                world.portal.openapi)  # fmt: skip
            there = await portal.call(
                "POST", "/api/v1/link-invitations", {"reference": world.ours.ref}, headers=replay
            )
    finally:
        await other.stop()
    assert there.status_code == 401 and there.json()["error"] == "replayed_request"
    async with world.harness.db.reading() as session:
        made = (await session.exec(select(Invite).where(Invite.client_id == world.ours.id))).all()
    assert len(made) == 1


async def test_two_calls_with_one_nonce_at_the_same_moment_make_one_invitation(
    world: PortalWorld,
) -> None:
    body = json.dumps({"reference": world.ours.ref}).encode()
    headers = world.portal.signed_headers("POST", "/api/v1/link-invitations", body)
    headers["Content-Type"] = "application/json"
    answers = await asyncio.gather(
        *(
            world.portal.http.post("/api/v1/link-invitations", content=body, headers=headers)
            for _ in range(2)
        )
    )
    assert sorted(answer.status_code for answer in answers) == [201, 401]
    for answer in answers:
        world.portal.openapi.response("POST", "/api/v1/link-invitations", answer)
    async with world.harness.db.reading() as session:
        assert len((await session.exec(select(Invite))).all()) == 1


async def test_a_wrong_secret_an_unknown_key_and_missing_headers_are_refused(
    world: PortalWorld,
) -> None:
    wrong = await world.portal.invite(world.ours.ref, secret="not-the-secret-" + "x" * 30)
    assert wrong.status_code == 401 and wrong.json()["error"] == "bad_signature"
    unknown = await world.portal.invite(world.ours.ref, key_id="pk_0000000000000000")
    assert unknown.status_code == 401 and unknown.json()["error"] == "unknown_key"
    bare = await world.portal.call(
        "POST", "/api/v1/link-invitations", {"reference": world.ours.ref}, headers={}
    )
    assert bare.status_code == 401 and bare.json()["error"] == "missing_signature"
    # A signature over another body does not carry over to this one.
    headers = world.portal.signed_headers("POST", "/api/v1/link-invitations", b"{}")
    swapped = await world.portal.call(
        "POST", "/api/v1/link-invitations", {"reference": world.ours.ref}, headers=headers
    )
    assert swapped.status_code == 401 and swapped.json()["error"] == "bad_signature"
    async with world.harness.db.reading() as session:
        assert (await session.exec(select(Invite))).all() == []


async def test_a_revoked_key_is_refused_while_a_second_live_key_works(
    world: PortalWorld, database_url: str
) -> None:
    org = await organisation_key(world)
    made = await invoke(database_url, world.clock.now(), "portal-keys", "create", org)
    assert made.exit_code == 0, made.stderr
    new_id = re.search(r"key id: (\S+)", made.stdout).group(1)  # type: ignore[union-attr]
    new_secret = re.search(r"secret: (\S+)", made.stdout).group(1)  # type: ignore[union-attr]
    both = [
        await world.portal.status(world.ours.ref),
        await world.portal.status(world.ours.ref, key_id=new_id, secret=new_secret),
    ]
    assert [answer.status_code for answer in both] == [200, 200]  # two live keys: rotation
    gone = await invoke(database_url, world.clock.now(), "portal-keys", "revoke", world.key.key_id)
    assert gone.exit_code == 0, gone.stderr
    refused = await world.portal.status(world.ours.ref)
    assert refused.status_code == 401 and refused.json()["error"] == "unknown_key"
    rotated = await world.portal.status(world.ours.ref, key_id=new_id, secret=new_secret)
    assert rotated.status_code == 200


async def organisation_key(world: PortalWorld) -> str:
    async with world.harness.db.reading() as session:
        org = await session.get(Organisation, world.key.organisation_id)
    assert org is not None
    return org.key


async def test_another_organisations_reference_is_answered_like_an_unknown_one(
    world: PortalWorld,
) -> None:
    answers = [
        await world.portal.invite(world.theirs.ref),
        await world.portal.status(world.theirs.ref),
        await world.portal.unlink(world.theirs.ref),
        await world.portal.invite("C-NOBODY"),
    ]
    assert {r.status_code for r in answers} == {404}
    assert len({r.text for r in answers}) == 1
    theirs = await world.portal.status(
        world.theirs.ref, key_id=world.their_key.key_id, secret=world.their_key.secret
    )
    assert theirs.status_code == 200 and theirs.json()["reference"] == world.theirs.ref


@pytest.mark.parametrize("skew", [-301, 301, -3600])
async def test_a_skewed_timestamp_is_refused(world: PortalWorld, skew: int) -> None:
    stamp = int(world.clock.now().timestamp()) + skew
    answer = await world.portal.status(world.ours.ref, timestamp=stamp)
    assert answer.status_code == 401 and answer.json()["error"] == "stale_timestamp"


async def test_a_timestamp_within_the_window_is_accepted(world: PortalWorld) -> None:
    stamp = int(world.clock.now().timestamp())
    assert (await world.portal.status(world.ours.ref, timestamp=stamp - 299)).status_code == 200
    assert (await world.portal.status(world.ours.ref, timestamp=stamp + 299)).status_code == 200


async def test_a_bsn_as_reference_is_refused_and_not_repeated(world: PortalWorld) -> None:
    async with world.harness.db.transaction() as session:
        await factories.client(session, ref=BSN, first_name="Sara")
    for answer in (
        await world.portal.invite(BSN),
        await world.portal.call("POST", "/api/v1/link-invitations", {"reference": f"ref {BSN}"}),
        await world.portal.invite("1112.22.333"),
        await world.portal.status(BSN),
        await world.portal.unlink(BSN),
    ):
        assert answer.status_code == 422 and answer.json()["error"] == "reference_is_bsn"
        assert "111" not in answer.text and "333" not in answer.text
    async with world.harness.db.reading() as session:
        assert (await session.exec(select(Invite))).all() == []


async def test_bad_bodies_a_closed_case_and_a_large_body_are_refused(world: PortalWorld) -> None:
    for document in ({}, {"reference": ""}, {"reference": 7}, {"reference": "a", "bsn": "x"}):
        answer = await world.portal.call("POST", "/api/v1/link-invitations", document, invalid=True)
        assert answer.status_code == 400 and answer.json()["error"] == "invalid_request"
    not_json = b"reference=C-1"
    headers = world.portal.signed_headers("POST", "/api/v1/link-invitations", not_json)
    raw = await world.portal.http.post(
        "/api/v1/link-invitations", content=not_json, headers=headers
    )
    world.portal.openapi.response("POST", "/api/v1/link-invitations", raw)
    assert raw.status_code == 400
    large = await world.portal.call(
        "POST", "/api/v1/link-invitations", {"reference": "C", "padding": "x" * 5000}, invalid=True
    )
    assert large.status_code == 413
    async with world.harness.db.transaction() as session:
        client = await session.get(Client, world.ours.id)
        assert client is not None
        client.status = ClientStatus.CLOSED
        session.add(client)
    closed = await world.portal.invite(world.ours.ref)
    assert closed.status_code == 409 and closed.json()["error"] == "client_closed"


async def test_not_you_unlinks_tells_the_chat_kindly_and_tells_the_team(
    world: PortalWorld,
) -> None:
    group = world.harness.fake.supergroup(STAFF_CHAT_ID, title="Team", is_forum=True)
    user, first = await portal_link(world)
    press = await user.press(first, f"link:v1:notme:{pk(world.ours)}")
    await press.answer()
    told = await user.next_message()
    assert told.text == EN(
        "Thank you for telling us. This chat is no longer linked, and we have told the team of "
        "the municipality. If you want to use this assistant yourself, please ask your "
        "caseworker for a code."
    )
    stored = await world.harness.reload(world.ours)
    assert stored.telegram_chat_id is None and stored.status == ClientStatus.INVITED
    assert await audit_of(world, world.ours, "client.unlink") == ["reason=not_me"]
    note = await group.next_message()
    assert note.text == NL(
        "⚠️ {ref}: the person who opened the portal link tapped “Not you?”. The Telegram chat "
        "is unlinked again. Please check with the client how the link reached someone else.",
        ref=world.ours.ref,
    )
    status = (await world.portal.status(world.ours.ref)).json()
    assert status["linked"] is False
    # The chat is a stranger now: the plan is not shown.
    await user.send_command("/plan")
    assert "I do not know you yet" in ((await user.next_message()).text or "")


async def test_not_you_on_a_stale_or_forged_button_changes_nothing(world: PortalWorld) -> None:
    user, first = await portal_link(world)
    other = world.harness.fake.user(8109, "Other", "en")
    await other.send_command("/start", (await world.portal.invite(world.ours.ref)).json()["code"])
    await other.next_message()  # the account moved to the other chat
    await user.next_message()  # the old chat is told so
    stale = await (await user.press(first, f"link:v1:notme:{pk(world.ours)}")).answer()
    assert "I do not know you yet" in stale.get("text", "")
    assert (await world.harness.reload(world.ours)).telegram_chat_id == other.chat_id
    # Linked with a caseworker's code: a "Not you?" typed into callback data is refused.
    async with world.harness.db.transaction() as session:
        client = await factories.client(session, first_name="Yonas", locale="en")
    linked = await world.harness.linked_user(client, user_id=8110, language_code="en")
    menu = linked.chat.bot_messages()[-1]
    for data in (f"link:v1:notme:{pk(client)}", f"link:v1:notme:{pk(world.ours)}"):
        forged = await (await linked.press(menu, data, strict=False)).answer()
        assert forged.get("text") == EN("This button is no longer valid.")
    assert (await world.harness.reload(client)).telegram_chat_id == linked.chat_id
    assert await audit_of(world, client, "client.unlink") == []
    assert await audit_of(world, world.ours, "client.unlink") == []


async def test_delete_unlinks_tells_the_chat_and_is_idempotent(world: PortalWorld) -> None:
    user, first = await portal_link(world)
    await (await user.press(first, "priv:v1:agree:")).answer()
    await user.next_message()
    spare = (await world.portal.invite(world.ours.ref)).json()["code"]
    gone = await world.portal.unlink(world.ours.ref)
    assert gone.status_code == 200
    assert gone.json()["linked"] is False and gone.json()["telegram_first_name"] is None
    told = await user.next_message()
    assert "no longer linked" in (told.text or "")
    assert await audit_of(world, world.ours, "client.unlink") == [
        f"reason=portal key={world.key.key_id}"
    ]
    again = await world.portal.unlink(world.ours.ref)
    assert again.status_code == 200 and again.json()["linked"] is False
    assert len(await audit_of(world, world.ours, "client.unlink")) == 1
    # An unused portal link made before the unlink no longer works; a caseworker's code does.
    await user.send_command("/start", spare)
    assert "cannot be used anymore" in ((await user.next_message()).text or "")
    await user.send_command("/start", await world.harness.invite(world.ours))
    assert "Welcome, Amina" in ((await user.next_message()).text or "")


async def test_every_documented_call_was_checked_against_the_document(world: PortalWorld) -> None:
    await world.portal.invite(world.ours.ref)
    await world.portal.status(world.ours.ref)
    await world.portal.unlink(world.ours.ref)
    checked = {(method, path) for method, path, _ in world.portal.openapi.checked}
    document = world.portal.openapi.document
    documented = {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in ("get", "post", "delete") and path != "/api/v1/openapi.json"
    }
    assert documented == checked
