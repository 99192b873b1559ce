"""`python -m bench --quick` on SQLite: every benchmark runs, every figure reaches the table."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from bench.__main__ import main
from bench.profile import part_of
from bench.runner import Profile, postgres_database
from bench.scale import full_scans, import_document_of
from bench.table import markdown
from bench.throughput import percentile
from casework.importer import parse_document


@pytest.mark.timeout(400)  # a few dozen seconds alone; minutes on a machine shared by many
def test_quick_run_prints_the_table_and_writes_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "latest.json"

    assert main(["--quick", "--no-postgres", "--output", str(output)]) == 0

    printed = capsys.readouterr().out
    results = json.loads(output.read_text())
    sqlite = results["backends"]["sqlite"]
    assert "postgresql" not in results["backends"]
    # every update of every run got its reply, both bots, burst and paced
    runs = sqlite["throughput"]["runs"]
    assert {(r["bot"], r["mode"] == "burst") for r in runs} == {
        ("echo", True),
        ("real", True),
        ("echo", False),
        ("real", False),
    }
    assert all(r["updates"] == 15 and r["per_second"] > 0 for r in runs)
    # the store grew in two steps; each claimed all its due reminders, the bot ran each time
    steps = sqlite["scale"]["steps"]
    assert [s["clients"] for s in steps] == [100, 400]
    assert [s["reminders"] for s in steps] == [1_000, 4_000]
    assert all(s["claimed"] == s["due"] == 50 for s in steps)
    assert all(s["bot_peak_rss_mib"] > 20 for s in steps)
    assert sqlite["scale"]["full_scans"] == []
    assert any(
        "ix_appointment_client_starts" in " ".join(p)
        for p in sqlite["scale"]["query_plans"].values()
    )
    # the importer: two generated files, each imported twice, the second time changing nothing
    imports = sqlite["import"]
    assert [run["clients"] for run in imports] == [100, 400]
    assert all(run["rows"] > 30 * run["clients"] and not run["second_changed"] for run in imports)
    dispatch = {(r["rate_limited"], r["processes"]): r for r in sqlite["dispatch"]}
    assert dispatch[False, 1]["sent"] == 200 and dispatch[True, 1]["sent"] == 30
    assert (True, 3) not in dispatch  # three processes: tests/test_bench_dispatch.py
    # the table shows them all, with a goal column
    for figure in (
        "ratio echo ÷ inburgerbot, wall clock",
        "paced: inburgerbot reply p50 / p99, ms",
        "import (casework/importer.py): first, s per 1,000 clients (largest file)",
        "import: the same file again ÷ the first, wall clock (CPU)",
        "import: peak memory (RSS), MiB, smallest / largest file",
        "step 2: open plan + appointments + tasks, p50 / p99 ms",
        "step 2: claim a batch of 100 due reminders, p50 / max ms",
        "step 2: bot process peak memory (VmHWM), MiB",
        "full scans of big tables in the query plans",
        "dispatch, fake limits 30/s: reminders/s, 429s, busiest second",
        "dispatch, 3 processes, fake limits 30/s: reminders/s, 429s, busiest second",
        "highest paced rate with reply p99 < 50 ms, updates/s",
    ):
        assert f"| {figure} |" in printed
    assert "| 400 clients, 4,000 reminders | — |" in printed  # PostgreSQL left out


def test_percentile_of_nothing_is_zero() -> None:
    assert percentile([], 0.99) == 0.0
    assert percentile([3.0, 1.0, 2.0], 0.5) == 2.0
    assert percentile([float(n) for n in range(1, 101)], 0.99) == 99.0


def test_full_scans_of_big_tables_are_found_on_both_databases() -> None:
    plans = {
        "a": ["SEARCH task USING INDEX ix_task_client_status_due (client_id=? AND status=?)"],
        "b": ["SCAN appointment"],
        "c": ["SCAN reminder USING INDEX ix_reminder_status_available"],
        "d": ["  ->  Seq Scan on reminder  (cost=0.00..272.18 rows=10118 width=10)"],
        "e": ["  ->  Seq Scan on organisation  (cost=0.00..1.01 rows=1 width=10)"],
    }
    assert full_scans(plans) == [
        "SCAN appointment",
        "  ->  Seq Scan on reminder  (cost=0.00..272.18 rows=10118 width=10)",
    ]


def test_import_document_repeats_the_example_with_unique_references() -> None:
    document = parse_document(import_document_of(30))
    assert len(document.clients) == 30
    assert len({c.ref for c in document.clients}) == 30


def test_limits_cut_the_steps_and_end_at_the_limit() -> None:
    profile = Profile.full().limited(20_000, 5_000)
    assert profile.steps == (1_000, 10_000, 20_000)
    assert profile.pg_steps == (1_000, 5_000)
    assert Profile.full().limited(None, None) == Profile.full()


async def test_no_postgres_server_means_sqlite_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INBURGERBOT_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:1/x")
    async with postgres_database(None) as url:
        assert url is None


def _results(ratio: float, p99: float) -> dict[str, Any]:
    run = {"cpu_ms_per_update": 1.0, "per_second": 100.0, "mode": "burst", "p50_ms": 1.0}
    return {
        "backends": {
            "sqlite": {
                "throughput": {
                    "echo_per_second": 100.0,
                    "real_per_second": 100.0 / ratio,
                    "ratio": ratio,
                    "cpu_ratio": 1.0,
                    "runs": [
                        {**run, "bot": "echo", "p99_ms": 1.0},
                        {**run, "bot": "real", "p99_ms": 1.0},
                        {**run, "bot": "echo", "mode": "paced 100/s", "p99_ms": 2.0},
                        {**run, "bot": "real", "mode": "paced 100/s", "p99_ms": p99},
                    ],
                }
            }
        },
        "machine": {
            "nproc": 2,
            "cpu": "x",
            "memory": "1 GiB",
            "python": "3",
            "python_telegram_bot": "22",
        },
        "profile": {"name": "test"},
        "notes": ["PostgreSQL was not reachable: SQLite only."],
    }


def test_table_marks_missed_goals_and_missing_figures() -> None:
    table = markdown(_results(ratio=3.0, p99=80.0))
    assert "| ratio echo ÷ inburgerbot, wall clock | 3.0 | — | ≤ 2 | **no** |" in table
    assert (
        "| paced: inburgerbot reply p50 / p99, ms | 1.0 / 80.0 | — | p99 < 50 | **no** |" in table
    )
    assert "| full scans of big tables in the query plans | — | — | 0 | — |" in table
    assert "PostgreSQL was not reachable: SQLite only." in table
    good = markdown(_results(ratio=1.5, p99=20.0))
    assert "| ratio echo ÷ inburgerbot, wall clock | 1.5 | — | ≤ 2 | yes |" in good


@pytest.mark.skipif(
    "libfaketime" in os.environ.get("LD_PRELOAD", ""),
    reason="libfaketime (the night run) moves the CPU-time clocks that the profile reads",
)
def test_profile_run_gives_each_action_its_parts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "profile.json"

    assert main(["profile", "--updates", "3", "--output", str(output)]) == 0

    rows = json.loads(output.read_text())
    assert [row["action"] for row in rows] == ["plan", "appointments", "tasks", "done", "question"]
    for row in rows:
        assert row["updates"] == 3 and row["cpu_ms"] > 0
        parts = row["parts_ms"]
        assert parts["queries"] > 0 and parts["PTB"] > 0
        # the parts add up to the process's CPU time (/proc counts in ticks of 10 ms)
        assert abs(sum(parts.values()) - row["cpu_ms"]) <= 0.05 * row["cpu_ms"] + 10 / 3
    assert "| plan |" in capsys.readouterr().out


def test_profile_parts_follow_the_file_and_builtins_follow_their_caller() -> None:
    assert part_of(("/x/site-packages/babel/dates.py", 1, "format_date")) == "Babel"
    assert part_of(("/x/site-packages/sqlalchemy/engine/base.py", 1, "execute")) == "queries"
    assert part_of(("/w/bot/handlers/plan.py", 1, "show_plan")) == "handlers"
    assert part_of(("/w/texts/render/plan.py", 1, "plan_text")) == "rendering"
    assert part_of(("/x/site-packages/httpx/_client.py", 1, "send")) == "HTTP"
    assert part_of(("/x/site-packages/aiohttp/client.py", 1, "request")) == "HTTP"
    assert part_of(("~", 0, "<method 'format' of 'str' objects>")) is None
    assert part_of(("~", 0, "<built-in method _json.encode_basestring_ascii>")) == "JSON"
