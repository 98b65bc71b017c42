"""Benchmarks of mutusim: model build, solver hand-over, solver alone, ``optimise()``.

Usage (from the repository root; ``make bench`` runs the default)::

    python benchmarks/run.py [--quick] [--cases angers,pays_basque,synthetic3000]
                             [--out benchmarks/results.json] [--repeat N] [--profile]

For each case (a territory under the default :class:`mutusim.Scenario`) and
each of the two model layouts, the whole model (``decompose=False``) and the
decomposed one (one sub-model per service, ``territory.subset(services=[s])``
as :func:`mutusim.optimise` does, times summed over the sub-models), it times
separately:

1. ``build``: the PuLP model build, :func:`mutusim.model.build.build_model`
   (``MilpModel.build_seconds``);
2. ``bridge``: hand-over to HiGHS + solve through our highspy bridge: the
   wall time of the whole :func:`mutusim.model.solver.solve` call, from the
   built PuLP model to the values written back into its variables. That is
   :func:`mutusim.model.solver.model_rows` (PuLP rows to compressed arrays),
   then :func:`mutusim.model.highs.run_highs` (``HighsLp`` assembly,
   ``passModel``, ``run()``, reading the status and the solution). The
   bridge's own timer, ``SolveInfo.seconds``, starts inside ``run_highs``
   and so leaves ``model_rows`` out: it is recorded as ``run_highs_seconds``
   but not used as the bridge time. ``run_in_bridge`` is the part spent in
   ``Highs.run()`` inside that call (the Highs object that ``run_highs``
   gets from :func:`mutusim.model.highs.new_highs` is wrapped), so
   ``handover = bridge - run_in_bridge``: everything the modelling layer adds
   around the solver's search. Of it, ``rows_seconds`` is the time inside
   ``model_rows`` and ``pass_model_seconds`` the time inside ``passModel``;
3. ``solver_only``: the floor, HiGHS alone on the same model: the very
   ``HighsLp`` the bridge passed to ``passModel`` (same rows and columns in the
   same order, no file round trip) is passed to a fresh ``highspy.Highs()``
   (not timed) and only ``run()`` is timed, with the bridge's options
   (output_flag False, mip_rel_gap, random_seed 0, threads 1, time_limit);
3b. ``pulp_mps``: the same on the MPS file PuLP writes
   (``model.lp.writeMPS``). PuLP sorts the columns by name, and HiGHS's
   branch and bound is sensitive to the column order, so this time can differ
   from (3) by a factor of two either way: it measures that sensitivity, not
   an overhead of the bridge;

and, end to end, :func:`mutusim.optimise` with ``decompose=False`` and with
``decompose=True`` (data preparation, build, solve, independent check and
result tables). Status, objective, gap and the model sizes are recorded too.

Every measurement is taken with :func:`time.perf_counter`, best of
``repeat`` runs (3 for Angers, 1 for the larger cases, 1 with ``--quick``).
``--quick`` runs Angers only, once: the smoke test calls it.

The results are written atomically (temporary file, then ``os.replace``) to
``--out`` after each case, and a Markdown summary is printed. See
``benchmarks/README.md`` for the figures of the reference machine.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import importlib.metadata
import json
import math
import os
import platform
import pstats
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import highspy
import pulp

import mutusim as ms
from mutusim.core.scenario import Scenario
from mutusim.core.status import SolveInfo
from mutusim.core.territory import Territory
from mutusim.model import highs as highs_module
from mutusim.model import solver as solve_module
from mutusim.model.build import build_model
from mutusim.model.milp import MilpModel
from mutusim.model.solver import solve

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "results.json"

#: SIREN of the CA du Pays Basque, the EPCI with the most communes (158) in data/epci_2026.csv.
PAYS_BASQUE_SIREN = "200067106"

#: Version of the layout of results.json (bump when keys change).
#: 2: ``rows_seconds``, ``pass_model_seconds`` and ``run_highs_seconds`` added (staged
#: package: the hand-over to HiGHS happens inside ``mutusim.model.highs.run_highs``).
SCHEMA_VERSION = 2

#: Keys of each measured layout ("whole", "decomposed") in results.json. Times in seconds:
#:
#: * ``build_seconds``: ``build_model`` (territory + scenario -> PuLP model), wall time;
#: * ``bridge_seconds``: the whole ``solve(model)`` call, wall time: PuLP rows -> arrays
#:   (``model_rows``), ``run_highs`` (``HighsLp`` assembly, ``passModel``, ``run()``,
#:   reading status and solution) and the values written back to the PuLP variables;
#: * ``run_in_bridge_seconds``: the part of it inside ``Highs.run()`` (the solver's search);
#: * ``handover_seconds`` = ``bridge_seconds - run_in_bridge_seconds``: all the modelling
#:   layer adds around the search; of it ``rows_seconds`` inside ``model_rows`` and
#:   ``pass_model_seconds`` inside ``Highs.passModel``;
#: * ``run_highs_seconds``: ``SolveInfo.seconds``, the bridge's own timer, which starts
#:   inside ``run_highs`` and so leaves ``model_rows`` out (kept for reference only);
#: * ``solver_only_seconds``: ``Highs.run()`` alone on the very ``HighsLp`` the bridge
#:   handed over, loaded into a fresh Highs outside the timing: the floor;
#: * ``pulp_mps_seconds``: ``Highs.run()`` alone on PuLP's MPS file (columns sorted by
#:   name: a permuted model, which shows the solver's sensitivity to column order);
#: * ``*_cpu_seconds``: ``time.process_time()`` of the same call (not inflated by other
#:   jobs on a shared machine; HiGHS runs on one thread).
LAYOUT_KEYS = (
    "sub_models",
    "time_limit",
    "num_variables",
    "num_constraints",
    "subset_seconds",
    "build_seconds",
    "build_cpu_seconds",
    "bridge_seconds",
    "run_in_bridge_seconds",
    "run_in_bridge_cpu_seconds",
    "handover_seconds",
    "rows_seconds",
    "pass_model_seconds",
    "run_highs_seconds",
    "solver_only_model",
    "solver_only_seconds",
    "solver_only_cpu_seconds",
    "pulp_mps_write_seconds",
    "pulp_mps_seconds",
    "pulp_mps_cpu_seconds",
    "status",
    "solver_status",
    "objective",
    "bound",
    "gap",
    "nodes",
    "solver_only_status",
    "solver_only_objective",
    "solver_only_gap",
    "pulp_mps_status",
    "pulp_mps_objective",
    "pulp_mps_gap",
    "build_over_solve",
    "build_over_solver_only",
)

#: Keys of each end-to-end optimise() run in results.json.
OPTIMISE_KEYS = (
    "decompose",
    "time_limit",
    "seconds",
    "build_seconds",
    "solve_seconds",
    "other_seconds",
    "status",
    "objective",
    "total_cost",
    "gap",
)


@dataclass(frozen=True)
class Case:
    """A territory to benchmark."""

    key: str
    load: Callable[[], Territory]
    repeat: int = 1
    #: time limit [s] of the whole model (None: the scenario's default)
    whole_time_limit: float | None = None


CASES: dict[str, Case] = {
    "angers": Case("angers", ms.datasets.angers, repeat=3),
    "pays_basque": Case("pays_basque", lambda: ms.datasets.epci(PAYS_BASQUE_SIREN)),
    "synthetic3000": Case(
        "synthetic3000", lambda: ms.datasets.synthetic(3000), whole_time_limit=300.0
    ),
}


# --------------------------------------------------------------- measuring
@dataclass
class _BridgeRecorder:
    """What the wrapped bridge did during one :func:`solve` call.

    ``runs``: wall and CPU time of each ``Highs.run()``; ``pass_model``: wall
    time of each ``passModel``; ``rows``: wall time of each ``model_rows``;
    ``lp``: the last ``HighsLp`` handed over (for the solver-only run).
    """

    runs: list[tuple[float, float]] = field(default_factory=list)
    pass_model: list[float] = field(default_factory=list)
    rows: list[float] = field(default_factory=list)
    lp: Any = None


class _TimedHighs:
    """A ``highspy.Highs`` whose ``passModel`` and ``run()`` are timed; the rest is delegated."""

    def __init__(self, highs: Any, recorder: _BridgeRecorder) -> None:
        self._highs = highs
        self._recorder = recorder

    def passModel(self, lp: Any) -> Any:  # noqa: N802 - highspy's name
        self._recorder.lp = lp
        t0 = time.perf_counter()
        try:
            return self._highs.passModel(lp)
        finally:
            self._recorder.pass_model.append(time.perf_counter() - t0)

    def run(self) -> Any:
        c0, t0 = time.process_time(), time.perf_counter()
        try:
            return self._highs.run()
        finally:
            self._recorder.runs.append((time.perf_counter() - t0, time.process_time() - c0))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._highs, name)


@contextlib.contextmanager
def _patched(module: Any, name: str, wrapper: Callable[[Any], Any]) -> Iterator[bool]:
    """Replace ``module.name`` by ``wrapper(original)`` for the block; False if it is missing."""
    original = getattr(module, name, None)
    if original is None:
        yield False
        return
    setattr(module, name, wrapper(original))
    try:
        yield True
    finally:
        setattr(module, name, original)


@contextlib.contextmanager
def _record_bridge(recorder: _BridgeRecorder) -> Iterator[bool]:
    """Wrap what :func:`mutusim.model.solver.solve` calls; yields False if not possible.

    ``run_highs`` gets its Highs object from the module-level
    ``mutusim.model.highs.new_highs`` and ``solve`` calls the module-level
    ``mutusim.model.solver.model_rows``: both are looked up at call time, so
    wrapping them here times the hand-over without changing it. If a refactor
    moves them, ``run_in_bridge`` is not measured (None) and the solver-only
    run falls back to PuLP's MPS file.
    """

    def highs_factory(new_highs: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> _TimedHighs:
            return _TimedHighs(new_highs(*args, **kwargs), recorder)

        return timed

    def rows_wrapper(model_rows: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return model_rows(*args, **kwargs)
            finally:
                recorder.rows.append(time.perf_counter() - t0)

        return timed

    with (
        _patched(highs_module, "new_highs", highs_factory) as highs_wrapped,
        _patched(solve_module, "model_rows", rows_wrapper) as rows_wrapped,
    ):
        yield highs_wrapped and rows_wrapped


@dataclass
class _BridgeRun:
    """One solve through the bridge, and how its time splits."""

    info: SolveInfo
    seconds: float  # wall time of the whole solve(model) call
    run_wall: float | None  # inside Highs.run()
    run_cpu: float | None
    rows: float | None  # inside model_rows (PuLP rows -> arrays)
    pass_model: float | None  # inside Highs.passModel
    lp: Any  # the HighsLp handed over (None if not recorded)


def _bridge_solve(model: MilpModel) -> _BridgeRun:
    """Solve ``model`` through the bridge, timing the whole call and its parts."""
    recorder = _BridgeRecorder()
    with _record_bridge(recorder) as wrapped:
        t0 = time.perf_counter()
        info = solve(model)
        seconds = time.perf_counter() - t0
    if not (wrapped and recorder.runs):
        return _BridgeRun(info, seconds, None, None, None, None, None)
    return _BridgeRun(
        info=info,
        seconds=seconds,
        run_wall=math.fsum(w for w, _ in recorder.runs),
        run_cpu=math.fsum(c for _, c in recorder.runs),
        rows=math.fsum(recorder.rows),
        pass_model=math.fsum(recorder.pass_model),
        lp=recorder.lp,
    )


def _fresh_highs(scenario: Scenario) -> Any:
    """A plain ``highspy.Highs`` with the bridge's options (set here, not through mutusim)."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", float(scenario.mip_gap))
    h.setOptionValue("random_seed", 0)
    h.setOptionValue("threads", 1)
    h.setOptionValue("time_limit", float(scenario.time_limit))
    return h


