"""Exact solve of a scenario whose only link between services is the yearly capacity.

With ``max_changes_per_year`` and ``transition_budget`` (rule
``phasing_capacity``, PRODUCT.md M5) the services share each year's quota of
changes and budget of one-off transition costs, and nothing else: once a
service's start year *t* and its transition spending are known, its best plan
depends on no other service. The whole MILP proves that slowly (minutes on
Angers: the budget rows tie every service's plan choice together), so this
module solves it by structure instead, and exactly:

* for each service *s* and start year *t*, the sub-model of *s* alone with its
  start fixed to *t* gives ``V(s, t, b)``, the best NPV of *s* started in *t*
  whose one-off costs in *t* stay within *b* (``b = ∞`` first), and the plan
  reaching it, with its transition cost ``T ≤ b``;
* that sub-model's LP relaxation (a few milliseconds) bounds ``V(s, t, ∞)``
  from above: it stands for ``(s, t)`` as an *optimistic* option (the bound,
  for any budget) until the master picks it, and only then is the MILP solved.
  An LP optimum whose integer columns are all integral is the MILP's optimum
  and is used as it is. On Angers this cuts the MILP solves from 78 to about a
  fifth;
* a master problem picks at most one option per service (exactly one when
  today's arrangement must change) under each year's quota and budget. Each
  evaluation ``(b, V, T)`` gives an *exact* option (value ``V``, spending
  ``T``) and an *optimistic* one (value ``V`` for any budget above the next
  lower evaluated budget, 0 when there is none), valid because ``V(s, t, ·)``
  never decreases with the budget. The master is therefore a relaxation of
  the whole problem: its optimum bounds the NPV from above;
* while the master's optimum uses an optimistic option, the sub-model is
  evaluated again at the budget the master left it, which adds a breakpoint;
  when it uses exact options only, their plans together respect every rule and
  reach the bound: the plan is optimal.

Every sub-model and master is solved by HiGHS to proven optimality; if one
is not (time limit), :func:`solve_phased` returns None and the pipeline
solves the whole MILP instead. The checker re-verifies the plan as always.

Each sub-model, once built, is kept in the process as arrays under a digest of
what it is built from (:func:`_fingerprints`), with the proven answer to each
question asked of it (the LP bound of a start year, the best plan within a
budget). A later solve that builds the same sub-model — another quota or
budget, another service's data or forced decision moved — asks its questions
in the order a first solve would, and reads the answers already known instead
of solving again: the same plan, faster (:func:`clear_cache`).
"""

from __future__ import annotations

import math
import os
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import pulp

from mutusim.core import rulebook
from mutusim.core.costs import CostData
from mutusim.core.scenario import Scenario
from mutusim.core.status import SolveInfo, Status
from mutusim.core.territory import Territory, content_digest, table_values
from mutusim.model.build import build_from_data
from mutusim.model.data import ModelData
from mutusim.model.highs import HighsRun, Rows, run_binaries, run_highs, run_lp_series
from mutusim.model.milp import MilpModel
from mutusim.model.solver import model_arrays

__all__ = ["CACHE_COLUMNS", "clear_cache", "phasing_only", "solve_phased"]

