"""The national run through ``ms.screen`` on a Dask LocalCluster: wall, CPU and memory per worker.

Usage (from the repository root)::

    python benchmarks/national.py --workers 2 --out /tmp/national [--no-rules]
        [--filter region=52] [--json benchmarks/national.json]

The folder ``--out`` is removed first (a fresh run, nothing resumed). The
script creates the LocalCluster itself (single-threaded worker processes,
as ``ms.screen`` does) so that it can read, on each worker, the CPU time
(``resource.getrusage``) used during the run and the peak resident memory
(``ru_maxrss``). It prints one JSON record and appends it to ``--json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import shutil
import sys
import time
from typing import Any


def _usage() -> dict[str, float]:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return {"cpu": r.ru_utime + r.ru_stime, "maxrss_mb": r.ru_maxrss / 1024.0}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--out", required=True)
    p.add_argument("--no-rules", action="store_true")
    p.add_argument("--filter", action="append", default=[])
    p.add_argument("--json", default=None)
    args = p.parse_args(argv)

    from distributed import Client, LocalCluster

    import mutusim as ms
    from mutusim.analysis.national import select_epcis

    filters: dict[str, list[str]] = {}
    for item in args.filter:
        k, _, v = item.partition("=")
        filters.setdefault(k, []).append(v)
    selection = select_epcis(filters)
    shutil.rmtree(args.out, ignore_errors=True)

    load0 = os.getloadavg()
    cluster = LocalCluster(
        n_workers=args.workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        silence_logs=logging.ERROR,
    )
    client = Client(cluster)
    client.run(lambda: __import__("mutusim.analysis.national"))  # warm the imports
    before = client.run(_usage)
    c0 = time.process_time()
    t0 = time.perf_counter()
    res = ms.screen(selection, client=client, out=args.out, rules=not args.no_rules)
    wall = time.perf_counter() - t0
    client_cpu = time.process_time() - c0
    after = client.run(_usage)
    client.close()
    cluster.close()

    e = res.epcis
    record: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "workers": args.workers,
        "rules": not args.no_rules,
        "filters": filters,
        "epcis": len(e),
        "statuses": {str(k): int(v) for k, v in e["status"].value_counts().items()},
        "wall_seconds": wall,
        "workers_cpu_seconds": sum(after[w]["cpu"] - before[w]["cpu"] for w in after),
        "client_cpu_seconds": client_cpu,
        "peak_rss_mb_per_worker": sorted(after[w]["maxrss_mb"] for w in after),
        "task_seconds_sum": float(e["seconds"].sum()),
        "binding_seconds_sum": float(e["binding_seconds"].sum()),
        "solve_seconds_sum": float(e["solve_seconds"].sum()),
        "build_seconds_sum": float(e["build_seconds"].sum()),
        "savings_sum": float(e["savings"].sum()),
        "load_average_start": load0,
        "load_average_end": os.getloadavg(),
        "nproc": os.cpu_count(),
    }
    text = json.dumps(record, default=str)
    print(text)
    if args.json:
        with open(args.json, "a", encoding="utf-8") as f:
            f.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
