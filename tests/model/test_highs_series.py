"""The warm-started LP series (:func:`mutusim.model.highs.run_lp_series`) against LPs solved by hand.

The LP: minimise ``-3 a - 2 b - c`` subject to ``a + b + c <= 2``, ``a - b <= 0.5``,
``0 <= a, b, c <= 1``; each setting fixes some columns. Its optima by hand:

* free: a = 1 would need b >= 0.5; a = 1, b = 1, c = 0 -> -5;
* a = 0: b = 1, c = 1 -> -3;
* b = 0: a <= 0.5, a = 0.5, c = 1 -> -2.5;
* a = 1, b = 0: a - b = 1 > 0.5, infeasible;
* c = 1: a + b <= 1, a - b <= 0.5: a = 0.75, b = 0.25 -> -2.25 - 0.5 - 1 = -3.75.
"""

from __future__ import annotations

import math

import pytest

from mutusim.core.status import Status
from mutusim.model.highs import PRESOLVE_MODE, Rows, new_highs, run_highs, run_lp_series

COST = [-3.0, -2.0, -1.0]
ROWS = Rows([0, 3, 5], [0, 1, 2, 0, 1], [1.0, 1.0, 1.0, 1.0, -1.0], [-math.inf] * 2, [2.0, 0.5])
SETTINGS = [
    ([], []),
    ([0], [0.0]),
    ([0], [1.0]),  # a fixed to 1 stays fixed: the settings are cumulative
    ([0, 1], [0.0, 0.0]),
    ([0, 1], [1.0, 0.0]),
    ([0, 1, 2], [0.0, 1.0, 1.0]),
]


def test_series_solves_each_setting_as_a_fresh_lp():
    runs = run_lp_series(COST, [0.0] * 3, [1.0] * 3, ROWS, SETTINGS, time_limit=10)
    assert len(runs) == len(SETTINGS)
    assert [r.status for r in runs] == [
        Status.OPTIMAL,
        Status.OPTIMAL,
        Status.OPTIMAL,
        Status.OPTIMAL,
        Status.INFEASIBLE,
        Status.OPTIMAL,
    ]
    # a = 1 fixed (setting 3): b >= 0.5, so b = 1, c = 0 -> -5
    assert [r.objective for r in runs if r.status == Status.OPTIMAL] == pytest.approx(
        [-5.0, -3.0, -5.0, -1.0, -3.0]
    )
    # each answer equals a cold solve of the same LP
    lower, upper = [0.0] * 3, [1.0] * 3
    for (cols, vals), run in zip(SETTINGS, runs, strict=True):
        for j, v in zip(cols, vals, strict=True):
            lower[j] = upper[j] = v
        cold = run_highs(COST, lower, upper, [False] * 3, ROWS, time_limit=10, mip_rel_gap=0)
        assert cold.status == run.status
        if cold.status == Status.OPTIMAL:
            assert run.objective == pytest.approx(cold.objective)
            assert run.bound == run.objective
            assert run.gap == 0.0


def test_by_hand_from_free_bounds():
    for cols, vals, expected in (
        ([0], [0.0], -3.0),
        ([1], [0.0], -2.5),
        ([2], [1.0], -3.75),
    ):
        (run,) = run_lp_series(COST, [0.0] * 3, [1.0] * 3, ROWS, [(cols, vals)], time_limit=10)
        assert run.status == Status.OPTIMAL
        assert run.objective == pytest.approx(expected)


def test_a_spent_time_limit_stops_the_series():
    assert run_lp_series(COST, [0.0] * 3, [1.0] * 3, ROWS, SETTINGS, time_limit=0.0) == []


def test_every_highs_instance_is_silent_deterministic_and_light_in_presolve():
    # one thread and a fixed seed: the same plan for the same inputs (PRODUCT.md Q3); light
    # presolve, without the probing that took 3.0 s of a 3.1 s MILP (PRESOLVE_MODE)
    h = new_highs(5.0, 1e-6, mip_heuristic_run_rins=False)
    assert h.getOptionValue("threads")[1] == 1
    assert h.getOptionValue("random_seed")[1] == 0
    assert h.getOptionValue("output_flag")[1] is False
    assert h.getOptionValue("presolve_mode")[1] == PRESOLVE_MODE == 2
    assert h.getOptionValue("mip_heuristic_run_rins")[1] is False
