"""What the periodic jobs and the dispatcher use, assembled by the composition root.

The channels come from outside (console/compose.py, sandbox/server.py build the Telegram ones), so
the scheduler reaches clients and the team without importing the bot.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram.ext import CallbackContext

from casework.clock import Clock
from casework.planning import PlanningRules
from casework.ports import CaseSystem, Channels
from casework.settings import Settings
from storage.db import Database
from texts.readers import Readers


@dataclass
class SchedulerServices:
    settings: Settings
    db: Database
    clock: Clock
    rules: PlanningRules
    channels: Channels
    instance: str
    shipped_locales: tuple[str, ...] = ("nl",)
    # Common Ground (docs/common-ground.md): the case system the jobs send to and read from, and
    # whether contact moments are queued for it (Open Klant).
    case_system: CaseSystem | None = None
    contacts: bool = False

    @property
    def readers(self) -> Readers:
        return Readers(self.settings.default_locale, self.shipped_locales, self.settings.zone)


def services_of(context: CallbackContext[Any, Any, Any, Any]) -> SchedulerServices:
    """A job's services (scheduler/jobs.py puts them in every job's data)."""
    job = context.job
    assert job is not None and isinstance(job.data, SchedulerServices), "see schedule_jobs"
    return job.data