#: Tolerance on money [EUR].
MONEY_TOL = 1e-6
#: Budgets are told apart to the euro: above an evaluated budget b, the next breakpoint
#: considered is b + 1 EUR (larger than any solver tolerance on the budget rows).
BUDGET_STEP = 1.0
#: Most master iterations before giving up (the whole MILP then solves it).
MAX_ITERATIONS = 500
#: HiGHS options of the sub-models: its root reduced-cost sub-MIP heuristic dominated
#: their solve times (Angers' 78 sub-models: 3.6-3.8 s without it against 5.2 s, the
#: same optima); without RINS, RENS, symmetry detection and reliability branching (the
#: sub-models presolve to a few rows and a few dozen binaries) they take 2.2-2.6 s
#: against 2.5-3.5 s, the same optima. Without cut separation below the root, with a cut
#: pool of 100 rows and without the feasibility jump heuristic, the 67 MILPs of ten
#: robustness draws took 3.4 s against 4.6 s, and the 197 of the 400,000 EUR budget
#: 11.2 s against 14.1 s (best of three runs each; the same optima; benchmarks/analyses.md).
#: RINS is left on: with the other options here, the 421 sub-model MILPs of 60
#: robustness draws (seeds 0, 3 and 5) took 12.0 s with it against 14.3 s without, in
#: 31,376 nodes against 77,237 (public spaces and payroll, whose posts still filled are
#: whole agents, are the hardest); the 197 of the 400,000 EUR budget took 10.5 s against
#: 9.9 s (best of three runs each, alternated; the same optima).
SUB_MODEL_OPTIONS: dict[str, Any] = {
    "mip_heuristic_run_root_reduced_cost": False,
    "mip_heuristic_run_rens": False,
    "mip_detect_symmetry": False,
    "mip_pscost_minreliable": 0,
    "mip_allow_cut_separation_at_nodes": False,
    "mip_pool_soft_limit": 100,
    "mip_heuristic_run_feasibility_jump": False,
}
#: HiGHS options of the master problem: without these heuristics and the symmetry
#: detection, the 93 masters of Angers with a 400,000 EUR budget took 8.4 s against 16 s;
#: without restarting after presolve at the root, 3.5-4.0 s against 6.3-7.3 s (the same
#: optima and plan, benchmarks/analyses.md).
MASTER_OPTIONS: dict[str, bool] = {
    "mip_heuristic_run_root_reduced_cost": False,
    "mip_heuristic_run_rins": False,
    "mip_heuristic_run_rens": False,
    "mip_detect_symmetry": False,
    "mip_allow_restart": False,
}
#: Sub-model solves run side by side on this many threads (HiGHS releases the GIL; each
#: instance stays single-threaded, so results do not depend on it). Robustness workers,
#: one process per core already, set it to 1.
THREADS = max(1, min(4, os.cpu_count() or 1))
#: A column is integral in an LP optimum within this tolerance [-].
LP_INTEGRAL_TOL = 1e-9
#: Slack added to an LP bound before it stands for an unsolved sub-model: 1 EUR plus
#: 1e-7 of the bound, far more than the simplex's tolerances move an objective, so the
#: bound is never below the MILP's optimum (a looser bound costs at most a solve more).
BOUND_SLACK = 1.0

Plan = dict[tuple[str, str], str]
_T = TypeVar("_T")
_R = TypeVar("_R")


def phasing_only(territory: Territory, scenario: Scenario) -> bool:
    """True when services are linked by the yearly capacity only, and decomposition is allowed.

    Parameters
    ----------
    territory : Territory
        The input.
    scenario : Scenario
        The options.

    Returns
    -------
    bool
    """
    coupling = [r.name for r in rulebook.RULES if r.couples_services and scenario.rule_on(r.name)]
    return (
        scenario.decompose
        and scenario.solver == "highs"
        and coupling == ["phasing_capacity"]
        and len(territory.service_codes) > 1
    )


@dataclass
class _Evaluation:
    budget: float  # the budget the sub-model was given (inf: none)
    value: float  # best NPV [EUR]
    spend: float  # one-off costs of that plan in its start year [EUR]
    plan: Plan


@dataclass
class _Arrays:
    """A service's sub-model as HiGHS takes it, and what reading a plan needs (no PuLP)."""

    cost: list[float]
    lower: list[float]
    upper: list[float]
    integer: list[bool]
    rows: Rows
    mip_gap: float
    start: dict[int, int]  # start year -> column of its start binary
    spend: dict[int, tuple[list[int], list[float]]]  # start year -> one-off cost row
    choices: dict[tuple[str, int], list[tuple[str, int]]]  # (party, year) -> (mode, column)
    one_off: dict[tuple[str, str], float]  # (party, mode) -> one-off cost [EUR]
    today: dict[str, str]  # party -> today's arrangement
    sizes: dict[str, float]  # build_seconds, num_variables, num_constraints


