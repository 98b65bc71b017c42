"""Run a scenario end to end: build, solve, check, and assemble the result.

``load → validate → build → solve → check → result``: this module is the
last model stage. It decomposes the model by service when no rule couples
services (:data:`mutusim.core.rulebook.RULES`, ``couples_services``), reads
the plan from the solved variables, has it re-verified by the independent
checker and returns a plain :class:`~mutusim.core.result.Result`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from mutusim.core import rulebook
from mutusim.core.costs import CostData
from mutusim.core.evaluate import evaluate_plan, status_quo
from mutusim.core.findings import Finding
from mutusim.core.law import vote_tables
from mutusim.core.result import Result, decisions_table
from mutusim.core.scenario import Scenario, check_scenario
from mutusim.core.status import SolveInfo, Status
from mutusim.core.territory import Territory
from mutusim.model.build import MilpModel, build_model
from mutusim.model.check import check_plan
from mutusim.model.explain import explain_infeasible, explain_pairs
from mutusim.model.phased import phasing_only, solve_phased
from mutusim.model.solver import solve

__all__ = [
    "INTEGRALITY_TOL",
    "decomposes",
    "extract_plan",
    "optimise",
    "optimise_extended",
    "status_quo_cost",
]

#: Tolerance on a binary's value before a plan is called fractional.
INTEGRALITY_TOL = 1e-5


def optimise(
    territory: Territory,
    scenario: Scenario | None = None,
    *,
    explain: bool = True,
    check_codes: bool = True,
) -> Result:
    """Find the cheapest keep / share / transfer plan of ``scenario`` on ``territory``.

    The plan is re-verified by the independent checker before it is
    returned (PRODUCT.md Q1); a plan that fails the check is returned with
    status ``error`` and the checker's findings in ``check_errors``.

    Parameters
    ----------
    territory : Territory
        The EPCI, its communes, services and baseline.
    scenario : Scenario, optional
        Options and rules (default: ``Scenario()``, every rule on).
    explain : bool
        Explain an infeasible scenario (extra solves with rules relaxed).
    check_codes : bool
        Check first that every service and commune the scenario names exists
        in the territory (:func:`mutusim.core.scenario.check_scenario`); off
        only for re-solves on a part of a territory whose scenario names the whole.

    Returns
    -------
    Result
        Never silent on failure: see ``Result.status`` and ``Result.explanation``.

    Raises
    ------
    NotFoundError
        The scenario names a service or commune the territory does not have.

    Examples
    --------
    >>> import mutusim as ms
    >>> sc = ms.Scenario(end_year=2028, departures="all", all_departure_rate=0.5)
    >>> res = ms.optimise(ms.examples.tiny(), sc)
    >>> res.status, res.starts, round(res.npv), round(res.savings)
    ('optimal', {'rh_paie': 2027}, 28974, 40000)
    """
    scenario = scenario or Scenario()
    if check_codes:
        check_scenario(scenario, territory)
    res = _run(territory, scenario)
    if res.status == Status.INFEASIBLE and explain and not res.explanation:
        findings = explain_infeasible(territory, scenario, _run)
        res = replace(res, explanation=tuple(findings))
    return res


def optimise_extended(
    territory: Territory, scenario: Scenario, extend: Callable[[MilpModel], None]
) -> Result:
    """Optimise the whole model (no decomposition) with constraints added by ``extend``.

    For analyses that add their own rows or variables to the built model (e.g.
    no-good cuts, :mod:`mutusim.analysis.alternative_plans`); variables must go
    to ``model.aux``. The plan is checked as by :func:`optimise`; an infeasible
    model is not explained.

    Parameters
    ----------
    territory : Territory
    scenario : Scenario
    extend : callable
        Called once with the built :class:`MilpModel`, before the solve.

    Returns
    -------
    Result
    """
    check_scenario(scenario, territory)
    return _run(territory, scenario, extend)


def _run(
    territory: Territory,
    scenario: Scenario,
    extend: Callable[[MilpModel], None] | None = None,
) -> Result:
    """Build, solve and check, without explaining an infeasible scenario."""
    costs = CostData.from_inputs(territory, scenario)
    before = evaluate_plan(costs, status_quo(costs))
    votes, majorities = vote_tables(territory, scenario, costs)
    common: dict[str, Any] = {
        "territory": territory,
        "scenario": scenario,
        "baseline_cost": before.total_cost,
        "before": before,
        "votes": votes,
        "majorities": majorities,
    }
    t0 = time.perf_counter()
    phased = (
        solve_phased(territory, scenario, scenario.time_limit, costs)
        if extend is None and phasing_only(territory, scenario)
        else None
    )
    if phased is not None:
        # solved by structure, on one sub-model per service
        found, found_plan, found_starts, sizes = phased
        common.update(sizes)
        return _checked(territory, scenario, costs, found, found_plan, found_starts, common)
    parts = [territory] if extend is not None else _parts(territory, scenario)
    models = [build_model(t, scenario) for t in parts]
    if extend is not None:
        extend(models[0])
    common["build_seconds"] = sum(m.build_seconds for m in models)
    common["num_variables"] = sum(m.num_variables for m in models)
    common["num_constraints"] = sum(m.num_constraints for m in models)
    blocked = [m for m in models if m.infeasible_pairs()]
    if blocked:
        findings: list[Finding] = [f for m in blocked for f in explain_pairs(m)]
        return Result(status=Status.INFEASIBLE, explanation=tuple(findings), **common)
    if any(m.violated_rows for m in models):
        # explained by relaxing one rule at a time (optimise)
        return Result(status=Status.INFEASIBLE, **common)

    infos: list[SolveInfo] = []
    plan: dict[tuple[str, str], str] = {}
    starts: dict[str, int] = {}
    fractional: list[tuple[str, str]] = []
    for model in models:
        remaining = scenario.time_limit - (time.perf_counter() - t0)
        if remaining <= 0:
            infos.append(
                SolveInfo(
                    scenario.solver,
                    Status.TIME_LIMIT,
                    "not started: time limit",
                    None,
                    None,
                    None,
                    0.0,
                )
            )
            break
        if remaining < scenario.time_limit:
            model.data.scenario = scenario.replace(time_limit=remaining)
        info = solve(model)
        infos.append(info)
        if not info.has_plan:
            break
        part, part_starts, frac = extract_plan(model)
        plan.update(part)
        starts.update(part_starts)
        fractional += frac
    info = _combine(infos, len(models) or 1)
    if not info.has_plan:
        return Result(status=info.status, solve=info, **common)
    if fractional:
        # a solver that says it solved but returns decisions neither 0 nor 1 met numerical
        # trouble: say so, with the spread of the coefficients that causes it
        smallest, largest = _coefficient_range(models)
        finding = Finding(
            "numerical",
            values={"pairs": len(fractional), "smallest": smallest, "largest": largest},
        )
        return Result(status=Status.ERROR, solve=info, explanation=(finding,), **common)
    return _checked(territory, scenario, costs, info, plan, starts, common)


def _checked(
    territory: Territory,
    scenario: Scenario,
    costs: CostData,
    info: SolveInfo,
    plan: dict[tuple[str, str], str],
    starts: dict[str, int],
    common: dict[str, Any],
) -> Result:
    """The plan re-verified by the independent checker, as a Result."""
    report = check_plan(
        territory,
        scenario,
        plan,
        starts,
        info.objective,
        proven=info.status == Status.OPTIMAL,
        costs=costs,
        status=info.status,
    )
    if not report.ok or report.evaluation is None or report.schedule is None:
        return Result(status=Status.ERROR, solve=info, check_errors=tuple(report.errors), **common)
    after = report.evaluation
    return Result(
        status=info.status,
        solve=info,
        decisions=decisions_table(territory, common["before"], after, starts),
        pools=after.pools,
        total_cost=after.total_cost,
        transition_one_off=after.transition_one_off,
        fte_moved=after.fte_moved,
        after=after,
        schedule=report.schedule,
        **common,
    )


def _coefficient_range(models: list[MilpModel]) -> tuple[float, float]:
    """Smallest and largest absolute non-zero coefficient of the models (rows and objective)."""
    values = [abs(a) for m in models for _v, a in m.objective_terms if a]
    for m in models:
        for _name, (coefs, _sense, rhs) in m.row_terms():
            values += [abs(a) for a in coefs.values() if a]
            if rhs:
                values.append(abs(rhs))
    return (min(values), max(values)) if values else (0.0, 0.0)


def decomposes(territory: Territory, scenario: Scenario) -> bool:
    """True when the model splits into one independent sub-model per service.

    No active rule couples services (:data:`mutusim.core.rulebook.RULES`) and the
    scenario allows decomposition (``Scenario.decompose``).

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
    coupled = any(r.couples_services and scenario.rule_on(r.name) for r in rulebook.RULES)
    return scenario.decompose and not coupled


