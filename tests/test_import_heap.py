"""An import freezes the heap it starts with (casework/collector.py): the garbage collector's
full collections then leave out the whole program and examine only what the import made. It
gives the heap back when it ends, also when the import is refused, and leaves alone a heap
that was frozen before it started (the bot's, bot/heap.py)."""

from __future__ import annotations

import gc
import json
import weakref
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from casework import importer
from casework.import_stream import Source
from casework.importer import ImportRejected, Item
from casework.planning import PlanningRules
from storage.db import Database
from tests.test_import_limits import base

NOW = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)


class _Node:
    """An object that can be in a reference cycle and be watched with a weak reference."""

    other: Any = None


def _tracked(thing: object) -> bool:
    """Whether a collection would examine the object (a frozen one is in no generation)."""
    return any(item is thing for item in gc.get_objects())


def _watched(document: dict[str, Any], seen: dict[str, Any]) -> Iterator[Item]:
    """The document's records, noting what the collector examines while the import runs."""
    seen["frozen"] = gc.get_freeze_count()
    seen["marker tracked"] = _tracked(seen["marker"])
    cycle = _Node()
    cycle.other = _Node()
    cycle.other.other = cycle
    dead = weakref.ref(cycle)
    del cycle
    gc.collect()
    seen["cycle freed"] = dead() is None
    yield from importer._items(Source.of_bytes(json.dumps(document).encode()))


async def _import(db: Database, document: dict[str, Any], seen: dict[str, Any]) -> None:
    async with db.transaction() as session:
        await importer.import_items(
            session, _watched(document, seen), rules=PlanningRules(), now=NOW
        )


async def test_an_import_freezes_the_heap_it_found_and_gives_it_back(
    db: Database, unfrozen: None
) -> None:
    seen: dict[str, Any] = {"marker": [object()]}
    assert _tracked(seen["marker"])
    await _import(db, base(), seen)
    assert seen["frozen"] > 1000
    assert not seen["marker tracked"]
    assert seen["cycle freed"]  # what the import makes and drops is still collected
    assert gc.get_freeze_count() == 0
    assert _tracked(seen["marker"])


async def test_a_refused_import_gives_the_heap_back_too(db: Database, unfrozen: None) -> None:
    document = base()
    document["clients"][0]["municipality"] = "Nowhere"
    seen: dict[str, Any] = {"marker": [object()]}
    with pytest.raises(ImportRejected, match="no organisation serves this municipality"):
        await _import(db, document, seen)
    assert seen["frozen"] > 1000 and not seen["marker tracked"]
    assert gc.get_freeze_count() == 0
    assert _tracked(seen["marker"])


async def test_a_heap_frozen_before_the_import_stays_frozen(db: Database, unfrozen: None) -> None:
    seen: dict[str, Any] = {"marker": [object()]}
    gc.collect()
    gc.freeze()  # as the bot does after start
    await _import(db, base(), seen)
    assert seen["cycle freed"]
    assert gc.get_freeze_count() > 1000
    assert not _tracked(seen["marker"])