def _solver_only(model: Any, scenario: Scenario) -> dict[str, Any]:
    """HiGHS alone: a fresh Highs, the model loaded (not timed), only ``run()`` timed.

    ``model`` is the ``HighsLp`` the bridge handed over, or the path of an MPS file.
    """
    h = _fresh_highs(scenario)
    loaded = h.readModel(str(model)) if isinstance(model, Path) else h.passModel(model)
    if loaded == highspy.HighsStatus.kError:
        raise RuntimeError(f"HiGHS could not load the model ({model})")
    c0, t0 = time.process_time(), time.perf_counter()
    h.run()
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - c0
    info = h.getInfo()
    has_solution = info.primal_solution_status == 2
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "status": h.modelStatusToString(h.getModelStatus()),
        "objective": float(info.objective_function_value) if has_solution else None,
        "gap": float(info.mip_gap) if has_solution else None,
    }


def _best_solver_only(model: Any, scenario: Scenario, repeat: int) -> dict[str, Any]:
    return min((_solver_only(model, scenario) for _ in range(repeat)), key=lambda r: r["seconds"])


def _measure_model(
    territory: Territory, scenario: Scenario, repeat: int, workdir: Path, tag: str
) -> dict[str, Any]:
    """Build, bridge+solve and solver-only times of one model, best of ``repeat`` each."""
    build_times, build_cpu = [], []
    model = None
    for _ in range(repeat):
        c0 = time.process_time()
        model = build_model(territory, scenario)
        build_cpu.append(time.process_time() - c0)
        build_times.append(model.build_seconds)
    assert model is not None
    if model.infeasible_pairs():
        raise RuntimeError(f"{tag}: some pairs have no allowed mode; nothing to benchmark")

    # solve() only reads the model and writes the variables' values: it can be repeated.
    runs = [_bridge_solve(model) for _ in range(repeat)]
    bridge_lp = runs[0].lp  # identical arrays on every run; keep the first
    best = min(runs, key=lambda r: r.seconds)
    info = best.info

    # PuLP's MPS: writeMPS sorts lp._variables by name (the bridge does not use that list).
    pulp_mps = workdir / f"{tag}.pulp.mps"
    t0 = time.perf_counter()
    model.lp.writeMPS(str(pulp_mps))
    mps_seconds = time.perf_counter() - t0
    by_pulp = _best_solver_only(pulp_mps, scenario, repeat)
    has_bridge_lp = bridge_lp is not None
    alone = _best_solver_only(bridge_lp, scenario, repeat) if has_bridge_lp else by_pulp
    pulp_mps.unlink(missing_ok=True)

    return {
        "num_variables": model.num_variables,
        "num_constraints": model.num_constraints,
        "build_seconds": min(build_times),
        "build_cpu_seconds": min(build_cpu),
        "bridge_seconds": best.seconds,
        "run_in_bridge_seconds": best.run_wall,
        "run_in_bridge_cpu_seconds": best.run_cpu,
        "rows_seconds": best.rows,
        "pass_model_seconds": best.pass_model,
        "run_highs_seconds": info.seconds,
        "solver_only_model": "bridge order" if has_bridge_lp else "pulp mps",
        "solver_only_seconds": alone["seconds"],
        "solver_only_cpu_seconds": alone["cpu_seconds"],
        "pulp_mps_write_seconds": mps_seconds,
        "pulp_mps_seconds": by_pulp["seconds"],
        "pulp_mps_cpu_seconds": by_pulp["cpu_seconds"],
        "status": str(info.status),
        "solver_status": info.solver_status,
        "objective": info.objective,
        "bound": info.bound,
        "gap": info.gap,
        "nodes": info.nodes,
        "solver_only_status": alone["status"],
        "solver_only_objective": alone["objective"],
        "solver_only_gap": alone["gap"],
        "pulp_mps_status": by_pulp["status"],
        "pulp_mps_objective": by_pulp["objective"],
        "pulp_mps_gap": by_pulp["gap"],
    }


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or not b else a / b