@dataclass
class _Compiled:
    """A service's sub-model once built, and the proven answers to the questions asked of it."""

    arrays: _Arrays
    must: bool
    # (start year, budget, relaxed) -> the answer of _evaluate or _relaxation
    answers: dict[tuple[int, float, bool], Any]


@dataclass
class _Service:
    code: str
    compiled: _Compiled
    evaluations: dict[int, list[_Evaluation]]  # start year -> evaluations, budgets decreasing
    bounds: dict[int, float]  # start year -> LP bound on V(s, t, inf) while its MILP is unsolved
    known: int = 0  # questions of this solve answered from earlier solves

    @property
    def arrays(self) -> _Arrays:
        return self.compiled.arrays

    @property
    def must(self) -> bool:
        return self.compiled.must


class _Stop(Exception):
    """A sub-model or master not solved to proven optimality."""


def solve_phased(
    territory: Territory, scenario: Scenario, time_limit: float, costs: CostData
) -> tuple[SolveInfo, Plan, dict[str, int], dict[str, float]] | None:
    """Solve a scenario linked by the yearly capacity only (see the module docstring).

    Parameters
    ----------
    territory : Territory
        The input, with more than one service.
    scenario : Scenario
        Options; :func:`phasing_only` must hold.
    time_limit : float
        Seconds for the whole search.
    costs : CostData
        ``CostData.from_inputs(territory, scenario)``, which the caller has read (the
        yearly quota and budget do not enter it): each sub-model is built from its
        service's part (:meth:`CostData.restrict`).

    Returns
    -------
    tuple or None
        The solver's account (objective: minus the NPV [EUR], bound equal to it),
        the plan (every pair), the start years and the sub-models' sizes
        (``build_seconds``, ``num_variables``, ``num_constraints``, summed); None
        when a sub-model is infeasible before any solve, some solve was not proven
        optimal (time limit) or the search did not converge: the caller then
        solves (and explains) the whole MILP.
    """
    t0 = time.perf_counter()
    free = scenario.replace(max_changes_per_year=None, transition_budget=None)
    services: list[_Service] = []
    nodes = solves = relaxations = 0

    def remaining() -> float:
        left = time_limit - (time.perf_counter() - t0)
        if left <= 0:
            raise _Stop
        return left

    reused = 0
    try:
        keys = _fingerprints(territory, free)
        for s in territory.service_codes:
            compiled = _cached(keys[s])
            if compiled is not None:
                reused += 1
            else:
                data = ModelData.from_costs(territory, _scenario_of(free, s), costs.restrict(s))
                model = build_from_data(data)
                if model.infeasible_pairs() or model.violated_rows:
                    return None  # the caller's whole model reports it
                row = model.row(f"one_mode__start__{s}")
                must = row is not None and row[1] == pulp.LpConstraintEQ
                compiled = _Compiled(_arrays(model), must, {})  # the PuLP model is let go
                _store(keys[s], compiled)
            services.append(_Service(s, compiled, {}, {}))
        bounds = _parallel(
            lambda svc: _relaxations(svc, sorted(svc.arrays.start), remaining()), services
        )
        for svc, answers in zip(services, bounds, strict=True):
            for year, (bound, ev) in zip(sorted(svc.arrays.start), answers, strict=True):
                relaxations += 1
                svc.evaluations[year] = [ev] if ev is not None else []
                if bound is not None:
                    svc.bounds[year] = bound
        iterations = 0
        while True:
            iterations += 1
            if iterations > MAX_ITERATIONS:
                return None
            options, picked = _master(services, scenario, remaining())
            picked = _prefer_exact(options, picked, scenario)
            optimistic = [options[k] for k in picked if not options[k].exact]
            if not optimistic:
                break
            spent = _spent(options, picked)
            asks = [(opt, _budget_asked(opt, spent, scenario)) for opt in optimistic]
            results = _parallel(
                lambda ask: _evaluate(services[ask[0].service], ask[0].year, ask[1], remaining()),
                asks,
            )
            for (opt, budget), (ev, n) in zip(asks, results, strict=True):
                svc = services[opt.service]
                nodes += n
                solves += 1
                if opt.plan is None:
                    svc.evaluations[opt.year] = [ev] if ev is not None else []
                    del svc.bounds[opt.year]
                    continue
                if ev is None:  # nothing fits: the budget is worth nothing
                    ev = _Evaluation(budget, -math.inf, 0.0, {})
                evs = svc.evaluations[opt.year]
                evs.append(ev)
                evs.sort(key=lambda e: -e.budget)
    except _Stop:
        return None
    plan: Plan = {}
    starts: dict[str, int] = {}
    value = 0.0
    chosen = {options[k].service: options[k] for k in picked}
    for i, svc in enumerate(services):
        pick = chosen.get(i)
        if pick is None:
            for c, mode in svc.arrays.today.items():
                plan[(svc.code, c)] = mode
            continue
        assert pick.plan is not None  # the loop ends on exact options only
        plan.update(pick.plan)
        starts[svc.code] = pick.year
        value += pick.value
    seconds = time.perf_counter() - t0
    text = (
        f"Optimal: {len(services)} services x start years ({reused} known from earlier "
        f"solves), {relaxations} LP bounds, {solves} sub-model solves "
        f"({sum(v.known for v in services)} of these answered from earlier solves), "
        f"{iterations} master iteration(s) (mutusim.model.phased)"
    )
    info = SolveInfo("highs", Status.OPTIMAL, text, -value, -value, 0.0, seconds, nodes)
    sizes = {k: sum(v.arrays.sizes[k] for v in services) for k in _SIZES}
    return info, plan, starts, sizes


