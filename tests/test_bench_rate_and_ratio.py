"""bench/throughput.py: `sustained`, the search for the highest paced rate with p99 < 50 ms (no
bot; a stand-in side whose replies slow down above a given rate), and the CPU ratio taken round
by round."""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.throughput import RunFigures, Throughput, holds, sustained


def _run(rate: float, p99: float) -> RunFigures:
    return RunFigures("real", "paced", 100, 1.0, rate, 5.0, p99, 3.0, 1.2)


@dataclass
class Side:
    """Replies stay fast up to `limit` updates a second; `slow_once` makes one run at that rate
    slow (a short run's p99 is one of its few slowest replies)."""

    limit: float
    slow_once: set[float] = field(default_factory=set)
    rates: list[float] = field(default_factory=list)

    async def run(self, updates: int, rate: float) -> RunFigures:
        self.rates.append(rate)
        slow = rate > self.limit or any(abs(rate - r) < 0.5 for r in self.slow_once)
        self.slow_once = set() if slow else self.slow_once
        return _run(rate, 80.0 if slow else 12.0)


async def test_the_search_finds_a_rate_near_the_limit() -> None:
    side = Side(limit=150.0)
    found = await sustained(side, 400, high=300.0)  # type: ignore[arg-type]
    assert found is not None and holds(found, found.per_second)
    assert 100.0 <= found.per_second <= 150.0
    assert len(side.rates) == 4


async def test_a_rate_that_held_is_not_searched_below() -> None:
    """The 100/s run held; one slow search run at 118/s must not report a rate under 100."""
    side = Side(limit=130.0, slow_once={118.0})
    held = _run(100.0, 20.0)
    found = await sustained(side, 400, high=130.0, held=held)  # type: ignore[arg-type]
    assert found is not None and found.per_second >= 100.0
    assert all(rate > 100.0 for rate in side.rates)
    side = Side(limit=130.0, slow_once={118.0})
    unheld = await sustained(side, 400, high=130.0)  # type: ignore[arg-type]
    # without it, the search goes below the rate that held
    assert min(side.rates) < 100.0 and unheld is not None


async def test_nothing_holds_nothing_found() -> None:
    side = Side(limit=1.0)
    assert await sustained(side, 400, high=200.0) is None  # type: ignore[arg-type]


def test_the_cpu_ratio_is_the_median_of_each_rounds_pair() -> None:
    """The machine's speed drifts between rounds; each round's two bursts share it. Medians
    taken apart would give 3.0 / 1.5 = 2.0 here, where every round shows the bot at 2 to 3."""

    def burst(bot: str, cpu: float) -> RunFigures:
        return RunFigures(bot, "burst", 300, 1.0, 300.0, 5.0, 9.0, cpu, 1.0)

    runs = [
        *(burst("echo", 1.0), burst("real", 3.0)),
        *(burst("echo", 2.0), burst("real", 6.0)),
        *(burst("echo", 1.5), burst("real", 3.0)),
    ]
    assert Throughput("sqlite", runs).cpu_ratio == 3.0
