"""The demo sign-ins (no password, no second factor) exist only in the sandbox.

`inburgerbot backoffice` serves an app without the demo route, whatever the environment says;
no setting names a demo; and only the sandbox's composition (sandbox/server.py through
sandbox/backoffice.py) adds the route and the band.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from backoffice.routes import routes
from casework.clock import FixedClock
from casework.settings import Settings
from console import backoffice as backoffice_command
from console.main import CliState, main
from storage.db import Database
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
# Environment variables someone might try, hoping to switch demo logins on.
HOPEFUL_ENV = {
    "INBURGERBOT_SANDBOX": "1",
    "INBURGERBOT_DEMO": "1",
    "INBURGERBOT_DEMO_LOGINS": "true",
    "INBURGERBOT_BACKOFFICE_DEMO": "true",
    "INBURGERBOT_BACKOFFICE_SANDBOX": "true",
    "INBURGERBOT_SANDBOX_DEMO": "true",
}


def test_the_backoffice_command_serves_no_demo_sign_in(
    db: Database, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app exactly as `inburgerbot backoffice` builds it, asked in its own event loop
    (`db` makes the schema)."""
    seen: dict[str, Any] = {}

    class Server:
        def __init__(self, config: Any) -> None:
            self.app = config.app

        async def serve(self) -> None:
            bo = self.app.state.backoffice
            async with bo.db.transaction() as session:  # an administrator with a login
                org = await factories.organisation(session)
                member = await factories.staff(
                    session, organisation=org, role="admin", login="anna@example.nl"
                )
            seen["paths"] = [getattr(route, "path", "") for route in self.app.router.routes]
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bo") as http:
                login = await http.get("/login")
                seen["login"] = login.text
                csrf = re.search(r'name="csrf" value="([^"]+)"', login.text)
                assert csrf is not None
                demo = await http.post(
                    "/login/demo", data={"csrf": csrf.group(1), "staff_id": str(member.id)}
                )
                seen["demo"] = demo.status_code
                seen["inbox"] = (await http.get("/inbox")).headers.get("location")

    monkeypatch.setattr(backoffice_command.uvicorn, "Server", Server)
    monkeypatch.setattr(backoffice_command, "setup_logging", lambda *a, **k: None)
    result = CliRunner().invoke(
        main,
        ["backoffice"],
        obj=CliState(clock=FixedClock(factories.NOW)),
        env={"INBURGERBOT_DATABASE_URL": database_url, **HOPEFUL_ENV},
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "/login/demo" not in seen["paths"]
    assert seen["demo"] == 404
    assert seen["inbox"].startswith("/login")  # still nobody signed in
    assert "sandbox-band" not in seen["login"] and "/login/demo" not in seen["login"]


def test_no_setting_names_a_demo_or_the_sandbox() -> None:
    names = set(Settings.model_fields)
    assert not {name for name in names if "demo" in name or "sandbox" in name}


def test_the_route_list_has_no_demo_sign_in() -> None:
    assert "/login/demo" not in [getattr(route, "path", "") for route in routes()]


def python_files(*packages: str) -> list[Path]:
    return [path for package in packages for path in sorted((ROOT / package).rglob("*.py"))]


def test_only_the_sandbox_composes_the_demo_sign_in() -> None:
    """Nothing outside sandbox/ adds the route or sets the band; inside, only the sandbox's
    server starts the back-office beside it."""
    outside = python_files("backoffice", "bot", "casework", "console", "scheduler", "storage")
    for path in outside:
        text = path.read_text(encoding="utf-8")
        for marker in ("add_sandbox_demo", "sandbox.backoffice", "BackofficeBeside", "/login/demo"):
            assert marker not in text, f"{path.relative_to(ROOT)} mentions {marker}"
        if path != ROOT / "backoffice" / "web.py":
            assert "sandbox_demo" not in text, path.relative_to(ROOT)
    users = [
        path.relative_to(ROOT).as_posix()
        for path in python_files("sandbox")
        if "BackofficeBeside(" in path.read_text(encoding="utf-8") and path.name != "backoffice.py"
    ]
    assert users == ["sandbox/server.py"]