def _finish_layout(out: dict[str, Any]) -> dict[str, Any]:
    run = out["run_in_bridge_seconds"]
    out["handover_seconds"] = None if run is None else out["bridge_seconds"] - run
    out["build_over_solve"] = _ratio(out["build_seconds"], out["bridge_seconds"])
    out["build_over_solver_only"] = _ratio(out["build_seconds"], out["solver_only_seconds"])
    return {k: out.get(k) for k in LAYOUT_KEYS} | {
        k: v for k, v in out.items() if k not in LAYOUT_KEYS
    }


def measure_whole(
    territory: Territory, scenario: Scenario, repeat: int, workdir: Path
) -> dict[str, Any]:
    """The whole model (``decompose=False``)."""
    out = _measure_model(territory, scenario, repeat, workdir, "whole")
    out |= {"sub_models": 1, "time_limit": scenario.time_limit, "subset_seconds": 0.0}
    return _finish_layout(out)


def measure_decomposed(
    territory: Territory, scenario: Scenario, repeat: int, workdir: Path
) -> dict[str, Any]:
    """One sub-model per service, as :func:`mutusim.optimise` does; times are summed.

    Each sub-model gets the scenario's full time limit (``optimise`` shares
    one limit between them instead).
    """
    parts = []
    subset_seconds = 0.0
    for s in territory.service_codes:
        t0 = time.perf_counter()
        sub = territory.subset(services=[s])
        subset_seconds += time.perf_counter() - t0
        part = _measure_model(sub, scenario, repeat, workdir, f"sub_{s}")
        parts.append({"service": s} | part)

    def total(key: str) -> float | None:
        values = [p[key] for p in parts]
        return None if any(v is None for v in values) else math.fsum(values)

    statuses = sorted({p["status"] for p in parts})
    all_optimal = statuses == ["optimal"]
    has_plans = all(p["objective"] is not None for p in parts)
    objective = total("objective") if has_plans else None
    bound = total("bound") if has_plans else None
    gap = None
    if objective is not None and bound is not None:
        gap = abs(objective - bound) / max(1e-9, abs(objective))

    def distinct(key: str) -> str:
        return "/".join(sorted({str(p[key]) for p in parts}))

    out = {
        "sub_models": len(parts),
        "time_limit": scenario.time_limit,
        "num_variables": sum(p["num_variables"] for p in parts),
        "num_constraints": sum(p["num_constraints"] for p in parts),
        "subset_seconds": subset_seconds,
        "build_seconds": total("build_seconds"),
        "build_cpu_seconds": total("build_cpu_seconds"),
        "bridge_seconds": total("bridge_seconds"),
        "run_in_bridge_seconds": total("run_in_bridge_seconds"),
        "run_in_bridge_cpu_seconds": total("run_in_bridge_cpu_seconds"),
        "rows_seconds": total("rows_seconds"),
        "pass_model_seconds": total("pass_model_seconds"),
        "run_highs_seconds": total("run_highs_seconds"),
        "solver_only_model": distinct("solver_only_model"),
        "solver_only_seconds": total("solver_only_seconds"),
        "solver_only_cpu_seconds": total("solver_only_cpu_seconds"),
        "pulp_mps_write_seconds": total("pulp_mps_write_seconds"),
        "pulp_mps_seconds": total("pulp_mps_seconds"),
        "pulp_mps_cpu_seconds": total("pulp_mps_cpu_seconds"),
        "status": "optimal" if all_optimal else "/".join(statuses),
        "solver_status": f"{len(parts)} sub-models: "
        + ", ".join(sorted({p["solver_status"] for p in parts})),
        "objective": objective,
        "bound": bound,
        "gap": gap,
        "nodes": sum(p["nodes"] or 0 for p in parts),
        "solver_only_status": distinct("solver_only_status"),
        "solver_only_objective": total("solver_only_objective"),
        "solver_only_gap": None,  # not additive; see each part
        "pulp_mps_status": distinct("pulp_mps_status"),
        "pulp_mps_objective": total("pulp_mps_objective"),
        "pulp_mps_gap": None,
        "parts": parts,
    }
    return _finish_layout(out)


