"""`python -m bench compare REV`: this checkout's bot and REV's, turn about, on their own stores."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import pytest

from bench import compare
from bench.botproc_client import ROOT


def _worktrees() -> str:
    return subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "list"], capture_output=True, text=True, check=True
    ).stdout


@pytest.mark.timeout(300)
def test_a_short_comparison_with_this_very_revision_runs_both_bots_turn_about(
    capsys: pytest.CaptureFixture[str],
) -> None:
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout (an installed copy has no revisions to compare)")
    before = _worktrees()

    figures = asyncio.run(compare.compare("HEAD", rounds=2, updates=20, postgres=False))

    assert [len(figures["this"]), len(figures["rev"])] == [2, 2]
    assert all(value > 0 for side in figures.values() for value in side)
    assert _worktrees() == before  # the temporary checkout of HEAD is gone again
    printed = compare.report("HEAD", figures, "SQLite")
    assert "this checkout ÷ HEAD, same round: median" in printed


def test_the_report_gives_the_median_of_the_ratios_of_the_same_rounds() -> None:
    figures = {"this": [2.0, 3.0, 4.0, 9.0], "rev": [4.0, 3.0, 4.0, 10.0]}
    printed = compare.report("abc123", figures, "SQLite")
    # ratios 0.5, 1.0, 1.0, 0.9: the median is 0.95, not the ratio of the medians (3.5 / 4 = 0.875)
    assert "same round: median 0.950" in printed
    assert "this checkout: median 3.50" in printed
    assert "abc123: median 4.00" in printed


def test_a_revision_that_does_not_exist_is_refused_before_any_bot_starts(tmp_path: Path) -> None:
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    with pytest.raises(subprocess.CalledProcessError):
        asyncio.run(compare.compare("no-such-revision-0000", rounds=2, updates=5, postgres=False))
