"""Progress of a long import or export: a bar on a terminal, plain periodic lines in a log."""

from __future__ import annotations

import io
import json
from pathlib import Path

from bot.progress import Progress
from casework.importer import MEGABYTE, ImportRejected, check_file


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_log_gets_a_plain_line_every_ten_seconds_and_one_at_the_end() -> None:
    clock, log = Clock(), io.StringIO()
    with Progress("import", total=300 * MEGABYTE, stream=log, clock=clock) as progress:
        for second in range(1, 26):
            clock.now = float(second)
            progress.update(second * 12 * MEGABYTE)
    assert log.getvalue().splitlines() == [
        "import: 40% (120.0 of 300.0 MB) after 10 s",
        "import: 80% (240.0 of 300.0 MB) after 20 s",
        "import: done (300.0 of 300.0 MB) after 25 s",
    ]


def test_a_short_job_writes_nothing_to_a_log() -> None:
    clock, log = Clock(), io.StringIO()
    with Progress("export", total=14, unit="clients", stream=log, clock=clock) as progress:
        clock.now = 2.0
        progress.update(14)
    assert log.getvalue() == ""


def test_counted_progress_reads_in_its_unit() -> None:
    clock, log = Clock(), io.StringIO()
    with Progress("export", total=1, unit="clients", stream=log, clock=clock) as progress:
        progress.set_total(20_000)
        clock.now = 11.0
        progress.update(5_000)
    assert log.getvalue().splitlines()[0] == "export: 25% (5,000 of 20,000 clients) after 11 s"


def test_a_terminal_gets_a_bar() -> None:
    screen = Terminal()
    with Progress("import", total=10 * MEGABYTE, stream=screen) as progress:
        progress.update(5 * MEGABYTE)
        progress.update(10 * MEGABYTE)
    shown = screen.getvalue()
    assert "import: 100%" in shown and "|" in shown and "10.0M/10.0M" in shown


def test_the_reader_tells_how_many_bytes_it_has_read(tmp_path: Path) -> None:
    clients = [
        {"ref": f"R-{n}", "first_name": "A", "municipality": "Hoorn", "locale": "ar"}
        for n in range(40_000)
    ]
    path = tmp_path / "clients.json"
    path.write_text(json.dumps({"clients": clients}))
    told: list[int] = []
    assert check_file(path, progress=told.append)["clients"] == 40_000
    assert told == sorted(told) and len(told) >= 2 and told[-1] == path.stat().st_size


def test_a_refused_file_stops_the_progress_without_a_last_line(tmp_path: Path) -> None:
    clock, log = Clock(), io.StringIO()
    path = tmp_path / "broken.json"
    path.write_text('{"clients": [')
    try:
        with Progress("import", total=13, stream=log, clock=clock) as progress:
            clock.now = 30.0
            check_file(path, progress=progress.update)
    except ImportRejected as refused:
        assert str(refused).startswith("invalid JSON: EOF while parsing a list")
    else:
        raise AssertionError("the file was accepted")
    assert "done" not in log.getvalue()
