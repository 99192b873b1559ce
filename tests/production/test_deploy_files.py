"""The container and service files, checked as far as this machine can (no Docker engine):
the compose file parses and names only what exists, nginx passes the webhook path to both
processes, the image runs without rights and migrates first, the systemd unit verifies."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from casework.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
# Official images only; the bot's own image is built from deploy/Dockerfile.
KNOWN_IMAGES = re.compile(r"(postgres:\d+(\.\d+)?|nginx:\d+\.\d+-alpine|inburgerbot:local)")
SERVICE_PORT = 8443


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def bots(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: s for name, s in compose["services"].items() if "build" in s}


def test_compose_has_postgres_two_bots_and_nginx(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == {"postgres", "bot1", "bot2", "nginx"}
    assert set(bots(compose)) == {"bot1", "bot2"}
    for service in compose["services"].values():
        assert KNOWN_IMAGES.fullmatch(service["image"]), service["image"]


def test_exactly_one_bot_sets_the_webhook(compose: dict[str, Any]) -> None:
    commands = [service["command"] for service in bots(compose).values()]
    assert sorted(commands) == [["webhook", "--no-set-webhook"], ["webhook", "--set-webhook"]]


def test_compose_names_only_paths_that_exist(compose: dict[str, Any]) -> None:
    for service in bots(compose).values():
        context = (DEPLOY / service["build"]["context"]).resolve()
        assert context == ROOT
        assert (context / service["build"]["dockerfile"]).is_file()
    named = set(compose.get("volumes") or {})
    for service in compose["services"].values():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith((".", "/")):
                assert (DEPLOY / source).exists(), source
            else:
                assert source in named, source


def test_compose_holds_no_secrets_and_publishes_only_nginx(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if any(word in key for word in ("TOKEN", "SECRET", "PASSWORD")):
                assert re.fullmatch(r"\$\{\w+:\?[^}]+\}", str(value)), key
        assert ("ports" in service) == (name == "nginx")
    url = bots(compose)["bot1"]["environment"]["INBURGERBOT_DATABASE_URL"]
    assert url.startswith("postgresql://") and "@postgres:5432/" in url


def test_every_environment_variable_is_a_setting(compose: dict[str, Any]) -> None:
    known = {f"INBURGERBOT_{name.upper()}" for name in Settings.model_fields}
    for service in bots(compose).values():
        assert set(service["environment"]) <= known


def nginx_blocks() -> str:
    text = (DEPLOY / "nginx.conf").read_text()
    return "\n".join(line.split("#", 1)[0] for line in text.splitlines())


def test_nginx_conf_braces_balance_and_statements_end() -> None:
    depth = 0
    for line in nginx_blocks().splitlines():
        for char in line:
            depth += {"{": 1, "}": -1}.get(char, 0)
            assert depth >= 0
        stripped = line.strip()
        if stripped and not stripped.endswith(("{", "}", ";")):
            raise AssertionError(f"statement without ';': {stripped}")
    assert depth == 0


def test_nginx_passes_only_the_webhook_path_to_both_bots(compose: dict[str, Any]) -> None:
    conf = nginx_blocks()
    upstreams = dict(re.findall(r"upstream\s+(\w+)\s*\{([^}]*)\}", conf))
    targets = re.findall(r"proxy_pass\s+http://(\w+)\s*;", conf)
    assert targets and all(target in upstreams for target in targets)
    servers = re.findall(r"server\s+([\w.-]+):(\d+)", upstreams[targets[0]])
    assert {host for host, _ in servers} == set(bots(compose))
    assert {int(port) for _, port in servers} == {SERVICE_PORT}
    assert re.findall(r"location\s+=\s+(\S+)\s*\{", conf) == [
        Settings.model_fields["webhook_path"].default
    ]
    assert "X-Request-Id $request_id" in conf
    assert re.search(r"proxy_read_timeout\s+(\d+)s", conf)
    timeout = int(re.search(r"proxy_read_timeout\s+(\d+)s", conf).group(1))  # type: ignore[union-attr]
    assert timeout > Settings.model_fields["webhook_answer_seconds"].default


def dockerfile() -> list[str]:
    text = (DEPLOY / "Dockerfile").read_text().replace("\\\n", " ")
    return [line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"]


def test_the_image_is_small_runs_without_rights_and_migrates_first() -> None:
    lines = dockerfile()
    assert lines[0] == "FROM python:3.11-slim"
    for line in lines:
        if line.startswith("COPY"):
            *sources, _target = line.split()[1:]
            assert all((ROOT / source).exists() for source in sources), line
    user = [line for line in lines if line.startswith("USER")]
    assert user and user[-1].split()[1] not in ("root", "0")
    assert lines.index(user[-1]) > max(i for i, line in enumerate(lines) if line.startswith("RUN"))
    assert any("i18n_tools compile" in line for line in lines if line.startswith("RUN"))
    [entrypoint] = [line for line in lines if line.startswith("ENTRYPOINT")]
    assert "inburgerbot db upgrade && exec inburgerbot" in entrypoint
    assert f"EXPOSE {SERVICE_PORT}" in lines
    assert any(f"INBURGERBOT_WEBHOOK_PORT={SERVICE_PORT}" in line for line in lines)


def test_dockerignore_keeps_secrets_and_local_data_out() -> None:
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".env", ".venv", ".git", "*.sqlite3"} <= ignored


def test_the_systemd_unit_runs_without_rights_and_migrates_first() -> None:
    unit = (DEPLOY / "inburgerbot.service").read_text()
    sections = re.findall(r"^\[(\w+)\]$", unit, flags=re.MULTILINE)
    assert sections == ["Unit", "Service", "Install"]
    settings = dict(
        line.split("=", 1) for line in unit.splitlines() if "=" in line and line[0] != "#"
    )
    assert settings["User"] == "inburgerbot"
    assert settings["ExecStartPre"].endswith("inburgerbot db upgrade")
    assert settings["EnvironmentFile"] == "/etc/inburgerbot/env"
    assert "TOKEN" not in unit.replace("INBURGERBOT_*", "")


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not found")
def test_systemd_analyze_finds_nothing_but_the_missing_install(tmp_path: Path) -> None:
    result = subprocess.run(
        ["systemd-analyze", "verify", str(DEPLOY / "inburgerbot.service")],
        capture_output=True,
        text=True,
        check=False,
    )  # no timeout=: its timed wait sleeps in a way libfaketime (the night run) refuses with
    # EINVAL on Python 3.12; the test's own deadline (pytest-timeout) bounds it
    complaints = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        if line.strip() and "is not executable: No such file or directory" not in line
    ]
    assert complaints == []