def _budget_asked(opt: _Option, spent: dict[int, float], scenario: Scenario) -> float:
    """The budget an optimistic pick asks its sub-model about.

    An LP bound asks for the MILP of (s, t) without budget; a plan, for the budget the
    master left it, inside the unknown stretch below the plan's spending (a new
    breakpoint).
    """
    if opt.plan is None:
        return math.inf
    left = float(scenario.transition_budget or 0.0) - (spent.get(opt.year, 0.0) - opt.spend)
    return max(opt.spend, left)


def _parallel(fn: Callable[[_T], _R], items: list[_T]) -> list[_R]:
    """``[fn(x) for x in items]``, on up to :data:`THREADS` threads.

    HiGHS releases the GIL while it solves, and each solve has its own
    single-threaded instance, so the answers, read back in the items' order, are
    those of a sequential run: the same plan whatever the number of threads. The
    items must touch distinct services (each thread writes its own service's
    memo of answers).
    """
    if THREADS <= 1 or len(items) <= 1:
        return [fn(x) for x in items]
    with ThreadPoolExecutor(max_workers=min(THREADS, len(items))) as pool:
        return list(pool.map(fn, items))


def _scenario_of(free: Scenario, service: str) -> Scenario:
    """The scenario a service's sub-model is built from, without what cannot act on it.

    Forced and forbidden decisions of other services match none of its pairs, and
    the name, description and time limit change no coefficient: dropping them lets
    the sub-model be found again in the cache when only another service's decision is
    forced (decision prices).
    """
    return free.replace(
        name="sub-model",
        description="",
        time_limit=1.0,
        force=tuple(d for d in free.force if d.service in ("*", service)),
        forbid=tuple(d for d in free.forbid if d.service in ("*", service)),
    )


def _fingerprints(territory: Territory, free: Scenario) -> dict[str, str]:
    """Per service, a digest of everything its sub-model is built from.

    The sub-model of ``s`` (:meth:`ModelData.from_costs` on the records restricted to
    ``s``, the same as reading ``territory.subset(services=[s])``) depends on the EPCI,
    every commune, the service's rows of the services, baseline and modes tables, and
    the sub-model's scenario (:func:`_scenario_of`): these are digested (equal digests,
    equal models). Each table is read into plain values once.
    """
    head = content_digest((repr(sorted(territory.epci.items())), table_values(territory.communes)))
    tables = [
        _by_service(territory.services, territory.services.index),
        _by_service(territory.baseline, territory.baseline.index.get_level_values("service")),
        _by_service(territory.modes, territory.modes.index.get_level_values("service")),
    ]
    out = {}
    for s in territory.service_codes:
        rows = [(header, groups.get(s, [])) for header, groups in tables]
        out[s] = content_digest((head, rows, repr(_scenario_of(free, s))))
    return out


