"""Queries about tasks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, case, update
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.enums import TaskStatus
from storage.models import Task


async def by_id(session: AsyncSession, *, task_id: int) -> Task | None:
    return await session.get(Task, task_id)


_OF_CLIENT = select(Task).where(
    Task.id == bindparam("task_id"), Task.client_id == bindparam("client_id")
)


async def of_client(session: AsyncSession, *, client_id: int, task_id: int) -> Task | None:
    """A task only if it belongs to this client."""
    params = {"task_id": task_id, "client_id": client_id}
    return (await session.exec(_OF_CLIENT, params=params)).first()


async def by_external_id(session: AsyncSession, *, client_id: int, external_id: str) -> Task | None:
    query = select(Task).where(Task.client_id == client_id, Task.external_id == external_id)
    return (await session.exec(query)).first()


async def with_status(
    session: AsyncSession, *, client_id: int, status: TaskStatus, limit: int = 50
) -> Sequence[Task]:
    """Tasks of a client in one status: open ones by due date, done ones newest first."""
    order = col(Task.done_at).desc() if status == TaskStatus.DONE else col(Task.due_date).asc()
    query = (
        select(Task)
        .where(Task.client_id == client_id, Task.status == status)
        .order_by(order, col(Task.id))
        .limit(limit)
    )
    return (await session.exec(query)).all()


@dataclass(frozen=True)
class TaskScreen:
    """What the client's task screen needs: the open tasks, and whether any task is done."""

    open: Sequence[Task]
    any_done: bool


_DONE = aliased(Task, name="done")
_ONE_DONE = (
    select(_DONE.id)
    .where(_DONE.client_id == bindparam("client_id"), _DONE.status == TaskStatus.DONE)
    .limit(1)
    .scalar_subquery()
)
# Built once (see storage/plans.py): the limit is a parameter too.
_SCREEN = (
    select(Task)
    .where(
        Task.client_id == bindparam("client_id"),
        (col(Task.status) == TaskStatus.OPEN) | (col(Task.id) == _ONE_DONE),
    )
    .order_by(
        case((col(Task.status) == TaskStatus.OPEN, 1), else_=0),
        col(Task.due_date).asc(),
        col(Task.id),
    )
    .limit(bindparam("rows"))
)


async def screen(session: AsyncSession, *, client_id: int, limit: int = 50) -> TaskScreen:
    """Open tasks by due date (as `with_status`) and whether one is done, in one query: one done
    task (if any) sorts first, then up to `limit` open ones."""
    params = {"client_id": client_id, "rows": limit + 1}
    rows = (await session.exec(_SCREEN, params=params)).all()
    any_done = bool(rows) and rows[0].status == TaskStatus.DONE
    return TaskScreen(open=rows[1:] if any_done else rows[:limit], any_done=any_done)


async def for_client(session: AsyncSession, *, client_id: int) -> Sequence[Task]:
    query = select(Task).where(Task.client_id == client_id).order_by(col(Task.id))
    return (await session.exec(query)).all()


async def with_prefix(session: AsyncSession, *, client_id: int, prefix: str) -> Sequence[Task]:
    """A client's tasks whose external id starts with a prefix (those of one source)."""
    query = (
        select(Task)
        .where(Task.client_id == client_id, col(Task.external_id).startswith(prefix))
        .order_by(col(Task.id))
    )
    return (await session.exec(query)).all()


async def remote_due(session: AsyncSession, *, now: datetime, limit: int) -> Sequence[Task]:
    """Tasks whose status is due to be written back to the case system, oldest first."""
    query = (
        select(Task)
        .where(col(Task.remote_due_at).is_not(None), col(Task.remote_due_at) <= now)
        .order_by(col(Task.remote_due_at), col(Task.id))
        .limit(limit)
    )
    return (await session.exec(query)).all()


async def claim_remote(session: AsyncSession, *, task: Task, lease_until: datetime) -> bool:
    """Take a task's write-back for one attempt; False when another process took it first."""
    result = await session.exec(
        update(Task)  # type: ignore[call-overload]
        .where(col(Task.id) == task.id, col(Task.remote_due_at) == task.remote_due_at)
        .values(remote_due_at=lease_until, remote_attempts=Task.remote_attempts + 1)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0) == 1


async def by_any_external_id(session: AsyncSession, *, external_id: str) -> Task | None:
    """A task by its external id, whoever's (ids of the case system's own tasks are unique)."""
    query = select(Task).where(Task.external_id == external_id).limit(1)
    return (await session.exec(query)).first()
