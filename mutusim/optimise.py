"""Run a scenario end to end: build, solve, check, report."""

from __future__ import annotations

from mutusim.check import check_plan, evaluate_plan, status_quo
from mutusim.problem import ModelData, Problem, build_problem
from mutusim.result import Result, decisions_table
from mutusim.scenario import Scenario
from mutusim.solve import solve
from mutusim.territory import Territory

#: Tolerance on a binary's value before a plan is called fractional.
INTEGRALITY_TOL = 1e-5


def optimise(territory: Territory, scenario: Scenario | None = None) -> Result:
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
    prob = build_problem(territory, scenario)
    data = prob.data
    before = evaluate_plan(data, status_quo(data))
    res = Result(
        territory=territory,
        scenario=scenario,
        status="infeasible",
        build_seconds=prob.build_seconds,
        num_variables=prob.num_variables,
        num_constraints=prob.num_constraints,
        baseline_cost=before.total_cost,
    )
    if prob.infeasible_pairs():
        from mutusim.explain import explain_pairs

        res.explanation = explain_pairs(prob)
        return res

    info = solve(prob)
    res.solve = info
    res.status = info.status
    if not info.has_plan:
        if info.status == "infeasible":
            from mutusim.explain import explain_infeasible

            res.explanation = explain_infeasible(territory, scenario)
        return res

    plan, fractional = extract_plan(prob)
    if fractional:
        res.status = "error"
        res.check_errors = [f"integrality: the solver returned fractional decisions for {fractional[:3]}"]
        return res
    report = check_plan(data, plan, info.objective, proven=info.status == "optimal")
    if not report.ok:
        res.status = "error"
        res.check_errors = report.errors
        return res
    after = report.evaluation
    res.decisions = decisions_table(territory, before, after)
    res.pools = after.pools
    res.total_cost = after.total_cost
    res.transition_one_off = after.transition_one_off
    res.fte_moved = after.fte_moved
    return res


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
        if len(chosen) != 1 or any(INTEGRALITY_TOL < v < 1 - INTEGRALITY_TOL for v in vals.values()):
            fractional.append((s, c))
            continue
        plan[(s, c)] = chosen[0]
    return plan, fractional


def status_quo_cost(territory: Territory, scenario: Scenario | None = None) -> float:
    """Annual cost [EUR/year] of today's arrangements under the cost model."""
    data = ModelData.from_inputs(territory, scenario or Scenario())
    return evaluate_plan(data, status_quo(data)).total_cost
