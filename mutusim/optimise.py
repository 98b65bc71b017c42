"""Run a scenario end to end: build, solve, check, report."""

from __future__ import annotations

import time

import pandas as pd

from mutusim.check import check_plan, evaluate_plan, status_quo
from mutusim.problem import ModelData, Problem, build_problem
from mutusim.result import Result, decisions_table
from mutusim.scenario import Scenario
from mutusim.solve import SolveInfo, solve
from mutusim.territory import Territory

#: Tolerance on a binary's value before a plan is called fractional.
INTEGRALITY_TOL = 1e-5

#: Rules that link services together; while one is active the model is solved whole.
COUPLING_RULES = ("cost_cap", "fte_moved_cap")


def optimise(
    territory: Territory, scenario: Scenario | None = None, *, explain: bool = True
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

    Returns
    -------
    Result
        Never silent on failure: see ``Result.status`` and ``Result.explanation``.

    Examples
    --------
    >>> import mutusim as ms
    >>> res = ms.optimise(ms.examples.tiny())
    >>> res.status, round(res.savings)
    ('optimal', 39000)
    """
    scenario = scenario or Scenario()
    data = ModelData.from_inputs(territory, scenario)
    before = evaluate_plan(data, status_quo(data))
    res = Result(
        territory=territory,
        scenario=scenario,
        status="infeasible",
        baseline_cost=before.total_cost,
        before=before,
    )
    res.votes, res.majorities = vote_tables(data)

    problems = [build_problem(t, scenario) for t in _parts(territory, scenario)]
    res.build_seconds = sum(p.build_seconds for p in problems)
    res.num_variables = sum(p.num_variables for p in problems)
    res.num_constraints = sum(p.num_constraints for p in problems)
    blocked = [p for p in problems if p.infeasible_pairs()]
    if blocked:
        from mutusim.explain import explain_pairs

        res.explanation = [line for p in blocked for line in explain_pairs(p)]
        return res

    infos = []
    plan: dict[tuple[str, str], str] = {}
    fractional: list = []
    t0 = time.perf_counter()
    for prob in problems:
        remaining = scenario.time_limit - (time.perf_counter() - t0)
        if remaining <= 0:
            infos.append(
                SolveInfo(
                    scenario.solver, "time_limit", "not started: time limit", None, None, None, 0.0
                )
            )
            break
        if remaining < scenario.time_limit:
            prob.data.scenario = scenario.replace(time_limit=remaining)
        info = solve(prob)
        infos.append(info)
        if not info.has_plan:
            break
        part, frac = extract_plan(prob)
        plan.update(part)
        fractional += frac
    info = _combine(infos, len(problems))
    res.solve = info
    res.status = info.status
    if not info.has_plan:
        if info.status == "infeasible" and explain:
            from mutusim.explain import explain_infeasible

            res.explanation = explain_infeasible(territory, scenario)
        return res
    if fractional:
        res.status = "error"
        res.check_errors = [
            f"integrality: the solver returned fractional decisions for {fractional[:3]}"
        ]
        return res
    report = check_plan(data, plan, info.objective, proven=info.status == "optimal")
    if not report.ok:
        res.status = "error"
        res.check_errors = report.errors
        return res
    after = report.evaluation
    res.after = after
    res.decisions = decisions_table(territory, before, after)
    res.pools = after.pools
    res.total_cost = after.total_cost
    res.transition_one_off = after.transition_one_off
    res.fte_moved = after.fte_moved
    return res


def _parts(territory: Territory, scenario: Scenario) -> list[Territory]:
    """One territory per service when nothing couples services, else the whole one."""
    coupled = any(
        scenario.rule_on(r) and getattr(scenario, attr) is not None
        for r, attr in (("cost_cap", "max_total_cost"), ("fte_moved_cap", "max_fte_moved"))
    )
    services = territory.service_codes
    if not scenario.decompose or coupled or len(services) == 1:
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
    status = "optimal" if all(i.status == "optimal" for i in infos) else "feasible"
    objective = sum(i.objective or 0.0 for i in infos)
    bound = gap = None
    if all(i.bound is not None for i in infos):
        bound = sum(i.bound for i in infos)
        gap = abs(objective - bound) / max(1e-9, abs(objective))
    nodes = sum(i.nodes or 0 for i in infos)
    text = f"{len(infos)} sub-models: " + ", ".join(sorted({i.solver_status for i in infos}))
    return SolveInfo(infos[0].solver, status, text, objective, bound, gap, seconds, nodes)


def extract_plan(prob: Problem) -> tuple[dict[tuple[str, str], str], list]:
    """Read the chosen mode of each pair from the solved variables.

    Returns the plan and the pairs whose values are not 0/1 within
    :data:`INTEGRALITY_TOL` (a sign of an interrupted solve returning a
    relaxation, PULP-NOTES.md).
    """
    plan: dict[tuple[str, str], str] = {}
    fractional = []
    for (s, c), modes in prob.allowed.items():
        vals = {m: (prob.x[(s, c, m)].varValue or 0.0) for m in modes}
        chosen = [m for m, v in vals.items() if v > 1 - INTEGRALITY_TOL]
        if len(chosen) != 1 or any(
            INTEGRALITY_TOL < v < 1 - INTEGRALITY_TOL for v in vals.values()
        ):
            fractional.append((s, c))
            continue
        plan[(s, c)] = chosen[0]
    return plan, fractional


def vote_tables(data: ModelData) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Votes of every council on every transferable service, and the majority counts.

    DOMAIN.md §1.1, §6.2: the qualified majority of L5211-5 II with the
    veto of the most populous commune when it holds over a quarter of the
    population; silence (undecided) counts as yes.
    """
    t = data.territory
    rows, maj_rows = [], []
    for s in data.services:
        if not bool(t.services.at[s, "transferable"]) or t.is_mandatory(s):
            continue
        for c in data.communes:
            yes, why = data.vote(s, c)
            rows.append(
                {
                    "service": s,
                    "commune": c,
                    "name": t.communes.at[c, "name"],
                    "population": data.population[c],
                    "balance_if_transferred": data.transfer_balance(s, c),
                    "vote": yes,
                    "reason": why,
                }
            )
        m = data.majority(s)
        maj_rows.append(
            {
                "service": s,
                "councils": m.councils,
                "yes": m.yes,
                "population": m.population,
                "yes_population": m.yes_population,
                "branch_two_thirds": m.branch_two_thirds,
                "branch_half": m.branch_half,
                "largest": m.largest,
                "veto_applies": m.veto_applies,
                "largest_yes": m.largest_yes,
                "majority": m.holds,
            }
        )
    return pd.DataFrame(rows), pd.DataFrame(maj_rows)


def status_quo_cost(territory: Territory, scenario: Scenario | None = None) -> float:
    """Annual cost [EUR/year] of today's arrangements under the cost model."""
    data = ModelData.from_inputs(territory, scenario or Scenario())
    return evaluate_plan(data, status_quo(data)).total_cost
