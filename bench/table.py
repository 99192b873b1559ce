"""The benchmark results as one Markdown table: figure, SQLite, PostgreSQL, goal, holds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scheduler.dispatch import SAFE_RATE

BACKENDS = ("sqlite", "postgresql")
FLAT = 2.0  # "flat": the largest N costs at most twice the smallest
MEMORY_GROWTH = 1.10  # peak memory at the largest N within 10% of the smallest


def _get(results: dict[str, Any], backend: str) -> dict[str, Any] | None:
    found: dict[str, Any] | None = results["backends"].get(backend)
    return found


def _holds(flags: list[bool | None]) -> str:
    known = [f for f in flags if f is not None]
    if not known:
        return "—"
    return "yes" if all(known) else "**no**"


def _row(
    results: dict[str, Any],
    figure: str,
    value: Callable[[dict[str, Any]], str],
    goal: str = "",
    check: Callable[[dict[str, Any]], bool | None] | None = None,
) -> str:
    cells, flags = [], []
    for backend in BACKENDS:
        figures = _get(results, backend)
        if figures is None:
            cells.append("—")
            continue
        try:
            cells.append(value(figures))
            flags.append(check(figures) if check else None)
        except (KeyError, IndexError, StopIteration, ZeroDivisionError):
            cells.append("—")
    holds = _holds(flags) if check else ""
    return f"| {figure} | {cells[0]} | {cells[1]} | {goal} | {holds} |"


def _run(figures: dict[str, Any], bot: str, paced: bool) -> dict[str, Any]:
    return next(
        r
        for r in figures["throughput"]["runs"]
        if r["bot"] == bot and (r["mode"].startswith("paced") if paced else r["mode"] == "burst")
    )


def _sustained(figures: dict[str, Any]) -> str:
    found = [r for r in figures["throughput"]["runs"] if r["mode"].startswith("sustained")]
    if not found:
        return "none from 5/s up"
    run = found[0]
    return f"{run['per_second']} (p50 / p99 {run['p50_ms']} / {run['p99_ms']} ms)"


def _step(figures: dict[str, Any], index: int) -> dict[str, Any]:
    step: dict[str, Any] = figures["scale"]["steps"][index]
    return step


def _import_rate(figures: dict[str, Any]) -> float:
    run = figures["import"][-1]
    return round(1000 * run["first_seconds"] / run["clients"], 2)


def _ratio(run: dict[str, Any], part: str, whole: str) -> float:
    return round(run[part] / run[whole], 3) if run[whole] else 0.0


def _dispatch(figures: dict[str, Any], limited: bool, processes: int = 1) -> dict[str, Any]:
    return next(
        r
        for r in figures["dispatch"]
        if r["rate_limited"] == limited and r.get("processes", 1) == processes
    )


def _flat(figures: dict[str, Any], key: str) -> bool:
    steps = figures["scale"]["steps"]
    return bool(steps[-1][key] <= FLAT * max(steps[0][key], 1.0))


def markdown(results: dict[str, Any]) -> str:
    rows = [
        "| figure | SQLite | PostgreSQL | goal | holds |",
        "|---|---|---|---|---|",
    ]

    def add(*args: Any, **kwargs: Any) -> None:
        rows.append(_row(results, *args, **kwargs))

    tp = "throughput"
    add("echo bot, updates/s (burst, median of runs)", lambda f: f"{f[tp]['echo_per_second']}")
    add("inburgerbot, updates/s (burst, median of runs)", lambda f: f"{f[tp]['real_per_second']}")
    add(
        "ratio echo ÷ inburgerbot, wall clock",
        lambda f: f"{f[tp]['ratio']}",
        "≤ 2",
        lambda f: f[tp]["ratio"] <= 2,
    )
    add(
        "bot process CPU ms per update, echo / inburgerbot",
        lambda f: (
            f"{_run(f, 'echo', False)['cpu_ms_per_update']} / "
            f"{_run(f, 'real', False)['cpu_ms_per_update']}"
        ),
    )
    add(
        "Bot API requests per update, echo / inburgerbot",
        lambda f: (
            f"{_run(f, 'echo', False).get('calls_per_update', '—')} / "
            f"{_run(f, 'real', False).get('calls_per_update', '—')}"
        ),
    )
    add(
        "ratio inburgerbot ÷ echo, CPU per update (median of the rounds)",
        lambda f: f"{f[tp]['cpu_ratio']}",
        "≤ 2",
        lambda f: f[tp]["cpu_ratio"] <= 2,
    )
    add(
        "paced run: rate reached, updates/s (inburgerbot)",
        lambda f: f"{_run(f, 'real', True)['per_second']} of {_run(f, 'real', True)['mode']}",
    )
    add(
        "paced: echo bot reply p50 / p99, ms",
        lambda f: f"{_run(f, 'echo', True)['p50_ms']} / {_run(f, 'echo', True)['p99_ms']}",
    )
    add(
        "paced: inburgerbot reply p50 / p99, ms",
        lambda f: f"{_run(f, 'real', True)['p50_ms']} / {_run(f, 'real', True)['p99_ms']}",
        "p99 < 50",
        lambda f: _run(f, "real", True)["p99_ms"] < 50,
    )
    add("highest paced rate with reply p99 < 50 ms, updates/s", _sustained)
    add(
        "import (casework/importer.py): first, s per 1,000 clients (largest file)",
        lambda f: f"{_import_rate(f)} (from {f['import'][-1]['clients']:,})",
        "≤ 1.2",
        lambda f: _import_rate(f) <= 1.2,
    )
    add(
        "import: the same file again ÷ the first, wall clock (CPU)",
        lambda f: (
            f"{f['import'][-1]['second_over_first']}"
            f" ({_ratio(f['import'][-1], 'second_cpu_seconds', 'first_cpu_seconds')})"
        ),
        "< 0.33, nothing changed",
        lambda f: (
            f["import"][-1]["second_over_first"] < 1 / 3 and not f["import"][-1]["second_changed"]
        ),
    )
    add(
        "import: peak memory (RSS), MiB, smallest / largest file",
        lambda f: f"{f['import'][0]['peak_rss_mib']} / {f['import'][-1]['peak_rss_mib']}",
        "flat (≤ +10%)",
        lambda f: f["import"][-1]["peak_rss_mib"] <= MEMORY_GROWTH * f["import"][0]["peak_rss_mib"],
    )
    steps = max(len((_get(results, b) or {}).get("scale", {}).get("steps", [])) for b in BACKENDS)
    for index in range(steps):

        def at(f: dict[str, Any], index: int = index) -> str:
            step = _step(f, index)
            return f"{step['clients']:,} clients, {step['reminders']:,} reminders"

        add(f"step {index + 1}: size", at)
        add(
            f"step {index + 1}: bulk fill, s per 1,000 clients",
            lambda f, i=index: f"{_step(f, i)['fill_seconds_per_1000']}",
        )
        add(
            f"step {index + 1}: open plan + appointments + tasks, p50 / p99 ms",
            lambda f, i=index: f"{_step(f, i)['open_p50_ms']} / {_step(f, i)['open_p99_ms']}",
            "flat" if index else "",
            (lambda f: _flat(f, "open_p50_ms")) if index == steps - 1 else None,
        )
        add(
            f"step {index + 1}: claim a batch of 100 due reminders, p50 / max ms",
            lambda f, i=index: (
                f"{_step(f, i)['claim_batch_p50_ms']} / {_step(f, i)['claim_batch_max_ms']}"
                f" ({_step(f, i)['claimed']:,} of {_step(f, i)['due']:,} claimed)"
            ),
            "flat" if index else "",
            (lambda f: _flat(f, "claim_batch_p50_ms")) if index == steps - 1 else None,
        )
        add(
            f"step {index + 1}: bot process peak memory (VmHWM), MiB",
            lambda f, i=index: f"{_step(f, i)['bot_peak_rss_mib']}",
            "no growth (≤ +10%)" if index else "",
            (
                lambda f: (
                    _step(f, -1)["bot_peak_rss_mib"]
                    <= MEMORY_GROWTH * _step(f, 0)["bot_peak_rss_mib"]
                )
            )
            if index == steps - 1
            else None,
        )
    add(
        "full scans of big tables in the query plans",
        lambda f: f"{len(f['scale']['full_scans'])}",
        "0",
        lambda f: not f["scale"]["full_scans"],
    )
    add(
        "dispatch, no flood limit: reminders/s",
        lambda f: f"{_dispatch(f, False)['per_second']} ({_dispatch(f, False)['reminders']:,})",
        "≥ 300",
        lambda f: _dispatch(f, False)["per_second"] >= 300,
    )
    add(
        "dispatch, no flood limit: CPU ms per reminder",
        lambda f: f"{_dispatch(f, False)['cpu_ms_per_reminder']}",
    )
    add(
        "dispatch, fake limits 30/s: reminders/s, 429s, busiest second",
        lambda f: (
            f"{_dispatch(f, True)['per_second']}, {_dispatch(f, True)['too_many_requests']},"
            f" {_dispatch(f, True)['busiest_second']} ({_dispatch(f, True)['reminders']:,})"
        ),
        f"the shared pace ({SAFE_RATE:g}/s) within 10%, no 429",
        lambda f: (
            0.9 * SAFE_RATE <= _dispatch(f, True)["per_second"] <= 30
            and _dispatch(f, True)["too_many_requests"] == 0
            and _dispatch(f, True)["busiest_second"] <= 30
        ),
    )
    add(
        "dispatch, 3 processes, fake limits 30/s: reminders/s, 429s, busiest second",
        lambda f: (
            f"{_dispatch(f, True, 3)['per_second']}, {_dispatch(f, True, 3)['too_many_requests']},"
            f" {_dispatch(f, True, 3)['busiest_second']} ({_dispatch(f, True, 3)['reminders']:,})"
        ),
        "≤ 30/s in total, no 429",
        lambda f: (
            _dispatch(f, True, 3)["too_many_requests"] == 0
            and _dispatch(f, True, 3)["busiest_second"] <= 30
            and _dispatch(f, True, 3)["sent"] == _dispatch(f, True, 3)["reminders"]
        ),
    )
    m = results["machine"]
    footer = [
        "",
        f"Machine: {m['nproc']} cores, {m['cpu']}, {m['memory']} memory; Python {m['python']},"
        f" python-telegram-bot {m['python_telegram_bot']}.",
        f"Load average at start {m.get('load_average_at_start')}, at end"
        f" {m.get('load_average_at_end')}. Profile {results['profile']['name']},"
        f" {results.get('seconds')} s in all.",
        *results["notes"],
        *time_lines(results),
    ]
    return "\n".join(rows + footer)


def time_lines(results: dict[str, Any]) -> list[str]:
    """Where the run's wall time went, per backend and part (the 10-minute budget)."""
    timings = results.get("timings", {})
    if not timings:
        return []
    lines = ["", "Time per part, wall seconds:"]
    for backend, parts in timings.items():
        steps = ", ".join(
            f"{int(clients):,}: fill {t['fill']} + {t['measure']}"
            for clients, t in parts.get("scale_steps", {}).items()
        )
        lines.append(
            f"- {backend}: throughput {parts.get('throughput')}, scale {parts.get('scale')}"
            f" ({steps}), dispatch {parts.get('dispatch')}, import {parts.get('import')}"
        )
    return lines
