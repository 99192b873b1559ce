"""The bot's Bot API calls over aiohttp instead of httpx: the same requests for less CPU.

python-telegram-bot lets the application carry its own `BaseRequest`. httpx (with httpcore and
anyio below it) spent the largest share of the bot's CPU time per update in the profile
(`python -m bench profile`, docs/performance.md); aiohttp, which the webhook server uses anyway,
parses HTTP in C. A request without files is sent as one JSON object (the Bot API takes
`application/json` for every method but uploads): one `json.dumps` in C, where form encoding
dumped each object-valued field on its own and then percent-encoded every byte of the text in
Python. A request with files is multipart, as PTB's HTTPXRequest sends it. Errors map as in
HTTPXRequest: a time-out is `TimedOut`, any other transport error `NetworkError`. Long polling
(getUpdates) keeps PTB's own request.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

JSON = "application/json"


def _value(given: Any, default: float | None) -> float | None:
    return default if isinstance(given, DefaultValue) else given


def client_timeout(
    *, pool: float | None, connect: float | None, read: float | None
) -> aiohttp.ClientTimeout:
    """PTB's time-outs in aiohttp's terms. aiohttp's `connect` covers both waiting for a free
    connection and making a new one, so it gets the sum: a new connection may take the whole
    connect time-out (a slow TLS handshake), not only the pool's."""
    return aiohttp.ClientTimeout(
        total=None,
        connect=None if pool is None or connect is None else pool + connect,
        sock_connect=connect,
        sock_read=read,
    )


class AiohttpRequest(BaseRequest):
    """A pooled aiohttp session for the Bot API (not for getUpdates)."""

    def __init__(
        self,
        *,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read = read_timeout
        self._write = write_timeout
        self._connect = connect_timeout
        self._pool = pool_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

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
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        # aiohttp has no write time-out; the read one runs while the answer is awaited.
        del write_timeout
        timeout = client_timeout(
            pool=_value(pool_timeout, self._pool),
            connect=_value(connect_timeout, self._connect),
            read=_value(read_timeout, self._read),
        )
        try:
            async with self._session.request(
                method, url, data=_body(request_data), timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error


def _body(request_data: RequestData | None) -> Any:
    """One JSON object; multipart (form fields and files) when the request carries files."""
    if request_data is None:
        return None
    if not request_data.contains_files:
        parameters = request_data.parameters  # the values PTB made JSON-ready, None left out
        if not parameters:
            return None
        body = json.dumps(parameters, ensure_ascii=False, separators=(",", ":"))
        return aiohttp.BytesPayload(body.encode(), content_type=JSON)
    form = aiohttp.FormData()
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in (request_data.multipart_data or {}).items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form