def _by_service(
    frame: pd.DataFrame, services: pd.Index
) -> tuple[tuple[object, ...], dict[str, list[tuple[object, ...]]]]:
    """A table as its header (columns, types) and, per service, its rows (index, cells)."""
    header = (list(frame.columns), [str(t) for t in frame.dtypes])
    cells = zip(*(frame[c].tolist() for c in frame.columns), strict=True)
    groups: dict[str, list[tuple[object, ...]]] = {}
    for s, index, row in zip(services, frame.index, cells, strict=True):
        groups.setdefault(str(s), []).append((index, row))
    return header, groups


#: Sub-models built in this process, by :func:`_fingerprints`, each with the proven
#: answers to the questions asked of it: facts about the sub-model, valid for any yearly
#: quota or budget, so a later solve that builds the same sub-model (a what-if or a
#: tipping point moving another service, a budget changed) reads them again.
_CACHE: OrderedDict[str, _Compiled] = OrderedDict()
#: Most columns kept over all cached sub-models (least recently used dropped first):
#: about 650 bytes each with its rows, so at most about 130 MB (Angers: 14 sub-models of
#: about 400 columns, 3.7 MB).
CACHE_COLUMNS = 200_000
#: Columns of the sub-models in ``_CACHE`` (kept as they are stored and dropped).
_CACHED_COLUMNS = 0


def _cached(key: str) -> _Compiled | None:
    compiled = _CACHE.get(key)
    if compiled is not None:
        _CACHE.move_to_end(key)
    return compiled


def _store(key: str, compiled: _Compiled) -> None:
    global _CACHED_COLUMNS
    old = _CACHE.pop(key, None)
    if old is not None:
        _CACHED_COLUMNS -= len(old.arrays.cost)
    _CACHE[key] = compiled
    _CACHED_COLUMNS += len(compiled.arrays.cost)
    while len(_CACHE) > 1 and _CACHED_COLUMNS > CACHE_COLUMNS:
        _key, dropped = _CACHE.popitem(last=False)
        _CACHED_COLUMNS -= len(dropped.arrays.cost)


def clear_cache() -> None:
    """Forget the sub-models solved so far (they are otherwise reused: see ``_CACHE``)."""
    global _CACHED_COLUMNS
    _CACHE.clear()
    _CACHED_COLUMNS = 0


#: Sizes of the sub-models summed into the result.
_SIZES = ("build_seconds", "num_variables", "num_constraints")


def _arrays(model: MilpModel) -> _Arrays:
    """The sub-model handed to HiGHS as arrays, once: each solve only moves bounds."""
    whole = model_arrays(model)
    index = whole.index
    data = model.data
    spend: dict[int, tuple[list[int], list[float]]] = {}
    choices: dict[tuple[str, int], list[tuple[str, int]]] = {}
    one_off: dict[tuple[str, str], float] = {}
    for (s, c, m, t), v in model.x.items():
        choices.setdefault((c, t), []).append((m, index[id(v)]))
        one_off[(c, m)] = a = data.one_off(s, c, m)
        if a:
            idx, vals = spend.setdefault(t, ([], []))
            idx.append(index[id(v)])
            vals.append(a)
    (s,) = data.services
    return _Arrays(
        cost=whole.cost,
        lower=whole.lower,
        upper=whole.upper,
        integer=whole.integer,
        rows=whole.rows,
        mip_gap=model.scenario.mip_gap,
        start={t: index[id(z)] for (_s, t), z in model.z.items()},
        spend=spend,
        choices=choices,
        one_off=one_off,
        today={c: data.pair(s, c).arrangement for c in data.parties_of(s)},
        sizes={
            "build_seconds": model.build_seconds,
            "num_variables": float(model.num_variables),
            "num_constraints": float(model.num_constraints),
        },
    )


