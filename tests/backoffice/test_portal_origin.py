"""The client page says where a link came from: "gekoppeld via het portaal", and after a
“Not you?” or an unlink by the portal, what happened."""

from __future__ import annotations

from datetime import timedelta

from casework.events import UnlinkReason
from casework.linking import unlink
from storage import invites
from storage.db import Database
from storage.enums import ActorKind, InviteOrigin
from storage.models import Client
from tests import factories
from tests.backoffice.conftest import BackofficeClient, World

PORTAL_LINE = "Gekoppeld via het portaal (na inloggen met DigiD)."


async def used_invite(
    db: Database, client_id: int | None, origin: InviteOrigin, at_minutes: int
) -> None:
    """An invitation of this origin, used a few minutes after NOW."""
    async with db.transaction() as session:
        code = await invites.create(
            session,
            now=factories.NOW,
            valid_for=timedelta(minutes=15),
            client_id=client_id,
            origin=origin,
        )
        state, invite = await invites.find(session, code=code, now=factories.NOW)
        assert state == invites.InviteState.OK and invite is not None
        used = factories.NOW + timedelta(minutes=at_minutes)
        assert await invites.consume(session, invite=invite, now=used)


async def test_a_portal_link_is_shown_and_a_later_caseworker_code_replaces_it(
    bo: BackofficeClient, world: World, db: Database
) -> None:
    await bo.login(world.me)
    url = f"/clients/{world.own.client.id}"
    assert PORTAL_LINE not in (await bo.get(url)).text
    await used_invite(db, world.own.client.id, InviteOrigin.PORTAL, 1)
    assert PORTAL_LINE in (await bo.get(url)).text
    await used_invite(db, world.own.client.id, InviteOrigin.CASEWORKER, 2)
    assert PORTAL_LINE not in (await bo.get(url)).text


async def test_not_you_and_a_portal_unlink_are_shown_on_the_client_page(
    bo: BackofficeClient, world: World, db: Database
) -> None:
    await used_invite(db, world.own.client.id, InviteOrigin.PORTAL, 1)
    async with db.transaction() as session:
        client = await session.get(Client, world.own.client.id)
        assert client is not None
        event = await unlink(
            session,
            client=client,
            reason=UnlinkReason.NOT_ME,
            actor_kind=ActorKind.CLIENT,
            actor_id=client.id,
            now=factories.NOW + timedelta(minutes=3),
        )
    assert event is not None and event.chat_id == world.own.user.chat_id  # type: ignore[union-attr]
    await bo.login(world.me)
    page = (await bo.get(f"/clients/{world.own.client.id}")).text
    assert "zei iemand die een portaallink voor deze cliënt opende" in page
    assert PORTAL_LINE not in page  # no chat is linked any more
    async with db.transaction() as session:
        team = await session.get(Client, world.team.client.id)
        assert team is not None
        await unlink(
            session,
            client=team,
            reason=UnlinkReason.PORTAL,
            actor_kind=ActorKind.SYSTEM,
            actor_id=None,
            now=factories.NOW,
        )
        assert (
            await unlink(
                session,
                client=team,
                reason=UnlinkReason.PORTAL,
                actor_kind=ActorKind.SYSTEM,
                actor_id=None,
                now=factories.NOW,
            )
            is None
        )  # nothing linked: nothing to do
    page = (await bo.get(f"/clients/{world.team.client.id}")).text
    assert "heeft het portaal de Telegram-chat van de cliënt ontkoppeld" in page
