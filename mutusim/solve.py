"""Solve a built problem with HiGHS (default) or CBC, and read the status honestly.

PuLP 3.3 reports ``LpStatus`` "Optimal" for a HiGHS or CBC run stopped by
its time limit as soon as it holds a solution, and an interrupted CBC run can
return the LP relaxation's value (PULP-NOTES.md). So:

* HiGHS is driven through highspy directly: the matrix is handed over in one
  ``passModel`` call (4.9x faster than PuLP's row-by-row hand-over) and the
  model status, primal solution status, MIP gap and dual bound are read from
  the solver itself;
* CBC goes through PuLP, and only ``sol_status`` is trusted (optimal vs
  merely integer-feasible); the objective is never taken from the solver but
  recomputed from the decisions by :mod:`mutusim.check`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import pulp

from mutusim.errors import SolverError
from mutusim.problem import Problem

#: Statuses a :class:`SolveInfo` (and so a Result) can carry.
STATUSES = ("optimal", "feasible", "infeasible", "time_limit", "unbounded", "error")


@dataclass(frozen=True)
class SolveInfo:
    """What the solver said, read from the solver itself.

    Attributes
    ----------
    solver : str
        ``highs`` or ``cbc``.
    status : str
        ``optimal`` (proven within the gap), ``feasible`` (a plan, not proven
        optimal: time limit), ``infeasible``, ``time_limit`` (stopped with no
        plan), ``unbounded`` or ``error``.
    solver_status : str
        The solver's own status text.
    objective : float or None
        Objective of the plan found, as the solver reports it [EUR/year].
    bound : float or None
        Best proven lower bound [EUR/year] (HiGHS only).
    gap : float or None
        Relative MIP gap of the plan [-] (HiGHS only).
    seconds : float
        Wall time of the solver run [s], hand-over included.
    nodes : int or None
        Branch-and-bound nodes.
    """

    solver: str
    status: str
    solver_status: str
    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float
    nodes: int | None = None

    @property
    def has_plan(self) -> bool:
        return self.status in ("optimal", "feasible")


def _columns(prob: Problem) -> list[pulp.LpVariable]:
    return [*prob.x.values(), *prob.y.values(), *prob.n.values()]


def solve(prob: Problem) -> SolveInfo:
    """Solve ``prob`` in place (variable values set) and return what the solver said."""
    solver = prob.scenario.solver
    if solver == "highs":
        return _solve_highs(prob)
    if solver == "cbc":
        return _solve_cbc(prob)
    raise SolverError(f"unknown solver '{solver}'; use 'highs' or 'cbc'")


def _solve_highs(prob: Problem) -> SolveInfo:
    try:
        import highspy
    except ImportError as exc:  # pragma: no cover - highspy is a dependency
        raise SolverError(
            "highspy is not installed: pip install highspy, or use solver='cbc'"
        ) from exc

    t0 = time.perf_counter()
    cols = _columns(prob)
    index = {id(v): j for j, v in enumerate(cols)}
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_ = len(cols)
    cost = [0.0] * len(cols)
    for v, a in prob.objective_terms:
        cost[index[id(v)]] += a
    lp.col_cost_ = cost
    lp.col_lower_ = [float(v.lowBound) if v.lowBound is not None else -inf for v in cols]
    lp.col_upper_ = [float(v.upBound) if v.upBound is not None else inf for v in cols]
    lp.integrality_ = [
        highspy.HighsVarType.kInteger
        if v.cat == pulp.LpInteger
        else highspy.HighsVarType.kContinuous
        for v in cols
    ]
    starts, idx, vals, lo, up = [0], [], [], [], []
    for con in prob.lp.constraints.values():
        for v, a in con.items():
            idx.append(index[id(v)])
            vals.append(float(a))
        starts.append(len(idx))
        rhs = -float(con.constant)
        if con.sense == pulp.LpConstraintEQ:
            lo.append(rhs)
            up.append(rhs)
        elif con.sense == pulp.LpConstraintGE:
            lo.append(rhs)
            up.append(inf)
        else:
            lo.append(-inf)
            up.append(rhs)
    set_rows(lp, len(cols), starts, idx, vals, lo, up)

    h = new_highs(prob.scenario.time_limit, prob.scenario.mip_gap)
    h.passModel(lp)
    h.run()
    seconds = time.perf_counter() - t0

    status, text, has_solution = highs_status(h)
    info = h.getInfo()
    objective = bound = gap = None
    if status in ("optimal", "feasible") and has_solution:
        values = h.getSolution().col_value
        for v, val in zip(cols, values, strict=True):
            v.varValue = val
        objective = float(info.objective_function_value)
        is_mip = any(v.cat == pulp.LpInteger for v in cols)
        # A pure LP (no integer column) has no MIP gap: its optimum is its bound.
        gap = float(info.mip_gap) if is_mip else 0.0
        bound = float(info.mip_dual_bound) if is_mip else objective
        if status == "optimal" and gap > prob.scenario.mip_gap + 1e-9:
            # HiGHS stops at its own gap tolerance; anything looser is not optimal.
            status = "feasible"
    nodes = int(info.mip_node_count) if info.mip_node_count >= 0 else None
    return SolveInfo("highs", status, text, objective, bound, gap, seconds, nodes)


def set_rows(
    lp: object,
    num_col: int,
    starts: list[int],
    index: list[int],
    value: list[float],
    lower: list[float],
    upper: list[float],
) -> None:
    """Give a ``highspy.HighsLp`` its constraint rows, row-wise (CSR), in one go."""
    import highspy

    lp.num_row_ = len(lower)
    lp.row_lower_, lp.row_upper_ = lower, upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = num_col
    lp.a_matrix_.num_row_ = len(lower)
    lp.a_matrix_.start_ = starts
    lp.a_matrix_.index_ = index
    lp.a_matrix_.value_ = value


def new_highs(time_limit: float, mip_rel_gap: float, **options: float) -> object:
    """A silent, deterministic HiGHS instance (single thread, fixed seed; PRODUCT.md Q3)."""
    import highspy

    h = _new_highs(highspy)
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    h.setOptionValue("random_seed", 0)
    h.setOptionValue("threads", 1)
    for name, value in options.items():
        h.setOptionValue(name, value)
    return h


def highs_status(h: object) -> tuple[str, str, bool]:
    """Our status, HiGHS's own status text, and whether HiGHS holds a feasible solution.

    Read from the solver itself: ``optimal`` only on kOptimal; a time, iteration
    or solution limit is ``feasible`` with a solution, ``time_limit`` without.
    """
    import highspy

    ms = h.getModelStatus()
    text = h.modelStatusToString(ms)
    has_solution = h.getInfo().primal_solution_status == 2  # kSolutionStatusFeasible
    S = highspy.HighsModelStatus
    if ms in (S.kOptimal, S.kModelEmpty):
        status = "optimal"
    elif ms in (S.kInfeasible, S.kUnboundedOrInfeasible):
        status = "infeasible"
    elif ms == S.kUnbounded:
        status = "unbounded"
    elif ms in (
        S.kTimeLimit,
        S.kIterationLimit,
        S.kSolutionLimit,
        S.kInterrupt,
        S.kHighsInterrupt,
    ):
        status = "feasible" if has_solution else "time_limit"
    else:
        status = "error"
    return status, text, has_solution


_BANNER_SHOWN = False


def _new_highs(highspy):  # noqa: ANN001, ANN202
    """A Highs instance; the first one's copyright banner (C-level stdout) is swallowed."""
    global _BANNER_SHOWN
    if _BANNER_SHOWN:
        return highspy.Highs()
    import os
    import sys

    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no real stdout (embedded interpreters)
        _BANNER_SHOWN = True
        return highspy.Highs()
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        _BANNER_SHOWN = True
    return h


