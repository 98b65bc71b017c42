"""The national run as a plain loop, one process: every EPCI through ``datasets.epci`` + ``optimise``.

This is the measurement of issue 12 ("a loop written by hand"), kept to
measure the levers one by one without Dask: per EPCI it records the time
to build the territory, the time of ``optimise()`` split into build and
solve, the status, the cost and a fingerprint of the plan, so that two runs
(e.g. two MIP gaps) can be compared plan by plan.

Usage (from the repository root)::

    python benchmarks/national_loop.py --out /tmp/loop.parquet [--mip-gap 1e-6]
        [--decompose true|false|auto:N] [--limit N] [--scenario NAME]

``--decompose auto:N`` solves EPCIs of at most N communes as one model and
the others by service (the "small territories whole" lever, measured here
because the pipeline itself belongs to issue 8). ``--scenario sans_perdant``
switches the no-worse-off rule on. Prints CPU and wall totals and the load
average; the per-EPCI table goes to ``--out`` (Parquet).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from pathlib import Path

import pandas as pd

import mutusim as ms
from mutusim.core.scenario import Scenario


def _plan_hash(res: ms.Result) -> str:
    if not res.has_plan:
        return ""
    d = res.decisions.sort_values(["service", "commune"])
    text = "|".join(
        f"{s},{c},{m}" for s, c, m in zip(d["service"], d["commune"], d["mode"], strict=False)
    )
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--out", required=True)
    p.add_argument("--mip-gap", type=float, default=None)
    p.add_argument("--decompose", default="true")
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--scenario", default=None, choices=[None, "sans_perdant"])
    args = p.parse_args(argv)

    base = Scenario()
    if args.scenario == "sans_perdant":
        base = base.replace(name="sans_perdant", no_worse_off=True)
    if args.mip_gap is not None:
        base = base.replace(mip_gap=args.mip_gap)
    epcis = ms.datasets.epcis_2026().sort_values("siren")
    if args.limit:
        epcis = epcis.head(args.limit)
    rows = []
    load0 = os.getloadavg()[0]
    c_all, w_all = time.process_time(), time.perf_counter()
    for i, siren in enumerate(epcis["siren"]):
        c0, t0 = time.process_time(), time.perf_counter()
        terr = ms.datasets.epci(siren)
        t1 = time.perf_counter()
        sc = base
        if args.decompose == "false":
            sc = base.replace(decompose=False)
        elif args.decompose.startswith("auto:"):
            sc = base.replace(decompose=len(terr.communes) > int(args.decompose[5:]))
        res = ms.optimise(terr, sc)
        t2 = time.perf_counter()
        rows.append(
            {
                "siren": siren,
                "communes": len(terr.communes),
                "epci_seconds": t1 - t0,
                "optimise_seconds": t2 - t1,
                "build_seconds": res.build_seconds,
                "solve_seconds": res.solve_seconds,
                "cpu_seconds": time.process_time() - c0,
                "status": str(res.status),
                "total_cost": res.total_cost,
                "baseline_cost": res.baseline_cost,
                "bound": res.bound,
                "gap": res.gap,
                "plan": _plan_hash(res),
                "changed_pairs": int(res.decisions["changed"].sum()) if res.has_plan else 0,
            }
        )
        if (i + 1) % 100 == 0:
            print(f"{i + 1}/{len(epcis)} {time.perf_counter() - w_all:.1f}s", file=sys.stderr)
    cpu, wall = time.process_time() - c_all, time.perf_counter() - w_all
    df = pd.DataFrame(rows)
    df.to_parquet(Path(args.out))
    print(
        f"{len(df)} EPCIs, {dict(df['status'].value_counts())}; CPU {cpu:.1f} s, wall {wall:.1f} s; "
        f"epci() {df['epci_seconds'].sum():.1f} s, optimise() {df['optimise_seconds'].sum():.1f} s "
        f"(build {df['build_seconds'].sum():.1f} s, solve {df['solve_seconds'].sum():.1f} s); "
        f"load average {load0:.2f} -> {os.getloadavg()[0]:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
