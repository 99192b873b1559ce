"""`inburgerbot portal-keys create|list|revoke`: the keys a municipal portal signs its calls with.

Keys belong to an organisation and reach only the clients of the municipalities it serves.
Several may be live at once: make the new key, switch the portal over, then revoke the old one
(docs/portal.md). The secret is printed once, at creation.
"""

from __future__ import annotations

import click

from console.common import CliState, echo_lines, fail, local, pass_state, run
from storage import audit
from storage import portal as portal_store
from storage import staff as staff_queries
from storage.db import Database
from storage.enums import ActorKind
from storage.ids import pk


@click.group("portal-keys")
def portal_keys() -> None:
    """Signing keys of municipal portals (the portal API, docs/portal.md)."""


@portal_keys.command("create")
@click.argument("organisation", metavar="ORGANISATION_KEY")
@click.option("--label", default="", help="What the key is for, e.g. 'Open Inwoner production'.")
@pass_state
def create(state: CliState, organisation: str, label: str) -> None:
    """A new key for an organisation; prints its id and secret (shown only now)."""
    if len(label) > 100:
        fail("the label is longer than 100 characters")

    async def work(database: Database) -> list[str]:
        now = state.now()
        async with database.transaction() as session:
            org = await staff_queries.organisation_by_key(session, key=organisation)
            if org is None:
                fail(f"no organisation with key {organisation!r}")
            key = await portal_store.create_key(
                session, organisation_id=pk(org), label=label, now=now
            )
            audit.record(
                session,
                actor_kind=ActorKind.SYSTEM,
                actor_id=None,
                action="portal_key.create",
                subject_kind="portal_key",
                subject_id=key.id,
                detail=f"organisation={org.key} key={key.key_id}",
                at=now,
            )
            return [
                f"portal key for {org.key}",
                f"key id: {key.key_id}",
                f"secret: {key.secret}",
                "Give both to the portal over a safe channel; the secret is not shown again.",
            ]

    echo_lines(run(state, work))


@portal_keys.command("list")
@click.option("--organisation", metavar="ORGANISATION_KEY", help="Only this organisation's keys.")
@pass_state
def list_keys(state: CliState, organisation: str | None) -> None:
    """Every key: id, organisation, label, created, last used, revoked (never the secret)."""

    async def work(database: Database) -> list[str]:
        zone = state.config.zone
        async with database.reading() as session:
            organisation_id = None
            if organisation is not None:
                org = await staff_queries.organisation_by_key(session, key=organisation)
                if org is None:
                    fail(f"no organisation with key {organisation!r}")
                organisation_id = pk(org)
            rows = await portal_store.keys(session, organisation_id=organisation_id)
            names = {}
            for key in rows:
                if key.organisation_id not in names:
                    org = await staff_queries.organisation(
                        session, organisation_id=key.organisation_id
                    )
                    names[key.organisation_id] = org.key if org is not None else "?"
        if not rows:
            return ["no portal keys"]
        return [
            f"{key.key_id}  {names[key.organisation_id]}  "
            f"{'revoked ' + local(key.revoked_at, zone) if key.revoked_at else 'live'}  "
            f"created {local(key.created_at, zone)}  last used {local(key.last_used_at, zone)}"
            + (f"  {key.label}" if key.label else "")
            for key in rows
        ]

    echo_lines(run(state, work))


@portal_keys.command("revoke")
@click.argument("key_id")
@pass_state
def revoke(state: CliState, key_id: str) -> None:
    """Revoke a key: its next call is refused."""

    async def work(database: Database) -> str:
        now = state.now()
        async with database.transaction() as session:
            key = await portal_store.by_key_id(session, key_id=key_id)
            if key is None:
                fail(f"no portal key {key_id!r}")
            if key.revoked_at is not None:
                fail(
                    f"portal key {key_id} was revoked on {local(key.revoked_at, state.config.zone)}"
                )
            portal_store.revoke(session, key=key, now=now)
            audit.record(
                session,
                actor_kind=ActorKind.SYSTEM,
                actor_id=None,
                action="portal_key.revoke",
                subject_kind="portal_key",
                subject_id=key.id,
                detail=f"key={key.key_id}",
                at=now,
            )
        return f"portal key {key_id} revoked"

    click.echo(run(state, work))
