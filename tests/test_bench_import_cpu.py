"""bench/import_cpu.py: the importer's CPU, the garbage collector's share of it and, on
PostgreSQL, the server's time per kind of statement (docs/performance.md)."""

from __future__ import annotations

import json
import os

import pytest

from bench import import_cpu
from tests.conftest import forget_schema


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    assert import_cpu.main(["--clients", "30", *args]) == 0
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_both_imports_report_their_cpu_and_collections(capsys: pytest.CaptureFixture[str]) -> None:
    found = _run(capsys)
    assert found["first_changed"] is True and found["second_changed"] is False
    for which in ("first", "second"):
        collections = found[f"{which}_collections"]
        assert isinstance(collections, dict) and "gen0" in collections
        count, seconds = collections["gen0"]
        assert count > 0 and seconds >= 0
    assert "first_statements" not in found


def test_unfrozen_runs_the_same_import_without_the_frozen_heap(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from casework import importer

    real = importer.frozen_heap
    found = _run(capsys, "--unfrozen")
    assert found["second_changed"] is False
    assert importer.frozen_heap is real  # put back


def test_statement_kinds() -> None:
    kind = import_cpu.statement_kind
    assert kind('INSERT INTO "reminder" ("client_id") SELECT u.c1 FROM unnest($1)') == (
        "INSERT reminder"
    )
    assert kind("SELECT id, ref FROM client WHERE ref = ANY($1)") == "SELECT client"
    assert kind("ANALYZE client, plan") == "ANALYZE client"
    assert kind("BEGIN;") == "BEGIN;"


def test_statements_need_postgresql(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        import_cpu.main(["--clients", "30", "--statements"])


def test_statements_are_timed_on_postgresql(capsys: pytest.CaptureFixture[str]) -> None:
    url = os.environ.get("INBURGERBOT_TEST_DATABASE_URL", "")
    if not url.startswith("postgres"):
        pytest.skip("PostgreSQL only (asyncpg's statements)")
    try:
        found = _run(capsys, "--postgres-url", url, "--statements")  # its schema, migrated anew
    finally:
        forget_schema()  # the next test builds the test schema again
    sent = found["first_statements"]
    assert isinstance(sent, dict)
    assert sent["INSERT reminder"][0] > 0 and sent["INSERT client"][0] > 0
    assert "INSERT reminder" not in found["second_statements"]  # nothing changed
