"""Injected failures: error statuses, latency and dropped connections per Bot API method."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import ApiError, default_description


@dataclass
class Fault:
    """One injected failure rule; method None applies to every method."""

    method: str | None
    status: int | None = None
    description: str | None = None
    retry_after: int | None = None
    times: int | None = 1
    latency: float = 0.0
    drop_connection: bool = False
    match: Callable[[dict[str, Any]], bool] | None = None
    after_effect: bool = False
    hits: int = 0

    @property
    def exhausted(self) -> bool:
        """Return whether the fault has fired as often as requested."""
        return self.times is not None and self.hits >= self.times

    def applies_to(self, method: str, params: dict[str, Any]) -> bool:
        """Return whether this fault fires for a call."""
        if self.exhausted or self.method not in (None, method):
            return False
        return self.match is None or bool(self.match(params))

    def error(self) -> ApiError | None:
        """Return the error response this fault produces, if it produces one."""
        if self.status is None:
            return None
        retry_after = self.retry_after
        if self.status == 429 and retry_after is None:
            retry_after = 1
        description = self.description or default_description(self.status, retry_after)
        return ApiError(self.status, description, retry_after)


class FaultInjector:
    """Holds the active faults and picks the one that fires for a call."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []

    @property
    def active(self) -> list[Fault]:
        """Return the faults that can still fire."""
        return [fault for fault in self._faults if not fault.exhausted]

    def add(self, fault: Fault) -> Fault:
        """Activate a fault."""
        self._faults.append(fault)
        return fault

    def clear(self) -> None:
        """Remove all faults."""
        self._faults.clear()

    def take(self, method: str, params: dict[str, Any]) -> Fault | None:
        """Return the first fault firing for this call and count the hit."""
        if not self._faults:
            return None
        for fault in self._faults:
            if fault.applies_to(method, params):
                fault.hits += 1
                if fault.exhausted:
                    self._faults.remove(fault)
                return fault
        return None
