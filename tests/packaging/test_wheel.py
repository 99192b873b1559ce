"""What a user installs: the wheel, built from the tracked files, installed outside the checkout.

The wheel is built from a copy of exactly the files git tracks (no compiled catalogues, no
.venv), installed into a new virtual environment in a temporary folder, and run from there
against the fake Telegram. Its dependencies are borrowed from this environment through a .pth
line, which adds the folder without running this environment's own .pth files, so the
editable install of the checkout stays out of sight.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from fakebot import FakeTelegram
from texts.i18n import LANGUAGES, translator

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456:WHEEL-TOKEN"
GREETING = "Hello! 👋 I am the inburgering assistant of your municipality."

# The deadline of every step below: the blocking subprocess calls take no timeout of their own,
# because subprocess's timed wait polls with time.sleep, which libfaketime (the night run) makes
# fail with EINVAL on Python 3.12.
pytestmark = pytest.mark.timeout(600)


@dataclass(frozen=True)
class Installed:
    """A virtual environment outside the checkout with only the wheel installed in it."""

    venv: Path
    workdir: Path

    @property
    def command(self) -> Path:
        return self.venv / "bin" / "inburgerbot"

    @property
    def catalogues(self) -> Path:
        found = list(self.venv.glob("lib/python*/site-packages/texts/_locales"))
        assert len(found) == 1, found
        return found[0]


def _tracked_copy(target: Path) -> None:
    listing = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    for name in filter(None, listing.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs a git checkout to know which files a wheel is built from")
    work = tmp_path_factory.mktemp("wheel")
    source, dist, venv, workdir = (work / n for n in ("source", "dist", "venv", "run"))
    for folder in (source, dist, workdir):
        folder.mkdir()
    _tracked_copy(source)
    assert not list(source.glob("locales/*/LC_MESSAGES/*.mo")), "the copy must start uncompiled"
    pip = [sys.executable, "-m", "pip"]
    quiet = {"check": True, "capture_output": True}
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(dist), str(source)],
        **quiet,  # type: ignore[call-overload]
    )
    (wheel,) = dist.glob("inburgerbot-*.whl")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], **quiet)  # type: ignore[call-overload]
    target = venv / "bin" / "python"
    subprocess.run(
        [*pip, "--python", str(target), "install", "--no-deps", "--no-index", str(wheel)],
        **quiet,  # type: ignore[call-overload]
    )
    (site,) = venv.glob("lib/python*/site-packages")
    borrowed = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "_borrowed_dependencies.pth").write_text("\n".join(sorted(borrowed)) + "\n")
    where = subprocess.run(
        [str(target), "-c", "import bot; print(bot.__file__)"],
        cwd=workdir,
        env=_clean_env(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(venv), f"bot was imported from {where}, not the wheel"
    return Installed(venv, workdir)


def _clean_env(**settings: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("INBURGERBOT_") and key not in ("PYTHONPATH", "VIRTUAL_ENV")
    }
    env.update({f"INBURGERBOT_{key.upper()}": value for key, value in settings.items()})
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _settings(installed: Installed, fake: FakeTelegram) -> dict[str, str]:
    return {
        "database_url": f"sqlite+aiosqlite:///{installed.workdir / 'wheel.sqlite3'}",
        "telegram_token": TOKEN,
        "telegram_api_url": fake.api_url,
        "telegram_file_url": fake.file_url,
        "quiet_hours": "00:00-00:00",
        "log_level": "WARNING",
    }


async def _run(installed: Installed, *args: str, env: dict[str, str]) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        str(installed.command),
        *args,
        cwd=installed.workdir,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    return process.returncode, out.decode()


@asynccontextmanager
async def _bot(installed: Installed, env: dict[str, str]) -> AsyncIterator[None]:
    process = await asyncio.create_subprocess_exec(
        str(installed.command),
        "run",
        cwd=installed.workdir,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        yield
    finally:
        if process.returncode is None:
            process.terminate()
        try:
            await asyncio.wait_for(process.wait(), timeout=30)
        except TimeoutError:
            process.kill()
            await process.wait()


def test_the_wheel_carries_a_compiled_catalogue_for_every_language(installed: Installed) -> None:
    shipped = {path.parent.parent.name for path in installed.catalogues.glob("*/*/*.mo")}
    assert shipped == {language.code for language in LANGUAGES}


async def test_the_installed_bot_answers_an_arabic_phone_in_arabic(installed: Installed) -> None:
    async with FakeTelegram(TOKEN) as fake:
        env = _clean_env(**_settings(installed, fake))
        code, out = await _run(installed, "db", "upgrade", env=env)
        assert code == 0, out
        async with _bot(installed, env):
            user = fake.user(5101, "Amina", "ar")
            await user.send_command("/start")
            reply = await user.next_message(timeout=60)
    arabic = translator("ar")
    assert arabic(GREETING) != GREETING
    assert (reply.text or "").startswith(arabic(GREETING))
    assert "Language" not in str(reply.reply_markup)


async def test_a_missing_catalogue_stops_the_bot_with_one_line_naming_it(
    installed: Installed,
) -> None:
    arabic = installed.catalogues / "ar" / "LC_MESSAGES" / "messages.mo"
    kept = arabic.with_suffix(".kept")
    arabic.rename(kept)
    try:
        async with FakeTelegram(TOKEN) as fake:
            env = _clean_env(**_settings(installed, fake))
            code, out = await _run(installed, "run", env=env)
            assert not fake.calls_for("sendMessage")
    finally:
        kept.rename(arabic)
    lines = out.strip().splitlines()
    assert code == 1
    assert len(lines) == 1, out
    assert "Arabic" in lines[0] and "(ar)" in lines[0]
