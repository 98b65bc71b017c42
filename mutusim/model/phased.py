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
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import pulp

from mutusim.core import rulebook
from mutusim.core.scenario import Scenario
from mutusim.core.status import SolveInfo, Status
from mutusim.core.territory import Territory
from mutusim.model.build import build_model
from mutusim.model.highs import run_binaries
from mutusim.model.milp import MilpModel
from mutusim.model.solver import solve

__all__ = ["phasing_only", "solve_phased"]

#: Tolerance on money [EUR].
MONEY_TOL = 1e-6
#: Budgets are told apart to the euro: above an evaluated budget b, the next breakpoint
#: considered is b + 1 EUR (larger than any solver tolerance on the budget rows).
BUDGET_STEP = 1.0
#: Most master iterations before giving up (the whole MILP then solves it).
MAX_ITERATIONS = 500

Plan = dict[tuple[str, str], str]


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
class _Service:
    code: str
    model: MilpModel
    must: bool
    evaluations: dict[int, list[_Evaluation]]  # start year -> evaluations, budgets decreasing


class _Stop(Exception):
    """A sub-model or master not solved to proven optimality."""


def solve_phased(
    territory: Territory, scenario: Scenario, time_limit: float
) -> tuple[SolveInfo, Plan, dict[str, int]] | None:
    """Solve a scenario linked by the yearly capacity only (see the module docstring).

    Parameters
    ----------
    territory : Territory
        The input, with more than one service.
    scenario : Scenario
        Options; :func:`phasing_only` must hold.
    time_limit : float
        Seconds for the whole search.

    Returns
    -------
    tuple or None
        The solver's account (objective: minus the NPV [EUR], bound equal to it),
        the plan (every pair) and the start years; None when some solve was not
        proven optimal (time limit) or the search did not converge: the caller
        then solves the whole MILP.
    """
    t0 = time.perf_counter()
    free = scenario.replace(max_changes_per_year=None, transition_budget=None)
    services: list[_Service] = []
    nodes = solves = 0

    def remaining() -> float:
        left = time_limit - (time.perf_counter() - t0)
        if left <= 0:
            raise _Stop
        return left

    try:
        for s in territory.service_codes:
            model = build_model(territory.subset(services=[s]), free)
            if model.infeasible_pairs() or model.violated_rows:
                return None  # the caller's whole model reports it
            row = model.lp.constraints.get(f"one_mode__start__{s}")
            must = row is not None and row.sense == pulp.LpConstraintEQ
            svc = _Service(s, model, must, {})
            for year in sorted({t for (_s, t) in model.z}):
                ev, n = _evaluate(svc, year, math.inf, remaining())
                nodes += n
                solves += 1
                svc.evaluations[year] = [ev] if ev is not None else []
            services.append(svc)
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
            for opt in optimistic:
                svc = services[opt.service]
                # the budget the master left this option: inside the unknown stretch below
                # the plan's spending, so the evaluation adds a breakpoint there
                left = float(scenario.transition_budget or 0.0) - (
                    spent.get(opt.year, 0.0) - opt.spend
                )
                budget = max(opt.spend, left)
                ev, n = _evaluate(svc, opt.year, budget, remaining())
                nodes += n
                solves += 1
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
            data = svc.model.data
            for c in data.parties_of(svc.code):
                plan[(svc.code, c)] = data.pair(svc.code, c).arrangement
            continue
        plan.update(pick.plan)
        starts[svc.code] = pick.year
        value += pick.value
    seconds = time.perf_counter() - t0
    text = (
        f"Optimal: {len(services)} services x start years, {solves} sub-model solves, "
        f"{iterations} master iteration(s) (mutusim.model.phased)"
    )
    info = SolveInfo("highs", Status.OPTIMAL, text, -value, -value, 0.0, seconds, nodes)
    return info, plan, starts


def _evaluate(
    svc: _Service, year: int, budget: float, time_limit: float
) -> tuple[_Evaluation | None, int]:
    """Best plan of one service started in ``year`` whose one-off costs stay within ``budget``."""
    model = svc.model
    data = model.data
    for (_s, t), z in model.z.items():
        z.lowBound = z.upBound = 1 if t == year else 0
    name = f"phasing_capacity__budget__{year}"
    if not math.isinf(budget):
        spend = [
            (v, cost)
            for (s, c, m, t), v in model.x.items()
            if t == year and (cost := data.one_off(s, c, m))
        ]
        model.add_row("phasing_capacity", name, spend, pulp.LpConstraintLE, budget)
    data.scenario = data.scenario.replace(time_limit=time_limit)
    try:
        if model.violated_rows:
            return None, 0
        info = solve(model)
    finally:
        model.violated_rows.clear()
        if name in model.lp.constraints:
            del model.lp.constraints[name]
            model.rows["phasing_capacity"].remove(name)
    if info.status == Status.INFEASIBLE:
        return None, info.nodes or 0
    if info.status != Status.OPTIMAL or info.objective is None:
        raise _Stop
    plan: Plan = {}
    spend_total = 0.0
    for c in data.parties_of(svc.code):
        chosen = [
            m
            for m in model.allowed[(svc.code, c)]
            if (model.x[(svc.code, c, m, year)].varValue or 0.0) > 0.5
        ]
        if len(chosen) != 1:
            raise _Stop  # not a clean 0/1 answer: let the whole MILP and the checker judge
        plan[(svc.code, c)] = chosen[0]
        spend_total += data.one_off(svc.code, c, chosen[0])
    return _Evaluation(budget, -info.objective, spend_total, plan), info.nodes or 0


@dataclass
class _Option:
    service: int
    year: int
    value: float
    spend: float
    exact: bool
    plan: Plan


def _options(services: list[_Service]) -> list[_Option]:
    """Exact and optimistic options of every evaluation (see the module docstring).

    An evaluation at budget ``b`` whose plan spends ``T`` knows ``V`` on ``[T, b]``.
    Below ``T``, down to the largest budget evaluated there (``L``), the value is
    unknown but at most ``V``: the optimistic option offers ``V`` for ``L + 1 EUR``.
    """
    out = []
    for i, svc in enumerate(services):
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
        twin = exact[(o.service, o.year, id(o.plan))]
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
    run = run_binaries(cost, rows, maximize=True, time_limit=time_limit)
    if run.status != Status.OPTIMAL or run.x is None:
        raise _Stop
    return options, [k for k, v in enumerate(run.x) if v > 0.5]


def _spent(options: list[_Option], picked: list[int]) -> dict[int, float]:
    out: dict[int, float] = {}
    for k in picked:
        out[options[k].year] = out.get(options[k].year, 0.0) + options[k].spend
    return out
