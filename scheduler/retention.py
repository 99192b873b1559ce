"""The retention purge (INBURGERBOT_RETENTION_DAYS): what the bot keeps, it keeps for a while only.

Older than the retention period: message contents are erased (text, file id and machine
translation blanked, `erased_at` set; the thread and its timestamps stay for the caseworkers'
statistics), wrong-code
records and unlinked chats' language choices are deleted, and finished reminder rows (sent,
skipped, failed, cancelled) are deleted. Back-office sessions unused for a day are deleted
whatever the retention period (each has expired 12 hours after its last use at the latest).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from storage import invites, sessions, visitors
from storage import reminders as reminder_rows
from storage.db import Database
from storage.retention import erase_message_contents

log = logging.getLogger(__name__)
SESSIONS_KEPT = timedelta(days=1)


@dataclass(frozen=True)
class Purged:
    messages: int
    reminders: int


async def purge(db: Database, *, now: datetime, days: int) -> Purged:
    """Erase and delete what is older than `days` days before `now`, in one transaction."""
    before = now - timedelta(days=days)
    async with db.transaction() as session:
        messages = await erase_message_contents(session, before=before, now=now)
        await invites.purge_failures(session, before=before)
        await visitors.purge(session, before=before)
        reminders = await reminder_rows.purge_finished(session, before=before)
        await sessions.purge(session, seen_before=now - SESSIONS_KEPT)
    log.info("retention purge: %d messages erased, %d reminders deleted", messages, reminders)
    return Purged(messages, reminders)
