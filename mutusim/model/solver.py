"""Solve a built model with HiGHS (default) or CBC, and read the status honestly.

PuLP 3.3 reports ``LpStatus`` "Optimal" for a HiGHS or CBC run stopped by
its time limit as soon as it holds a solution, and an interrupted CBC run can
return the LP relaxation's value (PULP-NOTES.md). So:

* HiGHS is driven through :mod:`mutusim.model.highs` (highspy directly, one
  ``passModel`` call; status, bound and gap read from the solver);
* CBC goes through PuLP, and only ``sol_status`` is trusted (optimal vs
  merely integer-feasible); the objective is never taken as the plan's cost
  but recomputed from the decisions by :mod:`mutusim.model.check`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import pulp

from mutusim.core.status import SolveInfo, Status
from mutusim.errors import SolverError
from mutusim.model.highs import Rows, run_highs
from mutusim.model.milp import MilpModel

__all__ = ["ModelArrays", "model_arrays", "model_rows", "solve"]


def solve(model: MilpModel) -> SolveInfo:
    """Solve ``model`` in place (variable values set) and return what the solver said.

    Parameters
    ----------
    model : MilpModel
        A built model; ``model.scenario`` gives solver, time limit [s] and MIP gap [-].

    Returns
    -------
    SolveInfo

    Raises
    ------
    SolverError
        Unknown solver, or the solver cannot run.
    """
    solver = model.scenario.solver
    if solver == "highs":
        return _solve_highs(model)
    if solver == "cbc":
        return _solve_cbc(model)
    raise SolverError(f"unknown solver '{solver}'; use 'highs' or 'cbc'")


def model_rows(model: MilpModel) -> tuple[list[pulp.LpVariable], Rows]:
    """The model's columns and its constraint rows in compressed row form.

    Parameters
    ----------
    model : MilpModel
        A built model.

    Returns
    -------
    columns : list of LpVariable
        In :attr:`MilpModel.columns` order.
    rows : Rows
    """
    cols = model.columns
    index = {id(v): j for j, v in enumerate(cols)}
    column = index.__getitem__
    starts: list[int] = [0]
    idx: list[int] = []
    lo: list[float] = []
    up: list[float] = []
    vals: list[float] = []
    for _name, (coefs, sense, rhs) in model.row_terms():
        idx += map(column, map(id, coefs))
        vals += map(float, coefs.values())
        starts.append(len(idx))
        if sense == pulp.LpConstraintEQ:
            lo.append(rhs)
            up.append(rhs)
        elif sense == pulp.LpConstraintGE:
            lo.append(rhs)
            up.append(math.inf)
        else:
            lo.append(-math.inf)
            up.append(rhs)
    return cols, Rows(starts, idx, vals, lo, up)


@dataclass(frozen=True)
class ModelArrays:
    """A built model as HiGHS takes it.

    Attributes
    ----------
    columns : list of LpVariable
        In :attr:`MilpModel.columns` order.
    index : dict
        ``id(variable)`` -> its column.
    cost, lower, upper : list of float
        Objective coefficients and column bounds (``±math.inf`` for none).
    integer : list of bool
        Integrality of each column.
    rows : Rows
    """

    columns: list[pulp.LpVariable]
    index: dict[int, int]
    cost: list[float]
    lower: list[float]
    upper: list[float]
    integer: list[bool]
    rows: Rows


def model_arrays(model: MilpModel) -> ModelArrays:
    """The model's columns, objective, bounds and rows as arrays (the hand-over to HiGHS).

    Parameters
    ----------
    model : MilpModel
        A built model.

    Returns
    -------
    ModelArrays
    """
    cols, rows = model_rows(model)
    index = {id(v): j for j, v in enumerate(cols)}
    cost = [0.0] * len(cols)
    for v, a in model.objective_terms:
        cost[index[id(v)]] += a
    return ModelArrays(
        columns=cols,
        index=index,
        cost=cost,
        lower=[float(v.lowBound) if v.lowBound is not None else -math.inf for v in cols],
        upper=[float(v.upBound) if v.upBound is not None else math.inf for v in cols],
        integer=[v.cat == pulp.LpInteger for v in cols],
        rows=rows,
    )


def _solve_highs(model: MilpModel) -> SolveInfo:
    t0 = time.perf_counter()  # the hand-over to arrays counts in the solve time
    a = model_arrays(model)
    sc = model.scenario
    run = run_highs(
        a.cost,
        a.lower,
        a.upper,
        a.integer,
        a.rows,
        time_limit=sc.time_limit,
        mip_rel_gap=sc.mip_gap,
    )
    if run.x is not None:
        for v, val in zip(a.columns, run.x, strict=True):
            v.varValue = val
    seconds = time.perf_counter() - t0
    return SolveInfo(
        "highs", run.status, run.text, run.objective, run.bound, run.gap, seconds, run.nodes
    )


def _solve_cbc(model: MilpModel) -> SolveInfo:
    t0 = time.perf_counter()
    sc = model.scenario
    cmd = pulp.PULP_CBC_CMD(
        msg=False, timeLimit=float(sc.time_limit), gapRel=float(sc.mip_gap), threads=1
    )
    if not cmd.available():  # pragma: no cover - bundled with pulp<4
        raise SolverError(
            "PuLP's bundled CBC is not available; install pulp>=3.3,<4 or use solver='highs'"
        )
    try:
        model.lp.solve(cmd)
    except pulp.PulpSolverError as exc:
        return SolveInfo("cbc", Status.ERROR, str(exc), None, None, None, time.perf_counter() - t0)
    seconds = time.perf_counter() - t0
    sol = model.lp.sol_status
    text = (
        f"{pulp.LpStatus.get(model.lp.status, model.lp.status)} / {pulp.LpSolution.get(sol, sol)}"
    )
    if sol == pulp.LpSolutionOptimal:
        status = Status.OPTIMAL
    elif sol == pulp.LpSolutionIntegerFeasible:
        status = Status.FEASIBLE  # stopped early: PuLP's status says "Optimal" here
    elif sol == pulp.LpSolutionInfeasible or model.lp.status == pulp.LpStatusInfeasible:
        # CBC stopped by its time limit early in the search writes "Integer infeasible":
        # only a run that ended well before the limit has proven infeasibility.
        timed_out = seconds >= 0.9 * float(sc.time_limit)
        status = Status.TIME_LIMIT if timed_out else Status.INFEASIBLE
    elif sol == pulp.LpSolutionUnbounded:
        status = Status.UNBOUNDED
    elif sol == pulp.LpSolutionNoSolutionFound:
        status = Status.TIME_LIMIT
    else:
        status = Status.ERROR
    objective = None
    if status in (Status.OPTIMAL, Status.FEASIBLE):
        objective = float(pulp.value(model.lp.objective) or 0.0)
    return SolveInfo("cbc", status, text, objective, None, None, seconds)
