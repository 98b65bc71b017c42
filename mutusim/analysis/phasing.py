"""Roadmaps of plans: the optimiser's, a given plan's best start years, and what-ifs.

The optimiser chooses each pair's mode and each change's start year together
(:mod:`mutusim.model`): ``roadmap(result)`` is that roadmap, priced by
:mod:`mutusim.core.timeline`. Two what-ifs keep a plan fixed:

* :func:`schedule_plan` finds the best start year of each changed service of
  a given plan. With the plan fixed, the NPV is separable by service,
  ``NPV = Σ_s NPV_s(t_s)``, so a small MILP over binaries ``w[s,t]`` is exact::

      max  Σ_{s,t} NPV_s(t) w[s,t]
      s.t. Σ_t w[s,t] <= 1                          (one start at most)
           Σ_s w[s,t] <= max_changes_per_year       (per year t)
           Σ_s T_s w[s,t] <= transition_budget      (per year t)

  (the last two when set and ``phasing_capacity`` is on). Only ``w`` with
  ``NPV_s(t) > 0`` are created: a change that does not pay back within the
  horizon does not start. A second pass keeps the NPV at its optimum and
  minimises the total delay, earlier-listed services first: ties go to the
  earliest start, deterministically. HiGHS solves both passes through
  :mod:`mutusim.model.highs`;
* :func:`evaluate_schedule` prices a plan with start years given by the caller
  ("ADS in 2028").
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping

import pandas as pd

from mutusim.core.costs import CostData
from mutusim.core.result import Result
from mutusim.core.scenario import Scenario
from mutusim.core.status import Status
from mutusim.core.territory import Territory
from mutusim.core.timeline import Schedule, full_plan, price_schedule
from mutusim.errors import NoPlanError
from mutusim.model.highs import run_binaries

__all__ = ["evaluate_schedule", "roadmap", "schedule_plan"]

#: Tolerance on money [EUR].
MONEY_TOL = 1e-6


def roadmap(result: Result) -> Schedule:
    """The roadmap of a result: its plan and start years, year by year (computed by the optimiser).

    Parameters
    ----------
    result : Result
        A result with a plan.

    Returns
    -------
    Schedule

    Raises
    ------
    NoPlanError
        The result has no plan.
    """
    if not result.has_plan or result.schedule is None:
        raise NoPlanError(f"no roadmap: the result's status is '{result.status}'")
    return result.schedule


def evaluate_schedule(
    territory: Territory,
    scenario: Scenario,
    plan: Mapping[tuple[str, str], str] | pd.DataFrame,
    starts: Mapping[str, int | None],
) -> Schedule:
    """Roadmap of ``plan`` with start years given by the caller (a what-if: "ADS in 2028").

    Parameters
    ----------
    territory : Territory
        The input.
    scenario : Scenario
        Horizon, departures, discount rate, limits (a breach goes to ``check_errors``).
    plan : dict or DataFrame
        Final mode of each (service, party) pair (or ``Result.decisions``); pairs
        left out keep today's arrangement.
    starts : mapping
        Service -> start year, or None; changed services left out do not start.

    Returns
    -------
    Schedule
        Status ``given``.

    Raises
    ------
    PlanError
        A malformed plan, a start for a service that does not change, or a
        year outside ``scenario.start_years``.
    """
    costs = CostData.from_inputs(territory, scenario)
    return price_schedule(costs, scenario, plan, starts, Status.GIVEN)


def schedule_plan(
    territory: Territory,
    scenario: Scenario,
    plan: Mapping[tuple[str, str], str] | pd.DataFrame,
) -> Schedule:
    """Best start year of each changed service of a fixed plan (see the module docstring).

    Parameters
    ----------
    territory : Territory
        The input.
    scenario : Scenario
        Horizon, departures, discount rate, yearly capacity and budget.
    plan : dict or DataFrame
        Final mode of each (service, party) pair; pairs left out keep today's
        arrangement.

    Returns
    -------
    Schedule
        Status ``optimal`` when HiGHS proved both passes, ``feasible`` when it
        stopped early.

    Raises
    ------
    PlanError
        A malformed plan.

    Examples
    --------
    >>> import mutusim as ms
    >>> terr = ms.examples.tiny()
    >>> plan = {("rh_paie", "49001"): "share", ("rh_paie", "49002"): "share"}
    >>> sc = ms.Scenario(end_year=2028, departures="all", all_departure_rate=0.5)
    >>> sch = schedule_plan(terr, sc, plan)
    >>> sch.status, sch.start_years
    ('optimal', {'rh_paie': 2027})
    """
    t0 = time.perf_counter()
    sc = scenario
    costs = CostData.from_inputs(territory, scenario)
    full = full_plan(costs, plan)
    years = sc.start_years
    # NPV of each change for each start year: the plan priced with every change in year one
    # gives the table NPV_s(t) (separable by service).
    changed = sorted(
        {s for (s, c), m in full.items() if m != costs.pairs[(s, c)].arrangement},
        key=costs.services.index,
    )
    probe = price_schedule(costs, sc, full, dict.fromkeys(changed, years[0]), Status.GIVEN)
    one_off = dict(zip(probe.starts["service"], probe.starts["transition_cost"], strict=True))
    npv = {s: [float(v) for v in probe.npv_by_start.loc[s]] for s in changed}
    cap, budget = (
        (None, None)
        if not sc.rule_on("phasing_capacity")
        else (
            sc.max_changes_per_year,
            sc.transition_budget,
        )
    )
    cand = [
        (i, j)
        for i, s in enumerate(changed)
        for j in range(len(years))
        if npv[s][j] > MONEY_TOL and (budget is None or one_off[s] <= budget + MONEY_TOL)
    ]
    status, text, chosen = _solve_starts(
        changed, one_off, years, npv, cand, cap, budget, sc.time_limit
    )
    starts: dict[str, int | None] = dict.fromkeys(changed, None)
    for i, j in chosen:
        starts[changed[i]] = years[j]
    out = price_schedule(costs, sc, full, starts, status)
    out.solver_status = text
    if status == Status.OPTIMAL and not out.check_errors:
        milp = sum(npv[changed[i]][j] for i, j in chosen)
        if abs(milp - out.npv) > MONEY_TOL * max(1.0, abs(out.npv)) * 1e3:
            out.check_errors.append(f"npv: the MILP says {milp:,.2f}, the roadmap {out.npv:,.2f}")
            out.status = Status.ERROR
    out.seconds = time.perf_counter() - t0
    return out


def _solve_starts(
    changed: list[str],
    one_off: Mapping[str, float],
    years: list[int],
    npv: Mapping[str, list[float]],
    cand: list[tuple[int, int]],
    cap: int | None,
    budget: float | None,
    time_limit: float,
) -> tuple[Status, str, list[tuple[int, int]]]:
    """The two-pass MILP of the module docstring. Returns status, HiGHS text and chosen (i, j)."""
    rows: list[tuple[list[int], list[float], float, float]] = []
    for i in range(len(changed)):
        idx = [k for k, (ii, _j) in enumerate(cand) if ii == i]
        if idx:
            rows.append((idx, [1.0] * len(idx), -math.inf, 1.0))
    for j in range(len(years)):
        idx = [k for k, (_i, jj) in enumerate(cand) if jj == j]
        if not idx:
            continue
        if cap is not None:
            rows.append((idx, [1.0] * len(idx), -math.inf, float(cap)))
        if budget is not None:
            rows.append(
                (idx, [one_off[changed[cand[k][0]]] for k in idx], -math.inf, float(budget))
            )
    value = [npv[changed[i]][j] for i, j in cand]
    t0 = time.perf_counter()
    st1, text1, x1, obj1 = _highs(value, True, rows, time_limit)
    if x1 is None:
        return st1, text1, []
    # Second pass: same NPV, least total delay; earlier-listed services earlier on ties.
    n, horizon = max(1, len(changed)), len(years)
    weight = [j * (1.0 + (n - i) / (n * (n * horizon + 1.0))) for i, j in cand]
    tol = MONEY_TOL + 1e-9 * abs(obj1)
    rows2 = [*rows, (list(range(len(cand))), value, obj1 - tol, math.inf)]
    remaining = max(1e-3, time_limit - (time.perf_counter() - t0))
    st2, text2, x2, _ = _highs(weight, False, rows2, remaining)
    if x2 is None:
        return (
            (Status.FEASIBLE if st1 == Status.OPTIMAL else st1),
            f"{text1}; tie-break: {text2}",
            _picked(cand, x1),
        )
    status = Status.OPTIMAL if st1 == st2 == Status.OPTIMAL else Status.FEASIBLE
    return status, f"{text1}; tie-break: {text2}", _picked(cand, x2)


def _picked(cand: list[tuple[int, int]], x: list[float]) -> list[tuple[int, int]]:
    return [cand[k] for k, v in enumerate(x) if v > 0.5]


def _highs(
    cost: list[float],
    maximize: bool,
    rows: list[tuple[list[int], list[float], float, float]],
    time_limit: float,
) -> tuple[Status, str, list[float] | None, float]:
    """One HiGHS run on binaries through the shared bridge; the exact optimum is proven."""
    run = run_binaries(cost, rows, maximize=maximize, time_limit=time_limit)
    if not cost:
        return run.status, run.text, [], 0.0
    return run.status, run.text, run.x, run.objective or 0.0
