"""Bot identity, updates, webhooks, commands, callback answers and files."""

from __future__ import annotations

import json
import re
from typing import Any

from ..errors import bad_request, conflict
from ..models import JSONDict
from ..params import Params
from ..state import EmulatorState
from .registry import api_method

MAX_UPDATES_LIMIT = 100
MAX_COMMANDS = 100
COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024


@api_method("getMe")
async def get_me(state: EmulatorState, params: Params) -> JSONDict:
    """Return the bot's own User object."""
    return state.bot_profile()


# -- updates and webhooks ----------------------------------------------------------------------


@api_method("getUpdates")
async def get_updates(state: EmulatorState, params: Params) -> list[JSONDict]:
    """Return pending updates, long-polling up to `timeout` seconds."""
    if state.webhook.active:
        raise conflict(
            "can't use getUpdates method while webhook is active; "
            "use deleteWebhook to delete the webhook first"
        )
    limit = params.optional_int("limit") or MAX_UPDATES_LIMIT
    limit = max(1, min(limit, MAX_UPDATES_LIMIT))
    timeout = max(0.0, float(params.get("timeout") or 0))
    allowed = params.json("allowed_updates")
    return await state.updates.get_updates(
        params.optional_int("offset"),
        limit,
        timeout,
        allowed if isinstance(allowed, list) else None,
    )


@api_method("setWebhook")
async def set_webhook(state: EmulatorState, params: Params) -> bool:
    """Switch to webhook delivery (an empty url removes the webhook)."""
    url = params.optional_str("url") or ""
    if params.flag("drop_pending_updates"):
        state.updates.drop_all()
    if not url:
        state.webhook.remove()
        return True
    if not url.startswith(("http://", "https://")):
        raise bad_request("bad webhook: HTTPS url must be provided for webhook")
    secret = params.optional_str("secret_token")
    if secret is not None and not SECRET_TOKEN.match(secret):
        raise bad_request("secret token contains unallowed characters")
    allowed = params.json("allowed_updates")
    if isinstance(allowed, list):
        state.updates.allowed_updates = allowed
        state.webhook.allowed_updates = allowed
    state.webhook.configure(url, secret, params.optional_int("max_connections"))
    return True


@api_method("deleteWebhook")
async def delete_webhook(state: EmulatorState, params: Params) -> bool:
    """Switch back to getUpdates."""
    if params.flag("drop_pending_updates"):
        state.updates.drop_all()
    state.webhook.remove()
    return True


@api_method("getWebhookInfo")
async def get_webhook_info(state: EmulatorState, params: Params) -> JSONDict:
    """Return the webhook status."""
    return state.webhook.info()


# -- commands ----------------------------------------------------------------------------------


def command_key(params: Params) -> tuple[str, str]:
    """Return the (scope, language) key commands are stored under."""
    scope = params.json("scope") or {"type": "default"}
    if not isinstance(scope, dict) or "type" not in scope:
        raise bad_request("can't parse BotCommandScope JSON object")
    return json.dumps(scope, sort_keys=True), params.optional_str("language_code") or ""


def validated_commands(raw: Any) -> list[JSONDict]:
    """Return commands as Telegram stores them, rejecting invalid ones."""
    if not isinstance(raw, list):
        raise bad_request("can't parse commands JSON object")
    if len(raw) > MAX_COMMANDS:
        raise bad_request("too many commands")
    commands = []
    for entry in raw:
        command = str(entry.get("command", "")).lstrip("/") if isinstance(entry, dict) else ""
        description = str(entry.get("description", "")) if isinstance(entry, dict) else ""
        if not COMMAND_NAME.match(command):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(description) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        commands.append({"command": command, "description": description})
    return commands


@api_method("setMyCommands")
async def set_my_commands(state: EmulatorState, params: Params) -> bool:
    """Store the command list for a scope and language."""
    state.commands[command_key(params)] = validated_commands(params.json("commands"))
    return True


@api_method("getMyCommands")
async def get_my_commands(state: EmulatorState, params: Params) -> list[JSONDict]:
    """Return the command list of exactly this scope and language."""
    return state.commands.get(command_key(params), [])


@api_method("deleteMyCommands")
async def delete_my_commands(state: EmulatorState, params: Params) -> bool:
    """Remove the command list of a scope and language."""
    state.commands.pop(command_key(params), None)
    return True


# -- callback queries and files ----------------------------------------------------------------


@api_method("answerCallbackQuery")
async def answer_callback_query(state: EmulatorState, params: Params) -> bool:
    """Answer a button press (optionally with a toast or alert)."""
    query_id = params.string(
        "callback_query_id", "query is too old and response timeout expired or query ID is invalid"
    )
    answer: JSONDict = {"show_alert": params.flag("show_alert")}
    for key in ("text", "url"):
        if key in params:
            answer[key] = params.string(key)
    if "cache_time" in params:
        answer["cache_time"] = params.optional_int("cache_time")
    state.answer_callback_query(query_id, answer)
    return True


@api_method("getFile")
async def get_file(state: EmulatorState, params: Params) -> JSONDict:
    """Return a File with the path to download it from."""
    stored = state.files.get(params.string("file_id", "invalid file_id"))
    if stored is None:
        raise bad_request("invalid file_id")
    if stored.size > MAX_DOWNLOAD_SIZE:
        raise bad_request("file is too big")
    return stored.to_file()
