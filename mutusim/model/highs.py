"""The one bridge to HiGHS (highspy), shared by every MILP of mutusim.

A model is handed over as arrays in one ``passModel`` call (PULP-NOTES.md:
4.9x faster than PuLP's row-by-row hand-over), and everything about the
answer — model status, primal solution status, objective, MIP gap, dual
bound — is read from HiGHS itself, never from PuLP (which reports "Optimal"
after a time limit). HiGHS runs single-threaded with a fixed random seed:
the same inputs give the same plan (PRODUCT.md Q3).
"""

from __future__ import annotations

import math
import os
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from mutusim.core.status import Status
from mutusim.errors import SolverError

__all__ = [
    "HighsRun",
    "Rows",
    "highs_status",
    "new_highs",
    "run_binaries",
    "run_highs",
    "run_lp_series",
]


@dataclass(frozen=True)
class Rows:
    """Constraint rows in compressed row form: ``lower <= A x <= upper``.

    Attributes
    ----------
    starts : list of int
        Start of each row in ``index``/``value``, plus the end (len = rows + 1).
    index : list of int
        Column of each non-zero.
    value : list of float
        Value of each non-zero.
    lower, upper : list of float
        Row bounds (``-inf``/``inf`` for none).
    """

    starts: list[int]
    index: list[int]
    value: list[float]
    lower: list[float]
    upper: list[float]


@dataclass(frozen=True)
class HighsRun:
    """What HiGHS said about one run.

    Attributes
    ----------
    status : Status
        Read from HiGHS (:func:`highs_status`).
    text : str
        HiGHS's own model status text.
    x : list of float or None
        Column values when HiGHS holds a feasible solution.
    objective, bound, gap : float or None
        Objective value, dual bound and relative MIP gap (a pure LP: bound =
        objective, gap 0).
    nodes : int or None
        Branch-and-bound nodes.
    seconds : float
        Wall time of hand-over and solve [s].
    """

    status: Status
    text: str
    x: list[float] | None
    objective: float | None
    bound: float | None
    gap: float | None
    nodes: int | None
    seconds: float


def _highspy() -> Any:
    try:
        import highspy
    except ImportError as exc:  # pragma: no cover - highspy is a dependency
        raise SolverError(
            "highspy is not installed: pip install highspy, or use solver='cbc'"
        ) from exc
    return highspy


_BANNER_SHOWN = False
#: The first instance swaps the process's stdout: one thread at a time.
_BANNER_LOCK = threading.Lock()


def _quiet_highs(highspy: Any) -> Any:
    """A Highs instance; the first one's copyright banner (C-level stdout) is swallowed."""
    if _BANNER_SHOWN:
        return highspy.Highs()
    with _BANNER_LOCK:
        return _first_highs(highspy)


def _first_highs(highspy: Any) -> Any:
    global _BANNER_SHOWN
    if _BANNER_SHOWN:
        return highspy.Highs()
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


#: HiGHS's default absolute MIP gap [objective units, EUR here].
HIGHS_ABS_GAP = 1e-6
#: HiGHS's presolve mode: 2 is "light", without its probing. Probing the band binaries
#: of the posts still filled (docs/model.md, "Staff") took 3.0 s of the 3.1 s of public
#: spaces' MILP on the Métropole de Lyon (0.16 s light, the same optimum). With it,
#: ``optimise`` with the default scenario took 3.4 s instead of 7.5 s there, 2.5 s
#: instead of 7.9 s on the CA du Pays Basque, 9.3 s instead of 14.6 s for Angers' whole
#: model and 18 s instead of 51 s on the Métropole du Grand Paris; Angers' sub-model
#: MILPs of robustness draws took the same time (benchmarks/analyses.md).
PRESOLVE_MODE = 2


def new_highs(time_limit: float, mip_rel_gap: float, **options: float) -> Any:
    """A silent, deterministic HiGHS instance (single thread, fixed seed; PRODUCT.md Q3).

    Parameters
    ----------
    time_limit : float
        [s]
    mip_rel_gap : float
        Relative gap at which the MIP may stop [-].
    **options
        Further HiGHS options.

    Returns
    -------
    highspy.Highs
    """
    h = _quiet_highs(_highspy())
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    h.setOptionValue("random_seed", 0)
    h.setOptionValue("threads", 1)
    h.setOptionValue("presolve_mode", PRESOLVE_MODE)
    for name, value in options.items():
        h.setOptionValue(name, value)
    return h


