"""Progress of a long command (import, export): a bar on a terminal, plain lines in a log.

On a terminal tqdm draws a bar. When the output goes to a file or a journal, a line such as
`import: 42% (130.2 of 310.0 MB) after 35 s` is written every `every` seconds and once at
the end (a job shorter than that writes nothing), so a log shows how far a long run got
without a line per record. Counts only: a
progress line never holds a name or a value from the data.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import IO, Any

from tqdm import tqdm

MEGABYTE = 1024 * 1024


class Progress:
    """Told how far a job is (`update(done)`, absolute); shows it as suits the output."""

    def __init__(
        self,
        label: str,
        *,
        total: int,
        unit: str = "B",
        stream: IO[str] | None = None,
        every: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label = label
        self.total = total
        self.unit = unit
        self.stream = stream if stream is not None else sys.stderr
        self.every = every
        self.clock = clock
        self.started = clock()
        self.last_line = self.started
        self.done = 0
        self.bar: Any = None
        if _is_terminal(self.stream):
            self.bar = tqdm(
                total=total,
                desc=label,
                unit=unit,
                unit_scale=unit == "B",
                unit_divisor=1024 if unit == "B" else 1000,
                file=self.stream,
                leave=True,
                dynamic_ncols=True,
            )

    def set_total(self, total: int) -> None:
        self.total = total
        if self.bar is not None and self.bar.total != total:
            self.bar.total = total
            self.bar.refresh()

    def update(self, done: int) -> None:
        done = min(done, self.total) if self.total else done
        if self.bar is not None:
            self.bar.update(done - self.done)
        self.done = done
        now = self.clock()
        if self.bar is None and now - self.last_line >= self.every:
            self.last_line = now
            self._line(now)

    def close(self) -> None:
        """The finished bar, or a last line if the job was long enough to have any."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None
            return
        now = self.clock()
        if now - self.started >= self.every:
            self._line(now, finished=True)

    def _line(self, now: float, *, finished: bool = False) -> None:
        elapsed = now - self.started
        share = f"{100 * self.done / self.total:.0f}%" if self.total else "?"
        if self.unit == "B":
            amount = f"{self.done / MEGABYTE:.1f} of {self.total / MEGABYTE:.1f} MB"
        else:
            amount = f"{self.done:,} of {self.total:,} {self.unit}"
        verb = "done" if finished else share
        self.stream.write(f"{self.label}: {verb} ({amount}) after {elapsed:.0f} s\n")
        self.stream.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        elif exc[0] is None:
            self.close()


def _is_terminal(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
