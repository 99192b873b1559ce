"""`inburgerbot sandbox` and `inburgerbot run` without a token: start, serve, stop cleanly."""

from __future__ import annotations

import asyncio
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import click
import pytest
from click.testing import CliRunner

from casework.settings import Settings
from console.main import CliState, main
from sandbox import SandboxOptions
from sandbox import cli as sandbox_cli
from sandbox.server import DEFAULT_REGION, DEMO_START
from sandbox.world import fresh_database, sqlite_url
from storage.db import Database
from storage.models import Client

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def test_the_start_time_is_now_or_a_local_time() -> None:
    assert sandbox_cli.parse_start("now", AMSTERDAM) is None
    assert sandbox_cli.parse_start(" NOW ", AMSTERDAM) is None
    start = sandbox_cli.parse_start("2026-11-23 09:00", AMSTERDAM)
    assert start is not None and start.astimezone(UTC) == DEMO_START
    assert sandbox_cli.parse_start("2026-12-01", AMSTERDAM) == datetime(
        2026, 12, 1, tzinfo=AMSTERDAM
    )
    with pytest.raises(click.BadParameter, match="give 'now' or a local time"):
        sandbox_cli.parse_start("next tuesday", AMSTERDAM)


async def test_the_sandbox_database_is_made_anew_at_every_start(tmp_path: Path) -> None:
    path = tmp_path / "sandbox" / "sandbox.sqlite3"
    url = await fresh_database(path)
    db = Database(url)
    try:
        async with db.transaction() as session:
            session.add(Client(ref="LEFT-1", first_name="Old", municipality="Hoorn"))
    finally:
        await db.dispose()
    assert await fresh_database(path) == sqlite_url(path)
    db = Database(url)
    try:
        async with db.reading() as session:
            assert await session.get(Client, 1) is None
    finally:
        await db.dispose()


async def test_serve_runs_the_example_region_until_told_to_stop(tmp_path: Path) -> None:
    """The command's own path: a fresh SQLite file, the example region, a free port."""
    said: list[str] = []
    announced, stop = asyncio.Event(), asyncio.Event()

    def announce(line: str) -> None:
        said.append(line)
        announced.set()

    options = SandboxOptions(
        port=0, database=tmp_path / "sandbox.sqlite3", region=DEFAULT_REGION, backoffice_port=0
    )
    settings = Settings(_env_file=None)
    task = asyncio.create_task(
        sandbox_cli.serve(options, settings=settings, announce=announce, stop=stop)
    )
    await asyncio.wait_for(announced.wait(), 60)
    url = said[0].split()[4]
    assert said[0].startswith("The sandbox runs at http://127.0.0.1:")
    assert "(sandbox time Mon 23 Nov 2026, 09:00)" in said[0]
    async with aiohttp.ClientSession() as http, http.get(url + "api/state") as response:
        state = await response.json()
    assert {c["first_name"] for c in state["clients"]} >= {"Amina", "Hevin", "Grace"}
    assert "Dawit" not in {c["first_name"] for c in state["clients"]}  # his case is closed
    assert said[1].startswith("The caseworkers' back-office runs beside it at http://127.0.0.1:")
    office = said[1].split()[7]
    assert office == f"{state['backoffice']['url']}/"
    roles = [account["role"] for account in state["backoffice"]["accounts"]]
    assert roles == ["caseworker", "team_lead", "admin"]  # the example region has all three
    async with aiohttp.ClientSession() as http, http.get(office + "login") as response:
        assert "Sanne Jonker" in await response.text()
    stop.set()
    await asyncio.wait_for(task, 30)
    assert said[-1] == "The sandbox stopped."
    with socket.socket() as probe:
        port = int(url.rsplit(":", 1)[1].strip("/"))
        assert probe.connect_ex(("127.0.0.1", port)) != 0  # nothing listens any more


