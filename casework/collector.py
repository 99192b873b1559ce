"""The garbage collector out of a long job's way: what exists when the job starts is frozen.

Python's cyclic garbage collector examines every tracked object of the oldest generation in a
full collection. When an import starts that is the whole program (SQLAlchemy, pydantic, the
models and their validators): a first import of 10,000 clients made 21 full collections of 67
to 87 ms each, 1.4 to 1.8 of its 9 to 11 CPU seconds (`python -m bench.import_cpu --unfrozen`;
docs/performance.md, "The garbage collector examined the whole program"). Frozen
(`gc.freeze`), those objects are left out of every collection; the job's own objects are
collected as before, so a cycle it makes and drops is still freed, and memory stays bounded.

`frozen_heap` gives the process its heap back afterwards (`gc.unfreeze`), unless something was
frozen before it started: a process that froze its heap for good (the bot, bot/heap.py), or a
job already running in the same process, which gives it back itself when it ends.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Freeze the heap for the block; unfreeze after it, if this block froze it."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
