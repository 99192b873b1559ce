"""Row ids: a stored row always has one, and a missing one is a bug, not row 0."""

from __future__ import annotations

from typing import Protocol


class MissingId(LookupError):
    """A row that should have been stored has no id (not flushed, or never added)."""


class HasId(Protocol):
    @property
    def id(self) -> int | None: ...


def pk(row: HasId) -> int:
    """The row's primary key; raises `MissingId` where the row has none yet."""
    if row.id is None:
        raise MissingId(f"{type(row).__name__} has no id: flush it before using its id")
    return row.id