async def test_a_busy_port_is_named_with_the_way_out(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        options = SandboxOptions(port=port, database=tmp_path / "s.sqlite3", region=DEFAULT_REGION)
        with pytest.raises(click.ClickException, match="choose another port with --port"):
            await sandbox_cli.serve(
                options, settings=Settings(_env_file=None), announce=lambda _: None
            )


async def test_a_busy_backoffice_port_is_named_with_the_ways_out(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        options = SandboxOptions(
            port=0, database=tmp_path / "s.sqlite3", region=DEFAULT_REGION, backoffice_port=port
        )
        with pytest.raises(click.ClickException) as refused:
            await sandbox_cli.serve(
                options, settings=Settings(_env_file=None), announce=lambda _: None
            )
    message = refused.value.message
    assert f"cannot listen on 127.0.0.1:{port} for the back-office" in message
    assert "--backoffice-port" in message and "--no-backoffice" in message


async def test_a_database_file_that_cannot_be_made_is_named(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be")
    options = SandboxOptions(port=0, database=blocker / "s.sqlite3", region=DEFAULT_REGION)
    with pytest.raises(click.ClickException, match="cannot make the sandbox database"):
        await sandbox_cli.serve(options, settings=Settings(_env_file=None), announce=print)


def invoke(args: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[Any, list[Any]]:
    """Run the console with `serve` replaced, so nothing listens; return the result and calls."""
    calls: list[Any] = []

    async def fake_serve(options: SandboxOptions, **kwargs: Any) -> None:
        calls.append(options)

    monkeypatch.delenv("INBURGERBOT_TELEGRAM_TOKEN", raising=False)
    monkeypatch.setattr(sandbox_cli, "serve", fake_serve)
    monkeypatch.setattr(sandbox_cli, "setup_logging", lambda *a, **k: None)
    state = CliState(settings=Settings(_env_file=None))
    result = CliRunner().invoke(main, args, obj=state, catch_exceptions=False)
    return result, calls


def test_run_without_a_token_says_so_in_one_line_and_starts_the_sandbox(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result, calls = invoke(["run"], monkeypatch)
    assert result.exit_code == 0
    first_line, *_ = result.stderr.splitlines()
    assert first_line.startswith(
        "INBURGERBOT_TELEGRAM_TOKEN is not set, so this starts the sandbox"
    )
    assert "set INBURGERBOT_TELEGRAM_TOKEN" in first_line
    assert calls == [SandboxOptions(backoffice_port=8081)]  # the back-office beside it


def test_run_without_a_token_reads_the_sandbox_port_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("INBURGERBOT_SANDBOX_PORT", "8123")
    result, calls = invoke(["run"], monkeypatch)
    assert result.exit_code == 0
    assert calls == [SandboxOptions(port=8123, backoffice_port=8081)]


def test_sandbox_options_reach_the_server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    database = tmp_path / "demo.sqlite3"
    args = ["sandbox", "--port", "8181", "--database", str(database), "--start", "now"]
    result, calls = invoke(args, monkeypatch)
    assert result.exit_code == 0, result.output
    assert calls == [SandboxOptions(port=8181, database=database, start=None, backoffice_port=8081)]


def test_the_backoffice_port_is_chosen_or_the_backoffice_left_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result, calls = invoke(["sandbox", "--backoffice-port", "9001"], monkeypatch)
    assert result.exit_code == 0, result.output
    assert calls[-1].backoffice_port == 9001
    monkeypatch.setenv("INBURGERBOT_SANDBOX_BACKOFFICE_PORT", "9002")
    result, calls = invoke(["run"], monkeypatch)
    assert calls[-1].backoffice_port == 9002
    result, calls = invoke(["sandbox", "--no-backoffice"], monkeypatch)
    assert result.exit_code == 0, result.output
    assert calls[-1].backoffice_port is None
    help_text = invoke(["sandbox", "--help"], monkeypatch)[0].output
    assert "--backoffice-port" in help_text and "--no-backoffice" in help_text


def test_bad_sandbox_options_are_one_line_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    result, calls = invoke(["sandbox", "--start", "soon"], monkeypatch)
    assert result.exit_code == 1
    assert "give 'now' or a local time like 2026-11-23 09:00" in result.stderr
    result, calls = invoke(["sandbox", "--port", "99999"], monkeypatch)
    assert result.exit_code == 1
    assert calls == []


def test_the_common_ground_flag_and_its_environment_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result, calls = invoke(["sandbox", "--common-ground"], monkeypatch)
    assert result.exit_code == 0, result.output
    assert calls == [SandboxOptions(common_ground=True, backoffice_port=8081)]
    monkeypatch.setenv("INBURGERBOT_SANDBOX_COMMON_GROUND", "1")  # what `make run` reads
    result, calls = invoke(["run"], monkeypatch)
    assert result.exit_code == 0
    assert calls == [SandboxOptions(common_ground=True, backoffice_port=8081)]
