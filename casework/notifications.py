"""Notifications from the case system (the Notificaties API): each is a hint, never the truth.

A notification on the "objecten" channel names an object that changed. The bot does not believe
what the message says: it asks the case system whose task that object is now (the object read
anew), and refreshes that client's task list from the case system (the same read as when the
client opens it). An object the case system does not know (any more), or one of a party the bot
has no client for, is ignored; if a task of ours was that object, its client's list is refreshed
(which cancels a task that is gone). "zaken" notifications need nothing: the plan view reads the
zaak anew every time. `poll` is the fallback for notifications that never came.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from casework import remote_tasks
from casework.planning import PlanningRules
from casework.ports import CaseSystem
from storage import clients
from storage import tasks as task_rows
from storage.db import Database
from storage.models import Client

log = logging.getLogger(__name__)

_UUID_AT_END = re.compile(
    r"/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/?$", re.IGNORECASE
)


@dataclass(frozen=True)
class Notification:
    channel: str
    resource: str
    resource_url: str
    action: str


class _Message(BaseModel):
    """A notification as the Notificaties API 1.0 sends it (the fields this project reads are
    required, as in the standard; kenmerken and unknown fields are allowed)."""

    model_config = ConfigDict(extra="allow")

    kanaal: str = Field(min_length=1, max_length=50)
    hoofdObject: str = Field(min_length=1, max_length=1000)
    resource: str = Field(min_length=1, max_length=100)
    resourceUrl: str = Field(min_length=1, max_length=1000)
    actie: str = Field(min_length=1, max_length=100)
    aanmaakdatum: AwareDatetime
    kenmerken: dict[str, str] = Field(default_factory=dict)


def parse(body: object) -> Notification | None:
    """The notification in a callback's body; None when it is not one."""
    try:
        message = _Message.model_validate(body)
    except ValidationError:
        return None
    if not message.resourceUrl.startswith(("https://", "http://")):
        return None
    return Notification(message.kanaal, message.resource, message.resourceUrl, message.actie)


async def handle(
    db: Database, system: CaseSystem, note: Notification, *, rules: PlanningRules, now: datetime
) -> str:
    """Act on one notification; what was done, as a short code (logged, and the tests read it)."""
    if note.channel != "objecten":
        outcome = "read_live" if note.channel == "zaken" else "ignored_channel"
        log.info("notification", extra={"channel": note.channel[:50], "outcome": outcome})
        return outcome
    match = _UUID_AT_END.search(note.resource_url)
    if match is None:
        return _done(note, "ignored_not_an_object")
    remote_id = match.group(1).lower()
    owner = await system.task_owner(remote_id)
    client = await _client(db, owner, remote_id)
    if client is None:
        return _done(note, "ignored_unknown")
    read = await remote_tasks.refresh(db, system, client=client, rules=rules, now=now)
    return _done(note, "tasks_refreshed" if read else "tasks_not_read")


async def _client(db: Database, owner: str | None, remote_id: str) -> Client | None:
    async with db.reading() as session:
        if owner is not None:
            client = await clients.by_party(session, party_uuid=owner)
            if client is not None:
                return client
        task = await task_rows.by_any_external_id(
            session, external_id=remote_tasks.PREFIX + remote_id
        )
        return await clients.by_id(session, client_id=task.client_id) if task else None


def _done(note: Notification, outcome: str) -> str:
    log.info(
        "notification",
        extra={"channel": note.channel, "action": note.action[:30], "outcome": outcome},
    )
    return outcome


async def poll(
    db: Database, system: CaseSystem, *, rules: PlanningRules, now: datetime
) -> tuple[int, int]:
    """Refresh every active client's tasks from the case system: (read, not read)."""
    async with db.reading() as session:
        everyone = list(await clients.with_party(session))
    read = failed = 0
    for client in everyone:
        if await remote_tasks.refresh(db, system, client=client, rules=rules, now=now):
            read += 1
        else:
            failed += 1
    return read, failed
