"""Webhook mode: POST every pending update to the bot's URL, retrying until it is accepted."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any

import aiohttp

from .events import EventBus
from .updates import UpdateQueue

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebhookDispatcher:
    """Delivers updates one by one, in order, to the configured webhook."""

    def __init__(
        self,
        queue: UpdateQueue,
        events: EventBus,
        retry_delay: float = 0.05,
        max_retry_delay: float = 1.0,
        request_timeout: float = 10.0,
    ) -> None:
        self._queue = queue
        self._events = events
        self.retry_delay = retry_delay
        self.max_retry_delay = max_retry_delay
        self.request_timeout = request_timeout
        self.url = ""
        self.secret_token: str | None = None
        self.max_connections = 40
        self.allowed_updates: list[str] | None = None
        self.last_error_date: int | None = None
        self.last_error_message: str | None = None
        self.delivery_attempts = 0
        self._session: aiohttp.ClientSession | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def active(self) -> bool:
        """Return whether a webhook is set."""
        return bool(self.url)

    def configure(self, url: str, secret_token: str | None, max_connections: int | None) -> None:
        """Set the webhook and make sure delivery runs."""
        self.url = url
        self.secret_token = secret_token
        self.max_connections = max_connections or 40
        self.last_error_date = None
        self.last_error_message = None
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._deliver_forever())
        self._queue.signal.notify()

    def remove(self) -> None:
        """Unset the webhook; delivery stops after the update in progress."""
        self.url = ""
        self.secret_token = None
        self._queue.signal.notify()

    def info(self) -> dict[str, Any]:
        """Return the Bot API WebhookInfo object."""
        info: dict[str, Any] = {
            "url": self.url,
            "has_custom_certificate": False,
            "pending_update_count": self._queue.pending_count,
        }
        if self.url:
            info.update(max_connections=self.max_connections, ip_address="127.0.0.1")
            if self.allowed_updates is not None:
                info["allowed_updates"] = self.allowed_updates
        if self.last_error_date is not None:
            info.update(
                last_error_date=self.last_error_date, last_error_message=self.last_error_message
            )
        return info

    async def close(self) -> None:
        """Stop delivering and release the HTTP client."""
        self.url = ""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _deliver_forever(self) -> None:
        """Deliver pending updates while a webhook is set."""
        delay = self.retry_delay
        while True:
            await self._queue.signal.wait_until(
                lambda: bool(self.url and self._queue.pending_count), None
            )
            update = self._queue.first()
            assert update is not None
            if await self._post(update):
                self._queue.confirm(update["update_id"] + 1)
                delay = self.retry_delay
            else:
                # Back off like Telegram does, but wake early if the webhook is changed.
                await self._queue.signal.wait(delay)
                delay = min(delay * 2, self.max_retry_delay)

    async def _post(self, update: dict[str, Any]) -> bool:
        """POST one update; return whether the bot accepted it with a 2xx status."""
        headers = {"Content-Type": "application/json"}
        if self.secret_token:
            headers[SECRET_HEADER] = self.secret_token
        self.delivery_attempts += 1
        try:
            async with self._client().post(
                self.url, data=json.dumps(update).encode(), headers=headers
            ) as response:
                await response.read()
                if 200 <= response.status < 300:
                    self._events.publish("webhook_delivered", update_id=update["update_id"])
                    return True
                self._record_error(
                    f"Wrong response from the webhook: {response.status} {response.reason}"
                )
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            self._record_error(f"Connection error: {exc.__class__.__name__}")
        return False

    def _client(self) -> aiohttp.ClientSession:
        """Return the HTTP client, created lazily inside the running loop."""
        if self._session is None or self._session.closed:
            timeout = aiohttp.ClientTimeout(total=self.request_timeout)
            self._session = aiohttp.ClientSession(timeout=timeout)
        return self._session

    def _record_error(self, message: str) -> None:
        """Remember the last delivery error for getWebhookInfo."""
        self.last_error_date = int(time.time())
        self.last_error_message = message
        self._events.publish("webhook_error", message=message)
