"""The levers of issue 12, each measured on its own (CPU and wall; load average noted).

Usage (from the repository root)::

    python benchmarks/levers.py --out benchmarks/levers.json [--sections a,b,...] [--sample K]

Sections:

* ``no_worse_off``: CA du Pays Basque under ``no_worse_off`` (the
  ``sans_perdant`` override of scenarios/angers.yaml): ``optimise()`` time,
  rows and non-zeros of the built sub-models;
* ``shapley``: the Shapley allocation of CA du Pays Basque's default plan
  (14 pools of up to 158 members, sampled with 2,000 permutations);
* ``import``: ``import mutusim`` and ``import pandas`` alone in a fresh
  interpreter, best of 7, and which heavy libraries ``import mutusim`` loads;
* ``angers``: ``optimise()`` on Angers against the solver-only floor (the
  sum of HiGHS ``run()`` over the sub-models), and where the rest goes:
  ``Territory.subset`` and ``ModelData.from_inputs`` per sub-model (what
  building every sub-model from one model-data object would save);
* ``whole``: on every K-th EPCI of France (by SIREN), ``optimise()`` by
  service and as one model, to find below which size one model is faster;
* ``gap``: on the same sample, ``optimise()`` at MIP gaps 1e-6, 1e-4, 1e-3
  and 1e-2: time, cost and plan against the 1e-6 solve.

The script runs against whichever mutusim is importable, so the "before"
figures come from running it with ``PYTHONPATH`` pointing at an export of
the earlier commit.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import mutusim as ms
from mutusim.core.scenario import Scenario

PAYS_BASQUE = "200067106"
SECTIONS = ("no_worse_off", "shapley", "import", "angers", "whole", "gap")


def _timed(f: Callable[[], Any]) -> tuple[Any, float, float]:
    c0, t0 = time.process_time(), time.perf_counter()
    out = f()
    return out, time.perf_counter() - t0, time.process_time() - c0


def _load() -> float:
    return os.getloadavg()[0]


@contextlib.contextmanager
def _wrap(module: Any, name: str, acc: list[float]) -> Iterator[None]:
    """Time every call of ``module.name`` into ``acc``."""
    original = getattr(module, name)

    def timed(*a: Any, **k: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return original(*a, **k)
        finally:
            acc.append(time.perf_counter() - t0)

    setattr(module, name, timed)
    try:
        yield
    finally:
        setattr(module, name, original)


def no_worse_off(repeat: int) -> dict[str, Any]:
    from mutusim.model.build import build_model

    terr = ms.datasets.epci(PAYS_BASQUE)
    sc = Scenario(name="sans_perdant", no_worse_off=True)
    load0 = _load()
    runs = [_timed(lambda: ms.optimise(terr, sc)) for _ in range(repeat)]
    res, wall, cpu = min(runs, key=lambda r: r[1])
    rows = nonzeros = 0
    for s in terr.service_codes:
        m = build_model(terr.subset(services=[s]), sc)
        rows += m.num_constraints
        nonzeros += sum(len(c) for c in m.lp.constraints.values())
    return {
        "wall_seconds": wall,
        "cpu_seconds": cpu,
        "solve_seconds": res.solve_seconds,
        "build_seconds": res.build_seconds,
        "status": str(res.status),
        "total_cost": res.total_cost,
        "rows": rows,
        "nonzeros": nonzeros,
        "load": [load0, _load()],
    }


def shapley(repeat: int) -> dict[str, Any]:
    terr = ms.datasets.epci(PAYS_BASQUE)
    res = ms.optimise(terr)
    load0 = _load()
    runs = [_timed(lambda: ms.allocation(res)) for _ in range(repeat)]
    table, wall, cpu = min(runs, key=lambda r: r[1])
    return {
        "wall_seconds": wall,
        "cpu_seconds": cpu,
        "pools": int(table.groupby(["service", "mode"]).ngroups),
        "largest_pool": int(table.groupby(["service", "mode"]).size().max()),
        "sampled_rows": int((table["method"] == "sampled").sum()),
        "savings_shapley_sum": float(table["savings_shapley"].sum()),
        "load": [load0, _load()],
    }


def _fresh(code: str, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        r = subprocess.run(
            [
                sys.executable,
                "-c",
                f"import time; t=time.perf_counter(); {code}; print(time.perf_counter()-t)",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        out.append(float(r.stdout.strip().splitlines()[-1]))
    return out


def import_time(repeat: int) -> dict[str, Any]:
    load0 = _load()
    mutusim_t = _fresh("import mutusim", max(7, repeat))
    pandas_t = _fresh("import pandas", max(7, repeat))
    heavy = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, mutusim; print(','.join(m for m in "
            "('matplotlib','openpyxl','scipy','pulp','highspy','dask','distributed','pyarrow','yaml') "
            "if m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return {
        "mutusim_best": min(mutusim_t),
        "mutusim_median": statistics.median(mutusim_t),
        "pandas_best": min(pandas_t),
        "pandas_median": statistics.median(pandas_t),
        "loaded_by_import_mutusim": heavy.split(",") if heavy else [],
        "load": [load0, _load()],
    }


def angers(repeat: int) -> dict[str, Any]:
    from mutusim.core import territory as territory_module
    from mutusim.model import data as data_module
    from mutusim.model import highs as highs_module

    terr = ms.datasets.angers()
    ms.optimise(terr)  # warm caches
    best: dict[str, Any] | None = None
    load0 = _load()
    for _ in range(repeat):
        runs: list[float] = []
        subset: list[float] = []
        model_data: list[float] = []
        original_new = highs_module.new_highs

        class Timed:
            def __init__(self, h: Any) -> None:
                self.h = h

            def run(self, runs: list[float] = runs) -> Any:
                t0 = time.perf_counter()
                try:
                    return self.h.run()
                finally:
                    runs.append(time.perf_counter() - t0)

            def __getattr__(self, n: str) -> Any:
                return getattr(self.h, n)

        highs_module.new_highs = lambda *a, _new=original_new, **k: Timed(_new(*a, **k))
        try:
            with (
                _wrap(territory_module.Territory, "subset", subset),
                _wrap(data_module.ModelData, "from_inputs", model_data),
            ):
                _, wall, cpu = _timed(lambda: ms.optimise(terr))
        finally:
            highs_module.new_highs = original_new
        one, _, _ = _timed(lambda: data_module.ModelData.from_inputs(terr, Scenario()))
        _, one_md, _ = _timed(lambda: data_module.ModelData.from_inputs(terr, Scenario()))
        rec = {
            "optimise_seconds": wall,
            "optimise_cpu_seconds": cpu,
            "solver_only_seconds": sum(runs),
            "ratio": wall / sum(runs),
            "subset_seconds": sum(subset),
            "model_data_seconds": sum(model_data),
            "model_data_whole_seconds": one_md,
            "sub_models": len(runs),
        }
        saved = rec["subset_seconds"] + rec["model_data_seconds"] - rec["model_data_whole_seconds"]
        rec["ratio_without_subsets"] = (wall - saved) / sum(runs)
        if best is None or wall < best["optimise_seconds"]:
            best = rec
    assert best is not None
    best["load"] = [load0, _load()]
    return best


def _sample(k: int) -> list[str]:
    e = ms.datasets.epcis_2026().sort_values("siren")
    return [str(s) for s in e["siren"].iloc[::k]]


def whole(k: int) -> dict[str, Any]:
    rows = []
    load0 = _load()
    for siren in _sample(k):
        terr = ms.datasets.epci(siren)
        dec, dw, dc = _timed(lambda t=terr: ms.optimise(t, Scenario()))
        who, ww, wc = _timed(lambda t=terr: ms.optimise(t, Scenario(decompose=False)))
        rows.append(
            {
                "siren": siren,
                "communes": len(terr.communes),
                "decomposed_seconds": dw,
                "decomposed_cpu": dc,
                "whole_seconds": ww,
                "whole_cpu": wc,
                "decomposed_cost": dec.total_cost,
                "whole_cost": who.total_cost,
                "whole_status": str(who.status),
            }
        )
    return {"rows": rows, "load": [load0, _load()]}


def gap(k: int) -> dict[str, Any]:
    gaps = (1e-6, 1e-4, 1e-3, 1e-2)
    rows = []
    load0 = _load()
    for siren in _sample(k):
        terr = ms.datasets.epci(siren)
        ref = None
        for g in gaps:
            res, w, c = _timed(lambda g=g, t=terr: ms.optimise(t, Scenario(mip_gap=g)))
            plan = res.plan
            if ref is None:
                ref = (res.total_cost, plan)
            changed = sum(1 for p, m in plan.items() if ref[1].get(p) != m)
            rows.append(
                {
                    "siren": siren,
                    "communes": len(terr.communes),
                    "gap_setting": g,
                    "seconds": w,
                    "cpu": c,
                    "total_cost": res.total_cost,
                    "excess_cost": (res.total_cost or 0.0) - (ref[0] or 0.0),
                    "pairs_changed_vs_1e-6": changed,
                    "pairs": len(plan),
                    "gap": res.gap,
                    "status": str(res.status),
                }
            )
    return {"rows": rows, "load": [load0, _load()]}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--out", required=True)
    p.add_argument("--sections", default=",".join(SECTIONS))
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--sample", type=int, default=5, help="every K-th EPCI for whole and gap")
    args = p.parse_args(argv)
    out: dict[str, Any] = {
        "mutusim_file": ms.__file__,
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "nproc": os.cpu_count(),
    }
    target = Path(args.out)
    for section in args.sections.split(","):
        print(f"[{time.strftime('%H:%M:%S')}] {section} ...", file=sys.stderr)
        if section == "no_worse_off":
            out[section] = no_worse_off(args.repeat)
        elif section == "shapley":
            out[section] = shapley(args.repeat)
        elif section == "import":
            out[section] = import_time(args.repeat)
        elif section == "angers":
            out[section] = angers(args.repeat)
        elif section == "whole":
            out[section] = whole(args.sample)
        elif section == "gap":
            out[section] = gap(args.sample)
        else:
            raise SystemExit(f"unknown section {section}; choose among {SECTIONS}")
        fd, tmp = tempfile.mkstemp(dir=target.parent if target.parent.exists() else None)
        with os.fdopen(fd, "w") as f:
            json.dump(out, f, indent=1, default=str)
        os.replace(tmp, target)
        small = {k: v for k, v in out[section].items() if k != "rows"}
        print(json.dumps({section: small}, default=str), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