def _run(svc: _Service, year: int, budget: float, time_limit: float) -> HighsRun:
    """Solve the service's sub-model started in ``year`` within ``budget``."""
    a = svc.arrays
    lower, upper = list(a.lower), list(a.upper)
    for t, j in a.start.items():
        lower[j] = upper[j] = 1.0 if t == year else 0.0
    rows = a.rows
    if not math.isinf(budget):
        idx, vals = a.spend.get(year, ([], []))
        rows = Rows(
            [*rows.starts, rows.starts[-1] + len(idx)],
            [*rows.index, *idx],
            [*rows.value, *vals],
            [*rows.lower, -math.inf],
            [*rows.upper, budget],
        )
    return run_highs(
        a.cost,
        lower,
        upper,
        a.integer,
        rows,
        time_limit=time_limit,
        mip_rel_gap=a.mip_gap,
        **SUB_MODEL_OPTIONS,
    )


def _evaluate(
    svc: _Service, year: int, budget: float, time_limit: float
) -> tuple[_Evaluation | None, int]:
    """Best plan of one service started in ``year`` whose one-off costs stay within ``budget``."""
    key = (year, budget, False)
    if key in svc.compiled.answers:
        svc.known += 1
        answer: tuple[_Evaluation | None, int] = svc.compiled.answers[key]
        return answer
    run = _run(svc, year, budget, time_limit)
    if run.status == Status.INFEASIBLE:
        answer = None, run.nodes or 0
    elif run.status != Status.OPTIMAL or run.objective is None or run.x is None:
        raise _Stop
    else:
        plan, spend_total = _read_plan(svc, year, run.x)
        answer = _Evaluation(budget, -run.objective, spend_total, plan), run.nodes or 0
    svc.compiled.answers[key] = answer  # proven: the same question gets the same answer
    return answer


def _relaxations(
    svc: _Service, years: list[int], time_limit: float
) -> list[tuple[float | None, _Evaluation | None]]:
    """LP bounds on the best NPV of one service started in each of ``years`` (no budget).

    For each year: ``(None, None)`` when even the relaxation is infeasible (so is
    the MILP), ``(None, evaluation)`` when the LP optimum is integral (it is the
    MILP's optimum), else ``(bound, None)``. The LPs of one sub-model are solved
    in a series, each warm-started from the last (:func:`run_lp_series`); their
    answers are kept together, so a later solve reads all of them or none.
    """
    keys = [(year, math.inf, True) for year in years]
    answers = svc.compiled.answers
    if all(k in answers for k in keys):
        svc.known += len(keys)
        return [answers[k] for k in keys]
    a = svc.arrays
    fixes = [
        (list(a.start.values()), [1.0 if t == year else 0.0 for t in a.start]) for year in years
    ]
    runs = run_lp_series(a.cost, a.lower, a.upper, a.rows, fixes, time_limit=time_limit)
    integer = np.flatnonzero(a.integer)
    out: list[tuple[float | None, _Evaluation | None]] = []
    for year, run in zip(years, runs, strict=False):
        if run.status == Status.INFEASIBLE:
            out.append((None, None))
        elif run.status != Status.OPTIMAL or run.objective is None or run.x is None:
            raise _Stop
        elif _integral(run.x, integer):
            plan, spend = _read_plan(svc, year, run.x)
            out.append((None, _Evaluation(math.inf, -run.objective, spend, plan)))
        else:
            bound = -run.objective + BOUND_SLACK + 1e-7 * abs(run.objective)
            out.append((bound, None))
    if len(out) < len(years):
        raise _Stop  # the series stopped early (time limit)
    answers.update(zip(keys, out, strict=True))
    return out


def _integral(x: list[float], columns: np.ndarray) -> bool:
    """True when every one of ``columns`` is integral in ``x`` (within :data:`LP_INTEGRAL_TOL`)."""
    values = np.asarray(x, dtype=float)[columns]
    return bool(np.all(np.abs(values - np.round(values)) <= LP_INTEGRAL_TOL))


