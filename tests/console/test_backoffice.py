"""`inburgerbot staff set-password` / `reset-2fa` and `inburgerbot backoffice`."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import pyotp
import pytest
from click.testing import CliRunner, Result

from backoffice.security import Passwords, password_hasher
from casework.clock import FixedClock
from console.main import CliState, main
from storage.db import Database
from storage.models import Staff
from tests import factories
from tests.backoffice.conftest import audit_actions, reload

Cli = Callable[..., Awaitable[Result]]


@pytest.fixture
def cli(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.chdir(tmp_path)

    async def invoke(*args: str, input: str | None = None) -> Result:
        runner = CliRunner()
        return await asyncio.to_thread(
            runner.invoke,
            main,
            list(args),
            obj=CliState(clock=FixedClock(factories.NOW)),
            env={"INBURGERBOT_DATABASE_URL": database_url},
            input=input,
            catch_exceptions=False,
        )

    return invoke


@pytest.fixture
async def admin(db: Database) -> Staff:
    async with db.transaction() as session:
        org = await factories.organisation(session)
        return await factories.staff(
            session,
            organisation=org,
            key="anna",
            role="admin",
            login="anna@example.nl",
            totp_secret=pyotp.random_base32(),
            failed_logins=3,
        )


async def test_set_password_asks_twice_and_stores_an_argon2_hash(
    cli: Cli, admin: Staff, db: Database
):
    result = await cli("staff", "set-password", "anna", input="a long passphrase\n" * 2)
    assert result.exit_code == 0, result.output
    assert "password set for anna (login anna@example.nl)" in result.output
    assert "a long passphrase" not in result.output
    stored = await reload(db, Staff, admin.id)
    assert Passwords(password_hasher()).verify(stored.password_hash, "a long passphrase")
    assert stored.failed_logins == 0
    assert "staff.set_password" in await audit_actions(db)


async def test_set_password_by_login_from_stdin_and_new_login(cli: Cli, admin: Staff, db: Database):
    result = await cli(
        "staff",
        "set-password",
        "anna@example.nl",
        "--password-stdin",
        "--login",
        "Anna.Admin@Example.nl",
        input="another long passphrase\n",
    )
    assert result.exit_code == 0, result.output
    assert (await reload(db, Staff, admin.id)).login == "anna.admin@example.nl"


async def test_set_password_refusals(cli: Cli, admin: Staff, db: Database):
    short = await cli("staff", "set-password", "anna", "--password-stdin", input="short\n")
    assert short.exit_code == 1 and "at least 12 characters" in short.output
    unknown = await cli(
        "staff", "set-password", "nobody", "--password-stdin", input="a long passphrase\n"
    )
    assert unknown.exit_code == 1 and "no staff member with key or login 'nobody'" in unknown.output
    async with db.transaction() as session:
        org = await factories.organisation(session)
        await factories.staff(session, organisation=org, key="bert", login=None)
    no_login = await cli(
        "staff", "set-password", "bert", "--password-stdin", input="a long passphrase\n"
    )
    assert no_login.exit_code == 1 and "give one with --login" in no_login.output
    taken = await cli(
        "staff",
        "set-password",
        "bert",
        "--password-stdin",
        "--login",
        "anna@example.nl",
        input="a long passphrase\n",
    )
    assert taken.exit_code == 1 and "is taken" in taken.output
    assert (await reload(db, Staff, admin.id)).password_hash is None


async def test_reset_second_factor(cli: Cli, admin: Staff, db: Database):
    result = await cli("staff", "reset-2fa", "anna")
    assert result.exit_code == 0 and "set up again at next login" in result.output
    assert (await reload(db, Staff, admin.id)).totp_secret is None
    assert "staff.reset_second_factor" in await audit_actions(db)


async def test_backoffice_command_is_registered(cli: Cli):
    result = await cli("backoffice", "--help")
    assert result.exit_code == 0
    assert "--host" in result.output and "--port" in result.output
