"""Tasks the case system keeps (the Objects API's "taak" objects): read in, written back.

`sync` brings the party's tasks into the client's task list when they open it (new ones are
added, changed ones updated, ones gone from the case system cancelled), as rows with the
external id "objects:<uuid>", so reminders, buttons and the back-office work as for imported
tasks. A task whose status the client or the team changed here (`set_task_status` marks it) is
written back by `push_due`, with retries: the row itself is the outbox (`remote_due_at`), set in
the same transaction as the change, so nothing is lost when the case system is down. Until it
is written back, a sync leaves that task's status alone.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from casework.case import REMOTE_TASK_PREFIX, add_task, set_task_status
from casework.planning import PlanningRules, replan_task
from casework.ports import CaseSystem, RemoteTask
from storage import tasks as task_rows
from storage.db import Database
from storage.enums import TaskStatus
from storage.ids import pk
from storage.models import Client, Task

log = logging.getLogger(__name__)

PREFIX = REMOTE_TASK_PREFIX
LEASE = timedelta(minutes=2)
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)
BATCH = 20


def is_remote(task: Task) -> bool:
    return task.external_id.startswith(PREFIX)


def safe_link(link: str) -> str:
    """Only web links are kept (a portal page); anything else is dropped."""
    link = link.strip()
    return link[:500] if link.startswith(("https://", "http://")) and len(link) <= 500 else ""


async def sync(
    session: AsyncSession,
    *,
    client: Client,
    remote: list[RemoteTask],
    rules: PlanningRules,
    now: datetime,
) -> None:
    """Make the client's "objects:" tasks match what the case system holds now."""
    stored = {
        task.external_id: task
        for task in await task_rows.with_prefix(session, client_id=pk(client), prefix=PREFIX)
    }
    seen = set()
    for item in remote:
        external_id = PREFIX + item.remote_id
        seen.add(external_id)
        wanted = TaskStatus.DONE if item.done else TaskStatus.OPEN
        task = stored.get(external_id)
        if task is None:
            task = await add_task(
                session,
                client=client,
                external_id=external_id,
                title=item.title[:200],
                due_date=item.due,
                rules=rules,
                now=now,
            )
        elif (task.title, task.due_date) != (item.title[:200], item.due):
            task.title, task.due_date = item.title[:200], item.due
            session.add(task)
            await replan_task(session, task=task, client=client, rules=rules, now=now)
        task.link = safe_link(item.link)
        session.add(task)
        if task.remote_due_at is None and task.status != wanted:
            await set_task_status(
                session, client=client, task=task, status=wanted, rules=rules, now=now
            )
    for external_id, task in stored.items():
        if external_id not in seen and task.status == TaskStatus.OPEN:
            task.remote_due_at = None  # nothing to write back to: it is gone there
            await set_task_status(
                session,
                client=client,
                task=task,
                status=TaskStatus.CANCELLED,
                rules=rules,
                now=now,
            )
    await session.flush()


async def refresh(
    db: Database, system: CaseSystem, *, client: Client, rules: PlanningRules, now: datetime
) -> bool:
    """Read the client's tasks from the case system and sync them; False when not read."""
    if not client.party_uuid:
        return False
    remote = await system.tasks(client.party_uuid)
    if remote is None:
        return False
    async with db.transaction() as session:
        await sync(session, client=client, remote=remote, rules=rules, now=now)
    return True


def backoff(attempts: int) -> timedelta:
    return min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_CAP)


async def push_due(db: Database, system: CaseSystem, *, now: datetime) -> list[int]:
    """Write back every due task status once; the ids of the tasks written back."""
    async with db.transaction() as session:
        due = await task_rows.remote_due(session, now=now, limit=BATCH)
        claimed = [
            (pk(task), task.external_id.removeprefix(PREFIX), task.status == TaskStatus.DONE)
            for task in due
            if await task_rows.claim_remote(session, task=task, lease_until=now + LEASE)
        ]
    written = []
    for task_id, remote_id, done in claimed:
        try:
            ok = await system.set_task_done(remote_id, done)
        except Exception:  # the port promises not to raise; a bug must not stop the others
            log.exception("case system adapter raised", extra={"task_id": task_id})
            ok = False
        async with db.transaction() as session:
            task = await task_rows.by_id(session, task_id=task_id)
            if task is None:
                continue
            if ok and (task.status == TaskStatus.DONE) == done:
                task.remote_due_at, task.remote_attempts = None, 0
                written.append(task_id)
            elif ok:  # changed again meanwhile: the newer status goes next
                task.remote_due_at, task.remote_attempts = now, 0
            else:
                task.remote_due_at = now + backoff(task.remote_attempts)
                log.warning(
                    "task status not written back",
                    extra={"task_id": task_id, "attempts": task.remote_attempts},
                )
            session.add(task)
    return written
