"""The `portal_call` shell function of docs/portal.md, run as written (bash, openssl, curl)
against the back-office on loopback: the documented recipe signs correctly."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from pathlib import Path

import pytest

from tests.portal.conftest import PortalWorld

DOC = Path(__file__).resolve().parents[2] / "docs" / "portal.md"
TOOLS = ("bash", "curl", "openssl")


def portal_call_function() -> str:
    blocks = re.findall(r"```sh\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    found = [block for block in blocks if block.startswith("portal_call() {")]
    assert len(found) == 1, "docs/portal.md should define portal_call once"
    return found[0]


async def shell(world: PortalWorld, *calls: str) -> list[tuple[int, object]]:
    script = portal_call_function() + "\n".join(calls) + "\n"
    process = await asyncio.create_subprocess_exec(
        "bash",
        "-euc",
        script,
        env={
            "PATH": "/usr/bin:/bin",
            "BASE": world.url,
            "KEY_ID": world.key.key_id,
            "SECRET": world.key.secret,
            "PORTAL_TIMESTAMP": str(int(world.clock.now().timestamp())),
        },
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, err.decode()
    answers = re.findall(r"(.*)\nHTTP (\d{3})\n", out.decode())
    return [(int(status), json.loads(body)) for body, status in answers]


@pytest.mark.skipif(
    not all(shutil.which(tool) for tool in TOOLS), reason="needs bash, curl, openssl"
)
async def test_the_documented_curl_calls_work(world: PortalWorld) -> None:
    ref = world.ours.ref
    answers = await shell(
        world,
        f'portal_call POST /api/v1/link-invitations \'{{"reference":"{ref}"}}\'',
        f"portal_call GET /api/v1/clients/{ref}/link",
        f"portal_call DELETE /api/v1/clients/{ref}/link",
    )
    assert [status for status, _ in answers] == [201, 200, 200]
    made, status, gone = (body for _, body in answers)
    assert isinstance(made, dict) and made["origin"] == "portal"
    assert made["deep_link"].endswith("?start=" + made["code"])
    assert (
        status
        == gone
        == {
            "reference": ref,
            "linked": False,
            "linked_at": None,
            "origin": None,
            "telegram_first_name": None,
        }
    )
    for method, template, code in (
        ("POST", "/api/v1/link-invitations", "201"),
        ("GET", "/api/v1/clients/{reference}/link", "200"),
    ):
        body = made if method == "POST" else status
        world.portal.openapi.validate(
            body, "paths", template, method.lower(), "responses", code, "content",
            "application/json", "schema",
        )  # fmt: skip


@pytest.mark.skipif(
    not all(shutil.which(tool) for tool in TOOLS), reason="needs bash, curl, openssl"
)
async def test_the_documented_function_with_a_wrong_secret_is_refused(world: PortalWorld) -> None:
    world.key.secret = "not-the-secret"
    answers = await shell(world, f"portal_call GET /api/v1/clients/{world.ours.ref}/link")
    assert answers == [
        (401, {"error": "bad_signature", "message": "The signature does not match the request."})
    ]
