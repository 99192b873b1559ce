"""`inburgerbot portal-keys create|list|revoke`: the secret is shown once, lists never show it,
several keys live at once, and a revoked key stays revoked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import Result
from sqlmodel import select

from storage import portal as portal_store
from storage.db import Database
from storage.models import AuditEvent, PortalKey
from tests import factories
from tests.portal.cli import invoke as run_cli


async def invoke(database_url: str, *args: str) -> Result:
    return await run_cli(database_url, factories.NOW, *args)


@pytest.fixture(autouse=True)
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env is read


async def test_create_list_and_revoke(db: Database, database_url: str) -> None:
    async with db.transaction() as session:
        await factories.organisation(session, key="westfriesland", municipalities=("Hoorn",))
    made = [await invoke(database_url, "portal-keys", "create", "westfriesland",
                         "--label", "Open Inwoner") for _ in range(2)]  # fmt: skip
    secrets = []
    for result in made:
        assert result.exit_code == 0, result.stderr
        secrets.append(re.search(r"secret: (\S+)", result.stdout).group(1))  # type: ignore[union-attr]
    async with db.reading() as session:
        keys = (await session.exec(select(PortalKey))).all()
    assert [key.secret for key in keys] == secrets and len(set(secrets)) == 2
    listed = await invoke(database_url, "portal-keys", "list")
    assert listed.exit_code == 0
    assert all(key.key_id in listed.stdout for key in keys)
    assert listed.stdout.count(" live ") == 2 and "Open Inwoner" in listed.stdout
    assert not any(secret in listed.stdout for secret in secrets)

    revoked = await invoke(database_url, "portal-keys", "revoke", keys[0].key_id)
    assert revoked.exit_code == 0 and "revoked" in revoked.stdout
    async with db.reading() as session:
        assert await portal_store.live_key(session, key_id=keys[0].key_id) is None
        assert await portal_store.live_key(session, key_id=keys[1].key_id) is not None
        actions = [e.action for e in (await session.exec(select(AuditEvent))).all()]
    assert actions == ["portal_key.create", "portal_key.create", "portal_key.revoke"]
    again = await invoke(database_url, "portal-keys", "revoke", keys[0].key_id)
    assert again.exit_code == 1 and "was revoked" in again.stderr
    listed = await invoke(database_url, "portal-keys", "list", "--organisation", "westfriesland")
    assert listed.stdout.count(" live ") == 1 and listed.stdout.count("revoked ") == 1


async def test_unknown_organisation_and_key_are_one_line_errors(
    db: Database, database_url: str
) -> None:
    for args in (
        ("create", "nowhere"),
        ("list", "--organisation", "nowhere"),
        ("revoke", "pk_0000000000000000"),
        ("create", "nowhere", "--label", "x" * 101),
    ):
        result = await invoke(database_url, "portal-keys", *args)
        assert result.exit_code == 1 and result.stdout == ""
        assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("error: ")
    assert (await invoke(database_url, "portal-keys", "list")).stdout == "no portal keys\n"
