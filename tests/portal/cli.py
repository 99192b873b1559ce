"""Running `inburgerbot ...` from an async test: in a thread (the command has its own event
loop), against the test database, with a fixed clock."""

from __future__ import annotations

import asyncio
from datetime import datetime

from click.testing import CliRunner, Result

from casework.clock import FixedClock
from console.main import CliState, main


async def invoke(database_url: str, now: datetime, *args: str) -> Result:
    state = CliState(clock=FixedClock(now))
    env = {"INBURGERBOT_DATABASE_URL": database_url}
    return await asyncio.to_thread(
        CliRunner().invoke, main, list(args), obj=state, env=env, catch_exceptions=False
    )
