"""Time the scenario analyses on Angers: robustness draws (priced and re-optimised),
one tipping point, and the decision prices of one service.

    .venv/bin/python benchmarks/analyses.py [--draws 1000] [--reoptimise 4] [--workers 2]

Prints a Markdown table (the figures recorded in benchmarks/analyses.md).
"""

from __future__ import annotations

import argparse
import os
import time

import mutusim as ms
from mutusim.analysis.decisions import decision_prices
from mutusim.analysis.tipping import tipping_points
from mutusim.analysis.uncertainty import robustness


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--reoptimise", type=int, default=4)
    ap.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    args = ap.parse_args()
    t = ms.datasets.angers()
    sc = ms.datasets.angers_scenarios().get("plan_optimal")
    rows = []
    t0 = time.perf_counter()
    res = ms.optimise(t, sc)
    rows.append(("optimise (reference)", 1, time.perf_counter() - t0))
    t0 = time.perf_counter()
    rb = robustness(res, draws=args.draws, seed=0)
    rows.append(("robustness, plan priced per draw", args.draws, time.perf_counter() - t0))
    t0 = time.perf_counter()
    robustness(res, draws=args.reoptimise, reoptimise=args.reoptimise, workers=args.workers)
    rows.append(
        (
            f"robustness, re-optimised ({args.workers} workers)",
            args.reoptimise,
            time.perf_counter() - t0,
        )
    )
    t0 = time.perf_counter()
    tp = tipping_points(res, parameters=["fixed_cost"], services=["rh_paie"])
    rows.append(("tipping point, rh_paie fixed cost", 1, time.perf_counter() - t0))
    t0 = time.perf_counter()
    decision_prices(res, services=["ads"])
    rows.append(("decision prices, ads", 1, time.perf_counter() - t0))
    print("| Analysis | Items | Wall time (s) | Per item (s) |")
    print("|---|---:|---:|---:|")
    for name, n, sec in rows:
        print(f"| {name} | {n} | {sec:.1f} | {sec / n:.3f} |")
    q = rb.summary.set_index("measure")
    print(
        f"\nNPV P10/P50/P90: {q.at['npv', 'p10']:,.0f} / {q.at['npv', 'p50']:,.0f} / "
        f"{q.at['npv', 'p90']:,.0f} EUR; P(loss) {q.at['npv', 'p_loss']:.1%}"
    )
    print(tp.to_string())


if __name__ == "__main__":
    main()
