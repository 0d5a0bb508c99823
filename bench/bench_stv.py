"""Benchmark the STV count (not a test): `.venv/bin/python bench/bench_stv.py [--repeats N]`.

Times the largest shared official election (Glasgow 2017, Ward 7 Langside: 10,749 papers on 2,402 distinct
ballot lines, 9 candidates, 4 seats) and a synthetic election of 10,000 distinct weight-1 ballots with
12 candidates and 5 seats. Needs no Django settings: the counting engine is plain Python.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from priorities.blt import read_blt  # noqa: E402
from priorities.counting import RankedBallot, STVResult, count_stv  # noqa: E402

LANGSIDE = ROOT / "tests" / "priorities" / "data" / "glasgow2017_ward7_langside.blt"


def synthetic_ballots(count: int, candidates: list[str], seed: int = 2017) -> list[RankedBallot]:
    """Ballots with a few popular candidates and preference lists of 1 to all candidates."""
    rng = random.Random(seed)
    popularity = [len(candidates) - i for i in range(len(candidates))]
    ballots = []
    for _ in range(count):
        order: list[str] = []
        remaining = list(candidates)
        weights = list(popularity)
        for _ in range(rng.randint(1, len(candidates))):
            pick = rng.choices(range(len(remaining)), weights=weights)[0]
            order.append(remaining.pop(pick))
            weights.pop(pick)
        ballots.append(RankedBallot(tuple(order), 1))
    return ballots


def time_it(label: str, count: Callable[[], STVResult], repeats: int) -> None:
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = count()
        seconds.append(time.perf_counter() - started)
    print(
        f"{label}: {len(result.stages)} stages, elected {', '.join(result.elected_names)}\n"
        f"  {repeats} runs: min {min(seconds):.4f} s, median {statistics.median(seconds):.4f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()

    langside = read_blt(LANGSIDE)
    time_it("Langside (2,402 ballot lines, 10,749 papers)", langside.count, args.repeats)

    names = [f"Candidate {letter}" for letter in "ABCDEFGHIJKL"]
    ballots = synthetic_ballots(10_000, names)
    time_it(
        "Synthetic (10,000 ballots, 12 candidates, 5 seats)",
        lambda: count_stv(names, ballots, seats=5),
        max(1, args.repeats // 4),
    )


if __name__ == "__main__":
    main()