def measure_optimise(territory: Territory, scenario: Scenario, repeat: int) -> dict[str, Any]:
    """``mutusim.optimise`` end to end, best of ``repeat``.

    ``seconds``: the whole call, wall time. ``build_seconds`` and ``solve_seconds``
    are what the result reports (``Result.build_seconds``, summed over the
    sub-models, and ``SolveInfo.seconds``, summed ``run_highs`` times, which leave
    ``model_rows`` out); ``other_seconds`` is the rest: data preparation,
    status-quo evaluation, votes, ``model_rows``, the independent check and the
    result tables.
    """
    best = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        res = ms.optimise(territory, scenario)
        seconds = time.perf_counter() - t0
        if best is None or seconds < best[0]:
            best = (seconds, res)
    assert best is not None
    seconds, res = best
    solve_seconds = res.solve.seconds if res.solve is not None else None
    other = None if solve_seconds is None else seconds - res.build_seconds - solve_seconds
    return {
        "decompose": scenario.decompose,
        "time_limit": scenario.time_limit,
        "seconds": seconds,
        "build_seconds": res.build_seconds,
        "solve_seconds": solve_seconds,
        "other_seconds": other,
        "status": str(res.status),
        "objective": res.solve.objective if res.solve is not None else None,
        "total_cost": res.total_cost,
        "gap": res.solve.gap if res.solve is not None else None,
    }


