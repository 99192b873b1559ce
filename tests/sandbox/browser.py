"""Helpers for the browser tests: the sandbox in a thread of its own, Chromium through Playwright.

The sandbox runs in its own event loop on a background thread, so Playwright's synchronous API
can drive the browser from the test's thread; `call` runs a coroutine in the sandbox's loop to
read what was stored.
"""

from __future__ import annotations

import asyncio
import shutil
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

from casework.settings import Settings
from sandbox import Sandbox, SandboxOptions

T = TypeVar("T")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "sandbox"


def missing_browser() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright's Python package is not installed (pip install -e '.[test]')"
    if not CHROMIUM.exists() and shutil.which("chromium") is None:
        return f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium)"
    return None


def chromium_path() -> str:
    return str(CHROMIUM) if CHROMIUM.exists() else str(shutil.which("chromium"))


class SandboxThread:
    """A running sandbox on a background thread with its own event loop."""

    def __init__(self, options: SandboxOptions, settings: Settings) -> None:
        self.options = options
        self.settings = settings
        self.sandbox: Sandbox | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="sandbox", daemon=True)

    def start(self, timeout: float = 120) -> Sandbox:
        self._thread.start()
        if not self._ready.wait(timeout):
            raise TimeoutError(f"the sandbox did not start within {timeout}s")
        if self._error is not None:
            raise RuntimeError("the sandbox did not start") from self._error
        assert self.sandbox is not None
        return self.sandbox

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        self.sandbox = Sandbox(self.options, settings=self.settings)
        try:
            await self.sandbox.start()
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            await self.sandbox.stop()

    def call(self, work: Callable[[Sandbox], Awaitable[T]], timeout: float = 30) -> T:
        """Run `work(sandbox)` in the sandbox's loop and return its result."""
        assert self._loop is not None and self.sandbox is not None
        sandbox = self.sandbox

        async def run() -> T:
            return await work(sandbox)

        future: Future[T] = asyncio.run_coroutine_threadsafe(run(), self._loop)
        return future.result(timeout)

    def stop(self, timeout: float = 30) -> None:
        if self._loop is not None and self._stop is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout)


def screenshot(page: Any, name: str) -> Path:
    """Save a screenshot under test-artifacts/sandbox/ (CI keeps that folder)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