def _parts(territory: Territory, scenario: Scenario) -> list[Territory]:
    """One territory per service when nothing couples services, else the whole one."""
    services = territory.service_codes
    if not decomposes(territory, scenario) or len(services) == 1:
        return [territory]
    return [territory.subset(services=[s]) for s in services]


def _combine(infos: list[SolveInfo], expected: int) -> SolveInfo:
    """One SolveInfo for the parts of a decomposed solve (sums of objectives and bounds)."""
    if len(infos) == 1 and expected == 1:
        return infos[0]
    seconds = sum(i.seconds for i in infos)
    worst = next((i for i in infos if not i.has_plan), None)
    if worst is not None or len(infos) < expected:
        w = worst or infos[-1]
        return SolveInfo(w.solver, w.status, w.solver_status, None, None, None, seconds)
    status = Status.OPTIMAL if all(i.status == Status.OPTIMAL for i in infos) else Status.FEASIBLE
    objective = sum(i.objective or 0.0 for i in infos)
    bound = gap = None
    if all(i.bound is not None for i in infos):
        bound = sum(i.bound or 0.0 for i in infos)
        gap = abs(objective - bound) / max(1e-9, abs(objective))
    nodes = sum(i.nodes or 0 for i in infos)
    text = f"{len(infos)} sub-models: " + ", ".join(sorted({i.solver_status for i in infos}))
    return SolveInfo(infos[0].solver, status, text, objective, bound, gap, seconds, nodes)