def run_case(case: Case, repeat: int | None, profile: bool) -> dict[str, Any]:
    """Every measurement of one case."""
    n = repeat if repeat is not None else case.repeat
    t0 = time.perf_counter()
    territory = case.load()
    load_seconds = time.perf_counter() - t0
    base = Scenario()
    whole_sc = base.replace(decompose=False)
    if case.whole_time_limit is not None:
        whole_sc = whole_sc.replace(time_limit=case.whole_time_limit)
    decomposed_sc = base.replace(decompose=True)

    _log(f"[{case.key}] {territory!r} loaded in {load_seconds:.2f} s; best of {n}")
    out: dict[str, Any] = {
        "territory": {
            "name": territory.name,
            "communes": len(territory.communes),
            "services": len(territory.service_codes),
            "load_seconds": load_seconds,
        },
        "repeat": n,
        "load_average_start": _loadavg(),
    }
    with tempfile.TemporaryDirectory(prefix="mutusim-bench-") as tmp:
        workdir = Path(tmp)
        _log(f"[{case.key}] whole model (time limit {whole_sc.time_limit:g} s) ...")
        out["whole"] = measure_whole(territory, whole_sc, n, workdir)
        _log(f"[{case.key}] decomposed model ...")
        out["decomposed"] = measure_decomposed(territory, decomposed_sc, n, workdir)
    out["optimise"] = {}
    for label, sc in (("whole", whole_sc), ("decomposed", decomposed_sc)):
        _log(f"[{case.key}] optimise(), {label} ...")
        out["optimise"][label] = measure_optimise(territory, sc, n)
    out["load_average_end"] = _loadavg()
    if profile:
        out["profile_build"] = profile_build(territory, whole_sc)
    return out


