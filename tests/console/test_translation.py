"""`inburgerbot translation`: the engine's language pairs, asked from the engine itself."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from casework.settings import Settings
from console.common import CliState
from console.main import main
from sandbox.fake_libretranslate import FakeLibreTranslate


@pytest.fixture
async def server() -> AsyncIterator[FakeLibreTranslate]:
    fake = FakeLibreTranslate()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


async def invoke(tmp_path: Path, **settings: object) -> Result:
    state = CliState(settings=Settings(_env_file=None, **settings))  # type: ignore[call-arg, arg-type]
    runner = CliRunner()
    return await asyncio.to_thread(runner.invoke, main, ["translation"], obj=state)


async def test_the_table_shows_each_language_both_ways(
    server: FakeLibreTranslate, tmp_path: Path
) -> None:
    result = await invoke(
        tmp_path,
        translation="libretranslate",
        libretranslate_url=server.url,
        libretranslate_api_key="test-key",
    )
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "engine: LibreTranslate"
    assert "Arabic (ar)              yes       yes" in lines
    assert "Tigrinya (ti)            no        no" in lines
    assert "Dari (fa_AF)             no        no" in lines
    assert len(lines) == 2 + 13  # every language of the bot but Dutch


async def test_off_and_unreachable_are_said_plainly(tmp_path: Path) -> None:
    off = await invoke(tmp_path)
    assert off.exit_code == 0 and "machine translation is off" in off.stdout
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    down = await invoke(
        tmp_path, translation="libretranslate", libretranslate_url=f"http://127.0.0.1:{port}"
    )
    assert down.exit_code == 1
    assert down.stderr.strip() == "error: the LibreTranslate engine did not answer (unavailable)"
    models = tmp_path / "models"
    models.mkdir()
    empty = await invoke(tmp_path, translation="ctranslate2", ctranslate2_models=str(models))
    assert empty.exit_code == 0 and "Arabic (ar)              no        no" in empty.stdout
