"""Start and stop a bench/botproc.py subprocess; read its CPU time and peak memory."""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from fakebot import FakeTelegram

ROOT = Path(__file__).resolve().parent.parent
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class BotProcess:
    kind: str
    process: asyncio.subprocess.Process

    @classmethod
    async def start(
        cls,
        kind: str,
        fake: FakeTelegram,
        database_url: str | None = None,
        *,
        env: dict[str, str] | None = None,
        root: Path | None = None,
    ) -> BotProcess:
        """The bot of this checkout, or of the one at `root` (another version: bench/compare.py)."""
        args = [sys.executable, "-m", "bench.botproc", kind, fake.api_url]
        if database_url is not None:
            args.append(database_url)
        process = await asyncio.create_subprocess_exec(
            *args,
            stdout=asyncio.subprocess.PIPE,
            cwd=root or ROOT,
            env={**os.environ, **(env or {})},
        )
        assert process.stdout is not None
        try:
            line = await asyncio.wait_for(process.stdout.readline(), 120)
            if line.strip() != b"ready":
                raise RuntimeError(f"bot process {kind} did not start (exit {process.returncode})")
            await fake.wait_in_flight("getUpdates", timeout=30)
        except BaseException:  # not left running behind a failed start
            if process.returncode is None:
                process.kill()
                await process.wait()
            raise
        return cls(kind, process)

    @property
    def pid(self) -> int:
        return self.process.pid

    def cpu_seconds(self) -> float:
        """User plus system CPU time so far (from /proc/<pid>/stat)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS

    def peak_rss_mib(self) -> float:
        """The highest resident set size so far (VmHWM)."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
        return 0.0

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), 20)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
