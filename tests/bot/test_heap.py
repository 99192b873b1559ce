"""bot/heap.py: after start every shipped language is loaded and the heap is frozen, so a full
garbage collection examines only what the bot made since (docs/performance.md)."""

from __future__ import annotations

import gc
from zoneinfo import ZoneInfo

from bot import heap
from texts.fmt import formatter
from texts.i18n import available_locales, translator


def test_settle_loads_every_language_and_freezes_what_lives(unfrozen: None) -> None:
    locales = available_locales()
    assert len(locales) > 1
    translator.cache_clear()
    formatter.cache_clear()
    before = [object()]  # a live object made before: tracked by the collector
    assert any(item is before for item in gc.get_objects())
    frozen = heap.settle(locales, ZoneInfo("Europe/Amsterdam"))
    assert frozen == gc.get_freeze_count() > 1000
    assert translator.cache_info().currsize == len(locales)
    assert formatter.cache_info().currsize == len(locales)
    after = [object()]
    # frozen: in no generation, so no collection examines it; what is made later still is
    tracked = gc.get_objects()
    assert not any(item is before for item in tracked)
    assert any(item is after for item in tracked)