def extract_plan(
    model: MilpModel,
) -> tuple[dict[tuple[str, str], str], dict[str, int], list[tuple[str, str]]]:
    """Read the plan and its start years from the solved variables.

    Parameters
    ----------
    model : MilpModel
        A solved model.

    Returns
    -------
    plan : dict
        (service, party) -> final mode; today's arrangement for a service that
        does not start within the horizon.
    starts : dict
        Service -> the year its changes take effect (services that start only).
    fractional : list
        Pairs whose values are not 0/1 within :data:`INTEGRALITY_TOL` (a sign
        of an interrupted solve returning a relaxation, PULP-NOTES.md).
    """
    data = model.data
    plan: dict[tuple[str, str], str] = {}
    starts: dict[str, int] = {}
    fractional = []
    for s in data.services:
        zs = {t: (z.varValue or 0.0) for (s2, t), z in model.z.items() if s2 == s}
        on = [t for t, v in zs.items() if v > 1 - INTEGRALITY_TOL]
        if any(INTEGRALITY_TOL < v < 1 - INTEGRALITY_TOL for v in zs.values()) or len(on) > 1:
            fractional += [(s, c) for c in data.parties_of(s)]
            continue
        t = on[0] if on else None
        if t is not None:
            starts[s] = t
        for c in data.parties_of(s):
            if t is None:
                plan[(s, c)] = data.pair(s, c).arrangement
                continue
            vals = {m: (model.x[(s, c, m, t)].varValue or 0.0) for m in model.allowed[(s, c)]}
            chosen = [m for m, v in vals.items() if v > 1 - INTEGRALITY_TOL]
            if len(chosen) != 1 or any(
                INTEGRALITY_TOL < v < 1 - INTEGRALITY_TOL for v in vals.values()
            ):
                fractional.append((s, c))
                continue
            plan[(s, c)] = chosen[0]
    return plan, starts, fractional


def status_quo_cost(territory: Territory, scenario: Scenario | None = None) -> float:
    """Annual cost [EUR/year] of today's arrangements under the cost model.

    Parameters
    ----------
    territory : Territory
        The input.
    scenario : Scenario, optional
        Pricing options (billing keys, staffing).

    Returns
    -------
    float
        [EUR/year]
    """
    costs = CostData.from_inputs(territory, scenario or Scenario())
    return evaluate_plan(costs, status_quo(costs)).total_cost
