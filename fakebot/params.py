"""Decoding of Bot API request parameters from query, form, JSON and multipart bodies."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .errors import ApiError, bad_request

# Values of these parameters are free text: never JSON-decode them, even if they look like
# numbers ("123" sent as a message text must stay a string).
TEXT_PARAMETERS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "title",
        "name",
        "address",
        "url",
        "secret_token",
        "callback_query_id",
        "inline_message_id",
        "description",
        "short_description",
        "language_code",
        "action",
        "emoji",
        "icon_custom_emoji_id",
        "foursquare_id",
        "foursquare_type",
        "google_place_id",
        "google_place_type",
        "ip_address",
        "business_connection_id",
        "message_effect_id",
        "file_id",
        "document",
        "photo",
        "voice",
        "audio",
        "video",
        "animation",
        "sticker",
        "video_note",
        "thumbnail",
        "phone_number",
        "first_name",
        "last_name",
        "vcard",
        "chat_id",
    }
)

ATTACH_PREFIX = "attach://"


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request."""

    field: str
    filename: str
    content_type: str
    data: bytes


def decode_form_value(name: str, raw: str) -> Any:
    """Turn a form field into the value PTB meant (PTB JSON-encodes non-string values)."""
    if name in TEXT_PARAMETERS:
        return _maybe_int(raw) if name == "chat_id" else raw
    try:
        decoded = json.loads(raw)
    except ValueError:
        return raw
    # A JSON string literal means the client sent quotes on purpose; keep the raw text.
    return raw if isinstance(decoded, str) else decoded


def _maybe_int(raw: str) -> Any:
    """Return raw as int when it is an integer literal (chat ids may also be @usernames)."""
    try:
        return int(raw)
    except ValueError:
        return raw


async def read_request(request: web.Request) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    """Return (params, files) of a Bot API request regardless of its encoding."""
    params: dict[str, Any] = {
        key: decode_form_value(key, value) for key, value in request.query.items()
    }
    files: dict[str, UploadedFile] = {}
    if request.content_type == "application/json":
        params.update(await _read_json_body(request))
    elif request.body_exists and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                files[key] = UploadedFile(
                    key, value.filename, value.content_type, value.file.read()
                )
            else:
                params[key] = decode_form_value(key, str(value))
    _resolve_attachments(params, files)
    return params, files


async def _read_json_body(request: web.Request) -> dict[str, Any]:
    """Return the JSON object body of a request (empty bodies are allowed)."""
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise bad_request("can't parse JSON object") from exc
    if not isinstance(body, dict):
        raise bad_request("can't parse JSON object")
    return body


def _resolve_attachments(params: dict[str, Any], files: dict[str, UploadedFile]) -> None:
    """Bind uploaded parts to the parameters that point at them via attach://name."""
    for key, value in params.items():
        if isinstance(value, str) and value.startswith(ATTACH_PREFIX):
            part = files.get(value[len(ATTACH_PREFIX) :])
            if part is not None:
                files[key] = part


class Params:
    """Typed access to decoded request parameters, raising Telegram-like errors."""

    def __init__(self, values: dict[str, Any], files: dict[str, UploadedFile] | None = None):
        self.values = values
        self.files = files or {}

    def __contains__(self, name: str) -> bool:
        return self.values.get(name) not in (None, "")

    def get(self, name: str, default: Any = None) -> Any:
        """Return a raw parameter value or default."""
        value = self.values.get(name)
        return default if value is None else value

    def require(self, name: str, missing: str | None = None) -> Any:
        """Return a parameter or fail with Telegram's '... is empty' message."""
        if name not in self:
            raise bad_request(missing or f"{name} is empty")
        return self.values[name]

    def integer(self, name: str, missing: str | None = None) -> int:
        """Return a required integer parameter."""
        return self._to_int(name, self.require(name, missing))

    def optional_int(self, name: str) -> int | None:
        """Return an integer parameter or None when absent."""
        return self._to_int(name, self.values[name]) if name in self else None

    def number(self, name: str) -> float:
        """Return a required float parameter."""
        value = self.require(name)
        try:
            return float(value)
        except (TypeError, ValueError) as exc:
            raise bad_request(f"invalid {name} specified") from exc

    def string(self, name: str, missing: str | None = None) -> str:
        """Return a required string parameter."""
        return str(self.require(name, missing))

    def optional_str(self, name: str) -> str | None:
        """Return a string parameter or None when absent."""
        return str(self.values[name]) if name in self else None

    def flag(self, name: str) -> bool:
        """Return a boolean flag (absent means False)."""
        value = self.values.get(name)
        if isinstance(value, str):
            return value.lower() in ("true", "1")
        return bool(value)

    def json(self, name: str) -> Any:
        """Return a JSON-typed parameter (already decoded) or None."""
        value = self.values.get(name)
        if isinstance(value, str) and value:
            try:
                return json.loads(value)
            except ValueError as exc:
                raise bad_request(f"can't parse {name} JSON object") from exc
        return value

    def file(self, name: str) -> UploadedFile | str | None:
        """Return an uploaded part, or the file_id/URL string sent instead."""
        if name in self.files:
            return self.files[name]
        return self.optional_str(name)

    @staticmethod
    def _to_int(name: str, value: Any) -> int:
        """Coerce a parameter to int the way Telegram does."""
        if isinstance(value, bool):
            raise ApiError(400, f"Bad Request: invalid {name} specified")
        try:
            return int(value)
        except (TypeError, ValueError) as exc:
            raise bad_request(f"invalid {name} specified") from exc