def highs_status(h: Any) -> tuple[Status, str, bool]:
    """Our status, HiGHS's own status text, and whether HiGHS holds a feasible solution.

    ``optimal`` only on kOptimal; a time, iteration or solution limit is
    ``feasible`` with a solution, ``time_limit`` without.

    Parameters
    ----------
    h : highspy.Highs
        An instance after ``run()``.

    Returns
    -------
    tuple of (Status, str, bool)
    """
    highspy = _highspy()
    ms = h.getModelStatus()
    text = h.modelStatusToString(ms)
    has_solution = h.getInfo().primal_solution_status == 2  # kSolutionStatusFeasible
    S = highspy.HighsModelStatus
    if ms in (S.kOptimal, S.kModelEmpty):
        status = Status.OPTIMAL
    elif ms in (S.kInfeasible, S.kUnboundedOrInfeasible):
        status = Status.INFEASIBLE
    elif ms == S.kUnbounded:
        status = Status.UNBOUNDED
    elif ms in (
        S.kTimeLimit,
        S.kIterationLimit,
        S.kSolutionLimit,
        S.kInterrupt,
        S.kHighsInterrupt,
    ):
        status = Status.FEASIBLE if has_solution else Status.TIME_LIMIT
    else:
        status = Status.ERROR
    return status, text, has_solution


def run_highs(
    cost: list[float],
    lower: list[float],
    upper: list[float],
    integer: list[bool],
    rows: Rows,
    *,
    maximize: bool = False,
    time_limit: float,
    mip_rel_gap: float,
    **options: float,
) -> HighsRun:
    """Solve ``min (or max) cost·x`` s.t. rows and bounds with HiGHS, and read its answer.

    Parameters
    ----------
    cost : list of float
        Objective coefficients.
    lower, upper : list of float
        Column bounds (``±math.inf`` for none).
    integer : list of bool
        Integrality of each column.
    rows : Rows
        Constraint rows.
    maximize : bool
        Maximise instead of minimising.
    time_limit : float
        [s]
    mip_rel_gap : float
        [-]
    **options
        Further HiGHS options (e.g. ``mip_abs_gap``).

    Returns
    -------
    HighsRun
        ``optimal`` only when HiGHS proves it within ``mip_rel_gap``.
    """
    t0 = time.perf_counter()
    h = new_highs(time_limit, mip_rel_gap, **options)
    h.passModel(_lp(cost, lower, upper, integer, rows, maximize))
    h.run()
    return _read(h, any(integer), mip_rel_gap, options, t0)


def run_lp_series(
    cost: list[float],
    lower: list[float],
    upper: list[float],
    rows: Rows,
    fixes: list[tuple[list[int], list[float]]],
    *,
    time_limit: float,
) -> list[HighsRun]:
    """Solve one LP (minimise) under several settings of a few columns, warm-started.

    The model is handed to HiGHS once; each setting fixes its columns
    (``fixes[k] = (columns, values)``, lower = upper = value) and the simplex
    restarts from the previous optimal basis: the relaxations of a sub-model
    for each start year at about half the cost of solving each afresh.

    Parameters
    ----------
    cost : list of float
        Objective coefficients.
    lower, upper : list of float
        Column bounds (``±math.inf`` for none), before any setting.
    rows : Rows
        Constraint rows.
    fixes : list
        ``(columns, values)`` of each LP of the series, in order.
    time_limit : float
        Seconds for the whole series.

    Returns
    -------
    list of HighsRun
        One per setting, in order; it stops after the first that is not optimal
        (time limit, numerical trouble) or infeasible.
    """
    t0 = time.perf_counter()
    h = new_highs(time_limit, 0.0)
    h.passModel(_lp(cost, lower, upper, [False] * len(cost), rows, False))
    runs = []
    for columns, values in fixes:
        t1 = time.perf_counter()
        left = time_limit - (t1 - t0)
        if left <= 0:
            break
        h.setOptionValue("time_limit", float(left))
        idx = np.asarray(columns, dtype=np.int32)
        val = np.asarray(values, dtype=float)
        h.changeColsBounds(len(idx), idx, val, val)
        h.run()
        run = _read(h, False, 0.0, {}, t1)
        runs.append(run)
        if run.status not in (Status.OPTIMAL, Status.INFEASIBLE):
            break
        if run.status == Status.INFEASIBLE:
            # an infeasible LP leaves no basis worth restarting from
            h.clearSolver()
    return runs


