"""A fake municipal portal: signs its calls as docs/portal.md says (written from the document,
not with the back-office's code) and checks every request and answer against the OpenAPI
document that the back-office serves."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote

import httpx
import pytest
from jsonschema import Draft202012Validator, ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from casework.clock import Clock

DOCUMENT_URI = "urn:inburgerbot:portal-openapi"
SIGNED_HEADERS = ("X-Portal-Key", "X-Portal-Timestamp", "X-Portal-Nonce", "X-Portal-Signature")


def pointer(*parts: str) -> str:
    return "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


@dataclass
class OpenApiCheck:
    """Validates requests and answers against the served OpenAPI 3.1 document."""

    document: dict[str, Any]
    checked: list[tuple[str, str, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        assert self.document["openapi"].startswith("3.1")
        resource = Resource.from_contents(self.document, default_specification=DRAFT202012)
        self.registry: Registry[Any] = Registry().with_resource(DOCUMENT_URI, resource)
        for schema in self.document["components"]["schemas"].values():
            Draft202012Validator.check_schema(schema)

    def validate(self, instance: object, *location: str) -> None:
        schema = {"$ref": f"{DOCUMENT_URI}#/{pointer(*location)}"}
        Draft202012Validator(schema, registry=self.registry).validate(instance)

    def template_of(self, path: str) -> tuple[str, dict[str, str]]:
        for template in self.document["paths"]:
            names = template.strip("/").split("/")
            parts = path.strip("/").split("/")
            if len(names) != len(parts):
                continue
            params: dict[str, str] = {}
            for name, part in zip(names, parts, strict=True):
                if name.startswith("{"):
                    params[name[1:-1]] = unquote(part)
                elif name != part:
                    break
            else:
                return template, params
        raise AssertionError(f"{path} is not in the OpenAPI document")

    def request(self, method: str, path: str, body: object | None, headers: dict[str, str]) -> None:
        template, params = self.template_of(path)
        operation = self.document["paths"][template][method.lower()]
        for name, value in params.items():
            self.validate(value, "paths", template, "parameters", "0", "schema")
            assert name == self.document["paths"][template]["parameters"][0]["name"]
        if "requestBody" in operation and body is not None:
            self.validate(
                body, "paths", template, method.lower(), "requestBody", "content",
                "application/json", "schema",
            )  # fmt: skip
        if operation.get("security", self.document["security"]):
            schemes = self.document["components"]["securitySchemes"]
            assert {s["name"] for s in schemes.values()} == set(SIGNED_HEADERS)
            assert all(name in headers for name in SIGNED_HEADERS)

    def response(self, method: str, path: str, response: httpx.Response) -> None:
        template, _ = self.template_of(path)
        status = str(response.status_code)
        responses = self.document["paths"][template][method.lower()]["responses"]
        assert status in responses, f"{method} {template} answered {status}, not documented"
        documented = responses[status]
        for header in documented.get("headers", {}):
            assert header.lower() in response.headers, f"{header} missing on {status}"
            self.validate(
                int(response.headers[header]),
                "paths", template, method.lower(), "responses", status, "headers", header,
                "schema",
            )  # fmt: skip
        assert response.headers["content-type"].startswith("application/json")
        self.validate(
            response.json(),
            "paths", template, method.lower(), "responses", status, "content",
            "application/json", "schema",
        )  # fmt: skip
        self.checked.append((method, template, response.status_code))


@dataclass
class FakePortal:
    """A resident portal's back end, calling the back-office over loopback HTTP."""

    http: httpx.AsyncClient
    clock: Clock
    key_id: str
    secret: str
    openapi: OpenApiCheck
    sent: list[dict[str, str]] = field(default_factory=list)

    def signed_headers(
        self,
        method: str,
        path: str,
        body: bytes,
        *,
        timestamp: int | None = None,
        nonce: str | None = None,
        key_id: str | None = None,
        secret: str | None = None,
    ) -> dict[str, str]:
        stamp = str(timestamp if timestamp is not None else int(self.clock.now().timestamp()))
        once = nonce or secrets.token_urlsafe(18)
        message = "\n".join([method, path, stamp, once, hashlib.sha256(body).hexdigest()])
        signature = hmac.new(
            (secret or self.secret).encode(), message.encode(), hashlib.sha256
        ).hexdigest()
        return {
            "X-Portal-Key": key_id or self.key_id,
            "X-Portal-Timestamp": stamp,
            "X-Portal-Nonce": once,
            "X-Portal-Signature": signature,
        }

    async def call(
        self,
        method: str,
        path: str,
        document: object | None = None,
        *,
        headers: dict[str, str] | None = None,
        invalid: bool = False,
        **signing: Any,
    ) -> httpx.Response:
        """One call; `headers` replaces the signed ones (to replay or leave them out); an
        `invalid` request is one the document must refuse too."""
        body = json.dumps(document).encode() if document is not None else b""
        sent = (
            headers if headers is not None else self.signed_headers(method, path, body, **signing)
        )
        self.sent.append(sent)
        if invalid:
            with pytest.raises(ValidationError):
                self.openapi.request(method, path, document, sent)
        elif headers is None or all(name in headers for name in SIGNED_HEADERS):
            self.openapi.request(method, path, document, sent)
        content_type = {"Content-Type": "application/json"} if document is not None else {}
        response = await self.http.request(
            method, path, content=body, headers={**sent, **content_type}
        )
        self.openapi.response(method, path, response)
        return response

    async def invite(self, reference: str, **signing: Any) -> httpx.Response:
        return await self.call(
            "POST", "/api/v1/link-invitations", {"reference": reference}, **signing
        )

    async def status(self, reference: str, **signing: Any) -> httpx.Response:
        return await self.call("GET", link_path(reference), **signing)

    async def unlink(self, reference: str, **signing: Any) -> httpx.Response:
        return await self.call("DELETE", link_path(reference), **signing)


def link_path(reference: str) -> str:
    return f"/api/v1/clients/{quote(reference, safe='')}/link"
