"""Registry mapping Bot API method names to their implementations."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from ..params import Params
from ..state import EmulatorState

Handler = Callable[[EmulatorState, Params], Awaitable[Any]]

_HANDLERS: dict[str, tuple[str, Handler]] = {}


def api_method(name: str) -> Callable[[Handler], Handler]:
    """Register a coroutine as the implementation of a Bot API method."""

    def register(handler: Handler) -> Handler:
        _HANDLERS[name.lower()] = (name, handler)
        return handler

    return register


def lookup(method: str) -> tuple[str, Handler] | None:
    """Return (canonical name, handler); Telegram matches method names case-insensitively."""
    return _HANDLERS.get(method.lower())


def method_names() -> list[str]:
    """Return the canonical names of all implemented methods."""
    return sorted(name for name, _ in _HANDLERS.values())