def _lp(
    cost: list[float],
    lower: list[float],
    upper: list[float],
    integer: list[bool],
    rows: Rows,
    maximize: bool,
) -> Any:
    """The arrays as a ``highspy.HighsLp`` (row-wise matrix)."""
    highspy = _highspy()
    inf = highspy.kHighsInf
    n = len(cost)
    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.col_cost_ = list(cost)
    lp.col_lower_ = [-inf if math.isinf(v) else v for v in lower]
    lp.col_upper_ = [inf if math.isinf(v) else v for v in upper]
    lp.integrality_ = [
        highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous for i in integer
    ]
    lp.sense_ = highspy.ObjSense.kMaximize if maximize else highspy.ObjSense.kMinimize
    lp.num_row_ = len(rows.lower)
    lp.row_lower_ = [-inf if math.isinf(v) else v for v in rows.lower]
    lp.row_upper_ = [inf if math.isinf(v) else v for v in rows.upper]
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = n
    lp.a_matrix_.num_row_ = len(rows.lower)
    lp.a_matrix_.start_ = rows.starts
    lp.a_matrix_.index_ = rows.index
    lp.a_matrix_.value_ = rows.value
    return lp


def _read(
    h: Any, is_mip: bool, mip_rel_gap: float, options: dict[str, float], t0: float
) -> HighsRun:
    """HiGHS's answer after a run: status, solution, objective, bound and gap, as it says."""
    seconds = time.perf_counter() - t0
    status, text, has_solution = highs_status(h)
    info = h.getInfo()
    x = objective = bound = gap = None
    n = h.getNumCol()
    if status in (Status.OPTIMAL, Status.FEASIBLE) and has_solution:
        x = list(h.getSolution().col_value)
        objective = float(info.objective_function_value)
        # A pure LP (no integer column) has no MIP gap: its optimum is its bound.
        gap = float(info.mip_gap) if is_mip else 0.0
        bound = float(info.mip_dual_bound) if is_mip else objective
        abs_gap = abs(objective - bound)
        if (
            status == Status.OPTIMAL
            and gap > mip_rel_gap + 1e-9
            and abs_gap > float(options.get("mip_abs_gap", HIGHS_ABS_GAP))
        ):
            # HiGHS stops at its own gap tolerances (relative, or absolute: a relative gap
            # means nothing at an objective of 0); anything looser is not optimal.
            status = Status.FEASIBLE
    elif status == Status.OPTIMAL and n == 0:
        x, objective, bound, gap = [], 0.0, 0.0, 0.0
    nodes = int(info.mip_node_count) if info.mip_node_count >= 0 else None
    return HighsRun(status, text, x, objective, bound, gap, nodes, seconds)


def run_binaries(
    cost: list[float],
    rows: list[tuple[list[int], list[float], float, float]],
    *,
    maximize: bool,
    time_limit: float,
    **options: float,
) -> HighsRun:
    """Solve a small pure-binary programme exactly (no relative gap, absolute gap 1e-9).

    Parameters
    ----------
    cost : list of float
        Objective coefficients, one per binary column.
    rows : list
        ``(columns, values, lower, upper)`` per constraint row.
    maximize : bool
        Maximise instead of minimising.
    time_limit : float
        [s]
    **options
        Further HiGHS options (e.g. heuristics switched off).

    Returns
    -------
    HighsRun
    """
    starts, index, value = [0], [], []
    for idx, vals, _lo, _up in rows:
        index += idx
        value += vals
        starts.append(len(index))
    return run_highs(
        cost,
        [0.0] * len(cost),
        [1.0] * len(cost),
        [True] * len(cost),
        Rows(starts, index, value, [r[2] for r in rows], [r[3] for r in rows]),
        maximize=maximize,
        time_limit=time_limit,
        mip_rel_gap=0.0,
        mip_abs_gap=1e-9,
        **options,
    )
