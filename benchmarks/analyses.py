"""Time the scenario analyses on Angers: the what-if panel, robustness draws (priced and
re-optimised), tipping points and decision prices.

    .venv/bin/python benchmarks/analyses.py [--draws 1000] [--reoptimise 20] [--workers 2]
                                            [--all-tipping]

Prints Markdown tables (the figures recorded in benchmarks/analyses.md). Each timing
starts from what the earlier ones left in the process's cache of solved sub-models
(docs/model.md), as in a notebook session; the first row starts from an empty cache.
"""

from __future__ import annotations

import argparse
import os
import time

import mutusim as ms
from mutusim.analysis.decisions import decision_prices
from mutusim.analysis.tipping import TIPPING_PARAMETERS, tipping_points
from mutusim.analysis.uncertainty import robustness
from mutusim.model import phased
from mutusim.present.panel import whatif


def _whatif_rows(t: ms.Territory, sc: ms.Scenario) -> list[tuple[str, int, float]]:
    """One change of each control of the what-if panel, then back to the base."""
    panel = whatif(t, sc)
    c = panel.controls
    changes = [
        ("productivity of payroll x1.1", "productivity", 1.1),
        ("fixed cost of payroll x1.3", "fixed_cost", 1.3),
        ("productivity back to x1.0", "productivity", 1.0),
        ("fixed cost back to x1.0", "fixed_cost", 1.0),
        ("minimum service level 60", "min_level", 60.0),
        ("minimum service level back to 0", "min_level", 0.0),
        ("departure rate 4 %", "departure_rate", 0.04),
        ("communes up to 4,500 inhabitants", "max_population", 4500),
        ("transition budget 400,000 EUR a year", "transition_budget", 400_000.0),
    ]
    c["service"].value = "rh_paie"
    rows = []
    for label, name, value in changes:
        t0 = time.perf_counter()
        c[name].value = value  # observe() re-solves and renders
        rows.append((f"what-if: {label}", 1, time.perf_counter() - t0))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--reoptimise", type=int, default=20)
    ap.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--all-tipping", action="store_true", help="every service and parameter")
    args = ap.parse_args()
    t = ms.datasets.angers()
    sc = ms.datasets.angers_scenarios().get("plan_optimal")
    rows = []
    phased.clear_cache()
    t0 = time.perf_counter()
    res = ms.optimise(t, sc)
    rows.append(("optimise, empty cache", 1, time.perf_counter() - t0))
    t0 = time.perf_counter()
    ms.optimise(t, sc)
    rows.append(("optimise again (sub-models reused)", 1, time.perf_counter() - t0))
    rows += _whatif_rows(t, sc)
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
    tipping_points(res, parameters=["fixed_cost"], services=["rh_paie"])
    rows.append(("tipping point, rh_paie fixed cost", 1, time.perf_counter() - t0))
    services = list(t.service_codes)
    if args.all_tipping:
        params = list(TIPPING_PARAMETERS)
        t0 = time.perf_counter()
        tp = tipping_points(res, parameters=params, services=services)
        rows.append(
            ("tipping points, every service and parameter", len(tp), time.perf_counter() - t0)
        )
    t0 = time.perf_counter()
    dp = decision_prices(res)
    rows.append(("decision prices, every service", len(services), time.perf_counter() - t0))
    print("| Analysis | Items | Wall time (s) | Per item (s) |")
    print("|---|---:|---:|---:|")
    for name, n, sec in rows:
        print(f"| {name} | {n} | {sec:.2f} | {sec / max(n, 1):.3f} |")
    q = rb.summary.set_index("measure")
    print(
        f"\nNPV P10/P50/P90: {q.at['npv', 'p10']:,.0f} / {q.at['npv', 'p50']:,.0f} / "
        f"{q.at['npv', 'p90']:,.0f} EUR; P(loss) {q.at['npv', 'p_loss']:.1%}"
    )
    print(dp.to_string())


if __name__ == "__main__":
    main()