def _solve_cbc(prob: Problem) -> SolveInfo:
    t0 = time.perf_counter()
    cmd = pulp.PULP_CBC_CMD(
        msg=False,
        timeLimit=float(prob.scenario.time_limit),
        gapRel=float(prob.scenario.mip_gap),
        threads=1,
    )
    if not cmd.available():  # pragma: no cover - bundled with pulp<4
        raise SolverError(
            "PuLP's bundled CBC is not available; install pulp>=3.3,<4 or use solver='highs'"
        )
    try:
        prob.lp.solve(cmd)
    except pulp.PulpSolverError as exc:
        return SolveInfo("cbc", "error", str(exc), None, None, None, time.perf_counter() - t0)
    seconds = time.perf_counter() - t0
    sol = prob.lp.sol_status
    text = f"{pulp.LpStatus.get(prob.lp.status, prob.lp.status)} / {pulp.LpSolution.get(sol, sol)}"
    if sol == pulp.LpSolutionOptimal:
        status = "optimal"
    elif sol == pulp.LpSolutionIntegerFeasible:
        status = "feasible"  # stopped early: PuLP's status says "Optimal" here
    elif sol == pulp.LpSolutionInfeasible or prob.lp.status == pulp.LpStatusInfeasible:
        # CBC stopped by its time limit early in the search writes "Integer infeasible":
        # only a run that ended well before the limit has proven infeasibility.
        timed_out = seconds >= 0.9 * float(prob.scenario.time_limit)
        status = "time_limit" if timed_out else "infeasible"
    elif sol == pulp.LpSolutionUnbounded:
        status = "unbounded"
    elif sol == pulp.LpSolutionNoSolutionFound:
        status = "time_limit"
    else:
        status = "error"
    objective = None
    if status in ("optimal", "feasible"):
        objective = float(pulp.value(prob.lp.objective) or 0.0)
    return SolveInfo("cbc", status, text, objective, None, None, seconds)