def _read_plan(svc: _Service, year: int, x: list[float]) -> tuple[Plan, float]:
    """The solved plan of a service started in ``year`` and its one-off costs that year [EUR]."""
    a = svc.arrays
    plan: Plan = {}
    spend_total = 0.0
    for c in a.today:
        chosen = [m for m, j in a.choices.get((c, year), []) if x[j] > 0.5]
        if len(chosen) != 1:
            raise _Stop  # not a clean 0/1 answer: let the whole MILP and the checker judge
        plan[(svc.code, c)] = chosen[0]
        spend_total += a.one_off[(c, chosen[0])]
    return plan, spend_total


@dataclass
class _Option:
    service: int
    year: int
    value: float
    spend: float
    exact: bool
    plan: Plan | None  # None: an LP bound, its MILP not solved yet


def _options(services: list[_Service]) -> list[_Option]:
    """Exact and optimistic options of every evaluation (see the module docstring).

    An evaluation at budget ``b`` whose plan spends ``T`` knows ``V`` on ``[T, b]``.
    Below ``T``, down to the largest budget evaluated there (``L``), the value is
    unknown but at most ``V``: the optimistic option offers ``V`` for ``L + 1 EUR``.
    """
    out = []
    for i, svc in enumerate(services):
        for year, bound in svc.bounds.items():
            out.append(_Option(i, year, bound, 0.0, False, None))
        for year, evs in svc.evaluations.items():
            for ev in evs:
                if ev.value == -math.inf:
                    continue
                out.append(_Option(i, year, ev.value, ev.spend, True, ev.plan))
                below = [e.budget for e in evs if e.budget < ev.spend - MONEY_TOL]
                need = max(below) + BUDGET_STEP if below else 0.0
                if need < ev.spend - MONEY_TOL:
                    out.append(_Option(i, year, ev.value, need, False, ev.plan))
    return out


def _prefer_exact(options: list[_Option], picked: list[int], scenario: Scenario) -> list[int]:
    """Swap each optimistic pick for its exact twin (same plan, same value) where it fits."""
    exact = {(o.service, o.year, id(o.plan)): k for k, o in enumerate(options) if o.exact}
    out = list(picked)
    budget = scenario.transition_budget
    for n, k in enumerate(out):
        o = options[k]
        if o.exact:
            continue
        twin = exact.get((o.service, o.year, id(o.plan)))
        if twin is None:  # an LP bound has no exact twin
            continue
        spent = sum(options[j].spend for j in out if options[j].year == o.year)
        if budget is None or spent - o.spend + options[twin].spend <= budget + MONEY_TOL:
            out[n] = twin
    return out


def _master(
    services: list[_Service], scenario: Scenario, time_limit: float
) -> tuple[list[_Option], list[int]]:
    """Pick at most one option per service under each year's quota and budget (maximise NPV)."""
    options = _options(services)
    rows: list[tuple[list[int], list[float], float, float]] = []
    for i, svc in enumerate(services):
        idx = [k for k, o in enumerate(options) if o.service == i]
        if svc.must:
            if not idx:
                raise _Stop  # no start year works: the whole model explains it
            rows.append((idx, [1.0] * len(idx), 1.0, 1.0))
        elif idx:
            rows.append((idx, [1.0] * len(idx), -math.inf, 1.0))
    for year in sorted({o.year for o in options}):
        idx = [k for k, o in enumerate(options) if o.year == year]
        if scenario.max_changes_per_year is not None:
            rows.append((idx, [1.0] * len(idx), -math.inf, float(scenario.max_changes_per_year)))
        if scenario.transition_budget is not None:
            rows.append(
                (
                    idx,
                    [options[k].spend for k in idx],
                    -math.inf,
                    float(scenario.transition_budget),
                )
            )
    cost = [o.value for o in options]
    if not options:
        return options, []
    run = run_binaries(cost, rows, maximize=True, time_limit=time_limit, **MASTER_OPTIONS)
    if run.status != Status.OPTIMAL or run.x is None:
        raise _Stop
    return options, [k for k, v in enumerate(run.x) if v > 0.5]


def _spent(options: list[_Option], picked: list[int]) -> dict[int, float]:
    out: dict[int, float] = {}
    for k in picked:
        out[options[k].year] = out.get(options[k].year, 0.0) + options[k].spend
    return out
