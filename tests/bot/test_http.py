"""The Bot API's aiohttp request: PTB's time-outs mapped onto aiohttp's, and the bodies sent."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.http import AiohttpRequest, client_timeout


def test_a_new_connection_gets_the_whole_connect_time_out_not_only_the_pools() -> None:
    timeout = client_timeout(pool=1.0, connect=5.0, read=5.0)
    # aiohttp's `connect` bounds waiting for the pool AND making the connection.
    assert timeout.connect == 6.0
    assert timeout.sock_connect == 5.0
    assert timeout.sock_read == 5.0
    assert timeout.total is None


def test_no_time_out_where_ptb_asks_for_none() -> None:
    assert client_timeout(pool=None, connect=5.0, read=None).connect is None
    assert client_timeout(pool=1.0, connect=None, read=2.0).connect is None
    assert client_timeout(pool=1.0, connect=None, read=2.0).sock_read == 2.0


# -- the body a request sends ---------------------------------------------------------------------


async def _sent(post: Any) -> dict[str, Any]:
    """Serve one endpoint on loopback, run `post(request, url)` against it; what arrived."""
    seen: dict[str, Any] = {}

    async def endpoint(request: web.Request) -> web.Response:
        seen["content_type"] = request.content_type
        if request.content_type == "multipart/form-data":
            form = await request.post()
            seen["fields"] = {
                k: (v.file.read() if isinstance(v, web.FileField) else v) for k, v in form.items()
            }
        else:
            seen["raw"] = await request.read()
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_post("/bot/{method}", endpoint)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    request = AiohttpRequest()
    await request.initialize()
    try:
        await post(request, f"http://127.0.0.1:{port}/bot/sendMessage")
    finally:
        await request.shutdown()
        await runner.cleanup()
    return seen


async def test_a_request_without_files_is_one_json_object_with_its_values_intact() -> None:
    text = 'Ahmed <b>&amp; co</b> = "100%" +31\nمرحبا ✅ ትግርኛ & next=1'
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("✅ تم", callback_data="task:done:7")]])
    data = RequestData(
        [
            RequestParameter.from_input("chat_id", 123456789),
            RequestParameter.from_input("text", text),
            RequestParameter.from_input("reply_markup", markup),
            RequestParameter.from_input("disable_notification", True),
            RequestParameter.from_input("message_thread_id", None),
        ]
    )

    seen = await _sent(lambda request, url: request.post(url, data))

    assert seen["content_type"] == "application/json"
    assert json.loads(seen["raw"]) == {
        "chat_id": 123456789,
        "text": text,
        "reply_markup": {"inline_keyboard": [[{"text": "✅ تم", "callback_data": "task:done:7"}]]},
        "disable_notification": True,
    }


async def test_a_request_with_a_file_is_multipart_with_its_fields_and_the_file() -> None:
    data = RequestData(
        [
            RequestParameter.from_input("chat_id", 42),
            RequestParameter.from_input("caption", "uitleg & meer"),
            RequestParameter.from_input("voice", InputFile(b"OggS-bytes", filename="a.ogg")),
        ]
    )

    seen = await _sent(lambda request, url: request.post(url, data))

    assert seen["content_type"] == "multipart/form-data"
    assert seen["fields"]["chat_id"] == "42"
    assert seen["fields"]["caption"] == "uitleg & meer"
    assert seen["fields"]["voice"] == b"OggS-bytes"


async def test_a_request_without_parameters_has_no_body() -> None:
    seen = await _sent(lambda request, url: request.post(url, RequestData([])))

    assert seen["raw"] == b""