def _loadavg() -> list[float] | None:
    """1, 5 and 15-minute load averages: above the number of CPUs, timings are inflated."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):  # not on Unix
        return None


def profile_build(territory: Territory, scenario: Scenario, top: int = 15) -> list[dict]:
    """cProfile of one whole-model build; the ``top`` mutusim functions by cumulative time."""
    profiler = cProfile.Profile()
    profiler.enable()
    build_model(territory, scenario)
    profiler.disable()
    stats = pstats.Stats(profiler)
    rows = []
    for (filename, line, func), (_cc, ncalls, tottime, cumtime, _callers) in stats.stats.items():
        if f"{os.sep}mutusim{os.sep}" in filename:
            rows.append(
                {
                    "function": f"{Path(filename).name}:{line}({func})",
                    "ncalls": ncalls,
                    "tottime": tottime,
                    "cumtime": cumtime,
                }
            )
    rows.sort(key=lambda r: r["cumtime"], reverse=True)
    return rows[:top]


# ----------------------------------------------------------------- context
def machine() -> dict[str, Any]:
    """Where the figures come from."""
    cpu = None
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = os.cpu_count()

    def version(dist: str) -> str | None:
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            return None

    return {
        "nproc": usable,
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu or platform.processor() or None,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "pulp": pulp.__version__,
        "highspy": version("highspy"),
        "numpy": version("numpy"),
        "pandas": version("pandas"),
        "mutusim": ms.__version__,
    }


def _finite(obj: Any) -> Any:
    """``obj`` with non-finite floats (a solver's inf bound or gap) replaced by None."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    return obj


def write_json_atomic(data: dict[str, Any], path: Path) -> None:
    """Write ``data`` to ``path`` through a temporary file of the same folder and ``os.replace``."""
    data = _finite(data)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    umask = os.umask(0)
    os.umask(umask)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            if hasattr(os, "fchmod"):  # mkstemp creates 0600; give the usual permissions
                os.fchmod(f.fileno(), 0o666 & ~umask)
            json.dump(data, f, indent=2, ensure_ascii=False, allow_nan=False)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# ----------------------------------------------------------------- display
def _s(x: float | None) -> str:
    if x is None:
        return "–"
    return f"{x:.3f}" if x < 10 else f"{x:.1f}"


def _r(x: float | None) -> str:
    return "–" if x is None else f"{x:.2f}"


def _eur(x: float | None) -> str:
    return "–" if x is None else f"{x:,.0f}"


def _gap(x: float | None) -> str:
    return "–" if x is None else f"{x:.1e}"


def case_table(key: str, res: dict[str, Any]) -> str:
    """A Markdown table of one case: rows are measurements, columns the two layouts."""
    t, w, d = res["territory"], res["whole"], res["decomposed"]
    ow, od = res["optimise"]["whole"], res["optimise"]["decomposed"]
    timed = (
        ("territory.subset() [s]", "subset_seconds"),
        ("(1) build, PuLP [s]", "build_seconds"),
        ("(1) build, CPU time [s]", "build_cpu_seconds"),
        ("(2) bridge: hand-over + solve [s]", "bridge_seconds"),
        ("    of which hand-over [s]", "handover_seconds"),
        ("        of which PuLP rows → arrays (model_rows) [s]", "rows_seconds"),
        ("        of which passModel [s]", "pass_model_seconds"),
        ("    of which HiGHS run() [s]", "run_in_bridge_seconds"),
        ("    of which HiGHS run(), CPU time [s]", "run_in_bridge_cpu_seconds"),
        ("(3) solver only: run() on the same model [s]", "solver_only_seconds"),
        ("(3) solver only, CPU time [s]", "solver_only_cpu_seconds"),
        ("(3b) run() on PuLP's MPS, columns by name [s]", "pulp_mps_seconds"),
        ("(3b) PuLP's MPS, CPU time [s]", "pulp_mps_cpu_seconds"),
    )
    sizes = [f"{m['num_variables']:,} / {m['num_constraints']:,}" for m in (w, d)]
    rows = [
        ("variables / constraints", *sizes),
        ("time limit per solve [s]", f"{w['time_limit']:g}", f"{d['time_limit']:g} each"),
        *(
            (label, _s(w[k]) if w["sub_models"] > 1 or k != "subset_seconds" else "–", _s(d[k]))
            for label, k in timed
        ),
        ("optimise() end to end [s]", _s(ow["seconds"]), _s(od["seconds"])),
        ("build / (bridge + solve)", _r(w["build_over_solve"]), _r(d["build_over_solve"])),
        ("build / solver only", _r(w["build_over_solver_only"]), _r(d["build_over_solver_only"])),
        ("status: bridge", w["status"], d["status"]),
        ("status: solver only", w["solver_only_status"], d["solver_only_status"]),
        ("status: PuLP's MPS", w["pulp_mps_status"], d["pulp_mps_status"]),
        ("status: optimise()", ow["status"], od["status"]),
        ("objective [EUR/year]", _eur(w["objective"]), _eur(d["objective"])),
        ("gap", _gap(w["gap"]), _gap(d["gap"])),
    ]
    load = res.get("load_average_start"), res.get("load_average_end")
    load_note = ""
    if all(load):
        load_note = f"; load average {load[0][0]:.2f} at start, {load[1][0]:.2f} at end"
    head = (
        f"### {key}: {t['name']}, {t['communes']:,} communes × {t['services']} services\n\n"
        f"Best of {res['repeat']}{load_note}.\n\n"
        f"| | whole model | decomposed ({d['sub_models']} sub-models) |\n|---|---:|---:|\n"
    )
    return head + "\n".join(f"| {a} | {b} | {c} |" for a, b, c in rows) + "\n"


def summary_table(cases: dict[str, dict[str, Any]]) -> str:
    """One line per case and layout."""
    lines = [
        "| case | model | variables | constraints | build [s] | bridge+solve [s] "
        "| solver only [s] | PuLP MPS [s] | optimise() [s] | build/solve | status "
        "| objective [EUR/year] |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for key, res in cases.items():
        for layout in ("whole", "decomposed"):
            m, o = res[layout], res["optimise"][layout]
            lines.append(
                f"| {key} | {layout} | {m['num_variables']:,} | {m['num_constraints']:,} "
                f"| {_s(m['build_seconds'])} | {_s(m['bridge_seconds'])} "
                f"| {_s(m['solver_only_seconds'])} | {_s(m['pulp_mps_seconds'])} "
                f"| {_s(o['seconds'])} "
                f"| {_r(m['build_over_solve'])} | {m['status']} | {_eur(m['objective'])} |"
            )
    return "\n".join(lines) + "\n"


def profile_table(rows: list[dict]) -> str:
    lines = ["| function | calls | tottime [s] | cumtime [s] |", "|---|---:|---:|---:|"]
    lines += [
        f"| `{r['function']}` | {r['ncalls']:,} | {r['tottime']:.3f} | {r['cumtime']:.3f} |"
        for r in rows
    ]
    return "\n".join(lines) + "\n"


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# -------------------------------------------------------------------- main
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="Angers only, each measurement once")
    p.add_argument(
        "--cases",
        default=None,
        help=f"comma-separated cases among {','.join(CASES)} (default: all; angers with --quick)",
    )
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON results file")
    p.add_argument("--repeat", type=int, default=None, help="best of N (default: per case)")
    p.add_argument(
        "--profile", action="store_true", help="also cProfile the whole-model build of each case"
    )
    args = p.parse_args(argv)
    if args.cases is None:
        args.cases = "angers" if args.quick else ",".join(CASES)
    keys = [k.strip() for k in args.cases.split(",") if k.strip()]
    unknown = [k for k in keys if k not in CASES]
    if unknown or not keys:
        p.error(f"--cases: unknown case(s) {unknown}; choose among {','.join(CASES)}")
    args.case_keys = keys
    if args.quick and args.repeat is None:
        args.repeat = 1
    if args.repeat is not None and args.repeat < 1:
        p.error("--repeat must be >= 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    results: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "finished": None,
        "argv": sys.argv[1:] if argv is None else argv,
        "quick": args.quick,
        "machine": machine(),
        "cases": {},
    }
    for key in args.case_keys:
        results["cases"][key] = run_case(CASES[key], args.repeat, args.profile)
        write_json_atomic(results, args.out)  # partial results survive an interrupted run
        print(case_table(key, results["cases"][key]), flush=True)
        if args.profile:
            print(f"cProfile of the whole-model build ({key}), mutusim functions:\n")
            print(profile_table(results["cases"][key]["profile_build"]), flush=True)
    results["finished"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    write_json_atomic(results, args.out)
    print("### Summary\n")
    print(summary_table(results["cases"]))
    mach = results["machine"]
    print(
        f"Machine: {mach['nproc']} CPU(s), {mach['cpu_model']}; Python {mach['python']}, "
        f"PuLP {mach['pulp']}, highspy {mach['highspy']}. Results: {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
