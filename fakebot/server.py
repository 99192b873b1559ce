"""FakeTelegram: an aiohttp server speaking the Bot API HTTP contract on loopback."""

# ruff: noqa: ASYNC109  (a `timeout=` argument is this test API's documented contract)

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from .errors import ApiError
from .events import Subscription
from .faults import Fault, FaultInjector
from .methods import Handler, lookup, method_names
from .models import Call, ChatState, JSONDict, StoredFile, StoredMessage
from .params import Params, read_request
from .ratelimit import SlidingWindowLimiter
from .signals import ChangeSignal
from .simulation import SimGroup, SimUser
from .state import EmulatorState

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
# Methods that post a message count against Telegram's flood limits.
RATE_LIMITED_METHODS = frozenset(
    {
        "sendMessage",
        "sendDocument",
        "sendPhoto",
        "sendVoice",
        "sendAudio",
        "sendVideo",
        "sendAnimation",
        "sendSticker",
        "sendLocation",
        "sendVenue",
        "sendContact",
        "copyMessage",
        "forwardMessage",
    }
)
# Long polls are idle by design; they must not count as "the bot is busy".
IDLE_METHODS = frozenset({"getUpdates"})


class FakeTelegram:
    """A fake Telegram Bot API server with simulated users, fault injection and call records."""

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        bot_username: str = "inburgerbot_test_bot",
        bot_first_name: str = "Inburgerbot",
        *,
        auto_create_chats: bool = False,
    ) -> None:
        self.token = token
        self.state = EmulatorState(token, bot_username, bot_first_name, auto_create_chats)
        self.faults = FaultInjector()
        self.calls: list[Call] = []
        self.in_flight: list[Call] = []
        self.host = "127.0.0.1"
        self.port = 0
        self._calls_changed = ChangeSignal()
        self._busy_count = 0
        # The clock of the flood limits (seconds, monotonic); a test can hold it still, so that
        # its sends fall in one second however slow the machine is.
        self.clock: Callable[[], float] = time.monotonic
        self._global_limiter: SlidingWindowLimiter | None = None
        self._chat_limit: float | None = None
        self._chat_limiters: dict[str, SlidingWindowLimiter] = {}
        self._users: dict[int, SimUser] = {}
        self._groups: dict[int, SimGroup] = {}
        self._runner: web.AppRunner | None = None

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Start serving on host:port (0 picks a free port) and return the bound port."""
        self.state.updates.closed = False
        app = web.Application(client_max_size=MAX_UPLOAD_BYTES)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_download)
        app.router.add_get("/", self._handle_index)
        # handler_cancellation ends long polls whose client went away (e.g. a stopped bot).
        self._runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self.host = host
        self.port = int(self._runner.addresses[0][1])
        return self.port

    async def stop(self) -> None:
        """Stop serving; waiting long polls return at once."""
        self.state.updates.close()
        await self.state.webhook.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """Return the server root, e.g. http://127.0.0.1:8081."""
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        """Return the value for ApplicationBuilder.base_url (PTB appends token/method)."""
        return f"{self.base_url}/bot"

    @property
    def file_url(self) -> str:
        """Return the value for ApplicationBuilder.base_file_url."""
        return f"{self.base_url}/file/bot"

    # -- simulated world ----------------------------------------------------------------------

    @property
    def bot_user(self) -> JSONDict:
        """Return the bot's User object."""
        return self.state.bot_user

    def user(
        self,
        user_id: int,
        first_name: str = "Test",
        language_code: str | None = "nl",
        username: str | None = None,
        last_name: str | None = None,
    ) -> SimUser:
        """Return the simulated user with this id, creating it and its private chat once."""
        existing = self._users.get(user_id)
        if existing is not None:
            return existing
        user = self.state.add_user(user_id, first_name, last_name, username, language_code)
        sim_user = SimUser(self.state, user, self.state.add_private_chat(user))
        self._users[user_id] = sim_user
        return sim_user

    def supergroup(
        self, chat_id: int, title: str = "Group", is_forum: bool = True, username: str | None = None
    ) -> SimGroup:
        """Return the simulated supergroup with this id (a forum by default)."""
        existing = self._groups.get(chat_id)
        if existing is not None:
            return existing
        group = SimGroup(self.state, self.state.add_supergroup(chat_id, title, is_forum, username))
        self._groups[chat_id] = group
        return group

    def chat(self, chat_id: int) -> ChatState:
        """Return the state of a chat."""
        return self.state.chats[chat_id]

    @property
    def files(self) -> dict[str, StoredFile]:
        """Return every known file by file_id."""
        return {stored.file_id: stored for stored in self.state.files}

    def file_bytes(self, file_id: str) -> bytes:
        """Return the contents of a file by file_id."""
        stored = self.state.files.get(file_id)
        if stored is None:
            raise KeyError(f"unknown file_id {file_id!r}")
        return stored.data

    @property
    def documents(self) -> list[StoredFile]:
        """Return the documents the bot sent, oldest first."""
        return [
            message.file
            for message in self.state.sent_messages
            if message.file and message.media_kind == "document"
        ]

    @property
    def uploads(self) -> list[StoredFile]:
        """Return every file the bot sent with a message, oldest first."""
        return [message.file for message in self.state.sent_messages if message.file is not None]

    @property
    def sent_messages(self) -> list[StoredMessage]:
        """Return every message the bot sent, in all chats, oldest first."""
        return self.state.sent_messages

    def commands(self, scope: JSONDict | None = None, language_code: str = "") -> list[JSONDict]:
        """Return the commands set for a scope (default scope when None) and language."""
        key = json.dumps(scope or {"type": "default"}, sort_keys=True)
        return self.state.commands.get((key, language_code), [])

    @property
    def callback_answers(self) -> dict[str, JSONDict]:
        """Return the answers given to callback queries, by query id."""
        return {
            qid: q.answer for qid, q in self.state.callback_queries.items() if q.answer is not None
        }

    def push_update(self, update_type: str, payload: JSONDict) -> JSONDict:
        """Queue a raw update of any type (for update kinds the simulation does not cover)."""
        update = self.state.updates.push(update_type, payload)
        self.state.events.publish("update", update=update)
        return update

    @property
    def pending_updates(self) -> int:
        """Return how many updates the bot has not consumed yet."""
        return self.state.updates.pending_count

    def webhook_info(self) -> JSONDict:
        """Return the current WebhookInfo."""
        return self.state.webhook.info()

    def subscribe(self, maxsize: int = 1000) -> Subscription:
        """Return a queue of JSON-serialisable events (message, edit, delete, ...)."""
        return self.state.events.subscribe(maxsize)

    # -- call records and waiting -------------------------------------------------------------

    def calls_for(self, method: str, ok: bool | None = None) -> list[Call]:
        """Return the finished calls of a method, optionally only (un)successful ones."""
        return [c for c in self.calls if c.method == method and (ok is None or c.ok == ok)]

    def last_call(self, method: str) -> Call | None:
        """Return the newest finished call of a method."""
        return next((c for c in reversed(self.calls) if c.method == method), None)

    @property
    def call_count(self) -> int:
        """Return the number of finished calls (a cursor for wait_for's `since`)."""
        return len(self.calls)

    def clear_calls(self) -> None:
        """Forget recorded calls (e.g. after a test's setup phase)."""
        self.calls.clear()

    async def wait_for(
        self,
        predicate: Callable[[Call], bool],
        timeout: float = 5.0,
        since: int | None = None,
    ) -> Call:
        """Return the first finished call at index >= since (default: now) matching predicate."""
        cursor = len(self.calls) if since is None else since
        found: list[Call] = []

        def matched() -> bool:
            nonlocal cursor
            while cursor < len(self.calls):
                call = self.calls[cursor]
                cursor += 1
                if predicate(call):
                    found.append(call)
                    return True
            return False

        try:
            await self._calls_changed.wait_until(matched, timeout)
        except TimeoutError:
            recent = ", ".join(f"{c.method}:{c.status}" for c in self.calls[-10:])
            raise TimeoutError(
                f"no matching call within {timeout}s; last calls: {recent}"
            ) from None
        return found[0]

    async def wait_for_call(
        self,
        method: str,
        timeout: float = 5.0,
        since: int | None = None,
    ) -> Call:
        """Return the next finished call of a method."""
        return await self.wait_for(lambda call: call.method == method, timeout, since)

    async def wait_in_flight(self, method: str, timeout: float = 5.0) -> Call:
        """Return a call of `method` that is currently being served (e.g. a waiting long poll)."""

        def serving() -> Call | None:
            return next((call for call in self.in_flight if call.method == method), None)

        await self._calls_changed.wait_until(lambda: serving() is not None, timeout)
        call = serving()
        assert call is not None
        return call

    async def drain(self, timeout: float = 5.0, settle: float = 0.05) -> None:
        """Wait until every update was consumed and the bot stayed idle for `settle` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout

        def remaining() -> float:
            return max(0.0, deadline - loop.time())

        try:
            await self.state.updates.signal.wait_until(
                lambda: self.pending_updates == 0, remaining()
            )
            while True:
                await self._calls_changed.wait_until(lambda: self._busy_count == 0, remaining())
                changed = await self._calls_changed.wait(min(settle, remaining()))
                if not changed and self._busy_count == 0 and self.pending_updates == 0:
                    return
                if remaining() <= 0:
                    raise TimeoutError
        except TimeoutError:
            busy = [c.method for c in self.in_flight if c.method not in IDLE_METHODS]
            raise TimeoutError(
                f"not drained within {timeout}s: {self.pending_updates} pending updates, "
                f"in flight: {busy}"
            ) from None

    # -- faults and flood control -------------------------------------------------------------

    def inject(
        self,
        method: str | None,
        status: int | None = None,
        description: str | None = None,
        retry_after: int | None = None,
        times: int | None = 1,
        latency: float = 0.0,
        drop_connection: bool = False,
        match: Callable[[dict[str, Any]], bool] | None = None,
        after_effect: bool = False,
    ) -> Fault:
        """Make calls of `method` (None: any) fail; `times` None means until clear_faults()."""
        fault = Fault(
            method,
            status,
            description,
            retry_after,
            times,
            latency,
            drop_connection,
            match,
            after_effect,
        )
        return self.faults.add(fault)

    def clear_faults(self) -> None:
        """Remove all injected faults."""
        self.faults.clear()

    @property
    def rate_limit(self) -> float | None:
        """Return the global messages-per-second limit (None: off)."""
        return self._global_limiter.limit if self._global_limiter else None

    @rate_limit.setter
    def rate_limit(self, per_second: float | None) -> None:
        self._global_limiter = SlidingWindowLimiter(per_second) if per_second else None

    @property
    def chat_rate_limit(self) -> float | None:
        """Return the per-chat messages-per-second limit (None: off; Telegram's is about 1)."""
        return self._chat_limit

    @chat_rate_limit.setter
    def chat_rate_limit(self, per_second: float | None) -> None:
        self._chat_limit = per_second or None
        self._chat_limiters.clear()

    def _check_flood(self, call: Call) -> None:
        """Raise 429 when a message-sending call exceeds the emulated limits."""
        if call.method not in RATE_LIMITED_METHODS or not (
            self._global_limiter or self._chat_limit
        ):
            return
        now = self.clock()
        if self._global_limiter is not None:
            retry_after = self._global_limiter.acquire(now)
            if retry_after is not None:
                raise ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)
        chat_id = call.params.get("chat_id")
        if self._chat_limit and chat_id is not None:
            limiter = self._chat_limiters.setdefault(
                str(chat_id), SlidingWindowLimiter(self._chat_limit)
            )
            retry_after = limiter.acquire(now)
            if retry_after is not None:
                raise ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)

    # -- HTTP ---------------------------------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        """Serve one Bot API call."""
        found = lookup(request.match_info["method"])
        call = Call(found[0] if found else request.match_info["method"], {})
        self._begin(call)
        try:
            if request.match_info["token"] != self.token:
                return self._error(call, ApiError(401, "Unauthorized"))
            try:
                call.params, call.files = await read_request(request)
            except ApiError as error:
                return self._error(call, error)
            except ValueError:
                return self._error(call, ApiError(400, "Bad Request: can't parse request"))
            return await self._serve(call, found, request)
        finally:
            self._finish(call)

    async def _serve(
        self, call: Call, found: tuple[str, Handler] | None, request: web.Request
    ) -> web.StreamResponse:
        """Apply faults and flood control around the method implementation."""
        fault = call.fault = self.faults.take(call.method, call.params)
        if fault is not None and fault.latency:
            await asyncio.sleep(fault.latency)
        if fault is not None and not fault.after_effect:
            early = self._fault_response(call, fault, request)
            if early is not None:
                return early
        try:
            if found is None:
                raise ApiError(404, "Not Found")
            self._check_flood(call)
            result = await found[1](self.state, Params(call.params, call.files))
        except ApiError as error:
            return self._error(call, error)
        except Exception as exc:  # an emulator bug must still look like a Bot API answer
            logger.exception("emulator failed on %s", call.method)
            return self._error(call, ApiError(500, f"Internal Server Error: {exc!r}"))
        if fault is not None and fault.after_effect:
            late = self._fault_response(call, fault, request)
            if late is not None:
                return late
        call.status, call.result = 200, result
        return _json_response({"ok": True, "result": result}, 200)

    def _fault_response(
        self, call: Call, fault: Fault, request: web.Request
    ) -> web.StreamResponse | None:
        """Return the response a fault forces, or None when it only adds latency."""
        if fault.drop_connection:
            call.status, call.description = 0, "connection dropped"
            _drop_connection(request)
            # Nothing reaches the client: aiohttp silently discards writes to an aborted socket.
            return web.Response(status=499)
        error = fault.error()
        return None if error is None else self._error(call, error)

    def _error(self, call: Call, error: ApiError) -> web.Response:
        """Record and return an error response."""
        call.status, call.description = error.status, error.description
        return _json_response(error.payload(), error.status)

    def _begin(self, call: Call) -> None:
        """Track a call that started."""
        self.in_flight.append(call)
        if call.method not in IDLE_METHODS:
            self._busy_count += 1
        self._calls_changed.notify()

    def _finish(self, call: Call) -> None:
        """Record a call that ended (answered, failed or dropped)."""
        call.finished_monotonic = time.monotonic()
        if call.status is None:
            call.status, call.description = 0, "cancelled"
        self.in_flight.remove(call)
        if call.method not in IDLE_METHODS:
            self._busy_count -= 1
        self.calls.append(call)
        self._calls_changed.notify()

    async def _handle_download(self, request: web.Request) -> web.StreamResponse:
        """Serve a file download like api.telegram.org/file/bot<token>/<file_path>."""
        stored = self.state.files.by_path(request.match_info["path"])
        if request.match_info["token"] != self.token or stored is None:
            return _json_response({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )

    async def _handle_index(self, request: web.Request) -> web.StreamResponse:
        """Describe the emulator (handy when it runs standalone)."""
        info = {"api_url": self.api_url, "file_url": self.file_url, "methods": method_names()}
        return _json_response(info, 200)


def _drop_connection(request: web.Request) -> None:
    """Close the client's socket without answering."""
    transport = request.transport
    if transport is not None:
        transport.abort()


def _json_response(body: Any, status: int) -> web.Response:
    """Return a JSON response with the given HTTP status."""
    return web.Response(
        body=json.dumps(body).encode(), status=status, content_type="application/json"
    )
