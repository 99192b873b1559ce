"""Retrying Telegram calls made while handling an update: time-outs and 5xx, with backoff.

Each kind of Telegram error is handled in its own place:
- 429 (RetryAfter): AIORateLimiter waits `retry_after` and tries again (build_application);
- time-outs, dropped connections and 5xx: retried here, with exponential backoff;
- 403 (Forbidden, the user blocked the bot): the error handler marks the client `blocked_bot`;
- other 4xx: a bug or a stale message; never retried.

The reminder outbox (scheduler/dispatch.py) has its own, slower backoff, so a call is retried
here only inside `retrying()`. The handler of `handlers()` (group -2) switches that on for
every update, so replies, edits, files and the apology are retried; a job is not.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.error import NetworkError
from telegram.ext import BaseHandler, TypeHandler
from telegram.request import BaseRequest, RequestData

from bot.http import AiohttpRequest

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
_RETRYING: ContextVar[bool] = ContextVar("inburgerbot_retrying", default=False)


@dataclass(frozen=True)
class RetryPolicy:
    """How long to wait before each retry; its length is the number of retries."""

    delays: tuple[float, ...] = (0.5, 1.0, 2.0)

    @classmethod
    def exponential(cls, *, retries: int = 3, first: float = 0.5) -> RetryPolicy:
        return cls(tuple(first * 2**n for n in range(retries)))


@contextmanager
def retrying(on: bool = True) -> Iterator[None]:
    """Retry (or, with on=False, do not retry) the Telegram calls made inside this block."""
    token = _RETRYING.set(on)
    try:
        yield
    finally:
        _RETRYING.reset(token)


def _method(url: str) -> str:
    return url.rsplit("/", 1)[-1]


def _chat_id(request_data: RequestData | None) -> object:
    if request_data is None:
        return None
    return request_data.parameters.get("chat_id")


class WrappingRequest(BaseRequest):
    """A BaseRequest around another one: time-outs, start and stop are the inner one's."""

    inner: BaseRequest

    @property
    def read_timeout(self) -> float | None:
        return self.inner.read_timeout

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()


class RetryingRequest(WrappingRequest):
    """A BaseRequest that retries time-outs, network errors and 5xx answers of another one."""

    def __init__(
        self,
        inner: BaseRequest | None = None,
        *,
        policy: RetryPolicy | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        # aiohttp costs less CPU per call than httpx (bot/http.py, docs/performance.md).
        self.inner = inner or AiohttpRequest()
        self.policy = policy or RetryPolicy()
        self.sleep = sleep

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        delays = self.policy.delays if _RETRYING.get() else ()
        for attempt in range(len(delays) + 1):
            failure: NetworkError | None = None
            try:
                code, payload = await self.inner.do_request(
                    url=url,
                    method=method,
                    request_data=request_data,
                    read_timeout=read_timeout,
                    write_timeout=write_timeout,
                    connect_timeout=connect_timeout,
                    pool_timeout=pool_timeout,
                )
            except NetworkError as error:  # TimedOut is a NetworkError too
                failure, code, payload = error, 0, b""
            if failure is None and code < 500:
                return code, payload
            ids = {
                "method": _method(url),
                "chat_id": _chat_id(request_data),
                "attempt": attempt + 1,
                "status": code,
                "error": type(failure).__name__ if failure else None,
            }
            if attempt == len(delays):
                if delays:
                    log.error("telegram call failed, giving up after retries", extra=ids)
                break
            log.warning("telegram call failed, retrying", extra=ids)
            await self.sleep(delays[attempt])
        if failure is not None:
            raise failure
        return code, payload


async def _retry_while_handling(_update: Update, _context: Any) -> None:
    """Group -2: the calls made while handling this update are retried."""
    _RETRYING.set(True)


def handlers() -> list[BaseHandler[Update, Any, None]]:
    return [TypeHandler(Update, _retry_while_handling)]
